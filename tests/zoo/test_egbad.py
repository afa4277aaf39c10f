"""EGBAD: the shared detector checks on tiny rows and images models, and its own behaviour."""

import numpy as np
import pytest

import datasets
import zoo
from tests import helpers
from zoo import EGBAD, DetectorError

TINY_ROWS = dict(latent_dim=4, generator_hidden=(8,), encoder_hidden=(8,),
                 discriminator_hidden=(8,), discriminator_latent_hidden=(8,),
                 discriminator_joint_hidden=(8,), learning_rate=1e-3)
TINY_IMAGES = dict(latent_dim=4, generator_hidden=(8, 4), encoder_hidden=(4, 8),
                   discriminator_hidden=(4, 8), discriminator_latent_hidden=(8,),
                   discriminator_joint_hidden=(8,))


def test_shared_detector_checks_on_rows_and_images(digits, tmp_path):
    helpers.run_rows_and_images_checks(EGBAD, TINY_ROWS, TINY_IMAGES, digits, tmp_path)


def test_shared_detector_checks_on_windows_of_a_series(short_windows, tmp_path):
    helpers.run_windows_checks(EGBAD, TINY_ROWS, short_windows, tmp_path)


def test_windows_go_through_the_row_networks_flattened(short_windows):
    ds = short_windows[0]
    model = zoo.get("egbad").for_dataset(ds)
    steps, features = ds.example_shape
    assert model.learning_rate == pytest.approx(1e-4)  # GAN+RL's EGBAD benchmark on NAB
    assert model.encoder(np.zeros((2, steps, features))).shape == (2, 32)
    assert model.generator(np.zeros((2, 32))).shape == (2, steps, features)
    assert model.generator.layers[-2].units == steps * features


def test_shifted_windows_score_above_normal(short_windows):
    helpers.check_shifted_windows_score_above_normal(EGBAD, TINY_ROWS, short_windows, ranges=3.0)


def test_paper_settings_for_rows_and_images(digits):
    model = EGBAD(example_shape=(121,))
    model.build()
    model.compile()
    assert (model.latent_dim, model.score_weight) == (32, 0.1)
    assert float(model.discriminator_optimizer.learning_rate) == pytest.approx(1e-5)
    assert float(model.encoder_optimizer.beta_1) == pytest.approx(0.5)
    assert model.generator(np.zeros((1, 32))).shape == (1, 121)
    images = zoo.get("egbad").for_dataset(digits)
    assert images.generator(np.zeros((2, 32))).shape == (2, 8, 8, 1)
    assert images.encoder(np.zeros((2, 8, 8, 1))).shape == (2, 32)


def test_both_scores_weigh_the_residual_by_one_minus_alpha():
    x = helpers.correlated_rows()
    model = EGBAD(example_shape=(6,), scaling=helpers.scaling_of(x), **TINY_ROWS)
    model.build()
    scaled = model.scale(x[:5])
    residual = np.abs(scaled - model.generator(model.encoder(scaled))).sum(axis=1)
    scores = {k: v.numpy() for k, v in model.anomaly_scores(scaled).items()}
    # the cross-entropy term -log σ(logit) is positive, the feature distance non-negative
    assert np.all(scores["cross-entropy"] > 0.9 * residual)
    assert np.all(scores["feature-matching"] >= 0.9 * residual - 1e-5)
    model.score_weight = 0.0
    for method_scores in model.anomaly_scores(scaled).values():
        np.testing.assert_allclose(method_scores, residual, rtol=1e-5)


def test_shifted_images_score_above_normal_ones(digits):
    helpers.check_shifted_digits_score_above_normal(EGBAD, TINY_IMAGES, digits)


def test_a_linear_generator_reaches_unscaled_values_and_round_trips():
    # The reference code's setting: unscaled features, so G must reach beyond tanh's [-1, 1].
    model = EGBAD(example_shape=(6,), generator_activation="linear", **TINY_ROWS)
    model.build()
    far = model.generator(np.full((4, 4), 50.0, np.float32)).numpy()
    assert np.abs(far).max() > 1.0
    assert EGBAD.from_config(model.get_config()).generator_activation == "linear"
    tanh = EGBAD(example_shape=(6,), **TINY_ROWS)
    tanh.build()
    assert np.abs(tanh.generator(np.full((4, 4), 50.0, np.float32)).numpy()).max() <= 1.0


def test_bad_construction_is_refused_clearly(digits):
    with pytest.raises(DetectorError, match="score_method must be one of cross-entropy, "
                                            "feature-matching"):
        EGBAD(example_shape=(6,), score_method="l2")
    with pytest.raises(DetectorError, match="generator_activation must be one of tanh, linear"):
        EGBAD(example_shape=(6,), generator_activation="relu")
    with pytest.raises(DetectorError, match="images of 8x8 cannot go through 4 stride-2 layers"):
        EGBAD.for_dataset(digits, generator_hidden=(8, 8, 8, 8))
    with pytest.raises(DetectorError, match="rows \\[features\\], windows"):
        EGBAD(example_shape=(10, 1, 1, 1))
    with pytest.raises(DetectorError, match="EGBAD models rows or windows of a series or "
                                            "images; dataset 'hdfs-like' is sessions"):
        EGBAD.for_dataset(datasets.from_arrays("sessions", np.ones((40, 5), np.int64),
                                               name="hdfs-like"))


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    helpers.check_mirrored_step_matches_default(
        setup="""
            import datasets
            from zoo import EGBAD
            ds = datasets.load("digits", anomaly_digits=[0])
        """,
        build=("EGBAD.for_dataset(ds, latent_dim=4, generator_hidden=(8, 4), "
               "encoder_hidden=(4, 8), discriminator_hidden=(4, 8), "
               "discriminator_latent_hidden=(8,), discriminator_joint_hidden=(8,))"),
        data='np.ascontiguousarray(ds.examples("train")[0][:16])')
