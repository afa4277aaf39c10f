"""EGBAD: efficient GAN-based anomaly detection (Zenati, Foo, Lecouat, Manek, Chandrasekhar, 2018).

A BiGAN: a generator G (z -> x), an encoder E (x -> z), and a discriminator D on pairs that
tells real pairs (x, E(x)) from generated ones (G(z), z). At the optimum E inverts G, so an
input is scored without any optimisation:

    score(x) = (1 - α) · Σ|x - G(E(x))| + α · L_D(x),   α = 0.1,

with L_D either the cross-entropy σ(D(x, E(x))) should be 1 ("cross-entropy", the paper's; the
reference code takes D of (G(E(x)), E(x)) there instead) or the L1 distance between D's last
hidden features of (x, E(x)) and (G(E(x)), E(x)) ("feature-matching").

Losses, as the BiGAN: D minimises BCE(D(x, E(x)), 1) + BCE(D(G(z), z), 0); G minimises
BCE(D(G(z), z), 1) and E minimises BCE(D(x, E(x)), 0) (non-saturating, labels swapped); the
three step one after another, D first, as in the reference code.

Architectures (the reference code's): rows (KDD99), G Dense 64 → 128 → features, E Dense 64 →
latent 32, D x-branch Dense 128, z-branch Dense 128, joint Dense 128; Adam, learning rate 1e-5,
β1 0.5, batches of 50. Departures: the reference puts dropout (0.2) after each of D's layers,
uses LeakyReLU slope 0.1 (here 0.2, the zoo's one for every discriminator), ends G in a linear
layer (here tanh by default, as the inputs are scaled into [-1, 1]; `generator_activation=
"linear"` gives the reference's) and scores with exponential moving averages of the weights
(decay 0.9999); here D has no dropout and the weights are scored as trained. The reference's
KDD99 loader also discards its min-max scaler's output, so the paper's EGBAD trained on unscaled
features: `scaling=None` with a linear G is that setting. Windows of a series [steps, features]
(the tabular benchmark GAN+RL compares against): the row networks on the flattened window,
learning rate 1e-4. Images: the same shape of networks in
DCGAN form, smaller than the reference's (which is sized for a GPU): G Dense → 7x7x64 →
14x14x32 → 28x28 up-convolutions, E and D's x-branch 4x4 stride-2 convolutions with 32 and 64
filters, latent 32, learning rate 2e-4.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf

from zoo.base import DetectorError, LatentGAN
from zoo.blocks import (PairDiscriminator, check_gan_shape, decoder_network, dense_stack,
                        encoder_network, feature_stack)
from zoo.losses import (global_mean, per_example_absolute_error, per_example_l1,
                        sigmoid_cross_entropy)

SCORE_METHODS = ("cross-entropy", "feature-matching")
GENERATOR_ACTIVATIONS = ("tanh", "linear")

#: The reference code's DCGAN-form networks for images, smaller (see the module docstring).
IMAGE_NETWORKS = {"generator_hidden": (64, 32), "encoder_hidden": (32, 64),
                  "learning_rate": 2e-4}


@keras.saving.register_keras_serializable(package="zoo")
class BiGAN(LatentGAN):
    """What EGBAD and ALAD share: a generator G (z -> x) and an encoder E (x -> z) that the
    discriminators on pairs (written by the subclass) teach to invert each other, and the
    reconstruction error |x - G(E(x))| that judges a fit on normal data.

    Args:
        example_shape: (features,) for rows, (height, width, channels) for images.
        generator_hidden: G's hidden Dense widths (rows) or its grid channels then
            up-convolution filters (images; one stride-2 step each).
        encoder_hidden: E's hidden Dense widths or convolution filters.
        generator_activation: G's output, "tanh" (onto the scaled inputs' [-1, 1]) or
            "linear".
        latent_dim, learning_rate, beta_1, scaling, seed, **kwargs: see LatentGAN.
    """

    VALIDATION_LOSS = "reconstruction_loss"

    def __init__(self, example_shape: Sequence[int], generator_hidden: Sequence[int],
                 encoder_hidden: Sequence[int], generator_activation: str = "tanh", **kwargs):
        super().__init__(example_shape=example_shape, **kwargs)
        self.generator_hidden = tuple(int(u) for u in generator_hidden)
        self.encoder_hidden = tuple(int(u) for u in encoder_hidden)
        check_gan_shape(self.example_shape, self.generator_hidden,
                        f"{type(self).__name__}'s generator",
                        windows="series" in self.KIND_ARGUMENTS)
        self.generator = decoder_network(self.example_shape, self.latent_dim,
                                         self.generator_hidden, name="generator",
                                         output_activation=generator_activation)
        self.encoder = encoder_network(self.example_shape, self.latent_dim, self.encoder_hidden,
                                       name="encoder")

    def build_networks(self) -> None:
        self.generator(tf.zeros((1, self.latent_dim)))
        self.encoder(tf.zeros((1, *self.example_shape)))

    def validation_loss(self, x: tf.Tensor, nets: Any = None) -> tf.Tensor:
        """Mean |x - G(E(x))| per feature: how well E then G give normal inputs back (with the
        G and E of `nets`, a member pair of a GAN ensemble, when given)."""
        nets = self if nets is None else nets
        return global_mean(per_example_absolute_error(x, nets.generator(nets.encoder(x))))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "generator_hidden": list(self.generator_hidden),
                "encoder_hidden": list(self.encoder_hidden)}


@keras.saving.register_keras_serializable(package="zoo")
class EGBAD(BiGAN):
    """BiGAN anomaly detector on rows [features], windows [steps, features] (flattened) or
    images [height, width, channels].

    Args:
        example_shape: (features,) for rows, (steps, features) for windows, (height, width,
            channels) for images.
        latent_dim: dimension of z.
        generator_hidden, encoder_hidden: see BiGAN.
        discriminator_hidden: widths or filters of D's x-branch.
        discriminator_latent_hidden: widths of D's z-branch.
        discriminator_joint_hidden: widths of D's joint layers; the last are the features of
            the feature-matching score.
        score_weight: α, the weight of the discriminator term of the score.
        score_method: "cross-entropy" or "feature-matching" (see the module docstring).
        generator_activation: G's output, "tanh" (onto the scaled inputs' [-1, 1]) or
            "linear" (the reference code's, for unscaled features).
        latent_dim, learning_rate, beta_1, scaling, seed, **kwargs: see LatentGAN.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("kdd99")
        >>> model = zoo.get("egbad").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.train.x, batch_size=50, epochs=1)
        >>> model.calibrate(ds.val.x)
        >>> scores = model.score(ds.test.x)
    """

    PLAYERS = {"generator": ("generator",), "encoder": ("encoder",),
               "discriminator": ("discriminator",)}
    LOSSES = ("d_loss", "g_loss", "e_loss", "reconstruction_loss")
    KIND_ARGUMENTS = {
        "tabular": {},
        "series": {"learning_rate": 1e-4},
        "image": {**IMAGE_NETWORKS, "discriminator_hidden": (32, 64),
                  "discriminator_joint_hidden": (256,)}}
    DEFAULT_EPOCHS = 10

    def __init__(self, example_shape: Sequence[int] = (121,), latent_dim: int = 32,
                 generator_hidden: Sequence[int] = (64, 128),
                 encoder_hidden: Sequence[int] = (64,),
                 discriminator_hidden: Sequence[int] = (128,),
                 discriminator_latent_hidden: Sequence[int] = (128,),
                 discriminator_joint_hidden: Sequence[int] = (128,), score_weight: float = 0.1,
                 score_method: str = "feature-matching", generator_activation: str = "tanh",
                 learning_rate: float = 1e-5, beta_1: float = 0.5, scaling: dict | None = None,
                 seed: int = 0, **kwargs):
        kwargs.setdefault("name", "egbad")
        if score_method not in SCORE_METHODS:
            raise DetectorError(f"score_method must be one of {', '.join(SCORE_METHODS)}, got "
                                f"{score_method!r}")
        if generator_activation not in GENERATOR_ACTIVATIONS:
            raise DetectorError(f"generator_activation must be one of "
                                f"{', '.join(GENERATOR_ACTIVATIONS)}, got "
                                f"{generator_activation!r}")
        super().__init__(example_shape=example_shape, generator_hidden=generator_hidden,
                         encoder_hidden=encoder_hidden,
                         generator_activation=generator_activation, latent_dim=latent_dim,
                         learning_rate=learning_rate, beta_1=beta_1, scaling=scaling, seed=seed,
                         **kwargs)
        self.discriminator_hidden = tuple(int(u) for u in discriminator_hidden)
        self.discriminator_latent_hidden = tuple(int(u) for u in discriminator_latent_hidden)
        self.discriminator_joint_hidden = tuple(int(u) for u in discriminator_joint_hidden)
        self.score_weight = float(score_weight)
        self.score_method = str(score_method)
        self.generator_activation = str(generator_activation)
        self.discriminator = PairDiscriminator(
            feature_stack(self.example_shape, self.discriminator_hidden, name="x_branch"),
            dense_stack(self.discriminator_latent_hidden, name="z_branch"),
            dense_stack(self.discriminator_joint_hidden, name="joint"), name="discriminator")

    def build_networks(self) -> None:
        super().build_networks()
        self.discriminator(tf.zeros((1, *self.example_shape)), tf.zeros((1, self.latent_dim)))

    def train_step(self, data):
        x = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        return self.log_losses(**self.adversarial_step(x, self, self.minimize))

    def adversarial_step(self, x: tf.Tensor, nets: Any, minimize) -> dict[str, tf.Tensor]:
        """One step of the game on scaled inputs `x`, between the networks of `nets` (this
        model, or a member pair of a GAN ensemble, zoo.ensemble), each update made by
        `minimize(player, loss, tape)`. Returns this replica's share of each loss."""
        z = self.sample_prior(tf.shape(x)[0])
        # The three updates one after another, each on a fresh forward pass, as the reference
        # code.
        with tf.GradientTape() as tape:
            real_logit = self.real_pair_logit(x, nets)
            fake_logit = self.fake_pair_logit(z, nets)
            d_loss = sigmoid_cross_entropy(1.0, real_logit) + sigmoid_cross_entropy(0.0, fake_logit)
        minimize("discriminator", d_loss, tape)
        with tf.GradientTape() as tape:
            fake_logit = self.fake_pair_logit(z, nets)
            g_loss = sigmoid_cross_entropy(1.0, fake_logit)
        minimize("generator", g_loss, tape)
        with tf.GradientTape() as tape:
            real_logit = self.real_pair_logit(x, nets)
            e_loss = sigmoid_cross_entropy(0.0, real_logit)
        minimize("encoder", e_loss, tape)
        return {"d_loss": d_loss, "g_loss": g_loss, "e_loss": e_loss,
                "reconstruction_loss": self.validation_loss(x, nets)}

    def real_pair_logit(self, x: tf.Tensor, nets: Any) -> tf.Tensor:
        """D's logit of the pairs (x, E(x)), in training mode, D and E those of `nets`:
        float32 [batch]."""
        logit, _ = nets.discriminator(x, nets.encoder(x, training=True), training=True)
        return tf.cast(logit, "float32")

    def fake_pair_logit(self, z: tf.Tensor, nets: Any) -> tf.Tensor:
        """D's logit of the pairs (G(z), z), in training mode, D and G those of `nets`:
        float32 [batch]."""
        logit, _ = nets.discriminator(nets.generator(z, training=True), z, training=True)
        return tf.cast(logit, "float32")

    def anomaly_scores(self, x: tf.Tensor, nets: Any = None) -> dict[str, tf.Tensor]:
        """Both scores of inputs already scaled, by this model's networks or those of `nets`
        (a member pair of a GAN ensemble): {method: float32 [batch]}."""
        nets = self if nets is None else nets
        encoded = nets.encoder(x)
        reconstructed = nets.generator(encoded)
        real_logit, real_features = nets.discriminator(x, encoded)
        _, fake_features = nets.discriminator(reconstructed, encoded)
        residual = per_example_l1(x, reconstructed)
        discrimination = {
            "cross-entropy": tf.nn.softplus(-tf.cast(real_logit, "float32")),  # -log σ(logit)
            "feature-matching": per_example_l1(real_features, fake_features)}
        return {method: (1.0 - self.score_weight) * residual + self.score_weight * term
                for method, term in discrimination.items()}

    def score_of(self, x: tf.Tensor, nets: Any) -> tf.Tensor:
        """The score of scaled inputs by the networks of `nets`: float32 [batch]."""
        return self.anomaly_scores(x, nets)[self.score_method]

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        return self.score_of(x, self)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "discriminator_hidden": list(self.discriminator_hidden),
                "discriminator_latent_hidden": list(self.discriminator_latent_hidden),
                "discriminator_joint_hidden": list(self.discriminator_joint_hidden),
                "score_weight": self.score_weight, "score_method": self.score_method,
                "generator_activation": self.generator_activation}
