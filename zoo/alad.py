"""ALAD: adversarially learned anomaly detection (Zenati, Romain, Foo, Lecouat, Chandrasekhar,
ICDM 2018).

EGBAD's BiGAN (generator G: z -> x, encoder E: x -> z, discriminator D_xz on pairs) made
cycle-consistent by two more discriminators, as ALICE:

- D_xx tells (x, x) from (x, G(E(x))): E then G must give x back;
- D_zz tells (z, z) from (z, E(G(z))): G then E must give z back;

and spectral normalisation on every discriminator layer for stable training. Each
discriminator learns real pairs as 1 and the others as 0; G and E play the non-saturating
game with the labels swapped:

    L_D = BCE(D_xz(x, E(x)), 1) + BCE(D_xz(G(z), z), 0) + BCE(D_xx(x, x), 1)
          + BCE(D_xx(x, G(E(x))), 0) + BCE(D_zz(z, z), 1) + BCE(D_zz(z, E(G(z))), 0)
    L_G = BCE(D_xz(G(z), z), 1) + L_cycle,   L_E = BCE(D_xz(x, E(x)), 0) + L_cycle,
    L_cycle = BCE(D_xx(x, x), 0) + BCE(D_xx(x, G(E(x))), 1) + BCE(D_zz(z, z), 0)
              + BCE(D_zz(z, E(G(z))), 1).

Score ("feature-matching", the paper's best): the L1 distance between D_xx's last hidden
features of (x, x) and of (x, G(E(x))).

Architectures (the reference code's for KDD99): G Dense 64 → 128 → features, E Dense 64 →
latent 32, D_xz x-branch Dense 128, z-branch Dense 128, joint Dense 128; D_xx Dense 128; D_zz
Dense 32; Adam learning rate 1e-5, β1 0.5, batches of 50. The reference adds batch
normalisation to D_xz's x-branch and dropout 0.2 to the discriminators; with spectral
normalisation on, both are left out here. The three discriminators share one optimizer (the
reference gives each its own Adam with the same settings: the same updates, since Adam works
per variable). G, E and the reconstruction error that judges a fit are EGBAD's (zoo.egbad.BiGAN).
Images use EGBAD's DCGAN-form networks, with D_xx convolving x and x' stacked on
the channel axis.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf

from zoo.blocks import PairDiscriminator, dense_stack, feature_stack
from zoo.egbad import IMAGE_NETWORKS, BiGAN
from zoo.losses import per_example_l1, sigmoid_cross_entropy


@keras.saving.register_keras_serializable(package="zoo")
class ALAD(BiGAN):
    """Cycle-consistent BiGAN on rows [features] or images [height, width, channels].

    Args:
        example_shape: (features,) for rows, (height, width, channels) for images.
        latent_dim: dimension of z.
        generator_hidden, encoder_hidden: see zoo.egbad.BiGAN.
        xz_hidden: widths or filters of D_xz's x-branch.
        xz_latent_hidden: widths of D_xz's z-branch.
        xz_joint_hidden: widths of D_xz's joint layers.
        xx_hidden: widths or filters of D_xx (its last layer gives the score's features).
        zz_hidden: widths of D_zz.
        spectral_norm: spectral normalisation on every discriminator layer.
        latent_dim, learning_rate, beta_1, scaling, seed, **kwargs: see LatentGAN.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("kdd99")
        >>> model = zoo.get("alad").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.train.x, batch_size=50, epochs=1)
        >>> model.calibrate(ds.val.x)
        >>> scores = model.score(ds.test.x)
    """

    PLAYERS = {"generator": ("generator",), "encoder": ("encoder",),
               "discriminator": ("discriminator_xz", "discriminator_xx", "discriminator_zz")}
    LOSSES = ("d_loss", "g_loss", "e_loss", "cycle_loss", "reconstruction_loss")
    KIND_ARGUMENTS = {
        "tabular": {},
        "image": {**IMAGE_NETWORKS, "xz_hidden": (32, 64), "xz_joint_hidden": (256,),
                  "xx_hidden": (32, 64), "zz_hidden": (64, 32)}}
    DEFAULT_EPOCHS = 10

    def __init__(self, example_shape: Sequence[int] = (121,), latent_dim: int = 32,
                 generator_hidden: Sequence[int] = (64, 128),
                 encoder_hidden: Sequence[int] = (64,), xz_hidden: Sequence[int] = (128,),
                 xz_latent_hidden: Sequence[int] = (128,),
                 xz_joint_hidden: Sequence[int] = (128,), xx_hidden: Sequence[int] = (128,),
                 zz_hidden: Sequence[int] = (32,), spectral_norm: bool = True,
                 learning_rate: float = 1e-5, beta_1: float = 0.5,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "alad")
        super().__init__(example_shape=example_shape, generator_hidden=generator_hidden,
                         encoder_hidden=encoder_hidden, latent_dim=latent_dim,
                         learning_rate=learning_rate, beta_1=beta_1, scaling=scaling, seed=seed,
                         **kwargs)
        self.xz_hidden = tuple(int(u) for u in xz_hidden)
        self.xz_latent_hidden = tuple(int(u) for u in xz_latent_hidden)
        self.xz_joint_hidden = tuple(int(u) for u in xz_joint_hidden)
        self.xx_hidden = tuple(int(u) for u in xx_hidden)
        self.zz_hidden = tuple(int(u) for u in zz_hidden)
        self.spectral_norm = bool(spectral_norm)

        sn = self.spectral_norm
        self.discriminator_xz = PairDiscriminator(
            feature_stack(self.example_shape, self.xz_hidden, name="xz_x_branch",
                          spectral_norm=sn),
            dense_stack(self.xz_latent_hidden, name="xz_z_branch", spectral_norm=sn),
            dense_stack(self.xz_joint_hidden, name="xz_joint", spectral_norm=sn),
            spectral_norm=sn, name="discriminator_xz")
        self.discriminator_xx = PairDiscriminator(
            None, None, feature_stack(self.example_shape, self.xx_hidden, name="xx_joint",
                                      spectral_norm=sn),
            spectral_norm=sn, name="discriminator_xx")
        self.discriminator_zz = PairDiscriminator(
            None, None, dense_stack(self.zz_hidden, name="zz_joint", spectral_norm=sn),
            spectral_norm=sn, name="discriminator_zz")

    def build_networks(self) -> None:
        super().build_networks()
        x = tf.zeros((1, *self.example_shape))
        z = tf.zeros((1, self.latent_dim))
        self.discriminator_xz(x, z)
        self.discriminator_xx(x, x)
        self.discriminator_zz(z, z)

    def logits(self, x: tf.Tensor, z: tf.Tensor) -> dict[str, tf.Tensor]:
        """Every discriminator's logit of its real and fake pairs, in training mode: float32
        [batch] each, keyed "<discriminator>_<real|fake>"."""
        encoded = self.encoder(x, training=True)
        generated = self.generator(z, training=True)
        pairs = {
            "xz_real": (self.discriminator_xz, x, encoded),
            "xz_fake": (self.discriminator_xz, generated, z),
            "xx_real": (self.discriminator_xx, x, x),
            "xx_fake": (self.discriminator_xx, x, self.generator(encoded, training=True)),
            "zz_real": (self.discriminator_zz, z, z),
            "zz_fake": (self.discriminator_zz, z, self.encoder(generated, training=True))}
        return {key: tf.cast(critic(a, b, training=True)[0], "float32")
                for key, (critic, a, b) in pairs.items()}

    def train_step(self, data):
        x = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        z = self.sample_prior(tf.shape(x)[0])

        # (1) The three discriminators: real pairs 1, fake pairs 0.
        with tf.GradientTape() as tape:
            logit = self.logits(x, z)
            d_loss = sum(sigmoid_cross_entropy(1.0, logit[f"{d}_real"])
                         + sigmoid_cross_entropy(0.0, logit[f"{d}_fake"])
                         for d in ("xz", "xx", "zz"))
        self.minimize("discriminator", d_loss, tape)

        # (2) G and E on one fresh pass, as the reference's single update op: labels swapped.
        with tf.GradientTape(persistent=True) as tape:
            logit = self.logits(x, z)
            cycle_loss = sum(sigmoid_cross_entropy(0.0, logit[f"{d}_real"])
                             + sigmoid_cross_entropy(1.0, logit[f"{d}_fake"])
                             for d in ("xx", "zz"))
            g_loss = sigmoid_cross_entropy(1.0, logit["xz_fake"]) + cycle_loss
            e_loss = sigmoid_cross_entropy(0.0, logit["xz_real"]) + cycle_loss
        self.minimize("generator", g_loss, tape)
        self.minimize("encoder", e_loss, tape)
        del tape

        return self.log_losses(d_loss=d_loss, g_loss=g_loss, e_loss=e_loss, cycle_loss=cycle_loss,
                               reconstruction_loss=self.validation_loss(x))

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        _, real_features = self.discriminator_xx(x, x)
        _, reconstructed_features = self.discriminator_xx(x, self.generator(self.encoder(x)))
        return per_example_l1(real_features, reconstructed_features)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "xz_hidden": list(self.xz_hidden),
                "xz_latent_hidden": list(self.xz_latent_hidden),
                "xz_joint_hidden": list(self.xz_joint_hidden),
                "xx_hidden": list(self.xx_hidden), "zz_hidden": list(self.zz_hidden),
                "spectral_norm": self.spectral_norm}
