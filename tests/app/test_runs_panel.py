"""The runs dock driven through the real window: a reset keeps a run with its numbers,
renaming by editing the cell, overlays on the curves, the x axis in examples seen,
restoring a run exactly (and undoing it), deleting (undoable), and projects keeping runs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit

from nnviz.app.main_window import MainWindow
from nnviz.app.runs_panel import CHANGED, EPOCHS, FINAL, NAME, PICTURE, SHOW
from nnviz.data import DataConfig

TIMEOUT_MS = 10_000


def train_epochs(window: MainWindow, n: int) -> None:
    def run(session):
        target = session.epoch + n
        while session.epoch < target:
            session.step()

    window.controller.call(run)


def weights(window: MainWindow) -> list[np.ndarray]:
    return window.controller.call(lambda session: session.model.get_weights())


def click_box(qtbot, table, row: int, column: int) -> None:
    """Click the tick box of a cell (it sits at the cell's left edge)."""
    rect = table.visualItemRect(table.item(row, column))
    position = QPoint(rect.left() + 10, rect.center().y())
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=position)


def wait_runs(qtbot, window: MainWindow, count: int) -> None:
    qtbot.waitUntil(lambda: len(window.runs_panel.runs) == count, timeout=TIMEOUT_MS)


@pytest.fixture
def window(make_window) -> MainWindow:
    window = make_window()
    window.runs_dock.raise_()
    return window


def test_a_reset_keeps_a_run_with_what_differs_and_its_numbers(qtbot, window):
    train_epochs(window, 2)
    window.reset_action.trigger()
    wait_runs(qtbot, window, 1)
    document = window.document
    document.edit(replace(document.spec, batch_size=1), "Batch 1")
    train_epochs(window, 1)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    wait_runs(qtbot, window, 2)
    table = window.runs_panel.table
    assert [table.item(r, NAME).text() for r in range(2)] == ["Run 1", "Run 2"]
    assert table.item(0, CHANGED).text() == "first run"
    assert table.item(1, CHANGED).text() == "batch 16 → 1"
    assert [table.item(r, EPOCHS).text() for r in range(2)] == ["2", "1"]
    run = window.runs_panel.runs[1]
    assert run.steps == window.data.raw.train.n_samples  # one epoch, one sample a step
    final = run.final
    assert table.item(1, FINAL).text().splitlines() == [
        f"{final['loss']:.3g} ({final['val_loss']:.3g})",
        f"{final['accuracy']:.0%} ({final['val_accuracy']:.0%})",
    ]
    assert not table.item(1, PICTURE).icon().isNull()


def test_rename_a_run_by_editing_its_cell(qtbot, window):
    train_epochs(window, 1)
    window.runs_panel.keep_button.click()
    wait_runs(qtbot, window, 1)
    table = window.runs_panel.table
    table.setCurrentCell(0, NAME)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = table.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == "Run 1"
    editor.selectAll()
    qtbot.keyClicks(editor, "Adam, batch 16")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.runs_panel.runs[0].name == "Adam, batch 16", timeout=TIMEOUT_MS)
    assert table.item(0, NAME).text() == "Adam, batch 16"
    assert window.isWindowModified()  # a renamed run is unsaved work
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: window.runs_panel.runs[0].name == "Run 1", timeout=TIMEOUT_MS)


def test_ticking_runs_overlays_their_curves_in_distinct_colours(qtbot, window):
    train_epochs(window, 3)
    window.reset_action.trigger()
    train_epochs(window, 2)
    window.reset_action.trigger()
    wait_runs(qtbot, window, 2)
    panel, table, curves = window.runs_panel, window.runs_panel.table, window.curves
    qtbot.waitUntil(lambda: curves._snapshot is not None and curves._snapshot.step == 0)
    for row in (0, 1):
        click_box(qtbot, table, row, SHOW)
    assert curves.loss_plot.vb.viewRange()[0][1] >= 3.0  # the x axis makes room for them
    low, high = curves.loss_plot.vb.viewRange()[1]
    assert low <= np.nanmin(panel.runs[0].curves.values["loss"]) <= high
    assert table.item(0, SHOW).checkState() == Qt.CheckState.Checked
    assert len(curves.overlays) == 2
    colours = {color for _, color, _ in curves.overlays.values()}
    assert len(colours) == 2
    run = panel.runs[0]
    x, y = curves.overlay_curve(run.run_id, "loss").getData()
    assert np.array_equal(y, run.curves.values["loss"])
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert run.name in curves.runs_legend.text()
    hovered = curves.runs_legend_at(curves.loss_plot, 2.1)  # what hovering epoch 2 shows
    assert f"{run.name} {run.curves.values['loss'][1]:.4f}" in hovered
    item = curves.overlay_curve(run.run_id, "val_accuracy")
    assert item in curves.accuracy_plot.listDataItems()
    assert item.opts["pen"].style() == Qt.PenStyle.DashLine
    click_box(qtbot, table, 0, SHOW)
    assert list(curves.overlays) == [panel.runs[1].run_id]
    assert item not in curves.accuracy_plot.listDataItems()


def test_the_x_axis_in_examples_seen_lines_runs_up(qtbot, window):
    document = window.document
    n = window.data.raw.train.n_samples
    batch = next(b for b in (8, 10, 12, 5, 4, 3, 2) if n % b == 0)  # no short last batch
    document.edit(replace(document.spec, batch_size=batch), f"Batch {batch}")
    train_epochs(window, 2)
    window.reset_action.trigger()
    wait_runs(qtbot, window, 1)
    panel, curves = window.runs_panel, window.curves
    click_box(qtbot, panel.table, 0, SHOW)
    window.controller.step_epoch()
    qtbot.waitUntil(lambda: curves._snapshot is not None and curves._snapshot.epoch == 1)
    combo = curves.x_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert curves.x_axis == "examples"
    assert curves.loss_plot.getAxis("bottom").labelText == "examples seen"
    snapshot = curves._snapshot
    x, _ = curves.step_loss_curve.getData()
    assert np.array_equal(x, snapshot.smoothed_steps * batch)
    x, _ = curves.train_loss_curve.getData()
    assert x.tolist() == [n]
    x, _ = curves.overlay_curve(panel.runs[0].run_id, "loss").getData()
    assert x.tolist() == [n, 2 * n]
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    x, _ = curves.overlay_curve(panel.runs[0].run_id, "loss").getData()
    assert x.tolist() == [n // batch, 2 * n // batch]  # steps


def test_no_axis_of_any_plot_uses_si_prefix_scaling_or_reaches_into_its_plot(window):
    axes = [
        item
        for view in window.findChildren(pg.GraphicsView)
        for item in view.scene().items()
        if isinstance(item, pg.AxisItem)
    ]
    assert len(axes) > 20
    assert not [axis for axis in axes if axis.autoSIPrefix]
    assert not [axis for axis in axes if axis.autoSIPrefixScale != 1.0]
    assert not [axis for axis in axes if axis.style["tickLength"] < 0]
    axis = window.curves.loss_plot.getAxis("left")
    axis.setRange(0.0001, 0.0005)  # a loss near zero: pyqtgraph would scale it by 1e6
    assert axis.autoSIPrefixScale == 1.0


def test_restore_is_exact_and_one_undo_brings_back_the_previous_weights(qtbot, window):
    train_epochs(window, 2)
    window.reset_action.trigger()
    wait_runs(qtbot, window, 1)
    run = window.runs_panel.runs[0]
    document = window.document
    document.edit(replace(document.spec, batch_size=8), "Batch 8")
    train_epochs(window, 1)
    previous = weights(window)
    count = document.undo_stack.count()
    panel = window.runs_panel
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert document.undo_stack.count() == count + 1
    assert document.spec.batch_size == 16
    for got, expected in zip(weights(window), run.final_weights, strict=True):
        assert np.array_equal(got, expected)
    state = window.controller.call(lambda s: s.capture().training)
    assert np.array_equal(state.arrays["optimizer/m"], run.state.arrays["optimizer/m"])
    wait_runs(qtbot, window, 2)  # the replaced training is kept too
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert document.spec.batch_size == 8
    for got, expected in zip(weights(window), previous, strict=True):
        assert np.array_equal(got, expected)


def test_delete_is_undoable_and_pinning_reaches_the_log(qtbot, window):
    train_epochs(window, 1)
    window.reset_action.trigger()
    wait_runs(qtbot, window, 1)
    panel = window.runs_panel
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.pin_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.runs[0].pinned, timeout=TIMEOUT_MS)
    assert panel.pin_button.isChecked() and panel.table.item(0, NAME).font().bold()
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: not panel.runs[0].pinned, timeout=TIMEOUT_MS)
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: panel.runs[0].pinned, timeout=TIMEOUT_MS)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    wait_runs(qtbot, window, 0)
    window.undo_action.trigger()
    wait_runs(qtbot, window, 1)
    assert panel.runs[0].pinned


def test_keep_as_run_is_undoable_and_twice_says_there_is_nothing_new(qtbot, window):
    train_epochs(window, 1)
    window.runs_panel.keep_action.trigger()
    wait_runs(qtbot, window, 1)
    assert window.document.undo_stack.undoText() == "Keep run 'Run 1'"
    window.undo_action.trigger()
    wait_runs(qtbot, window, 0)
    window.redo_action.trigger()
    wait_runs(qtbot, window, 1)
    with qtbot.waitSignal(window.runs_panel.message, timeout=TIMEOUT_MS) as blocker:
        window.runs_panel.keep_button.click()
    assert "Nothing new to keep" in blocker.args[0]


def test_projects_keep_their_runs(qtbot, make_window, tmp_path):
    window = make_window()
    train_epochs(window, 2)
    window.reset_action.trigger()
    window.controller.call(lambda s: s.step())
    window.runs_panel.keep_button.click()
    saved = window.controller.call(lambda s: s.runs.runs)
    assert [run.name for run in saved] == ["Run 1", "Run 2"]
    path = tmp_path / "runs.nnviz"
    assert window.projects.save_as(path)
    other = make_window()
    other.runs_dock.raise_()
    train_epochs(other, 1)  # its own training is kept when the project replaces it
    assert other.projects.open(path, ask=False)
    wait_runs(qtbot, other, 3)
    opened = other.runs_panel.runs
    assert [run.run_id for run in opened[1:]] == [run.run_id for run in saved]
    assert [run.name for run in opened] == ["Run 1", "Run 1", "Run 2"]
    for got, expected in zip(opened[1:], saved, strict=True):
        for a, b in zip(got.final_weights, expected.final_weights, strict=True):
            assert np.array_equal(a, b)


def test_a_run_whose_data_cannot_be_made_is_refused_with_a_message(qtbot, window):
    train_epochs(window, 1)
    window.reset_action.trigger()
    wait_runs(qtbot, window, 1)
    run = window.runs_panel.runs[0]
    lost = replace(run, data_config=DataConfig(kind="file", path="/nonexistent/points.csv"))
    window.controller.call(lambda s: s.runs.insert(1, lost))
    wait_runs(qtbot, window, 2)
    document = window.document
    count, spec, before = document.undo_stack.count(), document.spec, weights(window)
    panel = window.runs_panel
    panel.table.selectRow(1)
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert window.banner.isVisible()
    assert "Could not restore 'Run 1'" in window.banner.label.text()
    assert document.undo_stack.count() == count and document.spec == spec
    for got, expected in zip(weights(window), before, strict=True):
        assert np.array_equal(got, expected)
