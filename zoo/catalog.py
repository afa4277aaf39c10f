"""The models that ship with the zoo, trained on their papers' data: `zoo.pretrained(name)`.

`saved_models/catalog.json` names them, each with the train.py arguments that make it;
`saved_models/manifest.json`, written by `python -m saved_models.ship`, records what was shipped:
the sha256 and size of every file of each folder. A shipped folder is an export as train.py
writes it (serving/1/, model.keras, metadata.json).

    import zoo
    model = zoo.pretrained("fencegan-kdd99")            # saved_models/fencegan-kdd99/model.keras
    model = zoo.load("saved_models/fencegan-kdd99")      # any export folder (or .keras file)

`pretrained` reads the folder in saved_models/ when it is there, checking model.keras against the
sha256 the manifest records. Where it is not (the folders published elsewhere), it downloads
model.keras and metadata.json from `<base URL>/<name>/` with `keras.utils.get_file`, which checks
the same sha256, into the Keras cache (~/.keras/zoo/<name>/). The base URL is the `base_url`
argument, else $ZOO_PRETRAINED_URL, else the catalog's `base_url`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from zoo.base import AnomalyDetector
from zoo.export import KERAS_FILE, METADATA_FILE, ExportError, load as load_export

#: The folder of the shipped models, beside the zoo package.
ROOT = Path(__file__).resolve().parent.parent / "saved_models"
CATALOG_FILE = "catalog.json"
MANIFEST_FILE = "manifest.json"
#: Where published folders are downloaded from when `base_url` is not given.
URL_ENV = "ZOO_PRETRAINED_URL"
#: The files `pretrained` downloads: what `keras.models.load_model` and the metadata need.
DOWNLOADED = (KERAS_FILE, METADATA_FILE)


def _read_json(path: Path, missing: Any = None) -> Any:
    if not path.is_file():
        if missing is not None:
            return missing
        raise ExportError(f"{path} not found")
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ExportError(f"{path} is unreadable: {err}") from None


def catalog(root: str | os.PathLike | None = None) -> dict[str, Any]:
    """The catalog of `root` (default: saved_models/): {"base_url", "budget_bytes", "models":
    {name: {"args": train.py arguments, "data": the data in words}}}.

    Raises:
        ExportError: no readable catalog.json in `root`.
    """
    return _read_json(Path(root or ROOT) / CATALOG_FILE)


def manifest(root: str | os.PathLike | None = None) -> dict[str, Any]:
    """What was shipped in `root`: {"models": {name: {"files": {relative path: {"sha256",
    "bytes"}}, "bytes", ...}}}; no models before the first is shipped."""
    return _read_json(Path(root or ROOT) / MANIFEST_FILE, missing={"models": {}})


def names(root: str | os.PathLike | None = None) -> list[str]:
    """The names the catalog of `root` lists, in its order."""
    return list(catalog(root)["models"])


def shipped(root: str | os.PathLike | None = None) -> list[str]:
    """The catalog's names that have been shipped (recorded in the manifest), in catalog order."""
    done = manifest(root)["models"]
    return [name for name in names(root) if name in done]


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(path: str | os.PathLike) -> AnomalyDetector:
    """The model of an export folder (or of a .keras file), ready to score or fine-tune: with
    the optimizers' state it was saved with, or, saved without (a shipped model stripped to
    fit the budget), compiled with fresh optimizers of its paper's settings.

    Raises:
        ExportError: not an export folder or .keras file, or one that cannot be loaded.
    """
    path = Path(path)
    if path.is_file() and path.suffix == ".keras":
        import keras  # noqa: PLC0415 (only this branch needs it)

        try:
            model = keras.models.load_model(path)
        except Exception as err:  # Keras raises many kinds for a damaged archive
            raise ExportError(f"{path} could not be loaded: {str(err).splitlines()[0]}") from None
    else:
        model = load_export(path)[0]
    if not model.compiled:
        model.compile()
    return model


def pretrained(name: str, root: str | os.PathLike | None = None, base_url: str | None = None,
               cache_dir: str | os.PathLike | None = None) -> AnomalyDetector:
    """The shipped model `name` (see the module docstring for where it is read from).

    Args:
        name: one of `names()`, e.g. "fencegan-kdd99".
        root: the folder of the catalog, manifest and shipped folders (default: saved_models/).
        base_url: where the folders are published (`<base_url>/<name>/model.keras`); default
            $ZOO_PRETRAINED_URL, else the catalog's base_url.
        cache_dir: the download cache (default: Keras's, ~/.keras).

    Raises:
        ExportError: an unknown name (the message lists the shipped ones), a name not shipped
            yet, a folder that is neither in `root` nor downloadable (no base URL), a sha256
            that differs from the manifest's, a failed download.
    """
    root = Path(root or ROOT)
    known = catalog(root)
    if name not in known["models"]:
        listed = shipped(root)
        raise ExportError(f"unknown shipped model {name!r}; shipped: "
                          f"{', '.join(listed) if listed else 'none yet'} (of "
                          f"{root / CATALOG_FILE}: {', '.join(known['models'])})")
    record = manifest(root)["models"].get(name)
    if record is None:
        raise ExportError(f"{name} is in the catalog but not shipped yet: python -m "
                          f"saved_models.ship train {name} makes {root / name}")
    folder = root / name
    if (folder / KERAS_FILE).is_file():
        check_sha256(folder / KERAS_FILE, record["files"][KERAS_FILE]["sha256"])
    else:
        url = base_url or os.environ.get(URL_ENV) or known.get("base_url")
        if not url:
            raise ExportError(f"{folder} not found, and no base URL to download it from (give "
                              f"base_url=, set ${URL_ENV}, or set base_url in "
                              f"{root / CATALOG_FILE})")
        folder = download(name, url, {f: record["files"][f]["sha256"] for f in DOWNLOADED},
                          cache_dir)
    return load(folder)


def check_sha256(path: Path, expected: str) -> None:
    """Raise ExportError unless the file at `path` has sha256 `expected`."""
    found = file_sha256(path)
    if found != expected:
        raise ExportError(f"sha256 mismatch: {path} has {found}, the manifest records "
                          f"{expected}; restore the shipped file (git checkout {path}) or ship "
                          f"the model again")


def download(name: str, base_url: str, hashes: dict[str, str],
             cache_dir: str | os.PathLike | None = None) -> Path:
    """Fetch `<base_url>/<name>/<file>` for each file of `hashes` ({file: sha256}) with
    keras.utils.get_file into `<cache_dir>/zoo/<name>/`, each checked against its sha256 (a
    cached file that matches is not fetched again, one that does not is); return that folder.

    Raises:
        ExportError: a fetch failed, or a fetched file's sha256 differs.
    """
    import keras  # noqa: PLC0415 (only downloads need it)

    if cache_dir is not None:  # get_file falls back on /tmp/.keras for a folder not there yet
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
    folder = None
    for file, sha256 in hashes.items():
        url = f"{base_url.rstrip('/')}/{name}/{file}"
        try:
            path = keras.utils.get_file(fname=file, origin=url, file_hash=sha256,
                                        hash_algorithm="sha256", cache_subdir=f"zoo/{name}",
                                        cache_dir=None if cache_dir is None else str(cache_dir))
        except ValueError as err:  # get_file's word for a hash that does not match
            raise ExportError(f"sha256 mismatch: {url} is not the file the manifest records "
                              f"({sha256}): {err}") from None
        except Exception as err:  # get_file raises a bare Exception for a failed fetch
            raise ExportError(f"could not download {url}: {err}") from None
        folder = Path(path).parent
    return folder
