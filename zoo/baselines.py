"""The plain baselines every model is judged against, run side by side with it: scikit-learn's
IsolationForest, one-class SVM and kernel density estimate on flattened examples (higher score =
more anomalous, as the zoo's detectors). train.py reports IsolationForest beside every model;
the benchmarks run all three."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def flatten(x: np.ndarray) -> np.ndarray:
    """Examples [n, ...] as rows [n, features] for the scikit-learn baselines."""
    return np.asarray(x, dtype=np.float32).reshape(len(x), -1)


def isolation_forest_scores(x_train: np.ndarray, x_test: np.ndarray, seed: int) -> np.ndarray:
    """IsolationForest fitted on x_train; higher = more anomalous."""
    from sklearn.ensemble import IsolationForest  # noqa: PLC0415

    forest = IsolationForest(random_state=seed).fit(flatten(x_train))
    return -forest.score_samples(flatten(x_test))


def ocsvm_scores(x_train: np.ndarray, x_test: np.ndarray, nu: float = 0.1,
                 max_train: int = 10_000, seed: int = 0) -> np.ndarray:
    """One-class SVM (RBF, gamma='scale') on min-max scaled rows; higher = more anomalous.

    At most `max_train` training rows (a seeded sample): the kernel fit is quadratic in them.
    """
    from sklearn.preprocessing import MinMaxScaler  # noqa: PLC0415
    from sklearn.svm import OneClassSVM  # noqa: PLC0415

    rows = flatten(x_train)
    if len(rows) > max_train:
        rows = rows[np.random.default_rng(seed).choice(len(rows), max_train, replace=False)]
    scaler = MinMaxScaler().fit(rows)
    svm = OneClassSVM(nu=nu, gamma="scale").fit(scaler.transform(rows))
    return -svm.score_samples(scaler.transform(flatten(x_test)))


def kde_scores(x_train: np.ndarray, x_val: np.ndarray, x_test: np.ndarray,
               bandwidths: Sequence[float] = (0.5, 1, 2, 4, 8, 16),
               max_train: int = 10_000, seed: int = 0) -> tuple[np.ndarray, float]:
    """Gaussian KernelDensity on min-max scaled rows; scores = -log density (higher = more
    anomalous), and the bandwidth used.

    The bandwidth is the one of `bandwidths` under which the normal validation rows are most
    likely (no test labels). At most `max_train` training rows (a seeded sample): scoring is
    linear in them.
    """
    from sklearn.neighbors import KernelDensity  # noqa: PLC0415
    from sklearn.preprocessing import MinMaxScaler  # noqa: PLC0415

    rows = flatten(x_train)
    if len(rows) > max_train:
        rows = rows[np.random.default_rng(seed).choice(len(rows), max_train, replace=False)]
    scaler = MinMaxScaler().fit(rows)
    rows, val = scaler.transform(rows), scaler.transform(flatten(x_val))
    likelihood = {h: KernelDensity(bandwidth=h).fit(rows).score(val) for h in bandwidths}
    best = max(likelihood, key=likelihood.get)
    density = KernelDensity(bandwidth=best).fit(rows)
    return -density.score_samples(scaler.transform(flatten(x_test))), float(best)
