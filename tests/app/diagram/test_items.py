"""Drawing helpers: heatmaps and pens."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPen

from nnviz.app.diagram.items import heatmap_image, opaque_pen


def test_heatmap_colours_sign_and_orientation(qapp):
    grid = np.array([[-1.0, 0.0], [0.0, 2.0]], np.float32)  # row 0 = lowest x2
    image = heatmap_image(grid)
    bottom_left, top_right = image.pixelColor(0, 1), image.pixelColor(1, 0)
    assert bottom_left.blue() > bottom_left.red()  # negative → blue, drawn at the bottom
    assert top_right.red() > top_right.blue()  # the largest value → full red, at the top
    assert top_right == QColor("#d6604d")
    middle = image.pixelColor(0, 0)
    assert min(middle.red(), middle.green(), middle.blue()) > 230  # zero → near white


def test_round_mask_clears_the_corners(qapp):
    image = heatmap_image(np.ones((10, 10), np.float32), round_mask=True)
    assert image.pixelColor(0, 0).alpha() == 0 and image.pixelColor(5, 5).alpha() == 255


def test_opaque_pen_mixes_with_the_background(qapp):
    colour = QColor(200, 0, 0)
    colour.setAlphaF(0.5)
    pen = QPen(colour, 3.0)
    mixed = opaque_pen(pen, QColor(0, 0, 200))
    assert mixed.color().alpha() == 255
    assert (mixed.color().red(), mixed.color().blue()) == (pytest.approx(100, abs=1),) * 2
    assert mixed.widthF() == 3.0
    assert opaque_pen(pen, None) is pen
