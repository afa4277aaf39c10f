"""GAN+RL: a policy-gradient generator against a WGAN-GP critic on C-LSTM features (Long & Wang).

The paper's Algorithm 1, on windows of a univariate series:

1. Pre-train a C-LSTM feature extractor (Kim & Cho's network, zoo/classifiers.py) to tell real
   windows from noise windows, then freeze it. Its LSTM's hidden states h_1:T are the features
   the critic judges.
2. Train a generator and a critic. The generator is a stochastic policy: for a noise vector z it
   gives a Normal distribution over window values, mean G(z) and a learned scale (a
   tensorflow-probability distribution). A sampled window is an action; its reward is the
   critic's value of the frozen C-LSTM's h_1:T of it (eqs. 1-3). The generator follows the
   policy gradient, REINFORCE with the batch's mean reward as baseline:

       L_G = -E[(r(x̃) - mean r) · log π(x̃ | z)],   x̃ ~ π(· | z) = Normal(G(z), σ).

   The critic minimises the Wasserstein loss with a gradient penalty (WGAN-GP, Gulrajani et
   al. 2017) on h_1:T of real and generated windows:

       L_C = E[C(h(x̃))] - E[C(h(x))] + λ · E[(‖∇_ĥ C(ĥ)‖₂ - 1)²],   λ = 10,

   ĥ drawn uniformly on the segments between real and generated h_1:T; `critic_steps` critic
   steps (n_critic) then `generator_steps` generator steps per batch.
3. Score a window (eqs. 6-8) by inverting the generator's mean with the zoo's batched latent
   inversion (zoo/inversion.py) and combining the residual with the distances in several
   intermediate critic layers f_i:

       S(x) = (1 - Σλ_i) · Σ|x - G(z)| + Σ_i λ_i · Σ|f_i(h(x)) - f_i(h(G(z)))|.

`fit` runs both stages: the first time it is called it pre-trains the extractor (stage 1, for
`pretrain_epochs` epochs on the same inputs; `pretrain` runs it alone), then trains the GAN.
The extractor belongs to no player of the GAN, so the GAN's optimizers never move it; a saved
model remembers that it was pre-trained, and fitting a reloaded one fine-tunes the GAN only.

Where the paper is silent (our choices): the generator is a dense network (z of 32 → ReLU
128 → 128 → the window, tanh, as the survey GANs' dense generator); the policy's scale is one
learned value per feature, starting at `initial_policy_scale`; the critic is Dense 128 → 64 →
1 with LeakyReLU on the flattened h_1:T, and its two hidden layers are the f_i, λ_i = 0.05 each
(Σλ = 0.1, TAnoGAN's λ); noise windows are uniform on the scaled range; Adam with β1 0.5 and
β2 0.9 (WGAN-GP's) for the GAN, learning rate 1e-3 for it and for the pre-training (WGAN-GP's
usual 1e-4 was too slow for the policy gradient: docs/MODEL_NOTES.md, GAN+RL). Windows are
scaled onto [-1, 1] by the min and max of the training data.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import keras
import tensorflow as tf
import tensorflow_probability as tfp
from keras import layers

from zoo.base import DetectorError, LatentGAN, replica_total
from zoo.blocks import check_window, conv_stack, decoder_network, dense_head, dense_stack
from zoo.inversion import LatentInversion
from zoo.losses import global_mean
from zoo.stages import fit_stage

tfd = tfp.distributions


@keras.saving.register_keras_serializable(package="zoo")
class GANRL(LatentInversion, LatentGAN):
    """Policy-gradient GAN on windows [batch, window, features], scored by latent inversion.

    Args:
        example_shape: (window, features) of one input window; the paper's is (60, 1).
        latent_dim: dimension of the generator's noise z.
        generator_hidden: widths of the generator's hidden Dense (ReLU) layers.
        initial_policy_scale: the policy's standard deviation (per feature) before training.
        conv_filters, kernel_size, lstm_units, dense_units: the C-LSTM extractor (Table I):
            Conv1D filters (kernel, stride 1, tanh, MaxPool 2 after each), the LSTM whose hidden
            states h_1:T the critic reads, and the widths of the dense head that classifies
            real against noise in pre-training.
        critic_hidden: widths of the critic's hidden Dense layers, the f_i of the score.
        feature_weights: λ_i, one per critic hidden layer.
        critic_steps: critic steps per batch (n_critic).
        generator_steps: generator steps per batch, after the critic's.
        gradient_penalty: λ of the gradient penalty.
        pretrain_epochs: epochs of stage 1 that `fit` runs before the GAN, the first time.
        pretrain_learning_rate: Adam's learning rate in stage 1.
        inversion_steps, inversion_learning_rate, inversion_start, inversion_tolerance,
            inversion_jit, encoder_epochs, encoder_feature_weight, encoder_learning_rate: the
            search for z and its fast modes, see zoo.inversion.LatentInversion; the paper's:
            50 Adam steps of 1e-2 from a fixed draw of the prior, no encoder.
        learning_rate, beta_1: Adam's for the generator and the critic (β2 is 0.9).
        scaling, seed, **kwargs: see AnomalyDetector.

    Example:
        >>> import datasets, zoo
        >>> ds = datasets.load("nab:realKnownCause/ambient_temperature_system_failure.csv")
        >>> model = zoo.get("ganrl").for_dataset(ds)
        >>> model.compile()
        >>> x, _ = ds.examples("train")
        >>> model.fit(x, batch_size=32, epochs=1)   # stage 1 (pre-training), then the GAN
        >>> scores = model.score(ds.examples("test")[0])
    """

    PLAYERS = {"generator": ("generator", "log_policy_scale"),
               "critic": ("critic_body", "critic_head")}
    KIND_ARGUMENTS = {"series": {}}
    # `python train.py --model ganrl` on the synthetic series: about a minute on 2 CPU cores.
    DEFAULT_EPOCHS = 20
    LOSSES = ("critic_loss", "wasserstein_distance", "gradient_penalty", "generator_loss",
              "reward", "policy_scale")

    def __init__(self, example_shape: Sequence[int] = (60, 1), latent_dim: int = 32,
                 generator_hidden: Sequence[int] = (128, 128),
                 initial_policy_scale: float = 0.1, conv_filters: Sequence[int] = (64, 64),
                 kernel_size: int = 5, lstm_units: int = 64, dense_units: Sequence[int] = (32,),
                 critic_hidden: Sequence[int] = (128, 64),
                 feature_weights: Sequence[float] = (0.05, 0.05), critic_steps: int = 5,
                 generator_steps: int = 1, gradient_penalty: float = 10.0,
                 pretrain_epochs: int = 1, pretrain_learning_rate: float = 1e-3,
                 inversion_steps: int = 50, inversion_learning_rate: float = 1e-2,
                 inversion_start: str = "prior", inversion_tolerance: float = 0.0,
                 inversion_jit: bool = False, encoder_epochs: int = 0, encoder_feature_weight: float = 1.0,
                 encoder_learning_rate: float = 1e-3,
                 learning_rate: float = 1e-3, beta_1: float = 0.5,
                 scaling: dict | None = None, seed: int = 0, **kwargs):
        kwargs.setdefault("name", "ganrl")
        super().__init__(example_shape=example_shape, latent_dim=latent_dim,
                         learning_rate=learning_rate, beta_1=beta_1, scaling=scaling, seed=seed,
                         **kwargs)
        if len(self.example_shape) != 2 or None in self.example_shape:
            raise DetectorError(f"GANRL takes windows [window, features]; got example shape "
                                f"{list(self.example_shape)}")
        self.window, self.n_features = self.example_shape
        self.generator_hidden = tuple(int(u) for u in generator_hidden)
        self.initial_policy_scale = float(initial_policy_scale)
        self.conv_filters = tuple(int(f) for f in conv_filters)
        self.kernel_size = int(kernel_size)
        self.lstm_units = int(lstm_units)
        self.dense_units = tuple(int(u) for u in dense_units)
        self.critic_hidden = tuple(int(u) for u in critic_hidden)
        self.feature_weights = tuple(float(w) for w in feature_weights)
        self.critic_steps = int(critic_steps)
        self.generator_steps = int(generator_steps)
        self.gradient_penalty = float(gradient_penalty)
        self.pretrain_epochs = int(pretrain_epochs)
        self.pretrain_learning_rate = float(pretrain_learning_rate)
        self._check_arguments()

        # The generator's mean G(z); the policy adds a learned scale (see `policy`).
        self.generator = keras.Sequential(
            [decoder_network((self.window * self.n_features,), self.latent_dim,
                             self.generator_hidden, name="generator_mean"),
             layers.Reshape(self.example_shape, name="generator_window")], name="generator")
        self.log_policy_scale = self.add_weight(
            name="log_policy_scale", shape=(self.n_features,),
            initializer=keras.initializers.Constant(math.log(self.initial_policy_scale)))
        # The C-LSTM up to its LSTM's hidden states, and the head that classifies them.
        self.extractor = keras.Sequential(
            [*conv_stack(self.conv_filters, self.kernel_size, pool_every=1, name="extractor"),
             layers.LSTM(self.lstm_units, return_sequences=True,
                         name=f"extractor_lstm_{self.lstm_units}")], name="extractor")
        self.extractor_head = keras.Sequential(dense_head(self.dense_units, name="extractor"),
                                               name="extractor_head")
        self.critic_body = dense_stack(self.critic_hidden, name="critic_body")
        self.critic_head = layers.Dense(1, name="critic_value")
        # Saved with the model: stage 1 is done once, a reloaded model goes on with the GAN.
        self.extractor_pretrained = self.add_weight(
            name="extractor_pretrained", shape=(), trainable=False,
            initializer=keras.initializers.Constant(0.0))
        self.init_inversion(inversion_steps, inversion_learning_rate, inversion_start,
                            inversion_tolerance, inversion_jit, encoder_epochs,
                            encoder_feature_weight, encoder_learning_rate)

    def _check_arguments(self) -> None:
        if len(self.feature_weights) != len(self.critic_hidden):
            raise DetectorError(f"feature_weights needs one λ per critic hidden layer "
                                f"({len(self.critic_hidden)}), got {list(self.feature_weights)}")
        if not 0.0 <= sum(self.feature_weights) <= 1.0:
            raise DetectorError(f"the feature weights must sum to a value in [0, 1], got "
                                f"{sum(self.feature_weights)}")
        for name in ("critic_steps", "generator_steps", "pretrain_epochs"):
            if getattr(self, name) < 1:
                raise DetectorError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.initial_policy_scale > 0:
            raise DetectorError(f"initial_policy_scale must be positive, got "
                                f"{self.initial_policy_scale}")
        check_window(self.window, len(self.conv_filters), "GANRL's extractor")

    def build_networks(self) -> None:
        self.generator.build((None, self.latent_dim))
        self.extractor.build((None, self.window, self.n_features))
        states_shape = self.extractor.compute_output_shape((None, self.window, self.n_features))
        self.extractor_head.build((None, self.lstm_units))
        self.critic_body.build((None, states_shape[1] * self.lstm_units))
        self.critic_head.build((None, self.critic_hidden[-1]))
        self.build_inversion_encoder()

    def extractor_variables(self) -> list:
        """What stage 1 trains: the C-LSTM and its classifying head."""
        return self.extractor.trainable_variables + self.extractor_head.trainable_variables

    def default_optimizer(self, player: str) -> keras.optimizers.Optimizer:
        return keras.optimizers.Adam(self.learning_rate, beta_1=self.beta_1, beta_2=0.9)

    # ----- the networks -------------------------------------------------------------------

    def policy(self, z: tf.Tensor) -> tfd.Distribution:
        """π(· | z): independent Normals over the window's values, mean G(z), learned scale;
        its log_prob is per window [batch]."""
        mean = tf.cast(self.generator(z), tf.float32)
        scale = tf.broadcast_to(tf.exp(tf.cast(self.log_policy_scale, tf.float32)),
                                tf.shape(mean))
        return tfd.Independent(tfd.Normal(mean, scale), reinterpreted_batch_ndims=2)

    def sample_from(self, policy: tfd.Independent) -> tf.Tensor:
        """A draw of `policy`: [batch, window, features].

        loc + scale · ε with ε drawn by the model's seed generator, so that training is
        reproducible from the model's seed (tfp's sample would use its own random stream).
        """
        normal = policy.distribution
        return normal.loc + normal.scale * keras.random.normal(tf.shape(normal.loc),
                                                               seed=self.seed_generator)

    def hidden_states(self, x: tf.Tensor) -> tf.Tensor:
        """The C-LSTM's LSTM hidden states h_1:T of windows: [batch, T, lstm_units]."""
        return tf.cast(self.extractor(x), tf.float32)

    def extractor_logits(self, x: tf.Tensor) -> tf.Tensor:
        """Logits of (noise, real) from the last hidden state: [batch, 2]."""
        return tf.cast(self.extractor_head(self.hidden_states(x)[:, -1]), tf.float32)

    def critic_layers(self, states: tf.Tensor) -> tuple[tf.Tensor, list[tf.Tensor]]:
        """The critic on hidden states: (value [batch], the output of each hidden layer)."""
        h = tf.reshape(states, [tf.shape(states)[0], -1])
        features = []
        for layer in self.critic_body.layers:
            h = layer(h)
            features.append(h)
        return tf.squeeze(tf.cast(self.critic_head(h), tf.float32), -1), features

    def critic_value(self, states: tf.Tensor) -> tf.Tensor:
        """C(h): float32 [batch], higher = more like the real windows."""
        return self.critic_layers(states)[0]

    # ----- stage 1: the extractor ---------------------------------------------------------

    def noise_windows(self, batch_size) -> tf.Tensor:
        """Windows of i.i.d. uniform values on the scaled range: stage 1's negatives."""
        low, high = self.FEATURE_RANGE
        return keras.random.uniform((batch_size, self.window, self.n_features), minval=low,
                                    maxval=high, seed=self.seed_generator)

    def extractor_losses(self, real: tf.Tensor) -> dict[str, tf.Tensor]:
        """Stage 1's loss on scaled real windows against as many noise windows: the
        cross-entropy of (noise, real), and the accuracy beside it (this replica's shares)."""
        batch_size = tf.shape(real)[0]
        windows = tf.concat([real, self.noise_windows(batch_size)], axis=0)
        labels = tf.concat([tf.ones([batch_size], tf.int32), tf.zeros([batch_size], tf.int32)],
                           axis=0)
        logits = self.extractor_logits(windows)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels),
                          tf.float32)
        return {"extractor_loss": global_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)),
                "extractor_accuracy": global_mean(correct)}

    def pretrain(self, x: Any, batch_size: int | None = None, epochs: int | None = None,
                 verbose: Any = "auto") -> keras.callbacks.History:
        """Stage 1 of Algorithm 1: train the C-LSTM to tell real windows from noise windows,
        on raw training windows `x` (as fit takes them; labels are ignored), for `epochs`
        (default `pretrain_epochs`); returns the stage's History ("extractor_loss",
        "extractor_accuracy")."""
        history = fit_stage(self, x, variables=self.extractor_variables,
                            losses=self.extractor_losses,
                            names=("extractor_loss", "extractor_accuracy"),
                            name="extractor_pretraining",
                            learning_rate=self.pretrain_learning_rate,
                            epochs=epochs or self.pretrain_epochs, batch_size=batch_size,
                            verbose=verbose)
        self.extractor_pretrained.assign(1.0)
        return history

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", **kwargs):
        """keras.Model.fit, after stage 1 (`pretrain`) when the extractor is not trained yet."""
        if not bool(self.extractor_pretrained.numpy()):
            if verbose:
                print("GANRL stage 1: pre-training the C-LSTM extractor (real vs noise windows)",
                      flush=True)
            self.pretrain(x, batch_size=batch_size, verbose=verbose)
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                           **kwargs)

    # ----- stage 2: the GAN ---------------------------------------------------------------

    def gradient_penalty_of(self, real_states: tf.Tensor, fake_states: tf.Tensor) -> tf.Tensor:
        """(‖∇C(ĥ)‖₂ - 1)² per example [batch], ĥ uniform between real and generated states."""
        mix = keras.random.uniform((tf.shape(real_states)[0], 1, 1), seed=self.seed_generator)
        between = mix * real_states + (1.0 - mix) * fake_states
        with tf.GradientTape() as tape:
            tape.watch(between)
            value = self.critic_value(between)
        gradient = tape.gradient(value, between)
        norm = tf.sqrt(tf.reduce_sum(tf.square(gradient), axis=[1, 2]) + 1e-12)
        return tf.square(norm - 1.0)

    def critic_step(self, real_states: tf.Tensor) -> dict[str, tf.Tensor]:
        """One WGAN-GP step of the critic: real hidden states against those of fresh policy
        draws. Returns this replica's shares of its losses."""
        batch_size = tf.shape(real_states)[0]
        fake_states = self.hidden_states(
            self.sample_from(self.policy(self.sample_prior(batch_size))))
        with tf.GradientTape() as tape:
            wasserstein = global_mean(self.critic_value(real_states)
                                      - self.critic_value(fake_states))
            penalty = global_mean(self.gradient_penalty_of(real_states, fake_states))
            critic_loss = -wasserstein + self.gradient_penalty * penalty
        self.minimize("critic", critic_loss, tape)
        return {"critic_loss": critic_loss, "wasserstein_distance": wasserstein,
                "gradient_penalty": penalty}

    def generator_step(self, batch_size) -> dict[str, tf.Tensor]:
        """One REINFORCE step of the policy: windows drawn, rewarded by the critic, the
        log-probability of each pushed up or down by its reward less the batch's mean."""
        z = self.sample_prior(batch_size)
        with tf.GradientTape() as tape:
            policy = self.policy(z)
            # The action: a constant for the gradient, which flows through log π alone.
            windows = tf.stop_gradient(self.sample_from(policy))
            reward = tf.stop_gradient(self.critic_value(self.hidden_states(windows)))
            baseline = replica_total(global_mean(reward))  # the global batch's mean
            generator_loss = -global_mean((reward - baseline) * policy.log_prob(windows))
        self.minimize("generator", generator_loss, tape)
        return {"generator_loss": generator_loss, "reward": global_mean(reward)}

    def train_step(self, data):
        real = self.scale(keras.utils.unpack_x_y_sample_weight(data)[0])
        real_states = self.hidden_states(real)  # the extractor is frozen: computed once
        for _ in range(self.critic_steps):
            critic_losses = self.critic_step(real_states)
        for _ in range(self.generator_steps):
            generator_losses = self.generator_step(tf.shape(real)[0])
        return self.log_losses(**critic_losses, **generator_losses, totals={
            "policy_scale": tf.reduce_mean(tf.exp(tf.cast(self.log_policy_scale, tf.float32)))})

    # ----- scoring ------------------------------------------------------------------------

    @property
    def latent_shape(self) -> tuple[int]:
        return (self.latent_dim,)

    @property
    def inversion_feature_weights(self) -> tuple[float, ...]:
        return self.feature_weights

    def inversion_features(self, x: tf.Tensor) -> list[tf.Tensor]:
        """The f_i: each critic hidden layer's output on the C-LSTM's hidden states."""
        return self.critic_layers(self.hidden_states(x))[1]

    def build_encoder(self) -> keras.Sequential:
        """E: windows [batch, window, features] -> z [batch, latent_dim], Dense layers of
        the generator's widths in reverse order on the flattened window."""
        return keras.Sequential(
            [layers.Flatten(name="encoder_flatten"),
             dense_stack(self.generator_hidden[::-1], name="encoder_body"),
             layers.Dense(self.latent_dim, name="encoder_output")], name="encoder")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "generator_hidden": list(self.generator_hidden),
                "initial_policy_scale": self.initial_policy_scale,
                "conv_filters": list(self.conv_filters), "kernel_size": self.kernel_size,
                "lstm_units": self.lstm_units, "dense_units": list(self.dense_units),
                "critic_hidden": list(self.critic_hidden),
                "feature_weights": list(self.feature_weights),
                "critic_steps": self.critic_steps, "generator_steps": self.generator_steps,
                "gradient_penalty": self.gradient_penalty,
                "pretrain_epochs": self.pretrain_epochs,
                "pretrain_learning_rate": self.pretrain_learning_rate,
                **self.inversion_config()}
