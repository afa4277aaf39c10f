"""Training settings per (model, dataset): the papers' own, used by train.py and the benchmarks.

A model's constructor holds its paper's architecture and optimiser; how long and in what batches
it trains, and whether it stops early, depend on the data too. Where a paper (or its reference
code) fixes them for a dataset, the recipe here says so once: `python train.py --model alad
--dataset kdd99` then trains as the leaderboard's row did. Every flag still overrides.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How a model trains on one dataset; None: train.py's general default.

    Args:
        epochs: most training epochs.
        batch_size: global batch size.
        patience: stop after this many epochs without a better validation loss (computed on
            the normal val examples) and keep the best epoch; only models with a
            VALIDATION_LOSS take it.
        source: where the settings come from.
    """

    epochs: int | None = None
    batch_size: int | None = None
    patience: int | None = None
    source: str = ""


ALAD_PROTOCOL = Recipe(epochs=8, batch_size=50, patience=2,
                       source="ALAD's KDD99 code: batch 50; early stopping on the "
                              "reconstruction of normal val records, at most 8 epochs")
ANOEAN_PAPER = Recipe(epochs=20, batch_size=200, patience=3,
                      source="AnoEAN paper: batch 200; early stopping on the encoder's loss "
                             "over normal val records")
TANOGAN_PAPER = Recipe(epochs=30, batch_size=32,
                       source="TAnoGAN's reference code: batch 32, 30 epochs on a NAB series")

#: (model, dataset family: the part of a dataset name before ':') -> its recipe.
RECIPES: dict[tuple[str, str], Recipe] = {
    **{(model, "kdd99"): ALAD_PROTOCOL
       for model in ("anogan", "egbad", "alad", "ganomaly", "fencegan", "anogan_ensemble",
                     "egbad_ensemble", "ganomaly_ensemble")},
    ("anoean", "nsl-kdd"): ANOEAN_PAPER,
    ("anoean", "kdd99"): ANOEAN_PAPER,
    ("tanogan", "nab"): TANOGAN_PAPER,
}


def recipe(model: str, dataset: str) -> Recipe:
    """The recipe of `model` on `dataset` (a dataset name, e.g. "nab:realKnownCause/x.csv");
    an empty Recipe where none is written."""
    return RECIPES.get((model, dataset.partition(":")[0]), Recipe())
