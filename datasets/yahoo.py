"""Yahoo Webscope S5, benchmark A1: one univariate series per CSV with point labels.

Name: `yahoo-a1:<path to a CSV>`. Its license forbids redistribution, so the zoo ships no copy:
the path names the user's own file (absolute, or relative to the working directory).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from datasets.base import (Dataset, DatasetError, finite_floats, read_csv, require_columns,
                           require_file, series_dataset)

ORIGIN = "https://webscope.sandbox.yahoo.com/catalog.php?datatype=s&did=70"
COLUMNS = ("timestamp", "value", "is_anomaly")


def load(arg: str | None, data_dir: str | None, *, window: int = 60,
         train_fraction: float = 0.4, val_fraction: float = 0.1) -> Dataset:
    """One A1 series (`timestamp,value,is_anomaly`), split chronologically.

    Args:
        arg: path of the CSV, e.g. `A1Benchmark/real_1.csv` in the unpacked Webscope archive.
        data_dir: not used: the path is taken as given.
        window: the window length models use.
        train_fraction, val_fraction: the shares of the series for train and val; test is the
            rest.

    Raises:
        DatasetError: no path, a missing column, a missing or non-numeric value, a label other
            than 0 or 1, or a part shorter than one window.
        DataFileNotFoundError: the CSV is missing.
    """
    if not arg:
        raise DatasetError("'yahoo-a1' needs the path of an A1 CSV: yahoo-a1:<path to a CSV>")
    path = require_file(Path(arg).expanduser(), ORIGIN)
    frame = read_csv(path)
    require_columns(frame, COLUMNS, path)
    values = finite_floats(frame[["value"]], f"{path}: value")
    labels = finite_floats(frame[["is_anomaly"]], f"{path}: is_anomaly")[:, 0]
    not_binary = np.flatnonzero((labels != 0) & (labels != 1))
    if len(not_binary):
        row = int(not_binary[0])
        raise DatasetError(f"{path}: is_anomaly: row {row} holds {labels[row]:g}; expected 0 or 1")
    return series_dataset(
        f"yahoo-a1:{arg}", values, labels.astype(np.int8), window=window,
        train_fraction=train_fraction, val_fraction=val_fraction,
        meta={"source": [str(path)], "feature_names": ["value"],
              "notes": "Point labels from the is_anomaly column."})
