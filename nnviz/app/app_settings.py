"""Where the app keeps its settings (window layout, recent files)."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings


def settings() -> QSettings:
    """The app's settings; tests point ``NNVIZ_SETTINGS_ORG`` elsewhere."""
    return QSettings(os.environ.get("NNVIZ_SETTINGS_ORG", "nnviz"), "nnviz")
