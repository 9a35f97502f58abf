"""Trace one sample: forward layer by layer, the loss, backward layer by layer, and one
gradient-descent step on one weight — in the lesson's notation with the engine's numbers.

Choose the sample by clicking the decision-boundary plot (the nearest training point and
its label), by typing its coordinates, or (image data) by the number of a test image. Next
and Back (or → and ←) walk the stages. The numbers come from :func:`nnviz.live.trace.
trace_sample` on the latest snapshot's weights, so they follow training live.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.document import NetworkDocument
from nnviz.app.plots.boundary import BoundaryView
from nnviz.app.plots.images import to_pixmap
from nnviz.data import PreparedData
from nnviz.live.snapshot import TrainingSnapshot
from nnviz.live.trace import (
    LayerStep,
    SampleTrace,
    load_photo,
    number,
    trace_sample,
    weighted_sum,
)

#: at most this many inputs, values of a vector or matrix rows are written out
MAX_SHOWN = 8
#: at most this many units of a layer get their own line (the cat network's first 20)
MAX_UNITS = 20
IMAGE_PIXELS = 96
MARKER_COLOR = "#ffd400"


def vector(values: np.ndarray, digits: int = 4) -> str:
    """[0.1, −2, …] (the first MAX_SHOWN values, then how many more)."""
    shown = ", ".join(number(float(v), digits) for v in values[:MAX_SHOWN])
    more = f", … {len(values) - MAX_SHOWN} more" if len(values) > MAX_SHOWN else ""
    return f"[{shown}{more}]"


def unit_texts(step: LayerStep, kind: str) -> list[str]:
    """What the diagram writes beside each neuron of ``step``: z and a going forward,
    ∂L/∂z going back."""
    if kind == "forward":
        return [f"z {z:.3g}\na {a:.3g}" for z, a in zip(step.z, step.a, strict=True)]
    return [f"∂L/∂z {dz:.3g}" for dz in step.dz]


def stages(layers: int) -> list[tuple[str, int]]:
    """The walk through a trace: forward per layer, the loss, backward per layer (from the
    output back), the update."""
    forward = [("forward", i) for i in range(layers)]
    backward = [("backward", i) for i in range(layers - 1, -1, -1)]
    return [*forward, ("loss", -1), *backward, ("update", -1)]


def _sup(layer: int) -> str:
    return f"<sup>({layer})</sup>"


def forward_html(trace: SampleTrace, i: int) -> str:
    step = trace.layers[i]
    g = step.activation
    rows = [
        f"<b>Forward, layer {step.number} ({escape(g)})</b>: z = x·W + b, a = {g}(z)",
        f"x = {vector(step.x)}" + (" (the input)" if i == 0 else f" (a{_sup(i)})"),
    ]
    units = len(step.z)
    for j in range(min(units, MAX_UNITS)):
        total = weighted_sum(float(step.b[j]), step.W[:, j], step.x)
        rows.append(
            f"z<sub>{j + 1}</sub> = {total} = <b>{number(float(step.z[j]))}</b>; "
            f"a<sub>{j + 1}</sub> = {g}({number(float(step.z[j]))}) = "
            f"<b>{number(float(step.a[j]), 5)}</b>"
        )
    if units > MAX_UNITS:
        rows.append(f"… and {units - MAX_UNITS} more units")
    return "<br>".join(rows)


def loss_html(trace: SampleTrace) -> str:
    y_hat, target = trace.output, trace.target
    rows = [f"<b>The loss of this sample</b> ({escape(trace.loss_name)})"]
    if trace.loss_name == "binary_crossentropy":
        p, y = float(y_hat[0]), float(target[0])
        rows += [
            f"ŷ = {number(p, 5)}, y = {number(y)}",
            f"L = −[y·ln ŷ + (1 − y)·ln(1 − ŷ)] = −[{number(y)}·ln({number(p, 5)}) + "
            f"{number(1 - y)}·ln({number(1 - p, 5)})] = <b>{number(trace.loss, 5)}</b>",
            f"∂L/∂ŷ = (ŷ − y) / (ŷ·(1 − ŷ)) = <b>{number(float(trace.dyhat[0]), 5)}</b>",
        ]
    else:
        rows += [
            f"ŷ = {vector(y_hat)}, y = {vector(target)}",
            f"L = <b>{number(trace.loss, 5)}</b>",
            f"∂L/∂ŷ = {vector(trace.dyhat)}",
        ]
    return "<br>".join(rows)


def backward_html(trace: SampleTrace, i: int) -> str:
    step = trace.layers[i]
    last = i == len(trace.layers) - 1
    origin = "∂L/∂ŷ" if last else f"∂L/∂z{_sup(i + 2)}·W{_sup(i + 2)}ᵀ"
    rows = [
        f"<b>Backward, layer {step.number} ({escape(step.activation)})</b>",
        f"∂L/∂a = {origin} = {vector(step.da)}",
        f"∂L/∂z = ∂L/∂a ⊙ {escape(step.activation)}′(z) = <b>{vector(step.dz)}</b>",
        f"∂L/∂W = xᵀ·∂L/∂z ({step.dW.shape[0]}×{step.dW.shape[1]}):",
    ]
    for r in range(min(step.dW.shape[0], MAX_SHOWN)):
        rows.append(f"&nbsp;&nbsp;row {r + 1}: {vector(step.dW[r])}")
    if step.dW.shape[0] > MAX_SHOWN:
        rows.append(f"&nbsp;&nbsp;… {step.dW.shape[0] - MAX_SHOWN} more rows")
    rows.append(f"∂L/∂b = ∂L/∂z = {vector(step.db)}")
    return "<br>".join(rows)


def update_html(trace: SampleTrace, layer: int, row: int, col: int) -> str:
    u = trace.update(layer, row, col)
    optimizer = escape(trace.spec.optimizer.name)
    return "<br>".join(
        [
            f"<b>One gradient-descent step</b> on w = W{_sup(layer + 1)}[{row + 1}, {col + 1}]",
            f"w ← w − η·∂L/∂w = {number(u.before, 5)} − {number(u.learning_rate)}·"
            f"({number(u.gradient, 5)}) = <b>{number(u.after, 5)}</b>",
            f"before: w = {number(u.before, 5)}, L = {number(u.loss_before, 5)}",
            f"after: w = {number(u.after, 5)}, L = {number(u.loss_after, 5)}",
            f"<i>Plain gradient descent on this one sample; training uses {optimizer} on "
            "mini-batches and moves every weight at once.</i>",
        ]
    )


class TracePanel(QWidget):
    """The step-by-step trace of one sample (``trace``, at stage ``stage``).
    ``layerShown(spec_index)``: the layer the current stage is about (to highlight it in
    the diagram)."""

    layerShown = Signal(int)
    #: (spec index, one text per unit) for the diagram; (-1, []) clears
    valuesShown = Signal(int, object)

    def __init__(self, document: NetworkDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.data: PreparedData | None = None
        self.trace: SampleTrace | None = None
        self.stage = 0
        self._weights: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
        self._sample: tuple[np.ndarray, int] | None = None
        self._marker: pg.ScatterPlotItem | None = None
        self._plot: pg.PlotItem | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.input_edit = QLineEdit()
        self.input_edit.setPlaceholderText("x1, x2 — or click the decision boundary")
        self.input_edit.setToolTip("The sample's coordinates, as on the plot's axes")
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("The sample's true class y")
        self.image_spin = QSpinBox()
        self.image_spin.setToolTip("Which test image to trace")
        self.trace_button = QPushButton("Trace")
        self.trace_button.setToolTip("Follow this sample through the network")
        self.open_button = QPushButton("Open photo…")
        self.open_button.setToolTip(
            "Trace any PNG/JPEG photo (resized like the training images; or drop it here)"
        )
        self.setAcceptDrops(True)
        self.form = QFormLayout()
        self.form.addRow("Input", self.input_edit)
        self.form.addRow("Test image", self.image_spin)
        self.form.addRow("Class y", self.target_combo)
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.back_button.setToolTip("The previous stage (←)")
        self.next_button.setToolTip("The next stage (→)")
        self.stage_label = QLabel("")
        nav = QHBoxLayout()
        nav.addWidget(self.trace_button)
        nav.addWidget(self.open_button)
        nav.addStretch(1)
        nav.addWidget(self.back_button)
        nav.addWidget(self.stage_label)
        nav.addWidget(self.next_button)
        self.layer_spin = QSpinBox(minimum=1)
        self.row_spin = QSpinBox(minimum=1)
        self.col_spin = QSpinBox(minimum=1)
        weight_row = QHBoxLayout()
        for label, spin in (("layer", self.layer_spin), ("row", self.row_spin)):
            weight_row.addWidget(QLabel(label))
            weight_row.addWidget(spin)
        weight_row.addWidget(QLabel("column"))
        weight_row.addWidget(self.col_spin)
        weight_row.addStretch(1)
        self.weight_box = QWidget()
        self.weight_box.setLayout(weight_row)
        self.weight_box.setToolTip("The weight W[row, column] of this layer to update")
        self.picture = QLabel()
        self.picture.setToolTip("The traced photo: its pixels are the network's inputs x")
        self.picture.setVisible(False)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(self.form)
        layout.addLayout(nav)
        layout.addWidget(self.weight_box)
        content = QHBoxLayout()
        content.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        content.addWidget(self.text, 1)
        layout.addLayout(content, 1)

        self.trace_button.clicked.connect(self._on_trace_clicked)
        self.open_button.clicked.connect(self._choose_photo)
        self.input_edit.returnPressed.connect(self._on_trace_clicked)
        self.back_button.clicked.connect(self.previous_stage)
        self.next_button.clicked.connect(self.next_stage)
        for spin in (self.layer_spin, self.row_spin, self.col_spin):
            spin.valueChanged.connect(self._on_weight_chosen)
        self._show()

    # -- inputs -------------------------------------------------------------------------
    def set_data(self, data: PreparedData) -> None:
        self.data = data
        images = data.image_shape is not None
        self.form.setRowVisible(self.input_edit, not images)
        self.form.setRowVisible(self.image_spin, images)
        self.open_button.setVisible(images)
        self.target_combo.clear()
        self.target_combo.addItems(list(data.class_names))
        n_test = 0 if data.x_test is None else len(data.x_test)
        self.image_spin.setRange(1, max(n_test, 1))
        self._sample = None
        self.trace = None
        self.picture.setVisible(False)
        if self._marker is not None:
            self._marker.setData([], [])
            self._marker.setVisible(False)  # an empty item would still repaint every frame
        self._show()

    def attach_boundary(self, view: BoundaryView) -> None:
        """Clicking ``view``'s plot traces the training point nearest to the click."""
        self._plot = view.plot
        self._marker = pg.ScatterPlotItem(
            symbol="star", size=22, brush=pg.mkBrush(MARKER_COLOR), pen=pg.mkPen("#222222")
        )
        self._marker.setZValue(20)
        self._marker.setVisible(False)
        view.plot.addItem(self._marker)
        view.plot.scene().sigMouseClicked.connect(self._on_plot_clicked)

    def _on_plot_clicked(self, event: object) -> None:
        plot = self._plot
        if plot is None or event.button() != Qt.MouseButton.LeftButton:
            return
        position = event.scenePos()
        if not plot.vb.sceneBoundingRect().contains(position):
            return
        point = plot.vb.mapSceneToView(QPointF(position))
        self.trace_nearest(np.array([point.x(), point.y()]))

    def trace_nearest(self, raw_xy: np.ndarray) -> None:
        """Trace the training point nearest to ``raw_xy`` (plot coordinates), its label
        as the target."""
        if self.data is None or self.data.image_shape is not None:
            return
        train = self.data.raw.train
        nearest = int(np.argmin(np.sum((train.x - raw_xy) ** 2, axis=1)))
        self.trace_raw(train.x[nearest], int(train.y[nearest]))

    def trace_raw(self, raw_xy: np.ndarray, target: int) -> None:
        """Trace the 2D sample at plot coordinates ``raw_xy`` with class ``target``."""
        assert self.data is not None
        self.input_edit.setText(", ".join(f"{v:.4g}" for v in raw_xy))
        self.target_combo.setCurrentIndex(target)
        encoded = self.data.encode(np.asarray(raw_xy, dtype=np.float64)[None, :])[0]
        if self._marker is not None:
            self._marker.setData([raw_xy[0]], [raw_xy[1]])
            self._marker.setVisible(True)
        self._start(encoded, target)

    def _on_trace_clicked(self) -> None:
        data = self.data
        if data is None:
            return
        if data.image_shape is not None:
            if data.x_test is None or data.y_test is None:
                return
            index = self.image_spin.value() - 1
            if data.raw.test is not None:
                self.picture.setPixmap(to_pixmap(data.raw.test.x[index], IMAGE_PIXELS))
                self.picture.setVisible(True)
            self.target_combo.setCurrentIndex(int(data.y_test[index]))
            self._start(data.x_test[index], int(data.y_test[index]))
            return
        try:
            values = [float(v) for v in self.input_edit.text().replace(";", ",").split(",")]
        except ValueError:
            values = []
        if len(values) != 2:
            self.text.setHtml("Type the two coordinates x1, x2 of a point, e.g. <b>−2, 2</b>.")
            return
        self.trace_raw(np.array(values), self.target_combo.currentIndex())

    def _choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Trace a photo", "", "Images (*.png *.jpg *.jpeg);;All files (*)"
        )
        if path:
            self.trace_photo(path)

    def trace_photo(self, path: str | Path) -> None:
        """Trace a photo file, resized like the training images, with the class chosen in
        "Class y" as its target."""
        data = self.data
        if data is None or data.image_shape is None:
            return
        try:
            photo = load_photo(path, data.image_shape)
        except ValueError as exc:
            self.text.setHtml(escape(str(exc)))
            return
        self.picture.setPixmap(to_pixmap(photo, IMAGE_PIXELS))
        self.picture.setVisible(True)
        self.picture.setToolTip(f"{Path(path).name}: its pixels are the network's inputs x")
        self._start(data.encode(photo[None])[0], self.target_combo.currentIndex())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if (
            self.data is not None
            and self.data.image_shape is not None
            and event.mimeData().hasUrls()
        ):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.trace_photo(urls[0].toLocalFile())
            event.acceptProposedAction()

    def _start(self, x: np.ndarray, target: int) -> None:
        self._sample = (np.asarray(x, dtype=np.float64), target)
        self.stage = 0
        self._recompute()
        self.setFocus()

    # -- snapshots ----------------------------------------------------------------------
    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        if snapshot.weights is self._weights:
            return
        self._weights = snapshot.weights
        if self._sample is not None:
            self._recompute()

    def _recompute(self) -> None:
        spec = self.document.spec
        if self._sample is None or not self._weights:
            return
        shapes = [w.shape for w, _ in self._weights]
        expected = []
        n_in = spec.input_dim
        for layer in spec.dense_layers:
            expected.append((n_in, layer.units))
            n_in = layer.units
        if shapes != expected:
            return  # the snapshot predates an edit: wait for the next one
        x, target = self._sample
        self.trace = trace_sample(spec, self._weights, x, target)
        count = len(stages(len(self.trace.layers)))
        self.stage = min(self.stage, count - 1)
        self._show()

    # -- stages -------------------------------------------------------------------------
    def next_stage(self) -> None:
        if self.trace is not None:
            self.stage = min(self.stage + 1, len(stages(len(self.trace.layers))) - 1)
            self._show()

    def previous_stage(self) -> None:
        if self.trace is not None:
            self.stage = max(self.stage - 1, 0)
            self._show()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Right, Qt.Key.Key_N):
            self.next_stage()
        elif event.key() in (Qt.Key.Key_Left, Qt.Key.Key_B):
            self.previous_stage()
        else:
            super().keyPressEvent(event)

    @property
    def stage_name(self) -> tuple[str, int]:
        assert self.trace is not None
        return stages(len(self.trace.layers))[self.stage]

    def choose_weight(self, layer: int, row: int, col: int) -> None:
        """The weight under the mouse in the diagram (0-based): the update stage shows the
        gradient-descent step on it."""
        trace = self.trace
        if trace is None or self.stage_name[0] != "update" or layer >= len(trace.layers):
            return
        rows, cols = trace.layers[layer].W.shape
        if row >= rows or col >= cols:
            return
        spins = ((self.layer_spin, layer, len(trace.layers)), (self.row_spin, row, rows))
        blockers = [
            QSignalBlocker(spin) for spin in (self.layer_spin, self.row_spin, self.col_spin)
        ]
        for spin, value, count in (*spins, (self.col_spin, col, cols)):
            spin.setMaximum(count)
            spin.setValue(value + 1)
        del blockers
        self._show()

    def _on_weight_chosen(self) -> None:
        if self.trace is not None and self.stage_name[0] == "update":
            self._show()

    def _show(self) -> None:
        trace = self.trace
        self.back_button.setEnabled(trace is not None and self.stage > 0)
        count = len(stages(len(trace.layers))) if trace is not None else 0
        self.next_button.setEnabled(trace is not None and self.stage < count - 1)
        if trace is None:
            self.valuesShown.emit(-1, [])
            self.stage_label.setText("")
            self.weight_box.setVisible(False)
            self.text.setHtml(
                "Click a point of the decision boundary (or type its coordinates) to follow "
                "it through the network: z = x·W + b and a = g(z) layer by layer, the loss, "
                "the gradients back to the first layer, and one gradient-descent step."
            )
            return
        kind, i = self.stage_name
        self.stage_label.setText(f"{self.stage + 1} / {count}")
        self.weight_box.setVisible(kind == "update")
        if kind in ("forward", "backward"):
            self.layerShown.emit(self._spec_index(i))
            self.valuesShown.emit(self._spec_index(i), unit_texts(trace.layers[i], kind))
        else:
            self.valuesShown.emit(-1, [])
        if kind == "forward":
            html = forward_html(trace, i)
        elif kind == "backward":
            html = backward_html(trace, i)
        elif kind == "loss":
            html = loss_html(trace)
        else:
            html = self._update_html(trace)
        self.text.setHtml(f"<div style='line-height:140%'>{html}</div>")

    def _spec_index(self, dense_index: int) -> int:
        """Where dense layer ``dense_index`` sits in the document's spec (with dropout)."""
        layers = self.document.spec.layers
        return [n for n, layer in enumerate(layers) if layer.is_dense()][dense_index]

    def _update_html(self, trace: SampleTrace) -> str:
        blockers = [QSignalBlocker(s) for s in (self.layer_spin, self.row_spin, self.col_spin)]
        self.layer_spin.setMaximum(len(trace.layers))
        layer = self.layer_spin.value() - 1
        shape = trace.layers[layer].W.shape
        self.row_spin.setMaximum(shape[0])
        self.col_spin.setMaximum(shape[1])
        del blockers
        return update_html(trace, layer, self.row_spin.value() - 1, self.col_spin.value() - 1)
