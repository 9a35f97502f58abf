"""The main window at a projector's 1280x800 and at 1920x1080: every panel usable without
horizontal scroll bars, no cut label or tab title, diagram text at least 11 px high, and
hovering a plot never resizes its dock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QGraphicsItem, QLabel, QScrollArea, QTabBar

from nnviz.app.diagram.items import TextItem
from nnviz.app.diagram.scene import MIN_TEXT_PX

SIZES = [(1280, 800), (1600, 1000), (1920, 1080)]


def laid_out(qtbot, make_window, size):
    window = make_window()
    qtbot.waitExposed(window)
    window.lay_out(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    qtbot.wait(50)  # the docks settle
    return window


def shown(widget) -> bool:
    """On screen (a dock in a tab not chosen keeps isVisible() but shows nothing)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


@pytest.mark.parametrize("size", SIZES)
def test_no_panel_scrolls_sideways_and_nothing_is_cut(qtbot, make_window, size):
    window = laid_out(qtbot, make_window, size)
    assert window.size().toTuple() == size  # the window does not outgrow the screen
    for area in window.findChildren(QScrollArea):
        if shown(area):
            assert not area.horizontalScrollBar().isVisible(), area.parent().objectName()
    for label in window.findChildren(QLabel):
        text = label.text()
        if not shown(label) or not text or label.wordWrap() or "<" in text:
            continue
        if label.sizePolicy().horizontalPolicy().name == "Ignored":
            continue  # a readout row: as wide as its plot by design
        widest = max(label.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))
        assert label.contentsRect().width() >= widest, text
    for combo in window.findChildren(QComboBox):
        if shown(combo) and combo.currentText():
            needed = combo.fontMetrics().horizontalAdvance(combo.currentText())
            assert combo.width() >= needed + 20, combo.currentText()  # + the arrow
    for bar in window.findChildren(QTabBar):
        if shown(bar):
            for i in range(bar.count()):
                assert bar.tabRect(i).width() >= bar.tabSizeHint(i).width() - 1, bar.tabText(i)
    combo = window.activation_view.layer_combo
    assert combo.currentText().startswith("hidden 1: ")
    assert combo.width() >= combo.fontMetrics().horizontalAdvance(combo.currentText()) + 20


@pytest.mark.parametrize("size", SIZES)
def test_diagram_text_is_at_least_eleven_pixels_high(qtbot, make_window, size):
    window = laid_out(qtbot, make_window, size)
    view = window.diagram
    zoom = view.transform().m11()
    texts = [item for item in view.diagram.items() if isinstance(item, TextItem)]
    assert len(texts) > 10
    for item in texts:
        # the palette row keeps its pixel size whatever the zoom
        fixed = item.flags() & QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
        if item.isVisible():
            shown_px = item.em_pixels() * item.scale() * (1.0 if fixed else zoom)
            assert shown_px >= MIN_TEXT_PX - 0.01, item.text()


def test_the_hyperparameters_have_room_at_1280x800(qtbot, make_window):
    window = laid_out(qtbot, make_window, (1280, 800))
    window.hyper_dock.raise_()
    qtbot.wait(50)
    panel = window.hyperparameters
    area = window.hyper_dock.widget()
    controls = (panel.lr_spin, panel.batch_spin, panel.optimizer_combo, panel.schedule_combo)
    controls += (panel.loss_combo, panel.initializer_combo, panel.reg_combo, panel.dropout_spin)
    rows = [w for w in controls if w.isVisible()]
    bottom = area.viewport().rect().bottom()
    visible = [w for w in rows if w.mapTo(area.viewport(), QPoint(0, w.height())).y() <= bottom]
    assert len(visible) >= 8


def test_hovering_the_plots_never_resizes_their_docks(qtbot, make_window):
    window = laid_out(qtbot, make_window, (1280, 800))
    window.controller.step_epoch()
    qtbot.waitUntil(
        lambda: window.controller.latest is not None and window.controller.latest.epoch >= 1
    )
    window.controller.step_epoch()
    qtbot.waitUntil(lambda: window.controller.latest.epoch >= 2)
    qtbot.wait(300)  # the curves redraw
    docks = [d for d in window.docks if d.isVisible()]
    before = [d.geometry() for d in docks]
    texts = set()
    for view in (window.curves.graphics, window.boundary_view.graphics):
        rect = view.viewport().rect()
        for fx in (0.2, 0.5, 0.8):
            QTest.mouseMove(view.viewport(), QPoint(int(rect.width() * fx), rect.height() // 2))
            qtbot.wait(20)
            texts.add(window.curves.readout.text())
    assert len(texts) > 1  # the readout did change while hovering
    assert [d.geometry() for d in docks] == before
