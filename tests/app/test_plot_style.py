"""The drawing helpers the views share: steady axis ranges and pre-coloured pictures."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem

from nnviz.app.plots.style import (
    EDGE_ROOM_PX,
    FastCurve,
    PictureItem,
    SteadyRange,
    SteadyScatter,
    WideCurve,
    curve_item,
    diverging_lut,
    fast_curve,
    lut_rgba,
    style_axes,
)


def shown_plot(qtbot) -> pg.PlotWidget:
    """A 400x300 plot on screen (its view box has a size in pixels)."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_steady_range_moves_only_when_the_data_leaves_it_or_shrinks_to_half(qtbot):
    widget = shown_plot(qtbot)
    view_box = widget.getPlotItem().vb
    steady = SteadyRange(view_box, "x", margin=1.0)
    steady.show(0.0, 10.0, pad_low=False)
    assert steady.range == (0.0, 20.0)
    # the view starts a few pixels before 0, so a curve starting at 0 leaves the axis alone
    low, high = view_box.viewRange()[0]
    assert high == 20.0
    assert (0.0 - low) / (high - low) * view_box.width() == pytest.approx(EDGE_ROOM_PX, abs=0.1)
    steady.show(0.0, 19.0, pad_low=False)  # still inside: the axis stays
    assert steady.range == (0.0, 20.0)
    steady.show(0.0, 21.0, pad_low=False)  # out: doubles
    assert steady.range == (0.0, 42.0)
    steady.show(0.0, 5.0, pad_low=False)  # fills less than half: fitted again
    assert steady.range == (0.0, 10.0)
    steady.show(0.0, float("nan"))  # nothing to fit
    assert steady.range == (0.0, 10.0)
    view_box.sigRangeChangedManually.emit([True, False])  # the user zoomed: theirs now
    steady.show(0.0, 100.0)
    assert view_box.viewRange()[0][1] == 10.0


def test_a_picture_item_shows_its_colours_as_premultiplied_argb(qtbot):
    lut = diverging_lut()
    values = np.array([[0.0, 1.0], [np.nan, 0.5]], dtype=np.float32)
    rgba = lut_rgba(values, lut)
    np.testing.assert_array_equal(rgba[1, 0], lut[0])  # NaN takes the lowest colour
    np.testing.assert_array_equal(rgba[0, 1], lut[255])
    item = PictureItem()
    item.setImage(rgba)
    item.render()
    for y in range(2):
        for x in range(2):
            assert item.qimage.pixelColor(x, y) == QColor(*rgba[y, x].tolist())
    rgb = np.zeros((1, 2, 3), dtype=np.uint8)
    rgb[0, 1] = (10, 20, 30)
    item.setImage(rgb)
    item.render()
    assert item.qimage.pixelColor(1, 0) == QColor(10, 20, 30, 255)


def test_a_steady_scatter_keeps_its_bounds_until_its_points_or_the_view_change(qtbot):
    widget = shown_plot(qtbot)
    points = SteadyScatter(size=7)
    widget.addItem(points)
    points.setData(x=[0.0, 1.0], y=[0.0, 2.0])
    widget.setRange(QRectF(-1, -1, 3, 4), padding=0)
    first = points.boundingRect()
    assert first.contains(QPointF(1.0, 2.0)) and first.contains(QPointF(0.0, 0.0))
    assert points.boundingRect() is first  # asked again: not worked out again
    points.setData(x=[0.0, 5.0], y=[0.0, 2.0])
    moved = points.boundingRect()
    assert moved is not first and moved.contains(QPointF(5.0, 2.0))
    widget.setRange(QRectF(-10, -10, 30, 40), padding=0)  # zoomed out: a pixel is more
    qtbot.waitUntil(lambda: points.boundingRect() is not moved)
    assert points.boundingRect().width() > moved.width()  # the same spot size, more units


def test_a_picture_item_is_as_large_as_its_image(qtbot):
    item = PictureItem()
    assert item.boundingRect().isEmpty()
    item.setImage(np.zeros((3, 5, 4), dtype=np.uint8))
    assert item.boundingRect() == QRectF(0, 0, 5, 3)
    item.setImage(np.zeros((4, 2, 4), dtype=np.uint8))
    assert item.boundingRect() == QRectF(0, 0, 2, 4)


def test_a_fast_curve_draws_its_data_breaks_at_nan_and_follows_a_log_axis(qtbot):
    widget = shown_plot(qtbot)
    plot = widget.getPlotItem()
    curve = fast_curve(plot, pg.mkPen("#0072b2", width=2))
    curve.setData([0.0, 1.0, 2.0, 3.0], [1.0, 10.0, np.nan, 100.0])
    np.testing.assert_array_equal(curve.yData, [1.0, 10.0, np.nan, 100.0])
    assert curve.dataBounds(0) == (0.0, 3.0) and curve.dataBounds(1) == (1.0, 100.0)
    # NaN breaks the line: two pieces, the lone last point starting the second
    moves = [i for i in range(curve.path().elementCount()) if curve.path().elementAt(i).isMoveTo()]
    assert len(moves) == 2
    widget.setRange(xRange=(0, 3), yRange=(0, 100), padding=0)
    widget.grab()  # a paint: pyqtgraph moves the view then
    rect = curve.boundingRect()
    assert rect.left() < 0.0 and rect.right() > 3.0  # room for the pen's width
    assert rect.width() - 3.0 == pytest.approx(2 * FastCurve.PAD_PX * 3.0 / plot.vb.width())
    plot.setLogMode(y=True)  # the plot tells its curves
    np.testing.assert_allclose(curve.getData()[1], [0.0, 1.0, np.nan, 2.0])
    assert curve.dataBounds(1) == (0.0, 2.0)
    curve.setData([], [])
    assert curve.dataBounds(0) == (None, None) and curve.path().isEmpty()


def test_styled_axes_keep_their_painting_until_their_range_changes(qtbot, monkeypatch):
    """A curve redrawn against the axis repaints the area beside it: the axis copies its
    kept pixmap instead of running pyqtgraph's Python painting (half a millisecond)."""
    painted = []
    paint = pg.AxisItem.paint

    def counting_paint(axis, *args):
        painted.append(axis.orientation)
        return paint(axis, *args)

    monkeypatch.setattr(pg.AxisItem, "paint", counting_paint)  # before the axes exist
    widget = shown_plot(qtbot)
    plot = widget.getPlotItem()
    style_axes(plot)
    widget.setRange(xRange=(0, 10), yRange=(0, 1), padding=0)
    curve = fast_curve(plot, pg.mkPen("#0072b2", width=1))
    qtbot.waitUntil(lambda: "bottom" in painted and "left" in painted)
    rng = np.random.default_rng(0)
    for _ in range(3):  # the curve runs along both axes: every repaint reaches them
        curve.setData(np.linspace(0, 10, 50), rng.uniform(0, 1, 50))
        widget.viewport().repaint()
    painted.clear()
    for _ in range(3):
        curve.setData(np.linspace(0, 10, 50), rng.uniform(0, 1, 50))
        widget.viewport().repaint()
    assert painted == []
    widget.setRange(xRange=(0, 20), padding=0)  # new ticks: painted anew
    widget.viewport().repaint()
    assert "bottom" in painted


def test_a_short_vertical_axis_labels_only_as_many_ticks_as_fit(qtbot):
    widget = shown_plot(qtbot)
    plot = widget.getPlotItem()
    style_axes(plot)
    left = plot.getAxis("left")
    line = QFontMetricsF(left.font()).height()

    def labelled(size: float) -> tuple[float, list[float]]:
        spacing, values = left.tickValues(0.0, 1.0, size)[0]  # the labelled level
        return spacing, list(values)

    spacing, values = labelled(400.0)
    assert spacing == pytest.approx(0.2) and len(values) == 6  # room: pyqtgraph's choice
    for size in (60.0, 45.0, 30.0):
        spacing, values = labelled(size)
        assert len(values) >= 2 and values[0] == 0.0
        assert size / (len(values) - 1) >= line  # one line of text apart at least
    bottom = plot.getAxis("bottom")  # horizontal labels are spaced by their own width
    assert bottom.tickValues(0.0, 1.0, 60.0)[0][0] == pytest.approx(
        pg.AxisItem.tickSpacing(bottom, 0.0, 1.0, 60.0)[0][0]
    )


def test_a_range_change_paints_the_plot_once(qtbot):
    """The steady range applies its new transform at once: left to pyqtgraph, the plot
    took it while painting, which changed the curve's bounds and made Qt paint the whole
    plot a second time a few milliseconds later."""
    widget = shown_plot(qtbot)
    plot = widget.getPlotItem()
    curve = fast_curve(plot, pg.mkPen("b"))
    x_range = SteadyRange(plot.vb, "x")
    plot.setYRange(-1.0, 1.0)  # as in the app's plots: no axis left to auto-range
    curve.setData(np.arange(10.0), np.sin(np.arange(10.0)))
    x_range.show(0.0, 9.0)
    qtbot.wait(50)
    paints: list[int] = []

    class CountPaints(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                paints.append(1)
            return False

    counter = CountPaints()
    widget.viewport().installEventFilter(counter)
    curve.setData(np.arange(100.0), np.sin(np.arange(100.0)))
    x_range.show(0.0, 99.0)  # out of the range: it changes
    qtbot.wait(100)
    assert x_range.range is not None and x_range.range[1] > 99.0
    assert len(paints) == 1


def test_a_wide_curve_looks_as_wide_on_screen_and_keeps_its_pen_in_svg(qtbot, tmp_path):
    """On screen a 2-px curve is painted as 1-px strokes side by side (Qt's stroker is 25x
    slower for wide pens); it covers the same pixels as the real pen, within a pixel.
    Vector output gets the real 2-px pen."""
    rng = np.random.default_rng(0)
    x = np.linspace(10.0, 390.0, 1500)
    y = 120.0 + 60.0 * np.exp(-(x - 10.0) / 50.0) + rng.normal(0.0, 3.0, x.size)
    assert type(curve_item(pg.mkPen("#0072b2", width=1))) is FastCurve  # Qt paints it all
    curve = curve_item(pg.mkPen("#0072b2", width=2))
    assert isinstance(curve, WideCurve)
    curve.setData(x, y)
    real = QGraphicsPathItem(curve.path())
    real.setPen(curve.pen())

    def coverage(item: QGraphicsItem) -> tuple[np.ndarray, float]:
        """The alpha each pixel got, and the width of the last pen used."""
        image = QImage(400, 250, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        item.paint(painter, QStyleOptionGraphicsItem())
        width = painter.pen().widthF()
        painter.end()
        alpha = np.frombuffer(image.constBits(), np.uint8).reshape(250, 400, 4)[..., 3]
        return alpha.astype(np.float64) / 255.0, width

    (fast, stroke_width), (wanted, _) = coverage(curve), coverage(real)
    assert stroke_width == 1.0  # thin strokes
    assert fast.sum() == pytest.approx(wanted.sum(), rel=0.15)  # as much ink
    drawn = fast > 0.5
    near_real = binary_dilation(wanted > 0.05)
    assert drawn.sum() > 1000 and (drawn & ~near_real).sum() == 0  # in the same place
    # dashes are counted in pen widths: the thin strokes keep the wide pen's dash lengths
    dashed = curve_item(pg.mkPen("#d55e00", width=2, style=Qt.PenStyle.DashLine))
    dashed.setData(x, y)
    image = QImage(400, 250, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    dashed.paint(painter, QStyleOptionGraphicsItem())
    used = painter.pen()
    painter.end()
    assert used.widthF() == 1.0
    assert used.dashPattern() == [2 * length for length in dashed.pen().dashPattern()]
    svg = QSvgGenerator()
    svg.setFileName(str(tmp_path / "curve.svg"))
    svg.setSize(QSize(400, 250))
    painter = QPainter(svg)
    curve.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    text = (tmp_path / "curve.svg").read_text()
    assert text.count("<path") == 1 and 'stroke-width="2"' in text


def binary_dilation(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by one pixel in each of the 8 directions."""
    grown = mask.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            grown |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return grown
