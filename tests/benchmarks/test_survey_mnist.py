"""The survey MNIST benchmark's two protocols give the loaders the digit in the right role, on
scikit-learn's shipped digits (the same one-class split as the mnist loader)."""

import numpy as np
import pytest

import datasets
from benchmarks import survey_mnist


@pytest.mark.parametrize("protocol, normal", [("one-anomaly", [0, 1, 2, 4, 5, 6, 7, 8, 9]),
                                              ("one-normal", [3])])
def test_each_protocol_makes_the_experiment_digit_the_class_it_names(protocol, normal):
    ds = datasets.load("digits", seed=0, **survey_mnist.experiment_digits(3, protocol))
    anomaly = sorted(set(range(10)) - set(normal))
    assert sorted(np.unique(ds.train.classes)) == normal
    assert sorted(np.unique(ds.test.classes[ds.test.y == 0])) == normal
    assert sorted(np.unique(ds.test.classes[ds.test.y == 1])) == anomaly
