"""datasets.inputs: a user's unlabelled files, read in chunks as a model's kind of data."""

import re

import numpy as np
import pandas as pd
import pytest

import datasets
from datasets import inputs
from datasets.base import DataFileNotFoundError, DatasetError, read_csv_chunks
from tests.datasets.test_files import write_png


def chunks(path, kind, shape, **options):
    return list(inputs.read_chunks(path, kind, shape, **options))


# Series

def test_a_series_is_one_chunk_of_the_recorded_features_in_their_order(tmp_path):
    frame = pd.DataFrame({"Timestamp": [10, 11, 12], "flow": [1.0, 2.0, 3.0],
                          "Label": [0, 1, 0], "pressure": [4.0, 5.0, 6.0]})
    frame.to_csv(tmp_path / "series.csv", index=False)
    ((identifiers, values),) = chunks(tmp_path / "series.csv", "series", (5, 2),
                                      feature_names=["pressure", "flow"])
    assert list(identifiers) == ["index", "Timestamp"]
    np.testing.assert_array_equal(identifiers["index"], [0, 1, 2])
    np.testing.assert_array_equal(identifiers["Timestamp"], [10, 11, 12])
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, [[4, 1], [5, 2], [6, 3]])
    # Without recorded names: every feature column in file order, as many as the model takes.
    ((_, values),) = chunks(tmp_path / "series.csv", "series", (5, 2))
    np.testing.assert_array_equal(values, [[1, 4], [2, 5], [3, 6]])
    with pytest.raises(DatasetError, match=re.escape(
            "has the feature columns flow, pressure; the model takes 3 feature(s) (a, b, c)")):
        chunks(tmp_path / "series.csv", "series", (5, 3), feature_names=["a", "b", "c"])


def test_a_series_takes_the_time_and_label_columns_of_training(tmp_path):
    pd.DataFrame({"t": [1, 2], "y": [0, 1], "value": [0.5, 0.25]}).to_csv(
        tmp_path / "series.csv", index=False)
    ((identifiers, values),) = chunks(tmp_path / "series.csv", "series", (2, 1),
                                      options={"time_column": "t", "label_column": "y"})
    assert list(identifiers) == ["index", "t"]
    np.testing.assert_array_equal(values, [[0.5], [0.25]])
    # A recorded column the header lacks: found as the csv: loader finds them by default.
    ((identifiers, values),) = chunks(tmp_path / "series.csv", "series", (2, 2),
                                      options={"time_column": "when", "label_column": "y"})
    assert list(identifiers) == ["index"]
    np.testing.assert_array_equal(values, [[1, 0.5], [2, 0.25]])


def test_missing_files_and_an_unknown_kind_are_named(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="data file not found: .*nope.csv"):
        chunks(tmp_path / "nope.csv", "series", (5, 1))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DatasetError, match="empty.csv: empty file"):
        chunks(tmp_path / "empty.csv", "tabular", (2,))
    with pytest.raises(DatasetError, match="kind must be one of 'series', .*, got 'video'"):
        inputs.read_chunks(tmp_path / "empty.csv", "video", (2,))


# Rows

def write_rows(path, n_rows=7):
    frame = pd.DataFrame({"protocol": (["tcp", "udp", "icmp"] * n_rows)[:n_rows],
                          "bytes": np.arange(n_rows, dtype=float), "label": 0,
                          "duration": np.linspace(0.0, 1.0, n_rows)})
    frame.to_csv(path, index=False)
    return frame


RECORDED = ["bytes", "duration", "protocol=tcp", "protocol=udp"]


def test_rows_are_encoded_by_the_recorded_feature_names_chunk_by_chunk(tmp_path):
    frame = write_rows(tmp_path / "rows.csv")
    found = chunks(tmp_path / "rows.csv", "tabular", (4,), feature_names=RECORDED, size=3)
    assert [len(x) for _, x in found] == [3, 3, 1]
    rows = np.concatenate([identifiers["row"] for identifiers, _ in found])
    np.testing.assert_array_equal(rows, np.arange(7))
    x = np.concatenate([x for _, x in found])
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x[:, :2], frame[["bytes", "duration"]].to_numpy(np.float32))
    np.testing.assert_array_equal(x[:, 2], frame["protocol"] == "tcp")
    np.testing.assert_array_equal(x[:, 3], frame["protocol"] == "udp")  # icmp: all zeros


def test_rows_whose_columns_do_not_make_the_models_features_are_refused(tmp_path):
    frame = write_rows(tmp_path / "rows.csv")
    frame.drop(columns="duration").to_csv(tmp_path / "lacking.csv", index=False)
    with pytest.raises(DatasetError, match="lacks the column of the model's feature 'duration'"):
        chunks(tmp_path / "lacking.csv", "tabular", (4,), feature_names=RECORDED)
    frame.assign(extra=1).to_csv(tmp_path / "extra.csv", index=False)
    with pytest.raises(DatasetError, match="do not make the model's 4 features: extra is not"):
        chunks(tmp_path / "extra.csv", "tabular", (4,), feature_names=RECORDED)
    with pytest.raises(DatasetError, match="the model takes 5 feature"):
        chunks(tmp_path / "rows.csv", "tabular", (5,))


def test_a_bad_entry_is_named_by_its_row_in_the_file(tmp_path):
    frame = write_rows(tmp_path / "rows.csv")
    frame.astype({"bytes": object}).assign(
        bytes=lambda f: f["bytes"].where(f.index != 4, "lots")).to_csv(tmp_path / "text.csv",
                                                                      index=False)
    with pytest.raises(DatasetError, match="row 4, column 'bytes' holds 'lots'; expected a "
                                           "finite number"):
        chunks(tmp_path / "text.csv", "tabular", (4,), feature_names=RECORDED, size=3)
    frame.assign(protocol=frame["protocol"].where(frame.index != 5)).to_csv(
        tmp_path / "empty.csv", index=False)
    with pytest.raises(DatasetError, match="row 5, column 'protocol' is empty"):
        chunks(tmp_path / "empty.csv", "tabular", (4,), feature_names=RECORDED, size=3)
    frame.iloc[:0].to_csv(tmp_path / "header.csv", index=False)
    with pytest.raises(DatasetError, match="no rows after the header protocol,bytes"):
        chunks(tmp_path / "header.csv", "tabular", (4,), feature_names=RECORDED)


def test_read_csv_chunks_reads_lazily_and_names_an_unreadable_file(tmp_path):
    pd.DataFrame({"a": range(5)}).to_csv(tmp_path / "a.csv", index=False)
    assert [len(frame) for frame in read_csv_chunks(tmp_path / "a.csv", 2)] == [2, 2, 1]
    (tmp_path / "broken.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DatasetError, match="broken.csv.gz: not a readable CSV file"):
        list(read_csv_chunks(tmp_path / "broken.csv.gz", 2))


# Images

def test_an_image_folder_is_read_in_the_loaders_order_and_decoding(tmp_path):
    for i in range(4):
        write_png(tmp_path / "normal" / f"n{i}.png", np.full((6, 8, 1), 10 * i))
    write_png(tmp_path / "abnormal" / "a0.png", np.full((6, 8, 1), 250))
    (tmp_path / "normal" / "notes.txt").write_text("not an image")
    found = chunks(tmp_path, "image", (6, 8, 1), size=3)
    names = [name for identifiers, _ in found for name in identifiers["file"]]
    assert names == ["normal/n0.png", "normal/n1.png", "normal/n2.png", "normal/n3.png",
                     "abnormal/a0.png"]
    images = np.concatenate([x for _, x in found])
    ds = datasets.load(f"images:{tmp_path}", test_fraction=0.25, val_fraction=0.25)
    for image, name in zip(ds.test.x, ds.meta["test_files"], strict=True):
        np.testing.assert_array_equal(image, images[names.index(name)])
    flat = chunks(tmp_path / "normal", "image", (6, 8, 1))
    assert flat[0][0]["file"] == ["n0.png", "n1.png", "n2.png", "n3.png"]


def test_images_are_fitted_to_the_models_channels_and_size_only_as_trained(tmp_path):
    write_png(tmp_path / "grey" / "g.png", np.full((6, 8, 1), 100))
    write_png(tmp_path / "colour" / "c.png", np.tile([255, 0, 20], (6, 8, 1)))
    ((_, rgb),) = chunks(tmp_path / "grey", "image", (6, 8, 3))
    assert rgb.shape == (1, 6, 8, 3) and (rgb == 100).all()
    with pytest.raises(DatasetError, match="c.png is in colour; the model takes grey images"):
        chunks(tmp_path / "colour", "image", (6, 8, 1))
    with pytest.raises(DatasetError, match="g.png: 6x8 pixels; the model takes 4x4 images"):
        chunks(tmp_path / "grey", "image", (4, 4, 1))
    ((_, resized),) = chunks(tmp_path / "grey", "image", (4, 4, 1),
                             options={"image_size": 4})
    assert resized.shape == (1, 4, 4, 1)
    np.testing.assert_allclose(resized, 100.0)


def test_a_folder_without_images_or_with_a_broken_one_is_named(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="expected a folder of images"):
        chunks(tmp_path / "nope", "image", (4, 4, 1))
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "a.txt").write_text("x")
    with pytest.raises(DatasetError, match="text: no image; expected files ending in .png"):
        chunks(tmp_path / "text", "image", (4, 4, 1))
    write_png(tmp_path / "broken" / "a.png", np.zeros((4, 4, 1)))
    (tmp_path / "broken" / "b.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError, match="b.png: not a readable image"):
        chunks(tmp_path / "broken", "image", (4, 4, 1))


# Sessions

def test_sessions_are_padded_to_the_longest_of_their_chunk(tmp_path):
    (tmp_path / "keys.txt").write_text("1 2\n3\n4 5 6 7\n2\n")
    found = chunks(tmp_path / "keys.txt", "sessions", (None,), size=2)
    assert [identifiers["line"] for identifiers, _ in found] == [[1, 2], [3, 4]]
    np.testing.assert_array_equal(found[0][1], [[1, 2], [3, 0]])
    np.testing.assert_array_equal(found[1][1], [[4, 5, 6, 7], [2, 0, 0, 0]])
    assert found[0][1].dtype == np.int32


def test_labelled_session_lines_are_scored_without_their_label(tmp_path):
    (tmp_path / "tabbed.txt").write_text("0\t1 2\n1\t3 4 5\n")
    ((identifiers, sessions),) = chunks(tmp_path / "tabbed.txt", "sessions", (None,))
    assert identifiers["line"] == [1, 2]
    np.testing.assert_array_equal(sessions, [[1, 2, 0], [3, 4, 5]])


def test_a_session_the_model_cannot_take_is_named_by_its_line(tmp_path):
    (tmp_path / "keys.txt").write_text("1 2 3\n1 9 2\n")
    with pytest.raises(DatasetError, match="keys.txt line 2: '9' is not a log key; expected "
                                           "integers 1..5"):
        chunks(tmp_path / "keys.txt", "sessions", (None,), max_key=5)
    (tmp_path / "binary.txt").write_bytes(b"1 2\n\xff\xfe\n")
    with pytest.raises(DatasetError, match="binary.txt: not a text file"):
        chunks(tmp_path / "binary.txt", "sessions", (None,))
