"""zoo.metrics against scikit-learn, on random and heavily tied scores."""

import numpy as np
import pytest
from sklearn import metrics as sk

from zoo import metrics


def _cases():
    for seed in range(25):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(2, 300))
        labels = rng.random(n) < rng.uniform(0.05, 0.6)
        labels[0], labels[-1] = True, False  # both classes present
        scores = rng.normal(size=n) + labels * rng.uniform(0, 2)
        if seed % 3 == 0:  # heavy ties
            scores = np.round(scores)
        yield labels.astype(int), scores


@pytest.mark.parametrize("labels, scores", list(_cases()))
def test_threshold_free_metrics_match_sklearn(labels, scores):
    assert metrics.auroc(labels, scores) == pytest.approx(sk.roc_auc_score(labels, scores))
    assert metrics.auprc(labels, scores) == pytest.approx(
        sk.average_precision_score(labels, scores))
    precision, recall, _ = sk.precision_recall_curve(labels, scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    best, threshold = metrics.best_f1(labels, scores)
    assert best == pytest.approx(f1.max())
    assert metrics.precision_recall_f1(labels, scores >= threshold)[2] == pytest.approx(best)


@pytest.mark.parametrize("labels, scores", list(_cases())[:8])
def test_precision_recall_f1_match_sklearn(labels, scores):
    predicted = scores > np.median(scores)
    expected = sk.precision_recall_fscore_support(labels, predicted, average="binary",
                                                  zero_division=0)[:3]
    assert metrics.precision_recall_f1(labels, predicted) == pytest.approx(expected)


def test_top_percent_flags_that_share():
    scores = np.arange(1000, dtype=float)
    assert metrics.top_percent_predictions(scores, 20).sum() == 200
    assert metrics.top_percent_predictions(scores, 20)[-200:].all()


def test_point_adjust_fills_hit_segments_only():
    labels = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0, 1])
    flagged = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1], dtype=bool)
    expected = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 1], dtype=bool)
    np.testing.assert_array_equal(metrics.point_adjust(labels, flagged), expected)


def test_evaluate_reports_and_labels_each_metric():
    labels = np.array([0, 0, 0, 1, 1, 0, 0, 1])
    scores = np.array([0.1, 0.2, 0.1, 0.9, 0.4, 0.3, 0.5, 0.8])
    results = metrics.evaluate(labels, scores, threshold=0.45, top_percent=25, series=True)
    assert list(results)[:2] == ["auroc", "auprc"]
    assert results["f1"] == pytest.approx(sk.f1_score(labels, scores > 0.45))
    assert results["n"] == 8 and results["n_anomalies"] == 3
    table = metrics.format_table(results, title="t")
    assert "oracle" in table and "point-adjusted" in table


@pytest.mark.parametrize("labels, scores, message", [
    ([0, 1], [0.1], "2 labels but 1 scores"),
    ([0, 2], [0.1, 0.2], "must be 0"),
    ([0, 1], [0.1, np.nan], "NaN"),
    ([0, 0], [0.1, 0.2], "only one class"),
])
def test_evaluate_refuses_bad_input(labels, scores, message):
    with pytest.raises(ValueError, match=message):
        metrics.evaluate(labels, scores)
