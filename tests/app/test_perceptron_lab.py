"""The perceptron lab: its geometry (the line in the plot's raw coordinates), and the lab
in the real window — the slide's example in one click, dragging and turning the line."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from nnviz.app.plots.perceptron import (
    affine_encoding,
    clip_line,
    network_line,
    plot_line,
    turned,
)
from nnviz.data import DataConfig, prepare
from nnviz.engine.spec import LayerSpec

TIMEOUT_MS = 10_000


def test_standardized_inputs_give_an_affine_encoding_and_the_line_follows_it():
    data = prepare(DataConfig(kind="points", name="gaussian", normalization="standardize"))
    a, c = affine_encoding(data)
    mean, std = data.raw.train.x.mean(axis=0), data.raw.train.x.std(axis=0)
    np.testing.assert_allclose(np.diag(a), 1 / std)
    np.testing.assert_allclose(c, -mean / std)
    w0, w = 1.0, np.array([3.0, -2.0])
    b, v = plot_line(w0, w, a, c)
    ends = clip_line(b, v, data.bounds)
    # both ends lie on the network's boundary z = 0 once encoded
    np.testing.assert_allclose(data.encode(ends) @ w + w0, 0.0, atol=1e-9)
    back = network_line(b, v, a, c)
    assert back[0] == pytest.approx(w0) and np.allclose(back[1], w)


def test_engineered_features_have_no_line():
    data = prepare(DataConfig(kind="points", name="circle", features=("x1^2", "x2^2")))
    assert affine_encoding(data) is None


def test_turning_keeps_the_weights_length_and_which_side_is_which():
    v = np.array([3.0, -2.0])
    pivot = np.array([1.0, 2.0])
    b2, v2 = turned(-v @ pivot, v, pivot, np.array([2.0, 2.0]))  # the line turned to horizontal
    assert math.hypot(*v2) == pytest.approx(math.hypot(*v))
    assert v2[0] == pytest.approx(0.0) and v2 @ v > 0
    assert b2 + v2 @ pivot == pytest.approx(0.0)


def drag(widget, start: QPoint, end: QPoint) -> None:
    """A real mouse drag on a graphics view: press, move in steps, release. (pyqtgraph
    drops mouse moves that come faster than 60 per second: pause between them.)"""
    viewport = widget.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 6):
        QTest.qWait(25)
        QTest.mouseMove(viewport, start + (end - start) * (k / 5))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def to_widget(window, x: float, y: float) -> QPoint:
    plot = window.boundary_view.plot
    scene = plot.vb.mapViewToScene(QPointF(x, y))
    return window.boundary_view.graphics.mapFromScene(scene)


def weights_now(window) -> tuple[float, np.ndarray]:
    w, b = window.controller.latest.weights[0]
    return float(b[0]), w[:, 0].copy()


@pytest.fixture
def lab_window(qtbot, make_window):
    window = make_window("gaussian")
    window.boundary_dock.raise_()
    for dock in (
        window.neuron_dock,
        window.confusion_dock,
        window.diagnosis_dock,
        window.trace_dock,
    ):
        dock.hide()
    window.document.edit(
        window.document.spec.with_layers((LayerSpec(units=1, activation="sigmoid"),)),
        "A perceptron",
    )
    lab = window.perceptron_lab
    qtbot.waitUntil(lambda: lab.isVisible() and lab.weights is not None, timeout=TIMEOUT_MS)
    return window


def test_the_slides_example_in_one_click(qtbot, lab_window):
    window, lab = lab_window, lab_window.perceptron_lab
    qtbot.mouseClick(lab.example_button, Qt.MouseButton.LeftButton)

    def arrived() -> bool:
        w0, w = weights_now(window)
        return w0 == 1.0 and list(w) == [3.0, -2.0]

    qtbot.waitUntil(arrived, timeout=TIMEOUT_MS)
    text = lab.formula.text()
    assert "z = w0 + w1·x1 + w2·x2 = 1 + 3·(−2) − 2·2 = <b>−9</b>" in text
    assert "ŷ = σ(−9) = <b>0.00012339</b>" in text
    # the line 1 + 3·x1 − 2·x2 = 0 and the 0.1 / 0.9 contours (z = ∓ln 9) on the plot
    x, y = lab.line.getData()
    np.testing.assert_allclose(1 + 3 * x - 2 * y, 0.0, atol=1e-9)
    for item, z in zip(lab.contours, (-math.log(9), math.log(9)), strict=True):
        cx, cy = item.getData()
        np.testing.assert_allclose(1 + 3 * cx - 2 * cy, z, atol=1e-9)
    px, py = lab.probe.getData()
    assert (px[0], py[0]) == (-2.0, 2.0)
    # typing another input redoes the arithmetic
    assert lab.probe_label.toPlainText() == "X = [−2, 2]"
    lab.x2.setValue(-1.0)
    assert "1 + 3·(−2) − 2·(−1) = <b>−3</b>" in lab.formula.text()


def test_dragging_the_line_moves_it_and_turning_it_turns_it(qtbot, lab_window):
    window, lab = lab_window, lab_window.perceptron_lab
    qtbot.mouseClick(lab.example_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: weights_now(window)[0] == 1.0, timeout=TIMEOUT_MS)
    graphics = window.boundary_view.graphics
    entries = window.document.undo_stack.count()
    start = lab.move_handle.pos()
    press = to_widget(window, start.x(), start.y())
    release = press + QPoint(40, 0)
    drag(graphics, press, release)
    assert window.document.undo_stack.count() == entries + 1  # one drag, one undo entry
    qtbot.waitUntil(lambda: weights_now(window)[0] != 1.0, timeout=TIMEOUT_MS)
    w0, w = weights_now(window)
    np.testing.assert_allclose(w, [3.0, -2.0])  # moved, not turned
    dropped = lab.move_handle.pos()
    assert w0 + w @ np.array([dropped.x(), dropped.y()]) == pytest.approx(0.0, abs=1e-9)
    box = window.boundary_view.plot.vb
    target = box.mapSceneToView(graphics.mapToScene(release))
    # the line now passes where the mouse let go (to two pixels' accuracy)
    distance = abs(w0 + w @ np.array([target.x(), target.y()])) / math.hypot(*w)
    assert distance < 2 * box.viewPixelSize()[0]

    pivot = lab.move_handle.pos()
    turn = lab.turn_handle.pos()
    arm = math.hypot(turn.x() - pivot.x(), turn.y() - pivot.y())
    drag(
        graphics,
        to_widget(window, turn.x(), turn.y()),
        to_widget(window, pivot.x(), pivot.y() + arm),
    )
    qtbot.waitUntil(
        lambda: not np.allclose(weights_now(window)[1], [3.0, -2.0]), timeout=TIMEOUT_MS
    )
    w0, w = weights_now(window)
    assert math.hypot(*w) == pytest.approx(math.hypot(3.0, -2.0))
    assert abs(w[1]) < 0.2 * abs(w[0])  # now nearly vertical: x1 decides
    assert w0 + w @ np.array([pivot.x(), pivot.y()]) == pytest.approx(0.0, abs=1e-9)
    window.undo_action.trigger()
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: weights_now(window)[0] == 1.0, timeout=TIMEOUT_MS)
    np.testing.assert_array_equal(weights_now(window)[1], [3.0, -2.0])  # the slide, exactly


def test_the_lab_hides_when_the_network_has_a_hidden_layer(qtbot, lab_window):
    window, lab = lab_window, lab_window.perceptron_lab
    spec = window.document.spec
    window.document.edit(
        spec.with_layers((LayerSpec(units=4, activation="tanh"), *spec.layers)), "hidden"
    )
    assert not lab.isVisible() and not lab.line.isVisible()
    window.document.undo_stack.undo()
    assert lab.isVisible()
