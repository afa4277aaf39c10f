"""GANomaly: semi-supervised anomaly detection via adversarial training (Akcay,
Atapour-Abarghouei, Breckon, ACCV 2018).

The generator is an autoencoder with a second encoder behind it: G_E maps x to z, G_D decodes
z to x̂, and E encodes x̂ again to ẑ. Trained on normal data only, it learns to keep z and ẑ
close for what it has seen; an anomaly's reconstruction x̂ looks normal, so its ẑ drifts away
from z. An input is scored in one forward pass, with no optimisation:

    score(x) = Σ|G_E(x) - E(G_D(G_E(x)))|   (over the latent dimensions; the paper's A(x)).

A discriminator D (x -> logit, last hidden features) tells inputs from reconstructions.

Losses, as the paper and its official code:

    L_D = ½ · (BCE(D(x), 1) + BCE(D(x̂), 0))
    L_G = w_adv · L_adv + w_con · L_con + w_enc · L_enc,   w_adv = 1, w_con = 50, w_enc = 1,

with L_adv = mean (f(x) - f(x̂))² over D's last hidden features f (feature matching), L_con =
mean |x - x̂| (contextual) and L_enc = mean (z - ẑ)² (encoder). G_E, G_D and E are one player,
"generator". Each step, as the official code: one forward pass of the generator, its update, then
D's update on that pass's x̂ (held fixed). Each loss is a per-example mean, then `global_mean`,
so a MirroredStrategy step equals a single-device one.

Departures from the official code: it re-initialises D whenever L_D falls below 1e-5; left out
here (a reset mid-fit would not round-trip through a saved optimizer state, and the paper does
not describe it). Its test score is the mean squared latent difference, min-max normalised over
the test set; here the paper's L1 sum, unnormalised (the threshold comes from `calibrate` on
normal data, not from test scores).

Architectures: the paper's are DCGAN networks sized for 32x32 and larger images on a GPU; here
the same shape of networks, smaller. Rows (KDD99, 121 features): G_E and E Dense 64 -> latent
32 (linear), G_D Dense 64 -> 128 -> features (tanh), D Dense 128 -> 64 -> logit. Images: G_E and
E 4x4 stride-2 convolutions with 32 and 64 filters -> Dense 32, G_D Dense -> (h/4)x(w/4)x64 ->
32 -> channels up-convolutions (as EGBAD's generator), D convolutions with 32 and 64 filters.
Adam, learning rate 2e-4, β1 0.5 for both players; the official code trains 15 epochs in
batches of 64.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import keras
import tensorflow as tf

from zoo.base import DetectorError, LatentGAN
from zoo.blocks import Discriminator, check_gan_shape, decoder_network, encoder_network
from zoo.losses import (global_mean, per_example_absolute_error, per_example_l1,
                        per_example_squared_error, sigmoid_cross_entropy)


@keras.saving.register_keras_serializable(package="zoo")
class GANomaly(LatentGAN):
    """Encoder-decoder-encoder GAN anomaly detector on rows [features] or images [height,
    width, channels].

    Args:
        example_shape: (features,) for rows, (height, width, channels) for images.
        latent_dim: dimension of z and ẑ.
        encoder_hidden: hidden Dense widths (rows) or convolution filters (images) of both
            encoders, G_E and E.
        decoder_hidden: G_D's hidden Dense widths (rows) or its grid channels then
            up-convolution filters (images; one stride-2 step each).
        discriminator_hidden: D's Dense widths or convolution filters; the last are the
            features of the adversarial (feature-matching) loss.
        adversarial_weight, contextual_weight, encoder_weight: w_adv, w_con and w_enc, the
            weights of L_adv, L_con and L_enc in the generator's loss.
        latent_dim, learning_rate, beta_1, scaling, seed, **kwargs: see LatentGAN.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("kdd99")
        >>> model = zoo.get("ganomaly").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.train.x, batch_size=64, epochs=1)
        >>> model.calibrate(ds.val.x)
        >>> scores = model.score(ds.test.x)
    """

    PLAYERS = {"generator": ("encoder", "decoder", "second_encoder"),
               "discriminator": ("discriminator",)}
    KIND_ARGUMENTS = {"tabular": {},
                      "image": {"encoder_hidden": (32, 64), "decoder_hidden": (64, 32),
                                "discriminator_hidden": (32, 64)}}
    DEFAULT_EPOCHS = 15
    VALIDATION_LOSS = "con_loss"
    LOSSES = ("d_loss", "g_loss", "adv_loss", "con_loss", "enc_loss")

    def __init__(self, example_shape: Sequence[int] = (121,), latent_dim: int = 32,
                 encoder_hidden: Sequence[int] = (64,),
                 decoder_hidden: Sequence[int] = (64, 128),
                 discriminator_hidden: Sequence[int] = (128, 64),
                 adversarial_weight: float = 1.0, contextual_weight: float = 50.0,
                 encoder_weight: float = 1.0, learning_rate: float = 2e-4, beta_1: float = 0.5,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "ganomaly")
        super().__init__(example_shape=example_shape, latent_dim=latent_dim,
                         learning_rate=learning_rate, beta_1=beta_1, scaling=scaling, seed=seed,
                         **kwargs)
        self.encoder_hidden = tuple(int(u) for u in encoder_hidden)
        self.decoder_hidden = tuple(int(u) for u in decoder_hidden)
        self.discriminator_hidden = tuple(int(u) for u in discriminator_hidden)
        self.adversarial_weight = float(adversarial_weight)
        self.contextual_weight = float(contextual_weight)
        self.encoder_weight = float(encoder_weight)
        for name in ("adversarial_weight", "contextual_weight", "encoder_weight"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise DetectorError(f"{name} must be a finite number >= 0, got {value}")
        for name in ("encoder_hidden", "decoder_hidden", "discriminator_hidden"):
            if not getattr(self, name):
                raise DetectorError(f"{name} must list at least one layer width, got ()")
        check_gan_shape(self.example_shape, self.decoder_hidden, "GANomaly's decoder")

        self.encoder = encoder_network(self.example_shape, self.latent_dim, self.encoder_hidden,
                                       name="encoder")
        self.decoder = decoder_network(self.example_shape, self.latent_dim, self.decoder_hidden,
                                       name="decoder")
        self.second_encoder = encoder_network(self.example_shape, self.latent_dim,
                                              self.encoder_hidden, name="second_encoder")
        self.discriminator = Discriminator(self.example_shape, self.discriminator_hidden,
                                    name="discriminator")

    def build_networks(self) -> None:
        x = tf.zeros((1, *self.example_shape))
        self.decoder(self.encoder(x))
        self.second_encoder(x)
        self.discriminator(x)

    def train_step(self, data):
        x = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        return self.log_losses(**self.adversarial_step(x, self, self.minimize))

    def adversarial_step(self, x: tf.Tensor, nets: Any, minimize) -> dict[str, tf.Tensor]:
        """One step of the game on scaled inputs `x`, between the networks of `nets` (this
        model, or a member pair of a GAN ensemble, zoo.ensemble), each update made by
        `minimize(player, loss, tape)`. Returns this replica's share of each loss."""
        # The generator first, then D on the same x̂ held fixed, as the official code; each
        # update has its own tape and forward pass.
        with tf.GradientTape() as tape:
            z, reconstructed, z_again = self.reconstruct(x, training=True, nets=nets)
            _, real_features = nets.discriminator(x, training=True)
            _, fake_features = nets.discriminator(reconstructed, training=True)
            adv_loss = global_mean(per_example_squared_error(real_features, fake_features))
            con_loss = global_mean(per_example_absolute_error(x, reconstructed))
            enc_loss = global_mean(per_example_squared_error(z, z_again))
            g_loss = (self.adversarial_weight * adv_loss + self.contextual_weight * con_loss
                      + self.encoder_weight * enc_loss)
        minimize("generator", g_loss, tape)
        reconstructed = tf.stop_gradient(reconstructed)
        with tf.GradientTape() as tape:
            real_logit, _ = nets.discriminator(x, training=True)
            fake_logit, _ = nets.discriminator(reconstructed, training=True)
            d_loss = 0.5 * (sigmoid_cross_entropy(1.0, real_logit)
                            + sigmoid_cross_entropy(0.0, fake_logit))
        minimize("discriminator", d_loss, tape)
        return {"d_loss": d_loss, "g_loss": g_loss, "adv_loss": adv_loss, "con_loss": con_loss,
                "enc_loss": enc_loss}

    def reconstruct(self, x: tf.Tensor, training: bool = False,
                    nets: Any = None) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """The generator's pass on inputs already scaled, by this model's networks or those of
        `nets` (a member pair of a GAN ensemble): (z = G_E(x) [batch, latent_dim],
        x̂ = G_D(z) [batch, *example_shape], ẑ = E(x̂) [batch, latent_dim])."""
        nets = self if nets is None else nets
        z = nets.encoder(x, training=training)
        reconstructed = nets.decoder(z, training=training)
        return z, reconstructed, nets.second_encoder(reconstructed, training=training)

    def validation_loss(self, x: tf.Tensor, nets: Any = None) -> tf.Tensor:
        """L_con on normal inputs: mean |x - x̂|."""
        return global_mean(per_example_absolute_error(x, self.reconstruct(x, nets=nets)[1]))

    def score_of(self, x: tf.Tensor, nets: Any) -> tf.Tensor:
        """The score of scaled inputs by the networks of `nets`: float32 [batch]."""
        z, _, z_again = self.reconstruct(x, nets=nets)
        return per_example_l1(z, z_again)

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        return self.score_of(x, self)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "encoder_hidden": list(self.encoder_hidden),
                "decoder_hidden": list(self.decoder_hidden),
                "discriminator_hidden": list(self.discriminator_hidden),
                "adversarial_weight": self.adversarial_weight,
                "contextual_weight": self.contextual_weight,
                "encoder_weight": self.encoder_weight}
