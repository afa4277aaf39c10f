"""Make, check and document the models that ship in saved_models/.

    python -m saved_models.ship list                        # the catalog: shipped or not, sizes
    python -m saved_models.ship train NAME [NAME ...]       # train.py into saved_models/NAME
    python -m saved_models.ship train --all                 # every catalog model not shipped yet
    python -m saved_models.ship strip NAME [NAME ...]       # model.keras without optimizer state
    python -m saved_models.ship strip --to-budget           # the largest, until within budget
    python -m saved_models.ship verify [NAME ...]           # re-score whole test splits
    python -m saved_models.ship readme                      # rewrite saved_models/README.md

`catalog.json` is the one list of what ships: each name with the train.py arguments that make it.
`train` runs `python train.py <arguments> --output saved_models/<name>` from the repository root
(so the export's metadata.json records that command), optionally strips the optimizer state
from model.keras (`--strip-optimizer`), then records every file's sha256 and size in
`manifest.json` and rewrites README.md and the shipped block of .gitignore. A shipped model is
trained again only with `--force`: re-export one when its model's code changes, not on every
run, so the repository does not grow with each. `verify` scores each shipped model's whole test
split with `python evaluate.py --model-dir saved_models/<name>` and writes the comparison with
the metrics of its metadata.json, and the machine it ran on, into the manifest and README.md.

Run it as the trainings it starts should run, e.g. `nice -n 10 python -m saved_models.ship ...`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "saved_models"
GITIGNORE = REPO / ".gitignore"
README = "README.md"
#: The files of saved_models/ that git tracks besides the shipped folders.
TRACKED_FILES = ("README.md", "__init__.py", "ship.py", "catalog.json", "manifest.json")
#: The largest difference between a recorded test metric and a re-scored one that `verify`
#: calls reproduced: on the machine that trained the model they are equal; on another
#: instruction set float32 kernels differ in the last bits, which can move an example across
#: the threshold (one example of 9,000 or more changes F1 by about 1e-4).
TOLERANCE = 1e-3
#: Test metrics in README.md's table, in order.
SHOWN = (("auroc", "AUROC"), ("auprc", "AUPRC"), ("f1", "F1"))
BLOCK_BEGIN = ("# begin shipped models: written by python -m saved_models.ship from "
               "saved_models/catalog.json")
BLOCK_END = "# end shipped models"


class ShipError(RuntimeError):
    """A ship step cannot go on: the message names the model and what to do."""


# ----- paths, catalog, manifest ------------------------------------------------------------

def shell_path(path: Path) -> str:
    """`path` as a command typed in the repository root writes it: relative where it lies in
    the repository, else absolute."""
    path = Path(os.path.abspath(path))
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def read_catalog(root: Path) -> dict[str, Any]:
    from zoo import catalog  # noqa: PLC0415 (importing zoo starts TensorFlow)

    return catalog.catalog(root)


def read_manifest(root: Path) -> dict[str, Any]:
    from zoo import catalog  # noqa: PLC0415

    return catalog.manifest(root)


def entry_of(name: str, root: Path) -> dict[str, Any]:
    """The catalog entry of `name`, or ShipError listing the catalog's names."""
    models = read_catalog(root)["models"]
    if name not in models:
        raise ShipError(f"{name!r} is not in {root / 'catalog.json'}; its models: "
                        f"{', '.join(models)}")
    return models[name]


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    """Write manifest.json with its models in catalog order, by an atomic rename."""
    order = list(read_catalog(root)["models"])
    models = manifest["models"]
    ordered = {name: models[name] for name in order if name in models}
    text = json.dumps({"about": "What ships in saved_models/, written by python -m "
                                "saved_models.ship: each shipped folder's files with their "
                                "sha256 and size, and the last verification.",
                       "models": ordered}, indent=2) + "\n"
    staging = root / f".manifest.json.tmp-{os.getpid()}"
    staging.write_text(text)
    os.replace(staging, root / "manifest.json")


def folder_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under `folder`: {relative path: {"sha256", "bytes"}}, sorted by path."""
    from zoo import catalog  # noqa: PLC0415

    return {str(path.relative_to(folder)): {"sha256": catalog.file_sha256(path),
                                            "bytes": path.stat().st_size}
            for path in sorted(folder.rglob("*")) if path.is_file()}


def record_files(name: str, root: Path, **facts: Any) -> dict[str, Any]:
    """Record the files of the folder `name` in the manifest (with `facts`); return its entry."""
    manifest = read_manifest(root)
    files = folder_files(root / name)
    entry = {**manifest["models"].get(name, {}), **facts, "files": files,
             "bytes": sum(f["bytes"] for f in files.values())}
    manifest["models"][name] = entry
    write_manifest(root, manifest)
    return entry


def used_bytes(root: Path) -> int:
    """The bytes git tracks in `root`: its shipped folders and TRACKED_FILES."""
    shipped = read_manifest(root)["models"]
    folders = sum(entry["bytes"] for entry in shipped.values())
    return folders + sum((root / f).stat().st_size for f in TRACKED_FILES if (root / f).is_file())


def model_code(model: str) -> dict[str, str]:
    """sha256 of the zoo modules registered model `model` rests on: its class's module, those
    of the classes it derives from, and the zoo modules they use, transitively. `list`
    compares them with those recorded at shipping, to say which shipped models' code has
    changed since."""
    import inspect  # noqa: PLC0415

    import zoo  # noqa: PLC0415
    from zoo import catalog  # noqa: PLC0415

    def in_zoo(module) -> bool:
        return module is not None and module.__name__.split(".")[0] == "zoo" and (
            module.__name__ != "zoo")

    pending = [inspect.getmodule(cls) for cls in zoo.get(model).__mro__]
    seen = {}
    while pending:
        module = pending.pop()
        if not in_zoo(module) or module.__name__ in seen:
            continue
        seen[module.__name__] = Path(module.__file__)
        pending += [value if inspect.ismodule(value) else inspect.getmodule(value)
                    for value in vars(module).values()]
    return {shell_path(path): catalog.file_sha256(path) for path in sorted(seen.values())}


def metadata_of(name: str, root: Path) -> dict[str, Any]:
    return json.loads((root / name / "metadata.json").read_text())


# ----- train, strip ------------------------------------------------------------------------

def train_arguments(name: str, root: Path) -> list[str]:
    """The train.py arguments that make `name`: the catalog's, and the output folder."""
    return [*entry_of(name, root)["args"], "--output", shell_path(root / name)]


def train(name: str, root: Path = ROOT, strip: bool = False, force: bool = False) -> dict:
    """Run train.py for `name` into `root/name` (a new process, from the repository root),
    strip its optimizer state if `strip`, and record it; return its manifest entry.

    An existing folder is replaced only with `force`; it is kept until the new one is done.

    Raises:
        ShipError: `name` is shipped already and not `force`d, or train.py failed.
    """
    folder = root / name
    arguments = train_arguments(name, root)
    if folder.exists() and not force:
        raise ShipError(f"{shell_path(folder)} is shipped already; train it again only when "
                        f"its model's code changed: python -m saved_models.ship train --force "
                        f"{name}")
    previous = folder.with_name(f".{name}.previous")
    if folder.exists():
        shutil.rmtree(previous, ignore_errors=True)
        folder.rename(previous)
    print(f"ship {name}: python {' '.join(['train.py', *arguments])}", flush=True)
    started = time.time()
    result = subprocess.run([sys.executable, "train.py", *arguments], cwd=REPO)
    if result.returncode != 0 or not (folder / "metadata.json").is_file():
        notes = []
        if folder.exists():  # exported, then evaluation failed: kept aside, not shipped
            failed = folder.with_name(f"{name}.failed")
            shutil.rmtree(failed, ignore_errors=True)
            folder.rename(failed)
            notes.append(f"its export is in {shell_path(failed)}")
        if previous.exists():
            previous.rename(folder)
            notes.append("the previous folder is kept")
        raise ShipError(f"{name}: train.py exited with {result.returncode}; nothing shipped"
                        + (f" ({'; '.join(notes)})" if notes else ""))
    shutil.rmtree(previous, ignore_errors=True)
    if strip:
        strip_optimizer(folder)
    today = datetime.date.today().isoformat()
    manifest = read_manifest(root)
    manifest["models"].pop(name, None)  # a new export: its old verification no longer holds
    write_manifest(root, manifest)
    metadata = metadata_of(name, root)
    entry = record_files(name, root, shipped=today,
                         optimizer_state=metadata.get("optimizer_state", True),
                         ship_seconds=round(time.time() - started, 1),
                         code=model_code(metadata["model"]))
    print(f"ship {name}: {entry['bytes'] / 1e6:.1f} MB in {entry['ship_seconds']:.0f} s",
          flush=True)
    return entry


def strip_optimizer(folder: Path) -> None:
    """Rewrite folder/model.keras without its optimizers' state, and say so in metadata.json.

    The weights (and so `weights_sha256`) are unchanged; the model loads uncompiled, and
    fine-tuning it (`train.py --init-from`) compiles fresh optimizers with the paper's settings.

    Raises:
        ShipError: the rewritten file would not hold the same weights.
    """
    import keras  # noqa: PLC0415

    from zoo import export  # noqa: PLC0415 (also registers the models with Keras)

    path = folder / export.KERAS_FILE
    model = keras.models.load_model(path, compile=False)  # uncompiled: saved without optimizers
    digest = export.weights_digest(model)
    recorded = json.loads((folder / export.METADATA_FILE).read_text()).get("weights_sha256")
    if digest != recorded:
        raise ShipError(f"{path} holds weights of sha256 {digest}, not the {recorded} of its "
                        "metadata.json: not stripped")
    staging = folder / f".{export.KERAS_FILE}.tmp-{os.getpid()}.keras"
    model.save(staging)
    if export.weights_digest(keras.models.load_model(staging, compile=False)) != digest:
        staging.unlink()
        raise ShipError(f"{path}: the stripped copy holds other weights; not stripped")
    before = path.stat().st_size
    os.replace(staging, path)
    export.update_metadata(folder, {"optimizer_state": False})
    print(f"stripped the optimizer state of {shell_path(path)}: {before / 1e6:.1f} MB -> "
          f"{path.stat().st_size / 1e6:.1f} MB", flush=True)


def strip(name: str, root: Path = ROOT) -> dict[str, Any]:
    """Strip the optimizer state of the shipped `name` and record its files again."""
    if name not in read_manifest(root)["models"]:
        raise ShipError(f"{name} is not shipped: python -m saved_models.ship train "
                        f"--strip-optimizer {name}")
    strip_optimizer(root / name)
    return record_files(name, root, optimizer_state=False)


def strip_to_budget(root: Path = ROOT) -> list[str]:
    """Strip the optimizer state of the shipped models with the largest model.keras, one by
    one, until saved_models/ fits its budget; return the names stripped."""
    budget, stripped = read_catalog(root)["budget_bytes"], []
    while used_bytes(root) > budget:
        models = read_manifest(root)["models"]
        keeping = [n for n, e in models.items() if e.get("optimizer_state", True)]
        if not keeping:
            raise ShipError(f"{shell_path(root)} holds {used_bytes(root) / 1e6:.1f} MB with "
                            f"every optimizer state stripped: over the {budget / 1e6:.0f} MB "
                            "budget")
        largest = max(keeping, key=lambda n: models[n]["files"]["model.keras"]["bytes"])
        strip(largest, root)
        stripped.append(largest)
    return stripped


# ----- verify ------------------------------------------------------------------------------

def compare_metrics(recorded: dict[str, Any], rescored: dict[str, Any]) -> dict[str, Any]:
    """{metric: {"recorded", "rescored"}} for the numeric metrics of both, and the largest
    absolute difference."""
    numbers = (int, float)
    pairs = {key: {"recorded": recorded[key], "rescored": rescored[key]}
             for key in recorded if key in rescored
             and isinstance(recorded[key], numbers) and isinstance(rescored[key], numbers)}
    largest = max((abs(p["recorded"] - p["rescored"]) for p in pairs.values()), default=None)
    return {"metrics": pairs, "largest_difference": largest}


def reproduction_inputs_match(metadata: dict[str, Any], data_dir: str | None = None) -> bool:
    """Whether the inputs of the metadata's reproduction check are the dataset's examples at
    the indices it names."""
    import numpy as np  # noqa: PLC0415

    import datasets  # noqa: PLC0415
    from zoo import export  # noqa: PLC0415

    check = metadata["reproduction"]
    ds = datasets.load(metadata["dataset"], data_dir=data_dir,
                       **metadata.get("dataset_options", {}))
    x, _ = ds.examples(check["split"], stride=check["stride"])
    stored = export.decode_array(check["inputs"])
    return bool(np.array_equal(np.asarray(x[check["indices"]], stored.dtype), stored))


def verify(name: str, root: Path = ROOT, data_dir: str | None = None) -> dict[str, Any]:
    """Score the whole test split of the shipped `name` with evaluate.py (a new process), compare
    with its metadata's metrics, check its reproduction inputs against the dataset, record it."""
    from zoo import export  # noqa: PLC0415

    if name not in read_manifest(root)["models"]:
        raise ShipError(f"{name} is not shipped: nothing to verify")
    metadata = metadata_of(name, root)
    command = ["evaluate.py", "--model-dir", shell_path(root / name)]
    if data_dir:
        command += ["--data-dir", data_dir]
    print(f"verify {name}: python {' '.join(command)}", flush=True)
    started = time.time()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "metrics.json"
        result = subprocess.run([sys.executable, *command, "--json", str(out)], cwd=REPO)
        if result.returncode != 0:
            raise ShipError(f"{name}: evaluate.py exited with {result.returncode}")
        rescored = json.loads(out.read_text())["metrics"]
    seconds = round(time.time() - started, 1)
    comparison = compare_metrics(metadata["metrics"], rescored)
    largest = comparison["largest_difference"]
    facts = {"date": datetime.date.today().isoformat(), "machine": export.machine(),
             "command": "python " + " ".join(command), "seconds": seconds, **comparison,
             "reproduced": largest is not None and largest <= TOLERANCE,
             "inputs_match": reproduction_inputs_match(metadata, data_dir),
             "weights_sha256": metadata["weights_sha256"]}
    manifest = read_manifest(root)
    manifest["models"][name]["verified"] = facts
    write_manifest(root, manifest)
    print(f"verify {name}: largest difference {largest}, "
          f"{'reproduced' if facts['reproduced'] else 'NOT reproduced'}; reproduction inputs "
          f"{'match' if facts['inputs_match'] else 'DO NOT match'} the dataset", flush=True)
    return facts


# ----- README.md and .gitignore ------------------------------------------------------------

def figure(value: Any) -> str:
    return "—" if not isinstance(value, (int, float)) else f"{value:.3f}"


def metric_cell(metrics: dict[str, Any] | None, keys: Sequence[tuple[str, str]]) -> str:
    if not metrics:
        return "—"
    return " / ".join(figure(metrics.get(key)) for key, _ in keys)


def readme_text(root: Path = ROOT) -> str:
    """saved_models/README.md, from the catalog, the manifest and each shipped metadata.json."""
    from zoo import export  # noqa: PLC0415

    catalog, manifest = read_catalog(root), read_manifest(root)["models"]
    shipped = [name for name in catalog["models"] if name in manifest]
    waiting = [name for name in catalog["models"] if name not in manifest]
    budget = catalog["budget_bytes"]
    metric_names = " / ".join(label for _, label in SHOWN)
    lines = [
        "# The zoo's trained models",
        "",
        "<!-- Written by `python -m saved_models.ship` from catalog.json, manifest.json and each "
        "folder's metadata.json: edit those, not this file. -->",
        "",
        "One export per paper, trained on its paper's data by the command in its metadata.json "
        "(run from the repository root). Each folder is an export as `train.py` writes it: "
        "`serving/1/` (a SavedModel TF Serving loads as it is), `model.keras` (for "
        "`keras.models.load_model` after `import zoo`, and fine-tuning) and `metadata.json` "
        "(data, protocol, command, seed, machine, library versions, test metrics beside the "
        "IsolationForest baseline of the same run, threshold, sha256 of the weights, and the "
        "answers for a few fixed test examples, which travel with it, for the reproduction "
        "check).",
        "",
        "## What ships",
        "",
        f"Test metrics on the test split of the training run: {metric_names} (F1 at the "
        "threshold calibrated on normal validation data; series are judged point by point), "
        "beside IsolationForest fitted on the same training examples and scored on the same "
        "split (AUROC / AUPRC).",
        "",
        f"| model | data | test {metric_names} | IsolationForest | size | optimizer state | "
        "command |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in shipped:
        meta, entry = metadata_of(name, root), manifest[name]
        state = ("kept" if entry.get("optimizer_state", True) else
                 "stripped: fine-tuning starts fresh optimizers")
        lines.append(
            f"| `{name}` | {catalog['models'][name].get('data', meta['dataset'])} | "
            f"{metric_cell(meta.get('metrics'), SHOWN)} | "
            f"{metric_cell(meta.get('baseline_isolation_forest'), SHOWN[:2])} | "
            f"{entry['bytes'] / 1e6:.1f} MB | {state} | `{meta.get('command')}` |")
    if not shipped:
        lines.append("| (none shipped yet) | | | | | | |")
    lines += ["", f"All of saved_models/ that git tracks: {used_bytes(root) / 1e6:.1f} MB of the "
                  f"{budget / 1e6:.0f} MB budget.", ""]
    if waiting:
        lines += ["In the catalog, not shipped yet (`python -m saved_models.ship train NAME`): "
                  + ", ".join(f"`{name}`" for name in waiting) + ".", ""]
    example = shipped[0] if shipped else "<name>"
    lines += [
        "## Using one",
        "",
        "Serve it (`--model_base_path` must be absolute; the request each model family answers "
        "is in [docs/SERVING.md](../docs/SERVING.md)):",
        "",
        "```bash",
        f"tensorflow_model_server --rest_api_port=8501 --model_name={example} "
        f"--model_base_path=$PWD/saved_models/{example}/serving",
        "```",
        "",
        "Score its test split again, or a file of your own:",
        "",
        "```bash",
        f"python evaluate.py --model-dir saved_models/{example}",
        f"python evaluate.py --model-dir saved_models/{example} --input yours.csv "
        "--scores-out scores.csv",
        "```",
        "",
        "Fine-tune it on your data (the new export goes to saved_models/<model>-<dataset>, "
        "which git ignores; a model shipped without optimizer state starts fresh optimizers, "
        "with its paper's settings):",
        "",
        "```bash",
        f"python train.py --init-from saved_models/{example} --dataset <yours> --epochs 5",
        "```",
        "",
        "or in three lines of Keras:",
        "",
        "```python",
        "import datasets, zoo",
        "from zoo import evaluation",
        "",
        "ds = datasets.load(\"<yours>\")",
        f"model = zoo.pretrained(\"{example}\")       # or zoo.load(\"saved_models/{example}\")",
        "model.fit(model.training_data(ds, batch_size=32), epochs=5, shuffle=False)",
        "model.calibrate(evaluation.calibration_inputs(ds))   # the threshold, on the new data",
        "```",
        "",
        "(`keras.models.load_model(\"saved_models/<name>/model.keras\")` after `import zoo` "
        "loads the same model; one shipped without optimizer state then comes uncompiled: "
        "`model.compile()` gives it fresh optimizers, as `zoo.pretrained` and `zoo.load` do.)",
        "",
        "`zoo.pretrained(name)` reads saved_models/<name>/model.keras, checked against the "
        "sha256 in manifest.json; where the folder is absent it downloads model.keras and "
        "metadata.json from `<base URL>/<name>/` (`base_url=`, `$ZOO_PRETRAINED_URL` or the "
        "catalog's `base_url`) with `keras.utils.get_file`, which checks the same sha256 "
        "(zoo/catalog.py).",
        "",
        "`python -m pytest tests/test_shipped.py` checks every folder here: the SavedModel loads "
        "with `tf.saved_model.load` in a new process and answers its family's documented "
        "request; model.keras loads after `import zoo`; both reproduce the scores of the fixed "
        "test examples in metadata.json (relative 1e-4); the weights' sha256 matches; and "
        "saved_models/ stays within the budget.",
        "",
        "## Verification",
        "",
        "`python -m saved_models.ship verify` scores each shipped model's whole test split with "
        "`python evaluate.py --model-dir saved_models/<name>` and compares the metrics with "
        f"those of its metadata.json (reproduced: every metric within {TOLERANCE:g}); it also "
        "checks that the inputs of the reproduction check are the dataset's examples they "
        "name.",
        "",
    ]
    checked = [name for name in shipped if manifest[name].get("verified", {}).get(
        "weights_sha256") == metadata_of(name, root)["weights_sha256"]]
    if checked:
        lines += [f"| model | recorded {metric_names} | re-scored | largest difference | "
                  "reproduced | reproduction inputs | machine | date |",
                  "|---|---|---|---|---|---|---|---|"]
        for name in checked:
            check = manifest[name]["verified"]
            recorded = {k: v["recorded"] for k, v in check["metrics"].items()}
            rescored = {k: v["rescored"] for k, v in check["metrics"].items()}
            lines.append(
                f"| `{name}` | {metric_cell(recorded, SHOWN)} | {metric_cell(rescored, SHOWN)} | "
                f"{check['largest_difference']:.2g} | {'yes' if check['reproduced'] else 'NO'} | "
                f"{'match' if check['inputs_match'] else 'DIFFER'} | "
                f"{export.describe_machine(check['machine'])} | {check['date']} |")
    else:
        lines.append("Not run on the models shipped now.")
    unchecked = [name for name in shipped if name not in checked]
    if checked and unchecked:
        lines += ["", "Not verified since shipped: " + ", ".join(f"`{n}`" for n in unchecked)
                  + "."]
    lines += [
        "",
        "## Shipping a model",
        "",
        "```bash",
        "python -m saved_models.ship list                   # the catalog; code changed since?",
        "python -m saved_models.ship train NAME [NAME ...]  # or --all: those not shipped yet",
        "python -m saved_models.ship strip NAME             # model.keras without optimizer state",
        "python -m saved_models.ship strip --to-budget      # the largest, until within budget",
        "python -m saved_models.ship verify                 # the table above",
        "```",
        "",
        "`train` runs `python train.py <the catalog's arguments> --output saved_models/<name>` "
        "from the repository root, records each file's sha256 and size in manifest.json and "
        "rewrites this file and the shipped block of the repository's .gitignore. A shipped "
        "model is trained again only with `--force`, when its model's code changed (`list` "
        "names the shipped models whose zoo modules differ from those they were trained with), "
        "so that the repository does not grow with every run. Where saved_models/ would pass "
        "the budget, strip the optimizer state of the largest (`strip --to-budget`, or "
        "`--strip-optimizer` when training): the weights, and so the scores, stay the same. "
        "git tracks only the catalog's folders here; your own exports in saved_models/ stay "
        "ignored.",
        "",
    ]
    return "\n".join(lines)


def write_readme(root: Path = ROOT) -> Path:
    path = root / README
    path.write_text(readme_text(root))
    return path


def gitignore_text(text: str, names: Sequence[str]) -> str:
    """`text` (a .gitignore) with its shipped block listing `names`: each a `!` rule that
    un-ignores one shipped folder under the `/saved_models/*` rule. The block is appended
    where there is none."""
    block = [BLOCK_BEGIN, *(f"!/saved_models/{name}/" for name in names), BLOCK_END]
    lines = text.splitlines()
    if BLOCK_BEGIN in lines and BLOCK_END in lines:
        start, end = lines.index(BLOCK_BEGIN), lines.index(BLOCK_END)
        lines[start:end + 1] = block
    else:
        lines += block
    return "\n".join(lines) + "\n"


def write_gitignore(root: Path = ROOT, path: Path = GITIGNORE) -> None:
    text = path.read_text() if path.is_file() else ""
    updated = gitignore_text(text, list(read_catalog(root)["models"]))
    if updated != text:
        path.write_text(updated)


def refresh(root: Path) -> None:
    """Rewrite README.md, and .gitignore's block when `root` is the repository's folder."""
    write_readme(root)
    if Path(os.path.abspath(root)) == ROOT:
        write_gitignore(root)


# ----- the command line --------------------------------------------------------------------

def list_models(root: Path) -> None:
    catalog, manifest = read_catalog(root), read_manifest(root)["models"]
    for name, entry in catalog["models"].items():
        state = (f"shipped {manifest[name].get('shipped', '')}, "
                 f"{manifest[name]['bytes'] / 1e6:.1f} MB" if name in manifest else "not shipped")
        print(f"{name:28s} {state:28s} {shlex.join(['python', 'train.py', *entry['args']])}")
        if name in manifest and "code" in manifest[name]:
            now = model_code(metadata_of(name, root)["model"])
            changed = sorted(f for f in {*now, *manifest[name]["code"]}
                             if now.get(f) != manifest[name]["code"].get(f))
            if changed:
                print(f"{'':28s} its code changed since shipped ({', '.join(changed)}): "
                      f"python -m saved_models.ship train --force {name}")
    print(f"tracked in {shell_path(root)}: {used_bytes(root) / 1e6:.1f} MB of "
          f"{catalog['budget_bytes'] / 1e6:.0f} MB")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m saved_models.ship",
        description="Train, strip, verify and document the models that ship in saved_models/ "
                    "(the catalog: saved_models/catalog.json).")
    parser.add_argument("--root", default=str(ROOT),
                        help="the folder of catalog.json, manifest.json and the shipped folders")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the catalog's models, shipped or not, with their sizes")
    train_parser = commands.add_parser(
        "train", help="run train.py with the catalog's arguments into saved_models/NAME")
    train_parser.add_argument("names", nargs="*", metavar="NAME", help="catalog names")
    train_parser.add_argument("--all", action="store_true",
                              help="every catalog model that is not shipped yet")
    train_parser.add_argument("--strip-optimizer", action="store_true",
                              help="ship model.keras without optimizer state (fine-tuning then "
                                   "starts fresh optimizers); recorded in metadata.json")
    train_parser.add_argument("--force", action="store_true",
                              help="train a shipped model again (when its model's code changed)")
    strip_parser = commands.add_parser(
        "strip", help="rewrite shipped model.keras files without optimizer state")
    strip_parser.add_argument("names", nargs="*", metavar="NAME")
    strip_parser.add_argument("--to-budget", action="store_true",
                              help="strip those with the largest model.keras until saved_models/ "
                                   "fits its budget")
    verify_parser = commands.add_parser(
        "verify", help="re-score the whole test split of shipped models with evaluate.py")
    verify_parser.add_argument("names", nargs="*", metavar="NAME",
                               help="shipped names (default: every shipped model)")
    verify_parser.add_argument("--data-dir", default=None,
                               help="folder of the real datasets (default: as train.py)")
    commands.add_parser("readme", help="rewrite saved_models/README.md and .gitignore's block")
    args = parser.parse_args(argv)
    if args.command == "train" and bool(args.names) == args.all:
        parser.error("train: give NAME ... or --all")
    if args.command == "strip" and bool(args.names) == args.to_budget:
        parser.error("strip: give NAME ... or --to-budget")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(args.root)
    from zoo import ExportError  # noqa: PLC0415

    try:
        if args.command == "list":
            list_models(root)
            return 0
        if args.command == "train":
            names = args.names or [n for n in read_catalog(root)["models"]
                                   if n not in read_manifest(root)["models"]]
            for name in names:
                entry_of(name, root)  # every name known before the first training starts
            for name in names:
                train(name, root, strip=args.strip_optimizer, force=args.force)
                refresh(root)
        elif args.command == "strip":
            for name in args.names:
                strip(name, root)
            if args.to_budget:
                print(f"stripped: {', '.join(strip_to_budget(root)) or 'none (within budget)'}")
        elif args.command == "verify":
            for name in args.names or read_manifest(root)["models"]:
                verify(name, root, args.data_dir)
        refresh(root)
        budget = read_catalog(root)["budget_bytes"]
        used = used_bytes(root)
        print(f"saved_models/: {used / 1e6:.1f} MB tracked of the {budget / 1e6:.0f} MB budget"
              + ("" if used <= budget else "; OVER: strip the optimizer state of the largest "
                                           "(python -m saved_models.ship strip --to-budget)"))
        return 0 if used <= budget else 1
    except (ShipError, ExportError) as err:
        print(f"ship: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
