"""Training stages outside a detector's game: some of its variables fitted on a loss of their
own, the others left as they are.

GAN+RL first pre-trains its C-LSTM feature extractor to tell real windows from noise windows
(zoo/ganrl.py); the inversion models train an encoder after their GAN, with G and D frozen
(zoo/inversion.py). Each such stage has its own optimizer and losses, so it is a Keras model of
its own, a `Stage`, that trains the detector's variables in place: `fit` then gives it the
distribution strategy, progress bar and callbacks of any Keras training.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import tensorflow as tf

from zoo.base import replica_total, step_logs


class Stage(keras.Model):
    """Fits `variables()` of a detector on the first of the values `losses(x)` returns.

    Args:
        detector: the AnomalyDetector whose variables the stage trains.
        variables: () -> the trainable variables the stage updates.
        losses: scaled inputs [batch, ...] -> {name: this replica's share}, the first the loss
            minimised, the others logged beside it.
        names: the keys `losses` returns, in its order.
        name: the stage's name.
    """

    def __init__(self, detector: keras.Model, variables: Callable[[], Sequence[tf.Variable]],
                 losses: Callable[[tf.Tensor], dict[str, tf.Tensor]], names: Sequence[str],
                 name: str, **kwargs):
        super().__init__(name=name, **kwargs)
        self.detector = detector
        self.stage_variables = variables
        self.stage_losses = losses
        # Its variables are the detector's, built with it: nothing for fit to build.
        self.built = True
        self.trackers = {loss: keras.metrics.Mean(name=loss) for loss in names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def train_step(self, data):
        x = self.detector.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        variables = self.stage_variables()
        with tf.GradientTape() as tape:
            shares = self.stage_losses(x)
            loss = next(iter(shares.values()))
        # A LossScaleOptimizer expects the gradients of the scaled loss (see AnomalyDetector.
        # minimize); any other optimizer's scale is 1.
        gradients = tape.gradient(loss, variables,
                                  output_gradients=self.optimizer.scale_loss(tf.ones_like(loss)))
        self.optimizer.apply_gradients(zip(gradients, variables))
        for name, share in shares.items():
            self.trackers[name].update_state(replica_total(share))
        return step_logs(self.metrics)


def fit_stage(detector: keras.Model, x: Any, *, variables: Callable[[], Sequence[tf.Variable]],
              losses: Callable[[tf.Tensor], dict[str, tf.Tensor]], names: Sequence[str],
              name: str, learning_rate: float, epochs: int, batch_size: int | None = None,
              verbose: Any = "auto") -> keras.callbacks.History:
    """Build a `Stage` under the detector's strategy, with an Adam of its own, and fit it.

    Args:
        detector, variables, losses, names, name: see Stage.
        x: raw training inputs, an array or a dataset of batches (labels are ignored).
        learning_rate: the stage's Adam's.
        epochs, batch_size, verbose: as in fit.
    """
    with detector.distribute_strategy.scope():  # the optimizer's variables too
        optimizer = keras.optimizers.Adam(learning_rate)
        if detector.dtype_policy.name == "mixed_float16":  # as `compile` does for the players
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        stage = Stage(detector, variables, losses, names, name)
        stage.compile(optimizer=optimizer)
    return stage.fit(x, batch_size=batch_size, epochs=epochs, verbose=verbose, shuffle=False)
