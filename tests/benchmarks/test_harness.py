"""The benchmark harness: runs cached per (method, seed, unit), resumed, published from the cache."""

from __future__ import annotations

import dataclasses
import json

import pytest

from benchmarks import __main__ as cli
from benchmarks import documents, harness, protocols
from benchmarks.harness import BenchmarkError, Entry, Protocol, Results


def counting_protocol(calls: list[str], fail_on: str | None = None) -> Protocol:
    """A protocol whose run records its call and scores seed + unit number; no training."""

    def run(trial: harness.Trial) -> dict:
        calls.append(trial.key)
        if trial.key == fail_on:
            raise KeyboardInterrupt  # a suite stopped part way
        value = 0.1 * trial.seed + int(trial.unit[-1]) / 100
        return {"rows": {trial.method: {"auroc": value}}}

    def section(results: Results) -> list[str]:
        return [f"| {m} | {harness.mean_std(results.values(m, m, 'auroc', 'u1'))} |"
                for m in results.methods()]

    def leaderboard(results: Results) -> list[Entry]:
        return [Entry(model="model", task="toy", metric="AUROC",
                      ours=results.values("model", "model", "auroc", "u1"),
                      baseline_name="IsolationForest",
                      baseline=results.values("IsolationForest", "IsolationForest", "auroc",
                                              "u1"),
                      paper=0.5, command="python train.py --model model")]

    return Protocol(name="toy", title="Toy", group="Toys", methods=("model", "IsolationForest"),
                    run=run, section=section, settings={"epochs": 2}, seeds=(0, 1),
                    units=lambda settings, data_dir: ["u1", "u2"], leaderboard=leaderboard)


@pytest.fixture(autouse=True)
def no_tensorflow_machine(monkeypatch):
    monkeypatch.setattr(harness, "machine", lambda: "test machine")


def test_a_stopped_run_resumes_with_only_what_the_cache_lacks(tmp_path):
    calls: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        harness.run(counting_protocol(calls, fail_on="model/1/u1"), results_dir=tmp_path)
    assert calls == ["model/0/u1", "IsolationForest/0/u1", "model/1/u1"]
    stored = json.loads((tmp_path / "toy.json").read_text())
    assert list(stored["records"]) == ["model/0/u1", "IsolationForest/0/u1"]
    assert stored["records"]["model/0/u1"]["machine"] == "test machine"

    calls.clear()
    results = harness.run(counting_protocol(calls), results_dir=tmp_path)
    assert calls == ["model/1/u1", "IsolationForest/1/u1", "model/0/u2",
                     "IsolationForest/0/u2", "model/1/u2", "IsolationForest/1/u2"]
    assert results.values("model", "model", "auroc", "u2") == pytest.approx([0.02, 0.12])
    calls.clear()
    harness.run(counting_protocol(calls), results_dir=tmp_path)
    assert calls == []
    harness.run(counting_protocol(calls), methods=["model"], seeds=[0], units=["u2"],
                results_dir=tmp_path, rerun=True)
    assert calls == ["model/0/u2"]


def test_other_settings_are_an_experiment_cached_outside_the_docs(tmp_path, monkeypatch):
    monkeypatch.setenv(harness.CACHE_ENV, str(tmp_path / "experiments"))
    calls: list[str] = []
    protocol = counting_protocol(calls)
    harness.run(protocol, methods=["model"], seeds=[0], units=["u1"], overrides={"epochs": 1},
                results_dir=tmp_path / "docs")
    assert not (tmp_path / "docs").exists()
    [path] = (tmp_path / "experiments").iterdir()
    assert path.name.startswith("toy-")
    assert json.loads(path.read_text())["settings"] == {"epochs": 1}


def test_a_cache_of_other_settings_is_never_mixed_in(tmp_path):
    (tmp_path / "toy.json").write_text(json.dumps({"protocol": "toy", "settings": {"epochs": 9},
                                                   "records": {}}))
    with pytest.raises(BenchmarkError, match="holds runs with settings"):
        harness.run(counting_protocol([]), results_dir=tmp_path)


@pytest.mark.parametrize("arguments, message", [
    ({"methods": ["nope"]}, "no method nope; its methods: model, IsolationForest"),
    ({"units": ["u9"]}, "no unit u9; its units: u1, u2"),
    ({"overrides": {"lr": 1}}, "no setting lr; its settings: epochs"),
])
def test_bad_choices_are_named(tmp_path, arguments, message):
    with pytest.raises(BenchmarkError, match=message):
        harness.run(counting_protocol([]), results_dir=tmp_path, **arguments)


def test_a_protocol_that_finds_no_data_says_so_rather_than_running_nothing(tmp_path):
    empty = dataclasses.replace(counting_protocol([]), units=lambda settings, data_dir: [])
    with pytest.raises(BenchmarkError, match="found no data to run on .data folder: /nowhere"):
        harness.run(empty, data_dir="/nowhere", results_dir=tmp_path)


def test_documents_are_built_from_the_cache_alone(tmp_path):
    harness.run(counting_protocol([]), results_dir=tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{documents.GLANCE_BEGIN}\nold\n{documents.GLANCE_END}\nrest\n")
    documents.publish([counting_protocol([])], results_dir=tmp_path, docs=tmp_path,
                      readme=readme)
    results_md = (tmp_path / "RESULTS.md").read_text()
    assert "## Toys" in results_md and "### Toy" in results_md
    assert "`python -m benchmarks run toy`; seeds [0, 1]; epochs 2" in results_md
    assert "| model | 0.060 ± 0.050 |" in results_md  # 0.01 and 0.11 on u1
    board = (tmp_path / "LEADERBOARD.md").read_text()
    # ours: 0.01 and 0.11 over seeds; the paper's 0.5 is far above; IsolationForest is the same
    assert "| model | toy | AUROC | 0.500 | 0.060 ± 0.050 (2 seeds) | IsolationForest 0.060 |" \
        in board
    assert "below the paper by 0.44; level with IsolationForest within our spread of 0.05." \
        in board
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("rest\n") and "old" not in text
    assert "| model | toy | AUROC 0.060 | IsolationForest 0.060 |" in text


@pytest.mark.parametrize("ours, baseline, words", [
    ([0.90, 0.92], [0.80], "reproduced; above IsolationForest by 0.11 F1"),
    ([0.6, 1.0], [0.8], "reproduced within our spread of 0.20; level with IsolationForest "
                        "within our spread of 0.20"),
    ([0.60], [0.95], "below the paper by 0.31; below IsolationForest by 0.35 F1"),
])
def test_verdicts_say_how_far_and_from_what(ours, baseline, words):
    entry = Entry(model="m", task="t", metric="F1", ours=ours, baseline_name="IsolationForest",
                  baseline=baseline, paper=0.91, command="")
    assert documents.verdict(entry) == words


def test_a_paper_figure_that_does_not_compare_is_said_so():
    entry = Entry(model="m", task="t", metric="AUROC", ours=[0.7], baseline_name="PCA",
                  baseline=[0.7], paper_note="paper's metric not comparable", command="")
    assert documents.verdict(entry) == "paper's metric not comparable; level with PCA"


def test_every_registered_protocol_is_reachable_from_the_command_line(capsys):
    assert cli.main(["list"]) == 0
    listed = capsys.readouterr().out
    for name in protocols.names():
        assert f"{name}: {protocols.get(name).title}" in listed
    with pytest.raises(BenchmarkError, match="unknown protocol 'nope'"):
        protocols.get("nope")


def test_settings_on_the_command_line_parse_as_json_values():
    assert cli.parse_setting("epochs=3") == ("epochs", 3)
    assert cli.parse_setting("series=[1, 2]") == ("series", [1, 2])
    assert cli.parse_setting("mode=paper") == ("mode", "paper")


def test_a_missing_data_folder_is_one_line_naming_it(capsys):
    assert cli.main(["run", "nab-suite", "--data-dir", "/nowhere"]) == 2
    assert "error:" in capsys.readouterr().err


def test_ensemble_claims_compare_unit_means_and_seed_spreads_over_shared_units():
    values = {("ens", "u1"): (0.8, 0.8), ("ens", "u2"): (0.6, 0.7), ("ens", "u3"): (0.9, 0.9),
              ("one", "u1"): (0.5, 0.9), ("one", "u2"): (0.7, 0.7)}
    records = {f"{m}/{seed}/{u}": {"rows": {m: {"auroc": v}}}
               for (m, u), pair in values.items() for seed, v in enumerate(pair)}
    results = Results(counting_protocol([]), records)
    # u3 is the ensemble's alone; means (0.8 + 0.65) / 2 and (0.7 + 0.7) / 2; spreads
    # (0 + 0.05) / 2 and (0.2 + 0) / 2.
    assert harness.ensemble_claims(results, "ens", "one", "auroc", "AUROC", "series") == (
        "ens against one (AUROC, 2 series, 2 seeds): mean 0.725 against 0.700, above (higher "
        "on 1 of the 2 series); seed std 0.025 against 0.100, smaller.")
    assert harness.ensemble_claims(results, "one", "ens", "auroc", "AUROC").endswith(
        "not above (higher on 1 of the 2 units); seed std 0.100 against 0.025, not smaller.")
    assert harness.ensemble_claims(results, "ens", "other", "auroc", "AUROC") == (
        "ens and other share no run yet.")
