"""Handwritten digits as one-class image data: some digits are normal, the others anomalies.

- `mnist`: the 28x28 MNIST idx files. Where the 60k training images are absent (the shared data
  folder holds only the 10k test set), train, val and test are all cut from the test set.
- `digits`: scikit-learn's shipped 8x8 digits (1,797 images, no download), for quick runs.
"""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn import datasets as sklearn_datasets

from datasets.base import (Dataset, DatasetError, Split, minmax_stats, reject_argument,
                           require_file, seeded_split)
from datasets.base import data_dir as resolve_data_dir

ORIGIN = "http://yann.lecun.com/exdb/mnist/ (mirror: https://github.com/kelas/mnist)"
IMAGES_MAGIC = 2051  # idx header: 0x00, 0x00, 0x08 (unsigned bytes), 0x03 (dimensions)
LABELS_MAGIC = 2049  # the same with one dimension
DIGITS = tuple(range(10))
Digits = int | Sequence[int] | None


def read_idx(path: Path, magic: int) -> np.ndarray:
    """The uint8 array in the gzipped idx file at `path`, shaped as its header says.

    Raises:
        DatasetError: not gzip, a magic number other than `magic`, or fewer or more bytes than
            the header promises.
    """
    try:
        with gzip.open(path, "rb") as stream:
            raw = stream.read()
    except (gzip.BadGzipFile, EOFError) as err:
        raise DatasetError(f"{path}: not a readable gzip file ({err})") from err
    found = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
    if found != magic:
        raise DatasetError(f"{path}: idx magic number is {found}, expected {magic} "
                           f"({'images' if magic == IMAGES_MAGIC else 'labels'})")
    n_dims = magic & 0xFF
    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise DatasetError(f"{path}: idx header cut short ({len(raw)} bytes)")
    shape = struct.unpack(f">{n_dims}I", raw[4:header_size])
    values = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    if values.size != math.prod(shape):
        raise DatasetError(f"{path}: header promises {'x'.join(map(str, shape))} values, "
                           f"the file holds {values.size}")
    return values.reshape(shape)


def digit_classes(normal_digits: Digits, anomaly_digits: Digits) -> tuple[list[int], list[int]]:
    """The normal and the anomaly digits; the one not given is the rest of 0-9.

    Raises:
        DatasetError: neither given, a value that is not a digit, an empty list, or a digit in
            both.
    """
    if normal_digits is None and anomaly_digits is None:
        raise DatasetError("give normal_digits or anomaly_digits (e.g. normal_digits=[0]); "
                           "the other defaults to the rest of 0-9")
    normal = _as_digits("normal_digits", normal_digits)
    anomaly = _as_digits("anomaly_digits", anomaly_digits)
    if normal is None:
        normal = [digit for digit in DIGITS if digit not in anomaly]
    if anomaly is None:
        anomaly = [digit for digit in DIGITS if digit not in normal]
    both = sorted(set(normal) & set(anomaly))
    if both:
        raise DatasetError(f"digits {both} are both normal and anomalous; expected disjoint "
                           f"normal_digits and anomaly_digits")
    if not normal or not anomaly:
        raise DatasetError(f"normal digits {normal} and anomaly digits {anomaly}: each class "
                           f"needs at least one digit")
    return normal, anomaly


def _as_digits(option: str, value: Digits) -> list[int] | None:
    """`value` (None, a digit or a sequence of digits) as a sorted list, checked."""
    if value is None:
        return None
    digits = [value] if isinstance(value, int) else value
    if (isinstance(digits, str) or not isinstance(digits, Sequence)
            or not all(isinstance(d, int) and not isinstance(d, bool) and d in DIGITS
                       for d in digits)):
        raise DatasetError(f"{option} must be a digit or a list of digits 0-9, got {value!r}")
    return sorted(set(digits))


def one_class_split(images: np.ndarray, digits: np.ndarray, normal: list[int],
                    anomaly: list[int], *, seed: int, test_fraction: float,
                    val_fraction: float) -> tuple[Split, Split, Split]:
    """Train, val and test splits of one labelled image set.

    Of the normal digits' images, a seeded `test_fraction` goes to test, `val_fraction` to val
    and the rest to train; every anomaly-digit image goes to test. Images of digits in neither
    class are left out.

    Args:
        images: float32 [n, height, width, 1].
        digits: int [n], the digit each image shows.
        normal, anomaly: the digits of each class.
        seed: seeds which normal images go where.
        test_fraction, val_fraction: shares of the normal images for test and val.
    """
    is_anomaly = np.isin(digits, anomaly).astype(np.int8)
    normal_images = np.flatnonzero(np.isin(digits, normal))
    parts = seeded_split(len(normal_images), {"test": test_fraction, "val": val_fraction}, seed,
                         what="normal-digit images")
    test = np.sort(np.concatenate([normal_images[parts["test"]], np.flatnonzero(is_anomaly)]))

    def split(indices: np.ndarray) -> Split:
        return Split(images[indices], is_anomaly[indices], classes=digits[indices])

    return split(normal_images[parts["train"]]), split(normal_images[parts["val"]]), split(test)


def load_mnist(arg: str | None, data_dir: str | None, *, normal_digits: Digits = None,
               anomaly_digits: Digits = None, seed: int = 0, test_fraction: float = 0.2,
               val_fraction: float = 0.1) -> Dataset:
    """MNIST as one-class data: x float32 [n, 28, 28, 1], raw grey levels 0..255.

    With `train-images-idx3-ubyte.gz` and `train-labels-idx1-ubyte.gz` present: train = the
    normal digits' training images less a seeded `val_fraction` for val; test = every t10k image
    of either class. Without them, all three splits are cut from t10k (see `one_class_split`).

    Args:
        normal_digits, anomaly_digits: give one (a digit or a list); the other defaults to the
            rest of 0-9.
        seed: seeds the split.
        test_fraction: share of the normal t10k images for test (only when the split is made
            inside t10k).
        val_fraction: share of the normal images (of the training set, or of t10k) for val.

    Raises:
        DatasetError: bad digits or fractions, or a malformed idx file.
        DataFileNotFoundError: a t10k file is missing.
    """
    reject_argument("mnist", arg)
    normal, anomaly = digit_classes(normal_digits, anomaly_digits)
    folder = resolve_data_dir(data_dir) / "mnist"
    test_images, test_digits, test_sources = _read_images(folder, "t10k")
    if (folder / "train-images-idx3-ubyte.gz").is_file():
        train_images, train_digits, train_sources = _read_images(folder, "train")
        normal_images = np.flatnonzero(np.isin(train_digits, normal))
        parts = seeded_split(len(normal_images), {"val": val_fraction}, seed,
                             what="normal-digit training images")
        train_part, val_part = normal_images[parts["train"]], normal_images[parts["val"]]
        train = Split(train_images[train_part], np.zeros(len(train_part), dtype=np.int8),
                      classes=train_digits[train_part])
        val = Split(train_images[val_part], np.zeros(len(val_part), dtype=np.int8),
                    classes=train_digits[val_part])
        in_test = np.flatnonzero(np.isin(test_digits, normal + anomaly))
        test = Split(test_images[in_test],
                     np.isin(test_digits[in_test], anomaly).astype(np.int8),
                     classes=test_digits[in_test])
        sources = train_sources + test_sources
        split_words = (f"train = the normal digits' training images less val = a seeded "
                       f"{val_fraction:g} of them; test = the t10k images of both classes")
    else:
        train, val, test = one_class_split(test_images, test_digits, normal, anomaly, seed=seed,
                                           test_fraction=test_fraction, val_fraction=val_fraction)
        sources = test_sources
        split_words = (f"the training images are absent, so the split was made inside t10k: "
                       f"of the normal digits' images a seeded {test_fraction:g} went to test, "
                       f"{val_fraction:g} to val and the rest to train; every anomaly-digit "
                       f"image went to test")
    return _digits_dataset("mnist", train, val, test, normal, anomaly, seed,
                           source=sources, split_words=split_words)


def load_digits(arg: str | None, data_dir: str | None, *, normal_digits: Digits = None,
                anomaly_digits: Digits = None, seed: int = 0, test_fraction: float = 0.2,
                val_fraction: float = 0.1) -> Dataset:
    """scikit-learn's 8x8 digits as one-class data: x float32 [n, 8, 8, 1], raw levels 0..16.

    Args:
        data_dir: not used: the images ship with scikit-learn.
        normal_digits, anomaly_digits: give one (a digit or a list); the other defaults to the
            rest of 0-9.
        seed: seeds the split.
        test_fraction, val_fraction: shares of the normal images for test and val (see
            `one_class_split`).

    Raises:
        DatasetError: bad digits or fractions.
    """
    reject_argument("digits", arg)
    normal, anomaly = digit_classes(normal_digits, anomaly_digits)
    bunch = sklearn_datasets.load_digits()
    images = bunch.images.astype(np.float32)[..., None]
    train, val, test = one_class_split(images, bunch.target, normal, anomaly, seed=seed,
                                       test_fraction=test_fraction, val_fraction=val_fraction)
    split_words = (f"of the normal digits' images a seeded {test_fraction:g} went to test, "
                   f"{val_fraction:g} to val and the rest to train; every anomaly-digit image "
                   f"went to test")
    return _digits_dataset("digits", train, val, test, normal, anomaly, seed,
                           source=["sklearn.datasets.load_digits (shipped with scikit-learn)"],
                           split_words=split_words)


def _read_images(folder: Path, prefix: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """float32 [n, 28, 28, 1] images, their digits, and the two paths read, for `prefix`
    "train" or "t10k"."""
    images_path = require_file(folder / f"{prefix}-images-idx3-ubyte.gz", ORIGIN)
    labels_path = require_file(folder / f"{prefix}-labels-idx1-ubyte.gz", ORIGIN)
    images = read_idx(images_path, IMAGES_MAGIC)
    digits = read_idx(labels_path, LABELS_MAGIC)
    if len(images) != len(digits):
        raise DatasetError(f"{images_path} holds {len(images)} images but {labels_path} "
                           f"{len(digits)} labels")
    return images.astype(np.float32)[..., None], digits, [str(images_path), str(labels_path)]


def _digits_dataset(name: str, train: Split, val: Split, test: Split, normal: list[int],
                    anomaly: list[int], seed: int, *, source: list[str],
                    split_words: str) -> Dataset:
    """The Dataset of either loader, with the facts they share in `meta`."""
    notes = (f"Normal digits {normal}, anomaly digits {anomaly} (label 1); seed {seed}: "
             f"{split_words}. Sizes: train {len(train)}, val {len(val)}, test {len(test)} "
             f"({test.y.mean():.1%} anomalous).")
    return Dataset(name=name, kind="image", train=train, val=val, test=test,
                   meta={"source": source, "feature_names": ["grey_level"],
                         "scaling": minmax_stats(train.x), "normal_digits": normal,
                         "anomaly_digits": anomaly, "notes": notes})
