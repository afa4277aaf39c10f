"""INNAD: a GRU variational autoencoder for sessions of log keys (Qu et al., "An Unsupervised
Learning Method of Anomaly Detection Using GRU"), and the same model on windows of a series.

A session is a sequence of log keys. Each step becomes a feature vector x_t in [0, 1]^n: the
one-hot key (n = vocab_size), an end-of-session marker, and optionally the count of each key
over the last w steps divided by w. A GRU encoder reads x_1..x_t and outputs 2m values per step,
the means and log-variances of m Gaussians, q(z_t | x_≤t); z is drawn with the
reparameterisation trick; a GRU decoder maps z_1..z_t to n logits per step, the likelihood
p(x_t | z_≤t): independent Bernoullis for the one-hot key and the end marker (the paper's
cross-entropy), continuous Bernoullis for the counts (a normalised density for values inside
[0, 1]). Training maximises the ELBO (eqs. 11-13),

    ELBO(x) = Σ_t E_q[log p(x_t | z_≤t)] - Σ_t KL(q(z_t | x_≤t) ‖ N(0, I)),

with one posterior sample per step; the sums run over the session's keys and its end only.

The score is a negative log-likelihood under the decoder, averaged over L posterior samples
z^(l) ~ q(z | x). Per step, nll_t = -(1/L) Σ_l log p(x_t | z_≤t^(l)); the session scores

    max_t nll_t       (score_reduction="max", the default: its least likely step), or
    Σ_t nll_t         (score_reduction="sum": the session's NLL, the paper's per-sequence loss),

higher = more anomalous. The serving signature returns both, and the log reconstruction
probability log (1/L) Σ_l p(x | z^(l)) (An & Cho, 2015).

The maximum is the default because a sum grows with a session's length, while an HDFS anomaly is
typically one step the normal sessions never show (docs/MODEL_NOTES.md, GRU VAE, has the
measurements).

Two input kinds, one model underneath (SequenceVAE): sessions of log keys (GRUVAE, registered
as `gru_vae`) and windows of a series (WindowGRUVAE, `gru_vae_series`), whose steps are the
window's min-max scaled values under a Gaussian likelihood (see WindowGRUVAE for why).

Session inputs are raw padded sessions, int32 [batch, length]: keys 1..vocab_size, then 0s.
The one-hot happens inside the model, so a served model takes the keys a log parser emits. Key
0 pads: padded steps (after the end) are masked in both GRUs and in every sum, and the L
posterior draws of the score are fixed per step from the model's seed, so a session scores the
same whatever its padding or its batch.

One departure from the paper, for sessions of varying length: an end marker, one more binary
feature, 1 at the step right after a session's last key, so that the likelihood also says where a
session stops (without it a session cut short scores as a normal one); `end_marker=False` gives
the paper's features. One option: free bits (Kingma et al., 2016), each step's KL counting as at
least `free_bits` nats in the loss, against posterior collapse on small training sets; sessions
default to the paper's ELBO (`free_bits=0`), windows of a series to 0.5 nats. The metrics always
report the true ELBO and KL. docs/MODEL_NOTES.md, GRU VAE, gives the measurements behind both.

Settings the paper leaves open are ours: GRU width 64, m = 8, L = 10, Adam with learning rate
1e-3. Distributions come from tensorflow-probability (`tfd`), built inside the model's methods:
tfp.layers are Keras 2 layers and do not work inside a Keras 3 model.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from keras import layers

from zoo.base import AnomalyDetector, DetectorError

tfd = tfp.distributions

SCORE_REDUCTIONS = ("max", "sum")


def masked_sum(values: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    """Sum over the last (time) axis of the steps where `mask` is True: [..., T] -> [...].

    tf.where rather than a product, so a non-finite value at a padded step cannot leak in.
    """
    return tf.reduce_sum(tf.where(mask, values, tf.zeros_like(values)), axis=-1)


def trim_padding(keys: tf.Tensor) -> tf.Tensor:
    """Keys int32 [batch, T] without the trailing steps that are padding in every session.

    Masking makes them irrelevant to the loss; dropping them saves the GRUs the steps in
    training (the HDFS loader pads every session to the longest of all splits).
    """
    steps = tf.range(1, tf.shape(keys)[1] + 1)
    return keys[:, :tf.reduce_max(tf.where(keys > 0, steps, 0))]


class SequenceVAE(AnomalyDetector):
    """The GRU VAE of the paper over sequences of feature vectors, n_features per step.

    Shared by the two inputs the zoo gives it, which differ in how raw inputs become steps
    (`steps`, `training_view`) and in the likelihood's family (`likelihood`): sessions of log
    keys (GRUVAE) and windows of a series (WindowGRUVAE).

    Args:
        example_shape, scaling, seed, **kwargs: see AnomalyDetector.
        n_binary, n_features: the features per step; `likelihood` models the first n_binary
            with Bernoullis, the others with continuous Bernoullis.
        units: width of the encoder's and the decoder's GRU.
        latent_dim: m, the Gaussians of z per step.
        score_samples: L, the posterior samples the score averages over.
        score_reduction: "max" scores a sequence by its least likely step, "sum" by its whole
            negative log-likelihood (see the module docstring).
        free_bits: in the loss, each step's KL counts as at least this many nats (0: the
            paper's ELBO); see the module docstring.
        learning_rate: Adam's learning rate (the default optimizer).
    """

    PLAYERS = {"vae": ("encoder", "posterior_head", "decoder", "likelihood_head")}
    # "loss" (-ELBO with free bits, what the optimizer minimises) beside the ELBO itself:
    # Keras callbacks such as TerminateOnNaN and EarlyStopping watch "loss" by default.
    LOSSES = ("loss", "elbo", "reconstruction", "kl")
    DEFAULT_EPOCHS = 30
    # The training loss on held-out normal sequences: with it, fit can stop once the fit of the
    # normal class stops improving, and keep the best epoch, without anomaly labels.
    VALIDATION_LOSS = "loss"

    def __init__(self, example_shape: Sequence[int | None], n_binary: int, n_features: int,
                 units: int, latent_dim: int, score_samples: int, score_reduction: str,
                 free_bits: float, learning_rate: float, scaling: dict | None, seed: int,
                 **kwargs):
        super().__init__(example_shape=example_shape, scaling=scaling, seed=seed, **kwargs)
        for name, value, low in (("units", units, 1), ("latent_dim", latent_dim, 1),
                                 ("score_samples", score_samples, 1)):
            if int(value) != value or value < low:
                raise DetectorError(f"{name} must be an integer >= {low}, got {value!r}")
        if score_reduction not in SCORE_REDUCTIONS:
            raise DetectorError(f"score_reduction must be one of {SCORE_REDUCTIONS}, got "
                                f"{score_reduction!r}")
        if not free_bits >= 0:
            raise DetectorError(f"free_bits must be >= 0 nats, got {free_bits!r}")
        self.n_binary = int(n_binary)
        self.n_features = int(n_features)
        self.units = int(units)
        self.latent_dim = int(latent_dim)
        self.score_samples = int(score_samples)
        self.score_reduction = score_reduction
        self.free_bits = float(free_bits)
        self.learning_rate = float(learning_rate)

        self.encoder = layers.GRU(self.units, return_sequences=True, name="encoder_gru")
        self.posterior_head = layers.Dense(2 * self.latent_dim, name="posterior_parameters")
        self.decoder = layers.GRU(self.units, return_sequences=True, name="decoder_gru")
        self.likelihood_head = layers.Dense(self.n_features, name="likelihood_parameters")

    def build_networks(self) -> None:
        self.encoder.build((None, None, self.n_features))
        self.posterior_head.build((None, None, self.units))
        self.decoder.build((None, None, self.latent_dim))
        self.likelihood_head.build((None, None, self.units))

    # ----- the probabilistic model ---------------------------------------------------------

    def steps(self, inputs: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Scaled inputs -> (x float32 [batch, steps, n_features], mask bool [batch, steps] of
        the steps that count)."""
        raise NotImplementedError

    def training_view(self, inputs: tf.Tensor) -> tf.Tensor:
        """A training batch of raw inputs as `steps` takes them."""
        return self.scale(inputs)

    def posterior(self, x: tf.Tensor, mask: tf.Tensor) -> tfd.Distribution:
        """q(z_t | x_≤t): batch shape [batch, T], event shape [latent_dim]."""
        # Distributions in float32, whatever precision the layers compute in.
        parameters = tf.cast(self.posterior_head(self.encoder(x, mask=mask)), tf.float32)
        mean, log_variance = tf.split(parameters, 2, axis=-1)
        return tfd.Independent(tfd.Normal(mean, tf.exp(0.5 * log_variance)),
                               reinterpreted_batch_ndims=1)

    def prior(self, like: tfd.Distribution) -> tfd.Distribution:
        """N(0, I) with the batch shape of the posterior `like`."""
        zeros = tf.zeros_like(like.distribution.loc)
        return tfd.Independent(tfd.Normal(zeros, 1.0), reinterpreted_batch_ndims=1)

    def likelihood(self, z: tf.Tensor, mask: tf.Tensor) -> tfd.Distribution:
        """p(x_t | z_≤t) for z float32 [batch, T, latent_dim]: batch shape [batch, T], event
        shape [n_features]: Bernoullis for the first n_binary columns, continuous Bernoullis
        for the others."""
        logits = tf.cast(self.likelihood_head(self.decoder(z, mask=mask)), tf.float32)
        blocks = []
        if self.n_binary:
            blocks.append(tfd.Independent(tfd.Bernoulli(logits=logits[..., :self.n_binary],
                                                        dtype=tf.float32),
                                          reinterpreted_batch_ndims=1))
        if self.n_features > self.n_binary:
            blocks.append(tfd.Independent(
                tfd.ContinuousBernoulli(logits=logits[..., self.n_binary:]),
                reinterpreted_batch_ndims=1))
        return blocks[0] if len(blocks) == 1 else tfd.Blockwise(blocks)

    def elbo_terms(self, inputs: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """One-sample estimates of the ELBO's terms per sequence, in nats, for inputs as
        `steps` takes them.

        Returns:
            reconstruction: float32 [batch], -Σ_t log p(x_t | z_≤t) (for sessions, the
                cross-entropy).
            kl: float32 [batch], Σ_t KL(q(z_t | x_≤t) ‖ N(0, I)).
            kl_loss: float32 [batch], Σ_t max(KL_t, free_bits): the KL term of the loss.
        """
        x, mask = self.steps(inputs)
        posterior = self.posterior(x, mask)
        mean, std = posterior.distribution.loc, posterior.distribution.scale
        shape = tf.shape(mean)
        z = mean + std * keras.random.normal((shape[0], shape[1], self.latent_dim),
                                             seed=self.seed_generator)
        reconstruction = -masked_sum(self.likelihood(z, mask).log_prob(x), mask)
        kl_steps = tfd.kl_divergence(posterior, self.prior(posterior))
        return (reconstruction, masked_sum(kl_steps, mask),
                masked_sum(tf.maximum(kl_steps, self.free_bits), mask))

    def sample_step_log_likelihoods(self, inputs: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """log p(x_t | z_≤t^(l)) of each step for L fixed posterior draws, for inputs as
        `steps` takes them.

        Sessions keep their padding here (it is trimmed in training only): a session then
        scores bit for bit the same in any batch of the same width, and within float rounding
        at any other width.

        Returns:
            log_prob: float32 [L, batch, steps]; the steps that do not count hold 0.
            mask: bool [batch, steps], the steps that count (see `steps`).
        """
        x, mask = self.steps(inputs)
        posterior = self.posterior(x, mask)
        batch, steps = tf.shape(x)[0], tf.shape(x)[1]
        # Time is the outermost axis of the draw: a stateless draw's first k values do not
        # depend on how many follow, so step t gets the same noise at any padded length, and
        # every session of a batch shares it.
        noise = tf.random.stateless_normal([steps, self.score_samples, self.latent_dim],
                                           seed=[self.seed, 1])
        noise = tf.transpose(noise, [1, 0, 2])[:, tf.newaxis]  # [L, 1, T, m]
        z = posterior.distribution.loc + posterior.distribution.scale * noise  # [L, batch, T, m]
        # The GRU takes [batch, T, m]: the L samples go along the batch axis, sample-major.
        flat_z = tf.reshape(z, [self.score_samples * batch, steps, self.latent_dim])
        flat_mask = tf.tile(mask, [self.score_samples, 1])
        flat_x = tf.tile(x, [self.score_samples, 1, 1])
        log_prob = self.likelihood(flat_z, flat_mask).log_prob(flat_x)
        log_prob = tf.reshape(tf.where(flat_mask, log_prob, tf.zeros_like(log_prob)),
                              [self.score_samples, batch, steps])
        return log_prob, mask

    def scores_of_steps(self, log_prob: tf.Tensor, mask: tf.Tensor) -> dict[str, tf.Tensor]:
        """The sequences' scores from `sample_step_log_likelihoods`'s output, each float32 [batch].

        Returns:
            score: by `score_reduction`.
            sequence_nll: -(1/L) Σ_l log p(x | z^(l)), the sequence's negative log-likelihood.
            log_reconstruction_probability: log (1/L) Σ_l p(x | z^(l)).
        """
        sequence_log_prob = tf.reduce_sum(log_prob, axis=-1)  # [L, batch]; padding holds 0
        sequence_nll = -tf.reduce_mean(sequence_log_prob, axis=0)
        if self.score_reduction == "max":
            step_nll = -tf.reduce_mean(log_prob, axis=0)  # [batch, steps]
            # Every sequence has at least one step that counts, so the maximum is finite.
            score = tf.reduce_max(tf.where(mask, step_nll, -math.inf), axis=-1)
        else:
            score = sequence_nll
        return {"score": score, "sequence_nll": sequence_nll,
                "log_reconstruction_probability": (tf.reduce_logsumexp(sequence_log_prob, axis=0)
                                                   - math.log(self.score_samples))}

    # ----- training ------------------------------------------------------------------------

    def train_step(self, data):
        # Inputs only; a (x, y) pair from a labelled pipeline is accepted and y ignored.
        inputs = self.training_view(data[0] if isinstance(data, tuple) else data)
        with tf.GradientTape() as tape:
            reconstruction, kl, kl_loss = self.elbo_terms(inputs)
            per_sequence = reconstruction + kl_loss
            # Sum over a sequence's steps, mean over the global batch: under tf.distribute each
            # replica divides by the global batch size and the optimizer sums the gradients.
            loss = tf.nn.compute_average_loss(per_sequence)
        self.minimize("vae", loss, tape)
        return self.log_losses(loss=loss, elbo=tf.nn.compute_average_loss(-(reconstruction + kl)),
                               reconstruction=tf.nn.compute_average_loss(reconstruction),
                               kl=tf.nn.compute_average_loss(kl))

    def validation_loss(self, x: tf.Tensor) -> tf.Tensor:
        """This replica's share of the training loss (-ELBO with free bits, one posterior
        sample) on a batch of normal sequences as `steps` takes them."""
        reconstruction, _, kl_loss = self.elbo_terms(x)
        return tf.nn.compute_average_loss(reconstruction + kl_loss)

    # ----- scoring and serving -------------------------------------------------------------

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        return self.scores_of_steps(*self.sample_step_log_likelihoods(x))["score"]

    def serving_outputs(self, inputs: tf.Tensor) -> dict[str, tf.Tensor]:
        """{"score", "is_anomaly", "sequence_nll", "log_reconstruction_probability"}, each
        [batch] (see `scores_of_steps`), for checked raw inputs."""
        scores = self.scores_of_steps(*self.sample_step_log_likelihoods(self.scale(inputs)))
        return {**scores, "is_anomaly": scores["score"] > self.threshold}

    def log_reconstruction_probability(self, x: Any, batch_size: int = 256) -> np.ndarray:
        """log (1/L) Σ_l p(x | z^(l)) per sequence: float32 [batch]; lower = more anomalous."""
        return self.predict_outputs(x, batch_size)["log_reconstruction_probability"]

    def sequence_nll(self, x: Any, batch_size: int = 256) -> np.ndarray:
        """-(1/L) Σ_l log p(x | z^(l)) per session or window: float32 [batch], the score when
        score_reduction="sum".

        Raises:
            DetectorError: as `score`.
        """
        return self.predict_outputs(x, batch_size)["sequence_nll"]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "latent_dim": self.latent_dim,
                "score_samples": self.score_samples, "score_reduction": self.score_reduction,
                "free_bits": self.free_bits, "learning_rate": self.learning_rate}


@keras.saving.register_keras_serializable(package="zoo")
class GRUVAE(SequenceVAE):
    """GRU VAE on padded sessions of log keys [batch, length], scored by the decoder's NLL.

    Args:
        example_shape: (length,) of one session; (None,), the default, takes any padded length.
        vocab_size: log keys are 1..vocab_size; 0 pads.
        end_marker: model where a session ends: one more feature, 1 at the step after its last
            key (n = vocab_size + 1); False: the paper's features (see the module docstring).
        count_window: w > 0 adds, per step, the count of each key over the last w steps divided
            by w to the features (n += vocab_size); 0 uses the one-hot key only.
        scaling: must be None: log keys are not scaled.
        units, latent_dim, score_samples, score_reduction, free_bits, learning_rate, seed,
            **kwargs: see SequenceVAE.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("hdfs")
        >>> model = zoo.get("gru_vae").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.examples("train")[0], batch_size=32, epochs=1)
        >>> scores = model.score(ds.examples("test")[0])
    """

    INPUT_DTYPE = "int32"
    KIND_ARGUMENTS = {"sessions": {}}

    def __init__(self, example_shape: Sequence[int | None] = (None,), vocab_size: int = 28,
                 units: int = 64, latent_dim: int = 8, end_marker: bool = True,
                 count_window: int = 0, score_samples: int = 10, score_reduction: str = "max",
                 free_bits: float = 0.0, learning_rate: float = 1e-3,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "gru_vae")
        if scaling:
            raise DetectorError("GRUVAE takes raw log keys; scaling must be None")
        if len(example_shape) != 1:
            raise DetectorError(f"GRUVAE takes padded sessions [length]; got example shape "
                                f"{list(example_shape)}")
        for name, value, low in (("vocab_size", vocab_size, 1), ("count_window", count_window, 0)):
            if int(value) != value or value < low:
                raise DetectorError(f"{name} must be an integer >= {low}, got {value!r}")
        self.vocab_size = int(vocab_size)
        self.end_marker = bool(end_marker)
        self.count_window = int(count_window)
        # Binary columns (keys, end marker), then the counts, which lie in [0, 1].
        n_binary = self.vocab_size + int(self.end_marker)
        super().__init__(example_shape=example_shape, n_binary=n_binary,
                         n_features=n_binary + (self.vocab_size if self.count_window else 0),
                         units=units, latent_dim=latent_dim, score_samples=score_samples,
                         score_reduction=score_reduction, free_bits=free_bits,
                         learning_rate=learning_rate, scaling=None, seed=seed, **kwargs)

    @classmethod
    def dataset_defaults(cls, ds) -> dict[str, Any]:
        if ds.kind == "series":
            raise DetectorError(f"GRUVAE models sessions of log keys; dataset {ds.name!r} is "
                                "series (windows of a series: gru_vae_series)")
        return super().dataset_defaults(ds)

    @classmethod
    def data_arguments(cls, ds) -> dict[str, Any]:
        # Any padded length: a request pads its sessions to a length of its choosing.
        return {"example_shape": (None,), "vocab_size": int(ds.meta["vocab_size"])}

    def steps(self, keys: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """The model's view of padded sessions.

        Args:
            keys: int32 [batch, T], log keys 1..vocab_size then 0s.

        Returns:
            x: float32 [batch, T + 1, n_features] in [0, 1]: per step the one-hot key, the end
                marker (with end_marker) and the windowed key counts (with count_window).
            mask: bool [batch, T + 1], True at the steps that count: the keys, and the end
                marker's step right after the last key (with end_marker).
        """
        # One more step than given: a session that fills the whole width still has its end.
        keys = tf.pad(keys, [[0, 0], [0, 1]])
        # Key k is column k - 1; padding (0 -> -1) one-hots to all zeros, so it adds no counts.
        one_hot = tf.one_hot(keys - 1, self.vocab_size, dtype=tf.float32)
        mask = keys > 0
        columns = [one_hot]
        if self.end_marker:
            positions = tf.range(1, tf.shape(keys)[1] + 1)
            after_last_key = tf.reduce_max(tf.where(mask, positions, 0), axis=1)
            end = tf.one_hot(after_last_key, tf.shape(keys)[1], dtype=tf.float32)
            columns.append(end[..., tf.newaxis])
            mask = mask | (end > 0)
        if self.count_window:
            seen = tf.cumsum(one_hot, axis=1)
            seen_before_window = tf.pad(seen, [[0, 0], [self.count_window, 0], [0, 0]])[
                :, :-self.count_window]
            columns.append((seen - seen_before_window) / self.count_window)
        return tf.concat(columns, axis=-1), mask

    def training_view(self, inputs: tf.Tensor) -> tf.Tensor:
        # Masking makes trailing padding irrelevant to the loss; trimming saves the GRUs the steps.
        return trim_padding(tf.cast(inputs, tf.int32))

    def check_inputs(self, x: Any) -> np.ndarray:
        """As AnomalyDetector.check_inputs; also every key in 0..vocab_size and no session
        without keys."""
        x = super().check_inputs(x)
        bad = (x < 0) | (x > self.vocab_size)
        if bad.any():
            row, step = np.argwhere(bad)[0]
            raise DetectorError(f"log key {x[row, step]} (session {row}, step {step}) is outside "
                                f"1..{self.vocab_size}; 0 pads ({int(bad.sum())} bad keys in all)")
        empty = np.flatnonzero(~(x > 0).any(axis=1))
        if len(empty):
            raise DetectorError(f"session {empty[0]} is empty: only padding (0), no log key "
                                f"1..{self.vocab_size} ({len(empty)} empty sessions in all)")
        return x

    def check_serving_inputs(self, inputs: tf.Tensor) -> tf.Tensor:
        """As AnomalyDetector.check_serving_inputs; also keys outside 0..vocab_size and sessions
        of padding only fail here with a message, rather than scoring as if the bad key were
        padding."""
        allowed = f"log keys must be 1..{self.vocab_size}, with 0 as padding"
        tf.debugging.assert_greater_equal(inputs, 0, message=allowed)
        tf.debugging.assert_less_equal(inputs, self.vocab_size, message=allowed)
        tf.debugging.assert_equal(
            tf.reduce_all(tf.reduce_any(inputs > 0, axis=1)), True,
            message=f"a session is empty: every row needs at least one log key "
                    f"1..{self.vocab_size}")
        return super().check_serving_inputs(inputs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "end_marker": self.end_marker, "count_window": self.count_window}


@keras.saving.register_keras_serializable(package="zoo")
class WindowGRUVAE(SequenceVAE):
    """GRU VAE on windows of a series [batch, window, n_features], scored by the decoder's NLL.

    Each step is the window's values at one time, min-max scaled with the training part's
    range; the likelihood is Gaussian, N(decoder output, σ²) per feature with σ a learned
    weight, rather than the paper's Bernoulli family. A test value can lie outside the training
    range, where a continuous Bernoulli is not defined. Clipping such values onto [0, 1] would
    make them likely: a window far above the range becomes a run at the range's edge, where a
    sharp continuous Bernoulli puts high density. Under the Gaussian the residual grows with
    the distance (tests/zoo/test_gru_vae.py checks that windows lifted out of range score above
    every normal one).

    Args:
        example_shape: (window, n_features).
        scaling: the min-max statistics of the training part (the dataset's).
        units, latent_dim, score_samples, score_reduction, free_bits, learning_rate, seed,
            **kwargs: see SequenceVAE.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("synthetic")
        >>> model = zoo.get("gru_vae_series").for_dataset(ds)
        >>> model.compile()
        >>> model.fit(ds.examples("train")[0], batch_size=32, epochs=1)
        >>> scores = model.score(ds.examples("test")[0])
    """

    PLAYERS = {"vae": (*SequenceVAE.PLAYERS["vae"], "log_scale")}
    KIND_ARGUMENTS = {"series": {}}

    def __init__(self, example_shape: Sequence[int] = (60, 1), units: int = 64,
                 latent_dim: int = 8, score_samples: int = 10, score_reduction: str = "max",
                 free_bits: float = 0.5, learning_rate: float = 1e-3,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "gru_vae_series")
        if len(example_shape) != 2 or None in example_shape:
            raise DetectorError(f"WindowGRUVAE takes windows [window, n_features]; got example "
                                f"shape {list(example_shape)}")
        super().__init__(example_shape=example_shape, n_binary=0, n_features=example_shape[1],
                         units=units, latent_dim=latent_dim, score_samples=score_samples,
                         score_reduction=score_reduction, free_bits=free_bits,
                         learning_rate=learning_rate, scaling=scaling, seed=seed, **kwargs)
        self.log_scale = self.add_weight(name="log_scale", shape=(self.n_features,),
                                         initializer="zeros")

    def steps(self, inputs: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Scaled windows [batch, window, n_features] -> (their values, every step counts)."""
        x = tf.cast(inputs, tf.float32)
        return x, tf.ones(tf.shape(x)[:2], tf.bool)

    def likelihood(self, z: tf.Tensor, mask: tf.Tensor) -> tfd.Distribution:
        """p(x_t | z_≤t) = N(decoder output, σ²) per feature: batch shape [batch, T], event
        shape [n_features]."""
        mean = tf.cast(self.likelihood_head(self.decoder(z, mask=mask)), tf.float32)
        scale = tf.exp(tf.cast(self.log_scale, tf.float32))
        return tfd.Independent(tfd.Normal(mean, scale), reinterpreted_batch_ndims=1)
