"""The loss landscape dock, driven as a learner would: open it, recompute, train."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from nnviz.app.plots.landscape import log_loss_image
from nnviz.data import DataConfig
from nnviz.engine.spec import LayerSpec
from nnviz.live.landscape import LandscapeJob
from nnviz.live.trajectory import ProjectedPath

TIMEOUT_MS = 20000


def _open(qtbot, make_window):
    window = make_window()
    window.landscape_dock.show()
    window.landscape_dock.raise_()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    return window, window.landscape_view


def _final(view):
    return view.report is not None and view.report.final and not view.computing


def test_opening_the_dock_computes_a_landscape_with_a_colour_bar(qtbot, make_window):
    window, view = _open(qtbot, make_window)
    assert window.findChild(type(window.landscape_dock), "landscapeDock") is window.landscape_dock
    qtbot.waitUntil(lambda: _final(view), timeout=TIMEOUT_MS)  # shown: computed at once
    first = view.report
    qtbot.keyClick(view.resolution_combo, Qt.Key.Key_Down)  # 61 x 61: computed at once
    assert view.resolution_combo.currentData() == 61
    qtbot.waitUntil(lambda: _final(view) and view.report is not first, timeout=TIMEOUT_MS)
    assert view.report.grid.shape == (61, 61)
    again = view.report
    qtbot.mouseClick(view.recompute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _final(view) and view.report is not again, timeout=TIMEOUT_MS)
    assert view.image.image.shape == (61, 61, 4)
    assert isinstance(view.color_bar, pg.ColorBarItem) and view.color_bar.isVisible()
    _, low, high = log_loss_image(view.report.grid)
    assert view.color_bar.levels() == (low, high)
    ticks = view.color_bar.axis._tickLevels[0]
    assert ticks and all(low <= value <= high for value, _ in ticks)
    assert view.contours.path().elementCount() > 0
    assert "direction 1" in view.plot.getAxis("bottom").labelText
    assert "around the weights of step" in view.status.text()


def test_training_adds_points_to_the_path_on_the_plane(qtbot, make_window):
    window, view = _open(qtbot, make_window)
    qtbot.waitUntil(lambda: _final(view), timeout=TIMEOUT_MS)
    qtbot.mouseClick(window.training_panel.buttons["step_epoch"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: view._path is not None and len(view._path.coords) > 10, timeout=TIMEOUT_MS
    )
    x, _ = view.path_line.getData()
    assert len(x) == len(view._path.coords) + 1  # the recorded points and the weights now
    assert view.path_line.isVisible() and view.current_marker.isVisible()
    before = len(x)
    qtbot.mouseClick(window.training_panel.buttons["step_epoch"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(view.path_line.getData()[0]) > before, timeout=TIMEOUT_MS)


def test_pca_directions_and_a_stale_plane_and_extra_paths(qtbot, make_window):
    window, view = _open(qtbot, make_window)
    qtbot.waitUntil(lambda: _final(view), timeout=TIMEOUT_MS)
    exact = view.directions_combo.findData("exact")
    assert not view.directions_combo.model().item(exact).isEnabled()  # 105 parameters
    window.controller.step_epoch()
    qtbot.waitUntil(lambda: window.controller.latest.step >= 15, timeout=TIMEOUT_MS)
    view.directions_combo.setCurrentIndex(view.directions_combo.findData("pca"))
    qtbot.mouseClick(view.recompute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _final(view) and view.report.plane.kind == "pca", timeout=TIMEOUT_MS)
    assert view.plot.getAxis("bottom").labelText.startswith("PC 1")
    # another run's path (a raced variant) is drawn on the same plane
    rows = window.controller.call(lambda s: s.trajectory.points()[1])
    view.set_extra_trajectories([("Adam", rows), ("other network", np.zeros((3, 7)))])
    assert len(view.extra_lines) == 1
    np.testing.assert_allclose(
        np.column_stack(view.extra_lines[0].getData()), view.report.plane.project(rows), atol=1e-6
    )
    assert "Adam" in view.legend.text() and "other network" in view.legend.text()
    # paused right after computing it: the weights are at the picture's centre
    qtbot.waitUntil(lambda: view._path.plane_id == view.report.plane_id, timeout=TIMEOUT_MS)
    assert not view.is_stale(view._path, view.report.plane)
    far = ProjectedPath(view.report.plane_id, view._path.coords, (1e3, 1e3), 0.0)
    off = ProjectedPath(view.report.plane_id, view._path.coords, (0.0, 0.0), 0.9)
    assert view.is_stale(far, view.report.plane) and view.is_stale(off, view.report.plane)


def test_a_stale_plane_is_reported_and_keep_centred_recomputes(qtbot, make_window):
    window, view = _open(qtbot, make_window)
    view.span_spin.setValue(0.05)
    qtbot.mouseClick(view.recompute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _final(view), timeout=TIMEOUT_MS)
    first = view.report
    window.controller.step_epoch()
    window.controller.step_epoch()
    qtbot.waitUntil(lambda: "moved off this picture" in view.note.text(), timeout=TIMEOUT_MS)
    qtbot.mouseClick(view.follow_check, Qt.MouseButton.LeftButton)
    window.controller.step_batch()
    qtbot.waitUntil(lambda: _final(view) and view.report is not first, timeout=TIMEOUT_MS)
    assert view.report.plane_id != first.plane_id


def test_an_impossible_plane_says_what_to_do(qtbot, make_window):
    window, view = _open(qtbot, make_window)
    qtbot.waitUntil(lambda: _final(view), timeout=TIMEOUT_MS)
    kept = view.report
    view.job_id = window.controller.start_job(LandscapeJob("exact"))
    qtbot.waitUntil(lambda: "Could not compute" in view.note.text(), timeout=TIMEOUT_MS)
    assert "exactly 2 parameters" in view.note.text() and "random or PCA" in view.note.text()
    assert view.report is kept  # the last landscape stays


def test_a_two_parameter_model_gets_the_exact_w_b_plane(qtbot, make_window):
    window, view = _open(qtbot, make_window)
    config = DataConfig(kind="points", name="gaussian", n_samples=200, features=("x1",))
    assert window.set_data_config(config)
    perceptron = window.document.spec.with_layers([LayerSpec(units=1, activation="sigmoid")])
    window.document.edit(perceptron, "One neuron")
    qtbot.waitUntil(lambda: view.directions_combo.currentData() == "exact", timeout=TIMEOUT_MS)
    window.controller.step_epoch()
    qtbot.waitUntil(  # the epoch is over: the weights stay where the plane is made
        lambda: window.controller.latest.step > 0 and window.controller.latest.batch_in_epoch == 0,
        timeout=TIMEOUT_MS,
    )
    qtbot.mouseClick(view.recompute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _final(view) and view.report.plane.kind == "exact", timeout=TIMEOUT_MS)
    assert view.plot.getAxis("bottom").labelText == "w"
    assert view.plot.getAxis("left").labelText == "b"
    (w, b), loss = window.controller.call(
        lambda s: (
            [float(v.ravel()[0]) for v in s.model.get_weights()],
            s.model.evaluate(s.trainer.x, s.trainer.y)["loss"],
        )
    )
    assert view.report.plane.centre == pytest.approx((w, b), rel=1e-6)
    n = view.report.resolution
    assert view.report.grid[n // 2, n // 2] == pytest.approx(loss, rel=2e-5)


def test_other_data_gets_its_own_landscape(qtbot, make_window):
    window, view = _open(qtbot, make_window)
    qtbot.waitUntil(lambda: _final(view), timeout=TIMEOUT_MS)
    spiral = view.report
    assert window.set_data_config(DataConfig(kind="points", name="moons", n_samples=300))
    qtbot.waitUntil(lambda: _final(view) and view.report is not spiral, timeout=TIMEOUT_MS)
    loss = window.controller.call(lambda s: s.model.evaluate(s.trainer.x, s.trainer.y)["loss"])
    n = view.report.resolution
    assert view.report.grid[n // 2, n // 2] == pytest.approx(loss, rel=2e-5)


def test_a_hidden_view_computes_nothing(qtbot, make_window):
    window, view = _open(qtbot, make_window)
    qtbot.waitUntil(lambda: view.computing or _final(view), timeout=TIMEOUT_MS)
    window.landscape_dock.close()  # closed while (or after) computing: the job is dropped
    assert not view.computing
    dropped = view.report
    window.controller.step_epoch()
    qtbot.waitUntil(lambda: window.controller.latest.step >= 15, timeout=TIMEOUT_MS)
    qtbot.wait(200)
    assert not view.computing and view.report is dropped  # nothing started while hidden
    window.landscape_dock.show()
    window.landscape_dock.raise_()
    qtbot.waitUntil(lambda: _final(view), timeout=TIMEOUT_MS)
