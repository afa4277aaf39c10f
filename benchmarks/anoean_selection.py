"""AnoEAN's settings chosen without test labels, on attack types that no known anomaly shows
(NSL-KDD or KDD99).

    python -m benchmarks.anoean_selection [--dataset nsl-kdd] [--seeds 0 1 2 3 4]
                                          [--steps 1 3 5 10] [--dims 32] [--patiences 3]
                                          [--section NAME]

Algorithm 1 of the paper makes n_D discriminator steps before each encoder step and leaves n_D
open, as it leaves the decision space's size d and the patience of early stopping. The test sets
hold attack types that no known anomaly shows (KDDTest+'s 17 new types; under anoean_kdd.py's
KDD99 protocol, the R2L and U2R types), so the settings are chosen by how well AnoEAN finds
attacks of types it was never shown, with the test records left out: the known anomalies (10% of
the normal training count, as in anoean_kdd.py) are drawn from the training file's DoS and probe
records only, and each setting (every triple of --steps, --dims and --patiences) is scored by its
AUPRC on the normal val records plus every R2L and U2R record of the training file (KDDTrain+;
the first half of KDD99's 10% file), none of which is known. IsolationForest (normal training
rows) is scored on the same set, for scale. The setting with the best mean AUPRC over the seeds
is the choice. Training as in anoean_kdd.py (batch 200, at most --epochs epochs, early stopping
on val_e_loss).
"""

from __future__ import annotations

import argparse
import dataclasses
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
SECTIONS = {"nsl-kdd": "anoean_selection", "kdd99": "anoean_selection_kdd99"}
TITLES = {"nsl-kdd": "NSL-KDD", "kdd99": "KDD99"}
TRAINING_FILES = {"nsl-kdd": "KDDTrain+", "kdd99": "the first half of the 10% file"}
TEST_SETS = {"nsl-kdd": "KDDTest+", "kdd99": "The second half (the test)"}


@dataclasses.dataclass(frozen=True)
class Setting:
    """One choice of the settings compared."""
    steps: int
    dim: int
    patience: int

    def __str__(self) -> str:
        return f"n_D = {self.steps}, d = {self.dim}, patience {self.patience}"


def run_seed(seed: int, unseen: np.ndarray, settings: list[Setting],
             args: argparse.Namespace) -> dict:
    """AUPRC on normal val + `unseen` of AnoEAN at each setting (with its epochs run), and of
    IsolationForest."""
    ds = datasets.load(args.dataset, data_dir=args.data_dir, seed=seed,
                       known_anomaly_fraction=FRACTION,
                       **{**anoean_kdd.PROTOCOLS[args.dataset], "known_attacks": KNOWN_ATTACKS})
    x = np.concatenate([ds.val.x, unseen])
    y = np.r_[np.zeros(len(ds.val), np.int8), np.ones(len(unseen), np.int8)]
    normal = ds.train.x[ds.train.known == 0]
    result = {IFOREST: {"auprc": metrics.auprc(y, baselines.isolation_forest_scores(normal, x,
                                                                                     seed))}}
    for choice in settings:
        model, epochs = anoean_kdd.train_anoean(
            ds, seed, argparse.Namespace(**{**vars(args), "patience": choice.patience}),
            discriminator_steps=choice.steps, latent_dim=choice.dim)
        model.calibrate(ds.val.x, batch_size=4096)  # fits μ, Σ on the normal val records
        name = str(choice)
        result[name] = {"auprc": metrics.auprc(y, model.score(x, batch_size=4096)),
                        "epochs": epochs}
        print(f"seed {seed} {name}: {result[name]}", flush=True)
    return result


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2, 3, 4])
    parser.add_argument("--dataset", choices=sorted(SECTIONS), default="nsl-kdd",
                        help="dataset, under anoean_kdd.py's protocol")
    parser.add_argument("--steps", type=int, nargs="+", default=[1, 3, 5, 10],
                        help="discriminator steps per encoder step (n_D) to choose from")
    parser.add_argument("--dims", type=int, nargs="+", default=[32],
                        help="decision-space sizes d to choose from")
    parser.add_argument("--epochs", type=int, default=20, help="AnoEAN's most epochs")
    parser.add_argument("--patiences", type=int, nargs="+", default=[3],
                        help="epochs without a better val_e_loss before AnoEAN stops, to "
                             "choose from")
    parser.add_argument("--batch-size", type=int, default=200, help="AnoEAN's batch (paper)")
    parser.add_argument("--section", default=None,
                        help="name of this run's section of docs/RESULTS.md and of its JSON "
                             "under docs/results/ (default: anoean_selection for NSL-KDD, "
                             "anoean_selection_kdd99 for KDD99; another name keeps theirs)")
    args = parser.parse_args()
    section = args.section or SECTIONS[args.dataset]
    started = time.time()
    unseen, _ = kdd.training_attacks(args.dataset, args.data_dir, UNSEEN_ATTACKS)
    settings = [Setting(*choice) for choice in itertools.product(args.steps, args.dims,
                                                                 args.patiences)]
    per_seed = {seed: run_seed(seed, unseen, settings, args) for seed in args.seeds}
    minutes = (time.time() - started) / 60
    methods = [str(choice) for choice in settings] + [IFOREST]
    means = {m: float(np.mean([per_seed[s][m]["auprc"] for s in args.seeds])) for m in methods}
    chosen = max(methods[:-1], key=means.get)
    suffix = "" if section == SECTIONS[args.dataset] else f" ({section})"
    training_file = TRAINING_FILES[args.dataset]
    lines = [f"## AnoEAN's settings chosen on attack types no known anomaly shows "
             f"({TITLES[args.dataset]}){suffix}", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             f"{TITLES[args.dataset]}, {FRACTION:.0%} known anomalies drawn from {training_file}'s "
             f"{' and '.join(KNOWN_ATTACKS)} records only; each setting scored by AUPRC on the "
             f"normal val records plus the {len(unseen)} {' and '.join(UNSEEN_ATTACKS)} records "
             f"of {training_file}, none of them known. {TEST_SETS[args.dataset]} is not used. "
             f"AnoEAN at most {args.epochs} epochs (early stopping on val_e_loss with the "
             "patience given); IsolationForest on the normal training rows, for scale.", "",
             "| seed | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for seed in args.seeds:
        lines.append(f"| {seed} | "
                     + " | ".join(f"{per_seed[seed][m]['auprc']:.4f}" for m in methods) + " |")
    lines.append("| mean ± std | " + " | ".join(
        common.mean_std([per_seed[s][m]["auprc"] for s in args.seeds]) for m in methods) + " |")
    lines += ["", f"Chosen: {chosen} (the best mean AUPRC)."]
    common.publish(section, lines, args=vars(args), chosen=chosen, per_seed=per_seed)


if __name__ == "__main__":
    main()
