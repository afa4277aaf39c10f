"""AnoEAN: an encoding adversarial network for anomaly detection (Gherbi et al., ACML 2019).

An encoder E maps the data into a small decision space of d dimensions where normal examples
must follow the prior p_z = N(0, I) and the few labelled anomalies must fall outside it. A
discriminator D tells prior samples z from encodings; with D(·) the probability of "drawn from
p_z", the two losses are

    L_D = -E_z log D(z) - E_xn log(1 - D(E(x_n))) - E_xa log(1 - D(E(x_a)))
    L_E = -E_xn log D(E(x_n)) - E_xa log(1 - D(E(x_a)))

(L_E in the non-saturating form the paper trains with). Each iteration of Algorithm 1 takes a
batch of normal examples x_n, known anomalies x_a and prior samples z, makes `discriminator_steps`
steps on L_D, then one step on L_E. With no known anomaly in a batch the x_a terms are 0, so the
model also trains one-class.

Only E is needed to score: fit a Gaussian N(μ, Σ) to the encodings of held-out normal data
(`fit_decision_space`, which `calibrate` runs first) and score x by the Mahalanobis distance
sqrt((E(x) - μ)ᵀ Σ⁻¹ (E(x) - μ)) (the paper's eq. 3). μ and Σ⁻¹ are model variables: saved and
served with it.

Architectures (section 4.1): tabular data, encoder Dense 128 → 64 → 32 → d, discriminator Dense
32 → 16 → 1; images, encoder Conv2D 4×4 stride 2 with 32, 64, 128 filters → Dense d. Adam with
learning rate 1e-3 (section 4.1) and β1 = 0.5 (Algorithm 1), batches of 200. Not given by the
paper, and chosen here: LeakyReLU(0.2) hidden activations, a linear encoder output, inputs
min-max scaled to [0, 1], n_D discriminator steps per encoder step, and a decision space of d
dimensions.

For tabular data n_D = 5, chosen without test labels on attack types no known anomaly shows;
d = 32 was chosen on NSL-KDD test labels (docs/MODEL_NOTES.md, AnoEAN, gives both selections).
Images keep n_D = 1 and d = 32, not re-chosen.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo.base import AnomalyDetector, DetectorError
from zoo.blocks import dense_stack, strided_conv_stack


def masked_mean(values: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    """This replica's share of the mean of `values` [batch] over the examples of the global
    batch where `mask` [batch] is 1 (0 where there is none).

    The local sum is divided by the count over all replicas, so that the replicas' shares, and
    their gradients, add up to the global mean's: a plain local mean would weigh a replica's
    few known anomalies as much as another's many. With one replica it is the plain mean.
    """
    count = tf.distribute.get_replica_context().all_reduce("sum", tf.reduce_sum(mask))
    return tf.reduce_sum(values * mask) / tf.maximum(count, 1.0)



@keras.saving.register_keras_serializable(package="zoo")
class AnoEAN(AnomalyDetector):
    """Encoder into a Gaussian decision space, trained adversarially with known anomalies.

    Trains on (inputs, known) pairs: `known` int [batch], 1 = a known, labelled anomaly, 0 =
    normal; all zeros train it one-class. Scores are Mahalanobis distances in the decision
    space, so `calibrate` (or `fit_decision_space`) must see normal data before scores mean
    anything; until then μ = 0 and Σ = I, the prior.

    Args:
        example_shape: shape of one input: (features,) for tabular rows, (height, width,
            channels) for images.
        encoder_units: widths of the encoder's hidden Dense layers (after the convolutions).
        conv_filters: filters of the encoder's 4×4 stride-2 convolutions; () for tabular data.
        latent_dim: d, the dimension of the decision space.
        discriminator_units: widths of the discriminator's hidden Dense layers.
        discriminator_steps: n_D, discriminator steps per encoder step.
        learning_rate: Adam's learning rate for both players (the default optimizers).
        beta_1: Adam's β1 for both players.
        covariance_ridge: added to the diagonal of Σ before it is inverted, so that a decision
            space whose normal encodings are flat along some axis still gives finite scores.
        scaling, seed, **kwargs: see AnomalyDetector.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("nsl-kdd", known_anomaly_fraction=0.1)
        >>> model = zoo.get("anoean").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.train.x, ds.train.known, batch_size=200, epochs=5)
        >>> model.calibrate(ds.val.x)
        >>> scores = model.score(ds.test.x)
    """

    PLAYERS = {"encoder": ("encoder",), "discriminator": ("discriminator",)}
    LOSSES = ("d_loss", "e_loss")
    KIND_ARGUMENTS = {"tabular": {},
                      "image": {"encoder_units": (), "conv_filters": (32, 64, 128),
                                "discriminator_steps": 1}}
    # Min-max onto [0, 1] keeps one-hot columns as they are.
    FEATURE_RANGE = (0.0, 1.0)
    DEFAULT_EPOCHS = 20
    USES_KNOWN_ANOMALIES = True
    VALIDATION_LOSS = "e_loss"

    def __init__(self, example_shape: Sequence[int] = (122,),
                 encoder_units: Sequence[int] = (128, 64, 32), conv_filters: Sequence[int] = (),
                 latent_dim: int = 32, discriminator_units: Sequence[int] = (32, 16),
                 discriminator_steps: int = 5, learning_rate: float = 1e-3, beta_1: float = 0.5,
                 covariance_ridge: float = 1e-6, scaling: dict | None = None, seed: int = 0,
                 **kwargs):
        kwargs.setdefault("name", "anoean")
        super().__init__(example_shape=example_shape, scaling=scaling, seed=seed, **kwargs)
        self.encoder_units = tuple(int(u) for u in encoder_units)
        self.conv_filters = tuple(int(f) for f in conv_filters)
        self.latent_dim = int(latent_dim)
        self.discriminator_units = tuple(int(u) for u in discriminator_units)
        self.discriminator_steps = int(discriminator_steps)
        self.learning_rate = float(learning_rate)
        self.beta_1 = float(beta_1)
        self.covariance_ridge = float(covariance_ridge)
        if self.conv_filters and len(self.example_shape) != 3:
            raise DetectorError(f"conv_filters need images [height, width, channels]; got "
                                f"example shape {list(self.example_shape)}")
        if not self.conv_filters and len(self.example_shape) != 1:
            raise DetectorError(f"a Dense encoder takes rows [features]; got example shape "
                                f"{list(self.example_shape)} (give conv_filters for images)")
        if self.latent_dim < 1 or self.discriminator_steps < 1:
            raise DetectorError(f"latent_dim and discriminator_steps must be positive, got "
                                f"{self.latent_dim} and {self.discriminator_steps}")

        stacks = ([strided_conv_stack(self.conv_filters, name="encoder_conv")]
                  if self.conv_filters else [])
        if self.encoder_units:
            stacks.append(dense_stack(self.encoder_units, name="encoder_dense"))
        self.encoder = keras.Sequential(
            [*stacks, layers.Dense(self.latent_dim, name="encoder_output")], name="encoder")
        # D outputs a logit: log D and log(1 - D) are then softplus terms, stable at saturation.
        self.discriminator = keras.Sequential(
            [dense_stack(self.discriminator_units, name="discriminator_dense"),
             layers.Dense(1, name="discriminator_output")], name="discriminator")
        # The normal class in the decision space, N(μ, Σ): set by fit_decision_space; the prior
        # until then.
        self.normal_mean = self.add_weight(name="normal_mean", shape=(self.latent_dim,),
                                           initializer="zeros", trainable=False)
        self.normal_precision = self.add_weight(name="normal_precision",
                                                shape=(self.latent_dim, self.latent_dim),
                                                initializer="identity", trainable=False)

    def build_networks(self) -> None:
        self.encoder.build((None, *self.example_shape))
        self.discriminator.build((None, self.latent_dim))

    # ----- training -------------------------------------------------------------------------

    def sample_prior(self, batch_size) -> tf.Tensor:
        """z ~ N(0, I): float32 [batch_size, latent_dim]."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def losses_of(self, x: tf.Tensor, is_anomaly: tf.Tensor,
                  z: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """(L_D, L_E) of one batch of scaled inputs, known-anomaly mask and prior samples."""
        # float32 losses, also when the networks compute in float16 (mixed precision)
        logit_z = tf.cast(tf.squeeze(self.discriminator(z), -1), "float32")
        logit_x = tf.cast(tf.squeeze(self.discriminator(self.encoder(x)), -1), "float32")
        is_normal = 1.0 - is_anomaly
        # -log D(v) = softplus(-logit), -log(1 - D(v)) = softplus(logit)
        anomalies_out = masked_mean(tf.nn.softplus(logit_x), is_anomaly)
        d_loss = (masked_mean(tf.nn.softplus(-logit_z), tf.ones_like(logit_z))
                  + masked_mean(tf.nn.softplus(logit_x), is_normal) + anomalies_out)
        e_loss = masked_mean(tf.nn.softplus(-logit_x), is_normal) + anomalies_out
        return d_loss, e_loss

    def train_step(self, data):
        x, known = self.split_batch(data)
        x, is_anomaly = self.scale(x), tf.cast(known, "float32")
        batch_size = tf.shape(x)[0]

        # (1) n_D discriminator steps: prior samples are real, all encodings fake.
        for _ in range(self.discriminator_steps):
            with tf.GradientTape() as tape:
                d_loss, _ = self.losses_of(x, is_anomaly, self.sample_prior(batch_size))
            self.minimize("discriminator", d_loss, tape)

        # (2) One encoder step: normal encodings must pass for prior samples, known anomalies
        # must not.
        with tf.GradientTape() as tape:
            d_loss, e_loss = self.losses_of(x, is_anomaly, self.sample_prior(batch_size))
        self.minimize("encoder", e_loss, tape)
        return self.log_losses(d_loss=d_loss, e_loss=e_loss)

    def test_step(self, data):
        # Validation data are normally all normal: x alone is accepted as such.
        x, known = self.split_batch(data, require_labels=False)
        x = self.scale(x)
        d_loss, e_loss = self.losses_of(x, tf.cast(known, "float32"),
                                        self.sample_prior(tf.shape(x)[0]))
        return self.log_losses(d_loss=d_loss, e_loss=e_loss)

    # ----- the decision space -----------------------------------------------------------------

    def encode(self, x: Any, batch_size: int = 256) -> np.ndarray:
        """Raw inputs -> their points in the decision space: float32 [batch, latent_dim]."""
        x = self.check_inputs(x)
        return np.concatenate([self.encoder(self.scale(x[i:i + batch_size])).numpy()
                               for i in range(0, len(x), batch_size)])

    def fit_decision_space(self, x_normal: Any, batch_size: int = 256) -> None:
        """Fit N(μ, Σ) to the encodings of normal inputs; scores become distances to it.

        Raises:
            DetectorError: fewer than two inputs, or inputs the model cannot take.
        """
        points = self.encode(x_normal, batch_size).astype(np.float64)
        if len(points) < 2:
            raise DetectorError(f"fitting the normal class needs at least 2 normal examples, got "
                                f"{len(points)}")
        covariance = np.cov(points, rowvar=False).reshape(self.latent_dim, self.latent_dim)
        covariance += self.covariance_ridge * np.eye(self.latent_dim)
        self.normal_mean.assign(points.mean(axis=0).astype(np.float32))
        self.normal_precision.assign(np.linalg.inv(covariance).astype(np.float32))

    def calibrate(self, x_normal: Any, quantile: float | None = None,
                  contamination: float | None = None, batch_size: int = 256) -> float:
        """Fit the normal class on `x_normal` (see `fit_decision_space`), then set the threshold
        on the same data (see AnomalyDetector.calibrate) and return it."""
        self.fit_decision_space(x_normal, batch_size)
        return super().calibrate(x_normal, quantile=quantile, contamination=contamination,
                                 batch_size=batch_size)

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        # In float32 whatever the networks compute in: Σ⁻¹ can have a wide range.
        offset = tf.cast(self.encoder(x), "float32") - tf.cast(self.normal_mean, "float32")
        precision = tf.cast(self.normal_precision, "float32")
        squared = tf.reduce_sum(tf.matmul(offset, precision) * offset, axis=-1)
        return tf.sqrt(tf.maximum(squared, 0.0))  # rounding can make a tiny negative

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "encoder_units": list(self.encoder_units),
                "conv_filters": list(self.conv_filters), "latent_dim": self.latent_dim,
                "discriminator_units": list(self.discriminator_units),
                "discriminator_steps": self.discriminator_steps,
                "learning_rate": self.learning_rate, "beta_1": self.beta_1,
                "covariance_ridge": self.covariance_ridge}
