"""The first layer's weights as pictures, one per neuron, for image data."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from nnviz.app.plots.first_layer import FirstLayerWeightsView, weight_image
from nnviz.data import DataConfig
from nnviz.live.snapshot import TrainingSnapshot

TIMEOUT_MS = 10_000


def test_a_weight_column_becomes_an_image_with_zero_at_grey():
    column = np.zeros(4 * 2 * 3)
    column[0], column[5] = 2.0, -1.0
    picture = weight_image(column, (4, 2, 3))
    assert picture.shape == (4, 2, 3) and picture.dtype == np.uint8
    assert picture[0, 0, 0] == 255  # the largest |weight|: white
    assert picture[0, 1, 2] == 64  # -1 of reach 2: a quarter of the way to black
    assert picture[3, 1, 2] == 128  # 0: mid-grey


def test_one_picture_per_first_layer_neuron(qtbot):
    view = FirstLayerWeightsView(columns=2)
    qtbot.addWidget(view)
    view.set_image_shape((4, 2, 3))
    w = np.random.default_rng(0).standard_normal((24, 3))
    view.show_snapshot(TrainingSnapshot(weights=((w, np.zeros(3)), (np.ones((3, 1)), np.zeros(1)))))
    assert len(view.pictures) == 3
    image = view.pictures[1].pixmap().toImage()
    assert image.width() == 72
    view.set_image_shape(None)  # 2D data: nothing to show
    assert view.pictures == []


def test_the_cat_networks_20_neurons(qtbot, make_window, cat_data_dir):
    window = make_window("cat", data_dir=cat_data_dir)
    assert window.first_layer_dock.isVisible()
    window.first_layer_dock.raise_()
    qtbot.mouseClick(window.training_panel.buttons["step_batch"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.first_layer.pictures) == 20, timeout=TIMEOUT_MS)
    window.set_data_config(DataConfig(kind="points", name="xor"))
    assert not window.first_layer_dock.isVisible() and window.first_layer.pictures == []
