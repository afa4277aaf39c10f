"""zoo.metrics against scikit-learn on random, heavily tied and tiny inputs, plus the protocols
scikit-learn lacks (top-percent criterion, point adjustment) on hand-made examples."""

import math

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


# VUS-PR and VUS-ROC (TSB-AD's volume under the surface) and its buffer length.

def _runs(labels) -> list[tuple[int, int]]:
    """The labelled ranges (first, last point) of a 0/1 series, found point by point."""
    runs, start = [], None
    for i, anomalous in enumerate(list(labels) + [0]):
        if anomalous and start is None:
            start = i
        elif not anomalous and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def _vus_by_loops(labels, scores, max_buffer, n_thresholds=250) -> tuple[float, float]:
    """(VUS-PR, VUS-ROC) the slow way: one buffer length, one threshold, one point at a time,
    following the steps of TSB-AD's RangeAUC_volume_opt (basic_metrics.py) as written there."""
    labels, scores = [int(v) for v in labels], [float(v) for v in scores]
    n, n_anomalies, runs = len(labels), sum(labels), _runs(labels)
    ranked = sorted(scores, reverse=True)
    thresholds = [ranked[int(p)] for p in np.linspace(0, n - 1, n_thresholds)]
    pr_areas, roc_areas = [], []
    for buffer in range(max_buffer + 1):
        half = buffer // 2
        # Soft labels: 1 on the ranges, sqrt(1 - d / buffer) d points beyond either end, for
        # d = 1..half; what two ranges both reach adds up, then everything is capped at 1.
        weight = [float(v) for v in labels]
        for first, last in runs:
            for d in range(1, half + 1):
                for point in (first - d, last + d):
                    if 0 <= point < n:
                        weight[point] += math.sqrt(1 - d / buffer)
        weight = [min(w, 1.0) for w in weight]
        # Widened ranges, merged when one reaches the next (last + half >= next first - half).
        spans = []
        for first, last in runs:
            low, high = max(first - half, 0), min(last + half, n - 1)
            if spans and spans[-1][1] >= low:
                spans[-1] = (spans[-1][0], high)
            else:
                spans.append((low, high))
        tpr, fpr, precision = [0.0], [0.0], [1.0]
        for threshold in thresholds:
            flagged = [score >= threshold for score in scores]
            tp = sum(w for w, f in zip(weight, flagged) if f)
            buffer_hits = sum(w for w, f, y in zip(weight, flagged, labels) if f and not y)
            positives = n_anomalies + buffer_hits / 2
            existence = sum(any(flagged[a:b + 1]) for a, b in spans) / len(spans)
            tpr.append(min(tp / positives, 1.0) * existence)
            fpr.append((sum(flagged) - tp) / (n - positives))
            precision.append(tp / sum(flagged))
        pr_areas.append(sum((tpr[k] - tpr[k - 1]) * precision[k] for k in range(1, len(tpr))))
        tpr.append(1.0)
        fpr.append(1.0)
        roc_areas.append(sum((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2
                             for k in range(1, len(tpr))))
    return sum(pr_areas) / len(pr_areas), sum(roc_areas) / len(roc_areas)


def _series_case(seed: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Labels with a few ranges (some at the ends, some close enough to merge), scores that
    lean towards them (tied on some seeds), a buffer and a threshold count."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 600))
    labels = np.zeros(n, dtype=int)
    for _ in range(int(rng.integers(1, 7))):
        start = int(rng.integers(0, n))
        labels[start:start + int(rng.integers(1, 30))] = 1
    labels[0] = seed % 4 == 0
    labels[-1] = seed % 5 == 0
    labels[n // 2] = 0  # never all anomalous
    if not labels.any():
        labels[n // 3] = 1
    scores = rng.normal(size=n) + labels * rng.uniform(0.0, 2.0)
    if seed % 3 == 0:
        scores = np.round(scores)
    max_buffer = 60 if seed % 7 == 0 else int(rng.integers(0, 15))
    n_thresholds = [250, 7, 1, 2][seed % 4] if seed % 2 else 250
    return labels, scores, max_buffer, n_thresholds


def test_vus_on_a_ten_point_series_worked_by_hand():
    # One range, points 3..5. Scores take three values: 2 at {3, 5}, 1 at {2, 6}, 0 elsewhere,
    # so the ten thresholds give three curve points: {3, 5}, {2, 3, 5, 6} and all flagged.
    labels = [0, 0, 0, 1, 1, 1, 0, 0, 0, 0]
    scores = [0, 0, 1, 2, 0, 2, 1, 0, 0, 0]
    # Buffers 0 and 1 widen by nothing (1 // 2 = 0): P = 3, N = 7, one range.
    #   {3, 5}:       TP 2, TPR 2/3, FPR 0,   precision 1
    #   {2, 3, 5, 6}: TP 2, TPR 2/3, FPR 2/7, precision 1/2
    #   all:          TP 3, TPR 1,   FPR 1,   precision 3/10
    # ROC: (0,0) (0,2/3) (2/7,2/3) (1,1): 2/7 * 2/3 + 5/7 * (2/3 + 1) / 2 = 11/14.
    # PR: 2/3 * 1 + 0 * 1/2 + 1/3 * 3/10 = 23/30.
    roc_narrow, pr_narrow = 11 / 14, 23 / 30
    # Buffer 2 widens by one point each side: points 2 and 6 weigh w = sqrt(1 - 1/2).
    w = math.sqrt(0.5)
    #   {3, 5}:       TP 2, P 3: TPR 2/3, FPR 0, precision 1
    #   {2, 3, 5, 6}: TP 2 + 2w, P = 3 + w (half the flagged buffer weight), TPR = TP / P;
    #                 FPR = (4 - TP) / (10 - P); precision = TP / 4
    #   all:          TP 3 + 2w, P = 3 + w, TPR min(TP / P, 1) = 1, FPR = (10 - TP) / (10 - P),
    #                 precision = TP / 10
    tpr = [0, 2 / 3, (2 + 2 * w) / (3 + w), 1, 1]
    fpr = [0, 0, (2 - 2 * w) / (7 - w), (7 - 2 * w) / (7 - w), 1]
    precision = [None, 1, (2 + 2 * w) / 4, (3 + 2 * w) / 10]
    roc_wide = sum((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2 for k in range(1, 5))
    pr_wide = sum((tpr[k] - tpr[k - 1]) * precision[k] for k in range(1, 4))
    result = metrics.vus(labels, scores, max_buffer=2)
    assert result["vus_pr"] == pytest.approx((2 * pr_narrow + pr_wide) / 3, rel=1e-12)
    assert result["vus_roc"] == pytest.approx((2 * roc_narrow + roc_wide) / 3, rel=1e-12)
    assert metrics.vus_pr(labels, scores, 0) == pytest.approx(pr_narrow, rel=1e-12)
    assert metrics.vus_roc(labels, scores, 0) == pytest.approx(roc_narrow, rel=1e-12)


@pytest.mark.parametrize("seed", range(40))
def test_vus_matches_a_point_by_point_loop_over_buffers_and_thresholds(seed):
    labels, scores, max_buffer, n_thresholds = _series_case(seed)
    expected = _vus_by_loops(labels, scores, max_buffer, n_thresholds)
    result = metrics.vus(labels, scores, max_buffer, n_thresholds=n_thresholds)
    assert (result["vus_pr"], result["vus_roc"]) == pytest.approx(expected, rel=1e-12,
                                                                  abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_vus_at_buffer_0_is_the_step_area_of_range_precision_and_recall(seed):
    # With no buffer and n <= 250, every distinct score is a threshold and TPR is the point
    # recall times the share of ranges hit; VUS-PR steps precision over it.
    labels, scores, _, _ = _series_case(seed)
    labels, scores = labels[:250], scores[:250]
    if labels.all() or not labels.any():
        labels[:2] = [0, 1]
    runs = _runs(labels)
    area, previous = 0.0, 0.0
    for threshold in np.unique(scores)[::-1]:
        flagged = scores >= threshold
        recall = labels[flagged].sum() / labels.sum()
        existence = np.mean([flagged[a:b + 1].any() for a, b in runs])
        tpr = recall * existence
        area += (tpr - previous) * labels[flagged].mean()
        previous = tpr
    assert metrics.vus_pr(labels, scores, max_buffer=0) == pytest.approx(area, rel=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_vus_at_buffer_0_of_one_range_hit_first_is_auroc_and_auprc(seed):
    # One range whose point scores highest: existence is 1 at every threshold, so at buffer 0
    # the range curves are the point curves and, all distinct scores being thresholds
    # (n <= 250), their areas are AUROC (trapezoids) and average precision (steps).
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 250))
    labels = np.zeros(n, dtype=int)
    start = int(rng.integers(0, n - 10))
    labels[start:start + int(rng.integers(1, 10))] = 1
    scores = np.round(rng.normal(size=n) + labels, 1)  # ties included
    scores[start] = scores.max() + 1
    assert metrics.vus_roc(labels, scores, 0) == pytest.approx(sk.roc_auc_score(labels, scores),
                                                               rel=1e-12)
    assert metrics.vus_pr(labels, scores, 0) == pytest.approx(
        sk.average_precision_score(labels, scores), rel=1e-12)


def test_buffers_0_and_1_widen_by_nothing():
    labels, scores, _, _ = _series_case(3)
    assert metrics.vus(labels, scores, 1) == metrics.vus(labels, scores, 0)
    assert metrics.vus(labels, scores, 2) != metrics.vus(labels, scores, 0)


@pytest.mark.parametrize("max_buffer", [0, 1, 7, 40, None])
def test_perfect_scores_give_1(max_buffer):
    n = 3000  # more points than thresholds: the thresholds are a grid of the ranked scores
    labels = np.zeros(n, dtype=int)
    for start, length in [(0, 5), (400, 60), (470, 1), (1500, 200), (2990, 10)]:
        labels[start:start + length] = 1
    result = metrics.vus(labels, labels.astype(float), max_buffer)
    assert result == {"vus_pr": pytest.approx(1.0, abs=1e-12),
                      "vus_roc": pytest.approx(1.0, abs=1e-12)}
    # A graded perfect ranking too, on a series short enough for every score to be a threshold.
    short = labels[:250]
    graded = short * (1.0 + np.random.default_rng(0).random(250))
    assert metrics.vus_pr(short, graded, max_buffer) == pytest.approx(1.0, abs=1e-12)
    assert metrics.vus_roc(short, graded, max_buffer) == pytest.approx(1.0, abs=1e-12)


def _noise_case() -> tuple[np.ndarray, int, list[int], int]:
    """Ten ranges of 20 points, 2000 apart, in 20,000 points; buffers up to 60."""
    n, length, starts = 20000, 20, list(range(1000, 20000, 2000))
    labels = np.zeros(n, dtype=int)
    for start in starts:
        labels[start:start + length] = 1
    return labels, length, starts, 60


def _buffer_weight_sum(buffer: int) -> float:
    """The buffer weights one range gets on its two sides, far from the others and the ends."""
    half = buffer // 2
    return 2 * float(np.sum(np.sqrt(1 - np.arange(1, half + 1) / buffer))) if half else 0.0


def test_uniform_noise_vus_pr_is_near_the_weighted_share_of_widened_points():
    # Flagging a random share q of points flags, on average, a share q of the anomalies and of
    # every buffer point: TP ~ q * (P + S_l) with S_l the buffer weights, |F| = q * n, so the
    # precision stays near (P + S_l) / n while the TPR climbs from 0 to 1: each area is about
    # (P + S_l) / n, VUS-PR their mean. The few top thresholds flag few points, so precision
    # there is noisy: one seed lands within about 18%, the mean of five within 4% (measured
    # over 40 seeds); the test allows 10%, when the buffers more than double the rate.
    labels, length, starts, max_buffer = _noise_case()
    n, n_anomalies = len(labels), int(labels.sum())
    widened = np.mean([(n_anomalies + len(starts) * _buffer_weight_sum(b)) / n
                       for b in range(max_buffer + 1)])
    values = [metrics.vus_pr(labels, np.random.default_rng(seed).random(n), max_buffer)
              for seed in range(5)]
    assert np.mean(values) == pytest.approx(widened, rel=0.10)
    assert widened > 2 * labels.mean()  # short ranges, long buffers: the buffers dominate


def test_uniform_noise_vus_roc_is_near_one_half_without_buffer_and_above_it_with_one():
    # Without buffer the range ROC of noise is the point ROC (0.5), but for the few top
    # thresholds that miss some ranges. With buffers, flagged buffer points add S_l * q to TP
    # but only half that to P, so the expected TPR, min(q (P + S_l) / (P + q S_l / 2), 1)
    # times the chance 1 - (1 - q)^length that a range is hit, runs above FPR ~ q: with short
    # ranges and long buffers, noise scores about 0.7. The expected curve, traced over the same
    # flagged shares, gives the value to expect. One seed's VUS-ROC spreads by about 0.02 (200
    # anomalous points), five seeds' mean by under 0.015 (measured over 40 seeds): 0.03.
    labels, length, starts, max_buffer = _noise_case()
    n, n_anomalies = len(labels), int(labels.sum())
    values = [metrics.vus(labels, np.random.default_rng(seed).random(n), max_buffer)
              for seed in range(5)]
    no_buffer = [metrics.vus_roc(labels, np.random.default_rng(seed).random(n), 0)
                 for seed in range(5)]
    share = (np.linspace(0, n - 1, 250).astype(int) + 1) / n
    expected = []
    for buffer in range(max_buffer + 1):
        weights = len(starts) * _buffer_weight_sum(buffer)
        tp = share * (n_anomalies + weights)
        positives = n_anomalies + share * weights / 2
        tpr = np.r_[0, np.minimum(tp / positives, 1) * (1 - (1 - share) ** length), 1]
        fpr = np.r_[0, (share * n - tp) / (n - positives), 1]
        expected.append(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    assert np.mean(no_buffer) == pytest.approx(0.5, abs=0.03)
    assert np.mean([v["vus_roc"] for v in values]) == pytest.approx(np.mean(expected), abs=0.03)
    assert np.mean(expected) > 0.65


def test_vus_depends_only_on_the_order_of_the_scores():
    labels, scores, _, _ = _series_case(6)
    scores = np.round(scores, 2)  # ties stay ties
    transformed = np.exp(scores) * 3.0 - 7.0
    for max_buffer in (0, 5, 20):
        assert metrics.vus(labels, transformed, max_buffer) == metrics.vus(labels, scores,
                                                                           max_buffer)


def test_vus_pr_and_vus_roc_are_the_entries_of_vus_and_125_is_the_default_buffer():
    labels, scores, _, _ = _series_case(9)
    result = metrics.vus(labels, scores)
    assert result == metrics.vus(labels, scores, metrics.FALLBACK_BUFFER) and (
        metrics.FALLBACK_BUFFER == 125)
    assert metrics.vus_pr(labels, scores) == result["vus_pr"]
    assert metrics.vus_roc(labels, scores, n_thresholds=250) == result["vus_roc"]


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": [0, 1], "scores": [0.1]}, "2 labels but 1 scores"),
    ({"labels": [0, 2], "scores": [0.1, 0.2]}, r"labels must be 0 or 1 .*found 2"),
    ({"labels": [0, 1], "scores": [0.1, np.nan]}, "1 of 2 scores are NaN"),
    ({"labels": [0, 0], "scores": [0.1, 0.2]}, r"only normal examples \(0\): VUS-PR and VUS-ROC"),
    ({"labels": [1, 1], "scores": [0.1, 0.2]}, r"only anomalies \(1\)"),
    ({"max_buffer": -1}, "max_buffer must be a whole number >= 0, got -1"),
    ({"max_buffer": 2.5}, "max_buffer must be a whole number >= 0, got 2.5"),
    ({"max_buffer": True}, "max_buffer must be a whole number >= 0, got True"),
    ({"n_thresholds": 0}, "n_thresholds must be a whole number >= 1, got 0"),
])
def test_vus_refuses_bad_input(kwargs, message):
    arguments = {"labels": [0, 1, 1, 0], "scores": [0.1, 0.9, 0.8, 0.2], **kwargs}
    for function in (metrics.vus, metrics.vus_pr, metrics.vus_roc):
        with pytest.raises(ValueError, match=message):
            function(**arguments)


def test_autocorrelation_is_the_biased_sample_autocorrelation():
    values = np.random.default_rng(0).normal(size=300).cumsum()
    centred = values - values.mean()
    direct = np.array([np.dot(centred[:300 - k], centred[k:]) for k in range(51)])
    np.testing.assert_allclose(metrics._autocorrelation(values, 50), direct / direct[0],
                               rtol=1e-9, atol=1e-12)
    assert len(metrics._autocorrelation(values[:20], 400)) == 20  # lags stop at n - 1


@pytest.mark.parametrize("period, expected", [
    (6, 6), (13, 13), (50, 50), (200, 200),
    (4, 125), (5, 125),  # the highest peak, at lag 4 or 5, is too close to the lag-3 start
    (350, 125),          # past lag 303
])
def test_default_buffer_is_the_period_found_by_autocorrelation(period, expected):
    # Clean sines: the autocorrelation's peaks at multiples of the period shrink as (1 - lag /
    # n), so the highest is the period itself (noise can lift a multiple above it).
    t = np.arange(4000)
    assert metrics.default_buffer(np.sin(2 * np.pi * t / period)) == expected
    noise = np.random.default_rng(period).normal(scale=0.1, size=len(t))
    assert metrics.default_buffer(np.sin(2 * np.pi * t / period) + noise) == expected


def test_default_buffer_reads_the_first_channel_and_the_first_20000_points():
    t = np.arange(60000)
    two_channels = np.stack([np.sin(2 * np.pi * t / 30), np.sin(2 * np.pi * t / 70)], axis=1)
    assert metrics.default_buffer(two_channels) == 30
    assert metrics.default_buffer(two_channels[:, 1:]) == 70
    changing = np.where(t < 20000, np.sin(2 * np.pi * t / 40), np.sin(2 * np.pi * t / 80))
    assert metrics.default_buffer(changing) == 40
    assert metrics.default_buffer(changing[20000:]) == 80
    assert type(metrics.default_buffer(changing)) is int


def test_default_buffer_falls_back_to_125_without_a_period():
    assert metrics.default_buffer(np.full(500, 0.3)) == 125  # constant
    assert metrics.default_buffer(np.arange(500.0)) == 125   # a trend: no local maximum
    assert metrics.default_buffer([1.0, 2.0, 3.0]) == 125    # too short for lags past 3


@pytest.mark.parametrize("values, message", [
    ([], r"non-empty series .*shape \(0,\)"),
    (np.zeros((3, 2, 2)), r"shape \(3, 2, 2\)"),
    ([0.0, np.nan, 1.0], "1 of 3 values are NaN or infinite"),
    ([0.0, np.inf, 1.0], "1 of 3 values are NaN or infinite"),
])
def test_default_buffer_refuses_bad_input(values, message):
    with pytest.raises(ValueError, match=message):
        metrics.default_buffer(values)


def test_report_adds_vus_for_a_series_given_a_buffer():
    labels = np.array([0, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    scores = np.array([0.1, 0.2, 0.1, 0.9, 0.4, 0.3, 0.5, 0.8, 0.2, 0.6])
    results = metrics.report(labels, scores, threshold=0.45, series=True, vus_buffer=4)
    assert list(results) == ["auroc", "auprc", "vus_pr", "vus_roc", "precision", "recall", "f1",
                             "oracle_best_f1", "point_adjusted_f1", "n", "n_anomalies"]
    assert {k: results[k] for k in ("vus_pr", "vus_roc")} == metrics.vus(labels, scores, 4)
    without = metrics.report(labels, scores, threshold=0.45, series=True)
    assert "vus_pr" not in without
    assert {k: v for k, v in results.items() if not k.startswith("vus")} == without


def test_report_refuses_a_vus_buffer_without_a_series():
    with pytest.raises(ValueError, match="vus_buffer needs series=True"):
        metrics.report([0, 1, 0, 1], [0.1, 0.7, 0.3, 0.2], vus_buffer=3)
    with pytest.raises(ValueError, match="max_buffer must be a whole number"):
        metrics.report([0, 1, 0, 1], [0.1, 0.7, 0.3, 0.2], series=True, vus_buffer=-2)
