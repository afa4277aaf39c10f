"""The NAB protocols' point metrics, and their sections rendered from a tiny hand-made cache."""

import numpy as np
import pytest

from benchmarks import harness
from benchmarks.protocols import nab
from zoo import metrics


def test_point_metrics_score_each_point_by_its_highest_covering_window():
    # 10 points, windows of 4 at stride 3 start at 0, 3 and 6 (the last aligned to the end).
    labels = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 0])
    window_scores = np.array([0.1, 0.2, 0.9])
    # points 0-2: 0.1; 3-5: 0.2; 6-9: 0.9, so both anomalies tie with normal points 6 and 9
    # and rank above the other six: AUROC (2 * 6 + 4 * 0.5) / 16, precision 2 / 4 at recall 1
    values = np.arange(10.0)
    judged = nab.point_metrics(labels, window_scores, stride=3, values=values, window=4)
    assert (judged["auroc"], judged["auprc"]) == pytest.approx((0.875, 0.5))
    points = np.array([0.1] * 3 + [0.2] * 3 + [0.9] * 4)
    vus = metrics.vus(labels, points, max_buffer=metrics.default_buffer(values))
    assert (judged["vus_pr"], judged["vus_roc"]) == (vus["vus_pr"], vus["vus_roc"])


def test_point_metrics_refuse_scores_of_other_windows():
    with pytest.raises(ValueError, match="window scores"):
        nab.point_metrics(np.zeros(10), np.ones(5), stride=3, values=np.zeros(10), window=4)


def test_split_section_and_leaderboard_render_from_a_tiny_cache(tmp_path):
    protocol = next(p for p in nab.PROTOCOLS if p.name == "tanogan-nab-split")
    facts = {"command": "c", "machine": "m, no GPU", "date": "2026-01-01", "seconds": 1.0}
    records = {}
    for seed, auroc in ((0, 0.6), (1, 0.7)):
        records[f"tanogan/{seed}/all"] = {**facts, "rows": {
            "TAnoGAN, test stride 1": {"auroc": auroc, "auprc": 0.3, "f1": 0.4}},
            "speed": {"batched_windows_per_s": 48.0, "single_windows_per_s": 1.2, "batch": 1000}}
        records[f"IsolationForest/{seed}/all"] = {**facts, "rows": {
            "IsolationForest, test stride 1": {"auroc": 0.8, "auprc": 0.4}}}
    results = harness.Results(protocol, records)
    lines = harness.section_markdown(results)
    assert "| TAnoGAN, test stride 1 | 0.650 ± 0.050 | 0.300 ± 0.000 | — | 0.400 ± 0.000 |" in lines
    assert "| IsolationForest, test stride 1 | 0.800 ± 0.000 | 0.400 ± 0.000 | — | — |" in lines
    assert any(line.startswith("Scoring speed (50 inversion steps, seed 0): 48.0") for line in lines)
    [entry] = protocol.leaderboard(results)
    assert (entry.model, entry.ours, entry.baseline) == ("tanogan", [0.6, 0.7], [0.8, 0.8])
    assert entry.paper is None and "not comparable" in entry.paper_note
