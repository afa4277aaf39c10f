"""Speed and memory of the zoo's hot paths, written to docs/PERFORMANCE.md.

    python -m benchmarks.performance [--long-points 1000000]

Measures, on this machine: TAnoGAN training steps/s (paper size, batch 32) and latent-inversion
windows/s (50 Adam steps, batches of 256), in float32 and mixed precision; and scoring a long
unlabelled series through the lazy window pipeline (evaluate.py --input), with the peak resident
memory of a process that scores 1e5 and one that scores 1e6 points. Each measurement runs in a
fresh process, alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from benchmarks import common

REPO = Path(__file__).resolve().parents[1]

SPEED = """
import json, time, numpy as np, keras, tensorflow as tf
import datasets
from zoo import TAnoGAN
policy = {policy!r}
if policy != "float32":
    keras.mixed_precision.set_global_policy(policy)
keras.utils.set_random_seed(0)
ds = datasets.load("synthetic")
model = TAnoGAN.for_dataset(ds)
model.compile()
x = np.ascontiguousarray(ds.examples("train")[0][:32 * 40])
batches = tf.data.Dataset.from_tensor_slices(x).batch(32)
model.fit(batches.take(5), epochs=1, verbose=0)            # trace and warm up
start = time.perf_counter()
model.fit(batches, epochs=1, verbose=0)
train = 40 / (time.perf_counter() - start)
windows = np.ascontiguousarray(ds.examples("test")[0][:256])
model.score(windows[:8])                                   # trace
start = time.perf_counter()
model.score(windows, batch_size=256)
invert = len(windows) / (time.perf_counter() - start)
print("RESULT" + json.dumps({{"train_steps_per_s": train, "inversion_windows_per_s": invert}}))
"""

LONG_SERIES = """
import json, resource, time, numpy as np, keras
import datasets
from zoo import TAnoGAN, evaluation
keras.utils.set_random_seed(0)
ds = datasets.load("synthetic")
model = TAnoGAN.for_dataset(ds, inversion_steps={steps})
t = np.arange({points})
values = (20 + 5 * np.sin(2 * np.pi * t / 50)).astype(np.float32)[:, None]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
points, _ = evaluation.score_series(model, values, stride={stride}, batch_size=256)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("RESULT" + json.dumps({{"points": len(points), "seconds": seconds,
                             "peak_rss_mib": peak / 1024, "rss_before_mib": before / 1024}}))
"""


def measure(script: str) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, text=True,
                         capture_output=True, check=True,
                         env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": str(REPO)}).stdout
    return json.loads(out.split("RESULT", 1)[1])


def main() -> None:
    parser = common.argument_parser(__doc__, data_dir=False)
    parser.add_argument("--long-points", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--stride", type=int, default=60,
                        help="window stride for the long series (60: TAnoGAN's test stride)")
    parser.add_argument("--inversion-steps", type=int, default=5,
                        help="inversion steps for the long series (fewer than TAnoGAN's 50, to "
                             "keep the run short)")
    args = parser.parse_args()
    speed = {policy: measure(SPEED.format(policy=policy))
             for policy in ("float32", "mixed_bfloat16", "mixed_float16")}
    long = [measure(LONG_SERIES.format(points=n, stride=args.stride, steps=args.inversion_steps))
            for n in args.long_points]
    lines = [f"Written by `{common.command()}` on {common.machine()}. Each figure comes from a "
             "fresh process running alone.", "",
             "## TAnoGAN (paper size: generator LSTM 32/64/128, discriminator LSTM 100, windows "
             "of 60)", "",
             "| device | precision | training steps/s (batch 32) | inversion windows/s "
             "(50 steps, batch 256) |", "|---|---|---|---|"]
    for policy, row in speed.items():
        lines.append(f"| this CPU | {policy} | {row['train_steps_per_s']:.1f} | "
                     f"{row['inversion_windows_per_s']:.1f} |")
    lines += ["| GPU | any | not measured | not measured |", "",
              "## Scoring a long unlabelled series (`evaluate.py --input`)", "",
              f"Windows of 60 at stride {args.stride}, cut lazily by the tf.data pipeline of "
              f"`datasets.windows.window_dataset`; {args.inversion_steps} inversion steps per "
              "window, to keep the run short (inversion time grows linearly with the steps; "
              "the memory does not).", "",
              "| points | seconds | points/s | peak RSS of the process (MiB) |",
              "|---|---|---|---|"]
    for row in long:
        lines.append(f"| {row['points']:,} | {row['seconds']:.1f} | "
                     f"{row['points'] / row['seconds']:,.0f} | {row['peak_rss_mib']:.0f} |")
    if len(long) > 1:
        growth = (long[-1]["peak_rss_mib"] - long[0]["peak_rss_mib"]) * 2**20
        per_point = growth / (long[-1]["points"] - long[0]["points"])
        lines += ["", f"From {long[0]['points']:,} to {long[-1]['points']:,} points the peak "
                  f"grew by {growth / 2**20:.0f} MiB, {per_point:.0f} bytes per point; a "
                  "materialised array of every stride-1 window would take 60 × 4 = 240 bytes "
                  "per point (229 MiB for a million)."]
    common.write_section("performance", "\n".join(lines),
                         {"command": common.command(), "machine": common.machine(),
                          "speed": speed, "long_series": long}, common.PERFORMANCE)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
