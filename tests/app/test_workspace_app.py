"""Nothing a learner did is lost, driven through the real window: edits keep weights,
undo and redo are exact, projects are whole, unsaved work is asked about and recovered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnviz.app.main_window import MainWindow
from nnviz.app.projects import Choice, orphaned_recovery_files, state_folder
from nnviz.engine.spec import LayerSpec
from nnviz.engine.state import weight_shapes
from nnviz.io.project import load_project, save_project
from nnviz.live.presets import DEFAULT_HIDDEN
from tests.app.diagram.conftest import click, to_view

TIMEOUT_MS = 10_000


def weights(window: MainWindow) -> list[np.ndarray]:
    return window.controller.call(lambda session: session.model.get_weights())


def state(window: MainWindow):
    return window.controller.call(lambda session: session.capture().training)


def assert_same(a, b) -> None:
    assert a.spec == b.spec
    assert sorted(a.arrays) == sorted(b.arrays)
    for key in a.arrays:
        assert np.array_equal(a.arrays[key], b.arrays[key]), key
    assert dict(a.values) == dict(b.values)


def train_steps(window: MainWindow, steps: int) -> None:
    window.controller.call(lambda session: [session.step() for _ in range(steps)])


def test_adding_a_neuron_with_the_plus_button_keeps_weights_and_undoes_exactly(qtbot, make_window):
    window = make_window()
    train_steps(window, 60)
    before = state(window)
    learned = weights(window)
    view = window.diagram
    plus = next(b for b in view.diagram.buttons if b.spec_index == 0 and b.action == "add_unit")
    click(view, to_view(view, plus.scenePos()))
    units = DEFAULT_HIDDEN[0]
    assert window.document.spec.layers[0].units == units + 1
    after_edit = weights(window)
    assert after_edit[0].shape == (2, units + 1)
    assert np.array_equal(after_edit[0][:, :units], learned[0])
    assert np.array_equal(after_edit[2][:units], learned[2])
    assert np.array_equal(after_edit[4], learned[4])
    window.undo_action.trigger()
    assert_same(state(window), before)
    window.redo_action.trigger()
    assert np.array_equal(weights(window)[0], after_edit[0])


def test_a_typed_weight_is_one_undo_entry(qtbot, make_window):
    window = make_window()
    train_steps(window, 5)
    before = state(window)
    count = window.document.undo_stack.count()
    window.diagram.parameterEdited.emit(1, "W", (2, 3), 0.625)
    assert window.document.undo_stack.count() == count + 1
    assert "W2[2, 3]" in window.document.undo_stack.undoText()
    assert weights(window)[2][2, 3] == 0.625
    qtbot.keyClick(window.diagram, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert_same(state(window), before)


def test_undo_after_training_says_the_steps_are_undone(qtbot, make_window):
    window = make_window()
    window.document.edit(window.document.spec.with_layer(0, units=6), "Resize")
    train_steps(window, 12)
    with qtbot.waitSignal(
        window.controller.message,
        check_params_cb=lambda text: "12 training steps" in text,
        timeout=TIMEOUT_MS,
    ):
        window.undo_action.trigger()


def test_a_network_that_cannot_fit_the_data_never_enters_the_undo_stack(qtbot, make_window):
    window = make_window()
    count = window.document.undo_stack.count()
    window.hyperparameters._edit(window.document.spec.for_task(5, 2), "Five inputs")
    assert window.document.undo_stack.count() == count
    assert "does not fit the data" in window.statusBar().currentMessage()


def test_whole_project_continues_bit_identically(qtbot, make_window, tmp_path):
    """10 epochs, save, open in a new window, 10 more == 20 straight (Adam, dropout)."""
    window = make_window()
    spec = window.document.spec
    layers = (spec.layers[0], LayerSpec(kind="dropout", rate=0.25), *spec.layers[1:])
    window.document.edit(spec.with_layers(layers), "Dropout")

    def epochs(target):
        def run(session):
            while session.epoch < target:
                session.step()

        return run

    window.controller.call(epochs(10))
    path = tmp_path / "ten.nnviz"
    assert window.projects.save_as(path)
    window.controller.call(epochs(20))
    straight = state(window)

    other = make_window()
    assert other.projects.open(path)
    assert other.windowTitle().startswith("ten.nnviz")
    qtbot.waitUntil(
        lambda: other.controller.latest is not None and other.controller.latest.epoch == 10,
        timeout=TIMEOUT_MS,
    )
    assert len(other.controller.latest.history["loss"]) == 10  # the curves come back
    other.controller.call(epochs(20))
    assert_same(state(other), straight)


def test_title_marks_unsaved_work_and_quitting_asks(qtbot, make_window, tmp_path):
    window = make_window()
    assert not window.isWindowModified()
    window.document.edit(window.document.spec.with_layer(0, units=5), "Resize")
    assert window.isWindowModified()
    asked = []
    window.projects.ask_to_save = lambda action: asked.append(action) or Choice.CANCEL
    window.close()
    assert asked == ["quitting"] and window.isVisible()
    window.projects.ask_to_save = lambda action: Choice.DISCARD
    assert window.projects.save_as(tmp_path / "a.nnviz")
    assert not window.isWindowModified()
    assert str((tmp_path / "a.nnviz").resolve()) in window.projects.recent_files()


def test_opening_a_project_whose_network_does_not_fit_its_data_changes_nothing(
    qtbot, make_window, tmp_path
):
    window = make_window()
    assert window.projects.save_as(tmp_path / "good.nnviz")
    project = load_project(tmp_path / "good.nnviz")
    misfit = replace(
        project,
        spec=project.spec.for_task(5, 2),
        weights=None,
        initial_weights=None,
        state_arrays={},
        state_values={},
    )
    save_project(tmp_path / "bad.nnviz", misfit)
    title, spec, data = window.windowTitle(), window.document.spec, window.data
    assert not window.projects.open(tmp_path / "bad.nnviz")
    assert (window.windowTitle(), window.document.spec, window.data) == (title, spec, data)
    assert "bad.nnviz" in window.banner.label.text()


def test_reset_clears_every_view_of_the_old_run(qtbot, make_window):
    window = make_window()
    train_steps(window, 200)
    window.controller.step_batch()

    def at_step(step: int) -> bool:
        latest = window.controller.latest
        return latest is not None and latest.step == step

    def empty(item) -> bool:
        x, _ = item.getData()
        return x is None or len(x) == 0

    views = window.layer_stats_view
    items = [*views.gradient_curves, *views.distribution_curves, window.curves.step_loss_curve]
    qtbot.waitUntil(lambda: at_step(201), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not any(empty(item) for item in items), timeout=TIMEOUT_MS)
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: at_step(0), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: all(empty(item) for item in items), timeout=TIMEOUT_MS)


def test_the_command_line_opens_a_project_file(tmp_path):
    from nnviz.cli import build_parser

    args = build_parser().parse_args(["gui", str(tmp_path / "x.nnviz")])
    assert args.project == tmp_path / "x.nnviz"


@pytest.mark.slow
def test_unsaved_work_survives_a_kill_and_is_offered_at_the_next_start(
    qtbot, make_window, tmp_path, monkeypatch
):
    folder = tmp_path / "state"
    env = {**os.environ, "NNVIZ_STATE_DIR": str(folder), "NNVIZ_RECOVERY_INTERVAL_S": "0.2"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    script = textwrap.dedent(
        """
        from PySide6.QtWidgets import QApplication
        from nnviz.app.main_window import MainWindow
        app = QApplication([])
        window = MainWindow(restore_layout=False)
        window.document.edit(window.document.spec.with_layer(0, units=5), "Five")
        window.show()
        app.exec()
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], env=env)
    recovery = folder / "recovery"
    deadline = time.monotonic() + 60
    while not list(recovery.glob("recovery-*.nnviz")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert orphaned_recovery_files(recovery), "no recovery file was written"

    monkeypatch.setenv("NNVIZ_STATE_DIR", str(folder))
    assert state_folder() == Path(folder)
    window = make_window()
    window.offer_recovery()
    assert window.recovery_banner.isVisible()
    qtbot.mouseClick(window.recovery_banner.restore_button, Qt.MouseButton.LeftButton)
    assert window.document.spec.layers[0].units == 5
    assert window.isWindowModified()
    assert not orphaned_recovery_files(recovery)


def test_every_damaged_project_is_refused_through_file_open_and_changes_nothing(
    qtbot, make_window, tmp_path
):
    import shutil

    import h5py

    from tests.io.test_project_damage import DAMAGE, full_project

    window = make_window()
    window.document.edit(window.document.spec.with_layer(0, units=5), "Five")
    train_steps(window, 7)
    good = save_project(tmp_path / "good.nnviz", full_project())
    before = (window.windowTitle(), window.document.spec, window.data, state(window))
    damaged: list[Path] = []
    for number, (damage, _problem) in enumerate(DAMAGE.values()):
        path = tmp_path / f"damaged{number}.nnviz"
        shutil.copy(good, path)
        with h5py.File(path, "r+") as f:
            damage(f)
        damaged.append(path)
    for fraction in (0.1, 0.5, 0.9):
        path = tmp_path / f"truncated{fraction}.nnviz"
        path.write_bytes(good.read_bytes()[: int(good.stat().st_size * fraction)])
        damaged.append(path)
    for path in damaged:
        assert not window.projects.open(path), path
        assert path.name in window.banner.label.text()
        title, spec, data, _training = before
        assert (window.windowTitle(), window.document.spec, window.data) == (title, spec, data)
    assert_same(state(window), before[3])
    assert len(damaged) >= 16


def test_reset_to_start_after_an_edit_works_and_loses_no_layer(qtbot, make_window):
    window = make_window()
    start = weights(window)
    train_steps(window, 30)
    wider = DEFAULT_HIDDEN[0] + 2
    window.document.edit(window.document.spec.with_layer(0, units=wider), "Wider")
    window.reset_initial_action.trigger()
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and window.controller.latest.step == 0,
        timeout=TIMEOUT_MS,
    )
    after = weights(window)
    assert after[0].shape == (2, wider) and not window.banner.isVisible()
    np.testing.assert_array_equal(after[0][:, : wider - 2], start[0])  # the kept neurons' start


def test_the_window_warns_as_soon_as_the_loss_starts_to_explode(qtbot, make_window):
    from nnviz.live.snapshot import TrainingSnapshot

    window = make_window()
    window.show_snapshot(TrainingSnapshot(instability="the loss is rising fast (3x)"))
    assert window.statusBar().currentMessage() == "Warning: the loss is rising fast (3x)"


def test_new_weights_from_the_same_initializer_are_one_click_and_one_undo_entry(qtbot, make_window):
    window = make_window()
    train_steps(window, 20)
    before = state(window)
    panel = window.init_panel
    panel.initializer_combo.setCurrentText(window.document.spec.layers[0].initializer)
    count = window.document.undo_stack.count()
    qtbot.mouseClick(panel.initializer_button, Qt.MouseButton.LeftButton)
    assert window.document.undo_stack.count() == count + 1
    assert window.document.undo_stack.undoText().startswith("New weights")
    fresh = weights(window)
    assert not any(
        np.array_equal(a, b) for a, b in zip(fresh[::2], before_weights(before)[::2], strict=True)
    )
    window.undo_action.trigger()
    assert_same(state(window), before)
    menu = window.diagram.layer_menu(0)
    action = next(a for a in menu.actions() if a.text() == "New random weights for this layer")
    action.trigger()
    layer_one = weights(window)
    assert not np.array_equal(layer_one[0], before_weights(before)[0])
    np.testing.assert_array_equal(layer_one[2], before_weights(before)[2])  # others kept


def before_weights(training_state) -> list[np.ndarray]:
    """[W1, b1, W2, ...] of a TrainingState (its flat parameter vector, split)."""
    params = training_state.arrays["params"]
    out, start = [], 0
    for shape in weight_shapes(training_state.spec):
        size = int(np.prod(shape))
        out.append(params[start : start + size].reshape(shape))
        start += size
    return out
