"""2D data: the decision boundary over the input plane and one small heatmap per neuron."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.frame_clock import identity_key
from nnviz.app.plots.style import (
    DIVERGING_STOPS,
    PictureItem,
    SteadyScatter,
    class_color,
    diverging_colormap,
    diverging_lut,
    lut_rgba,
    style_axes,
)
from nnviz.live.snapshot import Boundary, TrainingSnapshot

MAX_NEURONS_SHOWN = 12


def boundary_image(boundary: Boundary, discretize: bool) -> np.ndarray:
    """What the boundary heatmap draws: P(class 1) for two classes (thresholded at 0.5
    when ``discretize``), or an RGB float image mixing class colours by probability."""
    grid = boundary.grid
    if grid.ndim == 2:
        return (grid > 0.5).astype(np.float32) if discretize else grid
    k = grid.shape[-1]
    if discretize:
        grid = np.eye(k, dtype=np.float32)[np.argmax(grid, axis=-1)]
    colors = np.array([class_color(i).getRgbF()[:3] for i in range(k)], dtype=np.float32)
    rgb = grid @ colors
    confidence = grid.max(axis=-1, keepdims=True)
    # Uncertain regions fade to white, so the boundary itself shows.
    return (255.0 * (1.0 - (1.0 - rgb) * confidence)).astype(np.float32)


def _rect(bounds: tuple[float, float, float, float]) -> QRectF:
    x0, x1, y0, y1 = bounds
    return QRectF(x0, y0, x1 - x0, y1 - y0)


class BoundaryView(QWidget):
    """The network's output over the input plane, with the training points on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.discretize_check = QCheckBox("Discretize output")
        self.discretize_check.setToolTip(
            "Colour each point of the plane by the predicted class instead of the probability."
        )
        self.test_check = QCheckBox("Show test points")
        self.test_check.setToolTip(
            "Also draw the held-out test points (hollow), which the network never trains on."
        )
        self.discretize_check.toggled.connect(self._redraw)
        self.test_check.toggled.connect(self._on_test_toggled)
        top = QHBoxLayout()
        top.addWidget(self.discretize_check)
        top.addWidget(self.test_check)
        top.addStretch(1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.plot = self.graphics.addPlot(title="Decision boundary")
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "x1")
        self.plot.setLabel("left", "x2")
        style_axes(self.plot)
        self._lut = diverging_lut()
        # The image is coloured here (RGBA), so pyqtgraph draws it as it is.
        self.image = PictureItem()
        self.plot.addItem(self.image)
        self.color_bar = pg.ColorBarItem(
            values=(0.0, 1.0),
            colorMap=diverging_colormap(),
            interactive=False,
            label="P(class 1)",
            colorMapMenu=False,
        )
        style_axes(self.color_bar)
        self.plot.layout.addItem(self.color_bar, 2, 5)  # after the right-hand axis
        self.plot.layout.setColumnFixedWidth(4, 5)
        self.train_points = SteadyScatter(size=7, pen=pg.mkPen("#222222", width=0.8))
        self.test_points = SteadyScatter(size=8, symbol="t", brush=None)
        self.test_points.setVisible(False)
        # The points stay put while the image under them changes with every frame: keep
        # them as a picture (redrawn only when they or the zoom change).
        for points in (self.train_points, self.test_points):
            points.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        self._boundary: Boundary | None = None
        self._rect: QRectF | None = None

    def set_points(
        self, train_xy: np.ndarray, train_y: np.ndarray, test_xy: np.ndarray, test_y: np.ndarray
    ) -> None:
        """The raw (x1, x2) coordinates and class labels of the points to draw."""
        self.train_points.setData(
            x=train_xy[:, 0],
            y=train_xy[:, 1],
            brush=[pg.mkBrush(class_color(int(c))) for c in train_y],
        )
        self.test_points.setData(
            x=test_xy[:, 0],
            y=test_xy[:, 1],
            brush=None,
            pen=[pg.mkPen(class_color(int(c)), width=2) for c in test_y],
        )
        self._boundary = None
        self._rect = None
        self.image.clear()

    def _on_test_toggled(self, on: bool) -> None:
        self.test_points.setVisible(on)

    def snapshot_key(self, snapshot: TrainingSnapshot) -> int | None:
        return identity_key(snapshot.boundary)

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        if snapshot.boundary is None:
            return
        self._boundary = snapshot.boundary
        self._redraw()

    def _redraw(self) -> None:
        boundary = self._boundary
        if boundary is None:
            return
        image = boundary_image(boundary, self.discretize_check.isChecked())
        probability = image.ndim == 2
        if self.color_bar.isVisible() != probability:  # a probability, or class colours
            self.color_bar.setVisible(probability)
        rgba = lut_rgba(image, self._lut) if probability else image.astype(np.uint8)
        self.image.setImage(rgba, autoLevels=False)
        rect = _rect(boundary.bounds)
        if rect != self._rect:
            # The plane never moves: a fixed range spares a bounds search per frame.
            self.image.setRect(rect)
            self.plot.setRange(rect, padding=0.02)
            self._rect = rect


class NeuronGridView(QWidget):
    """One small heatmap per hidden neuron: what it responds to over the input plane
    (orange negative, white zero, purple positive).

    Each layer is one image, its neurons side by side, coloured in one NumPy pass: a
    redraw costs one ``setImage`` per layer, however many neurons there are."""

    GAP = 2  # transparent pixels between two neurons

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.note)
        self.images: list[pg.ImageItem] = []
        self.neurons_shown: list[int] = []
        self._shape: tuple[int, ...] = ()
        self._lut = diverging_lut()

    def _build(self, shape: tuple[int, ...]) -> None:
        self.graphics.clear()
        self.images = []
        hidden = shape[:-1]
        self.neurons_shown = [min(units, MAX_NEURONS_SHOWN) for units in hidden]
        for row in range(len(hidden)):
            self.graphics.addLabel(f"layer {row + 1}", row=row, col=0)
            box = self.graphics.addViewBox(row=row, col=1, lockAspect=True)
            box.setMouseEnabled(False, False)
            box.setMenuEnabled(False)
            image = PictureItem()
            box.addItem(image)
            self.images.append(image)
        hidden_more = [u for u in hidden if u > MAX_NEURONS_SHOWN]
        legend = (
            "Each neuron's output over the input plane: "
            f"<span style='color:{DIVERGING_STOPS[0][1]}'>■</span> negative, "
            "white zero, "
            f"<span style='color:{DIVERGING_STOPS[-1][1]}'>■</span> positive "
            "(each square scaled to its own largest value)."
        )
        if hidden_more:
            legend += f" Showing the first {MAX_NEURONS_SHOWN} neurons of each layer."
        self.note.setText(legend)
        self._shape = shape

    def row_image(self, grid: np.ndarray, count: int) -> np.ndarray:
        """The first ``count`` neurons of a ``(units, g, g)`` grid side by side, each
        scaled to its own largest absolute value: a ``(g, count * (g + GAP), 4)`` image."""
        cells = np.asarray(grid[:count], dtype=np.float32)
        reach = np.abs(cells).max(axis=(1, 2), keepdims=True)
        scaled = cells / np.where(reach > 0, reach, 1.0)
        rgba = lut_rgba(scaled, self._lut, -1.0, 1.0)  # (count, g, g, 4)
        g = cells.shape[1]
        out = np.zeros((count, g, g + self.GAP, 4), dtype=np.uint8)
        out[:, :, :g] = rgba
        return np.ascontiguousarray(out.transpose(1, 0, 2, 3).reshape(g, -1, 4))

    def cell(self, layer: int, unit: int) -> np.ndarray:
        """The pixels drawn for neuron ``unit`` of hidden layer ``layer``."""
        image = self.images[layer].image
        g = image.shape[0]
        start = unit * (g + self.GAP)
        return image[:, start : start + g]

    def snapshot_key(self, snapshot: TrainingSnapshot) -> int | None:
        return identity_key(snapshot.neuron_grids)

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        if snapshot.neuron_grids is None:
            return
        grids = snapshot.neuron_grids
        shape = tuple(g.shape[0] for g in grids)
        if shape != self._shape:
            self._build(shape)
        for image, grid, count in zip(self.images, grids, self.neurons_shown, strict=False):
            image.setImage(self.row_image(grid, count), autoLevels=False)
