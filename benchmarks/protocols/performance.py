"""Speed and memory of the zoo's hot paths, for docs/PERFORMANCE.md.

Measures, on this machine: TAnoGAN training steps/s (paper size, batch 32) and latent-inversion
windows/s (50 Adam steps, batches of 256), in float32 and mixed precision (one unit per
precision policy); scoring a long unlabelled series through the lazy window pipeline
(evaluate.py --input), with the peak resident memory of a process that scores `long_points`
points (one unit per length); and each GAN ensemble's training steps/s and scoring speed beside
its single base model's. Each measurement runs in a fresh process, alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any, Mapping

import numpy as np

from benchmarks.harness import REPO, BenchmarkError, Protocol, Results, Trial

METHOD = "tanogan"
POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")

SPEED = """
import json, time, numpy as np, keras, tensorflow as tf
import datasets
from zoo import TAnoGAN
policy = {policy!r}
if policy != "float32":
    keras.mixed_precision.set_global_policy(policy)
keras.utils.set_random_seed({seed})
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

# The peak is the process's own high-water mark (VmHWM, in KiB): Linux's ru_maxrss of a child
# starts from its parent's resident size, and the harness's process holds TensorFlow.
LONG_SERIES = """
import json, resource, time, numpy as np, keras
import datasets
from zoo import TAnoGAN, evaluation
def peak_kib():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
keras.utils.set_random_seed({seed})
ds = datasets.load("synthetic")
model = TAnoGAN.for_dataset(ds, inversion_steps={steps})
t = np.arange({points})
values = (20 + 5 * np.sin(2 * np.pi * t / 50)).astype(np.float32)[:, None]
before = peak_kib()
start = time.perf_counter()
points, _ = evaluation.score_series(model, values, stride={stride}, batch_size=256)
seconds = time.perf_counter() - start
peak = peak_kib()
print("RESULT" + json.dumps({{"points": len(points), "seconds": seconds,
                             "peak_rss_mib": peak / 1024, "rss_before_mib": before / 1024}}))
"""


def long_unit(points: int) -> str:
    """The unit that scores a series of `points` points."""
    return f"long-{points}"


def units(settings: Mapping[str, Any], data_dir: str | None) -> list[str]:
    """One unit per precision policy, then one per long-series length."""
    return [*POLICIES, *(long_unit(n) for n in settings["long_points"])]


def measure(script: str) -> dict:
    """Run `script` in a fresh Python process; its RESULT line, parsed."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, text=True,
                          capture_output=True,
                          env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin",
                               "PYTHONPATH": str(REPO)})
    if done.returncode or "RESULT" not in done.stdout:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BenchmarkError(f"a measurement process exited with {done.returncode}: {tail}")
    return json.loads(done.stdout.split("RESULT", 1)[1])


def run_performance(trial: Trial) -> dict[str, Any]:
    """One measurement (a precision policy's speeds, or one long series), in its own process."""
    s = trial.settings
    if trial.unit in POLICIES:
        row = measure(SPEED.format(policy=trial.unit, seed=trial.seed))
    else:
        points = next(n for n in s["long_points"] if long_unit(n) == trial.unit)
        row = measure(LONG_SERIES.format(points=points, stride=s["stride"],
                                         steps=s["inversion_steps"], seed=trial.seed))
    return {"rows": {trial.unit: row}}


def figure(results: Results, unit: str, metric: str) -> float:
    """`metric` of `unit`, the mean over its cached seeds."""
    return float(np.mean(results.values(METHOD, unit, metric, unit)))


def on_gpu(results: Results, unit: str) -> bool:
    return any("no GPU" not in results.record(METHOD, seed, unit)["machine"]
               for seed in results.seeds(METHOD) if results.record(METHOD, seed, unit))


def performance_section(results: Results) -> list[str]:
    s = results.settings
    cached = set(results.units(METHOD))
    lines = ["Each figure comes from a fresh process running alone.", "",
             "#### TAnoGAN (paper size: generator LSTM 32/64/128, discriminator LSTM 100, "
             "windows of 60)", "",
             "| device | precision | training steps/s (batch 32) | inversion windows/s "
             "(50 steps, batch 256) |", "|---|---|---|---|"]
    for policy in (p for p in POLICIES if p in cached):
        device = "this GPU" if on_gpu(results, policy) else "this CPU"
        lines.append(f"| {device} | {policy} | "
                     f"{figure(results, policy, 'train_steps_per_s'):.1f} | "
                     f"{figure(results, policy, 'inversion_windows_per_s'):.1f} |")
    if not any(on_gpu(results, policy) for policy in POLICIES if policy in cached):
        lines.append("| GPU | any | not measured | not measured |")
    lines += ["", "#### Scoring a long unlabelled series (`evaluate.py --input`)", "",
              f"Windows of 60 at stride {s['stride']}, cut lazily by the tf.data pipeline of "
              f"`datasets.windows.window_dataset`; {s['inversion_steps']} inversion steps per "
              "window, to keep the run short (inversion time grows linearly with the steps; "
              "the memory does not).", "",
              "| points | seconds | points/s | peak RSS of the process (MiB) |",
              "|---|---|---|---|"]
    long = sorted((u for u in cached if u not in POLICIES),
                  key=lambda unit: figure(results, unit, "points"))
    for unit in long:
        points, seconds = figure(results, unit, "points"), figure(results, unit, "seconds")
        lines.append(f"| {points:,.0f} | {seconds:.1f} | {points / seconds:,.0f} | "
                     f"{figure(results, unit, 'peak_rss_mib'):.0f} |")
    if len(long) > 1:
        first, last = long[0], long[-1]
        growth = (figure(results, last, "peak_rss_mib")
                  - figure(results, first, "peak_rss_mib")) * 2**20
        per_point = growth / (figure(results, last, "points") - figure(results, first, "points"))
        lines += ["", f"From {figure(results, first, 'points'):,.0f} to "
                  f"{figure(results, last, 'points'):,.0f} points the peak grew by "
                  f"{growth / 2**20:.0f} MiB, {per_point:.0f} bytes per point; a materialised "
                  "array of every stride-1 window would take 60 × 4 = 240 bytes per point (229 "
                  "MiB for a million)."]
    return lines


# --- The GAN ensembles' cost beside their single models ----------------------------------------

#: Each base GAN of an ensemble, on the data its ensemble is judged on.
ENSEMBLE_DATA = {"egbad": ("kdd99", {}), "ganomaly": ("mnist", {"normal_digits": [0]}),
                 "anogan": ("mnist", {"normal_digits": [0]}),
                 "tanogan": ("nab:realKnownCause/ambient_temperature_system_failure.csv", {})}

ENSEMBLE_COST = """
import json, time, numpy as np, keras, tensorflow as tf
import datasets, zoo
ds = datasets.load({dataset!r}, data_dir={data_dir!r}, **{options!r})
x_train = np.ascontiguousarray(ds.examples("train")[0])
x_test = np.ascontiguousarray(ds.examples("test")[0][:{score_examples}])
# Full batches only: one traced shape, so no step is timed while retracing.
batches = tf.data.Dataset.from_tensor_slices(x_train).repeat().batch({batch_size},
                                                                    drop_remainder=True)
models = {{}}
for name in ({base!r}, {base!r} + "_ensemble"):
    keras.utils.set_random_seed({seed})
    models[name] = zoo.get(name).for_dataset(ds, seed={seed})
    models[name].compile()
    models[name].fit(batches.take(5), epochs=1, verbose=0)   # trace and warm up
    models[name].score(x_test[:8])                            # trace
speeds = {{name: {{"train_steps_per_s": [], "score_examples_per_s": []}} for name in models}}
for _ in range({rounds}):  # the two models in turn, so that neither has the quieter machine
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(batches.take({steps}), epochs=1, verbose=0)
        speeds[name]["train_steps_per_s"].append({steps} / (time.perf_counter() - start))
        start = time.perf_counter()
        model.score(x_test, batch_size=256)
        speeds[name]["score_examples_per_s"].append(len(x_test) / (time.perf_counter() - start))
print("RESULT" + json.dumps({{name: {{k: max(v) for k, v in row.items()}}
                             for name, row in speeds.items()}}))
"""


def run_ensemble_cost(trial: Trial) -> dict[str, Any]:
    """One base GAN and its 3 x 3 ensemble in one fresh process, timed in turn; each speed the
    best of the rounds."""
    s = trial.settings
    dataset, options = ENSEMBLE_DATA[trial.method]
    return {"rows": measure(ENSEMBLE_COST.format(
        base=trial.method, dataset=dataset, options=options, data_dir=trial.data_dir,
        seed=trial.seed, batch_size=s["batch_size"], steps=s["steps"], rounds=s["rounds"],
        score_examples=s["score_examples"]))}


def ensemble_cost_section(results: Results) -> list[str]:
    s = results.settings
    lines = [f"Each base GAN and its ensemble (3 generators against 3 discriminators) built in "
             f"one fresh process on the data they are judged on, traced, then timed in turn for "
             f"{s['rounds']} rounds (the best round of each kept): {s['steps']} training steps of "
             f"batch {s['batch_size']}, then the first {s['score_examples']} test examples "
             "scored in batches of 256. The cost columns: the ensemble's time over the single "
             "model's.", "",
             "| base | data | training steps/s: single | ensemble | cost | scored examples/s: "
             "single | ensemble | cost |", "|---|---|---|---|---|---|---|---|"]
    for base in results.methods():
        single, ensemble = (results.rows(base, results.seeds(base)[0])[name]
                            for name in (base, f"{base}_ensemble"))
        cells = []
        for metric in ("train_steps_per_s", "score_examples_per_s"):
            cells += [f"{single[metric]:.1f}", f"{ensemble[metric]:.1f}",
                      f"{single[metric] / ensemble[metric]:.1f}×"]
        lines.append(f"| {base} | {ENSEMBLE_DATA[base][0]} | " + " | ".join(cells) + " |")
    return lines


PROTOCOLS = [
    Protocol(name="performance", title="TAnoGAN's training, inversion and long-series scoring",
             group="Speed and memory", methods=(METHOD,), run=run_performance,
             section=performance_section, seeds=(0,), units=units, document="PERFORMANCE.md",
             settings={"long_points": [100_000, 1_000_000], "stride": 60,
                       "inversion_steps": 5}),
    Protocol(name="ensemble-cost", title="The GAN ensembles' cost beside their single models",
             group="Speed and memory", methods=tuple(ENSEMBLE_DATA), run=run_ensemble_cost,
             section=ensemble_cost_section, seeds=(0,), document="PERFORMANCE.md",
             settings={"batch_size": 32, "steps": 100, "rounds": 3, "score_examples": 256}),
]
