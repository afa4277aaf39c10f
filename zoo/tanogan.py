"""TAnoGAN: time-series anomaly detection with an LSTM GAN (Bashar & Nayak, 2020).

Train an LSTM generator and discriminator on windows of a series, then score a window by how
well the generator can reproduce it: invert G (optimise z for 50 Adam steps) and combine the
residual with the difference of the discriminator's LSTM features,

    score(x) = (1 - λ) · Σ|x - G(z)| + λ · Σ|f(x) - f(G(z))|,   λ = 0.1.

Architecture and settings follow the paper and its reference code (mdabashar/TAnoGAN): generator
LSTM 32 → 64 → 128 → Dense(tanh); discriminator LSTM 100 → Dense(sigmoid) at every step; Adam
with learning rate 2e-4; z a noise sequence of the window's shape; windows of 60; the inversion
runs Adam on z with step 1e-2.

One departure: z ~ N(0, 1), the usual GAN prior, where the reference code draws N(0, 0.1²),
with which our generator learned to ignore z (docs/MODEL_NOTES.md, TAnoGAN); pass
noise_std=0.1 for the reference setting.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf
from keras import layers

from zoo.base import AnomalyDetector, DetectorError
from zoo.blocks import lstm_stack
from zoo.inversion import LatentInversion


@keras.saving.register_keras_serializable(package="zoo")
class TAnoGAN(LatentInversion, AnomalyDetector):
    """LSTM GAN on windows [batch, window, features], scored by latent inversion.

    Args:
        example_shape: (window, features) of one input window.
        generator_units: widths of the generator's LSTM layers.
        discriminator_units: width of the discriminator's LSTM layer (its features f).
        latent_dim: features per step of the noise sequence z [batch, window, latent_dim].
        noise_std: standard deviation of z, in training and as the inversion's start.
        feature_weight: λ, the weight of the discrimination term of the score.
        inversion_steps, inversion_learning_rate, inversion_start, inversion_tolerance,
            inversion_jit, encoder_epochs, encoder_feature_weight, encoder_learning_rate: the
            search for z and its fast modes, see zoo.inversion.LatentInversion; the paper's:
            50 Adam steps of 1e-2 from a fixed draw of the prior, no encoder.
        learning_rate: Adam's learning rate for both players (the default optimizers).
        scaling, seed, **kwargs: see AnomalyDetector.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("synthetic")
        >>> model = zoo.get("tanogan").for_dataset(ds)
        >>> model.compile()
        >>> x, _ = ds.examples("train")
        >>> model.fit(x, batch_size=32, epochs=1)
        >>> scores = model.score(ds.examples("test", stride=60)[0])
    """

    PLAYERS = {"generator": ("generator",),
               "discriminator": ("discriminator_features", "discriminator_head")}
    LOSSES = ("d_loss", "g_loss")
    KIND_ARGUMENTS = {"series": {}}
    # A first `python train.py` (synthetic series, 2 CPU cores) then ends in about 2 minutes.
    DEFAULT_EPOCHS = 10

    def __init__(self, example_shape: Sequence[int] = (60, 1),
                 generator_units: Sequence[int] = (32, 64, 128), discriminator_units: int = 100,
                 latent_dim: int = 1, noise_std: float = 1.0, feature_weight: float = 0.1,
                 inversion_steps: int = 50, inversion_learning_rate: float = 1e-2,
                 inversion_start: str = "prior", inversion_tolerance: float = 0.0,
                 inversion_jit: bool = False, encoder_epochs: int = 0, encoder_feature_weight: float = 1.0,
                 encoder_learning_rate: float = 1e-3, learning_rate: float = 2e-4,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "tanogan")
        super().__init__(example_shape=example_shape, scaling=scaling, seed=seed, **kwargs)
        if len(self.example_shape) != 2:
            raise DetectorError(f"TAnoGAN takes windows [window, features]; got example shape "
                                f"{list(self.example_shape)}")
        self.window, self.n_features = self.example_shape
        self.generator_units = tuple(int(u) for u in generator_units)
        self.discriminator_units = int(discriminator_units)
        self.latent_dim = int(latent_dim)
        self.noise_std = float(noise_std)
        self.feature_weight = float(feature_weight)
        self.learning_rate = float(learning_rate)

        self.generator = keras.Sequential(
            [lstm_stack(self.generator_units, name="generator_lstm"),
             layers.Dense(self.n_features, activation="tanh", name="generator_output")],
            name="generator")
        self.discriminator_features = lstm_stack([self.discriminator_units],
                                                 name="discriminator_lstm")
        self.discriminator_head = layers.Dense(1, activation="sigmoid",
                                               name="discriminator_output")
        self.cross_entropy = keras.losses.BinaryCrossentropy()
        self.init_inversion(inversion_steps, inversion_learning_rate, inversion_start,
                            inversion_tolerance, inversion_jit, encoder_epochs,
                            encoder_feature_weight, encoder_learning_rate)

    @classmethod
    def data_arguments(cls, ds) -> dict[str, Any]:
        # z has as many features per step as the series: one for a univariate series.
        return {"latent_dim": ds.example_shape[1]}

    def build_networks(self) -> None:
        self.generator.build((None, self.window, self.latent_dim))
        self.discriminator_features.build((None, self.window, self.n_features))
        self.discriminator_head.build((None, self.window, self.discriminator_units))
        self.build_inversion_encoder()

    def discriminate(self, x: tf.Tensor, nets: Any = None) -> tf.Tensor:
        """Probability that each step of each window is real, by this model's discriminator or
        that of `nets` (a member pair of a GAN ensemble): [batch, window, 1]."""
        nets = self if nets is None else nets
        return nets.discriminator_head(nets.discriminator_features(x))

    def sample_noise(self, batch_size) -> tf.Tensor:
        return self.noise_std * keras.random.normal(
            (batch_size, self.window, self.latent_dim), seed=self.seed_generator)

    def train_step(self, data):
        # Inputs only; a (x, y) pair from a labelled pipeline is accepted and y ignored.
        real = self.scale(data[0] if isinstance(data, tuple) else data)
        return self.log_losses(**self.adversarial_step(real, self, self.minimize))

    def adversarial_step(self, real: tf.Tensor, nets: Any, minimize) -> dict[str, tf.Tensor]:
        """One step of the game on scaled windows `real`, between the networks of `nets` (this
        model, or a member pair of a GAN ensemble, zoo.ensemble), each update made by
        `minimize(player, loss, tape)`. Returns this replica's share of each loss."""
        batch_size = tf.shape(real)[0]
        ones = tf.ones((batch_size, self.window, 1))
        zeros = tf.zeros((batch_size, self.window, 1))

        # (1) Discriminator: real windows are 1, generated ones 0, at every step.
        fake = nets.generator(self.sample_noise(batch_size))
        with tf.GradientTape() as tape:
            d_loss = (self.cross_entropy(ones, self.discriminate(real, nets))
                      + self.cross_entropy(zeros, self.discriminate(fake, nets)))
        minimize("discriminator", d_loss, tape)

        # (2) Generator: make the discriminator call its windows real.
        with tf.GradientTape() as tape:
            fake = nets.generator(self.sample_noise(batch_size))
            g_loss = self.cross_entropy(ones, self.discriminate(fake, nets))
        minimize("generator", g_loss, tape)

        return {"d_loss": d_loss, "g_loss": g_loss}

    # ----- scoring: the inversion (zoo.inversion.LatentInversion) --------------------------

    @property
    def prior_scale(self) -> float:
        return self.noise_std

    @property
    def latent_shape(self) -> tuple[int, int]:
        return (self.window, self.latent_dim)

    @property
    def inversion_feature_weights(self) -> list[float]:
        return [self.feature_weight]

    def inversion_features(self, x: tf.Tensor, nets: Any = None) -> list[tf.Tensor]:
        """f: the discriminator's LSTM features of each step (of `nets`' discriminator, when
        given), [batch, window, units]."""
        return [(self if nets is None else nets).discriminator_features(x)]

    def build_encoder(self) -> keras.Sequential:
        """E: windows [batch, window, features] -> z [batch, window, latent_dim], an LSTM
        of the discriminator's width, then a Dense per step."""
        return keras.Sequential(
            [lstm_stack([self.discriminator_units], name="encoder_lstm"),
             layers.Dense(self.latent_dim, name="encoder_output")], name="encoder")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "generator_units": list(self.generator_units),
                "discriminator_units": self.discriminator_units, "latent_dim": self.latent_dim,
                "noise_std": self.noise_std, "feature_weight": self.feature_weight,
                "learning_rate": self.learning_rate, **self.inversion_config()}
