"""The plain baselines every model is judged against, run side by side with it, all scikit-learn on
flattened examples (higher score = more anomalous, as the zoo's detectors): IsolationForest,
one-class SVM, kernel density estimate, PCA reconstruction error (TSB-AD's strongest simple
family on series) and, for the weakly supervised protocols, a cost-sensitive SVM trained on the
known labels. train.py reports IsolationForest beside every model; the benchmarks run the rest."""

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

    (rows,) = sample_rows(flatten(x_train), max_train, seed)
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

    (rows,) = sample_rows(flatten(x_train), max_train, seed)
    scaler = MinMaxScaler().fit(rows)
    rows, val = scaler.transform(rows), scaler.transform(flatten(x_val))
    likelihood = {h: KernelDensity(bandwidth=h).fit(rows).score(val) for h in bandwidths}
    best = max(likelihood, key=likelihood.get)
    density = KernelDensity(bandwidth=best).fit(rows)
    return -density.score_samples(scaler.transform(flatten(x_test))), float(best)


def sample_rows(rows: np.ndarray, max_rows: int, seed: int, *others: np.ndarray
                ) -> tuple[np.ndarray, ...]:
    """At most `max_rows` of `rows` (a seeded sample, the same one of each of `others`)."""
    if len(rows) <= max_rows:
        return (rows, *others)
    keep = np.random.default_rng(seed).choice(len(rows), max_rows, replace=False)
    return (rows[keep], *(other[keep] for other in others))


def pca_reconstruction_scores(x_train: np.ndarray, x_test: np.ndarray,
                              variance: float = 0.9) -> np.ndarray:
    """Squared error of reconstructing each standardised row from the principal components that
    explain `variance` of the training rows' variance; higher = more anomalous.

    On windows of a series this is TSB-AD's PCA on sub-sequences: a window unlike the normal
    shapes the components span reconstructs badly.
    """
    from sklearn.decomposition import PCA  # noqa: PLC0415
    from sklearn.preprocessing import StandardScaler  # noqa: PLC0415

    rows = flatten(x_train)
    scaler = StandardScaler().fit(rows)
    pca = PCA(n_components=variance, svd_solver="full").fit(scaler.transform(rows))
    test = scaler.transform(flatten(x_test))
    return np.square(test - pca.inverse_transform(pca.transform(test))).sum(axis=1)


def cost_sensitive_svm(x_train: np.ndarray, known: np.ndarray, max_train: int = 10_000,
                       seed: int = 0):
    """An RBF SVM trained on the known labels (1 = known anomaly), classes weighted inversely to
    their counts, on min-max scaled rows: returns examples -> decision values (higher = more
    anomalous). At most `max_train` rows (a seeded sample): the kernel fit is quadratic in them.
    """
    from sklearn.preprocessing import MinMaxScaler  # noqa: PLC0415
    from sklearn.svm import SVC  # noqa: PLC0415

    rows, labels = sample_rows(flatten(x_train), max_train, seed, np.asarray(known))
    scaler = MinMaxScaler().fit(rows)
    svm = SVC(kernel="rbf", gamma="scale", class_weight="balanced").fit(scaler.transform(rows),
                                                                         labels)
    return lambda x: svm.decision_function(scaler.transform(flatten(x)))
