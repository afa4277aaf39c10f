"""benchmarks/protocols/performance.py: its section from a hand-made cache (no measurement)."""

from benchmarks import harness
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
