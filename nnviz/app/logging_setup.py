"""Where the app's log goes, and what happens to an exception nobody caught.

The log is a rotating file in the user's state folder: ``$NNVIZ_LOG_DIR`` when set (the
tests point it to a temporary folder), else ``$XDG_STATE_HOME/nnviz`` (``~/.local/state/
nnviz``) on Linux and Qt's per-user application data folder elsewhere. Exceptions are
logged with their tracebacks; the user sees a short message that says where the details
are. An exception that escapes a slot or an event handler is logged and shown in a message
box instead of passing silently (or ending the app).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

LOG_DIR_VARIABLE = "NNVIZ_LOG_DIR"
LOG_FILE = "nnviz.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"

logger = logging.getLogger("nnviz")


def log_dir() -> Path:
    """The folder the log is written to (not created here)."""
    override = os.environ.get(LOG_DIR_VARIABLE)
    if override:
        return Path(override)
    if sys.platform.startswith("linux"):
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        return Path(state) / "nnviz"
    location = QStandardPaths.StandardLocation.AppLocalDataLocation
    return Path(QStandardPaths.writableLocation(location))


def setup_logging(level: int = logging.INFO) -> Path:
    """Send the ``nnviz`` loggers to the rotating log file (once); returns its path."""
    folder = log_dir()
    path = folder / LOG_FILE
    for handler in logger.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    return path


class UnhandledExceptionHook:
    """``sys.excepthook`` for the GUI: log the traceback, then show what happened in one
    message box (reused while open, so an error repeated every frame is not a flood)."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None) -> None:
        self._parent = parent
        self.box: QMessageBox | None = None
        self.count = 0

    def __call__(
        self,
        kind: type[BaseException],
        exc: BaseException,
        traceback: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, traceback)
            return
        logger.error("Unhandled exception", exc_info=(kind, exc, traceback))
        self.count += 1
        if QApplication.instance() is None:
            return
        if self.box is None:
            self.box = QMessageBox(self._parent())
            self.box.setIcon(QMessageBox.Icon.Critical)
            self.box.setWindowTitle("nnviz: unexpected error")
            self.box.finished.connect(self._forget_box)
        text = f"Something went wrong: {kind.__name__}: {exc}"
        if self.count > 1:
            text += f"\n({self.count} errors so far.)"
        self.box.setText(text)
        self.box.setInformativeText(
            f"Your work is still open. The details are in {log_dir() / LOG_FILE}; "
            "please include them when you report the problem."
        )
        self.box.open()

    def _forget_box(self) -> None:
        self.box = None
        self.count = 0


def install_exception_hook(
    parent: Callable[[], QWidget | None] = lambda: None,
) -> UnhandledExceptionHook:
    """Make an :class:`UnhandledExceptionHook` the ``sys.excepthook``."""
    hook = UnhandledExceptionHook(parent)
    sys.excepthook = hook
    return hook
