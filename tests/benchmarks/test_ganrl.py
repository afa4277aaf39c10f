"""The split-by-time classifier protocol: its diagnosis measures where the anomalies sit, and its
section renders the table and the diagnosis paragraph from a small hand-made cache (no
training)."""

import numpy as np

from benchmarks import harness
from benchmarks.protocols import ganrl


def _series(length: int, anomalous: slice) -> tuple[np.ndarray, np.ndarray]:
    values = np.sin(np.arange(length) / 5.0)
    labels = np.zeros(length, dtype=np.int8)
    labels[anomalous] = 1
    values[anomalous] += 3.0
    return values, labels


def test_time_split_section_renders_its_diagnosis_from_the_cache():
    # Series 0 has its anomaly in its training part only, series 1 in its test part only.
    series = [_series(400, slice(50, 60)), _series(400, slice(380, 386))]
    train, test = ganrl.time_split(series)
    assert train.start.max() + ganrl.WINDOW < test.start.min()  # no shared point
    rows = ganrl.diagnosis(train, test, stride=1)
    assert (rows["series"]["train_only"], rows["series"]["test_only"]) == (1, 1)
    assert rows["series"]["train_only_share_of_train_anomalous"] == 1.0
    assert rows["series"]["test_only_share_of_test_anomalous"] == 1.0
    # The series prior ranks the training windows well and the test windows below random.
    assert rows["training windows"]["series_prior_auroc"] > 0.5
    assert rows["test windows"]["series_prior_auroc"] < 0.5

    protocol = next(p for p in ganrl.PROTOCOLS if p.name == "classifiers-nab-time")
    facts = {"series": ["a/a.csv", "b/b.csv"], "split": ganrl.split_facts(train, test, 1),
             "machine": "test machine", "date": "2026-01-01", "command": "", "seconds": 0}
    scores = {name: 0.3 for name in ganrl.METRICS}
    records = {"clstm/0/all": {"rows": {"C-LSTM": {**scores, "auroc": 0.412}}, **facts},
               "IsolationForest/0/all": {"rows": {"IsolationForest": {**scores, "auroc": 0.7}},
                                         **facts},
               "diagnosis/0/all": {"rows": rows, **facts}}
    results = harness.Results(protocol, records)
    text = "\n".join(harness.section_markdown(results))
    assert "| C-LSTM | 0.300 ± 0.000 | 0.300 ± 0.000 | 0.300 ± 0.000 | 0.300 ± 0.000 | " \
           "0.412 ± 0.000 | 0.300 ± 0.000 |" in text
    assert "**Why below random.**" in text
    assert f"{rows['test windows']['series_prior_auroc']:.3f} on the test windows" in text
    assert "IsolationForest, which never sees a label, scores AUROC 0.700" in text
    (entry,) = protocol.leaderboard(results)
    assert (entry.model, entry.metric, entry.baseline_name) == ("clstm", "AUROC",
                                                                "IsolationForest")
    assert f"test AUROC {rows['test windows']['series_prior_auroc']:.2f}" in entry.why
