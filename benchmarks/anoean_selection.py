"""AnoEAN's n_D and d chosen without test labels, on NSL-KDD attack types that no known anomaly
shows.

    python -m benchmarks.anoean_selection [--seeds 0 1 2 3 4] [--steps 1 3 5 10] [--dims 32]
                                          [--section NAME]

Algorithm 1 of the paper makes n_D discriminator steps before each encoder step and leaves n_D
open, as it leaves the decision space's size d. KDDTest+ holds 17 attack types that no training
record shows, so the settings are chosen by how well AnoEAN finds attacks of types it was never
shown, with KDDTest+ left out: the known anomalies (10% of the normal training count, as in
anoean_kdd.py) are drawn from KDDTrain+'s DoS and probe records only, and each setting (every
pair of --steps and --dims) is scored by its AUPRC on the normal val records plus every R2L and
U2R record of KDDTrain+, none of which is known. IsolationForest (normal training rows) is
scored on the same set, for scale. The setting with the best mean AUPRC over the seeds is the
choice. Training as in anoean_kdd.py (batch 200, at most --epochs epochs, early stopping on
val_e_loss).
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

import datasets
from benchmarks import anoean_kdd, common
from datasets import kdd
from zoo import baselines, metrics

KNOWN_ATTACKS = ["dos", "probe"]
UNSEEN_ATTACKS = ["r2l", "u2r"]
FRACTION = 0.1
IFOREST = "IsolationForest"
DEFAULT_SECTION = "anoean_selection"


def setting(steps: int, dim: int) -> str:
    """A setting's column name."""
    return f"n_D = {steps}, d = {dim}"


def run_seed(seed: int, unseen: np.ndarray, args: argparse.Namespace) -> dict:
    """AUPRC on normal val + `unseen` of AnoEAN at each setting (with its epochs run), and of
    IsolationForest."""
    ds = datasets.load("nsl-kdd", data_dir=args.data_dir, seed=seed,
                       known_anomaly_fraction=FRACTION, known_attacks=KNOWN_ATTACKS)
    x = np.concatenate([ds.val.x, unseen])
    y = np.r_[np.zeros(len(ds.val), np.int8), np.ones(len(unseen), np.int8)]
    normal = ds.train.x[ds.train.known == 0]
    result = {IFOREST: {"auprc": metrics.auprc(y, baselines.isolation_forest_scores(normal, x,
                                                                                     seed))}}
    for steps, dim in itertools.product(args.steps, args.dims):
        model, epochs = anoean_kdd.train_anoean(ds, seed, args, discriminator_steps=steps,
                                                latent_dim=dim)
        model.calibrate(ds.val.x, batch_size=4096)  # fits μ, Σ on the normal val records
        name = setting(steps, dim)
        result[name] = {"auprc": metrics.auprc(y, model.score(x, batch_size=4096)),
                        "epochs": epochs}
        print(f"seed {seed} {name}: {result[name]}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds")
    parser.add_argument("--steps", type=int, nargs="+", default=[1, 3, 5, 10],
                        help="discriminator steps per encoder step (n_D) to choose from")
    parser.add_argument("--dims", type=int, nargs="+", default=[32],
                        help="decision-space sizes d to choose from")
    parser.add_argument("--epochs", type=int, default=20, help="AnoEAN's most epochs")
    parser.add_argument("--patience", type=int, default=3,
                        help="epochs without a better val_e_loss before AnoEAN stops")
    parser.add_argument("--batch-size", type=int, default=200, help="AnoEAN's batch (paper)")
    parser.add_argument("--data-dir", default=None, help="folder of the real datasets")
    parser.add_argument("--section", default=DEFAULT_SECTION,
                        help="name of this run's section of docs/RESULTS.md and of its JSON "
                             "under docs/results/ (another name keeps the default run's)")
    args = parser.parse_args()
    started = time.time()
    unseen = kdd.nsl_kdd_training_attacks(args.data_dir, UNSEEN_ATTACKS)
    per_seed = {seed: run_seed(seed, unseen, args) for seed in args.seeds}
    minutes = (time.time() - started) / 60
    methods = [setting(s, d) for s, d in itertools.product(args.steps, args.dims)] + [IFOREST]
    means = {m: float(np.mean([per_seed[s][m]["auprc"] for s in args.seeds])) for m in methods}
    chosen = max(methods[:-1], key=means.get)
    suffix = "" if args.section == DEFAULT_SECTION else f" ({args.section})"
    lines = [f"## AnoEAN's settings chosen on attack types no known anomaly shows (NSL-KDD)"
             f"{suffix}", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             f"NSL-KDD, {FRACTION:.0%} known anomalies drawn from KDDTrain+'s "
             f"{' and '.join(KNOWN_ATTACKS)} records only; each setting scored by AUPRC on the "
             f"normal val records plus the {len(unseen)} {' and '.join(UNSEEN_ATTACKS)} records "
             "of KDDTrain+, none of them known. KDDTest+ is not used. AnoEAN at most "
             f"{args.epochs} epochs (early stopping on val_e_loss, patience {args.patience}); "
             "IsolationForest on the normal training rows, for scale.", "",
             "| seed | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for seed in args.seeds:
        lines.append(f"| {seed} | "
                     + " | ".join(f"{per_seed[seed][m]['auprc']:.4f}" for m in methods) + " |")
    lines.append("| mean ± std | " + " | ".join(
        common.mean_std([per_seed[s][m]["auprc"] for s in args.seeds]) for m in methods) + " |")
    lines += ["", f"Chosen: {chosen} (the best mean AUPRC)."]
    common.write_section(args.section, "\n".join(lines),
                         {"command": common.command(), "machine": common.machine(),
                          "args": vars(args), "chosen": chosen, "per_seed": per_seed})
    print("\n".join(lines))


if __name__ == "__main__":
    main()
