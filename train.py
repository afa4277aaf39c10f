"""Train one model of the zoo on one dataset, calibrate it, export it and evaluate it.

    python train.py                          # the GRU VAE on the embedded synthetic series
    python train.py --dataset nab:realKnownCause/ambient_temperature_system_failure.csv
    python train.py --dataset csv:mine.csv --init-from saved_models/gru_vae_series-synthetic

The flow: load the dataset; build the model (or load an export to fine-tune, --init-from) inside
the distribution strategy's scope; fit (with BackupAndRestore, so the same command resumes a
killed run); calibrate the threshold on the normal validation data; export to --output; evaluate
on the test split and add the metrics to the export's metadata. The export comes before the
evaluation, so that nothing going wrong there costs the trained model. The metadata also records
the command as typed in the repository root, the machine, and what the model answers for 8 fixed
test examples (zoo.export.reproduction), which whoever loads the export can check.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import shlex
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
        description="Train a zoo model on a dataset (or fine-tune an export), calibrate, export "
                    "and evaluate it.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", default=None,
                        help=f"model to train; one of: {', '.join(zoo.names())} (default: "
                             f"{zoo.DEFAULT}; with --init-from, the export's model, and another "
                             f"name is an error)")
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
                        help="training epochs (default: the paper's for this model and dataset "
                             "where zoo/recipes.py has it, else the model's default)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="global batch size, split across replicas (default: the paper's "
                             "for this model and dataset where zoo/recipes.py has it, else 32)")
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
                             + "; default: the paper's for this model and dataset where "
                               "zoo/recipes.py has it, else train every epoch)")
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
                             "series, tabular and image data; never computed where the test "
                             "split lacks labels of both classes)")
    parser.add_argument("--fast-scoring", action="store_true",
                        help="for the inversion models (tanogan, anogan, ganrl): train an "
                             "encoder after the GAN and score from it, the settings of "
                             "zoo.inversion.FAST_SCORING (docs/RESULTS.md measures it against "
                             "the paper's search); --set overrides any of them")
    parser.add_argument("--init-from", default=None, metavar="EXPORT",
                        help="fine-tune: start from the model of this export folder (written "
                             "by train.py: its architecture, weights, threshold variable and "
                             "optimizer state) instead of a new one, and train it on --dataset, "
                             "whose examples must have the model's shape (the same window and "
                             "feature count, image shape, or log keys within its vocabulary); "
                             "--set is refused, the architecture being the export's")
    parser.add_argument("--refit-scaling", action="store_true",
                        help="with --init-from: refit the model's min-max scaling on the new "
                             "training part (the model is rebuilt with the new statistics and "
                             "its weights copied over). This changes the model's input mapping: "
                             "the same raw value reaches the networks as a different scaled "
                             "value. Default: keep the scaling the model was trained with")
    parser.add_argument("--tensorboard", default=None, metavar="DIR",
                        help="log every tracked loss per epoch to DIR for TensorBoard "
                             "(tensorboard --logdir DIR); needs the tensorboard package")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.command = command_line(argv, list(parser._option_string_actions))
    if args.refit_scaling and not args.init_from:
        parser.error("--refit-scaling applies to fine-tuning: give --init-from too")
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


REPO = Path(__file__).resolve().parent
#: Datasets named by a path ("csv:<path>"): the path is recorded as the other paths are.
FILE_DATASETS = ("csv", "parquet", "table", "npy", "npz", "images", "sessions", "yahoo-a1")


def from_repo_root(path: str) -> str:
    """`path` (relative to the working directory, or absolute) as written from the repository
    root: relative where it lies inside the repository, else absolute."""
    full = Path(os.path.abspath(Path(path).expanduser()))
    try:
        return str(full.relative_to(REPO))
    except ValueError:
        return str(full)


def dataset_from_repo_root(name: str) -> str:
    """A --dataset value with the path of a file dataset written as `from_repo_root` does."""
    key, sep, path = name.partition(":")
    return f"{key}:{from_repo_root(path)}" if sep and key in FILE_DATASETS and path else name


#: Flags whose value names a file or folder, and how it is rewritten for `command_line`.
PATH_VALUES = {"--output": from_repo_root, "--init-from": from_repo_root,
               "--data-dir": from_repo_root, "--json": from_repo_root,
               "--tensorboard": from_repo_root, "--dataset": dataset_from_repo_root}


def command_line(argv: Sequence[str], options: Sequence[str]) -> str:
    """The command of this run as a reader types it in the repository root: `python train.py`
    and `argv`, each flag written in full (argparse takes unambiguous prefixes: `options` are
    the parser's flags) and each path from the repository root (see `from_repo_root`)."""
    words, rewrite = [], None
    for word in argv:
        if rewrite is not None:
            words.append(rewrite(word))
            rewrite = None
            continue
        if word.startswith("--") and word != "--":
            flag, sep, value = word.partition("=")
            if flag not in options:  # a prefix: argparse accepted it, so it names one flag
                flag = next((o for o in options if o.startswith(flag)), flag)
            fix = PATH_VALUES.get(flag)
            if fix is not None and sep:
                value = fix(value)
            elif fix is not None:
                rewrite = fix
            word = flag + sep + value
        words.append(word)
    return shlex.join(["python", "train.py", *words])


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


def load_dataset(args: argparse.Namespace, model=None):
    """The dataset `args` name, and the loader options it was loaded with.

    Fine-tuning a series model (`model` given), a dataset without a window option is cut into
    the model's windows.
    """
    import datasets
    from zoo import evaluation

    options = dict(args.dataset_options)
    own_window = (model is not None and evaluation.model_kind(model) == "series"
                  and "window" not in options)
    if own_window:
        options["window"] = model.example_shape[0]
    print(f"loading dataset {args.dataset}", flush=True)
    try:
        return datasets.load(args.dataset, data_dir=args.data_dir, **options), options
    except datasets.DatasetError as err:
        if own_window:
            err.add_note(f"loaded with window={options['window']}, the window of the model "
                         f"to fine-tune")
        raise


def load_for_fine_tuning(args: argparse.Namespace):
    """The model of the export `args.init_from` and its metadata, loaded in the current scope.

    Raises:
        ExportError: not an export folder.
        DetectorError: --set given, --model naming another model, or --mixed-precision asking
            for another policy than the model's.
    """
    import zoo
    from zoo import export

    if args.overrides or args.fast_scoring:
        flag = "--set" if args.overrides else "--fast-scoring"
        raise zoo.DetectorError(f"{flag} changes a model's architecture; with --init-from the "
                                f"model is the export's: leave out {flag}")
    model, metadata = export.load(args.init_from)
    name = zoo.name_of(model)
    if args.model is not None and zoo.get(args.model) is not type(model):
        raise zoo.DetectorError(f"--model {args.model}, but {args.init_from} holds a {name} "
                                f"model; leave out --model to fine-tune it")
    policy = model.dtype_policy.name
    if args.mixed_precision != "none" and policy != f"mixed_{args.mixed_precision}":
        raise zoo.DetectorError(f"{args.init_from} holds a model of dtype policy {policy}; "
                                f"fine-tuning keeps it: leave out --mixed-precision")
    return model, metadata


def fast_scoring(detector) -> dict[str, Any]:
    """The constructor arguments of --fast-scoring for model class `detector`.

    Raises:
        DetectorError: the model does not score by inverting a generator.
    """
    import zoo
    from zoo import ensemble, inversion

    base = detector.BASE if issubclass(detector, ensemble.GANEnsemble) else detector
    if not issubclass(base, inversion.LatentInversion):
        raise zoo.DetectorError(f"--fast-scoring speeds up the inversion models "
                                f"({', '.join(zoo.inversion_models())}) and their ensembles; "
                                f"{detector.__name__} scores without one")
    fast = dict(inversion.FAST_SCORING)
    if base is not detector:  # an ensemble traces each pair's search itself, uncompiled
        del fast["inversion_jit"]
    return fast


def check_feature_names(ds, metadata: dict[str, Any]) -> None:
    """Say so when fine-tuning data name their features otherwise than the model's data did:
    features are matched by position."""
    known = metadata.get("feature_names")
    found = ds.meta.get("feature_names")
    if ds.kind in ("series", "tabular") and known and found and list(known) != list(found):
        differ = [f"{new!r} for {old!r}" for old, new in zip(known, found) if old != new]
        print(f"note: the features of {ds.name} are matched to the model's by position, and "
              f"{len(differ)} are named otherwise ({', '.join(differ[:3])}"
              f"{', ...' if len(differ) > 3 else ''})", flush=True)


def tensorboard_callback(log_dir: str):
    """keras.callbacks.TensorBoard logging each epoch's losses into `log_dir`.

    Raises:
        DetectorError: the tensorboard package, which writes the logs, is not installed.
    """
    import importlib.util

    import keras

    import zoo

    if importlib.util.find_spec("tensorboard") is None:
        raise zoo.DetectorError("--tensorboard needs the tensorboard package, which is not "
                                "installed: pip install tensorboard")
    return keras.callbacks.TensorBoard(log_dir=log_dir)


# Facts of Dataset.meta with one entry per example or feature: kept out of dataset_meta (the
# feature names are recorded on their own).
PER_EXAMPLE_META = ("feature_names", "test_rows", "test_files")


def run(args: argparse.Namespace, callbacks: Sequence[Any] = ()) -> dict[str, Any]:
    """Train, calibrate, export and evaluate as `args` say; return the run's record.

    Args:
        args: parsed by `parse_args`.
        callbacks: extra Keras callbacks for `fit`, after the backup and NaN guards.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    import zoo
    from zoo import evaluation, export, metrics, recipes

    started = time.time()
    strategy = make_strategy(args.strategy)  # first: multi-worker collectives need a fresh TF
    keras.utils.set_random_seed(args.seed)
    chief = is_chief(strategy)
    board = [tensorboard_callback(args.tensorboard)] if args.tensorboard and chief else []
    source = None
    if args.init_from:
        with strategy.scope():
            model, source = load_for_fine_tuning(args)
        model_name = zoo.name_of(model)
    else:
        model_name = args.model or zoo.DEFAULT
    detector = zoo.get(model_name)
    ds, dataset_options = load_dataset(args, model if source is not None else None)
    with strategy.scope(), precision_policy(args.mixed_precision):
        if source is None:
            fast = fast_scoring(detector) if args.fast_scoring else {}
            model = detector.for_dataset(ds, **{"seed": args.seed, **fast, **args.overrides})
            model.compile(jit_compile=args.jit)
        else:
            evaluation.check_fits(model, ds)
            check_feature_names(ds, source)
            print(f"fine-tuning the {model_name} model of {args.init_from}"
                  + (", its scaling refitted on the new training part" if args.refit_scaling
                     else ", with the scaling it was trained with"), flush=True)
            if args.refit_scaling:
                if model.scaling is None:
                    raise zoo.DetectorError(f"--refit-scaling: the {model_name} model of "
                                            f"{args.init_from} scales no inputs ({ds.kind} "
                                            "data); leave it out")
                model = model.with_scaling(ds.meta["scaling"])
            if not model.compiled:
                model.compile(jit_compile=args.jit)
            elif args.jit:
                model.jit_compile = True
    paper = recipes.recipe(model_name, args.dataset)
    epochs = args.epochs or paper.epochs or detector.DEFAULT_EPOCHS
    args.batch_size = args.batch_size or paper.batch_size or 32
    if args.patience is None and detector.VALIDATION_LOSS:
        args.patience = paper.patience
    if paper.source:
        print(f"training as {paper.source} (zoo/recipes.py; flags override)", flush=True)
    stride = args.stride or int(ds.meta.get("window", 1))
    output = Path(args.output) if args.output else default_output(model_name, args.dataset)
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
              keras.callbacks.TerminateOnNaN(), *board]
    validation = None
    if args.patience:
        if detector.VALIDATION_LOSS is None:
            raise zoo.DetectorError(f"{model_name} has no validation loss to stop early on; "
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
    record = {"command": getattr(args, "command", None),
              "model": model_name, "dataset": ds.name, "dataset_options": dataset_options,
              "dataset_meta": {k: v for k, v in ds.meta.items() if k not in PER_EXAMPLE_META},
              "kind": ds.kind, "feature_names": ds.meta.get("feature_names"),
              "seed": args.seed, "epochs": epochs, "batch_size": args.batch_size,
              "patience": args.patience,
              "stride": stride, "quantile": args.quantile, "strategy": args.strategy,
              "threshold": threshold, "metrics": None, "baseline_isolation_forest": None,
              "history": last, "run_seconds": round(time.time() - started, 1),
              # the export's answers for a few fixed test examples, which travel with them
              "reproduction": export.reproduction(model, ds, stride) if len(ds.test) else None}
    if source is not None:
        record.update(init_from=str(Path(args.init_from).resolve()),
                      init_from_weights_sha256=source.get("weights_sha256"),
                      refit_scaling=args.refit_scaling)
    record = export.export(model, output, record)  # adds threshold, config, weights digest
    if chief:
        print(f"exported to {output} (TF Serving: --model_base_path={output / export.SERVING_DIR})",
              flush=True)
    try:
        if len(ds.test):
            print(f"scoring the test split, stride {stride}", flush=True)
        results, _ = evaluation.evaluate_split(model, ds, "test", stride=stride, verbose=verbose)
        print(metrics.format_table(results, title=f"{model_name} on {ds.name} (test split)"))
        baseline = None
        if (not args.no_baseline and ds.kind in evaluation.BASELINE_KINDS
                and metrics.NOT_COMPUTED not in results):
            # Side by side, so that every run shows whether the model beats a plain detector.
            forest = evaluation.isolation_forest_split(ds, "test", stride, seed=args.seed)
            baseline = metrics.report(forest.labels, forest.scores, series=ds.kind == "series")
            print(metrics.format_table(baseline, title=f"IsolationForest on the same test split "
                                                       f"(plain baseline, stride {stride})"))
        facts = {"metrics": results, "baseline_isolation_forest": baseline,
                 "run_seconds": round(time.time() - started, 1)}
        record = export.update_metadata(output, facts) if chief else {**record, **facts}
    except BaseException as err:
        if chief:
            err.add_note(f"the trained model is exported to {output} (python evaluate.py "
                         f"--model-dir {output} evaluates it)")
        raise
    finally:
        if not chief:
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
        print(f"train.py: error: {'; '.join([str(err), *getattr(err, '__notes__', [])])}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        after_export = getattr(err, "__notes__", [])
        print("train.py: interrupted; " + (after_export[0] if after_export else
                                           "the same command resumes from the last finished "
                                           "epoch"), file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
