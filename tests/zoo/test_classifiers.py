"""The supervised window classifiers (C-LSTM, LSTM+DNN, CNN+DNN): the shared detector checks on
tiny models, and their own behaviour."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

import datasets
import zoo
from tests import helpers
from zoo import CLSTM, CNNDNN, LSTMDNN, DetectorError, metrics
from zoo.classifiers import MAX_ANOMALY_WEIGHT, balanced_anomaly_weight

WINDOW = 20
#: Small widths, so that each model trains in a second or two.
TINY = {CLSTM: dict(conv_filters=(8, 8), lstm_units=8, dense_units=(8,)),
        LSTMDNN: dict(lstm_units=8, dense_units=(8, 8)),
        CNNDNN: dict(conv_filters=(4, 4, 4, 4, 8, 8), dense_units=(8,))}
CLASSES = list(TINY)


def spiked_windows(n: int = 600, anomalous_share: float = 0.3, seed: int = 0):
    """Windows of a noisy sine [n, WINDOW, 1] (raw units around 10), a share of them with one
    spike of 3 to 5 units at a random step. Returns (x float32, y int8: 1 = spiked)."""
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    x = 10 + np.sin(t / 3.0 + phase) + 0.1 * rng.normal(size=(n, WINDOW))
    y = (rng.uniform(size=n) < anomalous_share).astype(np.int8)
    spiked = np.flatnonzero(y)
    x[spiked, rng.integers(0, WINDOW, len(spiked))] += rng.uniform(3, 5, len(spiked))
    return x[..., None].astype(np.float32), y


def tiny_model(cls, x: np.ndarray, **overrides):
    """A built and compiled tiny `cls` on windows of WINDOW, scaled by the statistics of `x`."""
    model = cls(example_shape=(WINDOW, 1), scaling=helpers.scaling_of(x.reshape(-1, 1)),
                **{**TINY[cls], **overrides})
    model.build()
    model.compile()
    return model


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_shared_detector_checks(cls, tmp_path):
    x, y = spiked_windows(96)
    keras.utils.set_random_seed(0)
    model = tiny_model(cls, x, anomaly_weight=balanced_anomaly_weight(y))
    helpers.run_detector_checks(model, x, x[:8], tmp_path, train_labels=y)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_ranks_held_out_spiked_windows_above_normal_ones(cls):
    """After 8 epochs on 600 labelled windows, held-out spiked windows get a higher P(anomalous)
    than normal ones: AUROC > 0.9 (seeded; all three reach 1.0 here)."""
    x, y = spiked_windows(600, seed=1)
    x_test, y_test = spiked_windows(200, seed=2)
    keras.utils.set_random_seed(3)
    model = tiny_model(cls, x, anomaly_weight=balanced_anomaly_weight(y), learning_rate=1e-2)
    model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    scores = model.score(x_test)
    assert metrics.auroc(y_test, scores) > 0.9


def test_the_score_is_the_softmax_probability_of_the_anomalous_class():
    x, _ = spiked_windows(16)
    model = tiny_model(CLSTM, x)
    logits = model.logits(model.scale(x)).numpy()
    expected = np.exp(logits[:, 1]) / np.exp(logits).sum(axis=1)
    scores = model.score(x)
    assert scores.dtype == np.float32 and scores.shape == (16,)
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    # Before any calibration the decision is the classifier's own: P(anomalous) > 0.5.
    np.testing.assert_array_equal(model.predict_labels(x), scores > 0.5)


def test_an_anomalous_window_weighs_anomaly_weight_in_the_loss():
    x, y = spiked_windows(16, anomalous_share=0.5, seed=4)
    assert 0 < y.sum() < 16
    keras.utils.set_random_seed(0)
    plain = tiny_model(CLSTM, x, anomaly_weight=1.0)
    weighted = tiny_model(CLSTM, x, anomaly_weight=7.0)
    weighted.network.set_weights(plain.network.get_weights())
    labels = tf.constant(y, tf.int32)
    logits = plain.logits(plain.scale(x))
    base = plain.per_example_loss(logits, labels).numpy()
    np.testing.assert_allclose(weighted.per_example_loss(logits, labels).numpy(),
                               np.where(y == 1, 7.0 * base, base), rtol=1e-6)
    # The train step minimises that weighted mean (learning rate 0: the step changes nothing).
    weighted.compile(classifier_optimizer=keras.optimizers.SGD(0.0))
    history = weighted.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    assert history.history["loss"][0] == pytest.approx(np.mean(np.where(y == 1, 7, 1) * base),
                                                       rel=1e-5)
    correct = np.argmax(logits.numpy(), axis=1) == y
    assert history.history["accuracy"][0] == pytest.approx(correct.mean())


def test_balanced_anomaly_weight():
    assert balanced_anomaly_weight(np.r_[np.zeros(90), np.ones(10)]) == pytest.approx(9.0)
    assert balanced_anomaly_weight(np.r_[np.zeros(10_000), np.ones(2)]) == MAX_ANOMALY_WEIGHT
    assert balanced_anomaly_weight(np.r_[np.zeros(1), np.ones(3)]) == pytest.approx(1 / 3)
    assert balanced_anomaly_weight(np.zeros(50)) == 1.0  # no anomalous window: unweighted
    assert balanced_anomaly_weight(np.ones(50)) == 1.0


def series_dataset(window: int = 60) -> datasets.Dataset:
    """A series whose training part holds anomalous points 300..309."""
    values = np.sin(np.arange(2000) / 7.0).astype(np.float32)[:, None]
    labels = np.zeros(2000, np.int8)
    labels[300:310] = 1
    return datasets.base.series_dataset("toy", values, labels, window=window,
                                        train_fraction=0.5, val_fraction=0.1, meta={})


def test_paper_architectures_for_a_series():
    ds = series_dataset()
    clstm = zoo.get("clstm").for_dataset(ds)
    assert clstm.example_shape == (60, 1)
    described = []
    for layer in clstm.network.layers:
        if isinstance(layer, layers.Conv1D):
            described.append(("conv", layer.filters, layer.kernel_size, layer.strides,
                              layer.activation.__name__))
        elif isinstance(layer, layers.MaxPooling1D):
            described.append(("pool", layer.pool_size))
        elif isinstance(layer, layers.LSTM):
            described.append(("lstm", layer.units))
        else:
            described.append(("dense", layer.units, layer.activation.__name__))
    assert described == [("conv", 64, (5,), (1,), "tanh"), ("pool", (2,)),
                         ("conv", 64, (5,), (1,), "tanh"), ("pool", (2,)), ("lstm", 64),
                         ("dense", 32, "tanh"), ("dense", 2, "linear")]  # softmax in the score
    # 1000 - 60 + 1 = 941 training windows; the 69 starting at 241..309 hold an anomaly.
    assert clstm.anomaly_weight == pytest.approx(872 / 69)
    clstm.compile()
    assert float(clstm.classifier_optimizer.learning_rate) == pytest.approx(1e-3)
    assert clstm.optimizer is None

    lstm_dnn = zoo.get("lstm_dnn").for_dataset(ds)
    kinds = [type(layer).__name__ for layer in lstm_dnn.network.layers]
    assert kinds == ["LSTM", "Dense", "Dense", "Dense"]
    assert [layer.units for layer in lstm_dnn.network.layers] == [64, 64, 32, 2]

    cnn_dnn = zoo.get("cnn_dnn").for_dataset(ds)
    convs = [layer.filters for layer in cnn_dnn.network.layers
             if isinstance(layer, layers.Conv1D)]
    dense = [layer.units for layer in cnn_dnn.network.layers if isinstance(layer, layers.Dense)]
    assert convs == [32, 32, 64, 64, 128, 128] and dense == [32, 2]
    for model in (clstm, lstm_dnn, cnn_dnn):
        assert model.SUPERVISED and model.score(np.zeros((2, 60, 1))).shape == (2,)


def test_a_training_split_without_anomalies_trains_unweighted():
    ds = datasets.load("synthetic", window=WINDOW, train_length=200, val_length=100,
                       test_length=200, n_point=1, n_contextual=0, n_collective=0)
    model = CLSTM.for_dataset(ds, **TINY[CLSTM])
    assert model.anomaly_weight == 1.0
    model.compile()
    x, y = ds.examples("train")
    logs = helpers.check_trains(model, np.ascontiguousarray(x), labels=y)
    assert set(logs) == {"loss", "accuracy"}


def test_bad_construction_and_input_are_refused_clearly():
    with pytest.raises(DetectorError, match="models windows of a series; dataset 'digits' "
                                            "is image"):
        CLSTM.for_dataset(datasets.load("digits", normal_digits=[0]))
    with pytest.raises(DetectorError, match="takes windows \\[window, features\\]"):
        LSTMDNN(example_shape=(60,))
    with pytest.raises(DetectorError, match="needs windows of at least 8 steps, got 6"):
        CNNDNN(example_shape=(6, 1))
    with pytest.raises(DetectorError, match="anomaly_weight must be a positive number"):
        CLSTM(anomaly_weight=0.0)
    with pytest.raises(DetectorError, match="has no argument units"):
        CLSTM.for_dataset(series_dataset(), units=3)


def test_windows_without_labels_are_refused():
    x, y = spiked_windows(16)
    model = tiny_model(CLSTM, x)
    with pytest.raises(DetectorError, match="trains on \\(windows, labels\\) pairs, got "
                                            "windows alone"):
        model.fit(x, verbose=0)
    with pytest.raises(DetectorError, match="got windows alone"):
        model.fit(tf.data.Dataset.from_tensor_slices(x).batch(8), shuffle=False, verbose=0)
    with pytest.raises(DetectorError, match="one per window, int \\[batch\\]; got shape "
                                            "\\[None, 2\\]"):
        model.fit(x, np.stack([y, y], axis=1), verbose=0)


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    helpers.check_mirrored_step_matches_default(
        setup="from tests.zoo.test_classifiers import CLSTM, TINY, spiked_windows, tiny_model",
        build="CLSTM(example_shape=(20, 1), anomaly_weight=3.0, **TINY[CLSTM])",
        data="spiked_windows(16, anomalous_share=0.5)")
