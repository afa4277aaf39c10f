"""Fixtures the model tests share."""

import numpy as np
import pytest

import datasets


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits, one-class: 0 is the anomaly, the other digits normal."""
    return datasets.load("digits", anomaly_digits=[0])


@pytest.fixture(scope="module")
def short_windows():
    """The synthetic series cut into windows of 20, for the series GANs: (dataset, train
    windows, test windows, test labels)."""
    ds = datasets.load("synthetic", window=20, train_length=400, val_length=200,
                       test_length=600, n_point=2, n_contextual=1, n_collective=1)
    x_train, _ = ds.examples("train", stride=4)
    x_test, y_test = ds.examples("test", stride=10)
    return ds, np.ascontiguousarray(x_train), np.ascontiguousarray(x_test), y_test
