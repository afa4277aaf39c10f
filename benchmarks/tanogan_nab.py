"""TAnoGAN and the GRU VAE on NAB's ambient_temperature_system_failure, against IsolationForest.

    python -m benchmarks.tanogan_nab [--seeds 0 1 2] [--epochs 30] [--vae-epochs 30]

Protocol: the NAB loader's chronological split (train 40%, val 10%, test 50%; min-max fitted on
train), windows of 60. TAnoGAN trains on stride-1 train windows; it is scored on test windows of
stride 60 (the reference code's test setting) and of stride 1; window scores map to points (max
over the covering windows) and AUROC/AUPRC are computed on the test points. The GRU VAE
(gru_vae_series: the INNAD model on windows) trains on the same windows and is scored the same
way; IsolationForest is fitted on the same stride-1 train windows and scored at stride 1. Also
measured: TAnoGAN's scoring speed in windows/s (50 inversion steps), batched and one window at a
time.
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np

import datasets
import zoo
from benchmarks import common
from datasets import windows
from zoo import evaluation, metrics

SERIES = "nab:realKnownCause/ambient_temperature_system_failure.csv"
PAPER = "paper (Bashar & Nayak 2020, Table 4): AUC 0.729, F1 0.609 on this series"


def point_metrics(ds, window_scores: np.ndarray, stride: int) -> dict[str, float]:
    points = windows.window_to_point_scores(window_scores, len(ds.test.y), 60, stride)
    return {"auroc": metrics.auroc(ds.test.y, points), "auprc": metrics.auprc(ds.test.y, points)}


def scoring_speed(model, x: np.ndarray, one_at_a_time: int) -> dict[str, float]:
    """Windows per second, batched (after one warm-up batch) and one window per call."""
    model.score(x[:8])  # trace the batched function once
    start = time.perf_counter()
    model.score(x, batch_size=len(x))
    batched = len(x) / (time.perf_counter() - start)
    model.score(x[:1], batch_size=1)
    start = time.perf_counter()
    for i in range(one_at_a_time):
        model.score(x[i:i + 1], batch_size=1)
    single = one_at_a_time / (time.perf_counter() - start)
    return {"batched_windows_per_s": batched, "single_windows_per_s": single,
            "batch": len(x)}


def trained(name: str, ds, x_train: np.ndarray, seed: int, epochs: int):
    """Zoo model `name` for `ds`, trained on `x_train` and calibrated on the normal val windows."""
    keras.utils.set_random_seed(seed)
    model = zoo.get(name).for_dataset(ds, seed=seed)
    model.compile()
    model.fit(x_train, batch_size=32, epochs=epochs, verbose=2)
    model.calibrate(evaluation.calibration_inputs(ds, stride=1))
    return model


def run_seed(ds, seed: int, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    x_train = np.ascontiguousarray(ds.examples("train", stride=1)[0])
    rows = {}
    model = trained("tanogan", ds, x_train, seed, args.epochs)
    vae = trained("gru_vae_series", ds, x_train, seed, args.vae_epochs)
    for label, detector in (("TAnoGAN", model), ("GRU VAE", vae)):
        for stride in (60, 1):
            scored = evaluation.score_split(detector, ds, "test", stride=stride, verbose=0)
            rows[f"{label}, test stride {stride}"] = metrics.evaluate(
                scored.labels, scored.scores, threshold=float(detector.threshold.numpy()),
                series=True)
    x_test, _ = ds.examples("test", stride=1)
    forest = common.isolation_forest_scores(x_train, x_test, seed)
    rows["IsolationForest, test stride 1"] = point_metrics(ds, forest, 1)
    if seed == 0:
        rows["speed"] = scoring_speed(model, np.ascontiguousarray(x_test[:1000]), 20)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="model seeds (initialisation and training)")
    parser.add_argument("--epochs", type=int, default=30, help="TAnoGAN training epochs")
    parser.add_argument("--vae-epochs", type=int,
                        default=zoo.get("gru_vae_series").DEFAULT_EPOCHS,
                        help="GRU VAE training epochs")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding nab/ (default: $ZOO_DATA_DIR, else ../shared/data)")
    args = parser.parse_args()
    ds = datasets.load(SERIES, data_dir=args.data_dir)
    per_seed = {seed: run_seed(ds, seed, args) for seed in args.seeds}
    methods = [k for k in per_seed[args.seeds[0]] if k != "speed"]
    lines = ["## TAnoGAN and the GRU VAE on NAB ambient_temperature_system_failure", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; TAnoGAN {args.epochs} epochs, "
             f"GRU VAE {args.vae_epochs} epochs; machine: {common.machine()}.", "",
             "Test = the last 50% of the series (points); scores of windows of 60 mapped to "
             "points by the max over covering windows. Mean ± std over seeds.", "",
             "| method | AUROC | AUPRC | F1 at calibrated threshold |", "|---|---|---|---|"]
    for method in methods:
        values = [per_seed[s][method] for s in args.seeds]
        f1 = common.mean_std([v["f1"] for v in values]) if "f1" in values[0] else "—"
        lines.append(f"| {method} | {common.mean_std([v['auroc'] for v in values])} | "
                     f"{common.mean_std([v['auprc'] for v in values])} | {f1} |")
    speed = per_seed[args.seeds[0]]["speed"]
    lines += ["", f"Scoring speed (50 inversion steps, seed {args.seeds[0]}): "
              f"{speed['batched_windows_per_s']:.1f} windows/s in one batch of {speed['batch']}, "
              f"{speed['single_windows_per_s']:.1f} windows/s one window per call.", "",
              f"For reference, the {PAPER} (their protocol: trained and tested on the whole "
              "series, test stride 60, anomaly windows expanded; not comparable point for point)."]
    common.write_section("tanogan_nab", "\n".join(lines),
                         {"command": common.command(), "machine": common.machine(),
                          "epochs": args.epochs, "vae_epochs": args.vae_epochs,
                          "per_seed": per_seed})
    print("\n".join(lines))


if __name__ == "__main__":
    main()
