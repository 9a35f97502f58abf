"""The Lessons menu, the lesson dock and File → Save as lesson step.

:class:`LessonActions` installs everything on the main window: a Lessons menu listing the
shipped lessons by part (and "Open lesson file…"), the ``lessonDock`` with the current
step's text, Back / Next / "Apply this step again", and the step's condition message once
it is met. Applying a step goes through the window's own entry points (data switch, one
undoable network edit, typed weights, docks), so undo, projects and views need nothing
new. Conditions are checked on snapshots by the frame clock at most once a second.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnviz.engine.spec import SpecError
from nnviz.live import lessons
from nnviz.live.edits import EditRefused
from nnviz.live.lessons import Lesson, LessonError, Step
from nnviz.live.snapshot import TrainingSnapshot

if TYPE_CHECKING:
    from nnviz.app.main_window import MainWindow

#: conditions are checked at most this often while training (a boundary check costs ~30 ms)
CONDITION_CHECK_S = 1.0
FILE_FILTER = "Lesson files (*.toml)"


class LessonPanel(QWidget):
    """Title, part, step k of n, the step's text, Back / Next / Apply again, and the
    condition's message (hidden until met)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel("No lesson open")
        self.title_label.setObjectName("lessonTitle")
        self.title_label.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.title_label.setWordWrap(True)
        self.part_label = QLabel("Choose one in the Lessons menu.")
        self.part_label.setWordWrap(True)
        self.part_label.setStyleSheet("color: #555;")
        self.step_label = QLabel("")
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setStyleSheet("font-size: 11pt;")
        self.condition_label = QLabel("")
        self.condition_label.setObjectName("lessonCondition")
        self.condition_label.setWordWrap(True)
        self.condition_label.setStyleSheet(
            "background: #e3f4e8; border: 1px solid #009e73; border-radius: 4px; "
            "padding: 4px; color: #00402e; font-size: 11pt;"
        )
        self.condition_label.hide()
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.again_button = QPushButton("Apply this step again")
        self.back_button.setToolTip("The previous step, with its settings (Alt+Left)")
        self.next_button.setToolTip("The next step, with its settings (Alt+Right)")
        self.again_button.setToolTip("Set up this step's experiment again, from fresh weights")
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.step_label, 1, Qt.AlignmentFlag.AlignCenter)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.title_label)
        layout.addWidget(self.part_label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.condition_label)
        layout.addLayout(buttons)
        layout.addWidget(self.again_button)
        self.show_step(None, 0)

    def show_step(self, lesson: Lesson | None, index: int) -> None:
        has = lesson is not None
        for button in (self.back_button, self.next_button, self.again_button):
            button.setEnabled(has)
        self.condition_label.hide()
        if lesson is None:
            self.text.setHtml(
                "<p>A lesson sets up an experiment step by step: the data, the network and "
                "what to watch.</p>"
            )
            self.step_label.setText("")
            return
        self.title_label.setText(lesson.title)
        self.part_label.setText(f"Part {lesson.part}: {lesson.part_title}")
        self.step_label.setText(f"Step {index + 1} of {len(lesson.steps)}")
        self.text.setHtml(lesson.steps[index].text)
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(lesson.steps) - 1)

    def show_condition(self, message: str) -> None:
        self.condition_label.setText(f"✔ {message}")
        self.condition_label.show()


class StepTextDialog(QDialog):
    """The text of a new lesson step (and, for a new file, the lesson's title and part)."""

    def __init__(self, new_file: bool, default_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as lesson step")
        form = QFormLayout(self)
        self.title_edit = QLineEdit(default_title)
        self.part_spin = QSpinBox()
        self.part_spin.setRange(min(lessons.PARTS), max(lessons.PARTS))
        if new_file:
            form.addRow("Lesson title", self.title_edit)
            form.addRow("Part of the course", self.part_spin)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText("What to do, what to watch, and a question?")
        self.text_edit.setMinimumSize(420, 160)
        form.addRow("Step text", self.text_edit)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)


class LessonActions(QObject):
    """Lessons on the main window: ``LessonActions(window).add_to(window.file_menu)``."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.lesson: Lesson | None = None
        self.index = 0
        self._met = False
        self._diverged = False
        self.panel = LessonPanel()
        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("lessonDock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.dataset_dock, self.dock)
        self.dock.hide()
        window.dataset_dock.raise_()  # hiding the new tab left the last one on top
        self.panel.back_button.clicked.connect(self.back)
        self.panel.next_button.clicked.connect(self.next)
        self.panel.again_button.clicked.connect(self.apply_again)
        window.controller.failed.connect(self._on_failed)
        window.frame_clock.register(
            "lesson",
            self.check_condition,
            visible=self._checking,  # also while the lesson's tab is behind another
            key=self._condition_key,
            interval_s=CONDITION_CHECK_S,
        )
        self.lesson_actions: list[QAction] = []

    # -- menus ------------------------------------------------------------------------------
    def add_to(self, file_menu: QMenu) -> QMenu:
        """The Lessons menu (before Help) and File → Save as lesson step…"""
        bar = self.window.menuBar()
        self.menu = QMenu("&Lessons", self.window)
        self.menu.setObjectName("lessonsMenu")
        help_action = bar.actions()[-1]
        bar.insertMenu(help_action, self.menu)
        try:
            shipped = lessons.builtin_lessons()
        except LessonError as exc:
            shipped = []
            self.window.banner.show_message(f"A shipped lesson could not be read: {exc}")
        for part, title in lessons.PARTS.items():
            in_part = [lesson for lesson in shipped if lesson.part == part]
            if not in_part:
                continue
            submenu = self.menu.addMenu(f"{part}. {title}")
            for lesson in in_part:
                action = submenu.addAction(f"{lesson.number}. {lesson.title}")
                action.triggered.connect(partial(self.open_lesson, lesson))
                self.lesson_actions.append(action)
        self.menu.addSeparator()
        open_action = self.menu.addAction("Open lesson file…")
        open_action.triggered.connect(self.choose_lesson_file)
        show_action = self.dock.toggleViewAction()
        show_action.setText("Show lesson panel")
        self.menu.addAction(show_action)
        for key, slot in (("Alt+Left", self.back), ("Alt+Right", self.next)):
            shortcut = QAction(self.window)
            shortcut.setShortcut(QKeySequence(key))
            shortcut.triggered.connect(slot)
            self.window.addAction(shortcut)
        self.save_action = QAction("Save as lesson step…", self.window)
        self.save_action.setStatusTip("Write the current data, network and settings as a step")
        self.save_action.triggered.connect(self.save_as_step)
        actions = file_menu.actions()
        before = next((a for a in actions if a.isSeparator()), None)
        file_menu.insertAction(before, self.save_action)
        return self.menu

    # -- walking a lesson -------------------------------------------------------------------
    def open_lesson(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.dock.show()
        self.dock.raise_()
        self.go(0)

    def open_file(self, path: str | os.PathLike[str]) -> bool:
        """Open the lesson file ``path``; a malformed one is refused with a message and
        nothing changes."""
        try:
            lesson = lessons.load_lesson(path)
        except LessonError as exc:
            self.window.banner.show_message(f"Could not open the lesson: {exc}")
            return False
        self.open_lesson(lesson)
        return True

    def choose_lesson_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open lesson file", str(Path.home()), FILE_FILTER
        )
        if path:
            self.open_file(path)

    @Slot()
    def next(self) -> None:
        if self.lesson is not None and self.index < len(self.lesson.steps) - 1:
            self.go(self.index + 1)

    @Slot()
    def back(self) -> None:
        if self.lesson is not None and self.index > 0:
            self.go(self.index - 1)

    @Slot()
    def apply_again(self) -> None:
        if self.lesson is not None:
            self.go(self.index)

    def go(self, index: int) -> None:
        """Show step ``index`` and apply its settings."""
        assert self.lesson is not None
        self.index = index
        self.panel.show_step(self.lesson, index)
        self._met = False
        self._diverged = False
        self.apply(self.lesson.settings_at(index))

    @property
    def step(self) -> Step | None:
        return None if self.lesson is None else self.lesson.steps[self.index]

    # -- applying a step -------------------------------------------------------------------
    def apply(self, settings: lessons.Settings) -> bool:
        """Set the app up as ``settings`` say; on a refusal say why and stop there."""
        window = self.window
        step = settings.step
        window.controller.pause()
        if settings.data != window.data.config and not window.set_data_config(settings.data):
            return False
        label = f"Lesson step: {self.lesson.title if self.lesson else ''} {self.index + 1}"
        try:
            spec = lessons.network_spec(settings, window.data)
            window.document.edit(spec, label.strip())
        except (LessonError, EditRefused, SpecError) as exc:
            window.banner.show_message(f"This lesson step cannot be set up: {exc}")
            return False
        hyper = settings.hyperparameters
        if hyper.epochs is not None:
            window.hyperparameters.epochs_spin.setValue(hyper.epochs)
        window.hyperparameters.patience_spin.setValue(hyper.patience or 0)
        if step.restart:
            try:
                window.controller.call(
                    lambda session: session.start_from(lessons.fresh_weights(session.spec))
                )
            except (TimeoutError, ValueError, RuntimeError) as exc:
                window.statusBar().showMessage(f"Could not start from fresh weights: {exc}")
        if step.weights:
            window.document.edit_parameters(lessons.weight_changes(step), "Lesson weights")
        window.training_panel.set_epochs_per_second(step.speed)
        for name in step.views:
            self._show_dock(name)
        if step.landscape:
            self._show_dock("landscapeDock")
        if step.presentation is not None:
            window.set_presentation_mode(step.presentation)
        if step.trace is not None and window.data.image_shape is None:
            self._show_dock("traceDock")
            point = np.array(step.trace, dtype=np.float64)
            train = window.data.raw.train
            nearest = int(np.argmin(np.sum((train.x - point) ** 2, axis=1)))
            window.trace_panel.trace_raw(point, int(train.y[nearest]))
        if step.race is not None:
            window.start_race(step.race)
        self.dock.raise_()
        return True

    def _show_dock(self, name: str) -> None:
        dock = self.window.findChild(QDockWidget, name)
        if dock is None:
            self.window.statusBar().showMessage(
                f"This step would show the view {name!r}, which this nnviz does not have.", 8000
            )
            return
        dock.show()
        dock.raise_()

    # -- the step's condition --------------------------------------------------------------
    def _checking(self) -> bool:
        step = self.step
        return step is not None and step.condition is not None and not self._met

    def _condition_key(self, snapshot: TrainingSnapshot) -> object:
        step = self.step
        if step is None or step.condition is None or self._met:
            return None
        return (id(self.lesson), self.index, snapshot.step, self._diverged)

    def check_condition(self, snapshot: TrainingSnapshot) -> None:
        step = self.step
        if step is None or step.condition is None or self._met:
            return
        if lessons.condition_met(step.condition, snapshot, self._diverged):
            self._met = True
            self.panel.show_condition(step.condition.message)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        if "diverged" in text:
            self._diverged = True
            self.window.frame_clock.wake()

    # -- saving a step ---------------------------------------------------------------------
    def current_step(self, text: str) -> Step:
        """The app as it is now, as a lesson step with ``text``."""
        window = self.window
        epochs, patience = window.hyperparameters.run_options
        docks = [
            dock.objectName()
            for dock in window.findChildren(QDockWidget)
            if dock.isVisible() and dock is not self.dock and not dock.visibleRegion().isEmpty()
        ]
        return lessons.step_from_state(
            text,
            window.data.config,
            window.document.spec,
            epochs=epochs,
            patience=patience,
            speed=window.training_panel.epochs_per_second,
            views=sorted(docks),
        )

    def choose_step_file(self) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self.window,
            "Save as lesson step: choose or create a lesson file",
            str(Path.home() / "my_lesson.toml"),
            FILE_FILTER,
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        return path

    def ask_step_text(self, new_file: bool, default_title: str) -> tuple[str, str, int] | None:
        """(text, title, part) from the dialog, or None when cancelled."""
        dialog = StepTextDialog(new_file, default_title, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return (
            dialog.text_edit.toPlainText(),
            dialog.title_edit.text(),
            dialog.part_spin.value(),
        )

    def save_as_step(self) -> None:
        """File → Save as lesson step…: append the current state to a lesson file."""
        path = self.choose_step_file()
        if not path:
            return
        if not path.endswith(lessons.SUFFIX):
            path += lessons.SUFFIX
        answer = self.ask_step_text(not Path(path).exists(), Path(path).stem.replace("_", " "))
        if answer is None:
            return
        text, title, part = answer
        if not text.strip():
            self.window.banner.show_message("A lesson step needs its text: nothing was saved.")
            return
        try:
            saved = lessons.save_step(path, self.current_step(text), title, part)
        except (LessonError, OSError, TypeError) as exc:
            self.window.banner.show_message(f"Could not save the lesson step: {exc}")
            return
        self.window.statusBar().showMessage(
            f"Saved as step {len(saved.steps)} of {Path(path).name}.", 8000
        )
