"""What every benchmark script shares: machine facts, training a zoo model, and writing its rows
into docs/RESULTS.md between markers of its own (so benchmarks never overwrite each other). The
plain baselines live in zoo/baselines.py."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

DOCS = Path(__file__).resolve().parents[1] / "docs"
RESULTS = DOCS / "RESULTS.md"
PERFORMANCE = DOCS / "PERFORMANCE.md"
#: How each results document starts when a benchmark writes it first.
HEADERS = {
    "RESULTS.md": "# Results\n\nEvery table here is written by a script under `benchmarks/`; each "
                  "section names its command, seeds and machine. Paper numbers are the papers' "
                  "own, on their protocol; ours are measured here.\n",
    "PERFORMANCE.md": "# Performance\n\nEvery table here is written by a script under "
                      "`benchmarks/`, on the machine it names; each figure comes from a run "
                      "alone on that machine.\n"}


def machine() -> str:
    """One line describing where the numbers were measured."""
    import tensorflow as tf  # noqa: PLC0415

    gpus = tf.config.list_physical_devices("GPU")
    device = f"{len(gpus)} GPU(s)" if gpus else "no GPU"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {device}; "
            f"Python {platform.python_version()}, TensorFlow {tf.__version__}")


def command() -> str:
    """The command line that ran this benchmark, as a reader runs it from the repository root."""
    script = Path(sys.argv[0])
    program = (f"python -m benchmarks.{script.stem}" if script.parent.name == "benchmarks"
               else f"python {shlex.quote(sys.argv[0])}")
    return " ".join([program, *(shlex.quote(a) for a in sys.argv[1:])])


def train_detector(name: str, ds, seed: int, epochs: int, batch_size: int,
                   patience: int | None = None, **overrides: Any):
    """Zoo model `name` for dataset `ds`, trained on its training split; returns (model,
    seconds spent training, epochs run). Prints one line per epoch.

    With `patience`, a model that names a VALIDATION_LOSS stops early on it, computed on the
    normal val examples, and keeps its best epoch's weights; the others run every epoch.
    """
    import time  # noqa: PLC0415

    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    import zoo  # noqa: PLC0415
    from zoo import evaluation  # noqa: PLC0415

    keras.utils.set_random_seed(seed)
    model = zoo.get(name).for_dataset(ds, seed=seed, **overrides)
    model.compile()
    batches = model.training_data(ds, batch_size, seed=seed)
    validation, callbacks = None, []
    if patience and model.VALIDATION_LOSS:
        validation = tf.data.Dataset.from_tensor_slices(
            evaluation.calibration_inputs(ds)).batch(1024)
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=f"val_{model.VALIDATION_LOSS}", mode="min", patience=patience,
            restore_best_weights=True))
    started = time.time()
    history = model.fit(batches, epochs=epochs, validation_data=validation,
                        callbacks=callbacks, verbose=2)
    return model, time.time() - started, len(next(iter(history.history.values())))


def mean_std(values: Sequence[float]) -> str:
    """'0.812 ± 0.010' over seeds."""
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def recorded_runs(name: str, settings: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The "runs" that an earlier invocation of benchmark `name` wrote to docs/results/<name>.json,
    and its command, when its arguments agree with `settings` (those that change results);
    ({}, "") when there is no record or it ran with other settings.

    JSON keys are strings: a run recorded under key 3 comes back under "3".
    """
    path = DOCS / "results" / f"{name}.json"
    if not path.exists():
        return {}, ""
    record = json.loads(path.read_text())
    if any(record.get("args", {}).get(key) != value for key, value in settings.items()):
        return {}, ""
    return record.get("runs", {}), record.get("command", "")


def write_section(name: str, markdown: str, raw: dict[str, Any],
                  document: Path = RESULTS) -> None:
    """Replace this benchmark's section of `document` (docs/RESULTS.md by default) and write its
    raw numbers as JSON (docs/results/<name>.json)."""
    DOCS.mkdir(exist_ok=True)
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    text = document.read_text() if document.exists() else HEADERS[document.name]
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    document.write_text(text)
    (DOCS / "results").mkdir(exist_ok=True)
    (DOCS / "results" / f"{name}.json").write_text(json.dumps(raw, indent=2, default=float) + "\n")


def argument_parser(doc: str, seeds: Sequence[int] | None = None,
                    data_dir: bool = True) -> argparse.ArgumentParser:
    """The parser every benchmark starts from: its docstring's first line as the description,
    defaults shown in --help, and the options most of them take.

    Args:
        doc: the benchmark module's docstring.
        seeds: the default of --seeds (the seeds to run); None: no --seeds option.
        data_dir: add --data-dir, the folder of the real datasets.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    if seeds is not None:
        parser.add_argument("--seeds", type=int, nargs="+", default=list(seeds),
                            help="seeds to run; each seeds the model's weights and training "
                                 "(and the seeded splits, where the protocol re-draws them)")
    if data_dir:
        parser.add_argument("--data-dir", default=None,
                            help="folder of the real datasets (default: $ZOO_DATA_DIR, else "
                                 "../shared/data, else ~/.zoo/data)")
    return parser


def publish(name: str, lines: Sequence[str], document: Path = RESULTS, **raw: Any) -> None:
    """Write a benchmark's section of `document` (`lines`) and its raw numbers, with the
    command and machine that made them, then print the section."""
    write_section(name, "\n".join(lines),
                  {"command": command(), "machine": machine(), **raw}, document)
    print("\n".join(lines))
