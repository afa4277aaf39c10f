"""EGBAD on KDD99, epoch by epoch: which validation criterion sees its generator collapse?

    python -m benchmarks.egbad_kdd_trace [--seed 0] [--epochs 16] [--learning-rate 1e-5]
        [--raw-features] [--linear-generator]

A diagnostic, not a method: EGBAD (the zoo's dense KDD99 variant, batch 50) trains on the ALAD
protocol's training records (see benchmarks/survey_kdd.py) for a fixed number of epochs, and
after each one the script records
- the validation reconstruction survey_kdd stops on: mean |x - G(E(x))| over the normal val
  records;
- the same over the *distinct* normal val records, each counted once (57% of the records are
  one smurf connection, so the plain mean rewards a generator that makes only that record);
- the L1 distance of G(E(x)) to that most common record, averaged over the distinct val
  records (≈ 0: collapsed onto it);
- the test F1 (top 20%) and AUROC, to see what each criterion would have picked. They are
  printed for the diagnosis only; no model is chosen by them.

With --raw-features the model gets no min-max scaling (`scaling=None`): the features as the
file has them, as the reference code ends up training (its scaler's output is discarded). With
--linear-generator G ends in a linear layer, as the reference's does; both together are the
reference code's setting.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

import datasets
import zoo
from benchmarks import common
from zoo import metrics
from zoo.losses import per_example_absolute_error


def trace(seed: int, epochs: int, learning_rate: float, data_dir: str | None,
          raw_features: bool = False,
          linear_generator: bool = False) -> tuple[list[dict], int, int]:
    """The per-epoch records, the number of val records and of distinct ones."""
    ds = datasets.load("kdd99", data_dir=data_dir, seed=seed)
    val = ds.val.x
    distinct = np.unique(val, axis=0)
    rows, counts = np.unique(ds.train.x, axis=0, return_counts=True)
    most_common = rows[counts.argmax()][None]
    keras.utils.set_random_seed(seed)
    unscaled = {"scaling": None} if raw_features else {}
    model = zoo.get("egbad").for_dataset(
        ds, seed=seed, learning_rate=learning_rate,
        generator_activation="linear" if linear_generator else "tanh", **unscaled)
    model.compile()
    records: list[dict] = []

    def reconstruction(x: np.ndarray) -> np.ndarray:
        scaled = model.scale(x)
        return model.generator(model.encoder(scaled)), scaled

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            every, scaled_every = reconstruction(val)
            unique, scaled_unique = reconstruction(distinct)
            common_record = model.scale(most_common)
            scores = model.score(ds.test.x, batch_size=8192)
            flagged = metrics.top_percent_predictions(scores, 20.0)
            records.append({
                "epoch": epoch + 1,
                "val_reconstruction": float(np.mean(
                    per_example_absolute_error(scaled_every, every))),
                "distinct_val_reconstruction": float(np.mean(
                    per_example_absolute_error(scaled_unique, unique))),
                "distance_to_most_common": float(np.mean(
                    per_example_absolute_error(unique, tf.broadcast_to(common_record,
                                                                       tf.shape(unique))))),
                "test_f1": metrics.precision_recall_f1(ds.test.y, flagged)[2],
                "test_auroc": metrics.auroc(ds.test.y, scores)})
            print(records[-1], flush=True)

    model.fit(model.training_data(ds, 50, seed=seed), epochs=epochs, callbacks=[Record()],
              verbose=0)
    return records, len(val), len(distinct)


def main() -> None:
    parser = common.argument_parser(__doc__)
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument("--epochs", type=int, default=16, help="epochs, all run")
    parser.add_argument("--learning-rate", type=float, default=1e-5,
                        help="Adam's learning rate (the reference code's 1e-5)")
    parser.add_argument("--raw-features", action="store_true",
                        help="no min-max scaling: the features as the file has them")
    parser.add_argument("--linear-generator", action="store_true",
                        help="G ends in a linear layer (the reference code's) instead of tanh")
    args = parser.parse_args()
    started = time.time()
    records, n_val, n_distinct = trace(args.seed, args.epochs, args.learning_rate, args.data_dir,
                                       args.raw_features, args.linear_generator)
    features = "unscaled features" if args.raw_features else "features min-max scaled"
    if args.linear_generator:
        features += ", linear generator output"
    minutes = (time.time() - started) / 60
    lines = [f"## EGBAD on KDD99, epoch by epoch, {features} (a diagnostic of its collapse)", "",
             f"Command: `{common.command()}`; seed {args.seed}; machine: {common.machine()}; "
             f"{minutes:.0f} min.", "",
             f"EGBAD's dense KDD99 variant ({'linear' if args.linear_generator else 'tanh'} "
             f"generator output), learning rate {args.learning_rate:g}, batch 50, "
             f"every epoch run. Validation: the {n_val} normal val records, of which "
             f"{n_distinct} distinct. 'distance to the most common record': mean |G(E(x)) - "
             "smurf record| per feature over the distinct val records (0 = every "
             "reconstruction is that record). Test F1 (top 20%) and AUROC are shown to see what "
             "each criterion would pick; nothing is selected by them.", "",
             "| epoch | val reconstruction | distinct val reconstruction | distance to the most "
             "common record | test F1 | test AUROC |", "|---|---|---|---|---|---|"]
    for r in records:
        lines.append(f"| {r['epoch']} | {r['val_reconstruction']:.4f} | "
                     f"{r['distinct_val_reconstruction']:.4f} | "
                     f"{r['distance_to_most_common']:.4f} | {r['test_f1']:.3f} | "
                     f"{r['test_auroc']:.3f} |")
    best = {key: min(records, key=lambda r: r[key])["epoch"]
            for key in ("val_reconstruction", "distinct_val_reconstruction")}
    lines += ["", f"Lowest val reconstruction: epoch {best['val_reconstruction']}; lowest "
              f"distinct val reconstruction: epoch {best['distinct_val_reconstruction']}."]
    name = ("egbad_kdd_trace" + ("_raw" if args.raw_features else "")
            + ("_linear" if args.linear_generator else ""))
    common.publish(name, lines, args=vars(args), records=records)


if __name__ == "__main__":
    main()
