"""The survey's GANs on MNIST one-class (its Table 2), against a KDE baseline in the same run.

    python -m benchmarks.survey_mnist [--digits 0 1 ... 9] [--seeds 0 1 2] [--epochs 5]
        [--protocol one-anomaly|one-normal] [--section NAME]

Protocols, one experiment per digit:
- "one-anomaly" (the default, one reading of the survey's Table 2, GANomaly's setting): the
  digit is the anomaly and the other nine are normal;
- "one-normal" (one-class novelty detection, "MNIST one-class, one digit normal", the setting
  of OCGAN's paper): the digit is normal and the other nine are anomalies.
Only the 10k t10k images are in the shared data folder, so the `mnist` loader cuts every split
from them: of the normal digits' images a seeded 20% go to test, 10% to val and 70% to train;
every image of the anomaly digits goes to test. AUROC on the test split, per digit and its
mean, mean over seeds. A fixed epoch budget, no model selection on test labels. KDE:
scikit-learn's Gaussian KernelDensity on min-max scaled pixels, bandwidth by the likelihood of
the normal val images. One PNG grid of generated samples per model (seed and digit of the
first experiment) goes to docs/samples/<section>/.
"""

from __future__ import annotations

import time

import numpy as np

import datasets
from benchmarks import common
from zoo import baselines, metrics, plots

MODELS = ("anogan", "egbad", "alad", "ganomaly", "fencegan", "ocgan")
PAPER = {"KDE": 0.835, "alad": 0.491, "anogan": 0.909, "fencegan": 0.747, "ganomaly": 0.816,
         "ocgan": 0.981}
PROTOCOLS = {"one-anomaly": "One digit is the anomaly, the other nine normal",
             "one-normal": "One digit is normal, the other nine anomalies"}
DEFAULT_SECTIONS = {"one-anomaly": "survey_mnist", "one-normal": "survey_mnist_one_normal"}
# The arguments a recorded run must share to be reused.
RESULT_SETTINGS = ("models", "epochs", "batch_size", "protocol")


def samples(name: str, model, x_test: np.ndarray, n: int = 32) -> tuple[np.ndarray, str]:
    """Images the model generates, in raw grey levels, and what they are.

    GANomaly has no prior to sample from: its grid shows reconstructions of test images.
    """
    if name == "ganomaly":
        made = model.decoder(model.encoder(model.scale(x_test[:n])))
        what = "reconstructions of test images"
    elif name == "ocgan":
        made = model.decoder(model.sample_prior(n))
        what = "decodings of u ~ U(-1, 1)"
    else:
        made = model.generator(model.sample_prior(n))
        what = "G(z), z ~ N(0, I)"
    return model.scaler.inverse(made).numpy(), what


def experiment_digits(digit: int, protocol: str) -> dict[str, list[int]]:
    """The digit loaders' option for one experiment: `digit` as the anomaly ("one-anomaly") or
    as the normal class ("one-normal"); the loader makes the other nine the other class."""
    return {"anomaly_digits" if protocol == "one-anomaly" else "normal_digits": [digit]}


def run_experiment(digit: int, seed: int, args) -> dict[str, float]:
    """{method: test AUROC} of the experiment on `digit` under `args.protocol`."""
    ds = datasets.load("mnist", data_dir=args.data_dir, seed=seed,
                       **experiment_digits(digit, args.protocol))
    y = ds.test.y
    results: dict[str, float] = {}
    for name in args.models:
        model, seconds, _ = common.train_detector(name, ds, seed, args.epochs, args.batch_size)
        scores = model.score(ds.test.x, batch_size=512)
        if not np.all(np.isfinite(scores)):
            raise SystemExit(f"{name}, digit {digit}, seed {seed}: non-finite scores")
        results[name] = metrics.auroc(y, scores)
        print(f"digit {digit} seed {seed} {name}: AUROC {results[name]:.3f} ({seconds:.0f} s "
              "training)", flush=True)
        if digit == args.digits[0] and seed == args.seeds[0]:
            images, what = samples(name, model, ds.test.x[y == 0])
            folder = common.DOCS / "samples" / args.section
            folder.mkdir(parents=True, exist_ok=True)
            plots.plot_image_grid(images, folder / f"{name}.png",
                                  title=f"{name}, {what}; {args.protocol} protocol, digit "
                                        f"{digit}, seed {seed}, {args.epochs} epochs")
    kde, bandwidth = baselines.kde_scores(ds.train.x, ds.val.x, ds.test.x, seed=seed)
    results["KDE"] = metrics.auroc(y, kde)
    print(f"digit {digit} seed {seed} KDE: AUROC {results['KDE']:.3f} (bandwidth "
          f"{bandwidth:g})", flush=True)
    return results


def run_or_reuse(args) -> tuple[dict[int, dict[int, dict[str, float]]], list[tuple[int, int]],
                                 str]:
    """Every experiment's {method: AUROC}, as {digit: {seed: ...}}; the (digit, seed) runs taken
    from the section's record instead of trained (with --reuse-recorded), and the command that
    recorded them."""
    recorded, recorded_command = ({}, "")
    if args.reuse_recorded:
        recorded, recorded_command = common.recorded_runs(
            args.section, {key: vars(args)[key] for key in RESULT_SETTINGS})
    runs: dict[int, dict[int, dict[str, float]]] = {}
    reused = []
    for digit in args.digits:
        runs[digit] = {}
        for seed in args.seeds:
            earlier = recorded.get(str(digit), {}).get(str(seed))
            if earlier:
                reused.append((digit, seed))
                print(f"digit {digit} seed {seed}: reused from the earlier record", flush=True)
            runs[digit][seed] = earlier or run_experiment(digit, seed, args)
    return runs, reused, recorded_command


def main() -> None:
    parser = common.argument_parser(__doc__, seeds=[0, 1, 2])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS),
                        help="zoo models to run (their image variants)")
    parser.add_argument("--digits", type=int, nargs="+", default=list(range(10)),
                        help="one experiment each, with this digit the anomaly (or the normal "
                             "one, --protocol one-normal)")
    parser.add_argument("--epochs", type=int, default=5,
                        help="training epochs for every model (a fixed budget)")
    parser.add_argument("--batch-size", type=int, default=64, help="batch size")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="one-anomaly",
                        help="one-anomaly: each digit in turn is the anomaly, the rest normal; "
                             "one-normal: each digit in turn is normal, the rest anomalies")
    parser.add_argument("--reuse-recorded", action="store_true",
                        help="reuse the (digit, seed) runs that the section's JSON under "
                             "docs/results/ holds from an earlier run with the same models, "
                             "epochs and batch size (each run is seeded and reproduces exactly) "
                             "instead of training them again; the section names the runs reused")
    parser.add_argument("--section", default=None,
                        help="name of this run's section of docs/RESULTS.md, of its JSON under "
                             "docs/results/ and of its sample grids' folder under docs/samples/ "
                             "(default: survey_mnist, or survey_mnist_one_normal for that "
                             "protocol): another name keeps the main table (e.g. for a longer "
                             "budget on a few digits)")
    args = parser.parse_args()
    default_section = DEFAULT_SECTIONS[args.protocol]
    args.section = args.section or default_section

    started = time.time()
    runs, reused, recorded_command = run_or_reuse(args)
    minutes = (time.time() - started) / 60
    methods = [*args.models, "KDE"]

    def per_digit(method: str, digit: int) -> float:
        return float(np.mean([runs[digit][s][method] for s in args.seeds]))

    def per_seed_mean(method: str) -> list[float]:
        return [float(np.mean([runs[d][s][method] for d in args.digits])) for s in args.seeds]

    title = "The survey's GANs on MNIST one-class" + (
        " (one digit normal)" if args.protocol == "one-normal" else "") + (
        "" if args.section == default_section else f" ({args.section})")
    lines = [f"## {title}", "",
             f"Command: `{common.command()}`; seeds {args.seeds}; machine: {common.machine()}; "
             f"{minutes:.0f} min in all.", "",
             *([f"Reused from the earlier record (`{recorded_command}`, same models, epochs "
                f"and batch size), not trained again: seeds "
                f"{sorted({seed for _, seed in reused})} of digits "
                f"{sorted({digit for digit, _ in reused})} ({len(reused)} runs); the minutes "
                "above are this command's.", ""] if reused else []),
             f"{PROTOCOLS[args.protocol]}. Only the 10k t10k images are "
             "available here: the splits are cut inside them (normal digits: 70% train, 10% "
             "val, 20% test; all anomaly-digit images in test). Test AUROC; cells are means "
             "over seeds, the last column the mean over digits ± its std over seeds. Every "
             f"model: the zoo's image variant (small DCGAN-form networks), batch "
             f"{args.batch_size}, {args.epochs} epochs, no selection on test labels. KDE: "
             "Gaussian KernelDensity, bandwidth by normal val likelihood.", "",
             "Survey's Table 2 (its runs, full MNIST): "
             + ", ".join(f"{m} {v}" for m, v in PAPER.items()) + ".", "",
             "| method | " + " | ".join(str(d) for d in args.digits) + " | mean |",
             "|---|" + "---|" * (len(args.digits) + 1)]
    for method in methods:
        cells = [f"{per_digit(method, d):.3f}" for d in args.digits]
        lines.append(f"| {method} | " + " | ".join(cells) + " | "
                     + common.mean_std(per_seed_mean(method)) + " |")
    kde_mean = np.mean(per_seed_mean("KDE"))
    comparisons = []
    for method in (m for m in ("ocgan", "anogan") if m in args.models):
        auroc = np.mean(per_seed_mean(method))
        relation = "above" if auroc > kde_mean else "below" if auroc < kde_mean else "equal to"
        comparisons.append(f"{method} {auroc:.3f}, {relation} it")
    if comparisons:
        lines += ["", f"OCGAN's and AnoGAN's mean AUROC against KDE's ({kde_mean:.3f}, same "
                  "run): " + "; ".join(comparisons) + "."]
    lines += ["", "Generated samples: " + ", ".join(f"[{m}](samples/{args.section}/{m}.png)"
                                                for m in args.models) + "."]
    common.publish(args.section, lines, args=vars(args), runs=runs, reused=reused,
                   reused_from=recorded_command if reused else None)


if __name__ == "__main__":
    main()
