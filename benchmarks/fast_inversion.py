"""Fast scoring of the inversion models: the paper's 50-step search against an encoder's start.

    python -m benchmarks.fast_inversion [--seeds 0 1 2] [--epochs 30] [--encoder-epochs 10]
        [--extra-models anogan ganrl]
    python -m benchmarks.fast_inversion --part series [--epochs 10] [--test-stride 10]
    python -m benchmarks.fast_inversion --part xla [--calls 20]

Quality: TAnoGAN on NAB's ambient_temperature_system_failure under the split protocol of
benchmarks/tanogan_nab.py (train 40%, val 10%, test 50%; windows of 60, trained at stride 1),
each seed trained once, with an encoder (zoo.inversion.LatentInversion: f-AnoGAN's izi_f, G and D
frozen) fitted after the GAN; the same trained model is then scored in each mode on every test
window (stride 1), window scores mapped to points, AUROC and AUPRC on the test points. Modes:
"paper" (the fixed prior start, 50 Adam steps, as the paper), "encoder" (E(x), no step),
"encoder + 5" (E(x), at most 5 steps, stopping an input once a step gains less than 0.1%).
The fast modes run their search compiled by XLA.

Speed (the first seed's model): windows per second through `score` at batch 256 and 1000, and
the latency of one window through the exported `serving_default` (tf.saved_model.load in this
process, after warm-up calls), median and p95 over --calls calls. FLOPs per window are counted
from the layer sizes (2 per multiply-add; an inversion step is taken as 3 forward passes, the
forward and its backward), and the share of the CPU's peak assumes 32 float32 FLOPs per cycle
per core (two 256-bit FMA units) at the clock /proc/cpuinfo reports.

With --extra-models: AnoGAN on the embedded digits (digit 0 the anomaly) and GAN+RL on the same
NAB series, one seed, batched speed and AUROC in each mode.

--part series: the quality comparison alone, on NAB's other realKnownCause series (OTHER_SERIES,
each with labelled anomalies in its test part), one seed each, test windows at --test-stride,
in a section of its own.

--part xla: what XLA changes in each mode, speed only: an untrained paper-size TAnoGAN on the
embedded synthetic series (the cost of a search does not depend on the weights), its search
plain and compiled, windows/s at batch 256 through `score` and the median time of --calls
one-window `score` calls; written to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

import datasets
import zoo
from benchmarks import common
from zoo import evaluation, export, metrics

SERIES = "nab:realKnownCause/ambient_temperature_system_failure.csv"
#: name -> scoring settings (zoo.inversion.LatentInversion.set_scoring).
MODES = {"paper": dict(start="prior", steps=50, tolerance=0.0, jit=False),
         "encoder": dict(start="encoder", steps=0, tolerance=0.0, jit=True),
         "encoder + 5": dict(start="encoder", steps=5, tolerance=1e-3, jit=True)}
FLOPS_PER_CYCLE = 32  # float32, per core: two 256-bit FMA units
OTHER_SERIES = ("realKnownCause/cpu_utilization_asg_misconfiguration.csv",
                "realKnownCause/ec2_request_latency_system_failure.csv",
                "realKnownCause/rogue_agent_key_hold.csv",
                "realKnownCause/rogue_agent_key_updown.csv")


def lstm_flops(steps: int, inputs: int, units: int) -> int:
    """FLOPs of an LSTM's forward pass over `steps` steps (4 gates, 2 per multiply-add)."""
    return steps * 2 * 4 * units * (inputs + units)


def tanogan_flops(model, steps: int, encoder: bool) -> int:
    """FLOPs to score one window: E once (fast modes), D's features of x once, then per step a
    forward and backward pass of G and D (3 forwards), and the final loss (1 forward)."""
    window, features = model.example_shape
    widths = [model.latent_dim, *model.generator_units]
    generator = (sum(lstm_flops(window, a, b) for a, b in zip(widths, widths[1:]))
                 + window * 2 * widths[-1] * features)
    discriminator = lstm_flops(window, features, model.discriminator_units)
    forward = generator + discriminator
    start = (discriminator + window * 2 * model.discriminator_units * model.latent_dim
             if encoder else 0)
    return start + discriminator + 3 * steps * forward + forward


def peak_flops() -> float:
    """The CPU's float32 peak, FLOP/s: cores × clock × FLOPS_PER_CYCLE."""
    clock = max(float(line.split(":")[1]) for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("cpu MHz")) * 1e6
    return os.cpu_count() * clock * FLOPS_PER_CYCLE


def set_mode(model, mode: str) -> None:
    model.set_scoring(**MODES[mode])


def point_quality(model, ds, stride: int = 1) -> dict[str, float]:
    """AUROC and AUPRC on the test points, the test windows scored at `stride`."""
    started = time.perf_counter()
    scored = evaluation.score_split(model, ds, "test", stride=stride, batch_size=1000)
    return {"auroc": metrics.auroc(scored.labels, scored.scores),
            "auprc": metrics.auprc(scored.labels, scored.scores),
            "seconds": time.perf_counter() - started}


def batched_speed(model, x: np.ndarray, batch: int) -> float:
    """Windows per second through `score` at `batch` (after a call that traces and compiles)."""
    model.score(x[:batch], batch_size=batch)
    started, scored = time.perf_counter(), 0
    while scored < 2 * batch or time.perf_counter() - started < 3:
        model.score(x[:batch], batch_size=batch)
        scored += batch
    return scored / (time.perf_counter() - started)


def serving_latency(model, x: np.ndarray, calls: int) -> dict[str, float]:
    """Median and p95 seconds of one window through the exported serving_default."""
    with tempfile.TemporaryDirectory() as folder:
        export.export(model, Path(folder) / "export", {"model": "tanogan"})
        served = tf.saved_model.load(str(Path(folder) / "export" / export.SERVING_DIR / "1"))
        signature = served.signatures["serving_default"]
        for i in range(3):  # warm-up: tracing, XLA compilation
            signature(inputs=tf.constant(x[i:i + 1]))
        seconds = []
        for i in range(calls):
            one = tf.constant(x[i % len(x):i % len(x) + 1])
            started = time.perf_counter()
            signature(inputs=one)["score"].numpy()
            seconds.append(time.perf_counter() - started)
    return {"median": float(np.median(seconds)), "p95": float(np.percentile(seconds, 95))}


def run_seed(ds, seed: int, args, stride: int = 1) -> tuple[object, dict[str, dict[str, float]]]:
    """(the trained model, {mode: quality}) for one seed."""
    model, seconds, _ = common.train_detector("tanogan", ds, seed, args.epochs, 32,
                                              encoder_epochs=args.encoder_epochs)
    quality = {}
    for mode in MODES:
        set_mode(model, mode)
        quality[mode] = point_quality(model, ds, stride)
        print(f"seed {seed} {mode}: {quality[mode]}", flush=True)
    quality["training_seconds"] = seconds
    return model, quality


def extra_model(name: str, args) -> dict[str, dict[str, float]]:
    """{mode: AUROC, AUPRC, batched windows/s} of AnoGAN on digits or GAN+RL on NAB, one seed."""
    ds = (datasets.load("digits", anomaly_digits=[0]) if name == "anogan"
          else datasets.load(SERIES, data_dir=args.data_dir))
    model, _, _ = common.train_detector(name, ds, args.seeds[0], args.extra_epochs, 32,
                                        encoder_epochs=args.encoder_epochs)
    x = np.ascontiguousarray(ds.examples("test", stride=1)[0][:1000])
    rows = {}
    for mode in MODES:
        set_mode(model, mode)
        if ds.kind == "series":
            quality = point_quality(model, ds)
        else:
            scores = model.score(ds.test.x)
            quality = {"auroc": metrics.auroc(ds.test.y, scores),
                       "auprc": metrics.auprc(ds.test.y, scores)}
        rows[mode] = {**quality, "windows_per_s_256": batched_speed(model, x, min(256, len(x)))}
        print(f"{name} {mode}: {rows[mode]}", flush=True)
    return rows


def other_series(args) -> None:
    """The quality comparison on OTHER_SERIES, one seed each, in a section of its own."""
    per_series = {}
    for name in OTHER_SERIES:
        ds = datasets.load(f"nab:{name}", data_dir=args.data_dir)
        _, per_series[name] = run_seed(ds, args.seeds[0], args, args.test_stride)
    lines = ["## Fast scoring of the inversion models (TAnoGAN on NAB's other realKnownCause "
             "series)", "",
             f"Command: `{common.command()}`; seed {args.seeds[0]}; TAnoGAN {args.epochs} "
             f"epochs, then the encoder {args.encoder_epochs} epochs; test windows at stride "
             f"{args.test_stride}; machine: {common.machine()}. Split protocol as above; each "
             "series' model trained once and scored in every mode.", "",
             "| series | " + " | ".join(f"{mode} AUROC" for mode in MODES) + " | "
             + " | ".join(f"{mode} AUPRC" for mode in MODES) + " |",
             "|---|" + "---|" * (2 * len(MODES))]
    for name, quality in per_series.items():
        lines.append(f"| {name.split('/')[-1].removesuffix('.csv')} | "
                     + " | ".join(f"{quality[m]['auroc']:.3f}" for m in MODES) + " | "
                     + " | ".join(f"{quality[m]['auprc']:.3f}" for m in MODES) + " |")
    means = {m: np.mean([q[m]["auroc"] for q in per_series.values()]) for m in MODES}
    lines += ["", "Mean AUROC over the series: " + "; ".join(
        f"{mode} {value:.3f}" for mode, value in means.items()) + "."]
    common.publish("fast_inversion_nab_series", lines, args=vars(args), per_series=per_series)


def single_window_seconds(model, x: np.ndarray, calls: int) -> float:
    """Median seconds of one-window `score` calls (after one that traces and compiles)."""
    model.score(x[:1], batch_size=1)
    seconds = []
    for i in range(calls):
        started = time.perf_counter()
        model.score(x[i % len(x):i % len(x) + 1], batch_size=1)
        seconds.append(time.perf_counter() - started)
    return float(np.median(seconds))


def xla_effect(args) -> None:
    """Each mode's search plain and compiled, speed only, in a PERFORMANCE.md section."""
    ds = datasets.load("synthetic")
    model = zoo.get("tanogan").for_dataset(ds, encoder_epochs=1)
    model.encoder_trained.assign(1.0)  # speed only: an untrained E costs what a trained one does
    x = np.ascontiguousarray(ds.examples("test", stride=1)[0][:512])
    rows = {}
    for mode in ("paper", "encoder"):
        for jit in (False, True):
            model.set_scoring(**{**MODES[mode], "jit": jit})
            rows[f"{mode}, {'XLA' if jit else 'plain'}"] = {
                "windows_per_s_256": batched_speed(model, x, 256),
                "single_median": single_window_seconds(model, x, args.calls)}
            print(mode, jit, rows[f"{mode}, {'XLA' if jit else 'plain'}"], flush=True)
    lines = ["## What XLA changes in the inversion's search (TAnoGAN, paper size)", "",
             f"Command: `{common.command()}`; machine: {common.machine()}; an untrained model "
             "on the embedded synthetic series (speed does not depend on the weights); "
             f"one-window figures are the median of {args.calls} `score` calls.", "",
             "| mode, search | windows/s (batch 256) | one window: median ms |", "|---|---|---|"]
    for name, row in rows.items():
        lines.append(f"| {name} | {row['windows_per_s_256']:.1f} | "
                     f"{1000 * row['single_median']:.1f} |")
    common.publish("fast_inversion_xla", lines, document=common.PERFORMANCE, args=vars(args),
                   rows=rows)


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30, help="TAnoGAN's GAN epochs")
    parser.add_argument("--encoder-epochs", type=int, default=10,
                        help="epochs of the encoder stage, after the GAN")
    parser.add_argument("--calls", type=int, default=200,
                        help="single-window calls timed through the exported serving_default")
    parser.add_argument("--extra-models", nargs="*", choices=("anogan", "ganrl"), default=[],
                        help="also measure these inversion models (one seed)")
    parser.add_argument("--extra-epochs", type=int, default=20,
                        help="GAN epochs of the extra models")
    parser.add_argument("--part", choices=("main", "series", "xla"), default="main",
                        help="main: NAB ambient temperature over the seeds, speed, the extra "
                             "models; series: NAB's other realKnownCause series, one seed; "
                             "xla: each mode's search plain and compiled, speed only")
    parser.add_argument("--test-stride", type=int, default=10,
                        help="--part series: the stride of the scored test windows")
    args = parser.parse_args()
    if args.part == "series":
        other_series(args)
        return
    if args.part == "xla":
        xla_effect(args)
        return
    ds = datasets.load(SERIES, data_dir=args.data_dir)
    per_seed, first = {}, None
    for seed in args.seeds:
        model, per_seed[seed] = run_seed(ds, seed, args)
        first = first or model
    x = np.ascontiguousarray(ds.examples("test", stride=1)[0][:1000])
    peak = peak_flops()
    speed = {}
    for mode, settings in MODES.items():
        set_mode(first, mode)
        flops = tanogan_flops(first, settings["steps"], settings["start"] == "encoder")
        speed[mode] = {"windows_per_s_256": batched_speed(first, x, 256),
                       "windows_per_s_1000": batched_speed(first, x, 1000),
                       "latency": serving_latency(first, x, args.calls), "flops": flops}
        speed[mode]["share_of_peak"] = flops * speed[mode]["windows_per_s_1000"] / peak
        print(f"speed {mode}: {speed[mode]}", flush=True)
    extra = {name: extra_model(name, args) for name in args.extra_models}

    def mean_std(mode: str, key: str) -> str:
        return common.mean_std([per_seed[s][mode][key] for s in args.seeds])

    paper_spread = np.std([per_seed[s]["paper"]["auroc"] for s in args.seeds])
    paper_mean = np.mean([per_seed[s]["paper"]["auroc"] for s in args.seeds])
    lines = ["## Fast scoring of the inversion models (TAnoGAN on NAB)", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; TAnoGAN {args.epochs} epochs, "
             f"then the encoder {args.encoder_epochs} epochs; machine: {common.machine()}.", "",
             "NAB ambient_temperature_system_failure, split protocol (train 40%, val 10%, test "
             "50%), every test window scored (stride 1), AUROC/AUPRC on the test points; each "
             "seed's model trained once and scored in every mode.", "",
             "| mode | start | most steps | AUROC | AUPRC | test scoring seconds |",
             "|---|---|---|---|---|---|"]
    for mode, settings in MODES.items():
        lines.append(f"| {mode} | {settings['start']} | {settings['steps']} | "
                     f"{mean_std(mode, 'auroc')} | {mean_std(mode, 'auprc')} | "
                     f"{np.mean([per_seed[s][mode]['seconds'] for s in args.seeds]):.1f} |")
    for mode in list(MODES)[1:]:
        mean = np.mean([per_seed[s][mode]["auroc"] for s in args.seeds])
        verdict = ("within or above" if mean >= paper_mean - paper_spread else "below")
        lines.append("")
        lines.append(f"{mode}: mean AUROC {mean:.3f}, {verdict} the paper mode's mean less its "
                     f"seed spread ({paper_mean:.3f} - {paper_spread:.3f}).")
    if extra:
        lines += ["", f"Other inversion models, seed {args.seeds[0]}, {args.extra_epochs} GAN "
                  "epochs: AnoGAN on the digits (digit 0 the anomaly; AUROC on the test "
                  "images), GAN+RL on the same NAB series (test points).", "",
                  "| model | mode | AUROC | AUPRC | windows/s (batch 256) |",
                  "|---|---|---|---|---|"]
        for name, rows in extra.items():
            for mode, row in rows.items():
                lines.append(f"| {name} | {mode} | {row['auroc']:.3f} | {row['auprc']:.3f} | "
                             f"{row['windows_per_s_256']:.1f} |")
    common.publish("fast_inversion", lines, args=vars(args), per_seed=per_seed, speed=speed,
                   extra=extra)
    speed_lines = ["## Scoring speed of the inversion modes (TAnoGAN, paper size)", "",
                   f"Command: `{common.command()}`; machine: {common.machine()}; the first "
                   f"seed's model; single-window latency over {args.calls} calls of the exported "
                   "serving_default. Peak: "
                   f"{peak / 1e9:.0f} GFLOP/s ({os.cpu_count()} cores × {FLOPS_PER_CYCLE} "
                   "float32 FLOPs per cycle at the reported clock).", "",
                   "| mode | windows/s (batch 256) | windows/s (batch 1000) | one window: median "
                   "ms | p95 ms | MFLOP per window | share of peak |",
                   "|---|---|---|---|---|---|---|"]
    for mode, row in speed.items():
        speed_lines.append(
            f"| {mode} | {row['windows_per_s_256']:.1f} | {row['windows_per_s_1000']:.1f} | "
            f"{1000 * row['latency']['median']:.1f} | {1000 * row['latency']['p95']:.1f} | "
            f"{row['flops'] / 1e6:,.0f} | {100 * row['share_of_peak']:.1f}% |")
    speed_lines += ["| GPU, float32 and mixed precision | not measured | not measured | not "
                    "measured | not measured | | |", "",
                    "Early stop (encoder + 5): the MFLOP figure counts all 5 steps, an upper "
                    "bound."]
    common.publish("fast_inversion_speed", speed_lines, document=common.PERFORMANCE,
                   speed=speed, peak_flops=peak)


if __name__ == "__main__":
    main()
