"""benchmarks/protocols/hdfs.py and its DeepLog-style LSTM (benchmarks/deeplog.py): the LSTM's
scores by hand on logits made here, the selection set's abnormal sessions on tiny HDFS files,
and the section from a hand-made cache."""

import numpy as np
import pytest

from benchmarks import deeplog, harness
from benchmarks.harness import Results
from benchmarks.protocols import hdfs
from datasets import hdfs as hdfs_loader
from tests.datasets.test_hdfs import write_hdfs

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


def test_selection_anomalies_are_abnormal_sessions_the_test_does_not_hold(tmp_path):
    # Abnormal session i is key 28 repeated i + 1 times, so its length names it.
    write_hdfs(tmp_path, normal=["5 9"] * 200,
               abnormal=[" ".join(["28"] * (i + 1)) for i in range(60)])
    ds = hdfs_loader.load(None, str(tmp_path), anomaly_fraction=0.2)
    full = hdfs_loader.load(None, str(tmp_path), anomaly_fraction=None)
    chosen = hdfs.abnormal_outside_test(ds, full, seed=0)
    names = (chosen > 0).sum(axis=1) - 1
    # 20 normal val sessions: 5 abnormal ones make 20% of the set, as abnormal ones do of test.
    assert len(ds.val) == 20 and len(ds.meta["abnormal_rows"]) == 10
    assert len(chosen) == 5 and len(set(names)) == 5
    assert set(names).isdisjoint(ds.meta["abnormal_rows"])
    for row, name in zip(chosen, names):  # whole sessions, padding trimmed to the longest
        np.testing.assert_array_equal(row, [28] * (name + 1) + [0] * (names.max() - name))
    np.testing.assert_array_equal(chosen, hdfs.abnormal_outside_test(ds, full, seed=0))


def test_the_section_and_leaderboard_come_from_the_cached_rows():
    protocol = hdfs.PROTOCOLS[0]
    facts = {"notes": "Tiny split.", "val_sessions": 10, "abnormal_sessions": 7,
             "selection_abnormal_sessions": 2, "machine": "test machine", "date": "2020-01-01"}
    scores = {hdfs.VAE: hdfs.VAE_SCORE, hdfs.LSTM: hdfs.LSTM_SCORE, hdfs.OCSVM: hdfs.OCSVM_SCORE}
    records = {}
    for seed, auprc in ((0, 0.9), (1, 0.7)):
        for method, score in scores.items():
            value = auprc - 0.1 * list(scores).index(method)
            rows = {hdfs.label(test, score): {"auroc": 0.5, "auprc": value, "precision": 0.5,
                                              "recall": 0.5, "f1": 0.25}
                    for test in hdfs.TEST_SETS}
            rows[hdfs.label(hdfs.SELECTION_SET, score)] = {"auroc": 0.5, "auprc": value}
            if method == hdfs.VAE:
                for test in hdfs.TEST_SETS:
                    rows[hdfs.label(test, score)].update(epochs=30, kl=2.0 + seed)
            records[f"{method}/{seed}/{harness.WHOLE}"] = {"rows": rows, **facts}
    lines = harness.section_markdown(Results(protocol, records))
    assert ("| GRU VAE (NLL of the least likely step) | 0.500 ± 0.000 | 0.800 ± 0.100 | "
            "0.500 ± 0.000 | 0.500 ± 0.000 | 0.250 ± 0.000 |") in lines
    assert "| OCSVM (key counts) | 0.500 ± 0.000 | 0.600 ± 0.100 |" in lines  # selection set
    assert ("Means over seeds: the GRU VAE's AUPRC is 0.8000, above DeepLog-style LSTM at 0.7000 "
            "and OCSVM (key counts) at 0.6000; its F1 at the calibrated threshold is 0.250."
            ) in lines
    assert any("per seed: 2.0, 3.0 nats" in line for line in lines)
    [entry] = protocol.leaderboard(Results(protocol, records))
    assert entry.ours == pytest.approx([0.9, 0.7]) and entry.paper is None
    assert entry.baseline == pytest.approx([0.7, 0.5])
