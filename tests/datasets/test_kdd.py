"""datasets.kdd (KDD Cup 99 under ALAD's protocol, NSL-KDD) on tiny files and the shared data."""

import gzip
import re

import numpy as np
import pandas as pd
import pytest

import datasets
from datasets import kdd
from datasets.base import DataFileNotFoundError, DatasetError

PROTOCOLS = ("tcp", "udp", "icmp")
SERVICES = ("http", "smtp", "ftp", "domain_u")
FLAGS = ("SF", "REJ")


def record(index, label, *, service=None, is_host_login=0):
    """41 features with `duration` = `index` (to tell records apart), then `label`."""
    features = {name: "0" for name in kdd.FEATURES}
    features.update(duration=str(index), protocol_type=PROTOCOLS[index % 3],
                    service=service or SERVICES[index % 4], flag=FLAGS[index % 2],
                    land="0", logged_in=str(index % 2), is_host_login=str(is_host_login),
                    is_guest_login="0", src_bytes=str(100 * index), same_srv_rate="0.50")
    return [features[name] for name in kdd.FEATURES] + [label]


def write_gz(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as stream:
        stream.writelines(",".join(row) + "\n" for row in rows)
    return path


def kdd99_label(index):
    return "normal." if index % 5 == 0 else ("smurf." if index % 2 else "neptune.")


@pytest.fixture
def tiny_kdd99(tmp_path):
    """40 records, every 5th `normal.`, in <tmp>/kddcup99/kddcup.data_10_percent.gz."""
    write_gz(tmp_path / "kddcup99" / "kddcup.data_10_percent.gz",
             [record(i, kdd99_label(i)) for i in range(40)])
    return tmp_path


def test_kdd99_follows_alads_halving_and_makes_normal_the_anomaly(tiny_kdd99):
    ds = kdd.load_kdd99(None, str(tiny_kdd99))
    # ALAD: sample(frac=0.5, random_state=42) picks the first half; it depends only on the length
    first_half = set(pd.DataFrame(index=range(40)).sample(frac=0.5, random_state=42).index)
    second_half = sorted(set(range(40)) - first_half)
    np.testing.assert_array_equal(ds.test.x[:, 0], second_half)  # duration = record index
    np.testing.assert_array_equal(ds.test.y, [kdd99_label(i) == "normal." for i in second_half])
    trained = np.concatenate([ds.train.x[:, 0], ds.val.x[:, 0]]).astype(int)
    assert sorted(trained) == sorted(i for i in first_half if kdd99_label(i) != "normal.")
    assert len(ds.val) == round(0.1 * len(trained))
    assert ds.train.y.sum() == 0 and ds.val.y.sum() == 0
    assert ds.kind == "tabular" and ds.train.x.dtype == np.float32


def test_kdd99_one_hot_encodes_the_seven_categorical_features(tiny_kdd99):
    ds = kdd.load_kdd99(None, str(tiny_kdd99))
    names = ds.meta["feature_names"]
    # 34 numeric + protocol 3 + service 4 + flag 2 + land 1 + logged_in 2 + host 1 + guest 1
    assert len(names) == ds.train.x.shape[1] == 48
    assert names[:2] == ["duration", "src_bytes"]
    assert names[34:37] == ["protocol_type=icmp", "protocol_type=tcp", "protocol_type=udp"]
    one_hot = ds.test.x[:, 34:]
    np.testing.assert_array_equal(one_hot.sum(axis=1), 7)  # one 1 per categorical feature
    row = ds.test.x[0]
    index = int(row[0])
    assert row[names.index(f"service={SERVICES[index % 4]}")] == 1
    assert row[names.index("src_bytes")] == 100 * index  # raw, not normalised
    assert ds.meta["scaling"]["max"][0] == ds.train.x[:, 0].max()


def test_kdd99_corrected_encodes_unseen_categories_as_zeros(tiny_kdd99):
    write_gz(tiny_kdd99 / "kddcup99" / "corrected.gz",
             [record(100, "normal.", service="icmp", is_host_login=1),
              record(101, "snmpgetattack.")])
    ds = kdd.load_kdd99(None, str(tiny_kdd99), test_file="corrected")
    names = ds.meta["feature_names"]
    services = [i for i, name in enumerate(names) if name.startswith("service=")]
    np.testing.assert_array_equal(ds.test.x[0, services], 0)
    assert ds.test.x[0, names.index("is_host_login=0")] == 0
    assert ds.test.x[1, services].sum() == 1
    np.testing.assert_array_equal(ds.test.y, [1, 0])
    assert ds.meta["source"][-1].endswith("corrected.gz")


def test_the_val_hold_out_follows_the_seed(tiny_kdd99):
    one = kdd.load_kdd99(None, str(tiny_kdd99), seed=1)
    again = kdd.load_kdd99(None, str(tiny_kdd99), seed=1)
    other = kdd.load_kdd99(None, str(tiny_kdd99), seed=2)
    np.testing.assert_array_equal(one.val.x, again.val.x)
    assert not np.array_equal(one.val.x[:, 0], other.val.x[:, 0])
    np.testing.assert_array_equal(one.test.x, other.test.x)  # the halving is fixed, as ALAD


@pytest.mark.parametrize("options, message", [
    ({"test_file": "KDDTest+"}, "kdd99 test_file must be None or 'corrected', got 'KDDTest+'"),
    ({"val_fraction": 1.5}, "val_fraction must be a fraction between 0 and 1"),
])
def test_kdd99_refuses_bad_options(tiny_kdd99, options, message):
    with pytest.raises(DatasetError, match=re.escape(message)):
        kdd.load_kdd99(None, str(tiny_kdd99), **options)


def test_a_missing_file_names_the_path_and_the_source(tmp_path):
    with pytest.raises(DataFileNotFoundError) as caught:
        datasets.load("kdd99", data_dir=str(tmp_path))
    assert str(tmp_path / "kddcup99" / "kddcup.data_10_percent.gz") in str(caught.value)
    assert "kdd.ics.uci.edu" in str(caught.value)
    with pytest.raises(DataFileNotFoundError, match="KDDTrain"):
        datasets.load("nsl-kdd", data_dir=str(tmp_path))


@pytest.mark.parametrize("line, message", [
    ("0,tcp,http,SF,1,2,normal.", "line 4: missing fields; expected 42 comma-separated fields"),
    (",".join(record(3, "normal.") + ["extra"]), "Expected 42 fields in line 4, saw 43"),
])
def test_a_malformed_line_is_named(tmp_path, line, message):
    rows = [",".join(record(i, kdd99_label(i))) for i in range(6)]
    rows[3] = line
    path = tmp_path / "kddcup99" / "kddcup.data_10_percent.gz"
    path.parent.mkdir()
    with gzip.open(path, "wt") as stream:
        stream.write("\n".join(rows) + "\n")
    with pytest.raises(DatasetError, match=re.escape(message)) as caught:
        kdd.load_kdd99(None, str(tmp_path))
    assert str(path) in str(caught.value)


def test_a_non_numeric_feature_names_the_row(tmp_path):
    rows = [record(i, kdd99_label(i)) for i in range(6)]
    rows[2][kdd.FEATURES.index("src_bytes")] = "lots"
    write_gz(tmp_path / "kddcup99" / "kddcup.data_10_percent.gz", rows)
    with pytest.raises(DatasetError, match="kddcup.data_10_percent.gz: row 2 holds a missing"):
        kdd.load_kdd99(None, str(tmp_path))


def nsl_record(index, label):
    return record(index, label) + [str(index % 22)]


@pytest.fixture
def tiny_nsl(tmp_path):
    folder = tmp_path / "nsl_kdd"
    write_gz(folder / "KDDTrain+.txt.gz",
             [nsl_record(i, "normal" if i % 3 else "neptune") for i in range(30)])
    test_rows = [nsl_record(100 + i, "normal" if i % 2 else "smurf") for i in range(6)]
    test_rows[0][kdd.FEATURES.index("service")] = "unseen_service"
    write_gz(folder / "KDDTest+.txt.gz", test_rows)
    write_gz(folder / "KDDTest-21.txt.gz", test_rows[:3])
    return tmp_path


def test_nsl_kdd_trains_on_normal_records_and_counts_the_attacks_left_out(tiny_nsl):
    ds = datasets.load("nsl-kdd", data_dir=str(tiny_nsl))
    normal = [i for i in range(30) if i % 3]
    assert sorted(np.concatenate([ds.train.x[:, 0], ds.val.x[:, 0]]).astype(int)) == normal
    assert len(ds.val) == 2 and ds.meta["train_anomalies"] == 10
    np.testing.assert_array_equal(ds.test.y, [1, 0, 1, 0, 1, 0])
    names = ds.meta["feature_names"]
    assert len(names) == 38 + 3 + 4 + 2 and "land" in names and "logged_in" in names
    services = [i for i, name in enumerate(names) if name.startswith("service=")]
    np.testing.assert_array_equal(ds.test.x[:, services].sum(axis=1), [0, 1, 1, 1, 1, 1])
    assert "difficulty" not in names


def test_nsl_kdd_can_test_on_kddtest_21(tiny_nsl):
    ds = kdd.load_nsl_kdd(None, str(tiny_nsl), test_file="KDDTest-21")
    assert len(ds.test) == 3 and ds.meta["source"][1].endswith("KDDTest-21.txt.gz")
    with pytest.raises(DatasetError, match="test_file must be one of KDDTest\\+, KDDTest-21"):
        kdd.load_nsl_kdd(None, str(tiny_nsl), test_file="KDDTest")


def test_shared_kdd99_matches_alads_121_features_and_the_source_counts(shared_data):
    ds = kdd.load_kdd99(None, str(shared_data))
    assert ds.train.x.shape == (178525, 121) and ds.val.x.shape == (19836, 121)
    assert ds.test.x.shape == (247011, 121)
    assert ds.train.y.sum() == 0 and ds.val.y.sum() == 0
    first_half_normals = 247010 - len(ds.train) - len(ds.val)
    assert int(ds.test.y.sum()) + first_half_normals == 97278  # every `normal.` of the file
    assert ds.test.y.mean() == pytest.approx(0.1969, abs=1e-4)
    names = ds.meta["feature_names"]
    assert sum(name.startswith("service=") for name in names) == 66
    assert {"is_host_login=0", "land=1", "flag=SF"} <= set(names)
    assert all(np.isfinite(split.x).all() for split in (ds.train, ds.val, ds.test))


def test_shared_kdd99_corrected_test_set(shared_data):
    ds = kdd.load_kdd99(None, str(shared_data), test_file="corrected")
    assert ds.test.x.shape == (311029, 121)
    assert int(ds.test.y.sum()) == 60593
    assert np.isfinite(ds.test.x).all()


def test_shared_nsl_kdd_matches_the_source_counts(shared_data):
    ds = kdd.load_nsl_kdd(None, str(shared_data))
    assert len(ds.train) + len(ds.val) == 67343 and len(ds.val) == 6734
    assert ds.meta["train_anomalies"] == 58630
    assert ds.test.x.shape == (22544, 122) and int(ds.test.y.sum()) == 12833
    assert all(np.isfinite(split.x).all() for split in (ds.train, ds.val, ds.test))
    hard = kdd.load_nsl_kdd(None, str(shared_data), test_file="KDDTest-21")
    assert len(hard.test) == 11850 and int(hard.test.y.sum()) == 9698


def test_nsl_kdd_adds_a_seeded_sample_of_training_attacks_as_known_anomalies(tiny_nsl):
    ds = kdd.load_nsl_kdd(None, str(tiny_nsl), known_anomaly_fraction=0.2)
    # 20 normal records: 2 to val, 18 to train; 0.2 of 18 = 3.6 -> 4 of the 10 neptune records
    assert len(ds.train) == 22 and ds.train.known.sum() == 4
    np.testing.assert_array_equal(ds.train.known, ds.train.y)
    known_rows = ds.train.x[ds.train.known == 1, 0].astype(int)  # duration = record index
    assert all(i % 3 == 0 for i in known_rows)  # every third record is a neptune attack
    assert ds.val.y.sum() == 0 and ds.val.known is None and ds.test.known is None
    assert ds.meta["known_anomalies"] == 4 and ds.meta["known_attack_types"] == ["neptune"]
    assert ds.meta["held_out_attack_types"] == ["smurf"]  # in KDDTest+ only
    assert ds.meta["test_attack_counts"] == {"smurf": 3}  # test records 0, 2 and 4
    assert "held out of training: smurf" in ds.meta["notes"]
    assert ds.meta["scaling"]["max"][0] == ds.train.x[:, 0].max()  # fitted with them
    again = kdd.load_nsl_kdd(None, str(tiny_nsl), known_anomaly_fraction=0.2)
    np.testing.assert_array_equal(again.train.x, ds.train.x)
    others = [kdd.load_nsl_kdd(None, str(tiny_nsl), known_anomaly_fraction=0.2, seed=s)
              for s in (1, 2, 3)]
    assert any(not np.array_equal(o.train.x[o.train.known == 1], ds.train.x[ds.train.known == 1])
               for o in others)


def test_nsl_kdd_training_attacks_are_encoded_as_the_splits(tiny_nsl):
    ds = kdd.load_nsl_kdd(None, str(tiny_nsl), known_anomaly_fraction=0.2)
    for names in (["dos"], ["neptune"]):
        attacks, types = kdd.training_attacks("nsl-kdd", str(tiny_nsl), names)
        assert set(types) == {"neptune"}
        # duration = record index; every third record of the file is a neptune attack
        assert sorted(attacks[:, 0].astype(int)) == list(range(0, 30, 3))
        assert attacks.shape[1] == ds.train.x.shape[1]
    known = ds.train.x[ds.train.known == 1]
    np.testing.assert_array_equal(known, attacks[np.isin(attacks[:, 0], known[:, 0])])
    with pytest.raises(DatasetError, match=r"no record of KDDTrain\+ is an attack of \['r2l'\]"):
        kdd.training_attacks("nsl-kdd", str(tiny_nsl), ["r2l"])
    with pytest.raises(DatasetError, match="training_attacks knows nsl-kdd and kdd99, got 'x'"):
        kdd.training_attacks("x", str(tiny_nsl), ["dos"])


def test_zero_known_anomalies_still_mark_the_training_rows(tiny_nsl):
    ds = kdd.load_nsl_kdd(None, str(tiny_nsl), known_anomaly_fraction=0.0)
    assert len(ds.train) == 18 and ds.train.known is not None and ds.train.known.sum() == 0
    assert kdd.load_nsl_kdd(None, str(tiny_nsl)).train.known is None  # the default: no marks


@pytest.mark.parametrize("options, message", [
    ({"known_anomaly_fraction": 0.9},
     "known_anomaly_fraction 0.9 asks for 16 known anomalies; the training records hold 10 of "
     "the chosen types (neptune)"),
    ({"known_anomaly_fraction": 0.1, "known_attacks": ["probe"]},
     "hold 0 of the chosen types (none of them occurs)"),
    ({"known_anomaly_fraction": 0.1, "known_attacks": ["nope"]},
     "known_attacks ['nope'] are neither attack categories (dos, probe, r2l, u2r) nor attack "
     "types of the training records (neptune)"),
    ({"known_attacks": ["dos"]}, "known_attacks chooses the types of the known anomalies: give "
                                 "known_anomaly_fraction too"),
    ({"known_anomaly_fraction": -0.1}, "known_anomaly_fraction must be a number >= 0, got -0.1"),
])
def test_bad_known_anomaly_options_are_refused(tiny_nsl, options, message):
    with pytest.raises(DatasetError, match=re.escape(message)):
        kdd.load_nsl_kdd(None, str(tiny_nsl), **options)


@pytest.fixture
def kdd99_with_r2l(tmp_path):
    """200 records: every 5th `normal.`, every 7th other one `guess_passwd.` (r2l), the rest
    smurf/neptune (dos)."""
    def label(i):
        return "guess_passwd." if i % 5 and i % 7 == 0 else kdd99_label(i)

    write_gz(tmp_path / "kddcup99" / "kddcup.data_10_percent.gz",
             [record(i, label(i)) for i in range(200)])
    return tmp_path, label


def test_kdd99_real_classes_train_on_normal_records_with_known_attacks(kdd99_with_r2l):
    folder, label = kdd99_with_r2l
    ds = kdd.load_kdd99(None, str(folder), normal_class="real", known_anomaly_fraction=0.5,
                        known_attacks=["dos"])
    first_half = set(pd.DataFrame(index=range(200)).sample(frac=0.5, random_state=42).index)
    second_half = sorted(set(range(200)) - first_half)
    np.testing.assert_array_equal(ds.test.x[:, 0], second_half)
    np.testing.assert_array_equal(ds.test.y, [label(i) != "normal." for i in second_half])
    rows = ds.train.x[:, 0].astype(int)
    normal_rows = [*rows[ds.train.known == 0], *ds.val.x[:, 0].astype(int)]
    assert sorted(normal_rows) == sorted(i for i in first_half if label(i) == "normal.")
    known_rows = rows[ds.train.known == 1]
    assert len(known_rows) == round(0.5 * (ds.train.known == 0).sum())
    assert all(i in first_half and label(i) in ("smurf.", "neptune.") for i in known_rows)
    assert ds.meta["held_out_attack_types"] == ["guess_passwd"]
    test_labels = [label(i).rstrip(".") for i in second_half if label(i) != "normal."]
    assert ds.meta["test_attack_counts"] == {t: test_labels.count(t) for t in set(test_labels)}
    assert ds.val.y.sum() == 0 and "'normal.' is normal" in ds.meta["notes"]


def test_kdd99_training_attacks_come_from_the_training_half(kdd99_with_r2l):
    folder, label = kdd99_with_r2l
    ds = kdd.load_kdd99(None, str(folder), normal_class="real", known_anomaly_fraction=0.5,
                        known_attacks=["dos"])
    first_half = set(pd.DataFrame(index=range(200)).sample(frac=0.5, random_state=42).index)
    r2l, types = kdd.training_attacks("kdd99", str(folder), ["r2l"])
    assert set(types) == {"guess_passwd"}
    assert sorted(r2l[:, 0].astype(int)) == sorted(
        i for i in first_half if label(i) == "guess_passwd.")
    assert r2l.shape[1] == ds.train.x.shape[1]
    dos, types = kdd.training_attacks("kdd99", str(folder), ["smurf", "neptune"])
    np.testing.assert_array_equal(types, [label(int(i)).rstrip(".") for i in dos[:, 0]])
    known = ds.train.x[ds.train.known == 1]
    np.testing.assert_array_equal(known, dos[np.isin(dos[:, 0], known[:, 0])])
    with pytest.raises(DatasetError, match=r"no record of the first half of the KDD99 10% file "
                                           r"is an attack of \['u2r'\]"):
        kdd.training_attacks("kdd99", str(folder), ["u2r"])


@pytest.mark.parametrize("options, message", [
    ({"normal_class": "inverted"}, "kdd99 normal_class must be one of alad, real, got "
                                   "'inverted'"),
    ({"known_anomaly_fraction": 0.1}, "kdd99 known_anomaly_fraction needs normal_class='real'"),
])
def test_kdd99_refuses_known_anomalies_under_alads_protocol(tiny_kdd99, options, message):
    with pytest.raises(DatasetError, match=re.escape(message)):
        kdd.load_kdd99(None, str(tiny_kdd99), **options)


def test_shared_data_known_anomaly_protocols(shared_data):
    nsl = kdd.load_nsl_kdd(None, str(shared_data), known_anomaly_fraction=0.1, seed=0)
    assert int(nsl.train.known.sum()) == round(0.1 * (len(nsl.train) - nsl.train.known.sum()))
    assert len(nsl.meta["held_out_attack_types"]) == 17  # the types KDDTrain+ lacks
    real = kdd.load_kdd99(None, str(shared_data), normal_class="real",
                          known_anomaly_fraction=0.1, known_attacks=["dos", "probe"], seed=0)
    first_half_normals = 97278 - int((real.test.y == 0).sum())
    assert int((real.train.known == 0).sum()) + len(real.val) == first_half_normals
    assert real.test.y.mean() == pytest.approx(0.8031, abs=1e-4)
    assert set(real.meta["held_out_attack_types"]) <= {
        *kdd.ATTACK_CATEGORIES["r2l"], *kdd.ATTACK_CATEGORIES["u2r"]}
