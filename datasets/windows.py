"""Sliding windows over a series, their labels, and the map from window scores back to points.

The one windowing rule of the zoo: windows start every `stride` steps from 0, and when the series
length is not reached exactly, one more window is aligned to the end, so every point is covered.
"""

from __future__ import annotations

import numpy as np

from datasets.base import DatasetError


def window_starts(n_points: int, length: int, stride: int) -> np.ndarray:
    """Start index of every window: 0, stride, 2·stride, … plus one aligned to the series end.

    Raises:
        DatasetError: the series is shorter than one window, or length/stride is not positive.
    """
    if length < 1 or stride < 1:
        raise DatasetError(f"window length and stride must be positive, got {length} and {stride}")
    if n_points < length:
        raise DatasetError(f"series of {n_points} points is shorter than one window of {length}")
    starts = np.arange(0, n_points - length + 1, stride)
    if starts[-1] != n_points - length:
        starts = np.append(starts, n_points - length)
    return starts


def sliding_windows(series: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """Windows of `series` [time, features] as a read-only view [n_windows, length, features]."""
    series = np.asarray(series)
    starts = window_starts(len(series), length, stride)
    view = np.lib.stride_tricks.sliding_window_view(series, length, axis=0)  # [n, F, length]
    return np.moveaxis(view, -1, 1)[starts]


def window_labels(point_labels: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """int8 [n_windows]: 1 where any point of the window is labelled anomalous."""
    point_labels = np.asarray(point_labels)
    starts = window_starts(len(point_labels), length, stride)
    covering = np.lib.stride_tricks.sliding_window_view(point_labels, length)[starts]
    return covering.max(axis=1).astype(np.int8)


def window_to_point_scores(window_scores: np.ndarray, n_points: int, length: int,
                           stride: int = 1) -> np.ndarray:
    """float32 [n_points]: each point gets the highest score of the windows that cover it."""
    starts = window_starts(n_points, length, stride)
    window_scores = np.asarray(window_scores, dtype=np.float32)
    if len(window_scores) != len(starts):
        raise DatasetError(f"{len(window_scores)} window scores for {len(starts)} windows "
                           f"(series of {n_points}, length {length}, stride {stride})")
    points = np.full(n_points, -np.inf, dtype=np.float32)
    # A window covers `length` consecutive points; take the running max in `length` passes
    # (vectorised over windows) rather than a Python loop over windows.
    for offset in range(length):
        np.maximum.at(points, starts + offset, window_scores)
    return points


def window_dataset(series: np.ndarray, length: int, stride: int = 1, batch_size: int = 256):
    """Batches of windows of `series` [time, features] as a tf.data pipeline, cut lazily.

    Only the series and the window starts are held: each batch gathers its own windows, so
    memory does not grow with length × number of windows.

    Returns:
        A tf.data.Dataset of float32 [batch, length, features], windows in order.
    """
    import tensorflow as tf  # noqa: PLC0415 (the rest of datasets needs no TensorFlow)

    values = tf.constant(np.asarray(series, dtype=np.float32))
    starts = window_starts(len(series), length, stride)
    offsets = tf.range(length, dtype=tf.int64)
    return (tf.data.Dataset.from_tensor_slices(starts).batch(batch_size)
            .map(lambda first: tf.gather(values, first[:, None] + offsets),
                 num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))
