"""datasets.windows (the one windowing rule) and the registry's errors in datasets.load."""

import numpy as np
import pytest

import datasets
from datasets import windows
from datasets.base import DatasetError


def test_windows_start_every_stride_and_one_more_is_aligned_to_the_end():
    series = np.arange(11, dtype=np.float32)[:, None]  # [11, 1]
    cut = windows.sliding_windows(series, length=4, stride=3)
    assert cut.shape == (4, 4, 1)
    np.testing.assert_array_equal(cut[:, 0, 0], [0, 3, 6, 7])  # 7 = 11 - 4: the end-aligned one
    np.testing.assert_array_equal(cut[-1, :, 0], [7, 8, 9, 10])
    np.testing.assert_array_equal(cut[1, :, 0], [3, 4, 5, 6])


def test_no_extra_window_when_the_stride_reaches_the_end_exactly():
    series = np.arange(10, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(windows.window_starts(10, 4, 3), [0, 3, 6])
    assert windows.sliding_windows(series, 4, 3).shape == (3, 4, 1)
    assert windows.sliding_windows(series, 4).shape == (7, 4, 1)


def test_windows_keep_every_feature():
    series = np.arange(24, dtype=np.float32).reshape(12, 2)
    cut = windows.sliding_windows(series, length=5, stride=2)
    assert cut.shape == (5, 5, 2)
    np.testing.assert_array_equal(cut[2], series[4:9])


def test_a_window_is_anomalous_when_any_of_its_points_is():
    labels = np.zeros(12, dtype=np.int8)
    labels[5] = 1
    np.testing.assert_array_equal(windows.window_labels(labels, length=4, stride=2),
                                  [0, 1, 1, 0, 0])  # starts 0, 2, 4, 6, 8
    assert windows.window_labels(labels, 4).dtype == np.int8


def test_point_scores_are_the_max_over_the_windows_that_cover_each_point():
    rng = np.random.default_rng(0)
    n_points, length, stride = 23, 5, 3
    starts = windows.window_starts(n_points, length, stride)
    scores = rng.normal(size=len(starts)).astype(np.float32)
    expected = np.full(n_points, -np.inf, dtype=np.float32)
    for start, score in zip(starts, scores, strict=True):
        expected[start:start + length] = np.maximum(expected[start:start + length], score)
    points = windows.window_to_point_scores(scores, n_points, length, stride)
    np.testing.assert_array_equal(points, expected)
    assert np.isfinite(points).all()  # every point is covered


def test_point_scores_refuse_a_wrong_number_of_windows():
    with pytest.raises(DatasetError, match="3 window scores for 4 windows"):
        windows.window_to_point_scores(np.zeros(3), 11, 4, 3)


@pytest.mark.parametrize("cut", [
    lambda: windows.sliding_windows(np.zeros((5, 1)), 6),
    lambda: windows.window_labels(np.zeros(5), 6),
    lambda: windows.window_to_point_scores(np.zeros(1), 5, 6),
])
def test_a_series_shorter_than_a_window_is_an_error(cut):
    with pytest.raises(DatasetError, match="5 points is shorter than one window of 6"):
        cut()


def test_unknown_dataset_lists_the_known_names():
    with pytest.raises(DatasetError) as caught:
        datasets.load("nope")
    message = str(caught.value)
    assert "unknown dataset 'nope'" in message
    for name in ("synthetic", "digits", "nab:<category>/<file>.csv", "yahoo-a1:<path to a CSV>",
                 "kdd99", "nsl-kdd", "mnist", "hdfs"):
        assert name in message


def test_unknown_option_lists_the_loaders_options():
    with pytest.raises(DatasetError) as caught:
        datasets.load("hdfs", colour=3)
    message = str(caught.value)
    assert "has no option colour" in message
    assert "seed, val_fraction, test_fraction, anomaly_fraction" in message


def test_a_dataset_without_an_argument_refuses_one():
    with pytest.raises(DatasetError, match="'digits' takes no ':<argument>', got 'x'"):
        datasets.load("digits:x", normal_digits=[0])
