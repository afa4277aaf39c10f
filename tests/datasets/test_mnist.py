"""datasets.mnist (idx files, one-class splits) on tiny idx files, sklearn's digits and the shared
MNIST test set."""

import gzip
import re
import struct

import numpy as np
import pytest

import datasets
from datasets import mnist
from datasets.base import DataFileNotFoundError, DatasetError


def write_idx(path, array, magic=None):
    """`array` (uint8) as a gzipped idx file, with the magic number its rank calls for."""
    magic = magic if magic is not None else 0x0800 + array.ndim
    path.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.astype(np.uint8).tobytes())
    return path


def write_mnist(root, prefix="t10k", n_images=100):
    """`n_images` 28x28 images showing digit i % 10, every pixel of image i = i % 256."""
    digits = np.arange(n_images) % 10
    images = np.broadcast_to((np.arange(n_images) % 256)[:, None, None], (n_images, 28, 28))
    write_idx(root / "mnist" / f"{prefix}-images-idx3-ubyte.gz", images)
    write_idx(root / "mnist" / f"{prefix}-labels-idx1-ubyte.gz", digits)


def test_without_training_images_the_split_is_made_inside_t10k(tmp_path):
    write_mnist(tmp_path)
    ds = mnist.load_mnist(None, str(tmp_path), normal_digits=[0])
    assert ds.kind == "image" and ds.train.x.shape[1:] == (28, 28, 1)
    assert [len(ds.train), len(ds.val), len(ds.test)] == [7, 1, 92]
    # image i shows digit i % 10 and holds the grey level i: raw values, no normalisation
    for split in (ds.train, ds.val):
        assert set(split.x[:, 0, 0, 0].astype(int) % 10) == {0} and split.y.sum() == 0
    test_index = ds.test.x[:, 0, 0, 0].astype(int)
    np.testing.assert_array_equal(ds.test.y, test_index % 10 != 0)
    assert (np.diff(test_index) > 0).all()  # test keeps the file order
    assert ds.train.x.dtype == np.float32
    assert "inside t10k" in ds.meta["notes"]
    assert ds.meta["normal_digits"] == [0] and ds.meta["anomaly_digits"] == list(range(1, 10))


def test_with_training_images_train_comes_from_the_training_set(tmp_path):
    write_mnist(tmp_path)
    write_mnist(tmp_path, prefix="train", n_images=200)
    ds = mnist.load_mnist(None, str(tmp_path), anomaly_digits=[3, 4], val_fraction=0.2)
    assert [len(ds.train), len(ds.val), len(ds.test)] == [128, 32, 100]
    assert ds.test.y.sum() == 20
    assert ds.meta["normal_digits"] == [0, 1, 2, 5, 6, 7, 8, 9]
    assert len(ds.meta["source"]) == 4


def test_the_split_follows_the_seed(tmp_path):
    write_mnist(tmp_path, n_images=300)
    one, again, other = (mnist.load_mnist(None, str(tmp_path), normal_digits=1, seed=seed)
                         for seed in (5, 5, 6))
    np.testing.assert_array_equal(one.train.x, again.train.x)
    assert not np.array_equal(one.train.x, other.train.x)


@pytest.mark.parametrize("options, message", [
    ({}, "give normal_digits or anomaly_digits"),
    ({"normal_digits": [1, 2], "anomaly_digits": [2, 3]}, "digits [2] are both normal and "
                                                          "anomalous"),
    ({"normal_digits": [10]}, "normal_digits must be a digit or a list of digits 0-9, got [10]"),
    ({"anomaly_digits": "3"}, "anomaly_digits must be a digit or a list of digits 0-9, got '3'"),
    ({"normal_digits": list(range(10))}, "each class needs at least one digit"),
    ({"normal_digits": [0], "test_fraction": 0}, "test_fraction must be a fraction"),
])
def test_bad_digit_options_are_refused(tmp_path, options, message):
    write_mnist(tmp_path)
    with pytest.raises(DatasetError, match=re.escape(message)):
        mnist.load_mnist(None, str(tmp_path), **options)
    with pytest.raises(DatasetError, match=re.escape(message)):
        mnist.load_digits(None, None, **options)


def test_a_wrong_magic_number_or_size_is_reported(tmp_path):
    write_mnist(tmp_path)
    labels = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    write_idx(labels, np.arange(100) % 10, magic=2051)
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz: idx magic number is "
                                           "2051, expected 2049"):
        mnist.load_mnist(None, str(tmp_path), normal_digits=[0])
    with gzip.open(labels, "wb") as stream:  # the header promises 100 labels, 99 follow
        stream.write(struct.pack(">II", 2049, 100) + bytes(99))
    with pytest.raises(DatasetError, match="header promises 100 values, the file holds 99"):
        mnist.load_mnist(None, str(tmp_path), normal_digits=[0])
    labels.write_bytes(b"plain bytes")
    with pytest.raises(DatasetError, match="not a readable gzip file"):
        mnist.load_mnist(None, str(tmp_path), normal_digits=[0])


def test_a_missing_file_names_the_path(tmp_path):
    with pytest.raises(DataFileNotFoundError) as caught:
        datasets.load("mnist", data_dir=str(tmp_path), normal_digits=[0])
    assert str(tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz") in str(caught.value)
    assert "yann.lecun.com" in str(caught.value)


def test_sklearn_digits_are_raw_8x8_images():
    ds = datasets.load("digits", normal_digits=[0])
    assert ds.train.x.shape == (124, 8, 8, 1) and ds.train.x.dtype == np.float32
    assert [len(ds.val), len(ds.test), int(ds.test.y.sum())] == [18, 1655, 1619]
    assert ds.train.x.max() == 16 and ds.train.x.min() == 0
    assert ds.meta["scaling"] == {"min": [0.0], "max": [16.0]}


def test_shared_mnist_splits_the_test_set_for_digit_zero(shared_data):
    ds = mnist.load_mnist(None, str(shared_data), normal_digits=[0])
    # 980 zeros in t10k: 196 to test, 98 to val, 686 to train; 9,020 other digits to test
    assert [len(ds.train), len(ds.val), len(ds.test)] == [686, 98, 9216]
    assert int(ds.test.y.sum()) == 9020
    assert ds.train.x.shape[1:] == (28, 28, 1) and ds.train.x.max() == 255
    assert "inside t10k" in ds.meta["notes"]


def test_every_split_says_which_digit_each_image_shows(tmp_path):
    """`classes` holds the digit of each image, so a protocol can regroup anomalies by digit;
    with the training files and without them."""
    write_mnist(tmp_path, "t10k")
    inside_t10k = datasets.load("mnist", data_dir=tmp_path, normal_digits=[3])
    write_mnist(tmp_path, "train")
    with_train = datasets.load("mnist", data_dir=tmp_path, normal_digits=[3])
    for ds in (inside_t10k, with_train):
        for split in (ds.train, ds.val, ds.test):
            assert len(split.classes) == len(split)
            np.testing.assert_array_equal(split.y, (split.classes != 3).astype(np.int8))
            # write_mnist: image i shows digit i % 10 and every pixel is i % 256
            np.testing.assert_array_equal(split.x[:, 0, 0, 0] % 10, split.classes)
        assert set(ds.train.classes) == set(ds.val.classes) == {3}
