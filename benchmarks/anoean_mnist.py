"""AnoEAN on MNIST, 1-vs-all and n-vs-m, with 10%, 5%, 1% and 0% known anomalies.

Against an OCSVM, a cost-sensitive SVM and an IsolationForest in the same run (the paper's
section 4.1).

    python -m benchmarks.anoean_mnist [--protocols 1-vs-all n-vs-m] [--digits 0 1 ... 9]
        [--seeds 0 1 2 3 4] [--fractions 0.1 0.05 0.01 0] [--epochs 10]

The paper's protocol: 1-vs-all, one digit normal, 5000 normal training images plus known
anomalies amounting to 10% of them drawn from 4 of the 9 other digits, and a test set of 1700
images, 20% anomalies from all nine other digits; n-vs-m, several digits normal, the same rule.

Adapted here, because only the 10k t10k images are in the shared data folder: the `mnist`
loader splits the normal digits' t10k images into train (70%), val (10%) and test (20%), about
700 training images for one digit, not 5000. Known anomalies = a seeded sample of the t10k
images of a seeded choice of 4 other digits (1-vs-all; 2 of the anomaly digits for n-vs-m,
default normal 0-4 against 5-9), amounting to the known fraction of the normal training count;
the other anomaly digits are held out of training. Test = the loader's normal test images plus a
seeded sample of the other anomaly images, of every anomaly digit, making 20% of test (about 250
test images for one digit). Within a seed the test set and the known digits are the same for
every fraction, and a smaller fraction's known anomalies are part of a larger one's.

Methods, as benchmarks/anoean_kdd.py runs them: AnoEAN (the paper's image encoder, batch 200,
early stopping on the validation encoder loss with the best weights restored, μ/Σ and threshold
from the normal val images); OCSVM (RBF, ν = 0.0001, normal training images only); cost-sensitive
SVM (RBF SVC, class_weight="balanced", with the known anomalies; not defined with 0 known
anomalies); IsolationForest (normal training images only); the three on flattened pixels. AUPRC
is the headline; AUROC next; F1 and accuracy at the --quantile of each method's scores on the
normal val images (no test labels).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from typing import Any, Sequence

import numpy as np

import datasets
import zoo
from benchmarks import common
from benchmarks.anoean_kdd import (METHODS, add_method_arguments, judged, svm_scores,
                                   train_anoean, val_test_scores)
from datasets.base import Dataset, DatasetError, Split, minmax_stats
from zoo import baselines

NORMAL = -1  # the digit entry of a normal image in a test pool
ANOMALY_SHARE = 0.2  # the anomalies' share of the test set (paper)
METRICS = ("auprc", "auroc", "f1", "accuracy")


def protocol_split(pool_digits: np.ndarray, n_train_normal: int, n_known_digits: int,
                   fraction: float, seed: int,
                   anomaly_share: float = ANOMALY_SHARE) -> dict[str, np.ndarray]:
    """The known anomalies and the test set, both cut from one test pool.

    The pool is what the mnist loader puts in test when it splits inside t10k: the normal
    digits' test images and every anomaly-digit image. Test = every normal image of the pool
    plus a seeded sample of its anomaly images (of all anomaly digits) making `anomaly_share`
    of test. Known anomalies = a seeded sample of the other images of a seeded choice of
    `n_known_digits` anomaly digits, round(fraction · n_train_normal) of them. For one seed,
    the test set and the known digits do not depend on `fraction`, and a smaller fraction's
    known anomalies are a subset of a larger one's.

    Args:
        pool_digits: int [n], the digit of each anomaly image of the pool, NORMAL (-1) for each
            normal image.
        n_train_normal: how many normal training images the known anomalies are counted from.
        n_known_digits: how many anomaly digits supply the known anomalies.
        fraction: known anomalies as a fraction of n_train_normal (0 = none).
        seed: seeds the choice of digits and both draws.
        anomaly_share: the anomalies' share of the test set.

    Returns:
        "known", "test": sorted int64 indices into the pool; "known_digits" and
        "held_out_digits" (the anomaly digits no known anomaly comes from): sorted digits.

    Raises:
        DatasetError: a fraction or share out of range, more known digits than anomaly digits,
            or a pool too small for the counts asked.
    """
    if fraction < 0 or not 0 < anomaly_share < 1:
        raise DatasetError(f"expected a known fraction >= 0 and an anomaly share in (0, 1); "
                           f"got {fraction!r} and {anomaly_share!r}")
    pool_digits = np.asarray(pool_digits)
    normal = np.flatnonzero(pool_digits == NORMAL)
    anomalies = np.flatnonzero(pool_digits != NORMAL)
    anomaly_digits = np.unique(pool_digits[anomalies])
    if not 0 <= n_known_digits <= len(anomaly_digits):
        raise DatasetError(f"{n_known_digits} known-anomaly digits asked of the "
                           f"{len(anomaly_digits)} anomaly digits {anomaly_digits.tolist()}")
    known_digits = np.sort(np.random.default_rng([seed, 0]).choice(
        anomaly_digits, n_known_digits, replace=False))
    n_test = round(anomaly_share / (1 - anomaly_share) * len(normal))
    if n_test > len(anomalies):
        raise DatasetError(f"a test set with {len(normal)} normal images needs {n_test} "
                           f"anomalies; the pool holds {len(anomalies)}")
    test_anomalies = np.random.default_rng([seed, 1]).choice(anomalies, n_test, replace=False)
    candidates = np.setdiff1d(anomalies[np.isin(pool_digits[anomalies], known_digits)],
                              test_anomalies)
    count = round(fraction * n_train_normal)
    if count > len(candidates):
        raise DatasetError(f"known fraction {fraction:g} asks for {count} known anomalies; the "
                           f"pool holds {len(candidates)} other images of digits "
                           f"{known_digits.tolist()}")
    known = np.random.default_rng([seed, 2]).permutation(candidates)[:count]
    return {"known": np.sort(known), "test": np.sort(np.concatenate([normal, test_anomalies])),
            "known_digits": known_digits,
            "held_out_digits": np.setdiff1d(anomaly_digits, known_digits)}


def load_pool(normal: Sequence[int], anomaly: Sequence[int], seed: int,
              args: argparse.Namespace) -> tuple[Dataset, np.ndarray, np.ndarray]:
    """The loader's split for these digits and its test pool: (dataset, pool images float32
    [n, 28, 28, 1], their digits int [n] with NORMAL for the normal test images)."""
    ds = datasets.load("mnist", data_dir=args.data_dir, normal_digits=list(normal),
                       anomaly_digits=list(anomaly), seed=seed, test_fraction=args.test_fraction,
                       val_fraction=args.val_fraction)
    # The normal images first, then each anomaly digit's in turn, each in t10k order.
    order = np.concatenate([np.flatnonzero(ds.test.y == 0)]
                           + [np.flatnonzero((ds.test.y == 1) & (ds.test.classes == digit))
                              for digit in anomaly])
    digits = np.where(ds.test.y == 1, ds.test.classes.astype(np.int64), NORMAL)
    return ds, ds.test.x[order], digits[order]


def with_split(ds: Dataset, pool_x: np.ndarray, pool_digits: np.ndarray,
               split: dict[str, np.ndarray]) -> Dataset:
    """`ds` with the known anomalies added to train (known = y = 1) and the protocol's test."""
    known_x = pool_x[split["known"]]
    labels = np.r_[np.zeros(len(ds.train)), np.ones(len(known_x))].astype(np.int8)
    train = Split(np.concatenate([ds.train.x, known_x]), labels, known=labels.copy())
    test = Split(pool_x[split["test"]], (pool_digits[split["test"]] != NORMAL).astype(np.int8))
    return dataclasses.replace(ds, train=train, test=test,
                               meta={**ds.meta, "scaling": minmax_stats(train.x)})


def run_normal_set(label: str, normal: Sequence[int], anomaly: Sequence[int],
                   n_known_digits: int, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """{fraction: {method: metrics}, "split": facts} for one set of normal digits and seed."""
    ds, pool_x, pool_digits = load_pool(normal, anomaly, seed, args)
    rows: dict[str, Any] = {}
    one_class: dict[str, dict[str, float]] = {}
    for fraction in args.fractions:
        started = time.time()
        split = protocol_split(pool_digits, len(ds.train), n_known_digits, fraction, seed)
        run = with_split(ds, pool_x, pool_digits, split)
        y = run.test.y
        model, epochs = train_anoean(run, seed, args)
        threshold = model.calibrate(run.val.x, quantile=args.quantile, batch_size=1024)
        results = {"AnoEAN": {**judged(y, model.score(run.test.x, batch_size=1024), threshold),
                              "epochs": epochs}}
        if run.train.known.any():
            val, test = val_test_scores(svm_scores(run, args.svm_max_train, seed), run)
            results["SVM (cost-sensitive)"] = judged(y, test, np.quantile(val, args.quantile))
        if not one_class:  # normal images only, and the same test for every fraction of a seed
            both = np.concatenate([run.val.x, run.test.x])
            for method, scores in (
                    ("OCSVM", baselines.ocsvm_scores(ds.train.x, both, nu=args.nu,
                                                  max_train=args.ocsvm_max_train, seed=seed)),
                    ("IsolationForest", baselines.isolation_forest_scores(ds.train.x, both, seed))):
                val, test = scores[:len(run.val)], scores[len(run.val):]
                one_class[method] = judged(y, test, np.quantile(val, args.quantile))
        results.update(one_class)
        rows[f"{fraction:g}"] = results
        print(f"{label} seed {seed} known {fraction:g} ({len(split['known'])} images): "
              + ", ".join(f"{m} {r['auprc']:.3f}" for m, r in results.items())
              + f" (AnoEAN {epochs} epochs; {time.time() - started:.0f} s)", flush=True)
    # the known digits and the test set are the same for every fraction (protocol_split)
    rows["split"] = {"known_digits": split["known_digits"].tolist(),
                     "held_out_digits": split["held_out_digits"].tolist(),
                     "train_normal": len(ds.train), "val": len(ds.val),
                     "test": len(split["test"]), "test_anomalies": int(y.sum())}
    return rows


def compact(digits: Sequence[int]) -> str:
    """[1, 3, 5] -> '135'."""
    return "".join(str(d) for d in digits)


def fraction_table(runs: dict[str, dict[int, dict]], args: argparse.Namespace) -> list[str]:
    """Rows per known fraction and method: the mean over normal sets of each seed, then mean ±
    std over seeds."""
    lines = ["| known anomalies | method | AUPRC | AUROC | F1 | accuracy |",
             "|---|---|---|---|---|---|"]
    for fraction in args.fractions:
        key = f"{fraction:g}"
        for method in METHODS:
            if method not in next(iter(runs.values()))[args.seeds[0]][key]:
                lines.append(f"| {fraction:.0%} | {method} | — | — | — | — |")
                continue
            cells = [common.mean_std([np.mean([per_seed[s][key][method][m]
                                               for per_seed in runs.values()])
                                      for s in args.seeds]) for m in METRICS]
            lines.append(f"| {fraction:.0%} | {method} | " + " | ".join(cells) + " |")
    return lines


def digit_table(runs: dict[str, dict[int, dict]], args: argparse.Namespace) -> list[str]:
    """1-vs-all AUPRC per normal digit at the first known fraction, and their mean."""
    key = f"{args.fractions[0]:g}"
    present = [m for m in METHODS if m in next(iter(runs.values()))[args.seeds[0]][key]]
    lines = [f"AUPRC with {args.fractions[0]:.0%} known anomalies, per normal digit (mean ± "
             "std over seeds; the mean row: mean over digits ± its std over seeds). Held-out "
             f"digits: the {9 - args.known_digits} no known anomaly came from, per seed.", "",
             "| normal digit | held-out digits | " + " | ".join(present) + " |",
             "|---|---|" + "---|" * len(present)]
    for label, per_seed in runs.items():
        held = " / ".join(compact(per_seed[s]["split"]["held_out_digits"]) for s in args.seeds)
        cells = [common.mean_std([per_seed[s][key][m]["auprc"] for s in args.seeds])
                 for m in present]
        lines.append(f"| {label} | {held} | " + " | ".join(cells) + " |")
    means = [common.mean_std([np.mean([per_seed[s][key][m]["auprc"]
                                       for per_seed in runs.values()]) for s in args.seeds])
             for m in present]
    return lines + ["| mean | | " + " | ".join(means) + " |"]


def sizes(facts: dict[str, Any]) -> str:
    """'train 686 normal, val 98, test 245 (49 anomalies)'."""
    return (f"train {facts['train_normal']} normal, val {facts['val']}, test {facts['test']} "
            f"({facts['test_anomalies']} anomalies)")


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2, 3, 4], data_dir=False)
    parser.add_argument("--protocols", nargs="+", choices=["1-vs-all", "n-vs-m"],
                        default=["1-vs-all", "n-vs-m"], help="protocols to run")
    parser.add_argument("--digits", type=int, nargs="+", default=list(range(10)),
                        help="1-vs-all: the normal digits, one experiment each")
    parser.add_argument("--known-digits", type=int, default=4,
                        help="1-vs-all: how many of the nine other digits (a seeded choice) "
                             "supply the known anomalies (paper)")
    parser.add_argument("--normal-digits", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                        help="n-vs-m: the normal digits")
    parser.add_argument("--anomaly-digits", type=int, nargs="+", default=[5, 6, 7, 8, 9],
                        help="n-vs-m: the anomaly digits")
    parser.add_argument("--n-vs-m-known-digits", type=int, default=2,
                        help="n-vs-m: how many anomaly digits (a seeded choice) supply the "
                             "known anomalies")
    add_method_arguments(parser, epochs=10,
                         epochs_help="AnoEAN's most epochs: a CPU budget (the full default run "
                                     "in about 15 min on 2 cores), not the paper's",
                         examples="images")
    parser.add_argument("--test-fraction", type=float, default=0.2,
                        help="share of the normal digits' t10k images for test (loader)")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="share of the normal digits' t10k images for val (loader)")
    args = parser.parse_args()

    experiments = {"1-vs-all": {f"{d}": ([d], [o for o in range(10) if o != d],
                                          args.known_digits) for d in args.digits},
                   "n-vs-m": {f"{compact(args.normal_digits)} vs {compact(args.anomaly_digits)}":
                              (args.normal_digits, args.anomaly_digits,
                               args.n_vs_m_known_digits)}}
    started = time.time()
    try:
        runs = {protocol: {label: {seed: run_normal_set(label, *setting, seed, args)
                                   for seed in args.seeds}
                           for label, setting in experiments[protocol].items()}
                for protocol in args.protocols}
    except zoo.USER_ERRORS as err:
        raise SystemExit(f"anoean_mnist: error: {err}") from err
    minutes = (time.time() - started) / 60
    lines = ["## AnoEAN on MNIST, 1-vs-all and n-vs-m, with known anomalies", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             "The paper's protocol (section 4.1), adapted to the 10k t10k images, the only ones "
             "available here. Paper: 5000 normal training images plus known anomalies "
             "amounting to 10% of them from 4 of the 9 other digits; test 1700 images, 20% "
             "anomalies from all nine. Here: the `mnist` loader splits the normal digits' t10k "
             f"images into train, val ({args.val_fraction:g}) and test ({args.test_fraction:g}); "
             "known anomalies = a seeded sample of the t10k images of a seeded choice of "
             f"{args.known_digits} other digits (1-vs-all) or {args.n_vs_m_known_digits} of the "
             "anomaly digits (n-vs-m), amounting to the known fraction of the normal training "
             "count, taken out of the test pool; test = the loader's normal test images plus a "
             f"seeded sample of the other anomaly images of every anomaly digit, making "
             f"{ANOMALY_SHARE:.0%} of test. Within a seed, every fraction has the same test set "
             "and known digits.", "",
             f"Mean ± std over seeds. AUPRC first (anomaly = an anomaly digit); F1 and accuracy "
             f"at each method's {args.quantile:g} quantile of its scores on the normal val "
             f"images (no test labels). AnoEAN: the image encoder (4×4 stride-2 convolutions, "
             f"32, 64, 128 filters, then d = 32), batch {args.batch_size}, at most "
             f"{args.epochs} epochs (a CPU budget, not the paper's), early stopping on "
             f"val_e_loss (patience {args.patience}, best weights restored). Baselines on "
             f"flattened pixels: OCSVM, ν = {args.nu:g}, on at most {args.ocsvm_max_train} "
             f"normal training images; SVM: RBF SVC with balanced class weights on at most "
             f"{args.svm_max_train} training images (none with 0 known anomalies: one class); "
             "IsolationForest: scikit-learn defaults, normal images.", "",
             "The paper's MNIST figures are not quoted here.", ""]
    if "1-vs-all" in runs:
        first = next(iter(runs["1-vs-all"].items()))
        lines += ["### 1-vs-all", "",
                  f"One digit normal, the nine others anomalies. Sizes (digit {first[0]}, seed "
                  f"{args.seeds[0]}): {sizes(first[1][args.seeds[0]]['split'])}.", "",
                  *digit_table(runs["1-vs-all"], args), "",
                  "Mean over digits, per known fraction:", "",
                  *fraction_table(runs["1-vs-all"], args), ""]
    if "n-vs-m" in runs:
        label, per_seed = next(iter(runs["n-vs-m"].items()))
        splits = [per_seed[s]["split"] for s in args.seeds]
        lines += ["### n-vs-m", "",
                  f"Normal digits {args.normal_digits}, anomaly digits {args.anomaly_digits}. "
                  f"Sizes (seed {args.seeds[0]}): {sizes(splits[0])}. Known-anomaly digits / "
                  "held-out digits per seed: " + "; ".join(
                      f"{compact(f['known_digits'])} / {compact(f['held_out_digits'])}"
                      for f in splits) + ".", "",
                  *fraction_table(runs["n-vs-m"], args), ""]
    common.publish("anoean_mnist", lines, args=vars(args), runs=runs)


if __name__ == "__main__":
    main()
