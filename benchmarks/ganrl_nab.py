"""GAN+RL against EGBAD and IsolationForest on NAB series, as the paper's Table IV (point level).

    python -m benchmarks.ganrl_nab [--seeds 0 1 2] [--epochs 20] [--test-stride 5]
        [--categories realKnownCause realTraffic]

Protocol: each series on its own (the paper's "each series processed separately"), split by the
NAB loader in time (train 40%, val 10%, test 50%; min-max fitted on train), windows of 60.
Every method trains, unsupervised, on the stride-1 training windows (NAB anomalies in them
included, as the paper trains on unlabelled traffic) and scores the same test windows (stride
`--test-stride`); window scores map to points (max over the windows covering a point). Per
series: AUROC and AUPRC of the test points; then the paper's second criterion: flag the top p%
of a series' test points, p = the anomaly rate of the training points of all series pooled
(training labels only). Precision, recall and F1 pool the flags of all series; AUROC and AUPRC
are the mean over series. Mean ± std over seeds.

Methods: GAN+RL (zoo `ganrl` at its defaults: stage 1 one epoch, then `--epochs` epochs of the
GAN, n_critic 5, batch 32); EGBAD (zoo `egbad`, its dense KDD99 networks on windows flattened to
60 features, learning rate 1e-4, the same epochs and batch; the paper's benchmark model);
IsolationForest (scikit-learn defaults, on the flattened windows). The critic's and the
generator's loss curves of seed 0 are written to docs/ganrl_losses.png.
"""

from __future__ import annotations

import time

import keras
import numpy as np

import datasets
import zoo
from benchmarks import common
from datasets import nab, windows
from zoo import baselines, metrics, plots

WINDOW = 60
BATCH = 32
#: NAB's categories of real traffic and of known causes: web-like series, as the paper's Yahoo A1.
DEFAULT_CATEGORIES = ("realKnownCause", "realTraffic")
METHODS = ("GAN+RL", "EGBAD", "IsolationForest")
CURVES = ("critic_loss", "wasserstein_distance", "gradient_penalty", "generator_loss", "reward")
PAPER = ("paper (Long & Wang, Table IV, Yahoo A1, their runs): F1 — benchmark (EGBAD) 0.824, "
         "GAN+RL 0.888")


def train_ganrl(ds, x_train: np.ndarray, seed: int, epochs: int):
    keras.utils.set_random_seed(seed)
    model = zoo.get("ganrl").for_dataset(ds, seed=seed)
    model.compile()
    history = model.fit(x_train, batch_size=BATCH, epochs=epochs, verbose=2)
    return model, history.history


def train_egbad(ds, x_train: np.ndarray, seed: int, epochs: int):
    """EGBAD's dense networks on windows flattened to rows of 60 values."""
    keras.utils.set_random_seed(seed)
    scaling = {name: list(values) * WINDOW for name, values in ds.meta["scaling"].items()}
    model = zoo.get("egbad")(example_shape=(WINDOW,), scaling=scaling, learning_rate=1e-4,
                             seed=seed)
    model.build()
    model.compile()
    history = model.fit(baselines.flatten(x_train), batch_size=BATCH, epochs=epochs, verbose=2)
    return model, history.history


def finite(history: dict[str, list[float]]) -> bool:
    return all(np.all(np.isfinite(values)) for values in history.values())


def run_series(key: str, seed: int, args) -> dict:
    """Point scores of every method on one series' test part, and the GAN+RL losses."""
    ds = datasets.load(f"nab:{key}", data_dir=args.data_dir, window=WINDOW)
    x_train = np.ascontiguousarray(ds.examples("train", stride=1)[0])
    x_test = np.ascontiguousarray(ds.examples("test", stride=args.test_stride)[0])
    n_points = len(ds.test.y)

    def points(window_scores: np.ndarray) -> np.ndarray:
        return windows.window_to_point_scores(window_scores, n_points, WINDOW, args.test_stride)

    started = time.time()
    ganrl, ganrl_history = train_ganrl(ds, x_train, seed, args.epochs)
    ganrl_scores = ganrl.score(x_test, batch_size=512)
    ganrl_seconds = time.time() - started
    egbad, egbad_history = train_egbad(ds, x_train, seed, args.epochs)
    scores = {"GAN+RL": points(ganrl_scores),
              "EGBAD": points(egbad.score(baselines.flatten(x_test), batch_size=2048)),
              "IsolationForest": points(baselines.isolation_forest_scores(x_train, x_test, seed))}
    for method, values in scores.items():
        if not np.all(np.isfinite(values)):
            raise SystemExit(f"{key}, seed {seed}: {method} gave non-finite scores")
    return {"labels": ds.test.y, "train_labels": ds.train.y, "scores": scores,
            "ganrl_history": {k: [float(v) for v in vs] for k, vs in ganrl_history.items()},
            "stable": {"GAN+RL": finite(ganrl_history), "EGBAD": finite(egbad_history)},
            "ganrl_seconds": ganrl_seconds}


def judge(per_series: dict[str, dict], percent: float) -> dict[str, dict[str, float]]:
    """Per method: mean AUROC and AUPRC over series; precision, recall, F1 of the top-`percent`
    flags of each series, pooled."""
    results = {}
    for method in METHODS:
        flagged, labels, aurocs, auprcs = [], [], [], []
        for series in per_series.values():
            y, s = series["labels"], series["scores"][method]
            aurocs.append(metrics.auroc(y, s))
            auprcs.append(metrics.auprc(y, s))
            flagged.append(metrics.top_percent_predictions(s, percent))
            labels.append(y)
        precision, recall, f1 = metrics.precision_recall_f1(np.concatenate(labels),
                                                            np.concatenate(flagged))
        results[method] = {"auroc": float(np.mean(aurocs)), "auprc": float(np.mean(auprcs)),
                           "precision": precision, "recall": recall, "f1": f1}
    return results


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20,
                        help="GAN epochs of GAN+RL (after its one pre-training epoch), and "
                             "EGBAD's epochs")
    parser.add_argument("--test-stride", type=int, default=5,
                        help="stride of the scored test windows (1: every window; a CPU "
                             "budget: GAN+RL inverts each scored window for 50 steps)")
    parser.add_argument("--categories", nargs="+", default=list(DEFAULT_CATEGORIES),
                        help="run every NAB series of these categories")
    parser.add_argument("--series", nargs="+", default=None, metavar="KEY",
                        help="NAB series <category>/<file>.csv to run instead of --categories")
    args = parser.parse_args()
    if args.epochs < 1 or args.test_stride < 1:
        parser.error("--epochs and --test-stride must be positive")

    args.series = args.series or [key for key in nab.series_keys(args.data_dir)
                                  if key.split("/")[0] in args.categories]
    if not args.series:
        raise SystemExit(f"no NAB series of {args.categories} under "
                         f"{nab.nab_root(args.data_dir) / 'data'}")
    # AUROC and AUPRC per series need both classes among its test points.
    skipped = [key for key in args.series if not datasets.load(
        f"nab:{key}", data_dir=args.data_dir, window=WINDOW).test.y.any()]
    args.series = [key for key in args.series if key not in skipped]
    print(f"{len(args.series)} series; without anomalies in their test part, skipped: "
          f"{skipped}", flush=True)
    started = time.time()
    per_seed, histories, stable = {}, {}, []
    for seed in args.seeds:
        per_series = {}
        for key in args.series:
            print(f"seed {seed}: {key}", flush=True)
            per_series[key] = run_series(key, seed, args)
            stable.append(all(per_series[key]["stable"].values()))
            if seed == args.seeds[0]:
                histories[key.split("/")[-1].removesuffix(".csv")] = {
                    name: per_series[key]["ganrl_history"][name] for name in CURVES}
        train_labels = np.concatenate([s["train_labels"] for s in per_series.values()])
        percent = 100.0 * float(np.mean(train_labels))  # the same for every seed
        per_seed[seed] = {"percent": percent, "results": judge(per_series, percent),
                          "ganrl_seconds": sum(s["ganrl_seconds"] for s in per_series.values())}
        print(f"seed {seed}: {per_seed[seed]['results']}", flush=True)
    minutes = (time.time() - started) / 60
    curves = plots.plot_losses(histories, common.DOCS / "ganrl_losses.png",
                               title=f"GAN+RL on NAB, seed {args.seeds[0]}: losses per epoch")

    lines = ["## GAN+RL on NAB against EGBAD and IsolationForest (GAN+RL, Table IV)", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             f"Series ({len(args.series)}): " + ", ".join(f"`{k}`" for k in args.series)
             + "; skipped for having no anomalous point in their test part: "
             + (", ".join(f"`{k}`" for k in skipped) or "none")
             + f". Each on its own: NAB loader split in time (train 40%, val 10%, test 50%), "
             f"windows of {WINDOW}; every method trains on the stride-1 training windows "
             f"(unlabelled, anomalies included) and scores the test windows of stride "
             f"{args.test_stride}, mapped to points. Top-p% criterion: p = "
             f"{per_seed[args.seeds[0]]['percent']:.1f}% (the anomaly rate of the training "
             "points, pooled), flagged per series, counts pooled; AUROC and AUPRC: mean over "
             "series. GAN+RL: "
             f"zoo defaults (1 pre-training epoch, then {args.epochs} GAN epochs, n_critic 5, "
             f"λ_GP 10, batch {BATCH}). EGBAD: dense networks on the 60 values of a window, "
             f"learning rate 1e-4, {args.epochs} epochs. Mean ± std over seeds. Training "
             f"stable (every logged loss finite, every run): {all(stable)}.", "",
             "| method | precision@top p% | recall@top p% | F1@top p% | AUROC | AUPRC |",
             "|---|---|---|---|---|---|"]
    for method in METHODS:
        values = [per_seed[s]["results"][method] for s in args.seeds]
        lines.append(f"| {method} | " + " | ".join(
            common.mean_std([v[k] for v in values])
            for k in ("precision", "recall", "f1", "auroc", "auprc")) + " |")
    auprc = {m: np.mean([per_seed[s]["results"][m]["auprc"] for s in args.seeds])
             for m in METHODS}
    ours = auprc["GAN+RL"]
    comparisons = [f"{'above' if ours > auprc[m] else 'below' if ours < auprc[m] else 'equal to'} "
                   f"{m}'s ({ours:.3f} vs {auprc[m]:.3f})" for m in METHODS[1:]]
    lines += ["", "GAN+RL's mean AUPRC against EGBAD's and IsolationForest's, same run: "
              + "; ".join(comparisons) + "."]
    lines += ["", f"Loss curves (seed {args.seeds[0]}, one line per series): "
              f"[{curves.name}]({curves.name}).", "",
              f"For reference, the {PAPER}; Yahoo's point labels are not NAB's anomaly windows, "
              "so the numbers are not comparable point for point."]
    common.publish("ganrl_nab", lines, args=vars(args), skipped=skipped, stable=all(stable),
                   per_seed=per_seed, histories=histories)


if __name__ == "__main__":
    main()
