"""Where AnoEAN and the cost-sensitive SVM part ways on NSL-KDD and KDD99: attacks of the types the
known anomalies are drawn from, against attacks of types none of them shows. No test record is
scored.

    python -m benchmarks.anoean_attack_types [--datasets nsl-kdd kdd99] [--seeds 0 1 2 3 4]

On KDDTest+ AnoEAN is well above the SVM; on KDD99's second half the two tie (anoean_kdd.py).
KDDTest+ holds 17 attack types that no training record shows; the attacks of KDD99's second half
are nearly all of the DoS and probe types the known anomalies come from. This script measures
the two kinds of attack apart, on the training file (KDDTrain+; the first half of KDD99's 10%
file), with anoean_selection.py's split: 10% known anomalies drawn from the DoS and probe records
only. For each method, on the normal val records plus
- the training file's DoS and probe records that equal no known anomaly row (seen types),
- its R2L and U2R records (unseen types: none is known),
it reports the AUPRC, and, per attack type, the share of the type's records scored above the
method's threshold: the --quantile of its scores on the normal val records, as in
anoean_kdd.py. The same for the known anomalies themselves says how well each method fits the
labels it trained on, and each type's share of AnoEAN's misses (records not flagged) says where
they gather. Methods: AnoEAN (the model's defaults, trained as in anoean_kdd.py), the
cost-sensitive SVM and IsolationForest of anoean_kdd.py. The test set's attacks are only
counted, by type (the loader's `test_attack_counts`): how many are of the types the known
anomalies are drawn from, how many of types no training record shows.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

import datasets
from benchmarks import anoean_kdd, anoean_selection, common
from datasets import kdd
from zoo import baselines, metrics

SECTION = "anoean_attack_types"
METHODS = ("AnoEAN", "SVM (cost-sensitive)", "IsolationForest")
GROUPS = {"known": "the known anomalies", "seen": "seen types", "unseen": "unseen types"}
CATEGORY = {t: category for category, types in kdd.ATTACK_CATEGORIES.items() for t in types}


def method_scorers(ds, seed: int, args) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Each method trained on `ds`, as rows -> anomaly scores."""
    model, _ = anoean_kdd.train_anoean(ds, seed, args)
    model.calibrate(ds.val.x, batch_size=4096)  # fits μ, Σ on the normal val records
    normal = ds.train.x[ds.train.known == 0]
    return {"AnoEAN": lambda x: model.score(x, batch_size=4096),
            "SVM (cost-sensitive)": anoean_kdd.svm_scores(ds, args.svm_max_train, seed),
            "IsolationForest": lambda x: baselines.isolation_forest_scores(normal, x, seed)}


def attack_groups(known: np.ndarray, attacks: dict[str, tuple[np.ndarray, np.ndarray]]
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The attack records scored, as (rows, types) per group: "known", the known anomalies
    `known` (drawn from the seen-type records, whose types they take); "seen", the seen-type
    records that equal no known anomaly (the training file repeats many records, so a drawn
    record's copies are left out too); "unseen", every unseen-type record."""
    seen, seen_types = attacks["seen"]
    type_of = {row.tobytes(): t for row, t in zip(seen, seen_types)}
    known_types = np.array([type_of[row.tobytes()] for row in known], dtype=seen_types.dtype)
    known_rows = {row.tobytes() for row in known}
    fresh = np.array([row.tobytes() not in known_rows for row in seen], dtype=bool)
    return {"known": (known, known_types), "seen": (seen[fresh], seen_types[fresh]),
            "unseen": attacks["unseen"]}


def run_seed(name: str, seed: int, attacks: dict[str, tuple[np.ndarray, np.ndarray]],
             args) -> dict:
    """{"records": {group: {type: records scored}}, "test_attack_counts": {type: test attack
    records}, method: {"auprc": {group: AUPRC}, "flagged": {group: {type: share flagged}},
    "missed": {group: {type: records not flagged}}}} for one dataset and seed; the groups are
    `attack_groups`'."""
    ds = datasets.load(name, data_dir=args.data_dir, seed=seed,
                       known_anomaly_fraction=anoean_selection.FRACTION,
                       **{**anoean_kdd.PROTOCOLS[name],
                          "known_attacks": anoean_selection.KNOWN_ATTACKS})
    groups = attack_groups(ds.train.x[ds.train.known == 1], attacks)
    rows = np.concatenate([ds.val.x, *(x for x, _ in groups.values())])
    result: dict = {"records": {
        group: {str(t): int(c) for t, c in zip(*np.unique(types, return_counts=True))}
        for group, (_, types) in groups.items()},
        "test_attack_counts": ds.meta["test_attack_counts"]}
    for method, score in method_scorers(ds, seed, args).items():
        scores = score(rows)  # one call: IsolationForest fits and scores at once
        val, start = scores[:len(ds.val)], len(ds.val)
        threshold = np.quantile(val, args.quantile)
        result[method] = {"auprc": {}, "flagged": {}, "missed": {}}
        for group, (x, types) in groups.items():
            group_scores = scores[start:start + len(x)]
            start += len(x)
            labels = np.r_[np.zeros(len(val), np.int8), np.ones(len(x), np.int8)]
            result[method]["auprc"][group] = metrics.auprc(labels, np.r_[val, group_scores])
            flagged = group_scores > threshold
            result[method]["flagged"][group] = {str(t): float(np.mean(flagged[types == t]))
                                                for t in np.unique(types)}
            result[method]["missed"][group] = {str(t): int(np.sum(~flagged[types == t]))
                                               for t in np.unique(types)}
    print(f"{name} seed {seed}: " + "; ".join(
        f"{m} " + ", ".join(f"{g} {v:.4f}" for g, v in result[m]["auprc"].items())
        for m in METHODS), flush=True)
    return result


def mean_share(per_seed: dict[int, dict], method: str, group: str, attack: str) -> str:
    """The share of `attack` records of `group` that `method` flags, as a mean over the seeds
    whose group holds some ("—" where none does)."""
    shares = [r[method]["flagged"][group][attack] for r in per_seed.values()
              if attack in r[method]["flagged"][group]]
    return f"{np.mean(shares):.3f}" if shares else "—"


def miss_share(per_seed: dict[int, dict], method: str, group: str, attack: str) -> str:
    """`attack`'s share of the records of `group` that `method` misses (does not flag), as a
    mean over the seeds."""
    shares = [r[method]["missed"][group].get(attack, 0)
              / max(sum(r[method]["missed"][group].values()), 1) for r in per_seed.values()]
    return f"{np.mean(shares):.3f}"


def test_composition(test_attack_counts: dict[str, int], training_types: set[str]) -> str:
    """A sentence: how many test attacks are of the known anomalies' types, how many of types
    no training record shows."""
    total = sum(test_attack_counts.values())
    known_types = kdd.attack_types_named(anoean_selection.KNOWN_ATTACKS)
    of_known = sum(c for t, c in test_attack_counts.items() if t in known_types)
    new = sum(c for t, c in test_attack_counts.items() if t not in training_types)
    return (f"The test set's {total} attack records (counted, not scored): {of_known} "
            f"({of_known / total:.1%}) of the DoS and probe types the known anomalies are drawn "
            f"from; {new} ({new / total:.1%}) of types no training record shows.")


def table(name: str, per_seed: dict[int, dict], args) -> list[str]:
    counts = {group: {} for group in GROUPS}  # group -> {type: mean records over seeds}
    for group, types in counts.items():
        for result in per_seed.values():
            for attack, count in result["records"][group].items():
                types[attack] = types.get(attack, 0) + count / len(per_seed)
    lines = [f"### {name}", "",
             f"Means over seeds: {sum(counts['known'].values()):.0f} known anomalies; "
             f"{sum(counts['seen'].values()):.0f} DoS and probe records that equal no known "
             f"anomaly (seen types); {sum(counts['unseen'].values()):.0f} R2L and U2R records "
             "(unseen types). " + test_composition(
                 next(iter(per_seed.values()))["test_attack_counts"],
                 {t for types in counts.values() for t in types}), "",
             "| method | " + " | ".join(f"AUPRC, {words}" for words in GROUPS.values()) + " |",
             "|---" * (1 + len(GROUPS)) + "|"]
    for method in METHODS:
        lines.append(f"| {method} | " + " | ".join(
            anoean_kdd.mean_std([r[method]["auprc"][group] for r in per_seed.values()])
            for group in GROUPS) + " |")
    trained = METHODS[:2]  # the methods that train on the known anomalies
    lines += ["", f"Share of each attack type's records flagged at the {args.quantile:g} "
              "quantile of the method's normal val scores: first of its known anomalies, then "
              "of its other records; last, the type's share of AnoEAN's misses among the "
              "other records of its group, seen or unseen types (counts and shares are means "
              f"over seeds; types with fewer than {args.min_records} other records are left "
              "out):", "",
              "| attack type | category | known anomalies | "
              + " | ".join(f"{m}, known" for m in trained) + " | other records | "
              + " | ".join(METHODS) + " | share of AnoEAN's misses |",
              "|---" * (5 + len(trained) + len(METHODS)) + "|"]
    others = {**counts["seen"], **counts["unseen"]}
    for attack in sorted(others, key=lambda t: (CATEGORY[t], t)):
        if others[attack] < args.min_records:
            continue
        group = "seen" if attack in counts["seen"] else "unseen"
        lines.append(
            f"| {attack} | {CATEGORY[attack]} | {counts['known'].get(attack, 0):.1f} | "
            + " | ".join(mean_share(per_seed, m, "known", attack) for m in trained)
            + f" | {others[attack]:.0f} | "
            + " | ".join(mean_share(per_seed, m, group, attack) for m in METHODS)
            + f" | {miss_share(per_seed, 'AnoEAN', group, attack)} |")
    return lines


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2, 3, 4])
    parser.add_argument("--datasets", nargs="+", choices=sorted(anoean_kdd.PROTOCOLS),
                        default=["nsl-kdd", "kdd99"], help="datasets to run")
    parser.add_argument("--epochs", type=int, default=20, help="AnoEAN's most epochs")
    parser.add_argument("--patience", type=int, default=3,
                        help="epochs without a better val_e_loss before AnoEAN stops")
    parser.add_argument("--batch-size", type=int, default=200, help="AnoEAN's batch (paper)")
    parser.add_argument("--quantile", type=float, default=0.95,
                        help="threshold = this quantile of a method's normal val scores")
    parser.add_argument("--svm-max-train", type=int, default=10_000,
                        help="the cost-sensitive SVM trains on a seeded sample of at most "
                             "this many rows")
    parser.add_argument("--min-records", type=int, default=10,
                        help="attack types with fewer records are left out of the per-type "
                             "table")
    args = parser.parse_args()
    started = time.time()
    per_dataset, sections = {}, []
    for name in args.datasets:
        attacks = {"seen": kdd.training_attacks(name, args.data_dir,
                                                anoean_selection.KNOWN_ATTACKS),
                   "unseen": kdd.training_attacks(name, args.data_dir,
                                                  anoean_selection.UNSEEN_ATTACKS)}
        per_dataset[name] = {seed: run_seed(name, seed, attacks, args) for seed in args.seeds}
        sections += table(name, per_dataset[name], args) + [""]
    minutes = (time.time() - started) / 60
    lines = ["## AnoEAN and the SVM on attack types seen and unseen in the known anomalies", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             "Training files only (KDDTrain+; the first half of KDD99's 10% file): no test "
             f"record is used. {anoean_selection.FRACTION:.0%} known anomalies drawn from the "
             "DoS and probe records; the normal records split into train and val as in "
             "anoean_kdd.py. AUPRC on the normal val records plus each group of attack "
             "records. AnoEAN with the model's defaults, at most "
             f"{args.epochs} epochs (early stopping on val_e_loss, patience {args.patience}); "
             f"SVM: RBF SVC with balanced class weights on at most {args.svm_max_train} "
             "training rows; IsolationForest on the normal training rows.", "", *sections]
    common.publish(SECTION, lines, args=vars(args), per_dataset=per_dataset)


if __name__ == "__main__":
    main()
