"""Building blocks shared by the zoo's models: input scaling, recurrent, dense and strided
convolution stacks."""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="zoo")
class MinMaxScaling(layers.Layer):
    """Maps raw features into `feature_range` with per-feature min/max fitted on training data.

    It is part of every model so that a saved or served model takes the raw values a client
    has. Constant features (max == min) map to the middle of the range.

    Args:
        data_min, data_max: per-feature statistics (one value each, last axis of the input).
        feature_range: the (low, high) interval the training data is mapped onto.
    """

    def __init__(self, data_min: Sequence[float], data_max: Sequence[float],
                 feature_range: Sequence[float] = (-1.0, 1.0), **kwargs):
        super().__init__(**kwargs)
        self.data_min = [float(v) for v in data_min]
        self.data_max = [float(v) for v in data_max]
        self.feature_range = tuple(float(v) for v in feature_range)
        low, high = self.feature_range
        span = [mx - mn for mn, mx in zip(self.data_min, self.data_max)]
        self._scale = [(high - low) / s if s > 0 else 0.0 for s in span]
        self._offset = [low - mn * sc if s > 0 else (low + high) / 2
                        for mn, sc, s in zip(self.data_min, self._scale, span)]

    def call(self, inputs):
        return inputs * ops.convert_to_tensor(self._scale, inputs.dtype) + ops.convert_to_tensor(
            self._offset, inputs.dtype)

    def inverse(self, scaled):
        """Back from the scaled range to raw units (for plots of generated samples)."""
        scale = ops.convert_to_tensor([s if s else 1.0 for s in self._scale], scaled.dtype)
        return (scaled - ops.convert_to_tensor(self._offset, scaled.dtype)) / scale

    def get_config(self):
        return {**super().get_config(), "data_min": self.data_min, "data_max": self.data_max,
                "feature_range": list(self.feature_range)}


def lstm_stack(units: Sequence[int], name: str) -> keras.Sequential:
    """LSTM layers of the given widths, each returning its whole sequence [batch, time, units]."""
    return keras.Sequential([layers.LSTM(u, return_sequences=True, name=f"lstm_{u}_{i}")
                             for i, u in enumerate(units)], name=name)


def dense_stack(units: Sequence[int], name: str,
                activation: str = "leaky_relu") -> keras.Sequential:
    """Dense layers of the given widths, each followed by `activation`: [batch, in] -> [batch,
    units[-1]]."""
    return keras.Sequential([layers.Dense(u, activation=activation, name=f"dense_{u}_{i}")
                             for i, u in enumerate(units)], name=name)


def strided_conv_stack(filters: Sequence[int], name: str, kernel_size: int = 4,
                       activation: str = "leaky_relu") -> keras.Sequential:
    """Conv2D layers of `kernel_size` and stride 2 (each halves height and width), then a flatten:
    images [batch, height, width, channels] -> features [batch, flattened]."""
    return keras.Sequential(
        [*(layers.Conv2D(f, kernel_size, strides=2, padding="same", activation=activation,
                         name=f"conv_{f}_{i}") for i, f in enumerate(filters)),
         layers.Flatten(name="flatten")], name=name)
