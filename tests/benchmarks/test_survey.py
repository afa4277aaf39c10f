"""The survey's protocols: the MNIST protocols give the loaders the digit in the right role (on
scikit-learn's shipped digits, the same one-class split as the mnist loader), and a section
renders from cached runs alone."""

import numpy as np
import pytest

import datasets
from benchmarks import protocols
from benchmarks.harness import Results
from benchmarks.protocols import survey


@pytest.mark.parametrize("role, normal", [("one-anomaly", [0, 1, 2, 4, 5, 6, 7, 8, 9]),
                                          ("one-normal", [3])])
def test_each_protocol_makes_the_experiment_digit_the_class_it_names(role, normal):
    ds = datasets.load("digits", seed=0, **survey.experiment_digits(3, role))
    anomaly = sorted(set(range(10)) - set(normal))
    assert sorted(np.unique(ds.train.classes)) == normal
    assert sorted(np.unique(ds.test.classes[ds.test.y == 0])) == normal
    assert sorted(np.unique(ds.test.classes[ds.test.y == 1])) == anomaly


def test_the_mnist_section_and_leaderboard_come_from_the_cache_alone():
    protocol = protocols.get("mnist-one-normal")
    aurocs = {("ocgan", 0, "0"): 0.9, ("ocgan", 0, "1"): 0.7, ("ocgan", 1, "0"): 0.8,
              ("ocgan", 1, "1"): 0.6, ("KDE", 0, "0"): 0.5, ("KDE", 0, "1"): 0.7,
              ("KDE", 1, "0"): 0.5, ("KDE", 1, "1"): 0.7}
    records = {f"{m}/{s}/{d}": {"rows": {m: {"auroc": v}}, "split": survey.INSIDE_T10K,
                                "machine": "m", "date": "2026-01-01"}
               for (m, s, d), v in aurocs.items()}
    results = Results(protocol, records)
    table = [line for line in protocol.section(results) if line.startswith("| ")]
    assert table == ["| method | 0 | 1 | mean |", "| ocgan | 0.850 | 0.650 | 0.750 ± 0.050 |",
                     "| KDE | 0.500 | 0.700 | 0.600 ± 0.000 |"]
    assert "the test uses those 10k images only" in "\n".join(protocol.section(results))
    (entry,) = protocol.leaderboard(results)
    assert (entry.model, entry.paper, entry.baseline_name) == ("ocgan", 0.981, "KDE")
    assert entry.ours == pytest.approx([0.8, 0.7]) and entry.baseline == pytest.approx([0.6, 0.6])


def test_the_mnist_section_sets_each_ensemble_beside_its_single_model():
    protocol = protocols.get("mnist-one-normal")
    aurocs = {"egbad": (0.6, 0.8), "egbad_ensemble": (0.75, 0.75), "KDE": (0.7, 0.7)}
    records = {f"{m}/{seed}/0": {"rows": {m: {"auroc": v}}, "split": survey.INSIDE_T10K,
                                 "machine": "m", "date": "2026-01-01"}
               for m, pair in aurocs.items() for seed, v in enumerate(pair)}
    results = Results(protocol, records)
    text = "\n".join(protocol.section(results))
    assert ("- egbad_ensemble against egbad (AUROC, 1 digits, 2 seeds): mean 0.750 against "
            "0.700, above; seed std 0.000 against 0.100, smaller.") in text
    entries = {entry.model: entry for entry in protocol.leaderboard(results)}
    assert entries["egbad_ensemble"].why == ("Its single model egbad, same digits and seeds: "
                                             "AUROC 0.700.")
    assert entries["egbad_ensemble"].ours == pytest.approx([0.75, 0.75])


def test_f_anogan_is_anogan_with_its_encoder_trained_as_long_as_the_gan():
    assert survey.train_command("f-anogan_ensemble", "one-normal", 20) == (
        "python train.py --model anogan_ensemble --dataset mnist --dataset-option "
        "'normal_digits=[0]' --epochs 20 --batch-size 64 --set inversion_start=encoder "
        "--set inversion_steps=0 --set encoder_epochs=20")
    assert survey.train_command("egbad", "one-normal", 20).endswith("--batch-size 64")


def test_the_equal_updates_ensemble_trains_members_times_the_epochs_and_patience():
    settings = protocols.get("ensembles-kdd99").settings
    assert survey.alad_training("egbad", settings) == (
        "egbad", settings["epochs"], settings["patience"], {})
    assert survey.alad_training(survey.EQUAL_METHOD, settings) == (
        "egbad_ensemble", 3 * settings["epochs"], 3 * settings["patience"],
        {"n_generators": 3, "n_discriminators": 3})


def test_the_kdd99_ensemble_section_judges_both_ensembles_against_egbad():
    protocol = protocols.get("ensembles-kdd99")
    f1 = {("egbad", "egbad (feature-matching)"): (0.1, 0.3),
          ("egbad_ensemble", "egbad_ensemble"): (0.2, 0.2),
          (survey.EQUAL_METHOD, survey.EQUAL_METHOD): (0.4, 0.8),
          ("IsolationForest", "IsolationForest"): (0.9, 0.9)}
    records = {f"{m}/{seed}/all": {"rows": {row: {"f1": v}}, "notes": "KDD99."}
               for (m, row), pair in f1.items() for seed, v in enumerate(pair)}
    results = Results(protocol, records)
    text = "\n".join(protocol.section(results))
    assert ("- egbad_ensemble against egbad (F1, 2 seeds): mean 0.200 against 0.200, not "
            "above; seed std 0.000 against 0.100, smaller.") in text
    assert ("- egbad_ensemble_equal_updates against egbad (F1, 2 seeds): mean 0.600 against "
            "0.200, above; seed std 0.200 against 0.100, not smaller.") in text
    assert ("- egbad_ensemble_equal_updates against egbad_ensemble (F1, 2 seeds): mean 0.600 "
            "against 0.200, above; seed std 0.200 against 0.000, not smaller.") in text
    (entry,) = protocol.leaderboard(results)
    assert entry.why.endswith("With 3× the epochs (as many updates per member as EGBAD's): "
                              "F1 0.600.")
