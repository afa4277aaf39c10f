"""NAB, the Numenta Anomaly Benchmark: one univariate series per CSV, labelled by anomaly windows.

Name: `nab:<category>/<file>.csv`, e.g.
`nab:realKnownCause/ambient_temperature_system_failure.csv`.
The files are read from `<data dir>/nab/` (`data/<category>/<file>.csv` and
`labels/combined_windows.json`), or from the data dir itself when it is a `git clone` of NAB.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from datasets.base import (Dataset, DatasetError, finite_floats, read_csv, require_columns,
                           require_file, series_dataset)
from datasets.base import data_dir as resolve_data_dir

ORIGIN = "https://github.com/numenta/NAB"
WINDOWS_FILE = Path("labels") / "combined_windows.json"
# Folder and file names may not start with a dot: a key never leaves the NAB folder.
KEY_FORMAT = re.compile(r"[\w-][\w.-]*/[\w-][\w.-]*\.csv")


def nab_root(data_dir: str | None = None) -> Path:
    """The NAB folder: the data dir itself when it is a NAB checkout, else `<data dir>/nab`."""
    folder = resolve_data_dir(data_dir)
    if (folder / WINDOWS_FILE).is_file():
        return folder
    return folder / "nab"


def series_keys(data_dir: str | None = None) -> list[str]:
    """Every `<category>/<file>.csv` present under the NAB folder's `data/`, sorted."""
    series_folder = nab_root(data_dir) / "data"
    return sorted(f"{path.parent.name}/{path.name}" for path in series_folder.glob("*/*.csv"))


def load(arg: str | None, data_dir: str | None, *, window: int = 60,
         train_fraction: float = 0.4, val_fraction: float = 0.1) -> Dataset:
    """One NAB series, split chronologically.

    A point is labelled anomalous when its timestamp lies inside any of the series' windows in
    `combined_windows.json` (both ends included).

    Args:
        arg: the series key, `<category>/<file>.csv`.
        data_dir: the folder holding `nab/`, or a NAB checkout; default: see
            `datasets.base.data_dir`.
        window: the window length models use (60, as TAnoGAN).
        train_fraction, val_fraction: the shares of the series for train and val; test is the
            rest.

    Raises:
        DatasetError: no or malformed key, a key without windows, a missing or non-numeric
            value, an unparseable timestamp, or a part shorter than one window.
        DataFileNotFoundError: the CSV or the windows file is missing.
    """
    root = nab_root(data_dir)
    if not arg:
        keys = series_keys(data_dir)
        found = (f"available: {', '.join(keys[:4])}, ... ({len(keys)} in all)" if keys
                 else f"none found under {root / 'data'}")
        raise DatasetError(f"'nab' needs a series: nab:<category>/<file>.csv; {found}")
    if not KEY_FORMAT.fullmatch(arg):
        raise DatasetError(f"NAB series {arg!r} is not of the form <category>/<file>.csv")
    csv_path = require_file(root / "data" / arg, ORIGIN)
    windows_path = require_file(root / WINDOWS_FILE, ORIGIN)

    frame = read_csv(csv_path)
    require_columns(frame, ("timestamp", "value"), csv_path)
    timestamps = _timestamps(frame["timestamp"], f"{csv_path}: timestamp")
    values = finite_floats(frame[["value"]], f"{csv_path}: value")
    starts, ends = _anomaly_windows(windows_path, arg)
    # [T, windows] comparison: a file has at most a handful of windows.
    inside = (timestamps[:, None] >= starts) & (timestamps[:, None] <= ends)
    labels = inside.any(axis=1).astype(np.int8)
    return series_dataset(
        f"nab:{arg}", values, labels, window=window, train_fraction=train_fraction,
        val_fraction=val_fraction,
        meta={"source": [str(csv_path), str(windows_path)], "feature_names": ["value"],
              "notes": f"Point labels: 1 inside any of the {len(starts)} windows of "
                       f"combined_windows.json (ends included)."})


def _timestamps(column: pd.Series, where: str) -> np.ndarray:
    """datetime64 [T] of `column`; an unparseable entry is a DatasetError naming its row."""
    parsed = pd.to_datetime(column, errors="coerce")
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna())[0])
        raise DatasetError(f"{where}: row {row} holds {column.iloc[row]!r}, not a timestamp "
                           f"like 2014-04-10 07:15:00")
    return parsed.to_numpy()


def _anomaly_windows(windows_path: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end timestamps (datetime64 [windows] each) of the windows of series `key`."""
    try:
        windows = json.loads(windows_path.read_text())
    except json.JSONDecodeError as err:
        raise DatasetError(f"{windows_path}: not valid JSON ({err})") from err
    if key not in windows:
        raise DatasetError(f"{windows_path} has no windows for {key!r}; expected one of its "
                           f"{len(windows)} keys")
    pairs = windows[key]
    if not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
        raise DatasetError(f"{windows_path}: the windows of {key!r} are not a list of "
                           f"[start, end] pairs")
    bounds = _timestamps(pd.Series([moment for pair in pairs for moment in pair], dtype=object),
                         f"{windows_path}: windows of {key}")
    return bounds[0::2], bounds[1::2]
