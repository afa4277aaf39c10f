"""Dataset loaders of the zoo: `datasets.load(name, data_dir=None, **options)`.

Names take an optional argument after a colon, e.g. `nab:realKnownCause/nyc_taxi.csv` or
`yahoo-a1:/path/to/real_1.csv`. `names()` lists what is known. A user's own data loads by its
path (`csv:my_series.csv`, `images:my_folder`, see `datasets.files`), or from arrays in memory
with `from_arrays`; `datasets.inputs` reads a user's unlabelled file in chunks, for scoring.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from datasets import files, hdfs, kdd, mnist, nab, smap_msl, synthetic, yahoo
from datasets.base import (DATA_DIR_ENV, DataFileNotFoundError, Dataset, DatasetError, Split,
                           data_dir)
from datasets.files import from_arrays

DEFAULT = "synthetic"

# name -> (loader, usage). Each loader is `load(arg, data_dir, **options) -> Dataset`.
_LOADERS: dict[str, tuple[Callable[..., Dataset], str]] = {
    "synthetic": (synthetic.load, "synthetic"),
    "digits": (mnist.load_digits, "digits"),
    "nab": (nab.load, "nab:<category>/<file>.csv"),
    "yahoo-a1": (yahoo.load, "yahoo-a1:<path to a CSV>"),
    "smap-msl": (smap_msl.load, "smap-msl:<channel>"),
    "kdd99": (kdd.load_kdd99, "kdd99"),
    "nsl-kdd": (kdd.load_nsl_kdd, "nsl-kdd"),
    "mnist": (mnist.load_mnist, "mnist"),
    "hdfs": (hdfs.load, "hdfs"),
    "csv": (files.load_csv, "csv:<path to a CSV>"),
    "parquet": (files.load_parquet, "parquet:<path to a parquet file>"),
    "table": (files.load_table, "table:<path to a CSV of rows>"),
    "npy": (files.load_npy, "npy:<path to an .npy file>"),
    "npz": (files.load_npz, "npz:<path to an .npz file>"),
    "images": (files.load_images, "images:<folder with normal/ and abnormal/>"),
    "sessions": (files.load_sessions, "sessions:<path to a file of log-key sessions>"),
}


def names() -> list[str]:
    """The dataset names `load` accepts, with their argument where one is needed."""
    return [usage for _, usage in _LOADERS.values()]


def load(name: str, data_dir: str | None = None, **options: Any) -> Dataset:
    """Load a dataset by name.

    Args:
        name: one of `names()`, e.g. "synthetic" or "nab:realKnownCause/nyc_taxi.csv".
        data_dir: folder of the real datasets; default: see `datasets.base.data_dir`.
        **options: loader options (e.g. `seed`, `window`, `normal_digits`); an unknown one is
            an error that lists the options the loader takes.

    Raises:
        DatasetError: unknown name or option, malformed file.
        DataFileNotFoundError: a file is missing (the message names the path and its source).
    """
    key, _, arg = name.partition(":")
    if key not in _LOADERS:
        raise DatasetError(f"unknown dataset {name!r}; known: {', '.join(names())}")
    loader, usage = _LOADERS[key]
    params = inspect.signature(loader).parameters
    unknown = sorted(set(options) - set(params) - {"arg", "data_dir"})
    if unknown:
        allowed = [p for p in params if p not in ("arg", "data_dir")]
        raise DatasetError(f"dataset {key!r} has no option {', '.join(unknown)}; "
                           f"its options: {', '.join(allowed) or 'none'}")
    return loader(arg or None, data_dir, **options)


__all__ = ["DATA_DIR_ENV", "DEFAULT", "DataFileNotFoundError", "Dataset", "DatasetError", "Split",
           "data_dir", "from_arrays", "load", "names"]
