"""The Sweeps dock driven like a user: values typed, Start, the heatmap, a click on a cell
that becomes the live network (Ctrl+Z undoes it), Cancel keeping finished cells, errors."""

from __future__ import annotations

import csv

import numpy as np
from PySide6.QtCore import Qt

from nnviz.app.frame_clock import is_shown
from nnviz.data import DataConfig
from nnviz.live.sweep import METRICS

TIMEOUT_MS = 60_000


def _live_weights(window):
    return window.controller.call(lambda session: session.model.get_weights())


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _type(qtbot, edit, text):
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_a_learning_rate_by_batch_size_sweep_then_a_cell_becomes_the_live_network(
    qtbot, make_window, tmp_path
):
    window = make_window("xor")
    panel = window.sweep_panel
    assert window.findChild(type(window.sweep_dock), "sweepDock") is window.sweep_dock
    assert not window.sweep_dock.isHidden() and not is_shown(window.sweep_panel)  # a tab
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    panel.set_setting(0, "lr", "")
    _type(qtbot, panel.value_edits[0], "0.01, 0.1, 1")
    panel.set_setting(1, "batch", "")
    _type(qtbot, panel.value_edits[1], "8, full")
    panel.epochs_spin.setValue(2)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.running and not panel.start_button.isEnabled()
    assert not window.controller.is_playing
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT_MS)
    result = panel.result
    assert result.complete and result.sweep.shape == (3, 2)
    assert "Done: 6 cells" in panel.status.text()
    assert panel.progress_bar.value() == panel.progress_bar.maximum()
    for index in range(len(METRICS)):
        panel.metric_combo.setCurrentIndex(index)
        metric = METRICS[index]
        np.testing.assert_array_equal(panel.heatmap.grid, result.metric_grid(metric))
        best = result.best(metric)
        assert f"Best (outlined): {best.label}." in panel.status.text()
        assert panel.heatmap.best_marker.rect().topLeft().toTuple() == best.index
    cell = result.cell(1, 0)
    assert cell.spec.optimizer.learning_rate == 0.1 and cell.spec.batch_size == 8
    label = panel.heatmap.labels[1][0].textItem.toPlainText()
    assert label == f"{100 * cell.val_accuracy:.1f}%"
    assert panel.heatmap.plot.getAxis("bottom").labelText == "learning rate"
    assert panel.heatmap.plot.getAxis("left").labelText == "batch size"

    heatmap = panel.heatmap
    qtbot.mouseMove(heatmap.viewport(), pos=heatmap.cell_center(1, 0))
    qtbot.waitUntil(lambda: cell.label in heatmap.toolTip(), timeout=TIMEOUT_MS)
    assert f"training loss: {cell.train_loss:.3g}" in heatmap.toolTip()

    before, spec_before = _live_weights(window), window.document.spec
    qtbot.mouseClick(heatmap.viewport(), Qt.MouseButton.LeftButton, pos=heatmap.cell_center(1, 0))
    qtbot.waitUntil(lambda: _same(_live_weights(window), cell.final_weights), timeout=TIMEOUT_MS)
    assert window.document.spec == cell.spec
    assert window.controller.call(lambda s: s.epoch) == 2
    assert window.document.undo_stack.undoText() == f"Sweep: {cell.label}"
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _same(_live_weights(window), before), timeout=TIMEOUT_MS)
    assert window.document.spec == spec_before

    assert panel.save_button.isEnabled()
    path = tmp_path / "sweep.csv"
    assert panel.save_csv(path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 and rows[2]["lr"] == "0.1" and rows[2]["batch"] == "8"


def test_cancel_keeps_the_finished_cells_and_training_can_go_on(qtbot, make_window):
    window = make_window("xor")
    panel = window.sweep_panel
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    panel.set_setting(0, "lr", "0.01, 0.03, 0.1")
    panel.set_setting(1, "batch", "1, 2, 4")  # 9 cells of at least a few hundred steps
    panel.epochs_spin.setValue(2)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.progress.cells_done >= 1, timeout=TIMEOUT_MS)
    panel.epochs_spin.setValue(5)  # the running sweep keeps its own settings
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT_MS)
    kept = len(panel.result.cells)
    assert 1 <= kept < 9 and panel.result.sweep.epochs == 2
    assert panel.status.text().startswith(f"Cancelled: {kept} of 9 cells kept.")
    assert np.isnan(panel.heatmap.grid).sum() == 9 - kept
    heatmap = panel.heatmap
    qtbot.mouseClick(heatmap.viewport(), Qt.MouseButton.LeftButton, pos=heatmap.cell_center(2, 2))
    assert panel.status.text() == "This cell is not trained: pick a coloured one."
    assert window.document.undo_stack.count() == 0
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.latest.step > 0, timeout=TIMEOUT_MS)


def test_bad_values_are_refused_with_a_message_and_nothing_starts(qtbot, make_window):
    window = make_window("xor")
    panel = window.sweep_panel
    panel.set_setting(0, "lr", "0.01, fast")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.running and panel.banner.isVisible()
    assert "'fast' is not a valid learning rate" in panel.banner.label.text()
    panel.set_setting(0, "optimizer", "sgd, adam")
    panel.set_setting(1, "optimizer", "sgd")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert "chosen twice" in panel.banner.label.text() and not panel.running
    panel.set_setting(1, None, "")
    assert not panel.value_edits[1].isEnabled()
    assert panel.sweep().shape == (2, 1)


def test_a_cell_brings_back_the_data_it_was_trained_on_and_ctrl_z_the_new_data(qtbot, make_window):
    window = make_window("xor")
    panel = window.sweep_panel
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    swept_data = window.data
    panel.set_setting(0, "units", "2, 6")
    panel.set_setting(1, None, "")
    panel.epochs_spin.setValue(1)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT_MS)
    assert panel.heatmap.grid.shape == (2, 1)
    assert panel.heatmap.plot.getAxis("bottom").labelText == "hidden units per layer"
    moons = DataConfig(kind="points", name="moons", n_samples=100, noise=0.1, validation=0.0)
    assert window.set_data_config(moons)
    panel.metric_combo.setCurrentIndex(METRICS.index("val_loss"))
    cell = panel.cell(1, 0)
    heatmap = panel.heatmap
    qtbot.mouseClick(heatmap.viewport(), Qt.MouseButton.LeftButton, pos=heatmap.cell_center(1, 0))
    qtbot.waitUntil(lambda: window.data is swept_data, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: _same(_live_weights(window), cell.final_weights), timeout=TIMEOUT_MS)
    assert window.controller.call(lambda s: s.data) is swept_data
    assert window.document.spec.dense_layers[0].units == 6
    window.document.undo_stack.undo()
    qtbot.waitUntil(lambda: window.data.config.name == "moons", timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: window.controller.call(lambda s: s.data.config.name) == "moons",
        timeout=TIMEOUT_MS,
    )
