"""benchmarks/gru_vae_hdfs.py: the selection set's abnormal sessions, on tiny HDFS files."""

import numpy as np

from benchmarks import gru_vae_hdfs
from datasets import hdfs
from tests.datasets.test_hdfs import write_hdfs


def test_selection_anomalies_are_abnormal_sessions_the_test_does_not_hold(tmp_path):
    # Abnormal session i is key 28 repeated i + 1 times, so its length names it.
    write_hdfs(tmp_path, normal=["5 9"] * 200,
               abnormal=[" ".join(["28"] * (i + 1)) for i in range(60)])
    ds = hdfs.load(None, str(tmp_path), anomaly_fraction=0.2)
    full = hdfs.load(None, str(tmp_path), anomaly_fraction=None)
    chosen = gru_vae_hdfs.abnormal_outside_test(ds, full, seed=0)
    names = (chosen > 0).sum(axis=1) - 1
    # 20 normal val sessions: 5 abnormal ones make 20% of the set, as abnormal ones do of test.
    assert len(ds.val) == 20 and len(ds.meta["abnormal_rows"]) == 10
    assert len(chosen) == 5 and len(set(names)) == 5
    assert set(names).isdisjoint(ds.meta["abnormal_rows"])
    for row, name in zip(chosen, names):  # whole sessions, padding trimmed to the longest
        np.testing.assert_array_equal(row, [28] * (name + 1) + [0] * (names.max() - name))
    np.testing.assert_array_equal(chosen, gru_vae_hdfs.abnormal_outside_test(ds, full, seed=0))
