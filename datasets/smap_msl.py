"""SMAP and MSL, NASA spacecraft telemetry (Hundman et al., KDD 2018, "telemanom"): one
multivariate series per channel, nominal training data and a labelled test series.

Name: `smap-msl:<channel>`, e.g. `smap-msl:A-2` (SMAP) or `smap-msl:M-6` (MSL). The files are
read from `<data dir>/smap_msl/` (`train/<channel>.npy`, `test/<channel>.npy` and
`labeled_anomalies.csv`), or from the data dir itself when it holds `labeled_anomalies.csv`.

Each array is [T, D], D = 25 for SMAP and 55 for MSL: column 0 is the telemetry value (already
scaled to [-1, 1] by telemanom), the other D - 1 columns are one-hot encoded commands sent to the
spacecraft. Every column is kept as a feature, the command columns included, as telemanom and
TranAD feed them to their models; `channels()` lists the channels in the CSV's order, e.g. to
take the first ten of each spacecraft.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from datasets.base import (Dataset, DatasetError, check_finite, read_csv, require_columns,
                           require_file)
from datasets.base import data_dir as resolve_data_dir
from datasets.files import from_arrays

ARRAYS_ORIGIN = ("https://github.com/khundman/telemanom (data.zip: "
                 "https://s3-us-west-2.amazonaws.com/telemanom/data.zip)")
LABELS_ORIGIN = "https://github.com/khundman/telemanom (labeled_anomalies.csv)"
LABELS_FILE = "labeled_anomalies.csv"
COLUMNS = ("chan_id", "spacecraft", "anomaly_sequences", "num_values")
SPACECRAFT = ("SMAP", "MSL")
# A letter, a dash and a number, as telemanom names its channels: a name never leaves the folder.
CHANNEL_FORMAT = re.compile(r"[A-Za-z]+-\d+")


def smap_msl_root(data_dir: str | None = None) -> Path:
    """The SMAP/MSL folder: the data dir itself when it holds labeled_anomalies.csv, else
    `<data dir>/smap_msl`."""
    folder = resolve_data_dir(data_dir)
    if (folder / LABELS_FILE).is_file():
        return folder
    return folder / "smap_msl"


def channels(data_dir: str | None = None, spacecraft: str | None = None) -> list[str]:
    """The channels with a row in labeled_anomalies.csv and both arrays on disk, in the CSV's
    row order (a channel listed twice counts once, where it first appears).

    Args:
        data_dir: the folder holding `smap_msl/`; default: see `datasets.base.data_dir`.
        spacecraft: "SMAP" or "MSL" (any case) for that spacecraft's channels only; None: both.

    Raises:
        DatasetError: an unknown spacecraft, or a malformed CSV.
        DataFileNotFoundError: labeled_anomalies.csv is missing.
    """
    wanted = _check_spacecraft(spacecraft)
    root = smap_msl_root(data_dir)
    table = _labels_table(root)
    if wanted is not None:
        table = table[table["spacecraft"].astype(str).str.upper() == wanted]
    return [channel for channel in dict.fromkeys(table["chan_id"].astype(str))
            if _arrays_present(root, channel)]


def load(arg: str | None, data_dir: str | None, *, window: int = 60,
         val_fraction: float = 0.1) -> Dataset:
    """One channel: its nominal train array split chronologically into train and val, its test
    array as test.

    val is the last val_fraction of `train/<channel>.npy` (rounded to whole points), train the
    points before it; both are labelled 0. A test point is labelled 1 when it lies inside any of
    the channel's `anomaly_sequences` ranges in labeled_anomalies.csv (0-based, both ends
    included; the ranges of a channel listed on several rows are joined). Values are kept raw
    (float32 [T, D]); as for every series, `meta["scaling"]` holds the per-feature min and max of
    the train part, which the models map onto their range (a column constant in train, as about
    half the command columns are, spans one unit: see `zoo.blocks.MinMaxScaling`).

    Args:
        arg: the channel, e.g. "A-2".
        data_dir: the folder holding `smap_msl/`; default: see `datasets.base.data_dir`.
        window: the window length models use (60, as the series datasets).
        val_fraction: the share of the train array, from its end, that val gets.

    Returns:
        a series Dataset whose examples are windows [window, D]; `meta` adds "channel",
        "spacecraft", "n_features" and "anomaly_sequences" (the ranges, [start, end] each).

    Raises:
        DatasetError: no, malformed or unknown channel; a malformed CSV row; a range outside the
            test series; a test length other than num_values; train and test with different
            columns; a missing or non-finite value; a bad window or val_fraction, or a part
            shorter than one window.
        DataFileNotFoundError: labeled_anomalies.csv or an array is missing.
    """
    root = smap_msl_root(data_dir)
    labels_path = root / LABELS_FILE
    if not arg:
        known = channels(data_dir)
        found = f"available: {_few(known)}" if known else f"none found under {root}"
        raise DatasetError(f"'smap-msl' needs a channel: smap-msl:<channel>; {found}")
    if not CHANNEL_FORMAT.fullmatch(arg):
        raise DatasetError(f"SMAP/MSL channel {arg!r} is not of the form <letter>-<number>, "
                           f"e.g. A-2")
    table = _labels_table(root)
    rows = table[table["chan_id"].astype(str) == arg]
    if rows.empty:
        raise DatasetError(_unknown_channel_message(root, table, arg))
    train_path = require_file(root / "train" / f"{arg}.npy", ARRAYS_ORIGIN)
    test_path = require_file(root / "test" / f"{arg}.npy", ARRAYS_ORIGIN)
    train, test = _read_series(train_path), _read_series(test_path)
    if train.shape[1] != test.shape[1]:
        raise DatasetError(f"{arg}: {train_path} has {train.shape[1]} columns but {test_path} "
                           f"has {test.shape[1]}; expected the same features in both")
    spacecraft = _one_value(rows, "spacecraft", labels_path, arg)
    n_values = _one_value(rows, "num_values", labels_path, arg)
    if str(n_values) != str(len(test)):
        raise DatasetError(f"{labels_path}: num_values of {arg} is {n_values}, but {test_path} "
                           f"holds {len(test)} points; expected them to agree")
    ranges = [pair for text in rows["anomaly_sequences"]
              for pair in _ranges(text, labels_path, arg, len(test))]
    labels = np.zeros(len(test), dtype=np.int8)
    for start, end in ranges:
        labels[start:end + 1] = 1

    n_features = int(train.shape[1])
    feature_names = ["value"] + [f"command_{column}" for column in range(1, n_features)]
    ds = from_arrays("series", train, test=test, test_labels=labels, window=window,
                     val_fraction=val_fraction, feature_names=feature_names,
                     name=f"smap-msl:{arg}")
    joined = (f" The CSV lists {arg} on {len(rows)} rows; their ranges are joined."
              if len(rows) > 1 else "")
    notes = (f"{spacecraft} channel {arg}, {n_features} features: the telemetry value (column 0) "
             f"and {n_features - 1} one-hot command columns, all kept. Train and val come from "
             f"train/{arg}.npy (nominal, labelled 0), test is test/{arg}.npy. Test labels: 1 "
             f"inside any of the {len(ranges)} anomaly_sequences ranges of {LABELS_FILE} (ends "
             f"included; {int(labels.sum())} points).{joined}")
    meta = {key: value for key, value in ds.meta.items() if key != "labelled"}
    return dataclasses.replace(ds, meta={
        **meta, "source": [str(train_path), str(test_path), str(labels_path)],
        "channel": arg, "spacecraft": str(spacecraft), "n_features": n_features,
        "anomaly_sequences": [list(pair) for pair in ranges],
        "notes": f"{notes} {meta['notes']}"})


def _check_spacecraft(spacecraft: str | None) -> str | None:
    """`spacecraft` in capitals, checked; None stays None."""
    if spacecraft is None:
        return None
    if not isinstance(spacecraft, str) or spacecraft.upper() not in SPACECRAFT:
        raise DatasetError(f"spacecraft must be 'SMAP', 'MSL' or None, got {spacecraft!r}")
    return spacecraft.upper()


def _labels_table(root: Path) -> pd.DataFrame:
    """labeled_anomalies.csv, its header checked."""
    path = require_file(root / LABELS_FILE, LABELS_ORIGIN)
    table = read_csv(path, dtype=str, keep_default_na=False)
    require_columns(table, COLUMNS, path)
    return table


def _arrays_present(root: Path, channel: str) -> bool:
    """Whether both the train and the test array of `channel` are on disk."""
    return all((root / part / f"{channel}.npy").is_file() for part in ("train", "test"))


def _unknown_channel_message(root: Path, table: pd.DataFrame, channel: str) -> str:
    """Why `channel`, which has no row in the CSV, cannot be loaded, with a few known ones."""
    known = [name for name in dict.fromkeys(table["chan_id"].astype(str))
             if _arrays_present(root, name)]
    listed = f"known: {_few(known)}" if known else "no channel has both arrays there"
    where = root / LABELS_FILE
    if _arrays_present(root, channel):
        return (f"SMAP/MSL channel {channel!r} has arrays under {root} but no row in {where}, "
                f"so no test labels; {listed}")
    return f"unknown SMAP/MSL channel {channel!r}: it has no row in {where}; {listed}"


def _few(names: list[str]) -> str:
    """The first five of `names` and how many there are, for messages."""
    more = ", ..." if len(names) > 5 else ""
    return f"{', '.join(names[:5])}{more} ({len(names)} in all)"


def _one_value(rows: pd.DataFrame, column: str, path: Path, channel: str) -> str:
    """The value of `column` shared by every CSV row of `channel`."""
    values = list(dict.fromkeys(rows[column].astype(str).str.strip()))
    if len(values) != 1:
        raise DatasetError(f"{path}: the rows of {channel} disagree on {column} "
                           f"({', '.join(values)}); expected one value")
    return values[0]


def _ranges(text: str, path: Path, channel: str, n_points: int) -> list[tuple[int, int]]:
    """The [start, end] ranges of one anomaly_sequences entry, checked to lie in the test
    series of `n_points` points."""
    try:
        pairs = json.loads(text)
    except json.JSONDecodeError:
        pairs = None
    is_pair = (lambda pair: isinstance(pair, list) and len(pair) == 2
               and all(isinstance(i, int) and not isinstance(i, bool) for i in pair))
    if not isinstance(pairs, list) or not all(is_pair(pair) for pair in pairs):
        raise DatasetError(f"{path}: anomaly_sequences of {channel} is {text!r}; expected a list "
                           f"of [start, end] index pairs like [[10, 20], [45, 50]]")
    for start, end in pairs:
        if not 0 <= start <= end < n_points:
            raise DatasetError(f"{path}: the range [{start}, {end}] of {channel} lies outside "
                               f"its test series of {n_points} points; expected "
                               f"0 <= start <= end <= {n_points - 1}")
    return [(start, end) for start, end in pairs]


def _read_series(path: Path) -> np.ndarray:
    """float32 [T, D] of the .npy file at `path`.

    Raises:
        DatasetError: not a readable .npy of numbers, not 2-D, or a non-finite value.
    """
    try:
        values = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DatasetError(f"{path}: not a readable .npy file of numbers ({reason})") from err
    if not isinstance(values, np.ndarray) or values.dtype.kind not in "biuf" or values.ndim != 2:
        shape = list(getattr(values, "shape", []))
        raise DatasetError(f"{path}: an array of shape {shape} and type "
                           f"{getattr(values, 'dtype', type(values).__name__)}; expected "
                           f"numbers [time, features]")
    check_finite(values, str(path))
    return values.astype(np.float32)
