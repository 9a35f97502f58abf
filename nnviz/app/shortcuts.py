"""Help → Keyboard shortcuts (every shortcut of every action, read from the actions), and
Space playing and pausing while a number box has the focus."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)


def _menu_actions(menu: QMenu) -> list[QAction]:
    found = []
    for action in menu.actions():
        found.append(action)
        if action.menu() is not None:
            found.extend(_menu_actions(action.menu()))
    return found


def shortcut_rows(window: QMainWindow, extra: Iterable[QAction] = ()) -> list[tuple[str, str]]:
    """(keys, what they do) for every action with a shortcut: the window's menus, the
    actions added to the window and its children, and ``extra`` (e.g. the diagram's
    keys, which act while it has the focus). In menu order, each once."""
    actions: list[QAction] = []
    for menu_action in window.menuBar().actions():
        if menu_action.menu() is not None:
            actions.extend(_menu_actions(menu_action.menu()))
    for widget in (window, *window.findChildren(QWidget)):
        actions.extend(widget.actions())
    actions.extend(extra)
    rows: list[tuple[str, str]] = []
    for action in actions:
        keys = ", ".join(
            key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts()
        )
        what = action.text().replace("&", "")
        if keys and what and (keys, what) not in rows:
            rows.append((keys, what))
    return rows


def shortcuts_html(rows: list[tuple[str, str]]) -> str:
    lines = [
        f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(w)}</td></tr>" for k, w in rows
    ]
    return f"<table>{''.join(lines)}</table>"


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str]]) -> QMessageBox:
    """A non-blocking dialog listing ``rows``."""
    box = QMessageBox(
        QMessageBox.Icon.NoIcon,
        "Keyboard shortcuts",
        shortcuts_html(rows),
        QMessageBox.StandardButton.Close,
        parent,
    )
    box.setObjectName("shortcutsDialog")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.open()
    return box


def being_edited(box: QAbstractSpinBox) -> bool:
    """Whether ``box`` shows text typed in and not yet committed (Enter or leaving the box
    commits it): its text is not the text of its value."""
    if box.specialValueText() and box.text() == box.specialValueText():
        return False
    value = getattr(box, "value", None)
    text_of = getattr(box, "textFromValue", None)
    if value is None or text_of is None:
        return True
    return box.text() != f"{box.prefix()}{text_of(value())}{box.suffix()}"


class SpacePlays(QObject):
    """Space plays and pauses while a number box of ``window`` has the focus, unless its
    text is being edited (typed in, not yet committed): then Space goes to the box. A
    spin box otherwise claims Space for itself (as a character it then refuses), so a
    learner who just changed the learning rate could not pause with Space.

    Only the focused number box is watched: a filter on the whole application would run
    Python for every event of every widget, taking the interpreter lock from training."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._watched: QWidget | None = None
        QApplication.instance().focusChanged.connect(self._on_focus_changed)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None and shiboken6.isValid(self._watched):
            self._watched.removeEventFilter(self)
        self._watched = None
        in_a_box = isinstance(new, QAbstractSpinBox) or (
            isinstance(new, QLineEdit) and isinstance(new.parent(), QAbstractSpinBox)
        )
        if in_a_box and self.window.isAncestorOf(new):
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            box = watched.parent() if isinstance(watched, QLineEdit) else watched
            if not being_edited(box):
                event.ignore()  # not overridden: the window's Space shortcut fires
                return True
        return False
