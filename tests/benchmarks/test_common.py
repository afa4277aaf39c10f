"""What the benchmark scripts share: their records in docs/."""

from benchmarks import common


def test_recorded_runs_come_back_only_for_the_same_settings(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "DOCS", tmp_path)
    monkeypatch.setattr(common, "RESULTS", tmp_path / "RESULTS.md")
    assert common.recorded_runs("bench", {"epochs": 2}) == ({}, "")
    runs = {3: {0: {"kde": 0.5}}}
    common.write_section("bench", "## bench", {"command": "python bench.py",
                                               "args": {"epochs": 2, "seeds": [0]},
                                               "runs": runs})
    # keys come back as strings, as JSON holds them; arguments outside `settings` do not matter
    assert common.recorded_runs("bench", {"epochs": 2}) == ({"3": {"0": {"kde": 0.5}}},
                                                            "python bench.py")
    assert common.recorded_runs("bench", {"epochs": 5}) == ({}, "")
