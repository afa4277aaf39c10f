"""The zoo's evaluation metrics, in plain NumPy (cross-checked against scikit-learn in tests).

Labels: 1 = anomaly, the positive class. Scores: higher = more anomalous. Threshold-free metrics
(AUROC, AUPRC) come first; F1 at a threshold chosen without test labels next; the oracle best-F1
and the point-adjusted F1 are reported only under names that say what they are.
"""

from __future__ import annotations

import numpy as np


def _check(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if len(labels) != len(scores):
        raise ValueError(f"{len(labels)} labels but {len(scores)} scores")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (normal) or 1 (anomaly)")
    if np.isnan(scores).any():
        raise ValueError(f"{int(np.isnan(scores).sum())} scores are NaN")
    positives = int(labels.sum())
    if positives in (0, len(labels)):
        raise ValueError(f"only one class in the labels ({'anomalies' if positives else 'normal'}"
                         " only): AUROC and AUPRC are undefined")
    return labels.astype(bool), scores


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their average rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    first = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(values)]
    average = (starts + ends + 1) / 2.0  # mean of the 1-based ranks starts+1 .. ends
    ranks = np.empty(len(values))
    ranks[order] = average[group]
    return ranks


def auroc(labels, scores) -> float:
    """Area under the ROC curve: the chance a random anomaly outscores a random normal example
    (ties count one half), from the Mann-Whitney rank statistic."""
    labels, scores = _check(labels, scores)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    rank_sum = _ranks(scores)[labels].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _curve(labels: np.ndarray, scores: np.ndarray):
    """True and false positives when flagging scores >= each distinct score, highest first."""
    order = np.argsort(-scores, kind="mergesort")
    scores, labels = scores[order], labels[order]
    last_of_tie = np.r_[scores[1:] != scores[:-1], True]
    tps = np.cumsum(labels)[last_of_tie]
    fps = np.cumsum(~labels)[last_of_tie]
    return tps, fps, scores[last_of_tie]


def auprc(labels, scores) -> float:
    """Average precision: Σ (R_k - R_{k-1}) · P_k over the distinct thresholds, as scikit-learn's
    average_precision_score (no interpolation)."""
    labels, scores = _check(labels, scores)
    tps, fps, _ = _curve(labels, scores)
    precision = tps / (tps + fps)
    recall = tps / labels.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def precision_recall_f1(labels, predicted) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean predictions (0 where undefined)."""
    labels = np.asarray(labels).astype(bool).ravel()
    predicted = np.asarray(predicted).astype(bool).ravel()
    tp = float(np.sum(labels & predicted))
    precision = tp / predicted.sum() if predicted.any() else 0.0
    recall = tp / labels.sum() if labels.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def top_percent_predictions(scores, percent: float) -> np.ndarray:
    """Flag the `percent`% highest scores: scores >= the (100 - percent)th percentile.

    This is the criterion of the ALAD code (`per = np.percentile(scores, 100 - 20)`, then
    `scores >= per`) and the second threshold of the GAN+RL paper.
    """
    if not 0.0 < percent < 100.0:
        raise ValueError(f"percent must be in (0, 100), got {percent}")
    scores = np.asarray(scores, dtype=np.float64).ravel()
    return scores >= np.percentile(scores, 100.0 - percent)


def best_f1(labels, scores) -> tuple[float, float]:
    """The best F1 over every threshold and the threshold reaching it (flag scores >= it).

    An oracle: it picks the threshold with the test labels, so it is never a headline number.
    """
    labels, scores = _check(labels, scores)
    tps, fps, thresholds = _curve(labels, scores)
    f1 = 2 * tps / (tps + fps + labels.sum())
    best = int(np.argmax(f1))
    return float(f1[best]), float(thresholds[best])


def point_adjust(labels, predicted) -> np.ndarray:
    """Point-adjusted predictions: a labelled anomalous segment counts as wholly flagged when any
    of its points is flagged (the protocol of many series papers; it inflates F1)."""
    labels = np.asarray(labels).astype(bool).ravel()
    adjusted = np.asarray(predicted).astype(bool).ravel().copy()
    edges = np.diff(np.r_[0, labels.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    flagged_before = np.r_[0, np.cumsum(adjusted)]
    hit = flagged_before[ends] > flagged_before[starts]
    # +1 at each hit segment's start, -1 past its end: the running sum marks its points.
    marks = np.zeros(len(adjusted) + 1, dtype=np.int64)
    np.add.at(marks, starts[hit], 1)
    np.add.at(marks, ends[hit], -1)
    adjusted |= np.cumsum(marks)[:-1] > 0
    return adjusted


def evaluate(labels, scores, threshold: float | None = None, top_percent: float | None = None,
             series: bool = False) -> dict[str, float]:
    """Every metric the zoo reports for one set of scores.

    Args:
        labels: int [n], 1 = anomaly.
        scores: float [n], higher = more anomalous.
        threshold: the calibrated threshold (chosen without test labels); flags scores above it.
        top_percent: also report the percentile criterion (flag the top `top_percent`%).
        series: the examples are points of a series; adds the point-adjusted F1.
    """
    labels, scores = _check(labels, scores)
    results = {"auroc": auroc(labels, scores), "auprc": auprc(labels, scores)}
    if threshold is not None:
        predicted = scores > threshold
        results.update(zip(("precision", "recall", "f1"), precision_recall_f1(labels, predicted)))
        if series:
            results["point_adjusted_f1"] = precision_recall_f1(
                labels, point_adjust(labels, predicted))[2]
    if top_percent is not None:
        results.update(zip(("precision@top", "recall@top", "f1@top"), precision_recall_f1(
            labels, top_percent_predictions(scores, top_percent))))
    results["oracle_best_f1"] = best_f1(labels, scores)[0]
    results["n"] = int(len(labels))
    results["n_anomalies"] = int(labels.sum())
    return results


_NOTES = {"oracle_best_f1": "(oracle: threshold chosen on test labels)",
          "point_adjusted_f1": "(point-adjusted, not the headline)",
          "f1": "(at the calibrated threshold)"}


def format_table(results: dict[str, float], title: str = "") -> str:
    """A small aligned plain-text table of `evaluate`'s output."""
    width = max(len(k) for k in results)
    lines = [title, "-" * max(len(title), width + 12)] if title else []
    for key, value in results.items():
        shown = f"{value:d}" if isinstance(value, int) else f"{value:.4f}"
        lines.append(f"{key:<{width}}  {shown:>8}  {_NOTES.get(key, '')}".rstrip())
    return "\n".join(lines)
