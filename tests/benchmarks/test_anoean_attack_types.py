"""benchmarks/anoean_attack_types.py: which attack records are scored as known anomalies, seen
types and unseen types."""

import numpy as np

from benchmarks import anoean_attack_types

SEEN = np.array([[0, 1], [0, 2], [0, 1], [5, 5], [0, 3]], dtype=np.float32)
SEEN_TYPES = np.array(["smurf", "back", "smurf", "nmap", "back"])
UNSEEN = (np.array([[0, 1], [9, 9]], dtype=np.float32), np.array(["phf", "imap"]))


def test_known_anomalies_take_their_types_and_seen_types_leave_out_every_copy():
    known = np.array([[0, 1], [5, 5]], dtype=np.float32)

    groups = anoean_attack_types.attack_groups(known, {"seen": (SEEN, SEEN_TYPES),
                                                      "unseen": UNSEEN})

    np.testing.assert_array_equal(groups["known"][0], known)
    np.testing.assert_array_equal(groups["known"][1], ["smurf", "nmap"])
    rows, types = groups["seen"]
    np.testing.assert_array_equal(rows, [[0, 2], [0, 3]])  # both copies of [0, 1] are known
    np.testing.assert_array_equal(types, ["back", "back"])
    # unseen types are scored whole, even a record equal to a known one
    np.testing.assert_array_equal(groups["unseen"][0], UNSEEN[0])
    np.testing.assert_array_equal(groups["unseen"][1], UNSEEN[1])


def test_with_no_known_anomaly_every_seen_record_is_scored():
    groups = anoean_attack_types.attack_groups(np.zeros((0, 2), np.float32),
                                               {"seen": (SEEN, SEEN_TYPES), "unseen": UNSEEN})
    assert len(groups["known"][0]) == len(groups["known"][1]) == 0
    np.testing.assert_array_equal(groups["seen"][0], SEEN)
    np.testing.assert_array_equal(groups["seen"][1], SEEN_TYPES)
