"""The survey's GANs (dense variants) on KDD99 under the ALAD protocol, against IsolationForest in
the same run.

    python -m benchmarks.survey_kdd [--seeds 0 1 2] [--epochs 5] [--models alad egbad ...]

Protocol (the `kdd99` loader's default): 121 one-hot features; `normal.` is the anomaly class;
the 10% file halved with pandas sample(frac=0.5, random_state=42); train = the attack records of
the first half less a seeded 10% val hold-out; test = the second half. Flag the top 20% of test
scores (ALAD's percentile criterion, `>=` as its code; the 20% is the test anomaly rate, one fact
borrowed from the test set, as the papers do), then precision, recall, F1; AUROC and AUPRC too.
A fixed epoch budget for every model, no model selection on test labels. Each seed re-draws the
val hold-out and the initial weights; the test half is the same.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import datasets
from benchmarks import common
from zoo import metrics

MODELS = ("anogan", "egbad", "alad", "ganomaly", "fencegan")
PAPER = ("ALAD paper, KDD99: ALAD F1 0.950 (precision 0.943, recall 0.958); EGBAD paper: F1 "
         "0.937 (cross-entropy score). Measured here before, IsolationForest under this "
         "protocol: F1 0.923, AUROC 0.986.")


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


def run_seed(seed: int, args) -> dict[str, dict[str, float]]:
    """{method: metrics} for one seed."""
    ds = datasets.load("kdd99", data_dir=args.data_dir, seed=seed)
    y = ds.test.y
    results: dict[str, dict[str, float]] = {}
    for name in args.models:
        model, seconds = common.train_detector(name, ds, seed, args.epochs, args.batch_size)
        started = time.time()
        if name == "egbad":
            scored = {f"egbad ({method})": scores
                      for method, scores in egbad_variants(model, ds.test.x).items()}
        else:
            scored = {name: model.score(ds.test.x, batch_size=4096)}
        for method, scores in scored.items():
            if not np.all(np.isfinite(scores)):
                raise SystemExit(f"{method}, seed {seed}: non-finite scores (training diverged)")
            results[method] = {**judged(y, scores, args.percent), "train_s": seconds,
                               "score_s": time.time() - started}
            print(f"seed {seed} {method}: F1 {results[method]['f1']:.3f}, AUROC "
                  f"{results[method]['auroc']:.3f} ({seconds:.0f} s training)", flush=True)
    forest = common.isolation_forest_scores(ds.train.x, ds.test.x, seed)
    results["IsolationForest"] = judged(y, forest, args.percent)
    print(f"seed {seed} IsolationForest: F1 {results['IsolationForest']['f1']:.3f}", flush=True)
    results["notes"] = ds.meta["notes"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS),
                        help="zoo models to run (dense variants, the papers' KDD settings)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds")
    parser.add_argument("--epochs", type=int, default=5,
                        help="training epochs for every model (a fixed budget)")
    parser.add_argument("--batch-size", type=int, default=50, help="batch size (ALAD's)")
    parser.add_argument("--percent", type=float, default=20.0,
                        help="flag the top this percent of test scores (ALAD's 20)")
    parser.add_argument("--data-dir", default=None, help="folder of the real datasets")
    args = parser.parse_args()

    started = time.time()
    per_seed = {seed: run_seed(seed, args) for seed in args.seeds}
    minutes = (time.time() - started) / 60
    methods = [m for m in per_seed[args.seeds[0]] if m != "notes"]
    lines = ["## The survey's GANs on KDD99 (ALAD protocol)", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "", per_seed[args.seeds[0]]["notes"], "",
             f"Every model: the zoo's dense variant with its reference code's KDD99 settings "
             f"(`for_dataset` defaults), batch {args.batch_size}, {args.epochs} epochs, no "
             f"selection on test labels. Precision, recall and F1 flag the top "
             f"{args.percent:g}% of test scores. Mean ± std over seeds.", "",
             f"Papers' numbers, on their runs: {PAPER}", "",
             "| method | precision | recall | F1 | AUROC | AUPRC | training s |",
             "|---|---|---|---|---|---|---|"]
    for method in methods:
        values = [per_seed[s][method] for s in args.seeds]
        cells = [common.mean_std([v[k] for v in values])
                 for k in ("precision", "recall", "f1", "auroc", "auprc")]
        seconds = (f"{np.mean([v['train_s'] for v in values]):.0f}"
                   if "train_s" in values[0] else "—")
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {seconds} |")
    forest_f1 = np.mean([per_seed[s]["IsolationForest"]["f1"] for s in args.seeds])
    verdicts = [f"{m} {'above' if np.mean([per_seed[s][m]['f1'] for s in args.seeds]) > forest_f1 else 'NOT above'} IsolationForest's F1"
                for m in methods if m.startswith(("alad", "egbad"))]
    lines += ["", "Bar (ALAD and EGBAD above IsolationForest's F1, same run): "
              + "; ".join(verdicts) + "."]
    common.write_section("survey_kdd", "\n".join(lines),
                         {"command": common.command(), "machine": common.machine(),
                          "args": vars(args), "per_seed": per_seed})
    print("\n".join(lines))


if __name__ == "__main__":
    main()
