"""GAN+RL and its window classifiers (Long & Wang): the supervised C-LSTM, LSTM+DNN and CNN+DNN of
its Table III on every NAB series, and GAN+RL against EGBAD and IsolationForest as its Table IV.

Classifiers (`classifiers-nab-shuffled`, `classifiers-nab-time`). Data as the paper (Table III,
on Yahoo A1): windows of 60 with stride 1, a window labelled anomalous when it holds an anomalous
point (NAB: a point inside one of the series' labelled anomaly windows, as the `nab` loader labels
them); the windows of all series combined. Two splits:

- shuffled (the paper's): each series min-max scaled onto [0, 1] on its whole length, all windows
  shuffled, a random 80% to train and 20% to test, re-drawn for each seed. Overlapping stride-1
  windows leak between the two: a test window shares 59 of its 60 points with its neighbours,
  most of which are training windows.
- by time (leakage-free): inside each series, the first 70% of its windows train, the last 30%
  test, with one window's length of windows dropped between them, so no test window shares a
  point with a training window; the min-max statistics come from each series' training points.
  The same for every seed.

Each model trains on every `train_stride`-th window of its training part (windows whose start is
a multiple of it; 5 bounds the training time, the paper used all) for `epochs` epochs, batches of
`batch_size`, Adam 1e-3, the cross-entropy weighted to balance the classes of those training
windows, and is scored on every test window: accuracy, precision, recall and F1 of
P(anomalous) > 0.5, AUROC and AUPRC. Baselines on the same training windows, flattened: the
cost-sensitive SVM of zoo.baselines (decision > 0 flags) and IsolationForest (labels unused; the
top p% of test scores flagged, p = the training windows' anomalous share). The split by time also
runs "diagnosis": no model, the figures that explain why its classifiers rank below random.

GAN+RL (`ganrl-nab`). Each series on its own (the paper's "each series processed separately"),
split by the NAB loader in time (train 40%, val 10%, test 50%; min-max fitted on train), windows
of 60. Every method trains, unsupervised, on the stride-1 training windows (NAB anomalies in them
included, as the paper trains on unlabelled traffic) and scores the test windows of stride
`test_stride`; window scores map to points (max over the windows covering a point). Per series:
AUROC and AUPRC of the test points; then the paper's second criterion: flag the top p% of a
series' test points, p = the anomaly rate of the training points of all series pooled (training
labels only). Precision, recall and F1 pool the flags of all series; AUROC and AUPRC are the mean
over series. Methods: GAN+RL (zoo `ganrl` at its defaults: stage 1 one epoch, then `epochs`
epochs of the GAN, n_critic 5, batch 32); EGBAD (zoo `egbad`, its dense KDD99 networks on windows
flattened to 60 features, learning rate 1e-4, the same epochs and batch; the paper's benchmark
model); IsolationForest (scikit-learn defaults, on the flattened windows). The unit is the whole
set of series: the top-p% criterion pools every series' flags. The critic's and the generator's
loss curves of seed 0 are drawn to docs/ganrl_losses.png.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

import datasets
from benchmarks import harness
from benchmarks.harness import BenchmarkError, Entry, Protocol, Results, Trial, mean_std
from benchmarks.protocols import nab as nab_protocols
from datasets import nab, windows
from zoo import baselines, metrics

GROUP = "GAN+RL and its window classifiers"
WINDOW = 60

# --- the supervised window classifiers (Table III) -------------------------------------------

MODELS = ("lstm_dnn", "cnn_dnn", "clstm")
LABELS = {"lstm_dnn": "LSTM+DNN", "cnn_dnn": "CNN+DNN", "clstm": "C-LSTM"}
SVM, FOREST, DIAGNOSIS = "SVM", "IsolationForest", "diagnosis"
BASELINES = (SVM, FOREST)
#: GAN+RL's Table III, Yahoo A1, shuffled split: F1 in percent.
PAPER_F1 = {"lstm_dnn": 49.6, "cnn_dnn": 90.6, "clstm": 92.3}
TRAIN_SHARE = 0.7  # of each series' windows, in the split by time
SHUFFLED, BY_TIME = "shuffled", "by time"
#: "series": "all" (every NAB series in the data dir) or a list of <category>/<file>.csv keys.
CLASSIFIER_SETTINGS = {"epochs": 5, "batch_size": 256, "train_stride": 5, "svm_max_train": 10_000,
                       "series": "all"}
METRICS = ("accuracy", "precision", "recall", "f1", "auroc", "auprc")


@dataclass
class Windows:
    """Windows float32 [n, 60, 1] (scaled), labels int8 [n], each window's start in its series
    int64 [n] and the index of its series int64 [n]."""

    x: np.ndarray
    y: np.ndarray
    start: np.ndarray
    series: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def take(self, index: np.ndarray) -> "Windows":
        return Windows(self.x[index], self.y[index], self.start[index], self.series[index])

    @staticmethod
    def concat(parts: list["Windows"]) -> "Windows":
        return Windows(*(np.concatenate([getattr(p, f) for p in parts])
                         for f in ("x", "y", "start", "series")))


def series_keys(settings: Mapping[str, Any], data_dir: str | None) -> list[str]:
    """The NAB series a classifier protocol pools: every one ("all"), or the `series` listed."""
    keys = nab.series_keys(data_dir) if settings["series"] == "all" else list(settings["series"])
    if not keys:
        raise BenchmarkError(f"no NAB series under {nab.nab_root(data_dir) / 'data'}")
    return keys


def load_series(keys: list[str], data_dir: str | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(values float64 [T], point labels int8 [T]) of each NAB series, whole (the loader's
    train, val and test parts joined again)."""
    series = []
    for key in keys:
        ds = datasets.load(f"nab:{key}", data_dir=data_dir, window=WINDOW)
        parts = (ds.train, ds.val, ds.test)
        series.append((np.concatenate([p.x[:, 0] for p in parts]).astype(np.float64),
                       np.concatenate([p.y for p in parts])))
    return series


def minmax(values: np.ndarray, fitted_on: np.ndarray) -> np.ndarray:
    """`values` scaled onto [0, 1] by the min and max of `fitted_on` (a constant: span 1)."""
    low, high = float(fitted_on.min()), float(fitted_on.max())
    return ((values - low) / (high - low if high > low else 1.0)).astype(np.float32)


def cut(scaled: np.ndarray, labels: np.ndarray, index: int = 0) -> Windows:
    """Every stride-1 window of one scaled series (series number `index`), with its label and
    start."""
    x = np.ascontiguousarray(windows.sliding_windows(scaled[:, None], WINDOW, 1))
    y = windows.window_labels(labels, WINDOW, 1)
    return Windows(x, y, np.arange(len(y)), np.full(len(y), index))


def shuffled_split(series, seed: int) -> tuple[Windows, Windows]:
    """The paper's split: every window of every series (each scaled on its whole length),
    shuffled by `seed`, 80% train, 20% test."""
    every = Windows.concat([cut(minmax(v, v), y, i) for i, (v, y) in enumerate(series)])
    order = np.random.default_rng(seed).permutation(len(every))
    n_test = round(0.2 * len(every))
    return every.take(np.sort(order[n_test:])), every.take(np.sort(order[:n_test]))


def time_split(series) -> tuple[Windows, Windows]:
    """The leakage-free split: in each series, the first 70% of windows train, then a gap of
    WINDOW windows, then the rest test; scaled by the training points' min and max."""
    train, test = [], []
    for index, (values, labels) in enumerate(series):
        n_windows = len(values) - WINDOW + 1
        n_train = int(TRAIN_SHARE * n_windows)
        # Training windows cover points 0 .. n_train + WINDOW - 2.
        scaled = minmax(values, values[:n_train + WINDOW - 1])
        every = cut(scaled, labels, index)
        train.append(every.take(np.arange(n_train)))
        test.append(every.take(np.arange(n_train + WINDOW, n_windows)))
    return Windows.concat(train), Windows.concat(test)


def judged(y: np.ndarray, scores: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall, F1 of the flags `predicted`; AUROC and AUPRC of `scores`."""
    precision, recall, f1 = metrics.precision_recall_f1(y, predicted)
    return {"accuracy": float(np.mean(predicted == (y == 1))), "precision": precision,
            "recall": recall, "f1": f1, "auroc": metrics.auroc(y, scores),
            "auprc": metrics.auprc(y, scores)}


def series_decomposition(test: Windows, scores: np.ndarray) -> dict[str, float]:
    """The pooled AUROC taken apart: the mean AUROC inside each series (those whose test part
    holds both classes) and the AUROC of each window's series-mean score (the ranking of whole
    series against each other)."""
    ids = np.unique(test.series)
    means = np.zeros(ids.max() + 1)
    within = []
    for i in ids:
        mine = test.series == i
        means[i] = scores[mine].mean()
        if 0 < test.y[mine].sum() < mine.sum():
            within.append(metrics.auroc(test.y[mine], scores[mine]))
    return {"within_series_auroc": float(np.mean(within)) if within else float("nan"),
            "series_mean_auroc": metrics.auroc(test.y, means[test.series])}


def train_and_score(name: str, train: Windows, test: Windows, seed: int,
                    settings: Mapping[str, Any]) -> dict[str, float]:
    """Train zoo model `name` on the strided `train` windows (already scaled: scaling=None) and
    judge P(anomalous) of every `test` window."""
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    import zoo  # noqa: PLC0415
    from zoo.classifiers import balanced_anomaly_weight  # noqa: PLC0415

    keep = train.start % settings["train_stride"] == 0
    x, y = train.x[keep], train.y[keep]
    weight = balanced_anomaly_weight(y)
    keras.utils.set_random_seed(seed)
    model = zoo.get(name)(example_shape=(WINDOW, 1), anomaly_weight=weight, scaling=None,
                          seed=seed)
    model.compile()
    batches = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(y), seed=seed)
               .batch(settings["batch_size"]).prefetch(tf.data.AUTOTUNE))
    started = time.time()
    model.fit(batches, epochs=settings["epochs"], shuffle=False, verbose=2)
    seconds = time.time() - started
    scores = model.score(test.x, batch_size=2048)
    if not np.all(np.isfinite(scores)):
        raise SystemExit(f"{name}, seed {seed}: non-finite scores (training diverged)")
    return {**judged(test.y, scores, scores > 0.5), "train_s": seconds,
            "train_windows": int(len(y)), "anomaly_weight": weight,
            **series_decomposition(test, scores)}


def baseline_scores(method: str, train: Windows, test: Windows, seed: int,
                    settings: Mapping[str, Any]) -> dict[str, float]:
    """A plain baseline on the strided, flattened training windows, judged on every test window:
    the cost-sensitive SVM flags decision > 0; IsolationForest (labels unused) flags the top p%
    of test scores, p = the training windows' anomalous share."""
    keep = train.start % settings["train_stride"] == 0
    x, y = train.x[keep], train.y[keep]
    if method == SVM:
        scores = baselines.cost_sensitive_svm(x, y, settings["svm_max_train"], seed)(test.x)
        predicted = scores > 0
    else:
        scores = baselines.isolation_forest_scores(x, test.x, seed)
        predicted = metrics.top_percent_predictions(scores, 100.0 * float(np.mean(y)))
    return {**judged(test.y, scores, predicted), "train_windows": int(len(y)),
            **series_decomposition(test, scores)}


def split_facts(train: Windows, test: Windows, stride: int) -> dict[str, float]:
    keep = train.start % stride == 0
    return {"train_windows": int(keep.sum()), "train_anomalous": float(train.y[keep].mean()),
            "test_windows": len(test), "test_anomalous": float(test.y.mean())}


def diagnosis(train: Windows, test: Windows, stride: int) -> dict[str, dict[str, float]]:
    """Why a classifier trained on `train` can rank `test` below random, without a model.

    Rows: "series" (how many series hold anomalous windows only in their training part, only in
    their test part, in both, in neither, and the shares of windows those groups hold);
    "training windows" (the strided ones the classifiers train on) and "test windows": their
    anomalous share; the AUROC of scoring each window by its series' anomalous share among the
    training windows ("series_prior_auroc"); the AUROC of minus the window's mean scaled level
    ("low_level_auroc"); the mean level of anomalous and of normal windows; the share of each
    class with a point outside the training points' [0, 1] range; the class weight.
    """
    from zoo.classifiers import balanced_anomaly_weight  # noqa: PLC0415

    train = train.take(np.flatnonzero(train.start % stride == 0))
    n_series = int(max(train.series.max(), test.series.max())) + 1
    count = functools.partial(np.bincount, minlength=n_series)
    train_anomalous, test_anomalous = count(train.series, train.y), count(test.series, test.y)
    test_normal = count(test.series, 1 - test.y)
    prior = train_anomalous / np.maximum(count(train.series), 1)
    only_train, only_test = (train_anomalous > 0) & (test_anomalous == 0), (
        (train_anomalous == 0) & (test_anomalous > 0))
    rows = {"series": {
        "count": n_series, "train_only": int(only_train.sum()), "test_only": int(only_test.sum()),
        "both": int(((train_anomalous > 0) & (test_anomalous > 0)).sum()),
        "neither": int(((train_anomalous == 0) & (test_anomalous == 0)).sum()),
        "train_only_share_of_train_anomalous":
            float(train_anomalous[only_train].sum() / train_anomalous.sum()),
        "train_only_share_of_test_normal": float(test_normal[only_train].sum() / test_normal.sum()),
        "test_only_share_of_test_anomalous":
            float(test_anomalous[only_test].sum() / test_anomalous.sum())}}
    for name, part in (("training windows", train), ("test windows", test)):
        level = part.x[:, :, 0].mean(axis=1)
        outside = (part.x.max(axis=(1, 2)) > 1) | (part.x.min(axis=(1, 2)) < 0)
        anomalous = part.y == 1
        rows[name] = {"windows": len(part), "anomalous_share": float(anomalous.mean()),
                      "series_prior_auroc": metrics.auroc(part.y, prior[part.series]),
                      "low_level_auroc": metrics.auroc(part.y, -level),
                      "level_anomalous": float(level[anomalous].mean()),
                      "level_normal": float(level[~anomalous].mean()),
                      "outside_range_anomalous": float(outside[anomalous].mean()),
                      "outside_range_normal": float(outside[~anomalous].mean())}
    rows["training windows"]["anomaly_weight"] = balanced_anomaly_weight(train.y)
    return rows


def run_classifiers(trial: Trial, split: str) -> dict[str, Any]:
    """One classifier, baseline or the diagnosis, one seed, on the pooled windows of `split`."""
    s = trial.settings
    keys = series_keys(s, trial.data_dir)
    series = load_series(keys, trial.data_dir)
    train, test = shuffled_split(series, trial.seed) if split == SHUFFLED else time_split(series)
    facts = {"series": keys, "split": split_facts(train, test, s["train_stride"])}
    if trial.method == DIAGNOSIS:
        return {"rows": diagnosis(train, test, s["train_stride"]), **facts}
    if trial.method in MODELS:
        row = train_and_score(trial.method, train, test, trial.seed, s)
    else:
        row = baseline_scores(trial.method, train, test, trial.seed, s)
    return {"rows": {LABELS.get(trial.method, trial.method): row}, **facts}


def _split_facts(results: Results) -> dict[str, float]:
    """The split facts of the first seed's first run that has them."""
    for seed in results.seeds():
        for method in results.methods():
            record = results.record(method, seed)
            if record and "split" in record:
                return record["split"]
    raise BenchmarkError(f"{results.protocol.name}: no cached run records its split")


def _mean(results: Results, method: str, metric: str, row: str | None = None) -> float:
    return float(np.mean(results.values(method, row or LABELS.get(method, method), metric)))


def _side(value: float) -> str:
    return "below" if value < 0.5 else "above" if value > 0.5 else "at"


def diagnosis_text(results: Results) -> str:
    """The paragraph beside the split-by-time table: every figure from the diagnosis runs and
    the cached runs of the table, its words (below or above random, lower or higher) from the
    figures."""
    d = results.rows(DIAGNOSIS, results.seeds(DIAGNOSIS)[0])
    series, tr, te = d["series"], d["training windows"], d["test windows"]
    nets = [m for m in MODELS if m in results.methods()]
    aurocs = {m: _mean(results, m, "auroc") for m in nets}
    below = bool(nets) and all(v < 0.5 for v in aurocs.values())
    pooled = ", ".join(f"{LABELS[m]} {v:.3f}" for m, v in aurocs.items())
    decomposed = [m for m in (*MODELS, SVM) if m in results.methods()
                  and results.values(m, LABELS.get(m, m), "within_series_auroc")]

    def lower(anomalous: float, normal: float) -> str:
        return "lower than" if anomalous < normal else "higher than" if anomalous > normal else (
            "level with")

    text = ("**Why below random.** " if below else "**Where the anomalies sit.** ")
    if nets:
        text += f"Pooled test AUROC of the classifiers: {pooled}. "
    text += (f"Of the {series['count']} series, {series['train_only']} hold anomalous windows "
             f"only in their first {TRAIN_SHARE:.0%} "
             f"({series['train_only_share_of_train_anomalous']:.1%} of the anomalous training "
             f"windows, {series['train_only_share_of_test_normal']:.1%} of the normal test "
             f"windows), {series['test_only']} only in their last {1 - TRAIN_SHARE:.0%} "
             f"({series['test_only_share_of_test_anomalous']:.1%} of the anomalous test windows), "
             f"{series['both']} in both, "
             f"{series['neither']} in neither. Scoring each window by nothing but its series' "
             f"anomalous share among the training windows gives AUROC "
             f"{tr['series_prior_auroc']:.3f} on the training windows and "
             f"{te['series_prior_auroc']:.3f} on the test windows")
    if te["series_prior_auroc"] < 0.5 < tr["series_prior_auroc"]:
        text += (": the series that held the training anomalies are not the ones that hold the "
                 "test anomalies, so what a classifier learns about which series are anomalous "
                 "ranks the test windows below random")
    text += (f". Anomalous training windows sit {lower(tr['level_anomalous'], tr['level_normal'])} "
             f"normal ones (mean scaled level {tr['level_anomalous']:.3f} against "
             f"{tr['level_normal']:.3f}; minus the level as a score: AUROC "
             f"{tr['low_level_auroc']:.3f}), anomalous test windows "
             f"{lower(te['level_anomalous'], te['level_normal'])} normal ones "
             f"({te['level_anomalous']:.3f} against {te['level_normal']:.3f}; AUROC "
             f"{te['low_level_auroc']:.3f}); {te['outside_range_anomalous']:.1%} of the anomalous "
             f"test windows reach outside the training points' [0, 1] range, against "
             f"{te['outside_range_normal']:.1%} of the normal ones")
    if FOREST in results.methods():
        text += (f"; the unsupervised IsolationForest, which never sees a label, scores AUROC "
                 f"{_mean(results, FOREST, 'auroc'):.3f}")
    text += "."
    if decomposed:
        parts = []
        for m in decomposed:
            within = _mean(results, m, "within_series_auroc")
            between = _mean(results, m, "series_mean_auroc")
            parts.append(f"{LABELS.get(m, m)}: {within:.3f} inside a series ({_side(within)} "
                         f"0.5), {between:.3f} for its series-mean score ({_side(between)} 0.5)")
        text += (" Taken apart, the pooled AUROC (mean AUROC inside each series, then the AUROC "
                 "of each window's series-mean score, which ranks whole series against each "
                 "other): " + "; ".join(parts) + ".")
    text += (f" The class weight ({tr['anomaly_weight']:.2f} per anomalous window) moves where "
             f"P(anomalous) > 0.5 falls (calling every test window normal would be "
             f"{1 - te['anomalous_share']:.1%} accurate); it does not change the ranking AUROC "
             f"measures.")
    return text


def diagnosis_line(results: Results) -> str:
    """One line of the diagnosis, for the leaderboard."""
    d = results.rows(DIAGNOSIS, results.seeds(DIAGNOSIS)[0])
    train, test = d["training windows"]["series_prior_auroc"], d["test windows"][
        "series_prior_auroc"]
    line = (f"scoring a window by its series' training anomaly share gives test AUROC "
            f"{test:.2f} ({train:.2f} on training windows).")
    if test < 0.5 < train:
        return "Training and test anomalies sit in different series: " + line
    return line[0].upper() + line[1:]


def classifiers_section(results: Results, split: str) -> list[str]:
    s = results.settings
    f = _split_facts(results)
    n_series = len(next(record["series"] for *_, record in results.trials()))
    described = (f"{f['train_windows']} training windows ({100 * f['train_anomalous']:.1f}% "
                 f"anomalous), {f['test_windows']} test windows "
                 f"({100 * f['test_anomalous']:.1f}% anomalous: the AUPRC of a random score)")
    scaled = ("each min-max scaled onto [0, 1] on its own" if split == SHUFFLED else
              "each min-max scaled onto [0, 1] by its training points")
    lines = [f"Data: {n_series} NAB series, {scaled}, windows of {WINDOW}, stride 1; a window is "
             "anomalous when it holds a point inside one of the series' NAB anomaly windows "
             "(NAB labels windows around each anomaly, 10% of a file in all, where Yahoo A1 "
             "labels points: more and broader anomalous windows than the paper's). Models: the "
             "zoo's `clstm`, `lstm_dnn`, `cnn_dnn` at their paper widths (zoo/classifiers.py), "
             f"{s['epochs']} epoch(s), batch {s['batch_size']}, Adam 1e-3, cross-entropy "
             "weighted to balance the training classes; trained on the windows whose start is a "
             f"multiple of {s['train_stride']} (to bound the training time; the paper used all), "
             "scored on every test window. Precision, recall, F1 and accuracy: P(anomalous) > "
             "0.5. Baselines on the same training windows, flattened: SVM, the cost-sensitive "
             f"RBF SVM of zoo.baselines (at most {s['svm_max_train']} rows, a seeded sample; "
             "flags: decision > 0); IsolationForest, labels unused (flags: the top p% of test "
             "scores, p = the training windows' anomalous share). Mean ± std over seeds.", ""]
    if split == SHUFFLED:
        lines += [f"Random 80% / 20% of all windows, re-drawn for each seed (the paper's split). "
                  f"{described}. **Leaks**: stride-1 windows overlap, so nearly every test "
                  "window shares 59 of its 60 points with training windows; these numbers "
                  "measure recall of seen data more than detection. Paper F1: Long & Wang's "
                  "Table III on Yahoo A1, shuffled split, their runs.", ""]
    else:
        lines += [f"In each series the first {TRAIN_SHARE:.0%} of windows train and the last "
                  f"{1 - TRAIN_SHARE:.0%} (less a gap of {WINDOW} windows) test; no test window "
                  "shares a point with a training window; min-max fitted on each series' "
                  f"training points. {described}.", ""]
    paper = split == SHUFFLED
    extra = " paper F1 (Yahoo A1) |" if paper else ""
    lines += ["| model | accuracy | precision | recall | F1 | AUROC | AUPRC |" + extra,
              "|---|---|---|---|---|---|---|" + ("---|" if paper else "")]
    for method in results.methods():
        if method == DIAGNOSIS:
            continue
        row = LABELS.get(method, method)
        cells = [mean_std(results.values(method, row, k)) for k in METRICS]
        if paper:
            cells.append(f"{PAPER_F1[method] / 100:.3f}" if method in PAPER_F1 else "—")
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    if split == BY_TIME and DIAGNOSIS in results.methods():
        lines += ["", diagnosis_text(results)]
    return lines


def classifiers_leaderboard(results: Results, split: str) -> list[Entry]:
    metric = "f1" if split == SHUFFLED else "auroc"
    present = [b for b in BASELINES if results.values(b, b, metric)]
    if not present:
        return []
    best = max(present, key=lambda b: np.mean(results.values(b, b, metric)))
    n_series = len(next(record["series"] for *_, record in results.trials()))
    task = (f"NAB, {n_series} series pooled, shuffled 80/20 windows (leaks)" if split == SHUFFLED
            else f"NAB, {n_series} series pooled, split by time (70/30)")
    why = diagnosis_line(results) if DIAGNOSIS in results.methods() else ""
    return [Entry(model=name, task=task, metric={"f1": "F1", "auroc": "AUROC"}[metric],
                  ours=results.values(name, LABELS[name], metric), baseline_name=best,
                  baseline=results.values(best, best, metric),
                  paper=PAPER_F1[name] / 100 if split == SHUFFLED else None,
                  paper_note="" if split == SHUFFLED else
                  "the paper reports only the shuffled split (Table III, Yahoo A1)", why=why,
                  command=f"python train.py --model {name} --dataset "
                          f"nab:realKnownCause/ambient_temperature_system_failure.csv --epochs "
                          f"{results.settings['epochs']} --batch-size "
                          f"{results.settings['batch_size']}")
            for name in MODELS if name in results.methods()]


# --- GAN+RL against EGBAD and IsolationForest (Table IV) ------------------------------------

BATCH = 32
#: NAB's categories of real traffic and of known causes: web-like series, as the paper's Yahoo A1.
DEFAULT_CATEGORIES = ["realKnownCause", "realTraffic"]
GANRL, EGBAD = "GAN+RL", "EGBAD"
GANRL_METHODS = (GANRL, EGBAD, FOREST)
CURVES = ("critic_loss", "wasserstein_distance", "gradient_penalty", "generator_loss", "reward")
PAPER = ("paper (Long & Wang, Table IV, Yahoo A1, their runs): F1 — benchmark (EGBAD) 0.824, "
         "GAN+RL 0.888")
#: "series": "all" (every NAB series of the categories) or a list of <category>/<file>.csv keys.
GANRL_SETTINGS = {"epochs": 20, "test_stride": 5, "categories": DEFAULT_CATEGORIES,
                  "series": "all"}
LOSSES_PNG = "ganrl_losses.png"


def ganrl_series(settings: Mapping[str, Any], data_dir: str | None) -> tuple[list[str], list[str]]:
    """(series run, series skipped for having no anomalous point in their test part): every NAB
    series of the `categories` ("all"), or the `series` listed."""
    keys = ([k for k in nab.series_keys(data_dir) if k.split("/")[0] in settings["categories"]]
            if settings["series"] == "all" else list(settings["series"]))
    if not keys:
        raise BenchmarkError(f"no NAB series of {settings['categories']} under "
                             f"{nab.nab_root(data_dir) / 'data'}")
    # AUROC and AUPRC per series need both classes among its test points.
    skipped = [key for key in keys if not datasets.load(
        f"nab:{key}", data_dir=data_dir, window=WINDOW).test.y.any()]
    return [key for key in keys if key not in skipped], skipped


def train_ganrl(ds, x_train: np.ndarray, seed: int, epochs: int):
    import keras  # noqa: PLC0415

    import zoo  # noqa: PLC0415

    keras.utils.set_random_seed(seed)
    model = zoo.get("ganrl").for_dataset(ds, seed=seed)
    model.compile()
    history = model.fit(x_train, batch_size=BATCH, epochs=epochs, verbose=2)
    return model, history.history


def train_egbad(ds, x_train: np.ndarray, seed: int, epochs: int):
    """EGBAD's dense networks on windows flattened to rows of 60 values."""
    import keras  # noqa: PLC0415

    import zoo  # noqa: PLC0415

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


def judge_points(labels: list[np.ndarray], scores: list[np.ndarray], values: list[np.ndarray],
                 percent: float) -> dict[str, float]:
    """Mean AUROC, AUPRC, VUS-PR and VUS-ROC over series (`values`: each series' test part);
    precision, recall, F1 of the top-`percent` flags of each series, pooled."""
    flagged = [metrics.top_percent_predictions(s, percent) for s in scores]
    precision, recall, f1 = metrics.precision_recall_f1(np.concatenate(labels),
                                                        np.concatenate(flagged))
    per_series = [nab_protocols.judged_points(*series) for series in zip(labels, scores, values)]
    return {**{key: float(np.mean([judged[key] for judged in per_series]))
               for key in per_series[0]},
            "precision": precision, "recall": recall, "f1": f1}


def losses_path(settings: Mapping[str, Any]) -> Path:
    """docs/ganrl_losses.png for the protocol's own settings; beside the experiment's cache
    otherwise."""
    if dict(settings) == GANRL_SETTINGS:
        return harness.DOCS / LOSSES_PNG
    cache = harness.cache_path(GANRL_PROTOCOL, settings, harness.RESULTS_DIR)
    return cache.with_name(cache.stem + "-losses.png")


def run_ganrl(trial: Trial) -> dict[str, Any]:
    """One method, one seed, on every series: point scores judged as the paper's Table IV."""
    s = trial.settings
    keys, skipped = ganrl_series(s, trial.data_dir)
    labels, scores, values, train_labels = [], [], [], []
    histories, stable, seconds = {}, True, 0.0
    for key in keys:
        print(f"seed {trial.seed}, {trial.method}: {key}", flush=True)
        ds = datasets.load(f"nab:{key}", data_dir=trial.data_dir, window=WINDOW)
        x_train = np.ascontiguousarray(ds.examples("train", stride=1)[0])
        x_test = np.ascontiguousarray(ds.examples("test", stride=s["test_stride"])[0])
        started = time.time()
        if trial.method == GANRL:
            model, history = train_ganrl(ds, x_train, trial.seed, s["epochs"])
            window_scores = model.score(x_test, batch_size=512)
            histories[key.split("/")[-1].removesuffix(".csv")] = {
                name: [float(v) for v in history[name]] for name in CURVES}
            stable = stable and finite(history)
        elif trial.method == EGBAD:
            model, history = train_egbad(ds, x_train, trial.seed, s["epochs"])
            window_scores = model.score(baselines.flatten(x_test), batch_size=2048)
            stable = stable and finite(history)
        else:
            window_scores = baselines.isolation_forest_scores(x_train, x_test, trial.seed)
        seconds += time.time() - started
        points = windows.window_to_point_scores(window_scores, len(ds.test.y), WINDOW,
                                                s["test_stride"])
        if not np.all(np.isfinite(points)):
            raise SystemExit(f"{key}, seed {trial.seed}: {trial.method} gave non-finite scores")
        labels.append(ds.test.y)
        scores.append(points)
        values.append(ds.test.x)
        train_labels.append(ds.train.y)
    percent = 100.0 * float(np.mean(np.concatenate(train_labels)))
    if percent == 0:
        raise BenchmarkError(f"no anomalous training point in {keys}: the top-p% criterion "
                             "takes p from the training labels and needs one")
    record = {"rows": {trial.method: judge_points(labels, scores, values, percent)},
              "series": keys,
              "skipped": skipped, "percent": percent, "stable": bool(stable),
              "train_and_score_s": seconds}
    if histories:
        record["histories"] = histories
        if trial.seed == GANRL_PROTOCOL.seeds[0]:
            from zoo import plots  # noqa: PLC0415

            path = losses_path(s)
            path.parent.mkdir(parents=True, exist_ok=True)
            plots.plot_losses(histories, path,
                              title=f"GAN+RL on NAB, seed {trial.seed}: losses per epoch")
            print(f"wrote {path}", flush=True)
    return record


def ganrl_section(results: Results) -> list[str]:
    s = results.settings
    first = next(record for *_, record in results.trials())
    keys, skipped = first["series"], first["skipped"]
    stable = all(record["stable"] for *_, record in results.trials())
    methods = results.methods()
    lines = [f"Series ({len(keys)}): " + ", ".join(f"`{k}`" for k in keys)
             + "; skipped for having no anomalous point in their test part: "
             + (", ".join(f"`{k}`" for k in skipped) or "none")
             + f". Each on its own: NAB loader split in time (train 40%, val 10%, test 50%), "
             f"windows of {WINDOW}; every method trains on the stride-1 training windows "
             f"(unlabelled, anomalies included) and scores the test windows of stride "
             f"{s['test_stride']}, mapped to points. Top-p% criterion: p = "
             f"{first['percent']:.1f}% (the anomaly rate of the training points, pooled), "
             "flagged per series, counts pooled; AUROC and AUPRC: mean over series. GAN+RL: "
             f"zoo defaults (1 pre-training epoch, then {s['epochs']} GAN epochs, n_critic 5, "
             f"λ_GP 10, batch {BATCH}). EGBAD: dense networks on the 60 values of a window, "
             f"learning rate 1e-4, {s['epochs']} epochs. Mean ± std over seeds. Training "
             f"stable (every logged loss finite, every run): {stable}.", "",
             "| method | precision@top p% | recall@top p% | F1@top p% | AUROC | AUPRC | "
             "VUS-PR |", "|---|---|---|---|---|---|---|"]
    for method in methods:
        lines.append(f"| {method} | " + " | ".join(
            mean_std(results.values(method, method, k))
            for k in ("precision", "recall", "f1", "auroc", "auprc", "vus_pr")) + " |")
    auprc = {m: float(np.mean(results.values(m, m, "auprc"))) for m in methods}
    if GANRL in auprc:
        ours = auprc[GANRL]
        place = {m: "above" if ours > auprc[m] else "below" if ours < auprc[m] else "equal to"
                 for m in methods}
        comparisons = [f"{place[m]} {m}'s ({ours:.3f} vs {auprc[m]:.3f})"
                       for m in methods if m != GANRL]
        if comparisons:
            lines += ["", "GAN+RL's mean AUPRC against " + " and ".join(
                f"{m}'s" for m in methods if m != GANRL) + ", same run: "
                + "; ".join(comparisons) + "."]
    curve_seeds = [seed for seed in results.seeds(GANRL)
                   if "histories" in (results.record(GANRL, seed) or {})]
    if curve_seeds:
        lines += ["", f"Loss curves (seed {curve_seeds[0]}, one line per series): "
                  f"[{LOSSES_PNG}]({LOSSES_PNG})."]
    lines += ["", f"For reference, the {PAPER}; Yahoo's point labels are not NAB's anomaly "
              "windows, so the numbers are not comparable point for point."]
    return lines


def ganrl_leaderboard(results: Results) -> list[Entry]:
    forest = results.values(FOREST, FOREST, "auprc")
    if not forest:
        return []
    n_series = len(next(record["series"] for *_, record in results.trials()))
    note = "paper's F1 is on Yahoo A1 (Table IV), not comparable with NAB's anomaly windows"
    task = f"NAB realKnownCause + realTraffic, {n_series} series, points"
    return [Entry(model=model, task=task, metric="AUPRC", ours=results.values(method, method,
                                                                             "auprc"),
                  baseline_name=FOREST, baseline=forest, paper=None, paper_note=note,
                  command=f"python train.py --model {model} --dataset "
                          f"nab:realKnownCause/ambient_temperature_system_failure.csv --epochs "
                          f"{results.settings['epochs']} --batch-size {BATCH}")
            for model, method in (("ganrl", GANRL), ("egbad", EGBAD))
            if results.values(method, method, "auprc")]


GANRL_PROTOCOL = Protocol(
    name="ganrl-nab", title="GAN+RL on NAB against EGBAD and IsolationForest (GAN+RL, Table IV)",
    group=GROUP, methods=GANRL_METHODS, run=run_ganrl, section=ganrl_section,
    leaderboard=ganrl_leaderboard, settings=GANRL_SETTINGS)

PROTOCOLS = [
    Protocol(name="classifiers-nab-shuffled",
             title="Supervised window classifiers on NAB, shuffled split (GAN+RL, Table III)",
             group=GROUP, methods=(*MODELS, *BASELINES),
             run=functools.partial(run_classifiers, split=SHUFFLED),
             section=functools.partial(classifiers_section, split=SHUFFLED),
             leaderboard=functools.partial(classifiers_leaderboard, split=SHUFFLED),
             settings=CLASSIFIER_SETTINGS),
    Protocol(name="classifiers-nab-time",
             title="Supervised window classifiers on NAB, split by time (leakage-free)",
             group=GROUP, methods=(*MODELS, *BASELINES, DIAGNOSIS),
             run=functools.partial(run_classifiers, split=BY_TIME),
             section=functools.partial(classifiers_section, split=BY_TIME),
             leaderboard=functools.partial(classifiers_leaderboard, split=BY_TIME),
             settings=CLASSIFIER_SETTINGS),
    GANRL_PROTOCOL,
]
