"""datasets.files: a user's own CSV, parquet, .npy/.npz, image folder and session files, and
datasets.from_arrays, on small files written to tmp_path."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import datasets
from datasets import yahoo
from datasets.base import DataFileNotFoundError, DatasetError, seeded_split

YAHOO_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo" / "real_1.csv"
HAS_PARQUET_ENGINE = any(importlib.util.find_spec(engine) for engine in ("pyarrow",
                                                                         "fastparquet"))


def write_csv(path, columns):
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def tsb_ad_series(n_points=200):
    """Three features, then TSB-AD's Label column, anomalous at rows 10, 150 and 170."""
    t = np.arange(n_points)
    labels = np.isin(t, [10, 150, 170]).astype(int)
    return {"sensor_a": np.sin(t / 5), "sensor_b": np.cos(t / 7) * 3, "sensor_c": t * 0.5,
            "Label": labels}


def assert_scaling_is_trains(ds):
    flat = ds.train.x.reshape(-1, ds.train.x.shape[-1]).astype(np.float64)
    assert ds.meta["scaling"] == {"min": flat.min(axis=0).tolist(),
                                  "max": flat.max(axis=0).tolist()}


# Series from a CSV

def test_a_tsb_ad_csv_is_a_multivariate_series_with_its_labels(tmp_path):
    columns = tsb_ad_series()
    path = write_csv(tmp_path / "001_tsb.csv", columns)
    ds = datasets.load(f"csv:{path}", window=10)
    assert ds.kind == "series" and ds.name == f"csv:{path}"
    assert [len(ds.train), len(ds.val), len(ds.test)] == [100, 20, 80]  # 0.5, 0.1, the rest
    assert ds.meta["feature_names"] == ["sensor_a", "sensor_b", "sensor_c"]
    assert ds.train.x.shape == (100, 3) and ds.train.x.dtype == np.float32
    np.testing.assert_allclose(ds.test.x[:, 2], columns["sensor_c"][120:], rtol=1e-6)
    np.testing.assert_array_equal(np.flatnonzero(ds.train.y), [10])
    np.testing.assert_array_equal(np.flatnonzero(ds.test.y), [30, 50])  # rows 150, 170
    assert ds.train.y.dtype == np.int8 and ds.meta["labelled"] is True
    assert_scaling_is_trains(ds)
    assert ds.meta["scaling"]["max"][2] == 49.5  # sensor_c of row 99: fitted on train only
    assert ds.meta["window"] == 10 and ds.meta["source"] == [str(path)]
    assert "Labels from column 'Label'" in ds.meta["notes"]
    assert "The 1 points of train labelled anomalous stay in it" in ds.meta["notes"]
    x, y = ds.examples("train")
    assert x.shape == (91, 10, 3) and y.sum() == 10  # windows starting at 1..10 hold row 10


@pytest.mark.parametrize("timestamps", [
    [1222819200 + 21600 * i for i in range(120)],  # Orion: unix seconds
    [f"2014-04-01 {i // 12:02d}:{i % 12 * 5:02d}:00" for i in range(120)],  # NAB
], ids=["orion", "nab"])
def test_a_timestamp_value_csv_without_labels_is_unlabelled(tmp_path, timestamps):
    values = np.linspace(10, 20, 120)
    path = write_csv(tmp_path / "S-1.csv", {"timestamp": timestamps, "value": values})
    ds = datasets.load(f"csv:{path}", window=12)
    assert ds.meta["labelled"] is False and ds.meta["feature_names"] == ["value"]
    assert ds.train.x.shape == (60, 1)  # the timestamp is not a feature
    for split in (ds.train, ds.val, ds.test):
        assert split.y.dtype == np.int8 and not split.y.any()
    np.testing.assert_allclose(ds.val.x[:, 0], values[60:72], rtol=1e-6)
    assert "Column 'timestamp' taken as time" in ds.meta["notes"]
    assert "No labels: every point is labelled 0 (meta labelled = False)." in ds.meta["notes"]


def test_a_relative_path_is_read_from_the_working_directory(tmp_path, monkeypatch):
    write_csv(tmp_path / "mine.csv", {"value": np.arange(100.0)})
    monkeypatch.chdir(tmp_path)
    ds = datasets.load("csv:mine.csv", data_dir="/not/used", window=10)
    assert ds.name == "csv:mine.csv" and ds.meta["source"] == ["mine.csv"]
    assert len(ds.train) == 50


def test_a_yahoo_csv_reads_as_the_yahoo_loader_reads_it():
    ds = datasets.load(f"csv:{YAHOO_FIXTURE}", window=20, train_fraction=0.4)
    reference = yahoo.load(str(YAHOO_FIXTURE), None, window=20)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(ds.split(part).x, reference.split(part).x)
        np.testing.assert_array_equal(ds.split(part).y, reference.split(part).y)
    assert ds.meta["scaling"] == reference.meta["scaling"]
    assert ds.meta["labelled"] is True and ds.meta["feature_names"] == ["value"]
    assert "Labels from column 'is_anomaly'" in ds.meta["notes"]


def test_named_time_and_label_columns(tmp_path):
    path = write_csv(tmp_path / "named.csv", {"when": range(50), "x": np.arange(50.0),
                                              "flag": [0] * 45 + [1] * 5})
    ds = datasets.load(f"csv:{path}", window=5, time_column="when", label_column="flag")
    assert ds.meta["feature_names"] == ["x"]
    np.testing.assert_array_equal(ds.test.y, [0] * 15 + [1] * 5)


def test_test_fraction_zero_gives_an_empty_test_and_trains_on_the_rest(tmp_path):
    path = write_csv(tmp_path / "s.csv", {"a": np.arange(100.0), "b": np.ones(100)})
    ds = datasets.load(f"csv:{path}", window=10, test_fraction=0)
    assert [len(ds.train), len(ds.val), len(ds.test)] == [90, 10, 0]
    assert ds.test.x.shape == (0, 2)
    x, y = ds.examples("test")
    assert x.shape == (0, 10, 2) and x.dtype == np.float32
    assert y.shape == (0,) and y.dtype == np.int8
    assert "test = none (test_fraction = 0)" in ds.meta["notes"]


def test_a_test_fraction_leaves_the_rest_to_train(tmp_path):
    path = write_csv(tmp_path / "s.csv", {"value": np.arange(100.0)})
    ds = datasets.load(f"csv:{path}", window=5, test_fraction=0.3, val_fraction=0.2)
    assert [len(ds.train), len(ds.val), len(ds.test)] == [50, 20, 30]
    ds = datasets.load(f"csv:{path}", window=5, train_fraction=0.6, val_fraction=0.2,
                       test_fraction=0.2)
    assert [len(ds.train), len(ds.val), len(ds.test)] == [60, 20, 20]
    with pytest.raises(DatasetError, match=re.escape(
            "train_fraction + val_fraction + test_fraction = 0.9; expected them to sum to 1")):
        datasets.load(f"csv:{path}", window=5, train_fraction=0.6, test_fraction=0.2)


@pytest.mark.parametrize("fill, expected", [
    ("ffill", [1.0, 1.0, 3.0, 3.0]),
    ("zero", [1.0, 0.0, 3.0, 0.0]),
    ("interpolate", [1.0, 2.0, 3.0, 4.0]),
])
def test_fill_replaces_missing_values(tmp_path, fill, expected):
    path = tmp_path / "gaps.csv"
    path.write_text("value\n1\nnan\n3\ninf\n" + "5\n" * 36)
    ds = datasets.load(f"csv:{path}", window=4, fill=fill)
    np.testing.assert_array_equal(ds.train.x[:4, 0], expected)
    assert f"2 missing or non-finite feature values filled (fill='{fill}')" in ds.meta["notes"]


# Tables of rows

def tabular_rows(n_rows=60, unseen_row=None):
    """Rows with a numeric and a text column; every 6th row labelled anomalous. The text column
    cycles tcp/udp/icmp, with 'gre' only in `unseen_row`."""
    protocol = [("tcp", "udp", "icmp")[i % 3] for i in range(n_rows)]
    if unseen_row is not None:
        protocol[unseen_row] = "gre"
    return {"timestamp": range(n_rows), "bytes": np.arange(n_rows) * 10.0,
            "protocol": protocol, "label": [int(i % 6 == 5) for i in range(n_rows)]}


def test_a_table_one_hot_encodes_text_with_the_train_vocabulary(tmp_path):
    parts = seeded_split(60, {"test": 0.2, "val": 0.1}, seed=0)  # the split the loader makes
    unseen_row = int(parts["test"][0])
    path = write_csv(tmp_path / "rows.csv", tabular_rows(unseen_row=unseen_row))
    ds = datasets.load(f"table:{path}")
    assert ds.kind == "tabular" and ds.train.x.dtype == np.float32
    assert ds.meta["feature_names"] == ["bytes", "protocol=icmp", "protocol=tcp",
                                        "protocol=udp"]  # no "gre": train lacks it
    assert ds.meta["test_rows"] == parts["test"].tolist()
    np.testing.assert_array_equal(ds.test.x[:, 0], parts["test"] * 10.0)  # raw values
    np.testing.assert_array_equal(ds.test.x[0, 1:], [0, 0, 0])  # the unseen category
    np.testing.assert_array_equal(ds.test.x[1:, 1:].sum(axis=1), 1)
    row = int(parts["test"][1])
    column = ds.meta["feature_names"].index(f"protocol={('tcp', 'udp', 'icmp')[row % 3]}")
    assert ds.test.x[1, column] == 1
    anomalous = parts["train"][parts["train"] % 6 == 5]
    assert ds.meta["train_anomalies"] == len(anomalous) > 0
    assert len(ds.train) == len(parts["train"]) - len(anomalous) and not ds.train.y.any()
    assert ds.train.known is None
    np.testing.assert_array_equal(ds.test.y, parts["test"] % 6 == 5)
    np.testing.assert_array_equal(ds.val.y, parts["val"] % 6 == 5)  # val keeps its labels
    assert_scaling_is_trains(ds)
    assert (f"{len(anomalous)} labelled anomalous rows of the train part dropped from it"
            in ds.meta["notes"])
    same = datasets.load(f"csv:{path}", kind="tabular")
    np.testing.assert_array_equal(same.train.x, ds.train.x)


def test_known_anomalies_stay_in_train_marked(tmp_path):
    path = write_csv(tmp_path / "rows.csv", tabular_rows())
    parts = seeded_split(60, {"test": 0.2, "val": 0.1}, seed=3)
    ds = datasets.load(f"table:{path}", seed=3, known_anomalies=True)
    assert len(ds.train) == len(parts["train"])
    np.testing.assert_array_equal(ds.train.known, parts["train"] % 6 == 5)
    np.testing.assert_array_equal(ds.train.y, ds.train.known)
    assert ds.meta["known_anomalies"] == ds.meta["train_anomalies"] == ds.train.known.sum() > 0
    assert "kept in it, marked in train.known" in ds.meta["notes"]
    with pytest.raises(DatasetError, match="known_anomalies=True applies to tabular and image "
                                           "data, not series"):
        datasets.load(f"csv:{path}", known_anomalies=True)


def test_a_table_with_test_fraction_zero_has_an_empty_test(tmp_path):
    path = write_csv(tmp_path / "rows.csv", tabular_rows())
    ds = datasets.load(f"table:{path}", test_fraction=0)
    assert len(ds.test) == 0 and ds.test.x.shape == (0, 4)
    assert len(ds.val) == 6 and len(ds.train) + ds.meta["train_anomalies"] == 54
    x, y = ds.examples("test")
    assert x.shape == (0, 4) and y.shape == (0,)


@pytest.mark.skipif(HAS_PARQUET_ENGINE, reason="a parquet engine is installed")
def test_parquet_without_an_engine_says_what_to_install(tmp_path):
    path = tmp_path / "series.parquet"
    path.write_bytes(b"PAR1 not read without an engine")
    with pytest.raises(DatasetError, match=re.escape(
            f"{path}: reading parquet needs pyarrow or fastparquet and neither is installed; "
            f"pip install pyarrow")):
        datasets.load(f"parquet:{path}")


@pytest.mark.skipif(not HAS_PARQUET_ENGINE, reason="no parquet engine installed")
def test_parquet_reads_as_a_csv(tmp_path):
    columns = tsb_ad_series()
    pd.DataFrame(columns).to_parquet(tmp_path / "series.parquet")
    ds = datasets.load(f"parquet:{tmp_path / 'series.parquet'}", window=10)
    reference = datasets.load(f"csv:{write_csv(tmp_path / 'series.csv', columns)}", window=10)
    np.testing.assert_array_equal(ds.test.x, reference.test.x)
    np.testing.assert_array_equal(ds.test.y, reference.test.y)


# Arrays

def test_npy_arrays_take_their_kind_from_their_shape(tmp_path):
    np.save(tmp_path / "one.npy", np.arange(100.0))
    ds = datasets.load(f"npy:{tmp_path / 'one.npy'}", window=10)
    assert ds.kind == "series" and ds.train.x.shape == (50, 1)
    assert ds.meta["labelled"] is False and ds.meta["feature_names"] == ["value"]
    assert ds.meta["scaling"] == {"min": [0.0], "max": [49.0]}

    np.save(tmp_path / "many.npy", np.arange(200.0).reshape(100, 2))
    ds = datasets.load(f"npy:{tmp_path / 'many.npy'}", window=10)
    assert ds.kind == "series" and ds.meta["feature_names"] == ["feature_0", "feature_1"]
    rows = datasets.load(f"npy:{tmp_path / 'many.npy'}", kind="tabular")
    assert rows.kind == "tabular" and [len(rows.train), len(rows.val), len(rows.test)] == [70,
                                                                                          10, 20]
    np.testing.assert_array_equal(rows.test.x[:, 0] / 2, rows.meta["test_rows"])

    images = np.random.default_rng(0).uniform(0, 255, size=(20, 6, 5))
    np.save(tmp_path / "images.npy", images)
    ds = datasets.load(f"npy:{tmp_path / 'images.npy'}")
    assert ds.kind == "image" and ds.train.x.shape == (14, 6, 5, 1)
    assert ds.meta["feature_names"] == ["grey_level"]
    np.testing.assert_allclose(ds.test.x[..., 0], images[ds.meta["test_rows"]], rtol=1e-6)
    assert_scaling_is_trains(ds)


def test_npz_of_x_and_y_drops_the_labelled_train_images(tmp_path):
    x = np.random.default_rng(1).uniform(0, 255, size=(30, 4, 4, 3)).astype(np.float32)
    y = (np.arange(30) % 5 == 0).astype(np.int64)
    np.savez(tmp_path / "images.npz", x=x, y=y)
    ds = datasets.load(f"npz:{tmp_path / 'images.npz'}", test_fraction=0.3)
    parts = seeded_split(30, {"test": 0.3, "val": 0.1}, seed=0)
    normal_train = parts["train"][parts["train"] % 5 != 0]
    np.testing.assert_array_equal(ds.train.x, x[normal_train])
    np.testing.assert_array_equal(ds.test.y, parts["test"] % 5 == 0)
    assert ds.meta["feature_names"] == ["red", "green", "blue"] and ds.meta["labelled"]
    assert ds.meta["train_anomalies"] == len(parts["train"]) - len(normal_train)

    series = np.sin(np.arange(100.0))
    np.savez(tmp_path / "series.npz", x=series, y=np.arange(100) == 80)
    ds = datasets.load(f"npz:{tmp_path / 'series.npz'}", window=5)
    np.testing.assert_array_equal(np.flatnonzero(ds.test.y), [20])


def test_npz_of_parts_keeps_them_and_takes_val_from_train(tmp_path):
    rng = np.random.default_rng(2)
    train, test = rng.normal(size=(80, 2)), rng.normal(size=(40, 2))
    y_test = np.r_[np.zeros(35), np.ones(5)]
    np.savez(tmp_path / "parts.npz", train=train, test=test, y_test=y_test)
    ds = datasets.load(f"npz:{tmp_path / 'parts.npz'}", window=4)
    assert ds.kind == "series" and [len(ds.train), len(ds.val), len(ds.test)] == [72, 8, 40]
    np.testing.assert_allclose(ds.val.x, train[72:], rtol=1e-6)  # the end of train
    np.testing.assert_array_equal(ds.test.y, y_test)
    assert ds.meta["labelled"] is True and not ds.train.y.any()
    assert_scaling_is_trains(ds)

    val = rng.normal(size=(10, 2))
    np.savez(tmp_path / "three.npz", train=train, val=val, test=test, y_test=y_test)
    ds = datasets.load(f"npz:{tmp_path / 'three.npz'}", kind="tabular")
    assert ds.kind == "tabular" and [len(ds.train), len(ds.val), len(ds.test)] == [80, 10, 40]
    np.testing.assert_allclose(ds.val.x, val, rtol=1e-6)


def test_npz_of_neither_scheme_is_refused(tmp_path):
    np.savez(tmp_path / "odd.npz", data=np.zeros(3))
    with pytest.raises(DatasetError, match="holds the arrays data; expected x"):
        datasets.load(f"npz:{tmp_path / 'odd.npz'}")
    np.savez(tmp_path / "typo.npz", train=np.zeros((9, 2)), y_tset=np.zeros(9))
    with pytest.raises(DatasetError, match="arrays y_tset belong to no part"):
        datasets.load(f"npz:{tmp_path / 'typo.npz'}")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(DatasetError, match="holds one array, not an .npz archive; load it as "
                                           "npy:"):
        datasets.load(f"npz:{tmp_path / 'one.npy'}")


# Folders of images

def write_png(path, image):
    import tensorflow as tf

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(np.asarray(image, dtype=np.uint8)).numpy())


def test_an_image_folder_splits_normal_images_and_tests_the_abnormal_ones(tmp_path):
    for i in range(10):
        write_png(tmp_path / "normal" / f"n{i:02d}.png", np.full((6, 8, 1), 10 * i))
    for i in range(3):
        write_png(tmp_path / "abnormal" / f"a{i}.png", np.full((6, 8, 1), 250))
    (tmp_path / "normal" / "README.txt").write_text("not an image")
    ds = datasets.load(f"images:{tmp_path}")
    assert ds.kind == "image" and ds.train.x.dtype == np.float32
    assert [len(ds.train), len(ds.val), len(ds.test)] == [7, 1, 2 + 3]
    assert ds.train.x.shape[1:] == (6, 8, 1) and ds.meta["feature_names"] == ["grey_level"]
    np.testing.assert_array_equal(ds.test.y, [0, 0, 1, 1, 1])
    assert ds.meta["test_files"][2:] == ["abnormal/a0.png", "abnormal/a1.png", "abnormal/a2.png"]
    for image, name in zip(ds.test.x[:2], ds.meta["test_files"][:2], strict=True):
        assert image.max() == image.min() == 10 * int(name[len("normal/n"):-len(".png")])
    assert ds.meta["labelled"] is True and not ds.train.y.any()
    assert_scaling_is_trains(ds)


def test_grey_and_colour_images_become_rgb_and_can_be_resized(tmp_path):
    write_png(tmp_path / "normal" / "grey.png", np.full((4, 4, 1), 100))
    for i in range(9):
        write_png(tmp_path / "normal" / f"rgb{i}.png", np.tile([255, 0, 20 * i], (4, 4, 1)))
    ds = datasets.load(f"images:{tmp_path}", test_fraction=0)
    assert ds.train.x.shape[1:] == (4, 4, 3) and len(ds.test) == 0
    assert ds.test.x.shape == (0, 4, 4, 3)
    assert ds.meta["feature_names"] == ["red", "green", "blue"] and ds.meta["labelled"] is False
    every = np.concatenate([ds.train.x, ds.val.x])
    assert any((image == 100).all() for image in every)  # grey copied into three channels
    write_png(tmp_path / "normal" / "large.png", np.full((8, 12, 3), 40))
    with pytest.raises(DatasetError, match=re.escape(
            f"{tmp_path / 'normal' / 'large.png'}: 8x12 pixels, but "
            f"{tmp_path / 'normal' / 'grey.png'} is 4x4")):
        datasets.load(f"images:{tmp_path}")
    resized = datasets.load(f"images:{tmp_path}", image_size=(5, 6))
    assert resized.train.x.shape[1:] == (5, 6, 3)
    assert 0 <= resized.train.x.min() and resized.train.x.max() <= 255
    assert datasets.load(f"images:{tmp_path}", image_size=3).train.x.shape[1:] == (3, 3, 3)


# Session files

def test_a_plain_session_file_is_unlabelled_and_padded(tmp_path):
    lines = [" ".join(["5"] + ["31"] * (i % 4)) for i in range(30)]
    (tmp_path / "sessions.txt").write_text("\n".join(lines) + "\n")
    ds = datasets.load(f"sessions:{tmp_path / 'sessions.txt'}")
    assert ds.kind == "sessions" and ds.train.x.dtype == np.int32
    assert [len(ds.train), len(ds.val), len(ds.test)] == [21, 3, 6]
    assert ds.meta["vocab_size"] == 31 and ds.meta["max_len"] == ds.train.x.shape[1] == 4
    assert ds.meta["scaling"] is None and ds.meta["feature_names"] == ["log_key"]
    assert ds.meta["labelled"] is False and not ds.test.y.any()
    for row, line in zip(ds.test.x, ds.meta["test_rows"], strict=True):
        keys = [int(key) for key in lines[line].split()]
        np.testing.assert_array_equal(row, keys + [0] * (4 - len(keys)))


def test_sessions_labelled_in_their_lines_or_in_a_labels_file(tmp_path):
    labels = [int(i % 4 == 0) for i in range(40)]
    keys = ["7 8 40" if label else "7 8" for label in labels]
    (tmp_path / "tabbed.txt").write_text("".join(f"{label}\t{line}\n"
                                                 for label, line in zip(labels, keys)))
    (tmp_path / "keys.txt").write_text("\n".join(keys))
    (tmp_path / "labels.txt").write_text("\n".join(map(str, labels)) + "\n")
    parts = seeded_split(40, {"test": 0.2, "val": 0.1}, seed=0)
    for ds in (datasets.load(f"sessions:{tmp_path / 'tabbed.txt'}"),
               datasets.load(f"sessions:{tmp_path / 'keys.txt'}",
                             labels=str(tmp_path / "labels.txt"))):
        assert ds.meta["labelled"] is True
        np.testing.assert_array_equal(ds.test.y, parts["test"] % 4 == 0)
        np.testing.assert_array_equal(ds.test.y, ds.test.x[:, 2] == 40)
        assert not ds.train.y.any() and (ds.train.x[:, 2] == 0).all()
        assert ds.meta["train_anomalies"] == int((parts["train"] % 4 == 0).sum()) > 0
        assert len(ds.train) == len(parts["train"]) - ds.meta["train_anomalies"]
        assert ds.meta["vocab_size"] == 40  # the largest key of any split


# from_arrays

def test_from_arrays_builds_every_kind():
    rng = np.random.default_rng(4)
    series = datasets.from_arrays("series", rng.normal(size=100), window=5,
                                  test=rng.normal(size=30), test_labels=np.arange(30) == 7)
    assert [len(series.train), len(series.val), len(series.test)] == [90, 10, 30]
    assert series.train.x.shape == (90, 1) and series.meta["labelled"] is True
    assert series.meta["window"] == 5 and series.name == "arrays"
    assert_scaling_is_trains(series)

    rows = rng.normal(size=(50, 3))
    labels = (np.arange(50) % 10 == 0).astype(int)
    tabular = datasets.from_arrays("tabular", rows, train_labels=labels,
                                   feature_names=["a", "b", "c"], seed=1)
    val_part = seeded_split(50, {"val": 0.1}, seed=1)
    kept = val_part["train"][val_part["train"] % 10 != 0]
    np.testing.assert_allclose(tabular.train.x, rows[kept], rtol=1e-6)
    np.testing.assert_allclose(tabular.val.x, rows[val_part["val"]], rtol=1e-6)
    assert tabular.meta["feature_names"] == ["a", "b", "c"] and len(tabular.test) == 0
    assert tabular.meta["labelled"] is True  # no test: labelled as the parts given
    known = datasets.from_arrays("tabular", rows, train_labels=labels, known_anomalies=True)
    assert known.train.known.sum() == known.meta["known_anomalies"] > 0

    images = datasets.from_arrays("image", rng.uniform(0, 255, size=(20, 5, 5)),
                                  val=rng.uniform(0, 255, size=(4, 5, 5)),
                                  test=rng.uniform(0, 255, size=(6, 5, 5)))
    assert images.train.x.shape == (20, 5, 5, 1) and images.test.x.shape == (6, 5, 5, 1)
    assert images.meta["labelled"] is False
    assert_scaling_is_trains(images)

    sessions = datasets.from_arrays("sessions", [[1, 2], [3, 2, 2], [1]] * 5,
                                    val=np.array([[1, 2, 0, 0], [2, 0, 0, 0]]),
                                    test=[[1, 2, 9]], test_labels=[1])
    # padded again to the longest session of any split: 3 keys
    assert sessions.train.x.shape == (15, 3) and sessions.test.x.shape == (1, 3)
    np.testing.assert_array_equal(sessions.train.x[:3], [[1, 2, 0], [3, 2, 2], [1, 0, 0]])
    np.testing.assert_array_equal(sessions.val.x, [[1, 2, 0], [2, 0, 0]])
    np.testing.assert_array_equal(sessions.test.y, [1])
    assert sessions.meta["vocab_size"] == 9 and sessions.meta["max_len"] == 3
    assert sessions.meta["scaling"] is None


def test_from_arrays_without_test_gives_an_empty_test_that_examples_can_cut():
    ds = datasets.from_arrays("series", np.arange(200.0).reshape(100, 2), window=8)
    assert ds.test.x.shape == (0, 2)
    x, y = ds.examples("test")
    assert x.shape == (0, 8, 2) and y.shape == (0,)
    assert "no test given: test is empty" in ds.meta["notes"]


@pytest.mark.parametrize("call, message", [
    (lambda: datasets.from_arrays("series", np.zeros((50, 2)), test=np.zeros((20, 3))),
     "arrays: test holds examples of shape [3], train [2]; expected the same"),
    (lambda: datasets.from_arrays("tabular", np.zeros((20, 2)), train_labels=[0] * 19 + [2]),
     "arrays: train_labels: row 19 holds 2; expected 0 or 1"),
    (lambda: datasets.from_arrays("tabular", np.zeros((20, 2)), train_labels=[0] * 19),
     "arrays: train_labels: labels of shape [19] for 20 examples"),
    (lambda: datasets.from_arrays("tabular", np.r_[np.zeros((9, 2)), [[0, np.inf]]]),
     "arrays: train: row 9, column 'feature_1', holds a missing or non-finite value"),
    (lambda: datasets.from_arrays("image", np.zeros((5, 4))),
     "arrays: train: an array of shape [5, 4]; image data is [n, height, width]"),
    (lambda: datasets.from_arrays("sessions", [[1, 0, 2]]),
     "arrays: train: session 0 holds 0; expected log keys"),
    (lambda: datasets.from_arrays("graph", np.zeros(5)), "kind must be one of 'series'"),
    (lambda: datasets.from_arrays("series", np.zeros(50), test_labels=[0]),
     "arrays: test_labels given without test"),
])
def test_from_arrays_refuses_bad_arrays(call, message):
    with pytest.raises(DatasetError, match=re.escape(message)):
        call()


# Bad input: one clear DatasetError naming the file and the problem

def test_a_missing_file_names_the_path_and_how_it_is_read(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(DataFileNotFoundError, match=re.escape(
            f"data file not found: {missing} (your own file: a path is read as given")):
        datasets.load(f"csv:{missing}")
    with pytest.raises(DatasetError, match=re.escape("'csv' needs the path of your file")):
        datasets.load("csv")


def test_an_empty_file_or_a_header_alone_is_refused(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DatasetError, match=re.escape(f"{tmp_path / 'empty.csv'}: empty file")):
        datasets.load(f"csv:{tmp_path / 'empty.csv'}")
    (tmp_path / "header.csv").write_text("timestamp,value\n")
    with pytest.raises(DatasetError, match="header.csv: no rows after the header "
                                           "timestamp,value"):
        datasets.load(f"csv:{tmp_path / 'header.csv'}")


def test_a_non_numeric_series_column_is_named(tmp_path):
    path = write_csv(tmp_path / "text.csv", {"value": np.arange(50.0),
                                             "status": ["ok"] * 50})
    with pytest.raises(DatasetError, match=re.escape(
            f"{path}: column 'status' is not numeric (row 0 holds 'ok')")):
        datasets.load(f"csv:{path}")


def test_missing_values_are_counted_and_located(tmp_path):
    values = np.arange(50.0)
    values[[7, 30]] = np.nan
    path = write_csv(tmp_path / "gaps.csv", {"a": np.ones(50), "b": values})
    with pytest.raises(DatasetError, match=re.escape(
            f"{path}: row 7, column 'b', holds a missing or non-finite value (2 such values in "
            f"all); fill='ffill' or 'zero' or 'interpolate' fills them")):
        datasets.load(f"csv:{path}")


def test_a_label_other_than_0_or_1_is_named(tmp_path):
    path = write_csv(tmp_path / "labels.csv", {"value": np.arange(50.0),
                                               "label": [0] * 12 + ["yes"] + [0] * 37})
    with pytest.raises(DatasetError, match=re.escape(
            f"{path}: label column 'label': row 12 holds 'yes'; expected 0 or 1")):
        datasets.load(f"csv:{path}")


def test_a_named_column_the_file_lacks_is_an_error(tmp_path):
    path = write_csv(tmp_path / "s.csv", {"value": np.arange(50.0)})
    with pytest.raises(DatasetError, match=re.escape(
            f"{path}: label_column='anomaly' is not a column of the header value")):
        datasets.load(f"csv:{path}", label_column="anomaly")


def test_a_series_shorter_than_one_window_is_an_error(tmp_path):
    path = write_csv(tmp_path / "short.csv", {"value": np.arange(100.0)})
    with pytest.raises(DatasetError, match=re.escape(
            f"csv:{path}: the train part (50 of 100 points) is shorter than one window of 60")):
        datasets.load(f"csv:{path}")


def test_an_image_folder_without_normal_is_named(tmp_path):
    (tmp_path / "abnormal").mkdir()
    with pytest.raises(DatasetError, match=re.escape(
            f"{tmp_path}: no normal/ folder; expected {tmp_path / 'normal'}")):
        datasets.load(f"images:{tmp_path}")


def test_an_unreadable_image_is_named(tmp_path):
    for i in range(9):
        write_png(tmp_path / "normal" / f"good{i}.png", np.zeros((4, 4, 1)))
    (tmp_path / "normal" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError, match=re.escape(
            f"{tmp_path / 'normal' / 'broken.png'}: not a readable image (Unknown image file "
            f"format")):
        datasets.load(f"images:{tmp_path}")


@pytest.mark.parametrize("line, message", [
    ("5 x 9", "line 3: 'x' is not a log key; expected positive integers"),
    ("5 0", "line 3: '0' is not a log key"),
    ("", "line 3: empty line; expected a session"),
])
def test_a_session_line_with_a_bad_key_names_the_file_line_and_token(tmp_path, line, message):
    path = tmp_path / "sessions.txt"
    path.write_text("\n".join(["5 9"] * 2 + [line] + ["5 9"] * 7) + "\n")
    with pytest.raises(DatasetError, match=re.escape(f"{path} {message}")):
        datasets.load(f"sessions:{path}")


def test_bad_session_labels_are_named(tmp_path):
    path = tmp_path / "tabbed.txt"
    path.write_text("0\t5 9\n" * 5 + "5 9\n")
    with pytest.raises(DatasetError, match=re.escape(
            f"{path} line 6: '5 9' is not a label before a tab")):
        datasets.load(f"sessions:{path}")
    (tmp_path / "keys.txt").write_text("5 9\n" * 10)
    (tmp_path / "labels.txt").write_text("0\n" * 9)
    with pytest.raises(DatasetError, match=re.escape(
            f"{tmp_path / 'labels.txt'} holds 9 labels for the 10 sessions")):
        datasets.load(f"sessions:{tmp_path / 'keys.txt'}", labels=str(tmp_path / "labels.txt"))


def test_an_unknown_option_or_kind_is_refused(tmp_path):
    path = write_csv(tmp_path / "s.csv", {"value": np.arange(100.0)})
    with pytest.raises(DatasetError, match="dataset 'csv' has no option colour"):
        datasets.load(f"csv:{path}", colour=1)
    with pytest.raises(DatasetError, match="kind must be one of 'series', 'tabular', got 'x'"):
        datasets.load(f"csv:{path}", kind="x")
    with pytest.raises(DatasetError, match="fill must be one of None, 'ffill'"):
        datasets.load(f"csv:{path}", fill="mean")
