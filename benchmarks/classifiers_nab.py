"""The GAN+RL paper's supervised window classifiers (C-LSTM, LSTM+DNN, CNN+DNN) on every NAB series.

    python -m benchmarks.classifiers_nab [--seeds 0 1 2] [--epochs 5] [--train-stride 5]

Data as the paper (Long & Wang, Table III, on Yahoo A1): each series min-max scaled onto [0, 1]
on its own, cut into windows of 60 with stride 1, a window labelled anomalous when it holds an
anomalous point (NAB: a point inside one of the series' labelled anomaly windows, as the `nab`
loader labels them); the windows of all series combined. Two splits:

- shuffled (the paper's): all windows shuffled, a random 80% to train and 20% to test, re-drawn
  for each seed. Overlapping stride-1 windows leak between the two: a test window shares 59 of
  its 60 points with its neighbours, most of which are training windows.
- by time (leakage-free): inside each series, the first 70% of its windows train, the last 30%
  test, with one window's length of windows dropped between them, so no test window shares a
  point with a training window; the min-max statistics come from each series' training points.
  The same for every seed.

Each model trains on every `--train-stride`-th window of its training part (windows whose start
is a multiple of it; 5 keeps the default run near 15 minutes on 2 CPU cores) for `--epochs`
epochs, batches of `--batch-size`, Adam 1e-3, the cross-entropy weighted to balance the classes
of those training windows. It is then scored on every test window: accuracy, precision, recall
and F1 of P(anomalous) > 0.5, AUROC and AUPRC, mean ± std over seeds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

import datasets
import zoo
from benchmarks import common
from datasets import nab, windows
from zoo import metrics
from zoo.classifiers import balanced_anomaly_weight

WINDOW = 60
MODELS = ("lstm_dnn", "cnn_dnn", "clstm")
LABELS = {"lstm_dnn": "LSTM+DNN", "cnn_dnn": "CNN+DNN", "clstm": "C-LSTM"}
#: GAN+RL's Table III, Yahoo A1, shuffled split: F1 in percent.
PAPER_F1 = {"lstm_dnn": 49.6, "cnn_dnn": 90.6, "clstm": 92.3}
TRAIN_SHARE = 0.7  # of each series' windows, in the split by time


@dataclass
class Windows:
    """Windows float32 [n, 60, 1] (scaled), labels int8 [n], and each window's start in its
    series int64 [n]."""

    x: np.ndarray
    y: np.ndarray
    start: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def take(self, index: np.ndarray) -> "Windows":
        return Windows(self.x[index], self.y[index], self.start[index])

    @staticmethod
    def concat(parts: list["Windows"]) -> "Windows":
        return Windows(*(np.concatenate([getattr(p, f) for p in parts])
                         for f in ("x", "y", "start")))


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


def cut(scaled: np.ndarray, labels: np.ndarray) -> Windows:
    """Every stride-1 window of one scaled series, with its label and start."""
    x = np.ascontiguousarray(windows.sliding_windows(scaled[:, None], WINDOW, 1))
    y = windows.window_labels(labels, WINDOW, 1)
    return Windows(x, y, np.arange(len(y)))


def shuffled_split(series, seed: int) -> tuple[Windows, Windows]:
    """The paper's split: every window of every series (each scaled on its whole length),
    shuffled by `seed`, 80% train, 20% test."""
    every = Windows.concat([cut(minmax(v, v), y) for v, y in series])
    order = np.random.default_rng(seed).permutation(len(every))
    n_test = round(0.2 * len(every))
    return every.take(np.sort(order[n_test:])), every.take(np.sort(order[:n_test]))


def time_split(series) -> tuple[Windows, Windows]:
    """The leakage-free split: in each series, the first 70% of windows train, then a gap of
    WINDOW windows, then the rest test; scaled by the training points' min and max."""
    train, test = [], []
    for values, labels in series:
        n_windows = len(values) - WINDOW + 1
        n_train = int(TRAIN_SHARE * n_windows)
        # Training windows cover points 0 .. n_train + WINDOW - 2.
        scaled = minmax(values, values[:n_train + WINDOW - 1])
        every = cut(scaled, labels)
        train.append(every.take(np.arange(n_train)))
        test.append(every.take(np.arange(n_train + WINDOW, n_windows)))
    return Windows.concat(train), Windows.concat(test)


def judged(y: np.ndarray, p_anomalous: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall, F1 of P(anomalous) > 0.5; AUROC and AUPRC."""
    predicted = p_anomalous > 0.5
    precision, recall, f1 = metrics.precision_recall_f1(y, predicted)
    return {"accuracy": float(np.mean(predicted == (y == 1))), "precision": precision,
            "recall": recall, "f1": f1, "auroc": metrics.auroc(y, p_anomalous),
            "auprc": metrics.auprc(y, p_anomalous)}


def train_and_score(name: str, train: Windows, test: Windows, seed: int,
                    args) -> dict[str, float]:
    """Train zoo model `name` on `train` (already scaled: scaling=None) and judge it on
    `test`."""
    keep = train.start % args.train_stride == 0
    x, y = train.x[keep], train.y[keep]
    weight = balanced_anomaly_weight(y)
    keras.utils.set_random_seed(seed)
    model = zoo.get(name)(example_shape=(WINDOW, 1), anomaly_weight=weight, scaling=None,
                          seed=seed)
    model.compile()
    batches = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(y), seed=seed)
               .batch(args.batch_size).prefetch(tf.data.AUTOTUNE))
    started = time.time()
    model.fit(batches, epochs=args.epochs, shuffle=False, verbose=2)
    seconds = time.time() - started
    scores = model.score(test.x, batch_size=2048)
    if not np.all(np.isfinite(scores)):
        raise SystemExit(f"{name}, seed {seed}: non-finite scores (training diverged)")
    return {**judged(test.y, scores), "train_s": seconds, "train_windows": int(len(y)),
            "anomaly_weight": weight}


def split_facts(train: Windows, test: Windows, stride: int) -> dict[str, float]:
    keep = train.start % stride == 0
    return {"train_windows": int(keep.sum()), "train_anomalous": float(train.y[keep].mean()),
            "test_windows": len(test), "test_anomalous": float(test.y.mean())}


def table(per_seed: dict, split: str, models: list[str], seeds: list[int],
          paper: bool) -> list[str]:
    """The markdown rows of one split, with the paper's F1 beside ours when `paper`."""
    extra = " paper F1 (Yahoo A1) |" if paper else ""
    lines = ["| model | accuracy | precision | recall | F1 | AUROC | AUPRC |" + extra,
             "|---|---|---|---|---|---|---|" + ("---|" if paper else "")]
    for name in models:
        values = [per_seed[s][split][name] for s in seeds]
        cells = [common.mean_std([v[k] for v in values])
                 for k in ("accuracy", "precision", "recall", "f1", "auroc", "auprc")]
        if paper:
            cells.append(f"{PAPER_F1[name] / 100:.3f}")
        lines.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS),
                        help="classifiers to run")
    parser.add_argument("--epochs", type=int, default=5, help="training epochs of every model")
    parser.add_argument("--batch-size", type=int, default=256, help="batch size")
    parser.add_argument("--train-stride", type=int, default=5,
                        help="train on the windows whose start is a multiple of this (1: all; "
                             "a CPU budget, the paper used all)")
    parser.add_argument("--series", nargs="+", default=None, metavar="KEY",
                        help="NAB series <category>/<file>.csv to use (default: every series "
                             "in the data dir)")
    args = parser.parse_args()
    if args.epochs < 1 or args.train_stride < 1 or args.batch_size < 1:
        parser.error("--epochs, --train-stride and --batch-size must be positive")

    started = time.time()
    keys = args.series or nab.series_keys(args.data_dir)
    if not keys:
        raise SystemExit(f"no NAB series under {nab.nab_root(args.data_dir) / 'data'}")
    series = load_series(keys, args.data_dir)
    print(f"{len(keys)} series, {sum(len(v) for v, _ in series)} points", flush=True)
    by_time = time_split(series)
    per_seed: dict[int, dict] = {}
    facts: dict[str, dict] = {"by time": split_facts(*by_time, args.train_stride)}
    for seed in args.seeds:
        shuffled = shuffled_split(series, seed)
        facts.setdefault("shuffled", split_facts(*shuffled, args.train_stride))
        per_seed[seed] = {}
        for split, (train, test) in (("shuffled", shuffled), ("by time", by_time)):
            per_seed[seed][split] = {}
            for name in args.models:
                print(f"seed {seed}, {split} split: training {name} on "
                      f"{facts[split]['train_windows']} windows", flush=True)
                result = train_and_score(name, train, test, seed, args)
                per_seed[seed][split][name] = result
                print(f"seed {seed}, {split} split, {name}: F1 {result['f1']:.3f}, AUPRC "
                      f"{result['auprc']:.3f} ({result['train_s']:.0f} s training)", flush=True)
    minutes = (time.time() - started) / 60

    def described(split: str) -> str:
        f = facts[split]
        return (f"{f['train_windows']} training windows ({100 * f['train_anomalous']:.1f}% "
                f"anomalous), {f['test_windows']} test windows "
                f"({100 * f['test_anomalous']:.1f}% anomalous: the AUPRC of a random score)")

    lines = ["## Supervised window classifiers on NAB (GAN+RL, Table III)", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             f"Data: {len(keys)} NAB series, each min-max scaled onto [0, 1] on its own, windows "
             f"of {WINDOW}, stride 1; a window is anomalous when it holds a point inside one of "
             "the series' NAB anomaly windows (NAB labels windows around each anomaly, 10% of a "
             "file in all, where Yahoo A1 labels points: more and broader anomalous windows "
             "than the paper's). Models: the zoo's `clstm`, `lstm_dnn`, `cnn_dnn` at their "
             f"paper widths (zoo/classifiers.py), {args.epochs} epoch(s), batch {args.batch_size}, "
             "Adam 1e-3, cross-entropy weighted to balance the training classes; trained on "
             f"the windows whose start is a multiple of {args.train_stride} (a CPU budget; the "
             "paper used all), scored on every test window. Precision, recall, F1 and "
             "accuracy: P(anomalous) > 0.5. Mean ± std over seeds. Paper F1: Long & Wang's "
             "Table III on Yahoo A1, shuffled split, their runs.", "",
             "### Shuffled split (the paper's): random 80% / 20% of all windows, per seed", "",
             f"{described('shuffled')}. **Leaks**: stride-1 windows overlap, so nearly every "
             "test window shares 59 of its 60 points with training windows; these numbers "
             "measure recall of seen data more than detection.", "",
             *table(per_seed, "shuffled", args.models, args.seeds, paper=True), "",
             "### Split by time (leakage-free)", "",
             f"In each series the first {TRAIN_SHARE:.0%} of windows train and the last "
             f"{1 - TRAIN_SHARE:.0%} (less a gap of {WINDOW} windows) test; no test window "
             "shares a point with a training window; min-max fitted on each series' training "
             f"points. {described('by time')}.", "",
             *table(per_seed, "by time", args.models, args.seeds, paper=False)]
    common.publish("classifiers_nab", lines, args=vars(args), series=keys, splits=facts,
                   per_seed=per_seed)


if __name__ == "__main__":
    main()
