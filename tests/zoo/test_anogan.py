"""AnoGAN: the shared detector checks on tiny rows and images models, and its own behaviour."""

import numpy as np
import pytest

import datasets
import zoo
from tests import helpers
from zoo import AnoGAN, DetectorError, inversion

TINY_ROWS = dict(latent_dim=4, generator_hidden=(8,), discriminator_hidden=(8,),
                 inversion_steps=5, learning_rate=1e-3)
TINY_IMAGES = dict(latent_dim=4, generator_hidden=(8, 4), discriminator_hidden=(4, 8),
                   inversion_steps=5)


def test_shared_detector_checks_on_rows_and_images(digits, tmp_path):
    helpers.run_rows_and_images_checks(AnoGAN, TINY_ROWS, TINY_IMAGES, digits, tmp_path)


def test_paper_settings(digits):
    model = zoo.get("anogan").for_dataset(digits)
    model.compile()
    assert (model.feature_weight, model.latent_dim) == (0.1, 32)
    assert float(model.generator_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(model.generator_optimizer.beta_1) == pytest.approx(0.5)
    assert model.generator(np.zeros((2, 32))).shape == (2, 8, 8, 1)


def test_score_is_the_inversion_loss_at_the_latent_reached():
    """The score is (1 - λ)·residual + λ·feature distance at the z the inversion ends on, and
    an input's score does not depend on its batch."""
    x = helpers.correlated_rows()[:6]
    model = helpers.rows_model(AnoGAN, **{**TINY_ROWS, "inversion_steps": 20})
    scaled = model.scale(x)
    start = np.tile(np.random.default_rng(0).normal(size=(1, 4)), (6, 1)).astype(np.float32)
    score, z, _ = inversion.invert(scaled, start, model.generator,
                                lambda v: [model.discriminator(v)[1]], feature_weights=[0.1],
                                steps=20)
    generated = model.generator(z)
    by_hand = (0.9 * np.abs(scaled - generated).sum(axis=1)
               + 0.1 * np.abs(model.discriminator(scaled)[1]
                              - model.discriminator(generated)[1]).sum(axis=1))
    np.testing.assert_allclose(score, by_hand, rtol=1e-5)
    together = model.score(x)
    alone = np.concatenate([model.score(x[i:i + 1]) for i in range(6)])
    np.testing.assert_allclose(together, alone, rtol=1e-5)


def test_shifted_images_score_above_normal_ones(digits):
    helpers.check_shifted_digits_score_above_normal(AnoGAN, TINY_IMAGES, digits)


def test_bad_construction_is_refused_clearly(digits):
    with pytest.raises(DetectorError, match="feature_weight \\(λ\\) must be in \\[0, 1\\]"):
        AnoGAN(example_shape=(6,), feature_weight=2.0)
    with pytest.raises(DetectorError, match="inversion_steps must be an integer >= 0"):
        AnoGAN(example_shape=(6,), inversion_steps=-1)
    with pytest.raises(DetectorError, match="AnoGAN models rows or images"):
        AnoGAN.for_dataset(datasets.load("synthetic"))


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    helpers.check_mirrored_step_matches_default(
        setup="""
            import datasets
            from zoo import AnoGAN
            ds = datasets.load("digits", anomaly_digits=[0])
        """,
        build=("AnoGAN.for_dataset(ds, latent_dim=4, generator_hidden=(8, 4), "
               "discriminator_hidden=(4, 8))"),
        data='np.ascontiguousarray(ds.examples("train")[0][:16])')
