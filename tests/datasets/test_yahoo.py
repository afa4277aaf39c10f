"""datasets.yahoo on the fixture in Yahoo S5 A1 format (tests/fixtures/yahoo/real_1.csv)."""

import re
from pathlib import Path

import numpy as np
import pytest

import datasets
from datasets import yahoo
from datasets.base import DataFileNotFoundError, DatasetError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = FIXTURES / "yahoo" / "real_1.csv"


def test_the_fixture_splits_chronologically_with_its_labels():
    ds = datasets.load(f"yahoo-a1:{FIXTURE}", window=20)
    assert ds.kind == "series" and ds.name == f"yahoo-a1:{FIXTURE}"
    assert [len(ds.train), len(ds.val), len(ds.test)] == [120, 30, 150]
    np.testing.assert_array_equal(np.flatnonzero(ds.test.y), [40, 80, 115])  # rows 190, 230, 265
    assert ds.train.y.sum() == 0 and ds.val.y.sum() == 0
    assert ds.test.x[40, 0] > ds.meta["scaling"]["max"][0] + 20  # the spike, raw
    assert ds.meta["source"] == [str(FIXTURE)] and ds.meta["feature_names"] == ["value"]


def test_a_relative_path_is_read_from_the_working_directory(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    ds = datasets.load("yahoo-a1:yahoo/real_1.csv", window=20, train_fraction=0.5)
    assert len(ds.train) == 150


def test_the_default_window_is_too_long_for_the_fixtures_val_part():
    with pytest.raises(DatasetError, match=re.escape(
            "the val part (30 of 300 points) is shorter than one window of 60")):
        yahoo.load(str(FIXTURE), None)


def test_no_path_or_a_missing_file_is_reported():
    with pytest.raises(DatasetError, match=re.escape("yahoo-a1:<path to a CSV>")):
        datasets.load("yahoo-a1")
    with pytest.raises(DataFileNotFoundError, match="webscope.sandbox.yahoo.com") as caught:
        yahoo.load("/no/such/real_1.csv", None)
    assert "/no/such/real_1.csv" in str(caught.value)


def _copy_with(tmp_path, row, replacement):
    lines = FIXTURE.read_text().splitlines()
    lines[row] = replacement
    path = tmp_path / "real_x.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("row, replacement, message", [
    (11, "11,,0", r"real_x.csv: value: row 10 holds a missing or non-finite value"),
    (11, "11,nan,0", r"real_x.csv: value: row 10 holds a missing or non-finite value"),
    (11, "11,3.0,2", r"real_x.csv: is_anomaly: row 10 holds 2; expected 0 or 1"),
    (0, "timestamp,value,label", r"lacks is_anomaly; expected the columns "
                                 r"timestamp,value,is_anomaly"),
])
def test_a_malformed_csv_names_the_file_and_row(tmp_path, row, replacement, message):
    with pytest.raises(DatasetError, match=message):
        yahoo.load(str(_copy_with(tmp_path, row, replacement)), None, window=20)
