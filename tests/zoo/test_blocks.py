"""The shared building blocks: input scaling and the GAN networks' shapes."""

import numpy as np
import pytest

from zoo import DetectorError
from zoo.blocks import (MinMaxScaling, PairDiscriminator, check_gan_shape, decoder_network,
                        dense_stack, feature_stack, leaky_relu)


def test_min_max_scaling_maps_the_training_range_and_inverts():
    scaling = MinMaxScaling([0.0, -5.0], [10.0, 5.0], feature_range=(-1.0, 1.0))
    x = np.array([[0.0, -5.0], [10.0, 5.0], [5.0, 0.0], [20.0, 15.0]], np.float32)
    scaled = scaling(x).numpy()
    np.testing.assert_allclose(scaled, [[-1, -1], [1, 1], [0, 0], [3, 3]], atol=1e-6)
    np.testing.assert_allclose(scaling.inverse(scaled).numpy(), x, atol=1e-5)


def test_a_feature_constant_in_training_keeps_what_sets_test_values_apart():
    """A one-hot column never on in training still tells a test row where it is on (as
    scikit-learn's MinMaxScaler: the constant column spans one unit)."""
    scaling = MinMaxScaling([0.0, 3.0], [1.0, 3.0], feature_range=(0.0, 1.0))
    scaled = scaling(np.array([[0.5, 3.0], [0.5, 4.0]], np.float32)).numpy()
    np.testing.assert_allclose(scaled, [[0.5, 0.0], [0.5, 1.0]], atol=1e-6)


def test_leaky_relu_is_dcgans():
    np.testing.assert_allclose(leaky_relu(np.array([-2.0, 0.0, 3.0])), [-0.4, 0.0, 3.0])


def test_image_generator_and_features_shapes():
    generator = decoder_network((28, 28, 1), latent_dim=5, hidden=(16, 8), name="g")
    images = generator(np.zeros((3, 5), np.float32))
    assert images.shape == (3, 28, 28, 1)
    assert float(np.max(np.abs(images))) <= 1.0  # tanh
    assert feature_stack((28, 28, 1), (4, 8), name="f")(images).shape == (3, 7 * 7 * 8)
    assert decoder_network((6,), 5, (8,), name="r")(np.zeros((2, 5))).shape == (2, 6)


def test_pair_critic_concatenates_its_branches():
    critic = PairDiscriminator(dense_stack((4,), name="a"), None, dense_stack((3,), name="joint"))
    logit, features = critic(np.ones((2, 6), np.float32), np.ones((2, 5), np.float32))
    assert logit.shape == (2,) and features.shape == (2, 3)
    assert critic.joint.layers[0].kernel.shape == (4 + 5, 3)


def test_shapes_the_gan_networks_cannot_take_are_refused():
    check_gan_shape((121,), (64, 128), "m")
    check_gan_shape((28, 28, 1), (64, 32), "m")
    with pytest.raises(DetectorError, match="m: images of 28x28 cannot go through 3 stride-2"):
        check_gan_shape((28, 28, 1), (64, 32, 16), "m")
    check_gan_shape((60, 1), (8,), "m", windows=True)  # windows, flattened into rows
    with pytest.raises(DetectorError, match="rows \\[features\\] or images"):
        check_gan_shape((60, 1), (8,), "m")
    with pytest.raises(DetectorError, match="rows \\[features\\], windows \\[steps, "
                                            "features\\] or images"):
        check_gan_shape((2, 60, 1, 1), (8,), "m", windows=True)
