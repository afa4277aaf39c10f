"""datasets.hdfs on tiny session files and the shared DeepLog sessions."""

import re

import numpy as np
import pytest

import datasets
from datasets import hdfs
from datasets.base import DataFileNotFoundError, DatasetError


def write_hdfs(root, normal=None, abnormal=None):
    """40 normal sessions of keys 5 9 (lengths 2..5) and 30 abnormal ones of key 28 (length 7)."""
    folder = root / "hdfs"
    folder.mkdir(parents=True, exist_ok=True)
    normal = normal or [" ".join(["5"] + ["9"] * (1 + i % 4)) + " " for i in range(40)]
    abnormal = abnormal or ["28 " * 7 for _ in range(30)]
    (folder / "hdfs_train").write_text("\n".join(normal))  # no final newline, as DeepLog's
    (folder / "hdfs_test_abnormal").write_text("\n".join(abnormal) + "\n")
    return folder


def test_sessions_are_split_and_padded_with_zeros(tmp_path):
    write_hdfs(tmp_path)
    ds = hdfs.load(None, str(tmp_path), anomaly_fraction=0.2)
    assert ds.kind == "sessions" and ds.train.x.dtype == np.int32
    assert [len(ds.train), len(ds.val), len(ds.test)] == [28, 4, 8 + 2]
    np.testing.assert_array_equal(ds.test.y, [0] * 8 + [1] * 2)
    assert ds.train.x.shape[1] == ds.test.x.shape[1] == ds.meta["max_len"] == 7
    np.testing.assert_array_equal(ds.test.x[-1], [28] * 7)
    lengths = (ds.train.x > 0).sum(axis=1)
    for row, length in zip(ds.train.x, lengths, strict=True):  # keys first, then only padding
        np.testing.assert_array_equal(row, [5] + [9] * (length - 1) + [0] * (7 - length))
    assert ds.meta["vocab_size"] == 28 and ds.meta["scaling"] is None


def test_anomaly_fraction_none_uses_every_abnormal_session(tmp_path):
    write_hdfs(tmp_path)
    ds = datasets.load("hdfs", data_dir=str(tmp_path), anomaly_fraction=None)
    assert int(ds.test.y.sum()) == 30


def test_meta_names_the_abnormal_sessions_test_holds(tmp_path):
    # Abnormal session i is key 28 repeated i + 1 times: its length says which line it was.
    write_hdfs(tmp_path, abnormal=[" ".join(["28"] * (i + 1)) for i in range(30)])
    ds = hdfs.load(None, str(tmp_path), anomaly_fraction=0.2)
    rows = ds.meta["abnormal_rows"]
    assert len(rows) == 2 and rows == sorted(rows)
    np.testing.assert_array_equal((ds.test.x[ds.test.y == 1] > 0).sum(axis=1),
                                  np.array(rows) + 1)
    every = hdfs.load(None, str(tmp_path), anomaly_fraction=None)
    assert every.meta["abnormal_rows"] == list(range(30))


def test_the_split_follows_the_seed(tmp_path):
    write_hdfs(tmp_path, normal=[" ".join(["5"] * (1 + i)) for i in range(40)])
    one, again, other = (hdfs.load(None, str(tmp_path), seed=seed) for seed in (1, 1, 2))
    np.testing.assert_array_equal(one.test.x, again.test.x)
    assert not np.array_equal(one.train.x, other.train.x)


@pytest.mark.parametrize("bad_line, message", [
    ("5 29 9", "line 3: '29' is not a log key; expected integers 1..28"),
    ("5 0 9", "line 3: '0' is not a log key"),
    ("5 x 9", "line 3: 'x' is not a log key"),
    ("5 9.0", "line 3: '9.0' is not a log key"),
    ("   ", "line 3: empty line; expected a session"),
])
def test_a_malformed_line_names_the_file_and_line(tmp_path, bad_line, message):
    normal = ["5 9"] * 10
    normal[2] = bad_line
    folder = write_hdfs(tmp_path, normal=normal)
    with pytest.raises(DatasetError, match=re.escape(f"{folder / 'hdfs_train'} {message}")):
        hdfs.load(None, str(tmp_path))


@pytest.mark.parametrize("options, message", [
    ({"anomaly_fraction": 1.0}, "anomaly_fraction must be None or a fraction between 0 and 1"),
    ({"anomaly_fraction": 0.9}, "anomaly_fraction=0.9 asks for 72 abnormal sessions beside 8 "
                                "normal ones"),
    ({"val_fraction": 0.0}, "val_fraction must be a fraction between 0 and 1"),
    ({"test_fraction": 0.5, "val_fraction": 0.5}, "leaves nothing for the train part"),
])
def test_bad_options_are_refused(tmp_path, options, message):
    write_hdfs(tmp_path)
    with pytest.raises(DatasetError, match=re.escape(message)):
        hdfs.load(None, str(tmp_path), **options)


def test_a_missing_file_names_the_path(tmp_path):
    with pytest.raises(DataFileNotFoundError) as caught:
        hdfs.load(None, str(tmp_path))
    assert str(tmp_path / "hdfs" / "hdfs_train") in str(caught.value)
    assert "wuyifan18/DeepLog" in str(caught.value)


def test_shared_hdfs_sessions(shared_data):
    ds = hdfs.load(None, str(shared_data))
    # 4,855 normal sessions: 971 to test, 486 to val, 3,398 to train; abnormal = 10% of test
    assert [len(ds.train), len(ds.val), len(ds.test)] == [3398, 486, 971 + 108]
    assert int(ds.test.y.sum()) == 108
    normal_keys = {2, 3, 4, 5, 6, 9, 11, 16, 18, 21, 22, 23, 25, 26}  # as SOURCE.md lists
    assert set(np.unique(ds.train.x)) <= normal_keys | {0}
    assert ds.test.x.max() <= 28 and ds.train.x.min() == 0
    every = hdfs.load(None, str(shared_data), anomaly_fraction=None)
    assert int(every.test.y.sum()) == 16838 and every.meta["max_len"] == 284
