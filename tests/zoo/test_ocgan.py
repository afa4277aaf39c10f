"""OCGAN: the shared detector checks on tiny rows and images models, and its own behaviour."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import datasets
import zoo
from tests import helpers
from zoo import OCGAN, DetectorError

TINY_ROWS = dict(latent_dim=4, encoder_hidden=(8,), decoder_hidden=(8,),
                 visual_discriminator_hidden=(8,), latent_discriminator_hidden=(8,),
                 classifier_hidden=(8,), mining_steps=2, learning_rate=1e-3)
TINY_IMAGES = dict(latent_dim=4, encoder_hidden=(4, 8), decoder_hidden=(8, 4),
                   visual_discriminator_hidden=(4, 8), latent_discriminator_hidden=(8,),
                   classifier_hidden=(4, 8), mining_steps=2)


def test_shared_detector_checks_on_rows_and_images(digits, tmp_path):
    helpers.run_rows_and_images_checks(OCGAN, TINY_ROWS, TINY_IMAGES, digits, tmp_path)


def test_paper_settings_for_images_and_rows(digits):
    model = zoo.get("ocgan").for_dataset(digits)
    model.compile()
    assert (model.latent_dim, model.noise_std, model.reconstruction_weight) == (32, 0.2, 10.0)
    assert (model.mining_steps, model.mining_learning_rate) == (5, 1.0)
    for player in OCGAN.PLAYERS:
        optimizer = getattr(model, f"{player}_optimizer")
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
        assert float(optimizer.beta_1) == pytest.approx(0.5)
    assert model.encoder(np.zeros((2, 8, 8, 1))).shape == (2, 32)
    assert model.decoder(np.zeros((2, 32))).shape == (2, 8, 8, 1)
    assert model.latent_discriminator(np.zeros((2, 32)))[0].shape == (2,)
    table = OCGAN(example_shape=(121,), encoder_hidden=(64,), decoder_hidden=(64, 128),
                  visual_discriminator_hidden=(128, 64), classifier_hidden=(128, 64))
    table.build()
    assert table.decoder(np.zeros((1, 32))).shape == (1, 121)
    assert table.classifier(np.zeros((3, 121)))[0].shape == (3,)


def test_latents_are_bounded_and_scores_are_the_reconstruction_error():
    x = helpers.correlated_rows()
    model = OCGAN(example_shape=(6,), scaling=helpers.scaling_of(x), **TINY_ROWS)
    model.build()
    far = model.scale(np.concatenate([x[:8], 1e3 * x[:8]]))
    latents = model.encoder(far).numpy()
    assert np.all(np.abs(latents) <= 1.0) and np.abs(latents).max() > 0.99  # tanh saturates
    scaled = model.scale(x[:5])
    expected = np.mean((scaled - model.decoder(model.encoder(scaled))) ** 2, axis=1)
    np.testing.assert_allclose(model.score(x[:5]), expected, rtol=1e-5)


def test_mining_moves_latents_towards_the_classifiers_negatives(digits):
    x, _ = digits.examples("train")
    keras.utils.set_random_seed(2)
    model = OCGAN.for_dataset(digits, **{**TINY_IMAGES, "mining_steps": 5})
    model.compile()
    model.fit(x[:256], batch_size=32, epochs=1, verbose=0)
    u = tf.random.uniform((64, 4), -1.0, 1.0, seed=3)
    mined = model.mine_negatives(u).numpy()
    assert np.all(np.abs(mined) <= 1.0)
    assert not np.allclose(mined, u.numpy())

    def positive_logit(latents):
        return model.classifier(model.decoder(latents, training=True))[0].numpy().mean()

    assert positive_logit(mined) < positive_logit(u) - 1e-3
    model.mining_steps = 0
    np.testing.assert_array_equal(model.mine_negatives(u).numpy(), u.numpy())


def test_shifted_images_score_above_normal_ones(digits):
    helpers.check_shifted_digits_score_above_normal(OCGAN, TINY_IMAGES, digits, epochs=1,
                                                    max_train=512)


def test_bad_construction_is_refused_clearly(digits):
    with pytest.raises(DetectorError, match="images of 8x8 cannot go through 4 stride-2 layers"):
        OCGAN.for_dataset(digits, decoder_hidden=(8, 8, 8, 8))
    with pytest.raises(DetectorError, match="rows \\[features\\] or images"):
        OCGAN(example_shape=(10, 1))
    with pytest.raises(DetectorError, match="OCGAN models images or rows"):
        OCGAN.for_dataset(datasets.load("synthetic"))
    with pytest.raises(DetectorError, match="noise_std must be >= 0, got -0.1"):
        OCGAN(example_shape=(6,), noise_std=-0.1)
    with pytest.raises(DetectorError, match="mining_steps and mining_learning_rate must be"):
        OCGAN(example_shape=(6,), mining_steps=-1)
    with pytest.raises(DetectorError, match="classifier_hidden must list at least one"):
        OCGAN(example_shape=(6,), classifier_hidden=())
    with pytest.raises(DetectorError, match="latent_dim must be at least 1"):
        OCGAN(example_shape=(6,), latent_dim=0)
    with pytest.raises(DetectorError, match="OCGAN has no argument gp_weight"):
        OCGAN.for_dataset(digits, gp_weight=10.0)
    with pytest.raises(DetectorError, match="it takes autoencoder_optimizer, classifier_"):
        OCGAN(example_shape=(6,), **TINY_ROWS).compile(generator_optimizer=None)


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    # The helper replaces keras.random.normal (the input noise) by zeros; the uniform latents
    # get the same treatment here, so both strategies see the same draws.
    helpers.check_mirrored_step_matches_default(
        setup="""
            import datasets
            from zoo import OCGAN
            keras.random.uniform = lambda shape, *args, **kwargs: tf.zeros(shape)
            ds = datasets.load("digits", anomaly_digits=[0])
        """,
        build=("OCGAN.for_dataset(ds, latent_dim=4, encoder_hidden=(4, 8), "
               "decoder_hidden=(8, 4), visual_discriminator_hidden=(4, 8), "
               "latent_discriminator_hidden=(8,), classifier_hidden=(4, 8), mining_steps=2)"),
        data='np.ascontiguousarray(ds.examples("train")[0][:16])')
