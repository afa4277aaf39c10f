"""The shared latent inversion: batched equals one at a time, and it finds better latents."""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo import inversion


def _tiny_gan(seed: int = 0):
    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([layers.Dense(8, activation="tanh"),
                                  layers.Dense(5, activation="tanh")])
    features = keras.Sequential([layers.Dense(6, activation="relu")])
    generator.build((None, 3))
    features.build((None, 5))
    return generator, features


def test_batched_inversion_equals_one_window_at_a_time():
    generator, features = _tiny_gan()
    x = tf.random.uniform((7, 5), -1, 1, seed=1)
    z0 = tf.random.normal((7, 3), stddev=0.1, seed=2)
    args = dict(generator=generator, features=lambda v: [features(v)], feature_weights=[0.1],
                steps=30, learning_rate=1e-2)
    batched, z_batched = inversion.invert(x, z0, **args)
    alone = [inversion.invert(x[i:i + 1], z0[i:i + 1], **args) for i in range(7)]
    np.testing.assert_allclose(batched.numpy(), np.concatenate([s.numpy() for s, _ in alone]),
                               rtol=1e-5)
    np.testing.assert_allclose(z_batched.numpy(), np.concatenate([z.numpy() for _, z in alone]),
                               atol=1e-6)


def test_inversion_lowers_the_loss_and_reaches_a_generated_point():
    generator, features = _tiny_gan()
    target_z = tf.random.normal((16, 3), stddev=0.5, seed=3)
    x = generator(target_z)  # inputs the generator can make exactly
    z0 = tf.zeros((16, 3))
    feature_fn = lambda v: [features(v)]  # noqa: E731
    start = inversion.inversion_loss(x, generator(z0), feature_fn(x), feature_fn(generator(z0)),
                                     [0.1])
    score, _ = inversion.invert(x, z0, generator, feature_fn, [0.1], steps=200,
                                learning_rate=5e-2)
    assert np.all(score.numpy() < start.numpy())
    assert float(tf.reduce_mean(score)) < 0.1 * float(tf.reduce_mean(start))


def test_score_weights_residual_and_features_as_the_paper():
    x = tf.constant([[1.0, -1.0]])
    generated = tf.constant([[0.5, -0.5]])  # residual Σ|x - G(z)| = 1
    score = inversion.inversion_loss(x, generated, [tf.constant([[2.0]])], [tf.constant([[0.0]])],
                                     [0.1])  # discrimination term = 2
    assert float(score[0]) == np.float32(0.9 * 1.0 + 0.1 * 2.0)
