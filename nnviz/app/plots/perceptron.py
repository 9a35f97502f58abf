"""The perceptron lab, drawn on the decision-boundary plot.

When the network is a single neuron on two inputs, ŷ = g(w0 + w1·x1 + w2·x2), its decision
line w0 + w1·x1 + w2·x2 = 0 is drawn on the boundary plot (for sigmoid also the lines where
ŷ = 0.1 and ŷ = 0.9), with two handles: drag the round one to move the line, the square one
to turn it. A release sets w0, w1, w2 as one undoable edit of the document
(the controller's). Under the plot the slide's arithmetic is written out with the current
numbers for an input X (the slide's X = [−2, 2] by default).

The plot shows raw coordinates while the network sees encoded ones (the dataset's
normalization, :meth:`PreparedData.encode`): for an affine encoding u = A·x + c the line
w0 + w·u = 0 is (w0 + w·c) + (Aᵀw)·x = 0 in the plot. Other encodings (squared features)
make the boundary a curve, and the lab says so instead of drawing a wrong line.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.document import NetworkDocument
from nnviz.app.plots.boundary import BoundaryView
from nnviz.data import PreparedData
from nnviz.engine.spec import NetworkSpec
from nnviz.live.snapshot import TrainingSnapshot
from nnviz.live.trace import number, trace_sample, weighted_sum

SLIDE_W0 = 1.0
SLIDE_W = (3.0, -2.0)
SLIDE_X = (-2.0, 2.0)
#: ŷ = 0.1 and 0.9 where z = ∓ln 9
CONTOUR_Z = math.log(9.0)
TURN_ARM_PIXELS = 70  # how far from the moving handle the turning one sits on screen
TURN_ARM = 0.3  # ... or this fraction of the plane's width before the plot is laid out
LINE_COLOR = "#111111"


def is_perceptron(spec: NetworkSpec) -> bool:
    dense = spec.dense_layers
    return spec.input_dim == 2 and len(dense) == 1 and dense[0].units == 1


def affine_encoding(data: PreparedData) -> tuple[np.ndarray, np.ndarray] | None:
    """(A, c) with encode(x) = A·x + c for the 2D plane of ``data``, or None when its
    encoding is not affine (engineered features) or not invertible."""
    if data.bounds is None or data.input_dim != 2:
        return None
    probe = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    u = data.encode(probe)
    c = u[0]
    a = np.column_stack([u[1] - c, u[2] - c])
    x0, x1, y0, y1 = data.bounds
    check = np.array([[x0, y0], [x1, y1], [x0, y1], [0.5 * (x0 + x1), y0]])
    if not np.allclose(data.encode(check), check @ a.T + c, rtol=1e-9, atol=1e-9):
        return None
    if abs(np.linalg.det(a)) < 1e-12:
        return None
    return a, c


def plot_line(w0: float, w: np.ndarray, a: np.ndarray, c: np.ndarray) -> tuple[float, np.ndarray]:
    """The network's line w0 + w·u = 0 in plot coordinates: (b, v) with b + v·x = 0."""
    return float(w0 + w @ c), a.T @ w


def network_line(b: float, v: np.ndarray, a: np.ndarray, c: np.ndarray) -> tuple[float, np.ndarray]:
    """The inverse of :func:`plot_line`: (w0, w) from the plot's line b + v·x = 0."""
    w = np.linalg.solve(a.T, v)
    return float(b - w @ c), w


def clip_line(
    b: float, v: np.ndarray, bounds: tuple[float, float, float, float]
) -> np.ndarray | None:
    """The two ends (2, 2) of the line b + v·x = 0 inside ``bounds``, or None."""
    x0, x1, y0, y1 = bounds
    points = []
    if abs(v[1]) > 1e-15:
        for x in (x0, x1):
            y = -(b + v[0] * x) / v[1]
            if y0 - 1e-12 <= y <= y1 + 1e-12:
                points.append((x, y))
    if abs(v[0]) > 1e-15:
        for y in (y0, y1):
            x = -(b + v[1] * y) / v[0]
            if x0 - 1e-12 <= x <= x1 + 1e-12:
                points.append((x, y))
    if len(points) < 2:
        return None
    ends = np.array(points)
    far = np.argmax(np.sum((ends - ends[0]) ** 2, axis=1))
    return np.array([ends[0], ends[far]])


def anchor(b: float, v: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """The point of the line b + v·x = 0 nearest to ``centre``."""
    return centre - (b + v @ centre) / (v @ v) * v


def moved(v: np.ndarray, point: np.ndarray) -> float:
    """The line with normal ``v`` moved to pass through ``point``: its new b."""
    return float(-v @ point)


def turned(
    b: float, v: np.ndarray, pivot: np.ndarray, handle: np.ndarray
) -> tuple[float, np.ndarray]:
    """The line turned about ``pivot`` to pass through ``handle``; the normal keeps its
    length and the side it points to (which class is where)."""
    direction = handle - pivot
    if not np.any(direction):
        return b, v
    normal = np.array([-direction[1], direction[0]])
    normal *= math.hypot(*v) / math.hypot(*normal)
    if normal @ v < 0:
        normal = -normal
    return float(-normal @ pivot), normal


class PerceptronLab(QWidget):
    """The lab's panel (under the boundary plot) and its items on the plot."""

    def __init__(
        self,
        view: BoundaryView,
        document: NetworkDocument,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.document = document
        self.data: PreparedData | None = None
        self.encoding: tuple[np.ndarray, np.ndarray] | None = None
        self.weights: tuple[float, np.ndarray] | None = None  # (w0, w) of the network
        self._dragging = False

        plot = view.plot
        self.line = pg.PlotCurveItem(pen=pg.mkPen(LINE_COLOR, width=3))
        dashed = pg.mkPen(LINE_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
        self.contours = (pg.PlotCurveItem(pen=dashed), pg.PlotCurveItem(pen=dashed))
        self.move_handle = pg.TargetItem(
            symbol="o", size=16, pen=pg.mkPen(LINE_COLOR, width=2), brush="#ffffff"
        )
        self.turn_handle = pg.TargetItem(
            symbol="s", size=14, pen=pg.mkPen(LINE_COLOR, width=2), brush="#ffffff"
        )
        self.move_handle.setToolTip("Drag to move the decision line (changes w0)")
        self.turn_handle.setToolTip("Drag to turn the decision line (changes w1 and w2)")
        self.probe = pg.ScatterPlotItem(
            symbol="d", size=16, brush=pg.mkBrush("#ffffff"), pen=pg.mkPen(LINE_COLOR, width=2)
        )
        # the moving handle on top: where both overlap, a drag moves the line
        self.probe_label = pg.TextItem("X", color=LINE_COLOR, anchor=(-0.15, 1.0))
        self.items = (
            self.line,
            *self.contours,
            self.probe,
            self.probe_label,
            self.turn_handle,
            self.move_handle,
        )
        for z, item in enumerate(self.items):
            item.setZValue(10 + z)
            # the input X may lie outside the data's plane: the view grows to show it
            plot.addItem(item, ignoreBounds=item is not self.probe)
            item.setVisible(False)
        for handle in (self.move_handle, self.turn_handle):
            handle.sigPositionChanged.connect(self._on_handle_moved)
            handle.sigPositionChangeFinished.connect(self._on_handle_released)

        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.formula = QLabel("")
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.x1 = self._input_spin(SLIDE_X[0])
        self.x2 = self._input_spin(SLIDE_X[1])
        self.example_button = QPushButton("Slide's example")
        self.example_button.setToolTip("w0 = 1, W = [3, −2] and the input X = [−2, 2]")
        self.example_button.clicked.connect(self.load_example)
        inputs = QHBoxLayout()
        inputs.addWidget(QLabel("Input X ="))
        inputs.addWidget(self.x1)
        inputs.addWidget(self.x2)
        inputs.addStretch(1)
        inputs.addWidget(self.example_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.heading)
        layout.addLayout(inputs)
        layout.addWidget(self.formula)
        view.layout().addWidget(self)
        plot.vb.sigRangeChanged.connect(self._on_view_changed)
        plot.vb.sigResized.connect(self._on_view_changed)
        document.specChanged.connect(self._refresh)
        self.setVisible(False)

    def _input_spin(self, value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(minimum=-1e6, maximum=1e6, decimals=3, singleStep=0.5)
        box.setValue(value)
        box.setToolTip("The input X as the network sees it (after normalization)")
        box.valueChanged.connect(self._draw)
        return box

    # -- state --------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.encoding is not None and is_perceptron(self.document.spec)

    def set_data(self, data: PreparedData) -> None:
        self.data = data
        self.encoding = affine_encoding(data)
        self.weights = None
        self._refresh()

    def _refresh(self, *_args: object) -> None:
        spec = self.document.spec
        shown = is_perceptron(spec) and self.data is not None and self.data.bounds is not None
        self.setVisible(shown)
        if shown and self.encoding is None:
            self.heading.setText(
                "The inputs go through engineered features, so the perceptron's boundary is "
                "a curve here: use the plain x1, x2 features to see its line."
            )
        elif shown:
            activation = spec.dense_layers[0].activation
            self.heading.setText(
                f"<b>Perceptron</b>: ŷ = {activation}(w0 + w1·x1 + w2·x2). Drag ● to move "
                "the decision line, ■ to turn it."
            )
        if not self.active:
            for item in self.items:
                item.setVisible(False)
            self.weights = None
            self.formula.setText("")

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        if not self.active or self._dragging or len(snapshot.weights) != 1:
            return
        w, b = snapshot.weights[0]
        if w.shape != (2, 1):
            return
        weights = (float(b[0]), np.array(w[:, 0], dtype=np.float64))
        if self.weights is not None and (
            weights[0] == self.weights[0] and np.array_equal(weights[1], self.weights[1])
        ):
            return  # paused: nothing moved
        self.weights = weights
        self._draw()

    # -- edits --------------------------------------------------------------------------
    def apply(self, w0: float, w: np.ndarray, text: str = "Move the decision line") -> None:
        """Set w0, w1, w2 of the network as one undoable edit."""
        self.weights = (float(w0), np.array(w, dtype=np.float64))
        self.document.edit_parameters(
            (
                (0, "W", (0, 0), float(w[0])),
                (0, "W", (1, 0), float(w[1])),
                (0, "b", (0,), float(w0)),
            ),
            text,
        )
        self._draw()

    def load_example(self) -> None:
        """The slide: w0 = 1, W = [3, −2], X = [−2, 2]."""
        blockers = [QSignalBlocker(self.x1), QSignalBlocker(self.x2)]
        self.x1.setValue(SLIDE_X[0])
        self.x2.setValue(SLIDE_X[1])
        del blockers
        self.apply(SLIDE_W0, np.array(SLIDE_W))

    def _candidate(self, handle: pg.TargetItem) -> tuple[float, np.ndarray] | None:
        """(w0, w) that ``handle``'s position asks for (the other handle stays put)."""
        if self.weights is None or self.encoding is None:
            return None
        a, c = self.encoding
        b, v = plot_line(*self.weights, a, c)
        if not np.any(v):
            return None
        position = handle.pos()
        point = np.array([position.x(), position.y()])
        if handle is self.move_handle:
            b = moved(v, point)
        else:
            b, v = turned(b, v, self._pivot(b, v), point)
        return network_line(b, v, a, c)

    def _on_handle_moved(self, handle: pg.TargetItem) -> None:
        if not self.active:
            return
        self._dragging = True
        candidate = self._candidate(handle)
        if candidate is not None:
            self._draw_lines(*candidate)

    def _on_handle_released(self, handle: pg.TargetItem) -> None:
        candidate = self._candidate(handle)
        self._dragging = False
        if candidate is not None:
            self.apply(*candidate)

    # -- drawing ------------------------------------------------------------------------
    def _pivot(self, b: float, v: np.ndarray) -> np.ndarray:
        assert self.data is not None and self.data.bounds is not None
        x0, x1, y0, y1 = self.data.bounds
        return anchor(b, v, np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)]))

    def _on_view_changed(self, *_args: object) -> None:
        """Keep the turning handle a fixed distance on screen, inside the view."""
        if self.active and self.weights is not None and not self._dragging:
            self._place_handles(*self.weights)

    def _draw(self) -> None:
        if not self.active or self.weights is None:
            return
        w0, w = self.weights
        self._draw_lines(w0, w)
        self._place_handles(w0, w)
        self._write(w0, w)

    def _draw_lines(self, w0: float, w: np.ndarray) -> None:
        assert self.encoding is not None and self.data is not None
        a, c = self.encoding
        b, v = plot_line(w0, w, a, c)
        bounds = self.data.bounds
        assert bounds is not None
        sigmoid = self.document.spec.dense_layers[0].activation == "sigmoid"
        lines = ((self.line, 0.0), (self.contours[0], -CONTOUR_Z), (self.contours[1], CONTOUR_Z))
        for item, shift in lines:
            ends = clip_line(b - shift, v, bounds) if np.any(v) else None
            visible = ends is not None and (item is self.line or sigmoid)
            if ends is not None:
                item.setData(ends[:, 0], ends[:, 1])
            item.setVisible(visible)

    def _place_handles(self, w0: float, w: np.ndarray) -> None:
        assert self.encoding is not None and self.data is not None
        a, c = self.encoding
        b, v = plot_line(w0, w, a, c)
        for handle in (self.move_handle, self.turn_handle):
            handle.setVisible(bool(np.any(v)))
        if not np.any(v):
            return
        pivot = self._pivot(b, v)
        x0, x1, _, _ = self.data.bounds or (0, 1, 0, 1)
        along = np.array([v[1], -v[0]]) / math.hypot(*v)
        turn = pivot + self._turn_arm(pivot, along, TURN_ARM * (x1 - x0)) * along
        for handle, point in ((self.move_handle, pivot), (self.turn_handle, turn)):
            with QSignalBlocker(handle):
                handle.setPos(QPointF(float(point[0]), float(point[1])))
        x = np.array([self.x1.value(), self.x2.value()])
        raw = np.linalg.solve(a, x - c)
        self.probe.setData([raw[0]], [raw[1]])
        self.probe_label.setPos(float(raw[0]), float(raw[1]))
        self.probe_label.setText(f"X = [{number(x[0])}, {number(x[1])}]")
        for item in (self.probe, self.probe_label):
            item.setVisible(True)

    def _turn_arm(self, pivot: np.ndarray, along: np.ndarray, fallback: float) -> float:
        """How far along the line the turning handle goes: about TURN_ARM_PIXELS on
        screen, on whichever side of the moving handle stays inside the view (the sign
        gives the side)."""
        box = self.view.plot.vb
        pixel = box.viewPixelSize()[0]
        if pixel <= 0:
            return fallback
        (left, right), (bottom, top) = box.viewRange()
        margin = 10 * pixel
        low = np.array([left + margin, bottom + margin])
        high = np.array([right - margin, top - margin])

        def room(direction: np.ndarray) -> float:
            limits = [
                ((high if d > 0 else low)[k] - pivot[k]) / d
                for k, d in enumerate(direction)
                if abs(d) > 1e-12
            ]
            return max(min(limits), 0.0) if limits else 0.0

        forward, backward = room(along), room(-along)
        wanted = TURN_ARM_PIXELS * pixel
        if forward >= wanted or forward >= backward:
            return min(wanted, forward)
        return -min(wanted, backward)

    def _write(self, w0: float, w: np.ndarray) -> None:
        x = np.array([self.x1.value(), self.x2.value()])
        spec = self.document.spec
        trace = trace_sample(spec, [(w[:, None], np.array([w0]))], x, 0)
        step = trace.layers[0]
        g = "σ" if step.activation == "sigmoid" else step.activation
        self.formula.setText(
            f"w0 = {number(w0)}, W = [{number(w[0])}, {number(w[1])}], "
            f"X = [{number(x[0])}, {number(x[1])}]<br>"
            f"z = w0 + w1·x1 + w2·x2 = {weighted_sum(w0, w, x)} = <b>{number(step.z[0])}</b>"
            f"<br>ŷ = {g}({number(step.z[0])}) = <b>{number(step.a[0], 5)}</b>"
        )
