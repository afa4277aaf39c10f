"""Score a dataset split with a detector and compute the zoo's metrics on it.

Series are scored window by window and judged point by point: a point's score is the highest
score of the windows that cover it, so window length and stride never change what is counted.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from datasets import Dataset, DatasetError, windows
from zoo import baselines, metrics
from zoo.base import AnomalyDetector


@dataclasses.dataclass(frozen=True)
class SplitScores:
    """Scores of one split, at the level the labels are given (points for series).

    Attributes:
        scores: float32 [n], higher = more anomalous.
        labels: int8 [n], 1 = anomaly.
        example_scores: float32 [n_examples], the model's own outputs (window scores for series).
    """

    scores: np.ndarray
    labels: np.ndarray
    example_scores: np.ndarray


def calibration_inputs(ds: Dataset, stride: int = 1) -> np.ndarray:
    """The validation examples labelled normal: what a threshold is calibrated on."""
    x, y = ds.examples("val", stride=stride)
    normal = x[y == 0]
    if len(normal) == 0:
        raise DatasetError(f"dataset {ds.name!r} has no normal validation examples to "
                           "calibrate a threshold on")
    return normal


def score_series(model: AnomalyDetector, values: np.ndarray, stride: int = 1,
                 batch_size: int = 256, verbose: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Score a raw series of any length, its windows cut lazily batch by batch.

    Args:
        model: a detector of windows [window, features].
        values: float32 [time, features], raw.
        stride: steps between window starts (the last window is aligned to the end).

    Returns:
        point scores float32 [time] (max over the covering windows) and window scores.
    """
    length = model.example_shape[0]
    starts = windows.window_starts(len(values), length, stride)
    window_scores = model.score_batches(
        windows.window_dataset(values, length, stride, batch_size), total=len(starts),
        verbose=verbose)
    return (windows.window_to_point_scores(window_scores, len(values), length, stride),
            window_scores)


def score_split(model: AnomalyDetector, ds: Dataset, split: str = "test", stride: int = 1,
                batch_size: int = 256, verbose: int = 0) -> SplitScores:
    """Score every example of `split`; for series, map window scores back to points."""
    part = ds.split(split)
    if ds.kind == "series":
        points, window_scores = score_series(model, part.x, stride, batch_size, verbose)
        return SplitScores(points, np.asarray(part.y, np.int8), window_scores)
    scores = model.score(part.x, batch_size=batch_size, verbose=verbose)
    return SplitScores(scores, np.asarray(part.y, np.int8), scores)


# Kinds whose examples mean something as flat rows to IsolationForest (log-key sessions don't).
BASELINE_KINDS = ("series", "tabular", "image")


def isolation_forest_split(ds: Dataset, split: str = "test", stride: int = 1,
                           seed: int = 0) -> SplitScores:
    """The plain baseline scored as a model is: IsolationForest fitted on the training examples a
    model trains on (windows at stride 1 for series), less those marked as known anomalies, and
    scored on `split` (windows at `stride`, mapped back to points). Like the models, it sees no
    other training labels.

    Raises:
        DatasetError: a dataset kind IsolationForest cannot take as rows (see BASELINE_KINDS).
    """
    if ds.kind not in BASELINE_KINDS:
        raise DatasetError(f"no IsolationForest baseline for {ds.kind} data ({ds.name!r})")
    x_train, _ = ds.examples("train", stride=1)
    if ds.train.known is not None:  # series carry no marks, so windows need none
        x_train = x_train[ds.train.known == 0]
    x, _ = ds.examples(split, stride=stride)
    example_scores = baselines.isolation_forest_scores(x_train, x, seed)
    part = ds.split(split)
    scores = example_scores
    if ds.kind == "series":
        scores = windows.window_to_point_scores(example_scores, len(part.x),
                                                int(ds.meta["window"]), stride)
    return SplitScores(scores.astype(np.float32), np.asarray(part.y, np.int8),
                       example_scores.astype(np.float32))


def evaluate_split(model: AnomalyDetector, ds: Dataset, split: str = "test", stride: int = 1,
             top_percent: float | None = None, batch_size: int = 256,
             verbose: int = 0) -> tuple[dict[str, float], SplitScores]:
    """Metrics of `model` on `split` (threshold-free first; F1 at the calibrated threshold)."""
    scored = score_split(model, ds, split, stride, batch_size, verbose)
    threshold = float(model.threshold.numpy()) if model.is_calibrated else None
    results = metrics.report(scored.labels, scored.scores, threshold=threshold,
                               top_percent=top_percent, series=ds.kind == "series")
    return results, scored
