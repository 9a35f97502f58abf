"""The main window's layout on small screens (a 1280x800 projector) and large ones.

Kept out of the views' own modules: these are decisions about how the panels share a
window, not about what a panel shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QSizePolicy, QTabBar, QWidget

#: Below this window width the activation plot shares a tab with the layer statistics
#: (three plots side by side need about 1500 pixels beside the left panels: at 1600 the
#: layer statistics ran off the window's right edge).
WIDE_WINDOW = 1800


def steady_readout(label: QLabel, host: QWidget) -> None:
    """Give a label whose text changes as the mouse moves (a plot's hover readout) a row
    of its own at the bottom of ``host``, one line high, as wide as the plot. Its text
    then never changes the widget's size hint, so hovering never resizes the dock, and the
    header row above the plot needs less width."""
    layout = host.layout()
    parent_layout = label.parentWidget().layout() if label.parentWidget() else None
    if parent_layout is not None:
        for item in _layouts(parent_layout):
            if item.indexOf(label) >= 0:
                item.removeWidget(label)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setMinimumWidth(0)
    label.setFixedHeight(label.fontMetrics().height() + 4)
    layout.addWidget(label)


def _layouts(layout):  # type: ignore[no-untyped-def]
    """``layout`` and every layout nested in it."""
    yield layout
    for i in range(layout.count()):
        child = layout.itemAt(i).layout()
        if child is not None:
            yield from _layouts(child)


def combo_fits_its_items(combo: QComboBox) -> None:
    """A combo box as wide as its longest item ("hidden 1: relu", never "hidden 1: t")."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    # Fixed: the layout may not squeeze it below the width of its text
    combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)


def dock_tab_bars_keep_titles(window: QMainWindow) -> None:
    """Dock tabs show whole titles (scroll arrows when they do not fit, never "Dat...")."""
    for bar in window.findChildren(QTabBar):
        bar.setElideMode(Qt.TextElideMode.ElideNone)
        bar.setUsesScrollButtons(True)
