"""datasets.smap_msl on a tiny SMAP/MSL layout made here, and on the shared channels."""

import json
import re

import numpy as np
import pandas as pd
import pytest

import datasets
from datasets import smap_msl
from datasets.base import DataFileNotFoundError, DatasetError

N_TRAIN, N_TEST = 100, 120
OPTIONS = {"window": 10}
# chan_id, spacecraft, anomaly_sequences, features. S-1 is listed twice (its ranges join);
# P-2 has a row but no arrays; T-10 (written below) has arrays but no row.
ROWS = [("S-1", "SMAP", [[20, 29], [100, 119]], 5),
        ("M-6", "MSL", [[0, 0]], 7),
        ("A-2", "SMAP", [[50, 59]], 5),
        ("P-2", "SMAP", [[10, 20]], 5),
        ("S-1", "SMAP", [[25, 34]], 5)]


def series(n_points, n_features, offset=0.0):
    """float64 [n_points, n_features]: a distinct value per point in column 0 (the telemetry),
    0/1 command columns after it."""
    values = np.zeros((n_points, n_features))
    values[:, 0] = offset + np.linspace(-1, 1, n_points)
    values[np.arange(n_points), 1 + np.arange(n_points) % (n_features - 1)] = 1.0
    return values


def write_smap_msl(root, rows=ROWS, arrays=None):
    """The layout of the telemanom folder under `root`: train/ and test/ arrays and the CSV
    (a row's ranges given as text are written as they are).

    `arrays`: channel -> (train, test) to write; default: one pair per channel of `rows`
    (P-2 excepted) and for T-10.
    """
    if arrays is None:
        features = {channel: n for channel, _, _, n in rows if channel != "P-2"}
        features["T-10"] = 5
        arrays = {channel: (series(N_TRAIN, n), series(N_TEST, n, offset=0.5))
                  for channel, n in features.items()}
    for part in ("train", "test"):
        (root / part).mkdir(parents=True, exist_ok=True)
    for channel, (train, test) in arrays.items():
        np.save(root / "train" / f"{channel}.npy", train)
        np.save(root / "test" / f"{channel}.npy", test)
    table = pd.DataFrame([{"chan_id": channel, "spacecraft": craft,
                           "anomaly_sequences": (ranges if isinstance(ranges, str)
                                                 else json.dumps(ranges)),
                           "class": "[point]",
                           "num_values": N_TEST} for channel, craft, ranges, _ in rows])
    table.to_csv(root / "labeled_anomalies.csv", index=False)
    return arrays


@pytest.fixture
def layout(tmp_path):
    """(data dir, the arrays written) of the default fixture under <data dir>/smap_msl."""
    return tmp_path, write_smap_msl(tmp_path / "smap_msl")


def test_test_points_inside_a_range_are_anomalous_ends_included(layout):
    data_dir, _ = layout
    ds = smap_msl.load("A-2", str(data_dir), **OPTIONS)
    assert ds.kind == "series" and ds.name == "smap-msl:A-2"
    np.testing.assert_array_equal(np.flatnonzero(ds.test.y), np.arange(50, 60))
    assert ds.test.y.dtype == np.int8
    assert ds.train.y.sum() == 0 and ds.val.y.sum() == 0
    # a range may end on the last test point, and may be a single point
    ds = smap_msl.load("M-6", str(data_dir), **OPTIONS)
    np.testing.assert_array_equal(np.flatnonzero(ds.test.y), [0])


def test_the_ranges_of_a_channel_listed_twice_are_joined(layout):
    data_dir, _ = layout
    ds = smap_msl.load("S-1", str(data_dir), **OPTIONS)
    expected = np.r_[np.arange(20, 35), np.arange(100, 120)]
    np.testing.assert_array_equal(np.flatnonzero(ds.test.y), expected)
    assert ds.meta["anomaly_sequences"] == [[20, 29], [100, 119], [25, 34]]
    assert "lists S-1 on 2 rows; their ranges are joined" in ds.meta["notes"]


def test_val_is_the_end_of_the_train_array_and_test_the_test_array(layout):
    data_dir, arrays = layout
    train, test = arrays["A-2"]
    ds = smap_msl.load("A-2", str(data_dir), **OPTIONS)
    assert [len(ds.train), len(ds.val), len(ds.test)] == [90, 10, N_TEST]
    assert ds.train.x.dtype == np.float32
    np.testing.assert_array_equal(ds.train.x, train[:90].astype(np.float32))
    np.testing.assert_array_equal(ds.val.x, train[90:].astype(np.float32))
    np.testing.assert_array_equal(ds.test.x, test.astype(np.float32))
    ds = smap_msl.load("A-2", str(data_dir), window=10, val_fraction=0.25)
    assert [len(ds.train), len(ds.val)] == [75, 25]
    np.testing.assert_array_equal(ds.val.x, train[75:].astype(np.float32))


def test_windows_carry_every_feature_and_scaling_is_fitted_on_train(layout):
    data_dir, arrays = layout
    ds = smap_msl.load("M-6", str(data_dir), **OPTIONS)
    assert ds.example_shape == (10, 7)
    x, y = ds.examples("test", stride=10)
    assert x.shape == (12, 10, 7) and y.tolist() == [1] + [0] * 11
    assert ds.examples("train")[0].shape == (81, 10, 7)
    train = arrays["M-6"][0][:90]
    # fitted on train alone: column 0 rises, so val holds values above train's max
    assert ds.meta["scaling"]["max"][0] == pytest.approx(train[:, 0].max())
    assert ds.val.x[:, 0].max() > ds.meta["scaling"]["max"][0]
    assert ds.meta["scaling"]["min"] == pytest.approx(train.min(axis=0).tolist())
    assert ds.meta["feature_names"] == ["value"] + [f"command_{i}" for i in range(1, 7)]
    assert ds.meta["spacecraft"] == "MSL" and ds.meta["n_features"] == 7
    assert ds.meta["channel"] == "M-6" and ds.meta["window"] == 10
    assert [path.rsplit("/", 2)[-2:] for path in ds.meta["source"]] == [
        ["train", "M-6.npy"], ["test", "M-6.npy"], ["smap_msl", "labeled_anomalies.csv"]]
    assert "the telemetry value (column 0) and 6 one-hot command columns" in ds.meta["notes"]


def test_loads_by_name_and_the_folder_itself_works_as_the_data_dir(tmp_path):
    write_smap_msl(tmp_path)  # train/, test/ and the CSV directly under the folder
    assert "smap-msl:<channel>" in datasets.names()
    ds = datasets.load("smap-msl:A-2", data_dir=str(tmp_path), **OPTIONS)
    assert ds.test.y.sum() == 10 and ds.meta["spacecraft"] == "SMAP"
    with pytest.raises(DatasetError, match="its options: window, val_fraction"):
        datasets.load("smap-msl:A-2", data_dir=str(tmp_path), train_fraction=0.5)


def test_channels_keep_the_csv_order_and_filter_by_spacecraft(layout):
    data_dir, _ = layout
    # P-2 has no arrays, T-10 no row, S-1 counts once
    assert smap_msl.channels(str(data_dir)) == ["S-1", "M-6", "A-2"]
    assert smap_msl.channels(str(data_dir), spacecraft="SMAP") == ["S-1", "A-2"]
    assert smap_msl.channels(str(data_dir), spacecraft="msl") == ["M-6"]
    with pytest.raises(DatasetError, match=re.escape(
            "spacecraft must be 'SMAP', 'MSL' or None, got 'MRO'")):
        smap_msl.channels(str(data_dir), spacecraft="MRO")


def test_an_unknown_channel_is_named_with_known_ones(layout):
    data_dir, _ = layout
    with pytest.raises(DatasetError, match=re.escape(
            "unknown SMAP/MSL channel 'A-1': it has no row in ")) as caught:
        smap_msl.load("A-1", str(data_dir))
    assert "known: S-1, M-6, A-2 (3 in all)" in str(caught.value)
    with pytest.raises(DatasetError, match=re.escape(
            "SMAP/MSL channel 'T-10' has arrays under")) as caught:
        smap_msl.load("T-10", str(data_dir))
    assert "no test labels; known: S-1, M-6, A-2" in str(caught.value)
    with pytest.raises(DatasetError, match=re.escape(
            "'smap-msl' needs a channel: smap-msl:<channel>; available: S-1, M-6, A-2")):
        datasets.load("smap-msl", data_dir=str(data_dir))


@pytest.mark.parametrize("channel", ["A_2", "../train/A-2", "A-2.npy", "2-A"])
def test_a_malformed_channel_is_an_error(layout, channel):
    data_dir, _ = layout
    with pytest.raises(DatasetError, match=re.escape(
            f"SMAP/MSL channel {channel!r} is not of the form <letter>-<number>")):
        smap_msl.load(channel, str(data_dir))


def test_missing_files_name_the_path_and_the_source(layout, tmp_path_factory):
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(DataFileNotFoundError) as caught:
        smap_msl.load("A-2", str(empty))
    message = str(caught.value)
    assert str(empty / "smap_msl" / "labeled_anomalies.csv") in message
    assert "https://github.com/khundman/telemanom (labeled_anomalies.csv)" in message
    with pytest.raises(DataFileNotFoundError):
        smap_msl.channels(str(empty))
    data_dir, _ = layout
    with pytest.raises(DataFileNotFoundError) as caught:
        smap_msl.load("P-2", str(data_dir))  # a row, no arrays
    message = str(caught.value)
    assert str(data_dir / "smap_msl" / "train" / "P-2.npy") in message
    assert "https://github.com/khundman/telemanom (data.zip" in message


@pytest.mark.parametrize("ranges, message", [
    ([[110, 120]], "the range [110, 120] of A-2 lies outside its test series of 120 points; "
                   "expected 0 <= start <= end <= 119"),
    ([[-1, 5]], "the range [-1, 5] of A-2 lies outside"),
    ([[30, 20]], "the range [30, 20] of A-2 lies outside"),
    ([[1, 2, 3]], "anomaly_sequences of A-2 is '[[1, 2, 3]]'; expected a list of [start, end]"),
    ("[[1, 2]", "anomaly_sequences of A-2 is '[[1, 2]'; expected a list of [start, end]"),
])
def test_a_bad_range_is_an_error(tmp_path, ranges, message):
    write_smap_msl(tmp_path, rows=[("A-2", "SMAP", ranges, 5)])
    with pytest.raises(DatasetError, match=re.escape(message)):
        smap_msl.load("A-2", str(tmp_path), **OPTIONS)


def test_train_and_test_with_different_columns_is_an_error(tmp_path):
    write_smap_msl(tmp_path, rows=[("A-2", "SMAP", [[1, 2]], 5)],
                   arrays={"A-2": (series(N_TRAIN, 5), series(N_TEST, 6))})
    with pytest.raises(DatasetError, match=r"A-2: \S+train/A-2.npy has 5 columns but "
                                           r"\S+test/A-2.npy has 6; expected the same"):
        smap_msl.load("A-2", str(tmp_path), **OPTIONS)


def test_a_test_length_other_than_num_values_is_an_error(tmp_path):
    write_smap_msl(tmp_path, rows=[("A-2", "SMAP", [[1, 2]], 5)],
                   arrays={"A-2": (series(N_TRAIN, 5), series(N_TEST - 1, 5))})
    with pytest.raises(DatasetError, match=r"num_values of A-2 is 120, but \S+test/A-2.npy "
                                           r"holds 119 points"):
        smap_msl.load("A-2", str(tmp_path), **OPTIONS)


def test_rows_that_disagree_on_the_spacecraft_are_an_error(tmp_path):
    write_smap_msl(tmp_path, rows=[("A-2", "SMAP", [[1, 2]], 5), ("A-2", "MSL", [[4, 5]], 5)])
    with pytest.raises(DatasetError, match=re.escape(
            "the rows of A-2 disagree on spacecraft (SMAP, MSL)")):
        smap_msl.load("A-2", str(tmp_path), **OPTIONS)


def test_bad_arrays_are_errors_naming_the_file(tmp_path):
    train = series(N_TRAIN, 5)
    train[42, 3] = np.nan
    write_smap_msl(tmp_path, rows=[("A-2", "SMAP", [[1, 2]], 5)],
                   arrays={"A-2": (train, series(N_TEST, 5))})
    with pytest.raises(DatasetError, match=r"train/A-2.npy: row 42 holds a missing"):
        smap_msl.load("A-2", str(tmp_path), **OPTIONS)
    np.save(tmp_path / "train" / "A-2.npy", np.zeros(N_TRAIN))
    with pytest.raises(DatasetError, match=r"train/A-2.npy: an array of shape \[100\] and type "
                                           r"float64; expected numbers \[time, features\]"):
        smap_msl.load("A-2", str(tmp_path), **OPTIONS)
    (tmp_path / "train" / "A-2.npy").write_text("not an array")
    with pytest.raises(DatasetError, match=r"train/A-2.npy: not a readable .npy file"):
        smap_msl.load("A-2", str(tmp_path), **OPTIONS)


def test_bad_options_and_short_parts_are_errors(layout):
    data_dir, _ = layout
    with pytest.raises(DatasetError, match="val_fraction must be a fraction between 0 and 1"):
        smap_msl.load("A-2", str(data_dir), val_fraction=1.0)
    with pytest.raises(DatasetError, match=r"the val part \(10 points\) is shorter than one "
                                           r"window of 60"):
        smap_msl.load("A-2", str(data_dir))
    with pytest.raises(DatasetError, match="window must be a positive integer"):
        smap_msl.load("A-2", str(data_dir), window=0)


def test_the_series_models_take_the_multivariate_windows(layout):
    import zoo  # noqa: PLC0415 (TensorFlow, for this test only)

    data_dir, _ = layout
    ds = smap_msl.load("M-6", str(data_dir), **OPTIONS)
    windows = ds.examples("test", stride=10)[0][:3]
    tanogan = zoo.get("tanogan").for_dataset(ds, inversion_steps=2)
    assert tanogan.example_shape == (10, 7) and tanogan.n_features == 7
    assert tanogan.latent_dim == 7  # z has as many features per step as the series
    assert tanogan.generator(tanogan.sample_noise(2)).shape == (2, 10, 7)
    gru_vae = zoo.get("gru_vae_series").for_dataset(ds)
    assert gru_vae.example_shape == (10, 7) and gru_vae.n_features == 7
    for model in (tanogan, gru_vae):
        scores = np.asarray(model.score(windows))
        assert scores.shape == (3,) and np.isfinite(scores).all()


def test_the_first_shared_channels_of_each_spacecraft_match_the_csv(shared_data):
    root = shared_data / "smap_msl"
    if not (root / "labeled_anomalies.csv").is_file():
        pytest.skip(f"SMAP/MSL not found under {shared_data}")
    table = pd.read_csv(root / "labeled_anomalies.csv")
    features = {"SMAP": 25, "MSL": 55}
    for craft, n_features in features.items():
        first = smap_msl.channels(str(shared_data), spacecraft=craft)[:10]
        in_file_order = list(dict.fromkeys(table.loc[table.spacecraft == craft, "chan_id"]))
        assert first == [c for c in in_file_order if (root / "test" / f"{c}.npy").is_file()][:10]
        for channel in first:
            ds = datasets.load(f"smap-msl:{channel}", data_dir=str(shared_data))
            rows = table[table.chan_id == channel]
            assert ds.meta["spacecraft"] == craft and ds.example_shape == (60, n_features)
            assert len(ds.test) == int(rows.num_values.iloc[0]), channel
            assert len(ds.train) + len(ds.val) == len(np.load(root / "train" / f"{channel}.npy"))
            assert len(ds.val) == round(0.1 * (len(ds.train) + len(ds.val))), channel
            expected = np.zeros(len(ds.test), dtype=np.int8)
            for text in rows.anomaly_sequences:
                for start, end in json.loads(text):
                    expected[start:end + 1] = 1
            np.testing.assert_array_equal(ds.test.y, expected, err_msg=channel)
            assert ds.train.y.sum() == 0 and ds.val.y.sum() == 0
            assert np.isfinite(ds.test.x).all(), channel
