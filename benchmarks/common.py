"""What the benchmark protocols share beyond the harness: training a zoo model as train.py does.
The plain baselines live in zoo/baselines.py."""

from __future__ import annotations

from typing import Any


def train_detector(name: str, ds, seed: int, epochs: int, batch_size: int,
                   patience: int | None = None, **overrides: Any):
    """Zoo model `name` for dataset `ds`, trained on its training split; returns (model,
    seconds spent training, epochs run). Prints one line per epoch.

    With `patience`, a model that names a VALIDATION_LOSS stops early on it, computed on the
    normal val examples, and keeps its best epoch's weights; the others run every epoch.
    """
    import time  # noqa: PLC0415

    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    import zoo  # noqa: PLC0415
    from zoo import evaluation  # noqa: PLC0415

    keras.utils.set_random_seed(seed)
    model = zoo.get(name).for_dataset(ds, seed=seed, **overrides)
    model.compile()
    batches = model.training_data(ds, batch_size, seed=seed)
    validation, callbacks = None, []
    if patience and model.VALIDATION_LOSS:
        validation = tf.data.Dataset.from_tensor_slices(
            evaluation.calibration_inputs(ds)).batch(1024)
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=f"val_{model.VALIDATION_LOSS}", mode="min", patience=patience,
            restore_best_weights=True))
    started = time.time()
    history = model.fit(batches, epochs=epochs, validation_data=validation,
                        callbacks=callbacks, verbose=2)
    return model, time.time() - started, len(next(iter(history.history.values())))
