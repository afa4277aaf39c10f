"""Export a trained detector for TF Serving and for Keras, and load it back.

An export folder holds:

    serving/<version>/   a SavedModel TF Serving loads as-is (--model_base_path=<folder>/serving);
                         its `serving_default` takes a batch named `inputs` and returns
                         {"score": [batch], "is_anomaly": [batch]}, the threshold inside
    model.keras          the model with both optimizers' state, for keras.models.load_model
    metadata.json        model, dataset, hyper-parameters, seed, threshold, scaling, versions,
                         the machine, metrics

A new folder is written under a temporary name and renamed into place at the end, so a killed
export never leaves a half-written folder. Exporting again into an existing folder adds the next
serving version (TF Serving then serves the newest) and replaces model.keras and metadata.json,
each by an atomic rename. A lock file keeps two exports from interleaving. `update_metadata` adds
facts learnt after the export (train.py exports right after calibration, then evaluates and
records the metrics), so an error in evaluation never costs the trained model.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import platform
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Any, Iterator

import keras
import numpy as np
import tensorflow as tf

from zoo.base import AnomalyDetector

SERVING_DIR = "serving"
KERAS_FILE = "model.keras"
METADATA_FILE = "metadata.json"


class ExportError(RuntimeError):
    """An export folder cannot be written or read: the message names the path and the problem."""


def package_versions() -> dict[str, str]:
    """Versions of what produced an export, for metadata.json."""
    import sklearn  # noqa: PLC0415 (only needed here)

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__,
            "scikit-learn": sklearn.__version__}


#: CPU instruction sets that change float32 results (oneDNN picks its kernels by them).
INSTRUCTION_SETS = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")


def machine() -> dict[str, Any]:
    """The machine an export was made on, for metadata.json: CPU model, instruction sets that
    change float kernels, cores, GPUs (names; empty for none) and operating system."""
    cpu, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                cpu = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:  # not Linux: platform's word for the CPU
        pass
    gpus = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        gpus.append(details.get("device_name", device.name))
    return {"cpu": cpu, "architecture": platform.machine(),
            "instruction_sets": [name for name in INSTRUCTION_SETS if name in flags],
            "cores": os.cpu_count(), "gpus": gpus, "os": platform.platform()}


def describe_machine(facts: dict[str, Any]) -> str:
    """`machine()` facts in one line: 'AMD EPYC (avx2, avx512f), 2 cores, no GPU'."""
    sets = ", ".join(facts.get("instruction_sets") or [])
    gpus = ", ".join(facts.get("gpus") or []) or "no GPU"
    return (f"{facts.get('cpu', '?')}" + (f" ({sets})" if sets else "")
            + f", {facts.get('cores', '?')} cores, {gpus}")


def weights_digest(model: keras.Model) -> str:
    """sha256 of every weight of `model`, in order: equal digests mean equal models (used to
    check reproducibility and that workers of one training agree)."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight)).tobytes())
    return digest.hexdigest()


#: How many fixed test examples an export's metadata records the scores of (`reproduction`).
REPRODUCTION_EXAMPLES = 8


def encode_array(values: np.ndarray) -> dict[str, Any]:
    """An array as JSON: dtype, shape and its bytes (C order), zlib-compressed, in base64."""
    values = np.ascontiguousarray(values)
    return {"dtype": str(values.dtype), "shape": list(values.shape), "encoding": "zlib+base64",
            "data": base64.b64encode(zlib.compress(values.tobytes(), 9)).decode("ascii")}


def decode_array(encoded: dict[str, Any]) -> np.ndarray:
    """The array `encode_array` wrote."""
    raw = zlib.decompress(base64.b64decode(encoded["data"]))
    return np.frombuffer(raw, dtype=encoded["dtype"]).reshape(encoded["shape"]).copy()


def reproduction(model: AnomalyDetector, ds, stride: int = 1, split: str = "test",
                 count: int = REPRODUCTION_EXAMPLES) -> dict[str, Any] | None:
    """What `model` answers for `count` fixed examples of `split`, for metadata.json: whoever
    loads the export can score the same inputs and compare (the examples travel with the
    record, so the check needs no dataset).

    The examples are `ds.examples(split, stride)` at `count` evenly spaced indices (first and
    last included), so that they span the split; None for an empty split.

    Returns:
        {"examples": the choice in words, "split", "stride", "indices", "labels", "inputs"
        (`encode_array`), "outputs": each output of the serving signature, one value per
        example}.
    """
    x, y = ds.examples(split, stride=stride)
    if len(x) == 0:
        return None
    indices = sorted({int(i) for i in np.linspace(0, len(x) - 1, min(count, len(x))).round()})
    inputs = np.ascontiguousarray(x[indices])
    outputs = model.predict_outputs(inputs)
    return {"examples": f"{len(indices)} examples of the {split} split at stride {stride}, at "
                        f"evenly spaced indices of ds.examples({split!r}, stride={stride})",
            "split": split, "stride": stride, "indices": indices,
            "labels": [int(v) for v in np.asarray(y)[indices]],
            "inputs": encode_array(inputs),
            "outputs": {name: np.asarray(value).tolist() for name, value in outputs.items()}}


def serving_versions(output: Path) -> list[int]:
    """The integer version folders under output/serving, ascending."""
    serving = Path(output) / SERVING_DIR
    if not serving.is_dir():
        return []
    return sorted(int(p.name) for p in serving.iterdir() if p.is_dir() and p.name.isdigit())


@contextlib.contextmanager
def _export_lock(output: Path) -> Iterator[None]:
    """Hold `.<name>.lock` beside `output`; a lock left by a dead process is taken over."""
    lock = output.parent / f".{output.name}.lock"
    output.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            holder = lock.read_text().strip()
            if holder.isdigit() and _process_alive(int(holder)):
                raise ExportError(f"another export into {output} is running (process {holder}, "
                                  f"lock {lock})") from None
            lock.unlink(missing_ok=True)
    else:
        raise ExportError(f"could not take the export lock {lock}")
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_saved_model(model: AnomalyDetector, path: Path) -> None:
    """Write the serving SavedModel of `model` to `path` (which must not exist)."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(name="serving_default", fn=model.serve,
                         input_signature=[model.input_signature()])
    archive.write_out(str(path), verbose=False)


def _json_ready(value: Any) -> Any:
    """Replace non-finite floats (JSON has none) by None, recursively."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


def export(model: AnomalyDetector, output: str | os.PathLike,
           metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Export `model` into the folder `output` (see the module docstring for the layout).

    Args:
        model: a built (and normally calibrated) detector.
        output: the export folder; created, or extended with the next serving version.
        metadata: facts to record (dataset, seed, metrics, ...); the threshold, config,
            serving version, package versions and machine are added here.

    Returns:
        The metadata written to metadata.json.
    """
    output = Path(output)
    with _export_lock(output):
        versions = serving_versions(output)
        version = versions[-1] + 1 if versions else 1
        threshold = float(model.threshold.numpy())
        record = _json_ready({**(metadata or {}), "class": type(model).__name__,
                              "config": model.get_config(), "threshold": threshold,
                              "serving_version": version,
                              "weights_sha256": weights_digest(model),
                              "versions": package_versions(), "machine": machine()})
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
        try:
            write_saved_model(model, staging / SERVING_DIR / str(version))
            model.save(staging / KERAS_FILE)
            (staging / METADATA_FILE).write_text(json.dumps(record, indent=2) + "\n")
            if not output.exists():
                staging.rename(output)
                return record
            (output / SERVING_DIR).mkdir(exist_ok=True)
            (staging / SERVING_DIR / str(version)).rename(output / SERVING_DIR / str(version))
            os.replace(staging / KERAS_FILE, output / KERAS_FILE)
            os.replace(staging / METADATA_FILE, output / METADATA_FILE)  # last: marks it done
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return record


def update_metadata(output: str | os.PathLike, updates: dict[str, Any]) -> dict[str, Any]:
    """Merge `updates` into the metadata.json of the export folder `output` (facts known only
    after the export, such as the test metrics), by an atomic rename.

    Keys already there keep their place and take the new value; new keys go at the end.

    Returns:
        The metadata written.

    Raises:
        ExportError: `output` holds no readable metadata.json.
    """
    path = Path(output) / METADATA_FILE
    with _export_lock(Path(output)):
        try:
            record = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ExportError(f"{path} cannot be updated: {err}") from None
        record = _json_ready({**record, **updates})
        staging = path.with_name(f".{METADATA_FILE}.tmp-{os.getpid()}")
        staging.write_text(json.dumps(record, indent=2) + "\n")
        os.replace(staging, path)
    return record


def load(model_dir: str | os.PathLike) -> tuple[AnomalyDetector, dict[str, Any]]:
    """The detector and metadata of an export folder.

    Raises:
        ExportError: the folder, model.keras or metadata.json is missing or unreadable.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ExportError(f"model folder not found: {model_dir}")
    missing = [name for name in (KERAS_FILE, METADATA_FILE) if not (model_dir / name).is_file()]
    if missing:
        raise ExportError(f"{model_dir} is not a complete export: missing {', '.join(missing)}")
    try:
        metadata = json.loads((model_dir / METADATA_FILE).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ExportError(f"{model_dir / METADATA_FILE} is unreadable: {err}") from None
    try:
        model = keras.models.load_model(model_dir / KERAS_FILE)
    except Exception as err:  # Keras raises many kinds for a damaged archive
        raise ExportError(f"{model_dir / KERAS_FILE} could not be loaded: "
                          f"{str(err).splitlines()[0]}") from None
    return model, metadata
