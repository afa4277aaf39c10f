"""OCGAN: one-class novelty detection using GANs with constrained latent representations (Perera,
Nallapati, Xiang, CVPR 2019).

A denoising autoencoder whose latent space is made to represent the normal class only, everywhere.
The encoder En ends in tanh, so latents l = En(x + n) lie in [-1, 1]^d (n: Gaussian noise, during
training only), and the decoder De maps any point of that box to an input. Three adversaries
constrain it:

- a latent discriminator Dl tells l = En(x + n) from u ~ U(-1, 1)^d, so the encodings of normal
  inputs fill the whole box uniformly;
- a visual discriminator Dv tells real inputs x from decodings De(u) of random latents, so every
  point of the box decodes to something that looks normal;
- a classifier C tells reconstructions De(l) (positive) from decodings De(u) (negative).

Informative-negative mining: a random u is moved by `mining_steps` steps of gradient descent on
C's cross-entropy against "negative", BCE(C(De(u)), 0), w.r.t. u alone (clipped back into the
box after each step): towards the latents whose decodings the classifier finds least like the
normal class, the holes of the latent space. The autoencoder is then trained to make exactly those
decodings fool Dv. Since every latent decodes to a normal-looking input, an anomaly is
reconstructed as a normal one, and scored by its reconstruction error, in one forward pass:

    score(x) = mean (x - De(En(x)))²   (over the input's features; no noise at scoring).

Losses (per-example, then `global_mean`, so a MirroredStrategy step equals a single-device one):

    L_C  = BCE(C(De(l)), 1) + BCE(C(De(u)), 0)
    L_D  = BCE(Dl(u), 1) + BCE(Dl(l), 0) + BCE(Dv(x), 1) + BCE(Dv(De(u)), 0)
    L_AE = λ · mean (x - De(l))² + BCE(Dv(De(u_mined)), 1) + BCE(Dl(l), 1),   λ = 10.

Players: "discriminator" (Dl and Dv), "classifier" (C) and "autoencoder" (En and De). Each step,
as the official code: the discriminators' update, the classifier's, the mining (with the updated
classifier), then the autoencoder's, each on its own forward pass.

Departures from the official code (MXNet): it mines with one step of size 2 through u -> tanh(u)
and only after epoch 150 of 200, while the paper and the TensorFlow re-implementation take 5
steps from the start; here `mining_steps` = 5 steps of size `mining_learning_rate` = 1 on the
per-example gradient, clipping to [-1, 1] instead of the tanh. Its autoencoder loss weighs the
latent adversarial term by 10 and the squared error by 250; here the paper's λ = 10 on the mean
squared error and 1 on both adversarial terms. Its losses halve the two-term sums (no effect on
Adam's steps beyond ε); here the plain sums. Its input noise option is σ = 0.02; here σ = 0.2.

Architectures: the paper's are DCGAN-style networks sized for 32x32 images on a GPU; here the same
shape of networks, smaller. Images: En 4x4 stride-2 convolutions with 32 and 64 filters -> Dense
32 (tanh), De Dense -> (h/4)x(w/4)x64 -> 32 -> channels up-convolutions (as EGBAD's generator),
Dv and C convolutions with 32 and 64 filters, Dl Dense 64 -> 32. Rows: En Dense 64 -> 32 (tanh),
De Dense 64 -> 128 -> features (tanh), Dv and C Dense 128 -> 64, Dl Dense 64 -> 32. Adam, learning
rate 2e-4, β1 0.5 for every player (the official code's defaults).
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf

from zoo.base import DetectorError, LatentGAN
from zoo.blocks import Discriminator, check_gan_shape, decoder_network, encoder_network
from zoo.losses import global_mean, per_example_squared_error, sigmoid_cross_entropy


@keras.saving.register_keras_serializable(package="zoo")
class OCGAN(LatentGAN):
    """One-class GAN with a bounded, adversarially filled latent space, on images [height, width,
    channels] or rows [features].

    Args:
        example_shape: (height, width, channels) for images, (features,) for rows.
        latent_dim: dimension d of the latent box [-1, 1]^d.
        encoder_hidden: En's convolution filters (images) or hidden Dense widths (rows).
        decoder_hidden: De's grid channels then up-convolution filters (images; one stride-2
            step each) or hidden Dense widths (rows).
        visual_discriminator_hidden: Dv's convolution filters or Dense widths.
        latent_discriminator_hidden: Dl's Dense widths.
        classifier_hidden: C's convolution filters or Dense widths.
        noise_std: σ of the Gaussian noise added to the scaled inputs during training.
        reconstruction_weight: λ, the weight of the squared error in the autoencoder's loss.
        mining_steps: gradient steps of informative-negative mining (0: no mining).
        mining_learning_rate: the size of each mining step, on the per-example gradient.
        learning_rate, beta_1, scaling, seed, **kwargs: see LatentGAN.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("digits", anomaly_digits=[0])
        >>> model = zoo.get("ocgan").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.examples("train")[0], batch_size=64, epochs=1)
        >>> model.calibrate(ds.val.x)
        >>> scores = model.score(ds.test.x)
    """

    PLAYERS = {"autoencoder": ("encoder", "decoder"),
               "discriminator": ("latent_discriminator", "visual_discriminator"),
               "classifier": ("classifier",)}
    KIND_ARGUMENTS = {"image": {},
                      "tabular": {"encoder_hidden": (64,), "decoder_hidden": (64, 128),
                                  "visual_discriminator_hidden": (128, 64),
                                  "classifier_hidden": (128, 64)}}
    DEFAULT_EPOCHS = 20
    VALIDATION_LOSS = "reconstruction_loss"
    LOSSES = ("d_loss", "c_loss", "ae_loss", "reconstruction_loss")

    def __init__(self, example_shape: Sequence[int] = (28, 28, 1), latent_dim: int = 32,
                 encoder_hidden: Sequence[int] = (32, 64),
                 decoder_hidden: Sequence[int] = (64, 32),
                 visual_discriminator_hidden: Sequence[int] = (32, 64),
                 latent_discriminator_hidden: Sequence[int] = (64, 32),
                 classifier_hidden: Sequence[int] = (32, 64), noise_std: float = 0.2,
                 reconstruction_weight: float = 10.0, mining_steps: int = 5,
                 mining_learning_rate: float = 1.0, learning_rate: float = 2e-4,
                 beta_1: float = 0.5, scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "ocgan")
        super().__init__(example_shape=example_shape, latent_dim=latent_dim,
                         learning_rate=learning_rate, beta_1=beta_1, scaling=scaling, seed=seed,
                         **kwargs)
        self.encoder_hidden = tuple(int(u) for u in encoder_hidden)
        self.decoder_hidden = tuple(int(u) for u in decoder_hidden)
        self.visual_discriminator_hidden = tuple(int(u) for u in visual_discriminator_hidden)
        self.latent_discriminator_hidden = tuple(int(u) for u in latent_discriminator_hidden)
        self.classifier_hidden = tuple(int(u) for u in classifier_hidden)
        self.noise_std = float(noise_std)
        self.reconstruction_weight = float(reconstruction_weight)
        self.mining_steps = int(mining_steps)
        self.mining_learning_rate = float(mining_learning_rate)
        for name in ("encoder_hidden", "decoder_hidden", "visual_discriminator_hidden",
                     "latent_discriminator_hidden", "classifier_hidden"):
            if not getattr(self, name):
                raise DetectorError(f"{name} must list at least one layer width, got ()")
        if self.noise_std < 0:
            raise DetectorError(f"noise_std must be >= 0, got {self.noise_std}")
        if self.mining_steps < 0 or self.mining_learning_rate < 0:
            raise DetectorError(f"mining_steps and mining_learning_rate must be >= 0, got "
                                f"{self.mining_steps} and {self.mining_learning_rate}")
        check_gan_shape(self.example_shape, self.decoder_hidden, "OCGAN's decoder")

        self.encoder = encoder_network(self.example_shape, self.latent_dim, self.encoder_hidden,
                                       name="encoder", output_activation="tanh")
        self.decoder = decoder_network(self.example_shape, self.latent_dim, self.decoder_hidden,
                                       name="decoder")
        self.visual_discriminator = Discriminator(
            self.example_shape, self.visual_discriminator_hidden, name="visual_discriminator")
        self.latent_discriminator = Discriminator(
            (self.latent_dim,), self.latent_discriminator_hidden, name="latent_discriminator")
        self.classifier = Discriminator(self.example_shape, self.classifier_hidden,
                                        name="classifier")

    def build_networks(self) -> None:
        x = tf.zeros((1, *self.example_shape))
        z = tf.zeros((1, self.latent_dim))
        self.encoder(x)
        self.decoder(z)
        self.visual_discriminator(x)
        self.latent_discriminator(z)
        self.classifier(x)

    def sample_prior(self, batch_size) -> tf.Tensor:
        """u ~ U(-1, 1)^d, OCGAN's prior, the latent box: float32 [batch_size, latent_dim]."""
        return keras.random.uniform((batch_size, self.latent_dim), minval=-1.0, maxval=1.0,
                                    seed=self.seed_generator)

    def add_noise(self, x: tf.Tensor) -> tf.Tensor:
        """x + n, n ~ N(0, noise_std²) per feature: the denoising autoencoder's input."""
        if self.noise_std == 0.0:
            return x
        return x + tf.cast(self.noise_std * keras.random.normal(tf.shape(x),
                                                                seed=self.seed_generator), x.dtype)

    def logit(self, network: Discriminator, inputs: tf.Tensor) -> tf.Tensor:
        """A discriminator's (or the classifier's) logit in training mode: float32 [batch]."""
        logit, _ = network(inputs, training=True)
        return tf.cast(logit, tf.float32)

    def mine_negatives(self, u: tf.Tensor) -> tf.Tensor:
        """Informative-negative mining: `mining_steps` gradient-descent steps on u of
        BCE(C(De(u)), 0), each clipped back into [-1, 1]: latents [batch, latent_dim] whose
        decodings the classifier takes for negatives (poor, out-of-class looking images).

        Each example's step follows the gradient of its own loss (a sum over this replica's
        examples), so the step size does not depend on the batch size.
        """
        u = tf.cast(u, tf.float32)
        for _ in range(self.mining_steps):
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(u)
                logit = self.logit(self.classifier, self.decoder(u, training=True))
                loss = tf.reduce_sum(tf.nn.softplus(logit))  # BCE against 0: log(1 + e^logit)
            u = tf.clip_by_value(u - self.mining_learning_rate * tape.gradient(loss, u),
                                 -1.0, 1.0)
        return tf.stop_gradient(u)

    def train_step(self, data):
        x = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        noisy = self.add_noise(x)
        u = self.sample_prior(tf.shape(x)[0])
        # The discriminators' and the classifier's inputs: no gradient reaches En or De there.
        encoded = self.encoder(noisy, training=True)
        reconstructed = self.decoder(encoded, training=True)
        generated = self.decoder(u, training=True)
        with tf.GradientTape() as tape:
            d_loss = (sigmoid_cross_entropy(1.0, self.logit(self.latent_discriminator, u))
                      + sigmoid_cross_entropy(0.0, self.logit(self.latent_discriminator, encoded))
                      + sigmoid_cross_entropy(1.0, self.logit(self.visual_discriminator, x))
                      + sigmoid_cross_entropy(0.0, self.logit(self.visual_discriminator,
                                                              generated)))
        self.minimize("discriminator", d_loss, tape)
        with tf.GradientTape() as tape:
            c_loss = (sigmoid_cross_entropy(1.0, self.logit(self.classifier, reconstructed))
                      + sigmoid_cross_entropy(0.0, self.logit(self.classifier, generated)))
        self.minimize("classifier", c_loss, tape)
        mined = self.mine_negatives(u)
        with tf.GradientTape() as tape:
            encoded = self.encoder(noisy, training=True)
            reconstruction_loss = global_mean(per_example_squared_error(
                x, self.decoder(encoded, training=True)))
            ae_loss = (self.reconstruction_weight * reconstruction_loss
                       + sigmoid_cross_entropy(1.0, self.logit(
                           self.visual_discriminator, self.decoder(mined, training=True)))
                       + sigmoid_cross_entropy(1.0, self.logit(self.latent_discriminator,
                                                               encoded)))
        self.minimize("autoencoder", ae_loss, tape)
        return self.log_losses(d_loss=d_loss, c_loss=c_loss, ae_loss=ae_loss,
                               reconstruction_loss=reconstruction_loss)

    def reconstruct(self, x: tf.Tensor) -> tf.Tensor:
        """De(En(x)) of inputs already scaled, without noise: [batch, *example_shape]."""
        return self.decoder(self.encoder(x))

    def validation_loss(self, x: tf.Tensor) -> tf.Tensor:
        """Mean (x - De(En(x)))² on normal inputs, without noise."""
        return global_mean(per_example_squared_error(x, self.reconstruct(x)))

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        return per_example_squared_error(x, self.reconstruct(x))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "encoder_hidden": list(self.encoder_hidden),
                "decoder_hidden": list(self.decoder_hidden),
                "visual_discriminator_hidden": list(self.visual_discriminator_hidden),
                "latent_discriminator_hidden": list(self.latent_discriminator_hidden),
                "classifier_hidden": list(self.classifier_hidden), "noise_std": self.noise_std,
                "reconstruction_weight": self.reconstruction_weight,
                "mining_steps": self.mining_steps,
                "mining_learning_rate": self.mining_learning_rate}
