"""train.py and evaluate.py end to end on a small synthetic series with a tiny TAnoGAN (and the
default model, which train.py trains without --model)."""

import json
import subprocess

import keras
import numpy as np
import pytest

import datasets
import evaluate
import train
import zoo
from tests import helpers
from zoo import evaluation, export
from zoo import metrics as zoo_metrics

TINY = helpers.tiny_tanogan_argv(inversion_steps=5, stride=5)


class Killed(Exception):
    """Stands for the process being killed."""


class KillAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            raise Killed


class EpochRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One train.py run: (output folder, the --json record)."""
    folder = tmp_path_factory.mktemp("train")
    output, record = folder / "out", folder / "metrics.json"
    assert train.main([*TINY, "--epochs", "2", "--output", str(output),
                       "--json", str(record)]) == 0
    return output, json.loads(record.read_text())


def test_train_writes_a_complete_export(trained):
    output, record = trained
    assert (output / "serving" / "1" / "saved_model.pb").is_file()
    assert (output / "model.keras").is_file()
    metadata = json.loads((output / "metadata.json").read_text())
    assert metadata["model"] == "tanogan" and metadata["dataset"] == "synthetic"
    assert metadata["seed"] == 0 and metadata["serving_version"] == 1
    assert np.isfinite(metadata["threshold"])
    assert metadata["config"]["scaling"]["min"] == pytest.approx(
        record["dataset_meta"]["scaling"]["min"])
    assert {"tensorflow", "keras", "numpy"} <= set(metadata["versions"])
    assert 0.0 <= record["metrics"]["auroc"] <= 1.0 and "f1" in record["metrics"]
    # The plain baseline on the same points: IsolationForest on the same windows and stride.
    baseline = record["baseline_isolation_forest"]
    assert baseline["n"] == record["metrics"]["n"] and "f1" not in baseline
    forest = evaluation.isolation_forest_split(
        datasets.load("synthetic", **record["dataset_options"]), stride=5)
    assert baseline["auroc"] == pytest.approx(zoo_metrics.auroc(forest.labels, forest.scores))
    assert not list(output.parent.glob(".out.tmp-*")), "a staging folder was left behind"
    assert not (output.parent / "out.backup").exists(), "the training backup was not cleaned up"


def test_without_model_train_trains_the_default(tmp_path):
    assert train.main([*helpers.SHORT_SERIES, "--epochs", "1", "--stride", "5", "--no-baseline",
                       "--output", str(tmp_path / "out")]) == 0
    metadata = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert (metadata["model"], metadata["dataset"]) == (zoo.DEFAULT, "synthetic")


def test_reexport_adds_the_next_serving_version(trained, tmp_path):
    output, _ = trained
    model, metadata = export.load(output)
    copy = tmp_path / "copy"
    export.export(model, copy, metadata)
    export.export(model, copy, metadata)
    assert export.serving_versions(copy) == [1, 2]
    assert json.loads((copy / "metadata.json").read_text())["serving_version"] == 2


def test_evaluate_reproduces_the_training_metrics_and_plots(trained, tmp_path):
    output, record = trained
    out_json, plots = tmp_path / "eval.json", tmp_path / "plots"
    assert evaluate.main(["--model-dir", str(output), "--json", str(out_json),
                          "--plot", str(plots)]) == 0
    metrics = json.loads(out_json.read_text())["metrics"]
    assert metrics["auroc"] == pytest.approx(record["metrics"]["auroc"], abs=1e-6)
    assert metrics["f1"] == pytest.approx(record["metrics"]["f1"], abs=1e-6)
    for name in ("curves.png", "series.png"):
        assert (plots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_saved_model_cli_runs_the_signature(trained, tmp_path):
    output, _ = trained
    model, _ = export.load(output)
    windows = np.random.default_rng(0).uniform(15, 25, size=(3, 20, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", windows)
    result = subprocess.run(
        ["saved_model_cli", "run", "--dir", str(output / "serving" / "1"), "--tag_set", "serve",
         "--signature_def", "serving_default", "--inputs", f"inputs={tmp_path / 'x.npy'}",
         "--outdir", str(tmp_path / "cli"), "--overwrite"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "cli" / "score.npy"), model.score(windows),
                               atol=1e-5)


def test_a_killed_run_resumes_from_its_last_epoch(tmp_path):
    args = train.parse_args([*TINY, "--epochs", "3", "--output", str(tmp_path / "out")])
    with pytest.raises(Killed):
        train.run(args, callbacks=[KillAfterFirstEpoch()])
    assert (tmp_path / "out.backup").is_dir() and not (tmp_path / "out").exists()
    recorder = EpochRecorder()
    train.run(args, callbacks=[recorder])
    assert recorder.epochs == [1, 2]
    assert (tmp_path / "out" / "model.keras").is_file()


@pytest.mark.parametrize("argv, message", [
    (["--model", "nope"], "unknown model 'nope'; known: "),
    (["--dataset", "nope"], "unknown dataset 'nope'; known: synthetic"),
    (["--dataset-option", "window=5000"], "shorter than one window of 5000"),
    (["--dataset-option", "colour=3"], "has no option colour"),
    (["--model", "tanogan", "--set", "units=3"], "has no argument units"),
    (["--model", "tanogan", "--patience", "2"], "tanogan has no validation loss to stop early on"),
])
def test_bad_arguments_give_one_clear_line(argv, message, tmp_path, capsys):
    assert train.main([*argv, "--epochs", "1", "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("train.py: error:") and message in err and "\n" not in err


def test_early_stopping_keeps_the_epoch_with_the_best_validation_loss(tmp_path):
    """--patience: fit reports the validation loss on the normal val data every epoch, stops
    after `patience` epochs without improvement, and the exported weights are the best
    epoch's."""
    class RecordWeights(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.weights, self.losses = [], []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append([w.numpy() for w in self.model.trainable_weights])
            self.losses.append(logs["val_con_loss"])

    recorder = RecordWeights()
    args = train.parse_args([
        "--model", "ganomaly", "--dataset", "digits", "--dataset-option", "anomaly_digits=[0]",
        "--set", "encoder_hidden=(4,8)", "--set", "decoder_hidden=(8,4)",
        "--set", "discriminator_hidden=(4,8)", "--set", "latent_dim=4",
        "--set", "learning_rate=0.05", "--epochs", "8", "--patience", "1",
        "--output", str(tmp_path / "out")])
    record = train.run(args, callbacks=[recorder])
    best = int(np.argmin(recorder.losses))
    assert len(recorder.losses) <= 8 and np.all(np.isfinite(recorder.losses))
    if len(recorder.losses) < 8:  # stopped early: one epoch without improvement
        assert best == len(recorder.losses) - 2
    reloaded = keras.models.load_model(tmp_path / "out" / "model.keras")
    for saved, kept in zip(reloaded.trainable_weights, recorder.weights[best]):
        np.testing.assert_allclose(saved.numpy(), kept)
    assert "val_con_loss" in record["history"]


def test_missing_data_file_names_the_path(tmp_path, capsys):
    assert train.main(["--dataset", "nab:realKnownCause/nyc_taxi.csv", "--data-dir",
                       str(tmp_path), "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "github.com/numenta/NAB" in err


def test_evaluate_refuses_an_incomplete_export(tmp_path, capsys):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "metadata.json").write_text("{}")
    assert evaluate.main(["--model-dir", str(tmp_path / "half")]) == 2
    assert "missing model.keras" in capsys.readouterr().err


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit):
        train.main(["--help"])
    text = capsys.readouterr().out
    for flag in ("--model", "--dataset", "--data-dir", "--epochs", "--batch-size", "--seed",
                 "--strategy", "--output", "--json", "--init-from", "--refit-scaling",
                 "--tensorboard"):
        assert flag in text


@pytest.mark.parametrize("flags", [["--mixed-precision", "float16"],
                                   ["--mixed-precision", "bfloat16"], ["--jit"]])
def test_precision_and_jit_flags_train_and_export(flags, tmp_path):
    record = train.run(train.parse_args([*TINY, *flags, "--epochs", "1", "--no-baseline",
                                         "--output", str(tmp_path / "out")]))
    assert all(np.isfinite(v) for v in record["history"].values())
    assert record["baseline_isolation_forest"] is None  # --no-baseline
    model, metadata = export.load(tmp_path / "out")
    expected = {"--jit": "float32"}.get(flags[0], f"mixed_{flags[-1]}")
    assert model.dtype_policy.name == expected
    if flags[-1] == "float16":
        assert isinstance(model.generator_optimizer, keras.optimizers.LossScaleOptimizer)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after the run
    assert np.isfinite(model.score(np.full((2, 20, 1), 20.0, np.float32))).all()


def test_scoring_a_csv_in_lazy_chunks_equals_scoring_in_memory(trained, tmp_path):
    import pandas as pd

    import datasets
    from datasets import windows

    output, _ = trained
    model, _ = export.load(output)
    ds = datasets.load("synthetic", window=20, train_length=400, val_length=200,
                       test_length=600, n_point=2, n_contextual=1, n_collective=1)
    series = tmp_path / "series.csv"
    pd.DataFrame({"timestamp": np.arange(len(ds.test.x)), "value": ds.test.x[:, 0]}).to_csv(
        series, index=False)
    out = tmp_path / "scores.csv"
    assert evaluate.main(["--model-dir", str(output), "--input", str(series), "--scores-out",
                          str(out), "--stride", "5", "--batch-size", "7"]) == 0
    chunked = pd.read_csv(out)
    in_memory = windows.window_to_point_scores(
        model.score(np.ascontiguousarray(ds.examples("test", stride=5)[0])), len(ds.test.x), 20, 5)
    np.testing.assert_allclose(chunked["score"].to_numpy(), in_memory, atol=1e-5)
    np.testing.assert_array_equal(chunked["is_anomaly"].to_numpy(),
                                  in_memory > float(model.threshold.numpy()))
    assert list(chunked.columns) == ["index", "timestamp", "score", "is_anomaly"]


def test_the_same_seed_gives_the_same_model_and_scores_bit_for_bit(tmp_path):
    records = [train.run(train.parse_args([*TINY, "--epochs", "1", "--seed", "7",
                                           "--output", str(tmp_path / f"run{i}")]))
               for i in range(2)]
    assert records[0]["weights_sha256"] == records[1]["weights_sha256"]
    assert records[0]["metrics"] == records[1]["metrics"]
    first, second = (export.load(tmp_path / f"run{i}")[0] for i in range(2))
    windows = np.random.default_rng(0).uniform(15, 25, size=(4, 20, 1)).astype(np.float32)
    np.testing.assert_array_equal(first.score(windows), second.score(windows))


class KillMidEpoch(keras.callbacks.Callback):
    """Records the weights when the run is killed at batch 5 of the first epoch."""

    def on_train_batch_end(self, batch, logs=None):
        if batch == 5:
            self.weights = export.weights_digest(self.model)
            raise Killed


class DigestAtStart(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.weights = export.weights_digest(self.model)


def test_a_run_killed_mid_epoch_restarts_from_its_last_step_checkpoint(tmp_path):
    # 400 training points, windows of 20, batch 16: 24 steps an epoch; checkpoints every 2.
    args = train.parse_args([*TINY, "--epochs", "2", "--checkpoint-every", "2",
                             "--output", str(tmp_path / "out")])
    killer = KillMidEpoch()
    with pytest.raises(Killed):
        train.run(args, callbacks=[killer])
    start = DigestAtStart()
    train.run(args, callbacks=[start])
    assert start.weights == killer.weights  # the step-6 checkpoint, not a fresh model
    assert (tmp_path / "out" / "model.keras").is_file()


def test_train_py_trains_a_supervised_classifier_on_window_labels(tmp_path):
    """train.py hands a SUPERVISED model (C-LSTM) the (windows, window labels) pairs of the
    training split; its class weight balances those labels; the run exports."""
    from tests.datasets.test_nab import KEY, N_POINTS, write_nab  # noqa: PLC0415

    stamps = [f"2020-01-0{day} {hour:02d}:00:00" for day, hour in ((2, 6), (2, 15), (7, 6),
                                                                    (7, 15))]
    write_nab(tmp_path, values=np.sin(np.arange(N_POINTS) / 5.0) + 3.0 * (
        (np.arange(N_POINTS) >= 30) & (np.arange(N_POINTS) < 40)),
        windows=[stamps[:2], stamps[2:]])  # points 30..39 (train) and 150..159 (test)
    output, record = tmp_path / "out", tmp_path / "run.json"
    assert train.main(["--model", "clstm", "--dataset", f"nab:{KEY}", "--data-dir",
                       str(tmp_path), "--dataset-option", "window=10",
                       "--set", "conv_filters=(4,4)", "--set", "lstm_units=4",
                       "--set", "dense_units=(4,)", "--epochs", "1", "--batch-size", "16",
                       "--stride", "1", "--output", str(output), "--json", str(record)]) == 0
    facts = json.loads(record.read_text())
    # train = points 0..79: 71 windows, the 19 starting at 21..39 hold an anomalous point;
    # the weight of an anomalous window balances the classes: 52 / 19.
    assert facts["config"]["anomaly_weight"] == pytest.approx(52 / 19)
    assert set(facts["history"]) == {"loss", "accuracy"}
    assert np.isfinite(facts["history"]["loss"])
    assert (output / "serving" / "1" / "saved_model.pb").is_file()
    assert export.load(output)[0].score(np.zeros((2, 10, 1), np.float32)).shape == (2,)


def test_fast_scoring_trains_an_encoder_and_exports_its_mode(tmp_path):
    """--fast-scoring sets zoo.inversion.FAST_SCORING; --set still overrides any of it (here
    the encoder's epochs, and TINY's inversion_steps)."""
    from zoo import inversion

    output = tmp_path / "fast"
    assert train.main([*TINY, "--fast-scoring", "--set", "encoder_epochs=1", "--epochs", "1",
                       "--no-baseline", "--output", str(output)]) == 0
    model, metadata = export.load(output)
    expected = {**inversion.FAST_SCORING, "encoder_epochs": 1, "inversion_steps": 5}
    assert {key: metadata["config"][key] for key in expected} == expected
    assert bool(model.encoder_trained.numpy())
    ds = datasets.load("synthetic", window=20, train_length=400, val_length=200,
                       test_length=600, n_point=2, n_contextual=1, n_collective=1)
    x = np.ascontiguousarray(ds.examples("test", stride=50)[0])
    np.testing.assert_allclose(model.score(x), model.search(model.scale(x), model.encoder(
        model.scale(x))).score, rtol=1e-4, atol=1e-5)


def test_fast_scoring_of_an_ensemble_gives_each_member_an_encoder_and_no_xla_switch():
    import zoo
    from zoo import inversion

    fast = train.fast_scoring(zoo.get("tanogan_ensemble"))
    assert fast == {k: v for k, v in inversion.FAST_SCORING.items() if k != "inversion_jit"}
    with pytest.raises(zoo.DetectorError, match="and their ensembles; EGBADEnsemble scores "
                                                "without one"):
        train.fast_scoring(zoo.get("egbad_ensemble"))


def test_fast_scoring_names_the_models_it_serves(tmp_path, capsys):
    assert train.main(["--model", "gru_vae_series", "--fast-scoring", "--epochs", "1",
                       "--output", str(tmp_path / "o")]) == 2
    assert "--fast-scoring speeds up the inversion models (anogan, ganrl, tanogan)" in (
        capsys.readouterr().err)


def test_a_recipe_sets_the_defaults_of_its_model_and_dataset_and_flags_override(tmp_path,
                                                                                  monkeypatch):
    from zoo import recipes
    monkeypatch.setitem(recipes.RECIPES, ("tanogan", "synthetic"),
                        recipes.Recipe(epochs=1, batch_size=8, source="a test recipe"))
    unbatched = [a for i, a in enumerate(TINY) if "--batch-size" not in TINY[max(i - 1, 0):i + 1]]
    assert train.main([*unbatched, "--output", str(tmp_path / "a")]) == 0
    metadata = json.loads((tmp_path / "a" / "metadata.json").read_text())
    assert (metadata["epochs"], metadata["batch_size"]) == (1, 8)
    assert recipes.recipe("alad", "kdd99").batch_size == 50
    assert recipes.recipe("alad", "csv:mine.csv") == recipes.Recipe()


def test_recipes_name_registered_models_and_say_where_their_settings_come_from():
    import zoo
    from zoo import recipes
    for (model, _), recipe in recipes.RECIPES.items():
        assert model in zoo.names()
        assert recipe.source
