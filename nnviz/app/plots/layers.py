"""Per-layer activation distributions and gradient norms over time.

The lesson on vanishing and exploding gradients: with sigmoid and a deep stack the early
layers' gradient norms fall by orders of magnitude; with large initial weights they grow.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnviz.app.frame_clock import history_key, identity_key
from nnviz.app.plots.style import (
    STEP_CURVE_WIDTH,
    FastCurve,
    SteadyRange,
    class_color,
    fast_curve,
    fixed_left_axis,
    legend_html,
    style_axes,
    thinned,
)
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
            style_axes(plot)
        # (the gradient plot's y is log10 of the norms: its view coordinates)
        self.distribution_x = SteadyRange(self.distribution_plot.vb, "x")
        self.distribution_y = SteadyRange(self.distribution_plot.vb, "y")
        self.gradient_x = SteadyRange(self.gradient_plot.vb, "x", margin=1.0)  # grows
        self.gradient_y = SteadyRange(self.gradient_plot.vb, "y")
        self.legend = QLabel("")
        self.distribution_curves: list[FastCurve] = []
        self.gradient_curves: list[FastCurve] = []
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
                curves.append(
                    fast_curve(plot, pg.mkPen(class_color(i + 1), width=STEP_CURVE_WIDTH))
                )

    def clear(self) -> None:
        for item in (*self.distribution_curves, *self.gradient_curves):
            item.setData([], [])

    def snapshot_key(self, snapshot: TrainingSnapshot) -> tuple[object, ...]:
        """The activation histograms (new with each snapshot) and the gradient history."""
        return identity_key(snapshot.activation_hists), history_key(snapshot.grad_norms)

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        """Draw ``snapshot``; a run with no steps yet (after a reset) clears the plots."""
        count = len(snapshot.weights)
        if count == 0:
            return
        self._ensure_layers(count)
        if not snapshot.activation_hists:
            for item in self.distribution_curves:
                item.setData([], [])
        edges = [hist.edges for hist in snapshot.activation_hists]
        shares = [
            100.0 * h.counts / max(float(h.counts.sum()), 1.0) for h in snapshot.activation_hists
        ]
        for item, edge, share in zip(self.distribution_curves, edges, shares, strict=False):
            item.setData(0.5 * (edge[:-1] + edge[1:]), share)
        if edges:
            self.distribution_x.show(min(e[0] for e in edges), max(e[-1] for e in edges))
            self.distribution_y.show(0.0, max(float(s.max()) for s in shares), pad_low=False)
        norms = snapshot.grad_norms
        if not len(norms):
            for item in self.gradient_curves:
                item.setData([], [])
        elif norms.ndim == 2 and norms.shape[1] == count:
            keep = thinned(len(norms))
            steps = snapshot.grad_norm_steps[keep]
            # A log axis cannot show 0: floor at a tiny value (a dead layer stays visible).
            shown = np.maximum(norms[keep], 1e-12)
            for i, item in enumerate(self.gradient_curves):
                item.setData(steps, shown[:, i])
            self.gradient_x.show(0.0, max(float(steps[-1]), 1.0), pad_low=False)
            finite = shown[np.isfinite(shown)]
            if finite.size:
                self.gradient_y.show(
                    math.log10(float(finite.min())), math.log10(float(finite.max()))
                )
