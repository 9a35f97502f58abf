"""Helpers for driving the diagram view with real mouse and key events."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from nnviz.app.diagram.view import NetworkDiagramView
from nnviz.app.document import NetworkDocument
from nnviz.engine.spec import LayerSpec, NetworkSpec


def two_d_spec() -> NetworkSpec:
    return NetworkSpec(
        input_dim=2,
        layers=(
            LayerSpec(units=4, activation="tanh"),
            LayerSpec(kind="dropout", rate=0.3),
            LayerSpec(units=3, activation="relu"),
            LayerSpec(units=1, activation="sigmoid"),
        ),
    )


@pytest.fixture
def make_view(qtbot) -> Callable[..., NetworkDiagramView]:
    def make(spec: NetworkSpec | None = None) -> NetworkDiagramView:
        document = NetworkDocument(spec or two_d_spec())
        view = NetworkDiagramView(document)
        qtbot.addWidget(view)
        view.resize(1000, 640)
        view.show()
        qtbot.waitExposed(view)
        return view

    return make


def to_view(view: NetworkDiagramView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def drag(view: NetworkDiagramView, start: QPoint, end: QPoint, steps: int = 6) -> None:
    """Press at ``start``, move in ``steps`` steps, release at ``end`` (view coordinates)."""
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, steps + 1):
        point = start + (end - start) * (k / steps)
        QTest.mouseMove(viewport, point)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def click(view: NetworkDiagramView, point: QPoint) -> None:
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def neuron_pos(view: NetworkDiagramView, spec_index: int, unit: int) -> QPoint:
    scene = view.diagram
    return to_view(view, scene.neurons[(scene.column_of_spec(spec_index), unit)].scenePos())


def column_pos(view: NetworkDiagramView, spec_index: int) -> QPoint:
    """A point on a layer's column (between two neurons when it has any); -1: the input."""
    column = view.diagram.columns[view.diagram.column_of_spec(spec_index)]
    return to_view(view, QPointF(column.x, (column.top + column.bottom) / 2 + 3))


def hover(view: NetworkDiagramView, point: QPoint) -> None:
    """Move the pointer onto ``point`` from one pixel away (QTest drops a move to the
    position the pointer is already at)."""
    QTest.mouseMove(view.viewport(), point + QPoint(1, 1))
    QTest.mouseMove(view.viewport(), point)
