"""Shared pytest configuration: quiet TensorFlow, the shared data folder."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from datasets.base import data_dir  # noqa: E402


@pytest.fixture(scope="session")
def shared_data():
    """The real datasets folder; tests that need it are skipped where it is absent."""
    path = data_dir()
    if not path.is_dir():
        pytest.skip(f"real datasets not found at {path} (set ZOO_DATA_DIR)")
    return path
