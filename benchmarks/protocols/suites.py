"""The time-series suites: every labelled NAB series, and SMAP/MSL telemetry channels.

Each unit is one series on its own, under its loader's chronological split: NAB's train 40%,
val 10%, test 50%; a SMAP/MSL channel's nominal `train/` array (less a val part from its end)
for training and its `test/` array for testing, every feature kept, the one-hot command columns
included, as telemanom and TranAD do. The zoo's time-series models train on the stride-1 windows
of 60 of the training part with train.py's defaults (batch 32, each model's own epochs); the
plain baselines, IsolationForest and PCA reconstruction, fit on the same windows. Every method
scores the test windows at the protocol's stride, window scores map to points (the max over the
covering windows), and the test points are judged by AUROC, AUPRC, VUS-PR and VUS-ROC (TSB-AD's
volume under the surface, its buffer up to the test part's period).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

import datasets
import zoo
from benchmarks import common, harness
from benchmarks.harness import Entry, Protocol, Results, Trial
from benchmarks.protocols import nab
from datasets import nab as nab_data
from datasets import smap_msl
from zoo import baselines, evaluation

MODELS = ("tanogan", "gru_vae_series", "ganrl")
FOREST, PCA = "IsolationForest", "PCA"
BASELINES: dict[str, Callable[[int], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    FOREST: lambda seed: lambda x_train, x: baselines.isolation_forest_scores(x_train, x, seed),
    PCA: lambda seed: baselines.pca_reconstruction_scores}
METRICS = ("auroc", "auprc", "vus_pr", "vus_roc")
LABELS = {"auroc": "AUROC", "auprc": "AUPRC", "vus_pr": "VUS-PR", "vus_roc": "VUS-ROC"}
SETTINGS = {"test_stride": 10, "batch_size": 32, "epochs": None}
#: SMAP and MSL channels in the suite: the first ten of each in labeled_anomalies.csv's order,
#: fixed before any result was seen.
CHANNELS_PER_SPACECRAFT = 10
#: TAnoGAN's GAN ensemble is judged on its paper's series and the suite's first five others
#: (file order), fixed before any ensemble result was seen.
ENSEMBLE, OTHER_SERIES = "tanogan_ensemble", 5


def judged(ds, scored: evaluation.SplitScores) -> dict[str, float]:
    """AUROC, AUPRC, VUS-PR and VUS-ROC of the test points, and the VUS buffer used."""
    return {**nab.judged_points(scored.labels, scored.scores, ds.test.x),
            "points": len(scored.labels), "anomalies": int(scored.labels.sum())}


def epochs_of(method: str, settings: Mapping[str, Any]) -> int:
    """The epochs a model trains for: the setting, else the model's own default."""
    return settings["epochs"] or zoo.get(method).DEFAULT_EPOCHS


def run_series(dataset: str, trial: Trial) -> dict[str, Any]:
    """One method on one series (the unit): its metrics on the test points."""
    s = trial.settings
    ds = datasets.load(dataset, data_dir=trial.data_dir)
    if trial.method in BASELINES:
        scored = evaluation.baseline_split(ds, "test", s["test_stride"],
                                           BASELINES[trial.method](trial.seed), trial.method)
        return {"rows": {trial.method: judged(ds, scored)}}
    model, seconds, epochs = common.train_detector(trial.method, ds, trial.seed,
                                                   epochs_of(trial.method, s), s["batch_size"])
    scored = evaluation.score_split(model, ds, "test", stride=s["test_stride"])
    return {"rows": {trial.method: {**judged(ds, scored), "train_s": seconds,
                                    "epochs": epochs}}}


def nab_units(settings: Mapping[str, Any], data_dir: str | None) -> list[str]:
    """Every NAB series present with at least one labelled anomaly in its test part."""
    return [key for key in nab_data.series_keys(data_dir)
            if datasets.load(f"nab:{key}", data_dir=data_dir).test.y.any()]


def ensemble_units(settings: Mapping[str, Any], data_dir: str | None) -> list[str]:
    """TAnoGAN's paper series, then the first OTHER_SERIES other series of the NAB suite."""
    paper = nab.SERIES.removeprefix("nab:")
    suite = nab_units(settings, data_dir)
    return ([paper] if paper in suite else []) + [u for u in suite if u != paper][:OTHER_SERIES]


def smap_msl_units(settings: Mapping[str, Any], data_dir: str | None) -> list[str]:
    return [channel for craft in ("SMAP", "MSL")
            for channel in smap_msl.channels(data_dir, spacecraft=craft)[
                :CHANNELS_PER_SPACECRAFT]]


def unit_means(results: Results, method: str, metric: str) -> dict[str, float]:
    """{unit: mean of `metric` over the seeds cached for it} for `method`."""
    return {unit: float(np.mean(values)) for unit in results.units(method)
            if (values := results.values(method, method, metric, unit))}


def suite_table(results: Results, unit_name: str) -> list[str]:
    """Per-unit rows (AUROC / AUPRC / VUS-PR of each method), then each method's means and its
    wins against each plain baseline."""
    units = unit_name if unit_name.endswith("s") else f"{unit_name}s"
    methods = results.methods()
    lines = [f"| {unit_name} | " + " | ".join(methods) + " |",
             "|---|" + "---|" * len(methods)]
    for unit in results.units():
        cells = []
        for method in methods:
            means = [unit_means(results, method, m).get(unit) for m in ("auroc", "auprc",
                                                                          "vus_pr")]
            cells.append("—" if means[0] is None else " / ".join(f"{v:.3f}" for v in means))
        lines.append(f"| {unit} | " + " | ".join(cells) + " |")
    lines += ["", f"Cells: AUROC / AUPRC / VUS-PR on the test points (mean over seeds where a "
              f"{unit_name} ran more than one). Means over the {units} each method ran; wins: "
              f"the {units} where it beats the baseline (AUROC, then VUS-PR), of those both "
              "ran. VUS-ROC rewards the buffer around each range: uninformative scores reach "
              "well above 0.5 on it.", "",
              f"| method | {units} | " + " | ".join(f"mean {LABELS[m]}" for m in METRICS)
              + f" | wins vs {FOREST} | wins vs {PCA} | hours |",
              "|---|---|" + "---|" * len(METRICS) + "---|---|---|"]
    for method in methods:
        means = {m: unit_means(results, method, m) for m in METRICS}
        wins = []
        for baseline in (FOREST, PCA):
            parts = []
            for metric in ("auroc", "vus_pr"):
                theirs = unit_means(results, baseline, metric)
                shared = [u for u in means[metric] if u in theirs]
                parts.append(f"{sum(means[metric][u] > theirs[u] for u in shared)}/{len(shared)}")
            wins.append(", ".join(parts) if method != baseline else "—")
        hours = sum(record["seconds"] or 0 for m, _, _, record in results.trials()
                    if m == method) / 3600
        lines.append(f"| {method} | {len(means['auroc'])} | "
                     + " | ".join(f"{np.mean(list(means[m].values())):.3f}" for m in METRICS)
                     + f" | {wins[0]} | {wins[1]} | {hours:.2f} |")
    models = [m for m in methods if m not in BASELINES]
    seconds = {m: [record["seconds"] for method, _, _, record in results.trials()
                   if method == m and record.get("seconds")] for m in models}
    slowest = max(models, key=lambda m: np.mean(seconds[m]) if seconds[m] else 0.0,
                  default=None)
    if slowest and seconds[slowest]:
        runs = seconds[slowest]
        lines += ["", f"Slowest model: {slowest}, {np.mean(runs) / 60:.1f} minutes a run on average "
                      f"({len(runs)} runs, {sum(runs) / 3600:.2f} hours in all) on "
                      f"{'; '.join(results.machines())}."]
    return lines


def suite_section(unit_name: str, settings_text: str) -> Callable[[Results], list[str]]:
    def section(results: Results) -> list[str]:
        epochs = ", ".join(f"{m} {epochs_of(m, results.settings)}" for m in MODELS)
        return [settings_text, "",
                f"Epochs: {epochs}; test windows at stride "
                f"{results.settings['test_stride']}. PCA keeps the components that "
                "explain 90% of the standardised training windows' variance.", "",
                *suite_table(results, unit_name)]
    return section


def suite_leaderboard(task: str, dataset_of: Callable[[str], str],
                      models: tuple[str, ...] = MODELS,
                      why: Callable[[Results, str], str] = lambda results, method: "",
                      unit_name: str = "series") -> Callable[[Results], list[Entry]]:
    """One entry per model of `models`: its per-unit AUROCs beside the better baseline's, on the
    units both ran (counted as `unit_name`); `why` gives an entry its line of diagnosis."""
    def leaderboard(results: Results) -> list[Entry]:
        entries = []
        for method in (m for m in models if m in results.methods()):
            ours = unit_means(results, method, "auroc")
            best = max((b for b in BASELINES if b in results.methods()),
                       key=lambda b: np.mean([unit_means(results, b, "auroc").get(u, np.nan)
                                              for u in ours]))
            theirs = unit_means(results, best, "auroc")
            units = [u for u in ours if u in theirs]
            entries.append(Entry(
                model=method, task=f"{task} ({len(units)} {unit_name})", metric="AUROC",
                ours=[ours[u] for u in units], baseline_name=best,
                baseline=[theirs[u] for u in units], count_of=unit_name,
                paper_note="no paper figure over this suite", why=why(results, method),
                command=f"python train.py --model {method} --dataset {dataset_of(units[0])} "
                        f"--epochs {epochs_of(method, results.settings)} "
                        f"--stride {results.settings['test_stride']}"))
        return entries
    return leaderboard


def ensemble_section(results: Results) -> list[str]:
    """The ensemble beside TAnoGAN per series, then the ensemble paper's claims on AUROC and
    VUS-PR."""
    return ["TAnoGAN's paper series and the first five other series of the NAB suite (file "
            "order), under the suite's split and settings; tanogan_ensemble: 3 TAnoGAN "
            "generators against 3 discriminators, one drawn pair trained per step, the score "
            "TAnoGAN's (the search of z, residual and discrimination) averaged over the 9 pairs. "
            f"Epochs: {epochs_of('tanogan', results.settings)} for both; test windows at stride "
            f"{results.settings['test_stride']}; 3 seeds per series.", "",
            *suite_table(results, "series"), "",
            *("- " + harness.ensemble_claims(results, ENSEMBLE, "tanogan", metric,
                                             LABELS[metric], "series")
              for metric in ("auroc", "vus_pr"))]


def single_model_line(results: Results, method: str) -> str:
    """The ensemble's single model on the same series and seeds, for its leaderboard row."""
    single = unit_means(results, "tanogan", "auroc")
    ours = [u for u in unit_means(results, method, "auroc") if u in single]
    return (f"TAnoGAN alone, same series and seeds: mean AUROC "
            f"{np.mean([single[u] for u in ours]):.3f}." if ours else "")


GROUP = "Time-series suites (NAB, SMAP and MSL)"
PROTOCOLS = [
    Protocol(name="nab-suite", title="Every labelled NAB series, one by one",
             group=GROUP, methods=(*MODELS, FOREST, PCA), seeds=(0,),
             run=lambda trial: run_series(f"nab:{trial.unit}", trial), units=nab_units,
             settings=SETTINGS,
             section=suite_section("series", "Every shared NAB series with at least one "
                                   "labelled anomaly in its test part (the loader's split: "
                                   "train 40%, val 10%, test 50%, min-max fitted on train)."),
             leaderboard=suite_leaderboard("NAB suite", lambda unit: f"nab:{unit}")),
    Protocol(name="smap-msl-suite", title="SMAP and MSL telemetry, channel by channel",
             group=GROUP, methods=(*MODELS, FOREST, PCA), seeds=(0,),
             run=lambda trial: run_series(f"smap-msl:{trial.unit}", trial),
             units=smap_msl_units, settings=SETTINGS,
             section=suite_section("channel", "The first ten SMAP and the first ten MSL "
                                   "channels of labeled_anomalies.csv, in its order; every "
                                   "feature kept (telemetry and one-hot commands)."),
             leaderboard=suite_leaderboard("SMAP and MSL", lambda unit: f"smap-msl:{unit}",
                                           unit_name="channels")),
    Protocol(name="ensembles-nab", title="TAnoGAN and its GAN ensemble on NAB series",
             group=GROUP, methods=("tanogan", ENSEMBLE, FOREST, PCA), seeds=(0, 1, 2),
             run=lambda trial: run_series(f"nab:{trial.unit}", trial), units=ensemble_units,
             settings=SETTINGS, section=ensemble_section,
             leaderboard=suite_leaderboard("NAB, TAnoGAN's series and five others",
                                           lambda unit: f"nab:{unit}", models=(ENSEMBLE,),
                                           why=single_model_line)),
]
