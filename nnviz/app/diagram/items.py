"""Graphics items of the diagram. They only draw; the view decides what a click means.

Connections of one dense layer are one :class:`ConnectionBlock` that paints all its lines
with a handful of pens (bucketed by sign and size), so a live update is a numpy pass and
one repaint, not thousands of item updates.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontInfo,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QTransform,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
)

from nnviz.live.layout import NEURON_RADIUS, Column

# A colour-blind-safe diverging pair (ColorBrewer RdBu ends): orange-red for positive,
# blue for negative.
POSITIVE = QColor("#d6604d")
NEGATIVE = QColor("#4393c3")
NEUTRAL = QColor(150, 150, 150)
WIDTH_LEVELS = 6
MAX_LINE_WIDTH = 5.0


def diverging_lut() -> np.ndarray:
    """A 256-entry RGBA lookup table from blue (-1) through near-white (0) to red (+1)."""
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    white = np.array([247, 247, 247], dtype=np.float64)
    pos = np.array([POSITIVE.red(), POSITIVE.green(), POSITIVE.blue()], dtype=np.float64)
    neg = np.array([NEGATIVE.red(), NEGATIVE.green(), NEGATIVE.blue()], dtype=np.float64)
    rgb = np.where(t >= 0, white + t * (pos - white), white + (-t) * (neg - white))
    lut = np.empty((256, 4), dtype=np.uint8)
    lut[:, :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    lut[:, 3] = 255
    return lut


_LUT = diverging_lut()
_LUT_RGBA32 = np.ascontiguousarray(_LUT).view(np.uint32).ravel()


def finite_or_extreme(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN as 0 and ±inf as ± the largest finite magnitude (a diverged
    network still draws, at full strength where it overflowed)."""
    if np.isfinite(values).all():
        return values
    finite = np.abs(values[np.isfinite(values)])
    big = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    return np.nan_to_num(values, nan=0.0, posinf=big, neginf=-big)


def heatmap_image(grid: np.ndarray, round_mask: bool = False) -> QImage:
    """A QImage of a 2D array, symmetric colour scale around 0, row 0 at the bottom.
    ``round_mask`` makes the corners outside the inscribed circle transparent (a neuron's
    picture, drawn without a costly clip path)."""
    return heatmap_images(np.asarray(grid)[None], round_mask)[0]


def heatmap_images(grids: np.ndarray, round_mask: bool = False) -> list[QImage]:
    """:func:`heatmap_image` of each ``(h, w)`` grid of a ``(n, h, w)`` stack, each on its
    own scale, coloured in one NumPy pass (a layer's neurons at once)."""
    grids = finite_or_extreme(np.asarray(grids, dtype=np.float32))
    n, h, w = grids.shape
    if n == 0:
        return []
    top = np.maximum(grids.max(axis=(1, 2)), -grids.min(axis=(1, 2)))
    scaled = grids * (127.5 / np.where(top > 0, top, 1.0)).astype(np.float32)[:, None, None]
    scaled += np.float32(127.5)
    np.clip(scaled, 0, 255, out=scaled)
    # one 32-bit lookup per pixel (its RGBA bytes): 4x faster than indexing the (256, 4) table
    rgba = _LUT_RGBA32.take(scaled.astype(np.uint8)[:, ::-1])
    if round_mask:
        y, x = np.ogrid[:h, :w]
        outside = ((x + 0.5) / w - 0.5) ** 2 + ((y + 0.5) / h - 0.5) ** 2 > 0.25
        rgba[:, outside] = 0
    return [
        QImage(rgba[i].data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy() for i in range(n)
    ]


def weight_colour(value: float, strength: float = 1.0) -> QColor:
    colour = QColor(POSITIVE if value >= 0 else NEGATIVE)
    colour.setAlphaF(0.25 + 0.75 * max(0.0, min(1.0, strength)))
    return colour


def _line_pen(level: int, negative: bool) -> QPen:
    """The pen of a line at width ``level`` (0 .. WIDTH_LEVELS - 1) and sign."""
    strength = (level + 1) / WIDTH_LEVELS
    pen = QPen(weight_colour(-1.0 if negative else 1.0, strength))
    pen.setWidthF(0.6 + (MAX_LINE_WIDTH - 0.6) * strength)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


# Bucket ``2 * level + negative`` -> its pen; made once, shared by every block.
LINE_PENS = tuple(_line_pen(key // 2, bool(key % 2)) for key in range(2 * WIDTH_LEVELS))
_OPAQUE_PENS: dict[tuple[int, int], QPen] = {}


def opaque_line_pen(key: int, background: QColor | None) -> QPen:
    """:data:`LINE_PENS` ``[key]`` mixed with ``background`` (cached per background)."""
    if background is None:
        return LINE_PENS[key]
    cache_key = (key, background.rgba())
    pen = _OPAQUE_PENS.get(cache_key)
    if pen is None:
        pen = _OPAQUE_PENS[cache_key] = opaque_pen(LINE_PENS[key], background)
    return pen


def opaque_pen(pen: QPen, background: QColor | None) -> QPen:
    """``pen`` with its translucent colour replaced by the same colour over ``background``."""
    if background is None:
        return pen
    colour, alpha = pen.color(), pen.color().alphaF()
    mixed = QColor.fromRgbF(
        *(
            alpha * getattr(colour, c)() + (1 - alpha) * getattr(background, c)()
            for c in ("redF", "greenF", "blueF")
        )
    )
    out = QPen(pen)
    out.setColor(mixed)
    return out


def _palette_of(item: QGraphicsItem) -> QPalette:
    """The palette the diagram is drawn with (its scene's, as the views use it): the
    native items take their colours from it when they are made."""
    scene = item.scene()
    return scene.palette() if scene is not None else QApplication.palette()


def cache_painting(item: QGraphicsItem) -> None:
    """Keep ``item``'s painting as a pixmap, for the items painted in Python that do not
    change with training: each redraw of the lines repaints the area under them, and Qt
    then copies the pixmap instead of running Python (which holds the interpreter lock).
    The item's own ``update()`` calls, and the view on a palette change, renew it."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class ConnectionBlock(QGraphicsItem):
    """All connections into one dense layer: lines between anchor points of two columns.

    The lines are drawn by a few native path items, one per pen (bucketed by sign and
    size): Qt paints those without the interpreter lock, so the training thread goes on
    while the diagram repaints. This item itself draws nothing."""

    def __init__(self, dense_index: int, source: Column, target: Column, editable: bool):
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)  # children draw
        self.dense_index = dense_index
        self.editable = editable
        x0 = source.x + (source.width / 2 if source.collapsed else NEURON_RADIUS)
        x1 = target.x - (target.width / 2 if target.collapsed else NEURON_RADIUS)
        ys0, ys1 = source.anchor_ys(), target.anchor_ys()
        self.shape_in_out = (len(ys0), len(ys1))
        grid0, grid1 = np.meshgrid(ys0, ys1, indexing="ij")
        self._segments = np.stack(
            [np.full(grid0.size, x0), grid0.ravel(), np.full(grid0.size, x1), grid1.ravel()],
            axis=1,
        )
        self._lines = [QLineF(*map(float, seg)) for seg in self._segments]
        self._rect = QRectF(
            x0 - 3, min(ys0.min(), ys1.min()) - 3, x1 - x0 + 6, abs(np.ptp(np.r_[ys0, ys1])) + 6
        )
        self._buckets: np.ndarray | None = None  # each line's LINE_PENS bucket (-1: neutral)
        self._strokes: dict[int, QGraphicsPathItem] = {}  # bucket -> its lines
        self.value: np.ndarray | None = None
        self.magnitude: np.ndarray | None = None
        self.setZValue(-1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.set_values(None, None)

    def boundingRect(self) -> QRectF:
        return self._rect

    def set_values(self, value: np.ndarray | None, magnitude: np.ndarray | None) -> None:
        """Recolour from weights shaped like ``shape_in_out`` (None: neutral thin lines)."""
        self.value, self.magnitude = value, magnitude
        if value is None or magnitude is None:
            bucket = np.full(len(self._lines), -1)
        else:
            flat_v = finite_or_extreme(value.ravel())
            flat_m = finite_or_extreme(magnitude.ravel())
            scale = float(np.max(flat_m)) or 1.0
            level = np.minimum((flat_m / scale * WIDTH_LEVELS).astype(int), WIDTH_LEVELS - 1)
            bucket = level * 2 + (flat_v < 0)
        if self._buckets is not None and np.array_equal(bucket, self._buckets):
            return  # every line keeps its pen
        changed = (
            set(np.unique(bucket).tolist())
            if self._buckets is None
            else set(
                np.unique(
                    np.r_[bucket[bucket != self._buckets], self._buckets[bucket != self._buckets]]
                ).tolist()
            )
        )
        self._buckets = bucket
        for key in changed:
            self._stroke(key).setPath(self._path_of(np.flatnonzero(bucket == key)))

    def _path_of(self, indices: np.ndarray) -> QPainterPath:
        """One path of the lines ``indices``, made from the arrays in one call."""
        chosen = self._segments[indices]
        x, y = chosen[:, 0::2].ravel(), chosen[:, 1::2].ravel()
        return pg.arrayToQPath(x, y, connect="pairs", finiteCheck=False)

    def _stroke(self, key: int) -> QGraphicsPathItem:
        """The path item drawing bucket ``key``'s lines (weak ones below strong ones)."""
        stroke = self._strokes.get(key)
        if stroke is None:
            stroke = self._strokes[key] = QGraphicsPathItem(self)
            stroke.setPen(self._pen(key))
            stroke.setZValue(key)
            stroke.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        return stroke

    def _pen(self, key: int) -> QPen:
        if key < 0:
            return QPen(NEUTRAL, 0.8)
        return opaque_line_pen(key, _palette_of(self).base().color())

    def recolour(self) -> None:
        """Take the colours of the scene's palette (the lines are mixed with its base)."""
        for key, stroke in self._strokes.items():
            stroke.setPen(self._pen(key))

    def pen_widths(self) -> np.ndarray:
        """The drawn width of every line, in ``shape_in_out`` order (for tests)."""
        assert self._buckets is not None
        widths = np.array([self._strokes[key].pen().widthF() for key in self._buckets.tolist()])
        return widths.reshape(self.shape_in_out)

    def hit(self, point: QPointF, tolerance: float) -> tuple[int, int] | None:
        """The (input, unit) anchor pair of the line nearest ``point`` within ``tolerance``."""
        p = np.array([point.x(), point.y()])
        a, b = self._segments[:, :2], self._segments[:, 2:]
        ab = b - a
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0, 1)
        distance = np.linalg.norm(a + t[:, None] * ab - p, axis=1)
        best = int(np.argmin(distance))
        if distance[best] > tolerance or not 0.08 < t[best] < 0.92:
            return None
        return divmod(best, self.shape_in_out[1])

    def line_midpoint(self, i: int, j: int, t: float = 0.5) -> QPointF:
        """A point on the line from anchor ``i`` to unit ``j`` (tests aim clicks with it)."""
        return self._lines[i * self.shape_in_out[1] + j].pointAt(t)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        """Nothing: the path items draw the lines (this item has no contents)."""


class NeuronItem(QGraphicsItem):
    """One neuron: a circle, its output heatmap when known, and its bias as a small square
    at the lower left (dense layers only).

    Drawn by native child items (circle, picture, label, bias square), which Qt paints
    without the interpreter lock; :meth:`refresh` shows new values."""

    BIAS_SIZE = 9.0

    def __init__(self, column: Column, unit: int, label: str = "") -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)  # children draw
        self.column = column
        self.unit = unit
        self.label = label
        self.bias: float | None = None
        self.bias_scale = 1.0
        self.image: QImage | None = None
        self.setPos(column.x, column.neuron_y(unit))
        r = NEURON_RADIUS
        self._picture = QGraphicsPixmapItem(self)
        self._picture_size: tuple[int, int] | None = None  # shown, at this size
        self._picture.setOffset(-r + 1, -r + 1)
        self._circle = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r, self)
        self._label: QGraphicsSimpleTextItem | None = None
        self._bias_square: QGraphicsRectItem | None = None
        for part in (self._picture, self._circle):
            part.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemSceneHasChanged and value is not None:
            self._build()
        return super().itemChange(change, value)

    def _build(self) -> None:
        """The parts that take the scene's colours (made once it is in a scene)."""
        if self.label and self._label is None:
            self._label = QGraphicsSimpleTextItem(self.label, self)
            self._label.setFont(QFont(self._label.font().family(), 8))
            box = self._label.boundingRect()
            self._label.setPos(-box.width() / 2, -box.height() / 2)
        if self.column.dense_index is not None and self._bias_square is None:
            self._bias_square = QGraphicsRectItem(self.bias_rect(), self)
            self._bias_square.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.recolour()

    def recolour(self) -> None:
        """Take the colours of the scene's palette (made, or a new palette)."""
        text = _palette_of(self).text().color()
        self._circle.setPen(QPen(text, 1.2))
        if self._label is not None:
            self._label.setBrush(text)
        if self._bias_square is not None:
            self._bias_square.setPen(QPen(text, 0.8))
        self.refresh()

    @property
    def dense_index(self) -> int | None:
        return self.column.dense_index

    def boundingRect(self) -> QRectF:
        r = NEURON_RADIUS + 2
        return QRectF(-r - self.BIAS_SIZE, -r, 2 * r + self.BIAS_SIZE, 2 * r + 2)

    def bias_rect(self) -> QRectF:
        s = self.BIAS_SIZE
        return QRectF(-NEURON_RADIUS - s * 0.6, NEURON_RADIUS - s * 0.9, s, s)

    def refresh(self) -> None:
        """Show :attr:`image`, :attr:`bias` and :attr:`bias_scale` as they are now."""
        r = NEURON_RADIUS
        if self.image is None:
            self._picture.setVisible(False)
            self._circle.setBrush(QBrush(_palette_of(self).base().color()))
            self._picture_size = None
        else:
            self._picture.setPixmap(QPixmap.fromImage(self.image))
            size = (self.image.width(), self.image.height())
            if size != self._picture_size:  # (each call marks the item for a repaint)
                self._picture_size = size
                self._picture.setTransform(
                    QTransform.fromScale((2 * r - 2) / size[0], (2 * r - 2) / size[1])
                )
                self._picture.setVisible(True)
                self._circle.setBrush(Qt.BrushStyle.NoBrush)
        if self._bias_square is not None:
            fill = NEUTRAL if self.bias is None else weight_colour(self.bias, self.bias_scale)
            self._bias_square.setBrush(fill)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        """Nothing: the child items draw the neuron (this item has no contents)."""


class BundleItem(QGraphicsItem):
    """A collapsed layer (or a wide vector input): a tall rounded block with its size."""

    def __init__(self, column: Column, caption: str) -> None:
        super().__init__()
        cache_painting(self)
        self.column = column
        self.caption = caption
        self.setPos(column.x, 0)

    def boundingRect(self) -> QRectF:
        w = self.column.width
        return QRectF(-w / 2, self.column.top, w, self.column.bottom - self.column.top)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = _palette_of(self)
        text = palette.text().color()
        rect = self.boundingRect().adjusted(4, 2, -4, -2)
        painter.setPen(QPen(text, 1.2))
        painter.setBrush(QBrush(palette.base().color()))
        painter.drawRoundedRect(rect, 10, 10)
        # a hint of many stacked neurons
        painter.setPen(QPen(NEUTRAL, 1))
        for k in range(7):
            y = rect.top() + 18 + k * 9
            painter.drawEllipse(QPointF(0, y), 3, 3)
            painter.drawEllipse(QPointF(0, rect.bottom() - 18 - k * 9), 3, 3)
        painter.setPen(QPen(text))
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.caption)


class ImageBlockItem(QGraphicsItem):
    """The image input: stacked colour planes drawn as pixel grids, with the flat size."""

    def __init__(self, column: Column, image_shape: tuple[int, ...]) -> None:
        super().__init__()
        cache_painting(self)
        self.column = column
        self.image_shape = tuple(int(s) for s in image_shape)
        self.setPos(column.x, 0)

    def boundingRect(self) -> QRectF:
        return QRectF(-60, self.column.top, 120, self.column.bottom - self.column.top)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = _palette_of(self)
        text = palette.text().color()
        channels = self.image_shape[2] if len(self.image_shape) > 2 else 1
        tints = [QColor(220, 80, 80, 90), QColor(80, 170, 90, 90), QColor(80, 120, 220, 90)]
        side, step = 60.0, 9.0
        layers = min(channels, 3)
        left = -(side + step * (layers - 1)) / 2
        top = -(side + step * (layers - 1)) / 2
        for c in reversed(range(layers)):
            square = QRectF(left + step * c, top + step * c, side, side)
            painter.setBrush(QBrush(tints[c] if channels == 3 else QColor(160, 160, 160, 90)))
            painter.setPen(QPen(text, 1))
            painter.drawRect(square)
            painter.setPen(QPen(QColor(text.red(), text.green(), text.blue(), 60), 0.5))
            for k in range(1, 8):
                d = side * k / 8
                x, y = square.left() + d, square.top() + d
                painter.drawLine(QLineF(x, square.top(), x, square.bottom()))
                painter.drawLine(QLineF(square.left(), y, square.right(), y))
        painter.setPen(QPen(text))
        shape = "×".join(str(s) for s in self.image_shape)
        size = int(np.prod(self.image_shape))
        caption = f"{shape}\n= {size:,}".replace(",", "\u202f")
        rect = QRectF(-60, -top + 6, 120, 40)
        painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, caption)


class DropoutItem(QGraphicsItem):
    """A dropout layer: a dashed bar through which the connections pass."""

    def __init__(self, column: Column) -> None:
        super().__init__()
        cache_painting(self)
        self.column = column
        self.setPos(column.x, 0)

    def boundingRect(self) -> QRectF:
        w = self.column.width
        return QRectF(-w / 2, self.column.top, w, self.column.bottom - self.column.top)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        palette = _palette_of(self)
        text = palette.text().color()
        pen = QPen(text, 1.2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor(128, 128, 128, 70)))
        painter.drawRoundedRect(self.boundingRect().adjusted(2, 0, -2, 0), 6, 6)


class ButtonItem(QGraphicsItem):
    """A small round button ("+", "−") that the view clicks by its ``action`` name."""

    RADIUS = 8.0

    def __init__(self, symbol: str, action: str, spec_index: int, tooltip: str) -> None:
        super().__init__()
        cache_painting(self)
        self.symbol = symbol
        self.action = action
        self.spec_index = spec_index
        self.setToolTip(tooltip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:
        r = self.RADIUS + 1
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = _palette_of(self)
        text = palette.text().color()
        painter.setPen(QPen(text, 1))
        painter.setBrush(QBrush(palette.button().color()))
        r = self.RADIUS
        painter.drawEllipse(QRectF(-r, -r, 2 * r, 2 * r))
        painter.drawLine(QLineF(-4, 0, 4, 0))
        if self.symbol == "+":
            painter.drawLine(QLineF(0, -4, 0, 4))


class HandleItem(QGraphicsItem):
    """The grip under a layer: drag it down to add neurons, up to remove them."""

    def __init__(self, spec_index: int) -> None:
        super().__init__()
        cache_painting(self)
        self.spec_index = spec_index
        self.setCursor(Qt.CursorShape.SizeVerCursor)
        self.setToolTip("Drag up or down to remove or add neurons")

    def boundingRect(self) -> QRectF:
        return QRectF(-16, -5, 32, 10)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(128, 128, 128, 160)))
        painter.drawRoundedRect(QRectF(-14, -3, 28, 6), 3, 3)


class LayerFrame(QGraphicsObject):
    """The column behind a layer's neurons: highlights selection and drag targets."""

    def __init__(self, column: Column) -> None:
        super().__init__()
        cache_painting(self)
        self.column = column
        self.selected = False
        self.state = ""  # "", "dragging", "removing"
        self.setPos(column.x, 0)
        self.setZValue(-2)

    def boundingRect(self) -> QRectF:
        w = self.column.width + (0 if self.column.role == "dropout" else 10)
        return QRectF(-w / 2, self.column.top - 10, w, self.column.bottom - self.column.top + 20)

    def set_look(self, selected: bool | None = None, state: str | None = None) -> None:
        if selected is not None:
            self.selected = selected
        if state is not None:
            self.state = state
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if not self.selected and not self.state:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = _palette_of(self)
        accent = palette.highlight().color()
        if self.state == "removing":
            accent = QColor("#c0392b")
        fill = QColor(accent)
        fill.setAlpha(60 if self.state else 35)
        painter.setPen(
            QPen(accent, 1.5, Qt.PenStyle.DashLine if self.state else Qt.PenStyle.SolidLine)
        )
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(self.boundingRect().adjusted(1, 1, -1, -1), 12, 12)


class PaletteChip(QGraphicsItem):
    """A layer kind to drag into the network ("Dense" or "Dropout")."""

    def __init__(self, kind: str, title: str, tooltip: str) -> None:
        super().__init__()
        cache_painting(self)
        self.kind = kind
        self.title = title
        self.setToolTip(tooltip)
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, 86, 28)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = _palette_of(self)
        text = palette.text().color()
        painter.setPen(QPen(text, 1))
        painter.setBrush(QBrush(palette.button().color()))
        rect = self.boundingRect().adjusted(1, 1, -1, -1)
        painter.drawRoundedRect(rect, 8, 8)
        icon = QRectF(8, 7, 14, 14)
        if self.kind == "dense":
            painter.drawEllipse(icon)
        else:
            painter.setPen(QPen(text, 1, Qt.PenStyle.DashLine))
            painter.drawRect(icon.adjusted(3, 0, -3, 0))
            painter.setPen(QPen(text, 1))
        painter.drawText(rect.adjusted(26, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, self.title)


class TextItem(QGraphicsSimpleTextItem):
    """Centred text that takes its colour from the view palette when asked."""

    def __init__(self, text: str, bold: bool = False, point_size: float | None = None):
        super().__init__(text)
        cache_painting(self)
        font = QFont(self.font())
        font.setBold(bold)
        if point_size:
            font.setPointSizeF(point_size)
        self.setFont(font)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        # follow the diagram's palette, so text stays readable in dark themes
        self.setBrush(_palette_of(self).text())
        super().paint(painter, option, widget)

    def centre_at(self, x: float, y: float, anchor: tuple[float, float] = (0.5, 0.5)) -> TextItem:
        """Put the point ``anchor`` (fractions of the text's width and height; the centre
        by default) at ``(x, y)``. The text grows around that point when it is scaled up
        to stay readable (see ``NetworkScene.set_view_scale``), so a title anchored at its
        bottom and a subtitle at its top never grow into each other."""
        rect = self.boundingRect()
        origin = QPointF(rect.width() * anchor[0], rect.height() * anchor[1])
        self.setTransformOriginPoint(origin)
        self.setPos(x - origin.x(), y - origin.y())
        return self

    def em_pixels(self) -> float:
        """The font's size in pixels at scale 1 (what "text N pixels high" measures)."""
        return float(QFontInfo(self.font()).pixelSize())


class HoverCard(QGraphicsItem):
    """A card beside a neuron: its formula with current numbers, and its heatmap."""

    def __init__(self) -> None:
        super().__init__()
        cache_painting(self)
        self.lines: list[str] = []
        self.image: QImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(50)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._size = QRectF()
        self.font = QFont()

    def set_content(self, lines: list[str], image: QImage | None) -> None:
        self.prepareGeometryChange()
        self.lines, self.image = lines, image
        bold = QFont(self.font)
        bold.setBold(True)
        widths = [
            QFontMetricsF(bold if k == 0 else self.font).horizontalAdvance(line)
            for k, line in enumerate(lines)
        ]
        width = max(16 + max(widths, default=0.0), 180)
        height = 12 + 17 * len(lines) + (110 if image is not None else 0)
        self._size = QRectF(0, 0, width, height)
        self.update()

    def text(self) -> str:
        return "\n".join(self.lines)

    def boundingRect(self) -> QRectF:
        return self._size

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = _palette_of(self)
        text = palette.toolTipText().color()
        back = palette.toolTipBase().color()
        painter.setPen(QPen(text, 1))
        painter.setBrush(QBrush(back))
        painter.drawRoundedRect(self._size.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        font = QFont(self.font)
        for k, line in enumerate(self.lines):
            font.setBold(k == 0)
            painter.setFont(font)
            painter.drawText(QPointF(8, 20 + 17 * k), line)
        if self.image is not None:
            top = 12 + 17 * len(self.lines)
            painter.drawImage(QRectF(8, top, 100, 100), self.image)
            painter.setPen(QPen(text, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(8, top, 100, 100))
