"""Score a dataset split with a detector and compute the zoo's metrics on it.

Series are scored window by window and judged point by point: a point's score is the highest
score of the windows that cover it, so window length and stride never change what is counted.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from datasets import Dataset, DatasetError, windows
from zoo import baselines, metrics
from zoo.base import AnomalyDetector, DetectorError


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


def baseline_split(ds: Dataset, split: str, stride: int,
                   fit_and_score: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   name: str = "baseline") -> SplitScores:
    """A plain baseline scored as a model is: `fit_and_score(x_train, x)` fitted on the
    training examples a model trains on (windows at stride 1 for series), less those marked as
    known anomalies, and scoring `split` (windows at `stride`, mapped back to points). Like the
    models, it sees no other training labels.

    Raises:
        DatasetError: a dataset kind the baselines cannot take as rows (see BASELINE_KINDS).
    """
    if ds.kind not in BASELINE_KINDS:
        raise DatasetError(f"no {name} baseline for {ds.kind} data ({ds.name!r})")
    x_train, _ = ds.examples("train", stride=1)
    if ds.train.known is not None:  # series carry no marks, so windows need none
        x_train = x_train[ds.train.known == 0]
    x, _ = ds.examples(split, stride=stride)
    example_scores = np.asarray(fit_and_score(x_train, x))
    part = ds.split(split)
    scores = example_scores
    if ds.kind == "series":
        scores = windows.window_to_point_scores(example_scores, len(part.x),
                                                int(ds.meta["window"]), stride)
    return SplitScores(scores.astype(np.float32), np.asarray(part.y, np.int8),
                       example_scores.astype(np.float32))


def isolation_forest_split(ds: Dataset, split: str = "test", stride: int = 1,
                           seed: int = 0) -> SplitScores:
    """IsolationForest as `baseline_split` scores it: train.py's baseline beside every model."""
    return baseline_split(ds, split, stride,
                          lambda x_train, x: baselines.isolation_forest_scores(x_train, x, seed),
                          name="IsolationForest")


def missing_labels_reason(ds: Dataset, split: str, labels: np.ndarray) -> str | None:
    """Why AUROC, AUPRC and F1 cannot be computed on the labels of `split`, in words, or None
    when they can: the data carry no labels (`meta["labelled"]` False), or the labels hold one
    class only."""
    if ds.meta.get("labelled") is False:
        return (f"the {split} data have no labels ({ds.name} has none); they need labelled "
                f"normal examples and anomalies")
    only = metrics.single_class(labels)
    if only:
        return f"the {split} labels hold only {only}; they need both classes"
    return None


def evaluate_split(model: AnomalyDetector, ds: Dataset, split: str = "test", stride: int = 1,
                   top_percent: float | None = None, batch_size: int = 256,
                   verbose: int = 0) -> tuple[dict[str, Any], SplitScores | None]:
    """Metrics of `model` on `split` (threshold-free first; F1 at the calibrated threshold).

    Where the split's labels cannot rank (unlabelled data, one class only) the results are
    `metrics.summary` of the scores instead, with `metrics.NOT_COMPUTED` saying why; an empty
    split is not scored at all (results: NOT_COMPUTED alone, scores: None).

    Returns:
        (results, the split's scores or None).
    """
    if len(ds.split(split)) == 0:
        return {metrics.NOT_COMPUTED: f"the {split} split of {ds.name} is empty: nothing was "
                                      f"scored"}, None
    scored = score_split(model, ds, split, stride, batch_size, verbose)
    threshold = float(model.threshold.numpy()) if model.is_calibrated else None
    reason = missing_labels_reason(ds, split, scored.labels)
    if reason:
        return {**metrics.summary(scored.scores, threshold), metrics.NOT_COMPUTED: reason}, scored
    results = metrics.report(scored.labels, scored.scores, threshold=threshold,
                             top_percent=top_percent, series=ds.kind == "series")
    return results, scored


def model_kind(model: AnomalyDetector) -> str:
    """The kind of data (a `datasets.Dataset.kind`) a model's example shape stands for:
    [window, features] series, [features] rows, [height, width, channels] images, [any length]
    sessions."""
    shape = model.example_shape
    if len(shape) == 3:
        return "image"
    if len(shape) == 2:
        return "series"
    return "sessions" if shape[0] is None else "tabular"


def check_fits(model: AnomalyDetector, ds: Dataset) -> None:
    """Raise DetectorError unless the examples of `ds` fit `model`: the same kind, the same
    feature count for series and rows (and the same window for series), the same image shape
    for images, and for sessions no key above the model's vocabulary.

    Raises:
        DetectorError: the message names the dataset's and the model's shapes.
    """
    kind = model_kind(model)
    model_shape, data_shape = list(model.example_shape), list(ds.example_shape)
    if ds.kind != kind:
        raise DetectorError(f"dataset {ds.name!r} holds {ds.kind} data of shape {data_shape}; "
                            f"the model takes {kind} data of shape {model_shape}")
    if kind == "sessions":
        vocabulary = getattr(model, "vocab_size", None)
        largest = int(ds.meta.get("vocab_size") or 0)
        if vocabulary is not None and largest > vocabulary:
            raise DetectorError(f"dataset {ds.name!r} holds log keys up to {largest}; the model "
                                f"takes keys 1..{vocabulary}")
        return
    if data_shape != model_shape:
        what = {"series": "windows [window, features]", "tabular": "rows [features]",
                "image": "images [height, width, channels]"}[kind]
        raise DetectorError(f"dataset {ds.name!r} has examples of shape {data_shape}; the model "
                            f"takes {what} of shape {model_shape}")
