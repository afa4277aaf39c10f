"""HDFS log-key sessions as DeepLog preprocessed them: one HDFS block's log keys per line.

`<data dir>/hdfs/hdfs_train` holds normal sessions and `hdfs_test_abnormal` anomalous ones.
DeepLog's normal test sessions are not public in a usable size, so the normal test sessions are
a seeded hold-out of `hdfs_train`, and the abnormal ones are sampled to a chosen share of test.
"""

from __future__ import annotations

import numpy as np

from datasets.base import (Dataset, DatasetError, Split, pad_sessions, read_sessions,
                           reject_argument, require_file, seeded_split)
from datasets.base import data_dir as resolve_data_dir

ORIGIN = "https://github.com/wuyifan18/DeepLog (folder data/)"
VOCAB_SIZE = 28  # log keys are 1..28; 0 pads


def load(arg: str | None, data_dir: str | None, *, seed: int = 0, val_fraction: float = 0.1,
         test_fraction: float = 0.2, anomaly_fraction: float | None = 0.1) -> Dataset:
    """HDFS sessions: x int32 [n, max_len] of log keys 1..28, padded with 0 at the end.

    Of the normal sessions (hdfs_train), a seeded `test_fraction` goes to test, `val_fraction`
    to val and the rest to train. Test also gets abnormal sessions, sampled (seeded) so that
    they make up `anomaly_fraction` of it. Every split is padded to the same width, the
    longest session used. `meta["abnormal_rows"]` lists which sessions of hdfs_test_abnormal
    (0-based, in file order) test holds, in the order it holds them.

    Args:
        seed: seeds the split of the normal sessions and the sample of abnormal ones.
        val_fraction, test_fraction: shares of the normal sessions for val and test.
        anomaly_fraction: the share of abnormal sessions in test, in (0, 1); None puts all
            16,838 abnormal sessions in test.

    Raises:
        DatasetError: a bad option, or a malformed line.
        DataFileNotFoundError: a file is missing.
    """
    reject_argument("hdfs", arg)
    if anomaly_fraction is not None and not (isinstance(anomaly_fraction, (int, float))
                                             and 0 < anomaly_fraction < 1):
        raise DatasetError(f"anomaly_fraction must be None or a fraction between 0 and 1 "
                           f"(exclusive), got {anomaly_fraction!r}")
    folder = resolve_data_dir(data_dir) / "hdfs"
    normal_path = require_file(folder / "hdfs_train", ORIGIN)
    abnormal_path = require_file(folder / "hdfs_test_abnormal", ORIGIN)
    normal = read_sessions(normal_path, max_key=VOCAB_SIZE)
    abnormal = read_sessions(abnormal_path, max_key=VOCAB_SIZE)

    parts = seeded_split(len(normal), {"test": test_fraction, "val": val_fraction}, seed,
                         what="normal sessions")
    if anomaly_fraction is None:
        chosen = np.arange(len(abnormal))
    else:
        n_normal_test = len(parts["test"])
        wanted = round(n_normal_test * anomaly_fraction / (1 - anomaly_fraction))
        if not 1 <= wanted <= len(abnormal):
            raise DatasetError(f"anomaly_fraction={anomaly_fraction} asks for {wanted} abnormal "
                               f"sessions beside {n_normal_test} normal ones; "
                               f"{abnormal_path} holds {len(abnormal)}")
        chosen = np.sort(np.random.default_rng(seed).choice(len(abnormal), wanted, replace=False))

    groups = {part: [normal[i] for i in parts[part]] for part in ("train", "val", "test")}
    test_sessions = groups["test"] + [abnormal[i] for i in chosen]
    width = max(len(keys) for group in (groups["train"], groups["val"], test_sessions)
                for keys in group)

    def split(sessions: list[np.ndarray], n_abnormal: int = 0) -> Split:
        labels = np.zeros(len(sessions), dtype=np.int8)
        labels[len(sessions) - n_abnormal:] = 1
        return Split(pad_sessions(sessions, width), labels)

    train, val = split(groups["train"]), split(groups["val"])
    test = split(test_sessions, n_abnormal=len(chosen))
    notes = (f"Normal sessions of hdfs_train split with seed {seed}: train {len(train)}, val "
             f"{len(val)}, test {len(groups['test'])}; test also holds {len(chosen)} of the "
             f"{len(abnormal)} abnormal sessions ({test.y.mean():.1%} of test), after the normal "
             f"ones. Sessions padded with 0 to {width} keys.")
    return Dataset(name="hdfs", kind="sessions", train=train, val=val, test=test,
                   meta={"source": [str(normal_path), str(abnormal_path)],
                         "feature_names": ["log_key"], "scaling": None,
                         "vocab_size": VOCAB_SIZE, "max_len": width,
                         "abnormal_rows": chosen.tolist(), "notes": notes})
