"""train.py and evaluate.py end to end on a small synthetic series with a tiny TAnoGAN."""

import json
import subprocess

import keras
import numpy as np
import pytest

import evaluate
import train
from zoo import export

TINY = ["--set", "generator_units=(8,8,8)", "--set", "discriminator_units=8",
        "--set", "inversion_steps=5",
        "--dataset-option", "window=20", "--dataset-option", "train_length=400",
        "--dataset-option", "val_length=200", "--dataset-option", "test_length=600",
        "--dataset-option", "n_point=2", "--dataset-option", "n_contextual=1",
        "--dataset-option", "n_collective=1", "--batch-size", "16", "--stride", "5"]


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
    assert not list(output.parent.glob(".out.tmp-*")), "a staging folder was left behind"
    assert not (output.parent / "out.backup").exists(), "the training backup was not cleaned up"


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
    (["--model", "nope"], "unknown model 'nope'; known: tanogan"),
    (["--dataset", "nope"], "unknown dataset 'nope'; known: synthetic"),
    (["--dataset-option", "window=5000"], "shorter than one window of 5000"),
    (["--dataset-option", "colour=3"], "has no option colour"),
    (["--set", "units=3"], "has no argument units"),
])
def test_bad_arguments_give_one_clear_line(argv, message, tmp_path, capsys):
    assert train.main([*argv, "--epochs", "1", "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("train.py: error:") and message in err and "\n" not in err


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
                 "--strategy", "--output", "--json"):
        assert flag in text
