"""Interaction modes of the diagram view: small objects with move / finish / cancel.

A mode lives from a mouse press to its release. It previews with temporary items and,
on release, makes exactly one spec edit (one undo entry per drag), or none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsLineItem

from nnviz.app.diagram.items import HandleItem, PaletteChip
from nnviz.live import edits
from nnviz.live.layout import COLLAPSE_ABOVE

if TYPE_CHECKING:
    from nnviz.app.diagram.view import NetworkDiagramView

DRAG_THRESHOLD = 6.0  # view pixels before a press becomes a drag


class Mode:
    """Base: ``move`` and ``finish`` get scene positions and whether the pointer is still
    over the viewport; ``finish`` returns nothing and makes at most one edit."""

    def __init__(self, view: NetworkDiagramView) -> None:
        self.view = view
        self.scene = view.diagram

    def move(self, pos: QPointF, inside: bool) -> None:
        pass

    def finish(self, pos: QPointF, inside: bool) -> None:
        self.cancel()

    def cancel(self) -> None:
        pass


class _MarkerMixin:
    """A vertical line showing where a dragged layer will land."""

    marker: QGraphicsLineItem | None = None

    def show_marker(self, scene, x: float) -> None:
        rect = scene.network_rect()
        if self.marker is None:
            pen = QPen(QColor("#2a9d8f"), 3, Qt.PenStyle.DashLine)
            self.marker = scene.addLine(QLineF(), pen)
            self.marker.setZValue(40)
        self.marker.setLine(QLineF(x, rect.top() + 30, x, rect.bottom() - 30))
        self.marker.show()

    def hide_marker(self) -> None:
        if self.marker is not None:
            self.marker.hide()

    def drop_marker(self, scene) -> None:
        if self.marker is not None:
            scene.removeItem(self.marker)
            self.marker = None


class InsertMode(Mode, _MarkerMixin):
    """Dragging a palette chip: a ghost follows the pointer; dropping between two layers
    inserts a new layer there, dropping anywhere else does nothing."""

    def __init__(self, view: NetworkDiagramView, chip: PaletteChip, pos: QPointF) -> None:
        super().__init__(view)
        self.kind = chip.kind
        self.ghost = PaletteChip(chip.kind, chip.title, "")
        self.ghost.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.ghost.setOpacity(0.7)
        self.ghost.setZValue(45)
        self.offset = chip.pos() - pos
        self.scene.addItem(self.ghost)
        self.ghost.setPos(chip.pos())

    def _target(self, pos: QPointF, inside: bool) -> int | None:
        if not inside or not self.scene.network_rect().contains(pos):
            return None
        return self.scene.insertion_position(pos.x())

    def move(self, pos: QPointF, inside: bool) -> None:
        self.ghost.setPos(pos + self.offset)
        position = self._target(pos, inside)
        if position is None:
            self.hide_marker()
        else:
            self.show_marker(self.scene, self.scene.gap_x(position))

    def finish(self, pos: QPointF, inside: bool) -> None:
        position = self._target(pos, inside)
        self.cancel()
        if position is not None:
            title = "Dense" if self.kind == "dense" else "Dropout"
            self.view.apply_edit(
                lambda spec: edits.insert_layer(spec, position, self.kind),
                f"Insert {title} layer",
                select_spec_index=position,
                transition=edits.inserted(len(self.view.document.spec.layers), position),
            )

    def cancel(self) -> None:
        self.drop_marker(self.scene)
        self.scene.removeItem(self.ghost)


class MoveLayerMode(Mode, _MarkerMixin):
    """Dragging a hidden or dropout layer: sideways to reorder, out of the diagram to
    remove it."""

    def __init__(self, view: NetworkDiagramView, spec_index: int, pos: QPointF) -> None:
        super().__init__(view)
        self.spec_index = spec_index
        self.start = pos
        self.frame = self.scene.frames[self.scene.column_of_spec(spec_index)]
        self.items = self.scene.column_items(self.scene.column_of_spec(spec_index))
        self.origins = [item.pos() for item in self.items]
        for item in self.items:
            item.setZValue(item.zValue() + 30)

    def _removing(self, pos: QPointF, inside: bool) -> bool:
        rect = self.scene.network_rect().adjusted(-40, -40, 40, 40)
        return not inside or not rect.contains(pos)

    def move(self, pos: QPointF, inside: bool) -> None:
        delta = pos - self.start
        for item, origin in zip(self.items, self.origins, strict=True):
            item.setPos(origin + delta)
        removing = self._removing(pos, inside)
        self.frame.set_look(state="removing" if removing else "dragging")
        if removing:
            self.hide_marker()
            self.view.show_message("Release to remove this layer", transient=True)
        else:
            position = self.scene.insertion_position(pos.x(), exclude=self.spec_index)
            self.show_marker(self.scene, self.scene.gap_x(position, exclude=self.spec_index))

    def finish(self, pos: QPointF, inside: bool) -> None:
        removing = self._removing(pos, inside)
        position = self.scene.insertion_position(pos.x(), exclude=self.spec_index)
        self.cancel()
        if removing:
            self.view.remove_layer(self.spec_index)
        elif position != self.spec_index:
            self.view.apply_edit(
                lambda spec: edits.move_layer(spec, self.spec_index, position),
                "Move layer",
                select_spec_index=position,
                transition=edits.moved(
                    len(self.view.document.spec.layers), self.spec_index, position
                ),
            )

    def cancel(self) -> None:
        self.drop_marker(self.scene)
        for item, origin in zip(self.items, self.origins, strict=True):
            item.setPos(origin)
            item.setZValue(item.zValue() - 30)
        self.frame.set_look(state="")


class ResizeMode(Mode):
    """Dragging a layer's handle: down adds neurons, up removes them (one neuron per
    neuron spacing; big layers step faster). The size is previewed under the layer."""

    def __init__(self, view: NetworkDiagramView, handle: HandleItem, pos: QPointF) -> None:
        super().__init__(view)
        self.spec_index = handle.spec_index
        self.handle = handle
        self.handle_y = handle.y()
        self.start = pos
        self.units = view.document.spec.layers[self.spec_index].units
        self.label = self.scene.unit_labels[self.spec_index]
        self.label_text = self.label.text()
        self.step = 1 if self.units <= COLLAPSE_ABOVE else max(1, self.units // 16)
        self.pitch = self.scene.columns[self.scene.column_of_spec(self.spec_index)].pitch

    def target_units(self, pos: QPointF) -> int:
        steps = round((pos.y() - self.start.y()) / (self.pitch / 2))
        return self.units + steps * self.step

    def move(self, pos: QPointF, inside: bool) -> None:
        units = self.target_units(pos)
        self.handle.setY(self.handle_y + pos.y() - self.start.y())
        self.label.setText(f"→ {units} units")

    def finish(self, pos: QPointF, inside: bool) -> None:
        units = self.target_units(pos)
        self.cancel()
        if units != self.units:
            self.view.resize_layer(self.spec_index, units)

    def cancel(self) -> None:
        self.label.setText(self.label_text)
        self.handle.setY(self.handle_y)
