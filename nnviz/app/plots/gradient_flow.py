"""Gradient flow: how much gradient reaches each layer, by depth and over time.

Bars by depth, two per layer (the gradient norm ‖∂L/∂W‖, solid, and the update/weight
ratio ‖ΔW‖/‖W‖ of the last step, pale), and the gradient norms' history, on log axes. A log axis
cannot show 0, so exact zeros are drawn on a floor line marked "0" (a dead layer stays in
sight, it does not vanish from the plot). Every layer keeps one colour out of 13 distinct
ones (12 hidden layers and the output), and the layer ticks are thinned so their labels
never overlap however narrow the plot.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnviz.app.plots.style import (
    STEP_CURVE_WIDTH,
    FastCurve,
    SteadyRange,
    fast_curve,
    fixed_left_axis,
    legend_html,
    style_axes,
    thinned,
)
from nnviz.live.snapshot import TrainingSnapshot

#: Kelly's colours of maximum contrast (without white, black and the palest ones)
LAYER_COLORS = (
    "#875692",
    "#f38400",
    "#008856",
    "#be0032",
    "#0067a5",
    "#c2b280",
    "#e68fac",
    "#604e97",
    "#8db600",
    "#882d17",
    "#f6a600",
    "#b3446c",
    "#2b3d26",
)
#: where a log axis draws values that are exactly 0, when nothing else is known
DEFAULT_FLOOR = 1e-12
#: the floor sits this factor below the smallest positive value shown
FLOOR_MARGIN = 10.0
#: least horizontal room (pixels) per layer tick label
MIN_TICK_SPACING = 26
#: least vertical room (pixels) per decade label of a log axis
MIN_DECADE_SPACING = 20
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
BAR_WIDTH = 0.4  # two bars side by side per layer
PALE_ALPHA = 90


def layer_color(index: int) -> QColor:
    """The colour of dense layer ``index`` (0-based), the same in every plot."""
    return QColor(LAYER_COLORS[index % len(LAYER_COLORS)])


def layer_label(index: int, count: int) -> str:
    return "out" if index == count - 1 else str(index + 1)


def log_floor(values: np.ndarray) -> float:
    """The value zeros are drawn at: a decade below the smallest positive value."""
    positive = values[np.isfinite(values) & (values > 0)]
    if not positive.size:
        return DEFAULT_FLOOR
    return float(positive.min()) / FLOOR_MARGIN


def layer_ticks(count: int, pixels: float) -> list[tuple[int, str]]:
    """Tick positions (1-based depth) and labels for ``count`` layers on an axis
    ``pixels`` wide: every layer if there is room, else every second, third... (the output
    layer always labelled)."""
    stride = 1
    while stride < count and pixels / math.ceil(count / stride) < MIN_TICK_SPACING:
        stride += 1
    shown = list(range(count - 1, -1, -stride))[::-1]
    return [(i + 1, layer_label(i, count)) for i in shown]


def decade_label(exponent: int) -> str:
    return "1" if exponent == 0 else "10" + str(exponent).translate(SUPERSCRIPTS)


def decade_ticks(low: float, high: float, pixels: float) -> list[tuple[int, str]]:
    """Ticks of a log axis showing log10 values from ``low`` to ``high`` on ``pixels``:
    whole decades (10⁻³, 10⁻², ...), every second, third... one when they would crowd."""
    first, last = math.floor(low), math.ceil(high)
    per_decade = pixels / max(high - low, 1e-9)
    stride = max(1, math.ceil(MIN_DECADE_SPACING / max(per_decade, 1e-9)))
    return [(k, decade_label(k)) for k in range(first, last + 1) if k % stride == 0]


class GradientFlowView(QWidget):
    """Bars by depth of the last step's gradient norms and update/weight ratios, and the
    gradient norms' history (one curve per layer)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.bar_plot = self.graphics.addPlot(row=0, col=0, title="by layer")
        self.bar_plot.setLabel("bottom", "layer (depth →)")
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.hideButtons()
        # the bars' (log10) range moves only when they leave it or fill less than half
        self.bar_range = SteadyRange(self.bar_plot.vb, "y")
        self._ticks_set: dict[int, list[list[tuple[int, str]]]] = {}  # id(plot) -> its ticks
        self.history_plot = self.graphics.addPlot(row=1, col=0, title="‖∂L/∂W‖ over time")
        self.history_plot.setLogMode(y=True)
        self.history_plot.setLabel("bottom", "step")
        # steady ranges: a range change makes pyqtgraph lay its axis's ticks out again,
        # about 4 ms each time (the view's costliest part when it changed with each redraw)
        self.history_x = SteadyRange(self.history_plot.vb, "x", margin=1.0)  # steps grow
        self.history_y = SteadyRange(self.history_plot.vb, "y")
        for plot in (self.bar_plot, self.history_plot):
            fixed_left_axis(plot, 44)
            style_axes(plot)
        self.norm_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH)
        self.ratio_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH)
        self.bar_plot.addItem(self.norm_bars)
        self.bar_plot.addItem(self.ratio_bars)
        self.bar_zeros = self._zero_marks(self.bar_plot)
        self.history_zeros = self._zero_marks(self.history_plot)
        self.floor_lines = []
        for plot in (self.bar_plot, self.history_plot):
            line = pg.InfiniteLine(
                angle=0,
                pen=pg.mkPen("#888888", style=pg.QtCore.Qt.PenStyle.DashLine),
                label="0",
                labelOpts={"position": 0.02, "color": "#555555"},
            )
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.floor_lines.append(line)
        self.history_curves: list[FastCurve] = []
        self.legend = QLabel("")
        self.legend.setWordWrap(True)
        self.note = QLabel(
            "First bar far below the last: vanishing gradients; far above: exploding. "
            "Exact zeros lie on the dashed line marked 0."
        )
        self.note.setToolTip(
            "Healthy training: bars of similar height, and each update changes the weights "
            "by about a thousandth of their size (update/weight near 10⁻³)."
        )
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.legend)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.note)
        self._count = 0
        self._looks: dict[tuple[int, int], tuple[list[QBrush], list[QPen]]] = {}
        self.bar_plot.getAxis("bottom").geometryChanged.connect(self._update_ticks)

    def _bar_looks(self, count: int, alpha: int) -> tuple[list[QBrush], list[QPen]]:
        """The brushes and pens of ``count`` bars of each layer's colour (made once)."""
        looks = self._looks.get((count, alpha))
        if looks is None:
            colors = [layer_color(i) for i in range(count)]
            for color in colors:
                color.setAlpha(alpha)
            looks = self._looks[(count, alpha)] = (
                [pg.mkBrush(c) for c in colors],
                [pg.mkPen(layer_color(i)) for i in range(count)],
            )
        return looks

    @staticmethod
    def _zero_marks(plot: pg.PlotItem) -> pg.ScatterPlotItem:
        marks = pg.ScatterPlotItem(symbol="x", size=11, pen=pg.mkPen("#222222", width=1.5))
        plot.addItem(marks)
        return marks

    # -- layers -------------------------------------------------------------------------
    def _ensure_layers(self, count: int) -> None:
        if count == self._count:
            return
        self._count = count
        # entries joined by plain spaces, so a narrow dock wraps the legend
        entries = " ".join(
            legend_html([("output" if i == count - 1 else f"layer&nbsp;{i + 1}", color)])
            for i, color in enumerate(layer_color(i).name() for i in range(count))
        )
        self.legend.setText(f"bars: ‖∂L/∂W‖ solid, update/weight ‖ΔW‖/‖W‖ pale<br>{entries}")
        for item in self.history_curves:
            self.history_plot.removeItem(item)
        self.history_curves = []
        for i in range(count):
            self.history_curves.append(
                fast_curve(self.history_plot, pg.mkPen(layer_color(i), width=STEP_CURVE_WIDTH))
            )
        self.bar_plot.setXRange(0.4, count + 0.6, padding=0)
        self._update_ticks()

    def _update_ticks(self) -> None:
        axis = self.bar_plot.getAxis("bottom")
        axis.setTicks([layer_ticks(self._count, axis.width())])

    def clear(self) -> None:
        for item in self.history_curves:
            item.setData([], [])
        for bars in (self.norm_bars, self.ratio_bars):
            bars.setOpts(x=[], height=[])
        for marks in (self.bar_zeros, self.history_zeros):
            marks.setData([], [])

    # -- drawing ------------------------------------------------------------------------
    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        stats = snapshot.layer_stats
        if not stats:
            return
        count = len(stats)
        self._ensure_layers(count)
        norms = np.array([s.grad_norm for s in stats])
        ratios = np.array([s.update_ratio for s in stats])
        self._draw_bars(norms, ratios)
        self._draw_history(snapshot)

    def _draw_bars(self, norms: np.ndarray, ratios: np.ndarray) -> None:
        floor = log_floor(np.concatenate([norms, ratios]))
        bottom = math.log10(floor)
        depth = np.arange(1, len(norms) + 1, dtype=float)
        tops = []
        zero_x = []
        for bars, values, shift, alpha in (
            (self.norm_bars, norms, -0.5 * BAR_WIDTH, 255),
            (self.ratio_bars, ratios, 0.5 * BAR_WIDTH, PALE_ALPHA),
        ):
            top = np.log10(np.maximum(values, floor))
            brushes, pens = self._bar_looks(len(values), alpha)
            bars.setOpts(
                x=depth + shift, y0=bottom, height=top - bottom, brushes=brushes, pens=pens
            )
            tops.append(top)
            zero_x.extend(depth[values <= 0] + shift)
        self._mark_zeros(0, zero_x, bottom)
        top = max(float(np.max(tops)), bottom + 1.0)
        self.bar_range.show(bottom - 0.3, top + 0.3)
        self._decades(self.bar_plot, *self.bar_plot.vb.viewRange()[1])

    def _draw_history(self, snapshot: TrainingSnapshot) -> None:
        norms = snapshot.grad_norms
        if norms.ndim != 2 or norms.shape[1] != self._count or not len(norms):
            return
        keep = thinned(len(norms))
        steps = snapshot.grad_norm_steps[keep]
        shown = norms[keep]
        floor = log_floor(shown)
        zero_x, zero_brushes = [], []
        for i, item in enumerate(self.history_curves):
            column = shown[:, i]
            item.setData(steps, np.maximum(column, floor))
            at_zero = steps[column <= 0]
            zero_x.extend(at_zero)
            zero_brushes.extend([pg.mkPen(layer_color(i), width=2)] * len(at_zero))
        # the scatter item sits in a log-mode plot: it takes log10 values like the curves
        self._mark_zeros(1, zero_x, math.log10(floor), zero_brushes)
        logs = np.log10(np.maximum(shown[np.isfinite(shown)], floor))
        if logs.size:
            self.history_x.show(float(steps[0]), float(steps[-1]), pad_low=False)
            self.history_y.show(float(logs.min()), float(logs.max()))
            self._decades(self.history_plot, *self.history_plot.vb.viewRange()[1])

    def _mark_zeros(
        self, plot_index: int, x: list[float], floor: float, pens: list[QPen] | None = None
    ) -> None:
        """Mark the exact zeros at ``x`` on the floor line of plot ``plot_index`` (0: bars,
        1: history); with none, the line hides. (Nothing is redone while there are none:
        pyqtgraph's scatter and line take a fraction of a millisecond each to update.)"""
        marks = (self.bar_zeros, self.history_zeros)[plot_index]
        line = self.floor_lines[plot_index]
        if x or len(marks.data):
            looks = {} if pens is None else {"pen": pens}
            marks.setData(x=np.asarray(x, dtype=float), y=np.full(len(x), floor), **looks)
        line.setVisible(bool(x))
        if x:
            line.setPos(floor)

    def _decades(self, plot: pg.PlotItem, low: float, high: float) -> None:
        axis = plot.getAxis("left")
        ticks = [decade_ticks(low, high, plot.vb.height() or axis.height())]
        if self._ticks_set.get(id(plot)) != ticks:  # new ticks redraw the whole axis
            self._ticks_set[id(plot)] = ticks
            axis.setTicks(ticks)
