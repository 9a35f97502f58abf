"""The first layer's weights as pictures: for image data each neuron of the first layer
has one weight per pixel and colour, so its weight column is itself a 64x64x3 image of
what the neuron looks for (grey 0, bright positive, dark negative)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from nnviz.app.plots.images import to_pixmap
from nnviz.data import unflatten
from nnviz.live.snapshot import TrainingSnapshot

MAX_NEURONS = 32
PICTURE_PIXELS = 72


def weight_image(column: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """One neuron's incoming weights as a uint8 (h, w, c) image: 0 is mid-grey (128) and
    the largest |weight| of the neuron reaches black or white."""
    reach = float(np.abs(column).max()) or 1.0
    scaled = 127.5 + 127.5 * np.asarray(column, dtype=np.float64) / reach
    return np.ascontiguousarray(unflatten(np.rint(scaled).astype(np.uint8), shape))


class FirstLayerWeightsView(QScrollArea):
    """One picture per first-layer neuron (image data only)."""

    def __init__(self, columns: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.columns = columns
        self.image_shape: tuple[int, int, int] | None = None
        self.pictures: list[QLabel] = []
        self._weights: np.ndarray | None = None
        container = QWidget()
        outer = QVBoxLayout(container)
        self.note = QLabel(
            "What each neuron of layer 1 looks for: its weights on every pixel, as an "
            "image (grey 0, light positive, dark negative)."
        )
        self.note.setWordWrap(True)
        self._grid = QGridLayout()
        outer.addWidget(self.note)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self.setWidget(container)

    def set_image_shape(self, shape: tuple[int, int, int] | None) -> None:
        self.image_shape = shape
        self._weights = None
        self._build(0)

    def _build(self, count: int) -> None:
        for label in self.pictures:
            label.setParent(None)
            label.deleteLater()
        self.pictures = []
        for j in range(count):
            cell = QLabel()
            cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.setToolTip(f"neuron {j + 1} of layer 1")
            self._grid.addWidget(cell, j // self.columns, j % self.columns)
            self.pictures.append(cell)

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        shape = self.image_shape
        if shape is None or not snapshot.weights:
            return
        w = snapshot.weights[0][0]
        if w.shape[0] != int(np.prod(shape)) or w is self._weights:
            return
        self._weights = w
        count = min(w.shape[1], MAX_NEURONS)
        if count != len(self.pictures):
            self._build(count)
        for j, cell in enumerate(self.pictures):
            cell.setPixmap(to_pixmap(weight_image(w[:, j], shape), PICTURE_PIXELS))
