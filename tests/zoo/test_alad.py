"""ALAD: the shared detector checks on tiny rows and images models, and its own behaviour."""

import keras
import numpy as np
import pytest

import datasets
import zoo
from tests import helpers
from zoo import ALAD, DetectorError

TINY_ROWS = dict(latent_dim=4, generator_hidden=(8,), encoder_hidden=(8,), xz_hidden=(8,),
                 xz_latent_hidden=(8,), xz_joint_hidden=(8,), xx_hidden=(8,), zz_hidden=(4,),
                 learning_rate=1e-3)
TINY_IMAGES = dict(latent_dim=4, generator_hidden=(8, 4), encoder_hidden=(4, 8),
                   xz_hidden=(4, 8), xz_latent_hidden=(8,), xz_joint_hidden=(8,),
                   xx_hidden=(4, 8), zz_hidden=(4,))


def test_shared_detector_checks_on_rows_and_images(digits, tmp_path):
    helpers.run_rows_and_images_checks(ALAD, TINY_ROWS, TINY_IMAGES, digits, tmp_path)


def test_reference_settings_for_rows_and_images(digits):
    model = ALAD(example_shape=(121,))
    model.build()
    model.compile()
    assert model.latent_dim == 32 and model.spectral_norm
    assert float(model.discriminator_optimizer.learning_rate) == pytest.approx(1e-5)
    assert model.discriminator_zz.joint.layers[0].layer.units == 32  # spectrally normalised
    images = zoo.get("alad").for_dataset(digits)
    assert images.generator(np.zeros((2, 32))).shape == (2, 8, 8, 1)
    # D_xx convolves x and x' stacked on the channel axis
    assert images.discriminator_xx.joint.layers[0].layer.kernel.shape[2] == 2


def test_score_is_the_l1_distance_of_d_xx_features():
    x = helpers.correlated_rows()[:5]
    model = helpers.rows_model(ALAD, **TINY_ROWS)
    scaled = model.scale(x)
    _, real = model.discriminator_xx(scaled, scaled)
    _, rebuilt = model.discriminator_xx(scaled, model.generator(model.encoder(scaled)))
    np.testing.assert_allclose(model.score(x), np.abs(real - rebuilt).sum(axis=1), rtol=1e-5)


def test_spectral_normalisation_keeps_discriminator_kernels_at_unit_norm():
    """Training steps at a high learning rate leave each spectrally normalised kernel with its
    largest singular value at 1 (up to the power iteration's estimate), while the kernels of
    the generator, not normalised, move off it."""
    x = helpers.correlated_rows(512)
    keras.utils.set_random_seed(0)
    model = helpers.rows_model(ALAD, **{**TINY_ROWS, "learning_rate": 5e-2})
    model.compile()
    model.fit(x, batch_size=32, epochs=3, verbose=0)
    critics = (model.discriminator_xz, model.discriminator_xx, model.discriminator_zz)
    normalised = [layer for critic in critics for layer in critic._flatten_layers()
                  if isinstance(layer, keras.layers.SpectralNormalization)]
    assert len(normalised) == 8  # xz: x, z, joint, logit; xx: joint, logit; zz: joint, logit
    for layer in normalised:
        assert np.linalg.norm(layer.layer.kernel.numpy(), 2) == pytest.approx(1.0, abs=0.05)
    generator_kernel = model.generator.layers[0].layers[0].kernel.numpy()
    assert abs(np.linalg.norm(generator_kernel, 2) - 1.0) > 0.1



def test_rows_off_the_normal_correlations_rank_above_normal_ones():
    """Seeded: like any GAN, ALAD can fail to train on a seed (see the helper)."""
    helpers.check_planted_rows_rank_above_normal(ALAD, TINY_ROWS, seed=0, floor=0.7)

def test_bad_construction_is_refused_clearly(digits):
    with pytest.raises(DetectorError, match="images of 8x8 cannot go through 4 stride-2 layers"):
        ALAD.for_dataset(digits, generator_hidden=(8, 8, 8, 8))
    with pytest.raises(DetectorError, match="ALAD models rows or images"):
        ALAD.for_dataset(datasets.load("synthetic"))


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    helpers.check_mirrored_step_matches_default(
        setup="""
            from tests.helpers import correlated_rows, rows_model
            from zoo import ALAD
        """,
        build=("rows_model(ALAD, latent_dim=4, generator_hidden=(8,), encoder_hidden=(8,), "
               "xz_hidden=(8,), xz_latent_hidden=(8,), xz_joint_hidden=(8,), xx_hidden=(8,), "
               "zz_hidden=(4,))"),
        data="correlated_rows()[:16]")
