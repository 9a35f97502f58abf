"""Presentation mode (View → Presentation mode, F5): a projector-friendly window.

Text is enlarged by the presentation scale (a setting, 1.5x by default; View →
Presentation text size), the settings panels and the diagram's editing aids (palette,
hint) are hidden, and the docks are reduced to the diagram, the decision boundary (the
test-image gallery for images) and the loss curves.
Leaving restores the exact previous layout (``saveState``/``restoreState``) and fonts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QByteArray, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QFont, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from nnviz.app.app_settings import (
    PRESENTATION_SCALES,
    presentation_scale,
    set_presentation_scale,
)

if TYPE_CHECKING:
    from nnviz.app.main_window import MainWindow


def scaled_font(font: QFont, factor: float) -> QFont:
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * factor)
    else:
        scaled.setPixelSize(round(font.pixelSize() * factor))
    return scaled


class PresentationMode(QObject):
    """Installs View → Presentation mode on ``window`` and switches it on and off."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.active = False
        self._saved_state: QByteArray | None = None
        self._saved_font: QFont | None = None
        self._plot_fonts: list[tuple[pg.AxisItem, QFont, float | None, float | None]] = []
        self.action = QAction("Presentation mode", window)
        self.action.setObjectName("presentation")
        self.action.setCheckable(True)
        self.action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+Shift+P")])
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setStatusTip(
            "Large text and only the diagram, the decision boundary and the loss curves "
            "(for a projector); press F5 again to leave."
        )
        self.action.toggled.connect(self.set_enabled)
        window.addAction(self.action)
        self.scale_menu = QMenu("Presentation text size", window)
        group = QActionGroup(self.scale_menu)
        for scale in PRESENTATION_SCALES:
            choice = self.scale_menu.addAction(f"{scale:g}x")
            choice.setCheckable(True)
            choice.setChecked(scale == presentation_scale())
            choice.triggered.connect(lambda _checked=False, s=scale: self.set_scale(s))
            group.addAction(choice)

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.action)
        menu.addMenu(self.scale_menu)

    def shown_docks(self) -> list[QDockWidget]:
        """The docks presentation mode keeps: the plane (or the images) and the curves."""
        w = self.window
        plane = w.gallery_dock if w.data.image_shape is not None else w.boundary_dock
        return [plane, w.curves_dock]

    def set_scale(self, scale: float) -> None:
        """Save ``scale`` as the presentation text size (applied at once when on)."""
        set_presentation_scale(scale)
        if self.active:
            self._scale_text(scale)

    def set_enabled(self, on: bool) -> None:
        if on == self.active:
            return
        w = self.window
        if on:
            self._saved_state = w.saveState()
            self._saved_font = QFont(w.font())
            self.active = True
            plane, curves = self.shown_docks()
            for dock in w.findChildren(QDockWidget):  # every dock, other features' too
                if dock not in (plane, curves):
                    dock.hide()
            for dock in (plane, curves):
                dock.setFloating(False)
                dock.show()
                dock.raise_()
            w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, plane)
            w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, curves)
            w.resizeDocks([plane], [max(w.width() * 2 // 5, 300)], Qt.Orientation.Horizontal)
            w.resizeDocks([curves], [max(w.height() // 3, 200)], Qt.Orientation.Vertical)
            self._scale_text(presentation_scale())
            w.statusBar().showMessage("Presentation mode: Space plays and pauses, F5 leaves.", 8000)
        else:
            self.active = False
            self._scale_text(1.0)
            if self._saved_state is not None:
                w.restoreState(self._saved_state)
        if self.action.isChecked() != on:
            self.action.setChecked(on)
        w.diagram.fit_to_view()

    def _scale_text(self, factor: float) -> None:
        """Widgets, diagram labels and plot axes at ``factor`` times their normal size."""
        w = self.window
        if self._saved_font is None:
            return
        w.setFont(scaled_font(self._saved_font, factor) if factor != 1.0 else self._saved_font)
        w.diagram.diagram.set_text_scale(factor)
        w.diagram.diagram.set_editing_aids_visible(factor == 1.0)
        for axis, font, width, height in self._plot_fonts:
            axis.setStyle(tickFont=None)
            axis.label.setFont(font)
            axis.setWidth(width)
            axis.setHeight(height)
        self._plot_fonts = []
        if factor == 1.0:
            return
        for dock in self.shown_docks():
            for view in dock.findChildren(pg.GraphicsView):
                for item in view.scene().items():
                    if isinstance(item, pg.AxisItem):
                        # None: the axis sizes itself again, as pyqtgraph does by default
                        fixed_width = item.fixedWidth
                        fixed_height = item.fixedHeight
                        self._plot_fonts.append(
                            (item, QFont(item.label.font()), fixed_width, fixed_height)
                        )
                        item.setStyle(tickFont=scaled_font(self._saved_font, factor))
                        item.label.setFont(scaled_font(item.label.font(), factor))
                        if item.orientation in ("left", "right"):
                            item.setWidth(round(item.width() * factor))
                        else:
                            item.setHeight(round(item.height() * factor))
