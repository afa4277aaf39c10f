"""The toy example of the AnoEAN paper's Figure 3: a 2-D normal blob with scattered anomalies,
encoded into a 1-D decision space; after training, the densities of p_z, E(x_n) and E(x_a).

    python -m benchmarks.anoean_toy [--seed 0] [--epochs 100]

Data: 2,000 normal points from N(0, I) in 2-D and 200 known anomalies (10%) scattered uniformly
on the ring of radius 3 to 6 around them; a fresh draw of the same kind (seed + 1) to look at
after training. AnoEAN with the paper's tabular architecture (encoder Dense 128-64-32-1,
discriminator Dense 32-16-1, Adam 1e-3, β1 0.5, batch 200) and d = 1, on the raw coordinates
(they are already in N(0, I) units, so no min-max scaling). Writes docs/anoean_toy.png and its
section of docs/RESULTS.md.
"""

from __future__ import annotations


import keras
import matplotlib

matplotlib.use("Agg")  # files only

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import gaussian_kde, norm  # noqa: E402

from benchmarks import common  # noqa: E402
from zoo import AnoEAN, metrics  # noqa: E402

FIGURE = common.DOCS / "anoean_toy.png"
PRIOR_99 = norm.ppf(0.995)  # |e| beyond this lies outside the prior's central 99%


def toy_set(n_normal: int, n_anomalies: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x float32 [n, 2]: a normal blob N(0, I), then anomalies on the ring 3 <= r <= 6;
    known int8 [n], 1 for the anomalies."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n_anomalies)
    radius = rng.uniform(3, 6, n_anomalies)
    x = np.concatenate([rng.normal(size=(n_normal, 2)),
                        np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)])
    return x.astype(np.float32), np.r_[np.zeros(n_normal), np.ones(n_anomalies)].astype(np.int8)


def plot(x: np.ndarray, known: np.ndarray, normal_codes: np.ndarray, anomaly_codes: np.ndarray,
         title: str) -> None:
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
    space.axvspan(-PRIOR_99, PRIOR_99, color="grey", alpha=0.1, lw=0,
                  label="central 99% of p_z")
    space.set_xlabel("decision space (d = 1)")
    space.set_ylabel("density")
    space.set_title("after training")
    space.legend(loc="upper right")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = common.argument_parser(__doc__, data_dir=False)
    parser.add_argument("--seed", type=int, default=0, help="seeds the data and the model")
    parser.add_argument("--epochs", type=int, default=100, help="training epochs")
    args = parser.parse_args()

    x, known = toy_set(2000, 200, args.seed)
    x_new, known_new = toy_set(2000, 200, args.seed + 1)
    keras.utils.set_random_seed(args.seed)
    model = AnoEAN(example_shape=(2,), latent_dim=1, seed=args.seed)
    model.build()
    model.compile()
    model.fit(x, known, batch_size=200, epochs=args.epochs, shuffle=True, verbose=0)
    model.calibrate(x_new[known_new == 0])
    normal_codes = model.encode(x_new[known_new == 0])[:, 0]
    anomaly_codes = model.encode(x_new[known_new == 1])[:, 0]
    outside = float(np.mean(np.abs(anomaly_codes) > PRIOR_99))
    inside = float(np.mean(np.abs(normal_codes) <= PRIOR_99))
    auroc = metrics.auroc(known_new, model.score(x_new))
    plot(x_new, known_new, normal_codes, anomaly_codes,
         f"AnoEAN toy (Figure 3 of the paper), seed {args.seed}, {args.epochs} epochs: "
         f"{outside:.0%} of E(x_a) and {1 - inside:.0%} of E(x_n) outside p_z's central 99%")
    lines = ["## AnoEAN toy example (the paper's Figure 3)", "",
             f"Command: `{common.command()}`; machine: {common.machine()}.", "",
             f"![densities in the decision space]({FIGURE.name})", "",
             f"On a fresh draw of the toy data: {outside:.1%} of the anomalies' encodings lie "
             f"outside the central 99% of p_z = N(0, 1), and {inside:.1%} of the normal ones "
             f"inside it; E(x_n) has mean {normal_codes.mean():.2f} and standard deviation "
             f"{normal_codes.std():.2f} (p_z: 0 and 1). AUROC of the Mahalanobis score: "
             f"{auroc:.3f}."]
    common.publish("anoean_toy", lines, seed=args.seed, epochs=args.epochs,
                   anomalies_outside=outside, normal_inside=inside,
                   normal_mean=float(normal_codes.mean()), normal_std=float(normal_codes.std()),
                   auroc=auroc)


if __name__ == "__main__":
    main()
