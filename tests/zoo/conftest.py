"""Fixtures the model tests share."""

import pytest

import datasets


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits, one-class: 0 is the anomaly, the other digits normal."""
    return datasets.load("digits", anomaly_digits=[0])
