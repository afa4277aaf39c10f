"""Score a dataset split with a detector and compute the zoo's metrics on it.

Series are scored window by window and judged point by point: a point's score is the highest
score of the windows that cover it, so window length and stride never change what is counted.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from datasets import Dataset, windows
from zoo import metrics
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
        raise ValueError(f"dataset {ds.name!r} has no normal validation examples to calibrate on")
    return normal


def score_split(model: AnomalyDetector, ds: Dataset, split: str = "test", stride: int = 1,
                batch_size: int = 256, verbose: int = 0) -> SplitScores:
    """Score every example of `split`; for series, map window scores back to points."""
    x, y = ds.examples(split, stride=stride)
    example_scores = model.score(x, batch_size=batch_size, verbose=verbose)
    if ds.kind != "series":
        return SplitScores(example_scores, np.asarray(y, np.int8), example_scores)
    part = ds.split(split)
    points = windows.window_to_point_scores(example_scores, len(part.y), int(ds.meta["window"]),
                                            stride)
    return SplitScores(points, np.asarray(part.y, np.int8), example_scores)


def evaluate(model: AnomalyDetector, ds: Dataset, split: str = "test", stride: int = 1,
             top_percent: float | None = None, batch_size: int = 256,
             verbose: int = 0) -> tuple[dict[str, float], SplitScores]:
    """Metrics of `model` on `split` (threshold-free first; F1 at the calibrated threshold)."""
    scored = score_split(model, ds, split, stride, batch_size, verbose)
    threshold = float(model.threshold.numpy()) if model.is_calibrated else None
    results = metrics.evaluate(scored.labels, scored.scores, threshold=threshold,
                               top_percent=top_percent, series=ds.kind == "series")
    return results, scored
