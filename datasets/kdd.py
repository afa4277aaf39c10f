"""KDD Cup 1999 (10% file) and NSL-KDD: network connections of 41 features, tabular.

Both share the 41-column record format and its encoding: numeric features as they are, then one
one-hot block per categorical feature, with categories taken from the training file (a category
the training file lacks encodes as all zeros).

- `kdd99`: by default the protocol of Zenati et al. (ALAD, EGBAD), where `normal.` connections
  are the ANOMALY class because they are the ~20% minority; `normal_class="real"` keeps the real
  classes (attacks are the anomalies).
- `nsl-kdd`: anomaly = any attack (label != `normal`); train on normal connections.

With `known_anomaly_fraction` (NSL-KDD, and KDD99 with real classes), the training split also
holds a few labelled attack records, `Split.known` = 1, for weakly supervised models (AnoEAN).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from datasets.base import (Dataset, DatasetError, OneHotEncoding, Split, minmax_stats, read_csv,
                           reject_argument, require_file, seeded_split)
from datasets.base import data_dir as resolve_data_dir

KDD99_ORIGIN = "http://kdd.ics.uci.edu/databases/kddcup99/"
NSL_KDD_ORIGIN = "https://www.unb.ca/cic/datasets/nsl.html"

FEATURES = (
    "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
    "wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in", "num_compromised",
    "root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells",
    "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count",
    "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
    "same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
    "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
    "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate")
# ALAD one-hot encodes the binary flags too, which brings the 10% file to 121 features.
KDD99_CATEGORICAL = ("protocol_type", "service", "flag", "land", "logged_in", "is_host_login",
                     "is_guest_login")
NSL_KDD_CATEGORICAL = ("protocol_type", "service", "flag")
NSL_KDD_TEST_FILES = ("KDDTest+", "KDDTest-21")
NSL_KDD_TRAILING = ("label", "difficulty")  # the columns after the 41 features
KDD99_NORMAL_CLASSES = ("alad", "real")
# The four attack categories of the KDD Cup 99 task, for the 22 attack types of the training
# files (the 10% file and KDDTrain+); the test files add 17 types seen in no training file.
ATTACK_CATEGORIES = {
    "dos": ("back", "land", "neptune", "pod", "smurf", "teardrop"),
    "probe": ("ipsweep", "nmap", "portsweep", "satan"),
    "r2l": ("ftp_write", "guess_passwd", "imap", "multihop", "phf", "spy", "warezclient",
            "warezmaster"),
    "u2r": ("buffer_overflow", "loadmodule", "perl", "rootkit"),
}


def fit_encoding(records: pd.DataFrame, categorical: tuple[str, ...]) -> OneHotEncoding:
    """The encoding of connection records: the numeric features in file order, then one one-hot
    block per feature of `categorical`, with the categories that `records` holds."""
    numeric = [name for name in FEATURES if name not in categorical]
    return OneHotEncoding.fit(records, numeric, categorical)


def read_records(path: Path, trailing_columns: tuple[str, ...]) -> pd.DataFrame:
    """The headerless CSV at `path`: the 41 features, then `trailing_columns` (e.g. the label).

    Raises:
        DatasetError: a line with more or fewer fields than expected.
    """
    columns = [*FEATURES, *trailing_columns]
    records = read_csv(path, header=None, names=columns, index_col=False)
    # pandas fills a short line with NaN; a long one already failed to parse.
    incomplete = records.isna().any(axis=1).to_numpy()
    if incomplete.any():
        line = int(np.flatnonzero(incomplete)[0]) + 1
        raise DatasetError(f"{path} line {line}: missing fields; expected {len(columns)} "
                           f"comma-separated fields (41 features, {', '.join(trailing_columns)})")
    return records


def attack_type(labels: pd.Series) -> np.ndarray:
    """Attack type names without KDD99's trailing dot: str [rows] ("normal" for normal ones)."""
    return labels.str.rstrip(".").to_numpy(str)


def attack_types_named(names: Sequence[str]) -> set[str]:
    """The attack types that `names` (types, or categories: keys of ATTACK_CATEGORIES) stand
    for, without KDD99's trailing dot."""
    return {t for n in names for t in ATTACK_CATEGORIES.get(n, (n.rstrip("."),))}


def add_known_anomalies(train_normal: np.ndarray, pool: np.ndarray, pool_types: np.ndarray,
                        test_types: np.ndarray, *, fraction: float,
                        known_attacks: Sequence[str] | None,
                        seed: int) -> tuple[Split, dict[str, Any], str]:
    """The training split: normal rows plus a seeded sample of labelled attack rows.

    Args:
        train_normal: float32 [n, features], the normal training rows.
        pool: float32 [m, features], the attack rows the known anomalies are drawn from.
        pool_types: str [m], their attack types (no trailing dot).
        test_types: str [k], the attack types of the test records (to name those held out).
        fraction: known anomalies as a fraction of n (0 = none: one-class training, labelled).
        known_attacks: attack types or categories (keys of ATTACK_CATEGORIES) to draw from;
            None = every type in `pool_types`.
        seed: seeds the draw.

    Returns:
        (train split with y = known = 1 on the drawn rows, facts for meta, a sentence for notes).
        The facts: the count, types and per-type counts of the known anomalies, the attack
        types held out of training, and the test's attack records per type.

    Raises:
        DatasetError: a bad fraction, an unknown type or category, or too few rows to draw.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or fraction < 0:
        raise DatasetError(f"known_anomaly_fraction must be a number >= 0, got {fraction!r}")
    present = sorted(set(pool_types))
    if known_attacks is None:
        allowed = present
    else:
        names = [known_attacks] if isinstance(known_attacks, str) else list(known_attacks)
        unknown = [n for n in names if n not in ATTACK_CATEGORIES and n.rstrip(".") not in present]
        if unknown:
            raise DatasetError(f"known_attacks {unknown} are neither attack categories "
                               f"({', '.join(ATTACK_CATEGORIES)}) nor attack types of the "
                               f"training records ({', '.join(present)})")
        chosen = attack_types_named(names)
        allowed = [t for t in present if t in chosen]
    candidates = np.flatnonzero(np.isin(pool_types, allowed))
    count = round(fraction * len(train_normal))
    if count > len(candidates):
        raise DatasetError(f"known_anomaly_fraction {fraction:g} asks for {count} known "
                           f"anomalies; the training records hold {len(candidates)} of the "
                           f"chosen types ({', '.join(allowed) or 'none of them occurs'})")
    # A stream of its own, so that the draw does not follow the val hold-out's shuffle.
    drawn = np.sort(np.random.default_rng([seed, 1]).choice(candidates, count, replace=False))
    labels = np.r_[np.zeros(len(train_normal)), np.ones(count)].astype(np.int8)
    train = Split(np.concatenate([train_normal, pool[drawn]]), labels, known=labels.copy())
    drawn_types = dict(zip(*np.unique(pool_types[drawn], return_counts=True)))
    held_out = sorted(set(test_types) - {"normal"} - set(allowed))
    test_attacks = dict(zip(*np.unique(test_types[test_types != "normal"], return_counts=True)))
    facts = {"known_anomalies": count, "known_attack_types": allowed,
             "known_anomaly_counts": {str(t): int(c) for t, c in drawn_types.items()},
             "held_out_attack_types": held_out,
             "test_attack_counts": {str(t): int(c) for t, c in test_attacks.items()}}
    note = (f"Known anomalies: {count} attack records ({fraction:g} of the {len(train_normal)} "
            f"normal training records, seed {seed}) added to train with known = y = 1, drawn "
            f"from the types {', '.join(allowed)}; attack types in test but held out of "
            f"training: {', '.join(held_out) or 'none'}.")
    return train, facts, note


def load_kdd99(arg: str | None, data_dir: str | None, *, seed: int = 42,
               val_fraction: float = 0.1, test_file: str | None = None,
               normal_class: str = "alad", known_anomaly_fraction: float | None = None,
               known_attacks: Sequence[str] | None = None) -> Dataset:
    """KDD Cup 99 (10% file), by default under the ALAD/EGBAD protocol: `normal.` records are the
    anomalies.

    121 features: the 34 numeric ones, then one-hot protocol_type, service, flag, land,
    logged_in, is_host_login and is_guest_login, with categories from the whole 10% file (as
    ALAD). The file is halved with pandas `sample(frac=0.5, random_state=42)`, as ALAD; the
    first half trains, the second tests.

    normal_class="alad": train = the attack (label 0) records of the first half less a seeded
    hold-out, val = that hold-out, test = the second half with its labels.
    normal_class="real": `normal.` is normal (0) and every attack an anomaly (1); train = the
    normal records of the first half less a seeded hold-out (val), plus, with
    `known_anomaly_fraction`, labelled attack records of the first half (see
    `add_known_anomalies`); test = the second half (about 80% attacks).

    Args:
        seed: seeds the val hold-out and the draw of known anomalies (the halving is fixed).
        val_fraction: the share of the training records held out for val.
        test_file: None tests on the second half; "corrected" tests on all of corrected.gz
            instead (a category unseen in the 10% file encodes as all zeros).
        normal_class: "alad" or "real" (see above).
        known_anomaly_fraction: only with normal_class="real": known anomalies in train as a
            fraction of its normal records (0.1 = one per ten); None = none and no `known`.
        known_attacks: attack types (e.g. "smurf") or categories ("dos", "probe", "r2l", "u2r")
            the known anomalies are drawn from; None = every attack type of the first half.

    Raises:
        DatasetError: a bad option or a malformed record.
        DataFileNotFoundError: a file is missing.
    """
    reject_argument("kdd99", arg)
    if test_file not in (None, "corrected"):
        raise DatasetError(f"kdd99 test_file must be None or 'corrected', got {test_file!r}")
    if normal_class not in KDD99_NORMAL_CLASSES:
        raise DatasetError(f"kdd99 normal_class must be one of {', '.join(KDD99_NORMAL_CLASSES)},"
                           f" got {normal_class!r}")
    if normal_class == "alad" and known_anomaly_fraction is not None:
        raise DatasetError("kdd99 known_anomaly_fraction needs normal_class='real' (under the "
                           "ALAD protocol the anomaly class is 'normal.')")
    _check_known_options(known_anomaly_fraction, known_attacks)
    train_path, records, encoding, in_first_half = read_kdd99(data_dir)
    x = encoding.transform(records, str(train_path))
    types = attack_type(records["label"])
    is_normal = types == "normal"
    # ALAD: the minority class `normal.` is the anomaly
    anomaly_class = is_normal if normal_class == "alad" else ~is_normal
    y = anomaly_class.astype(np.int8)

    candidates = np.flatnonzero(in_first_half & (y == 0))
    parts = seeded_split(len(candidates), {"val": val_fraction}, seed,
                         what=f"{'attack' if normal_class == 'alad' else 'normal'} records of "
                              f"the first half")
    train = Split(x[candidates[parts["train"]]], y[candidates[parts["train"]]])
    val = Split(x[candidates[parts["val"]]], y[candidates[parts["val"]]])
    sources = [str(train_path)]
    if test_file is None:
        test = Split(x[~in_first_half], y[~in_first_half])
        test_types = types[~in_first_half]
        # ALAD then re-balances test to 20% anomalies by sampling them; the second half holds
        # fewer (19.7%), so that step keeps every record and only shuffles: it is left out.
        test_words = "test = the second half"
    else:
        test_path = require_file(train_path.parent / "corrected.gz", KDD99_ORIGIN)
        test_records = read_records(test_path, ("label",))
        test_types = attack_type(test_records["label"])
        test_normal = test_types == "normal"
        test = Split(encoding.transform(test_records, str(test_path)),
                     (test_normal if normal_class == "alad" else ~test_normal).astype(np.int8))
        sources.append(str(test_path))
        test_words = "test = all of corrected.gz"
    facts: dict[str, Any] = {}
    if normal_class == "alad":
        protocol = ("ALAD/EGBAD protocol: 'normal.' is the anomaly class (label 1). The 10% file "
                    "is halved with pandas sample(frac=0.5, random_state=42); the attack records "
                    "of the first half")
    else:
        protocol = ("Real classes: 'normal.' is normal, every attack an anomaly (label 1). The "
                    "10% file is halved with pandas sample(frac=0.5, random_state=42); the "
                    "normal records of the first half")
    notes = (f"{protocol} are split into train ({len(train)}) and val (a {val_fraction:g} "
             f"hold-out with seed {seed}: {len(val)}); {test_words} ({len(test)} records, "
             f"{test.y.mean():.2%} anomalous). One-hot categories come from the whole 10% file.")
    if known_anomaly_fraction is not None:
        pool = np.flatnonzero(in_first_half & ~is_normal)
        train, facts, known_note = add_known_anomalies(
            train.x, x[pool], types[pool], test_types, fraction=known_anomaly_fraction,
            known_attacks=known_attacks, seed=seed)
        notes = f"{notes} {known_note}"
    return Dataset(name="kdd99", kind="tabular", train=train, val=val, test=test,
                   meta={"source": sources, "feature_names": encoding.feature_names,
                         "scaling": minmax_stats(train.x), **facts, "notes": notes})


def read_kdd99(data_dir: str | None) -> tuple[Path, pd.DataFrame, OneHotEncoding,
                                               np.ndarray]:
    """The 10% file: (its path, its records, the encoding fitted on them, bool [records] True on
    the first half of ALAD's halving, `sample(frac=0.5, random_state=42)`)."""
    path = require_file(resolve_data_dir(data_dir) / "kddcup99" / "kddcup.data_10_percent.gz",
                        KDD99_ORIGIN)
    records = read_records(path, ("label",))
    in_first_half = np.zeros(len(records), dtype=bool)
    # the frame's index labels are its row positions
    in_first_half[records.sample(frac=0.5, random_state=42).index] = True
    return path, records, fit_encoding(records, KDD99_CATEGORICAL), in_first_half


def training_attacks(name: str, data_dir: str | None,
                     attacks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The training file's records of some attack types: (float32 [n, features], encoded as the
    loader of dataset `name` encodes every split; their attack types, str [n]). NSL-KDD:
    KDDTrain+'s records; KDD99: those of the first half of the 10% file (the half `load_kdd99`
    trains on).

    For choices that must not see the test records: with `known_attacks` drawing the known
    anomalies from other types, these records are attacks the model was never shown, as the
    test set's held-out types are.

    Args:
        name: "nsl-kdd" or "kdd99".
        attacks: attack types (e.g. "guess_passwd") or categories ("dos", "probe", "r2l", "u2r").

    Raises:
        DatasetError: an unknown dataset, or no training record of those types.
        DataFileNotFoundError: the file is missing.
    """
    if name == "nsl-kdd":
        path, records, encoding = read_nsl_kdd_train(data_dir)
        in_training = np.ones(len(records), dtype=bool)
        where = "KDDTrain+"
    elif name == "kdd99":
        path, records, encoding, in_training = read_kdd99(data_dir)
        where = "the first half of the KDD99 10% file"
    else:
        raise DatasetError(f"training_attacks knows nsl-kdd and kdd99, got {name!r}")
    types = attack_type(records["label"])
    chosen = in_training & np.isin(types, sorted(attack_types_named(attacks)))
    if not chosen.any():
        raise DatasetError(f"no record of {where} is an attack of {list(attacks)}")
    return encoding.transform(records[chosen], str(path)), types[chosen]


def _check_known_options(fraction: float | None, known_attacks: Sequence[str] | None) -> None:
    if known_attacks is not None and fraction is None:
        raise DatasetError("known_attacks chooses the types of the known anomalies: give "
                           "known_anomaly_fraction too")


def read_nsl_kdd_train(data_dir: str | None) -> tuple[Path, pd.DataFrame, OneHotEncoding]:
    """KDDTrain+: (its path, its records, the feature encoding fitted on them)."""
    path = require_file(resolve_data_dir(data_dir) / "nsl_kdd" / "KDDTrain+.txt.gz",
                        NSL_KDD_ORIGIN)
    records = read_records(path, NSL_KDD_TRAILING)
    return path, records, fit_encoding(records, NSL_KDD_CATEGORICAL)


def load_nsl_kdd(arg: str | None, data_dir: str | None, *, seed: int = 42,
                 val_fraction: float = 0.1, test_file: str = "KDDTest+",
                 known_anomaly_fraction: float | None = None,
                 known_attacks: Sequence[str] | None = None) -> Dataset:
    """NSL-KDD: train on the normal connections of KDDTrain+, test on KDDTest+ (or KDDTest-21).

    122 features: the 38 numeric ones, then one-hot protocol_type, service and flag with
    categories from KDDTrain+ (an unseen category encodes as all zeros). Anomaly = any attack.
    The attack records of KDDTrain+ are in neither train nor val, unless
    `known_anomaly_fraction` draws some of them into train as labelled anomalies (see
    `add_known_anomalies`); `meta["train_anomalies"]` counts them all.

    Args:
        seed: seeds the val hold-out and the draw of known anomalies.
        val_fraction: the share of KDDTrain+'s normal records held out for val.
        test_file: "KDDTest+" or "KDDTest-21" (the harder records of KDDTest+).
        known_anomaly_fraction: known anomalies in train as a fraction of its normal records
            (0.1 = one per ten); None = none and no `known`.
        known_attacks: attack types (e.g. "neptune") or categories ("dos", "probe", "r2l",
            "u2r") the known anomalies are drawn from; None = every attack type of KDDTrain+.

    Raises:
        DatasetError: a bad option or a malformed record.
        DataFileNotFoundError: a file is missing.
    """
    reject_argument("nsl-kdd", arg)
    if test_file not in NSL_KDD_TEST_FILES:
        raise DatasetError(f"nsl-kdd test_file must be one of {', '.join(NSL_KDD_TEST_FILES)}, "
                           f"got {test_file!r}")
    _check_known_options(known_anomaly_fraction, known_attacks)
    train_path, records, encoding = read_nsl_kdd_train(data_dir)
    test_path = require_file(train_path.parent / f"{test_file}.txt.gz", NSL_KDD_ORIGIN)
    test_records = read_records(test_path, NSL_KDD_TRAILING)

    is_attack = (records["label"] != "normal").to_numpy()
    normal = records[~is_attack]
    x_normal = encoding.transform(normal, str(train_path))
    parts = seeded_split(len(normal), {"val": val_fraction}, seed,
                         what="normal records of KDDTrain+")
    train = Split(x_normal[parts["train"]], np.zeros(len(parts["train"]), dtype=np.int8))
    val = Split(x_normal[parts["val"]], np.zeros(len(parts["val"]), dtype=np.int8))
    test = Split(encoding.transform(test_records, str(test_path)),
                 (test_records["label"] != "normal").to_numpy().astype(np.int8))
    notes = (f"Anomaly = any attack. The normal records of KDDTrain+ are split into train "
             f"({len(train)}) and val (a {val_fraction:g} hold-out with seed {seed}: "
             f"{len(val)}); its {int(is_attack.sum())} attack records are not used"
             f"{' but for the known anomalies below' if known_anomaly_fraction is not None else ''}"
             f"; test = {test_file} ({len(test)} records, {test.y.mean():.2%} anomalous). "
             f"One-hot categories come from KDDTrain+.")
    facts: dict[str, Any] = {}
    if known_anomaly_fraction is not None:
        attacks = records[is_attack]
        train, facts, known_note = add_known_anomalies(
            train.x, encoding.transform(attacks, str(train_path)),
            attack_type(attacks["label"]), attack_type(test_records["label"]),
            fraction=known_anomaly_fraction, known_attacks=known_attacks, seed=seed)
        notes = f"{notes} {known_note}"
    return Dataset(name="nsl-kdd", kind="tabular", train=train, val=val, test=test,
                   meta={"source": [str(train_path), str(test_path)],
                         "feature_names": encoding.feature_names,
                         "scaling": minmax_stats(train.x),
                         "train_anomalies": int(is_attack.sum()), **facts, "notes": notes})
