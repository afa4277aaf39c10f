"""The `Dataset` every loader returns, the data-directory lookup and the errors.

A dataset is three labelled splits of *raw* values plus metadata. Normalisation statistics are
fitted on the training split by the loader and carried in `meta["scaling"]`; the models fold them
into their own graph, so a served model takes the raw values a client has.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("series", "tabular", "image", "sessions")
DATA_DIR_ENV = "ZOO_DATA_DIR"


class DatasetError(ValueError):
    """A dataset cannot be loaded: unknown name, bad option or malformed file."""


class DataFileNotFoundError(DatasetError, FileNotFoundError):
    """A file a loader needs is not where it looked."""

    def __init__(self, path: Path, origin: str):
        super().__init__(f"data file not found: {path} (public source: {origin}; "
                         f"pass --data-dir or set {DATA_DIR_ENV} to the folder that holds it)")
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
    """

    x: np.ndarray
    y: np.ndarray
    known: np.ndarray | None = None

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
            "max": [...]} per feature, fitted on train), "window" (series), "notes".
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
        its points is); other kinds are returned as they are and `stride` is ignored.

        Returns:
            x: float32 [n, *example_shape] (a strided view for series: no copy is made).
            y: int8 [n].
        """
        from datasets import windows  # local: windows imports this module

        part = self.split(split)
        if self.kind != "series":
            return part.x, part.y
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


def require_file(path: Path, origin: str) -> Path:
    """Return `path` if it is a file, else raise DataFileNotFoundError naming `origin`."""
    if not path.is_file():
        raise DataFileNotFoundError(path, origin)
    return path


def check_finite(values: np.ndarray, where: str) -> None:
    """Raise DatasetError naming the first row that holds a NaN or infinity."""
    bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise DatasetError(f"{where}: row {row} holds a missing or non-finite value "
                           f"({int(bad.sum())} such values in all)")
