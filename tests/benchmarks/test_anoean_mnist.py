"""The AnoEAN MNIST protocol's split of known anomalies and test images, on fake labelled images
split by the mnist loader's own function."""

import numpy as np
import pytest

from benchmarks import anoean_mnist
from datasets import DatasetError, mnist

PER_DIGIT = 60
DIGITS = np.repeat(np.arange(10), PER_DIGIT)
# Image i holds the value i in every pixel: the loader's splits then say which images they took.
IMAGES = np.broadcast_to(np.arange(len(DIGITS), dtype=np.float32)[:, None, None, None],
                         (len(DIGITS), 2, 2, 1))


def loader_pool(normal: list[int], seed: int):
    """The loader's split inside one image set, and its test pool as the benchmark sees it:
    (original indices of train, of val, of the pool; the pool's digits, NORMAL for normal)."""
    anomaly = [d for d in range(10) if d not in normal]
    train, val, test = mnist.one_class_split(IMAGES, DIGITS, normal, anomaly, seed=seed,
                                             test_fraction=0.2, val_fraction=0.1)
    pool = test.x[:, 0, 0, 0].astype(int)
    pool_digits = np.where(test.y == 1, DIGITS[pool], anoean_mnist.NORMAL)
    return train.x[:, 0, 0, 0].astype(int), val.x[:, 0, 0, 0].astype(int), pool, pool_digits


@pytest.mark.parametrize("normal, n_known_digits", [([3], 4), ([0, 1, 2, 3, 4], 2)])
@pytest.mark.parametrize("fraction", [0.1, 0.05, 0.0])
def test_split_draws_known_anomalies_from_the_chosen_digits_and_keeps_them_out_of_test(
        normal, n_known_digits, fraction):
    train, val, pool, pool_digits = loader_pool(normal, seed=7)
    split = anoean_mnist.protocol_split(pool_digits, len(train), n_known_digits, fraction, seed=7)
    known_digits, held_out = split["known_digits"], split["held_out_digits"]
    anomaly = sorted(set(range(10)) - set(normal))

    assert len(known_digits) == n_known_digits and set(known_digits) <= set(anomaly)
    assert sorted([*known_digits, *held_out]) == anomaly
    assert len(split["known"]) == round(fraction * len(train))
    assert set(pool_digits[split["known"]]) <= set(known_digits)
    # Test: every normal test image of the loader, anomalies making 20% of it, none known.
    test_digits = pool_digits[split["test"]]
    n_normal = np.sum(pool_digits == anoean_mnist.NORMAL)
    assert np.sum(test_digits == anoean_mnist.NORMAL) == n_normal
    assert np.sum(test_digits != anoean_mnist.NORMAL) == round(n_normal / 4)
    assert not set(split["known"]) & set(split["test"])
    # No training or val image, normal or known anomaly, is a test image.
    test_images, known_images = set(pool[split["test"]]), set(pool[split["known"]])
    assert not test_images & (set(train) | set(val) | known_images)


def test_same_seed_same_split_and_fractions_share_test_and_nest_known_anomalies():
    train, _, _, pool_digits = loader_pool([5], seed=1)

    def split(fraction, seed=1):
        return anoean_mnist.protocol_split(pool_digits, len(train), 4, fraction, seed)

    first, again = split(0.1), split(0.1)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    smaller = split(0.05)
    np.testing.assert_array_equal(smaller["test"], first["test"])
    np.testing.assert_array_equal(smaller["known_digits"], first["known_digits"])
    assert set(smaller["known"]) < set(first["known"])
    other = split(0.1, seed=2)
    assert not np.array_equal(other["test"], first["test"])


def test_split_refuses_counts_the_pool_cannot_give():
    train, _, _, pool_digits = loader_pool([3], seed=0)
    with pytest.raises(DatasetError, match="known anomalies"):
        # 4 digits of 60 images cannot give known anomalies as many as the normal images
        anoean_mnist.protocol_split(pool_digits, 10 * len(train), 4, 1.0, seed=0)
    with pytest.raises(DatasetError, match="anomaly digits"):
        anoean_mnist.protocol_split(pool_digits, len(train), 10, 0.1, seed=0)
