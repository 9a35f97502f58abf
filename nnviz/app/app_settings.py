"""Where the app keeps its settings (window layout, recent files)."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings


def settings() -> QSettings:
    """The app's settings; tests point ``NNVIZ_SETTINGS_ORG`` elsewhere."""
    return QSettings(os.environ.get("NNVIZ_SETTINGS_ORG", "nnviz"), "nnviz")


#: How much presentation mode enlarges text (View → Presentation text size).
PRESENTATION_SCALE_KEY = "presentation/font_scale"
PRESENTATION_SCALES = (1.25, 1.5, 1.75, 2.0)
DEFAULT_PRESENTATION_SCALE = 1.5


def presentation_scale() -> float:
    """The saved presentation text scale (1.5 unless chosen otherwise)."""
    value = settings().value(PRESENTATION_SCALE_KEY, DEFAULT_PRESENTATION_SCALE)
    try:
        scale = float(value)
    except (TypeError, ValueError):
        return DEFAULT_PRESENTATION_SCALE
    return scale if 1.0 <= scale <= 3.0 else DEFAULT_PRESENTATION_SCALE


def set_presentation_scale(scale: float) -> None:
    settings().setValue(PRESENTATION_SCALE_KEY, float(scale))
