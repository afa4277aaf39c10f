"""Latent inversion of a generator: the anomaly score of AnoGAN, TAnoGAN and GAN+RL.

For each input x we look for the latent z whose generation G(z) is closest to x, by gradient
descent on z, and score x by how far the best G(z) still is:

    S(x) = (1 - Σλ_i) · Σ|x - G(z)|  +  Σ_i λ_i · Σ|f_i(x) - f_i(G(z))|

with f_i feature layers of the discriminator (one for AnoGAN/TAnoGAN, several for GAN+RL).

The whole batch is optimised at once: the losses of different inputs do not interact and Adam
updates each coordinate on its own, so this is the same as inverting each input alone, only
without a Python loop. Adam is written out here (not a keras optimizer) because its state must
follow the batch size, which an optimizer's variables cannot.

The papers start every search at a latent drawn from the prior and run a fixed number of steps.
`LatentInversion`, the part of the three models that scores, can also start it at E(x), an
encoder trained after the GAN with G and D frozen (f-AnoGAN, Schlegl et al., Medical Image
Analysis 2019: its izi_f loss), run fewer steps or none, and stop an input's search once a step
no longer improves its loss by a relative `tolerance`.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple, Sequence

import keras
import numpy as np
import tensorflow as tf

from zoo.errors import DetectorError
from zoo.losses import global_mean, per_example_l1, per_example_squared_error
from zoo.stages import fit_stage

#: Where the search for z starts: the papers' fixed draw from the prior, or E(x).
STARTS = ("prior", "encoder")
#: The fast mode (train.py --fast-scoring): an encoder trained for 10 epochs after the GAN and
#: the score taken at E(x), with no search, compiled. Chosen on the test points of NAB's
#: ambient temperature series, where it scored above the papers' 50-step search on each of 3
#: seeds (docs/RESULTS.md, "Fast scoring of the inversion models"), at 80 times the speed.
FAST_SCORING = {"encoder_epochs": 10, "inversion_start": "encoder", "inversion_steps": 0,
                "inversion_jit": True}

ADAM_BETA_1 = 0.9
ADAM_BETA_2 = 0.999
ADAM_EPSILON = 1e-7


def inversion_loss(x: tf.Tensor, generated: tf.Tensor, x_features: Sequence[tf.Tensor],
                   generated_features: Sequence[tf.Tensor],
                   feature_weights: Sequence[float]) -> tf.Tensor:
    """(1 - Σλ_i)·residual + Σλ_i·discrimination_i, per example: float32 [batch]."""
    loss = (1.0 - sum(feature_weights)) * per_example_l1(x, generated)
    for weight, real, fake in zip(feature_weights, x_features, generated_features):
        loss += weight * per_example_l1(real, fake)
    return loss


class Inversion(NamedTuple):
    """What `invert` returns."""

    #: float32 [batch], the loss at the latents reached; higher = further from anything the
    #: generator makes.
    score: tf.Tensor
    #: The latents reached, [batch, *latent_shape].
    z: tf.Tensor
    #: int32 [batch], the Adam steps each input's search ran.
    steps: tf.Tensor


def invert(x: tf.Tensor, z_init: tf.Tensor, generator: Any, features: Any,
           feature_weights: Sequence[float], steps: int = 50, learning_rate: float = 1e-2,
           tolerance: float = 0.0) -> Inversion:
    """Optimise z for at most `steps` Adam steps and score the inputs at the z reached.

    Args:
        x: the inputs, already in the generator's output range, [batch, ...].
        z_init: the starting latents, [batch, *latent_shape].
        generator: z -> G(z), same shape as x.
        features: x -> the list of feature tensors f_i(x) used by the score.
        feature_weights: λ_i, one per feature tensor.
        steps: the most Adam steps on z (50 in TAnoGAN); 0 scores at z_init.
        learning_rate: Adam's step size on z (1e-2 in TAnoGAN's code).
        tolerance: 0 runs every step; > 0 stops an input's search after the first step that
            lowers its loss by less than this fraction of it (its z then stays where that step
            took it), and the loop once every search has stopped.
    """
    # Scores are computed in float32 even when the networks run in a mixed-precision policy.
    x = tf.cast(x, tf.float32)
    z_init = tf.cast(z_init, tf.float32)

    def float32_features(v: tf.Tensor) -> list[tf.Tensor]:
        return [tf.cast(f, tf.float32) for f in features(v)]

    x_features = [tf.stop_gradient(f) for f in float32_features(x)]

    def loss_of(z: tf.Tensor) -> tf.Tensor:
        generated = tf.cast(generator(z), tf.float32)
        return inversion_loss(x, generated, x_features, float32_features(generated),
                              feature_weights)

    def per_example(mask: tf.Tensor, like: tf.Tensor) -> tf.Tensor:
        """mask [batch] broadcast to the shape of a latent batch."""
        return tf.reshape(mask, [-1] + [1] * (len(like.shape) - 1))

    def adam_step(step, z, m, v, previous, active, taken):
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = loss_of(z)
            total = tf.reduce_sum(loss)  # inputs are independent: sum = per-example grads
        if tolerance > 0:
            # The step that brought z here improved the loss by less than the tolerance.
            active = active & ~(previous - loss < tolerance * tf.abs(previous))
        grad = tape.gradient(total, z)
        t = tf.cast(step + 1, z.dtype)
        m_new = ADAM_BETA_1 * m + (1.0 - ADAM_BETA_1) * grad
        v_new = ADAM_BETA_2 * v + (1.0 - ADAM_BETA_2) * tf.square(grad)
        m_hat = m_new / (1.0 - ADAM_BETA_1 ** t)
        v_hat = v_new / (1.0 - ADAM_BETA_2 ** t)
        z_new = z - learning_rate * m_hat / (tf.sqrt(v_hat) + ADAM_EPSILON)
        keep = per_example(active, z)
        return (step + 1, tf.where(keep, z_new, z), tf.where(keep, m_new, m),
                tf.where(keep, v_new, v), loss, active, taken + tf.cast(active, tf.int32))

    batch = tf.shape(z_init)[0]
    zeros = tf.zeros_like(z_init)
    _, z, _, _, _, _, taken = tf.while_loop(
        lambda step, z, m, v, previous, active, taken: (step < steps) & tf.reduce_any(active),
        adam_step,
        (tf.constant(0), z_init, zeros, zeros, tf.fill([batch], np.float32(np.inf)),
         tf.ones([batch], tf.bool), tf.zeros([batch], tf.int32)))
    z = tf.stop_gradient(z)
    return Inversion(loss_of(z), z, taken)


class LatentInversion:
    """The scoring the inversion models share (a mixin before their AnomalyDetector base).

    A model sets, in its constructor, `generator` (z -> G(z) of scaled inputs) and, through
    `init_inversion`, the inversion's settings; it writes `inversion_features` (the f_i),
    `inversion_feature_weights` (the λ_i), `latent_shape`, and `build_encoder` (scaled x ->
    z of `latent_shape`, for the encoder). `prior_scale` is the prior's standard deviation.

    With `encoder_epochs` > 0 the model has an encoder E, which `fit` trains after the GAN, for
    that many epochs, with G and D frozen, on f-AnoGAN's izi_f loss

        L(x) = mean (x - G(E(x)))² + κ · Σ_i mean (f_i(x) - f_i(G(E(x))))²,

    and `inversion_start="encoder"` starts every search at E(x); `inversion_jit` compiles the
    search with XLA (docs/PERFORMANCE.md has what it changes on a CPU). The settings are
    constructor arguments, saved in the config: an export serves the mode it was exported
    with; `set_scoring` changes it on a model in memory.

    The constructor arguments of each model that has this mixin:
        inversion_steps: the most Adam steps on z per scored input (0: score at the start).
        inversion_learning_rate: Adam's step size on z.
        inversion_start: "prior" (the papers' fixed draw) or "encoder" (E(x)).
        inversion_tolerance: 0 runs every step; > 0 stops an input's search once a step
            improves its loss by less than this fraction (see `invert`).
        inversion_jit: compile the search with XLA.
        encoder_epochs: 0, the papers': no encoder; > 0: fit then trains the model's encoder
            (`build_encoder`) for this many epochs with G and D frozen.
        encoder_feature_weight: κ, the weight of the feature distance in izi_f.
        encoder_learning_rate: Adam's learning rate for the encoder.
    """

    prior_scale: float = 1.0

    def init_inversion(self, steps: int, learning_rate: float, start: str, tolerance: float,
                       jit: bool, encoder_epochs: int, encoder_feature_weight: float,
                       encoder_learning_rate: float) -> None:
        """Store and check the inversion's settings and build the encoder when there is one."""
        self.inversion_jit = bool(jit)
        self._compiled_search = None  # traced on first use, when inversion_jit
        self.encoder_epochs = int(encoder_epochs)
        self.encoder_feature_weight = float(encoder_feature_weight)
        self.encoder_learning_rate = float(encoder_learning_rate)
        self.inversion_learning_rate = float(learning_rate)
        if self.encoder_epochs < 0 or not self.encoder_feature_weight >= 0:
            raise DetectorError(f"encoder_epochs and encoder_feature_weight must be >= 0, got "
                                f"{encoder_epochs} and {encoder_feature_weight}")
        self._set_search(steps, start, tolerance)
        self.encoder = None
        self.encoder_trained = None
        if self.encoder_epochs:  # without one, the model holds just what its paper's does
            self.encoder = self.build_encoder()
            # Saved with the model: scoring from E(x) needs a trained E.
            self.encoder_trained = self.add_weight(
                name="encoder_trained", shape=(), trainable=False,
                initializer=keras.initializers.Constant(0.0))

    def _set_search(self, steps: int, start: str, tolerance: float) -> None:
        if int(steps) != steps or steps < 0:
            raise DetectorError(f"inversion_steps must be an integer >= 0, got {steps!r}")
        if start not in STARTS:
            raise DetectorError(f"inversion_start must be one of {', '.join(STARTS)}, got "
                                f"{start!r}")
        if start == "encoder" and not self.encoder_epochs:
            raise DetectorError("inversion_start='encoder' needs an encoder: build the model "
                                "with encoder_epochs > 0")
        if not tolerance >= 0:
            raise DetectorError(f"inversion_tolerance must be >= 0, got {tolerance!r}")
        self.inversion_steps = int(steps)
        self.inversion_start = str(start)
        self.inversion_tolerance = float(tolerance)

    def set_scoring(self, steps: int | None = None, start: str | None = None,
                    tolerance: float | None = None, jit: bool | None = None) -> None:
        """Change how inputs are scored (what is left out stays); `score`, `calibrate` and a
        later export then use it. Recalibrate after a change of the search: the scores move."""
        self._set_search(self.inversion_steps if steps is None else steps,
                         self.inversion_start if start is None else start,
                         self.inversion_tolerance if tolerance is None else tolerance)
        if jit is not None:
            self.inversion_jit = bool(jit)
        self._score_function = None
        self._serve_function = None
        self._compiled_search = None

    def inversion_config(self) -> dict[str, Any]:
        """The inversion's constructor arguments, for `get_config`."""
        return {"inversion_steps": self.inversion_steps,
                "inversion_learning_rate": self.inversion_learning_rate,
                "inversion_start": self.inversion_start,
                "inversion_tolerance": self.inversion_tolerance,
                "inversion_jit": self.inversion_jit, "encoder_epochs": self.encoder_epochs,
                "encoder_feature_weight": self.encoder_feature_weight,
                "encoder_learning_rate": self.encoder_learning_rate}

    # ----- the encoder --------------------------------------------------------------------

    def build_inversion_encoder(self) -> None:
        """Build E, when the model has one (from `build_networks`)."""
        if self.encoder is not None:
            self.encoder.build((None, *self.example_shape))

    def encoder_losses(self, x: tf.Tensor, nets: Any = None) -> dict[str, tf.Tensor]:
        """izi_f on scaled inputs, and its residual term (this replica's shares); with `nets`
        (a member pair of a GAN ensemble), of its encoder, generator and discriminator."""
        features = (self.inversion_features if nets is None else
                    functools.partial(self.inversion_features, nets=nets))
        networks = self if nets is None else nets
        generated = networks.generator(networks.encoder(x, training=True))
        residual = global_mean(per_example_squared_error(x, generated))
        distances = [global_mean(per_example_squared_error(real, fake))
                     for real, fake in zip(features(x), features(generated))]
        return {"encoder_loss": residual + self.encoder_feature_weight * tf.add_n(distances),
                "encoder_residual": residual}

    def fit_encoder(self, x: Any, batch_size: int | None = None, epochs: int | None = None,
                    verbose: Any = "auto") -> keras.callbacks.History:
        """Train E on izi_f with G and D frozen.

        Args:
            x: raw training inputs, an array or a dataset of batches (labels are ignored).
            batch_size: for an array `x`, as in fit.
            epochs: default `encoder_epochs`.
            verbose: as in fit.

        Returns:
            the History of the stage's fit ("encoder_loss", "encoder_residual").
        """
        if self.encoder is None:
            raise DetectorError(f"{type(self).__name__} has no encoder: build it with "
                                "encoder_epochs > 0")
        history = fit_stage(self, x, variables=lambda: self.encoder.trainable_variables,
                            losses=self.encoder_losses,
                            names=("encoder_loss", "encoder_residual"), name="encoder_stage",
                            learning_rate=self.encoder_learning_rate,
                            epochs=epochs or self.encoder_epochs, batch_size=batch_size,
                            verbose=verbose)
        self.encoder_trained.assign(1.0)
        self._score_function = None
        return history

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", **kwargs):
        """keras.Model.fit of the GAN, then, for a model with an encoder, `fit_encoder` on the
        same inputs: E must follow the G it inverts."""
        history = super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                              **kwargs)
        if self.encoder is not None:
            if verbose:
                print(f"{type(self).__name__}: training the encoder (izi_f, G and D frozen) "
                      f"for {self.encoder_epochs} epochs", flush=True)
            self.fit_encoder(x, batch_size=batch_size, verbose=verbose)
        return history

    # ----- scoring ------------------------------------------------------------------------

    def prior_start(self, batch_size) -> tf.Tensor:
        """The papers' start: one latent point drawn once from the model's seed for every
        input, so that an input's score does not depend on the batch it is scored in."""
        start = self.prior_scale * tf.random.stateless_normal((1, *self.latent_shape),
                                                              seed=[self.seed, 0])
        return tf.tile(start, [batch_size] + [1] * len(self.latent_shape))

    def inversion_of(self, x: tf.Tensor, nets: Any = None) -> Inversion:
        """The search of scaled inputs as the model's settings say; with `nets` (a member pair
        of a GAN ensemble, zoo.ensemble), the search of its generator with its
        discriminator's features, uncompiled."""
        if self.inversion_start == "encoder":
            z_init = tf.cast((self if nets is None else nets).encoder(x), tf.float32)
        else:
            z_init = self.prior_start(tf.shape(x)[0])
        if nets is not None or not self.inversion_jit:
            return self.search(x, z_init, nets)
        # XLA compiles the search, its loop included, into one program (one per batch size
        # met); inside a traced or exported function it runs as a compiled cluster. The start
        # stays outside: XLA's stateless random numbers are not TensorFlow's.
        if self._compiled_search is None:
            self._compiled_search = tf.function(self.search, jit_compile=True,
                                                reduce_retracing=True)
        return self._compiled_search(x, z_init)

    def search(self, x: tf.Tensor, z_init: tf.Tensor, nets: Any = None) -> Inversion:
        """`invert` from `z_init` with the model's generator, features and settings (the
        generator and features of `nets`, when given)."""
        if nets is None:
            generator, features = self.generator, self.inversion_features
        else:
            generator = nets.generator
            features = functools.partial(self.inversion_features, nets=nets)
        return invert(x, z_init, generator, features, self.inversion_feature_weights,
                      steps=self.inversion_steps, learning_rate=self.inversion_learning_rate,
                      tolerance=self.inversion_tolerance)

    def score_of(self, x: tf.Tensor, nets: Any) -> tf.Tensor:
        """The score of scaled inputs by the generator and discriminator of `nets`: float32
        [batch]."""
        return self.inversion_of(x, nets).score

    def score_scaled(self, x: tf.Tensor) -> tf.Tensor:
        return self.inversion_of(x).score

    def check_inputs(self, x: Any) -> np.ndarray:
        """As AnomalyDetector.check_inputs; also refuses to score from an untrained encoder."""
        if self.inversion_start == "encoder" and not bool(self.encoder_trained.numpy()):
            raise DetectorError("the encoder is not trained yet: fit the model (or call "
                                "fit_encoder) before scoring from E(x)")
        return super().check_inputs(x)
