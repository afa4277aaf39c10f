"""The embedded default: a seeded periodic series with labelled point, contextual and collective
anomalies planted in its test part. Generated in code, so a first run needs no data at all."""

from __future__ import annotations

import numpy as np

from datasets.base import Dataset, DatasetError, Split, minmax_stats, reject_argument

PERIOD = 50  # steps per cycle: a window of 60 always sees more than one full cycle


def _normal_signal(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A daily-like cycle with a slow modulation and sensor noise, around a non-zero level."""
    return (20.0 + 5.0 * np.sin(2 * np.pi * t / PERIOD)
            + 1.0 * np.sin(2 * np.pi * t / (7 * PERIOD))
            + rng.normal(0.0, 0.25, size=t.shape))


def _plant_anomalies(values: np.ndarray, t: np.ndarray, rng: np.random.Generator,
                     n_point: int, n_contextual: int, n_collective: int) -> np.ndarray:
    """Plant anomalies in `values` in place, at non-overlapping places; return point labels.

    - point: one step jumps by 3 to 5 cycle amplitudes' worth (a spike up or down);
    - contextual: 25 steps follow the cycle half a period out of phase: each value is
      ordinary for the series, wrong for its time;
    - collective: 80 steps where the cycle runs three times faster with tripled noise.
    """
    labels = np.zeros(len(values), dtype=np.int8)
    kinds = ["point"] * n_point + ["contextual"] * n_contextual + ["collective"] * n_collective
    length = {"point": 1, "contextual": 25, "collective": 80}
    # Slots leave room for a window of context either side of each anomaly.
    slot = len(values) // len(kinds)
    if slot < 100:
        raise DatasetError(f"test part of {len(values)} steps is too short for {len(kinds)} "
                           "anomalies")
    for i, kind in enumerate(rng.permutation(kinds)):
        start = i * slot + int(rng.integers(10, slot - length[kind] - 10))
        span = slice(start, start + length[kind])
        if kind == "point":
            values[span] += rng.choice([-1.0, 1.0]) * rng.uniform(15.0, 25.0)
        elif kind == "contextual":
            values[span] = _normal_signal(t[span] + PERIOD / 2, rng)
        else:
            fast = 20.0 + 5.0 * np.sin(2 * np.pi * 3 * t[span] / PERIOD)
            values[span] = fast + rng.normal(0.0, 0.75, size=length[kind])
        labels[span] = 1
    return labels


def load(arg: str | None = None, data_dir=None, *, seed: int = 0, train_length: int = 3000,
         val_length: int = 1000, test_length: int = 2000, window: int = 60,
         n_point: int = 6, n_contextual: int = 2, n_collective: int = 2) -> Dataset:
    """The synthetic series: anomaly-free train and val parts, then a test part with anomalies.

    Args:
        seed: the generator's seed; the same seed gives the same series, bit for bit.
        train_length, val_length, test_length: steps in each part (one continuous series).
        window: the window length models use (60, as TAnoGAN).
        n_point, n_contextual, n_collective: anomalies of each kind planted in the test part.
    """
    reject_argument("synthetic", arg)
    rng = np.random.default_rng(seed)
    total = train_length + val_length + test_length
    t = np.arange(total, dtype=np.float64)
    values = _normal_signal(t, rng)
    labels = np.zeros(total, dtype=np.int8)
    test_part = slice(train_length + val_length, total)
    test_values = values[test_part]  # a view: planting writes through to `values`
    labels[test_part] = _plant_anomalies(test_values, t[test_part], rng,
                                         n_point, n_contextual, n_collective)
    x = values.astype(np.float32)[:, None]

    def part(span: slice) -> Split:
        return Split(x[span], labels[span])

    train = part(slice(0, train_length))
    return Dataset(
        name="synthetic", kind="series",
        train=train,
        val=part(slice(train_length, train_length + val_length)),
        test=part(test_part),
        meta={"source": "generated in code (datasets/synthetic.py)", "seed": seed,
              "feature_names": ["value"], "scaling": minmax_stats(train.x), "window": window,
              "notes": f"{n_point} point, {n_contextual} contextual and {n_collective} "
                       "collective anomalies planted in the test part; train and val are normal"},
    )
