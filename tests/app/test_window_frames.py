"""The frame clock in the real main window: hidden docks cost nothing while training,
a dock or tab that comes back catches up, and paused views show the latest snapshot."""

from __future__ import annotations

import numpy as np

from nnviz.app.frame_clock import is_shown
from nnviz.app.main_window import MainWindow
from nnviz.app.plots.style import STEP_CURVE_WIDTH, thinned

TIMEOUT_MS = 10_000


def points(item) -> int:
    """The points handed to the curve (getData() gives only those inside the current view
    range: the curves clip to the view, and the range follows on the next paint)."""
    return 0 if item.xData is None else len(item.xData)


def train_a_while(qtbot, window: MainWindow, snapshots: int = 10) -> None:
    controller = window.controller
    controller.play()
    received = controller.snapshots_received
    qtbot.waitUntil(
        lambda: controller.snapshots_received >= received + snapshots, timeout=TIMEOUT_MS
    )


def pause(qtbot, window: MainWindow) -> None:
    window.controller.pause()
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and not window.controller.latest.playing,
        timeout=TIMEOUT_MS,
    )


def test_a_closed_dock_draws_nothing_while_training_and_catches_up_when_shown(qtbot, make_window):
    window = make_window()
    clock = window.frame_clock
    qtbot.waitUntil(lambda: clock.draws("curves") >= 1, timeout=TIMEOUT_MS)
    window.curves_dock.close()
    qtbot.waitUntil(lambda: not window.curves.isVisible(), timeout=TIMEOUT_MS)
    drawn = clock.draws("curves")
    boundary_drawn = clock.draws("boundary")
    train_a_while(qtbot, window)
    assert clock.draws("curves") == drawn  # hidden: not drawn at all
    assert clock.draws("boundary") > boundary_drawn  # the visible views go on
    assert points(window.curves.step_loss_curve) < window.controller.latest.step

    window.curves_dock.show()
    qtbot.waitUntil(lambda: clock.draws("curves") > drawn, timeout=TIMEOUT_MS)
    pause(qtbot, window)

    def shown_of_latest() -> int:
        """How many of the latest snapshot's step losses the curve shows (long histories
        are thinned to about MAX_CURVE_POINTS)."""
        n = len(window.controller.latest.smoothed_losses)
        return len(np.arange(n)[thinned(n)])

    # paused: the curves show the latest snapshot's history
    qtbot.waitUntil(
        lambda: points(window.curves.step_loss_curve) == shown_of_latest(), timeout=TIMEOUT_MS
    )


def test_a_tabbed_away_view_is_not_drawn_and_raising_its_tab_catches_up(qtbot, make_window):
    window = make_window()
    clock = window.frame_clock
    neurons = window.neuron_view
    window.confusion_dock.raise_()  # the neurons' tab goes behind the confusion matrix
    qtbot.waitUntil(lambda: not is_shown(neurons), timeout=TIMEOUT_MS)
    drawn = clock.draws("neurons")
    train_a_while(qtbot, window)
    assert clock.draws("neurons") == drawn
    assert clock.draws("gallery") == 0  # no images: its dock is closed
    pause(qtbot, window)
    window.neuron_dock.raise_()
    qtbot.waitUntil(lambda: clock.draws("neurons") == drawn + 1, timeout=TIMEOUT_MS)
    grids = window.controller.latest.neuron_grids
    for image, grid, count in zip(neurons.images, grids, neurons.neurons_shown, strict=False):
        np.testing.assert_array_equal(image.image, neurons.row_image(grid, count))
    assert not is_shown(window.confusion)  # the neurons' tab hides the confusion matrix
    drawn = clock.draws("confusion")
    train_a_while(qtbot, window)
    assert clock.draws("confusion") == drawn


def test_paused_views_show_the_latest_snapshot_and_are_not_redrawn_for_nothing(qtbot, make_window):
    window = make_window()
    clock = window.frame_clock
    train_a_while(qtbot, window, snapshots=3)
    pause(qtbot, window)
    latest = window.controller.latest
    qtbot.waitUntil(
        lambda: window.training_panel.step_label.text() == str(latest.step), timeout=TIMEOUT_MS
    )
    qtbot.waitUntil(lambda: not clock.running, timeout=TIMEOUT_MS)  # nothing left to draw
    counts = {name: clock.draws(name) for name in clock.view_names}
    qtbot.wait(200)
    assert {name: clock.draws(name) for name in clock.view_names} == counts
    np.testing.assert_array_equal(
        window.boundary_view.image.image.shape[:2], latest.boundary.grid.shape
    )


def test_a_frame_holds_the_worker_until_the_gui_thread_sleeps(qtbot, make_window):
    window = make_window()
    controller, worker = window.controller, window.controller.worker
    assert not controller._waiting_for_idle  # no frame: nothing listens to the event loop
    window.frame_clock.frameStarted.emit()  # as the clock does before the first redraw
    assert not worker._gui_idle.is_set() and controller._waiting_for_idle
    qtbot.waitUntil(worker._gui_idle.is_set, timeout=TIMEOUT_MS)  # drawn, then asleep
    assert not controller._waiting_for_idle
    train_a_while(qtbot, window)  # frames come and go while training
    pause(qtbot, window)
    qtbot.waitUntil(worker._gui_idle.is_set, timeout=TIMEOUT_MS)
    assert not controller._waiting_for_idle


def test_curves_with_a_point_per_step_are_drawn_with_thin_pens(qtbot, make_window):
    """Qt strokes long jagged curves many times slower with wider pens, on the GUI
    thread: the per-step curves must stay thin however they are restyled."""
    window = make_window()
    train_a_while(qtbot, window)
    pause(qtbot, window)
    for view in (window.curves, window.gradient_flow, window.layer_stats_view):
        view.show_snapshot(window.controller.latest)  # whether its dock is tabbed away
    per_step = [
        window.curves.step_loss_curve,
        *window.gradient_flow.history_curves,
        *window.layer_stats_view.distribution_curves,
        *window.layer_stats_view.gradient_curves,
    ]
    assert all(points(curve) > 1 for curve in per_step)
    assert len(per_step) == 1 + 3 * 3  # the 2-16-16-1 network's three dense layers
    assert {curve.pen().widthF() for curve in per_step} == {STEP_CURVE_WIDTH}
    assert STEP_CURVE_WIDTH <= 1.0
    assert window.curves.train_loss_curve.pen().widthF() == 2.0  # per epoch: few points
