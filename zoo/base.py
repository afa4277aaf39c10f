"""The detector contract every model of the zoo follows.

An `AnomalyDetector` is a `keras.Model` with its own `train_step`. Around that it adds:

- `for_dataset(ds, **overrides)`: the paper's architecture for that kind of data;
- `compile(<player>_optimizer=...)`: one optimizer per player of the game, paper defaults;
- `training_data(ds, batch_size, seed)`: the tf.data pipeline `fit` takes for a dataset;
- `score(x)`: float32 [batch], higher = more anomalous, from *raw* inputs (the scaling fitted
  on the training data is the model's first layer);
- `calibrate(x_normal, quantile=... | contamination=...)`: the threshold, a model variable that
  is saved and served with the model; `predict_labels(x)`;
- `serve(inputs)`: the serving signature, `{"score", "is_anomaly"}`; a model adds outputs by
  overriding `serving_outputs`, input checks by extending `check_serving_inputs`;
  `predict_outputs(x)` gives the same answers as NumPy arrays.

A subclass holds its paper's defaults in its constructor and lists in KIND_ARGUMENTS, for each
kind of data it takes, only the arguments that differ from them; it writes `build_networks`,
`score_scaled` and `train_step`, names its players and the networks each one trains in PLAYERS,
and the losses its `train_step` logs in LOSSES. A weakly supervised one (it also learns from a
few labelled anomalies) sets `USES_KNOWN_ANOMALIES` and trains on (inputs, known) pairs; a
supervised classifier sets `SUPERVISED` and trains on (windows, window labels) pairs. One that
can judge its fit on held-out normal data names a `VALIDATION_LOSS` and writes
`validation_loss`: fit's validation and early stopping then need no anomaly labels.
`LatentGAN` adds what the survey's GANs share (a latent prior, one Adam per player).
"""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar, Iterable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from zoo.blocks import MinMaxScaling
from zoo.errors import DetectorError


def replica_total(share: tf.Tensor) -> tf.Tensor:
    """The sum over replicas of each one's share of a loss: the loss of the global batch.

    Losses for gradients are shares (keras.losses and tf.nn.compute_average_loss divide by the
    replica count or the global batch), so that the replicas' gradients add up right; the logs
    want the whole loss, the same under any number of replicas.
    """
    return tf.distribute.get_replica_context().all_reduce("sum", share)


def step_logs(trackers: Sequence[keras.metrics.Metric]) -> dict[str, tf.Tensor]:
    """The logs a train or test step returns: each tracker's current result, by name.

    Under MultiWorkerMirroredStrategy Keras reduces logs along a leading axis and fails on
    scalars ("Invalid reduction dimension 0"), so there each result gets that axis.
    """
    results = {m.name: m.result() for m in trackers}
    if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
        results = {name: tf.reshape(value, [1]) for name, value in results.items()}
    return results


#: How an error message names each kind of data (see `datasets.base.KINDS`).
KIND_WORDS = {"series": "windows of a series", "tabular": "rows", "image": "images",
              "sessions": "sessions of log keys"}


@keras.saving.register_keras_serializable(package="zoo")
class AnomalyDetector(keras.Model):
    """Base class of the zoo's models (see the module docstring for the contract).

    Args:
        example_shape: shape of one input without the batch axis, e.g. (60, 1) for windows;
            None for an axis of any length (padded sessions).
        scaling: {"min": [...], "max": [...]} per feature, fitted on training data; None for
            inputs that are not scaled (log keys).
        seed: seeds the model's random draws (noise, latent starting points).
    """

    #: The players of the model's game, each with the attributes (sub-networks or variables)
    #: whose trainable variables its optimizer updates; `compile` takes one
    #: `<player>_optimizer` for each.
    PLAYERS: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: The values `train_step` logs (losses, mostly), each a keras.metrics.Mean of that name.
    LOSSES: ClassVar[tuple[str, ...]] = ()
    #: For each kind of data the model takes (a `datasets.Dataset.kind`), the constructor
    #: arguments of its paper's architecture for that kind that differ from the constructor's
    #: defaults; `for_dataset` adds the example shape, the scaling and `data_arguments`.
    KIND_ARGUMENTS: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    #: The range the model works in; the raw inputs are min-max scaled onto it.
    FEATURE_RANGE: tuple[float, float] = (-1.0, 1.0)
    INPUT_DTYPE = "float32"
    #: Epochs train.py runs when --epochs is not given.
    DEFAULT_EPOCHS: int = 10
    #: Whether the model trains on (inputs, known) pairs, `known` int [batch] marking the few
    #: labelled training anomalies (1) among normal data (0), as in `datasets.Split.known`;
    #: False: it trains on inputs alone.
    USES_KNOWN_ANOMALIES: bool = False
    #: Whether the model is a supervised classifier that trains on (windows, window labels)
    #: pairs, the labels int [batch] as `datasets.Dataset.examples` gives them (1 = anomalous).
    SUPERVISED: bool = False
    #: The loss that judges a fit on held-out normal data (`test_step` reports it; fit logs it
    #: as "val_<name>"), for early stopping without anomaly labels; None: the model has none.
    VALIDATION_LOSS: str | None = None

    def __init__(self, example_shape: Sequence[int], scaling: Mapping[str, Any] | None = None,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.example_shape = tuple(None if d is None else int(d) for d in example_shape)
        self.scaling = dict(scaling) if scaling else None
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        # float32 whatever the policy: raw values (byte counts, say) overflow float16.
        self.scaler = (MinMaxScaling(self.scaling["min"], self.scaling["max"], self.FEATURE_RANGE,
                                     name="scaler", dtype="float32") if self.scaling else None)
        self._score_function = None  # traced on first use by `score`
        self._serve_function = None  # traced on first use by `predict_outputs`
        # +inf: nothing is flagged until `calibrate` sets a real threshold.
        self.threshold = self.add_weight(name="threshold", shape=(), trainable=False,
                                         initializer=keras.initializers.Constant(math.inf))
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.LOSSES}

    # ----- what a subclass provides -------------------------------------------------------

    def build_networks(self) -> None:
        """Build every sub-network (fit never calls build on a model with its own train_step)."""
        raise NotImplementedError

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        """Anomaly score of inputs already scaled onto FEATURE_RANGE: float32 [batch]."""
        raise NotImplementedError

    def validation_loss(self, x: tf.Tensor) -> tf.Tensor:
        """This replica's share of VALIDATION_LOSS on a batch of scaled normal inputs (for
        models that name one)."""
        raise NotImplementedError

    @classmethod
    def data_arguments(cls, ds) -> dict[str, Any]:
        """Constructor arguments read off dataset `ds` beyond its example shape and scaling
        (a vocabulary size, a class weight); none by default."""
        return {}

    def default_optimizer(self, player: str) -> keras.optimizers.Optimizer:
        """The paper's optimizer for `player`: Adam at the model's `learning_rate` (and `beta_1`
        where it has one), unless the model says otherwise."""
        return keras.optimizers.Adam(self.learning_rate, beta_1=getattr(self, "beta_1", 0.9))

    # ----- construction -------------------------------------------------------------------

    @classmethod
    def dataset_defaults(cls, ds) -> dict[str, Any]:
        """Constructor arguments of the paper's architecture for dataset `ds`: those that
        differ from the constructor's defaults.

        Raises:
            DetectorError: the model takes no data of `ds.kind`.
        """
        if ds.kind not in cls.KIND_ARGUMENTS:
            kinds = " or ".join(KIND_WORDS[kind] for kind in cls.KIND_ARGUMENTS)
            raise DetectorError(f"{cls.__name__} models {kinds}; dataset {ds.name!r} is "
                                f"{ds.kind}")
        return {"example_shape": ds.example_shape, "scaling": ds.meta.get("scaling"),
                **cls.KIND_ARGUMENTS[ds.kind], **cls.data_arguments(ds)}

    @classmethod
    def argument_names(cls) -> list[str]:
        """The constructor's named arguments (every model lists all of its own)."""
        parameters = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in parameters if p.name != "self"
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    @classmethod
    def for_dataset(cls, ds, **overrides: Any) -> "AnomalyDetector":
        """The paper's model for dataset `ds`, built; `overrides` replace constructor arguments.

        Raises:
            DetectorError: the model takes no data of this kind, or an override names no
                constructor argument.
        """
        arguments = cls.dataset_defaults(ds)
        names = cls.argument_names()
        unknown = sorted(set(overrides) - set(names))
        if unknown:
            raise DetectorError(f"{cls.__name__} has no argument {', '.join(unknown)}; "
                                f"its arguments: {', '.join(sorted(names))}")
        model = cls(**{**arguments, **overrides})
        model.build()
        return model

    def build(self, input_shape=None):
        if self.scaler is not None:
            self.scaler.build((None, *self.example_shape))
        self.build_networks()
        super().build((None, *self.example_shape))

    def get_config(self) -> dict[str, Any]:
        # The dtype policy too, so a mixed-precision model reloads as one.
        return {"example_shape": list(self.example_shape), "scaling": self.scaling,
                "seed": self.seed, "name": self.name,
                "dtype": keras.dtype_policies.serialize(self.dtype_policy)}

    def with_scaling(self, scaling: Mapping[str, Any]) -> "AnomalyDetector":
        """This model rebuilt with another min-max `scaling` (per-feature "min" and "max"): its
        weights, threshold and (when compiled) optimizers with their state copied across.

        The scaling is a constant of the model's first layer, not a weight, so it changes
        through the config; it changes how raw values map onto what the networks learned.
        """
        rebuilt = type(self).from_config({**self.get_config(), "scaling": dict(scaling)})
        rebuilt.build()
        rebuilt.set_weights(self.get_weights())
        if not self.compiled:
            return rebuilt
        rebuilt.compile_from_config(self.get_compile_config())
        for player in self.PLAYERS:
            source = getattr(self, f"{player}_optimizer").variables
            target = getattr(rebuilt, f"{player}_optimizer").variables
            for copy, original in zip(target, source, strict=True):
                copy.assign(original)
        return rebuilt

    # ----- training data ------------------------------------------------------------------

    def training_data(self, ds, batch_size: int, seed: int = 0,
                      shuffle: bool = True) -> tf.data.Dataset:
        """What `fit` takes for the training split of dataset `ds`, as a tf.data pipeline.

        The training examples (windows at stride 1 for series), alone or paired as the model
        trains on them: with their known-anomaly marks (USES_KNOWN_ANOMALIES; none marked: all
        normal) or their labels (SUPERVISED).

        Args:
            ds: a `datasets.Dataset`.
            batch_size: the global batch size.
            seed: seeds the shuffle.
            shuffle: shuffle the examples (once per epoch, by `seed`).
        """
        x, y = ds.examples("train", stride=1)
        inputs = np.ascontiguousarray(x)
        if self.USES_KNOWN_ANOMALIES:
            known = ds.train.known if ds.train.known is not None else np.zeros(len(x), np.int8)
            inputs = (inputs, known)
        elif self.SUPERVISED:
            inputs = (inputs, y)
        data = tf.data.Dataset.from_tensor_slices(inputs)
        if shuffle:
            data = data.shuffle(len(x), seed=seed)
        return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def split_batch(self, data, require_labels: bool = True) -> tuple[tf.Tensor, tf.Tensor]:
        """A batch of a model that trains on pairs, as (raw inputs, int32 [batch] labels: 1 =
        a known anomaly or an anomalous window, 0 = normal).

        Args:
            data: what fit or evaluate hand over: a pair, or inputs alone.
            require_labels: refuse inputs alone (training); else inputs alone are all normal
                (validation on normal data).

        Raises:
            DetectorError: labels missing where required, or not one per example.
        """
        x, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        examples, name, fit_call = (
            ("windows", "labels", "fit(x, y) with y int [batch] (1 = anomalous window, 0 = "
             "normal), e.g. from Dataset.examples('train')") if self.SUPERVISED else
            ("inputs", "known", "fit(x, known) with known int [batch] (1 = a known anomaly, "
             "0 = normal; all zeros to train one-class)"))
        if labels is None:
            if require_labels:
                raise DetectorError(f"{type(self).__name__} trains on ({examples}, {name}) "
                                    f"pairs, got {examples} alone: call {fit_call}, or fit a "
                                    "dataset of such pairs")
            labels = tf.zeros(tf.shape(x)[:1], tf.int32)
        if labels.shape.rank == 2 and labels.shape[-1] == 1:
            labels = tf.squeeze(labels, -1)
        if labels.shape.rank != 1:
            one = "window" if self.SUPERVISED else "example"
            raise DetectorError(f"{'window labels' if self.SUPERVISED else 'known-anomaly labels'}"
                                f" must be one per {one}, int [batch]; got shape "
                                f"{labels.shape.as_list()}")
        return x, tf.cast(tf.not_equal(labels, 0), tf.int32)

    # ----- optimizers ---------------------------------------------------------------------

    def compile(self, *, jit_compile: bool = False, steps_per_execution: int = 1,
                **optimizers: keras.optimizers.Optimizer | None) -> None:
        """Attach one optimizer per player; a player left out gets the paper's default.

        Call it inside `strategy.scope()` when training under a distribution strategy: the
        optimizers are built here, on the model's variables.

        Under the mixed_float16 policy each optimizer is wrapped in a LossScaleOptimizer.

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
            if (self.dtype_policy.name == "mixed_float16"
                    and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)):
                # float16 gradients underflow without loss scaling (see `minimize`).
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            optimizer.build(self.player_variables(player))
            setattr(self, f"{player}_optimizer", optimizer)

    def get_compile_config(self) -> dict[str, Any] | None:
        if not self.compiled:  # an uncompiled model saves without optimizers
            return None
        config = {f"{p}_optimizer": keras.saving.serialize_keras_object(
            getattr(self, f"{p}_optimizer")) for p in self.PLAYERS}
        return {**config, "jit_compile": bool(self.jit_compile),
                "steps_per_execution": int(self.steps_per_execution)}

    def compile_from_config(self, config: dict[str, Any]) -> None:
        optimizers = {f"{p}_optimizer": keras.saving.deserialize_keras_object(
            config[f"{p}_optimizer"]) for p in self.PLAYERS}
        self.compile(jit_compile=config.get("jit_compile", False),
                     steps_per_execution=config.get("steps_per_execution", 1), **optimizers)

    def player_variables(self, player: str) -> list:
        """The trainable variables the optimizer of `player` updates (see PLAYERS).

        Raises:
            DetectorError: `player` is not one of the model's players.
        """
        if player not in self.PLAYERS:
            raise DetectorError(f"{type(self).__name__} has no player {player!r}; its players: "
                                f"{', '.join(self.PLAYERS)}")
        variables = []
        for name in self.PLAYERS[player]:
            owner = getattr(self, name)
            variables += (owner.trainable_variables if hasattr(owner, "trainable_variables")
                          else [owner])
        return variables

    def minimize(self, player: str, loss: tf.Tensor, tape: tf.GradientTape) -> None:
        """One optimizer step of `player` on `loss`, recorded by `tape`.

        Under mixed_float16 the optimizer is a LossScaleOptimizer that expects the gradients of
        the scaled loss: `output_gradients` scales them without re-entering the tape.
        """
        optimizer = getattr(self, f"{player}_optimizer")
        variables = self.player_variables(player)
        scale = optimizer.scale_loss(tf.ones_like(loss))
        gradients = tape.gradient(loss, variables, output_gradients=scale)
        optimizer.apply_gradients(zip(gradients, variables))

    # ----- logs ---------------------------------------------------------------------------

    @property
    def metrics(self):
        return list(self.trackers.values())

    def log_losses(self, totals: Mapping[str, tf.Tensor] | None = None,
                   **shares: tf.Tensor) -> dict[str, tf.Tensor]:
        """Track the values of a step (LOSSES) and return the logs `train_step` returns.

        Args:
            totals: values that are already the whole global batch's, the same on every
                replica (a statistic all-reduced in the step, a weight): tracked as they are.
            **shares: this replica's share of each loss (as the gradients take it); the tracker
                gets the global batch's value, the sum of the replicas' shares.
        """
        for name, share in shares.items():
            self.trackers[name].update_state(replica_total(share))
        for name, total in (totals or {}).items():
            self.trackers[name].update_state(total)
        return self.tracker_results()

    def tracker_results(self, names: Sequence[str] | None = None) -> dict[str, tf.Tensor]:
        """The logs `train_step` and `test_step` return: the current result of each loss tracker
        (of those in `names`, when given); see `step_logs`."""
        return step_logs([m for m in self.metrics if names is None or m.name in names])

    def test_step(self, data):
        """Validation on held-out normal data: VALIDATION_LOSS alone (a GAN's adversarial losses
        say little about how well it fits the normal class)."""
        if self.VALIDATION_LOSS is None:
            raise DetectorError(f"{type(self).__name__} has no validation loss: fit it without "
                                "validation_data")
        x = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        self.trackers[self.VALIDATION_LOSS].update_state(replica_total(self.validation_loss(x)))
        return self.tracker_results([self.VALIDATION_LOSS])

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
        if x.ndim != len(self.example_shape) + 1 or any(
                want is not None and got != want for got, want in zip(x.shape[1:],
                                                                      self.example_shape)):
            raise DetectorError(f"inputs have shape {list(x.shape)}; {self.name} expects "
                                f"{self._shape_text()}")
        if len(x) == 0:
            raise DetectorError("inputs are empty: give at least one example")
        if not np.all(np.isfinite(x)):
            raise DetectorError(f"inputs hold {int(np.sum(~np.isfinite(x)))} NaN or infinite "
                                "values")
        return x

    def score(self, x: Any, batch_size: int = 256, verbose: int = 0) -> np.ndarray:
        """Anomaly scores of raw inputs: float32 [batch], higher = more anomalous.

        Batches go through one traced function, on this process only: unlike `predict`, scoring
        never shards the inputs across the workers of a distribution strategy.

        Raises:
            DetectorError: `x` has the wrong shape, is empty or holds NaN/inf.
        """
        x = self.check_inputs(x)
        batches = (x[start:start + batch_size] for start in range(0, len(x), batch_size))
        return self._score_checked(batches, total=len(x), verbose=verbose)

    def score_batches(self, batches: Iterable[Any], total: int | None = None,
                      verbose: int = 0) -> np.ndarray:
        """Scores of a stream of input batches (e.g. a tf.data pipeline), in order.

        Memory holds one batch of inputs at a time, plus the scores.

        Args:
            batches: raw input batches [batch, *example_shape].
            total: the number of examples, for the progress bar.
            verbose: 1 for a progress bar.
        """
        return self._score_checked((self.check_inputs(batch) for batch in batches), total,
                                   verbose)

    def _score_checked(self, batches: Iterable[np.ndarray], total: int | None,
                       verbose: int) -> np.ndarray:
        """`score_batches` for batches already through `check_inputs`."""
        if self._score_function is None:
            self._score_function = tf.function(self.__call__,
                                               input_signature=[self.input_signature()])
        progress = keras.utils.Progbar(total, verbose=verbose, unit_name="example")
        scores = []
        for batch in batches:
            scores.append(self._score_function(batch).numpy())
            if verbose:
                progress.add(len(batch))
        if not scores:
            raise DetectorError("no input batches to score")
        return np.concatenate(scores).astype(np.float32)

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

    def predict_outputs(self, x: Any, batch_size: int = 256) -> dict[str, np.ndarray]:
        """What the serving signature (`serve`) answers for raw inputs `x`: each output as an
        array [batch], from one pass per batch.

        Raises:
            DetectorError: as `score`.
        """
        x = self.check_inputs(x)
        if self._serve_function is None:
            self._serve_function = tf.function(self.serve,
                                               input_signature=[self.input_signature()])
        batches = [self._serve_function(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
        return {name: np.concatenate([batch[name].numpy() for batch in batches])
                for name in batches[0]}

    # ----- serving ------------------------------------------------------------------------

    def _shape_text(self) -> str:
        dims = ", ".join("any" if d is None else str(d) for d in self.example_shape)
        return f"[batch, {dims}]"

    def input_signature(self) -> tf.TensorSpec:
        """The serving input: a batch named `inputs`."""
        return tf.TensorSpec([None, *self.example_shape], self.INPUT_DTYPE, name="inputs")

    def serve(self, inputs: tf.Tensor) -> dict[str, tf.Tensor]:
        """The `serving_default` function: raw inputs -> `serving_outputs` of the inputs that
        pass `check_serving_inputs`."""
        return self.serving_outputs(self.check_serving_inputs(inputs))

    def check_serving_inputs(self, inputs: tf.Tensor) -> tf.Tensor:
        """`inputs`, asserted to be a batch of the right shape without NaN: a bad request fails
        with a message naming the expected shape, not deep inside a layer."""
        fixed = [i for i, d in enumerate(self.example_shape) if d is not None]
        if fixed:  # (an example shape of free lengths only, such as sessions', has nothing to fix)
            tf.debugging.assert_equal(
                tf.gather(tf.shape(inputs)[1:], fixed),
                tf.constant([self.example_shape[i] for i in fixed], tf.int32),
                message=f"inputs must have shape {self._shape_text()}")
        if self.INPUT_DTYPE.startswith("float"):
            inputs = tf.debugging.assert_all_finite(inputs, "inputs hold NaN or infinite values")
        return inputs

    def serving_outputs(self, inputs: tf.Tensor) -> dict[str, tf.Tensor]:
        """What `serve` answers for checked raw inputs: {"score", "is_anomaly"}, each [batch]."""
        score = self(inputs)
        return {"score": score, "is_anomaly": score > self.threshold}


@keras.saving.register_keras_serializable(package="zoo")
class LatentGAN(AnomalyDetector):
    """What the GANs of the survey share: a latent space of `latent_dim` dimensions with the
    prior N(0, I), and one Adam per player.

    Args:
        example_shape, scaling, seed, **kwargs: see AnomalyDetector.
        latent_dim: dimension of z.
        learning_rate, beta_1: Adam's, for every player (the default optimizers).
    """

    def __init__(self, example_shape: Sequence[int], latent_dim: int = 32,
                 learning_rate: float = 2e-4, beta_1: float = 0.5,
                 scaling: Mapping[str, Any] | None = None, seed: int = 0, **kwargs):
        super().__init__(example_shape=example_shape, scaling=scaling, seed=seed, **kwargs)
        self.latent_dim = int(latent_dim)
        self.learning_rate = float(learning_rate)
        self.beta_1 = float(beta_1)
        if self.latent_dim < 1:
            raise DetectorError(f"latent_dim must be at least 1, got {self.latent_dim}")

    def sample_prior(self, batch_size) -> tf.Tensor:
        """z ~ N(0, I): [batch_size, latent_dim]."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "latent_dim": self.latent_dim,
                "learning_rate": self.learning_rate, "beta_1": self.beta_1}
