"""The zoo's shipped models: `catalog.json` lists them, `ship.py` makes, checks and documents them."""
