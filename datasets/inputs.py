"""A user's unlabelled inputs, read in chunks for scoring.

`read_chunks` reads a file as the kind of data a trained model takes (a series CSV, a CSV of
rows, a folder of images, a file of log-key sessions) and yields (identifier columns, inputs)
chunk by chunk, so that a file of any size is scored in bounded memory. What it needs of the
model comes as plain values: its input shape, the feature names and loader options recorded at
training, its largest log key. Files are read as the `datasets.files` loaders read them: the
same time and label columns, image decoding and session lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from datasets.base import (KINDS, DataFileNotFoundError, DatasetError, OneHotEncoding,
                           finite_floats, pad_sessions, read_csv, read_csv_chunks)
from datasets.files import (IMAGE_SUFFIXES, column_roles, decode_image, image_files,
                            session_line, text_errors, user_file)

Chunk = tuple[dict[str, Any], np.ndarray]  # (identifier column -> one value per example, inputs)


def read_chunks(path: Path, kind: str, example_shape: Sequence[int | None], *,
                feature_names: Sequence[str] | None = None,
                options: dict[str, Any] | None = None, max_key: int | None = None,
                size: int = 256) -> Iterator[Chunk]:
    """The inputs at `path`, read as `kind` data for a model of input shape `example_shape`,
    as (identifier columns, inputs) chunks.

    - series: a CSV of one row per time step, in one chunk (a scorer cuts its windows):
      ({"index": 0..T-1, then the time column if any}, float32 [T, features]).
    - tabular: a CSV of rows, `size` at a time: ({"row": numbers after the header, from 0},
      float32 [rows, features]); text columns one-hot encoded with the categories of
      `feature_names` ("protocol=tcp": category tcp of column protocol; one not among them
      encodes as all zeros).
    - image: a folder, its normal/ then abnormal/ images where it has normal/ (the images:
      loader's layout), else the images directly in it, `size` at a time: ({"file": names
      relative to the folder}, float32 [n, height, width, channels] in 0..255).
    - sessions: a file of log-key sessions, one per line (`label<TAB>keys` where the first line
      holds a tab; the label is ignored), `size` at a time: ({"line": numbers from 1}, int32
      [n, longest of the chunk], 0-padded).

    A CSV's time column (timestamp, or the time_column of `options`) and label column
    (is_anomaly, label, Label, or the label_column of `options`) are not features. The features
    are those named by `feature_names` where the header has them, in that order; without
    recorded names, every other column, in file order, if there are as many as the model takes.

    Args:
        path: the file, or the folder of images, read as given.
        kind: one of "series", "tabular", "image", "sessions".
        example_shape: one input of the model: [window, features], [features], [height, width,
            channels] or [None] (sessions of any length).
        feature_names: the names of the features the model was trained on, if recorded.
        options: the loader options of the training data: time_column and label_column (CSV),
            image_size (given: an image of another size is resized to the model's, bilinear;
            not given: it is refused).
        max_key: sessions: the largest log key the model takes; None: any.
        size: rows, images or sessions per chunk.

    Raises:
        DatasetError: an unknown kind; a missing, empty or unreadable file; columns that do not
            make the model's features; a value, image or session the model cannot take (the
            message names the file and the row, image or line). Raised as the chunk that holds
            it is read.
    """
    options = options or {}
    if kind == "series":
        return _series_chunks(path, int(example_shape[-1]), feature_names, options)
    if kind == "tabular":
        return _row_chunks(path, int(example_shape[0]), feature_names, options, size)
    if kind == "image":
        return _image_chunks(path, example_shape, options.get("image_size") is not None, size)
    if kind == "sessions":
        return _session_chunks(path, max_key, size)
    raise DatasetError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")


def _roles(header: Sequence[Any], options: dict[str, Any]) -> tuple[Any, Any, list[Any]]:
    """`column_roles` of a header, with the training's time_column and label_column where the
    header has them."""
    named = (options.get("time_column"), options.get("label_column"))
    return column_roles(header, *(name if name in header else None for name in named))


def _feature_columns(columns: Sequence[Any], known: Sequence[str] | None, n_features: int,
                     path: Path) -> list[Any]:
    """The feature columns of a header, in the model's order: by the names the model was
    trained with where the header has them all, else every column given, in file order.

    Raises:
        DatasetError: neither fits the model's feature count.
    """
    if known and all(name in columns for name in known):
        return list(known)
    if len(columns) == n_features:
        return list(columns)
    trained = f" ({', '.join(map(str, known))})" if known else ""
    raise DatasetError(f"{path} has the feature columns {', '.join(map(str, columns))}; the "
                       f"model takes {n_features} feature(s){trained}")


def _series_chunks(path: Path, n_features: int, known: Sequence[str] | None,
                   options: dict[str, Any]) -> Iterator[Chunk]:
    """The series CSV at `path`, read whole, as one chunk."""
    table = read_csv(user_file(path))
    time, _, columns = _roles(list(table.columns), options)
    values = finite_floats(table[_feature_columns(columns, known, n_features, path)], str(path))
    identifiers = {"index": np.arange(len(values))}
    if time is not None:
        identifiers[time] = table[time].to_numpy()
    yield identifiers, values


def _row_encoding(columns: Sequence[Any], known: Sequence[str] | None, n_features: int,
                  path: Path) -> OneHotEncoding:
    """How the feature columns of a rows CSV become the model's inputs: the encoding rebuilt
    from the feature names the model was trained with ("bytes", "protocol=tcp": the numeric
    columns, then one column per known category).

    Raises:
        DatasetError: the header lacks a column the model was trained with, or has one the
            model was not; without recorded names, a count that differs from the model's.
    """
    if not known:
        return OneHotEncoding(_feature_columns(columns, None, n_features, path), {})
    numeric = [name for name in known if name in columns]
    categories: dict[Any, list[str]] = {}
    by_length = sorted(columns, key=lambda column: -len(str(column)))
    for name in known:
        if name in columns:
            continue
        column = next((c for c in by_length if name.startswith(f"{c}=")), None)
        if column is None:
            raise DatasetError(f"{path} lacks the column of the model's feature {name!r}; the "
                               f"model was trained on the columns of "
                               f"{', '.join(map(str, known))}")
        categories.setdefault(column, []).append(name[len(f"{column}="):])
    encoding = OneHotEncoding(numeric, categories)
    unused = [c for c in columns if c not in numeric and c not in categories]
    if unused or encoding.feature_names != list(known):
        extra = f": {', '.join(map(str, unused))} is not one of them" if unused else ""
        raise DatasetError(f"{path}: its columns do not make the model's {len(known)} "
                           f"features{extra}")
    return encoding


def _numbers(frame: pd.DataFrame, columns: Sequence[Any], first_row: int,
             path: Path) -> np.ndarray:
    """float32 [rows, len(columns)] of numeric columns; a missing, non-finite or non-numeric
    entry is a DatasetError naming its row (counted from 0 after the header) and column."""
    values = frame[list(columns)].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise DatasetError(f"{path}: row {first_row + row}, column {columns[column]!r} holds "
                           f"{frame.iloc[row][columns[column]]!r}; expected a finite number")
    return values.astype(np.float32)


def _row_chunks(path: Path, n_features: int, known: Sequence[str] | None,
                options: dict[str, Any], size: int) -> Iterator[Chunk]:
    """The rows CSV at `path`, `size` rows at a time."""
    header = list(read_csv(user_file(path), nrows=0).columns)
    _, _, columns = _roles(header, options)
    encoding = _row_encoding(columns, known, n_features, path)
    first_row = 0
    for frame in read_csv_chunks(path, size, dtype={c: str for c in encoding.categories}):
        records = pd.DataFrame(_numbers(frame, encoding.numeric, first_row, path),
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


def _image_files(folder: Path) -> list[Path]:
    """The images to score in `folder`: those of normal/ then abnormal/ where it has normal/,
    else those directly in it; each sorted by name.

    Raises:
        DatasetError: no such folder, or no image in it.
    """
    if not folder.is_dir():
        raise DataFileNotFoundError(folder, "your own folder", "expected a folder of images")
    parts = [folder / "normal", folder / "abnormal"] if (folder / "normal").is_dir() else [folder]
    files = [path for part in parts if part.is_dir() for path in image_files(part)]
    if not files:
        raise DatasetError(f"{folder}: no image; expected files ending in "
                           f"{', '.join(IMAGE_SUFFIXES)}")
    return files


def _model_image(path: Path, shape: Sequence[int | None], resize: bool) -> np.ndarray:
    """float32 [height, width, channels] in 0..255 of the image file at `path` (see
    `decode_image`), grey made RGB for a colour model, and resized bilinearly to `shape` when
    `resize`.

    Raises:
        DatasetError: an unreadable image, a colour image for a grey model, or (without
            `resize`) a size other than the model's.
    """
    import tensorflow as tf  # noqa: PLC0415 (the rest of datasets needs no TensorFlow)

    height, width, channels = shape
    image = decode_image(path)
    if image.shape[-1] != channels:
        if image.shape[-1] == 3:
            raise DatasetError(f"{path} is in colour; the model takes grey images")
        image = np.repeat(image, 3, axis=-1)
    if tuple(image.shape[:2]) != (height, width):
        if not resize:
            raise DatasetError(f"{path}: {image.shape[0]}x{image.shape[1]} pixels; the model "
                               f"takes {height}x{width} images")
        image = tf.image.resize(image, (height, width)).numpy()
    return image


def _image_chunks(folder: Path, shape: Sequence[int | None], resize: bool,
                  size: int) -> Iterator[Chunk]:
    """The images of `folder`, `size` at a time."""
    files = _image_files(folder)
    for start in range(0, len(files), size):
        chunk = files[start:start + size]
        yield ({"file": [str(file.relative_to(folder)) for file in chunk]},
               np.stack([_model_image(file, shape, resize) for file in chunk]))


def _session_chunks(path: Path, max_key: int | None, size: int) -> Iterator[Chunk]:
    """The sessions of the file at `path`, `size` at a time, read line by line."""
    numbers: list[int] = []
    sessions: list[np.ndarray] = []
    labelled = None
    with text_errors(path), user_file(path).open() as handle:
        for number, line in enumerate(handle, start=1):
            if labelled is None:
                labelled = "\t" in line
            sessions.append(session_line(line, f"{path} line {number}", labelled=labelled,
                                         max_key=max_key, read_label=False)[1])
            numbers.append(number)
            if len(sessions) == size:
                yield {"line": numbers}, pad_sessions(sessions, max(map(len, sessions)))
                numbers, sessions = [], []
    if sessions:
        yield {"line": numbers}, pad_sessions(sessions, max(map(len, sessions)))
