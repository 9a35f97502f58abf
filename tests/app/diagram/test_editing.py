"""Editing the network by dragging, clicking and typing on the real view."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nnviz.engine.spec import LayerSpec, NetworkSpec

from .conftest import click, column_pos, drag, to_view


def chip(view, kind):
    return next(c for c in view.diagram.palette_chips if c.kind == kind)


def chip_pos(view, kind) -> QPoint:
    item = chip(view, kind)  # drawn at a fixed pixel size
    return to_view(view, item.scenePos()) + item.boundingRect().center().toPoint()


def gap_pos(view, left_spec_index: int | None) -> QPoint:
    """The middle of the gap right of a column (None: the input column)."""
    scene = view.diagram
    k = 0 if left_spec_index is None else scene.column_of_spec(left_spec_index)
    x = (scene.columns[k].x + scene.columns[k + 1].x) / 2
    return to_view(view, QPointF(x, 0))


def assert_undo_redo(view, before, after):
    stack = view.document.undo_stack
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.document.spec == before
    QTest.keyClick(
        view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert view.document.spec == after
    assert stack.index() == stack.count()


def test_drop_dense_from_palette_between_two_layers(make_view):
    view = make_view()
    before = view.document.spec
    drag(view, chip_pos(view, "dense"), gap_pos(view, 1))  # between the dropout and hidden 2
    after = view.document.spec
    assert after.layers[:2] == before.layers[:2]
    assert after.layers[3:] == before.layers[2:]
    # a new dense layer copies its nearest hidden neighbour (hidden 2: 3 relu units)
    assert after.layers[2] == LayerSpec(units=3, activation="relu")
    assert view.document.undo_stack.count() == 1  # one entry for the whole drag
    assert view.selected_spec_index == 2
    assert_undo_redo(view, before, after)


def test_drop_dropout_before_first_layer(make_view):
    view = make_view()
    before = view.document.spec
    drag(view, chip_pos(view, "dropout"), gap_pos(view, None))
    after = view.document.spec
    assert after.layers == (LayerSpec(kind="dropout", rate=0.2), *before.layers)
    assert_undo_redo(view, before, after)


def test_drop_outside_the_network_inserts_nothing(make_view):
    view = make_view()
    before = view.document.spec
    start = chip_pos(view, "dense")
    drag(view, start, start + QPoint(40, 5))
    assert view.document.spec == before
    assert view.document.undo_stack.count() == 0
    assert view.diagram.palette_chips[0].scene() is view.diagram  # no ghost left behind
    assert sum(1 for i in view.diagram.items() if type(i).__name__ == "PaletteChip") == 2


def test_drag_a_layer_to_reorder(make_view):
    view = make_view()
    before = view.document.spec
    # drag the dropout (index 1) past hidden 2 (index 2), before the output
    end = gap_pos(view, 2)
    drag(view, column_pos(view, 1), end, steps=8)
    after = view.document.spec
    assert after.layers == (before.layers[0], before.layers[2], before.layers[1], before.layers[3])
    assert view.document.undo_stack.count() == 1
    assert_undo_redo(view, before, after)


def test_drag_a_layer_out_removes_it(make_view):
    view = make_view()
    before = view.document.spec
    start = column_pos(view, 2)
    drag(view, start, QPoint(start.x(), view.viewport().height() + 60), steps=8)
    after = view.document.spec
    assert after.layers == (before.layers[0], before.layers[1], before.layers[3])
    assert_undo_redo(view, before, after)


def test_dragging_the_output_layer_does_nothing(make_view):
    view = make_view()
    before = view.document.spec
    start = column_pos(view, 3)
    drag(view, start, QPoint(start.x(), view.viewport().height() + 60))
    assert view.document.spec == before


def test_delete_key_removes_the_selected_layer_but_not_the_output(make_view, qtbot):
    view = make_view()
    before = view.document.spec
    click(view, column_pos(view, 0))
    assert view.selected_spec_index == 0
    QTest.keyClick(view, Qt.Key.Key_Delete)
    after = view.document.spec
    assert after.layers == before.layers[1:]
    assert_undo_redo(view, before, after)
    click(view, column_pos(view, 2))  # the output layer
    with qtbot.waitSignal(view.message) as blocker:
        QTest.keyClick(view, Qt.Key.Key_Delete)
    assert "output layer follows the task" in blocker.args[0]
    assert view.document.spec == after


def test_resize_by_dragging_the_handle(make_view):
    view = make_view()
    before = view.document.spec
    handle = next(h for h in view.diagram.handles if h.spec_index == 0)
    start = to_view(view, handle.scenePos())
    scale = view.transform().m11()
    # down by three neuron half-pitches (17 scene units each) → 3 more neurons
    drag(view, start, start + QPoint(0, round(3 * 17 * scale)), steps=5)
    after = view.document.spec
    assert after.layers[0].units == 7
    assert after.layers[1:] == before.layers[1:]
    assert view.document.undo_stack.count() == 1
    assert_undo_redo(view, before, after)
    handle = next(h for h in view.diagram.handles if h.spec_index == 0)
    start = to_view(view, handle.scenePos())
    scale = view.transform().m11()
    drag(view, start, start - QPoint(0, round(5 * 17 * scale)), steps=5)
    assert view.document.spec.layers[0].units == 2


def test_resize_below_one_neuron_is_refused(make_view, qtbot):
    view = make_view()
    before = view.document.spec
    handle = next(h for h in view.diagram.handles if h.spec_index == 2)
    start = to_view(view, handle.scenePos())
    with qtbot.waitSignal(view.message) as blocker:
        drag(view, start, start - QPoint(0, round(10 * 17 * view.transform().m11())))
    assert "at least 1 neuron" in blocker.args[0]
    assert view.document.spec == before


def test_plus_and_minus_buttons_and_keys(make_view):
    view = make_view()
    before = view.document.spec

    def button(action):
        item = next(b for b in view.diagram.buttons if b.spec_index == 2 and b.action == action)
        return to_view(view, item.scenePos())

    click(view, button("add_unit"))
    click(view, button("add_unit"))
    assert view.document.spec.layers[2].units == 5
    click(view, button("remove_unit"))
    assert view.document.spec.layers[2].units == 4
    assert view.document.undo_stack.count() == 3
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert view.document.spec.layers[2].units == 5
    QTest.keyClick(view, Qt.Key.Key_Minus)
    QTest.keyClick(view, Qt.Key.Key_Minus)
    assert view.document.spec.layers[2].units == 3
    for _ in range(7):
        QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.document.spec == before


def test_change_activation_and_settings_from_the_layer_menu(make_view):
    view = make_view()
    before = view.document.spec
    menu = view.layer_menu(0)
    titles = [a.text() for a in menu.actions()]
    assert titles[:4] == ["Activation", "Initializer", "L1 regularization", "L2 regularization"]
    activation = menu.actions()[0].menu()
    relu = next(a for a in activation.actions() if a.text() == "relu")
    assert next(a for a in activation.actions() if a.isChecked()).text() == "tanh"
    relu.trigger()
    after = view.document.spec
    assert after.layers[0].activation == "relu"
    assert after.layers[1:] == before.layers[1:]
    assert_undo_redo(view, before, after)
    l2 = view.layer_menu(0).actions()[3].menu()
    next(a for a in l2.actions() if a.text() == "0.001").trigger()
    assert view.document.spec.layers[0].l2 == 0.001
    rate = view.layer_menu(1).actions()[0].menu()
    next(a for a in rate.actions() if a.text() == "0.5").trigger()
    assert view.document.spec.layers[1].rate == 0.5
    # the output layer's activation follows the task
    output_menu = view.layer_menu(3)
    assert not output_menu.actions()[0].menu().isEnabled()
    assert "Remove layer (Delete)" not in [a.text() for a in output_menu.actions()]


def test_menu_inserts_and_the_hidden_layer_limit_has_a_message(make_view, qtbot):
    view = make_view()
    for _ in range(10):  # 2 hidden layers + 10 = the limit of 12
        actions = view.layer_menu(0).actions()
        next(a for a in actions if a.text() == "Insert dense layer after").trigger()
    assert len(view.document.spec.dense_layers) == 13
    with qtbot.waitSignal(view.message) as blocker:
        drag(view, chip_pos(view, "dense"), gap_pos(view, 0))
    assert "at most 12 hidden layers" in blocker.args[0]
    assert len(view.document.spec.dense_layers) == 13


def test_escape_cancels_a_drag(make_view):
    view = make_view()
    before = view.document.spec
    start = column_pos(view, 0)
    items = view.diagram.column_items(1)
    origins = [item.pos() for item in items]
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for dx in (10, 60, 200):
        QTest.mouseMove(viewport, start + QPoint(dx, 0))
    assert view.diagram.column_items(1)[0].pos() != origins[0]  # the layer follows the pointer
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert [item.pos() for item in items] == origins
    QTest.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(200, 0)
    )
    assert view.document.spec == before
    assert view.document.undo_stack.count() == 0


def test_the_input_layer_cannot_be_dragged_or_deleted(make_view, qtbot):
    view = make_view()
    before = view.document.spec
    start = column_pos(view, -1)
    drag(view, start, QPoint(start.x(), view.viewport().height() + 50))
    assert view.document.spec == before
    assert view.selected_spec_index == -1
    with qtbot.waitSignal(view.message) as blocker:
        QTest.keyClick(view, Qt.Key.Key_Delete)
    assert "input layer follows the dataset" in blocker.args[0]
    assert view.document.spec == before


def test_insert_into_a_network_with_only_an_output_layer(make_view):
    view = make_view(NetworkSpec(layers=(LayerSpec(units=1, activation="sigmoid"),)))
    drag(view, chip_pos(view, "dense"), gap_pos(view, None))
    assert view.document.spec.layers[0] == LayerSpec(units=8, activation="tanh")
    assert len(view.document.spec.layers) == 2


def test_an_open_value_editor_closes_when_the_network_changes(make_view):
    view = make_view()
    block = view.diagram.blocks[2]
    click(view, to_view(view, block.line_midpoint(1, 0, 0.5)))
    assert view.value_editor is not None
    view.resize_layer(2, 5)
    assert view.value_editor is None


def test_the_resize_grip_follows_the_pointer_and_previews_the_size(make_view):
    view = make_view()
    handle = next(h for h in view.diagram.handles if h.spec_index == 0)
    y0 = handle.y()
    start = to_view(view, handle.scenePos())
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    end = start + QPoint(0, round(2 * 17 * view.transform().m11()))
    QTest.mouseMove(viewport, start + QPoint(0, 3))
    QTest.mouseMove(viewport, end)
    assert handle.y() == pytest.approx(y0 + 34, abs=1.5)
    assert view.diagram.unit_labels[0].text() == "→ 6 units"
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert view.document.spec.layers[0].units == 6


def test_changes_that_draw_nothing_new_keep_the_scene_and_an_open_editor(make_view):
    view = make_view()
    frames = list(view.diagram.frames)
    click(view, to_view(view, view.diagram.blocks[2].line_midpoint(1, 0, 0.5)))
    spec = view.document.spec
    view.document.edit(replace(spec, batch_size=8), "Batch size 8")
    assert view.diagram.frames == frames and view.value_editor is not None
    assert view.diagram.spec.batch_size == 8


def test_right_click_opens_the_layer_menu(make_view, qtbot):
    view = make_view()
    seen = []

    def choose_sigmoid():
        menu = QApplication.activePopupWidget()
        seen.append([a.text() for a in menu.actions()])
        activation = menu.actions()[0].menu()
        next(a for a in activation.actions() if a.text() == "sigmoid").trigger()
        menu.close()

    QTimer.singleShot(50, choose_sigmoid)
    pos = column_pos(view, 0)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0][0] == "Activation"
    assert view.document.spec.layers[0].activation == "sigmoid"
    assert view.selected_spec_index == 0


def test_resizing_a_tall_column_follows_its_tighter_spacing(make_view):
    view = make_view(NetworkSpec(layers=(LayerSpec(units=20), LayerSpec(units=1))))
    handle = view.diagram.handles[0]
    start = to_view(view, handle.scenePos())
    drag(view, start, start + QPoint(0, round(3 * 15 * view.transform().m11())))
    assert view.document.spec.layers[0].units == 23  # now a bundle (over 20 units)
    assert view.diagram.columns[1].collapsed


def test_insert_key_adds_a_layer_after_the_selected_one(make_view):
    view = make_view()
    before = view.document.spec
    click(view, column_pos(view, 0))
    QTest.keyClick(view, Qt.Key.Key_Insert, Qt.KeyboardModifier.ShiftModifier)
    assert view.document.spec.layers[1] == LayerSpec(kind="dropout", rate=0.2)
    assert view.selected_spec_index == 1
    QTest.keyClick(view, Qt.Key.Key_Insert)
    assert view.document.spec.layers[2].is_dense()
    assert len(view.document.spec.layers) == len(before.layers) + 2
    click(view, column_pos(view, 5))  # the output: a new layer still goes before it
    QTest.keyClick(view, Qt.Key.Key_Insert)
    assert view.document.spec.layers[5].is_dense() and view.document.spec.layers[6].units == 1


def test_the_palette_stays_at_hand_when_zoomed_in(make_view):
    view = make_view()
    for _ in range(4):
        view.zoom(1.3)
    view.centerOn(view.diagram.columns[2].x, 0)  # scrolled to the middle of the network
    dense = chip_pos(view, "dense")
    assert 0 < dense.x() < 200 and 0 < dense.y() < 60  # pinned to the top-left corner
    assert view.target_at(dense)[0] == "chip"
    before = view.document.spec
    drag(view, dense, gap_pos(view, 1))  # a gap that is on screen
    assert len(view.document.spec.layers) == len(before.layers) + 1
    assert view.document.spec.layers[2].is_dense()
