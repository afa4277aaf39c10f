"""GANomaly: the shared detector checks on tiny rows and images models, and its own behaviour."""

from types import SimpleNamespace

import keras
import numpy as np
import pytest

import datasets
import zoo
from tests import helpers
from zoo import DetectorError, GANomaly

TINY_ROWS = dict(latent_dim=4, encoder_hidden=(8,), decoder_hidden=(8,),
                 discriminator_hidden=(8,), learning_rate=1e-3)
TINY_IMAGES = dict(latent_dim=4, encoder_hidden=(4, 8), decoder_hidden=(8, 4),
                   discriminator_hidden=(4, 8))


def test_shared_detector_checks_on_rows_and_images(digits, tmp_path):
    helpers.run_rows_and_images_checks(GANomaly, TINY_ROWS, TINY_IMAGES, digits, tmp_path)


def test_paper_settings_for_rows_and_images(digits):
    kdd_like = SimpleNamespace(name="kdd99", kind="tabular", example_shape=(121,),
                               meta={"scaling": None})
    model = GANomaly.for_dataset(kdd_like)
    model.compile()
    assert (model.adversarial_weight, model.contextual_weight, model.encoder_weight) == (
        1.0, 50.0, 1.0)
    assert tuple(model.PLAYERS) == ("generator", "discriminator")
    for player in model.PLAYERS:
        optimizer = getattr(model, f"{player}_optimizer")
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
        assert float(optimizer.beta_1) == pytest.approx(0.5)
    assert (model.encoder_hidden, model.decoder_hidden, model.discriminator_hidden) == (
        (64,), (64, 128), (128, 64))
    z = model.encoder(np.zeros((2, 121)))
    assert z.shape == (2, 32)
    assert model.decoder(z).shape == (2, 121)
    assert model.second_encoder(model.decoder(z)).shape == (2, 32)
    logit, features = model.discriminator(np.zeros((2, 121)))
    assert (logit.shape, features.shape) == ((2,), (2, 64))
    # the generator player is all three networks of the generator, and nothing of D's
    generator_ids = {id(v) for v in model.player_variables("generator")}
    assert len(generator_ids) == len(model.encoder.trainable_variables) + len(
        model.decoder.trainable_variables) + len(model.second_encoder.trainable_variables)
    assert not generator_ids & {id(v) for v in model.player_variables("discriminator")}

    images = zoo.get("ganomaly").for_dataset(digits)
    z = images.encoder(np.zeros((2, 8, 8, 1)))
    assert z.shape == (2, 32)
    assert images.decoder(z).shape == (2, 8, 8, 1)
    assert images.second_encoder(images.decoder(z)).shape == (2, 32)
    assert images.discriminator(np.zeros((2, 8, 8, 1)))[1].shape == (2, 2 * 2 * 64)


def test_score_is_the_l1_distance_of_the_two_encodings():
    x = helpers.correlated_rows()
    keras.utils.set_random_seed(0)
    model = GANomaly(example_shape=(6,), scaling=helpers.scaling_of(x), **TINY_ROWS)
    model.build()
    scaled = model.scale(x[:5])
    z = model.encoder(scaled).numpy()
    z_again = model.second_encoder(model.decoder(z)).numpy()
    expected = np.abs(z - z_again).sum(axis=1)
    np.testing.assert_allclose(model.score(x[:5]), expected, rtol=1e-5, atol=1e-6)
    assert np.all(expected > 0)
    # D takes no part in the score
    for weight in model.discriminator.trainable_variables:
        weight.assign(weight + 1.0)
    np.testing.assert_allclose(model.score(x[:5]), expected, rtol=1e-5, atol=1e-6)


def test_training_on_digits_lowers_the_contextual_loss(digits):
    # The latent-distance score has no floor for out-of-range inputs (unlike a residual through
    # a tanh generator; a tiny model here ranked inputs shifted 3 ranges out below normal ones),
    # so assert what training must do: x̂ comes closer to x, on normal digits it has not seen.
    x, _ = digits.examples("train")
    normal = digits.test.x[digits.test.y == 0][:100]
    keras.utils.set_random_seed(1)
    model = GANomaly.for_dataset(digits)  # the paper's image networks: fast on 8x8 digits
    model.compile()

    def contextual_loss() -> float:
        # batch statistics, as in training: after 2 epochs BN's moving averages still lag
        scaled = model.scale(normal)
        return float(np.mean(np.abs(scaled - model.reconstruct(scaled, training=True)[1])))

    before = contextual_loss()
    history = model.fit(x, batch_size=32, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "adv_loss", "con_loss", "enc_loss"}
    assert history.history["con_loss"][1] < history.history["con_loss"][0]
    assert contextual_loss() < 0.6 * before  # 0.85 -> 0.37 at seed 1
    # the logged generator loss is the weighted sum of its parts (epoch means, weights 1/50/1)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert logs["g_loss"] == pytest.approx(
        logs["adv_loss"] + 50.0 * logs["con_loss"] + logs["enc_loss"], rel=1e-4)



def test_rows_off_the_normal_correlations_rank_above_normal_ones():
    """Seeded: like any GAN, GANomaly can fail to train on a seed (see the helper)."""
    helpers.check_planted_rows_rank_above_normal(GANomaly, TINY_ROWS, seed=2, floor=0.8)

def test_bad_construction_is_refused_clearly(digits):
    with pytest.raises(DetectorError, match="contextual_weight must be a finite number >= 0, "
                                            "got -1.0"):
        GANomaly(example_shape=(6,), contextual_weight=-1.0)
    with pytest.raises(DetectorError, match="latent_dim must be at least 1, got 0"):
        GANomaly(example_shape=(6,), latent_dim=0)
    with pytest.raises(DetectorError, match="encoder_hidden must list at least one"):
        GANomaly(example_shape=(6,), encoder_hidden=())
    with pytest.raises(DetectorError, match="images of 8x8 cannot go through 4 stride-2 layers"):
        GANomaly.for_dataset(digits, decoder_hidden=(8, 8, 8, 8))
    with pytest.raises(DetectorError, match="rows \\[features\\] or images"):
        GANomaly(example_shape=(10, 1))
    with pytest.raises(DetectorError, match="GANomaly models rows or images; dataset "
                                            "'synthetic' is series"):
        GANomaly.for_dataset(datasets.load("synthetic"))
    with pytest.raises(DetectorError, match="GANomaly has no argument score_weight"):
        GANomaly.for_dataset(digits, score_weight=0.1)


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    helpers.check_mirrored_step_matches_default(
        setup="""
            import datasets
            from zoo import GANomaly
            ds = datasets.load("digits", anomaly_digits=[0])
        """,
        build=("GANomaly.for_dataset(ds, latent_dim=4, encoder_hidden=(4, 8), "
               "decoder_hidden=(8, 4), discriminator_hidden=(4, 8))"),
        data='np.ascontiguousarray(ds.examples("train")[0][:16])')
