"""The window's project files: open, save, recent files, the title's ``*``, asking before
unsaved work is lost, and the crash-recovery file.

A project is "modified" when the undo stack is not at its clean index or when training has
moved on since the last save. While modified, a recovery project is written every
:data:`RECOVERY_INTERVAL_S` seconds (atomically, from a background thread, from an exact
state the training worker captured between two steps); the next start of the app offers
it when the process that wrote it is gone (a crash, a ``kill -9``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QMenu,
    QMessageBox,
    QWidget,
)

from nnviz.app.app_settings import settings
from nnviz.app.banner import Banner
from nnviz.data import DatasetError
from nnviz.io.project import SUFFIX, ProjectError, load_project, save_project
from nnviz.live.projects import project_from_session, session_from_project

if TYPE_CHECKING:
    from nnviz.app.main_window import MainWindow

logger = logging.getLogger(__name__)

RECOVERY_INTERVAL_S = float(os.environ.get("NNVIZ_RECOVERY_INTERVAL_S", "60"))
MAX_RECENT = 8
RECOVERY_PREFIX = "recovery-"


class Choice(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def state_folder() -> Path:
    """Where nnviz keeps recovery files and logs (``NNVIZ_STATE_DIR`` overrides)."""
    override = os.environ.get("NNVIZ_STATE_DIR")
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(location or Path.home() / ".nnviz")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphaned_recovery_files(folder: Path) -> list[Path]:
    """Recovery files whose writing process is gone, newest first."""
    found = []
    for path in folder.glob(f"{RECOVERY_PREFIX}*{SUFFIX}"):
        pid_text = path.name[len(RECOVERY_PREFIX) : -len(SUFFIX)]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


class ProjectFiles(QObject):
    """File-menu verbs of ``window``. ``ask_to_save(action)`` decides Save/Discard/Cancel
    (a dialog; tests replace it). Signals: ``recoveryWritten(path)``."""

    recoveryWritten = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.path: Path | None = None
        self.ask_to_save: Callable[[str], Choice] = self._ask_with_dialog
        self._saved_step = 0
        self._latest_step = 0
        self._recovery_thread: threading.Thread | None = None
        name = f"{RECOVERY_PREFIX}{os.getpid()}{SUFFIX}"
        self.recovery_path = state_folder() / "recovery" / name
        self.recovery_timer = QTimer(self)
        self.recovery_timer.setInterval(int(RECOVERY_INTERVAL_S * 1000))
        self.recovery_timer.timeout.connect(self.write_recovery)
        self.recovery_timer.start()
        self.recent_menu = QMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        window.document.undo_stack.cleanChanged.connect(self._update_title)
        self._update_title()

    # -- state ----------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        clean = self.window.document.undo_stack.isClean()
        return not clean or self._latest_step != self._saved_step

    def note_step(self, step: int) -> None:
        """The training step the latest snapshot shows (training modifies a project)."""
        if step != self._latest_step:
            self._latest_step = step
            if self.modified != self.window.isWindowModified():
                self._update_title()

    def _mark_saved(self, path: Path | None) -> None:
        self.path = path
        self.window.document.undo_stack.setClean()
        self._saved_step = self._latest_step
        self._update_title()

    @Slot()
    def _update_title(self, *_: object) -> None:
        if not shiboken6.isValid(self.window):  # the undo stack speaks while the window goes
            return
        name = self.path.name if self.path else "untitled"
        self.window.setWindowTitle(f"{name}[*] — nnviz")
        self.window.setWindowModified(self.modified)

    # -- actions ----------------------------------------------------------------------------
    def add_actions(self, menu: QMenu) -> None:
        for text, shortcut, slot in (
            ("&Open project…", QKeySequence.StandardKey.Open, self.choose_and_open),
            ("&Save project", QKeySequence.StandardKey.Save, self.save),
            ("Save project &as…", QKeySequence.StandardKey.SaveAs, self.choose_and_save),
        ):
            action = QAction(text, self.window)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            if slot == self.choose_and_open:
                menu.addMenu(self.recent_menu)

    def save(self) -> bool:
        if self.path is None:
            return self.choose_and_save()
        return self.save_as(self.path)

    def choose_and_save(self) -> bool:
        start = str(self.path or Path.home() / f"network{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save project", start, f"nnviz projects (*{SUFFIX})"
        )
        if not path:
            return False
        return self.save_as(path if path.endswith(SUFFIX) else path + SUFFIX)

    def choose_and_open(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open project", "", f"nnviz projects (*{SUFFIX});;All files (*)"
        )
        return bool(path) and self.open(path)

    def save_as(self, path: str | os.PathLike[str]) -> bool:
        """Save everything needed to continue exactly; False (with a message) on failure."""
        try:
            project = self.window.controller.call(
                lambda session: project_from_session(session, self.window.run_settings())
            )
            saved = save_project(path, project)
        except (ProjectError, TimeoutError) as exc:
            self.window.banner.show_message(f"Could not save: {exc}")
            return False
        self._mark_saved(saved)
        self._remember(saved)
        self.window.statusBar().showMessage(f"Saved {saved}", 5000)
        return True

    def open(self, path: str | os.PathLike[str], *, ask: bool = True) -> bool:
        """Open a project after asking about unsaved work; a bad file changes nothing
        (same network, weights, data, title) and the banner names the file and problem."""
        if ask and not self.may_discard("opening another project"):
            return False
        try:
            project = load_project(path)
            session = session_from_project(project, str(path))
        except (ProjectError, DatasetError, OSError) as exc:
            logger.info("could not open %s: %s", path, exc)
            self.window.banner.show_message(f"Could not open the project: {exc}")
            return False
        self.window.start_session(session, dict(project.settings))
        self._latest_step = session.step_count
        self._mark_saved(Path(path))
        self._remember(Path(path))
        missing = ", ".join(project.missing)
        note = f" (an older file: it has no {missing}; those start anew)" if missing else ""
        self.window.statusBar().showMessage(f"Opened {path}{note}", 8000)
        return True

    def may_discard(self, action: str) -> bool:
        """True when unsaved work may go (saved, discarded, or there is none)."""
        if not self.modified:
            return True
        choice = self.ask_to_save(action)
        if choice is Choice.SAVE:
            return self.save()
        return choice is Choice.DISCARD

    def _ask_with_dialog(self, action: str) -> Choice:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"The network has changes that are not saved. Save them before {action}?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return Choice.SAVE
        return Choice.DISCARD if answer == buttons.Discard else Choice.CANCEL

    # -- recent files ---------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = settings().value("recentFiles", [])
        files = [value] if isinstance(value, str) else list(value or [])
        return [f for f in files if isinstance(f, str)][:MAX_RECENT]

    def _remember(self, path: Path) -> None:
        text = str(Path(path).resolve())
        files = [text, *(f for f in self.recent_files() if f != text)][:MAX_RECENT]
        store = settings()
        store.setValue("recentFiles", files)
        store.sync()

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.recent_files()
        if not files:
            menu.addAction("No recent projects").setEnabled(False)
        for number, path in enumerate(files, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open(p))

    # -- recovery -------------------------------------------------------------------------
    @Slot()
    def write_recovery(self) -> bool:
        """Write the recovery project in the background when there is unsaved work and no
        write is under way; True when one was started."""
        if not self.modified or self.window.controller.worker is None:
            return False
        if self._recovery_thread is not None and self._recovery_thread.is_alive():
            return False
        try:
            project = self.window.controller.call(
                lambda session: project_from_session(session, self.window.run_settings())
            )
        except (ProjectError, TimeoutError) as exc:
            logger.warning("no recovery file this time: %s", exc)
            return False
        target = self.recovery_path

        def write() -> None:
            try:
                save_project(target, project)
            except ProjectError:
                logger.exception("could not write the recovery file %s", target)
                return
            self.recoveryWritten.emit(str(target))

        self._recovery_thread = threading.Thread(target=write, name="nnviz-recovery")
        self._recovery_thread.start()
        return True

    def remove_recovery(self) -> None:
        """The work is saved or discarded on purpose: no recovery file is needed."""
        if self._recovery_thread is not None:
            self._recovery_thread.join(10)
        self.recovery_path.unlink(missing_ok=True)

    def restore_recovery(self, path: Path) -> bool:
        """Open a recovery file as unsaved work, then remove it."""
        if not self.open(path, ask=False):
            return False
        self.path = None
        self._saved_step = -1
        self._update_title()
        path.unlink(missing_ok=True)
        self.window.statusBar().showMessage("Restored the work that was not saved.", 8000)
        return True


class RecoveryBanner(Banner):
    """ "nnviz did not close properly: restore the unsaved work?" with Restore/Discard."""

    def __init__(self, projects: ProjectFiles, parent: QWidget | None = None) -> None:
        super().__init__("recoveryBanner", ("#dcecf9", "#0072b2", "#00304d"), parent)
        self.projects = projects
        self.path: Path | None = None
        self.restore_button = self.add_button("Restore", self._restore)
        self.discard_button = self.add_button("Discard", self._discard)

    def offer(self, path: Path) -> None:
        self.path = path
        when = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        self.show_message(
            f"nnviz did not close properly last time. Unsaved work from {when} was kept: "
            "restore it, or discard it."
        )

    def _restore(self) -> None:
        if self.path is not None and self.projects.restore_recovery(self.path):
            self.hide()

    def _discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        self.hide()
