"""The model zoo: `zoo.get(name)` returns a detector class, `zoo.names()` lists them;
`zoo.pretrained(name)` returns a shipped, trained model, `zoo.load(folder)` any export's
(zoo/catalog.py).

Importing `zoo` registers every model with Keras, so `keras.models.load_model` can rebuild them.
"""

from __future__ import annotations

from datasets import DatasetError
from zoo.alad import ALAD
from zoo.anoean import AnoEAN
from zoo.anogan import AnoGAN
from zoo.base import AnomalyDetector, DetectorError
from zoo.catalog import load, pretrained
from zoo.classifiers import CLSTM, CNNDNN, LSTMDNN
from zoo.egbad import EGBAD
from zoo.ensemble import (AnoGANEnsemble, EGBADEnsemble, GANEnsemble, GANomalyEnsemble,
                          TAnoGANEnsemble)
from zoo.export import ExportError
from zoo.fencegan import FenceGAN
from zoo.ganrl import GANRL
from zoo.ganomaly import GANomaly
from zoo.inversion import LatentInversion
from zoo.gru_vae import GRUVAE, WindowGRUVAE
from zoo.ocgan import OCGAN
from zoo.tanogan import TAnoGAN

#: What a user can cause (bad name, option, input or file): the CLIs print these in one line.
USER_ERRORS = (DatasetError, DetectorError, ExportError)

_MODELS: dict[str, type[AnomalyDetector]] = {
    "alad": ALAD,
    "anoean": AnoEAN,
    "anogan": AnoGAN,
    "anogan_ensemble": AnoGANEnsemble,
    "clstm": CLSTM,
    "cnn_dnn": CNNDNN,
    "egbad": EGBAD,
    "egbad_ensemble": EGBADEnsemble,
    "fencegan": FenceGAN,
    "ganomaly": GANomaly,
    "ganomaly_ensemble": GANomalyEnsemble,
    "ganrl": GANRL,
    "gru_vae": GRUVAE,
    "gru_vae_series": WindowGRUVAE,
    "lstm_dnn": LSTMDNN,
    "ocgan": OCGAN,
    "tanogan": TAnoGAN,
    "tanogan_ensemble": TAnoGANEnsemble,
}

#: What `python train.py` trains when no --model is given: the time-series model that the NAB
#: suite (every labelled NAB series, docs/RESULTS.md) ranks first by mean AUROC.
DEFAULT = "gru_vae_series"


def names() -> list[str]:
    """Registered model names."""
    return sorted(_MODELS)


def get(name: str) -> type[AnomalyDetector]:
    """The detector class registered as `name` (case-insensitive).

    Raises:
        DetectorError: unknown name; the message lists the known ones.
    """
    try:
        return _MODELS[name.lower()]
    except KeyError:
        raise DetectorError(f"unknown model {name!r}; known: {', '.join(names())}") from None


def inversion_models() -> list[str]:
    """The registered models that score by inverting a generator (zoo.inversion), which have
    the fast scoring modes."""
    return [name for name in names() if issubclass(_MODELS[name], LatentInversion)]


def name_of(model: AnomalyDetector) -> str:
    """The registry name of a model instance."""
    for name, cls in _MODELS.items():
        if type(model) is cls:
            return name
    raise DetectorError(f"{type(model).__name__} is not a registered zoo model")


__all__ = ["USER_ERRORS", "ALAD", "AnoEAN", "AnoGAN", "AnoGANEnsemble", "AnomalyDetector", "CLSTM",
           "CNNDNN", "DetectorError", "EGBAD", "EGBADEnsemble", "FenceGAN", "GANEnsemble", "GANRL",
           "GANomaly", "GANomalyEnsemble", "GRUVAE", "LSTMDNN", "OCGAN", "TAnoGAN",
           "TAnoGANEnsemble", "WindowGRUVAE", "get", "inversion_models", "load", "name_of", "names",
           "pretrained"]
