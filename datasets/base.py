"""The `Dataset` every loader returns, the data-directory lookup and the errors.

A dataset is three labelled splits of *raw* values plus metadata. Normalisation statistics are
fitted on the training split by the loader and carried in `meta["scaling"]`; the models fold them
into their own graph, so a served model takes the raw values a client has.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

KINDS = ("series", "tabular", "image", "sessions")
DATA_DIR_ENV = "ZOO_DATA_DIR"


class DatasetError(ValueError):
    """A dataset cannot be loaded: unknown name, bad option or malformed file."""


class DataFileNotFoundError(DatasetError, FileNotFoundError):
    """A file a loader needs is not where it looked.

    Args:
        path: where the loader looked.
        origin: where the file comes from: a public source, or e.g. "your own file".
        hint: how to point the loader at the file; None: the data-dir advice for a public
            dataset.
    """

    def __init__(self, path: Path, origin: str, hint: str | None = None):
        if hint is None:
            super().__init__(f"data file not found: {path} (public source: {origin}; "
                             f"pass --data-dir or set {DATA_DIR_ENV} to the folder that holds it)")
        else:
            super().__init__(f"data file not found: {path} ({origin}: {hint})")
        self.path = path


@dataclasses.dataclass(frozen=True)
class Split:
    """One split of a dataset.

    Attributes:
        x: raw values. series: float32 [time, features]; tabular: float32 [rows, features];
            image: float32 [n, height, width, channels] in 0..255; sessions: int32 [n, max_len]
            of log keys, 0 = padding.
        y: int8 labels, one per time step / row / image / session; 1 = anomaly.
        known: int8 [len(y)] optional marks of the training anomalies a weakly supervised model
            may see (1 = a known, labelled anomaly). None when the split carries no such marks.
        classes: int [len(y)] optional: the class each example comes from (the digit, for the
            digit datasets), so that a protocol can regroup them. None when there are none.
    """

    x: np.ndarray
    y: np.ndarray
    known: np.ndarray | None = None
    classes: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise DatasetError(f"split has {len(self.x)} examples but {len(self.y)} labels")

    def __len__(self) -> int:
        return len(self.y)


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Train/val/test splits of raw data, and what a model needs to know about them.

    Attributes:
        name: the name it was loaded by, e.g. "nab:realKnownCause/nyc_taxi.csv".
        kind: one of KINDS; tells a model which architecture of its paper to build.
        train, val, test: the splits. `val` holds the data a threshold is calibrated on: only its
            examples labelled normal are used for that.
        meta: JSON-serialisable facts: "source", "feature_names", "scaling" ({"min": [...],
            "max": [...]} per feature, fitted on train), "window" (series), "notes"; the loaders
            of a user's own files add "labelled" (False: the labels are all-zero placeholders).
    """

    name: str
    kind: str
    train: Split
    val: Split
    test: Split
    meta: dict[str, Any]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DatasetError(f"dataset kind {self.kind!r} is not one of {KINDS}")

    def split(self, name: str) -> Split:
        """The split called `name` ("train", "val" or "test")."""
        if name not in ("train", "val", "test"):
            raise DatasetError(f"unknown split {name!r}: expected 'train', 'val' or 'test'")
        return getattr(self, name)

    @property
    def example_shape(self) -> tuple[int, ...]:
        """Shape of one model input: [window, features] for series, else one row/image/session."""
        if self.kind == "series":
            return (int(self.meta["window"]), self.train.x.shape[1])
        return tuple(self.train.x.shape[1:])

    def examples(self, split: str, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Model inputs and their labels for one split.

        Series are cut into sliding windows of `meta["window"]` (a window is anomalous if any of
        its points is); other kinds are returned as they are and `stride` is ignored. An empty
        split (a test part of fraction 0) gives zero examples.

        Returns:
            x: float32 [n, *example_shape] (a strided view for series: no copy is made).
            y: int8 [n].
        """
        from datasets import windows  # local: windows imports this module

        part = self.split(split)
        if self.kind != "series":
            return part.x, part.y
        if len(part) == 0:
            return (np.zeros((0, *self.example_shape), dtype=np.float32),
                    np.zeros(0, dtype=np.int8))
        length = int(self.meta["window"])
        return (windows.sliding_windows(part.x, length, stride),
                windows.window_labels(part.y, length, stride))


def minmax_stats(x: np.ndarray) -> dict[str, list[float]]:
    """Per-feature min and max over every axis but the last, as JSON-ready lists."""
    flat = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[-1])
    return {"min": flat.min(axis=0).tolist(), "max": flat.max(axis=0).tolist()}


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Where the real datasets live.

    The first of: `explicit` (the --data-dir flag), $ZOO_DATA_DIR, ../shared/data beside the
    repository (present in the team's checkouts), ~/.zoo/data.
    """
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if shared.is_dir():
        return shared
    return Path.home() / ".zoo" / "data"


def require_file(path: Path, origin: str, hint: str | None = None) -> Path:
    """Return `path` if it is a file, else raise DataFileNotFoundError naming `origin` (and
    `hint`, see DataFileNotFoundError)."""
    if not path.is_file():
        raise DataFileNotFoundError(path, origin, hint)
    return path


def check_finite(values: np.ndarray, where: str, columns: Sequence[str] | None = None) -> None:
    """Raise DatasetError naming the first row that holds a NaN or infinity.

    Args:
        values: [rows, ...] numbers.
        where: what `values` are, for the message (e.g. the file).
        columns: the names of the columns of 2-D `values`; given, the message names the
            column of that first bad value too.
    """
    bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
    if bad.any():
        first = np.argwhere(bad)[0]
        place = f"row {int(first[0])}"
        if columns is not None:
            place = f"{place}, column {columns[int(first[1])]!r},"
        raise DatasetError(f"{where}: {place} holds a missing or non-finite value "
                           f"({int(bad.sum())} such values in all)")


def reject_argument(key: str, arg: str | None) -> None:
    """Raise DatasetError if `arg` was given to a dataset whose name takes no ':<argument>'."""
    if arg:
        raise DatasetError(f"{key!r} takes no ':<argument>', got {arg!r}")


def read_csv(path: Path, **options: Any) -> pd.DataFrame:
    """`pandas.read_csv(path, **options)`, with an unreadable file reported as a DatasetError.

    Compression is inferred from the file name (`.gz`).
    """
    with _csv_errors(path):
        return pd.read_csv(path, **options)


def read_csv_chunks(path: Path, rows: int, **options: Any) -> Iterator[pd.DataFrame]:
    """The CSV at `path` as DataFrames of `rows` rows each, read lazily: `read_csv` in chunks,
    with an unreadable file reported as it reports one (a DatasetError, when the bad part is
    reached)."""
    with _csv_errors(path), pd.read_csv(path, chunksize=rows, **options) as reader:
        yield from reader


@contextlib.contextmanager
def _csv_errors(path: Path) -> Iterator[None]:
    """Turn the errors of pandas reading the CSV at `path` into a DatasetError naming it."""
    try:
        yield
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            gzip.BadGzipFile, EOFError) as err:
        reason = str(err).strip().splitlines()[-1]
        raise DatasetError(f"{path}: not a readable CSV file ({reason})") from err


def require_columns(frame: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    """Raise DatasetError unless the CSV read from `path` has a header with every name in
    `columns`."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise DatasetError(f"{path}: header {','.join(map(str, frame.columns))} lacks "
                           f"{', '.join(missing)}; expected the columns {','.join(columns)}")


def finite_floats(table: pd.DataFrame, where: str) -> np.ndarray:
    """float32 [rows, columns] of `table`; a missing or non-numeric entry is a DatasetError that
    names `where` and the row (see `check_finite`)."""
    numbers = table.apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    check_finite(numbers, where)
    return numbers.astype(np.float32)


@dataclasses.dataclass(frozen=True)
class OneHotEncoding:
    """How a table's records become rows of numbers: the numeric columns as they are, then, for
    each categorical column, one 0/1 column per known category (a category not known encodes as
    all zeros).

    Attributes:
        numeric: the columns passed through as numbers, in output order.
        categories: categorical column -> its known values, sorted.
    """

    numeric: list[str]
    categories: dict[str, list[Any]]

    @classmethod
    def fit(cls, records: pd.DataFrame, numeric: Sequence[str],
            categorical: Sequence[str]) -> OneHotEncoding:
        """The encoding whose categories are the values `records` holds."""
        return cls(list(numeric),
                   {name: sorted(records[name].unique().tolist()) for name in categorical})

    @property
    def feature_names(self) -> list[str]:
        """One name per output column, e.g. "src_bytes", "protocol_type=tcp"."""
        return self.numeric + [f"{name}={value}" for name, values in self.categories.items()
                               for value in values]

    def transform(self, records: pd.DataFrame, where: str) -> np.ndarray:
        """float32 [rows, len(feature_names)]; `where` names the file in error messages."""
        blocks = [finite_floats(records[self.numeric], where)]
        for name, values in self.categories.items():
            codes = pd.Categorical(records[name], categories=values).codes  # -1 = unseen
            one_hot = np.zeros((len(records), len(values)), dtype=np.float32)
            seen = np.flatnonzero(codes >= 0)
            one_hot[seen, codes[seen]] = 1.0
            blocks.append(one_hot)
        return np.hstack(blocks)


def session_keys(line: str, where: str, max_key: int | None = None) -> np.ndarray:
    """int32 [keys]: the space-separated log keys of one session.

    Args:
        line: the session, e.g. "5 9 9 11".
        where: the file and line, for messages ("hdfs_train line 3").
        max_key: the largest valid key; None: any positive integer (that fits int32).

    Raises:
        DatasetError: no key, or a token that is not a log key; the message names `where`.
    """
    allowed = f"integers 1..{max_key}" if max_key else "positive integers"
    key_range = f"1..{max_key}" if max_key else f"({allowed})"
    tokens = line.split()
    if not tokens:
        raise DatasetError(f"{where}: empty line; expected a session of space-separated log keys "
                           f"{key_range}")
    largest = max_key or np.iinfo(np.int32).max
    for token in tokens:
        if not (token.isdecimal() and 1 <= int(token) <= largest):
            raise DatasetError(f"{where}: {token!r} is not a log key; expected {allowed}")
    return np.array(tokens, dtype=np.int32)


def read_sessions(path: Path, max_key: int | None = None) -> list[np.ndarray]:
    """One int32 array of log keys per line of `path` (see `session_keys`).

    Raises:
        DatasetError: an empty line, or a token that is not a log key 1..max_key; the message
            names the file and the line number.
    """
    return [session_keys(line, f"{path} line {number}", max_key)
            for number, line in enumerate(path.read_text().splitlines(), start=1)]


def pad_sessions(sessions: list[np.ndarray], length: int) -> np.ndarray:
    """int32 [len(sessions), length]: each session from the left, then zeros."""
    padded = np.zeros((len(sessions), length), dtype=np.int32)
    for row, keys in enumerate(sessions):
        padded[row, :len(keys)] = keys
    return padded


def check_fraction(option: str, value: float) -> None:
    """Raise DatasetError unless `value`, of the option called `option`, lies in (0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise DatasetError(f"{option} must be a fraction between 0 and 1 (exclusive), "
                           f"got {value!r}")


def _check_fractions(fractions: dict[str, float], rest: str) -> None:
    """Each fraction must lie in (0, 1), and together they must leave something for `rest`."""
    for option, value in fractions.items():
        check_fraction(option, value)
    total = sum(fractions.values())
    if total >= 1:
        raise DatasetError(f"{' + '.join(fractions)} = {total:g} leaves nothing for the {rest} "
                           f"part; expected a sum below 1")


def seeded_split(n_items: int, fractions: dict[str, float], seed: int, *, rest: str = "train",
                 what: str = "examples") -> dict[str, np.ndarray]:
    """Deal the indices 0..n_items-1, shuffled by `seed`, into named parts.

    Args:
        n_items: how many items there are to split.
        fractions: part name -> fraction of `n_items` it gets (rounded), dealt in this order,
            e.g. {"test": 0.2, "val": 0.1}.
        seed: seeds the shuffle; the same seed gives the same parts.
        rest: the name of the part that gets the indices left over.
        what: what the items are, for error messages ("normal sessions").

    Returns:
        part name -> sorted int64 indices, so that every part keeps the items' original order.

    Raises:
        DatasetError: a fraction outside (0, 1), fractions summing to 1 or more, or a part that
            would be empty.
    """
    _check_fractions({f"{part}_fraction": value for part, value in fractions.items()}, rest)
    order = np.random.default_rng(seed).permutation(n_items)
    parts, start = {}, 0
    for part, fraction in fractions.items():
        size = round(fraction * n_items)
        parts[part] = np.sort(order[start:start + size])
        start += size
    parts[rest] = np.sort(order[start:])
    for part, indices in parts.items():
        if len(indices) == 0:
            raise DatasetError(f"the {part} part of {n_items} {what} would be empty; "
                               f"expected larger fractions or more data")
    return parts


def check_window(window: int) -> None:
    """Raise DatasetError unless `window` is a positive integer."""
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise DatasetError(f"window must be a positive integer, got {window!r}")


def _check_three_fractions(train_fraction: float, val_fraction: float,
                           test_fraction: float) -> None:
    """train and val in (0, 1), test in [0, 1), and the three summing to 1."""
    check_fraction("train_fraction", train_fraction)
    check_fraction("val_fraction", val_fraction)
    if (isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float))
            or not 0 <= test_fraction < 1):
        raise DatasetError(f"test_fraction must be None or a fraction in [0, 1), "
                           f"got {test_fraction!r}")
    total = train_fraction + val_fraction + test_fraction
    if abs(total - 1) > 1e-6:
        raise DatasetError(f"train_fraction + val_fraction + test_fraction = {total:g}; "
                           f"expected them to sum to 1")


def series_dataset(name: str, values: np.ndarray, labels: np.ndarray, *, window: int,
                   train_fraction: float, val_fraction: float, meta: dict[str, Any],
                   test_fraction: float | None = None) -> Dataset:
    """A series cut chronologically into train, val and test parts (kind "series").

    train = the points [0, train_fraction·T), val = the next val_fraction·T points, test = the
    rest. No shuffling: a model never trains on the future of what it is tested on.

    Args:
        name: the dataset's name, e.g. "nab:realKnownCause/nyc_taxi.csv".
        values: float32 [T, features], raw.
        labels: int8 [T], 1 = anomalous point.
        window: the window length models cut the series into.
        train_fraction, val_fraction: the shares of the series the first two parts get.
        meta: the loader's facts ("source", "feature_names", "notes"); "scaling" (fitted on
            train) and "window" are added, and a sentence stating the split is appended to
            "notes".
        test_fraction: None: test is the rest, whatever its share. A number: the three fractions
            must sum to 1, and 0 means no test part: val runs to the end of the series and test
            is an empty split of 0 points.

    Raises:
        DatasetError: a bad window or fraction, or a non-empty part shorter than one window.
    """
    check_window(window)
    if test_fraction is None:
        _check_fractions({"train_fraction": train_fraction, "val_fraction": val_fraction}, "test")
    else:
        _check_three_fractions(train_fraction, val_fraction, test_fraction)
    n_points = len(values)
    train_end = int(train_fraction * n_points)
    val_end = n_points if test_fraction == 0 else train_end + int(val_fraction * n_points)
    spans = {"train": slice(0, train_end), "val": slice(train_end, val_end),
             "test": slice(val_end, n_points)}
    for part, span in spans.items():
        if span.stop - span.start < window and not (part == "test" and test_fraction == 0):
            raise DatasetError(f"{name}: the {part} part ({span.stop - span.start} of "
                               f"{n_points} points) is shorter than one window of {window}")
    splits = {part: Split(values[span], labels[span]) for part, span in spans.items()}
    parts = "; ".join(f"{part} = points {span.start} to {span.stop - 1} "
                      f"({int(splits[part].y.sum())} labelled anomalous)"
                      if span.stop > span.start else f"{part} = none ({part}_fraction = 0)"
                      for part, span in spans.items())
    split_note = f"Chronological split of the {n_points} points: {parts}."
    notes = " ".join(note for note in (meta.get("notes"), split_note) if note)
    return Dataset(name=name, kind="series", **splits,
                   meta={**meta, "scaling": minmax_stats(splits["train"].x), "window": window,
                         "notes": notes})
