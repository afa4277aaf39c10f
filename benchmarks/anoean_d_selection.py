"""AnoEAN's decision-space size d chosen without test labels, on NSL-KDD with 10% known anomalies.

    python -m benchmarks.anoean_d_selection [--seeds 0 1 2 3 4] [--dims 4 8 16 32 64]

The AnoEAN table (benchmarks/anoean_kdd.py) uses d = 32, picked by a sweep scored on KDDTest+.
Here d is chosen by the known anomalies alone: a seeded fifth of them is held out of training,
and each d in --dims is scored by the AUPRC of AnoEAN on that validation set (the normal val
records plus the held-out known anomalies). The d with the best validation AUPRC is the choice;
its test AUPRC (KDDTest+) is reported beside the test AUPRC of d = 32 trained on the same data.
Training as anoean_kdd.py (batch 200, at most --epochs epochs, early stopping on val_e_loss).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

import datasets
from benchmarks import anoean_kdd, common
from zoo import metrics

HELD_OUT_SHARE = 0.2
FRACTION = 0.1
FIXED_D = 32


def hold_out_known(ds, seed: int):
    """`ds` with a seeded HELD_OUT_SHARE of its known anomalies removed from train, and those
    rows."""
    known = np.flatnonzero(ds.train.known == 1)
    held = np.random.default_rng(seed).choice(known, round(HELD_OUT_SHARE * len(known)),
                                              replace=False)
    keep = np.setdiff1d(np.arange(len(ds.train)), held)
    train = dataclasses.replace(ds.train, x=ds.train.x[keep], y=ds.train.y[keep],
                                known=ds.train.known[keep])
    return dataclasses.replace(ds, train=train), ds.train.x[held]


def run_seed(seed: int, args) -> dict:
    ds = datasets.load("nsl-kdd", data_dir=args.data_dir, seed=seed,
                       known_anomaly_fraction=FRACTION)
    train_ds, held = hold_out_known(ds, seed)
    val_x = np.concatenate([ds.val.x, held])
    val_y = np.concatenate([np.zeros(len(ds.val), np.int8), np.ones(len(held), np.int8)])
    per_d = {}
    for d in args.dims:
        model, epochs = anoean_kdd.train_anoean(train_ds, seed, args, latent_dim=d)
        model.calibrate(ds.val.x, batch_size=4096)  # fits μ, Σ on the normal val records
        per_d[d] = {"val_auprc": metrics.auprc(val_y, model.score(val_x, batch_size=4096)),
                    "test_auprc": metrics.auprc(ds.test.y,
                                                model.score(ds.test.x, batch_size=4096)),
                    "epochs": epochs}
        print(f"seed {seed} d {d}: {per_d[d]}", flush=True)
    chosen = max(args.dims, key=lambda d: per_d[d]["val_auprc"])
    return {"per_d": per_d, "chosen": chosen, "held_out": int(len(held))}


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2, 3, 4])
    parser.add_argument("--dims", type=int, nargs="+", default=[4, 8, 16, 32, 64],
                        help="decision-space sizes d to choose from (must hold 32)")
    parser.add_argument("--epochs", type=int, default=20, help="AnoEAN's most epochs")
    parser.add_argument("--patience", type=int, default=3,
                        help="epochs without a better val_e_loss before AnoEAN stops")
    parser.add_argument("--batch-size", type=int, default=200, help="AnoEAN's batch (paper)")
    args = parser.parse_args()
    if FIXED_D not in args.dims:
        parser.error(f"--dims must hold {FIXED_D}, the d it is compared with")
    started = time.time()
    per_seed = {seed: run_seed(seed, args) for seed in args.seeds}
    minutes = (time.time() - started) / 60
    chosen = [per_seed[s]["per_d"][per_seed[s]["chosen"]]["test_auprc"] for s in args.seeds]
    fixed = [per_seed[s]["per_d"][FIXED_D]["test_auprc"] for s in args.seeds]
    lines = ["## AnoEAN's d chosen on known anomalies held out of training (NSL-KDD)", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             f"NSL-KDD, {FRACTION:.0%} known anomalies (anoean_kdd.py's protocol), of which a "
             f"seeded {HELD_OUT_SHARE:.0%} is held out of training; each d in {args.dims} is "
             "scored by its AUPRC on the normal val records plus those held-out anomalies, and "
             "the best is chosen. No test label enters the choice.", "",
             "| seed | chosen d | its test AUPRC | test AUPRC at d = 32 | val AUPRC per d |",
             "|---|---|---|---|---|"]
    for seed in args.seeds:
        r = per_seed[seed]
        per_d = ", ".join(f"{d}: {r['per_d'][d]['val_auprc']:.4f}" for d in args.dims)
        lines.append(f"| {seed} | {r['chosen']} | {r['per_d'][r['chosen']]['test_auprc']:.4f} "
                     f"| {r['per_d'][FIXED_D]['test_auprc']:.4f} | {per_d} |")
    lines += ["", f"Mean test AUPRC: chosen d {common.mean_std(chosen)}; d = 32 "
              f"{common.mean_std(fixed)} (both trained without the held-out anomalies)."]
    common.publish("anoean_d_selection", lines, args=vars(args), per_seed=per_seed)


if __name__ == "__main__":
    main()
