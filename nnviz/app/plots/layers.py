"""Per-layer activation distributions and gradient norms over time.

The lesson on vanishing and exploding gradients: with sigmoid and a deep stack the early
layers' gradient norms fall by orders of magnitude; with large initial weights they grow.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnviz.app.frame_clock import history_key, identity_key
from nnviz.app.plots.style import class_color, fixed_left_axis, legend_html, thinned
from nnviz.live.snapshot import TrainingSnapshot


class LayerStatsView(QWidget):
    """Left: the distribution of each dense layer's activations now. Right: each layer's
    gradient norm against the training step, on a log axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.distribution_plot = self.graphics.addPlot(title="Activations")
        self.distribution_plot.setLabel("bottom", "activation")
        self.distribution_plot.setLabel("left", "% of values")
        self.gradient_plot = self.graphics.addPlot(title="Gradient norms")
        self.gradient_plot.setLabel("bottom", "step")
        self.gradient_plot.setLogMode(y=True)
        for plot in (self.distribution_plot, self.gradient_plot):
            fixed_left_axis(plot)
        self.legend = QLabel("")
        self.distribution_curves: list[pg.PlotDataItem] = []
        self.gradient_curves: list[pg.PlotDataItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.legend)
        layout.addWidget(self.graphics, 1)

    def _ensure_layers(self, count: int) -> None:
        if len(self.distribution_curves) == count:
            return
        names = [("output" if i == count - 1 else f"layer {i + 1}") for i in range(count)]
        self.legend.setText(
            legend_html([(n, class_color(i + 1).name()) for i, n in enumerate(names)])
        )
        for plot, curves in (
            (self.distribution_plot, self.distribution_curves),
            (self.gradient_plot, self.gradient_curves),
        ):
            for item in curves:
                plot.removeItem(item)
            curves.clear()
            for i in range(count):
                item = plot.plot(pen=pg.mkPen(class_color(i + 1), width=2))
                item.setClipToView(True)
                item.setDownsampling(auto=True, method="peak")
                curves.append(item)

    def clear(self) -> None:
        for item in (*self.distribution_curves, *self.gradient_curves):
            item.setData([], [])

    def snapshot_key(self, snapshot: TrainingSnapshot) -> tuple[object, ...]:
        """The activation histograms (new with each snapshot) and the gradient history."""
        return identity_key(snapshot.activation_hists), history_key(snapshot.grad_norms)

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        count = len(snapshot.activation_hists) or snapshot.grad_norms.shape[1]
        if count == 0:
            return
        self._ensure_layers(count)
        for item, hist in zip(self.distribution_curves, snapshot.activation_hists, strict=False):
            total = max(float(hist.counts.sum()), 1.0)
            centers = 0.5 * (hist.edges[:-1] + hist.edges[1:])
            item.setData(centers, 100.0 * hist.counts / total)
        norms = snapshot.grad_norms
        if norms.ndim == 2 and norms.shape[1] == count and len(norms):
            keep = thinned(len(norms))
            steps = snapshot.grad_norm_steps[keep]
            for i, item in enumerate(self.gradient_curves):
                # A log axis cannot show 0: floor at a tiny value (a dead layer stays visible).
                item.setData(steps, np.maximum(norms[keep, i], 1e-12))
