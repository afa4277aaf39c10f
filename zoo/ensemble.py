"""GAN ensembles: I generators against J discriminators (Han, Chen & Liu, "GAN Ensemble for
Anomaly Detection", AAAI 2021).

An ensemble of a base GAN of the zoo (EGBAD, GANomaly, AnoGAN, TAnoGAN) holds I generator
members and J discriminator members, each with the base's networks and optimizers. A generator
member is every player of the base but its discriminator: EGBAD's G and its encoder E, GANomaly's
G_E, G_D and E, AnoGAN's and TAnoGAN's G. Training (the paper's Algorithm 1): each step takes a
batch, draws one generator i and one discriminator j uniformly, and plays the base model's step
between them (its losses, its order of updates), so only G_i's and D_j's variables move. The
ensemble's objective is the mean over all I·J pairs of the base's losses; the drawn pair's
losses are a one-sample estimate of it, and over the steps every generator gets feedback from
every discriminator and vice versa. The anomaly score is the base's score averaged over the
pairs,

    A(x) = 1/(I·J) · Σ_i Σ_j A_base(x; G_i, D_j),

which for GANomaly, whose score involves no discriminator, is the mean over the generators.
The authors' code draws the pair per batch for its f-AnoGAN and GANomaly ensembles (for EGBAD
it updates every member each step against all of the other side); its scripts use I = J = 3,
the defaults here.

Cost: a step is one pair's step of the base plus the choice among the I·J pairs (the graph
holds every pair's step; the ones not drawn cost a little per step, more with more pairs). Each
generator takes part in 1/I of the steps and each discriminator in 1/J, so as many updates per
member as a single model's take I (or J) times the epochs. Scoring costs I·J base scores; for
the inversion models that is I·J searches of z.

The members start from max(I, J) base models of the same arguments, built one after the other
(so initialised differently): generator member k comes from model k, discriminator member k
from model k.

An inversion model's ensemble (AnoGAN's, TAnoGAN's) scores by the papers' search from the
prior, or, built with `encoder_epochs` > 0, as an ensemble of f-AnoGANs: each generator member
G_i gets an encoder E_i, which `fit` trains after the game, with every G and D frozen, on
f-AnoGAN's izi_f averaged over the pairs (E_i's share: its generator with each discriminator's
features), and `inversion_start="encoder"` scores each pair from E_i(x). The XLA switch of the
search (`inversion_jit`) is not offered: the ensemble traces every pair's search itself.
"""

from __future__ import annotations

import inspect
import types
from typing import Any, ClassVar

import keras
import tensorflow as tf

from zoo.anogan import AnoGAN
from zoo.base import AnomalyDetector, DetectorError
from zoo.egbad import EGBAD
from zoo.ganomaly import GANomaly
from zoo.inversion import LatentInversion
from zoo.stages import fit_stage
from zoo.tanogan import TAnoGAN

#: The base model's player on the discriminator side; its other players are the generator's.
DISCRIMINATOR = "discriminator"
#: What an ensemble's own arguments are, beside its base model's.
ENSEMBLE_ARGUMENTS = ("n_generators", "n_discriminators")
#: An inversion model's encoder of z (zoo.inversion), on the generator side of an ensemble.
INVERSION_ENCODER = "encoder"


class Pair(types.SimpleNamespace):
    """A generator member and a discriminator member of an ensemble, their networks under the
    base model's attribute names: what the base's `adversarial_step`, `score_of` and
    `validation_loss` take as `nets`."""


class GANEnsemble(AnomalyDetector):
    """I generators against J discriminators of a base GAN (see the module docstring); a
    subclass names the base in BASE (`EGBADEnsemble`, ...).

    Args:
        n_generators: I, the generator members.
        n_discriminators: J, the discriminator members.
        example_shape, scaling, seed and the base model's arguments: as the base's, for every
            member; the base's defaults, and its architecture per kind of data (KIND_ARGUMENTS),
            are the ensemble's.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("kdd99")
        >>> model = zoo.get("egbad_ensemble").for_dataset(ds, n_generators=3, n_discriminators=3)
        >>> model.compile()
        >>> model.fit(ds.train.x, batch_size=50, epochs=3)
        >>> model.calibrate(ds.val.x)
        >>> scores = model.score(ds.test.x)
    """

    #: The base GAN of the members, set by each subclass.
    BASE: ClassVar[type[AnomalyDetector]]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        base = cls.BASE
        cls.KIND_ARGUMENTS = base.KIND_ARGUMENTS
        cls.LOSSES = base.LOSSES
        cls.VALIDATION_LOSS = base.VALIDATION_LOSS
        cls.DEFAULT_EPOCHS = base.DEFAULT_EPOCHS
        cls.FEATURE_RANGE = base.FEATURE_RANGE
        # The constructor takes the base's arguments as its own: its signature says so, for
        # `for_dataset`, `argument_names` and the CLIs' --set.
        parameters = list(inspect.signature(base.__init__).parameters.values())
        variadic = [p for p in parameters if p.kind is p.VAR_KEYWORD]
        named = [p for p in parameters if p.kind is not p.VAR_KEYWORD]
        own = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=3)
               for name in ENSEMBLE_ARGUMENTS]
        signature = inspect.Signature([*named, *own, *variadic])

        def __init__(self, *args, **kwargs):
            arguments = signature.bind(self, *args, **kwargs).arguments
            del arguments["self"]
            for extra in variadic:
                arguments.update(arguments.pop(extra.name, {}))
            GANEnsemble.__init__(self, **arguments)

        __init__.__signature__ = signature
        __init__.__doc__ = GANEnsemble.__init__.__doc__
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = __init__

    def __init__(self, n_generators: int = 3, n_discriminators: int = 3, **arguments):
        """Members of the base model's `arguments` (see the class docstring)."""
        base = self.BASE
        base_names = set(base.argument_names()) - {"example_shape", "scaling", "seed"}
        base_arguments = {k: arguments.pop(k) for k in list(arguments) if k in base_names}
        example_shape = arguments.pop(
            "example_shape", inspect.signature(base.__init__).parameters["example_shape"].default)
        arguments.setdefault("name", f"{base.__name__.lower()}_ensemble")
        super().__init__(example_shape=example_shape, **arguments)
        for name, count in (("n_generators", n_generators), ("n_discriminators", n_discriminators)):
            if int(count) != count or count < 1:
                raise DetectorError(f"{name} must be an integer >= 1, got {count!r}")
        self.n_generators = int(n_generators)
        self.n_discriminators = int(n_discriminators)
        # The inputs are scaled once, by the ensemble: the members take scaled inputs.
        members = [base(example_shape=self.example_shape, seed=self.seed + k,
                        dtype=self.dtype_policy, name=f"member_{k}", **base_arguments)
                   for k in range(max(self.n_generators, self.n_discriminators))]
        if isinstance(members[0], LatentInversion) and members[0].inversion_jit:
            raise DetectorError(f"{type(self).__name__} traces each pair's search itself: leave "
                                "inversion_jit off")
        # The base models stay untracked: the ensemble tracks, trains and saves only the
        # networks it takes from them. The first one's methods play and score every pair, its
        # random draws coming from the ensemble's seed generator.
        object.__setattr__(self, "members", tuple(members))
        self.base_model.seed_generator = self.seed_generator
        for k, member in enumerate(members):
            side = ((self.generator_networks if k < self.n_generators else ())
                    + (self.discriminator_networks if k < self.n_discriminators else ()))
            for network in side:
                setattr(self, f"{network}_{k}", getattr(member, network))
        self.encoder_trained = None
        if self.has_inversion_encoders:
            # Saved with the model: scoring from E_i(x) needs trained encoders.
            self.encoder_trained = self.add_weight(
                name="encoder_trained", shape=(), trainable=False,
                initializer=keras.initializers.Constant(0.0))

    @property
    def base_model(self) -> AnomalyDetector:
        """The base model whose methods play and score the pairs (the first member's)."""
        return self.members[0]

    @property
    def has_inversion_encoders(self) -> bool:
        """Whether the members are f-AnoGANs: inversion models with an encoder of z."""
        return isinstance(self.base_model, LatentInversion) and (
            self.base_model.encoder is not None)

    @property
    def generator_networks(self) -> tuple[str, ...]:
        """The base's networks on the generator side: those of every player but D, and an
        inversion model's encoder (no player of the game: it trains after it)."""
        networks = tuple(network for player, networks in self.BASE.PLAYERS.items()
                         if player != DISCRIMINATOR for network in networks)
        return networks + (INVERSION_ENCODER,) * self.has_inversion_encoders

    @property
    def discriminator_networks(self) -> tuple[str, ...]:
        """The base's networks on the discriminator side."""
        return tuple(self.BASE.PLAYERS[DISCRIMINATOR])

    @property
    def PLAYERS(self) -> dict[str, tuple[str, ...]]:
        """Each member's players, `<base player>_<member>`: e.g. generator_0, encoder_0 and
        discriminator_2 for EGBAD."""
        players = {}
        for player, networks in self.BASE.PLAYERS.items():
            count = self.n_discriminators if player == DISCRIMINATOR else self.n_generators
            for k in range(count):
                players[f"{player}_{k}"] = tuple(f"{network}_{k}" for network in networks)
        return players

    @classmethod
    def data_arguments(cls, ds) -> dict[str, Any]:
        return cls.BASE.data_arguments(ds)

    def default_optimizer(self, player: str) -> keras.optimizers.Optimizer:
        """The base model's optimizer for the player (`generator_1` is the base's `generator`)."""
        return self.base_model.default_optimizer(player.rsplit("_", 1)[0])

    def build_networks(self) -> None:
        for member in self.members:
            member.build_networks()

    # ----- the members --------------------------------------------------------------------

    def pairs(self) -> list[tuple[int, int]]:
        """Every (generator member, discriminator member), generator-major."""
        return [(i, j) for i in range(self.n_generators) for j in range(self.n_discriminators)]

    def pair(self, i: int, j: int) -> Pair:
        """Generator member i and discriminator member j, by the base's network names."""
        return Pair(**{network: getattr(self, f"{network}_{i}")
                       for network in self.generator_networks},
                    **{network: getattr(self, f"{network}_{j}")
                       for network in self.discriminator_networks})

    # ----- training -----------------------------------------------------------------------

    def train_step(self, data):
        x = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        # tf.distribute refuses a synchronisation point (the optimizers' all-reduce) inside
        # control flow in replica context: the draw and the switch run in cross-replica context,
        # each branch then the pair's step on every replica, as Keras's LossScaleOptimizer skips
        # a step.
        tf.distribute.get_replica_context().merge_call(self.play_drawn_pair, args=(x,))
        return self.tracker_results()

    def play_drawn_pair(self, strategy: tf.distribute.Strategy, x) -> None:
        """(Cross-replica context.) Draw one pair uniformly and play its step on every replica."""
        drawn = keras.random.randint((), 0, len(self.pairs()), seed=self.seed_generator)

        def branch(i: int, j: int):
            def play():
                strategy.extended.call_for_each_replica(self.play_pair, args=(x, i, j))
                return tf.constant(True)
            return play

        tf.switch_case(drawn, [branch(i, j) for i, j in self.pairs()])

    def play_pair(self, x: tf.Tensor, i: int, j: int) -> None:
        """One step of the base's game on scaled inputs `x` between generator member i and
        discriminator member j; its losses go to the trackers."""
        def minimize(player: str, loss: tf.Tensor, tape: tf.GradientTape) -> None:
            self.minimize(f"{player}_{j if player == DISCRIMINATOR else i}", loss, tape)

        self.log_losses(**self.base_model.adversarial_step(x, self.pair(i, j), minimize))

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", **kwargs):
        """keras.Model.fit of the game, then, for f-AnoGAN members, `fit_encoders` on the same
        inputs: each E_i must follow the G_i it inverts."""
        history = super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                              **kwargs)
        if self.has_inversion_encoders:
            if verbose:
                print(f"{type(self).__name__}: training the encoders (izi_f, every G and D "
                      f"frozen) for {self.base_model.encoder_epochs} epochs", flush=True)
            self.fit_encoders(x, batch_size=batch_size, verbose=verbose)
        return history

    def fit_encoders(self, x: Any, batch_size: int | None = None, epochs: int | None = None,
                     verbose: Any = "auto") -> keras.callbacks.History:
        """Train every E_i on izi_f averaged over the pairs, every G and D frozen.

        Args:
            x: raw training inputs, an array or a dataset of batches (labels are ignored).
            batch_size: for an array `x`, as in fit.
            epochs: default the base's `encoder_epochs`.
            verbose: as in fit.

        Returns:
            the History of the stage's fit ("encoder_loss", "encoder_residual").
        """
        if not self.has_inversion_encoders:
            raise DetectorError(f"{type(self).__name__} has no encoders: build it with "
                                "encoder_epochs > 0")
        base = self.base_model

        def losses(x: tf.Tensor) -> dict[str, tf.Tensor]:
            per_pair = [base.encoder_losses(x, self.pair(i, j)) for i, j in self.pairs()]
            return {name: tf.add_n([pair[name] for pair in per_pair]) / len(per_pair)
                    for name in per_pair[0]}

        history = fit_stage(self, x, variables=lambda: [
            v for i in range(self.n_generators)
            for v in getattr(self, f"{INVERSION_ENCODER}_{i}").trainable_variables],
            losses=losses, names=("encoder_loss", "encoder_residual"), name="encoder_stage",
            learning_rate=base.encoder_learning_rate, epochs=epochs or base.encoder_epochs,
            batch_size=batch_size, verbose=verbose)
        self.encoder_trained.assign(1.0)
        self._score_function = None
        return history

    def validation_loss(self, x: tf.Tensor) -> tf.Tensor:
        """The base's VALIDATION_LOSS averaged over the pairs, as the score."""
        losses = [self.base_model.validation_loss(x, self.pair(i, j)) for i, j in self.pairs()]
        return tf.add_n(losses) / len(losses)

    # ----- scoring ------------------------------------------------------------------------

    def check_inputs(self, x: Any):
        """As AnomalyDetector.check_inputs; also refuses to score from untrained encoders."""
        if self.has_inversion_encoders and self.base_model.inversion_start == "encoder" and (
                not bool(self.encoder_trained.numpy())):
            raise DetectorError("the encoders are not trained yet: fit the model (or call "
                                "fit_encoders) before scoring from E_i(x)")
        return super().check_inputs(x)

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        """A(x) = 1/(I·J) Σ_i Σ_j A_base(x; G_i, D_j): float32 [batch]."""
        scores = [tf.cast(self.base_model.score_of(x, self.pair(i, j)), tf.float32)
                  for i, j in self.pairs()]
        return tf.add_n(scores) / len(scores)

    def get_config(self) -> dict[str, Any]:
        base_config = self.base_model.get_config()
        for key in ("example_shape", "scaling", "seed", "name", "dtype"):
            base_config.pop(key, None)
        return {**super().get_config(), **base_config, "n_generators": self.n_generators,
                "n_discriminators": self.n_discriminators}


@keras.saving.register_keras_serializable(package="zoo")
class EGBADEnsemble(GANEnsemble):
    """EGBAD ensemble: I (G, E) members against J pair discriminators."""

    BASE = EGBAD


@keras.saving.register_keras_serializable(package="zoo")
class GANomalyEnsemble(GANEnsemble):
    """GANomaly ensemble: I (G_E, G_D, E) members against J discriminators; the score is the
    generators' mean latent distance."""

    BASE = GANomaly


@keras.saving.register_keras_serializable(package="zoo")
class AnoGANEnsemble(GANEnsemble):
    """AnoGAN ensemble: I generators against J discriminators, each pair scored by the search
    of its generator's z with its discriminator's features."""

    BASE = AnoGAN


@keras.saving.register_keras_serializable(package="zoo")
class TAnoGANEnsemble(GANEnsemble):
    """TAnoGAN ensemble: I LSTM generators against J LSTM discriminators, each pair scored by
    the search of its generator's z with its discriminator's features."""

    BASE = TAnoGAN
