"""The DeepLog-style LSTM baseline's scores, by hand on logits made here."""

import numpy as np

from benchmarks import deeplog

# Two sessions over keys 1..3 (0 pads); per step, the logits of the next key 1, 2, 3.
SESSIONS = np.array([[1, 2, 0], [3, 3, 1]], np.int32)
LOGITS = np.log(np.array([
    [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]],
    [[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]],
], np.float32))


def test_top_g_counts_keys_outside_the_g_most_likely_and_breaks_ties_by_the_worst_rank():
    score, flagged = deeplog.top_g_scores(LOGITS, SESSIONS, vocab_size=3, top_g=1)
    # Session 0: keys 1, 2 are each the most likely (rank 0); the padded step does not count.
    # Session 1: key 3 has rank 2 at step 0, rank 0 at step 1; key 1 rank 0 at step 2.
    np.testing.assert_allclose(score, [0.0, 1 + 2 / 3])
    np.testing.assert_array_equal(flagged, [False, True])
    score, flagged = deeplog.top_g_scores(LOGITS, SESSIONS, vocab_size=3, top_g=3)
    np.testing.assert_allclose(score, [0.0, 2 / 3])
    np.testing.assert_array_equal(flagged, [False, False])


def test_worst_key_nll_is_the_least_likely_key_of_the_session():
    np.testing.assert_allclose(deeplog.worst_key_nll(LOGITS, SESSIONS),
                               [-np.log(0.7), -np.log(0.2)], rtol=1e-5)
    # The logits need not be normalised: a constant shift per step changes nothing.
    np.testing.assert_allclose(deeplog.worst_key_nll(LOGITS + 5.0, SESSIONS),
                               [-np.log(0.7), -np.log(0.2)], rtol=1e-5)
