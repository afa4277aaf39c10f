"""The shared helpers of datasets.base: chronological and seeded splits, CSV checks."""

import gzip

import numpy as np
import pandas as pd
import pytest

from datasets.base import (DatasetError, check_finite, finite_floats, read_csv,
                           require_columns, seeded_split, series_dataset)


def _series(n_points=100):
    values = np.arange(n_points, dtype=np.float32)[:, None]
    labels = (np.arange(n_points) % 17 == 0).astype(np.int8)
    return values, labels


def test_series_dataset_splits_chronologically_and_fits_scaling_on_train():
    values, labels = _series(100)
    ds = series_dataset("s", values, labels, window=10, train_fraction=0.4, val_fraction=0.15,
                        meta={"source": "here", "notes": "Made up."})
    assert ds.kind == "series" and ds.meta["window"] == 10
    np.testing.assert_array_equal(ds.train.x[:, 0], np.arange(0, 40))
    np.testing.assert_array_equal(ds.val.x[:, 0], np.arange(40, 55))
    np.testing.assert_array_equal(ds.test.x[:, 0], np.arange(55, 100))
    np.testing.assert_array_equal(np.concatenate([ds.train.y, ds.val.y, ds.test.y]), labels)
    assert ds.meta["scaling"] == {"min": [0.0], "max": [39.0]}
    assert ds.meta["source"] == "here"
    assert ds.meta["notes"].startswith("Made up. Chronological split of the 100 points")
    assert "test = points 55 to 99 (2 labelled anomalous)" in ds.meta["notes"]


@pytest.mark.parametrize("options, message", [
    ({"window": 30}, r"the val part \(10 of 100 points\) is shorter than one window of 30"),
    ({"window": 0}, "window must be a positive integer, got 0"),
    ({"train_fraction": 1.2}, "train_fraction must be a fraction between 0 and 1"),
    ({"train_fraction": 0.6, "val_fraction": 0.4},
     "train_fraction \\+ val_fraction = 1 leaves nothing for the test part"),
])
def test_series_dataset_refuses_bad_splits(options, message):
    values, labels = _series(100)
    settings = {"window": 10, "train_fraction": 0.4, "val_fraction": 0.1, **options}
    with pytest.raises(DatasetError, match=message):
        series_dataset("s", values, labels, meta={}, **settings)


def test_series_dataset_with_test_fraction_zero_has_an_empty_test_part():
    values, labels = _series(100)
    ds = series_dataset("s", values, labels, window=10, train_fraction=0.7, val_fraction=0.3,
                        test_fraction=0, meta={})
    np.testing.assert_array_equal(ds.val.x[:, 0], np.arange(70, 100))  # val runs to the end
    assert ds.test.x.shape == (0, 1) and ds.test.y.shape == (0,)
    x, y = ds.examples("test")
    assert x.shape == (0, 10, 1) and y.shape == (0,)
    assert "test = none (test_fraction = 0)" in ds.meta["notes"]
    given = series_dataset("s", values, labels, window=10, train_fraction=0.5,
                           val_fraction=0.2, test_fraction=0.3, meta={})
    assert [len(given.train), len(given.val), len(given.test)] == [50, 20, 30]
    with pytest.raises(DatasetError, match="train_fraction \\+ val_fraction \\+ test_fraction "
                                           "= 0.9; expected them to sum to 1"):
        series_dataset("s", values, labels, window=10, train_fraction=0.5, val_fraction=0.2,
                       test_fraction=0.2, meta={})


def test_seeded_split_deals_disjoint_sorted_parts_of_the_asked_sizes():
    parts = seeded_split(50, {"test": 0.2, "val": 0.1}, seed=3)
    assert [len(parts[name]) for name in ("test", "val", "train")] == [10, 5, 35]
    np.testing.assert_array_equal(np.sort(np.concatenate(list(parts.values()))), np.arange(50))
    assert all((np.diff(indices) > 0).all() for indices in parts.values())
    again = seeded_split(50, {"test": 0.2, "val": 0.1}, seed=3)
    other = seeded_split(50, {"test": 0.2, "val": 0.1}, seed=4)
    np.testing.assert_array_equal(parts["test"], again["test"])
    assert not np.array_equal(parts["test"], other["test"])


def test_seeded_split_refuses_an_empty_part():
    with pytest.raises(DatasetError, match="the val part of 3 sessions would be empty"):
        seeded_split(3, {"val": 0.1}, seed=0, what="sessions")


def test_finite_floats_names_the_row_of_a_bad_value():
    table = pd.DataFrame({"a": ["1", "2", "x"], "b": [1.0, 2.0, 3.0]})
    with pytest.raises(DatasetError, match="file.csv: row 2 holds a missing or non-finite"):
        finite_floats(table, "file.csv")
    np.testing.assert_array_equal(finite_floats(table.iloc[:2], "f"), [[1, 1], [2, 2]])
    with pytest.raises(DatasetError, match="f: row 1, column 'b', holds a missing or non-finite "
                                           "value \\(2 such values in all\\)"):
        check_finite(np.array([[1.0, 2.0], [3.0, np.inf], [np.nan, 0.0]]), "f", columns="ab")


def test_read_csv_reports_an_unreadable_file(tmp_path):
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(DatasetError, match="broken.csv.gz: not a readable CSV file"):
        read_csv(broken)
    with gzip.open(tmp_path / "ok.csv.gz", "wt") as stream:
        stream.write("a,b\n1,2\n")
    frame = read_csv(tmp_path / "ok.csv.gz")
    with pytest.raises(DatasetError, match="header a,b lacks c; expected the columns a,c"):
        require_columns(frame, ("a", "c"), tmp_path / "ok.csv.gz")
