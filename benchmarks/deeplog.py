"""A DeepLog-style next-log-key LSTM (Du et al., CCS 2017): the HDFS benchmark's comparison model.

DeepLog learns from normal sessions which log key comes next after the keys before it, and
flags a session when one of its keys is not among the g most likely next keys. As in DeepLog's
HDFS experiment: two LSTM layers of 64 units, g = 9, Adam. Two differences, both to fit padded
sessions: the LSTM reads a session's whole prefix (DeepLog reads a sliding window of h = 10
keys), and it also predicts the first key, after a start token.

A comparison model for benchmarks/protocols/hdfs.py, not a zoo detector and not one of the
plain baselines (zoo/baselines.py): it is neither saved nor served.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers


def shifted_inputs(keys: np.ndarray, vocab_size: int) -> np.ndarray:
    """What the LSTM reads to predict each key: int32 [n, T], the start token (vocab_size + 1)
    then the keys shifted one step right."""
    start = np.full((len(keys), 1), vocab_size + 1, np.int32)
    return np.concatenate([start, keys[:, :-1]], axis=1)


def build(vocab_size: int, units: int = 64, embedding_dim: int = 16) -> keras.Model:
    """Keys int32 [batch, T] (0 pads) -> logits of the next key float32 [batch, T, vocab_size]."""
    inputs = keras.Input((None,), dtype="int32", name="previous_keys")
    # 0 pads (masked), 1..vocab_size are keys, vocab_size + 1 starts a session.
    hidden = layers.Embedding(vocab_size + 2, embedding_dim, mask_zero=True)(inputs)
    hidden = layers.LSTM(units, return_sequences=True)(hidden)
    hidden = layers.LSTM(units, return_sequences=True)(hidden)
    return keras.Model(inputs, layers.Dense(vocab_size, name="next_key_logits")(hidden),
                       name="deeplog_lstm")


def train(x_train: np.ndarray, vocab_size: int, epochs: int, batch_size: int = 64,
          verbose: int = 2) -> keras.Model:
    """The LSTM fitted on normal sessions int32 [n, T] (0 pads) to predict every key.

    Seed it with keras.utils.set_random_seed before calling.
    """
    model = build(vocab_size)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    # Key k is class k - 1; padded targets get class 0 with weight 0.
    targets = np.maximum(x_train - 1, 0)
    model.fit(shifted_inputs(x_train, vocab_size), targets,
              sample_weight=(x_train > 0).astype(np.float32), batch_size=batch_size,
              epochs=epochs, shuffle=True, verbose=verbose)
    return model


def next_key_logits(model: keras.Model, x: np.ndarray, vocab_size: int,
                    batch_size: int = 256) -> np.ndarray:
    """float32 [n, T, vocab_size]: the LSTM's logits for each key of sessions int32 [n, T]."""
    return model.predict(shifted_inputs(x, vocab_size), batch_size=batch_size, verbose=0)


def top_g_scores(logits: np.ndarray, x: np.ndarray, vocab_size: int,
                 top_g: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """DeepLog's judgement of sessions int32 [n, T] (0 pads), from `next_key_logits`.

    Returns:
        score: float32 [n], the number of keys outside the top g predictions, plus the worst
            rank among the session's keys divided by vocab_size (< 1), so that sessions with the
            same count are ordered by how surprising their worst key was.
        flagged: bool [n], DeepLog's own rule: at least one key outside the top g.
    """
    actual = np.take_along_axis(logits, np.maximum(x - 1, 0)[..., None], axis=-1)
    # Rank 0 = the most likely key; ties count in the key's favour.
    ranks = np.where(x > 0, (logits > actual).sum(axis=-1), 0)
    outside = ((ranks >= top_g) & (x > 0)).sum(axis=1)
    score = outside + ranks.max(axis=1) / vocab_size
    return score.astype(np.float32), outside > 0


def worst_key_nll(logits: np.ndarray, x: np.ndarray) -> np.ndarray:
    """float32 [n]: the largest -log p(key | keys before) over each session's keys."""
    log_softmax = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    nll = -np.take_along_axis(log_softmax, np.maximum(x - 1, 0)[..., None], axis=-1)[..., 0]
    return np.where(x > 0, nll, -np.inf).max(axis=1).astype(np.float32)
