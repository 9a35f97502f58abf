"""The Lessons menu, the lesson dock and File → Save as lesson step, driven as a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from nnviz.live import lessons
from nnviz.live.lessons import PARTS


def hidden_units(window) -> list[int]:
    return [layer.units for layer in window.document.spec.dense_layers[:-1]]


def open_lesson(window, number: int) -> None:
    action = next(a for a in window.lessons.lesson_actions if a.text().startswith(f"{number}."))
    action.trigger()


def test_the_lessons_menu_lists_ten_lessons_grouped_by_part(make_window):
    window = make_window()
    menu = window.lessons.menu
    assert menu.title() == "&Lessons"
    submenus = [a.menu() for a in menu.actions() if a.menu() is not None]
    assert [m.title() for m in submenus] == [f"{p}. {t}" for p, t in PARTS.items()]
    titles = [a.text() for m in submenus for a in m.actions()]
    assert len(titles) == 10
    assert [int(t.split(".")[0]) for t in titles] == list(range(1, 11))
    assert window.findChild(QDockWidget, "lessonDock") is window.lessons.dock
    assert window.lessons.save_action in window.file_menu.actions()


def test_next_applies_the_next_step_and_back_returns(make_window, qtbot):
    window = make_window()
    panel = window.lessons.panel
    open_lesson(window, 3)
    assert window.lessons.dock.isVisible()
    assert panel.title_label.text() == "Building networks"
    assert panel.step_label.text() == "Step 1 of 6"
    assert window.data.config.name == "xor"
    assert hidden_units(window) == []
    assert not panel.back_button.isEnabled()

    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.step_label.text() == "Step 2 of 6"
    assert hidden_units(window) == [4]
    assert window.neuron_dock.isVisible()
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)  # trace a point
    assert window.trace_dock.isVisible()
    assert window.trace_panel.input_edit.text() == "0.6, 0.6"
    qtbot.waitUntil(lambda: window.trace_panel.trace is not None, timeout=10000)
    assert len(window.trace_panel.trace.layers) == 2
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert window.data.config.name == "spiral" and hidden_units(window) == [3]
    assert window.hyperparameters.epochs_spin.value() == 300

    for _ in range(3):
        qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    assert panel.step_label.text() == "Step 1 of 6"
    assert window.data.config.name == "xor" and hidden_units(window) == []


def test_ctrl_z_undoes_a_steps_network_change(make_window, qtbot):
    window = make_window()
    open_lesson(window, 3)
    window.lessons.next()
    assert hidden_units(window) == [4]
    window.diagram.setFocus()
    qtbot.keyClick(window.diagram, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert hidden_units(window) == []
    assert window.data.config.name == "xor"


def test_the_perceptron_step_sets_the_slides_weights(make_window, qtbot):
    window = make_window()
    open_lesson(window, 1)
    # the perceptron lab under the boundary writes out z for its input X = [-2, 2]
    qtbot.waitUntil(lambda: "−9</b>" in window.perceptron_lab.formula.text(), timeout=10000)
    (w, b) = window.frame_clock.snapshot.weights[0]
    assert list(w[:, 0]) == [3.0, -2.0] and b[0] == 1.0
    assert "0.00012339" in window.perceptron_lab.formula.text()


def test_a_condition_message_appears_when_it_is_met(make_window, qtbot):
    window = make_window()
    panel = window.lessons.panel
    open_lesson(window, 1)
    window.lessons.next()  # fit a line to two blobs
    assert panel.condition_label.isHidden()
    window.dataset_dock.raise_()  # the lesson's tab behind another: still checked
    window.controller.play()
    qtbot.waitUntil(lambda: not panel.condition_label.isHidden(), timeout=30000)
    assert "separates the two blobs" in panel.condition_label.text()
    window.controller.pause()
    window.lessons.dock.raise_()
    assert panel.condition_label.isVisible()
    window.lessons.apply_again()  # the step begins anew: the message goes
    assert panel.condition_label.isHidden()


def test_save_as_lesson_step_writes_a_file_that_loads_back(make_window, tmp_path, monkeypatch):
    window = make_window()
    open_lesson(window, 7)  # a noisy moons set, a 64-64 ReLU network
    path = tmp_path / "my_lesson.toml"
    monkeypatch.setattr(window.lessons, "choose_step_file", lambda: str(path))
    monkeypatch.setattr(
        window.lessons,
        "ask_step_text",
        lambda new_file, title: ("Watch the gap. Why does it grow?", "My lesson", 6),
    )
    window.lessons.save_action.trigger()
    window.lessons.save_action.trigger()  # a second step appended to the same file
    saved = lessons.load_lesson(path)
    assert saved.title == "My lesson" and saved.part == 6 and len(saved.steps) == 2
    assert saved.steps[0].text == "Watch the gap. Why does it grow?"
    settings = saved.settings_at(1)
    assert settings.data == window.data.config
    assert lessons.network_spec(settings, window.data) == window.document.spec
    assert settings.hyperparameters.epochs == 300
    assert "curvesDock" in settings.step.views

    open_lesson(window, 1)
    window.lessons.open_file(path)
    assert window.lessons.panel.title_label.text() == "My lesson"
    assert window.document.spec.dense_layers[0].units == 64


def test_a_malformed_lesson_file_is_refused_and_changes_nothing(make_window, tmp_path):
    window = make_window()
    open_lesson(window, 2)
    spec, data, step = window.document.spec, window.data, window.lessons.index
    bad = tmp_path / "broken.toml"
    bad.write_text(
        'title = "Broken"\npart = 1\n[[steps]]\ntext = "One?"\n'
        '[[steps]]\ntext = "Two?"\n[steps.hyperparameters]\nlearning_rat = 0.1\n'
    )
    assert not window.lessons.open_file(bad)
    message = window.banner.label.text()
    assert "broken.toml" in message and "step 2" in message and "learning_rat" in message
    assert window.banner.isVisible()
    assert window.document.spec is spec and window.data is data
    assert window.lessons.panel.title_label.text() == "Activation functions"
    assert window.lessons.index == step


def test_a_view_this_app_lacks_is_named_in_the_status_bar(make_window, tmp_path):
    window = make_window()
    path = tmp_path / "views.toml"
    path.write_text(
        'title = "Views"\npart = 1\n[[steps]]\ntext = "Look?"\nviews = ["nopeDock", "curvesDock"]\n'
    )
    assert window.lessons.open_file(path)
    assert "'nopeDock'" in window.statusBar().currentMessage()
    assert window.curves_dock.isVisible()
