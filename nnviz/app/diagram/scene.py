"""The diagram scene: a mirror of one spec, rebuilt whenever the spec changes.

The scene never edits anything. It lays out columns (:mod:`layout`), draws them
(:mod:`items`) and recolours connections, biases and neuron heatmaps from snapshot weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QGraphicsScene

from nnviz.app.diagram.items import (
    BundleItem,
    ButtonItem,
    ConnectionBlock,
    DropoutItem,
    HandleItem,
    HoverCard,
    ImageBlockItem,
    LayerFrame,
    NeuronItem,
    PaletteChip,
    TextItem,
    finite_or_extreme,
    heatmap_image,
    heatmap_images,
)
from nnviz.data.features import FEATURES
from nnviz.engine.spec import NetworkSpec
from nnviz.live import layout
from nnviz.live.layout import NEURON_RADIUS, Column, format_count, format_value

HINT = (
    "Drag a layer sideways to reorder it,\n"
    "out of the diagram to remove it · drag the grip\n"
    "under a layer to resize · click a line or a bias\n"
    "square to type a value · right-click a layer\n"
    "for its settings"
)
FRAME_TIP = (
    "Drag sideways to move this layer, out of the diagram to remove it (or press Delete); "
    "right-click for its settings"
)
BUTTON_OFFSET = 46.0  # the +/- buttons' distance from their column's centre, at least
HEADER_GAP = 56.0  # from the top of the tallest column to the layer titles
PALETTE_GAP = 112.0
#: Diagram text is scaled up so that it is never drawn smaller than this (pixels, em).
MIN_TEXT_PX = 11.0
TRACE_POINT_SIZE = 9.0  # a traced sample's numbers beside the neurons


def input_feature_grid(name: str, bounds: tuple[float, ...], size: int = 24) -> np.ndarray | None:
    """Feature ``name`` over the plane, rows along x2 like the snapshot's neuron grids
    (None when ``name`` is not a known 2D feature)."""
    if name not in FEATURES:
        return None
    x1 = np.linspace(bounds[0], bounds[1], size)
    x2 = np.linspace(bounds[2], bounds[3], size)
    a, b = np.meshgrid(x1, x2)
    return np.asarray(FEATURES.get(name).compute(a, b), dtype=np.float32)


class NetworkScene(QGraphicsScene):
    """Items for ``spec``; ``rebuild`` replaces them all, ``set_weights`` only recolours."""

    def __init__(self, spec: NetworkSpec, parent=None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.input_names: list[str] | None = None
        self.image_shape: tuple[int, ...] | None = None
        self.weights: list[tuple[np.ndarray, np.ndarray] | None] = []
        self.grids: list[np.ndarray | None] = []
        self.plane_bounds: tuple[float, ...] | None = None
        self.columns: list[Column] = []
        self.view_scale = 1.0  # the view's zoom (set by the view)
        self.text_scale = 1.0
        self.editing_aids_visible = True
        self.rebuild(spec)

    # -- building ------------------------------------------------------------------------
    def set_input_description(
        self, names: Sequence[str] | None, image_shape: tuple[int, ...] | None
    ) -> None:
        self.input_names = list(names) if names else None
        self.image_shape = tuple(image_shape) if image_shape else None
        self.rebuild(self.spec)

    def image_input(self) -> bool:
        return (
            self.image_shape is not None and int(np.prod(self.image_shape)) == self.spec.input_dim
        )

    def use_palette(self, palette: QPalette) -> None:
        """Draw in ``palette`` (the view's new one, or an export's light colours): the
        native parts take its colours and the items that keep their painting paint again."""
        self.setPalette(palette)
        for neuron in self.neurons.values():
            neuron.recolour()
        for block in self.blocks:
            block.recolour()
        for item in self.items():
            item.update()

    def rebuild(self, spec: NetworkSpec) -> None:
        self.spec = spec
        self.clear()
        self.columns = layout.columns_for(spec, self.image_input())
        self.frames: list[LayerFrame] = []
        self.neurons: dict[tuple[int, int], NeuronItem] = {}
        self.blocks: list[ConnectionBlock] = []
        self.buttons: list[ButtonItem] = []
        self.handles: list[HandleItem] = []
        self.unit_labels: dict[int, TextItem] = {}
        self.trace_labels: list[TextItem] = []
        counts = layout.layer_param_counts(spec)
        self._column_items: list[list] = []
        top = min(c.top for c in self.columns)
        for k, column in enumerate(self.columns):
            self._built: list = []
            frame = self._add(LayerFrame(column))
            if column.movable:
                frame.setToolTip(FRAME_TIP)
            self.frames.append(frame)
            self._add_column_body(k, column)
            self._add_labels(column, top, counts)
            self._column_items.append(self._built)
        self._built = []
        for dense_index, (source, target) in enumerate(layout.dense_links(self.columns)):
            editable = source.shown > 0 and target.shown > 0
            self.blocks.append(self._add(ConnectionBlock(dense_index, source, target, editable)))
        self._add_palette(top)
        self._add_hint()
        self.card = self._add(HoverCard())
        self.card.hide()
        self._keep_matching_weights()
        self.setSceneRect(self.itemsBoundingRect().adjusted(-40, -30, 40, 30))
        self._rescale_text()  # after the scene's rectangle: it is not to grow with the text
        self.set_editing_aids_visible(self.editing_aids_visible)

    # -- readable text -------------------------------------------------------------------
    def set_view_scale(self, scale: float) -> None:
        """The view's zoom changed: text drawn smaller than :data:`MIN_TEXT_PX` grows."""
        if scale > 0 and scale != self.view_scale:
            self.view_scale = scale
            self._rescale_text()

    def set_text_scale(self, factor: float) -> None:
        """Every label ``factor`` times its size (presentation mode: 1.5)."""
        if factor > 0 and factor != self.text_scale:
            self.text_scale = factor
            self._rescale_text()

    def set_editing_aids_visible(self, visible: bool) -> None:
        """Show or hide the palette row and the hint (hidden in presentation mode)."""
        self.editing_aids_visible = visible
        for item, _ in self.overlay:
            item.setVisible(visible)
        self.hint.setVisible(visible)

    def _rescale_text(self) -> None:
        for item in self.items():
            if isinstance(item, TextItem):
                self.make_readable(item)
        # the +/- buttons stay clear of their layer's "16 units" label, however large
        for button in self.buttons:
            label = self.unit_labels.get(button.spec_index)
            if label is None:
                continue
            column = self.columns[self.column_of_spec(button.spec_index)]
            reach = max(BUTTON_OFFSET, label.sceneBoundingRect().width() / 2 + 20)
            side = 1 if button.action == "add_unit" else -1
            button.setX(column.x + side * reach)

    def make_readable(self, item: TextItem) -> None:
        """Scale ``item`` so that on screen it is at least :data:`MIN_TEXT_PX` pixels high
        (and ``text_scale`` times its size). The palette row keeps its pixel size."""
        if item.flags() & QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations:
            return
        shown = item.em_pixels() * self.view_scale
        item.setScale(self.text_scale * max(1.0, MIN_TEXT_PX / max(shown, 1e-6)))

    def _add(self, item):
        self.addItem(item)
        self._built.append(item)
        return item

    def _add_column_body(self, k: int, column: Column) -> None:
        if column.role == "dropout":
            self._add(DropoutItem(column))
        elif column.role == "input" and self.image_input():
            self._add(ImageBlockItem(column, self.image_shape or ()))
        elif column.collapsed:
            noun = "inputs" if column.role == "input" else "units"
            self._add(BundleItem(column, f"{format_count(column.units)}\n{noun}"))
        else:
            names = self.input_names if column.role == "input" else None
            if names is None or len(names) != column.units:
                names = [f"x{u + 1}" for u in range(column.units)] if column.role == "input" else []
            for unit in range(column.shown):
                neuron = self._add(NeuronItem(column, unit))
                self.neurons[(k, unit)] = neuron
                if names:
                    label = TextItem(names[unit])
                    label.centre_at(column.x - NEURON_RADIUS - 6, neuron.y(), anchor=(1.0, 0.5))
                    self._add(label)

    def _add_labels(self, column: Column, top: float, counts: list[int]) -> None:
        x = column.x
        if column.role == "input":
            title, subtitle = (
                "Input",
                ("image" if self.image_input() else f"{column.units} features"),
            )
        elif column.role == "dropout":
            layer = self.spec.layers[column.spec_index]
            title, subtitle = "Dropout", f"rate {layer.rate:g}"
        else:
            layer = self.spec.layers[column.spec_index]
            title = "Output" if column.role == "output" else f"Hidden {column.dense_index + 1}"
            subtitle = layer.activation
        title_item = TextItem(title, bold=True)
        half = title_item.boundingRect().height() / 2
        self._add(title_item.centre_at(x, top - HEADER_GAP + half, anchor=(0.5, 1.0)))
        subtitle_item = TextItem(subtitle)
        self._add(subtitle_item.centre_at(x, top - HEADER_GAP + half + 3, anchor=(0.5, 0.0)))
        if column.role == "dropout" or column.role == "input":
            return
        bottom = column.bottom
        units = f"{column.units} unit{'s' if column.units != 1 else ''}"
        self.unit_labels[column.spec_index] = self._add(TextItem(units).centre_at(x, bottom + 34))
        params = counts[column.spec_index]
        self._add(
            TextItem(
                f"{format_count(params)} param{'s' if params != 1 else ''}", point_size=8
            ).centre_at(x, bottom + 48, anchor=(0.5, 0.0))
        )
        if column.movable:
            handle = self._add(HandleItem(column.spec_index))
            handle.setPos(x, bottom + 14)
            self.handles.append(handle)
            for symbol, action, dx, tip in (
                ("−", "remove_unit", -BUTTON_OFFSET, "Remove a neuron"),
                ("+", "add_unit", BUTTON_OFFSET, "Add a neuron"),
            ):
                button = self._add(ButtonItem(symbol, action, column.spec_index, tip))
                button.setPos(x + dx, bottom + 34)
                self.buttons.append(button)

    def _add_palette(self, top: float) -> None:
        """The toolbar row (palette chips and the parameter total). Its items keep their
        size in pixels and the view pins them to its top-left corner (``overlay`` holds
        each item's pixel offset), so the palette stays at hand when zoomed in; their
        scene positions here only reserve room above the network."""
        y = top - HEADER_GAP - PALETTE_GAP / 2 - 14
        x = self.columns[0].x - 110
        self.overlay: list[tuple[QGraphicsItem, QPointF]] = []
        label = TextItem("Drag to insert:")
        self.palette_chips = [
            PaletteChip("dense", "Dense", "Drag between two layers to insert a dense layer"),
            PaletteChip("dropout", "Dropout", "Drag between two layers to insert a dropout layer"),
        ]
        total = sum(layout.layer_param_counts(self.spec))
        self.total_label = TextItem(f"Total: {format_count(total)} parameters", bold=True)
        offset = QPointF(12, 12)
        for item in (label, *self.palette_chips, self.total_label):
            height = item.boundingRect().height()
            self._add(item).setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setZValue(30)
            at = QPointF(offset.x(), offset.y() + 14 - height / 2)
            self.overlay.append((item, at))
            item.setPos(QPointF(x, y) + at)
            offset.setX(offset.x() + item.boundingRect().width() + (24 if item is label else 12))

    def _add_hint(self) -> None:
        bottom = max(c.bottom for c in self.columns) + 100
        centre = (self.columns[0].x + self.columns[-1].x) / 2
        hint = TextItem(HINT, point_size=8)
        hint.setOpacity(0.6)
        top = bottom - hint.boundingRect().height() / 2
        self.hint = self._add(hint.centre_at(centre, top, anchor=(0.5, 0.0)))

    # -- a traced sample ------------------------------------------------------------------
    def show_trace_values(self, spec_index: int, texts: list[str]) -> None:
        """Write ``texts[unit]`` beside each shown neuron of ``spec.layers[spec_index]``
        (one sample's z and a, or its gradients); an empty list clears them."""
        for item in self.trace_labels:
            self.removeItem(item)
        self.trace_labels = []
        if not texts:
            return
        column = self.column_of_spec(spec_index)
        for (k, unit), neuron in self.neurons.items():
            if k != column or unit >= len(texts):
                continue
            label = TextItem(texts[unit], point_size=TRACE_POINT_SIZE)
            centre = neuron.scenePos() + neuron.boundingRect().center()
            bounds = label.boundingRect()
            label.centre_at(centre.x() + NEURON_RADIUS + 4, centre.y(), anchor=(0.0, 0.5))
            self.make_readable(label)
            # a light card under the numbers, so the connections behind do not hide them
            card = QGraphicsRectItem(bounds.adjusted(-2, -1, 2, 1), label)
            card.setBrush(QColor(255, 255, 255, 225))
            card.setPen(QPen(Qt.PenStyle.NoPen))
            card.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent)
            label.setZValue(5)
            self.addItem(label)
            self.trace_labels.append(label)

    # -- queries -------------------------------------------------------------------------
    def column_items(self, column_index: int) -> list:
        """Every item drawn for one column (moved together while it is dragged)."""
        return list(self._column_items[column_index])

    def column_of_spec(self, spec_index: int) -> int:
        """Column index of ``spec.layers[spec_index]`` (the input is column 0)."""
        return spec_index + 1

    def network_rect(self) -> QRectF:
        """The area of the columns themselves (dropping outside it removes a layer)."""
        left = self.columns[0].x - layout.COLUMN_WIDTH
        right = self.columns[-1].x + layout.COLUMN_WIDTH
        top = min(c.top for c in self.columns) - HEADER_GAP - 12
        bottom = max(c.bottom for c in self.columns) + 64
        return QRectF(left, top, right - left, bottom - top)

    def insertion_position(self, x: float, exclude: int | None = None) -> int:
        """Where in ``spec.layers`` a layer dropped at scene ``x`` goes: before the first
        layer column to the right of ``x``, never after the output layer. ``exclude`` is
        the spec index of a layer being moved (positions then count without it)."""
        layers = [c for c in self.columns[1:] if c.spec_index != exclude]
        position = sum(1 for c in layers if c.x < x)
        return max(0, min(position, len(layers) - 1))

    def gap_x(self, position: int, exclude: int | None = None) -> float:
        """Scene x of the insertion marker for ``position``."""
        columns = [c for c in self.columns if c.spec_index != exclude or c.role == "input"]
        left, right = columns[position], columns[position + 1]
        return (left.x + right.x) / 2

    # -- live values ---------------------------------------------------------------------
    def _expected_shapes(self) -> list[tuple[int, int]]:
        return [
            (fan_in, layer.units)
            for fan_in, layer in zip(layout.fan_ins(self.spec), self.spec.dense_layers, strict=True)
        ]

    def set_weights(
        self,
        weights: Sequence[tuple[np.ndarray, np.ndarray]] | None,
        grids: Sequence[np.ndarray | None] | None = None,
    ) -> None:
        """Show snapshot weights; layers whose shape no longer matches the spec are left
        neutral (a snapshot taken before an edit)."""
        shapes = self._expected_shapes()
        self.weights = [None] * len(shapes)
        self.grids = [None] * len(shapes)
        for d, shape in enumerate(shapes):
            if weights is not None and d < len(weights) and weights[d] is not None:
                w, b = weights[d]
                if np.shape(w) == shape and np.shape(b) == (shape[1],):
                    self.weights[d] = (np.asarray(w), np.asarray(b))
            grid = grids[d] if grids is not None and d < len(grids) else None
            pictured = min(shape[1], layout.PICTURED_UNITS)
            if grid is not None and np.ndim(grid) == 3 and np.shape(grid)[0] == pictured:
                self.grids[d] = np.asarray(grid)
        self._refresh()

    def _keep_matching_weights(self) -> None:
        self.set_weights(list(self.weights), list(self.grids))
        self._show_input_plane()

    def set_input_plane(self, bounds: tuple[float, float, float, float] | None) -> None:
        """Draw each 2D input feature (x1, x1², sin(x2)...) over the plane ``bounds``
        (x1_min, x1_max, x2_min, x2_max) inside its input neuron, as the hidden neurons'
        heatmaps are drawn. Recomputed only when the bounds change."""
        bounds = None if bounds is None else tuple(float(v) for v in bounds)
        if bounds != self.plane_bounds:
            self.plane_bounds = bounds
            self._show_input_plane()

    def _show_input_plane(self) -> None:
        names = self.input_names or []
        inputs = [n for (k, _), n in self.neurons.items() if k == 0]
        for neuron in inputs:
            neuron.image = None
            if self.plane_bounds is not None and len(names) == len(inputs):
                grid = input_feature_grid(names[neuron.unit], self.plane_bounds)
                neuron.image = None if grid is None else heatmap_image(grid, round_mask=True)
            neuron.refresh()

    def _refresh(self) -> None:
        for d, block in enumerate(self.blocks):
            pair = self.weights[d]
            if pair is None:
                block.set_values(None, None)
                continue
            source, target = self._link(d)
            value, magnitude = layout.link_values(pair[0], source.shown, target.shown)
            block.set_values(value, magnitude)
        # Per layer in one NumPy pass: the bias squares' strengths and the heatmaps.
        biases: list[tuple[np.ndarray, np.ndarray] | None] = []
        images: list[list[QImage] | None] = []
        for d, (pair, grid) in enumerate(zip(self.weights, self.grids, strict=True)):
            if pair is None:
                biases.append(None)
            else:
                b = finite_or_extreme(pair[1])
                biases.append((b, np.abs(b) / (float(np.max(np.abs(b))) or 1.0)))
            shown = self._link(d)[1].shown  # a bundle (0) shows no neuron's picture
            images.append(None if grid is None or not shown else heatmap_images(grid[:shown], True))
        for (_, unit), neuron in self.neurons.items():
            d = neuron.dense_index
            if d is None:
                continue
            bias, layer_images = biases[d], images[d]
            if bias is None:
                neuron.bias = None
            else:
                neuron.bias, neuron.bias_scale = float(bias[0][unit]), float(bias[1][unit])
            neuron.image = None if layer_images is None else layer_images[unit]
            neuron.refresh()

    def _link(self, dense_index: int) -> tuple[Column, Column]:
        return layout.dense_links(self.columns)[dense_index]

    def set_weight(self, dense_index: int, name: str, index: tuple[int, ...], value: float):
        """Show one edited parameter at once (the next snapshot confirms it)."""
        pair = self.weights[dense_index]
        if pair is None:
            return
        w, b = (np.array(a, dtype=np.float64) for a in pair)
        (w if name == "W" else b)[index] = value
        self.weights[dense_index] = (w, b)
        self._refresh()

    # -- hover card ----------------------------------------------------------------------
    def card_lines(self, neuron: NeuronItem) -> list[str]:
        """The formula of ``neuron`` with its current numbers."""
        column = neuron.column
        if column.dense_index is None:
            names = self.input_names or []
            name = names[neuron.unit] if neuron.unit < len(names) else f"x{neuron.unit + 1}"
            return [f"Input {neuron.unit + 1}: {name}", "the value of this feature"]
        d = column.dense_index
        layer = self.spec.layers[column.spec_index]
        source, _ = self._link(d)
        title = "Output" if column.role == "output" else f"Hidden {d + 1}"
        x = "x" if d == 0 else "a"
        lines = [
            f"{title}, neuron {neuron.unit + 1}",
            f"z = w·{x} + b   (w has {source.units} weights)",
            f"a = {layer.activation}(z)",
        ]
        pair = self.weights[d]
        if pair is None:
            lines.append("weights appear when the network is built")
            return lines
        w = pair[0][:, neuron.unit]
        b = float(pair[1][neuron.unit])
        shown = 4
        terms = []
        for i, wi in enumerate(w[:shown]):
            sign = "−" if wi < 0 and terms else ("+" if terms else "")
            mag = format_value(abs(wi)) if terms else format_value(wi)
            terms.append(f"{sign} {mag}·{x}{i + 1}".strip())
        more = f" + … ({len(w) - shown} more)" if len(w) > shown else ""
        bias = f" − {format_value(-b)}" if b < 0 else f" + {format_value(b)}"
        lines.append("z = " + " ".join(terms) + more + bias)
        lines.append(f"b = {format_value(b)},  |w| mean {format_value(float(np.mean(np.abs(w))))}")
        grid = self.grids[d]
        if grid is not None:
            a = finite_or_extreme(grid[neuron.unit])
            low, high = format_value(float(a.min())), format_value(float(a.max()))
            lines.append(f"over the plane, a goes from {low} to {high}:")
        return lines

    def show_card(self, neuron: NeuronItem) -> None:
        grid = self.grids[neuron.dense_index] if neuron.dense_index is not None else None
        image = heatmap_image(grid[neuron.unit]) if grid is not None else None
        self.card.set_content(self.card_lines(neuron), image)
        self.card.setPos(neuron.pos() + QPointF(NEURON_RADIUS + 8, NEURON_RADIUS))
        self.card.show()

    def place_card(self, neuron: NeuronItem, visible: QRectF, scale: float) -> None:
        """Keep the card inside ``visible`` (the scene area on screen): beside the neuron
        on the right, or on its left, moved up when it would run off the bottom."""
        size = self.card.boundingRect()
        width, height = size.width() / scale, size.height() / scale
        x = neuron.x() + NEURON_RADIUS + 8
        if x + width > visible.right():
            x = max(visible.left(), neuron.x() - NEURON_RADIUS - 8 - width)
        y = min(neuron.y() + NEURON_RADIUS, visible.bottom() - height)
        self.card.setPos(x, max(visible.top(), y))

    def show_weight_card(self, dense_index: int, i: int, j: int, at: QPointF) -> None:
        """A small card for the connection from input/neuron ``i`` to unit ``j``."""
        source, _ = self._link(dense_index)
        names = self.input_names or []
        if source.role != "input":
            name = f"a{i + 1}"
        else:
            name = names[i] if len(names) == source.units else f"x{i + 1}"
        label = f"weight {name} → neuron {j + 1} of layer {dense_index + 1}"
        pair = self.weights[dense_index]
        value = "not known yet" if pair is None else format_value(float(pair[0][i, j]))
        self.card.set_content([label, f"= {value}   (click to type a new value)"], None)
        self.card.setPos(at + QPointF(6, 6))
        self.card.show()

    def hide_card(self) -> None:
        self.card.hide()
