"""Classroom features, driven like a learner or a teacher: the speed in epochs per second,
presentation mode, Space from a number box, the shortcut list, settings for all layers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMessageBox

from nnviz.app.diagram.items import TextItem
from nnviz.app.hyperparameters import MIXED
from nnviz.app.training_panel import SPEEDS, saved_epochs_per_second
from nnviz.engine.spec import LayerSpec
from nnviz.live import presets

TIMEOUT_MS = 10_000


def shown_docks(window) -> set[str]:
    return {
        d.objectName()
        for d in window.findChildren(QDockWidget)
        if d.isVisible() and not d.visibleRegion().isEmpty()
    }


# -- speed ----------------------------------------------------------------------------------
def test_the_app_opens_at_a_watchable_speed_in_epochs_per_second(qtbot, make_window):
    window = make_window(full_speed=False)
    panel = window.training_panel
    assert panel.epochs_per_second == presets.DEFAULT_EPOCHS_PER_SECOND == 10
    batches = window.controller.call(lambda s: s.batches_per_epoch)
    assert batches == 23  # 360 training points in batches of 16
    assert panel.speed_value.text() == "10 epochs/s (230 steps/s)"
    assert window.controller._speed == 230


def test_the_step_rate_follows_the_batch_size(qtbot, make_window):
    window = make_window(full_speed=False)
    panel = window.training_panel
    qtbot.mouseClick(window.hyperparameters.full_batch_check, Qt.MouseButton.LeftButton)
    assert window.document.spec.batch_size is None
    assert panel.speed_value.text() == "10 epochs/s"
    assert window.controller._speed == 10
    qtbot.mouseClick(window.hyperparameters.full_batch_check, Qt.MouseButton.LeftButton)
    window.hyperparameters.batch_spin.setValue(1)
    assert window.controller._speed == 10 * 360  # batch 1: one step per sample
    window.document.undo_stack.undo()
    assert window.controller._speed == 230


def test_full_speed_is_one_click_away_and_back(qtbot, make_window):
    window = make_window(full_speed=False)
    panel = window.training_panel
    panel.set_epochs_per_second(2)
    qtbot.mouseClick(panel.full_speed_button, Qt.MouseButton.LeftButton)
    assert panel.epochs_per_second is None and window.controller._speed is None
    assert panel.speed_value.text() == "full speed"
    assert panel.speed_slider.value() == len(SPEEDS) - 1
    qtbot.mouseClick(panel.full_speed_button, Qt.MouseButton.LeftButton)
    assert panel.epochs_per_second == 2 and window.controller._speed == 2 * 23
    qtbot.keyClick(panel.speed_slider, Qt.Key.Key_Right)
    assert panel.epochs_per_second == 5


def test_set_epochs_per_second_picks_the_nearest_position(make_window):
    panel = make_window().training_panel
    panel.set_epochs_per_second(12)
    assert panel.epochs_per_second == 10
    panel.set_epochs_per_second(0.1)
    assert panel.epochs_per_second == 0.5
    panel.set_epochs_per_second(None)
    assert panel.epochs_per_second is None


def test_old_project_speeds_open_in_epochs_per_second():
    assert saved_epochs_per_second({"epochs_per_second": 20.0}, 23) == 20.0
    assert saved_epochs_per_second({"epochs_per_second": None}, 23) is None
    assert saved_epochs_per_second({"speed_index": 3}, 10) == 1.0  # 10 steps/s
    assert saved_epochs_per_second({"speed_index": 8}, 10) is None  # was full speed
    for damaged in ({}, {"speed_index": 99}, {"speed_index": "3"}, {"epochs_per_second": -1}):
        assert saved_epochs_per_second(damaged, 10) is False


def test_a_project_keeps_its_speed(qtbot, make_window, tmp_path):
    window = make_window()
    window.training_panel.set_epochs_per_second(20)
    path = tmp_path / "speed.nnviz"
    assert window.projects.save_as(path)
    other = make_window()
    assert other.projects.open(path)
    assert other.training_panel.epochs_per_second == 20


# -- presentation mode ------------------------------------------------------------------------
def test_presentation_mode_enlarges_text_and_keeps_three_views(qtbot, make_window):
    window = make_window()
    qtbot.waitExposed(window)
    window.lay_out(1280, 800)
    qtbot.wait(50)
    before_state = window.saveState()
    before_docks = shown_docks(window)
    size = window.font().pointSizeF()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.presentation.active and window.presentation.action.isChecked()
    assert shown_docks(window) == {"boundaryDock", "curvesDock"}
    assert window.diagram.isVisible()
    assert window.font().pointSizeF() == pytest.approx(size * 1.5)
    assert window.hyperparameters.font().pointSizeF() == pytest.approx(size * 1.5)
    assert window.diagram.diagram.text_scale == 1.5
    labels = [i for i in window.diagram.diagram.items() if isinstance(i, TextItem)]
    for item in labels:  # the palette row (pixel-sized) is hidden in presentation mode
        if item.isVisible():
            assert item.scale() >= 1.5 - 1e-9, item.text()
    window.set_presentation_mode(False)
    assert not window.presentation.action.isChecked()
    assert window.font().pointSizeF() == pytest.approx(size)
    assert window.diagram.diagram.text_scale == 1.0
    assert shown_docks(window) == before_docks
    assert window.saveState() == before_state


def test_presentation_shows_the_image_gallery_for_cats(make_window, cat_data_dir):
    window = make_window("cat", data_dir=cat_data_dir)
    window.set_presentation_mode(True)
    assert shown_docks(window) == {"galleryDock", "curvesDock"}
    window.set_presentation_mode(False)


def test_presentation_text_size_is_a_setting(make_window):
    from nnviz.app.app_settings import presentation_scale

    window = make_window()
    size = window.font().pointSizeF()
    choice = next(a for a in window.presentation.scale_menu.actions() if a.text() == "2x")
    choice.trigger()
    assert presentation_scale() == 2.0
    window.set_presentation_mode(True)
    assert window.font().pointSizeF() == pytest.approx(2 * size)
    window.set_presentation_mode(False)


# -- Space ------------------------------------------------------------------------------------
def test_space_plays_and_pauses_from_a_number_box_unless_it_is_being_typed_in(qtbot, make_window):
    window = make_window()
    window.hyper_dock.raise_()
    box = window.hyperparameters.batch_spin
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.is_playing, timeout=TIMEOUT_MS)
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.controller.is_playing, timeout=TIMEOUT_MS)
    # typing a number: Space belongs to the box until Enter commits the number
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "32")
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.wait(200)
    assert not window.controller.is_playing
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert window.document.spec.batch_size == 32
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.is_playing, timeout=TIMEOUT_MS)


# -- Help → Keyboard shortcuts ------------------------------------------------------------------
def test_the_shortcut_list_holds_every_shortcut_of_every_action(qtbot, make_window):
    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "Keyboard shortcuts").trigger()
    dialog = window.findChild(QMessageBox, "shortcutsDialog")
    assert dialog is not None and dialog.isVisible()
    text = dialog.text()
    for key in ("Space", "Ctrl+0", "Ctrl+L", "F5", "Ins", "Shift+Ins", "Del", "+", "-", "Ctrl+Z"):
        assert f"<b>{key}" in text or f", {key}" in text, key
    actions = [a for a in window.findChildren(QAction) if a.shortcuts()]
    actions += window.diagram.key_actions
    for action in actions:
        assert action.text().replace("&", "") in text, action.text()
    dialog.close()


def test_the_diagram_keys_are_the_listed_actions(make_window, qtbot):
    window = make_window()
    view = window.diagram
    view.select_layer(0)
    units = window.document.spec.layers[0].units
    insert = next(a for a in view.key_actions if a.text().startswith("Add a neuron"))
    insert.trigger()
    assert window.document.spec.layers[0].units == units + 1
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert window.document.spec.layers[0].units == units


# -- settings for all layers ----------------------------------------------------------------
def test_settings_for_all_layers_say_so_and_show_mixed(qtbot, make_window):
    window = make_window()
    panel = window.hyperparameters
    labels = [panel._form.labelForField(w).text() for w in (panel.initializer_combo,)]
    labels.append(panel._form.labelForField(panel.dropout_spin).text())
    assert all("(all layers)" in label for label in labels)
    spec = window.document.spec
    window.document.edit(spec.with_layer(0, initializer="he_normal"), "He for layer 1")
    assert panel.initializer_combo.currentIndex() == -1
    assert panel.initializer_combo.placeholderText() == MIXED
    count = window.document.undo_stack.count()
    panel.initializer_combo.setCurrentText("zeros")
    assert {layer.initializer for layer in window.document.spec.dense_layers} == {"zeros"}
    assert window.document.undo_stack.count() == count + 1
    # dropout after the first hidden layer only: mixed; a rate then applies to every one
    layers = list(window.document.spec.layers)
    layers.insert(1, LayerSpec(kind="dropout", rate=0.3))
    window.document.edit(window.document.spec.with_layers(layers), "Dropout after layer 1")
    assert panel.dropout_spin.text() == MIXED
    panel.dropout_spin.setValue(0.2)
    rates = [layer.rate for layer in window.document.spec.layers if not layer.is_dense()]
    assert rates == [0.2, 0.2]
    assert panel.dropout_spin.text() == "0.20"
    # L2 on one layer only: mixed; a kind chosen applies to all
    window.document.edit(window.document.spec.with_layer(0, l2=0.01), "L2 on layer 1")
    assert panel.reg_combo.currentIndex() == -1
    panel.reg_combo.setCurrentText("l1")
    assert all(layer.l1 > 0 and layer.l2 == 0 for layer in window.document.spec.dense_layers)


def test_the_diagram_hint_stays_below_the_palette(make_window, qtbot):
    window = make_window()
    view = window.diagram
    view.show_message("Select a layer first (click it, or use the arrow keys).")
    banner = view._banner
    assert banner.isVisible()
    assert banner.geometry().top() > view.palette_bottom()
