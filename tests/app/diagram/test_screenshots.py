"""The editor renders a 2D network and the cat network (saved as PNGs to look at)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from nnviz.engine.spec import LayerSpec, NetworkSpec
from nnviz.live.snapshot import TrainingSnapshot

from .test_live import random_weights


def colours(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    return len(np.unique(np.frombuffer(image.constBits(), np.uint32)))


def test_screenshots_of_a_2d_and_the_cat_network(make_view, tmp_path):
    two_d = make_view(NetworkSpec())
    two_d.set_input_description(["x1", "x2"], None)
    grids = tuple(
        np.random.default_rng(1).normal(size=(layer.units, 12, 12)).astype(np.float32)
        for layer in two_d.document.spec.dense_layers
    )
    two_d.show_snapshot(
        TrainingSnapshot(weights=random_weights(two_d.document.spec), neuron_grids=grids)
    )
    cat_spec = NetworkSpec(
        input_dim=12288,
        layers=(
            *(LayerSpec(units=u) for u in (20, 7, 5)),
            LayerSpec(units=1, activation="sigmoid"),
        ),
    )
    cat = make_view(cat_spec)
    cat.set_input_description(None, (64, 64, 3))
    cat.show_snapshot(TrainingSnapshot(weights=random_weights(cat_spec)))
    assert cat.diagram.columns[0].image
    for name, view in (("diagram_2d.png", two_d), ("diagram_cat.png", cat)):
        image = view.grab().toImage()
        assert image.save(str(tmp_path / name))
        assert colours(image) > 200  # lines in two colours at many strengths, text, heatmaps
        # the whole network is in view
        visible = view.mapToScene(view.viewport().rect()).boundingRect()
        assert visible.contains(view.diagram.network_rect())
