"""Per-example distances and the reduction of per-example losses over a distributed batch.

Every loss a model minimises is a per-example value [batch] reduced by `global_mean`, so that a
step under MirroredStrategy (each replica with its part of the batch) equals the step on one
device. Everything is computed in float32, also under a mixed-precision policy.
"""

from __future__ import annotations

import tensorflow as tf


def _flat(values: tf.Tensor) -> tf.Tensor:
    """float32 [batch, everything else]."""
    values = tf.cast(values, tf.float32)
    return tf.reshape(values, [tf.shape(values)[0], -1])


def per_example_l1(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """Σ|a - b| over every axis but the batch axis: [batch]."""
    return tf.reduce_sum(tf.abs(_flat(a) - _flat(b)), axis=1)


def per_example_mean(values: tf.Tensor) -> tf.Tensor:
    """Mean over every axis but the batch axis: [batch]."""
    return tf.reduce_mean(_flat(values), axis=1)


def per_example_absolute_error(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """Mean of |a - b| over every axis but the batch axis: [batch]."""
    return tf.reduce_mean(tf.abs(_flat(a) - _flat(b)), axis=1)


def per_example_squared_error(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """Mean of (a - b)² over every axis but the batch axis: [batch]."""
    return tf.reduce_mean(tf.square(_flat(a) - _flat(b)), axis=1)


def global_mean(per_example: tf.Tensor) -> tf.Tensor:
    """This replica's share of the mean of a per-example loss [batch] over the global batch.

    The shares of all replicas add up to the mean over the whole batch (so do their gradients);
    with one replica it is the plain mean.
    """
    return tf.nn.compute_average_loss(tf.cast(per_example, tf.float32))


def sigmoid_cross_entropy(target: float, logits: tf.Tensor) -> tf.Tensor:
    """`global_mean` of the binary cross-entropy of logits [batch] against a constant target
    (1 = real, 0 = fake, or a soft value in between)."""
    logits = tf.cast(logits, tf.float32)
    return global_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        tf.fill(tf.shape(logits), tf.constant(target, tf.float32)), logits))
