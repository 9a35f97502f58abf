"""The network-diagram view: the centre of the main window.

It mirrors ``document.spec`` (rebuilding its scene on ``specChanged``), shows live
weights from training snapshots, and turns mouse and keyboard gestures into spec edits
pushed through ``document.edit`` (so undo/redo need no code here) or, for a single
weight or bias, into :attr:`NetworkDiagramView.parameterEdited`.

Mouse: drag a palette chip between two layers to insert; drag a layer sideways to
reorder or out of the diagram to remove; drag the grip under a layer to resize; click a
connection or a bias square to type a new value; right-click a layer for its settings;
drag the background to pan; wheel to zoom. Keys (when the view has focus): ←/→ select a
layer, Delete removes it, Insert (Shift+Insert) adds a dense (dropout) layer after it,
+/− resize it, Ctrl +/−/0 zoom and fit, Ctrl+Z/Ctrl+Shift+Z.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QKeyCombination, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QContextMenuEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QLabel, QLineEdit, QMenu, QWidget

from nnviz.app.diagram import modes
from nnviz.app.diagram.items import ButtonItem, HandleItem, NeuronItem, PaletteChip
from nnviz.app.diagram.scene import NetworkScene
from nnviz.app.document import NetworkDocument
from nnviz.app.frame_clock import identity_key
from nnviz.engine.spec import NetworkSpec, SpecError
from nnviz.engine.transition import Transition
from nnviz.live import edits
from nnviz.live.layout import format_value
from nnviz.live.snapshot import TrainingSnapshot

REGULARIZATION_STEPS = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
DROPOUT_STEPS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
ZOOM_STEP = 1.2
MESSAGE_MS = 5000


def activation_names() -> list[str]:
    from nnviz.engine.activations import ACTIVATIONS

    return ACTIVATIONS.names()


def initializer_names() -> list[str]:
    from nnviz.engine.initializers import INITIALIZERS

    return INITIALIZERS.names()


class NetworkDiagramView(QGraphicsView):
    """Shows and edits the document's network.

    ``parameterEdited(dense_index, "W" | "b", index, value)`` asks the training controller
    to set one parameter (``index`` is ``(input, unit)`` for W, ``(unit,)`` for b).
    ``message(text)`` carries refusals and hints for the status bar (also shown inline);
    ``selectionChanged(spec_index)`` follows :attr:`selected_spec_index`."""

    parameterEdited = Signal(int, str, object, float)
    #: (dense_index, input, unit) of the connection under the mouse
    weightHovered = Signal(int, int, int)
    message = Signal(str)
    selectionChanged = Signal(object)

    def __init__(self, document: NetworkDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.diagram = NetworkScene(document.spec, self)
        self.setScene(self.diagram)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        self._auto_fit = True
        self._holding_button = False  # the view holds still under a clicked +/- button
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._mode: modes.Mode | None = None
        self.key_actions = self._create_key_actions()
        self._press: tuple[QPoint, object] | None = None
        self.selected_spec_index: int | None = None  # -1: the input column, None: nothing
        self.last_message = ""
        self.value_editor: QLineEdit | None = None
        self._banner = QLabel(self)
        self._banner.setObjectName("diagramBanner")
        self._banner.setStyleSheet(
            "#diagramBanner { background: palette(tool-tip-base); color: palette(tool-tip-text);"
            " border: 1px solid palette(mid); border-radius: 4px; padding: 4px 8px; }"
        )
        self._banner.hide()
        self._banner_timer = QTimer(self, singleShot=True, interval=MESSAGE_MS)
        self._banner_timer.timeout.connect(self._banner.hide)
        document.specChanged.connect(self._on_spec_changed)

    # -- public API ----------------------------------------------------------------------
    def snapshot_key(self, snapshot: TrainingSnapshot) -> tuple[object, ...]:
        """The weights and neuron grids (new with each snapshot) and the plane's bounds."""
        boundary = snapshot.boundary
        return (
            identity_key(snapshot.weights),
            identity_key(snapshot.neuron_grids),
            None if boundary is None else boundary.bounds,
        )

    def show_snapshot(self, snapshot: object) -> None:
        """Draw the weights (and, for 2D data, neuron heatmaps) of a training snapshot."""
        weights = getattr(snapshot, "weights", None)
        grids = getattr(snapshot, "neuron_grids", None)
        self.diagram.set_weights(weights or None, grids)
        boundary = getattr(snapshot, "boundary", None)
        self.diagram.set_input_plane(getattr(boundary, "bounds", None) if grids else None)

    def set_input_description(
        self, names: Sequence[str] | None, image_shape: tuple[int, ...] | None
    ) -> None:
        """Name the input features (2D data) or give the image shape, e.g. (64, 64, 3)."""
        self.diagram.set_input_description(names, image_shape)
        self._restore_selection()
        self._fit_if_auto()

    def fit_to_view(self) -> None:
        """Zoom so that the whole network fits, and keep fitting on resize."""
        self._auto_fit = True
        self._holding_button = False
        self.setSceneRect(QRectF())  # follow the scene's rectangle again
        self.fitInView(self.diagram.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.6:
            self.resetTransform()
            self.scale(1.6, 1.6)
            self.centerOn(self.diagram.sceneRect().center())
        self._pin_overlay()

    def zoom(self, factor: float) -> None:
        """Zoom by ``factor`` (stops fitting on resize until ``fit_to_view``)."""
        current = self.transform().m11()
        factor = max(0.1 / current, min(factor, 6.0 / current))
        self._auto_fit = False
        self.scale(factor, factor)
        self._pin_overlay()

    def _pin_overlay(self) -> None:
        """Keep the palette row at the top-left corner of the viewport (and the text
        readable at the current zoom)."""
        self.diagram.set_view_scale(self.transform().m11())
        for item, offset in self.diagram.overlay:
            item.setPos(self.mapToScene(offset.toPoint()))

    def palette_bottom(self) -> int:
        """The lowest pixel row of the palette row pinned to the viewport's top (its items
        keep their pixel size: offset plus height)."""
        return round(
            max(
                (at.y() + item.boundingRect().height() for item, at in self.diagram.overlay),
                default=0.0,
            )
        )

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._pin_overlay()

    def select_layer(self, spec_index: int | None) -> None:
        """Highlight ``spec.layers[spec_index]`` (-1: the input column, None: nothing)."""
        self.selected_spec_index = spec_index
        self._restore_selection()
        self.selectionChanged.emit(spec_index)

    def show_message(self, text: str, transient: bool = False) -> None:
        """Show ``text`` above the diagram for a few seconds; non-transient messages (edit
        refusals) also go out through :attr:`message` for the status bar."""
        self._banner.setText(text)
        self._banner.adjustSize()
        # below the palette row, never over it
        self._banner.move((self.width() - self._banner.width()) // 2, self.palette_bottom() + 6)
        self._banner.show()
        self._banner.raise_()
        self._banner_timer.start()
        if not transient:
            self.last_message = text
            self.message.emit(text)

    # -- edits ---------------------------------------------------------------------------
    def apply_edit(
        self,
        make: Callable[[NetworkSpec], NetworkSpec],
        text: str,
        select_spec_index: int | None = None,
        merge_id: int = -1,
        transition: Transition | None = None,
    ) -> bool:
        """Push ``make(spec)`` as one undoable edit (``merge_id`` and ``transition`` as in
        ``document.edit``), selecting ``select_spec_index``; show the reason when the edit
        is refused."""
        try:
            new_spec = make(self.document.spec)
            if select_spec_index is not None:
                self.selected_spec_index = select_spec_index
            self.document.edit(new_spec, text, merge_id, transition)
        except (edits.EditRefused, SpecError) as exc:
            self.show_message(str(exc))
            return False
        return True

    def remove_layer(self, spec_index: int) -> bool:
        layers = self.document.spec.layers
        following = min(spec_index, len(layers) - 2)
        return self.apply_edit(
            lambda spec: edits.remove_layer(spec, spec_index),
            f"Remove {'dropout' if not layers[spec_index].is_dense() else 'dense'} layer",
            select_spec_index=following,
            transition=edits.removed(len(layers), spec_index),
        )

    def resize_layer(self, spec_index: int, units: int) -> bool:
        return self.apply_edit(
            lambda spec: edits.resize_layer(spec, spec_index, units),
            f"Resize layer to {units} neurons",
            select_spec_index=spec_index,
        )

    def set_layer_options(self, spec_index: int, **changes: object) -> bool:
        what = ", ".join(f"{k} {v}" for k, v in changes.items())
        return self.apply_edit(
            lambda spec: edits.set_layer_options(spec, spec_index, **changes),
            f"Set {what}",
            select_spec_index=spec_index,
        )

    # -- mirroring the document ----------------------------------------------------------
    def _on_spec_changed(self, old: NetworkSpec, new: NetworkSpec) -> None:
        if (old.input_dim, old.layers) == (new.input_dim, new.layers):
            self.diagram.spec = new  # e.g. a learning-rate change: nothing drawn changes
            return
        self._cancel_interaction()
        self._close_editor()
        self.diagram.rebuild(new)
        if self.selected_spec_index is not None and self.selected_spec_index >= len(new.layers):
            self.selected_spec_index = len(new.layers) - 1
        self._restore_selection()
        self.selectionChanged.emit(self.selected_spec_index)
        self._fit_if_auto()

    def _restore_selection(self) -> None:
        index = self.selected_spec_index
        selected = -1 if index is None else self.diagram.column_of_spec(index)
        for k, frame in enumerate(self.diagram.frames):
            frame.set_look(selected=k == selected)

    def _fit_if_auto(self) -> None:
        if self._auto_fit:
            self.fit_to_view()
        else:
            self._pin_overlay()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_if_auto()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # e.g. the desktop turned dark
            self.diagram.use_palette(self.palette())

    # -- hit testing ---------------------------------------------------------------------
    def target_at(self, view_pos: QPoint) -> tuple[str, object]:
        """What a press at ``view_pos`` grabs: ("button", item), ("handle", item),
        ("chip", item), ("bias", neuron), ("layer", column), ("weight", (block, i, j))
        or ("", None) for the background."""
        scene_pos = self.mapToScene(view_pos)
        for item in self.items(view_pos):
            if isinstance(item, ButtonItem):
                return "button", item
            if isinstance(item, HandleItem):
                return "handle", item
            if isinstance(item, PaletteChip):
                return "chip", item
            if isinstance(item, NeuronItem) and self._on_bias(item, scene_pos):
                return "bias", item
            column = getattr(item, "column", None)
            if column is not None:
                return "layer", column
        tolerance = 4.0 / max(self.transform().m11(), 1e-6)
        for block in self.diagram.blocks:
            if block.editable and block.sceneBoundingRect().contains(scene_pos):
                hit = block.hit(scene_pos, tolerance)
                if hit is not None:
                    return "weight", (block, *hit)
        return "", None

    @staticmethod
    def _on_bias(neuron: NeuronItem, scene_pos: QPointF) -> bool:
        area = neuron.bias_rect().adjusted(-2, -2, 2, 2)
        return neuron.dense_index is not None and area.contains(neuron.mapFromScene(scene_pos))

    def _inside(self, view_pos: QPoint) -> bool:
        return self.viewport().rect().contains(view_pos)

    # -- mouse ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._close_editor()
        if event.button() != Qt.MouseButton.LeftButton or self._mode is not None:
            super().mousePressEvent(event)
            return
        pos = event.position().toPoint()
        kind, target = self.target_at(pos)
        scene_pos = self.mapToScene(pos)
        if kind == "button":
            self._press_button(target)
        elif kind == "handle":
            self._mode = modes.ResizeMode(self, target, scene_pos)
        elif kind == "chip":
            self._mode = modes.InsertMode(self, target, scene_pos)
        elif kind in ("bias", "layer", "weight"):
            self._press = (pos, (kind, target))
            if kind == "layer":
                self.select_layer(-1 if target.spec_index is None else target.spec_index)
        else:
            super().mousePressEvent(event)
            return
        self.diagram.hide_card()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._press is not None and self._mode is None:
            start, (kind, target) = self._press
            moved = (pos - start).manhattanLength() >= modes.DRAG_THRESHOLD
            column = self._press_column(kind, target)
            if moved and column is not None and column.movable:
                self._mode = modes.MoveLayerMode(self, column.spec_index, self.mapToScene(start))
                self._press = None
            elif moved:
                self._press = None  # a drag from a line or a fixed layer is not a click
        if self._mode is not None:
            self._mode.move(self.mapToScene(pos), self._inside(pos))
            event.accept()
            return
        if self._press is None:
            self._hover(pos)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._mode is not None:
            mode, self._mode = self._mode, None
            mode.finish(self.mapToScene(pos), self._inside(pos))
            event.accept()
            return
        if self._press is not None:
            _, (kind, target) = self._press
            self._press = None
            if kind == "bias":
                self.edit_bias(target.dense_index, target.unit, pos)
            elif kind == "weight":
                block, i, j = target
                self.edit_weight(block.dense_index, i, j, pos)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _press_column(self, kind: str, target: object):
        if kind == "layer":
            return target
        if kind == "bias":
            return target.column
        return None

    def _press_button(self, button: ButtonItem) -> None:
        """Add or remove a neuron. The button stays under the pointer, so clicking again at
        the same place clicks it again: the view holds its zoom and pans so that the new
        button sits where the old one was; it fits the network again once the pointer
        leaves the button (or on Ctrl+0)."""
        spec_index, action = button.spec_index, button.action
        at = self.mapFromScene(button.scenePos())
        units = self.document.spec.layers[spec_index].units
        self.select_layer(spec_index)
        was_fitting = self._auto_fit or self._holding_button
        self._auto_fit = False
        self.resize_layer(spec_index, units + (1 if action == "add_unit" else -1))
        moved = next(
            (b for b in self.diagram.buttons if (b.spec_index, b.action) == (spec_index, action)),
            None,
        )
        if moved is None:
            self._auto_fit = was_fitting
            self._fit_if_auto()
            return
        self._holding_button = was_fitting
        # Room to pan anywhere, then put the new button's centre back at ``at``.
        margin = 4 * max(self.viewport().width(), self.viewport().height())
        self.setSceneRect(self.diagram.sceneRect().adjusted(-margin, -margin, margin, margin))
        shift = self.mapFromScene(moved.scenePos()) - at
        for bar, pixels in (
            (self.horizontalScrollBar(), shift.x()),
            (self.verticalScrollBar(), shift.y()),
        ):
            bar.setValue(bar.value() + pixels)
        self._pin_overlay()

    def _hover(self, view_pos: QPoint) -> None:
        if self._holding_button and self.target_at(view_pos)[0] != "button":
            self.fit_to_view()
        for item in self.items(view_pos):
            if isinstance(item, NeuronItem):
                self.diagram.show_card(item)
                visible = self.mapToScene(self.viewport().rect()).boundingRect()
                self.diagram.place_card(item, visible, self.transform().m11())
                return
        kind, target = self.target_at(view_pos)
        if kind == "weight":
            block, i, j = target
            self.diagram.show_weight_card(block.dense_index, i, j, self.mapToScene(view_pos))
            self.weightHovered.emit(block.dense_index, i, j)
            return
        self.diagram.hide_card()

    def leaveEvent(self, event: QEvent) -> None:
        self.diagram.hide_card()
        super().leaveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(math.pow(ZOOM_STEP, steps))
        event.accept()

    def _cancel_interaction(self) -> None:
        if self._mode is not None:
            mode, self._mode = self._mode, None
            mode.cancel()
        self._press = None

    # -- typing a weight or bias ---------------------------------------------------------
    def edit_weight(self, dense_index: int, i: int, j: int, view_pos: QPoint) -> QLineEdit:
        """Open an inline editor for W[i, j] of dense layer ``dense_index``."""
        pair = self.diagram.weights[dense_index]
        current = None if pair is None else float(pair[0][i, j])
        return self._open_editor(dense_index, "W", (i, j), current, view_pos)

    def edit_bias(self, dense_index: int, unit: int, view_pos: QPoint) -> QLineEdit:
        pair = self.diagram.weights[dense_index]
        current = None if pair is None else float(pair[1][unit])
        return self._open_editor(dense_index, "b", (unit,), current, view_pos)

    def _open_editor(
        self,
        dense_index: int,
        name: str,
        index: tuple[int, ...],
        current: float | None,
        view_pos: QPoint,
    ) -> QLineEdit:
        self._close_editor()
        editor = QLineEdit(self.viewport())
        label = f"w[{index[0] + 1}→{index[1] + 1}]" if name == "W" else f"b[{index[0] + 1}]"
        editor.setPlaceholderText(f"{label} = ?")
        editor.setToolTip(
            f"Layer {dense_index + 1}, {label}: type a new value and press Enter (Esc cancels)"
        )
        if current is not None:
            editor.setText(format_value(current).replace("−", "-"))
            editor.selectAll()
        editor.setFixedWidth(110)
        editor.move(view_pos + QPoint(8, -12))
        editor.show()
        editor.setFocus()
        editor.returnPressed.connect(lambda: self._commit_editor(dense_index, name, index))
        self.value_editor = editor
        self.show_message(f"{label} of layer {dense_index + 1}: type a value, Enter", True)
        return editor

    def _commit_editor(self, dense_index: int, name: str, index: tuple[int, ...]) -> None:
        editor = self.value_editor
        if editor is None:
            return
        text = editor.text().strip().replace("−", "-").replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.show_message(f"{text!r} is not a number: type a value such as -0.5 or 1.2")
            return
        self._close_editor()
        self.diagram.set_weight(dense_index, name, index, value)
        self.parameterEdited.emit(dense_index, name, tuple(index), value)

    def _close_editor(self) -> None:
        if self.value_editor is not None:
            editor, self.value_editor = self.value_editor, None
            editor.hide()
            editor.deleteLater()
            self.setFocus()

    # -- keyboard ------------------------------------------------------------------------
    def _create_key_actions(self) -> list[QAction]:
        """The diagram's keys, as actions: the one list that both handles the keys (see
        :meth:`keyPressEvent`) and is shown in Help → Keyboard shortcuts. They act while
        the diagram has the focus (they are not added to a widget, so no window shortcut
        competes with them)."""
        actions = []
        for text, keys, slot in (
            ("Insert a dense layer after the selected one", ["Ins"], self._insert_dense),
            ("Insert a dropout layer after the selected one", ["Shift+Ins"], self._insert_dropout),
            ("Remove the selected layer", ["Del", "Backspace"], self._remove_selected),
            ("Add a neuron to the selected layer", ["+", "="], self._add_neuron),
            ("Remove a neuron from the selected layer", ["-"], self._remove_neuron),
            ("Select the layer on the left", ["Left"], self._select_left),
            ("Select the layer on the right", ["Right"], self._select_right),
            ("Zoom in on the diagram", ["Ctrl++", "Ctrl+="], self._zoom_in),
            ("Zoom out of the diagram", ["Ctrl+-"], self._zoom_out),
            ("Fit network to view", ["Ctrl+0"], self.fit_to_view),
            ("Cancel a drag or a typed value", ["Esc"], self._escape),
        ):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setStatusTip(f"{text} (in the network diagram)")
            action.triggered.connect(slot)
            actions.append(action)
        return actions

    def _insert_dense(self) -> None:
        self._insert_after_selected("dense")

    def _insert_dropout(self) -> None:
        self._insert_after_selected("dropout")

    def _add_neuron(self) -> None:
        self._resize_selected(1)

    def _remove_neuron(self) -> None:
        self._resize_selected(-1)

    def _select_left(self) -> None:
        self._step_selection(-1)

    def _select_right(self) -> None:
        self._step_selection(1)

    def _zoom_in(self) -> None:
        self.zoom(ZOOM_STEP)

    def _zoom_out(self) -> None:
        self.zoom(1 / ZOOM_STEP)

    def _escape(self) -> None:
        self._cancel_interaction()
        self._close_editor()

    def key_action(self, event: QKeyEvent) -> QAction | None:
        """The key action ``event`` presses (Shift ignored when nothing else matches:
        "+" is Shift+= on many keyboards; the keypad counts as the main keys)."""
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        candidates = [modifiers]
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            candidates.append(modifiers & ~Qt.KeyboardModifier.ShiftModifier)
        for mods in candidates:
            pressed = QKeySequence(QKeyCombination(mods, Qt.Key(event.key())))
            for action in self.key_actions:
                if any(key == pressed for key in action.shortcuts()):
                    return action
        return None

    def event(self, event: QEvent) -> bool:
        # Keys the view uses while focused win over window shortcuts on the same key.
        if event.type() == QEvent.Type.ShortcutOverride and self.key_action(event) is not None:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, ctrl = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.matches(QKeySequence.StandardKey.Undo):
            self.document.undo_stack.undo()
        elif event.matches(QKeySequence.StandardKey.Redo) or (
            ctrl and event.modifiers() & Qt.KeyboardModifier.ShiftModifier and key == Qt.Key.Key_Z
        ):
            self.document.undo_stack.redo()
        elif (action := self.key_action(event)) is not None:
            action.trigger()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _step_selection(self, step: int) -> None:
        count = len(self.document.spec.layers)
        current = self.selected_spec_index
        new = -1 if current is None else max(-1, min(count - 1, current + step))
        self.select_layer(new)
        self.ensureVisible(self.diagram.frames[new + 1].sceneBoundingRect(), 20, 20)

    def _insert_after_selected(self, kind: str) -> None:
        spec = self.document.spec
        index = self.selected_spec_index
        position = 0 if index is None else min(index + 1, edits.output_index(spec))
        self.apply_edit(
            lambda spec: edits.insert_layer(spec, position, kind),
            f"Insert {kind} layer",
            select_spec_index=position,
            transition=edits.inserted(len(spec.layers), position),
        )

    def _remove_selected(self) -> None:
        if self.selected_spec_index is None:
            self.show_message("Select a layer first (click it, or use the arrow keys).")
        elif self.selected_spec_index < 0:
            self.show_message("The input layer follows the dataset; it cannot be removed.")
        else:
            self.remove_layer(self.selected_spec_index)

    def _resize_selected(self, step: int) -> None:
        index = self.selected_spec_index
        if index is None:
            self.show_message("Select a layer first (click it, or use the arrow keys).")
            return
        if index < 0:
            self.show_message("The input size follows the dataset's features.")
            return
        layer = self.document.spec.layers[index]
        if not layer.is_dense():
            self.show_message("A dropout layer has no neurons; select a dense layer to resize.")
            return
        self.resize_layer(index, layer.units + step)

    # -- per-layer settings --------------------------------------------------------------
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        kind, target = self.target_at(event.pos())
        column = self._press_column(kind, target)
        if column is None:
            super().contextMenuEvent(event)
            return
        self.select_layer(-1 if column.spec_index is None else column.spec_index)
        self.layer_menu(column.spec_index).exec(event.globalPos())

    def layer_menu(self, spec_index: int | None) -> QMenu:
        """The settings menu of ``spec.layers[spec_index]`` (None: the input layer)."""
        menu = QMenu(self)
        spec = self.document.spec
        if spec_index is None:
            note = menu.addAction("The input layer follows the dataset")
            note.setEnabled(False)
            return menu
        layer = spec.layers[spec_index]
        is_output = spec_index == edits.output_index(spec)
        if layer.is_dense():
            activation = self._choice_menu(
                menu, "Activation", activation_names(), layer.activation, spec_index, "activation"
            )
            if is_output:
                activation.setEnabled(False)
                activation.setTitle("Activation (follows the task)")
            self._choice_menu(
                menu,
                "Initializer",
                initializer_names(),
                layer.initializer,
                spec_index,
                "initializer",
            )
            for key, title in (("l1", "L1 regularization"), ("l2", "L2 regularization")):
                self._choice_menu(
                    menu, title, REGULARIZATION_STEPS, getattr(layer, key), spec_index, key
                )
        else:
            self._choice_menu(menu, "Dropout rate", DROPOUT_STEPS, layer.rate, spec_index, "rate")
        if is_output:
            return menu
        menu.addSeparator()
        if layer.is_dense():
            add = menu.addAction("Add a neuron (+)")
            add.triggered.connect(lambda: self.resize_layer(spec_index, layer.units + 1))
            remove = menu.addAction("Remove a neuron (−)")
            remove.triggered.connect(lambda: self.resize_layer(spec_index, layer.units - 1))
        for kind in ("dense", "dropout"):
            action = menu.addAction(f"Insert {kind} layer after")
            action.triggered.connect(
                lambda _=False, k=kind: self.apply_edit(
                    lambda spec: edits.insert_layer(spec, spec_index + 1, k),
                    f"Insert {k} layer",
                    select_spec_index=spec_index + 1,
                    transition=edits.inserted(len(self.document.spec.layers), spec_index + 1),
                )
            )
        if layer.is_dense():
            fresh = menu.addAction("New random weights for this layer")
            fresh.triggered.connect(
                lambda: self.document.reinitialize(
                    [spec_index], f"New weights for layer {spec_index + 1}"
                )
            )
        delete = menu.addAction("Remove layer (Delete)")
        delete.triggered.connect(lambda: self.remove_layer(spec_index))
        return menu

    def _choice_menu(
        self,
        menu: QMenu,
        title: str,
        choices: Sequence[object],
        current: object,
        spec_index: int,
        key: str,
    ) -> QMenu:
        sub = menu.addMenu(title)
        group = QActionGroup(sub)
        for choice in choices:
            text = f"{choice:g}" if isinstance(choice, float) else str(choice)
            action = sub.addAction(text)
            action.setCheckable(True)
            action.setChecked(choice == current)
            action.setData(choice)
            group.addAction(action)
            action.triggered.connect(
                lambda _=False, c=choice: self.set_layer_options(spec_index, **{key: c})
            )
        return sub
