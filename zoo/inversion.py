"""Latent inversion of a generator: the anomaly score of AnoGAN, TAnoGAN and GAN+RL.

For each input x we look for the latent z whose generation G(z) is closest to x, by gradient
descent on z, and score x by how far the best G(z) still is:

    S(x) = (1 - Σλ_i) · Σ|x - G(z)|  +  Σ_i λ_i · Σ|f_i(x) - f_i(G(z))|

with f_i feature layers of the discriminator (one for AnoGAN/TAnoGAN, several for GAN+RL).

The whole batch is optimised at once: the losses of different inputs do not interact and Adam
updates each coordinate on its own, so this is the same as inverting each input alone, only
without a Python loop. Adam is written out here (not a keras optimizer) because its state must
follow the batch size, which an optimizer's variables cannot.
"""

from __future__ import annotations

from typing import Callable, Sequence

import tensorflow as tf

from zoo.losses import per_example_l1

ADAM_BETA_1 = 0.9
ADAM_BETA_2 = 0.999
ADAM_EPSILON = 1e-7


def inversion_loss(x: tf.Tensor, generated: tf.Tensor, x_features: Sequence[tf.Tensor],
                   generated_features: Sequence[tf.Tensor],
                   feature_weights: Sequence[float]) -> tf.Tensor:
    """(1 - Σλ_i)·residual + Σλ_i·discrimination_i, per example: float32 [batch]."""
    loss = (1.0 - sum(feature_weights)) * per_example_l1(x, generated)
    for weight, real, fake in zip(feature_weights, x_features, generated_features):
        loss += weight * per_example_l1(real, fake)
    return loss


def invert(x: tf.Tensor, z_init: tf.Tensor,
           generator: Callable[[tf.Tensor], tf.Tensor],
           features: Callable[[tf.Tensor], Sequence[tf.Tensor]],
           feature_weights: Sequence[float], steps: int = 50,
           learning_rate: float = 1e-2) -> tuple[tf.Tensor, tf.Tensor]:
    """Optimise z for `steps` Adam steps and return the score at the last z.

    Args:
        x: the inputs, already in the generator's output range, [batch, ...].
        z_init: the starting latents, [batch, *latent_shape].
        generator: z -> G(z), same shape as x.
        features: x -> the list of feature tensors f_i(x) used by the score.
        feature_weights: λ_i, one per feature tensor.
        steps: Adam steps on z (50 in TAnoGAN).
        learning_rate: Adam's step size on z (1e-2 in TAnoGAN's code).

    Returns:
        score: float32 [batch], higher = further from anything the generator makes.
        z: the latents reached, [batch, *latent_shape].
    """
    # Scores are computed in float32 even when the networks run in a mixed-precision policy.
    x = tf.cast(x, tf.float32)
    z_init = tf.cast(z_init, tf.float32)

    def float32_features(v: tf.Tensor) -> list[tf.Tensor]:
        return [tf.cast(f, tf.float32) for f in features(v)]

    x_features = [tf.stop_gradient(f) for f in float32_features(x)]

    def loss_of(z: tf.Tensor) -> tf.Tensor:
        generated = tf.cast(generator(z), tf.float32)
        return inversion_loss(x, generated, x_features, float32_features(generated),
                              feature_weights)

    def adam_step(step, z, m, v):
        with tf.GradientTape() as tape:
            tape.watch(z)
            total = tf.reduce_sum(loss_of(z))  # inputs are independent: sum = per-example grads
        grad = tape.gradient(total, z)
        t = tf.cast(step + 1, z.dtype)
        m = ADAM_BETA_1 * m + (1.0 - ADAM_BETA_1) * grad
        v = ADAM_BETA_2 * v + (1.0 - ADAM_BETA_2) * tf.square(grad)
        m_hat = m / (1.0 - ADAM_BETA_1 ** t)
        v_hat = v / (1.0 - ADAM_BETA_2 ** t)
        z = z - learning_rate * m_hat / (tf.sqrt(v_hat) + ADAM_EPSILON)
        return step + 1, z, m, v

    zeros = tf.zeros_like(z_init)
    _, z, _, _ = tf.while_loop(lambda step, *_: step < steps, adam_step,
                               (tf.constant(0), z_init, zeros, zeros))
    z = tf.stop_gradient(z)
    return loss_of(z), z
