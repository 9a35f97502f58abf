"""Fixtures for the app tests: a main-window factory that always stops training, and a
guard that no QThread outlives its test (a running QThread at exit aborts pytest)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from nnviz.app.main_window import MainWindow
from nnviz.app.projects import Choice, ProjectFiles


@pytest.fixture(autouse=True)
def isolated_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Window layouts, recent files and recovery files go to temporary folders, never to
    the user's."""
    folder = tmp_path_factory.mktemp("settings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    monkeypatch.setenv("NNVIZ_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    # closing a window with unsaved work would open a modal dialog and wait forever
    monkeypatch.setattr(ProjectFiles, "_ask_with_dialog", lambda _self, _action: Choice.DISCARD)
    yield


@pytest.fixture(autouse=True)
def log_dir(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app's log goes to a temporary folder, never to the user's state folder."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("NNVIZ_LOG_DIR", str(folder))
    return folder


@pytest.fixture
def make_window(qtbot: Any) -> Iterator[Callable[..., MainWindow]]:
    """``make_window(dataset="spiral", full_speed=True, **kwargs)`` opens a MainWindow
    (training at full speed unless ``full_speed=False``); teardown stops its training
    thread (flag, quit, wait) and closes it."""
    windows: list[MainWindow] = []

    def factory(dataset: str = "spiral", full_speed: bool = True, **kwargs: Any) -> MainWindow:
        kwargs.setdefault("restore_layout", False)
        window = MainWindow(dataset, **kwargs)
        if full_speed:  # the app opens at a watchable speed; tests train flat out
            window.training_panel.set_epochs_per_second(None)
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        windows.append(window)
        return window

    yield factory
    for window in windows:
        thread = window.controller.training_thread
        window.controller.stop()
        if thread is not None:
            thread.quit()
            assert thread.wait(5000), "the training thread did not stop"
        window.close()
