"""Shared look of the plots: colour maps, class colours and theme-following pens.

The diverging map is ColorBrewer's PuOr (orange for class 0 / negative, purple for class 1 /
positive), which stays readable for the common colour-vision deficiencies; class colours
come from the Okabe-Ito palette for the same reason.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

DIVERGING_STOPS = (
    (0.0, "#b35806"),
    (0.25, "#f1a340"),
    (0.5, "#f7f7f7"),
    (0.75, "#998ec3"),
    (1.0, "#542788"),
)
# Okabe-Ito: class 0 orange, class 1 purple-blue, then the rest of the palette.
CLASS_COLORS = ("#e69f00", "#5e3c99", "#009e73", "#d55e00", "#0072b2", "#cc79a7")
TRAIN_COLOR = "#0072b2"
VALIDATION_COLOR = "#d55e00"
STEP_COLOR = "#999999"
DERIVATIVE_COLOR = "#d55e00"


MAX_CURVE_POINTS = 1500


def thinned(n: int, limit: int = MAX_CURVE_POINTS) -> np.ndarray | slice:
    """Indices of at most about ``limit`` of ``n`` evenly spread points, always including
    the last one: long histories (a million steps) draw as fast as short ones."""
    if n <= limit:
        return slice(None)
    stride = -(-n // limit)
    return np.arange(n - 1, -1, -stride)[::-1]


def legend_html(entries: list[tuple[str, str]]) -> str:
    """A one-line legend for a QLabel: a coloured line and the name of each curve. (Cheaper
    to draw than pyqtgraph's legend items, and it never covers the data.)"""
    return "&nbsp;&nbsp;".join(
        f"<span style='color:{color}'>━━</span>&nbsp;{name}" for name, color in entries
    )


def fixed_left_axis(plot: pg.PlotItem, width: int = 48) -> None:
    """Keep the left axis at one width, so changing tick labels never re-lay the plot out."""
    plot.getAxis("left").setWidth(width)


def diverging_colormap() -> pg.ColorMap:
    positions = [p for p, _ in DIVERGING_STOPS]
    colors = [QColor(c) for _, c in DIVERGING_STOPS]
    return pg.ColorMap(positions, colors, name="PuOr")


def diverging_lut() -> np.ndarray:
    """The diverging map as a (256, 4) uint8 lookup table."""
    return diverging_colormap().getLookupTable(0.0, 1.0, 256, alpha=True)


def class_color(index: int, alpha: int = 255) -> QColor:
    color = QColor(CLASS_COLORS[index % len(CLASS_COLORS)])
    color.setAlpha(alpha)
    return color


def is_dark_theme() -> bool:
    app = QApplication.instance()
    if app is None:
        return False
    window = app.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def configure_pyqtgraph() -> None:
    """Follow the desktop theme: plot background and text from the application palette.

    Call before creating plots. OpenGL stays off (it draws nothing offscreen)."""
    app = QApplication.instance()
    palette = app.palette() if app is not None else QPalette()
    pg.setConfigOptions(
        background=palette.color(QPalette.ColorRole.Base),
        foreground=palette.color(QPalette.ColorRole.Text),
        useOpenGL=False,
        antialias=False,
    )


def text_color() -> QColor:
    app = QApplication.instance()
    palette = app.palette() if app is not None else QPalette()
    return palette.color(QPalette.ColorRole.Text)


def lut_rgba(
    values: np.ndarray, lut: np.ndarray, low: float = 0.0, high: float = 1.0
) -> np.ndarray:
    """``values`` coloured through a (256, 4) uint8 ``lut`` between ``low`` and ``high``:
    an (h, w, 4) uint8 image (NaN takes the lowest colour). Drawn as it is, without the
    per-image colour table pyqtgraph builds in Python for an indexed image."""
    scaled = (np.asarray(values, dtype=np.float32) - low) * (255.0 / ((high - low) or 1.0))
    index = np.clip(np.nan_to_num(scaled, copy=False), 0.0, 255.0).astype(np.uint8)
    return lut[index]


class SteadyRange:
    """Keeps one axis of a view box still while the data moves: the range changes only
    when the data leaves it or fills less than half of it, then it is set around the data
    with a ``margin`` (a fraction of the data's span). Each range change redraws the
    axis, its ticks and every item; pyqtgraph's auto-range changes it with every new
    point. Once the user pans or zooms, the axis is theirs."""

    def __init__(self, view_box: pg.ViewBox, axis: str, margin: float = 0.2) -> None:
        self.view_box = view_box
        self.axis = axis
        self.margin = margin
        self.range: tuple[float, float] | None = None
        self.user_owned = False
        view_box.sigRangeChangedManually.connect(self._on_manual)

    def _on_manual(self, *_: object) -> None:
        self.user_owned = True

    def reset(self) -> None:
        """Fit the data again on the next :meth:`show` (e.g. after a switch to log scale)."""
        self.range = None
        self.user_owned = False

    def show(self, low: float, high: float, *, pad_low: bool = True) -> None:
        """Make sure ``[low, high]`` (view coordinates) is in view."""
        if self.user_owned or not (math.isfinite(low) and math.isfinite(high)):
            return
        if high - low < 1e-12:
            low, high = low - 0.5, high + 0.5
        shown = self.range
        fits = shown is not None and shown[0] <= low and high <= shown[1]
        if fits and 2.0 * (high - low) >= shown[1] - shown[0]:
            return
        pad = self.margin * (high - low)
        self.range = (low - pad if pad_low else low, high + pad)
        if self.axis == "x":
            self.view_box.setXRange(*self.range, padding=0.0)
        else:
            self.view_box.setYRange(*self.range, padding=0.0)
