"""Supervised window classifiers: C-LSTM, LSTM+DNN and CNN+DNN (the GAN+RL paper's Table III).

Long & Wang ("GAN+RL for Anomaly Detection") compare their GAN with three supervised
classifiers of windows of a series, trained on windows labelled anomalous when any of their
points is: the C-LSTM of Kim & Cho (2018, "Web traffic anomaly detection using C-LSTM neural
networks"; the paper's Table I), an LSTM followed by dense layers and a CNN followed by dense
layers. The three share everything here but their network:

    windows [batch, 60, 1] --min-max--> network --> logits [batch, 2] --softmax--> P(anomalous)

The score is P(anomalous window), float32 [batch], higher = more anomalous. Training minimises
the class-weighted cross-entropy, per example then `global_mean`: a normal window weighs 1, an
anomalous one `anomaly_weight`. `for_dataset` sets that weight to n_normal / n_anomalous of the
training windows (balanced classes), within [1/100, 100] (`MAX_ANOMALY_WEIGHT`) so that a split
with a handful of anomalous windows does not blow one batch's loss up; a split with none gets
1.0 and trains as it is (every window normal). The weight is a constructor argument, saved with
the model, rather than fit's `class_weight`: train.py and the benchmarks then need nothing more.

Architectures:

- C-LSTM (Table I): Conv1D 64 k5 s1 → tanh → MaxPool 2 → Conv1D 64 k5 s1 → tanh → MaxPool 2 →
  LSTM 64 → Dense 32 → tanh → Dense 2 → softmax. The table does not name the convolutions'
  padding: "same" here (60 → 30 → 15 steps into the LSTM).
- LSTM+DNN (one LSTM, three dense layers; the paper gives no widths): LSTM 64 → Dense 64 → tanh
  → Dense 32 → tanh → Dense 2 → softmax, the C-LSTM's widths.
- CNN+DNN (six convolutions, two dense layers; no widths given): Conv1D 32, 32, 64, 64, 128, 128,
  kernel 5, stride 1, "same", tanh, with MaxPool 2 after each pair (60 → 30 → 15 → 7 steps) →
  Flatten → Dense 32 → tanh → Dense 2 → softmax.

Our choices where the paper is silent: Adam with learning rate 1e-3 (Keras's default); min-max
scaling onto [0, 1] (the paper min-max scales each series; here the statistics are fitted on the
training split and are part of the model); the softmax is folded into the loss (log-softmax of
the logits, which is stable) and applied in the score.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo.base import AnomalyDetector, DetectorError
from zoo.blocks import check_window, conv_stack, dense_head
from zoo.losses import global_mean

#: The largest weight `balanced_anomaly_weight` gives an anomalous window (and 1 / it the
#: smallest).
MAX_ANOMALY_WEIGHT = 100.0


def balanced_anomaly_weight(labels: np.ndarray) -> float:
    """The weight of an anomalous window that balances the two classes of `labels`.

    Args:
        labels: int [n] window labels, 1 = anomalous.

    Returns:
        n_normal / n_anomalous, clipped to [1 / MAX_ANOMALY_WEIGHT, MAX_ANOMALY_WEIGHT]; 1.0 when
        `labels` holds no anomalous window (or no normal one).
    """
    labels = np.asarray(labels)
    n_anomalous = int(np.count_nonzero(labels))
    n_normal = len(labels) - n_anomalous
    if n_anomalous == 0 or n_normal == 0:
        return 1.0
    return float(np.clip(n_normal / n_anomalous, 1.0 / MAX_ANOMALY_WEIGHT, MAX_ANOMALY_WEIGHT))


@keras.saving.register_keras_serializable(package="zoo")
class WindowClassifier(AnomalyDetector):
    """A supervised classifier of windows [batch, window, features]: normal (0) or anomalous (1).

    The base of CLSTM, LSTMDNN and CNNDNN: a subclass builds `self.network` (windows scaled
    onto [0, 1] -> logits [batch, 2]) with its paper architecture as constructor defaults.
    Trains on (windows, window labels) pairs, `labels` int [batch], as `Dataset.examples` gives
    them. The threshold starts at 0.5, the classifier's own decision; `calibrate` replaces it.

    Args:
        example_shape: (window, features) of one input window.
        anomaly_weight: the weight of an anomalous window in the cross-entropy (a normal one
            weighs 1); `for_dataset` balances the classes of the training windows.
        learning_rate: Adam's learning rate (the default optimizer).
        scaling, seed, **kwargs: see AnomalyDetector.
    """

    PLAYERS = {"classifier": ("network",)}
    LOSSES = ("loss", "accuracy")
    KIND_ARGUMENTS = {"series": {}}
    FEATURE_RANGE = (0.0, 1.0)
    SUPERVISED = True
    DEFAULT_EPOCHS = 10

    def __init__(self, example_shape: Sequence[int] = (60, 1), anomaly_weight: float = 1.0,
                 learning_rate: float = 1e-3, scaling: dict | None = None, seed: int = 0,
                 **kwargs):
        super().__init__(example_shape=example_shape, scaling=scaling, seed=seed, **kwargs)
        if len(self.example_shape) != 2 or None in self.example_shape:
            raise DetectorError(f"{type(self).__name__} takes windows [window, features]; got "
                                f"example shape {list(self.example_shape)}")
        self.window, self.n_features = self.example_shape
        self.anomaly_weight = float(anomaly_weight)
        self.learning_rate = float(learning_rate)
        if not (np.isfinite(self.anomaly_weight) and self.anomaly_weight > 0):
            raise DetectorError(f"anomaly_weight must be a positive number, got {anomaly_weight}")
        self.threshold.assign(0.5)

    @classmethod
    def data_arguments(cls, ds) -> dict[str, Any]:
        _, labels = ds.examples("train")
        return {"anomaly_weight": balanced_anomaly_weight(labels)}

    def build_networks(self) -> None:
        self.network.build((None, self.window, self.n_features))

    # ----- training ------------------------------------------------------------------------

    def logits(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Logits of (normal, anomalous) of scaled windows: float32 [batch, 2]."""
        return tf.cast(self.network(x, training=training), tf.float32)

    def per_example_loss(self, logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        """Class-weighted cross-entropy [batch]: -log softmax(logits)[label], times
        `anomaly_weight` for an anomalous window."""
        cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
        weights = tf.where(labels > 0, self.anomaly_weight, 1.0)
        return weights * cross_entropy

    def train_step(self, data):
        x, labels = self.split_batch(data)
        x = self.scale(x)
        with tf.GradientTape() as tape:
            logits = self.logits(x, training=True)
            loss = global_mean(self.per_example_loss(logits, labels))
        self.minimize("classifier", loss, tape)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels),
                          tf.float32)
        return self.log_losses(loss=loss, accuracy=global_mean(correct))

    # ----- scoring -------------------------------------------------------------------------

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        """P(anomalous window): float32 [batch]."""
        return tf.nn.softmax(self.logits(x), axis=-1)[:, 1]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "anomaly_weight": self.anomaly_weight,
                "learning_rate": self.learning_rate}


@keras.saving.register_keras_serializable(package="zoo")
class CLSTM(WindowClassifier):
    """C-LSTM (Kim & Cho 2018; GAN+RL's Table I): convolutions, an LSTM and dense layers.

    Conv1D `conv_filters` (kernel `kernel_size`, stride 1, "same", tanh), each followed by
    MaxPool 2 → LSTM `lstm_units` → Dense `dense_units` (tanh) → Dense 2 → softmax.

    Args:
        example_shape: (window, features) of one input window; the paper's is (60, 1).
        conv_filters: filters of the convolutions (64, 64).
        kernel_size: their kernel (5).
        lstm_units: width of the LSTM (64), which reads the pooled sequence.
        dense_units: widths of the tanh dense layers before the logits (32,).
        anomaly_weight, learning_rate, scaling, seed, **kwargs: see WindowClassifier.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("nab:realKnownCause/ambient_temperature_system_failure.csv")
        >>> model = zoo.get("clstm").for_dataset(ds)
        >>> model.compile()
        >>> x, y = ds.examples("train")
        >>> model.fit(x, y, batch_size=256, epochs=1)
        >>> p_anomalous = model.score(ds.examples("test")[0])
    """

    def __init__(self, example_shape: Sequence[int] = (60, 1),
                 conv_filters: Sequence[int] = (64, 64), kernel_size: int = 5,
                 lstm_units: int = 64, dense_units: Sequence[int] = (32,),
                 anomaly_weight: float = 1.0, learning_rate: float = 1e-3,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "clstm")
        super().__init__(example_shape=example_shape, anomaly_weight=anomaly_weight,
                         learning_rate=learning_rate, scaling=scaling, seed=seed, **kwargs)
        self.conv_filters = tuple(int(f) for f in conv_filters)
        self.kernel_size = int(kernel_size)
        self.lstm_units = int(lstm_units)
        self.dense_units = tuple(int(u) for u in dense_units)
        check_window(self.window, len(self.conv_filters), type(self).__name__)
        self.network = keras.Sequential(
            [*conv_stack(self.conv_filters, self.kernel_size, pool_every=1, name="clstm"),
             layers.LSTM(self.lstm_units, name=f"clstm_lstm_{self.lstm_units}"),
             *dense_head(self.dense_units, name="clstm")], name="network")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "conv_filters": list(self.conv_filters),
                "kernel_size": self.kernel_size, "lstm_units": self.lstm_units,
                "dense_units": list(self.dense_units)}


@keras.saving.register_keras_serializable(package="zoo")
class LSTMDNN(WindowClassifier):
    """LSTM+DNN (GAN+RL's Table III): one LSTM, then three dense layers.

    LSTM `lstm_units` (last state) → Dense `dense_units` (tanh) → Dense 2 → softmax. The paper
    gives no widths: 64, then 64 and 32, the C-LSTM's.

    Args:
        example_shape: (window, features) of one input window; the paper's is (60, 1).
        lstm_units: width of the LSTM (64).
        dense_units: widths of the tanh dense layers before the logits (64, 32).
        anomaly_weight, learning_rate, scaling, seed, **kwargs: see WindowClassifier.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("nab:realKnownCause/ambient_temperature_system_failure.csv")
        >>> model = zoo.get("lstm_dnn").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(*ds.examples("train"), batch_size=256, epochs=1)
        >>> p_anomalous = model.score(ds.examples("test")[0])
    """

    def __init__(self, example_shape: Sequence[int] = (60, 1), lstm_units: int = 64,
                 dense_units: Sequence[int] = (64, 32), anomaly_weight: float = 1.0,
                 learning_rate: float = 1e-3, scaling: dict | None = None, seed: int = 0,
                 **kwargs):
        kwargs.setdefault("name", "lstm_dnn")
        super().__init__(example_shape=example_shape, anomaly_weight=anomaly_weight,
                         learning_rate=learning_rate, scaling=scaling, seed=seed, **kwargs)
        self.lstm_units = int(lstm_units)
        self.dense_units = tuple(int(u) for u in dense_units)
        self.network = keras.Sequential(
            [layers.LSTM(self.lstm_units, name=f"lstm_dnn_lstm_{self.lstm_units}"),
             *dense_head(self.dense_units, name="lstm_dnn")], name="network")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "lstm_units": self.lstm_units,
                "dense_units": list(self.dense_units)}


@keras.saving.register_keras_serializable(package="zoo")
class CNNDNN(WindowClassifier):
    """CNN+DNN (GAN+RL's Table III): six convolutions, then two dense layers.

    Conv1D `conv_filters` (kernel `kernel_size`, stride 1, "same", tanh) with MaxPool 2 after
    every `pool_every` of them → Flatten → Dense `dense_units` (tanh) → Dense 2 → softmax. The
    paper gives no widths: 32, 32, 64, 64, 128, 128 filters of kernel 5, pooled after each pair,
    and Dense 32 (the C-LSTM's kernel and head).

    Args:
        example_shape: (window, features) of one input window; the paper's is (60, 1).
        conv_filters: filters of the convolutions.
        kernel_size: their kernel.
        pool_every: a MaxPool 2 after every this many convolutions.
        dense_units: widths of the tanh dense layers before the logits.
        anomaly_weight, learning_rate, scaling, seed, **kwargs: see WindowClassifier.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("nab:realKnownCause/ambient_temperature_system_failure.csv")
        >>> model = zoo.get("cnn_dnn").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(*ds.examples("train"), batch_size=256, epochs=1)
        >>> p_anomalous = model.score(ds.examples("test")[0])
    """

    def __init__(self, example_shape: Sequence[int] = (60, 1),
                 conv_filters: Sequence[int] = (32, 32, 64, 64, 128, 128), kernel_size: int = 5,
                 pool_every: int = 2, dense_units: Sequence[int] = (32,),
                 anomaly_weight: float = 1.0, learning_rate: float = 1e-3,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "cnn_dnn")
        super().__init__(example_shape=example_shape, anomaly_weight=anomaly_weight,
                         learning_rate=learning_rate, scaling=scaling, seed=seed, **kwargs)
        self.conv_filters = tuple(int(f) for f in conv_filters)
        self.kernel_size = int(kernel_size)
        self.pool_every = int(pool_every)
        self.dense_units = tuple(int(u) for u in dense_units)
        if self.pool_every < 1:
            raise DetectorError(f"pool_every must be a positive integer, got {pool_every}")
        check_window(self.window, len(self.conv_filters) // self.pool_every,
                     type(self).__name__)
        self.network = keras.Sequential(
            [*conv_stack(self.conv_filters, self.kernel_size, self.pool_every, name="cnn_dnn"),
             layers.Flatten(name="cnn_dnn_flatten"),
             *dense_head(self.dense_units, name="cnn_dnn")], name="network")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "conv_filters": list(self.conv_filters),
                "kernel_size": self.kernel_size, "pool_every": self.pool_every,
                "dense_units": list(self.dense_units)}
