"""GAN+RL: the shared detector checks on a tiny model, and its two stages."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import datasets
import zoo
from tests import helpers
from zoo import DetectorError, GANRL

TINY = dict(generator_hidden=(16,), conv_filters=(8, 8), lstm_units=8, dense_units=(8,),
            critic_hidden=(16, 8), critic_steps=2, inversion_steps=5)


def weights_of(variables) -> list[np.ndarray]:
    return [v.numpy().copy() for v in variables]


def unchanged(before: list[np.ndarray], variables) -> bool:
    return all(np.array_equal(b, v.numpy()) for b, v in zip(before, variables))


def test_shared_detector_checks(short_windows, tmp_path):
    helpers.run_windows_checks(GANRL, TINY, short_windows, tmp_path)


def test_paper_settings_for_a_series():
    model = zoo.get("ganrl").for_dataset(datasets.load("synthetic"))
    assert model.example_shape == (60, 1)
    convolutions = [layer for layer in model.extractor.layers
                    if isinstance(layer, keras.layers.Conv1D)]
    assert [(c.filters, c.kernel_size[0], c.strides[0]) for c in convolutions] == [(64, 5, 1)] * 2
    lstm = model.extractor.layers[-1]
    assert lstm.units == 64 and lstm.return_sequences  # h_1:T, not only h_T
    assert model.hidden_states(tf.zeros((2, 60, 1))).shape == (2, 15, 64)
    assert model.critic_steps == 5 and model.gradient_penalty == 10.0
    assert sum(model.feature_weights) == pytest.approx(0.1) and len(model.feature_weights) == 2
    model.compile()
    assert float(model.critic_optimizer.beta_2) == 0.9
    assert model.optimizer is None


def test_stage_one_trains_the_extractor_alone_then_fit_leaves_it_frozen(short_windows):
    ds, x_train, _, _ = short_windows
    keras.utils.set_random_seed(0)
    model = GANRL.for_dataset(ds, **TINY)
    model.compile()
    gan = model.player_variables("generator") + model.player_variables("critic")
    gan_before = weights_of(gan)
    history = model.pretrain(x_train, batch_size=16, epochs=3, verbose=0)
    assert unchanged(gan_before, gan)
    assert bool(model.extractor_pretrained.numpy())
    # Uniform noise is far from a smooth series: a few epochs tell them apart.
    assert history.history["extractor_accuracy"][-1] > 0.9, history.history
    assert history.history["extractor_loss"][-1] < history.history["extractor_loss"][0]

    extractor_before = weights_of(model.extractor_variables())
    model.fit(x_train, batch_size=16, epochs=1, verbose=0)  # no second stage 1
    assert unchanged(extractor_before, model.extractor_variables())
    assert not unchanged(gan_before, gan)


def test_policy_gradient_moves_the_policy_towards_higher_reward(short_windows):
    """With the reward replaced by the mean value of a window, REINFORCE steps raise the mean
    of the policy's windows: the sign and the baseline of the estimator are right."""
    ds, _, _, _ = short_windows
    keras.utils.set_random_seed(0)
    model = GANRL.for_dataset(ds, **TINY, learning_rate=1e-2)
    model.compile()
    model.hidden_states = lambda windows: windows
    model.critic_value = lambda states: tf.reduce_mean(states, axis=[1, 2])
    z = model.sample_prior(256)
    before = float(tf.reduce_mean(model.generator(z)))
    for _ in range(20):
        model.generator_step(64)
    after = float(tf.reduce_mean(model.generator(z)))
    assert after > before + 0.2, (before, after)


def test_gradient_penalty_is_zero_for_a_unit_gradient_critic(short_windows):
    """(‖∇C‖ - 1)²: 0 for a critic of unit gradient norm everywhere, 1 for a constant one."""
    ds, _, _, _ = short_windows
    model = GANRL.for_dataset(ds, **TINY)
    real, fake = tf.random.normal((4, 5, 8)), tf.random.normal((4, 5, 8))
    unit = tf.ones((5, 8)) / np.sqrt(40.0)
    model.critic_value = lambda states: tf.reduce_sum(states * unit, axis=[1, 2])
    np.testing.assert_allclose(model.gradient_penalty_of(real, fake), 0.0, atol=1e-6)
    model.critic_value = lambda states: 0.0 * tf.reduce_sum(states, axis=[1, 2])
    np.testing.assert_allclose(model.gradient_penalty_of(real, fake), 1.0, atol=1e-5)


def test_score_combines_residual_and_critic_layers(short_windows):
    """A window the generator's mean makes exactly (found by the inversion from its start)
    scores 0; the score of any window is the inversion loss with the λ_i of the critic
    layers."""
    ds, _, x_test, _ = short_windows
    model = GANRL.for_dataset(ds, **{**TINY, "inversion_steps": 0})
    start = tf.random.stateless_normal((1, model.latent_dim), seed=[model.seed, 0])
    generated = model.generator(start)
    assert float(model.score_scaled(generated)[0]) == pytest.approx(0.0, abs=1e-5)
    x = model.scale(x_test[:3])
    _, real_features = model.critic_layers(model.hidden_states(x))
    _, fake_features = model.critic_layers(model.hidden_states(tf.tile(generated, [3, 1, 1])))
    expected = 0.9 * np.abs(x - generated.numpy()).sum(axis=(1, 2))
    for real, fake in zip(real_features, fake_features):
        expected += 0.05 * np.abs(real.numpy() - fake.numpy()).sum(axis=1)
    np.testing.assert_allclose(model.score_scaled(x), expected, rtol=1e-5)


def test_windows_far_out_of_the_training_range_score_above_normal_ones(short_windows):
    """After a short training, windows lifted five training ranges up score above every normal
    test window: the generator's mean is a tanh, so their residual alone (≥ 8 per value once
    scaled, 0.9 · 8 · 20 = 144) exceeds a normal window's (≤ 0.9 · 2 · 20 = 36) by more than the
    small critic-layer terms. A failure means scaling, inversion or sign is broken; how well
    GAN+RL ranks real anomalies is measured by the benchmark (docs/RESULTS.md)."""
    helpers.check_shifted_windows_score_above_normal(GANRL, TINY, short_windows, ranges=5.0)


def test_bad_construction_is_refused_clearly():
    with pytest.raises(DetectorError, match="one λ per critic hidden layer"):
        GANRL(critic_hidden=(16, 8), feature_weights=(0.1,))
    with pytest.raises(DetectorError, match="sum to a value in"):
        GANRL(feature_weights=(0.7, 0.6))
    with pytest.raises(DetectorError, match="critic_steps must be at least 1"):
        GANRL(critic_steps=0)
    with pytest.raises(DetectorError, match="at least 4 steps"):
        GANRL(example_shape=(3, 1))
    with pytest.raises(DetectorError, match="windows"):
        GANRL(example_shape=(60,))
    with pytest.raises(DetectorError, match="is image"):
        GANRL.for_dataset(datasets.load("digits", normal_digits=[0]))


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    """Both stages: fit pre-trains the extractor first, then runs the GAN step."""
    helpers.check_mirrored_step_matches_default(
        setup="""
            import datasets
            from zoo import GANRL
            ds = datasets.load("synthetic", window=20, train_length=400, val_length=200,
                               test_length=600, n_point=2, n_contextual=1, n_collective=1)
        """,
        build="GANRL.for_dataset(ds, generator_hidden=(16,), conv_filters=(8, 8), lstm_units=8, "
              "dense_units=(8,), critic_hidden=(16, 8), critic_steps=2)",
        data='np.ascontiguousarray(ds.examples("train", stride=8)[0][:16])')
