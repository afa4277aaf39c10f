"""Loaders for a user's own data: CSV and parquet tables, .npy/.npz arrays, folders of images,
files of log-key sessions, and arrays in memory (`from_arrays`). Paths are read as given
(absolute, or relative to the working directory), and each source becomes the `Dataset` the
bundled loaders return, its scaling fitted on the train part; data without labels gets all-zero
labels and `meta["labelled"] = False`, so that a caller can say why no AUROC is computed. The
pieces of reading that scoring a user's file shares with the loaders (`user_file`,
`column_roles`, `session_line`, `image_files`, `decode_image`) are public, for `datasets.inputs`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import zipfile
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from datasets.base import (KINDS, DataFileNotFoundError, Dataset, DatasetError, OneHotEncoding,
                           Split, check_finite, check_fraction, check_window, minmax_stats,
                           pad_sessions, read_csv, require_file, seeded_split, series_dataset,
                           session_keys)

ORIGIN = "your own file"
TIME_COLUMN = "timestamp"  # matched whatever its case
LABEL_COLUMNS = ("is_anomaly", "label", "Label")  # the first one present holds the labels
FILLS = ("ffill", "zero", "interpolate")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
CHANNEL_NAMES = {1: ["grey_level"], 3: ["red", "green", "blue"]}
SERIES_TRAIN_FRACTION = 0.5  # of a series, when neither train_fraction nor test_fraction is given
TEST_FRACTION = 0.2  # of rows, images or sessions
NPY_SIGNATURE, NPZ_SIGNATURE = b"\x93NUMPY", b"PK"  # .npz is a zip archive
NPZ_SINGLE = ("x", "y")
NPZ_PARTS = ("train", "val", "test", "y_train", "y_val", "y_test")
KNOWN_ANOMALY_KINDS = ("tabular", "image")  # the kinds a weakly supervised model (AnoEAN) takes
Examples = np.ndarray | list[np.ndarray]  # an array, or for sessions a list of int32 [keys]


def load_csv(arg: str | None, data_dir: str | None, *, kind: str = "series",
             time_column: str | None = None, label_column: str | None = None,
             fill: str | None = None, window: int = 60, train_fraction: float | None = None,
             val_fraction: float = 0.1, test_fraction: float | None = None, seed: int = 0,
             known_anomalies: bool = False) -> Dataset:
    """A CSV with a header: a series (one row per time step) or a table of independent rows.

    Columns: an optional time column (`timestamp`, whatever its case, or `time_column`), not
    used as a feature; an optional label column (the first of is_anomaly, label, Label, or
    `label_column`) of 0/1; every other column is a feature. This reads TSB-AD's files (features,
    then Label), Orion's and NAB's (timestamp,value; no labels) and Yahoo's A1
    (timestamp,value,is_anomaly) as they are.

    A series takes numeric columns only: one is univariate, several multivariate [time,
    features]. It is split chronologically: train = the first train_fraction, val = the next
    val_fraction, test = the rest. By default train 0.5, val 0.1, test 0.4; with test_fraction
    given and train_fraction not, train gets the rest; test_fraction=0 gives no test part (val
    runs to the end and test is an empty split). Labelled points of train stay in the series.

    A table (kind="tabular") is split as `load_table` splits it.

    Args:
        arg: the CSV's path.
        data_dir: not used: the path is taken as given.
        kind: "series" or "tabular".
        time_column: the name of the time column; None: a column called timestamp, if any.
        label_column: the name of the label column; None: see above (no such column: no labels).
        fill: None: a missing or non-finite feature value is an error; "ffill": it takes the
            last value before it (the first after, at the start); "zero": it becomes 0;
            "interpolate": linear between its neighbours in file order (the nearest at the
            ends).
        window: series: the window length models use.
        train_fraction, val_fraction, test_fraction: the shares of the parts (see above);
            tabular: train is the rest, test_fraction None means 0.2.
        seed: tabular: seeds the split.
        known_anomalies: tabular: keep the train part's labelled anomalies, marked in
            `train.known`, instead of dropping them.

    Raises:
        DatasetError: no path, an empty or unreadable file, a missing named column, a
            non-numeric series column, a missing or non-finite value, a label other than 0/1,
            a bad option, or a part shorter than one window.
        DataFileNotFoundError: the file is missing.
    """
    return _load_table_file("csv", arg, parquet=False, kind=kind, time_column=time_column,
                            label_column=label_column, fill=fill, window=window,
                            train_fraction=train_fraction, val_fraction=val_fraction,
                            test_fraction=test_fraction, seed=seed,
                            known_anomalies=known_anomalies)


def load_parquet(arg: str | None, data_dir: str | None, *, kind: str = "series",
                 time_column: str | None = None, label_column: str | None = None,
                 fill: str | None = None, window: int = 60, train_fraction: float | None = None,
                 val_fraction: float = 0.1, test_fraction: float | None = None, seed: int = 0,
                 known_anomalies: bool = False) -> Dataset:
    """A parquet file, read as `load_csv` reads a CSV (same columns, options and splits).

    Reading parquet needs pyarrow or fastparquet, which the zoo does not install: without
    either, the loader says which package to install.

    Raises:
        DatasetError: as `load_csv`, or no parquet engine installed.
        DataFileNotFoundError: the file is missing.
    """
    return _load_table_file("parquet", arg, parquet=True, kind=kind, time_column=time_column,
                            label_column=label_column, fill=fill, window=window,
                            train_fraction=train_fraction, val_fraction=val_fraction,
                            test_fraction=test_fraction, seed=seed,
                            known_anomalies=known_anomalies)


def load_table(arg: str | None, data_dir: str | None, *, time_column: str | None = None,
               label_column: str | None = None, fill: str | None = None, seed: int = 0,
               val_fraction: float = 0.1, test_fraction: float = 0.2,
               known_anomalies: bool = False) -> Dataset:
    """A CSV of independent rows (kind "tabular"): x float32 [rows, features].

    Columns as `load_csv`. Numeric columns are features as they are; text columns are
    categorical, one-hot encoded with the categories of the train part (a category train lacks
    encodes as all zeros). Rows are split at random: a seeded test_fraction to test,
    val_fraction to val, the rest to train, whose labelled anomalies are dropped (or, with
    `known_anomalies`, kept and marked in `train.known`). `meta["test_rows"]` lists the file's
    rows (0-based, after the header) that test holds, in order.

    Args:
        arg: the CSV's path.
        data_dir: not used: the path is taken as given.
        time_column, label_column, fill: as `load_csv`; a text column may not have empty
            entries.
        seed: seeds the split.
        val_fraction, test_fraction: the shares of the rows for val and test; test_fraction=0
            gives an empty test split.
        known_anomalies: keep the train part's labelled anomalies, marked, for a weakly
            supervised model (AnoEAN).

    Raises:
        DatasetError: as `load_csv`, an empty entry in a text column, or a train part with no
            row labelled normal.
        DataFileNotFoundError: the file is missing.
    """
    return _load_table_file("table", arg, parquet=False, kind="tabular", time_column=time_column,
                            label_column=label_column, fill=fill, window=60,
                            train_fraction=None, val_fraction=val_fraction,
                            test_fraction=test_fraction, seed=seed,
                            known_anomalies=known_anomalies)


def load_npy(arg: str | None, data_dir: str | None, *, kind: str | None = None,
             window: int = 60, train_fraction: float | None = None, val_fraction: float = 0.1,
             test_fraction: float | None = None, seed: int = 0) -> Dataset:
    """One unlabelled array from an .npy file, split as its kind is.

    The shape decides the kind unless `kind` says: [time] or [time, features] is a series,
    [n, height, width] or [n, height, width, channels] images (values as given, float32). A
    2-D array can also be kind="tabular" (rows) or kind="sessions" (int log keys, 0-padded at
    the end). Series are split as `load_csv` splits them; other kinds at random, as
    `load_table` splits rows.

    Args:
        arg: the .npy file's path.
        data_dir: not used: the path is taken as given.
        kind: None (from the shape), or one of "series", "tabular", "image", "sessions".
        window: series: the window length models use.
        train_fraction, val_fraction, test_fraction: as `load_csv` (series) or `load_table`.
        seed: seeds the split of a kind other than series.

    Raises:
        DatasetError: no path, an unreadable file, an archive (use npz:), a shape that fits no
            kind, non-numeric or non-finite values, or a bad option.
        DataFileNotFoundError: the file is missing.
    """
    path = _user_file(arg, "npy:<path>")
    loaded = _read_arrays(path)
    if isinstance(loaded, dict):
        raise DatasetError(f"{path} is an .npz archive (arrays {', '.join(loaded) or 'none'}); "
                           f"load it as npz:{arg}")
    return _array_dataset(f"npy:{arg}", loaded, None, kind=kind, window=window,
                          train_fraction=train_fraction, val_fraction=val_fraction,
                          test_fraction=test_fraction, seed=seed, known_anomalies=False,
                          source=[str(path)], where=str(path))


def load_npz(arg: str | None, data_dir: str | None, *, kind: str | None = None,
             window: int = 60, train_fraction: float | None = None, val_fraction: float = 0.1,
             test_fraction: float | None = None, seed: int = 0,
             known_anomalies: bool = False) -> Dataset:
    """Arrays from an .npz archive, in one of two schemes.

    - `x` and optionally `y` (0/1, one per time step or example): one array, split as
      `load_npy` splits it.
    - `train` and optionally `val`, `test`, `y_train`, `y_val`, `y_test`: the parts as given,
      built as `from_arrays` builds them (no val: taken from train; no test: an empty test).

    The kind comes from the shape of `x` or `train`, as in `load_npy`, unless `kind` says.

    Args:
        arg: the .npz file's path.
        data_dir: not used: the path is taken as given.
        kind: None (from the shape), or one of "series", "tabular", "image", "sessions".
        window: series: the window length models use.
        train_fraction, test_fraction: the `x` scheme only, as in `load_npy`.
        val_fraction: the `x` scheme: as in `load_npy`; the parts scheme: the share of train
            taken for val when the archive has no `val`.
        seed: seeds the random splits.
        known_anomalies: tabular and image: keep the train part's labelled anomalies, marked in
            `train.known`, instead of dropping them.

    Raises:
        DatasetError: no path, an unreadable file, arrays of neither scheme, shapes that fit no
            kind or differ between parts, bad values or labels, or a bad option.
        DataFileNotFoundError: the file is missing.
    """
    path = _user_file(arg, "npz:<path>")
    arrays = _read_arrays(path)
    name = f"npz:{arg}"
    if not isinstance(arrays, dict):
        raise DatasetError(f"{path} holds one array, not an .npz archive; load it as npy:{arg}")
    scheme = NPZ_SINGLE if "x" in arrays else NPZ_PARTS if "train" in arrays else None
    if scheme is None:
        raise DatasetError(f"{path} holds the arrays {', '.join(arrays) or 'none'}; expected x "
                           f"(and y), or train (and val, test, y_train, y_val, y_test)")
    unknown = sorted(set(arrays) - set(scheme))
    if unknown:
        raise DatasetError(f"{path}: arrays {', '.join(unknown)} belong to no part; with "
                           f"{scheme[0]!r} the archive may hold only {', '.join(scheme)}")
    if scheme == NPZ_SINGLE:
        return _array_dataset(name, arrays["x"], arrays.get("y"), kind=kind, window=window,
                              train_fraction=train_fraction, val_fraction=val_fraction,
                              test_fraction=test_fraction, seed=seed,
                              known_anomalies=known_anomalies, source=[str(path)],
                              where=f"{path}: x", labels_where=f"{path}: y")
    if train_fraction is not None or test_fraction is not None:
        raise DatasetError(f"{path} gives its parts (train, val, test): train_fraction and "
                           f"test_fraction apply to an archive of x and y")
    return _parts_dataset(
        kind or _kind_of(np.asarray(arrays["train"]), f"{path}: train"), name,
        {part: arrays.get(part) for part in ("train", "val", "test")},
        {part: arrays.get(f"y_{part}") for part in ("train", "val", "test")},
        window=window, val_fraction=val_fraction, seed=seed, known_anomalies=known_anomalies,
        feature_names=None, source=[str(path)], where=str(path), labels_key="y_{part}")


def load_images(arg: str | None, data_dir: str | None, *,
                image_size: int | Sequence[int] | None = None, seed: int = 0,
                val_fraction: float = 0.1, test_fraction: float = 0.2) -> Dataset:
    """A folder of images in anomalib's Folder layout: x float32 [n, height, width, channels],
    values 0..255.

    `<folder>/normal/` holds the normal images, `<folder>/abnormal/` (optional) anomalous ones:
    .png, .jpg, .jpeg, .bmp or .gif files (the first frame of an animation), other files are
    ignored. A seeded test_fraction of the normal images goes to test, val_fraction to val and
    the rest to train; every abnormal image goes to test, after the normal ones. Grey images stay
    grey (1 channel) unless any image is in colour: then grey ones are converted to RGB. An alpha
    channel is dropped; 16-bit images are scaled to 0..255. `meta["test_files"]` names the test
    images (relative to the folder), in order.

    Args:
        arg: the folder's path.
        data_dir: not used: the path is taken as given.
        image_size: None: every image must have the same height and width; an int or
            (height, width): every image is resized to it (bilinear).
        seed: seeds the split of the normal images.
        val_fraction, test_fraction: the shares of the normal images for val and test;
            test_fraction=0 keeps only the abnormal images (if any) in test.

    Raises:
        DatasetError: no path, no normal/ folder or no image in it, an unreadable image, images
            of different sizes without image_size, or a bad option.
        DataFileNotFoundError: the folder is missing.
    """
    if not arg:
        raise DatasetError("'images' needs a folder: images:<folder with normal/ and abnormal/>")
    folder = Path(arg).expanduser()
    if not folder.is_dir():
        raise DataFileNotFoundError(folder, ORIGIN, f"{_path_hint()}; expected a folder "
                                                    f"holding normal/ and optionally abnormal/")
    normal_folder, abnormal_folder = folder / "normal", folder / "abnormal"
    if not normal_folder.is_dir():
        raise DatasetError(f"{folder}: no normal/ folder; expected {normal_folder} with the "
                           f"normal images (and optionally {abnormal_folder} with anomalous ones)")
    size = _image_size(image_size)
    normal_files = image_files(normal_folder)
    if not normal_files:
        raise DatasetError(f"{normal_folder}: no image; expected files ending in "
                           f"{', '.join(IMAGE_SUFFIXES)}")
    abnormal_files = image_files(abnormal_folder) if abnormal_folder.is_dir() else []
    parts = _deal(len(normal_files), seed=seed, val_fraction=val_fraction,
                  test_fraction=test_fraction, what=f"normal images of {normal_folder}")
    images = _decode_images(normal_files + abnormal_files, size)
    normal, abnormal = images[:len(normal_files)], images[len(normal_files):]
    examples = {"train": normal[parts["train"]], "val": normal[parts["val"]],
                "test": np.concatenate([normal[parts["test"]], abnormal])}
    labels = {"train": np.zeros(len(parts["train"]), dtype=np.int8),
              "val": np.zeros(len(parts["val"]), dtype=np.int8),
              "test": np.r_[np.zeros(len(parts["test"])), np.ones(len(abnormal))].astype(np.int8)}
    splits = _make_splits("image", examples, labels, known_anomalies=False)
    names = [str(path.relative_to(folder)) for path in normal_files + abnormal_files]
    test_files = [names[i] for i in parts["test"]] + names[len(normal_files):]
    height, width, channels = images.shape[1:]
    resized = f"resized to {height}x{width}" if size else f"all {height}x{width}"
    notes = [f"Images {resized}, {channels} channel(s). Normal images split at random with "
             f"seed {seed}: train {len(splits['train'])}, val {len(splits['val'])}, test "
             f"{len(parts['test'])}; test also holds the images of abnormal/ ({len(abnormal)}, "
             f"label 1), after the normal ones."]
    meta = {"source": [str(normal_folder)] + ([str(abnormal_folder)] if abnormal_files else []),
            "feature_names": _channel_names(channels), "labelled": bool(abnormal_files),
            "test_files": test_files}
    if not abnormal_files:
        notes.append("No abnormal/ images: every image is labelled 0 (meta labelled = False).")
    return _examples_dataset(f"images:{arg}", "image", splits, meta=meta, notes=notes,
                             train_anomalies=0, known_anomalies=False)


def load_sessions(arg: str | None, data_dir: str | None, *, labels: str | None = None,
                  seed: int = 0, val_fraction: float = 0.1,
                  test_fraction: float = 0.2) -> Dataset:
    """A text file of log-key sessions, one per line (HDFS's format): x int32 [n, max_len] of
    keys >= 1, padded with 0 at the end.

    A line is its keys, positive integers separated by spaces, e.g. `5 9 11 9`. Labels, 0/1 per
    session, come either from the lines (when the first line holds a tab, every line is
    `label<TAB>keys`) or from the file `labels` names (one 0/1 per line, as many lines as
    sessions); without either, every session is labelled 0 and `meta["labelled"]` is False.
    Sessions are split at random: a seeded test_fraction to test, val_fraction to val, the rest
    to train, whose labelled abnormal sessions are dropped. `meta["vocab_size"]` is the largest
    key of any split: keys carry no labels, and a key first seen in test must fit the model's
    input. `meta["test_rows"]` lists the lines (0-based) test holds, in order.

    Args:
        arg: the session file's path.
        data_dir: not used: the path is taken as given.
        labels: the path of a file of labels, one 0/1 per line.
        seed: seeds the split.
        val_fraction, test_fraction: the shares of the sessions for val and test;
            test_fraction=0 gives an empty test split.

    Raises:
        DatasetError: no path, an empty file, an empty line, a token that is not a log key, a
            bad label, labels given twice or not one per session, or a bad option.
        DataFileNotFoundError: a file is missing.
    """
    path = _user_file(arg, "sessions:<path>")
    lines = _text_lines(path)
    labelled_lines = "\t" in lines[0]
    if labelled_lines and labels is not None:
        raise DatasetError(f"{path}: its lines are label<TAB>keys and labels={labels!r} names a "
                           f"file of labels too; expected the labels in one place")
    sessions, line_labels = [], []
    for number, line in enumerate(lines, start=1):
        label, keys = session_line(line, f"{path} line {number}", labelled=labelled_lines)
        line_labels.append(label)
        sessions.append(keys)
    sources = [str(path)]
    if labels is not None:
        labels_path = require_file(Path(labels).expanduser(), ORIGIN, _path_hint())
        session_labels = _labels_file(labels_path, len(sessions), path)
        sources.append(str(labels_path))
    else:
        session_labels = np.array(line_labels if labelled_lines else [0] * len(sessions),
                                  dtype=np.int8)
    labelled = labels is not None or labelled_lines
    parts = _deal(len(sessions), seed=seed, val_fraction=val_fraction,
                  test_fraction=test_fraction, what=f"sessions of {path}")
    train_rows, train_anomalies = _training_rows(parts["train"], session_labels,
                                                 known_anomalies=False)
    rows = {"train": train_rows, "val": parts["val"], "test": parts["test"]}
    splits = _make_splits("sessions", {part: [sessions[i] for i in indices]
                                       for part, indices in rows.items()},
                          {part: session_labels[indices] for part, indices in rows.items()},
                          known_anomalies=False)
    notes = [_random_split_note("sessions", seed, splits),
             _anomaly_note("sessions", train_anomalies, labelled=labelled,
                           known_anomalies=False)]
    meta = {"source": sources, "feature_names": ["log_key"], "labelled": labelled,
            "test_rows": parts["test"].tolist()}
    return _examples_dataset(f"sessions:{arg}", "sessions", splits, meta=meta, notes=notes,
                             train_anomalies=train_anomalies, known_anomalies=False)


def from_arrays(kind: str, train: Any, val: Any = None, test: Any = None, *,
                train_labels: Any = None, val_labels: Any = None, test_labels: Any = None,
                window: int = 60, val_fraction: float = 0.1, seed: int = 0,
                known_anomalies: bool = False, feature_names: Sequence[str] | None = None,
                name: str = "arrays") -> Dataset:
    """The `Dataset` of arrays in memory, as the file loaders build it.

    Shapes: series [time] or [time, features]; tabular [rows, features]; image [n, height,
    width] or [n, height, width, channels]; sessions int [n, max_len] of keys >= 1 padded with 0
    at the end, or a list of 1-D int sequences of keys. Values must be finite numbers, labels
    0/1 with one per time step or example; a part without labels is labelled 0.

    Without `val`, val is taken from train: its last val_fraction for a series, a seeded random
    val_fraction for other kinds. Without `test`, test is an empty split. Labelled anomalies of
    the train part are dropped from it (tabular, image, sessions; `known_anomalies` keeps them,
    marked in `train.known`, for tabular and image) or, in a series, kept and counted.
    `meta["labelled"]` is True when test has labels (when there is no test: when any part has).

    Args:
        kind: one of "series", "tabular", "image", "sessions".
        train, val, test: the parts.
        train_labels, val_labels, test_labels: int/bool/float 0/1 [len(part)], or None.
        window: series: the window length models use.
        val_fraction: the share of train taken for val when `val` is None.
        seed: seeds that draw (kinds other than series).
        known_anomalies: tabular and image: keep train's labelled anomalies, marked.
        feature_names: series and tabular: one name per feature; None: "value" for a single
            feature, else feature_0, feature_1, ...
        name: the dataset's name.

    Raises:
        DatasetError: an unknown kind, a bad shape or value, parts of different shapes, labels
            that are not 0/1 or not one per example, or a bad option.
    """
    return _parts_dataset(kind, name, {"train": train, "val": val, "test": test},
                          {"train": train_labels, "val": val_labels, "test": test_labels},
                          window=window, val_fraction=val_fraction, seed=seed,
                          known_anomalies=known_anomalies, feature_names=feature_names,
                          source=["arrays in memory (datasets.from_arrays)"], where=name,
                          labels_key="{part}_labels")


def user_file(path: Path) -> Path:
    """`path`, a non-empty file of the user's, read as given.

    Raises:
        DataFileNotFoundError: no file at `path` (the message says how a path is read).
        DatasetError: an empty file.
    """
    require_file(path, ORIGIN, _path_hint())
    if path.stat().st_size == 0:
        raise DatasetError(f"{path}: empty file")
    return path


@contextlib.contextmanager
def text_errors(path: Path) -> Iterator[None]:
    """Report bytes that are not text, met while the block reads `path`, as a DatasetError."""
    try:
        yield
    except UnicodeDecodeError as err:
        raise DatasetError(f"{path}: not a text file ({err.reason} at byte {err.start})") from err


def column_roles(columns: Sequence[Any], time_column: Any = None,
                 label_column: Any = None) -> tuple[Any, Any, list[Any]]:
    """(the time column or None, the label column or None, the feature columns in file order)
    of a CSV header: `time_column` and `label_column` where given, else a column called
    timestamp (any case) and the first of is_anomaly, label, Label the header has; every other
    column is a feature."""
    time = time_column if time_column is not None else next(
        (column for column in columns if str(column).lower() == TIME_COLUMN), None)
    label = label_column if label_column is not None else next(
        (column for column in LABEL_COLUMNS if column in columns), None)
    return time, label, [column for column in columns if column not in (time, label)]


def session_line(line: str, where: str, *, labelled: bool, max_key: int | None = None,
                 read_label: bool = True) -> tuple[int | None, np.ndarray]:
    """One line of a file of log-key sessions: its keys, or `label<TAB>keys` in a labelled file
    (one whose first line holds a tab).

    Args:
        line: the line, e.g. "5 9 11", or "1<TAB>5 9 11" in a labelled file.
        where: the file and line, for messages ("sessions.txt line 3").
        labelled: the file's lines are label<TAB>keys.
        max_key: the largest valid key; None: any positive integer (see `session_keys`).
        read_label: False: what stands before the tab is passed over, not read as a label.

    Returns:
        (the label, 0 or 1, or None when not read; the keys, int32 [keys]).

    Raises:
        DatasetError: a label that is read and is not 0 or 1 before a tab, or keys that are
            not log keys; the message names `where`.
    """
    label = None
    if labelled:
        text, tab, line = line.partition("\t")
        if read_label:
            if not tab or text.strip() not in ("0", "1"):
                raise DatasetError(f"{where}: {text.strip()!r} is not a label before a tab; "
                                   f"line 1 is label<TAB>keys, so every line must be, with a "
                                   f"label of 0 or 1")
            label = int(text)
    return label, session_keys(line, where, max_key)


def image_files(folder: Path) -> list[Path]:
    """The image files directly in `folder` (names ending in one of IMAGE_SUFFIXES), sorted by
    name."""
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES)


def decode_image(path: Path) -> np.ndarray:
    """float32 [height, width, channels] in 0..255 of the image file at `path`: its first frame,
    an alpha channel dropped (1 channel grey, 3 colour), 16 bits scaled to 0..255.

    Raises:
        DatasetError: not a readable image.
    """
    import tensorflow as tf  # noqa: PLC0415 (the rest of datasets needs no TensorFlow)

    try:
        image = tf.io.decode_image(path.read_bytes(), expand_animations=False)
    except tf.errors.OpError as err:
        reason = re.sub(r"\{\{.*?\}\}\s*|\s*\[Op:\w+\]", "", err.message).strip()
        raise DatasetError(f"{path}: not a readable image ({reason})") from None
    scale = 257.0 if image.dtype == tf.uint16 else 1.0  # 65535 / 257 = 255
    image = tf.cast(image, tf.float32) / scale
    if image.shape[-1] in (2, 4):  # grey or colour with alpha
        image = image[..., :-1]
    return image.numpy()


def _path_hint() -> str:
    """Where a user's path is looked for."""
    return f"a path is read as given: absolute, or relative to the working directory {Path.cwd()}"


def _user_file(arg: str | None, usage: str) -> Path:
    """The non-empty file named by `arg`; `usage` ("csv:<path>") for the message when none."""
    if not arg:
        key = usage.partition(":")[0]
        raise DatasetError(f"{key!r} needs the path of your file: {usage}")
    return user_file(Path(arg).expanduser())


def _text_lines(path: Path) -> list[str]:
    """The lines of the text file at `path`."""
    with text_errors(path):
        return path.read_text().splitlines()


def _check_choice(option: str, value: Any, allowed: Sequence[Any]) -> None:
    """Raise DatasetError unless `value` is one of `allowed`."""
    if value not in allowed:
        raise DatasetError(f"{option} must be one of {', '.join(map(repr, allowed))}, "
                           f"got {value!r}")


def _check_known_anomalies(kind: str, known_anomalies: bool) -> None:
    """Raise DatasetError when `known_anomalies` is asked of a kind that cannot mark them."""
    if known_anomalies and kind not in KNOWN_ANOMALY_KINDS:
        raise DatasetError(f"known_anomalies=True applies to {' and '.join(KNOWN_ANOMALY_KINDS)} "
                           f"data, not {kind}")


def _load_table_file(key: str, arg: str | None, *, parquet: bool, kind: str,
                     time_column: str | None, label_column: str | None, fill: str | None,
                     window: int, train_fraction: float | None, val_fraction: float,
                     test_fraction: float | None, seed: int, known_anomalies: bool) -> Dataset:
    """What `load_csv`, `load_parquet` and `load_table` share; `key` is the name's prefix."""
    _check_choice("kind", kind, ("series", "tabular"))
    _check_choice("fill", fill, (None, *FILLS))
    _check_known_anomalies(kind, known_anomalies)
    path = _user_file(arg, f"{key}:<path>")
    frame = _read_table(path, parquet)
    time, label, features = _column_roles(frame, path, time_column, label_column)
    categorical = [column for column in features
                   if not pd.api.types.is_numeric_dtype(frame[column])]
    if kind == "series" and categorical:
        _refuse_text_column(frame[categorical[0]], categorical[0], path)
    numeric = [column for column in features if column not in categorical]
    values, n_filled = _feature_values(frame, numeric, path, fill)
    if label is None:
        labels = np.zeros(len(frame), dtype=np.int8)
    else:
        labels = _binary_labels(frame[label], f"{path}: label column {label!r}")
    notes = [_columns_note(time, label, n_filled, fill)]
    meta = {"source": [str(path)], "labelled": label is not None}
    name = f"{key}:{arg}"
    if kind == "series":
        return _series_split(name, values.astype(np.float32), labels, window=window,
                             train_fraction=train_fraction, val_fraction=val_fraction,
                             test_fraction=test_fraction,
                             meta={**meta, "feature_names": [str(c) for c in numeric],
                                   "notes": " ".join(notes)})
    if train_fraction is not None:
        raise DatasetError("train_fraction applies to series; the train part of a table is "
                           "the rows left after val and test")
    records = pd.DataFrame(values, columns=numeric, index=frame.index)
    for column in categorical:
        records[column] = _categories(frame[column], column, path)
    parts = _deal(len(frame), seed=seed, val_fraction=val_fraction,
                  test_fraction=TEST_FRACTION if test_fraction is None else test_fraction,
                  what=f"rows of {path}")
    train_rows, train_anomalies = _training_rows(parts["train"], labels, known_anomalies)
    rows = {"train": train_rows, "val": parts["val"], "test": parts["test"]}
    encoding = OneHotEncoding.fit(records.iloc[train_rows], numeric, categorical)
    splits = _make_splits("tabular",
                          {part: encoding.transform(records.iloc[indices], str(path))
                           for part, indices in rows.items()},
                          {part: labels[indices] for part, indices in rows.items()},
                          known_anomalies=known_anomalies)
    notes.append(_random_split_note("rows", seed, splits))
    if categorical:
        notes.append(f"Text columns one-hot encoded with the categories of the train part (a "
                     f"category it lacks encodes as all zeros): "
                     f"{', '.join(map(str, categorical))}.")
    notes.append(_anomaly_note("rows", train_anomalies, labelled=label is not None,
                               known_anomalies=known_anomalies))
    meta = {**meta, "feature_names": [str(n) for n in encoding.feature_names],
            "test_rows": parts["test"].tolist()}
    return _examples_dataset(name, "tabular", splits, meta=meta, notes=notes,
                             train_anomalies=train_anomalies, known_anomalies=known_anomalies)


def _read_table(path: Path, parquet: bool) -> pd.DataFrame:
    """The table at `path` (CSV with a header, or parquet), with at least one row."""
    if parquet:
        try:
            frame = pd.read_parquet(path)
        except ImportError as err:
            raise DatasetError(f"{path}: reading parquet needs pyarrow or fastparquet and "
                               f"neither is installed; pip install pyarrow (or save the table "
                               f"as CSV and load csv:<path>)") from err
        except (ValueError, OSError) as err:
            raise DatasetError(f"{path}: not a readable parquet file ({err})") from err
    else:
        frame = read_csv(path)
    if len(frame) == 0:
        raise DatasetError(f"{path}: no rows after the header "
                           f"{','.join(map(str, frame.columns))}")
    return frame


def _column_roles(frame: pd.DataFrame, path: Path, time_column: str | None,
                  label_column: str | None) -> tuple[Any, Any, list[Any]]:
    """(the time column or None, the label column or None, the feature columns in file order).

    Raises:
        DatasetError: a named column the file lacks, one column named for both roles, or no
            feature column.
    """
    columns = list(frame.columns)
    header = ",".join(map(str, columns))
    for option, column in (("time_column", time_column), ("label_column", label_column)):
        if column is not None and column not in columns:
            raise DatasetError(f"{path}: {option}={column!r} is not a column of the header "
                               f"{header}")
    time, label, features = column_roles(columns, time_column, label_column)
    if time is not None and time == label:
        raise DatasetError(f"{path}: column {time!r} cannot be both the time and the label")
    if not features:
        raise DatasetError(f"{path}: no feature column in the header {header}; expected at "
                           f"least one column besides the time and label columns")
    return time, label, features


def _refuse_text_column(column: pd.Series, name: Any, path: Path) -> None:
    """Raise the DatasetError for a non-numeric column of a series, naming a bad entry."""
    numbers = pd.to_numeric(column, errors="coerce")
    bad = np.flatnonzero(numbers.isna().to_numpy() & column.notna().to_numpy())
    found = (f"row {int(bad[0])} holds {column.iloc[int(bad[0])]!r}" if len(bad)
             else f"its type is {column.dtype}")
    raise DatasetError(f"{path}: column {name!r} is not numeric ({found}); a series takes "
                       f"numeric columns only (kind='tabular' one-hot encodes text columns)")


def _feature_values(frame: pd.DataFrame, columns: list[Any], path: Path,
                    fill: str | None) -> tuple[np.ndarray, int]:
    """float64 [rows, len(columns)] of the numeric `columns`, and how many values `fill` filled
    (missing or non-finite ones).

    Raises:
        DatasetError: a missing or non-finite value is left (the message names its row and
            column and counts them all).
    """
    values = frame[columns].to_numpy(np.float64, na_value=np.nan)
    missing = ~np.isfinite(values)
    n_missing = int(missing.sum())
    if fill is not None and n_missing:
        table = pd.DataFrame(np.where(missing, np.nan, values))
        if fill == "zero":
            table = table.fillna(0.0)
        elif fill == "ffill":
            table = table.ffill().bfill()
        else:
            table = table.interpolate(limit_direction="both")
        values = table.to_numpy(np.float64)
    try:
        check_finite(values, str(path), columns=[str(column) for column in columns])
    except DatasetError as err:
        remedy = ("; a column with no number at all cannot be filled" if fill
                  else f"; fill={' or '.join(map(repr, FILLS))} fills them")
        raise DatasetError(f"{err}{remedy}") from None
    return values, n_missing


def _categories(column: pd.Series, name: Any, path: Path) -> pd.Series:
    """The entries of a text column as strings; an empty entry is a DatasetError."""
    empty = np.flatnonzero(column.isna().to_numpy())
    if len(empty):
        raise DatasetError(f"{path}: row {int(empty[0])}, column {name!r} is empty ({len(empty)} "
                           f"empty entries in all); a text column needs a category in every "
                           f"row")
    return column.astype(str)


def _binary_labels(values: pd.Series | np.ndarray, where: str) -> np.ndarray:
    """int8 [n] of labels that must each be 0 or 1 (as numbers, booleans or text).

    Raises:
        DatasetError: another value; the message names its row and the value.
    """
    entries = pd.Series(values)
    numbers = pd.to_numeric(entries, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = np.flatnonzero((numbers != 0) & (numbers != 1))
    if len(bad):
        value = entries.iloc[int(bad[0])]
        value = value.item() if isinstance(value, np.generic) else value
        raise DatasetError(f"{where}: row {int(bad[0])} holds {value!r}; expected 0 or 1 "
                           f"({len(bad)} such rows in all)")
    return numbers.astype(np.int8)


def _columns_note(time: Any, label: Any, n_filled: int, fill: str | None) -> str:
    """A sentence on what the table's columns became."""
    words = [f"Column {time!r} taken as time: not a feature, rows kept in file order."
             if time is not None else "No time column: rows in file order."]
    words.append(f"Labels from column {label!r}." if label is not None else
                 f"No label column (none of {', '.join(LABEL_COLUMNS)}).")
    if n_filled:
        words.append(f"{n_filled} missing or non-finite feature values filled (fill={fill!r}).")
    return " ".join(words)


def _deal(n_items: int, *, seed: int, val_fraction: float, test_fraction: float,
          what: str) -> dict[str, np.ndarray]:
    """`seeded_split` into train, val and test, where test_fraction=0 gives an empty test."""
    if isinstance(test_fraction, (int, float)) and not isinstance(test_fraction, bool) \
            and test_fraction == 0:
        parts = seeded_split(n_items, {"val": val_fraction}, seed, what=what)
        return {**parts, "test": np.zeros(0, dtype=np.int64)}
    return seeded_split(n_items, {"test": test_fraction, "val": val_fraction}, seed, what=what)


def _training_rows(rows: np.ndarray, labels: np.ndarray,
                   known_anomalies: bool) -> tuple[np.ndarray, int]:
    """The rows of the train part that train on: all of them with `known_anomalies`, else
    those labelled normal; and how many of `rows` are labelled anomalous."""
    anomalous = labels[rows] == 1
    return (rows if known_anomalies else rows[~anomalous]), int(anomalous.sum())


def _make_splits(kind: str, examples: dict[str, Examples], labels: dict[str, np.ndarray], *,
                 known_anomalies: bool) -> dict[str, Split]:
    """The three splits; sessions are padded to the longest session of any split, and with
    `known_anomalies` train's labels are its `known` marks too."""
    if kind == "sessions":
        width = max((len(keys) for part in examples.values() for keys in part), default=1)
        examples = {part: pad_sessions(list(sessions), width)
                    for part, sessions in examples.items()}
    return {part: Split(examples[part], labels[part],
                        known=labels[part].copy() if known_anomalies and part == "train" else None)
            for part in ("train", "val", "test")}


def _random_split_note(what: str, seed: int, splits: dict[str, Split]) -> str:
    """The sentence of the notes that states a random split."""
    return (f"{what.capitalize()} split at random with seed {seed}: train {len(splits['train'])},"
            f" val {len(splits['val'])}, test {len(splits['test'])}.")


def _anomaly_note(what: str, count: int, *, labelled: bool, known_anomalies: bool) -> str:
    """The sentence of the notes on the train part's labelled anomalies."""
    if not labelled:
        return f"No labels: all {what} are labelled 0 (meta labelled = False)."
    if known_anomalies:
        return (f"{count} labelled anomalous {what} of the train part kept in it, marked in "
                f"train.known (known_anomalies=True).")
    return f"{count} labelled anomalous {what} of the train part dropped from it."


def _examples_dataset(name: str, kind: str, splits: dict[str, Split], *, meta: dict[str, Any],
                      notes: list[str], train_anomalies: int,
                      known_anomalies: bool) -> Dataset:
    """The Dataset of rows, images or sessions, with the facts every kind shares in `meta`:
    "scaling" from train (None for sessions, which get "vocab_size" and "max_len"),
    "train_anomalies" (and "known_anomalies" when kept), "notes".

    Raises:
        DatasetError: the train split holds no example labelled normal.
    """
    train = splits["train"]
    if not (train.y == 0).any():
        raise DatasetError(f"{name}: the train part holds no example labelled normal; expected "
                           f"normal data to train on")
    facts: dict[str, Any] = {"train_anomalies": train_anomalies}
    if known_anomalies:
        facts["known_anomalies"] = train_anomalies
    if kind == "sessions":
        facts.update(scaling=None, max_len=int(train.x.shape[1]),
                     vocab_size=int(max(split.x.max(initial=0) for split in splits.values())))
    else:
        facts["scaling"] = minmax_stats(train.x)
    return Dataset(name=name, kind=kind, **splits,
                   meta={**meta, **facts, "notes": " ".join(notes)})


def _series_split(name: str, values: np.ndarray, labels: np.ndarray, *, window: int,
                  train_fraction: float | None, val_fraction: float,
                  test_fraction: float | None, meta: dict[str, Any]) -> Dataset:
    """One series split chronologically (see `load_csv` for the fractions)."""
    if train_fraction is None:
        if test_fraction is None:
            train_fraction = SERIES_TRAIN_FRACTION
        else:
            train_fraction = _rest_fraction(val_fraction, test_fraction)
    ds = series_dataset(name, values, labels, window=window, train_fraction=train_fraction,
                        val_fraction=val_fraction, test_fraction=test_fraction, meta=meta)
    note = _series_train_note(ds.train, meta["labelled"])
    return dataclasses.replace(ds, meta={**ds.meta, "notes": f"{ds.meta['notes']} {note}"})


def _rest_fraction(val_fraction: float, test_fraction: float) -> float:
    """The train fraction that val_fraction and test_fraction leave."""
    for option, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DatasetError(f"{option} must be a number, got {value!r}")
    rest = round(1 - val_fraction - test_fraction, 12)
    if rest <= 0:
        raise DatasetError(f"val_fraction + test_fraction = {val_fraction + test_fraction:g} "
                           f"leaves nothing for the train part; expected a sum below 1")
    return rest


def _series_train_note(train: Split, labelled: bool) -> str:
    """The sentence of a series' notes on the labelled points of its train part."""
    if not labelled:
        return "No labels: every point is labelled 0 (meta labelled = False)."
    count = int(train.y.sum())
    if count == 0:
        return "No point of train is labelled anomalous."
    return (f"The {count} points of train labelled anomalous stay in it (a series keeps every "
            f"point): models train on every window, those included.")


def _read_arrays(path: Path) -> np.ndarray | dict[str, np.ndarray]:
    """The array of an .npy file, or the arrays of an .npz archive by name (no pickles)."""
    with path.open("rb") as stream:
        signature = stream.read(6)
    if not signature.startswith((NPY_SIGNATURE, NPZ_SIGNATURE)):
        raise DatasetError(f"{path}: not an .npy or .npz file (it starts with neither's "
                           f"signature); expected a file written by numpy.save or numpy.savez")
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                return {key: loaded[key] for key in loaded.files}
        return loaded
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DatasetError(f"{path}: not a readable .npy or .npz file of numbers "
                           f"({reason})") from err


def _kind_of(array: np.ndarray, where: str) -> str:
    """The kind an array's number of dimensions stands for."""
    if array.ndim in (1, 2):
        return "series"
    if array.ndim in (3, 4):
        return "image"
    raise DatasetError(f"{where}: an array of shape {list(array.shape)}; expected [time] or "
                       f"[time, features] (a series) or [n, height, width(, channels)] (images)")


def _array_dataset(name: str, x: np.ndarray, y: np.ndarray | None, *, kind: str | None,
                   window: int, train_fraction: float | None, val_fraction: float,
                   test_fraction: float | None, seed: int, known_anomalies: bool,
                   source: list[str], where: str, labels_where: str = "") -> Dataset:
    """One array (and its labels `y`, if any) split as its kind is; `where` and `labels_where`
    name the arrays in messages."""
    kind = kind or _kind_of(np.asarray(x), where)
    _check_choice("kind", kind, KINDS)
    _check_known_anomalies(kind, known_anomalies)
    examples, feature_names = _examples(kind, x, where, None)
    labelled = y is not None
    labels = (_labels(y, len(examples), labels_where) if labelled
              else np.zeros(len(examples), dtype=np.int8))
    meta = {"source": source, "feature_names": feature_names, "labelled": labelled}
    if kind == "series":
        return _series_split(name, examples, labels, window=window,
                             train_fraction=train_fraction, val_fraction=val_fraction,
                             test_fraction=test_fraction, meta={**meta, "notes": ""})
    if train_fraction is not None:
        raise DatasetError(f"train_fraction applies to series; the train part of {kind} data "
                           f"is what val and test leave")
    parts = _deal(len(examples), seed=seed, val_fraction=val_fraction,
                  test_fraction=TEST_FRACTION if test_fraction is None else test_fraction,
                  what=f"examples of {where}")
    train_rows, train_anomalies = _training_rows(parts["train"], labels, known_anomalies)
    rows = {"train": train_rows, "val": parts["val"], "test": parts["test"]}
    splits = _make_splits(kind, {part: _take(examples, indices) for part, indices in rows.items()},
                          {part: labels[indices] for part, indices in rows.items()},
                          known_anomalies=known_anomalies)
    notes = [_random_split_note("examples", seed, splits),
             _anomaly_note("examples", train_anomalies, labelled=labelled,
                           known_anomalies=known_anomalies)]
    return _examples_dataset(name, kind, splits,
                             meta={**meta, "test_rows": parts["test"].tolist()}, notes=notes,
                             train_anomalies=train_anomalies, known_anomalies=known_anomalies)


def _parts_dataset(kind: str, name: str, arrays: dict[str, Any], labels: dict[str, Any], *,
                   window: int, val_fraction: float, seed: int, known_anomalies: bool,
                   feature_names: Sequence[str] | None, source: list[str], where: str,
                   labels_key: str) -> Dataset:
    """The Dataset of parts given separately (see `from_arrays`).

    Args:
        arrays, labels: part name -> its examples / labels, or None where not given.
        where: names the arrays in messages, followed by the part ("data.npz: train").
        labels_key: the name of a part's labels in messages, e.g. "y_{part}" (formatted with
            the part's name).

    Raises:
        DatasetError: see `from_arrays`.
    """
    _check_choice("kind", kind, KINDS)
    _check_known_anomalies(kind, known_anomalies)
    for part in ("train", "val", "test"):
        if arrays[part] is None and labels[part] is not None:
            raise DatasetError(f"{where}: {labels_key.format(part=part)} given without {part}")
    if arrays["train"] is None:
        raise DatasetError(f"{where}: no train part")
    if feature_names is not None and kind not in ("series", "tabular"):
        raise DatasetError(f"feature_names applies to series and tabular data, not {kind}")
    examples: dict[str, Examples] = {}
    names: dict[str, list[str]] = {}
    for part, array in arrays.items():
        if array is not None:
            examples[part], names[part] = _examples(kind, array, f"{where}: {part}",
                                                    feature_names)
    if kind != "sessions":
        shape = examples["train"].shape[1:]
        for part, values in examples.items():
            if values.shape[1:] != shape:
                raise DatasetError(f"{where}: {part} holds examples of shape "
                                   f"{list(values.shape[1:])}, train {list(shape)}; expected "
                                   f"the same")
    part_labels = {part: None if labels[part] is None
                   else _labels(labels[part], len(values),
                                f"{where}: {labels_key.format(part=part)}")
                   for part, values in examples.items()}
    labelled = (part_labels["test"] is not None if "test" in examples
                else any(found is not None for found in part_labels.values()))
    y = {part: found if found is not None else np.zeros(len(examples[part]), dtype=np.int8)
         for part, found in part_labels.items()}
    train_rows, val_words = np.arange(len(examples["train"])), "val as given"
    if "val" not in examples:
        train_rows, val_rows, val_words = _val_from_train(kind, len(examples["train"]),
                                                          val_fraction=val_fraction, seed=seed,
                                                          where=where)
        examples["val"], y["val"] = _take(examples["train"], val_rows), y["train"][val_rows]
    if "test" not in examples:
        examples["test"] = _empty_like(kind, examples["train"])
        y["test"] = np.zeros(0, dtype=np.int8)
        test_words = "no test given: test is empty"
    else:
        test_words = "test as given"
    meta = {"source": source, "feature_names": names["train"], "labelled": labelled}
    split_words = f"Parts given separately: {val_words}; {test_words}."
    if kind == "series":
        examples["train"], y["train"] = examples["train"][train_rows], y["train"][train_rows]
        splits = {part: Split(examples[part], y[part]) for part in ("train", "val", "test")}
        return _series_parts_dataset(name, splits, window=window, meta=meta,
                                     split_note=split_words)
    train_rows, train_anomalies = _training_rows(train_rows, y["train"], known_anomalies)
    examples["train"], y["train"] = _take(examples["train"], train_rows), y["train"][train_rows]
    splits = _make_splits(kind, examples, y, known_anomalies=known_anomalies)
    notes = [f"{split_words} Sizes: train {len(splits['train'])}, val {len(splits['val'])}, "
             f"test {len(splits['test'])}.",
             _anomaly_note("examples", train_anomalies, labelled=labelled,
                           known_anomalies=known_anomalies)]
    return _examples_dataset(name, kind, splits, meta=meta, notes=notes,
                             train_anomalies=train_anomalies, known_anomalies=known_anomalies)


def _val_from_train(kind: str, n_train: int, *, val_fraction: float, seed: int,
                    where: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Val taken from the `n_train` given train examples: the last val_fraction of a series, a
    seeded random val_fraction of other kinds.

    Returns:
        (the indices that stay in train, those taken for val, a phrase for the notes).
    """
    rows = np.arange(n_train)
    if kind == "series":
        check_fraction("val_fraction", val_fraction)
        start = n_train - round(val_fraction * n_train)
        return (rows[:start], rows[start:],
                f"val = the last {val_fraction:g} of the given train series")
    parts = seeded_split(n_train, {"val": val_fraction}, seed, what=f"train examples of {where}")
    return (parts["train"], parts["val"],
            f"val = a random {val_fraction:g} of the given train examples (seed {seed})")


def _series_parts_dataset(name: str, splits: dict[str, Split], *, window: int,
                          meta: dict[str, Any], split_note: str) -> Dataset:
    """The Dataset of a series given as parts: scaling from train, "window", notes.

    Raises:
        DatasetError: a bad window, an empty train or val part, or a non-empty part shorter than
            one window.
    """
    check_window(window)
    for part, split in splits.items():
        if (len(split) or part != "test") and len(split) < window:
            raise DatasetError(f"{name}: the {part} part ({len(split)} points) is shorter than "
                               f"one window of {window}")
    sizes = ", ".join(f"{part} {len(split)}" for part, split in splits.items())
    notes = (f"{split_note} Points: {sizes}. "
             f"{_series_train_note(splits['train'], meta['labelled'])}")
    return Dataset(name=name, kind="series", **splits,
                   meta={**meta, "scaling": minmax_stats(splits["train"].x), "window": window,
                         "notes": notes})


def _examples(kind: str, array: Any, where: str,
              feature_names: Sequence[str] | None) -> tuple[Examples, list[str]]:
    """The checked examples of one part (float32 arrays, or for sessions a list of int32 [keys])
    and the names of their features.

    Raises:
        DatasetError: a shape that does not fit `kind`, non-numeric or non-finite values, or
            feature names that do not fit.
    """
    if kind == "sessions":
        return _session_list(array, where), ["log_key"]
    values = np.asarray(array)
    if values.dtype.kind not in "biuf":
        raise DatasetError(f"{where}: holds values of type {values.dtype}; expected numbers")
    shapes = {"series": ((1, 2), "[time] or [time, features]"),
              "tabular": ((2,), "[rows, features]"),
              "image": ((3, 4), "[n, height, width] or [n, height, width, channels]")}
    dimensions, expected = shapes[kind]
    if values.ndim not in dimensions:
        raise DatasetError(f"{where}: an array of shape {list(values.shape)}; {kind} data is "
                           f"{expected}")
    if values.ndim == dimensions[0] and kind != "tabular":
        values = values[..., None]
    values = values.astype(np.float32)
    if kind == "image":
        check_finite(values.reshape(len(values), -1), f"{where} (one row per image)")
        return values, _channel_names(values.shape[-1])
    names = _feature_names(values.shape[1], feature_names, where)
    check_finite(values, where, columns=names)
    return values, names


def _feature_names(n_features: int, given: Sequence[str] | None, where: str) -> list[str]:
    """`given` checked against the number of features, or "value" / feature_0, feature_1, ..."""
    if given is None:
        return ["value"] if n_features == 1 else [f"feature_{i}" for i in range(n_features)]
    names = [str(name) for name in given]
    if len(names) != n_features:
        raise DatasetError(f"{where}: {len(names)} feature_names for {n_features} features")
    return names


def _channel_names(channels: int) -> list[str]:
    """The names of the channels of an image: grey_level, or red, green, blue."""
    return CHANNEL_NAMES.get(channels, [f"channel_{i}" for i in range(channels)])


def _labels(values: Any, n_examples: int, where: str) -> np.ndarray:
    """int8 [n_examples] of the 0/1 labels `values`.

    Raises:
        DatasetError: not one label per example, or a label other than 0 or 1.
    """
    labels = np.asarray(values)
    if labels.shape != (n_examples,):
        raise DatasetError(f"{where}: labels of shape {list(labels.shape)} for {n_examples} "
                           f"examples; expected one label per example, [{n_examples}]")
    return _binary_labels(labels, where)


def _session_list(sessions: Any, where: str) -> list[np.ndarray]:
    """The sessions of an int array [n, max_len] (0 pads at the end) or of a sequence of 1-D
    sequences of keys, each as int32 [keys] without padding.

    Raises:
        DatasetError: an array that is not 2-D, a session that is not integers, a key below 1
            (but trailing padding), or an empty session.
    """
    if isinstance(sessions, np.ndarray) and sessions.ndim != 2:
        raise DatasetError(f"{where}: an array of shape {list(sessions.shape)}; sessions are "
                           f"int [n, max_len] (0 pads at the end) or a list of key sequences")
    largest = np.iinfo(np.int32).max
    found = []
    for index, session in enumerate(sessions):
        keys = np.asarray(session)
        if keys.ndim != 1 or keys.dtype.kind not in "iu":
            raise DatasetError(f"{where}: session {index} is not a sequence of integer log keys")
        keys = np.trim_zeros(keys, "b")
        if len(keys) == 0:
            raise DatasetError(f"{where}: session {index} is empty; expected at least one key")
        if keys.min() < 1 or keys.max() > largest:
            bad = keys[(keys < 1) | (keys > largest)][0]
            raise DatasetError(f"{where}: session {index} holds {int(bad)}; expected log keys "
                               f"1..{largest}, then only 0s as padding")
        found.append(keys.astype(np.int32))
    return found


def _take(examples: Examples, indices: np.ndarray) -> Examples:
    """The examples at `indices` (an array, or a list of sessions)."""
    if isinstance(examples, list):
        return [examples[i] for i in indices]
    return examples[indices]


def _empty_like(kind: str, train: Examples) -> Examples:
    """A part of no example, shaped as `train`'s examples."""
    if kind == "sessions":
        return []
    return np.zeros((0, *train.shape[1:]), dtype=np.float32)


def _labels_file(path: Path, n_sessions: int, sessions_path: Path) -> np.ndarray:
    """int8 [n_sessions] of the labels file at `path`, one 0/1 per line.

    Raises:
        DatasetError: a line other than 0 or 1, or not one line per session.
    """
    lines = _text_lines(path)
    for number, line in enumerate(lines, start=1):
        if line.strip() not in ("0", "1"):
            raise DatasetError(f"{path} line {number}: {line!r} is not a label; expected 0 or "
                               f"1, one per line")
    if len(lines) != n_sessions:
        raise DatasetError(f"{path} holds {len(lines)} labels for the {n_sessions} sessions of "
                           f"{sessions_path}; expected one per session")
    return np.array([int(line) for line in lines], dtype=np.int8)


def _image_size(image_size: int | Sequence[int] | None) -> tuple[int, int] | None:
    """(height, width) of the `image_size` option, or None."""
    if image_size is None:
        return None
    size = [image_size] * 2 if isinstance(image_size, int) else image_size
    if (isinstance(size, str) or not isinstance(size, Sequence) or len(size) != 2
            or not all(isinstance(side, int) and not isinstance(side, bool) and side > 0
                       for side in size)):
        raise DatasetError(f"image_size must be None, a positive int or (height, width), "
                           f"got {image_size!r}")
    return int(size[0]), int(size[1])


def _decode_images(files: list[Path], size: tuple[int, int] | None) -> np.ndarray:
    """float32 [n, height, width, channels] in 0..255 of the image files (see `load_images`).

    Raises:
        DatasetError: an unreadable image, or without `size` one whose height and width differ
            from the first image's.
    """
    import tensorflow as tf  # noqa: PLC0415 (the rest of datasets needs no TensorFlow)

    decoded = [decode_image(path) for path in files]
    colour = any(image.shape[-1] == 3 for image in decoded)
    if colour:
        decoded = [np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image
                   for image in decoded]
    if size is not None:
        return np.stack([tf.image.resize(image, size).numpy() for image in decoded])
    height, width = decoded[0].shape[:2]
    for path, image in zip(files, decoded, strict=True):
        if image.shape[:2] != (height, width):
            raise DatasetError(f"{path}: {image.shape[0]}x{image.shape[1]} pixels, but {files[0]} "
                               f"is {height}x{width}; expected images of one size, or "
                               f"image_size=(height, width) to resize them")
    return np.stack(decoded)
