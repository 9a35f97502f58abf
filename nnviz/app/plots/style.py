"""Shared look of the plots: colour maps, class colours and theme-following pens.

The diverging map is ColorBrewer's PuOr (orange for class 0 / negative, purple for class 1 /
positive), which stays readable for the common colour-vision deficiencies; class colours
come from the Okabe-Ito palette for the same reason.
"""

from __future__ import annotations

import math
import sys
import types

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QImage,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsPathItem,
    QStyleOptionGraphicsItem,
)

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
#: The pen width of the curves with a point per step or snapshot (the per-step loss, the
#: gradient norms, the layer statistics): jagged curves that Qt strokes 10 to 60 times
#: slower, on the GUI thread, with any wider pen (measured: 0.2 ms against 5-20 ms for
#: 1400 points 2 pixels wide).
STEP_CURVE_WIDTH = 1.0


TICK_LENGTH = 5  # pixels, outside the plot
EDGE_ROOM_PX = 6  # left by a SteadyRange before data that starts at its low end


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


def style_axes(plot: pg.PlotItem | pg.PlotWidget) -> None:
    """How every axis looks. Tick labels are plain numbers: never pyqtgraph's automatic SI
    scaling ("x0.001" beside the axis, ticks 0 to 500), which learners misread. Ticks point
    outwards: an axis reaching into the plot is repainted with whatever is drawn there
    (curves, pictures), several times a second while training.

    Each axis keeps its painting as a pixmap: a redraw of the plot beside it that reaches
    it (antialiasing widens repainted areas) copies the pixmap instead of running the
    axis's Python painting again, which costs about half a millisecond. A short vertical
    axis labels no more ticks than fit (:func:`readable_tick_spacing`)."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # No range scales: turning the prefix off alone keeps whatever scale the axis's
        # range of the moment gave (x1000 for a range within 0..1), never updated again.
        axis.setSIPrefixEnableRanges(())
        axis.enableAutoSIPrefix(False)
        axis.setStyle(tickLength=TICK_LENGTH)
        axis.tickSpacing = types.MethodType(readable_tick_spacing, axis)


def readable_tick_spacing(
    axis: pg.AxisItem, low: float, high: float, size: float
) -> list[tuple[float, float]]:
    """pyqtgraph's tick levels for ``axis``, with major ticks far enough apart for their
    labels on a short vertical axis: pyqtgraph labels at least three major ticks whatever
    the length, and 0, 0.2, ... 1 on a 60-pixel axis (a small plot at 1280x800, in
    presentation mode) overlap into an unreadable smear."""
    levels = pg.AxisItem.tickSpacing(axis, low, high, size)
    span = abs(high - low)
    if not levels or axis.orientation not in ("left", "right") or size <= 0:
        return levels
    line = QFontMetricsF(axis.style["tickFont"] or axis.font()).height() * 1.2
    most = max(2, int(size // line))  # labels that fit, one line of text apart
    if span / levels[0][0] + 1 <= most:
        return levels
    wanted = span / (most - 1)
    power = 10.0 ** math.floor(math.log10(wanted))
    major = next(power * f for f in (1.0, 2.0, 5.0, 10.0) if power * f >= wanted)
    return [(major, 0.0), (major / 5.0, 0.0)]


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
    scaled = np.asarray(values, dtype=np.float32) - np.float32(low)
    scaled *= np.float32(255.0 / ((high - low) or 1.0))
    np.fmax(scaled, 0.0, out=scaled)  # (NaN becomes 0)
    np.minimum(scaled, 255.0, out=scaled)
    return lut.take(scaled.astype(np.uint8), axis=0)


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
        start, end = self.range
        if not pad_low:
            # A sliver of room: data starting right at the axis would make every redraw
            # of it repaint the axis too (Qt widens each repainted area by 2 pixels).
            pixels = self.view_box.width() if self.axis == "x" else self.view_box.height()
            start -= (end - start) * EDGE_ROOM_PX / max(pixels - EDGE_ROOM_PX, EDGE_ROOM_PX)
        if self.axis == "x":
            self.view_box.setXRange(start, end, padding=0.0)
        else:
            self.view_box.setYRange(start, end, padding=0.0)
        # The new transform now, not when the plot paints (pyqtgraph's default): set while
        # painting, it changes the items' bounds and makes Qt paint the plot a second time.
        self.view_box.updateMatrix()


# Qt's raster engine strokes a pen wider than 1 px through its general stroker, 25x slower
# than a 1-px line on a long jagged curve (9 ms against 0.36 ms for 1500 points): a wide
# curve is painted as 1-px strokes moved by these device pixels, which looks the same (a
# 2-px pen: the first three). Vector output (SVG) keeps the real pen.
WIDE_PEN_OFFSETS = ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (2.0, 0.0), (0.0, 2.0))
RASTER = QPaintEngine.Type.Raster

# Where B, G, R and A sit in the bytes of a premultiplied ARGB32 pixel (one uint32).
_ARGB32_CHANNELS = [2, 1, 0, 3] if sys.byteorder == "little" else [3, 0, 1, 2]


class FastCurve(QGraphicsPathItem):
    """A line plot for the live views, drawn by Qt itself.

    ``setData`` turns the arrays into one path (pyqtgraph's array-to-path conversion) and
    Qt paints it without running Python, so without the interpreter lock. pyqtgraph's
    PlotDataItem, made for anything from 10 to 10 million points, costs twice as much
    per redraw for these curves of at most :data:`MAX_CURVE_POINTS` points.

    ``xData`` and ``yData`` are the data given; ``getData()`` what is drawn, which on a
    log axis (``setLogMode``, called by the plot) is log10 of ``y``, as in pyqtgraph."""

    PAD_PX = 3.0  # the pen's half width and antialiasing, kept inside the bounds

    def __init__(self, pen: QPen, name: str = "") -> None:
        super().__init__()
        self.setPen(pen)
        self._name = name
        self.xData: np.ndarray | None = None
        self.yData: np.ndarray | None = None
        self._drawn = (np.zeros(0), np.zeros(0))
        self._log_y = False
        self._connect = "finite"
        self._data_rect: QRectF | None = None

    def setData(self, x: ArrayLike, y: ArrayLike, connect: str = "finite") -> None:
        self.xData = np.asarray(x, dtype=np.float64)
        self.yData = np.asarray(y, dtype=np.float64)
        self._connect = connect
        self._redraw()

    def setLogMode(self, x: bool, y: bool) -> None:
        """Draw log10 of ``y`` (a log y axis); a log x axis is not used by these views."""
        if y != self._log_y:
            self._log_y = y
            if self.xData is not None:
                self._redraw()

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        return self._drawn

    def name(self) -> str:
        return self._name

    def implements(self, interface: str | None = None) -> bool | list[str]:
        """A data item, to the plot (it lists it among its curves, e.g. for export)."""
        return ["plotData"] if interface is None else interface == "plotData"

    def _redraw(self) -> None:
        x, y = self.xData, self.yData
        assert x is not None and y is not None
        if self._log_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(y)
        self._drawn = (x, y)
        finite = np.isfinite(x) & np.isfinite(y)
        self.prepareGeometryChange()
        if finite.any():
            fx, fy = x[finite], y[finite]
            x0, x1, y0, y1 = fx.min(), fx.max(), fy.min(), fy.max()
            self._data_rect = QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))
            self.setPath(pg.arrayToQPath(x, y, connect=self._connect))
        else:
            self._data_rect = None
            self.setPath(QPainterPath())

    def dataBounds(
        self, ax: int, frac: float = 1.0, orthoRange: object = None
    ) -> tuple[float | None, float | None]:
        """The data's extent along axis ``ax`` (0: x, 1: y), for a view box's auto range."""
        rect = self._data_rect
        if rect is None:
            return None, None
        return (rect.left(), rect.right()) if ax == 0 else (rect.top(), rect.bottom())

    def pixelPadding(self) -> float:
        return self.PAD_PX

    def boundingRect(self) -> QRectF:
        """The data's rectangle with room for the pen, a few pixels at the current zoom."""
        rect = self._data_rect
        scene = self.scene()
        if rect is None or scene is None or not scene.views():
            return QRectF() if rect is None else QRectF(rect)
        to_device = self.deviceTransform(scene.views()[0].viewportTransform())
        dx = self.PAD_PX / max(abs(to_device.m11()), 1e-12)
        dy = self.PAD_PX / max(abs(to_device.m22()), 1e-12)
        return rect.adjusted(-dx, -dy, dx, dy)


class WideCurve(FastCurve):
    """A :class:`FastCurve` for a screen pen wider than 1 px, which it paints as 1-px
    strokes side by side (:data:`WIDE_PEN_OFFSETS`). (A separate class: a Python paint
    costs every curve a call into Python, worth it only for wide ones.)"""

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        pen = self.pen()
        width = pen.widthF()
        if painter.paintEngine().type() != RASTER:
            super().paint(painter, option, widget)  # drawn as vectors (SVG): the real pen
            return
        thin = QPen(pen)
        thin.setWidthF(1.0)
        if pen.style() != Qt.PenStyle.SolidLine:  # dashes are counted in pen widths
            thin.setDashPattern([length * width for length in pen.dashPattern()])
            thin.setDashOffset(pen.dashOffset() * width)
        painter.setPen(thin)
        path = self.path()
        to_device = painter.transform()
        for dx, dy in WIDE_PEN_OFFSETS[: 2 * math.ceil(width - 1.0) + 1]:
            painter.setTransform(to_device * QTransform.fromTranslate(dx, dy))
            painter.drawPath(path)
        painter.setTransform(to_device)


def curve_item(pen: QPen, name: str = "") -> FastCurve:
    """A curve item drawn with ``pen``: a :class:`WideCurve` for a screen pen wider than
    1 px, else a :class:`FastCurve`."""
    wide = pen.isCosmetic() and pen.widthF() > 1.0
    return (WideCurve if wide else FastCurve)(pen, name)


def fast_curve(plot: pg.PlotItem, pen: QPen, name: str = "") -> FastCurve:
    """A :class:`FastCurve` called ``name`` drawn with ``pen`` on ``plot``."""
    item = curve_item(pen, name)
    plot.addItem(item)
    return item


class SteadyScatter(pg.ScatterPlotItem):
    """A scatter plot that works its bounds out once per change of its points or of the
    view. pyqtgraph works them out anew each time Qt asks, several times a frame, about
    80 µs each: for points that stay put under a picture redrawn every frame, that was
    most of what drawing them cost."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._bounds: QRectF | None = None
        super().__init__(*args, **kwargs)

    def prepareGeometryChange(self) -> None:
        # pyqtgraph calls this whenever the points, their size or the view change
        self._bounds = None
        super().prepareGeometryChange()

    def viewTransformChanged(self) -> None:
        self._bounds = None
        super().viewTransformChanged()

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            self._bounds = super().boundingRect()
        return self._bounds


class PictureItem(pg.ImageItem):
    """An image item for pictures coloured beforehand (:func:`lut_rgba`): ``(h, w, 4)``
    (or ``(h, w, 3)``) uint8 RGBA, row-major, alpha 0 or 255 with black where it is 0.

    It is shown as a premultiplied ARGB32 QImage, the raster engine's own format: scaled
    onto the screen each frame that is several times faster than the RGBA8888 image
    pyqtgraph makes (which Qt converts on every paint)."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self._argb: np.ndarray | None = None
        self._bounds = (None, QRectF())  # (the image's height and width, its rectangle)

    def boundingRect(self) -> QRectF:
        """The image's rectangle, made once per image size (Qt asks several times a frame;
        pyqtgraph's own answer costs tens of µs)."""
        shape = None if self.image is None else self.image.shape[:2]
        if shape != self._bounds[0]:
            height, width = shape or (0, 0)
            self._bounds = (shape, QRectF(0.0, 0.0, float(width), float(height)))
        return self._bounds[1]

    def render(self) -> None:
        image = self.image
        self._unrenderable = image is None or image.size == 0
        if self._unrenderable:
            return
        h, w, channels = image.shape
        # The QImage points into this array, which lives as long as the QImage. A copy
        # channel by channel: 6 times faster than one fancy-indexed copy.
        self._argb = np.empty((h, w, 4), dtype=np.uint8)
        for target, source in enumerate(_ARGB32_CHANNELS):
            self._argb[..., target] = image[..., source] if source < channels else 255
        self.qimage = QImage(
            self._argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied
        )
        self._renderRequired = False
