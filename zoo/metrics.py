"""The zoo's evaluation metrics, in plain NumPy (cross-checked against scikit-learn in tests).

Labels: 1 = anomaly, the positive class. Scores: higher = more anomalous. Threshold-free metrics
(AUROC, AUPRC, and for series the range-based VUS-PR and VUS-ROC of TSB-AD) come first; F1 at a
threshold chosen without test labels next; the oracle best-F1 and the point-adjusted F1 are
reported only under names that say what they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _binary(values, name: str) -> np.ndarray:
    """`values` flattened to bool [n], refusing anything but 0/1 (or bool)."""
    values = np.asarray(values).ravel()
    bad = ~np.isin(values, (0, 1))
    if bad.any():
        raise ValueError(f"{name} must be 0 or 1 (1 = anomaly); found {values[bad][0].item()!r} "
                         f"in {int(bad.sum())} of {len(values)}")
    return values.astype(bool)


def _same_length(labels: np.ndarray, other: np.ndarray, other_name: str) -> None:
    if len(labels) != len(other):
        raise ValueError(f"{len(labels)} labels but {len(other)} {other_name}")


def _finite_scores(scores) -> np.ndarray:
    """`scores` flattened to float64 [n], refusing NaN (it has no place in a ranking)."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    n_nan = int(np.isnan(scores).sum())
    if n_nan:
        raise ValueError(f"{n_nan} of {len(scores)} scores are NaN")
    return scores


def single_class(labels) -> str | None:
    """The one class `labels` hold, in words ("normal examples (0)", "anomalies (1)"), or None
    when both are present: AUROC, AUPRC and F1 need both.

    Args:
        labels: int or bool [n], 1 = anomaly.

    Raises:
        ValueError: labels not 0/1.
    """
    labels = _binary(labels, "labels")
    n_anomalies = int(labels.sum())
    if 0 < n_anomalies < len(labels):
        return None
    return "anomalies (1)" if n_anomalies else "normal examples (0)"


def _check(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    """Validated (bool [n] labels, float64 [n] scores) with both classes present."""
    labels = _binary(labels, "labels")
    scores = _finite_scores(scores)
    _same_length(labels, scores, "scores")
    only = single_class(labels)
    if only:
        raise ValueError(f"labels hold only {only}: AUROC, AUPRC and F1 need both classes")
    return labels, scores


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """float64 [n]: 1-based ranks of `values` [n], tied values sharing their average rank."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts_tie = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    starts = np.flatnonzero(starts_tie)
    ends = np.r_[starts[1:], len(values)]
    # A tie group holds the 1-based ranks starts+1 .. ends; their mean is (starts + 1 + ends) / 2.
    ranks = np.empty(len(values))
    ranks[order] = ((starts + 1 + ends) / 2.0)[np.cumsum(starts_tie) - 1]
    return ranks


def _counts_at_thresholds(labels: np.ndarray,
                          scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives when flagging scores >= t, for each distinct score t.

    Args:
        labels: bool [n].
        scores: float64 [n].

    Returns:
        (tp, fp, thresholds), each [n_distinct], thresholds decreasing: scikit-learn's binary
        classification curve, so the PR curve and best F1 step over the same points.
    """
    order = np.argsort(-scores, kind="stable")
    scores, labels = scores[order], labels[order]
    # Tied scores are flagged together: keep only the count after the last of each tie.
    last_of_tie = np.r_[scores[1:] != scores[:-1], True]
    tp = np.cumsum(labels)[last_of_tie]
    fp = np.cumsum(~labels)[last_of_tie]
    return tp, fp, scores[last_of_tie]


def auroc(labels, scores) -> float:
    """Area under the ROC curve, from the Mann-Whitney rank statistic.

    The chance that a random anomaly outscores a random normal example, ties counting one half;
    equal to `sklearn.metrics.roc_auc_score`.

    Args:
        labels: int or bool [n], 1 = anomaly; both classes present.
        scores: float [n], higher = more anomalous.

    Returns:
        AUROC in [0, 1]; 0.5 is chance.
    """
    labels, scores = _check(labels, scores)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    u = _average_ranks(scores)[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def auprc(labels, scores) -> float:
    """Average precision: sum over distinct thresholds of (R_k - R_{k-1}) * P_k.

    Exactly `sklearn.metrics.average_precision_score`: a step-wise sum, no interpolation, one
    step per distinct score (tied scores enter together).

    Args:
        labels: int or bool [n], 1 = anomaly; both classes present.
        scores: float [n], higher = more anomalous.

    Returns:
        AUPRC in [0, 1]; chance is the anomaly fraction, not 0.5.
    """
    labels, scores = _check(labels, scores)
    tp, fp, _ = _counts_at_thresholds(labels, scores)
    precision = tp / (tp + fp)
    recall = tp / labels.sum()
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def precision_recall_f1(labels, predicted) -> tuple[float, float, float]:
    """Precision, recall and F1 of hard predictions, 0 where undefined.

    Matches `sklearn.metrics.precision_recall_fscore_support(average="binary", zero_division=0)`.

    Args:
        labels: int or bool [n], 1 = anomaly (one class alone is allowed).
        predicted: int or bool [n], 1 / True = flagged as anomalous.

    Returns:
        (precision, recall, f1).
    """
    labels = _binary(labels, "labels")
    predicted = _binary(predicted, "predictions")
    _same_length(labels, predicted, "predictions")
    tp = int(np.sum(labels & predicted))
    n_flagged, n_anomalies = int(predicted.sum()), int(labels.sum())
    precision = tp / n_flagged if n_flagged else 0.0
    recall = tp / n_anomalies if n_anomalies else 0.0
    # 2PR / (P + R) rewritten on counts: defined (0) whenever P or R is.
    f1 = 2 * tp / (n_flagged + n_anomalies) if n_flagged + n_anomalies else 0.0
    return precision, recall, f1


def top_percent_predictions(scores, percent: float) -> np.ndarray:
    """Flag the `percent`% highest scores: the percentile criterion of ALAD and GAN+RL.

    Follows the ALAD code (`utils/evaluations.py` of houssamzenati/Adversarially-Learned-
    Anomaly-Detection: `per = np.percentile(scores, 80)`, then `y_pred = (scores >= per)` for
    the top 20% on KDD): threshold = `np.percentile(scores, 100 - percent)` with NumPy's default
    linear interpolation, flagged = scores >= threshold. Ties at the threshold can flag more than
    `percent`%. The papers set `percent` to the test set's known anomaly rate, so the criterion
    borrows one fact from the test labels; report it as such.

    Args:
        scores: float [n], higher = more anomalous.
        percent: share to flag, in (0, 100].

    Returns:
        bool [n], True = flagged.
    """
    if not 0.0 < percent <= 100.0:
        raise ValueError(f"percent must be in (0, 100], got {percent}")
    scores = _finite_scores(scores)
    return scores >= np.percentile(scores, 100.0 - percent)


def best_f1(labels, scores) -> tuple[float, float]:
    """The best F1 over every threshold, and the threshold reaching it.

    An oracle: the threshold is picked with the test labels, so the number is never a headline.
    One sort gives the counts at every distinct score, so this costs O(n log n).

    Args:
        labels: int or bool [n], 1 = anomaly; both classes present.
        scores: float [n], higher = more anomalous.

    Returns:
        (f1, threshold): the F1 when flagging scores >= threshold (the convention of scikit-
        learn's `precision_recall_curve`; `threshold` is one of the scores). Note `evaluate`
        flags scores > threshold; the highest threshold wins a tie in F1.
    """
    labels, scores = _check(labels, scores)
    tp, fp, thresholds = _counts_at_thresholds(labels, scores)
    f1 = 2 * tp / (tp + fp + labels.sum())  # 2PR / (P + R) as 2TP / (flagged + anomalies)
    best = int(np.argmax(f1))
    return float(f1[best]), float(thresholds[best])


def point_adjust(labels, predicted) -> np.ndarray:
    """Point-adjusted predictions for a series: a labelled anomalous segment (a maximal run of
    1s) counts as wholly flagged when any of its points is flagged.

    The protocol of many series papers (from Xu et al. 2018, Donut). It inflates F1, a single lucky
    point making a long segment a full hit, so its F1 is never the headline.

    Args:
        labels: int or bool [n], 1 = anomaly, in time order.
        predicted: int or bool [n], 1 / True = flagged.

    Returns:
        bool [n]: `predicted` with every hit segment filled in; points outside segments unchanged.
    """
    labels = _binary(labels, "labels")
    predicted = _binary(predicted, "predictions")
    _same_length(labels, predicted, "predictions")
    starts = labels & ~np.r_[False, labels[:-1]]
    segment = np.cumsum(starts)  # 1-based segment id, meaningful where labels is True
    hits = np.bincount(segment[labels & predicted], minlength=int(starts.sum()) + 1)
    return predicted | (labels & (hits[segment] > 0))


def oracle_point_adjusted_balanced_accuracy(labels, scores) -> tuple[float, float]:
    """The best balanced accuracy of point-adjusted decisions over every threshold: TAnoGAN's
    reported "AUC", made threshold-free by taking the most favourable threshold.

    TAnoGAN's reference notebook (mdabashar/TAnoGAN) flags the windows of a series whose score
    passes a fixed threshold, point-adjusts them (a run of anomalous windows counts as wholly
    flagged when one is) and reports `roc_auc_score(actual, predicted)` on those 0/1 decisions,
    which equals the balanced accuracy (TPR + TNR) / 2. Its threshold was set by hand on the
    scored series; this takes the best one instead, so the number is an oracle, never a
    headline, and an upper bound of what that metric gives any fixed threshold. It tries every
    distinct score as the threshold, O(n) each: meant for a series' windows (121 at stride 60 on
    a NAB series), not for hundreds of thousands of examples.

    Args:
        labels: int or bool [n], 1 = anomaly, in time order; both classes present.
        scores: float [n], higher = more anomalous.

    Returns:
        (balanced_accuracy, threshold): flagging scores >= threshold, one of the scores; the
        highest threshold wins a tie, as in `best_f1`.
    """
    labels, scores = _check(labels, scores)
    best, best_threshold = -1.0, float("nan")
    for threshold in np.unique(scores):
        adjusted = point_adjust(labels, scores >= threshold)
        value = 0.5 * (adjusted[labels].mean() + (~adjusted[~labels]).mean())
        if value >= best:
            best, best_threshold = float(value), float(threshold)
    return best, best_threshold


#: The number of score thresholds TSB-AD's VUS traces each curve through.
VUS_THRESHOLDS = 250

#: The buffer length TSB-AD falls back to when a series shows no usable period, and the one
#: `vus` uses when it is given none.
FALLBACK_BUFFER = 125


def _ranges(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends), int [n_ranges] each: the maximal runs of True in bool [n], ends inclusive."""
    edges = np.diff(np.r_[0, labels.astype(np.int8), 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def _first_flagging_threshold(scores: np.ndarray, n_thresholds: int) -> np.ndarray:
    """int [n]: for each point, the first of TSB-AD's thresholds that flags it (score >= t), or
    n_thresholds where none does.

    The thresholds are the scores at positions floor(linspace(0, n - 1, n_thresholds)) of the
    scores sorted from high to low, so they never increase and, from two thresholds on, the
    last is the lowest score and flags every point (a single threshold is the highest score).
    For n <= n_thresholds every position is taken, so every distinct score is a threshold.
    """
    n = len(scores)
    descending = np.sort(scores)[::-1]
    thresholds = descending[np.linspace(0, n - 1, n_thresholds).astype(int)]
    # -thresholds is ascending: the first j with -t_j >= -score is the first t_j <= score.
    return np.searchsorted(-thresholds, -scores, side="left")


def _buffer_weights(labels: np.ndarray, where: np.ndarray,
                    contribution: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cells, weights): the normal points of a widened series and their buffer weights.

    Args:
        labels: bool [n].
        where: int [m], points in 0..n-1 that some range's buffer reaches, repeats allowed.
        contribution: float [m], > 0, the weight each reach brings.

    Returns:
        cells: int [k], the distinct unlabelled points of `where`, ascending; weights: float
        [k], the sum of their contributions capped at 1 (labelled points weigh 1 already).
    """
    n = len(labels)
    if 16 * len(where) > n:  # many reaches: one pass over the series beats a sort of them
        total = np.bincount(where, contribution, minlength=n)
        total[labels] = 0.0
        cells = np.flatnonzero(total)
        return cells, np.minimum(total[cells], 1.0)
    cells, which = np.unique(where, return_inverse=True)
    total = np.minimum(np.bincount(which, contribution, minlength=len(cells)), 1.0)
    normal = ~labels[cells]
    return cells[normal], total[normal]


def _vus_areas(labels: np.ndarray, scores: np.ndarray, max_buffer: int,
               n_thresholds: int) -> tuple[float, float]:
    """(VUS-PR, VUS-ROC) of validated bool [n] labels (both classes) and float64 [n] scores.

    Every curve is traced at once from one integer per point, the first threshold flagging it:
    any sum over the flagged points at each threshold is a cumulative bincount of it. The work
    is O(n log n) for the thresholds, then at most O(n + n_ranges * buffer) per buffer length.
    """
    n, n_anomalies = len(labels), int(labels.sum())
    first = _first_flagging_threshold(scores, n_thresholds)

    def flagged_sum(which: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """float [n_thresholds]: the sum of `weights` (1 each) over the points `which` flagged at
        each threshold, `which` holding each point's first flagging threshold."""
        counts = np.bincount(which, weights, minlength=n_thresholds + 1)
        return np.cumsum(counts[:n_thresholds])

    n_flagged = flagged_sum(first)
    anomalies_flagged = flagged_sum(first[labels])
    starts, ends = _ranges(labels)
    n_ranges = len(starts)
    # The first threshold flagging a point of each labelled range.
    range_first = np.minimum.reduceat(first[labels],
                                      np.r_[0, np.cumsum(ends - starts + 1)[:-1]])
    gaps = starts[1:] - ends[:-1]

    pr_areas, roc_areas = [], []
    for buffer in range(max_buffer + 1):
        half = buffer // 2
        distance = np.arange(1, half + 1)
        after = ends[:, None] + distance     # int [n_ranges, half]
        before = starts[:, None] - distance
        weight = np.sqrt(1.0 - distance / buffer) if half else np.zeros(0)

        # Existence: the share of widened ranges holding a flagged point, ranges whose widened
        # spans meet (next start - end <= 2 * half) counting as one.
        first_after = np.where(after < n, first[np.minimum(after, n - 1)], n_thresholds)
        first_before = np.where(before >= 0, first[np.maximum(before, 0)], n_thresholds)
        reach = np.minimum(range_first,
                           np.minimum(first_after, first_before).min(axis=1,
                                                                     initial=n_thresholds))
        group_starts = np.flatnonzero(np.r_[True, gaps > 2 * half])
        existence = flagged_sum(np.minimum.reduceat(reach, group_starts)) / len(group_starts)

        where = np.r_[after.ravel(), before.ravel()]
        inside = (where >= 0) & (where < n)
        cells, cell_weight = _buffer_weights(labels, where[inside],
                                             np.tile(weight, 2 * n_ranges)[inside])
        buffer_flagged = flagged_sum(first[cells], cell_weight)

        true_positives = anomalies_flagged + buffer_flagged
        positives = n_anomalies + buffer_flagged / 2.0
        tpr = np.minimum(true_positives / positives, 1.0) * existence
        fpr = (n_flagged - true_positives) / (n - positives)
        precision = true_positives / n_flagged

        pr_areas.append(np.sum(np.diff(tpr, prepend=0.0) * precision))
        tpr_path, fpr_path = np.r_[0.0, tpr, 1.0], np.r_[0.0, fpr, 1.0]
        roc_areas.append(np.sum(np.diff(fpr_path) * (tpr_path[1:] + tpr_path[:-1]) / 2.0))
    return float(np.mean(pr_areas)), float(np.mean(roc_areas))


def _whole_number(value, name: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, got {value!r}")
    return int(value)


def vus(labels, scores, max_buffer: int | None = None, *,
        n_thresholds: int = VUS_THRESHOLDS) -> dict[str, float]:
    """VUS-PR and VUS-ROC: the range-based PR and ROC areas averaged over buffer lengths 0..L.

    The volume-under-the-surface measures of Paparrizos et al. (VLDB 2022), as TSB-AD computes
    them (`RangeAUC_volume_opt` in `TSB_AD/evaluation/basic_metrics.py`), written anew. For each
    buffer length l = 0, 1, ..., L:

    - widening: the h = l // 2 points on each side of every labelled range (a maximal run of
      1s) get the weight sqrt(1 - d / l), d = 1..h their distance to the range, so at least
      sqrt(1/2); weights from two ranges add up to at most 1; labelled points weigh 1. l = 0
      and l = 1 both widen by nothing;
    - at each threshold t, flagging the set F of points with score >= t: TP = |F and labelled|
      + the weights of the flagged buffer points (an unflagged buffer point costs nothing),
      P = n_anomalies + half those weights, recall = min(TP / P, 1), existence = the share of
      widened ranges (ranges whose widened spans meet count as one) holding a flagged point,
      TPR = recall * existence, FPR = (|F| - TP) / (n - P), precision = TP / |F|;
    - the thresholds: the scores at positions floor(linspace(0, n - 1, n_thresholds)) of the
      scores sorted high to low (every distinct score when n <= n_thresholds);
    - the ROC area by trapezoids through (0, 0), the thresholds' (FPR, TPR) and (1, 1); the PR
      area as sum_j (TPR_j - TPR_{j-1}) * precision_j from TPR = 0, with no closing point.

    VUS-PR and VUS-ROC are the means of the two areas over the L + 1 buffer lengths. Only the
    order of the scores matters. TSB-AD takes L from the series, not from the scores: its
    runners pass the period `default_buffer` estimates on the series' first channel.

    Args:
        labels: int or bool [n], 1 = anomaly, in time order; both classes present.
        scores: float [n], higher = more anomalous.
        max_buffer: L, in points, >= 0; None takes FALLBACK_BUFFER (125), TSB-AD's value for
            a series without a usable period. Pass `default_buffer(series)` to follow TSB-AD.
            Costs one O(n log n) sort, then at most O(n + n_ranges * L) per buffer length.
        n_thresholds: points on each curve, >= 1; TSB-AD's 250 by default.

    Returns:
        {"vus_pr": ..., "vus_roc": ...}, each in [0, 1]. Random scores give a VUS-PR near the
        weighted share of widened anomalous points and a VUS-ROC near 0.5 only with small
        buffers: the half-counted buffer weights lift random scores' TPR above their FPR.

    Raises:
        ValueError: lengths differ, labels not 0/1, NaN scores, one class only, or a
            max_buffer or n_thresholds that is not a whole number in range.
    """
    labels = _binary(labels, "labels")
    scores = _finite_scores(scores)
    _same_length(labels, scores, "scores")
    only = single_class(labels)
    if only:
        raise ValueError(f"labels hold only {only}: VUS-PR and VUS-ROC need both classes")
    max_buffer = FALLBACK_BUFFER if max_buffer is None else _whole_number(max_buffer,
                                                                          "max_buffer", 0)
    n_thresholds = _whole_number(n_thresholds, "n_thresholds", 1)
    pr, roc = _vus_areas(labels, scores, max_buffer, n_thresholds)
    return {"vus_pr": pr, "vus_roc": roc}


def vus_pr(labels, scores, max_buffer: int | None = None, *,
           n_thresholds: int = VUS_THRESHOLDS) -> float:
    """VUS-PR in [0, 1]: the range-based PR area averaged over buffer lengths
    0..max_buffer; arguments and errors as `vus`."""
    return vus(labels, scores, max_buffer, n_thresholds=n_thresholds)["vus_pr"]


def vus_roc(labels, scores, max_buffer: int | None = None, *,
            n_thresholds: int = VUS_THRESHOLDS) -> float:
    """VUS-ROC in [0, 1]: the range-based ROC area averaged over buffer lengths
    0..max_buffer; arguments and errors as `vus`."""
    return vus(labels, scores, max_buffer, n_thresholds=n_thresholds)["vus_roc"]


def _autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """float64 [min(max_lag, n - 1) + 1]: the sample autocorrelation of float [n] `values` at
    lags 0, 1, ...: the mean removed, sums of lagged products over n (not n - lag), divided by
    the lag-0 sum, as `statsmodels.tsa.stattools.acf` computes it; by FFT, zero-padded to at
    least 2n - 1 so the correlation is not circular."""
    centred = values - values.mean()
    n = len(centred)
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    products = np.fft.irfft(spectrum * spectrum.conj(), size)[:min(max_lag, n - 1) + 1]
    return products / products[0]


def default_buffer(values) -> int:
    """The buffer length TSB-AD gives VUS for a series: its period, from the autocorrelation.

    TSB-AD's `find_length_rank(data, rank=1)` (`TSB_AD/utils/slidingWindows.py`), which its
    runners call on the first channel: the autocorrelation (as `statsmodels`' `acf`) of the
    first 20,000 points at lags 3..400; of its strict local maxima there (lags 4..399, each
    higher than both neighbours), the highest; its lag when between 6 and 303, else
    FALLBACK_BUFFER (125), which is also the answer when there is no local maximum or the
    series is constant. A highest peak at lag 4 or 5 thus gives 125, and noise can make the
    highest peak a multiple of the period, both as in TSB-AD.

    Args:
        values: float [n] or [n, channels] (the first channel is used), in time order.

    Returns:
        The buffer length in points: 6..303, or 125.

    Raises:
        ValueError: no values, values that are not finite, or more than two dimensions.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2:
        values = values[:, 0]
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"values must be a non-empty series [n] or [n, channels], got shape "
                         f"{values.shape}")
    n_bad = int((~np.isfinite(values)).sum())
    if n_bad:
        raise ValueError(f"{n_bad} of {len(values)} values are NaN or infinite")
    values = values[:20000]
    if np.ptp(values) == 0:
        return FALLBACK_BUFFER
    first_lag = 3
    correlation = _autocorrelation(values, 400)[first_lag:]
    middle = correlation[1:-1]
    peaks = np.flatnonzero((middle > correlation[:-2]) & (middle > correlation[2:])) + 1
    if len(peaks) == 0:
        return FALLBACK_BUFFER
    best = int(peaks[np.argmax(correlation[peaks])])  # ties: the shortest lag
    return best + first_lag if 3 <= best <= 300 else FALLBACK_BUFFER


def report(labels, scores, threshold: float | None = None, top_percent: float | None = None,
           series: bool = False, vus_buffer: int | None = None) -> dict[str, float]:
    """Every metric the zoo reports for one set of scores, threshold-free ones first.

    Args:
        labels: int or bool [n], 1 = anomaly; both classes present.
        scores: float [n], higher = more anomalous.
        threshold: a threshold chosen without test labels (the calibrated one); flags
            scores > threshold and adds "precision", "recall", "f1".
        top_percent: adds "precision@top", "recall@top", "f1@top" for the percentile criterion
            (see `top_percent_predictions`).
        series: the examples are the points of one series in time order; with `threshold`,
            adds "point_adjusted_f1".
        vus_buffer: with `series`, adds "vus_pr" and "vus_roc" over buffer lengths
            0..vus_buffer (see `vus`; TSB-AD passes `default_buffer(series_values)`).

    Returns:
        In this order: "auroc", "auprc", "vus_pr", "vus_roc", the threshold metrics, the
        top-percent metrics, "oracle_best_f1", "point_adjusted_f1", then "n" and
        "n_anomalies" (ints).

    Raises:
        ValueError: lengths differ, labels not 0/1, NaN scores, or one class only; a
            vus_buffer without `series`, or not a whole number >= 0.
    """
    labels, scores = _check(labels, scores)
    if vus_buffer is not None and not series:
        raise ValueError("vus_buffer needs series=True: VUS is computed on the points of one "
                         "series in time order")
    results = {"auroc": auroc(labels, scores), "auprc": auprc(labels, scores)}
    if vus_buffer is not None:
        results.update(vus(labels, scores, vus_buffer))
    if threshold is not None:
        predicted = scores > threshold
        results.update(zip(("precision", "recall", "f1"), precision_recall_f1(labels, predicted)))
    if top_percent is not None:
        flagged = top_percent_predictions(scores, top_percent)
        results.update(zip(("precision@top", "recall@top", "f1@top"),
                           precision_recall_f1(labels, flagged)))
    results["oracle_best_f1"] = best_f1(labels, scores)[0]
    if series and threshold is not None:
        results["point_adjusted_f1"] = precision_recall_f1(labels,
                                                           point_adjust(labels, predicted))[2]
    results["n"] = len(labels)
    results["n_anomalies"] = int(labels.sum())
    return results


def summary(scores, threshold: float | None = None) -> dict[str, float]:
    """What can be said of scores without labels: how many, how many flagged, how high.

    Args:
        scores: float [n], higher = more anomalous; at least one.
        threshold: the calibrated threshold; given, adds "threshold" and "n_flagged" (scores
            > threshold, as `report` flags them).

    Returns:
        In this order: "n" (int), "threshold", "n_flagged" (int), "max_score", "median_score".

    Raises:
        ValueError: no score, or NaN scores.
    """
    scores = _finite_scores(scores)
    if len(scores) == 0:
        raise ValueError("no scores to summarise")
    results: dict[str, float] = {"n": len(scores)}
    if threshold is not None:
        results["threshold"] = float(threshold)
        results["n_flagged"] = int(np.sum(scores > threshold))
    results["max_score"] = float(np.max(scores))
    results["median_score"] = float(np.median(scores))
    return results


#: The key of a results dict that says, in words, why AUROC, AUPRC and F1 are not in it.
NOT_COMPUTED = "not_computed"

_NOTES = {
    "f1": "(at the given threshold)",
    "f1@top": "(top-percent criterion)",
    "oracle_best_f1": "(oracle: threshold chosen on test labels)",
    "point_adjusted_f1": "(point-adjusted, not the headline)",
}


def format_table(metrics: dict[str, Any], title: str = "") -> str:
    """A small aligned plain-text table of `report`'s or `summary`'s output.

    Args:
        metrics: name -> value, in the order to show; ints (counts) are shown as integers,
            other values with 4 decimals. A NOT_COMPUTED entry (text) becomes the last line,
            "AUROC, AUPRC and F1 not computed: <reason>".
        title: an optional first line, underlined.

    Returns:
        The table, lines joined by newlines, no trailing newline.
    """
    numbers = {name: value for name, value in metrics.items() if name != NOT_COMPUTED}
    width = max((len(name) for name in numbers), default=0)
    rows = []
    for name, value in numbers.items():
        is_count = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        shown = f"{int(value):d}" if is_count else f"{float(value):.4f}"
        rows.append(f"{name:<{width}}  {shown:>8}  {_NOTES.get(name, '')}".rstrip())
    header = [title, "-" * max([len(title), *map(len, rows)])] if title else []
    reason = ([f"AUROC, AUPRC and F1 not computed: {metrics[NOT_COMPUTED]}"]
              if NOT_COMPUTED in metrics else [])
    return "\n".join(header + rows + reason)
