"""Train one model of the zoo on one dataset, calibrate it, evaluate it and export it.

    python train.py                          # TAnoGAN on the embedded synthetic series
    python train.py --dataset nab:realKnownCause/ambient_temperature_system_failure.csv

The flow: load the dataset; build the model inside the distribution strategy's scope; fit (with
BackupAndRestore, so the same command resumes a killed run); calibrate the threshold on the
normal validation data; evaluate on the test split; export to --output.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

STRATEGIES = ("auto", "one-device", "mirrored", "multi-worker")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    import datasets
    import zoo

    parser = argparse.ArgumentParser(
        description="Train a zoo model on a dataset, calibrate, evaluate and export it.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", default=zoo.DEFAULT,
                        help=f"model to train; one of: {', '.join(zoo.names())}")
    parser.add_argument("--dataset", default=datasets.DEFAULT,
                        help=f"dataset to train on; one of: {', '.join(datasets.names())}")
    parser.add_argument("--data-dir", default=None,
                        help="folder of the real datasets (default: $ZOO_DATA_DIR, else "
                             "../shared/data, else ~/.zoo/data); the embedded 'synthetic' and "
                             "'digits' need none")
    parser.add_argument("--dataset-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a loader option, e.g. window=60 or normal_digits=[1]; repeatable")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a model constructor argument, e.g. inversion_steps=20; "
                             "repeatable")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default: the model's default for the dataset)")
    parser.add_argument("--batch-size", type=int, default=32,
                        help="global batch size, split across replicas")
    parser.add_argument("--stride", type=int, default=None,
                        help="window stride for calibration and evaluation of series "
                             "(default: the window length, as TAnoGAN's code; 1 scores every "
                             "window)")
    parser.add_argument("--patience", type=int, default=None, metavar="EPOCHS",
                        help="early stopping: after each epoch compute the model's validation "
                             "loss on the normal validation data; stop when it has not improved "
                             "for EPOCHS epochs and keep the best epoch's weights (models with "
                             "a validation loss: "
                             + ", ".join(n for n in zoo.names() if zoo.get(n).VALIDATION_LOSS)
                             + "; default: train every epoch)")
    parser.add_argument("--quantile", type=float, default=0.99,
                        help="threshold = this quantile of the scores of normal validation data")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds Python, NumPy, TensorFlow and the model's own draws")
    parser.add_argument("--strategy", choices=STRATEGIES, default="auto",
                        help="tf.distribute strategy: auto = MirroredStrategy on several GPUs, "
                             "else the default strategy; multi-worker reads TF_CONFIG")
    parser.add_argument("--checkpoint-every", type=int, default=None, metavar="STEPS",
                        help="also checkpoint every STEPS training steps, so a run killed "
                             "mid-epoch restarts that epoch from the last checkpoint (default: "
                             "checkpoint at the end of each epoch)")
    parser.add_argument("--mixed-precision", choices=("none", "float16", "bfloat16"),
                        default="none",
                        help="compute in float16 (with loss scaling) or bfloat16, weights and "
                             "scores in float32: for GPUs; on most CPUs it is slower")
    parser.add_argument("--jit", action="store_true",
                        help="XLA-compile the train step (on CPU, gradient-penalty steps took "
                             "minutes to compile)")
    parser.add_argument("--output", default=None,
                        help="export folder (default: saved_models/<model>-<dataset>)")
    parser.add_argument("--json", default=None, metavar="PATH",
                        help="also write the final metrics and run facts to PATH as JSON")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the plain baseline printed beside the model's metrics "
                             "(IsolationForest fitted on the examples the model trains on, "
                             "less known anomalies, and scored on the same test split; "
                             "series, tabular and image data)")
    args = parser.parse_args(argv)
    try:
        args.dataset_options = parse_assignments(args.dataset_option, "--dataset-option")
        args.overrides = parse_assignments(args.overrides, "--set")
    except ValueError as err:
        parser.error(str(err))
    for flag, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size),
                        ("--stride", args.stride), ("--checkpoint-every", args.checkpoint_every),
                        ("--patience", args.patience)):
        if value is not None and value < 1:
            parser.error(f"{flag} must be a positive integer, got {value}")
    return args


def parse_assignments(pairs: Sequence[str], flag: str) -> dict[str, Any]:
    """KEY=VALUE strings to a dict; VALUE is read as a Python literal when it is one."""
    result = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"{flag} expects KEY=VALUE, got {pair!r}")
        try:
            result[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            result[key] = raw
    return result


def make_strategy(name: str):
    """The tf.distribute strategy called `name` (see --strategy)."""
    import tensorflow as tf

    if name == "multi-worker":  # before anything starts TensorFlow's runtime (listing devices)
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "one-device":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    return tf.distribute.MirroredStrategy()


@contextlib.contextmanager
def precision_policy(name: str) -> Iterator[None]:
    """Build models under mixed_<name> precision ("none": leave the policy as it is)."""
    import keras

    previous = keras.mixed_precision.global_policy()
    if name != "none":
        keras.mixed_precision.set_global_policy(f"mixed_{name}")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def is_chief(strategy) -> bool:
    """Whether this process writes the export (the only one, unless multi-worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict())


def default_output(model: str, dataset: str) -> Path:
    """saved_models/<model>-<dataset>, with the dataset name made a safe folder name."""
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in dataset).strip("-")
    return Path(__file__).resolve().parent / "saved_models" / f"{model}-{slug.removesuffix('.csv')}"


def run(args: argparse.Namespace, callbacks: Sequence[Any] = ()) -> dict[str, Any]:
    """Train, calibrate, evaluate and export as `args` say; return the run's record.

    Args:
        args: parsed by `parse_args`.
        callbacks: extra Keras callbacks for `fit`, after the backup and NaN guards.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    import datasets
    import zoo
    from zoo import evaluation, export, metrics

    started = time.time()
    strategy = make_strategy(args.strategy)  # first: multi-worker collectives need a fresh TF
    keras.utils.set_random_seed(args.seed)
    print(f"loading dataset {args.dataset}", flush=True)
    ds = datasets.load(args.dataset, data_dir=args.data_dir, **args.dataset_options)
    detector = zoo.get(args.model)
    with strategy.scope(), precision_policy(args.mixed_precision):
        model = detector.for_dataset(ds, **{"seed": args.seed, **args.overrides})
        model.compile(jit_compile=args.jit)
    epochs = args.epochs or detector.DEFAULT_EPOCHS
    stride = args.stride or int(ds.meta.get("window", 1))
    output = Path(args.output) if args.output else default_output(args.model, args.dataset)
    chief = is_chief(strategy)
    # Each worker keeps its own checkpoints beside the output, so that each can resume.
    worker = "" if chief else f"-worker{strategy.cluster_resolver.task_id}"
    backup = output.with_name(f"{output.name}.backup{worker}")
    if not chief:
        # Every worker saves (saving may need them all), the others into a folder then removed.
        output = Path(tempfile.mkdtemp(prefix="zoo-worker-")) / output.name

    train_data = model.training_data(ds, args.batch_size, seed=args.seed)
    n_train = len(ds.examples("train", stride=1)[1])
    print(f"training {model.name} on {n_train} examples of shape "
          f"{list(ds.example_shape)} for {epochs} epochs ({strategy.num_replicas_in_sync} "
          f"replica(s)); checkpoints in {backup}", flush=True)
    verbose = 1 if sys.stdout.isatty() else 2  # a progress bar on a terminal, else a line/epoch
    guards = [keras.callbacks.BackupAndRestore(str(backup),
                                               save_freq=args.checkpoint_every or "epoch"),
              keras.callbacks.TerminateOnNaN()]
    validation = None
    if args.patience:
        if detector.VALIDATION_LOSS is None:
            raise zoo.DetectorError(f"{args.model} has no validation loss to stop early on; "
                                    "leave out --patience")
        validation = (tf.data.Dataset.from_tensor_slices(
            evaluation.calibration_inputs(ds, stride=1)).batch(args.batch_size))
        guards.append(keras.callbacks.EarlyStopping(
            monitor=f"val_{detector.VALIDATION_LOSS}", mode="min", patience=args.patience,
            restore_best_weights=True, verbose=1))
    history = model.fit(train_data, epochs=epochs, shuffle=False, verbose=verbose,
                        validation_data=validation, callbacks=[*guards, *callbacks])
    last = {name: float(np.ravel(values[-1])[0])  # multi-worker logs carry a leading axis
            for name, values in history.history.items() if values}
    if not all(np.isfinite(v) for v in last.values()):
        raise zoo.DetectorError(f"training diverged (non-finite loss: {last}); nothing exported")

    print(f"calibrating the threshold (quantile {args.quantile}) on normal validation data, "
          f"stride {stride}", flush=True)
    threshold = model.calibrate(evaluation.calibration_inputs(ds, stride), quantile=args.quantile)
    print(f"scoring the test split, stride {stride}", flush=True)
    results, _ = evaluation.evaluate_split(model, ds, "test", stride=stride, verbose=verbose)
    print(metrics.format_table(results, title=f"{args.model} on {ds.name} (test split)"))
    baseline = None
    if not args.no_baseline and ds.kind in evaluation.BASELINE_KINDS:
        # Side by side, so that every run shows whether the model beats a plain detector.
        forest = evaluation.isolation_forest_split(ds, "test", stride, seed=args.seed)
        baseline = metrics.report(forest.labels, forest.scores, series=ds.kind == "series")
        print(metrics.format_table(baseline, title=f"IsolationForest on the same test split "
                                                   f"(plain baseline, stride {stride})"))

    record = {"model": args.model, "dataset": ds.name, "dataset_options": args.dataset_options,
              "dataset_meta": {k: v for k, v in ds.meta.items() if k != "feature_names"},
              "seed": args.seed, "epochs": epochs, "batch_size": args.batch_size,
              "stride": stride, "quantile": args.quantile, "strategy": args.strategy,
              "threshold": threshold, "metrics": results, "baseline_isolation_forest": baseline,
              "history": last,
              "run_seconds": round(time.time() - started, 1)}
    record = export.export(model, output, record)  # adds threshold, config, weights digest
    if chief:
        print(f"exported to {output} (TF Serving: --model_base_path={output / export.SERVING_DIR})")
    else:
        shutil.rmtree(output.parent, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=2, default=float) + "\n")
    return record


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import zoo

    try:
        run(args)
    except zoo.USER_ERRORS as err:
        print(f"train.py: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("train.py: interrupted; the same command resumes from the last finished epoch",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
