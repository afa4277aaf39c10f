"""AnoGAN: unsupervised anomaly detection with GANs (Schlegl, Seeböck, Waldstein, Schmidt-Erfurth,
Langs, 2017), the first GAN anomaly detector.

Train a DCGAN on normal data only, then score an input by how well the generator can reproduce
it: search the latent space for the z whose G(z) is closest to x (Adam on z, the zoo's batched
latent inversion) and combine the residual with the distance of the discriminator's features,

    score(x) = (1 - λ) · Σ|x - G(z)| + λ · Σ|f(x) - f(G(z))|,   λ = 0.1,

f being the discriminator's last hidden layer (the paper's feature matching).

The GAN is the standard non-saturating one: D minimises BCE(D(x), 1) + BCE(D(G(z)), 0), G
minimises BCE(D(G(z)), 1); Adam, learning rate 2e-4, β1 0.5 (DCGAN's). The paper runs 500 Adam
steps on z per image; `inversion_steps` defaults to 50 (as TAnoGAN) so that a CPU scores a test
set in minutes: pass 500 for the paper's setting. Images use the zoo's DCGAN-form networks;
rows (KDD99) the dense networks of EGBAD's reference code, as the survey's dense variant.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf

from zoo.base import DetectorError, LatentGAN
from zoo.blocks import Discriminator, check_gan_shape, decoder_network, encoder_network
from zoo.inversion import LatentInversion
from zoo.losses import sigmoid_cross_entropy


@keras.saving.register_keras_serializable(package="zoo")
class AnoGAN(LatentInversion, LatentGAN):
    """DCGAN scored by latent inversion, on rows [features] or images [height, width, channels].

    Args:
        example_shape: (features,) for rows, (height, width, channels) for images.
        latent_dim: dimension of z.
        generator_hidden: G's hidden Dense widths (rows) or its grid channels then
            up-convolution filters (images).
        discriminator_hidden: D's Dense widths or convolution filters; the last give f.
        feature_weight: λ, the weight of the feature term of the score.
        inversion_steps, inversion_learning_rate, inversion_start, inversion_tolerance,
            inversion_jit, encoder_epochs, encoder_feature_weight, encoder_learning_rate: the
            search for z and its fast modes, see zoo.inversion.LatentInversion; the paper's:
            50 Adam steps of 1e-2 from a fixed draw of the prior, no encoder.
        latent_dim, learning_rate, beta_1, scaling, seed, **kwargs: see LatentGAN.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("digits", anomaly_digits=[0])
        >>> model = zoo.get("anogan").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.train.x, batch_size=64, epochs=5)
        >>> model.calibrate(ds.val.x)
        >>> scores = model.score(ds.test.x)
    """

    PLAYERS = {"generator": ("generator",), "discriminator": ("discriminator",)}
    LOSSES = ("d_loss", "g_loss")
    # Rows get the dense networks of EGBAD's reference code.
    KIND_ARGUMENTS = {"tabular": {"generator_hidden": (64, 128),
                                  "discriminator_hidden": (128, 64)},
                      "image": {}}
    DEFAULT_EPOCHS = 10

    def __init__(self, example_shape: Sequence[int] = (28, 28, 1), latent_dim: int = 32,
                 generator_hidden: Sequence[int] = (64, 32),
                 discriminator_hidden: Sequence[int] = (32, 64), feature_weight: float = 0.1,
                 inversion_steps: int = 50, inversion_learning_rate: float = 1e-2,
                 inversion_start: str = "prior", inversion_tolerance: float = 0.0,
                 inversion_jit: bool = False, encoder_epochs: int = 0, encoder_feature_weight: float = 1.0,
                 encoder_learning_rate: float = 1e-3,
                 learning_rate: float = 2e-4, beta_1: float = 0.5,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "anogan")
        super().__init__(example_shape=example_shape, latent_dim=latent_dim,
                         learning_rate=learning_rate, beta_1=beta_1, scaling=scaling, seed=seed,
                         **kwargs)
        self.generator_hidden = tuple(int(u) for u in generator_hidden)
        self.discriminator_hidden = tuple(int(u) for u in discriminator_hidden)
        self.feature_weight = float(feature_weight)
        if not 0.0 <= self.feature_weight <= 1.0:
            raise DetectorError(f"feature_weight (λ) must be in [0, 1], got {self.feature_weight}")
        check_gan_shape(self.example_shape, self.generator_hidden, "AnoGAN's generator")

        self.generator = decoder_network(self.example_shape, self.latent_dim,
                                         self.generator_hidden, name="generator")
        self.discriminator = Discriminator(self.example_shape, self.discriminator_hidden,
                                    name="discriminator")
        self.init_inversion(inversion_steps, inversion_learning_rate, inversion_start,
                            inversion_tolerance, inversion_jit, encoder_epochs,
                            encoder_feature_weight, encoder_learning_rate)

    def build_networks(self) -> None:
        self.discriminator(self.generator(tf.zeros((1, self.latent_dim))))
        self.build_inversion_encoder()

    def train_step(self, data):
        x = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        return self.log_losses(**self.adversarial_step(x, self, self.minimize))

    def adversarial_step(self, real: tf.Tensor, nets: Any, minimize) -> dict[str, tf.Tensor]:
        """One step of the game on scaled inputs `real`, between the networks of `nets` (this
        model, or a member pair of a GAN ensemble, zoo.ensemble), each update made by
        `minimize(player, loss, tape)`. Returns this replica's share of each loss."""
        batch_size = tf.shape(real)[0]

        # (1) Discriminator: real inputs are 1, generated ones 0.
        fake = nets.generator(self.sample_prior(batch_size), training=True)
        with tf.GradientTape() as tape:
            real_logit, _ = nets.discriminator(real, training=True)
            fake_logit, _ = nets.discriminator(fake, training=True)
            d_loss = sigmoid_cross_entropy(1.0, real_logit) + sigmoid_cross_entropy(0.0, fake_logit)
        minimize("discriminator", d_loss, tape)

        # (2) Generator: make the discriminator call its samples real.
        with tf.GradientTape() as tape:
            fake_logit, _ = nets.discriminator(
                nets.generator(self.sample_prior(batch_size), training=True), training=True)
            g_loss = sigmoid_cross_entropy(1.0, fake_logit)
        minimize("generator", g_loss, tape)

        return {"d_loss": d_loss, "g_loss": g_loss}

    # ----- scoring: the inversion (zoo.inversion.LatentInversion) --------------------------

    @property
    def latent_shape(self) -> tuple[int]:
        return (self.latent_dim,)

    @property
    def inversion_feature_weights(self) -> list[float]:
        return [self.feature_weight]

    def inversion_features(self, x: tf.Tensor, nets: Any = None) -> list[tf.Tensor]:
        """f: the discriminator's last hidden layer (of `nets`' discriminator, when given)."""
        return [(self if nets is None else nets).discriminator(x)[1]]

    def build_encoder(self) -> keras.Sequential:
        """E: inputs [batch, *example_shape] -> z [batch, latent_dim], the discriminator's
        shape of body, then a Dense."""
        return encoder_network(self.example_shape, self.latent_dim, self.discriminator_hidden,
                               name="encoder")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "generator_hidden": list(self.generator_hidden),
                "discriminator_hidden": list(self.discriminator_hidden),
                "feature_weight": self.feature_weight, **self.inversion_config()}
