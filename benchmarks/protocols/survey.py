"""The survey's GANs (AnoGAN, EGBAD, ALAD, GANomaly, Fence GAN, OCGAN): KDD99 under the ALAD
protocol, EGBAD's collapse on it epoch by epoch, and MNIST one-class.

KDD99, ALAD protocol (the `kdd99` loader's default): 121 one-hot features; `normal.` is the
anomaly class; the 10% file halved with pandas sample(frac=0.5, random_state=42); train = the
attack records of the first half less a seeded 10% val hold-out; test = the second half. Flag the
top 20% of test scores (ALAD's percentile criterion, `>=` as its code; the 20% is the test anomaly
rate, one fact borrowed from the test set, as the papers do), then precision, recall, F1; AUROC
and AUPRC too. No model selection on test labels: a model with a validation loss (EGBAD, ALAD:
mean |x - G(E(x))|; GANomaly: its contextual loss) stops early on it, computed on the normal
(here: attack) val records, and keeps its best epoch; AnoGAN and Fence GAN run the whole budget.
Each seed re-draws the val hold-out and the initial weights; the test half is the same.

EGBAD on KDD99, epoch by epoch (a diagnostic, not a method): EGBAD trains on the same training
records for a fixed number of epochs, every one run, and after each the run records the
validation reconstruction kdd99-alad stops on (mean |x - G(E(x))| over the normal val records),
the same over the distinct val records each counted once (most are one smurf connection, so the
plain mean rewards a generator that makes only that record), the mean L1 distance of G(E(x)) to
that most common record over the distinct val records (about 0: collapsed onto it), and the test
F1 (top 20%) and AUROC, shown to see what each criterion would pick; nothing is chosen by them.
Variants: unscaled features (`raw_features`: no min-max scaling, as the reference code ends up
training, its scaler's output being discarded) and a linear generator output (the reference's).

MNIST one-class, one experiment (unit) per digit: "one-anomaly" (one reading of the survey's
Table 2, GANomaly's setting) makes the digit the anomaly and the other nine normal; "one-normal"
(OCGAN's paper's setting) makes it normal and the other nine anomalies. Only the 10k t10k images
are in the shared data folder, so the `mnist` loader cuts every split from them: of the normal
digits' images a seeded 20% go to test, 10% to val and 70% to train; every image of the anomaly
digits goes to test. Test AUROC; a fixed epoch budget, no model selection on test labels. KDE:
scikit-learn's Gaussian KernelDensity on min-max scaled pixels, bandwidth by the likelihood of
the normal val images. The first experiment (first digit, first seed) of each model saves a PNG
grid of its generated samples to docs/samples/<protocol>/ (an experiment's: beside its cache).
"""

from __future__ import annotations

import inspect
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np

import datasets
from benchmarks import common, harness
from benchmarks.harness import Entry, Protocol, Results, Trial, mean_std
from zoo import baselines, metrics, recipes
from zoo.ensemble import GANEnsemble

GROUP = "The survey's GANs (AnoGAN, EGBAD, ALAD, GANomaly, Fence GAN, OCGAN)"

MODELS = ("anogan", "egbad", "alad", "ganomaly", "fencegan")
FOREST = "IsolationForest"
COLLAPSE = "most common record (L1)"
PAPER = {"alad": 0.950, "egbad": 0.937}
PAPER_TEXT = ("ALAD paper, KDD99: ALAD F1 0.950 (precision 0.943, recall 0.958); EGBAD paper: F1 "
              "0.937 (cross-entropy score).")
#: The score each model is judged by on the leaderboard (EGBAD: its paper's KDD99 score).
HEADLINE_ROW = {"egbad": "egbad (cross-entropy)"}
#: The ensembles' members on each side: the zoo's default I = J (the ensemble paper's 3),
#: which the MNIST runs train and the equal-updates run names.
MEMBERS = inspect.signature(GANEnsemble.__init__).parameters["n_generators"].default
#: Ensembles trained for MEMBERS times the protocol's epochs and patience: each member plays
#: one step in MEMBERS (zoo.ensemble), so it then gets as many updates as the single model.
EQUAL_METHOD = "egbad_ensemble_equal_updates"
EQUAL_UPDATES = {EQUAL_METHOD: "egbad_ensemble"}
ENSEMBLES_KDD99_TITLE = "EGBAD and its GAN ensemble on KDD99 (ALAD protocol)"


def judged(y: np.ndarray, scores: np.ndarray, percent: float) -> dict[str, float]:
    """Precision, recall, F1 of the top `percent`% of scores, then AUROC and AUPRC."""
    precision, recall, f1 = metrics.precision_recall_f1(
        y, metrics.top_percent_predictions(scores, percent))
    return {"precision": precision, "recall": recall, "f1": f1,
            "auroc": metrics.auroc(y, scores), "auprc": metrics.auprc(y, scores)}


def egbad_variants(model, x: np.ndarray, batch_size: int = 4096) -> dict[str, np.ndarray]:
    """EGBAD's two scores of raw rows: {"cross-entropy": [...], "feature-matching": [...]}."""
    parts: dict[str, list[np.ndarray]] = {}
    for start in range(0, len(x), batch_size):
        scaled = model.scale(x[start:start + batch_size])
        for method, scores in model.anomaly_scores(scaled).items():
            parts.setdefault(method, []).append(scores.numpy())
    return {method: np.concatenate(chunks) for method, chunks in parts.items()}


def distance_to_most_common_record(x_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """L1 distance of each min-max scaled test row to the most frequent training row: what a
    reconstruction score becomes when the generator has collapsed onto that one record (a
    diagnostic row, not a method)."""
    from sklearn.preprocessing import MinMaxScaler  # noqa: PLC0415

    scaler = MinMaxScaler().fit(x_train)
    rows, counts = np.unique(scaler.transform(x_train), axis=0, return_counts=True)
    return np.abs(scaler.transform(x_test) - rows[counts.argmax()]).sum(axis=1)


def alad_training(method: str, settings: Mapping[str, Any]) -> tuple[str, int, int, dict]:
    """The zoo model a method of the ALAD protocol trains, its epochs, patience and arguments."""
    if method in EQUAL_UPDATES:
        return (EQUAL_UPDATES[method], settings["epochs"] * MEMBERS,
                settings["patience"] * MEMBERS,
                {"n_generators": MEMBERS, "n_discriminators": MEMBERS})
    return method, settings["epochs"], settings["patience"], {}


def run_alad_protocol(trial: Trial) -> dict[str, Any]:
    """One method, one seed: its rows of precision, recall, F1, AUROC, AUPRC."""
    s = trial.settings
    ds = datasets.load("kdd99", data_dir=trial.data_dir, seed=trial.seed)
    y = ds.test.y
    if trial.method == FOREST:
        scored = {FOREST: baselines.isolation_forest_scores(ds.train.x, ds.test.x, trial.seed)}
        trained: dict[str, float] = {}
    elif trial.method == COLLAPSE:
        scored = {COLLAPSE: distance_to_most_common_record(ds.train.x, ds.test.x)}
        trained = {}
    else:
        name, epochs, patience, arguments = alad_training(trial.method, s)
        model, seconds, epochs = common.train_detector(name, ds, trial.seed, epochs,
                                                       s["batch_size"], patience, **arguments)
        started = time.time()
        scored = ({f"egbad ({score})": values
                   for score, values in egbad_variants(model, ds.test.x).items()}
                  if trial.method == "egbad" else
                  {trial.method: model.score(ds.test.x, batch_size=4096)})
        trained = {"train_s": seconds, "epochs": epochs, "score_s": time.time() - started}
    rows = {}
    for row, scores in scored.items():
        if not np.all(np.isfinite(scores)):
            raise SystemExit(f"{row}, seed {trial.seed}: non-finite scores (training diverged)")
        rows[row] = {**judged(y, scores, s["percent"]), **trained}
    return {"rows": rows, "notes": ds.meta["notes"]}


def alad_protocol_section(results: Results) -> list[str]:
    s = results.settings
    notes = next(record["notes"] for *_, record in results.trials())
    lines = [notes, "",
             f"Every model: the zoo's dense variant with its reference code's KDD99 settings "
             f"(`for_dataset` defaults), batch {s['batch_size']}, at most {s['epochs']} epochs; "
             f"EGBAD, ALAD and GANomaly stop early on their reconstruction of the normal val "
             f"records (patience {s['patience']}, best epoch kept), AnoGAN and Fence GAN run "
             f"every epoch; no selection on test labels. Precision, recall and F1 flag the top "
             f"{s['percent']:g}% of test scores. Mean ± std over seeds.", "",
             f"Papers' numbers, on their runs: {PAPER_TEXT}", "",
             "The row 'most common record (L1)' is a diagnostic, not a method: the L1 distance "
             "of each test record to the most frequent training record (a smurf connection), "
             "which is what a reconstruction score becomes when the generator collapses onto "
             "that record.", "", *alad_protocol_table(results)]
    return lines


def alad_protocol_table(results: Results) -> list[str]:
    """Every method's rows: precision, recall, F1, AUROC, AUPRC, epochs run, training s."""
    lines = ["| method | precision | recall | F1 | AUROC | AUPRC | epochs run | training s |",
             "|---|---|---|---|---|---|---|---|"]
    for method in results.methods():
        for row in results.rows(method, results.seeds(method)[0]):
            cells = [mean_std(results.values(method, row, k))
                     for k in ("precision", "recall", "f1", "auroc", "auprc")]
            trained = [f"{np.mean(results.values(method, row, k)):.1f}"
                       if results.values(method, row, k) else "—" for k in ("epochs", "train_s")]
            lines.append(f"| {row} | " + " | ".join(cells + trained) + " |")
    return lines


def ensemble_leaderboard(results: Results) -> list[Entry]:
    single = results.values("egbad", "egbad (feature-matching)", "f1")
    equal = results.values(EQUAL_METHOD, EQUAL_METHOD, "f1")
    return [Entry(model="egbad_ensemble", task="KDD99, ALAD protocol", metric="F1",
                  ours=results.values("egbad_ensemble", "egbad_ensemble", "f1"),
                  baseline_name=FOREST, baseline=results.values(FOREST, FOREST, "f1"),
                  paper_note="the ensemble paper's KDD99 figure is not quoted here",
                  why=f"EGBAD alone, same runs and score: F1 {np.mean(single):.3f} (its "
                      "collapse onto the majority record)."
                      + (f" With {MEMBERS}× the epochs (as many updates per member as EGBAD's): "
                         f"F1 {np.mean(equal):.3f}." if equal else ""),
                  command="python train.py --model egbad_ensemble --dataset kdd99")]


def ensemble_section(results: Results) -> list[str]:
    s = results.settings
    pairs = [("egbad_ensemble", "egbad"), (EQUAL_METHOD, "egbad"),
             (EQUAL_METHOD, "egbad_ensemble")]
    claims = [harness.ensemble_claims(results, ensemble, single, "f1", "F1",
                                      rows={"egbad": "egbad (feature-matching)"})
              for ensemble, single in pairs
              if {ensemble, single} <= set(results.methods())]
    return [f"The ALAD protocol of the table above: batch {s['batch_size']}, at most "
            f"{s['epochs']} epochs, early stopping on the reconstruction of the normal val "
            f"records (patience {s['patience']}, best epoch kept), the top {s['percent']:g}% of "
            f"test scores flagged. egbad_ensemble: {MEMBERS} generators (G with its encoder E) "
            f"against {MEMBERS} discriminators, one drawn pair trained per step, scored by the "
            f"mean over the {MEMBERS * MEMBERS} pairs of EGBAD's default (feature-matching) "
            "score: compare it with the row 'egbad (feature-matching)'. Each member plays one "
            f"step in {MEMBERS}, so at equal epochs it gets 1/{MEMBERS} of EGBAD's updates; "
            f"{EQUAL_METHOD} is the same ensemble given {MEMBERS}× the epochs and the patience "
            f"(at most {s['epochs'] * MEMBERS} epochs, patience {s['patience'] * MEMBERS}): as "
            "many updates per member as EGBAD's. Mean ± std over seeds.", "",
            *alad_protocol_table(results), "", *(f"- {claim}" for claim in claims)]


def alad_protocol_leaderboard(results: Results) -> list[Entry]:
    forest = results.values(FOREST, FOREST, "f1")
    entries = []
    for method in (m for m in MODELS if m in results.methods()):
        row = HEADLINE_ROW.get(method, method)
        why = ("Its generator collapses onto the majority record: see 'EGBAD on KDD99, epoch by "
               "epoch'." if method == "egbad" else "")
        entries.append(Entry(
            model=method, task="KDD99, ALAD protocol", metric="F1",
            ours=results.values(method, row, "f1"), baseline_name=FOREST, baseline=forest,
            paper=PAPER.get(method), why=why,
            paper_note="" if method in PAPER else "no KDD99 figure in its paper",
            command=f"python train.py --model {method} --dataset kdd99"))
    return entries


# --- EGBAD on KDD99, epoch by epoch ---------------------------------------------------------

#: The per-epoch metrics of a trace, in table order, with their table headings and formats.
TRACE_COLUMNS = {"val_reconstruction": ("val reconstruction", ".4f"),
                 "distinct_val_reconstruction": ("distinct val reconstruction", ".4f"),
                 "distance_to_most_common": ("distance to the most common record", ".4f"),
                 "test_f1": ("test F1", ".3f"), "test_auroc": ("test AUROC", ".3f")}


def run_egbad_trace(trial: Trial) -> dict[str, Any]:
    """EGBAD trained for every epoch of the budget; one row per epoch ("1", "2", ...)."""
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    import zoo  # noqa: PLC0415
    from zoo.losses import per_example_absolute_error  # noqa: PLC0415

    s = trial.settings
    ds = datasets.load("kdd99", data_dir=trial.data_dir, seed=trial.seed)
    val = ds.val.x
    distinct = np.unique(val, axis=0)
    records, counts = np.unique(ds.train.x, axis=0, return_counts=True)
    most_common = records[counts.argmax()][None]
    keras.utils.set_random_seed(trial.seed)
    unscaled = {"scaling": None} if s["raw_features"] else {}
    model = zoo.get("egbad").for_dataset(
        ds, seed=trial.seed, learning_rate=s["learning_rate"],
        generator_activation="linear" if s["linear_generator"] else "tanh", **unscaled)
    model.compile()
    rows: dict[str, dict[str, float]] = {}

    def reconstruction(x: np.ndarray):
        scaled = model.scale(x)
        return model.generator(model.encoder(scaled)), scaled

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            every, scaled_every = reconstruction(val)
            unique, scaled_unique = reconstruction(distinct)
            common_record = model.scale(most_common)
            scores = model.score(ds.test.x, batch_size=8192)
            flagged = metrics.top_percent_predictions(scores, s["percent"])
            rows[str(epoch + 1)] = {
                "val_reconstruction": float(np.mean(
                    per_example_absolute_error(scaled_every, every))),
                "distinct_val_reconstruction": float(np.mean(
                    per_example_absolute_error(scaled_unique, unique))),
                "distance_to_most_common": float(np.mean(
                    per_example_absolute_error(unique, tf.broadcast_to(common_record,
                                                                       tf.shape(unique))))),
                "test_f1": metrics.precision_recall_f1(ds.test.y, flagged)[2],
                "test_auroc": metrics.auroc(ds.test.y, scores)}
            print(f"epoch {epoch + 1}: {rows[str(epoch + 1)]}", flush=True)

    model.fit(model.training_data(ds, s["batch_size"], seed=trial.seed), epochs=s["epochs"],
              callbacks=[Record()], verbose=0)
    return {"rows": rows, "val_records": len(val), "distinct_val_records": len(distinct)}


def egbad_trace_section(results: Results) -> list[str]:
    s = results.settings
    generator = "linear" if s["linear_generator"] else "tanh"
    lines = [f"EGBAD's dense KDD99 variant ({generator} generator output, "
             f"{'unscaled features' if s['raw_features'] else 'features min-max scaled'}), "
             f"learning rate {s['learning_rate']:g}, batch {s['batch_size']}, every epoch run, on "
             "the training records of the ALAD protocol (section 'The survey's GANs on KDD99'). "
             "'distance to the most common record': mean |G(E(x)) - smurf record| per feature "
             "over the distinct val records (0 = every reconstruction is that record). Test F1 "
             f"(top {s['percent']:g}%) and AUROC are shown to see what each criterion would pick; "
             "nothing is selected by them."]
    for method in results.methods():
        for seed in results.seeds(method):
            record, rows = results.record(method, seed), results.rows(method, seed)
            lines += ["", f"Seed {seed}: validation on the {record['val_records']} normal val "
                          f"records, of which {record['distinct_val_records']} distinct.", "",
                      "| epoch | " + " | ".join(h for h, _ in TRACE_COLUMNS.values()) + " |",
                      "|---|" + "---|" * len(TRACE_COLUMNS)]
            for epoch, row in rows.items():
                lines.append(f"| {epoch} | " + " | ".join(
                    f"{row[key]:{form}}" for key, (_, form) in TRACE_COLUMNS.items()) + " |")
            best = {key: min(rows, key=lambda epoch: rows[epoch][key])
                    for key in ("val_reconstruction", "distinct_val_reconstruction")}
            lines += ["", f"Lowest val reconstruction: epoch {best['val_reconstruction']} (test "
                          f"F1 {rows[best['val_reconstruction']]['test_f1']:.3f}); lowest distinct "
                          f"val reconstruction: epoch {best['distinct_val_reconstruction']} (test "
                          f"F1 {rows[best['distinct_val_reconstruction']]['test_f1']:.3f})."]
    return lines


def egbad_trace(name: str, title: str, **settings: Any) -> Protocol:
    """A trace protocol: seed 0, EGBAD alone, the reference code's learning rate and batch."""
    return Protocol(
        name=name, title=f"EGBAD on KDD99, epoch by epoch, {title} (a diagnostic of its collapse)",
        group=GROUP, methods=("egbad",), run=run_egbad_trace, section=egbad_trace_section,
        seeds=(0,), settings={"epochs": 16, "learning_rate": 1e-05, "batch_size": 50,
                              "percent": 20.0, "raw_features": False, "linear_generator": False,
                              **settings})


# --- MNIST one-class ------------------------------------------------------------------------

MNIST_MODELS = ("anogan", "egbad", "alad", "ganomaly", "fencegan", "ocgan")
#: f-AnoGAN: AnoGAN with its encoder (zoo.inversion), trained after the GAN for as many epochs,
#: each input scored from E(x) with no search; a method of these protocols, not a zoo name.
F_ANOGAN = {"inversion_start": "encoder", "inversion_steps": 0}
#: Methods that are a zoo model with other arguments: {method: (zoo model, arguments)}.
VARIANTS = {"f-anogan": ("anogan", F_ANOGAN), "f-anogan_ensemble": ("anogan_ensemble", F_ANOGAN)}
#: The GAN ensembles judged with one digit normal, and the single base model of each. AnoGAN's
#: is judged as f-AnoGAN's: its search of z costs nine searches per image in the ensemble.
ENSEMBLE_BASES = {"f-anogan_ensemble": "f-anogan", "egbad_ensemble": "egbad",
                  "ganomaly_ensemble": "ganomaly"}
KDE = "KDE"
#: The survey's Table 2 (its runs, full MNIST), AUROC.
MNIST_PAPER = {"KDE": 0.835, "alad": 0.491, "anogan": 0.909, "fencegan": 0.747,
               "ganomaly": 0.816, "ocgan": 0.981}
ROLES = {"one-anomaly": "One digit is the anomaly, the other nine normal",
         "one-normal": "One digit is normal, the other nine anomalies"}
TASKS = {"one-anomaly": "MNIST one-class, one digit anomalous (10k test images)",
         "one-normal": "MNIST one-class, one digit normal (10k test images)"}
WHY = {"one-anomaly": "The survey's KDE figure matches our KDE with one digit normal "
                      "(mnist-one-normal), not in this setting: its Table 2 most likely holds "
                      "one digit normal.",
       "one-normal": "Trained on the normal digit's share of the 10k test images (about 700), "
                     "where the papers had about 6000 per digit."}
#: Where each split came from: the 10k t10k images alone, or MNIST's training images too.
INSIDE_T10K, WITH_TRAIN = "inside t10k", "train + t10k"


def experiment_digits(digit: int, role: str) -> dict[str, list[int]]:
    """The digit loaders' option for one experiment: `digit` as the anomaly ("one-anomaly") or
    as the normal class ("one-normal"); the loader makes the other nine the other class."""
    return {"anomaly_digits" if role == "one-anomaly" else "normal_digits": [digit]}


def samples(name: str, model, x_test: np.ndarray, n: int = 32) -> tuple[np.ndarray, str]:
    """Images the model generates, in raw grey levels, and what they are.

    GANomaly has no prior to sample from: its grid shows reconstructions of test images. An
    ensemble's grid shows its first generator member's.
    """
    networks = getattr(model, "base_model", model)
    if name.startswith("ganomaly"):
        made = networks.decoder(networks.encoder(model.scale(x_test[:n])))
        what = "reconstructions of test images"
    elif name == "ocgan":
        made = networks.decoder(networks.sample_prior(n))
        what = "decodings of u ~ U(-1, 1)"
    else:
        made = networks.generator(networks.sample_prior(n))
        what = "G(z), z ~ N(0, I)"
    if networks is not model:
        what += ", its first generator member"
    return model.scaler.inverse(made).numpy(), what


def samples_folder(protocol: Protocol, settings: Mapping[str, Any]) -> Path:
    """docs/samples/<protocol>/ under the protocol's own settings; beside the cache otherwise."""
    if dict(settings) == dict(protocol.settings):
        return harness.DOCS / "samples" / protocol.name
    return harness.cache_path(protocol, settings, harness.RESULTS_DIR).with_suffix("") / "samples"


def mnist_protocol(name: str, title: str, role: str, methods: tuple[str, ...],
                   seeds: tuple[int, ...], epochs: int, leaderboard: bool = True) -> Protocol:
    """One MNIST one-class protocol: `role` of the experiment digit, one unit per digit."""

    def run(trial: Trial) -> dict[str, Any]:
        """One method on one digit, one seed: its test AUROC."""
        s = trial.settings
        digit = int(trial.unit)
        ds = datasets.load("mnist", data_dir=trial.data_dir, seed=trial.seed,
                           **experiment_digits(digit, role))
        split = (WITH_TRAIN if any("train-images" in source for source in ds.meta["source"])
                 else INSIDE_T10K)
        if trial.method == KDE:
            scores, bandwidth = baselines.kde_scores(ds.train.x, ds.val.x, ds.test.x,
                                                     seed=trial.seed)
            facts: dict[str, Any] = {"bandwidth": bandwidth}
        else:
            name, arguments = zoo_model_of(trial.method, s["epochs"])
            model, seconds, _ = common.train_detector(name, ds, trial.seed, s["epochs"],
                                                      s["batch_size"], **arguments)
            scores = model.score(ds.test.x, batch_size=512)
            facts = {"train_s": seconds}
            if trial.seed == seeds[0] and trial.unit == "0":
                images, what = samples(trial.method, model, ds.test.x[ds.test.y == 0])
                folder = samples_folder(protocol, s)
                folder.mkdir(parents=True, exist_ok=True)
                from zoo import plots  # noqa: PLC0415

                plots.plot_image_grid(images, folder / f"{trial.method}.png",
                                      title=f"{trial.method}, {what}; {role} protocol, digit "
                                            f"{digit}, seed {trial.seed}, {s['epochs']} epochs")
        if not np.all(np.isfinite(scores)):
            raise SystemExit(f"{trial.method}, digit {digit}, seed {trial.seed}: non-finite "
                             "scores")
        auroc = metrics.auroc(ds.test.y, scores)
        print(f"digit {digit} seed {trial.seed} {trial.method}: AUROC {auroc:.3f}", flush=True)
        return {"rows": {trial.method: {"auroc": auroc}}, **facts, "split": split,
                "notes": ds.meta["notes"]}

    def section(results: Results) -> list[str]:
        s = results.settings
        digits = sorted(results.units(), key=int)
        splits = {record.get("split") for *_, record in results.trials()}
        where = ("Only MNIST's 10k test images (t10k) are in the shared data, so every split is "
                 "cut inside them (normal digits: 70% train, 10% val, 20% test; every "
                 "anomaly-digit image in test): the test uses those 10k images only."
                 if splits == {INSIDE_T10K} else
                 "Train and val: the normal digits' training images (val a seeded 10%); test: "
                 "the t10k images of both classes." if splits == {WITH_TRAIN} else
                 "The runs differ in their split (see each record's notes).")
        models = [m for m in results.methods() if m != KDE]
        lines = [f"{ROLES[role]}. {where} Test AUROC; cells are means over seeds, the last "
                 "column the mean over digits ± its std over seeds. Every model: the zoo's image "
                 f"variant (small DCGAN-form networks), batch {s['batch_size']}, {s['epochs']} "
                 "epochs, no selection on test labels. KDE: Gaussian KernelDensity, bandwidth by "
                 "normal val likelihood.", "",
                 "Survey's Table 2 (its runs, full MNIST): "
                 + ", ".join(f"{m} {v}" for m, v in MNIST_PAPER.items()) + ".", "",
                 "| method | " + " | ".join(digits) + " | mean |",
                 "|---|" + "---|" * (len(digits) + 1)]
        for method in results.methods():
            cells = [f"{np.mean(v):.3f}" if (v := results.values(method, method, "auroc", d))
                     else "—" for d in digits]
            lines.append(f"| {method} | " + " | ".join(cells) + " | "
                         + mean_std(digit_means(results, method, digits)) + " |")
        if KDE in results.methods():
            kde = float(np.mean(digit_means(results, KDE, digits) or [np.nan]))
            comparisons = []
            for method in models:
                auroc = float(np.mean(digit_means(results, method, digits) or [np.nan]))
                relation = ("above" if auroc > kde else "below" if auroc < kde else "equal to")
                comparisons.append(f"{method} {auroc:.3f}, {relation} it")
            if comparisons:
                lines += ["", f"Each model's mean AUROC against KDE's ({kde:.3f}, same splits and "
                              "seeds): " + "; ".join(comparisons) + "."]
        ensembles = [e for e, base in ENSEMBLE_BASES.items() if e in models and base in models]
        if ensembles:
            lines += ["", f"The GAN ensembles ({MEMBERS} generators against {MEMBERS} "
                          "discriminators of the base model, one drawn pair trained per step, "
                          f"the base's score averaged over the {MEMBERS * MEMBERS} pairs) "
                          "against their single models, on the digits both ran, for the same "
                          f"epochs: each member so takes part in 1/{MEMBERS} of the steps its "
                          "single model takes. The spread is the std over seeds of a digit's "
                          "AUROC, averaged over the digits:", ""]
            lines += ["- " + harness.ensemble_claims(results, e, ENSEMBLE_BASES[e], "auroc",
                                                     "AUROC", "digits") for e in ensembles]
            lines += ["", "With as many updates per member as its single model's (the epochs "
                          f"times {MEMBERS}), EGBAD's ensemble is tested on KDD99: "
                          f"{EQUAL_METHOD} in '{ENSEMBLES_KDD99_TITLE}'."]
        if role == "one-normal":
            lines += ["", "One digit normal is the setting of OCGAN's paper; the one-anomaly "
                          "tables read the survey's Table 2 as one digit anomalous (GANomaly's "
                          "setting). Each model trains on the normal digit's share of the 10k "
                          "images (about 700); the papers had about 6000 per digit."]
        folder = harness.DOCS / "samples" / results.protocol.name
        shown = [m for m in models if (folder / f"{m}.png").exists()]
        if shown:
            lines += ["", "Generated samples (first digit, first seed): " + ", ".join(
                f"[{m}](samples/{results.protocol.name}/{m}.png)" for m in shown) + "."]
        return lines

    def board(results: Results) -> list[Entry]:
        digits = sorted(results.units(), key=int)
        kde = digit_means(results, KDE, digits)
        entries = []
        for model in results.methods():
            if model == KDE:
                continue
            base = ENSEMBLE_BASES.get(model)
            single = digit_means(results, base, digits) if base else []
            entries.append(Entry(
                model=model, task=TASKS[role], metric="AUROC",
                ours=digit_means(results, model, digits), baseline_name=KDE, baseline=kde,
                paper=MNIST_PAPER.get(model),
                paper_note=("the ensemble paper's MNIST runs are not quoted here" if base else
                            "" if model in MNIST_PAPER else "no figure in the survey's Table 2"),
                why=(f"Its single model {base}, same digits and seeds: AUROC "
                     f"{np.mean(single):.3f}." if single else WHY[role]),
                command=train_command(model, role, epochs)))
        return entries

    protocol = Protocol(name=name, title=title, group=GROUP, methods=methods, run=run,
                        section=section, leaderboard=board if leaderboard else None, seeds=seeds,
                        settings={"epochs": epochs, "batch_size": 64},
                        units=lambda settings, data_dir: [str(d) for d in range(10)])
    return protocol


def zoo_model_of(method: str, epochs: int) -> tuple[str, dict[str, Any]]:
    """The zoo model a method trains and its arguments (a variant's encoder trains `epochs`)."""
    name, arguments = VARIANTS.get(method, (method, {}))
    return name, {**arguments, "encoder_epochs": epochs} if arguments else {}


def train_command(method: str, role: str, epochs: int) -> str:
    """The train.py command of `method` on digit 0 in `role`."""
    name, arguments = zoo_model_of(method, epochs)
    settings = " ".join(f"--set {key}={value}" for key, value in arguments.items())
    return (f"python train.py --model {name} --dataset mnist --dataset-option "
            f"'{next(iter(experiment_digits(0, role)))}=[0]' --epochs {epochs} --batch-size 64"
            + (f" {settings}" if settings else ""))


def digit_means(results: Results, method: str, digits: list[str]) -> list[float]:
    """Per seed, the mean AUROC of `method` over `digits` (seeds lacking a digit left out)."""
    means = []
    for seed in results.seeds(method):
        rows = [results.rows(method, seed, d).get(method) for d in digits]
        if all(rows):
            means.append(float(np.mean([row["auroc"] for row in rows])))
    return means


PROTOCOLS = [
    Protocol(name="kdd99-alad", title="The survey's GANs on KDD99 (ALAD protocol)", group=GROUP,
             methods=(*MODELS, FOREST, COLLAPSE), run=run_alad_protocol,
             section=alad_protocol_section, leaderboard=alad_protocol_leaderboard,
             settings={"epochs": recipes.ALAD_PROTOCOL.epochs,
                       "patience": recipes.ALAD_PROTOCOL.patience,
                       "batch_size": recipes.ALAD_PROTOCOL.batch_size, "percent": 20.0}),
    Protocol(name="ensembles-kdd99", title=ENSEMBLES_KDD99_TITLE, group=GROUP,
             methods=("egbad", "egbad_ensemble", EQUAL_METHOD, FOREST), run=run_alad_protocol,
             section=ensemble_section, leaderboard=ensemble_leaderboard,
             settings={"epochs": recipes.ALAD_PROTOCOL.epochs,
                       "patience": recipes.ALAD_PROTOCOL.patience,
                       "batch_size": recipes.ALAD_PROTOCOL.batch_size, "percent": 20.0}),
    egbad_trace("egbad-kdd99-trace", "features min-max scaled"),
    egbad_trace("egbad-kdd99-trace-raw", "unscaled features", epochs=6, raw_features=True),
    egbad_trace("egbad-kdd99-trace-raw-linear", "unscaled features, linear generator output",
                raw_features=True, linear_generator=True),
    mnist_protocol("mnist-one-anomaly", "The survey's GANs on MNIST one-class", "one-anomaly",
                   (*MNIST_MODELS, KDE), seeds=(0, 1, 2), epochs=2),
    mnist_protocol("mnist-one-anomaly-10-epochs",
                   "AnoGAN and OCGAN on MNIST one-class, 10 epochs", "one-anomaly",
                   ("anogan", "ocgan", KDE), seeds=(0,), epochs=10, leaderboard=False),
    mnist_protocol("mnist-one-normal", "The survey's GANs on MNIST one-class (one digit normal)",
                   "one-normal", ("anogan", "f-anogan", "f-anogan_ensemble", "egbad",
                                  "egbad_ensemble", "ganomaly", "ganomaly_ensemble", "ocgan", KDE),
                   seeds=(0, 1, 2), epochs=20),
]
