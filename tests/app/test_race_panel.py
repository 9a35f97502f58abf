"""The race dock driven like a user: preset, Start, watch, Stop."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from nnviz.live.race import DIVERGED, FINISHED, RUNNING, RaceReport

TIMEOUT_MS = 60_000


def open_panel(make_window):
    window = make_window()
    window.race_dock.show()
    window.race_dock.raise_()
    return window, window.race_panel


def type_epochs(qtbot, panel, epochs: int) -> None:
    spin = panel.epochs_spin
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, str(epochs))
    assert spin.value() == epochs


def test_optimizers_race_draws_four_curves_and_four_boundaries(qtbot, make_window):
    window, panel = open_panel(make_window)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)  # edited: Custom
    assert panel.preset_combo.currentData() == "" and panel.table.rowCount() == 3
    combo = panel.preset_combo
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # the first preset: the optimizers
    assert combo.currentData() == "optimizers"
    assert [v.label for v in panel.variants()] == ["SGD", "SGD + momentum", "RMSprop", "Adam"]
    type_epochs(qtbot, panel, 3)
    with qtbot.waitSignal(panel.raceFinished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        assert panel.running and not panel.start_button.isEnabled()
    race = finished.args[0]
    assert isinstance(race, RaceReport) and race.finished and race.epoch == 3
    assert [v.status for v in race.variants] == [FINISHED] * 4
    assert all(int(v.state.values["trainer/epoch"]) == 3 for v in race.variants)  # for runs
    assert not panel.running and panel.start_button.isEnabled()
    assert "Finished at epoch 3" in panel.status.text()
    assert len(panel.curves) == 4
    for loss, _val_loss, accuracy, _val_accuracy in panel.curves:
        for curve in (loss, accuracy):
            epochs, values = curve.getData()
            assert list(epochs) == [1, 2, 3] and np.all(np.isfinite(values))
    assert len(panel.thumbnails) == 4
    for (_plot, image), variant in zip(panel.thumbnails, race.variants, strict=True):
        assert image.image.shape == (96, 96, 4)
        assert variant.boundary is not None
    assert window.controller.session.step_count == 0  # the live run was not touched


def test_stop_cancels_the_race_and_training_can_play_again(qtbot, make_window):
    window, panel = open_panel(make_window)
    type_epochs(qtbot, panel, 5000)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.report is not None and panel.report.epoch >= 1, timeout=TIMEOUT_MS
    )
    with qtbot.waitSignal(panel.raceFinished, timeout=TIMEOUT_MS) as stopped:
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    race = stopped.args[0]
    assert not panel.running and "Stopped at epoch" in panel.status.text()
    assert all(v.status == RUNNING for v in race.variants) and race.epoch < 5000
    assert all(int(v.state.values["trainer/step"]) == v.step for v in race.variants)
    window.controller.play()  # the exclusive race no longer holds the worker
    qtbot.waitUntil(lambda: window.controller.is_playing, timeout=TIMEOUT_MS)
    window.controller.pause()


def test_bad_cells_and_too_many_rows_are_refused_with_what_to_do(qtbot, make_window):
    _window, panel = open_panel(make_window)
    for _ in range(3):
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert panel.table.rowCount() == 6 and not panel.add_button.isEnabled()
    panel.table.item(0, 3).setText("fast")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.running
    assert "row 1, learning rate: 'fast' is not a number" in panel.status.text()
    panel.table.item(0, 3).setText("0.1")
    panel.table.item(1, 0).setText("SGD")  # the same label as row 1
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.running and "same label" in panel.status.text()


def test_start_race_runs_a_lesson_preset(qtbot, make_window):
    window, panel = open_panel(make_window)
    window.start_race("batch_sizes")
    assert panel.running and panel.preset_combo.currentData() == "batch_sizes"
    assert [v.label for v in panel.variants()] == ["batch 1", "batch 32", "full batch"]
    window.start_race("optimizers")  # one race at a time
    assert panel.preset_combo.currentData() == "batch_sizes"
    assert "A race is running" in panel.status.text()
    with qtbot.waitSignal(panel.raceFinished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)


def test_cat_photos_race_shows_a_test_accuracy_bar_per_variant(qtbot, make_window, cat_data_dir):
    window = make_window("cat", data_dir=cat_data_dir)
    panel = window.race_panel
    type_epochs(qtbot, panel, 1)
    with qtbot.waitSignal(panel.raceFinished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    race = finished.args[0]
    assert panel.thumbnails == [] and panel.bars is not None
    accuracies = [v.test_accuracy for v in race.variants]
    assert len(accuracies) == 4 and all(0.0 <= a <= 1.0 for a in accuracies)
    np.testing.assert_array_equal(panel.bars.opts["height"], accuracies)


def test_a_diverging_variant_is_marked_and_the_others_finish(qtbot, make_window):
    _window, panel = open_panel(make_window)
    panel.table.item(0, 3).setText("500")  # SGD at a learning rate of 500
    type_epochs(qtbot, panel, 2)
    with qtbot.waitSignal(panel.raceFinished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    race = finished.args[0]
    assert [v.status for v in race.variants] == [DIVERGED, FINISHED, FINISHED, FINISHED]
    assert panel.thumbnails[0][0].titleLabel.text == "SGD: diverged"
    assert "SGD diverged in epoch 1: lower its learning rate" in panel.status.text()
    assert "training diverged" in panel.status.toolTip()


def test_a_finished_race_joins_the_runs_list_and_its_paths_the_landscape(qtbot, make_window):
    window, panel = open_panel(make_window)
    window.landscape_dock.show()
    window.landscape_dock.raise_()
    type_epochs(qtbot, panel, 2)
    with qtbot.waitSignal(panel.raceFinished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    labels = [v.label for v in panel.variants()]
    assert "variants are kept in the Runs list" in window.statusBar().currentMessage()
    window.runs_dock.show()
    window.runs_dock.raise_()
    qtbot.waitUntil(
        lambda: [run.name for run in window.runs_panel.runs] == [f"Race: {x}" for x in labels],
        timeout=TIMEOUT_MS,
    )
    assert [label for label, _ in window.landscape_view._extra] == labels
    assert all(len(path) > 2 for _, path in window.landscape_view._extra)
