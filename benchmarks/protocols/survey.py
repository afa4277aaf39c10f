"""The survey's GANs (AnoGAN, EGBAD, ALAD, GANomaly, Fence GAN, OCGAN): KDD99 under the ALAD protocol.

Protocol (the `kdd99` loader's default): 121 one-hot features; `normal.` is the anomaly class;
the 10% file halved with pandas sample(frac=0.5, random_state=42); train = the attack records of
the first half less a seeded 10% val hold-out; test = the second half. Flag the top 20% of test
scores (ALAD's percentile criterion, `>=` as its code; the 20% is the test anomaly rate, one fact
borrowed from the test set, as the papers do), then precision, recall, F1; AUROC and AUPRC too.
No model selection on test labels: a model with a validation loss (EGBAD, ALAD: mean |x -
G(E(x))|; GANomaly: its contextual loss) stops early on it, computed on the normal (here: attack)
val records, and keeps its best epoch; AnoGAN and Fence GAN run the whole budget. Each seed
re-draws the val hold-out and the initial weights; the test half is the same.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

import datasets
from benchmarks import common
from benchmarks.harness import Entry, Protocol, Results, Trial, mean_std
from zoo import baselines, metrics

MODELS = ("anogan", "egbad", "alad", "ganomaly", "fencegan")
FOREST = "IsolationForest"
COLLAPSE = "most common record (L1)"
PAPER = {"alad": 0.950, "egbad": 0.937}
PAPER_TEXT = ("ALAD paper, KDD99: ALAD F1 0.950 (precision 0.943, recall 0.958); EGBAD paper: F1 "
              "0.937 (cross-entropy score).")
#: The score each model is judged by on the leaderboard (EGBAD: its paper's KDD99 score).
HEADLINE_ROW = {"egbad": "egbad (cross-entropy)"}


def judged(y: np.ndarray, scores: np.ndarray, percent: float) -> dict[str, float]:
    """Precision, recall, F1 of the top `percent`% of scores, then AUROC and AUPRC."""
    precision, recall, f1 = metrics.precision_recall_f1(
        y, metrics.top_percent_predictions(scores, percent))
    return {"precision": precision, "recall": recall, "f1": f1,
            "auroc": metrics.auroc(y, scores), "auprc": metrics.auprc(y, scores)}


def egbad_variants(model, x: np.ndarray, batch_size: int = 4096) -> dict[str, np.ndarray]:
    """EGBAD's two scores of raw rows: {"cross-entropy": [...], "feature-matching": [...]}."""
    parts: dict[str, list[np.ndarray]] = {}
    for start in range(0, len(x), batch_size):
        scaled = model.scale(x[start:start + batch_size])
        for method, scores in model.anomaly_scores(scaled).items():
            parts.setdefault(method, []).append(scores.numpy())
    return {method: np.concatenate(chunks) for method, chunks in parts.items()}


def distance_to_most_common_record(x_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """L1 distance of each min-max scaled test row to the most frequent training row: what a
    reconstruction score becomes when the generator has collapsed onto that one record (a
    diagnostic row, not a method)."""
    from sklearn.preprocessing import MinMaxScaler  # noqa: PLC0415

    scaler = MinMaxScaler().fit(x_train)
    rows, counts = np.unique(scaler.transform(x_train), axis=0, return_counts=True)
    return np.abs(scaler.transform(x_test) - rows[counts.argmax()]).sum(axis=1)


def run_alad_protocol(trial: Trial) -> dict[str, Any]:
    """One method, one seed: its rows of precision, recall, F1, AUROC, AUPRC."""
    s = trial.settings
    ds = datasets.load("kdd99", data_dir=trial.data_dir, seed=trial.seed)
    y = ds.test.y
    if trial.method == FOREST:
        scored = {FOREST: baselines.isolation_forest_scores(ds.train.x, ds.test.x, trial.seed)}
        trained: dict[str, float] = {}
    elif trial.method == COLLAPSE:
        scored = {COLLAPSE: distance_to_most_common_record(ds.train.x, ds.test.x)}
        trained = {}
    else:
        model, seconds, epochs = common.train_detector(trial.method, ds, trial.seed, s["epochs"],
                                                       s["batch_size"], s["patience"])
        started = time.time()
        scored = ({f"egbad ({score})": values
                   for score, values in egbad_variants(model, ds.test.x).items()}
                  if trial.method == "egbad" else
                  {trial.method: model.score(ds.test.x, batch_size=4096)})
        trained = {"train_s": seconds, "epochs": epochs, "score_s": time.time() - started}
    rows = {}
    for row, scores in scored.items():
        if not np.all(np.isfinite(scores)):
            raise SystemExit(f"{row}, seed {trial.seed}: non-finite scores (training diverged)")
        rows[row] = {**judged(y, scores, s["percent"]), **trained}
    return {"rows": rows, "notes": ds.meta["notes"]}


def alad_protocol_section(results: Results) -> list[str]:
    s = results.protocol.settings
    notes = next(record["notes"] for *_, record in results.trials())
    lines = [notes, "",
             f"Every model: the zoo's dense variant with its reference code's KDD99 settings "
             f"(`for_dataset` defaults), batch {s['batch_size']}, at most {s['epochs']} epochs; "
             f"EGBAD, ALAD and GANomaly stop early on their reconstruction of the normal val "
             f"records (patience {s['patience']}, best epoch kept), AnoGAN and Fence GAN run "
             f"every epoch; no selection on test labels. Precision, recall and F1 flag the top "
             f"{s['percent']:g}% of test scores. Mean ± std over seeds.", "",
             f"Papers' numbers, on their runs: {PAPER_TEXT}", "",
             "The row 'most common record (L1)' is a diagnostic, not a method: the L1 distance "
             "of each test record to the most frequent training record (a smurf connection), "
             "which is what a reconstruction score becomes when the generator collapses onto "
             "that record.", "",
             "| method | precision | recall | F1 | AUROC | AUPRC | epochs run | training s |",
             "|---|---|---|---|---|---|---|---|"]
    for method in results.methods():
        for row in results.rows(method, results.seeds(method)[0]):
            cells = [mean_std(results.values(method, row, k))
                     for k in ("precision", "recall", "f1", "auroc", "auprc")]
            trained = [f"{np.mean(results.values(method, row, k)):.1f}"
                       if results.values(method, row, k) else "—" for k in ("epochs", "train_s")]
            lines.append(f"| {row} | " + " | ".join(cells + trained) + " |")
    return lines


def alad_protocol_leaderboard(results: Results) -> list[Entry]:
    forest = results.values(FOREST, FOREST, "f1")
    entries = []
    for method in (m for m in MODELS if m in results.methods()):
        row = HEADLINE_ROW.get(method, method)
        why = ("Its generator collapses onto the majority record: see 'EGBAD on KDD99, epoch by "
               "epoch'." if method == "egbad" else "")
        entries.append(Entry(
            model=method, task="KDD99, ALAD protocol", metric="F1",
            ours=results.values(method, row, "f1"), baseline_name=FOREST, baseline=forest,
            paper=PAPER.get(method), why=why,
            paper_note="" if method in PAPER else "no KDD99 figure in its paper",
            command=f"python train.py --model {method} --dataset kdd99"))
    return entries


PROTOCOLS = [
    Protocol(name="kdd99-alad", title="The survey's GANs on KDD99 (ALAD protocol)",
             group="The survey's GANs (AnoGAN, EGBAD, ALAD, GANomaly, Fence GAN, OCGAN)",
             methods=(*MODELS, FOREST, COLLAPSE), run=run_alad_protocol,
             section=alad_protocol_section, leaderboard=alad_protocol_leaderboard,
             settings={"epochs": 8, "patience": 2, "batch_size": 50, "percent": 20.0}),
]
