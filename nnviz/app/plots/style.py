"""Shared look of the plots: colour maps, class colours and theme-following pens.

The diverging map is ColorBrewer's PuOr (orange for class 0 / negative, purple for class 1 /
positive), which stays readable for the common colour-vision deficiencies; class colours
come from the Okabe-Ito palette for the same reason.
"""

from __future__ import annotations

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
