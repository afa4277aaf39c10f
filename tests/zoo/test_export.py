"""Export folder safety: a held lock refuses a second export, a stale one is taken over, and a
damaged folder is named clearly."""

import os
import subprocess
import sys

import pytest

import datasets
from zoo import TAnoGAN, export
from zoo.export import ExportError


@pytest.fixture(scope="module")
def model():
    ds = datasets.load("synthetic", window=10, train_length=200, val_length=100, test_length=400,
                       n_point=1, n_contextual=1, n_collective=1)
    return TAnoGAN.for_dataset(ds, generator_units=(4, 4, 4), discriminator_units=4,
                               inversion_steps=2)


def test_a_second_export_into_the_same_folder_is_refused_while_one_runs(model, tmp_path):
    lock = tmp_path / ".out.lock"
    lock.write_text(str(os.getpid()))  # a live process holds it
    with pytest.raises(ExportError, match="another export into .*out is running"):
        export.export(model, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(model, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / ".out.lock").write_text(dead)
    export.export(model, tmp_path / "out")
    assert export.serving_versions(tmp_path / "out") == [1]
    assert not (tmp_path / ".out.lock").exists()


def test_a_damaged_export_is_named(model, tmp_path):
    export.export(model, tmp_path / "out")
    (tmp_path / "out" / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(ExportError, match="model.keras could not be loaded"):
        export.load(tmp_path / "out")
    with pytest.raises(ExportError, match="model folder not found"):
        export.load(tmp_path / "missing")
