"""GRU VAE (INNAD): the shared detector checks on a tiny model, masking, and its own behaviour.

Every test runs on synthetic sessions made here, not on the HDFS files, so that it is fast.
"""


import keras
import numpy as np
import pytest
import tensorflow as tf

import datasets
import zoo
from datasets.base import Dataset, Split
from tests import helpers
from zoo import DetectorError, export, serving
from zoo.gru_vae import GRUVAE, WindowGRUVAE, tfd

TINY = dict(units=8, latent_dim=2, score_samples=4)
WINDOW_TINY = dict(units=16, latent_dim=2, score_samples=4)
UNSEEN_KEY = 17  # never in a synthetic normal session
# The request of README.md's worked example: two sessions, padded with 0 to one length.
README_SESSIONS = [[5, 5, 22, 11, 9, 26, 23, 0, 0], [5, 22, 17, 11, 9, 26, 0, 0, 0]]


def normal_sessions(n: int, seed: int) -> list[list[int]]:
    """Sessions shaped like HDFS blocks: 5, one to three 22s, one to three (11, 9) pairs, 26 23.

    Lengths 6 to 12; only the keys 5 9 11 22 23 26 occur.
    """
    rng = np.random.default_rng(seed)
    return [[5] + [22] * int(rng.integers(1, 4)) + [11, 9] * int(rng.integers(1, 4)) + [26, 23]
            for _ in range(n)]


def pad(sessions: list[list[int]], width: int) -> np.ndarray:
    """int32 [len(sessions), width]: keys first, then zeros."""
    padded = np.zeros((len(sessions), width), np.int32)
    for row, keys in enumerate(sessions):
        padded[row, :len(keys)] = keys
    return padded


def session_dataset(x_train: np.ndarray) -> Dataset:
    """A sessions dataset as the HDFS loader returns it, around `x_train`."""
    split = Split(x_train, np.zeros(len(x_train), np.int8))
    return Dataset(name="hdfs", kind="sessions", train=split, val=split, test=split,
                   meta={"vocab_size": 28, "scaling": None, "max_len": x_train.shape[1]})


@pytest.fixture(scope="module")
def sessions():
    """(train int32 [48, 14], eval int32 [8, 20]): eval is padded wider than train."""
    return pad(normal_sessions(48, seed=0), 14), pad(normal_sessions(8, seed=1), 20)


def test_shared_detector_checks_and_the_readme_request(sessions, tmp_path):
    x_train, x_eval = sessions
    keras.utils.set_random_seed(0)
    model = GRUVAE.for_dataset(session_dataset(x_train), **TINY)
    model.compile()
    helpers.run_detector_checks(model, x_train, x_eval, tmp_path)

    # The worked example of README.md ("Serving padded sessions"), answered by the export.
    signature = tf.saved_model.load(
        str(tmp_path / "export" / export.SERVING_DIR / "1")).signatures["serving_default"]
    answer = serving.answer_rest(signature, serving.rest_body(README_SESSIONS))
    predictions = answer["predictions"]
    assert [sorted(p) for p in predictions] == [
        ["is_anomaly", "log_reconstruction_probability", "score", "sequence_nll"]] * 2
    np.testing.assert_allclose([p["score"] for p in predictions], model.score(README_SESSIONS),
                               atol=1e-5)
    np.testing.assert_allclose([p["log_reconstruction_probability"] for p in predictions],
                               model.log_reconstruction_probability(README_SESSIONS), atol=1e-5)
    bad = [[5, 22, 29, 0]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="log keys must be 1..28"):
        serving.answer_rest(signature, serving.rest_body(bad))


def test_paper_architecture_for_sessions(sessions):
    model = zoo.get("gru_vae").for_dataset(session_dataset(sessions[0]))
    assert model.example_shape == (None,) and model.vocab_size == 28
    assert model.encoder.units == model.decoder.units == 64
    assert model.posterior_head.units == 2 * 8  # means and log-variances of m = 8 Gaussians
    assert model.likelihood_head.units == 28 + 1  # the keys and the end marker
    assert model.score_samples == 10 and model.score_reduction == "max"
    model.compile()
    assert float(model.vae_optimizer.learning_rate) == pytest.approx(1e-3)
    assert model.optimizer is None


def test_training_reports_the_elbo_and_its_terms(sessions):
    keras.utils.set_random_seed(0)
    model = GRUVAE.for_dataset(session_dataset(sessions[0]), **TINY)
    assert model.free_bits == 0  # sessions train on the paper's ELBO by default
    model.compile()
    logs = helpers.check_trains(model, sessions[0])
    assert set(logs) == {"loss", "elbo", "reconstruction", "kl"}
    assert logs["elbo"] == pytest.approx(-(logs["reconstruction"] + logs["kl"]), rel=1e-5)
    assert logs["kl"] > 0 and logs["reconstruction"] > 0
    assert logs["loss"] == pytest.approx(-logs["elbo"], rel=1e-5)


def test_free_bits_count_each_steps_kl_as_at_least_that_many_nats(sessions):
    keras.utils.set_random_seed(0)
    model = GRUVAE.for_dataset(session_dataset(sessions[0]), **TINY, free_bits=0.5)
    model.compile()
    logs = helpers.check_trains(model, sessions[0])
    # The loss counts each step's KL as at least 0.5 nats; the ELBO and KL stay the true ones.
    mean_length = (sessions[0] > 0).sum(axis=1).mean()
    assert logs["loss"] >= logs["reconstruction"] + 0.5 * mean_length - 1e-4
    assert logs["elbo"] == pytest.approx(-(logs["reconstruction"] + logs["kl"]), rel=1e-5)
    assert logs["loss"] > -logs["elbo"]


def test_validation_loss_judges_the_fit_on_held_out_normal_sessions(sessions):
    """fit's validation reports the training loss on held-out sessions ("val_loss") and nothing
    else, so that early stopping needs no anomaly labels; it falls as the model learns the
    normal sessions, and sessions holding a key never seen cost more."""
    x_train, x_eval = sessions
    keras.utils.set_random_seed(0)
    model = GRUVAE.for_dataset(session_dataset(x_train), **TINY)
    model.compile(vae_optimizer=keras.optimizers.Adam(1e-2))
    validation = tf.data.Dataset.from_tensor_slices(x_eval).batch(4)
    history = model.fit(x_train, validation_data=validation, batch_size=8, epochs=4, verbose=0)
    assert {name for name in history.history if name.startswith("val_")} == {"val_loss"}
    assert history.history["val_loss"][-1] < history.history["val_loss"][0]
    planted = x_eval.copy()
    planted[:, 1] = UNSEEN_KEY
    normal_loss = model.evaluate(x_eval, verbose=0, return_dict=True)["loss"]
    assert model.evaluate(planted, verbose=0, return_dict=True)["loss"] > normal_loss


@pytest.mark.parametrize("count_window, score_reduction", [(0, "max"), (3, "max"), (0, "sum")])
def test_padding_and_batch_do_not_change_a_score(sessions, count_window, score_reduction):
    _, x_eval = sessions
    model = GRUVAE.for_dataset(session_dataset(x_eval), count_window=count_window,
                               score_reduction=score_reduction, **TINY)
    narrow = model.score(x_eval[:, :12])  # the longest synthetic session has 12 keys
    wide = model.score(np.pad(x_eval, [(0, 0), (0, 30)]))
    np.testing.assert_allclose(narrow, wide, atol=1e-5)
    np.testing.assert_allclose(model.sequence_nll(x_eval[:, :12]),
                               model.sequence_nll(np.pad(x_eval, [(0, 0), (0, 30)])), atol=1e-4)
    alone = np.concatenate([model.score(x_eval[i:i + 1]) for i in range(len(x_eval))])
    np.testing.assert_array_equal(model.score(x_eval), alone)
    np.testing.assert_array_equal(model.score(x_eval[::-1])[::-1], alone)
    # Nor to the training loss: the KL term (free of sampling noise) is the same at any width.
    kl_narrow = model.elbo_terms(tf.constant(x_eval[:, :12]))[1]
    kl_wide = model.elbo_terms(tf.constant(np.pad(x_eval, [(0, 0), (0, 30)])))[1]
    np.testing.assert_allclose(kl_narrow.numpy(), kl_wide.numpy(), atol=1e-5)


def test_the_score_is_the_least_likely_step_or_the_sequence_nll(sessions):
    """By hand from the per-step log-likelihoods: "max" takes the step whose NLL, averaged over
    the L draws, is largest; "sum" the session's NLL; padded steps count in neither."""
    _, x_eval = sessions
    model = GRUVAE.for_dataset(session_dataset(x_eval), **TINY)
    log_prob, mask = model.sample_step_log_likelihoods(tf.constant(x_eval))
    log_prob, mask = log_prob.numpy(), mask.numpy()
    assert log_prob.shape == (4, len(x_eval), x_eval.shape[1] + 1)
    assert np.all(log_prob[:, ~mask] == 0) and np.all(log_prob[:, mask] < 0)
    step_nll = np.where(mask, -log_prob.mean(axis=0), -np.inf)
    np.testing.assert_allclose(model.score(x_eval), step_nll.max(axis=1), rtol=1e-5)
    sequence_nll = -log_prob.sum(axis=2).mean(axis=0)
    np.testing.assert_allclose(model.sequence_nll(x_eval), sequence_nll, rtol=1e-5)
    summing = GRUVAE.from_config({**model.get_config(), "score_reduction": "sum"})
    summing.build()
    summing.set_weights(model.get_weights())
    np.testing.assert_allclose(summing.score(x_eval), sequence_nll, rtol=1e-5)


def test_steps_hold_the_keys_the_end_marker_and_windowed_key_counts():
    model = GRUVAE(vocab_size=4, count_window=2, **TINY)
    x, mask = model.steps(tf.constant([[1, 1, 3, 0], [2, 4, 4, 1]]))
    # One step more than given: the second session fills the width and still gets its end.
    np.testing.assert_array_equal(mask, [[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(x[0, :, :5], [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0],
                                                [0, 0, 1, 0, 0], [0, 0, 0, 0, 1],
                                                [0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(x[1, :, 4], [0, 0, 0, 0, 1])
    np.testing.assert_array_equal(x[0, :, 5:], [[0.5, 0, 0, 0], [1, 0, 0, 0], [0.5, 0, 0.5, 0],
                                                [0, 0, 0.5, 0], [0, 0, 0, 0]])
    paper = GRUVAE(vocab_size=4, end_marker=False, **TINY)
    x, mask = paper.steps(tf.constant([[1, 1, 3, 0]]))
    assert x.shape[-1] == 4 and paper.likelihood_head.units == 4
    np.testing.assert_array_equal(mask, [[1, 1, 1, 0, 0]])


def test_an_unseen_log_key_scores_above_every_normal_session():
    """After a short training on sessions built from six keys, a normal session with one key
    replaced by a key never seen scores above every held-out normal session, the longest
    included.

    Why it holds: the decoder's Bernoulli for the unseen key's column is trained towards 0 at
    every step of every session, so a 1 there costs many nats, and the replaced key is missing
    from its column too; a normal session costs little per step once its pattern is learnt and
    carried by z. Free bits keep z in use on this small training set: with the plain ELBO, the
    sessions' default, z collapsed onto the prior for 3 of 4 seeds of a setting like this one
    and the margin vanished (see the module docstring).
    """
    keras.utils.set_random_seed(1)
    x_train = pad(normal_sessions(128, seed=2), 12)
    model = GRUVAE.for_dataset(session_dataset(x_train), units=32, latent_dim=4, score_samples=4,
                               free_bits=0.5)
    model.compile(vae_optimizer=keras.optimizers.Adam(1e-2))
    model.fit(x_train, batch_size=8, epochs=30, verbose=0)
    held_out = normal_sessions(32, seed=3)
    planted = []
    for keys in held_out[:8]:
        keys = list(keys)
        keys[len(keys) // 2] = UNSEEN_KEY
        planted.append(keys)
    scores = model.score(pad(held_out + planted, 12))
    assert scores[len(held_out):].min() > scores[:len(held_out)].max()
    # So do the session's NLL and the reconstruction probability (lower = more anomalous);
    # by Jensen's inequality log mean p >= mean log p = -NLL.
    sequence_nll = model.sequence_nll(pad(held_out + planted, 12))
    assert sequence_nll[len(held_out):].min() > sequence_nll[:len(held_out)].max()
    log_probability = model.log_reconstruction_probability(pad(held_out + planted, 12))
    assert log_probability[len(held_out):].max() < log_probability[:len(held_out)].min()
    assert np.all(log_probability >= -sequence_nll - 1e-4)


def test_bad_keys_and_empty_sessions_are_refused_clearly(sessions):
    _, x_eval = sessions
    model = GRUVAE.for_dataset(session_dataset(x_eval), **TINY)
    too_big = x_eval[:3].copy()
    too_big[1, 2] = 29
    with pytest.raises(DetectorError, match=r"log key 29 \(session 1, step 2\) is outside 1..28"):
        model.score(too_big)
    negative = x_eval[:3].copy()
    negative[0, 0] = -1
    with pytest.raises(DetectorError, match="log key -1 .* outside 1..28; 0 pads"):
        model.score(negative)
    empty = x_eval[:3].copy()
    empty[2] = 0
    with pytest.raises(DetectorError, match="session 2 is empty"):
        model.score(empty)
    with pytest.raises(DetectorError, match="session 0 is empty"):
        model.score(np.zeros((2, 0), np.int32))
    with pytest.raises(DetectorError, match="expects"):
        model.score(x_eval[0])  # one session without its batch axis
    for bad in (too_big, negative):
        with pytest.raises(tf.errors.InvalidArgumentError, match="log keys must be 1..28"):
            model.serve(tf.constant(bad))
    with pytest.raises(tf.errors.InvalidArgumentError, match="a session is empty"):
        model.serve(tf.constant(empty))


def test_bad_construction_is_refused_clearly():
    with pytest.raises(DetectorError, match="models sessions of log keys; .* gru_vae_series"):
        GRUVAE.for_dataset(datasets.load("synthetic"))
    with pytest.raises(DetectorError, match="models windows of a series"):
        WindowGRUVAE.for_dataset(session_dataset(pad(normal_sessions(4, seed=0), 12)))
    with pytest.raises(DetectorError, match=r"windows \[window, n_features\]"):
        WindowGRUVAE(example_shape=(None,))
    with pytest.raises(DetectorError, match="scaling must be None"):
        GRUVAE(scaling={"min": [0.0], "max": [1.0]})
    with pytest.raises(DetectorError, match="padded sessions"):
        GRUVAE(example_shape=(10, 1))
    with pytest.raises(DetectorError, match="score_samples must be an integer >= 1, got 0"):
        GRUVAE(score_samples=0)
    with pytest.raises(DetectorError, match=r"score_reduction must be one of \('max', 'sum'\)"):
        GRUVAE(score_reduction="mean")


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    """The loss is summed per session and averaged over the global batch: the same update and
    the same reported ELBO as on one device."""
    helpers.check_mirrored_step_matches_default(
        setup="from tests.zoo.test_gru_vae import GRUVAE, TINY, normal_sessions, pad",
        build="GRUVAE(**TINY)", data="pad(normal_sessions(16, seed=0), 14)")


# ----- windows of a series (WindowGRUVAE) ----------------------------------------------------

def test_window_model_shared_detector_checks(short_windows, tmp_path):
    helpers.run_windows_checks(WindowGRUVAE, WINDOW_TINY, short_windows, tmp_path)


def test_window_model_settings_for_a_series():
    ds = datasets.load("synthetic")
    model = zoo.get("gru_vae_series").for_dataset(ds)
    assert model.example_shape == (60, 1) and model.scaling == ds.meta["scaling"]
    assert model.encoder.units == model.decoder.units == 64 and model.latent_dim == 8
    assert model.score_reduction == "max" and model.score_samples == 10
    likelihood = model.likelihood(tf.zeros((2, 60, 8)), tf.ones((2, 60), tf.bool))
    assert isinstance(likelihood.distribution, tfd.Normal)
    assert likelihood.batch_shape == (2, 60) and likelihood.event_shape == (1,)
    # σ is learnt with the networks.
    assert any(v is model.log_scale for v in model.player_variables("vae"))


def test_window_model_scores_windows_out_of_range_above_normal(short_windows):
    helpers.check_shifted_windows_score_above_normal(WindowGRUVAE, WINDOW_TINY, short_windows,
                                                     ranges=2.0)


def test_window_model_mirrored_step_equals_the_default_strategy_step():
    """The learnt σ is a variable of the model itself, outside its layers: it too must get the
    same update on two replicas as on one."""
    helpers.check_mirrored_step_matches_default(
        setup="import numpy as np\nfrom zoo.gru_vae import WindowGRUVAE",
        build="WindowGRUVAE(example_shape=(12, 1), scaling={'min': [0.0], 'max': [1.0]}, "
              "units=8, latent_dim=2, score_samples=4)",
        data="np.random.default_rng(0).random((16, 12, 1)).astype('float32')")
