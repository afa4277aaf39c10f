"""Plots of an evaluation: the series with its anomalies and score, ROC and PR curves, grids of
generated images, and training loss curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: evaluation runs headless

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _save(fig, path: Path, dpi: int, title: str = "", title_size: float | None = None) -> Path:
    """Title (when given), lay out, write `fig` to `path` and free it."""
    if title:
        fig.suptitle(title, fontsize=title_size)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def _labelled_spans(labels: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of 1s in `labels`."""
    edges = np.diff(np.concatenate([[0], labels.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def plot_series(values: np.ndarray, labels: np.ndarray, scores: np.ndarray,
                threshold: float | None, path: Path, title: str = "") -> Path:
    """The series with labelled anomalies shaded, above its point scores and the threshold."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
    steps = np.arange(len(values))
    top.plot(steps, values, lw=0.8, color="tab:blue")
    for axis in (top, bottom):
        for start, end in _labelled_spans(labels):
            axis.axvspan(start, end - 1, color="tab:red", alpha=0.2, lw=0)
    top.set_ylabel("value (raw)")
    top.set_title(title or "series; labelled anomalies shaded")
    bottom.plot(steps, scores, lw=0.8, color="tab:purple", label="anomaly score")
    if threshold is not None:
        bottom.axhline(threshold, color="black", ls="--", lw=1, label="calibrated threshold")
    bottom.set_xlabel("time step")
    bottom.set_ylabel("score")
    bottom.legend(loc="upper left")
    return _save(fig, path, dpi=110)


def plot_curves(labels: np.ndarray, scores: np.ndarray, path: Path, title: str = "") -> Path:
    """ROC and precision-recall curves side by side."""
    from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: PLC0415

    from zoo import metrics  # noqa: PLC0415

    fpr, tpr, _ = roc_curve(labels, scores)
    precision, recall, _ = precision_recall_curve(labels, scores)
    fig, (roc, pr) = plt.subplots(1, 2, figsize=(10, 4.5))
    roc.plot(fpr, tpr, label=f"AUROC {metrics.auroc(labels, scores):.3f}")
    roc.plot([0, 1], [0, 1], color="grey", ls=":")
    roc.set_xlabel("false positive rate")
    roc.set_ylabel("true positive rate")
    roc.legend(loc="lower right")
    pr.step(recall, precision, where="post", label=f"AUPRC {metrics.auprc(labels, scores):.3f}")
    pr.axhline(labels.mean(), color="grey", ls=":", label="anomaly rate")
    pr.set_xlabel("recall")
    pr.set_ylabel("precision")
    pr.legend(loc="upper right")
    return _save(fig, path, dpi=110, title=title)


def plot_image_grid(images: np.ndarray, path: Path, title: str = "", columns: int = 8) -> Path:
    """Images [n, height, width, 1] (any range; each shown with its own grey scale) as a grid."""
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.1 + 0.4),
                             squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, image in zip(axes.flat, images):
        axis.imshow(image[..., 0], cmap="gray")
    return _save(fig, path, dpi=80, title=title, title_size=9)


def plot_losses(histories: dict[str, dict[str, list[float]]], path: Path, title: str = "") -> Path:
    """Training losses per epoch: one panel per loss (they live on different scales), one line
    per run (e.g. per series), labelled by the keys of `histories`."""
    names = list(next(iter(histories.values())))
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 3.4), squeeze=False)
    for axis, name in zip(axes.flat, names):
        for label, history in histories.items():
            axis.plot(np.arange(1, len(history[name]) + 1), history[name], label=label, lw=1)
        axis.set_title(name, fontsize=9)
        axis.set_xlabel("epoch")
    if len(histories) > 1:
        axes.flat[0].legend(fontsize=6)
    return _save(fig, path, dpi=90, title=title, title_size=10)
