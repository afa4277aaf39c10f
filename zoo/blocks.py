"""Building blocks shared by the zoo's models: input scaling; recurrent, dense and strided
convolution stacks; the generators, encoders and discriminators of the image and tabular GANs
(DCGAN-style for images, dense for rows), with optional spectral normalisation; the C-LSTM's
convolution stack and dense head (the GAN+RL paper's classifiers and its feature extractor)."""

from __future__ import annotations

import math

from typing import Callable, Sequence

import keras
from keras import layers, ops

from zoo.errors import DetectorError


@keras.saving.register_keras_serializable(package="zoo")
class MinMaxScaling(layers.Layer):
    """Maps raw features into `feature_range` with per-feature min/max fitted on training data.

    It is part of every model so that a saved or served model takes the raw values a client
    has. A feature constant in the training data (max == min) is taken to span one unit, as
    scikit-learn's MinMaxScaler does: its training value maps to `low` and a value one unit
    away to `high`. (Mapping it to a constant would throw away what sets a test example apart
    there: a one-hot category never seen in training, say.)

    Args:
        data_min, data_max: per-feature statistics (one value each, last axis of the input).
        feature_range: the (low, high) interval the training data is mapped onto.
    """

    def __init__(self, data_min: Sequence[float], data_max: Sequence[float],
                 feature_range: Sequence[float] = (-1.0, 1.0), **kwargs):
        super().__init__(**kwargs)
        self.data_min = [float(v) for v in data_min]
        self.data_max = [float(v) for v in data_max]
        self.feature_range = tuple(float(v) for v in feature_range)
        low, high = self.feature_range
        span = [mx - mn if mx > mn else 1.0 for mn, mx in zip(self.data_min, self.data_max)]
        self._scale = [(high - low) / s for s in span]
        self._offset = [low - mn * sc for mn, sc in zip(self.data_min, self._scale)]

    def call(self, inputs):
        return inputs * ops.convert_to_tensor(self._scale, inputs.dtype) + ops.convert_to_tensor(
            self._offset, inputs.dtype)

    def inverse(self, scaled):
        """Back from the scaled range to raw units (for plots of generated samples)."""
        return ((scaled - ops.convert_to_tensor(self._offset, scaled.dtype))
                / ops.convert_to_tensor(self._scale, scaled.dtype))

    def get_config(self):
        return {**super().get_config(), "data_min": self.data_min, "data_max": self.data_max,
                "feature_range": list(self.feature_range)}


def lstm_stack(units: Sequence[int], name: str) -> keras.Sequential:
    """LSTM layers of the given widths, each returning its whole sequence [batch, time, units]."""
    return keras.Sequential([layers.LSTM(u, return_sequences=True, name=f"lstm_{u}_{i}")
                             for i, u in enumerate(units)], name=name)


def leaky_relu(x):
    """LeakyReLU with slope 0.2 (DCGAN's), written as max(x, 0.2·x).

    The same function as tf.nn.leaky_relu, but not its op: grappler's remapper fails to fuse
    Conv2D + LeakyRelu when one forward pass has two gradients (a GAN's discriminator on real and
    generated inputs) and logs an error each time a train step is traced.
    """
    return ops.maximum(x, 0.2 * x)


Activation = str | Callable | None


def _maybe_spectral(layer: layers.Layer, spectral_norm: bool) -> layers.Layer:
    """`layer`, wrapped in spectral normalisation (Miyato et al. 2018) when asked."""
    return layers.SpectralNormalization(layer, name=f"sn_{layer.name}") if spectral_norm else layer


def dense_stack(units: Sequence[int], name: str, activation: Activation = leaky_relu,
                spectral_norm: bool = False) -> keras.Sequential:
    """Dense layers of the given widths, each followed by `activation`: [batch, in] -> [batch,
    units[-1]]."""
    return keras.Sequential(
        [_maybe_spectral(layers.Dense(u, activation=activation, name=f"dense_{u}_{i}"),
                         spectral_norm) for i, u in enumerate(units)], name=name)


def strided_conv_stack(filters: Sequence[int], name: str, kernel_size: int = 4,
                       activation: Activation = leaky_relu,
                       spectral_norm: bool = False) -> keras.Sequential:
    """Conv2D layers of `kernel_size` and stride 2 (each halves height and width), then a flatten:
    images [batch, height, width, channels] -> features [batch, flattened]."""
    return keras.Sequential(
        [*(_maybe_spectral(layers.Conv2D(f, kernel_size, strides=2, padding="same",
                                         activation=activation, name=f"conv_{f}_{i}"),
                           spectral_norm) for i, f in enumerate(filters)),
         layers.Flatten(name="flatten")], name=name)


def check_gan_shape(example_shape: Sequence[int], hidden: Sequence[int], owner: str,
                    windows: bool = False) -> None:
    """Refuse an example shape the dense or DCGAN networks cannot take.

    Rows [features] go through dense layers, and so do windows [steps, features] for a model
    that takes them (`windows`), flattened into rows of steps·features values; images [height,
    width, channels] through len(hidden) stride-2 (de)convolutions, so height and width must
    divide by 2**len(hidden).

    Raises:
        DetectorError: naming the shape and what was expected.
    """
    if len(example_shape) == 1 or (windows and len(example_shape) == 2):
        return
    if len(example_shape) != 3:
        taken = "rows [features], windows [steps, features] or" if windows else "rows [features] or"
        raise DetectorError(f"{owner} takes {taken} images [height, width, channels]; got "
                            f"example shape {list(example_shape)}")
    factor = 2 ** len(hidden)
    if example_shape[0] % factor or example_shape[1] % factor:
        raise DetectorError(f"{owner}: images of {example_shape[0]}x{example_shape[1]} cannot "
                            f"go through {len(hidden)} stride-2 layers ({list(hidden)}): "
                            f"height and width must divide by {factor}")


def feature_stack(example_shape: Sequence[int], hidden: Sequence[int], name: str,
                  spectral_norm: bool = False) -> keras.Sequential:
    """The body of a discriminator or encoder: [batch, *example_shape] -> [batch, features].

    Rows: Dense layers of widths `hidden` (windows: flattened first); images: 4x4 stride-2
    convolutions with `hidden` filters, flattened. LeakyReLU(0.2) after each, as DCGAN's
    discriminator.
    """
    if len(example_shape) == 1:
        return dense_stack(hidden, name=name, spectral_norm=spectral_norm)
    if len(example_shape) == 2:
        return keras.Sequential([layers.Flatten(name="flatten"),
                                 *dense_stack(hidden, name=name,
                                              spectral_norm=spectral_norm).layers], name=name)
    return strided_conv_stack(hidden, name=name, spectral_norm=spectral_norm)


def encoder_network(example_shape: Sequence[int], latent_dim: int, hidden: Sequence[int],
                    name: str, output_activation: str | None = None) -> keras.Sequential:
    """x [batch, *example_shape] -> z [batch, latent_dim]: `feature_stack`, then a Dense."""
    return keras.Sequential(
        [feature_stack(example_shape, hidden, name=f"{name}_body"),
         layers.Dense(latent_dim, activation=output_activation, name=f"{name}_output")],
        name=name)


def decoder_network(example_shape: Sequence[int], latent_dim: int, hidden: Sequence[int],
                    name: str, output_activation: Activation = "tanh") -> keras.Sequential:
    """z [batch, latent_dim] -> x [batch, *example_shape]: a GAN generator, its outputs in
    [-1, 1] with the default tanh (the range the zoo scales inputs onto).

    Rows: Dense(ReLU) layers of widths `hidden`, then Dense(features); windows [steps,
    features] the same onto steps·features values, reshaped. Images, as DCGAN: a
    Dense projection to a (height, width) / 2**len(hidden) grid of hidden[0] channels, then 4x4
    stride-2 transposed convolutions with hidden[1:] filters and finally the image's channels,
    each doubling height and width; batch normalisation (synchronised across replicas, so a
    distributed step equals a single-device one) and ReLU between them.
    """
    if len(example_shape) in (1, 2):
        return keras.Sequential(
            [dense_stack(hidden, name=f"{name}_body", activation="relu"),
             layers.Dense(math.prod(example_shape), activation=output_activation,
                          name=f"{name}_output"),
             *([layers.Reshape(tuple(example_shape), name=f"{name}_window")]
               if len(example_shape) == 2 else [])],
            name=name)
    height, width, channels = example_shape
    factor = 2 ** len(hidden)
    grid = (height // factor, width // factor, hidden[0])
    stack: list[layers.Layer] = [
        layers.Dense(grid[0] * grid[1] * grid[2], name=f"{name}_projection"),
        layers.BatchNormalization(synchronized=True, name=f"{name}_projection_bn"),
        layers.ReLU(), layers.Reshape(grid)]
    for i, filters in enumerate(hidden[1:]):
        stack += [layers.Conv2DTranspose(filters, 4, strides=2, padding="same",
                                         name=f"{name}_deconv_{filters}_{i}"),
                  layers.BatchNormalization(synchronized=True, name=f"{name}_bn_{i}"),
                  layers.ReLU()]
    stack.append(layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                                        activation=output_activation, name=f"{name}_output"))
    return keras.Sequential(stack, name=name)


class Discriminator(layers.Layer):
    """A GAN discriminator that also shows its last hidden layer: x -> (logit [batch],
    features).

    The features serve the feature-matching losses and scores (AnoGAN, GANomaly); OCGAN's
    classifier has the same form.
    """

    def __init__(self, example_shape: Sequence[int], hidden: Sequence[int],
                 spectral_norm: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.body = feature_stack(example_shape, hidden, name=f"{self.name}_body",
                                  spectral_norm=spectral_norm)
        self.head = _maybe_spectral(layers.Dense(1, name=f"{self.name}_logit"), spectral_norm)

    def call(self, x, training=None):
        features = self.body(x, training=training)
        return ops.squeeze(self.head(features, training=training), -1), features


class PairDiscriminator(layers.Layer):
    """The discriminator of a BiGAN on pairs: D(a, b) -> (logit [batch], features).

    Each input goes through its own branch (None: as it is), the two are concatenated on the
    last axis (features, or channels for two images), and joint layers give the features and
    the logit. EGBAD's D(x, z) and ALAD's D_xz, D_xx and D_zz are all of this form.

    Args:
        first, second: the branches of a and b, or None.
        joint: the layers after the concatenation.
        spectral_norm: wrap the logit layer too (the branches bring their own).
    """

    def __init__(self, first: layers.Layer | None, second: layers.Layer | None,
                 joint: layers.Layer, spectral_norm: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.first = first
        self.second = second
        self.joint = joint
        self.head = _maybe_spectral(layers.Dense(1, name=f"{self.name}_logit"), spectral_norm)

    def call(self, a, b, training=None):
        if self.first is not None:
            a = self.first(a, training=training)
        if self.second is not None:
            b = self.second(b, training=training)
        features = self.joint(ops.concatenate([a, b], axis=-1), training=training)
        return ops.squeeze(self.head(features, training=training), -1), features


# ----- the C-LSTM's blocks (zoo/classifiers.py, and GAN+RL's extractor) ----------------


def conv_stack(filters: Sequence[int], kernel_size: int, pool_every: int,
               name: str) -> list[layers.Layer]:
    """Conv1D layers (stride 1, "same", tanh) with a MaxPool 2 after every `pool_every` of
    them: [batch, steps, features] -> [batch, steps / 2**pools, filters[-1]]."""
    stack: list[layers.Layer] = []
    for i, f in enumerate(filters):
        stack.append(layers.Conv1D(f, kernel_size, strides=1, padding="same",
                                   activation="tanh", name=f"{name}_conv_{f}_{i}"))
        if (i + 1) % pool_every == 0:
            stack.append(layers.MaxPooling1D(2, name=f"{name}_pool_{i}"))
    return stack


def check_window(window: int, pools: int, owner: str) -> None:
    """Refuse a window too short for `pools` MaxPool 2 layers.

    Raises:
        DetectorError: naming `owner`, the window and the shortest it takes.
    """
    if window < 2 ** pools:
        raise DetectorError(f"{owner} halves the window {pools} times: it needs windows of at "
                            f"least {2 ** pools} steps, got {window}")


def dense_head(units: Sequence[int], name: str) -> list[layers.Layer]:
    """Dense(tanh) layers of widths `units`, then Dense 2, the logits of (normal, anomalous)."""
    return [*(layers.Dense(u, activation="tanh", name=f"{name}_dense_{u}_{i}")
              for i, u in enumerate(units)),
            layers.Dense(2, name=f"{name}_logits")]
