"""AnoEAN on NSL-KDD and KDD99 with 10%, 5%, 1% and 0% known anomalies, against an OCSVM, a
cost-sensitive SVM and an IsolationForest in the same run (the paper's section 4.1 and Fig. 8a).

    python -m benchmarks.anoean_kdd [--seeds 0 1 2 3 4] [--fractions 0.1 0.05 0.01 0]

Protocol (the loaders' `known_anomaly_fraction` option; each seed re-draws the val hold-out and
the known anomalies):
- NSL-KDD: train = the normal records of KDDTrain+ less a 10% val hold-out, plus known
  anomalies = a seeded sample of KDDTrain+'s attack records amounting to the fraction of the
  normal training count, drawn from every attack type; test = KDDTest+, whose 17 attack types
  absent from KDDTrain+ are the held-out ones.
- KDD99: the real classes (`normal.` is normal; not ALAD's inversion): the 10% file halved as
  ALAD; train = the normal records of the first half less a 10% val hold-out, plus known
  anomalies drawn from its DoS and probe records; test = the second half (80% attacks), in
  which the R2L and U2R types are held out of training.

Methods: AnoEAN (the paper's architecture and optimiser, the model's defaults for tabular data,
batch 200, early stopping on the validation encoder loss with the best weights restored, μ/Σ
and threshold from the normal val records); OCSVM (RBF, ν = 0.0001, normal training rows only,
a seeded sample of at most --ocsvm-max-train); cost-sensitive SVM (RBF SVC,
class_weight="balanced", on a seeded sample of at most --svm-max-train training rows with their
known labels; not defined with 0 known anomalies); IsolationForest (normal training rows
only). AUPRC is the headline; AUROC next; F1 and accuracy at the threshold every method gets
the same way, without test labels: the --quantile of its scores on the normal val records.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

import datasets
import zoo
from benchmarks import common
from zoo import baselines, metrics

PROTOCOLS = {
    "nsl-kdd": {},
    "kdd99": {"normal_class": "real", "known_attacks": ["dos", "probe"]},
}
PAPER = {"nsl-kdd": "AnoEAN 97.9 ± 0.26, SVM 94.8, OCSVM 81.1",
         "kdd99": "AnoEAN 99.2, SVM 98.7"}
METHODS = ("AnoEAN", "SVM (cost-sensitive)", "OCSVM", "IsolationForest")
DEFAULT_SECTION = "anoean_kdd"


def judged(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """AUPRC, AUROC, then F1 and accuracy when flagging scores above `threshold`."""
    flagged = scores > threshold
    return {"auprc": metrics.auprc(y, scores), "auroc": metrics.auroc(y, scores),
            "f1": metrics.precision_recall_f1(y, flagged)[2],
            "accuracy": float(np.mean(flagged == y.astype(bool)))}


def val_test_scores(score, ds) -> tuple[np.ndarray, np.ndarray]:
    """`score` (rows -> scores) on the val and the test records, in one call."""
    both = score(np.concatenate([ds.val.x, ds.test.x]))
    return both[:len(ds.val)], both[len(ds.val):]


def svm_scores(ds, max_train: int, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """A cost-sensitive RBF SVM fitted on the known labels, as examples -> decision values
    (images are flattened to rows)."""
    from sklearn.preprocessing import MinMaxScaler  # noqa: PLC0415
    from sklearn.svm import SVC  # noqa: PLC0415

    rows, labels = baselines.flatten(ds.train.x), ds.train.known
    if len(rows) > max_train:  # the kernel fit is quadratic in the rows
        keep = np.random.default_rng(seed).choice(len(rows), max_train, replace=False)
        rows, labels = rows[keep], labels[keep]
    scaler = MinMaxScaler().fit(rows)
    svm = SVC(kernel="rbf", gamma="scale", class_weight="balanced").fit(scaler.transform(rows),
                                                                         labels)
    return lambda x: svm.decision_function(scaler.transform(baselines.flatten(x)))


def train_anoean(ds, seed: int, args, **overrides) -> tuple[zoo.AnomalyDetector, int]:
    """AnoEAN (`overrides`: constructor arguments) trained with early stopping on the normal
    val records; (model, epochs run)."""
    keras.utils.set_random_seed(seed)
    model = zoo.get("anoean").for_dataset(ds, seed=seed, **overrides)
    model.compile()
    train = model.training_data(ds, args.batch_size, seed=seed)
    val = tf.data.Dataset.from_tensor_slices(ds.val.x).batch(1024)
    stop = keras.callbacks.EarlyStopping(monitor="val_e_loss", mode="min",
                                         patience=args.patience, restore_best_weights=True)
    history = model.fit(train, validation_data=val, epochs=args.epochs, callbacks=[stop],
                        shuffle=False, verbose=0)
    return model, len(history.history["e_loss"])


def run_seed(name: str, seed: int, args) -> dict[str, dict[str, dict[str, float]]]:
    """{fraction: {method: metrics}} for one dataset and seed."""
    rows: dict[str, dict[str, dict[str, float]]] = {}
    one_class: dict[str, dict[str, float]] = {}
    for fraction in args.fractions:
        started = time.time()
        ds = datasets.load(name, data_dir=args.data_dir, seed=seed,
                           known_anomaly_fraction=fraction, **PROTOCOLS[name])
        y = ds.test.y
        results = {}
        model, epochs = train_anoean(ds, seed, args, **(
            {"latent_dim": args.latent_dim} if args.latent_dim else {}))
        threshold = model.calibrate(ds.val.x, quantile=args.quantile, batch_size=4096)
        results["AnoEAN"] = {**judged(y, model.score(ds.test.x, batch_size=4096), threshold),
                             "epochs": epochs, "latent_dim": model.latent_dim,
                             "discriminator_steps": model.discriminator_steps}
        if ds.train.known.any():
            val, test = val_test_scores(svm_scores(ds, args.svm_max_train, seed), ds)
            results["SVM (cost-sensitive)"] = judged(y, test, np.quantile(val, args.quantile))
        if not one_class:  # normal rows only: the same for every fraction of a seed
            normal = ds.train.x[ds.train.known == 0]
            both = np.concatenate([ds.val.x, ds.test.x])
            for method, scores in (
                    ("OCSVM", baselines.ocsvm_scores(normal, both, nu=args.nu,
                                                  max_train=args.ocsvm_max_train, seed=seed)),
                    ("IsolationForest", baselines.isolation_forest_scores(normal, both, seed))):
                val, test = scores[:len(ds.val)], scores[len(ds.val):]
                one_class[method] = judged(y, test, np.quantile(val, args.quantile))
        results.update(one_class)
        rows[f"{fraction:g}"] = results
        print(f"{name} seed {seed} known {fraction:g}: " + ", ".join(
            f"{m} {r['auprc']:.4f}" for m, r in results.items())
            + f" (AnoEAN {epochs} epochs; {time.time() - started:.0f} s)", flush=True)
        if seed == args.seeds[0] and fraction == args.fractions[0]:
            rows["notes"] = ds.meta["notes"]
    return rows


def mean_std(values: list[float]) -> str:
    """'0.9812 ± 0.0010': four decimals, as on KDD99 the methods differ in the fourth."""
    return f"{np.mean(values):.4f} ± {np.std(values):.4f}"


def table(name: str, per_seed: dict[int, dict], args) -> list[str]:
    lines = [f"### {name}", "", per_seed[args.seeds[0]]["notes"], "",
             f"Paper (AUPRC, 10% known, their split): {PAPER[name]}.", "",
             "| known anomalies | method | AUPRC | AUROC | F1 | accuracy |",
             "|---|---|---|---|---|---|"]
    for fraction in args.fractions:
        key = f"{fraction:g}"
        for method in METHODS:
            values = [per_seed[s][key][method] for s in args.seeds
                      if method in per_seed[s][key]]
            if not values:
                lines.append(f"| {fraction:.0%} | {method} | — | — | — | — |")
                continue
            cells = [mean_std([v[m] for v in values]) for m in ("auprc", "auroc", "f1",
                                                                 "accuracy")]
            lines.append(f"| {fraction:.0%} | {method} | " + " | ".join(cells) + " |")
    return lines


def add_method_arguments(parser: argparse.ArgumentParser, epochs: int, epochs_help: str,
                         examples: str) -> None:
    """The options of the AnoEAN benchmarks' methods and protocol; `examples` names what the
    baselines train on ("rows", "images")."""
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.05, 0.01, 0.0],
                        help="known anomalies as fractions of the normal training count")
    parser.add_argument("--epochs", type=int, default=epochs, help=epochs_help)
    parser.add_argument("--patience", type=int, default=3,
                        help="epochs without a better val_e_loss before AnoEAN stops")
    parser.add_argument("--batch-size", type=int, default=200, help="AnoEAN's batch (paper)")
    parser.add_argument("--quantile", type=float, default=0.95,
                        help="threshold = this quantile of a method's normal val scores")
    parser.add_argument("--nu", type=float, default=1e-4, help="OCSVM's ν (paper)")
    parser.add_argument("--ocsvm-max-train", type=int, default=10_000,
                        help=f"OCSVM trains on a seeded sample of at most this many {examples}")
    parser.add_argument("--svm-max-train", type=int, default=10_000,
                        help="the cost-sensitive SVM trains on a seeded sample of at most "
                             f"this many {examples}")


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2, 3, 4])
    parser.add_argument("--datasets", nargs="+", choices=sorted(PROTOCOLS),
                        default=["nsl-kdd", "kdd99"], help="datasets to run")
    add_method_arguments(parser, epochs=20, epochs_help="AnoEAN's most epochs",
                         examples="rows")
    parser.add_argument("--latent-dim", type=int, default=None,
                        help="AnoEAN's decision-space size d (default: the model's for tabular "
                             "data)")
    parser.add_argument("--section", default=DEFAULT_SECTION,
                        help="name of this run's section of docs/RESULTS.md and of its JSON "
                             "under docs/results/ (another name keeps the default run's)")
    args = parser.parse_args()
    started = time.time()
    per_dataset = {name: {seed: run_seed(name, seed, args) for seed in args.seeds}
                   for name in args.datasets}
    minutes = (time.time() - started) / 60
    first = next(iter(per_dataset.values()))[args.seeds[0]][f"{args.fractions[0]:g}"]["AnoEAN"]
    suffix = "" if args.section == DEFAULT_SECTION else f" ({args.section})"
    lines = [f"## AnoEAN on NSL-KDD and KDD99, with known anomalies{suffix}", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             f"Mean ± std over seeds. AUPRC first (anomaly = attack, the positive class); F1 "
             f"and accuracy at each method's {args.quantile:g} quantile of its scores on the "
             f"normal val records (no test labels). AnoEAN: d = {first['latent_dim']}, "
             f"n_D = {first['discriminator_steps']} discriminator steps per encoder step, batch "
             f"{args.batch_size}, at most {args.epochs} epochs, early stopping on val_e_loss "
             f"(patience {args.patience}, best weights restored). OCSVM: ν = {args.nu:g}, on at "
             f"most {args.ocsvm_max_train} normal training rows. SVM: RBF SVC with balanced "
             f"class weights on at most {args.svm_max_train} training rows (none with 0 known "
             f"anomalies: one class). IsolationForest: scikit-learn defaults, normal rows.", "",
             f"The model's default n_D for tabular data ({first['discriminator_steps']}) was "
             "chosen without test labels, on attack types of KDDTrain+ that no known anomaly "
             "shows: "
             "benchmarks/anoean_selection.py and its sections. Its default d = 32 was chosen "
             "on KDDTest+'s labels (at n_D = 1), so NSL-KDD rows at d = 32 are optimistic by "
             "that choice; the same label-free selection prefers d = 8 (run with --latent-dim "
             "8 in its own section), and benchmarks/anoean_d_selection.py shows a choice of d "
             "on held-out known anomalies.", ""]
    for name, per_seed in per_dataset.items():
        lines += table(name, per_seed, args) + [""]
    common.publish(args.section, lines, args=vars(args), per_dataset=per_dataset)


if __name__ == "__main__":
    main()
