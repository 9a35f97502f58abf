"""The layer side panel follows the diagram's selection and edits the selected layer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnviz.app.diagram.panel import LayerPanel

from .conftest import click, column_pos


@pytest.fixture
def view_and_panel(make_view, qtbot):
    view = make_view()
    panel = LayerPanel(view)
    qtbot.addWidget(panel)
    panel.show()
    return view, panel


def test_panel_follows_selection_and_undo(view_and_panel):
    view, panel = view_and_panel
    assert not panel.units.isEnabled()  # nothing selected yet
    click(view, column_pos(view, 2))
    assert panel.title.text() == "Hidden layer 2"
    assert panel.units.value() == 3 and panel.activation.currentText() == "relu"
    click(view, column_pos(view, 1))
    assert panel.title.text() == "Dropout layer"
    assert panel.rate.isEnabled() and panel.rate.value() == pytest.approx(0.3)
    assert not panel.units.isEnabled()
    click(view, column_pos(view, 3))
    assert panel.title.text() == "Output layer"
    assert not panel.activation.isEnabled() and not panel.remove.isEnabled()
    assert panel.initializer.isEnabled()


def test_spin_box_steps_merge_into_one_undo_entry(view_and_panel):
    view, panel = view_and_panel
    before = view.document.spec
    click(view, column_pos(view, 0))
    panel.units.setFocus()
    for _ in range(3):
        QTest.keyClick(panel.units, Qt.Key.Key_Up)
    assert view.document.spec.layers[0].units == 7
    assert view.document.undo_stack.count() == 1
    view.document.undo_stack.undo()
    assert view.document.spec == before
    assert panel.units.value() == 4  # the panel mirrors the undone spec


def test_panel_changes_activation_regularization_and_rate(view_and_panel):
    view, panel = view_and_panel
    click(view, column_pos(view, 0))
    panel.activation.textActivated.emit("sigmoid")
    panel.l2.setValue(0.01)
    assert view.document.spec.layers[0].activation == "sigmoid"
    assert view.document.spec.layers[0].l2 == pytest.approx(0.01)
    click(view, column_pos(view, 1))
    panel.rate.setValue(0.5)
    assert view.document.spec.layers[1].rate == 0.5
    QTest.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    assert [layer.kind for layer in view.document.spec.layers] == ["dense", "dense", "dense"]
