"""Inline messages above the diagram: a coloured strip with a text and its buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class Banner(QWidget):
    """A hidden strip that ``show_message`` fills and shows; ``colors`` are its
    background, border and text colours."""

    def __init__(
        self, name: str, colors: tuple[str, str, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 6, 10, 6)
        self._layout.addWidget(self.label, 1)
        background, border, ink = colors
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"#{name} {{ background: {background}; border: 1px solid {border}; "
            f"border-radius: 4px; }} #{name} QLabel {{ color: {ink}; }}"
        )
        self.hide()

    def add_button(self, text: str, action: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(action)
        self._layout.addWidget(button)
        return button

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()


class ErrorBanner(Banner):
    """What went wrong and what to do, until dismissed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("errorBanner", ("#fde0c5", "#d55e00", "#4a1d00"), parent)
        self.close_button = self.add_button("Dismiss", self.hide)
