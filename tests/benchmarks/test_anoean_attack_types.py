"""benchmarks/anoean_attack_types.py: which attack records are scored as seen and unseen types."""

import numpy as np

from benchmarks import anoean_attack_types


def test_seen_types_leave_out_every_copy_of_a_known_anomaly():
    seen = np.array([[0, 1], [0, 2], [0, 1], [5, 5], [0, 3]], dtype=np.float32)
    seen_types = np.array(["smurf", "back", "smurf", "nmap", "back"])
    unseen = (np.array([[0, 1], [9, 9]], dtype=np.float32), np.array(["phf", "imap"]))
    known = np.array([[0, 1], [5, 5]], dtype=np.float32)

    groups = anoean_attack_types.attack_groups(known, {"seen": (seen, seen_types),
                                                      "unseen": unseen})

    rows, types = groups["seen"]
    np.testing.assert_array_equal(rows, [[0, 2], [0, 3]])  # both copies of [0, 1] are known
    np.testing.assert_array_equal(types, ["back", "back"])
    # unseen types are scored whole, even a record equal to a known one
    np.testing.assert_array_equal(groups["unseen"][0], unseen[0])
    np.testing.assert_array_equal(groups["unseen"][1], unseen[1])
    none_known = anoean_attack_types.attack_groups(np.zeros((0, 2), np.float32),
                                                   {"seen": (seen, seen_types),
                                                    "unseen": unseen})
    np.testing.assert_array_equal(none_known["seen"][0], seen)
