"""Fence GAN: the shared detector checks on tiny rows and images models, and its own behaviour."""

from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf

import datasets
import zoo
from tests import helpers
from zoo import DetectorError, FenceGAN
from zoo.fencegan import dispersion_loss

TINY_ROWS = dict(latent_dim=4, generator_hidden=(8,), discriminator_hidden=(8,),
                 learning_rate=1e-3)
TINY_IMAGES = dict(latent_dim=4, generator_hidden=(8, 4), discriminator_hidden=(4, 8),
                   learning_rate=1e-3, generator_learning_rate=1e-3)


def dispersion_by_hand(generated: np.ndarray) -> float:
    """1 / mean_i ‖g_i - mean(g)‖₂ over samples flattened, in float64."""
    flat = np.asarray(generated, np.float64).reshape(len(generated), -1)
    return 1.0 / np.linalg.norm(flat - flat.mean(axis=0), axis=1).mean()


def test_shared_detector_checks_on_rows_and_images(digits, tmp_path):
    helpers.run_rows_and_images_checks(FenceGAN, TINY_ROWS, TINY_IMAGES, digits, tmp_path)


def test_paper_settings_for_rows_and_images(digits):
    tabular = SimpleNamespace(name="kdd99", kind="tabular", example_shape=(121,),
                              meta={"scaling": None})
    model = FenceGAN.for_dataset(tabular)
    model.compile()
    assert model.get_config() == FenceGAN(example_shape=(121,)).get_config()
    assert (model.latent_dim, model.generator_hidden, model.discriminator_hidden) == (
        32, (64, 128), (128, 64))
    assert (model.boundary, model.dispersion_weight, model.fake_weight) == (0.5, 15.0, 0.1)
    for player in FenceGAN.PLAYERS:
        optimizer = getattr(model, f"{player}_optimizer")
        assert float(optimizer.learning_rate) == pytest.approx(1e-4)
        assert float(optimizer.beta_1) == pytest.approx(0.5)
    assert model.generator(np.zeros((1, 32))).shape == (1, 121)

    images = zoo.get("fencegan").for_dataset(digits)
    images.compile()
    assert (images.boundary, images.dispersion_weight, images.fake_weight) == (0.1, 30.0, 0.1)
    assert float(images.discriminator_optimizer.learning_rate) == pytest.approx(1e-5)
    assert float(images.generator_optimizer.learning_rate) == pytest.approx(2e-5)
    assert images.generator(np.zeros((2, 32))).shape == (2, 8, 8, 1)
    assert images.discriminator(np.zeros((2, 8, 8, 1)))[0].shape == (2,)


def test_dispersion_is_one_over_the_mean_distance_to_the_centre():
    generated = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0], [0.0, 0.0, 1.0],
                          [-1.0, 2.0, 2.0]], np.float32)
    # centre (0.5, 1.5, 0.75): distances from it, summed and averaged by hand above
    assert float(dispersion_loss(generated)) == pytest.approx(dispersion_by_hand(generated),
                                                              rel=1e-5)
    images = np.random.default_rng(0).uniform(-1, 1, (5, 4, 4, 2)).astype(np.float32)
    assert float(dispersion_loss(images)) == pytest.approx(dispersion_by_hand(images), rel=1e-5)
    # the same points, farther apart: a smaller loss (the generator is pushed to spread out)
    assert float(dispersion_loss(3 * generated)) == pytest.approx(
        dispersion_by_hand(generated) / 3, rel=1e-5)


def test_train_step_logs_the_paper_losses_and_the_score_is_minus_the_logit():
    """One train step on a fixed z: the logged dispersion, encirclement and generator losses
    equal the formulas computed by hand from G before the step (D steps first, G's pass sees
    the updated D)."""
    x = helpers.correlated_rows(32)
    model = FenceGAN(example_shape=(6,), scaling=helpers.scaling_of(x), boundary=0.3,
                     dispersion_weight=2.0, **TINY_ROWS)
    model.build()
    model.compile()
    z = tf.constant(np.random.default_rng(1).normal(size=(32, 4)), tf.float32)
    model.sample_prior = lambda batch_size: z
    generated = model.generator(z).numpy()
    logs = {k: float(v) for k, v in model.train_step(tf.constant(x)).items()}

    assert logs["dispersion_loss"] == pytest.approx(dispersion_by_hand(generated), rel=1e-4)
    logit = model.logit(generated).numpy().astype(np.float64)  # D after its step
    probability = 1 / (1 + np.exp(-logit))
    encirclement = -np.mean(0.3 * np.log(probability) + 0.7 * np.log(1 - probability))
    assert logs["encirclement_loss"] == pytest.approx(encirclement, rel=1e-4)
    assert logs["g_loss"] == pytest.approx(encirclement + 2.0 * logs["dispersion_loss"],
                                           rel=1e-4)

    scores = model.score(x)
    np.testing.assert_allclose(scores, -model.logit(model.scale(x)).numpy(), rtol=1e-6)
    # higher score, lower D(x): the order of 1 - D(x)
    order = np.argsort(scores)
    real = 1 / (1 + np.exp(-model.logit(model.scale(x)).numpy()))
    assert np.all(np.diff(1 - real[order]) >= 0)


def test_the_generator_fences_a_blob_and_points_outside_score_above_its_centre():
    """On 2-D rows from N(0, I), after 480 steps at learning rate 1e-2, the generated samples
    ring the blob rather than imitate it, and D scores points 3 and 4 σ out, in 16 directions,
    above every point near the centre.

    The dispersion weight is in the units of the scaled space: its loss is 1 / distance, so
    keeping the reference 2-D experiment's balance (β = 15 for a blob of σ = 3 units) on a blob
    of σ = 0.25 scaled units (raw [-4, 4] onto [-1, 1]) takes β = 15 · 0.25 / 3 = 1.25. With it,
    seeds 0-15 all passed with a score margin of at least 6.3 (asserted: 2) and the 10% radius
    quantile of the generated samples at least 1.86 times the data's median radius (asserted:
    1.5); seed 0 is used here. After half as many steps the fence still had gaps.
    """
    x = np.random.default_rng(0).normal(size=(512, 2)).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = FenceGAN(example_shape=(2,), latent_dim=2, generator_hidden=(16, 16),
                     discriminator_hidden=(16, 16), dispersion_weight=1.25, learning_rate=1e-2,
                     scaling={"min": [-4.0, -4.0], "max": [4.0, 4.0]})
    model.build()
    model.compile()
    model.fit(x, batch_size=64, epochs=60, verbose=0)

    generated = model.scaler.inverse(model.generator(model.sample_prior(500))).numpy()
    data_median_radius = np.median(np.linalg.norm(x, axis=1))  # about 1.18
    assert np.quantile(np.linalg.norm(generated, axis=1), 0.1) > 1.5 * data_median_radius

    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    centre = np.random.default_rng(1).normal(scale=0.3, size=(16, 2)).astype(np.float32)
    normal_scores = model.score(centre)
    for radius in (3.0, 4.0):
        assert model.score(radius * ring).min() > normal_scores.max() + 2.0, radius


def test_bad_construction_is_refused_clearly(digits):
    for boundary in (0.0, 1.0, 1.5):
        with pytest.raises(DetectorError, match=r"boundary \(α\) must be in \(0, 1\), got"):
            FenceGAN(example_shape=(6,), boundary=boundary)
    with pytest.raises(DetectorError, match=r"dispersion_weight \(β\) must be >= 0, got -1"):
        FenceGAN(example_shape=(6,), dispersion_weight=-1)
    with pytest.raises(DetectorError, match=r"fake_weight \(γ\) must be > 0, got 0"):
        FenceGAN(example_shape=(6,), fake_weight=0)
    with pytest.raises(DetectorError, match="latent_dim must be at least 1, got 0"):
        FenceGAN(example_shape=(6,), latent_dim=0)
    with pytest.raises(DetectorError, match="images of 8x8 cannot go through 4 stride-2 layers"):
        FenceGAN.for_dataset(digits, generator_hidden=(8, 8, 8, 8))
    with pytest.raises(DetectorError, match="rows \\[features\\] or images"):
        FenceGAN(example_shape=(10, 1))
    with pytest.raises(DetectorError, match="FenceGAN models rows or images; dataset "
                                            "'synthetic' is series"):
        FenceGAN.for_dataset(datasets.load("synthetic"))
    with pytest.raises(DetectorError, match="FenceGAN has no argument encoder_hidden"):
        FenceGAN.for_dataset(digits, encoder_hidden=(8,))


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    """The dispersion's centre and mean distance span both replicas' samples.

    The shared check sets every random draw to zero, which would make all G(z) equal and the
    dispersion's gradient vanish; this subclass draws fixed, distinct z instead, numbered by
    their place in the global batch, so both strategies see the same set of z.
    """
    helpers.check_mirrored_step_matches_default(
        setup="""
            import datasets
            from zoo import FenceGAN

            class FixedPriorFenceGAN(FenceGAN):
                def sample_prior(self, batch_size):
                    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
                    first = tf.cast(replica, tf.int32) * batch_size
                    index = tf.cast(first + tf.range(batch_size), tf.float32)[:, None]
                    return tf.sin(index * tf.range(1, self.latent_dim + 1, dtype=tf.float32))

            ds = datasets.load("digits", anomaly_digits=[0])
        """,
        build=("FixedPriorFenceGAN.for_dataset(ds, latent_dim=4, generator_hidden=(8, 4), "
               "discriminator_hidden=(4, 8))"),
        data='np.ascontiguousarray(ds.examples("train")[0][:16])')
