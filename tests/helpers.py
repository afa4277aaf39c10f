"""The checks every model of the zoo gets, written once.

A model's test module builds a small instance and calls `run_detector_checks`, or the single
checks where it needs them. Each check asserts behaviour (equal scores, a changed weight, a clear
error), never only that something ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import export, metrics
from zoo.base import AnomalyDetector, DetectorError

REPO = Path(__file__).resolve().parents[1]

#: train.py's --dataset-option arguments that make the embedded synthetic series short.
SHORT_SERIES = ["--dataset-option", "window=20", "--dataset-option", "train_length=400",
                "--dataset-option", "val_length=200", "--dataset-option", "test_length=600",
                "--dataset-option", "n_point=2", "--dataset-option", "n_contextual=1",
                "--dataset-option", "n_collective=1"]


def tiny_tanogan_argv(inversion_steps: int, stride: int) -> list[str]:
    """train.py arguments for a tiny TAnoGAN on SHORT_SERIES, in batches of 16."""
    return ["--model", "tanogan", "--set", "generator_units=(8,8,8)",
            "--set", "discriminator_units=8", "--set", f"inversion_steps={inversion_steps}",
            *SHORT_SERIES, "--batch-size", "16", "--stride", str(stride)]


def check_config_round_trip(model: AnomalyDetector) -> None:
    """from_config(get_config()) rebuilds a model with the same config."""
    config = model.get_config()
    clone = type(model).from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config


def check_trains(model: AnomalyDetector, x: np.ndarray, batch_size: int = 16,
                 epochs: int = 1, labels: np.ndarray | None = None) -> dict[str, float]:
    """fit runs, reports finite losses for every player and changes every player's weights.

    `labels`: what fit takes beside `x`, for a model that trains on pairs (known anomalies).
    """
    before = {p: [v.numpy().copy() for v in model.player_variables(p)] for p in model.PLAYERS}
    history = model.fit(x, labels, batch_size=batch_size, epochs=epochs, verbose=0,
                        shuffle=False)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert logs, "train_step reported no metrics"
    assert all(np.isfinite(v) for v in logs.values()), logs
    for player, weights in before.items():
        after = model.player_variables(player)
        assert any(not np.allclose(a, b.numpy()) for a, b in zip(weights, after)), (
            f"training left the {player}'s weights unchanged")
    return logs


def check_validation_loss(model: AnomalyDetector, x_normal: np.ndarray) -> None:
    """A model that names a VALIDATION_LOSS reports it, finite, when evaluated on normal data
    alone (what fit's validation_data and early stopping use); one that names none says so
    clearly."""
    if model.VALIDATION_LOSS is None:
        with pytest.raises(DetectorError, match="has no validation loss"):
            model.evaluate(x_normal, verbose=0)
        return
    logs = model.evaluate(x_normal, batch_size=16, verbose=0, return_dict=True)
    assert np.isfinite(logs[model.VALIDATION_LOSS]), logs


def check_save_reload(model: AnomalyDetector, x_train: np.ndarray, x_eval: np.ndarray,
                      folder: Path, train_labels: np.ndarray | None = None) -> AnomalyDetector:
    """.keras reload gives equal scores, threshold and optimizer state, and fits further."""
    path = folder / "model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    assert type(reloaded) is type(model)
    np.testing.assert_allclose(reloaded.score(x_eval), model.score(x_eval), atol=1e-5)
    assert float(reloaded.threshold.numpy()) == pytest.approx(float(model.threshold.numpy()))
    for player in model.PLAYERS:
        saved, loaded = (getattr(m, f"{player}_optimizer") for m in (model, reloaded))
        assert int(loaded.iterations.numpy()) == int(saved.iterations.numpy())
        for a, b in zip(saved.variables, loaded.variables):
            np.testing.assert_allclose(a.numpy(), b.numpy())
    check_trains(reloaded, x_train, labels=train_labels)
    return reloaded


def check_export_new_process(model: AnomalyDetector, x_eval: np.ndarray, folder: Path) -> Path:
    """The SavedModel, loaded by plain TensorFlow in a new process, gives the in-memory scores
    and decisions; saved_model_cli lists serving_default."""
    output = folder / "export"
    export.export(model, output, {"model": zoo.name_of(model)})
    serving = output / export.SERVING_DIR / "1"
    np.save(folder / "inputs.npy", x_eval)
    script = textwrap.dedent(f"""
        import numpy as np, tensorflow as tf
        loaded = tf.saved_model.load({str(serving)!r})
        inputs = tf.constant(np.load({str(folder / 'inputs.npy')!r}))
        out = loaded.signatures["serving_default"](inputs=inputs)
        np.save({str(folder / 'score.npy')!r}, out["score"].numpy())
        np.save({str(folder / 'is_anomaly.npy')!r}, out["is_anomaly"].numpy())
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=folder, timeout=300)
    expected = model.score(x_eval)
    np.testing.assert_allclose(np.load(folder / "score.npy"), expected, atol=1e-5)
    np.testing.assert_array_equal(np.load(folder / "is_anomaly.npy"),
                                  expected > float(model.threshold.numpy()))
    shown = subprocess.run(["saved_model_cli", "show", "--dir", str(serving), "--tag_set", "serve",
                            "--signature_def", "serving_default"],
                           capture_output=True, text=True, timeout=300, check=True)
    assert "inputs" in shown.stdout and "score" in shown.stdout and "is_anomaly" in shown.stdout
    return output


def check_bad_inputs(model: AnomalyDetector, x_eval: np.ndarray) -> None:
    """Wrong shape, NaN and empty inputs give a DetectorError naming the problem, in `score`
    and in the serving function."""
    fixed_axes = [d for d in model.example_shape if d is not None]
    # A wrong length on every fixed axis; with none fixed (padded sessions), one axis too many.
    wrong_shape = ([d + 1 if d is not None else 3 for d in model.example_shape] if fixed_axes
                   else [3] * len(model.example_shape) + [2])
    wrong = np.zeros((2, *wrong_shape), model.INPUT_DTYPE)
    with pytest.raises(DetectorError, match="expects"):
        model.score(wrong)
    with pytest.raises(DetectorError, match="empty"):
        model.score(x_eval[:0])
    if model.INPUT_DTYPE.startswith("float"):
        poisoned = np.array(x_eval[:2], dtype=model.INPUT_DTYPE)
        poisoned.flat[0] = np.nan
        with pytest.raises(DetectorError, match="NaN"):
            model.score(poisoned)
    if fixed_axes:
        with pytest.raises(tf.errors.InvalidArgumentError, match="inputs must have shape"):
            model.serve(tf.constant(wrong))


def check_shifted_digits_score_above_normal(cls: type[AnomalyDetector], tiny_images: dict,
                                            digits, epochs: int = 2,
                                            max_train: int | None = None) -> None:
    """After a short training on `digits`, normal test digits moved three grey-level ranges out
    of the training range score above every normal one.

    Why this floor holds for a model that reconstructs through a tanh generator, trained well or
    not: its reconstructions stay in [-1, 1], so the residual of an input shifted several
    training ranges away exceeds that of any input inside the range. A failure means the score
    pipeline (scaling, reconstruction, sign) is broken; how well a model ranks real anomalies is
    measured by the benchmarks, not asserted here.

    The models it does not fit get floors of their own: ALAD and GANomaly score by feature or
    encoding distances, which need not grow with the shift (`check_planted_rows_rank_above_
    normal`); AnoEAN's Mahalanobis distance depends on the decision space it learned
    (tests/zoo/test_anoean.py checks that known anomalies are pushed out of it); the
    classifiers are supervised (their test ranks held-out labelled windows, AUROC > 0.9).
    """
    x, _ = digits.examples("train")
    keras.utils.set_random_seed(1)
    model = cls.for_dataset(digits, **tiny_images)
    model.compile()
    model.fit(x[:max_train], batch_size=32, epochs=epochs, verbose=0)
    normal = digits.test.x[digits.test.y == 0][:50]
    scores = model.score(np.concatenate([normal, normal + 3 * 16.0]))  # grey levels 0..16
    assert scores[len(normal):].min() > scores[:len(normal)].max()


def check_shifted_windows_score_above_normal(cls: type[AnomalyDetector], tiny: dict,
                                             short_windows: tuple, ranges: float) -> None:
    """After a short training on `short_windows`, normal test windows moved `ranges` training
    ranges up score above every normal one.

    The floor holds for any model that scores by how well a bounded output reproduces a window
    (a tanh generator, a decoder's mean from a GRU's bounded states), trained well or not: what
    it makes stays in a bounded range once scaled, so a window shifted far enough has the
    larger residual. Each model's test gives the bound for its score. A failure means the
    score pipeline (scaling, inversion or likelihood, sign) is broken.
    """
    ds, x_train, x_test, y_test = short_windows
    keras.utils.set_random_seed(2)
    model = cls.for_dataset(ds, **tiny)
    model.compile()
    model.fit(x_train, batch_size=16, epochs=2, verbose=0)
    normal = x_test[y_test == 0]
    span = ds.meta["scaling"]["max"][0] - ds.meta["scaling"]["min"][0]
    scores = model.score(np.concatenate([normal, normal[:10] + ranges * span]))
    assert scores[len(normal):].min() > scores[:len(normal)].max()


def check_planted_rows_rank_above_normal(cls: type[AnomalyDetector], tiny_rows: dict,
                                         seed: int, floor: float, epochs: int = 20) -> float:
    """After training on `correlated_rows`, held-out rows whose last four features were
    shuffled across rows (each feature's values as in training, their correlation with the
    first two broken) outrank held-out normal rows: AUROC >= `floor`. Returns the AUROC.

    The floor for the models whose score is no bounded residual, so that the shifted-input
    checks above do not apply: a discriminator's feature distance (ALAD), a distance between
    two encodings (GANomaly). The test names its seed: like any GAN these can fail to train on
    a seed, and the floor checks the score pipeline where training works.
    """
    rows = correlated_rows(1024)
    train, normal = rows[:768], rows[768:]
    planted = normal.copy()
    rng = np.random.default_rng(5)
    for column in range(2, planted.shape[1]):
        planted[:, column] = rng.permutation(planted[:, column])
    keras.utils.set_random_seed(seed)
    model = cls(example_shape=(6,), scaling=scaling_of(train),
                **{**tiny_rows, "learning_rate": 1e-3})
    model.build()
    model.compile()
    model.fit(train, batch_size=32, epochs=epochs, verbose=0)
    scores = model.score(np.concatenate([normal, planted]))
    value = metrics.auroc(np.r_[np.zeros(len(normal)), np.ones(len(planted))], scores)
    assert value >= floor, value
    return value


def correlated_rows(n: int = 256, seed: int = 0) -> np.ndarray:
    """Rows of 6 correlated features, for the tabular variants of the GANs: float32 [n, 6]."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 2))
    return np.concatenate([base, base @ rng.normal(size=(2, 4))], axis=1).astype(np.float32)


def scaling_of(x: np.ndarray) -> dict:
    """The min-max statistics a loader would fit on rows `x`."""
    return {"min": x.min(0).tolist(), "max": x.max(0).tolist()}


def rows_model(cls: type[AnomalyDetector], **arguments) -> AnomalyDetector:
    """A built `cls` on `correlated_rows`, scaled by their statistics (not compiled)."""
    model = cls(example_shape=(6,), scaling=scaling_of(correlated_rows()), **arguments)
    model.build()
    return model


def run_rows_and_images_checks(cls: type[AnomalyDetector], tiny_rows: dict, tiny_images: dict,
                               digits, folder: Path) -> None:
    """`run_detector_checks` on a tiny rows model (`correlated_rows`) and a tiny image model
    (`digits`, scikit-learn's 8x8 digits as a one-class dataset): the two variants of the
    survey's GANs."""
    x = correlated_rows()
    keras.utils.set_random_seed(0)
    model = rows_model(cls, **tiny_rows)
    model.compile()
    (folder / "rows").mkdir()
    run_detector_checks(model, x, x[:8], folder / "rows")
    images, _ = digits.examples("train")
    keras.utils.set_random_seed(0)
    model = cls.for_dataset(digits, **tiny_images)
    model.compile()
    (folder / "images").mkdir()
    run_detector_checks(model, images[:128], digits.test.x[:8], folder / "images")


def run_windows_checks(cls: type[AnomalyDetector], tiny: dict, short_windows: tuple,
                       folder: Path) -> None:
    """`run_detector_checks` on a tiny model of series windows (the `short_windows` fixture of
    tests/zoo/conftest.py): the series GANs' shared test."""
    ds, x_train, x_test, _ = short_windows
    keras.utils.set_random_seed(0)
    model = cls.for_dataset(ds, **tiny)
    model.compile()
    run_detector_checks(model, x_train, x_test[:8], folder)


def run_detector_checks(model: AnomalyDetector, x_train: np.ndarray, x_eval: np.ndarray,
                        folder: Path, train_labels: np.ndarray | None = None) -> AnomalyDetector:
    """Every shared check, in order: config, training, calibration, bad input, validation loss,
    .keras reload, export to a new process. Returns the reloaded model.

    `train_labels`: fit's second argument, for models that train on (x, labels) pairs
    (USES_KNOWN_ANOMALIES).
    """
    check_config_round_trip(model)
    check_trains(model, x_train, labels=train_labels)
    threshold = model.calibrate(x_train)
    assert np.isfinite(threshold)
    assert model.predict_labels(x_train).mean() <= 0.05  # quantile 0.99 of these very scores
    check_bad_inputs(model, x_eval)
    check_validation_loss(model, x_eval)
    reloaded = check_save_reload(model, x_train, x_eval, folder, train_labels)
    check_export_new_process(model, x_eval, folder)
    return reloaded


_MIRRORED_STEP = """
import json, numpy as np, tensorflow as tf, keras
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
# Deterministic kernels: the comparison is exact, so only the strategy may differ between runs.
tf.config.experimental.enable_op_determinism()
# No grappler rewrites: they run against a time limit, and on a loaded machine (beside a
# pytest -n 2 run) GAN+RL's default-strategy step then gave another gradient penalty than the
# same graph without rewrites.
tf.config.optimizer.set_experimental_options({{"disable_meta_optimizer": True}})
{setup}
# No random draws (noise, prior samples, reparameterisation, interpolation): both strategies
# then see the same inputs, and any difference comes from how the global batch and the losses
# are split and reduced.
keras.random.normal = lambda shape, *args, **kwargs: tf.zeros(shape)
keras.random.uniform = lambda shape, minval=0.0, maxval=1.0, *args, **kwargs: (
    (minval + maxval) / 2 + tf.zeros(shape))
data = {data}
results = {{}}
for name, strategy in [("default", tf.distribute.get_strategy()),
                       ("mirrored", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))]:
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = {build}
        if not model.built:
            model.build()
        # SGD: an update proportional to the gradient (Adam's first step is its sign).
        model.compile(**{{f"{{p}}_optimizer": keras.optimizers.SGD(0.1) for p in model.PLAYERS}})
    initial = [w.numpy() for w in model.trainable_weights]
    history = model.fit(tf.data.Dataset.from_tensor_slices(data).batch(16), epochs=1, verbose=0)
    results[name] = ([w.numpy() for w in model.trainable_weights], initial,
                     {{k: float(np.ravel(v[-1])[0]) for k, v in history.history.items()}},
                     strategy.num_replicas_in_sync)
(default, _, default_logs, _), (mirrored, initial, mirrored_logs, replicas) = results.values()
print("RESULT" + json.dumps({{
    "replicas": replicas,
    "max_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(default, mirrored)),
    "moved": max(float(np.max(np.abs(a - b))) for a, b in zip(mirrored, initial)),
    "logs": [default_logs, mirrored_logs]}}))
"""


def check_mirrored_step_matches_default(setup: str, build: str, data: str) -> None:
    """One SGD step on a batch of 16 under MirroredStrategy on two logical CPUs changes the
    weights exactly as under the default strategy, and reports the same losses.

    Runs in a fresh process: logical devices must be set before TensorFlow starts.

    Args:
        setup: Python lines that import what `build` and `data` need.
        build: an expression for the (unbuilt) model.
        data: an expression for 16 training examples (or an (x, known) pair of them).
    """
    script = _MIRRORED_STEP.format(setup=textwrap.dedent(setup), build=build, data=data)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
                                 # Eigen's kernels, not oneDNN's: on some CPUs oneDNN's
                                 # float32 matmul has returned wrong values that change from
                                 # run to run (tensorflow/tensorflow#61510).
                                 "TF_ENABLE_ONEDNN_OPTS": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.split("RESULT", 1)[1])
    assert out["replicas"] == 2
    assert out["moved"] > 1e-3  # the step did change the weights
    assert out["max_diff"] < 1e-5, out
    default_logs, mirrored_logs = out["logs"]
    for name, value in default_logs.items():
        assert mirrored_logs[name] == pytest.approx(value, rel=1e-4, abs=1e-6), name
