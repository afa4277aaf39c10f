"""The shared latent inversion: batched equals one at a time, it finds better latents, and the
fast modes (an encoder's start, fewer steps, early stop, XLA) of the three inversion models."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

import zoo
from tests import helpers
from tests.zoo import test_anogan, test_ganrl, test_tanogan
from zoo import AnoGAN, export, inversion


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
    batched, z_batched, _ = inversion.invert(x, z0, **args)
    alone = [inversion.invert(x[i:i + 1], z0[i:i + 1], **args) for i in range(7)]
    np.testing.assert_allclose(batched.numpy(), np.concatenate([a.score.numpy() for a in alone]),
                               rtol=1e-5)
    np.testing.assert_allclose(z_batched.numpy(), np.concatenate([a.z.numpy() for a in alone]),
                               atol=1e-6)


def test_inversion_lowers_the_loss_and_reaches_a_generated_point():
    generator, features = _tiny_gan()
    target_z = tf.random.normal((16, 3), stddev=0.5, seed=3)
    x = generator(target_z)  # inputs the generator can make exactly
    z0 = tf.zeros((16, 3))
    feature_fn = lambda v: [features(v)]  # noqa: E731
    start = inversion.inversion_loss(x, generator(z0), feature_fn(x), feature_fn(generator(z0)),
                                     [0.1])
    score, _, _ = inversion.invert(x, z0, generator, feature_fn, [0.1], steps=200,
                                learning_rate=5e-2)
    assert np.all(score.numpy() < start.numpy())
    assert float(tf.reduce_mean(score)) < 0.1 * float(tf.reduce_mean(start))


def test_score_weights_residual_and_features_as_the_paper():
    x = tf.constant([[1.0, -1.0]])
    generated = tf.constant([[0.5, -0.5]])  # residual Σ|x - G(z)| = 1
    score = inversion.inversion_loss(x, generated, [tf.constant([[2.0]])], [tf.constant([[0.0]])],
                                     [0.1])  # discrimination term = 2
    assert float(score[0]) == np.float32(0.9 * 1.0 + 0.1 * 2.0)


# ----- the fast modes of the inversion models (zoo.inversion.LatentInversion) -----------------

def weights_digest(variables) -> list[np.ndarray]:
    return [v.numpy().copy() for v in variables]


@pytest.fixture(params=["tanogan", "anogan", "ganrl"])
def inversion_model(request, short_windows):
    """(a tiny built and compiled inversion model with an encoder of 2 epochs, its training
    inputs, inputs to score)."""
    ds, x_train, x_test, _ = short_windows
    keras.utils.set_random_seed(0)
    if request.param == "anogan":
        x = helpers.correlated_rows()
        model = helpers.rows_model(AnoGAN, **{**test_anogan.TINY_ROWS, "encoder_epochs": 2})
        x_train, x_eval = x, x[:8]
    else:
        tiny = test_tanogan.TINY if request.param == "tanogan" else test_ganrl.TINY
        model = zoo.get(request.param).for_dataset(ds, **{**tiny, "encoder_epochs": 2})
        x_eval = x_test[:8]
    model.compile()
    return model, x_train, x_eval


def test_fit_trains_the_encoder_after_the_gan_and_leaves_g_and_d_alone(inversion_model):
    model, x_train, _ = inversion_model
    model.fit(x_train, batch_size=16, epochs=1, verbose=0)
    players = {p: weights_digest(model.player_variables(p)) for p in model.PLAYERS}
    encoder = weights_digest(model.encoder.trainable_variables)
    history = model.fit_encoder(x_train, batch_size=16, verbose=0)
    assert len(history.history["encoder_loss"]) == 2 and bool(model.encoder_trained.numpy())
    assert history.history["encoder_loss"][-1] < history.history["encoder_loss"][0]
    for player, before in players.items():
        for a, b in zip(before, model.player_variables(player)):
            np.testing.assert_array_equal(a, b.numpy(), err_msg=player)
    assert any(not np.array_equal(a, b.numpy())
               for a, b in zip(encoder, model.encoder.trainable_variables))


def test_zero_steps_from_the_encoder_is_the_score_at_g_of_e_of_x(inversion_model):
    model, x_train, x_eval = inversion_model
    model.fit(x_train, batch_size=16, epochs=1, verbose=0)
    model.set_scoring(steps=0, start="encoder")
    x = model.scale(x_eval)
    generated = model.generator(model.encoder(x))
    by_hand = (1 - sum(model.inversion_feature_weights)) * np.abs(
        np.reshape(x - generated, (len(x_eval), -1))).sum(axis=1)
    for weight, real, fake in zip(model.inversion_feature_weights, model.inversion_features(x),
                                  model.inversion_features(generated)):
        by_hand += weight * np.abs(np.reshape(real - fake, (len(x_eval), -1))).sum(axis=1)
    np.testing.assert_allclose(model.score(x_eval), by_hand, rtol=1e-5, atol=1e-6)


def test_the_compiled_search_gives_the_papers_scores(inversion_model):
    """XLA changes how the search runs, not what it finds: same start, same steps, same
    scores (float tolerance)."""
    model, x_train, x_eval = inversion_model
    model.fit(x_train, batch_size=16, epochs=1, verbose=0)
    for start in ("prior", "encoder"):
        model.set_scoring(start=start, steps=5, jit=False)
        plain = model.score(x_eval)
        model.set_scoring(jit=True)
        np.testing.assert_allclose(model.score(x_eval), plain, rtol=1e-4, atol=1e-5)


def test_a_fast_export_serves_its_mode_in_a_new_process(inversion_model, tmp_path):
    model, x_train, x_eval = inversion_model
    model.fit(x_train, batch_size=16, epochs=1, verbose=0)
    model.set_scoring(start="encoder", steps=3, tolerance=1e-3, jit=True)
    model.calibrate(x_train)
    output = helpers.check_export_new_process(model, x_eval, tmp_path)  # scores to 1e-5
    reloaded, _ = export.load(output)
    assert (reloaded.inversion_start, reloaded.inversion_steps, reloaded.inversion_jit) == (
        "encoder", 3, True)
    np.testing.assert_allclose(reloaded.score(x_eval), model.score(x_eval), rtol=1e-5)


def test_scoring_from_an_untrained_encoder_is_refused(short_windows):
    ds, _, x_test, _ = short_windows
    model = zoo.get("tanogan").for_dataset(ds, **test_tanogan.TINY, encoder_epochs=1,
                                           inversion_start="encoder")
    with pytest.raises(zoo.DetectorError, match="the encoder is not trained yet"):
        model.score(x_test[:2])
    with pytest.raises(zoo.DetectorError, match="needs an encoder"):
        zoo.get("tanogan").for_dataset(ds, inversion_start="encoder")


def test_early_stop_never_runs_more_steps_than_asked():
    generator, features = _tiny_gan()
    x = tf.random.uniform((9, 5), -1, 1, seed=4)
    z0 = tf.zeros((9, 3))
    args = dict(generator=generator, features=lambda v: [features(v)], feature_weights=[0.1],
                learning_rate=1e-2)
    every = inversion.invert(x, z0, steps=40, **args)
    assert np.all(every.steps.numpy() == 40)
    stopped = inversion.invert(x, z0, steps=40, tolerance=1e-3, **args)
    assert np.all(stopped.steps.numpy() <= 40) and np.any(stopped.steps.numpy() < 40)
    # an input stops on the first step that improves it by less than the tolerance
    at_once = inversion.invert(x, z0, steps=40, tolerance=1e9, **args)
    assert np.all(at_once.steps.numpy() == 1)
    assert np.all(inversion.invert(x, z0, steps=0, **args).steps.numpy() == 0)
