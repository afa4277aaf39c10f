"""zoo.metrics against scikit-learn on random, heavily tied and tiny inputs, plus the protocols
scikit-learn lacks (top-percent criterion, point adjustment) on hand-made examples."""

import numpy as np
import pytest
from sklearn import metrics as sk

from zoo import metrics

SEEDS = range(60)


def _case(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels int [n] with both classes, scores float [n]; ties by construction on some seeds."""
    rng = np.random.default_rng(seed)
    n = [2, 3, 4][seed] if seed < 3 else int(rng.integers(2, 400))
    labels = rng.random(n) < rng.uniform(0.02, 0.7)
    labels[rng.choice(n, 2, replace=False)] = [True, False]  # both classes, anywhere
    scores = rng.normal(size=n) + labels * rng.uniform(-0.5, 2.0)
    if seed % 3 == 0:  # heavy ties: a handful of distinct values
        scores = np.round(scores)
    if seed % 10 == 1:  # extreme ties: at most two distinct values
        scores = (scores > 0).astype(float)
    if seed % 20 == 7:  # integer scores are taken as they are
        scores = np.round(scores * 3).astype(np.int64)
    if seed % 20 == 17:  # and so are float32 ones
        scores = scores.astype(np.float32)
    return labels.astype(int), scores


def _sklearn_best_f1(labels, scores) -> float:
    precision, recall, _ = sk.precision_recall_curve(labels, scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.nan_to_num(2 * precision * recall / (precision + recall)).max())


@pytest.mark.parametrize("seed", SEEDS)
def test_auroc_and_auprc_match_sklearn(seed):
    labels, scores = _case(seed)
    assert metrics.auroc(labels, scores) == pytest.approx(sk.roc_auc_score(labels, scores),
                                                          rel=1e-12, abs=1e-12)
    assert metrics.auprc(labels, scores) == pytest.approx(
        sk.average_precision_score(labels, scores), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_best_f1_matches_sklearn_pr_curve_and_its_threshold_reaches_it(seed):
    labels, scores = _case(seed)
    best, threshold = metrics.best_f1(labels, scores)
    assert best == pytest.approx(_sklearn_best_f1(labels, scores), rel=1e-12)
    assert threshold in scores
    assert sk.f1_score(labels, scores >= threshold) == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_precision_recall_f1_match_sklearn(seed):
    labels, scores = _case(seed)
    rng = np.random.default_rng(seed)
    for predicted in (scores > np.quantile(scores, rng.uniform(0, 1)),
                      rng.random(len(labels)) < 0.3):
        expected = sk.precision_recall_fscore_support(labels, predicted, average="binary",
                                                      zero_division=0)[:3]
        assert metrics.precision_recall_f1(labels, predicted) == pytest.approx(expected)


@pytest.mark.parametrize("labels, predicted", [
    ([0, 1, 1], [0, 0, 0]),  # nothing flagged: precision undefined
    ([0, 0, 0], [0, 1, 0]),  # no anomalies: recall undefined
    ([0, 0, 0], [0, 0, 0]),  # both undefined
    ([1, 0], [0, 1]),        # both zero: F1 undefined
])
def test_precision_recall_f1_is_zero_where_undefined(labels, predicted):
    expected = sk.precision_recall_fscore_support(labels, predicted, average="binary",
                                                  pos_label=1, labels=[0, 1], zero_division=0)
    assert metrics.precision_recall_f1(labels, predicted) == pytest.approx(expected[:3])


def test_constant_scores_give_chance_values():
    labels = np.array([0, 1, 0, 0, 1, 0, 0, 0])
    scores = np.full(8, 0.3)
    assert metrics.auroc(labels, scores) == 0.5
    assert metrics.auprc(labels, scores) == pytest.approx(labels.mean())
    assert metrics.best_f1(labels, scores) == (pytest.approx(2 * 2 / (8 + 2)), 0.3)


def test_perfect_and_reversed_rankings():
    labels = np.array([0, 0, 1, 1])
    assert metrics.auroc(labels, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.auroc(labels, [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert metrics.auprc(labels, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.best_f1(labels, [0.1, 0.2, 0.8, 0.9]) == (1.0, 0.8)


def test_top_percent_flags_that_share_of_the_highest_scores():
    scores = np.random.default_rng(0).permutation(1000).astype(float)
    flagged = metrics.top_percent_predictions(scores, 20)
    assert flagged.sum() == 200
    assert scores[flagged].min() > scores[~flagged].max()
    assert metrics.top_percent_predictions(scores, 100).all()


def test_top_percent_flags_ties_at_the_threshold_together():
    # ALAD's convention (scores >= percentile): every score tied at the cut is flagged.
    scores = np.array([0.0] * 6 + [1.0] * 3 + [2.0])
    np.testing.assert_array_equal(metrics.top_percent_predictions(scores, 20), scores >= 1.0)
    assert metrics.top_percent_predictions(scores, 10).sum() == 1


@pytest.mark.parametrize("percent", [0, -5, 100.5])
def test_top_percent_refuses_shares_outside_0_100(percent):
    with pytest.raises(ValueError, match="percent must be in"):
        metrics.top_percent_predictions([0.1, 0.2], percent)


def test_point_adjust_fills_hit_segments_only():
    #                   v  segment 1  v     seg 2   v  seg 3 (at the end)
    labels = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1])
    flagged = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], dtype=bool)
    expected = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1], dtype=bool)
    np.testing.assert_array_equal(metrics.point_adjust(labels, flagged), expected)


def test_point_adjust_handles_segments_at_both_ends_and_empty_series():
    labels = np.array([1, 1, 0, 0, 1])
    np.testing.assert_array_equal(metrics.point_adjust(labels, [0, 1, 0, 0, 0]),
                                  [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(metrics.point_adjust(labels, [0, 0, 1, 0, 1]),
                                  [0, 0, 1, 0, 1])
    assert metrics.point_adjust([], []).shape == (0,)


@pytest.mark.parametrize("seed", range(20))
def test_point_adjust_matches_a_segment_by_segment_loop(seed):
    rng = np.random.default_rng(seed)
    labels = rng.random(200) < 0.3
    predicted = rng.random(200) < 0.1
    expected = predicted.copy()
    start = None
    for i, anomalous in enumerate(np.r_[labels, False]):
        if anomalous and start is None:
            start = i
        elif not anomalous and start is not None:
            expected[start:i] |= predicted[start:i].any()
            start = None
    np.testing.assert_array_equal(metrics.point_adjust(labels, predicted), expected)


def test_evaluate_reports_each_metric_in_order():
    labels = np.array([0, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    scores = np.array([0.1, 0.2, 0.1, 0.9, 0.4, 0.3, 0.5, 0.8, 0.2, 0.6])
    results = metrics.report(labels, scores, threshold=0.45, top_percent=30, series=True)
    assert list(results) == ["auroc", "auprc", "precision", "recall", "f1", "precision@top",
                             "recall@top", "f1@top", "oracle_best_f1", "point_adjusted_f1",
                             "n", "n_anomalies"]
    assert results["auroc"] == pytest.approx(sk.roc_auc_score(labels, scores))
    assert results["f1"] == pytest.approx(sk.f1_score(labels, scores > 0.45))
    assert results["f1@top"] == pytest.approx(sk.f1_score(labels, scores >= 0.6))
    # Flagged 0.9 and 0.8 hit the segments [3, 4] and [7, 8]: all four anomalies, plus 2 false.
    assert results["point_adjusted_f1"] == pytest.approx(2 * 4 / (6 + 4))
    assert (results["n"], results["n_anomalies"]) == (10, 4)
    assert all(type(results[k]) is int for k in ("n", "n_anomalies"))


def test_evaluate_leaves_out_what_was_not_asked_for():
    labels, scores = [0, 1, 0, 1], [0.1, 0.7, 0.3, 0.2]
    assert list(metrics.report(labels, scores)) == ["auroc", "auprc", "oracle_best_f1", "n",
                                                      "n_anomalies"]
    # Point adjustment needs a threshold's predictions to adjust.
    assert "point_adjusted_f1" not in metrics.report(labels, scores, series=True)


def test_format_table_aligns_values_and_labels_the_oracle_and_point_adjusted_rows():
    results = metrics.report([0, 0, 1, 1, 0], [0.1, 0.2, 0.8, 0.4, 0.5], threshold=0.45,
                               series=True)
    lines = metrics.format_table(results, title="toy").splitlines()
    assert lines[0] == "toy" and set(lines[1]) == {"-"}
    rows = {line.split()[0]: line for line in lines[2:]}
    assert rows["auroc"].split()[1] == f"{results['auroc']:.4f}"
    assert rows["n"].split()[1] == "5" and rows["n_anomalies"].split()[1] == "2"
    assert "(oracle" in rows["oracle_best_f1"]
    assert "(point-adjusted, not the headline)" in rows["point_adjusted_f1"]
    assert len({line.index(line.split()[1]) + len(line.split()[1]) for line in lines[2:]}) == 1


@pytest.mark.parametrize("labels, scores, message", [
    ([0, 1], [0.1], "2 labels but 1 scores"),
    ([0, 2], [0.1, 0.2], r"labels must be 0 or 1 .*found 2"),
    ([0, 1], [0.1, np.nan], "1 of 2 scores are NaN"),
    ([0, 0], [0.1, 0.2], r"only normal examples \(0\)"),
    ([1, 1], [0.1, 0.2], r"only anomalies \(1\)"),
])
def test_evaluate_refuses_bad_input(labels, scores, message):
    with pytest.raises(ValueError, match=message):
        metrics.report(labels, scores)


@pytest.mark.parametrize("seed", range(20))
def test_oracle_point_adjusted_balanced_accuracy_is_the_best_sklearn_auc_of_adjusted_decisions(
        seed):
    # TAnoGAN's notebook reports roc_auc_score(actual, point-adjusted 0/1 decisions); the oracle
    # is that value at the best threshold, found here by brute force with scikit-learn.
    labels, scores = _case(seed + 3)
    expected = max(sk.roc_auc_score(labels, metrics.point_adjust(labels, scores >= t))
                   for t in np.unique(scores))
    value, threshold = metrics.oracle_point_adjusted_balanced_accuracy(labels, scores)
    assert value == pytest.approx(expected, abs=1e-12)
    assert sk.roc_auc_score(labels, metrics.point_adjust(labels, scores >= threshold)) == (
        pytest.approx(value, abs=1e-12))


def test_oracle_point_adjusted_balanced_accuracy_credits_a_whole_segment_for_one_hit():
    # One flagged window in a run of three anomalous ones counts as all three: TPR 1, and the
    # one normal window scored above it costs a quarter of the TNR.
    labels = [0, 0, 1, 1, 1, 0, 0, 0]
    scores = [0.1, 0.9, 0.2, 0.8, 0.3, 0.0, 0.1, 0.2]
    assert metrics.oracle_point_adjusted_balanced_accuracy(labels, scores) == (
        pytest.approx(0.5 * (1.0 + 4 / 5)), 0.8)
