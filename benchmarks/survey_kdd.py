"""The survey's GANs (dense variants) on KDD99 under the ALAD protocol, against IsolationForest in
the same run.

    python -m benchmarks.survey_kdd [--seeds 0 1 2] [--epochs 8] [--patience 2]
        [--models alad egbad ...]

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

import numpy as np

import datasets
from benchmarks import common
from zoo import baselines, metrics

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


def distance_to_most_common_record(x_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """L1 distance of each min-max scaled test row to the most frequent training row: what a
    reconstruction score becomes when the generator has collapsed onto that one record (a
    diagnostic row, not a method)."""
    from sklearn.preprocessing import MinMaxScaler  # noqa: PLC0415

    scaler = MinMaxScaler().fit(x_train)
    rows, counts = np.unique(scaler.transform(x_train), axis=0, return_counts=True)
    return np.abs(scaler.transform(x_test) - rows[counts.argmax()]).sum(axis=1)


def run_seed(seed: int, args) -> dict[str, dict[str, float]]:
    """{method: metrics} for one seed."""
    ds = datasets.load("kdd99", data_dir=args.data_dir, seed=seed)
    y = ds.test.y
    results: dict[str, dict[str, float]] = {}
    for name in args.models:
        model, seconds, epochs = common.train_detector(name, ds, seed, args.epochs,
                                                       args.batch_size, args.patience)
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
                               "epochs": epochs, "score_s": time.time() - started}
            print(f"seed {seed} {method}: F1 {results[method]['f1']:.3f}, AUROC "
                  f"{results[method]['auroc']:.3f} ({seconds:.0f} s training)", flush=True)
    forest = baselines.isolation_forest_scores(ds.train.x, ds.test.x, seed)
    results["IsolationForest"] = judged(y, forest, args.percent)
    print(f"seed {seed} IsolationForest: F1 {results['IsolationForest']['f1']:.3f}", flush=True)
    results["most common record (L1)"] = judged(
        y, distance_to_most_common_record(ds.train.x, ds.test.x), args.percent)
    results["notes"] = ds.meta["notes"]
    return results


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS),
                        help="zoo models to run (dense variants, the papers' KDD settings)")
    parser.add_argument("--epochs", type=int, default=8,
                        help="most training epochs for every model")
    parser.add_argument("--patience", type=int, default=2,
                        help="models with a validation loss (reconstruction of the normal val "
                             "records) stop after this many epochs without improving it and "
                             "keep their best epoch; the others run every epoch")
    parser.add_argument("--batch-size", type=int, default=50, help="batch size (ALAD's)")
    parser.add_argument("--percent", type=float, default=20.0,
                        help="flag the top this percent of test scores (ALAD's 20)")
    args = parser.parse_args()

    started = time.time()
    per_seed = {seed: run_seed(seed, args) for seed in args.seeds}
    minutes = (time.time() - started) / 60
    methods = [m for m in per_seed[args.seeds[0]] if m != "notes"]
    lines = ["## The survey's GANs on KDD99 (ALAD protocol)", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "", per_seed[args.seeds[0]]["notes"], "",
             f"Every model: the zoo's dense variant with its reference code's KDD99 settings "
             f"(`for_dataset` defaults), batch {args.batch_size}, at most {args.epochs} epochs; "
             f"EGBAD, ALAD and GANomaly stop early on their reconstruction of the normal val "
             f"records (patience {args.patience}, best epoch kept), AnoGAN and Fence GAN run "
             f"every epoch; no selection on test labels. Precision, recall and F1 flag the top "
             f"{args.percent:g}% of test scores. Mean ± std over seeds.", "",
             f"Papers' numbers, on their runs: {PAPER}", "",
             "The row 'most common record (L1)' is a diagnostic, not a method: the L1 distance "
             "of each test record to the most frequent training record (a smurf connection), "
             "which is what a reconstruction score becomes when the generator collapses onto "
             "that record.", "",
             "| method | precision | recall | F1 | AUROC | AUPRC | epochs run | training s |",
             "|---|---|---|---|---|---|---|---|"]
    for method in methods:
        values = [per_seed[s][method] for s in args.seeds]
        cells = [common.mean_std([v[k] for v in values])
                 for k in ("precision", "recall", "f1", "auroc", "auprc")]
        trained = ([f"{np.mean([v[k] for v in values]):.1f}" for k in ("epochs", "train_s")]
                   if "train_s" in values[0] else ["—", "—"])
        lines.append(f"| {method} | " + " | ".join(cells + trained) + " |")
    forest_f1 = np.mean([per_seed[s]["IsolationForest"]["f1"] for s in args.seeds])
    comparisons = []
    for method in (m for m in methods if m.startswith(("alad", "egbad"))):
        f1 = np.mean([per_seed[s][method]["f1"] for s in args.seeds])
        relation = "above" if f1 > forest_f1 else "below" if f1 < forest_f1 else "equal to"
        comparisons.append(f"{method} {f1:.3f}, {relation} it")
    if comparisons:
        lines += ["", f"ALAD's and EGBAD's mean F1 against IsolationForest's ({forest_f1:.3f}, "
                  "same run): " + "; ".join(comparisons) + "."]
    common.publish("survey_kdd", lines, args=vars(args), per_seed=per_seed)


if __name__ == "__main__":
    main()
