"""Fence GAN: towards better anomaly detection (Ngo, Winarto, Kou, Park, Akram, Lee, 2019).

A GAN whose generator does not imitate the data but fences it in: G places its samples on the
boundary of the data's support, where the discriminator D is unsure (D = α), and spreads them
out along it; D, which learns real data as 1 and the fence as 0, then scores a point outside
the fence as fake. No encoder and no inversion: the score is D itself,

    score(x) = -logit D(x),

monotone in 1 - D(x) (higher = more anomalous) and, unlike 1 - D(x), without ties where the
sigmoid saturates.

Losses (D(x) = σ(logit) = probability of real; z ~ N(0, I)):

    L_D = -mean log D(x) - γ · mean log(1 - D(G(z)))            (γ weighs the fake term down)
    L_G = L_encirclement + β · L_dispersion,
    L_encirclement = BCE(D(G(z)), α) = -mean[α log D(G(z)) + (1 - α) log(1 - D(G(z)))],
    L_dispersion = 1 / mean_i ‖G(z_i) - μ‖₂,   μ = mean_i G(z_i)  (samples flattened).

The paper writes the encirclement loss as mean log|α - D(G(z))|, which is unbounded below (it
goes to -∞ as D(G(z)) reaches α); the reference code minimises the cross-entropy against the
soft target α instead, which is bounded and also minimised at D(G(z)) = α: that is used here.
Under a distribution strategy the dispersion's centre μ and mean distance are over the global
batch (sums and counts all-reduced across replicas), so a distributed step equals a
single-device one. D steps first, then G on a fresh forward pass, as the reference code.

Architectures and settings: rows (KDD99), the reference's 2-D experiment's α 0.5, β 15, γ 0.1,
with G Dense 64 → 128 → features from latent 32 and D Dense 128 → 64 (the reference's KDD99
script is not public; its learning rate is unknown, 1e-4 here for both players). Images: the
reference's MNIST α 0.1, β 30, γ 0.1 and Adam learning rates 1e-5 (D) and 2e-5 (G), β1 0.5,
with EGBAD's smaller DCGAN-form networks (G Dense → 7x7x64 → 14x14x32 → 28x28
up-convolutions, D 4x4 stride-2 convolutions with 32 and 64 filters, latent 32) in place of the
reference's (latent 200, 1024-wide dense layers). The reference also pre-trains D alone for 15
epochs and takes D's real and fake terms as two optimizer steps; here D and G alternate from
the first batch, one D step on the whole L_D.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf

from zoo.base import DetectorError, LatentGAN
from zoo.blocks import Discriminator, check_gan_shape, decoder_network
from zoo.losses import sigmoid_cross_entropy

#: Added to each squared distance before its square root: keeps the dispersion finite, and its
#: gradient defined, when every generated sample is the same point (a collapsed generator).
DISTANCE_EPSILON = 1e-8


def dispersion_loss(generated: tf.Tensor) -> tf.Tensor:
    """1 / the mean L2 distance of generated samples [batch, ...] to their centre: a scalar.

    Under a distribution strategy the centre and the mean are over the global batch (this
    replica's sums and counts all-reduced), so every replica gets the same, whole value.
    """
    context = tf.distribute.get_replica_context()
    flat = tf.reshape(tf.cast(generated, tf.float32), [tf.shape(generated)[0], -1])
    count = context.all_reduce("sum", tf.cast(tf.shape(flat)[0], tf.float32))
    centre = context.all_reduce("sum", tf.reduce_sum(flat, axis=0)) / count
    distance = tf.sqrt(tf.reduce_sum(tf.square(flat - centre), axis=1) + DISTANCE_EPSILON)
    return count / context.all_reduce("sum", tf.reduce_sum(distance))


@keras.saving.register_keras_serializable(package="zoo")
class FenceGAN(LatentGAN):
    """Fence GAN anomaly detector on rows [features] or images [height, width, channels].

    Args:
        example_shape: (features,) for rows, (height, width, channels) for images.
        latent_dim: dimension of z.
        generator_hidden: G's hidden Dense widths (rows) or its grid channels then
            up-convolution filters (images; one stride-2 step each).
        discriminator_hidden: D's hidden Dense widths or convolution filters.
        boundary: α in (0, 1), the value of D the generator aims its samples at.
        dispersion_weight: β >= 0, the weight of the dispersion loss in G's loss.
        fake_weight: γ > 0, the weight of the generated samples' term in D's loss.
        learning_rate: Adam's learning rate for D (and for G unless generator_learning_rate).
        generator_learning_rate: Adam's learning rate for G; None: learning_rate.
        beta_1: Adam's β1, for both players.
        latent_dim, scaling, seed, **kwargs: see LatentGAN.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("kdd99")
        >>> model = zoo.get("fencegan").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.train.x, batch_size=100, epochs=1)
        >>> model.calibrate(ds.val.x)
        >>> scores = model.score(ds.test.x)
    """

    PLAYERS = {"generator": ("generator",), "discriminator": ("discriminator",)}
    LOSSES = ("d_loss", "g_loss", "encirclement_loss", "dispersion_loss")
    # Images: the reference's MNIST settings (see the module docstring).
    KIND_ARGUMENTS = {"tabular": {},
                      "image": {"generator_hidden": (64, 32), "discriminator_hidden": (32, 64),
                                "boundary": 0.1, "dispersion_weight": 30.0,
                                "learning_rate": 1e-5, "generator_learning_rate": 2e-5}}
    DEFAULT_EPOCHS = 10

    def __init__(self, example_shape: Sequence[int] = (121,), latent_dim: int = 32,
                 generator_hidden: Sequence[int] = (64, 128),
                 discriminator_hidden: Sequence[int] = (128, 64), boundary: float = 0.5,
                 dispersion_weight: float = 15.0, fake_weight: float = 0.1,
                 learning_rate: float = 1e-4, generator_learning_rate: float | None = None,
                 beta_1: float = 0.5, scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "fencegan")
        super().__init__(example_shape=example_shape, latent_dim=latent_dim,
                         learning_rate=learning_rate, beta_1=beta_1, scaling=scaling, seed=seed,
                         **kwargs)
        self.generator_hidden = tuple(int(u) for u in generator_hidden)
        self.discriminator_hidden = tuple(int(u) for u in discriminator_hidden)
        self.boundary = float(boundary)
        self.dispersion_weight = float(dispersion_weight)
        self.fake_weight = float(fake_weight)
        self.generator_learning_rate = (None if generator_learning_rate is None
                                        else float(generator_learning_rate))
        if not 0.0 < self.boundary < 1.0:
            raise DetectorError(f"boundary (α) must be in (0, 1), got {self.boundary}")
        if self.dispersion_weight < 0.0:
            raise DetectorError(f"dispersion_weight (β) must be >= 0, got "
                                f"{self.dispersion_weight}")
        if self.fake_weight <= 0.0:
            raise DetectorError(f"fake_weight (γ) must be > 0, got {self.fake_weight}")
        check_gan_shape(self.example_shape, self.generator_hidden, "FenceGAN's generator")

        self.generator = decoder_network(self.example_shape, self.latent_dim,
                                         self.generator_hidden, name="generator")
        self.discriminator = Discriminator(self.example_shape, self.discriminator_hidden,
                                    name="discriminator")

    def build_networks(self) -> None:
        self.generator(tf.zeros((1, self.latent_dim)))
        self.discriminator(tf.zeros((1, *self.example_shape)))

    def default_optimizer(self, player: str) -> keras.optimizers.Optimizer:
        rate = self.learning_rate
        if player == "generator" and self.generator_learning_rate is not None:
            rate = self.generator_learning_rate
        return keras.optimizers.Adam(rate, beta_1=self.beta_1)

    def logit(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        """D's logit of scaled inputs: float32 [batch]; σ(logit) = probability of real."""
        logit, _ = self.discriminator(x, training=training)
        return tf.cast(logit, tf.float32)

    def train_step(self, data):
        x = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        z = self.sample_prior(tf.shape(x)[0])
        # D, then G on a fresh forward pass: one tape and one gradient each.
        with tf.GradientTape() as tape:
            real_logit = self.logit(x, training=True)
            fake_logit = self.logit(self.generator(z, training=True), training=True)
            d_loss = (sigmoid_cross_entropy(1.0, real_logit)
                      + self.fake_weight * sigmoid_cross_entropy(0.0, fake_logit))
        self.minimize("discriminator", d_loss, tape)
        with tf.GradientTape() as tape:
            generated = self.generator(z, training=True)
            encirclement = sigmoid_cross_entropy(self.boundary,
                                                 self.logit(generated, training=True))
            dispersion = dispersion_loss(generated)  # global: the same on every replica
            replicas = tf.distribute.get_replica_context().num_replicas_in_sync
            g_loss = encirclement + self.dispersion_weight * dispersion / replicas
        self.minimize("generator", g_loss, tape)
        return self.log_losses(d_loss=d_loss, g_loss=g_loss, encirclement_loss=encirclement,
                               totals={"dispersion_loss": dispersion})

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        return -self.logit(x)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "generator_hidden": list(self.generator_hidden),
                "discriminator_hidden": list(self.discriminator_hidden),
                "boundary": self.boundary, "dispersion_weight": self.dispersion_weight,
                "fake_weight": self.fake_weight,
                "generator_learning_rate": self.generator_learning_rate}
