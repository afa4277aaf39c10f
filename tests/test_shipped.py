"""The shipped models of saved_models/: servable as they are, reproducible, within the budget.

Every folder check runs on each shipped folder present and on one tiny export that the same ship
step (saved_models/ship.py) makes here in a temporary folder from train.py's tiny test settings,
so that the machinery is tested before anything is shipped. Scoring only: nothing trains but the
tiny export.

Why scores are compared at a relative 1e-4: a float32 model's scores are bit-identical on the
machine that recorded them, but oneDNN picks its kernels by instruction set (AVX2, AVX-512, ...)
and sums in another order on another CPU, which moves the last bits (relative 1e-6 or so, more
after an inversion's few Adam steps). 1e-4 is far below any gap between scores that changes a
decision or a metric, and far above that noise, yet a wrong model (other weights, another
scaling, a wrong threshold variable) misses it by orders of magnitude.
"""

import json
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import train
import zoo
from saved_models import ship
from tests.test_cli import TINY
from zoo import catalog, export

RTOL = 1e-4
TINY_NAME = "tiny-tanogan"
PRESENT = [name for name in catalog.names() if (catalog.ROOT / name / "metadata.json").is_file()]
SERVING_PY = Path(zoo.__file__).with_name("serving.py")
#: What each family's serving_default answers (README.md, docs/SERVING.md).
GRU_VAE_OUTPUTS = {"score", "is_anomaly", "sequence_nll", "log_reconstruction_probability"}
DOCUMENTED_OUTPUTS = {"gru_vae": GRU_VAE_OUTPUTS, "gru_vae_series": GRU_VAE_OUTPUTS}
#: One instance of each family's request: its rank and dtype (docs/SERVING.md).
INSTANCE = {"series": (2, "float32"), "tabular": (1, "float32"), "image": (3, "float32"),
            "sessions": (1, "int32")}


def write_tiny_catalog(root: Path) -> None:
    (root / "catalog.json").write_text(json.dumps({
        "about": "a test catalog", "base_url": None, "budget_bytes": 40_000_000,
        "models": {TINY_NAME: {"args": [*TINY, "--epochs", "1"],
                               "data": "a tiny synthetic series"},
                   "not-yet": {"args": ["--model", "ocgan"], "data": "nothing"}}}))


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory):
    """A saved_models-like folder with one tiny TAnoGAN shipped by `ship.train`."""
    root = tmp_path_factory.mktemp("shipped")
    write_tiny_catalog(root)
    ship.train(TINY_NAME, root)
    ship.write_readme(root)
    return root


@pytest.fixture(params=[*PRESENT, TINY_NAME])
def shipped(request, tiny_root):
    """(root, name) of a shipped folder."""
    return (tiny_root if request.param == TINY_NAME else catalog.ROOT), request.param


_LOADED = {}


def loaded(root: Path, name: str):
    """The model of a shipped folder (loaded once) and its metadata."""
    key = (str(root), name)
    if key not in _LOADED:
        _LOADED[key] = export.load(root / name)
    return _LOADED[key]


def reproduction_inputs(metadata: dict) -> np.ndarray:
    return export.decode_array(metadata["reproduction"]["inputs"])


def assert_reproduces(outputs: dict, metadata: dict, where: str) -> None:
    """`outputs` ({name: values}) give the reproduction outputs of `metadata`: numbers at
    relative RTOL (with that share of the largest score as the floor, so that a score of 1e-9
    beside scores of 1 is not held to 1e-13), decisions equal but within that of the threshold."""
    recorded = metadata["reproduction"]["outputs"]
    assert set(outputs) == set(recorded), where
    scale = float(np.max(np.abs(recorded["score"])))
    for name, values in recorded.items():
        if name == "is_anomaly":
            continue
        np.testing.assert_allclose(np.asarray(outputs[name], np.float64), values, rtol=RTOL,
                                   atol=RTOL * scale, err_msg=f"{where}: {name}")
    threshold = metadata["threshold"]
    clear = np.abs(np.asarray(recorded["score"]) - threshold) > RTOL * max(abs(threshold), scale)
    np.testing.assert_array_equal(np.asarray(outputs["is_anomaly"], bool)[clear],
                                  np.asarray(recorded["is_anomaly"], bool)[clear], err_msg=where)


# ----- every shipped folder ----------------------------------------------------------------

def test_tensorflow_alone_serves_the_documented_request_in_a_new_process(shipped, tmp_path):
    """tf.saved_model.load in a fresh process (zoo not imported: zoo/serving.py is read as a
    lone file), answering docs/SERVING.md's REST requests (rows and columns) and gRPC."""
    root, name = shipped
    metadata = json.loads((root / name / "metadata.json").read_text())
    inputs = reproduction_inputs(metadata)
    np.save(tmp_path / "inputs.npy", inputs)
    script = textwrap.dedent(f"""
        import importlib.util, json, sys
        import numpy as np, tensorflow as tf
        spec = importlib.util.spec_from_file_location("lone_serving", {str(SERVING_PY)!r})
        serving = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(serving)
        signature = tf.saved_model.load({str(root / name / 'serving' / '1')!r}).signatures[
            "serving_default"]
        inputs = np.load({str(tmp_path / 'inputs.npy')!r})
        spec_in = signature.structured_input_signature[1]["inputs"]
        rows = serving.answer_rest(signature, serving.rest_body(inputs))
        columns = serving.answer_rest(signature, serving.rest_body(inputs, columnar=True))
        response = serving.answer_grpc(signature, serving.grpc_request(
            inputs, model_name={name!r}, dtype=spec_in.dtype))
        json.dump({{"dtype": spec_in.dtype.name, "shape": spec_in.shape.as_list(),
                    "rows": rows, "columns": columns,
                    "grpc": {{k: tf.make_ndarray(v).tolist() for k, v in response.outputs.items()}},
                    "zoo": sorted(m for m in sys.modules if m.split(".")[0] == "zoo")}},
                  open({str(tmp_path / 'answer.json')!r}, "w"))
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=600)
    answer = json.loads((tmp_path / "answer.json").read_text())
    assert answer["zoo"] == [], "the new process imported the zoo"
    rank, dtype = INSTANCE[metadata["kind"]]
    assert inputs.ndim == rank + 1 and answer["dtype"] == dtype == str(inputs.dtype)
    assert answer["shape"][0] is None
    assert all(want in (None, got) for want, got in zip(answer["shape"][1:], inputs.shape[1:]))
    documented = DOCUMENTED_OUTPUTS.get(metadata["model"], {"score", "is_anomaly"})
    predictions = answer["rows"]["predictions"]
    assert len(predictions) == len(inputs)
    assert all(set(p) == documented for p in predictions)
    by_rows = {key: [p[key] for p in predictions] for key in documented}
    assert_reproduces(by_rows, metadata, f"{name}: REST rows")
    assert_reproduces(answer["columns"]["outputs"], metadata, f"{name}: REST columns")
    assert_reproduces(answer["grpc"], metadata, f"{name}: gRPC")


def test_the_keras_model_reproduces_the_recorded_scores(shipped):
    root, name = shipped
    model, metadata = loaded(root, name)
    inputs = reproduction_inputs(metadata)
    assert_reproduces(model.predict_outputs(inputs), metadata, f"{name}: model.keras")
    np.testing.assert_allclose(model.score(inputs), metadata["reproduction"]["outputs"]["score"],
                               rtol=RTOL, atol=RTOL * float(np.max(np.abs(model.score(inputs)))))


def test_the_weights_are_those_the_metadata_records(shipped):
    root, name = shipped
    model, metadata = loaded(root, name)
    assert export.weights_digest(model) == metadata["weights_sha256"]
    assert float(model.threshold.numpy()) == pytest.approx(metadata["threshold"], rel=1e-7)


def test_the_files_are_those_the_manifest_records(shipped):
    """Nothing added (a second serving version, a stray file) or changed since shipping."""
    root, name = shipped
    entry = catalog.manifest(root)["models"][name]
    assert ship.folder_files(root / name) == entry["files"]
    assert export.serving_versions(root / name) == [1]
    assert entry["bytes"] == sum(f["bytes"] for f in entry["files"].values())


def test_the_metadata_records_how_it_was_made(shipped):
    root, name = shipped
    metadata = json.loads((root / name / "metadata.json").read_text())
    words = shlex.split(metadata["command"])
    assert words[:2] == ["python", "train.py"]
    assert words[2:] == ship.train_arguments(name, root)
    assert {"cpu", "cores", "gpus", "instruction_sets"} <= set(metadata["machine"])
    assert {"tensorflow", "keras", "numpy", "python"} <= set(metadata["versions"])
    assert isinstance(metadata["seed"], int) and np.isfinite(metadata["threshold"])
    assert 0.0 <= metadata["metrics"]["auroc"] <= 1.0
    if metadata["kind"] == "sessions":  # IsolationForest takes no log-key sessions (train.py)
        assert metadata["baseline_isolation_forest"] is None
    else:
        assert 0.0 <= metadata["baseline_isolation_forest"]["auroc"] <= 1.0
    check = metadata["reproduction"]
    assert check["split"] == "test" and check["stride"] == metadata["stride"]
    assert len(check["indices"]) == len(check["labels"]) == len(check["outputs"]["score"]) == 8
    assert check["indices"][0] == 0 and check["indices"] == sorted(check["indices"])
    assert metadata.get("optimizer_state", True) == catalog.manifest(root)["models"][name].get(
        "optimizer_state", True)


# ----- saved_models/ as a whole ------------------------------------------------------------

def test_saved_models_stays_within_its_budget():
    used, budget = ship.used_bytes(catalog.ROOT), catalog.catalog()["budget_bytes"]
    assert used <= budget, f"saved_models/ tracks {used / 1e6:.1f} MB of {budget / 1e6:.0f} MB"
    assert budget <= 40_000_000


def test_every_present_folder_was_shipped_by_the_ship_step():
    assert set(PRESENT) <= set(catalog.manifest()["models"])


def test_the_readme_is_generated_from_the_current_metadata():
    assert (catalog.ROOT / "README.md").read_text() == ship.readme_text(catalog.ROOT), (
        "saved_models/README.md is stale: python -m saved_models.ship readme")


def test_gitignore_tracks_the_catalog_folders_and_ignores_other_exports():
    text = ship.GITIGNORE.read_text()
    assert ship.gitignore_text(text, catalog.names()) == text, (
        "the shipped block of .gitignore is stale: python -m saved_models.ship readme")
    if shutil.which("git") is None or not (ship.REPO / ".git").exists():
        pytest.skip("not a git checkout")

    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=ship.REPO).returncode == 0

    assert ignored("saved_models/tanogan-synthetic/model.keras")  # a user's own export
    assert ignored("saved_models/tanogan-nab-ambient.backup/x")
    for name in catalog.names():
        assert not ignored(f"saved_models/{name}/model.keras")
    for name in ship.TRACKED_FILES:
        assert not ignored(f"saved_models/{name}")


def test_no_shipped_name_is_where_train_py_exports_by_default():
    """A leaderboard command (`python train.py --model M --dataset D`) writes
    saved_models/<M>-<D>: never a shipped folder."""
    for name, entry in catalog.catalog()["models"].items():
        args = train.parse_args([*entry["args"], "--output", f"saved_models/{name}"])
        assert train.default_output(args.model, args.dataset).name != name
        assert args.command == shlex.join(["python", "train.py", *entry["args"], "--output",
                                           f"saved_models/{name}"])


# ----- the ship step -----------------------------------------------------------------------

def optimizer_groups(path: Path) -> list[str]:
    """The optimizers whose state the weights file of a .keras archive holds."""
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(path) as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        return sorted(key for key in weights if key.endswith("optimizer"))


def test_strip_keeps_the_weights_and_drops_the_optimizer_state(tiny_root, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(tiny_root, root)
    before = (root / TINY_NAME / "model.keras").stat().st_size
    ship.strip(TINY_NAME, root)
    entry = catalog.manifest(root)["models"][TINY_NAME]
    assert entry["optimizer_state"] is False and ship.folder_files(root / TINY_NAME) == entry[
        "files"]
    assert entry["files"]["model.keras"]["bytes"] < before
    assert optimizer_groups(tiny_root / TINY_NAME / "model.keras") == [
        "discriminator_optimizer", "generator_optimizer"]
    assert optimizer_groups(root / TINY_NAME / "model.keras") == []
    model, metadata = export.load(root / TINY_NAME)
    assert metadata["optimizer_state"] is False and not model.compiled
    assert export.weights_digest(model) == metadata["weights_sha256"]
    assert_reproduces(model.predict_outputs(reproduction_inputs(metadata)), metadata, "stripped")
    model = zoo.load(root / TINY_NAME)  # compiled: fresh optimizers with the paper's settings
    assert model.compiled and int(model.generator_optimizer.iterations.numpy()) == 0
    history = model.fit(reproduction_inputs(metadata), batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    ship.write_readme(root)
    assert "stripped: fine-tuning starts fresh optimizers" in (root / "README.md").read_text()


def test_strip_to_budget_strips_the_largest_until_saved_models_fits(tiny_root, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(tiny_root, root)
    assert ship.strip_to_budget(root) == []  # within budget: nothing to do
    entries = json.loads((root / "catalog.json").read_text())
    entries["budget_bytes"] = ship.used_bytes(root) - 1000
    (root / "catalog.json").write_text(json.dumps(entries))
    assert ship.strip_to_budget(root) == [TINY_NAME]
    assert ship.used_bytes(root) <= entries["budget_bytes"]
    entries["budget_bytes"] = 1000
    (root / "catalog.json").write_text(json.dumps(entries))
    with pytest.raises(ship.ShipError, match="with every optimizer state stripped"):
        ship.strip_to_budget(root)


def test_ship_refuses_to_train_a_shipped_model_again_without_force(tiny_root, capsys):
    assert ship.main(["--root", str(tiny_root), "train", TINY_NAME]) == 2
    err = capsys.readouterr().err
    assert "is shipped already" in err and "--force" in err
    assert ship.main(["--root", str(tiny_root), "train", "nope"]) == 2
    assert f"its models: {TINY_NAME}, not-yet" in capsys.readouterr().err


def test_a_failed_training_ships_nothing(tiny_root, tmp_path, capsys):
    root = tmp_path / "root"
    shutil.copytree(tiny_root, root)
    entries = json.loads((root / "catalog.json").read_text())
    entries["models"]["broken"] = {"args": ["--model", "nope"], "data": "none"}
    (root / "catalog.json").write_text(json.dumps(entries))
    assert ship.main(["--root", str(root), "train", "broken"]) == 2
    assert "broken: train.py exited with 2; nothing shipped" in capsys.readouterr().err
    assert not (root / "broken").exists() and "broken" not in catalog.manifest(root)["models"]


def test_list_says_which_shipped_models_changed_code_since(tiny_root, tmp_path, capsys):
    root = tmp_path / "root"
    shutil.copytree(tiny_root, root)
    recorded = catalog.manifest(root)["models"][TINY_NAME]["code"]
    assert {"zoo/tanogan.py", "zoo/base.py", "zoo/inversion.py", "zoo/blocks.py"} <= set(recorded)
    manifest = catalog.manifest(root)
    manifest["models"][TINY_NAME]["code"]["zoo/tanogan.py"] = "0" * 64
    ship.write_manifest(root, manifest)
    assert ship.main(["--root", str(root), "list"]) == 0
    out = capsys.readouterr().out
    assert f"its code changed since shipped (zoo/tanogan.py): python -m saved_models.ship " \
           f"train --force {TINY_NAME}" in out


def test_readme_table_and_usage_come_from_the_metadata(tiny_root):
    text = (tiny_root / "README.md").read_text()
    metadata = json.loads((tiny_root / TINY_NAME / "metadata.json").read_text())
    entry = catalog.manifest(tiny_root)["models"][TINY_NAME]
    m, b = metadata["metrics"], metadata["baseline_isolation_forest"]
    row = next(line for line in text.splitlines() if line.startswith(f"| `{TINY_NAME}` |"))
    cells = [cell.strip() for cell in row.strip("|").split(" | ")]
    assert cells == [f"`{TINY_NAME}`", "a tiny synthetic series",
                     f"{m['auroc']:.3f} / {m['auprc']:.3f} / {m['f1']:.3f}",
                     f"{b['auroc']:.3f} / {b['auprc']:.3f}", f"{entry['bytes'] / 1e6:.1f} MB",
                     "kept", f"`{metadata['command']}`"]
    assert f"--model_base_path=$PWD/saved_models/{TINY_NAME}/serving" in text
    assert f"python evaluate.py --model-dir saved_models/{TINY_NAME}" in text
    assert f"python train.py --init-from saved_models/{TINY_NAME} --dataset <yours>" in text
    assert f'zoo.pretrained("{TINY_NAME}")' in text
    assert "not shipped yet" in text and "`not-yet`" in text
    assert "Not run on the models shipped now." in text


def test_verify_rescores_the_test_split_and_writes_the_comparison(tiny_root, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(tiny_root, root)
    facts = ship.verify(TINY_NAME, root)
    assert facts["reproduced"] and facts["inputs_match"]
    assert facts["largest_difference"] <= ship.TOLERANCE
    assert facts["metrics"]["auroc"]["recorded"] == pytest.approx(
        facts["metrics"]["auroc"]["rescored"], abs=ship.TOLERANCE)
    ship.write_readme(root)
    text = (root / "README.md").read_text()
    assert export.describe_machine(export.machine()) in text
    row = next(line for line in text.splitlines() if line.startswith(f"| `{TINY_NAME}` |")
               and "| yes |" in line)
    assert "| match |" in row


def test_gitignore_block_is_replaced_in_place():
    text = "a\n" + ship.BLOCK_BEGIN + "\n!/saved_models/old/\n" + ship.BLOCK_END + "\nb\n"
    assert ship.gitignore_text(text, ["x", "y"]).splitlines() == [
        "a", ship.BLOCK_BEGIN, "!/saved_models/x/", "!/saved_models/y/", ship.BLOCK_END, "b"]
    assert ship.gitignore_text("a\n", ["x"]).splitlines() == [
        "a", ship.BLOCK_BEGIN, "!/saved_models/x/", ship.BLOCK_END]


# ----- zoo.pretrained and zoo.load ---------------------------------------------------------

def published_root(tiny_root: Path, tmp_path: Path) -> Path:
    """A root holding the tiny catalog and manifest but not its folder (published elsewhere)."""
    root = tmp_path / "root"
    root.mkdir()
    for name in ("catalog.json", "manifest.json"):
        shutil.copy(tiny_root / name, root / name)
    return root


def test_pretrained_reads_the_local_folder(tiny_root):
    model = zoo.pretrained(TINY_NAME, root=tiny_root)
    metadata = json.loads((tiny_root / TINY_NAME / "metadata.json").read_text())
    assert_reproduces(model.predict_outputs(reproduction_inputs(metadata)), metadata, "pretrained")


def test_load_takes_a_folder_or_a_keras_file(tiny_root, tmp_path):
    metadata = json.loads((tiny_root / TINY_NAME / "metadata.json").read_text())
    x = reproduction_inputs(metadata)
    np.testing.assert_array_equal(zoo.load(tiny_root / TINY_NAME).score(x),
                                  zoo.load(tiny_root / TINY_NAME / "model.keras").score(x))
    with pytest.raises(zoo.ExportError, match="model folder not found"):
        zoo.load(tmp_path / "nothing")


def test_pretrained_names_what_is_wrong(tiny_root, tmp_path, monkeypatch):
    monkeypatch.delenv(catalog.URL_ENV, raising=False)
    with pytest.raises(zoo.ExportError, match=f"unknown shipped model 'nope'; shipped: "
                                              f"{TINY_NAME} "):
        zoo.pretrained("nope", root=tiny_root)
    with pytest.raises(zoo.ExportError, match="not-yet is in the catalog but not shipped yet"):
        zoo.pretrained("not-yet", root=tiny_root)
    with pytest.raises(zoo.ExportError, match="not found, and no base URL to download it from"):
        zoo.pretrained(TINY_NAME, root=published_root(tiny_root, tmp_path))
    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_root, damaged)
    with open(damaged / TINY_NAME / "model.keras", "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(zoo.ExportError, match="sha256 mismatch: .*model.keras has"):
        zoo.pretrained(TINY_NAME, root=damaged)


def test_pretrained_downloads_with_get_file_and_checks_the_sha256(tiny_root, tmp_path,
                                                                  monkeypatch):
    """The download path with a file:// base URL: keras.utils.get_file fetches model.keras and
    metadata.json into the cache, checked against the manifest's sha256."""
    site = tmp_path / "site"
    shutil.copytree(tiny_root / TINY_NAME, site / TINY_NAME)
    root, cache = published_root(tiny_root, tmp_path), tmp_path / "cache"
    model = zoo.pretrained(TINY_NAME, root=root, base_url=site.as_uri(), cache_dir=cache)
    metadata = json.loads((tiny_root / TINY_NAME / "metadata.json").read_text())
    assert_reproduces(model.predict_outputs(reproduction_inputs(metadata)), metadata, "download")
    assert sorted(p.name for p in (cache / "zoo" / TINY_NAME).iterdir()) == [
        "metadata.json", "model.keras"]
    shutil.rmtree(site)  # cached and matching: not fetched again
    monkeypatch.setenv(catalog.URL_ENV, site.as_uri())
    assert export.weights_digest(zoo.pretrained(TINY_NAME, root=root, cache_dir=cache)) == (
        metadata["weights_sha256"])
    with pytest.raises(zoo.ExportError, match="could not download"):
        zoo.pretrained(TINY_NAME, root=root, cache_dir=tmp_path / "empty")
    shutil.copytree(tiny_root / TINY_NAME, site / TINY_NAME)
    with open(site / TINY_NAME / "model.keras", "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(zoo.ExportError, match="sha256 mismatch"):
        zoo.pretrained(TINY_NAME, root=root, cache_dir=tmp_path / "fresh")


# ----- train.py's additions to the metadata -------------------------------------------------

def test_the_command_is_written_from_the_repository_root(tmp_path, monkeypatch):
    options = ["--output", "--init-from", "--data-dir", "--dataset", "--dataset-option", "--json"]
    inside = str(ship.REPO / "saved_models" / "x")
    assert train.command_line(["--out", inside, "--dataset", f"csv:{tmp_path}/a.csv",
                               "--dataset-option=window=20", "--init-from=saved_models/y"],
                              options) == (
        f"python train.py --output saved_models/x --dataset csv:{tmp_path}/a.csv "
        "--dataset-option=window=20 --init-from=saved_models/y")
    monkeypatch.chdir(tmp_path)
    assert train.command_line(["--output", "here", "--dataset-option", "normal_digits=[0]"],
                              options) == (
        f"python train.py --output {tmp_path}/here --dataset-option 'normal_digits=[0]'")
    monkeypatch.chdir(ship.REPO / "saved_models")
    assert train.command_line(["--output", "x", "--dataset", "csv:../mine.csv"], options) == (
        "python train.py --output saved_models/x --dataset csv:mine.csv")


def test_arrays_travel_in_json_as_they_were():
    for values in (np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7,
                   np.array([[5, 22, 0], [9, 0, 0]], np.int32)):
        decoded = export.decode_array(json.loads(json.dumps(export.encode_array(values))))
        assert decoded.dtype == values.dtype
        np.testing.assert_array_equal(decoded, values)
