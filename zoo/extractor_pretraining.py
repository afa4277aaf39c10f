"""Stage 1 of GAN+RL (zoo/ganrl.py): pre-training its C-LSTM feature extractor.

GAN+RL's Algorithm 1 first trains a C-LSTM to tell real windows from noise windows, then
freezes it and trains its GAN on the C-LSTM's hidden states. The first stage has its own
optimizer and loss, so it is a Keras model of its own here, training the detector's variables
in place; `GANRL.pretrain` builds and fits it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
import tensorflow as tf

from zoo.base import replica_total, step_logs
from zoo.losses import global_mean

if TYPE_CHECKING:
    from zoo.ganrl import GANRL


class ExtractorPretraining(keras.Model):
    """Stage 1 of GAN+RL's Algorithm 1 as a Keras model: trains a GANRL's C-LSTM and its head
    to classify real windows (1) against noise windows (0); the GANRL's other networks are left
    alone. Built by `GANRL.pretrain`, which gives it its optimizer."""

    def __init__(self, detector: "GANRL", **kwargs):
        super().__init__(name="extractor_pretraining", **kwargs)
        self.detector = detector
        # Its variables are the detector's, built with it: nothing for fit to build.
        self.built = True
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("extractor_loss", "extractor_accuracy")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def train_step(self, data):
        detector = self.detector
        real = detector.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        batch_size = tf.shape(real)[0]
        windows = tf.concat([real, detector.noise_windows(batch_size)], axis=0)
        labels = tf.concat([tf.ones([batch_size], tf.int32), tf.zeros([batch_size], tf.int32)],
                           axis=0)
        variables = detector.extractor_variables()
        with tf.GradientTape() as tape:
            logits = detector.extractor_logits(windows)
            loss = global_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        # A LossScaleOptimizer expects the gradients of the scaled loss (see AnomalyDetector.
        # minimize); any other optimizer's scale is 1.
        gradients = tape.gradient(loss, variables,
                                  output_gradients=self.optimizer.scale_loss(tf.ones_like(loss)))
        self.optimizer.apply_gradients(zip(gradients, variables))
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels),
                          tf.float32)
        self.trackers["extractor_loss"].update_state(replica_total(loss))
        self.trackers["extractor_accuracy"].update_state(replica_total(global_mean(correct)))
        return step_logs(self.metrics)
