"""The baselines every benchmark runs beside the zoo's models."""

import numpy as np

from benchmarks import common
from zoo import metrics


def blob_and_outliers(seed: int = 0):
    """Normal rows from a 5-D Gaussian (train, val) and a test set whose second half lies far
    out of it: (train, val, test, test labels)."""
    rng = np.random.default_rng(seed)
    train, val = rng.normal(size=(400, 5)), rng.normal(size=(100, 5))
    test = np.concatenate([rng.normal(size=(50, 5)), rng.normal(loc=4.0, size=(50, 5))])
    return train, val, test, np.r_[np.zeros(50), np.ones(50)].astype(np.int8)


def test_kde_picks_the_bandwidth_that_makes_normal_val_data_likeliest():
    train, val, test, y = blob_and_outliers()
    scores, bandwidth = common.kde_scores(train, val, test, bandwidths=(0.001, 0.2, 50.0))
    # far too narrow: val points fall between the kernels; far too wide: the density is flat
    assert bandwidth == 0.2
    assert metrics.auroc(y, scores) > 0.99


def test_isolation_forest_and_kde_rank_outliers_first():
    train, val, test, y = blob_and_outliers(1)
    assert metrics.auroc(y, common.isolation_forest_scores(train, test, seed=0)) > 0.99
    assert metrics.auroc(y, common.kde_scores(train, val, test)[0]) > 0.99


def test_recorded_runs_come_back_only_for_the_same_settings(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "DOCS", tmp_path)
    monkeypatch.setattr(common, "RESULTS", tmp_path / "RESULTS.md")
    assert common.recorded_runs("bench", {"epochs": 2}) == ({}, "")
    runs = {3: {0: {"kde": 0.5}}}
    common.write_section("bench", "## bench", {"command": "python bench.py",
                                               "args": {"epochs": 2, "seeds": [0]},
                                               "runs": runs})
    # keys come back as strings, as JSON holds them; arguments outside `settings` do not matter
    assert common.recorded_runs("bench", {"epochs": 2}) == ({"3": {"0": {"kde": 0.5}}},
                                                            "python bench.py")
    assert common.recorded_runs("bench", {"epochs": 5}) == ({}, "")
