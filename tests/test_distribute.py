"""Training under tf.distribute: MirroredStrategy matches the default strategy, and two
MultiWorkerMirroredStrategy workers on loopback end with identical weights.

Each check runs in fresh processes: logical devices and TF_CONFIG must be set before TensorFlow
starts, which has already happened in the pytest process.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from zoo import export

REPO = Path(__file__).resolve().parents[1]
TINY = ["--set", "generator_units=(8,8,8)", "--set", "discriminator_units=8",
        "--set", "inversion_steps=3", "--dataset-option", "window=20",
        "--dataset-option", "train_length=400", "--dataset-option", "val_length=200",
        "--dataset-option", "test_length=600", "--dataset-option", "n_point=2",
        "--dataset-option", "n_contextual=1", "--dataset-option", "n_collective=1",
        "--batch-size", "16", "--stride", "10"]


def _python(script: str, env: dict | None = None, timeout: int = 300) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO,
                            capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    # noise_std=0 makes the step deterministic: both strategies see the same fake windows, so
    # any difference comes from how the global batch and the losses are split and reduced
    # (a loss averaged per replica and then summed would give twice the update).
    out = _python("""
        import json, numpy as np, tensorflow as tf, keras
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import datasets
        from zoo import TAnoGAN
        ds = datasets.load("synthetic", window=20, train_length=400, val_length=200,
                           test_length=600, n_point=2, n_contextual=1, n_collective=1)
        x = np.ascontiguousarray(ds.examples("train", stride=8)[0][:16])
        weights = {}
        for name, strategy in [("default", tf.distribute.get_strategy()),
                               ("mirrored", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))]:
            keras.utils.set_random_seed(0)
            with strategy.scope():
                model = TAnoGAN.for_dataset(ds, generator_units=(8, 8, 8), discriminator_units=8,
                                            noise_std=0.0)
                # SGD: an update proportional to the gradient (Adam's first step is its sign).
                model.compile(generator_optimizer=keras.optimizers.SGD(0.5),
                              discriminator_optimizer=keras.optimizers.SGD(0.5))
            replicas = strategy.num_replicas_in_sync
            initial = [w.numpy() for w in model.trainable_weights]
            model.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=1, verbose=0)
            weights[name] = [w.numpy().tolist() for w in model.trainable_weights]
            print(name, replicas)
        diffs = [float(np.max(np.abs(np.array(a) - np.array(b))))
                 for a, b in zip(weights["default"], weights["mirrored"])]
        moved = max(float(np.max(np.abs(np.array(a) - b)))
                    for a, b in zip(weights["mirrored"], initial))
        print("RESULT", json.dumps({"max_diff": max(diffs), "moved": moved}))
    """)
    assert "mirrored 2" in out
    result = json.loads(out.split("RESULT", 1)[1])
    assert result["moved"] > 1e-3  # the step did change the weights
    assert result["max_diff"] < 1e-5


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
