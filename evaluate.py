"""Evaluate an exported model on a dataset split: metrics table, JSON and plots.

    python evaluate.py --model-dir saved_models/tanogan-synthetic
    python evaluate.py --model-dir DIR --dataset nab:realKnownCause/nyc_taxi.csv --plot plots/
    python evaluate.py --model-dir DIR --input series.csv --scores-out scores.csv   # unlabelled

`--input` reads a file as the model's kind of data: a series CSV, a CSV of rows, a folder of
images or a file of log-key sessions, and writes one score per point, row, image or session.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
    from zoo import evaluation, metrics

    path = Path(args.input).expanduser()
    kind = evaluation.model_kind(model)
    threshold = float(model.threshold.numpy())
    if kind == "series":
        scores = score_series_file(model, metadata, path, args)
    else:
        chunks = {"tabular": row_chunks, "image": image_chunks, "sessions": session_chunks}[kind]
        print(f"scoring {path} ({KIND_WORDS[kind]}), {args.batch_size} at a time", flush=True)
        scores = write_scores(Path(args.scores_out), (
            (identifiers, model.score(examples, batch_size=args.batch_size))
            for identifiers, examples in chunks(model, metadata, path, args.batch_size)),
            threshold)
    summary = metrics.summary(scores, threshold if model.is_calibrated else None)
    print(metrics.format_table(summary, title=f"{metadata['model']} on {path}"))
    print(f"wrote {args.scores_out}")
    return summary


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


def user_file(path: Path) -> Path:
    """`path`, a non-empty file, or the DatasetError that says what it is not."""
    from datasets import DatasetError
    from datasets.base import require_file

    require_file(path, "your own file", "a path is read as given: absolute, or relative to "
                                        f"the working directory {Path.cwd()}")
    if path.stat().st_size == 0:
        raise DatasetError(f"{path}: empty file")
    return path


def column_roles(columns: Sequence[Any], options: dict[str, Any]) -> tuple[Any, Any]:
    """(the time column or None, the label column or None) of a CSV header, found as the csv:
    loader finds them: the training's time_column / label_column options where the header has
    them, else a column called timestamp (any case) and the first of is_anomaly, label, Label."""
    from datasets.files import LABEL_COLUMNS, TIME_COLUMN

    time = options.get("time_column")
    if time not in columns:
        time = next((c for c in columns if str(c).lower() == TIME_COLUMN), None)
    label = options.get("label_column")
    if label not in columns:
        label = next((c for c in LABEL_COLUMNS if c in columns), None)
    return time, label


def numeric_features(columns: Sequence[Any], known: Sequence[str] | None, n_features: int,
                     path: Path) -> list[Any]:
    """The feature columns of a header, in the model's order: by the names the model was
    trained with where the header has them all, else every column given, in file order.

    Raises:
        DetectorError: neither fits the model's feature count.
    """
    from zoo import DetectorError

    if known and all(name in columns for name in known):
        return list(known)
    if len(columns) == n_features:
        return list(columns)
    trained = f" ({', '.join(map(str, known))})" if known else ""
    raise DetectorError(f"{path} has the feature columns {', '.join(map(str, columns))}; the "
                        f"model takes {n_features} feature(s){trained}")


def score_series_file(model, metadata: dict[str, Any], path: Path,
                      args: argparse.Namespace) -> np.ndarray:
    """Score the series CSV at `path` point by point into args.scores_out; return the point
    scores. The series is read whole; its windows are cut lazily, batch by batch."""
    from datasets.base import finite_floats, read_csv
    from zoo import evaluation

    table = read_csv(user_file(path))
    time, label = column_roles(list(table.columns), metadata.get("dataset_options", {}))
    features = numeric_features([c for c in table.columns if c not in (time, label)],
                                metadata.get("feature_names"), model.example_shape[-1], path)
    values = finite_floats(table[features], str(path))
    stride = args.stride or metadata.get("stride") or 1
    print(f"scoring {len(values)} points of {path}, stride {stride}", flush=True)
    points, _ = evaluation.score_series(model, values, stride=stride, batch_size=args.batch_size,
                                        verbose=1 if sys.stdout.isatty() else 0)
    identifiers = {"index": np.arange(len(points))}
    if time is not None:
        identifiers[time] = table[time].to_numpy()
    return write_scores(Path(args.scores_out), [(identifiers, points)],
                        float(model.threshold.numpy()))


def row_encoding(columns: Sequence[Any], metadata: dict[str, Any], n_features: int,
                 path: Path):
    """How the feature columns of a rows CSV become the model's inputs: a
    `datasets.base.OneHotEncoding` rebuilt from the feature names the model was trained with
    ("bytes", "protocol=tcp": the numeric columns, then one column per known category).

    Raises:
        DetectorError: the header lacks a column the model was trained with, or has one the
            model was not; without recorded names, a count that differs from the model's.
    """
    from datasets.base import OneHotEncoding
    from zoo import DetectorError

    known = metadata.get("feature_names")
    if not known:
        return OneHotEncoding(numeric_features(columns, None, n_features, path), {})
    numeric = [name for name in known if name in columns]
    categories: dict[Any, list[str]] = {}
    by_length = sorted(columns, key=lambda column: -len(str(column)))
    for name in known:
        if name in columns:
            continue
        column = next((c for c in by_length if name.startswith(f"{c}=")), None)
        if column is None:
            raise DetectorError(f"{path} lacks the column of the model's feature {name!r}; "
                                f"the model was trained on the columns of "
                                f"{', '.join(map(str, known))}")
        categories.setdefault(column, []).append(name[len(f"{column}="):])
    encoding = OneHotEncoding(numeric, categories)
    unused = [c for c in columns if c not in numeric and c not in categories]
    if unused or encoding.feature_names != list(known):
        extra = f": {', '.join(map(str, unused))} is not one of them" if unused else ""
        raise DetectorError(f"{path}: its columns do not make the model's {len(known)} "
                            f"features{extra}")
    return encoding


def csv_chunks(path: Path, rows: int, **options: Any) -> Iterator[Any]:
    """The CSV at `path` as DataFrames of `rows` rows each; a parse error is a DatasetError."""
    import pandas as pd

    from datasets import DatasetError

    try:
        yield from pd.read_csv(path, chunksize=rows, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        reason = str(err).strip().splitlines()[-1]
        raise DatasetError(f"{path}: not a readable CSV file ({reason})") from err


def numbers_of(frame, columns: Sequence[Any], first_row: int, path: Path) -> np.ndarray:
    """float32 [rows, len(columns)] of numeric columns; a missing, non-finite or non-numeric
    entry is a DatasetError naming its row (counted from 0 after the header) and column."""
    import pandas as pd

    from datasets import DatasetError

    values = frame[list(columns)].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise DatasetError(f"{path}: row {first_row + row}, column {columns[column]!r} holds "
                           f"{frame.iloc[row][columns[column]]!r}; expected a finite number")
    return values.astype(np.float32)


def row_chunks(model, metadata: dict[str, Any], path: Path,
               rows: int) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """({"row": numbers}, inputs float32 [rows, features]) of a rows CSV, `rows` at a time."""
    import pandas as pd

    from datasets import DatasetError
    from datasets.base import read_csv

    header = list(read_csv(user_file(path), nrows=0).columns)
    time, label = column_roles(header, metadata.get("dataset_options", {}))
    encoding = row_encoding([c for c in header if c not in (time, label)], metadata,
                            model.example_shape[0], path)
    first_row = 0
    for frame in csv_chunks(path, rows, dtype={c: str for c in encoding.categories}):
        records = pd.DataFrame(numbers_of(frame, encoding.numeric, first_row, path),
                               columns=encoding.numeric, index=frame.index)
        for column in encoding.categories:
            empty = np.flatnonzero(frame[column].isna().to_numpy())
            if len(empty):
                raise DatasetError(f"{path}: row {first_row + int(empty[0])}, column "
                                   f"{column!r} is empty; a text column needs a category in "
                                   f"every row")
            records[column] = frame[column]
        yield ({"row": np.arange(first_row, first_row + len(frame))},
               encoding.transform(records, str(path)))
        first_row += len(frame)
    if first_row == 0:
        raise DatasetError(f"{path}: no rows after the header {','.join(map(str, header))}")


def image_files(folder: Path) -> list[Path]:
    """The images to score in `folder`: those of normal/ then abnormal/ where it has normal/
    (the images: loader's layout), else those directly in it; each sorted by name.

    Raises:
        DatasetError: no such folder, or no image in it.
    """
    from datasets import DatasetError
    from datasets.base import DataFileNotFoundError
    from datasets.files import IMAGE_SUFFIXES

    if not folder.is_dir():
        raise DataFileNotFoundError(folder, "your own folder", "expected a folder of images")
    parts = [folder / "normal", folder / "abnormal"] if (folder / "normal").is_dir() else [folder]
    files = [path for part in parts if part.is_dir() for path in sorted(part.iterdir())
             if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise DatasetError(f"{folder}: no image; expected files ending in "
                           f"{', '.join(IMAGE_SUFFIXES)}")
    return files


def read_image(path: Path, shape: Sequence[int], resize: bool) -> np.ndarray:
    """float32 [height, width, channels] in 0..255 of the image file at `path`, decoded as the
    images: loader decodes (first frame, alpha dropped, 16 bits scaled to 0..255), grey made
    RGB for a colour model, and resized bilinearly to `shape` when `resize`.

    Raises:
        DatasetError: an unreadable image, a colour image for a grey model, or (without
            `resize`) a size other than the model's.
    """
    import tensorflow as tf

    from datasets import DatasetError

    height, width, channels = shape
    try:
        image = tf.io.decode_image(path.read_bytes(), expand_animations=False)
    except tf.errors.OpError as err:
        reason = re.sub(r"\{\{.*?\}\}\s*|\s*\[Op:\w+\]", "", err.message).strip()
        raise DatasetError(f"{path}: not a readable image ({reason})") from None
    scale = 257.0 if image.dtype == tf.uint16 else 1.0  # 65535 / 257 = 255
    image = tf.cast(image, tf.float32) / scale
    if image.shape[-1] in (2, 4):  # grey or colour with alpha
        image = image[..., :-1]
    if image.shape[-1] != channels:
        if image.shape[-1] == 3:
            raise DatasetError(f"{path} is in colour; the model takes grey images")
        image = tf.image.grayscale_to_rgb(image)
    if tuple(image.shape[:2]) != (height, width):
        if not resize:
            raise DatasetError(f"{path}: {image.shape[0]}x{image.shape[1]} pixels; the model "
                               f"takes {height}x{width} images")
        image = tf.image.resize(image, (height, width))
    return image.numpy()


def image_chunks(model, metadata: dict[str, Any], path: Path,
                 count: int) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """({"file": names relative to the folder}, images float32 [n, height, width, channels])
    of an image folder, `count` images at a time; resized to the model's size only if it was
    trained on resized images (the image_size loader option)."""
    files = image_files(path)
    resize = metadata.get("dataset_options", {}).get("image_size") is not None
    for start in range(0, len(files), count):
        chunk = files[start:start + count]
        yield ({"file": [str(file.relative_to(path)) for file in chunk]},
               np.stack([read_image(file, model.example_shape, resize) for file in chunk]))


def session_chunks(model, metadata: dict[str, Any], path: Path,
                   count: int) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """({"line": numbers from 1}, sessions int32 [n, longest of the chunk], 0-padded) of a file
    of log-key sessions, `count` at a time. As in the sessions: loader, a file whose first line
    holds a tab is label<TAB>keys on every line (the label is ignored).

    Raises:
        DatasetError: an empty line, a token that is not a log key, a key above the model's
            vocabulary, or a file that is not text.
    """
    from datasets import DatasetError
    from datasets.base import pad_sessions, session_keys

    vocabulary = getattr(model, "vocab_size", None)
    numbers, sessions, labelled = [], [], None
    try:
        with user_file(path).open() as handle:
            for number, line in enumerate(handle, start=1):
                if labelled is None:
                    labelled = "\t" in line
                keys = line.partition("\t")[2] if labelled else line
                sessions.append(session_keys(keys, f"{path} line {number}", vocabulary))
                numbers.append(number)
                if len(sessions) == count:
                    yield {"line": numbers}, pad_sessions(sessions, max(map(len, sessions)))
                    numbers, sessions = [], []
    except UnicodeDecodeError as err:
        raise DatasetError(f"{path}: not a text file ({err.reason} at byte {err.start})") from err
    if sessions:
        yield {"line": numbers}, pad_sessions(sessions, max(map(len, sessions)))


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
