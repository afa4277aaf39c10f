"""AnoEAN (Gherbi et al. 2019): the toy example, NSL-KDD and KDD99 with known anomalies, the
choice of its settings without test labels, attack types seen and unseen, and MNIST.

Shared protocol (the loaders' `known_anomaly_fraction` option; each seed re-draws the val
hold-out, the known anomalies and the initial weights):
- NSL-KDD: train = the normal records of KDDTrain+ less a 10% val hold-out, plus known
  anomalies = a seeded sample of KDDTrain+'s attack records amounting to the fraction of the
  normal training count, drawn from every attack type; test = KDDTest+, whose 17 attack types
  absent from KDDTrain+ are the held-out ones.
- KDD99: the real classes (`normal.` is normal; not ALAD's inversion): the 10% file halved as
  ALAD; train = the normal records of the first half less a 10% val hold-out, plus known
  anomalies drawn from its DoS and probe records; test = the second half (80% attacks), in
  which the R2L and U2R types are held out of training.

Methods: AnoEAN (the paper's architecture and optimiser, the model's defaults, batch 200, early
stopping on the validation encoder loss with the best weights restored, μ/Σ and threshold from
the normal val records); OCSVM (RBF, ν = 0.0001, normal training rows only, a seeded sample of
at most 10,000); the cost-sensitive SVM (zoo.baselines.cost_sensitive_svm: RBF SVC with balanced
class weights on a seeded sample of at most 10,000 training rows with their known labels; not
defined with 0 known anomalies); IsolationForest (normal training rows only). AUPRC is the
headline; AUROC next; F1 and accuracy at the threshold every method gets the same way, without
test labels: the 0.95 quantile of its scores on the normal val records.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

import datasets
from benchmarks import harness
from benchmarks.harness import WHOLE, BenchmarkError, Entry, Protocol, Results, Trial, mean_std
from datasets import kdd
from datasets.base import Dataset, DatasetError, Split, minmax_stats
from zoo import baselines, metrics, recipes

GROUP = "AnoEAN"
ANOEAN, SVM, OCSVM, FOREST = "AnoEAN", "SVM (cost-sensitive)", "OCSVM", "IsolationForest"
METHODS = (ANOEAN, SVM, OCSVM, FOREST)
ONE_CLASS = (OCSVM, FOREST)  # trained on normal rows only: the same for every known fraction
METRICS = ("auprc", "auroc", "f1", "accuracy")
KDD_DATASETS = ("nsl-kdd", "kdd99")
KDD_PROTOCOLS = {"nsl-kdd": {},
                 "kdd99": {"normal_class": "real", "known_attacks": ["dos", "probe"]}}
PAPER = {"nsl-kdd": "AnoEAN 97.9 ± 0.26, SVM 94.8, OCSVM 81.1",
         "kdd99": "AnoEAN 99.2, SVM 98.7"}
PAPER_AUPRC = {"nsl-kdd": 0.979, "kdd99": 0.992}
#: The known fraction the leaderboard (and the paper's tables) quote.
HEADLINE_FRACTION = 0.1
#: The settings the AnoEAN tables share (the model's defaults otherwise).
TRAINING = {"epochs": recipes.ANOEAN_PAPER.epochs, "patience": recipes.ANOEAN_PAPER.patience,
            "batch_size": recipes.ANOEAN_PAPER.batch_size}
BASELINES = {"quantile": 0.95, "nu": 1e-4, "ocsvm_max_train": 10_000, "svm_max_train": 10_000}
FRACTIONS = [0.1, 0.05, 0.01, 0.0]


# ---------------------------------------------------------------- shared measurement code

def judged(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """AUPRC, AUROC, then F1 and accuracy when flagging scores above `threshold`."""
    flagged = scores > threshold
    return {"auprc": metrics.auprc(y, scores), "auroc": metrics.auroc(y, scores),
            "f1": metrics.precision_recall_f1(y, flagged)[2],
            "accuracy": float(np.mean(flagged == y.astype(bool)))}


def val_test_scores(score: Callable[[np.ndarray], np.ndarray], ds: Dataset
                    ) -> tuple[np.ndarray, np.ndarray]:
    """`score` (examples -> scores) on the val and the test examples, in one call."""
    both = score(np.concatenate([ds.val.x, ds.test.x]))
    return both[:len(ds.val)], both[len(ds.val):]


def train_anoean(ds: Dataset, seed: int, epochs: int, batch_size: int, patience: int,
                 **overrides: Any):
    """AnoEAN (`overrides`: constructor arguments) trained with early stopping on the normal
    val examples' encoder loss, best weights restored; (model, epochs run)."""
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    import zoo  # noqa: PLC0415

    keras.utils.set_random_seed(seed)
    model = zoo.get("anoean").for_dataset(ds, seed=seed, **overrides)
    model.compile()
    train = model.training_data(ds, batch_size, seed=seed)
    val = tf.data.Dataset.from_tensor_slices(ds.val.x).batch(1024)
    stop = keras.callbacks.EarlyStopping(monitor="val_e_loss", mode="min", patience=patience,
                                         restore_best_weights=True)
    history = model.fit(train, validation_data=val, epochs=epochs, callbacks=[stop],
                        shuffle=False, verbose=0)
    return model, len(history.history["e_loss"])


def one_class_scorer(method: str, normal: np.ndarray, settings: Mapping[str, Any], seed: int
                     ) -> Callable[[np.ndarray], np.ndarray]:
    """OCSVM or IsolationForest fitted on the normal training examples, as examples -> scores
    (each call fits anew: call it once, on everything to score)."""
    if method == OCSVM:
        return lambda x: baselines.ocsvm_scores(normal, x, nu=settings["nu"],
                                                max_train=settings["ocsvm_max_train"], seed=seed)
    return lambda x: baselines.isolation_forest_scores(normal, x, seed)


def fraction_key(fraction: float) -> str:
    """A known fraction as a row label: 0.1 -> '0.1', 0.0 -> '0'."""
    return f"{fraction:g}"


def four_decimals(values: Sequence[float]) -> str:
    """'0.9812 ± 0.0010': on KDD99 the methods differ in the fourth decimal."""
    if not len(values):
        return "—"
    return f"{np.mean(values):.4f} ± {np.std(values):.4f}"


def present_units(results: Results, order: Sequence[str]) -> list[str]:
    cached = results.units()
    return [u for u in order if u in cached] + [u for u in cached if u not in order]


def best_baseline(candidates: Mapping[str, Sequence[float]]) -> tuple[str, list[float]]:
    """The candidate with the best mean (over seeds), among those with values."""
    present = {name: list(v) for name, v in candidates.items() if len(v)}
    if not present:
        return "", []
    name = max(present, key=lambda n: np.mean(present[n]))
    return name, present[name]


# ---------------------------------------------------------------- the toy example (Figure 3)

TOY_SETTINGS = {"epochs": 100}
TOY_NORMAL, TOY_ANOMALIES = 2000, 200


def toy_set(n_normal: int, n_anomalies: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x float32 [n, 2]: a normal blob N(0, I), then anomalies on the ring 3 <= r <= 6;
    known int8 [n], 1 for the anomalies."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n_anomalies)
    radius = rng.uniform(3, 6, n_anomalies)
    x = np.concatenate([rng.normal(size=(n_normal, 2)),
                        np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)])
    return x.astype(np.float32), np.r_[np.zeros(n_normal), np.ones(n_anomalies)].astype(np.int8)


def toy_figure(trial: Trial) -> Path:
    """docs/anoean_toy.png for the protocol's own settings and first seed; otherwise a file
    beside the experiment's cache, so that an experiment leaves docs/ alone."""
    if dict(trial.settings) == TOY_SETTINGS and trial.seed == 0:
        return harness.DOCS / "anoean_toy.png"
    root = Path(os.environ.get(harness.CACHE_ENV, Path.home() / ".cache" / "zoo" / "benchmarks"))
    stem = harness.cache_path(TOY, trial.settings, harness.RESULTS_DIR).stem
    return root / f"{stem}-seed{trial.seed}.png"


def plot_toy(path: Path, x: np.ndarray, known: np.ndarray, normal_codes: np.ndarray,
             anomaly_codes: np.ndarray, prior_99: float, title: str) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")  # files only
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from scipy.stats import gaussian_kde, norm  # noqa: PLC0415

    fig, (data, space) = plt.subplots(1, 2, figsize=(11, 4.2))
    data.scatter(*x[known == 0].T, s=4, alpha=0.4, label="normal x_n")
    data.scatter(*x[known == 1].T, s=8, color="tab:red", label="anomaly x_a")
    data.set_aspect("equal")
    data.set_title("held-out data (2-D)")
    data.legend(loc="upper right")
    codes = np.concatenate([normal_codes, anomaly_codes])
    grid = np.linspace(min(-4.0, codes.min()), max(4.0, codes.max()), 600)
    space.plot(grid, norm.pdf(grid), color="black", ls="--", label="p_z = N(0, 1)")
    for values, label, color in ((normal_codes, "E(x_n)", "tab:blue"),
                                 (anomaly_codes, "E(x_a)", "tab:red")):
        space.plot(grid, gaussian_kde(values)(grid), color=color, label=label)
    space.axvspan(-prior_99, prior_99, color="grey", alpha=0.1, lw=0,
                  label="central 99% of p_z")
    space.set_xlabel("decision space (d = 1)")
    space.set_ylabel("density")
    space.set_title("after training")
    space.legend(loc="upper right")
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_toy(trial: Trial) -> dict[str, Any]:
    """Train on the toy set, look at a fresh draw (seed + 1): the encodings against p_z's
    central 99%, the AUROC of the score; writes the figure (`toy_figure`)."""
    import keras  # noqa: PLC0415
    from scipy.stats import norm  # noqa: PLC0415

    from zoo import AnoEAN  # noqa: PLC0415

    seed, epochs = trial.seed, trial.settings["epochs"]
    prior_99 = norm.ppf(0.995)  # |e| beyond this lies outside the prior's central 99%
    x, known = toy_set(TOY_NORMAL, TOY_ANOMALIES, seed)
    x_new, known_new = toy_set(TOY_NORMAL, TOY_ANOMALIES, seed + 1)
    keras.utils.set_random_seed(seed)
    model = AnoEAN(example_shape=(2,), latent_dim=1, seed=seed)
    model.build()
    model.compile()
    model.fit(x, known, batch_size=200, epochs=epochs, shuffle=True, verbose=0)
    model.calibrate(x_new[known_new == 0])
    normal_codes = model.encode(x_new[known_new == 0])[:, 0]
    anomaly_codes = model.encode(x_new[known_new == 1])[:, 0]
    outside = float(np.mean(np.abs(anomaly_codes) > prior_99))
    inside = float(np.mean(np.abs(normal_codes) <= prior_99))
    figure = toy_figure(trial)
    plot_toy(figure, x_new, known_new, normal_codes, anomaly_codes, prior_99,
             f"AnoEAN toy (Figure 3 of the paper), seed {seed}, {epochs} epochs: "
             f"{outside:.0%} of E(x_a) and {1 - inside:.0%} of E(x_n) outside p_z's central 99%")
    return {"rows": {ANOEAN: {"anomalies_outside": outside, "normal_inside": inside,
                              "normal_mean": float(normal_codes.mean()),
                              "normal_std": float(normal_codes.std()),
                              "auroc": float(metrics.auroc(known_new, model.score(x_new)))}},
            "figure": str(figure.relative_to(harness.REPO) if figure.is_relative_to(harness.REPO)
                          else figure)}


def toy_link(results: Results) -> str:
    """The figure of the first seed, as RESULTS.md (in docs/) links it."""
    figure = results.record(ANOEAN, results.seeds(ANOEAN)[0])["figure"]
    return figure.removeprefix("docs/")


def toy_section(results: Results) -> list[str]:
    def value(metric: str, form: str) -> str:
        values = results.values(ANOEAN, ANOEAN, metric)
        if len(values) == 1:
            return format(values[0], form)
        return f"{format(np.mean(values), form)} ± {format(np.std(values), form)}"

    return [f"Data: {TOY_NORMAL} normal points from N(0, I) in 2-D and {TOY_ANOMALIES} known "
            "anomalies scattered uniformly on the ring of radius 3 to 6; AnoEAN with the "
            "paper's tabular architecture, d = 1, batch 200, on the raw coordinates; then a "
            "fresh draw of the same kind (seed + 1).", "",
            f"![densities in the decision space]({toy_link(results)})", "",
            f"On the fresh draw: {value('anomalies_outside', '.1%')} of the anomalies' "
            f"encodings lie outside the central 99% of p_z = N(0, 1), and "
            f"{value('normal_inside', '.1%')} of the normal ones inside it; E(x_n) has mean "
            f"{value('normal_mean', '.2f')} and standard deviation {value('normal_std', '.2f')} "
            f"(p_z: 0 and 1). AUROC of the Mahalanobis score: {value('auroc', '.3f')}."]


TOY = Protocol(name="anoean-toy", title="AnoEAN toy example (the paper's Figure 3)", group=GROUP,
               methods=(ANOEAN,), run=run_toy, section=toy_section, settings=TOY_SETTINGS,
               seeds=(0,))


# ---------------------------------------------------------------- NSL-KDD and KDD99

def one_class_row(method: str, normal: np.ndarray, ds: Dataset, s: Mapping[str, Any],
                  seed: int) -> dict[str, float]:
    """A one-class baseline fitted on `normal` rows, judged on `ds`'s test part at the
    `quantile` of its val scores."""
    val, test = val_test_scores(one_class_scorer(method, normal, s, seed), ds)
    return judged(ds.test.y, test, np.quantile(val, s["quantile"]))


def svm_row(ds: Dataset, s: Mapping[str, Any], seed: int) -> dict[str, float] | None:
    """The cost-sensitive SVM trained on `ds`'s known labels, judged as `one_class_row`; None
    without known anomalies (one class: not defined)."""
    if not ds.train.known.any():
        return None
    val, test = val_test_scores(baselines.cost_sensitive_svm(
        ds.train.x, ds.train.known, s["svm_max_train"], seed), ds)
    return judged(ds.test.y, test, np.quantile(val, s["quantile"]))


def load_kdd(name: str, data_dir: str | None, seed: int, fraction: float, **options: Any
             ) -> Dataset:
    return datasets.load(name, data_dir=data_dir, seed=seed, known_anomaly_fraction=fraction,
                         **{**KDD_PROTOCOLS[name], **options})


def run_kdd(trial: Trial) -> dict[str, Any]:
    """One method, seed and dataset: its rows {known fraction: AUPRC, AUROC, F1, accuracy}."""
    s, seed, name = trial.settings, trial.seed, trial.unit
    rows: dict[str, dict[str, float]] = {}
    notes = None
    for fraction in s["fractions"]:
        ds = load_kdd(name, trial.data_dir, seed, fraction)
        notes = notes or ds.meta["notes"]
        y = ds.test.y
        if trial.method in ONE_CLASS:  # normal rows only: the same for every fraction
            row = one_class_row(trial.method, ds.train.x[ds.train.known == 0], ds, s, seed)
            rows = {fraction_key(f): row for f in s["fractions"]}
            break
        if trial.method == SVM:
            if (row := svm_row(ds, s, seed)) is not None:
                rows[fraction_key(fraction)] = row
            continue
        model, epochs = train_anoean(ds, seed, s["epochs"], s["batch_size"], s["patience"], **(
            {"latent_dim": s["latent_dim"]} if s["latent_dim"] else {}))
        threshold = model.calibrate(ds.val.x, quantile=s["quantile"], batch_size=4096)
        rows[fraction_key(fraction)] = {
            **judged(y, model.score(ds.test.x, batch_size=4096), threshold), "epochs": epochs,
            "latent_dim": model.latent_dim, "discriminator_steps": model.discriminator_steps}
    return {"rows": rows, "notes": notes}


def unit_notes(results: Results, unit: str) -> str:
    """The loader's notes of the unit's first cached seed."""
    for seed in results.seeds():
        for method in results.methods():
            record = results.record(method, seed, unit)
            if record and record.get("notes"):
                return record["notes"]
    return ""


def fraction_table(results: Results, fractions: Sequence[float],
                   cell: Callable[[str, str, str], str]) -> list[str]:
    """Rows per known fraction and method; `cell(method, row, metric)` fills each."""
    lines = ["| known anomalies | method | AUPRC | AUROC | F1 | accuracy |",
             "|---|---|---|---|---|---|"]
    for fraction in fractions:
        key = fraction_key(fraction)
        for method in results.methods():
            lines.append(f"| {fraction:.0%} | {method} | "
                         + " | ".join(cell(method, key, m) for m in METRICS) + " |")
    return lines


def kdd_section(results: Results) -> list[str]:
    s = results.settings
    units = present_units(results, KDD_DATASETS)
    first = next((results.rows(ANOEAN, seed, unit)[fraction_key(s["fractions"][0])]
                  for unit in units for seed in results.seeds(ANOEAN)
                  if fraction_key(s["fractions"][0]) in results.rows(ANOEAN, seed, unit)), None)
    anoean = (f"d = {first['latent_dim']}, n_D = {first['discriminator_steps']} discriminator "
              f"steps per encoder step" if first else "the model's defaults")
    steps = first["discriminator_steps"] if first else "5"
    lines = [f"Mean ± std over seeds. AUPRC first (anomaly = attack, the positive class); F1 "
             f"and accuracy at each method's {s['quantile']:g} quantile of its scores on the "
             f"normal val records (no test labels). AnoEAN: {anoean}, batch "
             f"{s['batch_size']}, at most {s['epochs']} epochs, early stopping on val_e_loss "
             f"(patience {s['patience']}, best weights restored). OCSVM: ν = {s['nu']:g}, on at "
             f"most {s['ocsvm_max_train']} normal training rows. SVM: RBF SVC with balanced "
             f"class weights on at most {s['svm_max_train']} training rows (none with 0 known "
             f"anomalies: one class). IsolationForest: scikit-learn defaults, normal rows.", "",
             f"The model's default n_D for tabular data ({steps}) was chosen without test "
             "labels, on attack types of the training files that no known anomaly shows "
             "(anoean-selection, anoean-selection-kdd99). Its default d = 32 was chosen on "
             "KDDTest+'s labels (at n_D = 1), so NSL-KDD rows at d = 32 are optimistic by that "
             "choice; the same label-free selection prefers d = 8 (anoean-selection-d; "
             + ("this table" if s["latent_dim"] == 8 else "anoean-kdd-d8 runs this table at "
                "d = 8") + "), and anoean-d-selection chooses d on held-out known anomalies.",
             ""]
    for unit in units:
        lines += [f"#### {unit}", "", unit_notes(results, unit), "",
                  f"Paper (AUPRC, 10% known, their split): {PAPER[unit]}.", "",
                  *fraction_table(results, s["fractions"], lambda m, row, metric: four_decimals(
                      results.values(m, row, metric, unit))), ""]
    return lines


KDD_TASKS = {"nsl-kdd": "NSL-KDD (test KDDTest+), 10% known anomalies",
             "kdd99": "KDD99 (real classes), 10% known anomalies"}
KDD_COMMANDS = {
    "nsl-kdd": "python train.py --model anoean --dataset nsl-kdd --dataset-option "
               "known_anomaly_fraction=0.1 --epochs 20 --batch-size 200 --patience 3",
    "kdd99": "python train.py --model anoean --dataset kdd99 --dataset-option normal_class=real "
             "--dataset-option known_anomaly_fraction=0.1 --dataset-option "
             "\"known_attacks=['dos', 'probe']\" --epochs 20 --batch-size 200 --patience 3"}
KDD_WHY = {
    "nsl-kdd": "d = 32 was chosen on KDDTest+'s labels; at d = 8, the label-free choice "
               "(anoean-selection-d), AnoEAN falls below IsolationForest (anoean-kdd-d8).",
    "kdd99": "99.7% of the test's attacks are of the DoS and probe types the known anomalies "
             "come from, where the supervised SVM is at its best; on types no known anomaly "
             "shows AnoEAN is far ahead of it (anoean-attack-types)."}


def kdd_leaderboard(results: Results) -> list[Entry]:
    key = fraction_key(HEADLINE_FRACTION)
    entries = []
    for unit in present_units(results, KDD_DATASETS):
        ours = results.values(ANOEAN, key, "auprc", unit)
        if not ours:
            continue
        name, base = best_baseline({m: results.values(m, key, "auprc", unit)
                                    for m in (SVM, OCSVM, FOREST)})
        if not base:
            continue
        entries.append(Entry(model="anoean", task=KDD_TASKS[unit], metric="AUPRC", ours=ours,
                             baseline_name=name, baseline=base, paper=PAPER_AUPRC.get(unit),
                             why=KDD_WHY.get(unit, ""), command=KDD_COMMANDS[unit]))
    return entries


KDD_SETTINGS = {"fractions": FRACTIONS, **TRAINING, **BASELINES, "latent_dim": None}
KDD = Protocol(name="anoean-kdd", title="AnoEAN on NSL-KDD and KDD99, with known anomalies",
               group=GROUP, methods=METHODS, run=run_kdd, section=kdd_section,
               leaderboard=kdd_leaderboard, settings=KDD_SETTINGS, seeds=(0, 1, 2, 3, 4),
               units=lambda settings, data_dir: KDD_DATASETS)
KDD_D8 = Protocol(name="anoean-kdd-d8",
                  title="AnoEAN on NSL-KDD and KDD99, with known anomalies, at d = 8",
                  group=GROUP, methods=METHODS, run=run_kdd, section=kdd_section,
                  settings={**KDD_SETTINGS, "latent_dim": 8}, seeds=(0, 1, 2, 3, 4),
                  units=lambda settings, data_dir: KDD_DATASETS)


# ---------------------------------------------------------------- settings chosen without test labels

KNOWN_ATTACKS = ["dos", "probe"]
UNSEEN_ATTACKS = ["r2l", "u2r"]
FRACTION = 0.1
TITLES = {"nsl-kdd": "NSL-KDD", "kdd99": "KDD99"}
TRAINING_FILES = {"nsl-kdd": "KDDTrain+", "kdd99": "the first half of the 10% file"}
TEST_SETS = {"nsl-kdd": "KDDTest+", "kdd99": "The second half (the test)"}


@dataclasses.dataclass(frozen=True)
class Choice:
    """One choice of the settings compared: n_D, d, the patience of early stopping."""

    steps: int
    dim: int
    patience: int


def choices(steps: Sequence[int], dims: Sequence[int], patiences: Sequence[int]
            ) -> dict[str, Choice]:
    """Every triple, by its label ('n_D = 5, d = 32', with ', patience 3' when several
    patiences are compared)."""
    return {f"n_D = {n}, d = {d}" + (f", patience {p}" if len(patiences) > 1 else ""):
            Choice(n, d, p) for n in steps for d in dims for p in patiences}


def load_selection_split(name: str, data_dir: str | None, seed: int) -> Dataset:
    """The known anomalies from the training file's DoS and probe records only."""
    return load_kdd(name, data_dir, seed, FRACTION, known_attacks=KNOWN_ATTACKS)


def run_selection(trial: Trial, dataset: str, grid: Mapping[str, Choice]) -> dict[str, Any]:
    """AUPRC on the normal val records plus the training file's R2L and U2R records, of one
    setting of AnoEAN (with its epochs run) or of IsolationForest."""
    ds = load_selection_split(dataset, trial.data_dir, trial.seed)
    unseen, _ = kdd.training_attacks(dataset, trial.data_dir, UNSEEN_ATTACKS)
    x = np.concatenate([ds.val.x, unseen])
    y = np.r_[np.zeros(len(ds.val), np.int8), np.ones(len(unseen), np.int8)]
    if trial.method == FOREST:
        normal = ds.train.x[ds.train.known == 0]
        rows = {FOREST: {"auprc": metrics.auprc(
            y, baselines.isolation_forest_scores(normal, x, trial.seed))}}
    else:
        choice = grid[trial.method]
        model, epochs = train_anoean(ds, trial.seed, trial.settings["epochs"],
                                     trial.settings["batch_size"], choice.patience,
                                     discriminator_steps=choice.steps, latent_dim=choice.dim)
        model.calibrate(ds.val.x, batch_size=4096)  # fits μ, Σ on the normal val records
        rows = {trial.method: {"auprc": metrics.auprc(y, model.score(x, batch_size=4096)),
                               "epochs": epochs}}
    return {"rows": rows, "unseen_records": int(len(unseen))}


def selection_section(results: Results, dataset: str, grid: Mapping[str, Choice]) -> list[str]:
    s = results.settings
    methods = results.methods()
    seeds = results.seeds()
    patiences = sorted({c.patience for c in grid.values()})
    stopping = (f"patience {patiences[0]}" if len(patiences) == 1 else "with the patience given")
    unseen = next((r["unseen_records"] for *_, r in results.trials()), "the")
    training_file = TRAINING_FILES[dataset]

    def auprc(method: str, seed: int) -> str:
        row = results.rows(method, seed).get(method)
        return f"{row['auprc']:.4f}" if row else "—"

    lines = [f"{TITLES[dataset]}, {FRACTION:.0%} known anomalies drawn from {training_file}'s "
             f"{' and '.join(KNOWN_ATTACKS)} records only; each setting scored by AUPRC on the "
             f"normal val records plus the {unseen} {' and '.join(UNSEEN_ATTACKS)} records of "
             f"{training_file}, none of them known. {TEST_SETS[dataset]} is not used. AnoEAN at "
             f"most {s['epochs']} epochs, batch {s['batch_size']} (early stopping on val_e_loss, "
             f"{stopping}); IsolationForest on the normal training rows, for scale.", "",
             "| seed | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for seed in seeds:
        lines.append(f"| {seed} | " + " | ".join(auprc(m, seed) for m in methods) + " |")
    lines.append("| mean ± std | " + " | ".join(
        mean_std(results.values(m, m, "auprc")) for m in methods) + " |")
    means = {m: np.mean(results.values(m, m, "auprc")) for m in methods
             if m in grid and results.values(m, m, "auprc")}
    if means:
        lines += ["", f"Chosen: {max(means, key=means.get)} (the best mean AUPRC)."]
    return lines


def selection_protocol(name: str, title: str, dataset: str, grid: dict[str, Choice]
                       ) -> Protocol:
    return Protocol(name=name, title=title, group=GROUP, methods=(*grid, FOREST),
                    run=functools.partial(run_selection, dataset=dataset, grid=grid),
                    section=functools.partial(selection_section, dataset=dataset, grid=grid),
                    settings={"epochs": TRAINING["epochs"], "batch_size": TRAINING["batch_size"]},
                    seeds=(0, 1, 2, 3, 4))


SELECTION = selection_protocol(
    "anoean-selection",
    "AnoEAN's n_D chosen on attack types no known anomaly shows (NSL-KDD)",
    "nsl-kdd", choices([1, 3, 5, 10], [32], [3]))
SELECTION_D = selection_protocol(
    "anoean-selection-d",
    "AnoEAN's d chosen on attack types no known anomaly shows (NSL-KDD, n_D = 5)",
    "nsl-kdd", choices([5], [4, 8, 16, 32, 64], [3]))
SELECTION_KDD99 = selection_protocol(
    "anoean-selection-kdd99",
    "AnoEAN's settings chosen on attack types no known anomaly shows (KDD99)",
    "kdd99", choices([1, 5], [8, 32], [3, 10]))


# ---------------------------------------------------------------- d chosen on held-out known anomalies

HELD_OUT_SHARE = 0.2
FIXED_D = 32


def hold_out_known(ds: Dataset, seed: int) -> tuple[Dataset, np.ndarray]:
    """`ds` with a seeded HELD_OUT_SHARE of its known anomalies removed from train, and those
    rows."""
    known = np.flatnonzero(ds.train.known == 1)
    held = np.random.default_rng(seed).choice(known, round(HELD_OUT_SHARE * len(known)),
                                              replace=False)
    keep = np.setdiff1d(np.arange(len(ds.train)), held)
    train = dataclasses.replace(ds.train, x=ds.train.x[keep], y=ds.train.y[keep],
                                known=ds.train.known[keep])
    return dataclasses.replace(ds, train=train), ds.train.x[held]


def run_d_selection(trial: Trial) -> dict[str, Any]:
    """Every d of the settings trained without the held-out known anomalies: its AUPRC on the
    normal val records plus those (the choice) and on KDDTest+; the chosen d."""
    s = trial.settings
    if FIXED_D not in s["dims"]:
        raise BenchmarkError(f"anoean-d-selection: dims must hold {FIXED_D}, the d it is "
                             f"compared with; got {s['dims']}")
    ds = load_kdd("nsl-kdd", trial.data_dir, trial.seed, FRACTION)
    train_ds, held = hold_out_known(ds, trial.seed)
    val_x = np.concatenate([ds.val.x, held])
    val_y = np.concatenate([np.zeros(len(ds.val), np.int8), np.ones(len(held), np.int8)])
    rows = {}
    for d in s["dims"]:
        model, epochs = train_anoean(train_ds, trial.seed, s["epochs"], s["batch_size"],
                                     s["patience"], latent_dim=d)
        model.calibrate(ds.val.x, batch_size=4096)  # fits μ, Σ on the normal val records
        rows[f"d = {d}"] = {
            "val_auprc": metrics.auprc(val_y, model.score(val_x, batch_size=4096)),
            "test_auprc": metrics.auprc(ds.test.y, model.score(ds.test.x, batch_size=4096)),
            "epochs": epochs}
    chosen = max(s["dims"], key=lambda d: rows[f"d = {d}"]["val_auprc"])
    return {"rows": rows, "chosen": chosen, "held_out": int(len(held))}


def d_selection_section(results: Results) -> list[str]:
    s = results.settings
    lines = [f"NSL-KDD, {FRACTION:.0%} known anomalies (the anoean-kdd protocol), of which a "
             f"seeded {HELD_OUT_SHARE:.0%} is held out of training; each d in {s['dims']} is "
             "scored by its AUPRC on the normal val records plus those held-out anomalies, and "
             "the best is chosen. No test label enters the choice.", "",
             f"| seed | chosen d | its test AUPRC | test AUPRC at d = {FIXED_D} | "
             "val AUPRC per d |", "|---|---|---|---|---|"]
    chosen, fixed = [], []
    for seed in results.seeds(ANOEAN):
        record = results.record(ANOEAN, seed)
        rows = record["rows"]
        best = rows[f"d = {record['chosen']}"]["test_auprc"]
        chosen.append(best)
        fixed.append(rows[f"d = {FIXED_D}"]["test_auprc"])
        per_d = ", ".join(f"{label.removeprefix('d = ')}: {row['val_auprc']:.4f}"
                          for label, row in rows.items())
        lines.append(f"| {seed} | {record['chosen']} | {best:.4f} | {fixed[-1]:.4f} | "
                     f"{per_d} |")
    lines += ["", f"Mean test AUPRC: chosen d {mean_std(chosen)}; d = {FIXED_D} "
              f"{mean_std(fixed)} (both trained without the held-out anomalies)."]
    return lines


D_SELECTION = Protocol(
    name="anoean-d-selection",
    title="AnoEAN's d chosen on known anomalies held out of training (NSL-KDD)", group=GROUP,
    methods=(ANOEAN,), run=run_d_selection, section=d_selection_section,
    settings={"dims": [4, 8, 16, 32, 64], **TRAINING}, seeds=(0, 1, 2, 3, 4))


# ---------------------------------------------------------------- attack types seen and unseen

ATTACK_METHODS = (ANOEAN, SVM, FOREST)
GROUPS = {"known": "the known anomalies", "seen": "seen types", "unseen": "unseen types"}
CATEGORY = {t: category for category, types in kdd.ATTACK_CATEGORIES.items() for t in types}
#: Attack types with fewer other records are left out of the per-type table.
MIN_RECORDS = 10


def attack_groups(known: np.ndarray, attacks: dict[str, tuple[np.ndarray, np.ndarray]]
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The attack records scored, as (rows, types) per group: "known", the known anomalies
    `known` (drawn from the seen-type records, whose types they take); "seen", the seen-type
    records that equal no known anomaly (the training file repeats many records, so a drawn
    record's copies are left out too); "unseen", every unseen-type record."""
    seen, seen_types = attacks["seen"]
    type_of = {row.tobytes(): t for row, t in zip(seen, seen_types)}
    known_types = np.array([type_of[row.tobytes()] for row in known], dtype=seen_types.dtype)
    known_rows = {row.tobytes() for row in known}
    fresh = np.array([row.tobytes() not in known_rows for row in seen], dtype=bool)
    return {"known": (known, known_types), "seen": (seen[fresh], seen_types[fresh]),
            "unseen": attacks["unseen"]}


def attack_scorer(method: str, ds: Dataset, seed: int, settings: Mapping[str, Any]
                  ) -> Callable[[np.ndarray], np.ndarray]:
    """`method` trained on `ds`, as rows -> anomaly scores."""
    if method == ANOEAN:
        model, _ = train_anoean(ds, seed, settings["epochs"], settings["batch_size"],
                                settings["patience"])
        model.calibrate(ds.val.x, batch_size=4096)  # fits μ, Σ on the normal val records
        return lambda x: model.score(x, batch_size=4096)
    if method == SVM:
        return baselines.cost_sensitive_svm(ds.train.x, ds.train.known,
                                            settings["svm_max_train"], seed)
    return one_class_scorer(FOREST, ds.train.x[ds.train.known == 0], settings, seed)


def run_attack_types(trial: Trial) -> dict[str, Any]:
    """One method, seed and dataset: rows {group: AUPRC on normal val + the group}; and per
    attack type, the share of each group's records flagged and the records missed."""
    s, name = trial.settings, trial.unit
    attacks = {"seen": kdd.training_attacks(name, trial.data_dir, KNOWN_ATTACKS),
               "unseen": kdd.training_attacks(name, trial.data_dir, UNSEEN_ATTACKS)}
    ds = load_selection_split(name, trial.data_dir, trial.seed)
    groups = attack_groups(ds.train.x[ds.train.known == 1], attacks)
    scores = attack_scorer(trial.method, ds, trial.seed, s)(
        np.concatenate([ds.val.x, *(x for x, _ in groups.values())]))  # one call: a forest fits
    val, start = scores[:len(ds.val)], len(ds.val)
    threshold = np.quantile(val, s["quantile"])
    rows, flagged_share, missed = {}, {}, {}
    for group, (x, types) in groups.items():
        group_scores = scores[start:start + len(x)]
        start += len(x)
        labels = np.r_[np.zeros(len(val), np.int8), np.ones(len(x), np.int8)]
        rows[group] = {"auprc": metrics.auprc(labels, np.r_[val, group_scores])}
        flagged = group_scores > threshold
        flagged_share[group] = {str(t): float(np.mean(flagged[types == t]))
                                for t in np.unique(types)}
        missed[group] = {str(t): int(np.sum(~flagged[types == t])) for t in np.unique(types)}
    return {"rows": rows, "flagged": flagged_share, "missed": missed,
            "records": {group: {str(t): int(c) for t, c in zip(*np.unique(types,
                                                                           return_counts=True))}
                        for group, (_, types) in groups.items()},
            "test_attack_counts": ds.meta["test_attack_counts"]}


def attack_composition(test_attack_counts: dict[str, int], training_types: set[str]) -> str:
    """A sentence: how many test attacks are of the known anomalies' types, how many of types
    no training record shows."""
    total = sum(test_attack_counts.values())
    known_types = kdd.attack_types_named(KNOWN_ATTACKS)
    of_known = sum(c for t, c in test_attack_counts.items() if t in known_types)
    new = sum(c for t, c in test_attack_counts.items() if t not in training_types)
    return (f"The test set's {total} attack records (counted, not scored): {of_known} "
            f"({of_known / total:.1%}) of the DoS and probe types the known anomalies are drawn "
            f"from; {new} ({new / total:.1%}) of types no training record shows.")


def attack_types_table(results: Results, unit: str) -> list[str]:
    s = results.settings
    methods = [m for m in results.methods() if results.seeds(m)]
    by_method = {m: [r for seed in results.seeds(m) if (r := results.record(m, seed, unit))]
                 for m in methods}
    per_seed = {}  # the records of each seed (the same for every method)
    for m in methods:
        for seed in results.seeds(m):
            if (r := results.record(m, seed, unit)) and seed not in per_seed:
                per_seed[seed] = r
    counts: dict[str, dict[str, float]] = {group: {} for group in GROUPS}
    for group, types in counts.items():
        for record in per_seed.values():
            for attack, count in record["records"][group].items():
                types[attack] = types.get(attack, 0) + count / len(per_seed)

    def mean_share(method: str, group: str, attack: str) -> str:
        shares = [r["flagged"][group][attack] for r in by_method.get(method, [])
                  if attack in r["flagged"][group]]
        return f"{np.mean(shares):.3f}" if shares else "—"

    def miss_share(method: str, group: str, attack: str) -> str:
        shares = [r["missed"][group].get(attack, 0) / max(sum(r["missed"][group].values()), 1)
                  for r in by_method.get(method, [])]
        return f"{np.mean(shares):.3f}" if shares else "—"

    lines = [f"#### {unit}", "",
             f"Means over seeds: {sum(counts['known'].values()):.0f} known anomalies; "
             f"{sum(counts['seen'].values()):.0f} DoS and probe records that equal no known "
             f"anomaly (seen types); {sum(counts['unseen'].values()):.0f} R2L and U2R records "
             "(unseen types). " + attack_composition(
                 next(iter(per_seed.values()))["test_attack_counts"],
                 {t for types in counts.values() for t in types}), "",
             "| method | " + " | ".join(f"AUPRC, {words}" for words in GROUPS.values()) + " |",
             "|---" * (1 + len(GROUPS)) + "|"]
    for method in methods:
        lines.append(f"| {method} | " + " | ".join(
            four_decimals(results.values(method, group, "auprc", unit)) for group in GROUPS)
            + " |")
    if ANOEAN in methods and SVM in methods:
        def auprc(method: str, group: str) -> str:
            return f"{np.mean(results.values(method, group, 'auprc', unit)):.4f}"

        lines += ["", f"Given the same known anomalies, AnoEAN against the SVM: AUPRC "
                  f"{auprc(ANOEAN, 'unseen')} against {auprc(SVM, 'unseen')} on the unseen "
                  f"types, {auprc(ANOEAN, 'seen')} against {auprc(SVM, 'seen')} on the seen "
                  "ones (means over seeds)."]
    trained = [m for m in (ANOEAN, SVM) if m in methods]  # trained on the known anomalies
    lines += ["", f"Share of each attack type's records flagged at the {s['quantile']:g} "
              "quantile of the method's normal val scores: first of its known anomalies, then "
              "of its other records; last, the type's share of AnoEAN's misses among the "
              "other records of its group, seen or unseen types (counts and shares are means "
              f"over seeds; types with fewer than {MIN_RECORDS} other records are left out):",
              "", "| attack type | category | known anomalies | "
              + " | ".join(f"{m}, known" for m in trained) + " | other records | "
              + " | ".join(methods) + " | share of AnoEAN's misses |",
              "|---" * (5 + len(trained) + len(methods)) + "|"]
    others = {**counts["seen"], **counts["unseen"]}
    for attack in sorted(others, key=lambda t: (CATEGORY[t], t)):
        if others[attack] < MIN_RECORDS:
            continue
        group = "seen" if attack in counts["seen"] else "unseen"
        lines.append(
            f"| {attack} | {CATEGORY[attack]} | {counts['known'].get(attack, 0):.1f} | "
            + " | ".join(mean_share(m, "known", attack) for m in trained)
            + f" | {others[attack]:.0f} | "
            + " | ".join(mean_share(m, group, attack) for m in methods)
            + f" | {miss_share(ANOEAN, group, attack)} |")
    return lines


def attack_types_section(results: Results) -> list[str]:
    s = results.settings
    lines = ["Training files only (KDDTrain+; the first half of KDD99's 10% file): no test "
             f"record is used. {FRACTION:.0%} known anomalies drawn from the DoS and probe "
             "records; the normal records split into train and val as in anoean-kdd. AUPRC on "
             "the normal val records plus each group of attack records: the known anomalies; "
             "the other DoS and probe records (seen types); the R2L and U2R records (unseen "
             "types: none is known). AnoEAN with the model's defaults, at most "
             f"{s['epochs']} epochs (early stopping on val_e_loss, patience {s['patience']}); "
             f"SVM: RBF SVC with balanced class weights on at most {s['svm_max_train']} "
             "training rows; IsolationForest on the normal training rows. The test sets' "
             "attacks are only counted, by type: they weigh the two kinds differently.", ""]
    for unit in present_units(results, KDD_DATASETS):
        lines += [*attack_types_table(results, unit), ""]
    return lines


ATTACK_TYPES = Protocol(
    name="anoean-attack-types",
    title="AnoEAN and the SVM on attack types seen and unseen in the known anomalies",
    group=GROUP, methods=ATTACK_METHODS, run=run_attack_types, section=attack_types_section,
    settings={**TRAINING, "quantile": BASELINES["quantile"],
              "svm_max_train": BASELINES["svm_max_train"]},
    seeds=(0, 1, 2, 3, 4), units=lambda settings, data_dir: KDD_DATASETS)


# ---------------------------------------------------------------- MNIST, 1-vs-all and n-vs-m

NORMAL = -1  # the digit entry of a normal image in a test pool
ANOMALY_SHARE = 0.2  # the anomalies' share of the test set (paper)


def protocol_split(pool_digits: np.ndarray, n_train_normal: int, n_known_digits: int,
                   fraction: float, seed: int,
                   anomaly_share: float = ANOMALY_SHARE) -> dict[str, np.ndarray]:
    """The known anomalies and the test set, both cut from one test pool.

    The pool is what the mnist loader puts in test when it splits inside t10k: the normal
    digits' test images and every anomaly-digit image. Test = every normal image of the pool
    plus a seeded sample of its anomaly images (of all anomaly digits) making `anomaly_share`
    of test. Known anomalies = a seeded sample of the other images of a seeded choice of
    `n_known_digits` anomaly digits, round(fraction · n_train_normal) of them. For one seed,
    the test set and the known digits do not depend on `fraction`, and a smaller fraction's
    known anomalies are a subset of a larger one's.

    Args:
        pool_digits: int [n], the digit of each anomaly image of the pool, NORMAL (-1) for each
            normal image.
        n_train_normal: how many normal training images the known anomalies are counted from.
        n_known_digits: how many anomaly digits supply the known anomalies.
        fraction: known anomalies as a fraction of n_train_normal (0 = none).
        seed: seeds the choice of digits and both draws.
        anomaly_share: the anomalies' share of the test set.

    Returns:
        "known", "test": sorted int64 indices into the pool; "known_digits" and
        "held_out_digits" (the anomaly digits no known anomaly comes from): sorted digits.

    Raises:
        DatasetError: a fraction or share out of range, more known digits than anomaly digits,
            or a pool too small for the counts asked.
    """
    if fraction < 0 or not 0 < anomaly_share < 1:
        raise DatasetError(f"expected a known fraction >= 0 and an anomaly share in (0, 1); "
                           f"got {fraction!r} and {anomaly_share!r}")
    pool_digits = np.asarray(pool_digits)
    normal = np.flatnonzero(pool_digits == NORMAL)
    anomalies = np.flatnonzero(pool_digits != NORMAL)
    anomaly_digits = np.unique(pool_digits[anomalies])
    if not 0 <= n_known_digits <= len(anomaly_digits):
        raise DatasetError(f"{n_known_digits} known-anomaly digits asked of the "
                           f"{len(anomaly_digits)} anomaly digits {anomaly_digits.tolist()}")
    known_digits = np.sort(np.random.default_rng([seed, 0]).choice(
        anomaly_digits, n_known_digits, replace=False))
    n_test = round(anomaly_share / (1 - anomaly_share) * len(normal))
    if n_test > len(anomalies):
        raise DatasetError(f"a test set with {len(normal)} normal images needs {n_test} "
                           f"anomalies; the pool holds {len(anomalies)}")
    test_anomalies = np.random.default_rng([seed, 1]).choice(anomalies, n_test, replace=False)
    candidates = np.setdiff1d(anomalies[np.isin(pool_digits[anomalies], known_digits)],
                              test_anomalies)
    count = round(fraction * n_train_normal)
    if count > len(candidates):
        raise DatasetError(f"known fraction {fraction:g} asks for {count} known anomalies; the "
                           f"pool holds {len(candidates)} other images of digits "
                           f"{known_digits.tolist()}")
    known = np.random.default_rng([seed, 2]).permutation(candidates)[:count]
    return {"known": np.sort(known), "test": np.sort(np.concatenate([normal, test_anomalies])),
            "known_digits": known_digits,
            "held_out_digits": np.setdiff1d(anomaly_digits, known_digits)}


def load_pool(normal: Sequence[int], anomaly: Sequence[int], seed: int, data_dir: str | None,
              test_fraction: float, val_fraction: float
              ) -> tuple[Dataset, np.ndarray, np.ndarray]:
    """The loader's split for these digits and its test pool: (dataset, pool images float32
    [n, 28, 28, 1], their digits int [n] with NORMAL for the normal test images)."""
    ds = datasets.load("mnist", data_dir=data_dir, normal_digits=list(normal),
                       anomaly_digits=list(anomaly), seed=seed, test_fraction=test_fraction,
                       val_fraction=val_fraction)
    # The normal images first, then each anomaly digit's in turn, each in t10k order.
    order = np.concatenate([np.flatnonzero(ds.test.y == 0)]
                           + [np.flatnonzero((ds.test.y == 1) & (ds.test.classes == digit))
                              for digit in anomaly])
    digits = np.where(ds.test.y == 1, ds.test.classes.astype(np.int64), NORMAL)
    return ds, ds.test.x[order], digits[order]


def with_split(ds: Dataset, pool_x: np.ndarray, pool_digits: np.ndarray,
               split: dict[str, np.ndarray]) -> Dataset:
    """`ds` with the known anomalies added to train (known = y = 1) and the protocol's test."""
    known_x = pool_x[split["known"]]
    labels = np.r_[np.zeros(len(ds.train)), np.ones(len(known_x))].astype(np.int8)
    train = Split(np.concatenate([ds.train.x, known_x]), labels, known=labels.copy())
    test = Split(pool_x[split["test"]], (pool_digits[split["test"]] != NORMAL).astype(np.int8))
    return dataclasses.replace(ds, train=train, test=test,
                               meta={**ds.meta, "scaling": minmax_stats(train.x)})


def mnist_digits(trial: Trial) -> tuple[list[int], list[int], int]:
    """(normal digits, anomaly digits, how many anomaly digits supply known anomalies)."""
    s = trial.settings
    if trial.unit == WHOLE:
        return list(s["normal_digits"]), list(s["anomaly_digits"]), s["known_digits"]
    digit = int(trial.unit)
    return [digit], [d for d in range(10) if d != digit], s["known_digits"]


def run_mnist(trial: Trial) -> dict[str, Any]:
    """One method, seed and set of normal digits: rows {known fraction: AUPRC, AUROC, F1,
    accuracy}, and the split's facts (the same for every fraction)."""
    s, seed = trial.settings, trial.seed
    normal, anomaly, n_known_digits = mnist_digits(trial)
    try:
        ds, pool_x, pool_digits = load_pool(normal, anomaly, seed, trial.data_dir,
                                            s["test_fraction"], s["val_fraction"])
        rows: dict[str, dict[str, float]] = {}
        for fraction in s["fractions"]:
            split = protocol_split(pool_digits, len(ds.train), n_known_digits, fraction, seed)
            run = with_split(ds, pool_x, pool_digits, split)
            y = run.test.y
            if trial.method in ONE_CLASS:  # normal images only; the same test for every fraction
                row = one_class_row(trial.method, ds.train.x, run, s, seed)
                rows = {fraction_key(f): row for f in s["fractions"]}
                break
            if trial.method == SVM:
                if (row := svm_row(run, s, seed)) is not None:
                    rows[fraction_key(fraction)] = row
                continue
            model, epochs = train_anoean(run, seed, s["epochs"], s["batch_size"], s["patience"])
            threshold = model.calibrate(run.val.x, quantile=s["quantile"], batch_size=1024)
            rows[fraction_key(fraction)] = {
                **judged(y, model.score(run.test.x, batch_size=1024), threshold),
                "epochs": epochs}
    except DatasetError as err:
        raise BenchmarkError(f"{trial.protocol}, unit {trial.unit}: {err}") from err
    return {"rows": rows, "split": {
        "known_digits": split["known_digits"].tolist(),
        "held_out_digits": split["held_out_digits"].tolist(), "train_normal": len(ds.train),
        "val": len(ds.val), "test": len(split["test"]), "test_anomalies": int(y.sum())}}


def compact(digits: Sequence[int]) -> str:
    """[1, 3, 5] -> '135'."""
    return "".join(str(d) for d in digits)


def split_facts(results: Results, seed: int, unit: str) -> dict[str, Any] | None:
    """The split of one seed and unit (the same for every method)."""
    for method in results.methods():
        record = results.record(method, seed, unit)
        if record:
            return record["split"]
    return None


def unit_means(results: Results, method: str, row: str, metric: str,
               units: Sequence[str]) -> list[float]:
    """Per seed, the mean of `metric` of `row` over the units: one value per seed."""
    means = []
    for seed in results.seeds(method):
        values = [results.rows(method, seed, u)[row][metric] for u in units
                  if metric in results.rows(method, seed, u).get(row, {})]
        if values:
            means.append(float(np.mean(values)))
    return means


def mnist_fraction_table(results: Results, units: Sequence[str]) -> list[str]:
    """Rows per known fraction and method: the mean over units of each seed, then mean ± std
    over seeds."""
    return fraction_table(results, results.settings["fractions"],
                          lambda m, row, metric: mean_std(unit_means(results, m, row, metric,
                                                                     units)))


def mnist_intro(s: Mapping[str, Any], known_digits: str) -> list[str]:
    return ["The paper's protocol (section 4.1), adapted to the 10k t10k images, the only ones "
            "available here. Paper: 5000 normal training images plus known anomalies "
            "amounting to 10% of them from 4 of the 9 other digits; test 1700 images, 20% "
            "anomalies from all nine. Here: the `mnist` loader splits the normal digits' t10k "
            f"images into train, val ({s['val_fraction']:g}) and test ({s['test_fraction']:g}); "
            f"known anomalies = a seeded sample of the t10k images of {known_digits}, amounting "
            "to the known fraction of the normal training count, taken out of the test pool; "
            "test = the loader's normal test images plus a seeded sample of the other anomaly "
            f"images of every anomaly digit, making {ANOMALY_SHARE:.0%} of test. Within a seed, "
            "every fraction has the same test set and known digits.", "",
            f"Mean ± std over seeds. AUPRC first (anomaly = an anomaly digit); F1 and accuracy "
            f"at each method's {s['quantile']:g} quantile of its scores on the normal val "
            f"images (no test labels). AnoEAN: the image encoder (4×4 stride-2 convolutions, "
            f"32, 64, 128 filters, then d = 32), batch {s['batch_size']}, at most "
            f"{s['epochs']} epochs (a CPU budget, not the paper's), early stopping on "
            f"val_e_loss (patience {s['patience']}, best weights restored). Baselines on "
            f"flattened pixels: OCSVM, ν = {s['nu']:g}, on at most {s['ocsvm_max_train']} "
            f"normal training images; SVM: RBF SVC with balanced class weights on at most "
            f"{s['svm_max_train']} training images (none with 0 known anomalies: one class); "
            "IsolationForest: scikit-learn defaults, normal images. The paper's MNIST figures "
            "are not quoted here.", ""]


def sizes(facts: Mapping[str, Any]) -> str:
    """'train 686 normal, val 98, test 245 (49 anomalies)'."""
    return (f"train {facts['train_normal']} normal, val {facts['val']}, test {facts['test']} "
            f"({facts['test_anomalies']} anomalies)")


DIGITS = [str(d) for d in range(10)]


def one_vs_all_section(results: Results) -> list[str]:
    s = results.settings
    units = present_units(results, DIGITS)
    seeds = results.seeds()
    key = fraction_key(s["fractions"][0])
    present = [m for m in results.methods()
               if key in results.rows(m, results.seeds(m)[0], units[0])]
    lines = [*mnist_intro(s, f"a seeded choice of {s['known_digits']} other digits"),
             f"One digit normal, the nine others anomalies. Sizes (digit {units[0]}, seed "
             f"{seeds[0]}): {sizes(split_facts(results, seeds[0], units[0]))}.", "",
             f"AUPRC with {s['fractions'][0]:.0%} known anomalies, per normal digit (mean ± "
             "std over seeds; the mean row: mean over digits ± its std over seeds). Held-out "
             f"digits: the {9 - s['known_digits']} no known anomaly came from, per seed.", "",
             "| normal digit | held-out digits | " + " | ".join(present) + " |",
             "|---|---|" + "---|" * len(present)]
    for unit in units:
        held = " / ".join(compact(facts["held_out_digits"]) for seed in seeds
                          if (facts := split_facts(results, seed, unit)))
        cells = [mean_std(results.values(m, key, "auprc", unit)) for m in present]
        lines.append(f"| {unit} | {held} | " + " | ".join(cells) + " |")
    lines += ["| mean | | " + " | ".join(mean_std(unit_means(results, m, key, "auprc", units))
                                         for m in present) + " |", "",
              "Mean over digits, per known fraction:", "",
              *mnist_fraction_table(results, units)]
    return lines


def n_vs_m_section(results: Results) -> list[str]:
    s = results.settings
    splits = [f for seed in results.seeds() if (f := split_facts(results, seed, WHOLE))]
    return [*mnist_intro(s, f"a seeded choice of {s['known_digits']} of the anomaly digits"),
            f"Normal digits {s['normal_digits']}, anomaly digits {s['anomaly_digits']}. Sizes "
            f"(seed {results.seeds()[0]}): {sizes(splits[0])}. Known-anomaly digits / held-out "
            "digits per seed: " + "; ".join(
                f"{compact(f['known_digits'])} / {compact(f['held_out_digits'])}"
                for f in splits) + ".", "",
            *mnist_fraction_table(results, [WHOLE])]


def mnist_leaderboard(task: str, command: str, here: str) -> Callable[[Results], list[Entry]]:
    """`here`: how many normal training images this protocol has, in words."""
    def leaderboard(results: Results) -> list[Entry]:
        key = fraction_key(HEADLINE_FRACTION)
        units = results.units()
        ours = unit_means(results, ANOEAN, key, "auprc", units)
        name, base = best_baseline({m: unit_means(results, m, key, "auprc", units)
                                    for m in (SVM, OCSVM, FOREST)})
        if not ours or not base:
            return []
        return [Entry(model="anoean", task=task, metric="AUPRC", ours=ours, baseline_name=name,
                      baseline=base, command=command,
                      paper_note=f"paper's figure not quoted: it trains on 5000 normal "
                                 f"images, here {here} (t10k only), for "
                                 f"{results.settings['epochs']} epochs")]
    return leaderboard


MNIST_SETTINGS = {"fractions": FRACTIONS, "epochs": 10, "patience": 3, "batch_size": 200,
                  **BASELINES, "test_fraction": 0.2, "val_fraction": 0.1}
MNIST_ONE_VS_ALL = Protocol(
    name="anoean-mnist-1-vs-all", title="AnoEAN on MNIST, 1-vs-all, with known anomalies",
    group=GROUP, methods=METHODS, run=run_mnist, section=one_vs_all_section,
    leaderboard=mnist_leaderboard(
        "MNIST 1-vs-all (mean over digits), 10% known anomalies",
        "python train.py --model anoean --dataset mnist --dataset-option normal_digits=[0] "
        "--epochs 10 --batch-size 200 --patience 3", "about 700"),
    settings={**MNIST_SETTINGS, "known_digits": 4}, seeds=(0, 1, 2, 3, 4),
    units=lambda settings, data_dir: DIGITS)
MNIST_N_VS_M = Protocol(
    name="anoean-mnist-n-vs-m", title="AnoEAN on MNIST, n-vs-m, with known anomalies",
    group=GROUP, methods=METHODS, run=run_mnist, section=n_vs_m_section,
    leaderboard=mnist_leaderboard(
        "MNIST n-vs-m (01234 vs 56789), 10% known anomalies",
        "python train.py --model anoean --dataset mnist "
        "--dataset-option normal_digits=[0,1,2,3,4] --epochs 10 --batch-size 200 --patience 3",
        "about 3600"),
    settings={**MNIST_SETTINGS, "normal_digits": [0, 1, 2, 3, 4],
              "anomaly_digits": [5, 6, 7, 8, 9], "known_digits": 2}, seeds=(0, 1, 2, 3, 4))


PROTOCOLS = [TOY, KDD, KDD_D8, SELECTION, SELECTION_D, SELECTION_KDD99, D_SELECTION,
             ATTACK_TYPES, MNIST_ONE_VS_ALL, MNIST_N_VS_M]
