"""datasets.nab on a tiny NAB layout made here, and on the shared NAB subset."""

import json
import re

import numpy as np
import pandas as pd
import pytest

import datasets
from datasets import nab
from datasets.base import DataFileNotFoundError, DatasetError

KEY = "realTest/tiny.csv"
N_POINTS = 200
OPTIONS = {"window": 10, "train_fraction": 0.4, "val_fraction": 0.1}


def write_nab(root, values=None, windows=None, key=KEY):
    """A NAB checkout layout under `root`: data/<key> (hourly points) and the windows JSON."""
    timestamps = pd.date_range("2020-01-01", periods=N_POINTS, freq="h")
    values = np.sin(np.arange(N_POINTS) / 5.0) if values is None else values
    csv_path = root / "data" / key
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"timestamp": timestamps.strftime("%Y-%m-%d %H:%M:%S"),
                  "value": values}).to_csv(csv_path, index=False)
    if windows is None:  # one window over points 150..159, written as NAB writes them
        windows = [[f"{timestamps[150]}.000000", f"{timestamps[159]}.000000"]]
    (root / "labels").mkdir(exist_ok=True)
    (root / "labels" / "combined_windows.json").write_text(json.dumps({key: windows}))
    return csv_path


def test_points_inside_a_window_are_anomalous_ends_included(tmp_path):
    write_nab(tmp_path / "nab")
    ds = nab.load(KEY, str(tmp_path), **OPTIONS)
    assert ds.kind == "series" and ds.name == f"nab:{KEY}"
    assert [len(ds.train), len(ds.val), len(ds.test)] == [80, 20, 100]
    labels = np.concatenate([ds.train.y, ds.val.y, ds.test.y])
    np.testing.assert_array_equal(np.flatnonzero(labels), np.arange(150, 160))
    assert ds.train.x.dtype == np.float32 and ds.train.x.shape == (80, 1)
    np.testing.assert_allclose(ds.train.x[:, 0], np.sin(np.arange(80) / 5.0), rtol=1e-6)
    assert ds.meta["scaling"]["max"] == [pytest.approx(ds.train.x.max())]
    assert ds.meta["feature_names"] == ["value"] and ds.meta["window"] == 10
    assert ds.meta["source"][0].endswith("tiny.csv")


def test_a_nab_checkout_root_works_as_the_data_dir(tmp_path):
    write_nab(tmp_path)  # data/ and labels/ directly under the folder, as `git clone` gives
    ds = datasets.load(f"nab:{KEY}", data_dir=str(tmp_path), **OPTIONS)
    assert ds.test.y.sum() == 10
    assert nab.series_keys(str(tmp_path)) == [KEY]


def test_a_series_without_windows_has_no_anomalies(tmp_path):
    write_nab(tmp_path, windows=[])
    ds = nab.load(KEY, str(tmp_path), **OPTIONS)
    assert ds.train.y.sum() + ds.val.y.sum() + ds.test.y.sum() == 0


def test_no_series_named_lists_available_keys(tmp_path):
    write_nab(tmp_path)
    write_nab(tmp_path, key="realOther/second.csv")
    with pytest.raises(DatasetError, match=re.escape(
            "'nab' needs a series: nab:<category>/<file>.csv; available: realOther/second.csv, "
            "realTest/tiny.csv")):
        datasets.load("nab", data_dir=str(tmp_path))


def test_a_missing_series_names_the_path_and_the_source(tmp_path):
    with pytest.raises(DataFileNotFoundError) as caught:
        nab.load("realKnownCause/nyc_taxi.csv", str(tmp_path))
    message = str(caught.value)
    assert str(tmp_path / "nab" / "data" / "realKnownCause" / "nyc_taxi.csv") in message
    assert "https://github.com/numenta/NAB" in message


def test_a_nan_value_names_the_file_and_row(tmp_path):
    values = np.ones(N_POINTS)
    values[37] = np.nan
    write_nab(tmp_path, values=values)
    with pytest.raises(DatasetError, match=r"tiny.csv: value: row 37 holds a missing"):
        nab.load(KEY, str(tmp_path), **OPTIONS)


def test_a_non_numeric_value_or_a_bad_timestamp_names_the_row(tmp_path):
    csv_path = write_nab(tmp_path)
    lines = csv_path.read_text().splitlines()
    lines[5] = "2020-01-01 04:00:00,high"
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"tiny.csv: value: row 4 holds a missing"):
        nab.load(KEY, str(tmp_path), **OPTIONS)
    lines[5] = "yesterday,1.0"
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"tiny.csv: timestamp: row 4 holds 'yesterday'"):
        nab.load(KEY, str(tmp_path), **OPTIONS)


@pytest.mark.parametrize("key, message", [
    ("tiny.csv", "'tiny.csv' is not of the form <category>/<file>.csv"),
    ("../x/tiny.csv", "is not of the form"),
    ("../tiny.csv", "is not of the form"),
])
def test_a_malformed_key_is_an_error(tmp_path, key, message):
    write_nab(tmp_path)
    with pytest.raises(DatasetError, match=re.escape(message)):
        nab.load(key, str(tmp_path))


def test_a_series_missing_from_the_windows_file_is_an_error(tmp_path):
    write_nab(tmp_path)
    write_nab(tmp_path, key="realTest/unlabelled.csv", windows=[])  # rewrites the JSON
    with pytest.raises(DatasetError, match="has no windows for 'realTest/tiny.csv'"):
        nab.load(KEY, str(tmp_path), **OPTIONS)


def test_a_wrong_header_is_an_error(tmp_path):
    csv_path = write_nab(tmp_path)
    csv_path.write_text(csv_path.read_text().replace("timestamp,value", "time,value", 1))
    with pytest.raises(DatasetError, match="lacks timestamp; expected the columns"):
        nab.load(KEY, str(tmp_path), **OPTIONS)


def _source_table(shared_data):
    """(key, rows, windows) of every series row in the shared NAB SOURCE.md."""
    text = (shared_data / "nab" / "SOURCE.md").read_text()
    return [(key, int(rows), int(windows)) for key, rows, windows in
            re.findall(r"^\| data/(\S+\.csv) \| (\d+) \| (\d+) \|", text, flags=re.MULTILINE)]


def test_every_shared_series_matches_its_source_figures(shared_data):
    table = _source_table(shared_data)
    assert len(table) == 52
    assert nab.series_keys(str(shared_data)) == sorted(key for key, _, _ in table)
    for key, rows, n_windows in table:
        ds = nab.load(key, str(shared_data))
        labels = np.concatenate([ds.train.y, ds.val.y, ds.test.y])
        parts = np.concatenate([ds.train.x, ds.val.x, ds.test.x])
        assert len(labels) == rows, key
        assert np.isfinite(parts).all(), key
        # each window is one run of anomalous points
        runs = int(np.count_nonzero(np.diff(labels, prepend=0) == 1))
        assert runs == n_windows, key


def test_the_tanogan_series_splits_as_documented(shared_data):
    ds = datasets.load("nab:realKnownCause/ambient_temperature_system_failure.csv",
                       data_dir=str(shared_data))
    assert [len(ds.train), len(ds.val), len(ds.test)] == [2906, 726, 3635]
    assert [int(ds.train.y.sum()), int(ds.val.y.sum()), int(ds.test.y.sum())] == [0, 92, 634]
    assert ds.meta["window"] == 60
    # NAB's windows span about 10% of a file
    assert 726 / 7267 == pytest.approx(0.1, abs=0.001)
