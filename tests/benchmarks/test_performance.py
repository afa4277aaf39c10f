"""benchmarks/protocols/performance.py: its sections from hand-made caches, and the ensemble
cost measured on a tiny table of rows."""

import numpy as np

from benchmarks import harness, protocols
from benchmarks.harness import Results
from benchmarks.protocols import performance


def test_the_section_shows_each_policy_and_the_memory_growth_per_point():
    protocol = performance.PROTOCOLS[0]
    facts = {"machine": "x86_64, 2 cores, no GPU", "date": "2020-01-01"}
    records = {"tanogan/0/float32": {"rows": {"float32": {"train_steps_per_s": 14.42,
                                                          "inversion_windows_per_s": 24.4}},
                                     **facts}}
    for points, seconds, peak in ((100_000, 10.0, 1000.0), (1_000_000, 80.0, 1100.0)):
        unit = performance.long_unit(points)
        records[f"tanogan/0/{unit}"] = {"rows": {unit: {"points": points, "seconds": seconds,
                                                        "peak_rss_mib": peak}}, **facts}
    lines = harness.section_markdown(Results(protocol, records))
    assert "| this CPU | float32 | 14.4 | 24.4 |" in lines
    assert "| GPU | any | not measured | not measured |" in lines
    assert "| 1,000,000 | 80.0 | 12,500 | 1100 |" in lines
    assert any("the peak grew by 100 MiB, 117 bytes per point" in line for line in lines)


def test_the_ensemble_cost_section_gives_each_ratio_to_the_single_model():
    protocol = protocols.get("ensemble-cost")
    row = {"egbad": {"train_steps_per_s": 30.0, "score_examples_per_s": 900.0},
           "egbad_ensemble": {"train_steps_per_s": 20.0, "score_examples_per_s": 100.0}}
    results = Results(protocol, {"egbad/0/all": {"rows": row, "machine": "m", "date": "d"}})
    assert "| egbad | kdd99 | 30.0 | 20.0 | 1.5× | 900.0 | 100.0 | 9.0× |" in (
        protocol.section(results))


def test_the_ensemble_cost_is_measured_in_a_fresh_process(tmp_path, monkeypatch):
    rows = np.random.default_rng(0).normal(size=(80, 4))
    path = tmp_path / "rows.csv"
    np.savetxt(path, rows, delimiter=",", header="a,b,c,d", comments="")
    monkeypatch.setitem(performance.ENSEMBLE_DATA, "egbad", (f"table:{path}", {}))
    trial = harness.Trial("ensemble-cost", "egbad", 0, harness.WHOLE,
                          {"batch_size": 8, "steps": 2, "rounds": 2, "score_examples": 16})
    measured = performance.run_ensemble_cost(trial)["rows"]
    assert set(measured) == {"egbad", "egbad_ensemble"}
    for speeds in measured.values():
        assert speeds["train_steps_per_s"] > 0 and speeds["score_examples_per_s"] > 0
