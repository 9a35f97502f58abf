"""The diagram wired to training: typed weights reach the model, and shape edits during
training rebuild the model keeping the weights of untouched layers."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnviz.engine import Sequential

from .conftest import click, column_pos, to_view

TIMEOUT_MS = 5000


def test_apply_spec_of_a_diagram_edit_keeps_untouched_layers(make_view):
    view = make_view()
    model = Sequential.from_config(view.document.spec)
    model.build(2)
    before = [layer.W.copy() for layer in model.dense_layers]
    buttons = [b for b in view.diagram.buttons if b.spec_index == 2 and b.action == "add_unit"]
    click(view, to_view(view, buttons[0].scenePos()))  # hidden 2: 3 → 4 units
    model.apply_spec(view.document.spec)
    after = [layer.W for layer in model.dense_layers]
    np.testing.assert_array_equal(after[0], before[0])  # 2 → 4, untouched
    assert after[1].shape == (4, 4) and after[2].shape == (4, 1)


@pytest.fixture
def window(qtbot):
    from nnviz.app.main_window import MainWindow

    win = MainWindow(dataset="spiral", restore_layout=False)
    win.training_panel.set_epochs_per_second(None)  # full speed
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.controller.stop()


def model_of(window):
    return window.controller.session.model


def test_typing_a_weight_changes_the_models_weight(window, qtbot):
    view = window.diagram
    with qtbot.waitSignal(window.controller.snapshotReady, timeout=TIMEOUT_MS):
        window.controller.step_batch()
    last = len(view.diagram.blocks) - 1
    block = view.diagram.blocks[last]  # last hidden layer → output neuron
    click(view, to_view(view, block.line_midpoint(1, 0, 0.45)))
    assert view.value_editor is not None
    view.value_editor.setText("2.5")
    QTest.keyClick(view.value_editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model_of(window).dense_layers[last].W[1, 0] == 2.5, timeout=TIMEOUT_MS)


def test_editing_during_training_keeps_untouched_layers(window, qtbot):
    view = window.diagram
    controller = window.controller
    controller.set_speed(20.0)  # few steps between the two looks at the weights
    controller.toggle_play()
    qtbot.waitUntil(lambda: controller.snapshots_received >= 3, timeout=TIMEOUT_MS)
    first = model_of(window).dense_layers[0].W.copy()
    # widen the last hidden layer with its "+" button while training runs
    index = len(view.document.spec.layers) - 2
    units = view.document.spec.layers[index].units
    button = next(
        b for b in view.diagram.buttons if b.spec_index == index and b.action == "add_unit"
    )
    click(view, to_view(view, button.scenePos()))
    assert view.document.spec.layers[index].units == units + 1
    qtbot.waitUntil(
        lambda: model_of(window).dense_layers[-1].W.shape == (units + 1, 1), timeout=TIMEOUT_MS
    )
    received = controller.snapshots_received
    qtbot.waitUntil(lambda: controller.snapshots_received >= received + 2, timeout=TIMEOUT_MS)
    assert controller.is_playing  # training went on
    controller.toggle_play()
    qtbot.waitUntil(lambda: not controller.is_playing, timeout=TIMEOUT_MS)
    kept = model_of(window).dense_layers[0].W
    # the first layer kept training from where it was instead of starting afresh
    assert np.corrcoef(first.ravel(), kept.ravel())[0, 1] > 0.9
    # undo goes back to the weights as they were at the edit: the training since is undone
    with qtbot.waitSignal(
        controller.message,
        check_params_cb=lambda text: "training steps since then are undone" in text,
        timeout=TIMEOUT_MS,
    ):
        QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.document.spec.layers[index].units == units
    qtbot.waitUntil(
        lambda: model_of(window).dense_layers[-1].W.shape == (units, 1), timeout=TIMEOUT_MS
    )
    # the snapshot weights now match the edited shape, so the diagram draws them again
    # (on the frame clock's next frame)
    controller.step_batch()
    qtbot.waitUntil(
        lambda: all(block.value is not None for block in view.diagram.blocks),
        timeout=TIMEOUT_MS,
    )


def test_keys_in_the_window_delete_undo_and_navigate(window, qtbot):
    view = window.diagram
    before = view.document.spec
    view.setFocus()
    click(view, column_pos(view, 0))
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert len(view.document.spec.layers) == len(before.layers) - 1
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the Edit menu's
    assert view.document.spec == before
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert view.selected_spec_index == 1
