"""Evaluate an exported model on a dataset split: metrics table, JSON and plots.

    python evaluate.py --model-dir saved_models/gru_vae_series-synthetic
    python evaluate.py --model-dir DIR --dataset nab:realKnownCause/nyc_taxi.csv --plot plots/
    python evaluate.py --model-dir DIR --input series.csv --scores-out scores.csv   # unlabelled

`--input` reads a file as the model's kind of data: a series CSV, a CSV of rows, a folder of
images or a file of log-key sessions, and writes one score per point, row, image or session.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Score a dataset split with an exported zoo model and report its metrics.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model-dir", required=True,
                        help="an export folder written by train.py (holds model.keras and "
                             "metadata.json)")
    parser.add_argument("--dataset", default=None,
                        help="dataset to evaluate on (default: the one the model was trained on, "
                             "with the same loader options; another series is cut into the "
                             "model's windows)")
    parser.add_argument("--data-dir", default=None,
                        help="folder of the real datasets (default: $ZOO_DATA_DIR, else "
                             "../shared/data, else ~/.zoo/data)")
    parser.add_argument("--input", default=None, metavar="PATH",
                        help="score this file instead of a dataset split, read as the model's "
                             "kind of data: a series CSV (one row per time step; windows cut "
                             "lazily, one score per point), a CSV of rows (one score per row; "
                             "text columns one-hot encoded with the categories the model was "
                             "trained with), a folder of images (its normal/ and abnormal/ "
                             "images, or every image directly in it) or a file of log-key "
                             "sessions (one per line); the time column (timestamp) and label "
                             "column (is_anomaly, label or Label) are not features")
    parser.add_argument("--scores-out", default=None, metavar="CSV",
                        help="with --input: write one row per point, row, image or session: "
                             "an identifier (index and timestamp of a point, row number after "
                             "the header counted from 0, image file, session line counted from "
                             "1), then score and is_anomaly; written chunk by chunk")
    parser.add_argument("--split", choices=("train", "val", "test"), default="test",
                        help="which split to score")
    parser.add_argument("--stride", type=int, default=None,
                        help="window stride for series (default: the stride used at training)")
    parser.add_argument("--batch-size", type=int, default=256, help="scoring batch size")
    parser.add_argument("--json", default=None, metavar="PATH",
                        help="also write the metrics to PATH as JSON")
    parser.add_argument("--plot", default=None, metavar="DIR",
                        help="write PNG plots to DIR: ROC and PR curves, and for series the "
                             "series with its anomalies shaded under the score and threshold")
    args = parser.parse_args(argv)
    if (args.input is None) != (args.scores_out is None):
        parser.error("--input and --scores-out go together")
    if args.stride is not None and args.stride < 1:
        parser.error(f"--stride must be a positive integer, got {args.stride}")
    return args


#: How the progress line names the examples of each kind of data --input reads in chunks.
KIND_WORDS = {"tabular": "rows", "image": "images", "sessions": "log-key sessions"}


def score_input(model, metadata: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Score args.input, read as the model's kind of data, into args.scores_out; return the
    summary of the scores (see `zoo.metrics.summary`)."""
    from datasets import inputs
    from zoo import evaluation, metrics

    path = Path(args.input).expanduser()
    kind = evaluation.model_kind(model)
    chunks = inputs.read_chunks(path, kind, model.example_shape,
                                feature_names=metadata.get("feature_names"),
                                options=metadata.get("dataset_options", {}),
                                max_key=getattr(model, "vocab_size", None), size=args.batch_size)
    if kind == "series":
        stride = args.stride or metadata.get("stride") or 1
        scored = series_scores(model, chunks, path, stride, args.batch_size)
    else:
        print(f"scoring {path} ({KIND_WORDS[kind]}), {args.batch_size} at a time", flush=True)
        scored = ((identifiers, model.score(examples, batch_size=args.batch_size))
                  for identifiers, examples in chunks)
    threshold = float(model.threshold.numpy())
    scores = write_scores(Path(args.scores_out), scored, threshold)
    summary = metrics.summary(scores, threshold if model.is_calibrated else None)
    print(metrics.format_table(summary, title=f"{metadata['model']} on {path}"))
    print(f"wrote {args.scores_out}")
    return summary


def series_scores(model, chunks: Iterable[tuple[dict[str, Any], np.ndarray]], path: Path,
                  stride: int, batch_size: int) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """(identifiers, point scores float32 [time]) of each series of `chunks`, its windows cut
    lazily, batch by batch."""
    from zoo import evaluation

    for identifiers, values in chunks:
        print(f"scoring {len(values)} points of {path}, stride {stride}", flush=True)
        points, _ = evaluation.score_series(model, values, stride=stride, batch_size=batch_size,
                                            verbose=1 if sys.stdout.isatty() else 0)
        yield identifiers, points


def write_scores(path: Path, chunks: Iterable[tuple[dict[str, Any], np.ndarray]],
                 threshold: float) -> np.ndarray:
    """Write a CSV of one row per score, chunk by chunk: each chunk's identifier columns, then
    score and is_anomaly (score > threshold). An error on the way leaves no file at `path`.

    Returns:
        Every score, float32 [n].
    """
    import pandas as pd

    scores = []
    partial = path.with_name(f".{path.name}.partial")  # renamed into place once complete
    try:
        with partial.open("w", newline="") as handle:
            for identifiers, chunk_scores in chunks:
                frame = pd.DataFrame(identifiers)
                frame["score"] = chunk_scores
                frame["is_anomaly"] = chunk_scores > threshold
                frame.to_csv(handle, header=not scores, index=False)
                scores.append(chunk_scores)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return np.concatenate(scores)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Evaluate as `args` say; return the metrics (or, with --input, the scores' summary)."""
    import datasets
    from zoo import evaluation, export, metrics, plots

    model, metadata = export.load(args.model_dir)
    if args.input:
        summary = score_input(model, metadata, args)
        if args.json:
            Path(args.json).write_text(json.dumps({"model_dir": str(args.model_dir),
                                                   "input": args.input, "summary": summary},
                                                  indent=2) + "\n")
        return summary
    name = args.dataset or metadata["dataset"]
    options = metadata.get("dataset_options", {}) if args.dataset is None else {}
    if args.dataset is not None and evaluation.model_kind(model) == "series":
        options = {"window": model.example_shape[0]}  # another series, cut as the model's
    ds = datasets.load(name, data_dir=args.data_dir, **options)
    evaluation.check_fits(model, ds)
    stride = args.stride or metadata.get("stride") or int(ds.meta.get("window", 1))
    print(f"scoring the {args.split} split of {ds.name} with {args.model_dir}"
          + (f", stride {stride}" if ds.kind == "series" else ""), flush=True)
    results, scored = evaluation.evaluate_split(model, ds, args.split, stride=stride,
                                                batch_size=args.batch_size,
                                                verbose=1 if sys.stdout.isatty() else 2)
    print(metrics.format_table(results, title=f"{metadata['model']} on {ds.name} ({args.split})"))
    if args.json:
        Path(args.json).write_text(json.dumps({"model_dir": str(args.model_dir),
                                               "dataset": ds.name, "split": args.split,
                                               "stride": stride, "metrics": results},
                                              indent=2) + "\n")
    if args.plot and scored is None:
        print(f"no plots: the {args.split} split is empty")
    elif args.plot:
        folder = Path(args.plot)
        folder.mkdir(parents=True, exist_ok=True)
        threshold = float(model.threshold.numpy()) if model.is_calibrated else None
        written = []
        if metrics.NOT_COMPUTED not in results:  # ROC and PR curves need both classes
            written.append(plots.plot_curves(scored.labels, scored.scores, folder / "curves.png",
                                             title=f"{metadata['model']} on {ds.name}"))
        if ds.kind == "series":
            part = ds.split(args.split)
            written.append(plots.plot_series(part.x[:, 0], part.y, scored.scores, threshold,
                                             folder / "series.png",
                                             title=f"{ds.name} ({args.split})"))
        print("plots: " + (", ".join(str(p) for p in written) or "none (no labels to draw "
                                                                  "curves of)"))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import zoo

    try:
        run(args)
    except zoo.USER_ERRORS as err:
        print(f"evaluate.py: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
