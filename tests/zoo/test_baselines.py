"""The plain baselines run beside the zoo's models (zoo/baselines.py)."""

import dataclasses

import numpy as np
import pytest

import datasets
from datasets import DatasetError, windows
from tests.datasets.test_hdfs import write_hdfs
from zoo import baselines, evaluation, metrics


def blob_and_outliers(seed: int = 0):
    """Normal rows from a 5-D Gaussian (train, val) and a test set whose second half lies far
    out of it: (train, val, test, test labels)."""
    rng = np.random.default_rng(seed)
    train, val = rng.normal(size=(400, 5)), rng.normal(size=(100, 5))
    test = np.concatenate([rng.normal(size=(50, 5)), rng.normal(loc=4.0, size=(50, 5))])
    return train, val, test, np.r_[np.zeros(50), np.ones(50)].astype(np.int8)


def test_kde_picks_the_bandwidth_that_makes_normal_val_data_likeliest():
    train, val, test, y = blob_and_outliers()
    scores, bandwidth = baselines.kde_scores(train, val, test, bandwidths=(0.001, 0.2, 50.0))
    # far too narrow: val points fall between the kernels; far too wide: the density is flat
    assert bandwidth == 0.2
    assert metrics.auroc(y, scores) > 0.99


def test_isolation_forest_and_kde_rank_outliers_first():
    train, val, test, y = blob_and_outliers(1)
    assert metrics.auroc(y, baselines.isolation_forest_scores(train, test, seed=0)) > 0.99
    assert metrics.auroc(y, baselines.kde_scores(train, val, test)[0]) > 0.99


def test_isolation_forest_split_scores_series_points_as_a_model_is_scored():
    """Window scores at the test stride, mapped back to points by the max over covering windows
    (as a model's); the spikes, level shifts and faster cycles planted in the synthetic series
    lie far from its normal windows (0.96 measured at stride 60, seed 0)."""
    ds = datasets.load("synthetic")
    scored = evaluation.isolation_forest_split(ds, "test", stride=60, seed=0)
    assert scored.scores.shape == scored.labels.shape == (len(ds.test.x),)
    assert scored.example_scores.shape == (len(ds.examples("test", stride=60)[0]),)
    np.testing.assert_array_equal(scored.scores, windows.window_to_point_scores(
        scored.example_scores, len(ds.test.x), 60, 60))
    assert metrics.auroc(scored.labels, scored.scores) > 0.9


def test_isolation_forest_split_leaves_out_the_known_anomalies_of_training():
    """Training rows marked as known anomalies (AnoEAN's) stay out of the baseline's fit; other
    training labels are not looked at, as a model does not see them."""
    ds = datasets.load("digits", anomaly_digits=[0])
    known = np.ones(len(ds.train), np.int8)
    known[:50] = 0
    marked = dataclasses.replace(ds, train=dataclasses.replace(ds.train, known=known))
    relabelled = dataclasses.replace(ds, train=dataclasses.replace(
        ds.train, y=np.ones_like(ds.train.y)))
    expected = baselines.isolation_forest_scores(ds.train.x[:50], ds.test.x, seed=0)
    np.testing.assert_array_equal(evaluation.isolation_forest_split(marked, seed=0).scores,
                                  expected.astype(np.float32))
    np.testing.assert_array_equal(evaluation.isolation_forest_split(relabelled, seed=0).scores,
                                  evaluation.isolation_forest_split(ds, seed=0).scores)


def test_isolation_forest_split_refuses_log_key_sessions(tmp_path):
    write_hdfs(tmp_path)
    ds = datasets.load("hdfs", data_dir=str(tmp_path), anomaly_fraction=0.2)
    with pytest.raises(DatasetError, match="no IsolationForest baseline for sessions"):
        evaluation.isolation_forest_split(ds)


def test_pca_reconstruction_flags_rows_off_the_normal_subspace():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(2, 6))  # normal rows span a plane in 6-D
    train = rng.normal(size=(300, 2)) @ basis
    test = np.concatenate([rng.normal(size=(40, 2)) @ basis, rng.normal(size=(40, 6))])
    scores = baselines.pca_reconstruction_scores(train, test)
    # on the plane a row reconstructs exactly; off it, the error is what the plane misses
    assert np.all(scores[:40] < 1e-6) and np.all(scores[40:] > 1e-3)


def test_the_cost_sensitive_svm_learns_the_known_labels_despite_their_rarity():
    train, _, test, y = blob_and_outliers()
    rng = np.random.default_rng(1)
    known_anomalies = rng.normal(loc=4.0, size=(8, 5))  # 8 of 408: balanced weights matter
    x = np.concatenate([train, known_anomalies])
    known = np.r_[np.zeros(len(train)), np.ones(8)]
    decision = baselines.cost_sensitive_svm(x, known, seed=0)
    assert metrics.auroc(y, decision(test)) > 0.99
    assert np.mean(decision(test[50:]) > 0) > 0.9


def test_at_most_max_rows_are_sampled_the_same_for_rows_and_labels():
    rows, labels = np.arange(20)[:, None], np.arange(20)
    sampled, their_labels = baselines.sample_rows(rows, 5, 0, labels)
    assert len(sampled) == 5 and np.array_equal(sampled[:, 0], their_labels)
    assert baselines.sample_rows(rows, 50, 0)[0] is rows
