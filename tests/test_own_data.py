"""train.py and evaluate.py on a user's own files: one tiny model per kind of data, trained,
exported and re-scored through `evaluate.py --input`; unlabelled and one-class test data;
fine-tuning an export; TensorBoard logs; and one clear line for each bad input."""

import json
import shutil
import sys

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import datasets
import evaluate
import train
from datasets import windows
from zoo import evaluation, export, metrics

WINDOW = 10
SERIES_MODEL = ["--model", "gru_vae_series", "--set", "units=8", "--set", "latent_dim=2",
                "--set", "score_samples=4", "--dataset-option", f"window={WINDOW}"]
ROWS_MODEL = ["--model", "egbad", "--set", "latent_dim=4", "--set", "generator_hidden=(8,)",
              "--set", "encoder_hidden=(8,)", "--set", "discriminator_hidden=(8,)",
              "--set", "discriminator_latent_hidden=(8,)",
              "--set", "discriminator_joint_hidden=(8,)"]
IMAGES_MODEL = ["--model", "anogan", "--set", "latent_dim=4", "--set", "generator_hidden=(8,4)",
                "--set", "discriminator_hidden=(4,8)", "--set", "inversion_steps=2"]
SESSIONS_MODEL = ["--model", "gru_vae", "--set", "units=8", "--set", "latent_dim=2",
                  "--set", "score_samples=4"]
QUICK = ["--epochs", "1", "--batch-size", "16"]


def write_tsb_ad_series(path, n_points=300, scale=1.0, seed=0):
    """A TSB-AD-style CSV: three feature columns, then Label (a spike in the test part)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_points)
    frame = pd.DataFrame({"pressure": scale * np.sin(t / 5.0),
                          "flow": scale * np.cos(t / 7.0),
                          "noise": rng.normal(0.0, 0.1, n_points)})
    labels = np.zeros(n_points, dtype=int)
    labels[250:255] = 1
    frame.loc[250:254, "noise"] += 3.0
    frame["Label"] = labels
    frame.to_csv(path, index=False)
    return frame


def write_rows(path, n_rows=80, seed=0):
    """A CSV of rows: two numeric columns, one text column (three categories), label."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"bytes": rng.normal(10.0, 2.0, n_rows),
                          "duration": rng.uniform(0.0, 1.0, n_rows),
                          "protocol": rng.choice(["tcp", "udp", "icmp"], n_rows)})
    labels = np.zeros(n_rows, dtype=int)
    labels[:8] = 1
    frame.loc[:7, "bytes"] += 20.0
    frame["label"] = labels
    frame.to_csv(path, index=False)
    return frame


def write_png(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(np.asarray(image, np.uint8)).numpy())


def write_image_folder(folder, n_normal=30, n_abnormal=5, seed=0):
    """normal/: 8x8 grey noise images; abnormal/: brighter noise."""
    rng = np.random.default_rng(seed)
    for i in range(n_normal):
        write_png(folder / "normal" / f"{i:03d}.png", rng.integers(0, 60, (8, 8, 1)))
    for i in range(n_abnormal):
        write_png(folder / "abnormal" / f"{i:03d}.png", rng.integers(100, 255, (8, 8, 1)))
    return folder


def write_sessions(path, n_sessions=60, seed=0):
    """One session of 3 to 7 log keys (1..5) per line."""
    rng = np.random.default_rng(seed)
    lines = [" ".join(map(str, rng.integers(1, 6, rng.integers(3, 8))))
             for _ in range(n_sessions)]
    path.write_text("\n".join(lines) + "\n")
    return lines


def train_cli(argv, capsys):
    """train.main(argv): (exit code, stdout, stderr)."""
    code = train.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error_line(err, program, message):
    err = err.strip()
    assert err.startswith(f"{program}: error:"), err
    assert message in err and "\n" not in err and "Traceback" not in err, err


def score_file(model_dir, path, out, *extra):
    """evaluate.py --input: the scores CSV it wrote."""
    assert evaluate.main(["--model-dir", str(model_dir), "--input", str(path),
                          "--scores-out", str(out), "--batch-size", "7", *extra]) == 0
    return pd.read_csv(out)


def trained_export(factory, write, name: str, dataset: str, model: list[str], *extra):
    """Train a tiny model on a file `write` makes: (the file's path, the export folder)."""
    folder = factory.mktemp(dataset)
    write(folder / name)
    assert train.main([*model, *QUICK, "--dataset", f"{dataset}:{folder / name}", *extra,
                       "--output", str(folder / "out")]) == 0
    return folder / name, folder / "out"


@pytest.fixture(scope="module")
def series_export(tmp_path_factory):
    """A tiny GRU VAE trained on a TSB-AD-style multivariate CSV."""
    return trained_export(tmp_path_factory, write_tsb_ad_series, "series.csv", "csv",
                          SERIES_MODEL, "--no-baseline")


@pytest.fixture(scope="module")
def rows_export(tmp_path_factory):
    """A tiny EGBAD trained on rows with a text column."""
    return trained_export(tmp_path_factory, write_rows, "rows.csv", "table", ROWS_MODEL,
                          "--no-baseline")


@pytest.fixture(scope="module")
def image_export(tmp_path_factory):
    """A tiny AnoGAN trained on a folder of 8x8 grey PNGs."""
    return trained_export(tmp_path_factory, write_image_folder, "images", "images",
                          IMAGES_MODEL, "--no-baseline")


@pytest.fixture(scope="module")
def session_export(tmp_path_factory):
    """A tiny GRU VAE trained on a file of log-key sessions (which get no baseline)."""
    return trained_export(tmp_path_factory, write_sessions, "sessions.txt", "sessions",
                          SESSIONS_MODEL)


# ----- one kind of data each, trained, exported and re-scored --------------------------------

def test_a_multivariate_series_csv_trains_exports_and_rescores_point_by_point(series_export,
                                                                              tmp_path):
    path, output = series_export
    model, metadata = export.load(output)
    assert metadata["kind"] == "series" and metadata["feature_names"] == ["pressure", "flow",
                                                                          "noise"]
    assert 0.0 <= metadata["metrics"]["auroc"] <= 1.0  # written after the export
    scores = score_file(output, path, tmp_path / "scores.csv")
    values = pd.read_csv(path)[["pressure", "flow", "noise"]].to_numpy(np.float32)
    assert list(scores.columns) == ["index", "score", "is_anomaly"]
    assert len(scores) == len(values)
    stride = metadata["stride"]
    expected = windows.window_to_point_scores(
        model.score(np.ascontiguousarray(windows.sliding_windows(values, WINDOW, stride))),
        len(values), WINDOW, stride)
    np.testing.assert_allclose(scores["score"], expected, rtol=1e-6)
    np.testing.assert_array_equal(scores["is_anomaly"], expected > metadata["threshold"])


def test_a_rows_csv_is_rescored_with_the_categories_of_training(rows_export, tmp_path):
    path, output = rows_export
    model, metadata = export.load(output)
    assert metadata["feature_names"] == ["bytes", "duration", "protocol=icmp", "protocol=tcp",
                                         "protocol=udp"]
    scores = score_file(output, path, tmp_path / "scores.csv")
    assert list(scores.columns) == ["row", "score", "is_anomaly"]
    assert scores["row"].tolist() == list(range(80))
    ds = datasets.load(metadata["dataset"], **metadata["dataset_options"])
    test_rows = ds.meta["test_rows"]
    np.testing.assert_allclose(scores["score"].to_numpy()[test_rows], model.score(ds.test.x),
                               rtol=1e-6)
    # Columns in another order, only some categories, one never seen: the training vocabulary.
    rows = pd.read_csv(path).iloc[test_rows][["protocol", "label", "duration", "bytes"]]
    rows.iloc[0, 0] = "gre"
    rows.to_csv(tmp_path / "shuffled.csv", index=False)
    rescored = score_file(output, tmp_path / "shuffled.csv", tmp_path / "rescored.csv")
    expected_inputs = ds.test.x.copy()
    expected_inputs[0, 2:] = 0.0  # an unseen category encodes as all zeros
    np.testing.assert_allclose(rescored["score"], model.score(expected_inputs), rtol=1e-6)


def test_an_image_folder_and_a_flat_folder_of_images_are_rescored(image_export, tmp_path):
    folder, output = image_export
    model, metadata = export.load(output)
    scores = score_file(output, folder, tmp_path / "scores.csv")
    assert list(scores.columns) == ["file", "score", "is_anomaly"] and len(scores) == 35
    ds = datasets.load(metadata["dataset"], **metadata["dataset_options"])
    by_file = scores.set_index("file")["score"]
    np.testing.assert_allclose(by_file[ds.meta["test_files"]].to_numpy(),
                               model.score(ds.test.x), rtol=1e-6)
    flat = tmp_path / "flat"
    shutil.copytree(folder / "abnormal", flat)
    (flat / "notes.txt").write_text("not an image")
    flat_scores = score_file(output, flat, tmp_path / "flat.csv")
    assert flat_scores["file"].tolist() == [f"{i:03d}.png" for i in range(5)]
    np.testing.assert_allclose(
        flat_scores["score"], by_file[[f"abnormal/{i:03d}.png" for i in range(5)]], rtol=1e-6)


def test_a_session_file_is_rescored_line_by_line(session_export, tmp_path):
    path, output = session_export
    model, metadata = export.load(output)
    scores = score_file(output, path, tmp_path / "scores.csv")
    assert list(scores.columns) == ["line", "score", "is_anomaly"]
    assert scores["line"].tolist() == list(range(1, 61))
    ds = datasets.load(metadata["dataset"], **metadata["dataset_options"])
    lines = np.asarray(ds.meta["test_rows"]) + 1
    np.testing.assert_allclose(scores.set_index("line").loc[lines, "score"],
                               model.score(ds.test.x), rtol=1e-5)


# ----- unlabelled and one-class test data -----------------------------------------------------

def test_an_unlabelled_series_trains_exports_and_says_why_no_auroc(tmp_path, capsys):
    t = np.arange(300)
    pd.DataFrame({"timestamp": t, "value": np.sin(t / 5.0)}).to_csv(tmp_path / "orion.csv",
                                                                     index=False)
    dataset = f"csv:{tmp_path / 'orion.csv'}"
    code, out, err = train_cli([*SERIES_MODEL, *QUICK, "--dataset", dataset,
                                "--output", str(tmp_path / "out")], capsys)
    assert code == 0, err
    reason = ("AUROC, AUPRC and F1 not computed: the test data have no labels ("
              f"{dataset} has none); they need labelled normal examples and anomalies")
    assert out.count(reason) == 1
    assert "IsolationForest" not in out  # no baseline without both classes either
    model, metadata = export.load(tmp_path / "out")
    results = metadata["metrics"]
    assert results["n"] == 120 and metrics.NOT_COMPUTED in results and "auroc" not in results
    assert metadata["baseline_isolation_forest"] is None
    assert {"threshold", "n_flagged", "max_score", "median_score"} <= set(results)
    assert evaluate.main(["--model-dir", str(tmp_path / "out"), "--plot",
                          str(tmp_path / "plots")]) == 0
    assert reason in capsys.readouterr().out
    assert (tmp_path / "plots" / "series.png").is_file()
    assert not (tmp_path / "plots" / "curves.png").exists()
    scores = score_file(tmp_path / "out", tmp_path / "orion.csv", tmp_path / "scores.csv")
    assert list(scores.columns) == ["index", "timestamp", "score", "is_anomaly"]
    assert scores["timestamp"].tolist() == t.tolist()


def test_a_test_split_of_one_class_is_summarised(series_export, tmp_path, capsys):
    path, output = series_export
    pd.read_csv(path).assign(Label=0).to_csv(tmp_path / "normal.csv", index=False)
    # Another dataset for a series model is cut into the model's windows.
    assert evaluate.main(["--model-dir", str(output), "--dataset",
                          f"csv:{tmp_path / 'normal.csv'}", "--json",
                          str(tmp_path / "eval.json")]) == 0
    assert ("AUROC, AUPRC and F1 not computed: the test labels hold only normal examples (0); "
            "they need both classes") in capsys.readouterr().out
    assert json.loads((tmp_path / "eval.json").read_text())["metrics"]["n"] == 120


def test_an_empty_test_split_is_not_scored(tmp_path, capsys):
    write_sessions(tmp_path / "sessions.txt")
    code, out, err = train_cli([*SESSIONS_MODEL, *QUICK, "--dataset",
                                f"sessions:{tmp_path / 'sessions.txt'}", "--dataset-option",
                                "test_fraction=0", "--output", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "scoring the test split" not in out
    assert "AUROC, AUPRC and F1 not computed: the test split of sessions:" in out
    assert "is empty: nothing was scored" in out
    assert export.load(tmp_path / "out")[1]["metrics"] == {
        metrics.NOT_COMPUTED: f"the test split of sessions:{tmp_path / 'sessions.txt'} is "
                              f"empty: nothing was scored"}


def test_the_summary_and_reason_replace_the_metrics_without_both_classes():
    assert metrics.single_class([0, 1, 0]) is None
    assert metrics.single_class([0, 0]) == "normal examples (0)"
    assert metrics.single_class([1]) == "anomalies (1)"
    summary = metrics.summary([0.1, 0.5, 0.3, 0.9], threshold=0.4)
    assert summary == {"n": 4, "threshold": 0.4, "n_flagged": 2, "max_score": 0.9,
                       "median_score": pytest.approx(0.4)}
    assert list(metrics.summary([0.2])) == ["n", "max_score", "median_score"]
    table = metrics.format_table({**summary, metrics.NOT_COMPUTED: "no labels"}, title="t")
    assert table.splitlines()[-1] == "AUROC, AUPRC and F1 not computed: no labels"
    assert table.splitlines()[2].split() == ["n", "4"]
    ds = datasets.from_arrays("tabular", np.zeros((10, 2)), test=np.ones((4, 2)),
                              test_labels=[0, 0, 0, 0])
    assert evaluation.missing_labels_reason(ds, "test", ds.test.y) == (
        "the test labels hold only normal examples (0); they need both classes")
    ds = datasets.from_arrays("tabular", np.zeros((10, 2)), test=np.ones((4, 2)))
    assert "no labels" in evaluation.missing_labels_reason(ds, "test", ds.test.y)


# ----- no lost work ---------------------------------------------------------------------------

def test_an_error_after_training_leaves_the_export_and_names_it(tmp_path, capsys, monkeypatch):
    write_rows(tmp_path / "rows.csv")

    def failing(*args, **kwargs):
        raise datasets.DatasetError("scoring failed")

    monkeypatch.setattr(evaluation, "evaluate_split", failing)
    output = tmp_path / "out"
    code, _, err = train_cli([*ROWS_MODEL, *QUICK, "--dataset", f"table:{tmp_path / 'rows.csv'}",
                              "--output", str(output)], capsys)
    assert code == 2
    assert_one_error_line(err, "train.py", f"scoring failed; the trained model is exported to "
                                           f"{output}")
    model, metadata = export.load(output)
    assert metadata["metrics"] is None and np.isfinite(metadata["threshold"])
    assert model.score(np.zeros((2, 5), np.float32)).shape == (2,)


def test_update_metadata_merges_into_the_export(series_export, tmp_path):
    _, output = series_export
    shutil.copytree(output, tmp_path / "copy")
    before = json.loads((tmp_path / "copy" / "metadata.json").read_text())
    after = export.update_metadata(tmp_path / "copy", {"metrics": {"auroc": 0.5},
                                                       "note": float("nan")})
    assert list(after) == [*before, "note"] and after["note"] is None
    assert after["metrics"] == {"auroc": 0.5} and after["config"] == before["config"]
    assert json.loads((tmp_path / "copy" / "metadata.json").read_text()) == after
    assert not list((tmp_path / "copy").glob(".*tmp*"))


# ----- fine-tuning ----------------------------------------------------------------------------

def fine_tune(series_export, tmp_path, capsys, *flags):
    """train.py --init-from the series export on a new series of the same three features,
    twice the amplitude: (the source model, the fine-tuned model, its metadata, the new ds)."""
    _, source = series_export
    write_tsb_ad_series(tmp_path / "new.csv", scale=2.0, seed=1)
    code, out, err = train_cli(["--init-from", str(source), "--dataset",
                                f"csv:{tmp_path / 'new.csv'}", *QUICK, "--no-baseline",
                                "--output", str(tmp_path / "tuned"), *flags], capsys)
    assert code == 0, err
    assert f"fine-tuning the gru_vae_series model of {source}" in out
    tuned, metadata = export.load(tmp_path / "tuned")
    ds = datasets.load(f"csv:{tmp_path / 'new.csv'}", window=WINDOW)
    return export.load(source)[0], tuned, metadata, ds


def test_fine_tuning_continues_training_the_export_on_new_data(series_export, tmp_path, capsys):
    original, tuned, metadata, ds = fine_tune(series_export, tmp_path, capsys)
    assert metadata["init_from"] == str(series_export[1].resolve())
    assert metadata["refit_scaling"] is False and metadata["model"] == "gru_vae_series"
    assert metadata["dataset_options"] == {"window": WINDOW}  # the model's window
    assert metadata["config"]["scaling"] == original.scaling  # the model's own scaling kept
    assert not np.allclose(tuned.trainable_weights[0].numpy(),
                           original.trainable_weights[0].numpy())
    # The optimizer went on from the export's state: 9 more steps of batch 16.
    assert int(tuned.vae_optimizer.iterations.numpy()) == (
        int(original.vae_optimizer.iterations.numpy()) + 9)
    assert np.isfinite(tuned.score(ds.examples("test", stride=WINDOW)[0])).all()


def test_refit_scaling_rebuilds_the_model_with_the_new_statistics(series_export, tmp_path,
                                                                 capsys):
    original, tuned, metadata, ds = fine_tune(series_export, tmp_path, capsys, "--refit-scaling")
    assert metadata["refit_scaling"] is True
    assert tuned.scaling == ds.meta["scaling"] != original.scaling
    # Before any training, the rebuilt model holds the weights and optimizer state it came with.
    rebuilt = original.with_scaling(ds.meta["scaling"])
    for copied, kept in zip(rebuilt.weights, original.weights, strict=True):
        np.testing.assert_array_equal(copied.numpy(), kept.numpy())
    for copied, kept in zip(rebuilt.vae_optimizer.variables, original.vae_optimizer.variables,
                            strict=True):
        np.testing.assert_array_equal(copied.numpy(), kept.numpy())
    x = np.ascontiguousarray(ds.examples("test", stride=WINDOW)[0])
    scaled_by = {"old": original.scale(x).numpy(), "new": rebuilt.scale(x).numpy()}
    assert scaled_by["new"].max() < scaled_by["old"].max()  # twice the range, half the scale


@pytest.mark.parametrize("flags, message", [
    (["--model", "tanogan"], "holds a gru_vae_series model; leave out --model"),
    (["--set", "units=4"], "--set changes a model's architecture"),
    (["--mixed-precision", "bfloat16"], "fine-tuning keeps it: leave out --mixed-precision"),
])
def test_fine_tuning_refuses_what_would_change_the_export(series_export, flags, message,
                                                          capsys):
    path, source = series_export
    code, _, err = train_cli(["--init-from", str(source), "--dataset", f"csv:{path}", *flags,
                              *QUICK], capsys)
    assert code == 2
    assert_one_error_line(err, "train.py", message)


def test_refit_scaling_of_a_model_that_scales_nothing_is_refused(session_export, capsys):
    path, source = session_export
    code, _, err = train_cli(["--init-from", str(source), "--dataset", f"sessions:{path}",
                              "--refit-scaling", *QUICK], capsys)
    assert code == 2
    assert_one_error_line(err, "train.py", "scales no inputs (sessions data); leave it out")


def test_a_fine_tuned_series_of_another_feature_count_is_refused(series_export, tmp_path,
                                                                 capsys):
    _, source = series_export
    frame = write_tsb_ad_series(tmp_path / "two.csv")
    frame.drop(columns="noise").to_csv(tmp_path / "two.csv", index=False)
    code, _, err = train_cli(["--init-from", str(source), "--dataset",
                              f"csv:{tmp_path / 'two.csv'}", *QUICK], capsys)
    assert code == 2
    assert_one_error_line(err, "train.py", "has examples of shape [10, 2]; the model takes "
                                           "windows [window, features] of shape [10, 3]")


# ----- TensorBoard ----------------------------------------------------------------------------

def test_tensorboard_logs_every_tracked_loss(tmp_path, capsys):
    from tensorboard.backend.event_processing import event_accumulator
    write_sessions(tmp_path / "sessions.txt")
    code, _, err = train_cli([*SESSIONS_MODEL, *QUICK, "--epochs", "2", "--dataset",
                              f"sessions:{tmp_path / 'sessions.txt'}", "--tensorboard",
                              str(tmp_path / "logs"), "--output", str(tmp_path / "out")],
                             capsys)
    assert code == 0, err
    (events,) = (tmp_path / "logs" / "train").glob("events.out.tfevents.*")
    logs = event_accumulator.EventAccumulator(str(events))
    logs.Reload()
    losses = {"loss", "elbo", "reconstruction", "kl"}
    assert {f"epoch_{name}" for name in losses} <= set(logs.Tags()["tensors"])
    assert len(logs.Tensors("epoch_loss")) == 2  # one value per epoch


def test_tensorboard_without_its_package_is_one_clear_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # as if not installed
    code, _, err = train_cli(["--tensorboard", str(tmp_path / "logs"), *QUICK], capsys)
    assert code == 2
    assert_one_error_line(err, "train.py", "--tensorboard needs the tensorboard package")


# ----- bad input: one clear line each ---------------------------------------------------------

def bad_series(folder, values, labels=None, *, name):
    frame = pd.DataFrame({"value": values})
    if labels is not None:
        frame["label"] = labels
    frame.to_csv(folder / name, index=False)
    return f"csv:{folder / name}"


def bad_train_inputs(folder):
    """name -> (train.py arguments, what the error line says)."""
    (folder / "empty.csv").write_text("")
    (folder / "no_normal").mkdir()
    for i in range(9):
        write_png(folder / "unreadable" / "normal" / f"{i}.png", np.zeros((8, 8, 1)))
    (folder / "unreadable" / "normal" / "broken.png").write_bytes(b"\x89PNG not an image")
    (folder / "sessions.txt").write_text("5 9 11\n5 x 7\n")
    (folder / "not_an_export").mkdir()
    (folder / "not_an_export" / "weights.h5").write_text("")
    numbers = np.sin(np.arange(200) / 5.0)
    text = numbers.astype(object)
    text[7] = "high"
    with_nan = numbers.copy()
    with_nan[9] = np.nan
    return {
        "missing file": (["--dataset", f"csv:{folder / 'nope.csv'}"], "data file not found"),
        "empty file": (["--dataset", f"csv:{folder / 'empty.csv'}"], "empty file"),
        "text in a feature": (["--dataset", bad_series(folder, text, name="text.csv")],
                              "column 'value' is not numeric (row 7 holds 'high')"),
        "NaN in a feature": (["--dataset", bad_series(folder, with_nan, name="nan.csv")],
                             "row 9, column 'value', holds a missing or non-finite value"),
        "label other than 0/1": (["--dataset", bad_series(folder, numbers, [0] * 199 + [2],
                                                          name="labels.csv")],
                                 "row 199 holds 2; expected 0 or 1"),
        "series shorter than a window": (["--dataset", bad_series(folder, numbers[:50],
                                                                  name="short.csv")],
                                         "is shorter than one window of 60"),
        "image folder without normal/": (["--model", "anogan", "--dataset",
                                          f"images:{folder / 'no_normal'}"],
                                         "no normal/ folder"),
        "unreadable image": (["--model", "anogan", "--dataset",
                              f"images:{folder / 'unreadable'}"], "not a readable image"),
        "session key not an integer": (["--model", "gru_vae", "--dataset",
                                        f"sessions:{folder / 'sessions.txt'}"],
                                       "line 2: 'x' is not a log key"),
        "init-from not an export": (["--init-from", str(folder / "not_an_export")],
                                    "is not a complete export: missing model.keras"),
    }


BAD_TRAIN_INPUTS = ["missing file", "empty file", "text in a feature", "NaN in a feature",
                    "label other than 0/1", "series shorter than a window",
                    "image folder without normal/", "unreadable image",
                    "session key not an integer", "init-from not an export"]


@pytest.mark.parametrize("case", BAD_TRAIN_INPUTS)
def test_bad_input_to_train_is_one_clear_line(case, tmp_path, capsys):
    argv, message = bad_train_inputs(tmp_path)[case]
    code, _, err = train_cli([*argv, *QUICK, "--output", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_error_line(err, "train.py", message)
    assert not (tmp_path / "out").exists()


def test_bad_input_to_evaluate_is_one_clear_line(series_export, rows_export, image_export,
                                                 session_export, tmp_path, capsys):
    series_path, series_out = series_export
    rows_path, rows_out = rows_export
    _, image_out = image_export
    _, session_out = session_export
    rows = pd.read_csv(rows_path)
    rows.drop(columns="duration").to_csv(tmp_path / "lacking.csv", index=False)
    rows.assign(bytes=rows["bytes"].astype(object)).assign(
        bytes=lambda f: f["bytes"].where(f.index != 3, "lots")).to_csv(tmp_path / "text.csv",
                                                                      index=False)
    pd.read_csv(series_path).drop(columns="noise").to_csv(tmp_path / "two.csv", index=False)
    write_png(tmp_path / "pictures" / "a.png", np.zeros((8, 8, 1)))
    (tmp_path / "pictures" / "b.png").write_bytes(b"not a png")
    write_png(tmp_path / "large" / "a.png", np.zeros((9, 8, 1)))
    (tmp_path / "keys.txt").write_text("1 2 3\n1 9 2\n")
    cases = [
        (series_out, tmp_path / "nope.csv", "data file not found"),
        (series_out, tmp_path / "two.csv", "has the feature columns pressure, flow; the model "
                                           "takes 3 feature(s) (pressure, flow, noise)"),
        (rows_out, tmp_path / "lacking.csv", "lacks the column of the model's feature "
                                             "'duration'"),
        (rows_out, tmp_path / "text.csv", "row 3, column 'bytes' holds 'lots'; expected a "
                                          "finite number"),
        (image_out, tmp_path / "pictures", "b.png: not a readable image"),
        (image_out, tmp_path / "large", "9x8 pixels; the model takes 8x8 images"),
        (session_out, tmp_path / "keys.txt", "line 2: '9' is not a log key; expected integers "
                                             "1..5"),
    ]
    for model_dir, path, message in cases:
        out = tmp_path / "scores.csv"
        assert evaluate.main(["--model-dir", str(model_dir), "--input", str(path),
                              "--scores-out", str(out)]) == 2, path
        assert_one_error_line(capsys.readouterr().err, "evaluate.py", message)
        assert not out.exists() and not list(tmp_path.glob(".scores.csv.partial"))


def test_keras_fine_tuning_from_python_as_the_readme_shows(series_export):
    """README's three lines: load the .keras file (zoo, imported above, registers the models
    with Keras), fit, calibrate."""
    path, output = series_export
    model = keras.models.load_model(output / "model.keras")
    ds = datasets.load(f"csv:{path}", window=WINDOW)
    before = model.trainable_weights[0].numpy().copy()
    model.fit(model.training_data(ds, batch_size=16), epochs=1, shuffle=False, verbose=0)
    threshold = model.calibrate(evaluation.calibration_inputs(ds, stride=WINDOW))
    assert not np.allclose(before, model.trainable_weights[0].numpy())
    assert float(model.threshold.numpy()) == threshold
