"""The real main window, driven like a user: Play, Pause, single steps, resets, live
hyperparameter changes, divergence, closing mid-training, the cat images."""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QTextDocument

from nnviz.app.main_window import DIAGNOSIS_VIEW_S, MainWindow
from nnviz.data import DataConfig
from nnviz.engine.spec import LayerSpec
from nnviz.live.diagnosis import Finding
from nnviz.live.presets import (
    DEFAULT_ACTIVATION,
    DEFAULT_HIDDEN,
    DEFAULT_L2,
    DEFAULT_LEARNING_RATE,
)

TIMEOUT_MS = 10_000


def latest(window: MainWindow):
    snapshot = window.controller.latest
    assert snapshot is not None
    return snapshot


def points(item) -> int:
    """How many points a plot item holds."""
    x, _ = item.getData()
    return 0 if x is None else len(x)


def click(qtbot, window: MainWindow, name: str) -> None:
    qtbot.mouseClick(window.training_panel.buttons[name], Qt.MouseButton.LeftButton)


def wait_paused(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: (
            window.controller.latest is not None
            and not window.controller.latest.playing
            and not window.controller.is_playing
        ),
        timeout=TIMEOUT_MS,
    )


def test_play_trains_and_fills_the_curves_then_pause_stops(qtbot, make_window):
    window = make_window()
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: window.controller.is_playing, timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and latest(window).epoch >= 3,
        timeout=TIMEOUT_MS,
    )
    assert window.play_action.isChecked() and window.play_action.text() == "Pause"
    qtbot.waitUntil(lambda: points(window.curves.train_loss_curve) >= 2, timeout=TIMEOUT_MS)
    x, y = window.curves.train_loss_curve.getData()
    assert np.all(np.diff(x) > 0) and np.all(x == np.round(x))  # whole epochs (thinned)
    history = latest(window).history["loss"]  # append-only: holds every drawn epoch
    np.testing.assert_array_equal(y, history[x.astype(int) - 1])
    assert points(window.curves.step_loss_curve) > 0
    qtbot.waitUntil(  # the counters redraw at 10 Hz
        lambda: int(window.training_panel.epoch_label.text().split()[0]) >= 3,
        timeout=TIMEOUT_MS,
    )

    click(qtbot, window, "play")  # the same button pauses
    wait_paused(qtbot, window)
    assert window.play_action.text() == "Play"
    step = window.controller.session.step_count
    qtbot.wait(300)
    assert window.controller.session.step_count == step
    assert latest(window).step == step


def test_space_toggles_play(qtbot, make_window):
    window = make_window()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.diagram.setFocus()
    qtbot.keyClick(window.diagram, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.is_playing, timeout=TIMEOUT_MS)
    qtbot.keyClick(window.diagram, Qt.Key.Key_Space)
    wait_paused(qtbot, window)


def test_step_batch_advances_exactly_one_step(qtbot, make_window):
    window = make_window()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    assert latest(window).step == 0
    for expected in (1, 2):
        click(qtbot, window, "step_batch")
        qtbot.waitUntil(lambda e=expected: latest(window).step == e, timeout=TIMEOUT_MS)
    qtbot.wait(200)
    assert window.controller.session.step_count == 2
    assert window.training_panel.step_label.text() == "2"
    assert not window.controller.is_playing


def test_step_epoch_trains_to_the_end_of_the_epoch(qtbot, make_window):
    window = make_window()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    click(qtbot, window, "step_batch")
    click(qtbot, window, "step_epoch")
    qtbot.waitUntil(lambda: latest(window).epoch == 1, timeout=TIMEOUT_MS)
    qtbot.wait(200)
    snapshot = latest(window)
    assert snapshot.step == snapshot.batches_per_epoch
    assert snapshot.batch_in_epoch == 0
    assert len(snapshot.history["loss"]) == 1


def test_reset_clears_history_and_draws_new_weights(qtbot, make_window):
    window = make_window()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    first_weights = latest(window).weights[0][0].copy()
    click(qtbot, window, "step_epoch")
    qtbot.waitUntil(lambda: latest(window).epoch == 1, timeout=TIMEOUT_MS)
    click(qtbot, window, "reset")
    qtbot.waitUntil(lambda: latest(window).step == 0, timeout=TIMEOUT_MS)
    snapshot = latest(window)
    assert len(snapshot.history["loss"]) == 0 and len(snapshot.step_losses) == 0
    assert not np.allclose(snapshot.weights[0][0], first_weights)
    qtbot.waitUntil(lambda: points(window.curves.train_loss_curve) == 0, timeout=TIMEOUT_MS)

    initial = snapshot.weights[0][0].copy()
    click(qtbot, window, "step_epoch")
    qtbot.waitUntil(lambda: latest(window).epoch == 1, timeout=TIMEOUT_MS)
    assert not np.allclose(latest(window).weights[0][0], initial)
    click(qtbot, window, "reset_initial")
    qtbot.waitUntil(lambda: latest(window).step == 0, timeout=TIMEOUT_MS)
    np.testing.assert_array_equal(latest(window).weights[0][0], initial)


def test_learning_rate_change_mid_run_is_used_by_the_next_step(qtbot, make_window):
    window = make_window()
    click(qtbot, window, "play")
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and latest(window).step > 50,
        timeout=TIMEOUT_MS,
    )
    model = window.controller.session.model
    step_before = window.controller.session.step_count
    window.hyperparameters.lr_spin.setValue(0.0042)
    assert window.document.spec.optimizer.learning_rate == pytest.approx(0.0042)
    qtbot.waitUntil(
        lambda: latest(window).learning_rate == pytest.approx(0.0042), timeout=TIMEOUT_MS
    )
    # Same model object (not reset), its optimizer now steps with the new rate.
    assert window.controller.session.model is model
    assert model.optimizer.learning_rate == pytest.approx(0.0042)
    # training goes on with it (the snapshot made right after the change may come first)
    qtbot.waitUntil(lambda: latest(window).step > step_before, timeout=TIMEOUT_MS)
    click(qtbot, window, "play")
    wait_paused(qtbot, window)
    # One undo entry for the edit, and undo restores the old rate in the engine too.
    window.undo_action.trigger()
    assert window.document.spec.optimizer.learning_rate == pytest.approx(DEFAULT_LEARNING_RATE)
    click(qtbot, window, "step_batch")
    qtbot.waitUntil(
        lambda: model.optimizer.learning_rate == pytest.approx(DEFAULT_LEARNING_RATE),
        timeout=TIMEOUT_MS,
    )


def test_diverging_settings_pause_and_explain(qtbot, make_window):
    window = make_window()  # the spiral, Adam
    window.hyperparameters.lr_spin.setValue(10.0)  # the panel's maximum
    assert window.document.spec.optimizer.learning_rate == 10.0
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=TIMEOUT_MS)
    text = window.banner.label.text()
    assert "diverged at epoch" in text and "lower the learning rate" in text
    wait_paused(qtbot, window)
    step = window.controller.session.step_count
    qtbot.wait(200)
    assert window.controller.session.step_count == step
    for W, b in latest(window).weights:
        assert np.all(np.isfinite(W)) and np.all(np.isfinite(b))


def test_closing_mid_training_returns_promptly(qtbot, make_window):
    window = make_window()
    click(qtbot, window, "play")
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and latest(window).step > 10,
        timeout=TIMEOUT_MS,
    )
    thread = window.controller.training_thread
    start = time.perf_counter()
    window.close()
    assert time.perf_counter() - start < 1.0
    assert thread is not None and thread.isFinished()
    assert window.controller.worker is None


def test_switching_data_restarts_training_and_bad_data_keeps_everything(
    qtbot, make_window, tmp_path
):
    window = make_window()
    click(qtbot, window, "step_epoch")
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and latest(window).epoch == 1,
        timeout=TIMEOUT_MS,
    )
    circle = window.dataset_panel.source_combo.findData("circle")
    window.dataset_panel.source_combo.setCurrentIndex(circle)
    qtbot.waitUntil(lambda: window.data.config.name == "circle", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: latest(window).step == 0, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "step 0" in window.statusBar().currentMessage(), timeout=TIMEOUT_MS)

    before = window.data
    spec_before = window.document.spec
    ok = window.set_data_config(DataConfig(kind="cat", path=str(tmp_path)))
    assert not ok
    assert window.banner.isVisible()
    assert "train_catvnoncat.h5" in window.banner.label.text()
    assert window.data is before and window.document.spec == spec_before
    assert window.controller.is_running


def test_weight_typed_in_the_diagram_reaches_the_model(qtbot, make_window):
    window = make_window()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    window.diagram.parameterEdited.emit(1, "W", (2, 3), 0.625)
    window.diagram.parameterEdited.emit(0, "b", (4,), -1.5)
    qtbot.waitUntil(
        lambda: (
            latest(window).weights[1][0][2, 3] == 0.625 and latest(window).weights[0][1][4] == -1.5
        ),
        timeout=TIMEOUT_MS,
    )
    assert window.controller.session.model.dense_layers[1].W[2, 3] == 0.625
    assert latest(window).weights[0][1][4] == -1.5


def test_network_edit_during_training_keeps_untouched_layers(qtbot, make_window):
    window = make_window()
    click(qtbot, window, "step_epoch")
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and latest(window).epoch == 1,
        timeout=TIMEOUT_MS,
    )
    first = latest(window).weights[0][0].copy()
    spec = window.document.spec
    layers = list(spec.layers)
    layers[1] = replace(layers[1], units=5)
    window.document.edit(spec.with_layers(layers), "resize")
    click(qtbot, window, "step_batch")
    hidden = DEFAULT_HIDDEN[0]
    qtbot.waitUntil(lambda: latest(window).weights[1][0].shape == (hidden, 5), timeout=TIMEOUT_MS)
    assert latest(window).weights[0][0].shape == first.shape
    assert len(latest(window).history["loss"]) == 1  # history kept, not reset


def test_epoch_target_stops_and_shows_progress(qtbot, make_window):
    window = make_window()
    window.hyperparameters.epochs_spin.setValue(2)
    click(qtbot, window, "play")
    qtbot.waitUntil(
        lambda: (
            window.controller.latest is not None
            and latest(window).epoch == 2
            and not latest(window).playing
        ),
        timeout=TIMEOUT_MS,
    )
    progress = window.training_panel.progress  # drawn by the next frame
    qtbot.waitUntil(lambda: progress.isVisible() and progress.value() == 1000, timeout=TIMEOUT_MS)
    assert "Finished 2 epochs" in window.statusBar().currentMessage()


def test_layout_is_saved_and_restored(qtbot, make_window):
    window = make_window(restore_layout=True)
    window.hyperparameters_dock = window.hyper_dock
    window.layers_dock.hide()
    window.close()
    again = make_window(restore_layout=True)
    assert not again.layers_dock.isVisible()
    assert again.curves_dock.isVisible()


def test_undo_redo_actions_are_in_the_edit_menu(make_window):
    window = make_window()
    actions = window.edit_menu.actions()
    assert window.undo_action in actions and window.redo_action in actions
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.redo_action.shortcut().toString() == "Ctrl+Shift+Z"
    training = {a.text(): a.shortcut().toString() for a in window.training_menu.actions()}
    assert training["Play"] == "Space"
    assert training["Step batch"] and training["Step epoch"] and training["Reset"]


def test_cat_images_train_and_the_gallery_shows_predictions(qtbot, make_window, cat_data_dir):
    window = make_window("cat", data_dir=cat_data_dir)
    assert window.data.input_dim == 64 * 64 * 3
    assert window.gallery_dock.isVisible() and not window.boundary_dock.isVisible()
    assert window.sweep_dock.isHidden()  # an empty Sweeps tab would take the boundary's place
    assert len(window.gallery.tiles) == 50
    click(qtbot, window, "step_epoch")
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and latest(window).epoch == 1,
        timeout=TIMEOUT_MS,
    )
    wait_paused(qtbot, window)
    snapshot = latest(window)
    assert snapshot.test_probabilities.shape == (50,)

    def shows_latest() -> bool:  # the frame clock draws the newest snapshot in its frame
        captions = [tile.caption.text() for tile in window.gallery.tiles]
        newest = latest(window)
        return np.array_equal(window.confusion.counts(), newest.confusion) and all(
            f"P(cat) = {p:.2f}" in text
            for text, p in zip(captions, newest.test_probabilities, strict=True)
        )

    qtbot.waitUntil(shows_latest, timeout=TIMEOUT_MS)
    snapshot = latest(window)
    marks = 0
    for tile, p, predicted, label in zip(
        window.gallery.tiles,
        snapshot.test_probabilities,
        snapshot.test_predictions,
        window.data.y_test,
        strict=True,
    ):
        text = tile.caption.text()
        assert text.startswith("✓" if predicted == label else "✗")
        assert f"P(cat) = {p:.2f}" in text  # what the number is
        marks += tile.correct
    assert marks == int(np.sum(snapshot.test_predictions == window.data.y_test))
    assert window.confusion.counts().sum() == 50
    np.testing.assert_array_equal(window.confusion.counts(), snapshot.confusion)


def test_layers_are_listed_for_the_activation_plot(qtbot, make_window):
    window = make_window()
    combo = window.activation_view.layer_combo
    assert combo.count() == 3
    combo.setCurrentIndex(1)
    click(qtbot, window, "step_batch")
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and latest(window).focus_layer == 1,
        timeout=TIMEOUT_MS,
    )
    hist = latest(window).preactivation_hist
    histogram = window.activation_view.histogram  # drawn by the next frames
    qtbot.waitUntil(lambda: histogram.getData()[1] is not None, timeout=TIMEOUT_MS)
    edges, counts = histogram.getData()
    np.testing.assert_array_equal(counts, hist.counts)
    np.testing.assert_array_equal(edges, hist.edges)
    assert window.document.spec.layers[1] == LayerSpec(
        units=DEFAULT_HIDDEN[1], activation=DEFAULT_ACTIVATION, l2=DEFAULT_L2
    )


def test_early_stopping_pauses_and_says_why(qtbot, make_window):
    window = make_window("xor")
    window.hyperparameters.lr_spin.setValue(0.2)  # Adam at 0.2: the validation loss jumps
    window.hyperparameters.patience_spin.setValue(2)
    click(qtbot, window, "play")
    qtbot.waitUntil(
        lambda: "Early stopping" in window.statusBar().currentMessage(), timeout=TIMEOUT_MS
    )
    wait_paused(qtbot, window)
    val = latest(window).history["val_loss"]
    best = int(np.argmin(val))
    assert len(val) - 1 - best >= 2  # stopped after two epochs without a better val loss
    assert "not improved for 2 epochs" in window.statusBar().currentMessage()


def test_speed_control_sets_the_workers_step_rate_from_epochs_per_second(qtbot, make_window):
    window = make_window()
    window.training_panel.set_epochs_per_second(0.5)  # 23 batches per epoch: 11.5 steps/s
    assert window.training_panel.speed_value.text() == "0.5 epochs/s (12 steps/s)"
    worker = window.controller.worker
    qtbot.waitUntil(lambda: worker.call(lambda _s: worker._max_rate) == 11.5, timeout=TIMEOUT_MS)
    click(qtbot, window, "play")
    qtbot.waitUntil(lambda: latest(window).step >= 2, timeout=TIMEOUT_MS)
    click(qtbot, window, "play")
    wait_paused(qtbot, window)


def test_unknown_dataset_is_refused_in_one_line(qapp, capsys):
    import argparse

    from nnviz.app import launch

    code = launch.run(argparse.Namespace(dataset="nope", data_dir=None))
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown dataset 'nope'" in err[0] and "spiral" in err[0]


def test_missing_cat_files_open_the_spiral_and_say_where_to_put_them(make_window, tmp_path):
    window = make_window("cat", data_dir=tmp_path)
    assert window.data.config.kind == "points" and window.data.config.name == "spiral"
    assert window.banner.isVisible()
    text = window.banner.label.text()
    assert "train_catvnoncat.h5" in text and str(tmp_path) in text and "spiral" in text


def test_three_classes_train_a_softmax_output_and_colour_the_plane(qtbot, make_window):
    window = make_window()
    assert window.set_data_config(replace(window.data.config, n_classes=3))
    spec = window.document.spec
    assert spec.dense_layers[-1].units == 3 and spec.dense_layers[-1].activation == "softmax"
    assert spec.loss == "categorical_crossentropy"
    click(qtbot, window, "step_epoch")
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and latest(window).epoch == 1,
        timeout=TIMEOUT_MS,
    )
    snapshot = latest(window)
    assert snapshot.boundary.grid.shape[-1] == 3
    np.testing.assert_allclose(snapshot.boundary.grid.sum(axis=-1), 1.0, rtol=1e-5)
    qtbot.waitUntil(lambda: window.boundary_view.image.image is not None, timeout=TIMEOUT_MS)
    assert window.boundary_view.image.image.shape[-1] == 3  # an RGB mix of class colours
    assert snapshot.confusion.shape == (3, 3)


def test_undoing_a_data_change_brings_the_data_back_with_its_network(qtbot, make_window):
    window = make_window()
    config = replace(window.data.config, features=("x1", "x2", "x1^2"))
    assert window.set_data_config(config)
    assert window.document.spec.input_dim == 3
    shape = (3, DEFAULT_HIDDEN[0])
    qtbot.waitUntil(lambda: latest(window).weights[0][0].shape == shape, timeout=TIMEOUT_MS)
    window.undo_action.trigger()
    assert window.data.config.features == ("x1", "x2") and window.document.spec.input_dim == 2
    assert window.dataset_panel.feature_checks["x1^2"].isChecked() is False
    shape = (2, DEFAULT_HIDDEN[0])
    qtbot.waitUntil(lambda: latest(window).weights[0][0].shape == shape, timeout=TIMEOUT_MS)
    window.redo_action.trigger()
    assert window.data.config.features == config.features
    click(qtbot, window, "step_batch")
    qtbot.waitUntil(lambda: latest(window).step == 1, timeout=TIMEOUT_MS)
    assert latest(window).weights[0][0].shape == (3, DEFAULT_HIDDEN[0])


def test_layer_dock_edits_the_selected_layer_and_refusals_reach_the_status_bar(qtbot, make_window):
    window = make_window()
    panel = window.layer_panel
    window.diagram.select_layer(0)
    panel.units.setValue(5)
    qtbot.waitUntil(lambda: window.document.spec.layers[0].units == 5)
    window.diagram.setFocus()
    window.diagram.select_layer(len(window.document.spec.dense_layers) - 1)
    qtbot.keyClick(window.diagram, Qt.Key.Key_Delete)
    assert window.document.spec.layers[-1].is_dense()
    assert window.statusBar().currentMessage() == window.diagram.last_message != ""


def test_save_and_open_project_restores_network_data_and_weights(qtbot, make_window, tmp_path):
    window = make_window()
    spec = window.document.spec.with_layer(0, units=5, activation="relu")
    window.document.edit(spec, "Five relu units")
    window.controller.step_batch()
    qtbot.waitUntil(
        lambda: (
            window.controller.latest is not None
            and window.controller.latest.step == 1
            and window.controller.latest.weights[0][0].shape == (2, 5)
        )
    )
    assert window.isWindowModified()
    path = tmp_path / "lesson.nnviz"
    assert window.projects.save_as(path)
    assert not window.isWindowModified()
    saved = [w.copy() for pair in window.controller.latest.weights for w in pair]

    other = make_window()
    assert other.projects.open(path)
    assert other.document.spec == window.document.spec
    assert other.data.config == window.data.config
    qtbot.waitUntil(
        lambda: (
            other.controller.session is not None
            and other.controller.session.model.get_weights()[0].shape == (2, 5)
            and np.array_equal(other.controller.session.model.get_weights()[0], saved[0])
        )
    )
    for got, want in zip(other.controller.session.model.get_weights(), saved, strict=True):
        np.testing.assert_array_equal(got, want)


def test_opening_a_broken_project_changes_nothing(qtbot, make_window, tmp_path):
    window = make_window()
    before = window.document.spec
    broken = tmp_path / "broken.nnviz"
    broken.write_text("not a project")
    assert not window.projects.open(broken)
    assert window.document.spec == before
    assert "not an nnviz project" in window.banner.label.text()


def test_reference_cycles_die_in_the_gui_thread_while_training(qtbot, make_window):
    """Python's collector would run in whichever thread allocates: in the training thread
    it destroyed Qt widgets there, which deadlocked (a CI run hung on it)."""
    window = make_window()
    assert not gc.isenabled()  # collected from a GUI-thread timer instead
    died_in_gui_thread: list[bool] = []

    class Node:
        def __del__(self) -> None:
            died_in_gui_thread.append(threading.current_thread() is threading.main_thread())

    for _ in range(50):  # pairs that only the cycle collector can free
        first, second = Node(), Node()
        first.other, second.other = second, first
    del first, second
    window.controller.play()  # the worker allocates: the young generation fills up
    qtbot.waitUntil(lambda: len(died_in_gui_thread) == 100, timeout=TIMEOUT_MS)
    assert all(died_in_gui_thread)


def test_training_on_marks_the_title_modified_once(qtbot, make_window):
    """Each snapshot notes its step; the modified state is sent to the window (which
    sets the platform window's title) only when it changes, not 30 times a second."""
    window = make_window()
    assert not window.isWindowModified()
    changes: list[bool] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if watched is window and event.type() == QEvent.Type.ModifiedChange:
                changes.append(window.isWindowModified())
            return False

    watch = Watch()
    window.installEventFilter(watch)
    for step in range(1, 30):
        window.projects.note_step(step)
    assert changes == [True]
    assert window.windowTitle() == "untitled[*] — nnviz"


def test_training_counters_are_plain_labels(qtbot, make_window):
    """The counters get a new text ten times a second: plain labels, which build no text
    document for it (a selectable one rebuilt one each time, five times the cost)."""
    window = make_window()
    panel = window.training_panel
    for label in (panel.epoch_label, panel.step_label, panel.rate_label, panel.loss_label):
        label.setText("12,345")
        assert label.findChildren(QTextDocument) == []
        assert label.text() == "12,345"


def test_findings_change_at_most_once_a_second_while_training(qtbot, make_window):
    """Findings are sentences with numbers: while training they are replaced at most every
    DIAGNOSIS_VIEW_S, so they can be read; paused, the latest shows at once."""
    window = make_window()
    window.diagnosis_dock.raise_()
    qtbot.mouseClick(window.training_panel.buttons["step_batch"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=10000)
    window.controller.stop()
    now = [time.perf_counter() + 100.0]  # well after the first step drew
    window.frame_clock._now = lambda: now[0]
    base = window.controller.latest

    def finding(number: int) -> Finding:
        return Finding("overfitting", "overfitting", f"gap {number}", "use more data")

    def show(number: int, playing: bool = True) -> None:
        window.show_snapshot(replace(base, playing=playing, findings=(finding(number),)))

    show(1)
    assert window.diagnosis_panel.findings == (finding(1),)
    now[0] += DIAGNOSIS_VIEW_S / 2
    show(2)
    assert window.diagnosis_panel.findings == (finding(1),)  # too soon to read a new one
    now[0] += DIAGNOSIS_VIEW_S / 2
    show(3)
    assert window.diagnosis_panel.findings == (finding(3),)
    show(4, playing=False)
    assert window.diagnosis_panel.findings == (finding(4),)
    assert "gap 4" in window.diagnosis_panel.body.text()


def test_the_frame_clock_saves_the_gui_thread_only_at_full_speed(qtbot, make_window):
    """Flat out, the clock keeps the GUI thread's share small (slowing the side views);
    at a watchable speed the worker has time to spare and the views keep their pace."""
    window = make_window(full_speed=False)
    panel = window.training_panel
    assert not window.frame_clock.full_speed
    qtbot.mouseClick(panel.full_speed_button, Qt.MouseButton.LeftButton)
    assert panel.speed is None and window.frame_clock.full_speed
    qtbot.mouseClick(panel.full_speed_button, Qt.MouseButton.LeftButton)
    assert panel.speed is not None and not window.frame_clock.full_speed
