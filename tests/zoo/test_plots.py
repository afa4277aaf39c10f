"""The benchmark plots: each writes a PNG of the expected layout."""

import matplotlib.image
import numpy as np

from zoo import plots


def test_loss_curves_have_one_panel_per_loss(tmp_path):
    histories = {"series a": {"critic_loss": [3.0, 2.0, 1.0], "reward": [0.1, 0.5, 0.9]},
                 "series b": {"critic_loss": [2.0, 1.5, 1.2], "reward": [0.0, 0.2, 0.3]}}
    path = plots.plot_losses(histories, tmp_path / "losses.png", title="t")
    image = matplotlib.image.imread(path)
    # Two panels side by side: wider than high, about 2 × 3.4 by 3.4 inches at 90 dpi.
    assert image.shape[1] == 2 * image.shape[0]
    assert image.std() > 0  # not a blank canvas


def test_image_grid_holds_every_image(tmp_path):
    images = np.random.default_rng(0).random((10, 8, 8, 1))
    path = plots.plot_image_grid(images, tmp_path / "grid.png", columns=5)
    height, width = matplotlib.image.imread(path).shape[:2]
    assert width > height  # 5 columns, 2 rows
