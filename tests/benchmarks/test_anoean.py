"""benchmarks/protocols/anoean.py: which attack records are scored as known anomalies, seen
types and unseen types; the MNIST protocol's split of known anomalies and test images, on fake
labelled images split by the mnist loader's own function; a section and its leaderboard rows from
a hand-made cache."""

import numpy as np
import pytest

from benchmarks import harness
from benchmarks.protocols import anoean
from datasets import DatasetError, mnist

SEEN = np.array([[0, 1], [0, 2], [0, 1], [5, 5], [0, 3]], dtype=np.float32)
SEEN_TYPES = np.array(["smurf", "back", "smurf", "nmap", "back"])
UNSEEN = (np.array([[0, 1], [9, 9]], dtype=np.float32), np.array(["phf", "imap"]))


def test_known_anomalies_take_their_types_and_seen_types_leave_out_every_copy():
    known = np.array([[0, 1], [5, 5]], dtype=np.float32)

    groups = anoean.attack_groups(known, {"seen": (SEEN, SEEN_TYPES), "unseen": UNSEEN})

    np.testing.assert_array_equal(groups["known"][0], known)
    np.testing.assert_array_equal(groups["known"][1], ["smurf", "nmap"])
    rows, types = groups["seen"]
    np.testing.assert_array_equal(rows, [[0, 2], [0, 3]])  # both copies of [0, 1] are known
    np.testing.assert_array_equal(types, ["back", "back"])
    # unseen types are scored whole, even a record equal to a known one
    np.testing.assert_array_equal(groups["unseen"][0], UNSEEN[0])
    np.testing.assert_array_equal(groups["unseen"][1], UNSEEN[1])


def test_with_no_known_anomaly_every_seen_record_is_scored():
    groups = anoean.attack_groups(np.zeros((0, 2), np.float32),
                                  {"seen": (SEEN, SEEN_TYPES), "unseen": UNSEEN})
    assert len(groups["known"][0]) == len(groups["known"][1]) == 0
    np.testing.assert_array_equal(groups["seen"][0], SEEN)
    np.testing.assert_array_equal(groups["seen"][1], SEEN_TYPES)


PER_DIGIT = 60
DIGITS = np.repeat(np.arange(10), PER_DIGIT)
# Image i holds the value i in every pixel: the loader's splits then say which images they took.
IMAGES = np.broadcast_to(np.arange(len(DIGITS), dtype=np.float32)[:, None, None, None],
                         (len(DIGITS), 2, 2, 1))


def loader_pool(normal: list[int], seed: int):
    """The loader's split inside one image set, and its test pool as the benchmark sees it:
    (original indices of train, of val, of the pool; the pool's digits, NORMAL for normal)."""
    anomaly = [d for d in range(10) if d not in normal]
    train, val, test = mnist.one_class_split(IMAGES, DIGITS, normal, anomaly, seed=seed,
                                             test_fraction=0.2, val_fraction=0.1)
    pool = test.x[:, 0, 0, 0].astype(int)
    pool_digits = np.where(test.y == 1, DIGITS[pool], anoean.NORMAL)
    return train.x[:, 0, 0, 0].astype(int), val.x[:, 0, 0, 0].astype(int), pool, pool_digits


@pytest.mark.parametrize("normal, n_known_digits", [([3], 4), ([0, 1, 2, 3, 4], 2)])
@pytest.mark.parametrize("fraction", [0.1, 0.05, 0.0])
def test_split_draws_known_anomalies_from_the_chosen_digits_and_keeps_them_out_of_test(
        normal, n_known_digits, fraction):
    train, val, pool, pool_digits = loader_pool(normal, seed=7)
    split = anoean.protocol_split(pool_digits, len(train), n_known_digits, fraction, seed=7)
    known_digits, held_out = split["known_digits"], split["held_out_digits"]
    anomaly = sorted(set(range(10)) - set(normal))

    assert len(known_digits) == n_known_digits and set(known_digits) <= set(anomaly)
    assert sorted([*known_digits, *held_out]) == anomaly
    assert len(split["known"]) == round(fraction * len(train))
    assert set(pool_digits[split["known"]]) <= set(known_digits)
    # Test: every normal test image of the loader, anomalies making 20% of it, none known.
    test_digits = pool_digits[split["test"]]
    n_normal = np.sum(pool_digits == anoean.NORMAL)
    assert np.sum(test_digits == anoean.NORMAL) == n_normal
    assert np.sum(test_digits != anoean.NORMAL) == round(n_normal / 4)
    assert not set(split["known"]) & set(split["test"])
    # No training or val image, normal or known anomaly, is a test image.
    test_images, known_images = set(pool[split["test"]]), set(pool[split["known"]])
    assert not test_images & (set(train) | set(val) | known_images)


def test_same_seed_same_split_and_fractions_share_test_and_nest_known_anomalies():
    train, _, _, pool_digits = loader_pool([5], seed=1)

    def split(fraction, seed=1):
        return anoean.protocol_split(pool_digits, len(train), 4, fraction, seed)

    first, again = split(0.1), split(0.1)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    smaller = split(0.05)
    np.testing.assert_array_equal(smaller["test"], first["test"])
    np.testing.assert_array_equal(smaller["known_digits"], first["known_digits"])
    assert set(smaller["known"]) < set(first["known"])
    other = split(0.1, seed=2)
    assert not np.array_equal(other["test"], first["test"])


def test_split_refuses_counts_the_pool_cannot_give():
    train, _, _, pool_digits = loader_pool([3], seed=0)
    with pytest.raises(DatasetError, match="known anomalies"):
        # 4 digits of 60 images cannot give known anomalies as many as the normal images
        anoean.protocol_split(pool_digits, 10 * len(train), 4, 1.0, seed=0)
    with pytest.raises(DatasetError, match="anomaly digits"):
        anoean.protocol_split(pool_digits, len(train), 10, 0.1, seed=0)


def test_kdd_section_and_leaderboard_from_a_hand_made_cache():
    def record(rows, **facts):
        return {"rows": rows, **facts, "command": "", "machine": "a test machine",
                "date": "2026-01-01", "seconds": None}

    def scores(auprc):
        return {"auprc": auprc, "auroc": 0.5, "f1": 0.5, "accuracy": 0.5}

    records = {}
    for seed, (ours, svm) in enumerate([(0.96, 0.89), (0.98, 0.91)]):
        anoean_rows = {anoean.fraction_key(f): {**scores(ours), "epochs": 5, "latent_dim": 32,
                                                "discriminator_steps": 5}
                       for f in anoean.FRACTIONS}
        records[f"AnoEAN/{seed}/nsl-kdd"] = record(anoean_rows, notes="The split.")
        # the SVM is not defined with no known anomaly: no 0% row
        records[f"SVM (cost-sensitive)/{seed}/nsl-kdd"] = record(
            {anoean.fraction_key(f): scores(svm) for f in anoean.FRACTIONS if f})
    results = harness.Results(anoean.KDD, records)

    lines = harness.section_markdown(results)

    assert "#### nsl-kdd" in lines and "The split." in lines
    assert "| 10% | AnoEAN | 0.9700 ± 0.0100 | 0.5000 ± 0.0000 | 0.5000 ± 0.0000 | " \
           "0.5000 ± 0.0000 |" in lines
    assert "| 10% | SVM (cost-sensitive) | 0.9000 ± 0.0100 | 0.5000 ± 0.0000 | " \
           "0.5000 ± 0.0000 | 0.5000 ± 0.0000 |" in lines
    assert "| 0% | SVM (cost-sensitive) | — | — | — | — |" in lines
    assert not any("kdd99" in line for line in lines if line.startswith("####"))
    (entry,) = anoean.KDD.leaderboard(results)
    assert entry.task.startswith("NSL-KDD") and entry.paper == pytest.approx(0.979)
    assert entry.ours == pytest.approx([0.96, 0.98])
    assert entry.baseline_name == "SVM (cost-sensitive)"
    assert entry.baseline == pytest.approx([0.89, 0.91])
