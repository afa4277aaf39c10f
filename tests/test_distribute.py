"""Training under tf.distribute across processes: two MultiWorkerMirroredStrategy workers on
loopback end with identical weights. (Each model's MirroredStrategy check is in its own test
module, through tests.helpers.check_mirrored_step_matches_default.)

The workers are fresh processes: TF_CONFIG must be read before TensorFlow starts.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests import helpers
from zoo import export

REPO = Path(__file__).resolve().parents[1]
TINY = helpers.tiny_tanogan_argv(inversion_steps=3, stride=10)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_on_loopback_train_identical_weights_and_the_chief_exports(tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        command = [sys.executable, "train.py", *TINY, "--strategy", "multi-worker",
                   "--epochs", "1", "--output", str(tmp_path / "out"),
                   "--json", str(tmp_path / f"worker{index}.json")]
        workers.append(subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "TF_CONFIG": config, "TF_CPP_MIN_LOG_LEVEL": "2"}))
    try:
        logs = [worker.communicate(timeout=420)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, log in zip(workers, logs):
        assert worker.returncode == 0, log[-3000:]
    records = [json.loads((tmp_path / f"worker{i}.json").read_text()) for i in range(2)]
    assert records[0]["weights_sha256"] == records[1]["weights_sha256"]
    model, metadata = export.load(tmp_path / "out")
    assert metadata["weights_sha256"] == records[0]["weights_sha256"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "worker0.json", "worker1.json"]
    assert np.isfinite(model.score(np.full((2, 20, 1), 20.0, np.float32))).all()
