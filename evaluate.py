"""Evaluate an exported model on a dataset split: metrics table, JSON and plots.

    python evaluate.py --model-dir saved_models/tanogan-synthetic
    python evaluate.py --model-dir DIR --dataset nab:realKnownCause/nyc_taxi.csv --plot plots/
    python evaluate.py --model-dir DIR --input series.csv --scores-out scores.csv   # unlabelled
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

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
                             "with the same loader options)")
    parser.add_argument("--data-dir", default=None,
                        help="folder of the real datasets (default: $ZOO_DATA_DIR, else "
                             "../shared/data, else ~/.zoo/data)")
    parser.add_argument("--input", default=None, metavar="CSV",
                        help="score this unlabelled series instead of a dataset: a CSV whose "
                             "numeric columns (all but timestamp/label/is_anomaly) are the "
                             "features; windows are cut lazily, batch by batch")
    parser.add_argument("--scores-out", default=None, metavar="CSV",
                        help="with --input: write one row per point (score, is_anomaly)")
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


NON_FEATURES = ("timestamp", "label", "is_anomaly")


def score_csv(model, metadata: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Score the series in args.input point by point into args.scores_out."""
    import numpy as np

    from datasets.base import finite_floats, read_csv, require_file
    from zoo import DetectorError, evaluation

    if len(model.example_shape) != 2:
        raise DetectorError(f"--input scores series; this model takes examples of shape "
                            f"{list(model.example_shape)}")
    path = require_file(Path(args.input), "your own file")
    table = read_csv(path)
    features = [c for c in table.columns if c.lower() not in NON_FEATURES]
    if len(features) != model.example_shape[-1]:
        raise DetectorError(f"{path} has feature columns {features}; the model takes "
                            f"{model.example_shape[-1]} feature(s)")
    values = finite_floats(table[features], str(path))
    stride = args.stride or metadata.get("stride") or 1
    print(f"scoring {len(values)} points of {path}, stride {stride}", flush=True)
    points, _ = evaluation.score_series(model, values, stride=stride, batch_size=args.batch_size,
                                        verbose=1 if sys.stdout.isatty() else 0)
    out = table[[c for c in table.columns if c.lower() == "timestamp"]].copy()
    out["score"] = points
    out["is_anomaly"] = points > float(model.threshold.numpy())
    out.to_csv(args.scores_out, index_label="index")
    summary = {"points": len(points), "flagged": int(out["is_anomaly"].sum()),
               "max_score": float(np.max(points))}
    print(f"wrote {args.scores_out}: {summary}")
    return summary


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Evaluate as `args` say; return the metrics."""
    import datasets
    from zoo import evaluation, export, metrics, plots

    model, metadata = export.load(args.model_dir)
    if args.input:
        return score_csv(model, metadata, args)
    name = args.dataset or metadata["dataset"]
    options = metadata.get("dataset_options", {}) if args.dataset is None else {}
    ds = datasets.load(name, data_dir=args.data_dir, **options)
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
    if args.plot:
        folder = Path(args.plot)
        folder.mkdir(parents=True, exist_ok=True)
        threshold = float(model.threshold.numpy()) if model.is_calibrated else None
        written = [plots.plot_curves(scored.labels, scored.scores, folder / "curves.png",
                                     title=f"{metadata['model']} on {ds.name}")]
        if ds.kind == "series":
            part = ds.split(args.split)
            written.append(plots.plot_series(part.x[:, 0], part.y, scored.scores, threshold,
                                             folder / "series.png",
                                             title=f"{ds.name} ({args.split})"))
        print("plots: " + ", ".join(str(p) for p in written))
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
