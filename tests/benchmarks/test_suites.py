"""The time-series suites: which series TAnoGAN's ensemble is judged on (on a tiny NAB layout
made here), the sections and leaderboard rows from hand-made caches, and the first-run model
against the NAB suite's cached runs."""

import json

import numpy as np
import pandas as pd
import pytest

import zoo
from benchmarks import protocols
from benchmarks.harness import Results, load_results
from benchmarks.protocols import nab, suites

N_POINTS = 800


def write_series(root, windows: dict[str, list[int]]) -> None:
    """NAB's layout under `root`: one hourly series per key, anomalous over its [first, last]
    points (an empty list: no anomaly)."""
    timestamps = pd.date_range("2020-01-01", periods=N_POINTS, freq="h").strftime(
        "%Y-%m-%d %H:%M:%S")
    labels = {}
    for key, points in windows.items():
        path = root / "nab" / "data" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"timestamp": timestamps,
                      "value": np.sin(np.arange(N_POINTS) / 5.0)}).to_csv(path, index=False)
        labels[key] = [[f"{timestamps[p]}.000000" for p in points]] if points else []
    (root / "nab" / "labels").mkdir(exist_ok=True)
    (root / "nab" / "labels" / "combined_windows.json").write_text(json.dumps(labels))


def test_the_ensemble_runs_on_the_papers_series_then_the_suites_first_five_others(tmp_path):
    paper = nab.SERIES.removeprefix("nab:")
    in_test, in_train = [600, 609], [10, 20]  # the test part is the last 50% of the points
    others = {f"artificial/s{k}.csv": in_test for k in range(7)}
    others["artificial/s1.csv"] = in_train  # no test anomaly: not in the suite
    write_series(tmp_path, {**others, paper: in_test})
    assert suites.ensemble_units({}, str(tmp_path)) == [
        paper, "artificial/s0.csv", "artificial/s2.csv", "artificial/s3.csv",
        "artificial/s4.csv", "artificial/s5.csv"]


def test_the_ensemble_section_and_leaderboard_render_from_a_tiny_cache():
    protocol = protocols.get("ensembles-nab")
    aurocs = {"tanogan": {"a.csv": (0.5, 0.7), "b.csv": (0.6, 0.6)},
              "tanogan_ensemble": {"a.csv": (0.7, 0.7), "b.csv": (0.7, 0.8)},
              "IsolationForest": {"a.csv": (0.9, 0.9), "b.csv": (0.5, 0.5)},
              "PCA": {"a.csv": (0.4, 0.4), "b.csv": (0.4, 0.4)}}
    records = {f"{m}/{seed}/{unit}": {
        "rows": {m: {"auroc": v, "auprc": v / 2, "vus_pr": v / 2, "vus_roc": v}},
        "machine": "m", "date": "2026-01-01", "seconds": 1.0}
        for m, units in aurocs.items() for unit, pair in units.items()
        for seed, v in enumerate(pair)}
    results = Results(protocol, records)
    text = "\n".join(protocol.section(results))
    assert ("- tanogan_ensemble against tanogan (AUROC, 2 series, 2 seeds): mean 0.725 against "
            "0.600, above (higher on 2 of the 2 series); seed std 0.025 against 0.050, "
            "smaller.") in text
    assert "| a.csv | 0.600 / 0.300 / 0.300 | 0.700 / 0.350 / 0.350 |" in text
    assert "Slowest model: tanogan, 0.0 minutes a run on average (4 runs, 0.00 hours in all) on m." in (
        text)  # every run took 1 s: the first of the slowest
    (entry,) = protocol.leaderboard(results)
    assert (entry.model, entry.baseline_name, entry.count_of) == (
        "tanogan_ensemble", "IsolationForest", "series")
    assert entry.ours == pytest.approx([0.7, 0.75])
    assert entry.why == "TAnoGAN alone, same series and seeds: mean AUROC 0.600."


def test_the_telemetry_leaderboard_counts_channels_beside_the_better_baseline():
    protocol = protocols.get("smap-msl-suite")
    aurocs = {"tanogan": {"S-1": 0.8, "M-6": 0.6}, "IsolationForest": {"S-1": 0.5, "M-6": 0.5},
              "PCA": {"S-1": 0.7, "M-6": 0.6, "E-2": 0.9}}
    records = {f"{m}/0/{unit}": {"rows": {m: {"auroc": v}}, "seconds": 1.0}
               for m, units in aurocs.items() for unit, v in units.items()}
    (entry,) = protocol.leaderboard(Results(protocol, records))
    assert (entry.task, entry.count_of, entry.baseline_name) == (
        "SMAP and MSL (2 channels)", "channels", "PCA")
    assert entry.baseline == pytest.approx([0.7, 0.6])
    assert entry.command.startswith("python train.py --model tanogan --dataset smap-msl:S-1 ")


def test_the_first_run_trains_the_model_the_complete_nab_suite_ranks_first():
    results = load_results(protocols.get("nab-suite"))
    series = {method: suites.unit_means(results, method, "auroc")
              for method in (*suites.MODELS, suites.FOREST)}
    for model in suites.MODELS:
        assert series[model].keys() == series[suites.FOREST].keys(), (
            f"{model} has not run on every series of the NAB suite")
    first = max(suites.MODELS, key=lambda model: np.mean(list(series[model].values())))
    assert zoo.DEFAULT == first
