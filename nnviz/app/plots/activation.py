"""An activation function and its derivative, over the chosen layer's pre-activations.

The histogram under the curves shows where the layer's inputs z actually fall, so sigmoid
tails (derivative near 0) and dead ReLUs (all z < 0) are visible while training runs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.app.frame_clock import identity_key
from nnviz.app.plots.style import (
    DERIVATIVE_COLOR,
    TRAIN_COLOR,
    SteadyRange,
    fast_curve,
    fixed_left_axis,
    legend_html,
    style_axes,
)
from nnviz.app.training_panel import steady_label
from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.spec import NetworkSpec
from nnviz.live.snapshot import TrainingSnapshot

DEFAULT_SPAN = 6.0
CURVE_POINTS = 401


def activation_curves(name: str, span: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z on [-span, span] with g(z) and g'(z) from the engine's activation registry.

    Softmax mixes a whole row, so it is drawn as the sigmoid of one logit against zero
    (which is what it is for two classes)."""
    z = np.linspace(-span, span, CURVE_POINTS)
    key = "sigmoid" if name == "softmax" else name
    activation = ACTIVATIONS.get(key)
    column = z[:, None]
    value = np.asarray(activation.forward(column)).reshape(-1)
    slope = np.asarray(activation.derivative(column)).reshape(-1)
    return z, value, slope


class ActivationView(QWidget):
    """Curves of g and g' for the chosen dense layer, and its pre-activation histogram."""

    layerChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip(
            "Which layer's activation function and pre-activation values to show."
        )
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        self.saturation_label = steady_label("saturated: 100%   dead: 100%")
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer:"))
        top.addWidget(self.layer_combo)
        top.addWidget(QLabel(legend_html([("g(z)", TRAIN_COLOR), ("g'(z)", DERIVATIVE_COLOR)])))
        top.addStretch(1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.curve_plot = self.graphics.addPlot(row=0, col=0)
        fixed_left_axis(self.curve_plot)
        style_axes(self.curve_plot)
        self.function_curve = fast_curve(self.curve_plot, pg.mkPen(TRAIN_COLOR, width=2))
        self.derivative_curve = fast_curve(
            self.curve_plot,
            pg.mkPen(DERIVATIVE_COLOR, width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
        )
        self.hist_plot = self.graphics.addPlot(row=1, col=0)
        self.hist_plot.setLabel("bottom", "pre-activation z")
        self.hist_plot.setLabel("left", "count")
        self.hist_plot.setXLink(self.curve_plot)
        self.hist_plot.setMaximumHeight(140)
        # No title and no x axis of its own above the histogram's (the layer list names
        # the function): on a 1280x800 screen the curves' axis labels had no room left.
        self.curve_plot.hideAxis("bottom")
        fixed_left_axis(self.hist_plot)
        style_axes(self.hist_plot)
        self.count_range = SteadyRange(self.hist_plot.vb, "y")
        self.histogram = self.hist_plot.plot(
            stepMode="center", fillLevel=0, brush=(120, 120, 120, 110), pen=pg.mkPen("#777777")
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        # on a row of its own: beside the layer's name it made the dock too wide for 1280 px
        layout.addWidget(self.saturation_label)
        layout.addWidget(self.graphics, 1)
        self._activations: list[str] = []
        self._drawn: tuple[str, float] | None = None

    @property
    def focus_layer(self) -> int:
        return max(self.layer_combo.currentIndex(), 0)

    def set_spec(self, spec: NetworkSpec) -> None:
        """List the dense layers of ``spec`` (keeping the chosen one when it still exists)."""
        dense = spec.dense_layers
        self._activations = [layer.activation for layer in dense]
        current = self.focus_layer
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for i, layer in enumerate(dense):
            role = "output" if i == len(dense) - 1 else f"hidden {i + 1}"
            self.layer_combo.addItem(f"{role}: {layer.activation} ({layer.units})")
        self.layer_combo.setCurrentIndex(min(current, len(dense) - 1))
        self.layer_combo.blockSignals(False)
        self._drawn = None
        self._draw_curves(DEFAULT_SPAN)

    def _on_layer_chosen(self, index: int) -> None:
        if index >= 0:
            self._drawn = None
            self._draw_curves(DEFAULT_SPAN)
            self.layerChosen.emit(index)

    def _draw_curves(self, span: float) -> None:
        if not self._activations:
            return
        name = self._activations[self.focus_layer]
        if self._drawn == (name, span):
            return
        z, value, slope = activation_curves(name, span)
        self.function_curve.setData(z, value)
        self.derivative_curve.setData(z, slope)
        # z spans whole units and changes rarely: so does the (shared) x axis.
        self.curve_plot.setXRange(-span, span, padding=0.02)
        self._drawn = (name, span)

    def snapshot_key(self, snapshot: TrainingSnapshot) -> int | None:
        """The chosen layer's histogram (none while the worker still sends another's)."""
        if snapshot.focus_layer != self.focus_layer:
            return None
        return identity_key(snapshot.preactivation_hist)

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        hist = snapshot.preactivation_hist
        if hist is None or snapshot.focus_layer != self.focus_layer:
            return
        self.histogram.setData(hist.edges, hist.counts)
        self.count_range.show(0.0, float(hist.counts.max()), pad_low=False)
        reach = float(max(abs(hist.edges[0]), abs(hist.edges[-1]), DEFAULT_SPAN))
        self._draw_curves(float(np.ceil(reach)))
        if snapshot.layer_stats and self.focus_layer < len(snapshot.layer_stats):
            stats = snapshot.layer_stats[self.focus_layer]
            parts = []
            for label in ("saturated", "dead"):
                value = getattr(stats, label, None)
                if value is not None:
                    parts.append(f"{label}: {100 * float(value):.0f}%")
            self.saturation_label.setText("   ".join(parts))
