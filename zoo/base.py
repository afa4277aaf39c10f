"""The detector contract every model of the zoo follows.

An `AnomalyDetector` is a `keras.Model` with its own `train_step`. Around that it adds:

- `for_dataset(ds, **overrides)`: the paper's architecture for that kind of data;
- `compile(<player>_optimizer=...)`: one optimizer per player of the game, paper defaults;
- `score(x)`: float32 [batch], higher = more anomalous, from *raw* inputs (the scaling fitted
  on the training data is the model's first layer);
- `calibrate(x_normal, quantile=... | contamination=...)`: the threshold, a model variable that
  is saved and served with the model; `predict_labels(x)`;
- `serve(inputs)`: the serving signature, `{"score", "is_anomaly"}`.

A subclass writes `build_networks`, `score_scaled`, `train_step`, `player_variables` and
`dataset_defaults`, and lists its players and their default optimizers.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from zoo.blocks import MinMaxScaling


class DetectorError(ValueError):
    """A detector was given something it cannot use: the message names it and what was expected."""


@keras.saving.register_keras_serializable(package="zoo")
class AnomalyDetector(keras.Model):
    """Base class of the zoo's models (see the module docstring for the contract).

    Args:
        example_shape: shape of one input without the batch axis, e.g. (60, 1) for windows.
        scaling: {"min": [...], "max": [...]} per feature, fitted on training data; None for
            inputs that are not scaled (log keys).
        seed: seeds the model's random draws (noise, latent starting points).
    """

    #: Names of the players; `compile` takes one `<player>_optimizer` for each.
    PLAYERS: tuple[str, ...] = ()
    #: The range the model works in; the raw inputs are min-max scaled onto it.
    FEATURE_RANGE: tuple[float, float] = (-1.0, 1.0)
    INPUT_DTYPE = "float32"
    #: Epochs train.py runs when --epochs is not given.
    DEFAULT_EPOCHS: int = 10

    def __init__(self, example_shape: Sequence[int], scaling: Mapping[str, Any] | None = None,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.example_shape = tuple(int(d) for d in example_shape)
        self.scaling = dict(scaling) if scaling else None
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.scaler = (MinMaxScaling(self.scaling["min"], self.scaling["max"], self.FEATURE_RANGE,
                                     name="scaler") if self.scaling else None)
        # +inf: nothing is flagged until `calibrate` sets a real threshold.
        self.threshold = self.add_weight(name="threshold", shape=(), trainable=False,
                                         initializer=keras.initializers.Constant(math.inf))

    # ----- what a subclass provides -------------------------------------------------------

    @classmethod
    def dataset_defaults(cls, ds) -> dict[str, Any]:
        """Constructor arguments of the paper's architecture for dataset `ds`."""
        raise NotImplementedError

    def build_networks(self) -> None:
        """Build every sub-network (fit never calls build on a model with its own train_step)."""
        raise NotImplementedError

    def player_variables(self, player: str) -> list:
        """The trainable variables the optimizer of `player` updates."""
        raise NotImplementedError

    def default_optimizer(self, player: str) -> keras.optimizers.Optimizer:
        """The paper's optimizer for `player`."""
        raise NotImplementedError

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        """Anomaly score of inputs already scaled onto FEATURE_RANGE: float32 [batch]."""
        raise NotImplementedError

    # ----- construction -------------------------------------------------------------------

    @classmethod
    def for_dataset(cls, ds, **overrides: Any) -> "AnomalyDetector":
        """The paper's model for dataset `ds`, built; `overrides` replace constructor arguments.

        Raises:
            DetectorError: an override names no constructor argument.
        """
        arguments = cls.dataset_defaults(ds)
        unknown = sorted(set(overrides) - set(arguments))
        if unknown:
            raise DetectorError(f"{cls.__name__} has no argument {', '.join(unknown)}; "
                                f"its arguments: {', '.join(sorted(arguments))}")
        model = cls(**{**arguments, **overrides})
        model.build()
        return model

    def build(self, input_shape=None):
        if self.scaler is not None:
            self.scaler.build((None, *self.example_shape))
        self.build_networks()
        super().build((None, *self.example_shape))

    def get_config(self) -> dict[str, Any]:
        return {"example_shape": list(self.example_shape), "scaling": self.scaling,
                "seed": self.seed, "name": self.name}

    # ----- optimizers ---------------------------------------------------------------------

    def compile(self, *, jit_compile: bool = False, steps_per_execution: int = 1,
                **optimizers: keras.optimizers.Optimizer | None) -> None:
        """Attach one optimizer per player; a player left out gets the paper's default.

        Call it inside `strategy.scope()` when training under a distribution strategy: the
        optimizers are built here, on the model's variables.

        Args:
            jit_compile: XLA-compile the train step (off by default: on CPU it made
                gradient-penalty steps compile for minutes).
            steps_per_execution: train steps per call of the compiled function.
            **optimizers: `<player>_optimizer=` for players in PLAYERS.
        """
        expected = {f"{player}_optimizer" for player in self.PLAYERS}
        unknown = sorted(set(optimizers) - expected)
        if unknown:
            raise DetectorError(f"{type(self).__name__}.compile got {', '.join(unknown)}; "
                                f"it takes {', '.join(sorted(expected))}")
        # optimizer=None: the base optimizer would be an unused RMSprop, built and saved.
        super().compile(optimizer=None, jit_compile=jit_compile,
                        steps_per_execution=steps_per_execution)
        if not self.built:
            self.build()
        for player in self.PLAYERS:
            optimizer = optimizers.get(f"{player}_optimizer") or self.default_optimizer(player)
            optimizer.build(self.player_variables(player))
            setattr(self, f"{player}_optimizer", optimizer)

    def get_compile_config(self) -> dict[str, Any]:
        config = {f"{p}_optimizer": keras.saving.serialize_keras_object(
            getattr(self, f"{p}_optimizer")) for p in self.PLAYERS}
        return {**config, "jit_compile": bool(self.jit_compile),
                "steps_per_execution": int(self.steps_per_execution)}

    def compile_from_config(self, config: dict[str, Any]) -> None:
        optimizers = {f"{p}_optimizer": keras.saving.deserialize_keras_object(
            config[f"{p}_optimizer"]) for p in self.PLAYERS}
        self.compile(jit_compile=config.get("jit_compile", False),
                     steps_per_execution=config.get("steps_per_execution", 1), **optimizers)

    # ----- scoring ------------------------------------------------------------------------

    def scale(self, x: tf.Tensor) -> tf.Tensor:
        """Raw inputs onto FEATURE_RANGE (identity for unscaled inputs)."""
        x = tf.cast(x, self.INPUT_DTYPE)
        return self.scaler(x) if self.scaler is not None else x

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        """Raw inputs [batch, *example_shape] -> anomaly scores float32 [batch]."""
        return tf.cast(self.score_scaled(self.scale(inputs)), tf.float32)

    def check_inputs(self, x: Any) -> np.ndarray:
        """`x` as an array of the model's input dtype, or DetectorError naming what is wrong."""
        try:
            x = np.asarray(x, dtype=self.INPUT_DTYPE)
        except (TypeError, ValueError) as err:
            raise DetectorError(f"inputs cannot be read as {self.INPUT_DTYPE}: {err}") from None
        if x.ndim != len(self.example_shape) + 1 or x.shape[1:] != self.example_shape:
            raise DetectorError(f"inputs have shape {list(x.shape)}; {self.name} expects "
                                f"[batch, {', '.join(map(str, self.example_shape))}]")
        if len(x) == 0:
            raise DetectorError("inputs are empty: give at least one example")
        if not np.all(np.isfinite(x)):
            raise DetectorError(f"inputs hold {int(np.sum(~np.isfinite(x)))} NaN or infinite "
                                "values")
        return x

    def score(self, x: Any, batch_size: int = 256, verbose: int = 0) -> np.ndarray:
        """Anomaly scores of raw inputs: float32 [batch], higher = more anomalous.

        Raises:
            DetectorError: `x` has the wrong shape, is empty or holds NaN/inf.
        """
        x = self.check_inputs(x)
        return np.asarray(self.predict(x, batch_size=batch_size, verbose=verbose),
                          dtype=np.float32)

    def calibrate(self, x_normal: Any, quantile: float | None = None,
                  contamination: float | None = None, batch_size: int = 256) -> float:
        """Set the threshold from normal data and return it.

        Give one of: `quantile`, the fraction of normal scores to stay below the threshold
        (default 0.99), or `contamination`, the expected fraction of anomalies in `x_normal`
        (threshold = the 1 - contamination quantile).
        """
        if quantile is not None and contamination is not None:
            raise DetectorError("give quantile or contamination, not both")
        if contamination is not None:
            if not 0.0 <= contamination < 1.0:
                raise DetectorError(f"contamination must be in [0, 1), got {contamination}")
            quantile = 1.0 - contamination
        quantile = 0.99 if quantile is None else quantile
        if not 0.0 < quantile <= 1.0:
            raise DetectorError(f"quantile must be in (0, 1], got {quantile}")
        value = float(np.quantile(self.score(x_normal, batch_size=batch_size), quantile))
        self.threshold.assign(value)
        return value

    @property
    def is_calibrated(self) -> bool:
        return bool(np.isfinite(self.threshold.numpy()))

    def predict_labels(self, x: Any, batch_size: int = 256) -> np.ndarray:
        """bool [batch]: score above the calibrated threshold."""
        if not self.is_calibrated:
            raise DetectorError("the model has no threshold yet: call calibrate() first")
        return self.score(x, batch_size=batch_size) > float(self.threshold.numpy())

    # ----- serving ------------------------------------------------------------------------

    def input_signature(self) -> tf.TensorSpec:
        """The serving input: a batch named `inputs`."""
        return tf.TensorSpec([None, *self.example_shape], self.INPUT_DTYPE, name="inputs")

    def serve(self, inputs: tf.Tensor) -> dict[str, tf.Tensor]:
        """The `serving_default` function: raw inputs -> {"score", "is_anomaly"}.

        A batch of the wrong shape or with NaN fails here with a message naming the expected
        shape, not deep inside a layer.
        """
        expected = tf.constant([*self.example_shape], tf.int32)
        tf.debugging.assert_equal(
            tf.shape(inputs)[1:], expected,
            message=f"inputs must have shape [batch, {', '.join(map(str, self.example_shape))}]")
        if self.INPUT_DTYPE.startswith("float"):
            inputs = tf.debugging.assert_all_finite(inputs, "inputs hold NaN or infinite values")
        score = self(inputs)
        return {"score": score, "is_anomaly": score > self.threshold}
