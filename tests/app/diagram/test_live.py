"""Live weights from snapshots, the hover card, and typing a weight or bias."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPalette, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsPixmapItem

from nnviz.app.diagram.items import ConnectionBlock, LayerFrame, NeuronItem, TextItem
from nnviz.engine.spec import LayerSpec, NetworkSpec
from nnviz.live.layout import NEURON_RADIUS, fan_ins
from nnviz.live.snapshot import TrainingSnapshot

from .conftest import click, drag, hover, neuron_pos, to_view, two_d_spec


def random_weights(spec: NetworkSpec, seed: int = 0):
    rng = np.random.default_rng(seed)
    return tuple(
        (rng.normal(size=(n_in, layer.units)), rng.normal(size=layer.units))
        for n_in, layer in zip(fan_ins(spec), spec.dense_layers, strict=True)
    )


def test_snapshot_colours_and_widths_follow_the_weights(make_view):
    view = make_view()
    spec = view.document.spec
    weights = list(random_weights(spec))
    w = np.array([[0.1, -2.0, 0.5, 1.0], [-0.2, 0.0, 1.9, -1.0]])
    weights[0] = (w, np.zeros(4))
    view.show_snapshot(TrainingSnapshot(weights=tuple(weights)))
    block = view.diagram.blocks[0]
    assert block.shape_in_out == (2, 4)
    np.testing.assert_array_equal(block.value, w)
    widths = block.pen_widths()
    # thicker for larger |w|, whatever the sign
    assert widths[0, 1] > widths[1, 3] > widths[0, 2] > widths[1, 0]
    assert widths[0, 1] == pytest.approx(widths.max())
    # snapshots without weights (or of another shape) leave the lines neutral
    view.show_snapshot(SimpleNamespace())
    assert view.diagram.blocks[0].value is None
    other = random_weights(NetworkSpec(input_dim=3, layers=spec.layers))
    view.show_snapshot(TrainingSnapshot(weights=other))
    assert view.diagram.blocks[0].value is None
    assert view.diagram.blocks[1].value is not None  # layers of matching shape still shown


def test_edits_keep_weights_of_layers_whose_shape_did_not_change(make_view):
    view = make_view()
    view.show_snapshot(TrainingSnapshot(weights=random_weights(view.document.spec)))
    view.resize_layer(2, 5)  # changes the shapes of dense layers 1 and 2
    values = [block.value for block in view.diagram.blocks]
    assert values[0] is not None and values[1] is None and values[2] is None


def test_a_512_unit_layer_is_one_bundle(make_view):
    spec = NetworkSpec(
        input_dim=2, layers=(LayerSpec(units=512), LayerSpec(units=512), LayerSpec(units=1))
    )
    view = make_view(spec)
    scene = view.diagram
    assert [c.collapsed for c in scene.columns] == [False, True, True, False]
    assert not any(k[0] in (1, 2) for k in scene.neurons)
    assert [b.shape_in_out for b in scene.blocks] == [(2, 1), (1, 1), (1, 1)]
    weights = random_weights(spec)
    view.show_snapshot(TrainingSnapshot(weights=weights))
    # a bundle-to-bundle connection shows the (sampled) mean and RMS weight
    assert scene.blocks[1].value[0, 0] == pytest.approx(weights[1][0].mean(), abs=0.01)
    assert scene.blocks[1].magnitude[0, 0] == pytest.approx(1.0, abs=0.02)
    items = [i for i in scene.items() if isinstance(i, ConnectionBlock)]
    assert len(items) == 3
    assert len(scene.items()) < 80
    texts = [i.text() for i in scene.items() if hasattr(i, "text") and callable(i.text)]
    assert "Total: 264\u202f705 parameters" in texts


def test_hover_card_shows_the_formula_numbers_and_heatmap(make_view):
    view = make_view()
    spec = view.document.spec
    weights = random_weights(spec)
    grids = tuple(
        np.linspace(-0.25, 0.75, layer.units * 25, dtype=np.float32).reshape(layer.units, 5, 5)
        for layer in spec.dense_layers
    )
    view.show_snapshot(TrainingSnapshot(weights=weights, neuron_grids=grids))
    hover(view, neuron_pos(view, 2, 1))
    card = view.diagram.card
    assert card.isVisible()
    text = card.text()
    w, b = weights[1][0][:, 1], weights[1][1][1]
    assert text.startswith("Hidden 2, neuron 2")
    assert "a = relu(z)" in text
    assert f"z = {w[0]:.3g}·a1".replace("-", "−") in text
    assert f"b = {b:.3g}".replace("-", "−") in text
    assert "(0 more)" not in text
    a = grids[1][1]
    low, high = (f"{v:.3g}".replace("-", "−") for v in (a.min(), a.max()))
    assert f"over the plane, a goes from {low} to {high}:" in text
    assert card.image is not None and card.image.width() == 5
    hover(view, QPoint(5, view.viewport().height() - 5))
    assert not card.isVisible()


def test_click_a_weight_and_type_a_value(make_view, qtbot):
    view = make_view()
    view.show_snapshot(TrainingSnapshot(weights=random_weights(view.document.spec)))
    block = view.diagram.blocks[2]  # hidden 2 (3 units) → output (1 unit)
    click(view, to_view(view, block.line_midpoint(2, 0, 0.4)))
    editor = view.value_editor
    assert editor is not None and editor.isVisible()
    with qtbot.waitSignal(view.parameterEdited) as blocker:
        editor.clear()
        QTest.keyClicks(editor, "-1.25")
        QTest.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args == [2, "W", (2, 0), -1.25]
    assert view.value_editor is None
    assert view.diagram.weights[2][0][2, 0] == -1.25  # drawn at once, before a snapshot


def test_click_a_bias_and_type_a_value(make_view, qtbot):
    view = make_view()
    view.show_snapshot(TrainingSnapshot(weights=random_weights(view.document.spec)))
    neuron = view.diagram.neurons[(1, 3)]  # hidden 1, unit 4
    bias = to_view(view, neuron.mapToScene(neuron.bias_rect().center()))
    click(view, bias)
    assert view.value_editor is not None
    with qtbot.waitSignal(view.parameterEdited) as blocker:
        view.value_editor.setText("0,5")  # a decimal comma is read too
        QTest.keyClick(view.value_editor, Qt.Key.Key_Enter)
    assert blocker.args == [0, "b", (3,), 0.5]


def test_a_typed_value_that_is_not_a_number_is_refused(make_view, qtbot):
    view = make_view()
    block = view.diagram.blocks[1]
    click(view, to_view(view, block.line_midpoint(0, 0, 0.6)))
    received = []
    view.parameterEdited.connect(lambda *args: received.append(args))
    with qtbot.waitSignal(view.message) as blocker:
        view.value_editor.setText("abc")
        QTest.keyClick(view.value_editor, Qt.Key.Key_Return)
    assert "not a number" in blocker.args[0]
    assert received == []
    assert view.value_editor is not None  # still open to fix the value
    QTest.keyClick(view.value_editor, Qt.Key.Key_Escape)


def test_weights_of_a_collapsed_layer_are_not_editable(make_view):
    spec = NetworkSpec(input_dim=2, layers=(LayerSpec(units=64), LayerSpec(units=1)))
    view = make_view(spec)
    block = view.diagram.blocks[1]
    click(view, to_view(view, block.line_midpoint(0, 0, 0.5)))
    assert view.value_editor is None


def test_arrow_keys_walk_the_layers_and_zoom_keys_zoom(make_view):
    view = make_view(two_d_spec())
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert view.selected_spec_index == -1  # first press selects the input
    for expected in (0, 1, 2, 3, 3):
        QTest.keyClick(view, Qt.Key.Key_Right)
        assert view.selected_spec_index == expected
    assert view.diagram.frames[4].selected and not view.diagram.frames[3].selected
    QTest.keyClick(view, Qt.Key.Key_Left)
    assert view.selected_spec_index == 2
    scale = view.transform().m11()
    QTest.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.transform().m11() == pytest.approx(scale * 1.2)
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.transform().m11() == pytest.approx(scale / 1.2)
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.transform().m11() == pytest.approx(scale)
    assert view.document.spec == two_d_spec()  # navigation and zoom edit nothing


def test_hover_card_stays_inside_the_view(make_view):
    view = make_view()
    view.show_snapshot(TrainingSnapshot(weights=random_weights(view.document.spec)))
    output = view.diagram.neurons[(4, 0)]  # the output neuron, at the right edge
    hover(view, to_view(view, output.scenePos()))
    card = view.diagram.card
    assert card.isVisible()
    scale = view.transform().m11()
    rect = card.boundingRect()
    top_left = view.mapFromScene(card.pos())
    assert top_left.x() >= 0 and top_left.y() >= 0
    assert top_left.x() + rect.width() <= view.viewport().width() + 1
    assert top_left.y() + rect.height() <= view.viewport().height() + 1
    assert card.pos().x() + rect.width() / scale < output.x()  # moved to the left side
    # the widest line fits the card
    assert rect.width() >= 16 + max(len(line) for line in card.lines) * 4


def test_wheel_zooms_and_dragging_the_background_pans(make_view, qtbot):
    view = make_view()
    scale = view.transform().m11()
    centre = QPoint(view.viewport().width() // 2, view.viewport().height() // 2)
    for _ in range(3):
        wheel = QWheelEvent(
            QPointF(centre),
            QPointF(view.viewport().mapToGlobal(centre)),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(view.viewport(), wheel)
    assert view.transform().m11() == pytest.approx(scale * 1.2**3)
    # a press on empty background pans instead of editing
    size = view.viewport().size()
    empty = next(
        point
        for x in range(5, size.width() // 2, 10)
        for y in range(5, size.height(), 10)
        if view.target_at(point := QPoint(x, y)) == ("", None)
    )
    before = view.horizontalScrollBar().value()
    drag(view, empty, empty + QPoint(150, 0))
    assert view.horizontalScrollBar().value() < before
    assert view.document.undo_stack.count() == 0


def test_hovering_a_connection_shows_its_weight(make_view):
    view = make_view()
    view.set_input_description(["x1", "x1²"], None)
    weights = random_weights(view.document.spec)
    view.show_snapshot(TrainingSnapshot(weights=weights))
    hover(view, to_view(view, view.diagram.blocks[0].line_midpoint(1, 2, 0.5)))
    lines = view.diagram.card.lines
    assert lines[0] == "weight x1² → neuron 3 of layer 1"
    assert lines[1].startswith("= " + f"{weights[0][0][1, 2]:.3g}".replace("-", "−"))


def test_input_neurons_draw_their_feature_over_the_plane(make_view):
    from nnviz.live.snapshot import Boundary

    view = make_view(NetworkSpec(input_dim=2, layers=(LayerSpec(units=1),)))
    view.set_input_description(["x1", "x1²"], None)
    grids = (np.zeros((1, 5, 5), np.float32),)
    boundary = Boundary(np.zeros((5, 5), np.float32), (-2.0, 2.0, -1.0, 1.0))
    view.show_snapshot(TrainingSnapshot(neuron_grids=grids, boundary=boundary))
    x1, x1_squared = (view.diagram.neurons[(0, u)].image for u in (0, 1))
    assert x1 is not None and x1_squared is not None
    left, right = x1.pixelColor(0, 10), x1.pixelColor(x1.width() - 1, 10)
    assert left.blue() > left.red() and right.red() > right.blue()  # negative → blue
    left, right = x1_squared.pixelColor(0, 10), x1_squared.pixelColor(x1.width() - 1, 10)
    assert left.red() > left.blue() and right.red() > right.blue()  # x1² ≥ 0 everywhere
    # kept across an edit (the scene is rebuilt), cleared when a snapshot has no plane
    view.document.edit(view.document.spec.with_layer(0, initializer="he_normal"), "init")
    assert view.diagram.neurons[(0, 0)].image is not None
    view.show_snapshot(TrainingSnapshot())
    assert view.diagram.neurons[(0, 0)].image is None

    def picture(neuron: NeuronItem) -> QGraphicsPixmapItem:
        return next(c for c in neuron.childItems() if isinstance(c, QGraphicsPixmapItem))

    neuron = view.diagram.neurons[(0, 0)]
    assert not picture(neuron).isVisible()  # the plain circle again
    view.show_snapshot(TrainingSnapshot(neuron_grids=grids, boundary=boundary))
    view.show_snapshot(TrainingSnapshot(neuron_grids=grids, boundary=boundary))
    shown = picture(neuron)
    assert shown.isVisible() and not shown.pixmap().isNull()
    # scaled to fill the circle, whatever the picture's size
    assert shown.sceneBoundingRect().width() == pytest.approx(2 * NEURON_RADIUS - 2, abs=0.5)


def test_a_diverged_snapshot_still_draws(make_view, recwarn):
    view = make_view()
    spec = view.document.spec
    weights = list(random_weights(spec))
    w, b = weights[0]
    w, b = w.copy(), b.copy()
    w[0, 0], w[1, 1], b[2] = np.inf, np.nan, -np.inf
    weights[0] = (w, b)
    grids = tuple(np.full((layer.units, 4, 4), np.nan, np.float32) for layer in spec.dense_layers)
    view.show_snapshot(TrainingSnapshot(weights=tuple(weights), neuron_grids=grids))
    widths = view.diagram.blocks[0].pen_widths()
    assert widths[0, 0] == pytest.approx(widths.max())  # overflowed: drawn at full strength
    assert view.diagram.neurons[(1, 2)].bias_scale == 1.0
    view.grab()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_dragging_from_a_line_opens_no_editor(make_view):
    view = make_view()
    start = to_view(view, view.diagram.blocks[2].line_midpoint(1, 0, 0.5))
    drag(view, start, start + QPoint(30, 30))
    assert view.value_editor is None
    assert view.document.undo_stack.count() == 0


def test_live_redraws_run_no_python_painting_and_a_new_palette_repaints_the_text(
    qtbot, monkeypatch, make_view
):
    """Each snapshot repaints the area of the lines; the items painted in Python there
    (texts, frames, buttons) are copied from their cached pixmaps, and the neurons and
    line blocks, drawn by their native children, are not painted at all."""
    painted: list[str] = []
    for cls in (TextItem, LayerFrame, NeuronItem, ConnectionBlock):
        original = cls.paint

        def counting(item, *args, _original=original, _name=cls.__name__):
            painted.append(_name)
            return _original(item, *args)

        monkeypatch.setattr(
            cls, "paint", counting
        )  # before the items exist: PySide looks it up then
    view = make_view()
    spec = view.document.spec
    view.show_snapshot(TrainingSnapshot(weights=random_weights(spec, 0)))
    qtbot.wait(50)
    assert "TextItem" in painted and "LayerFrame" in painted  # painted once, then cached
    painted.clear()
    viewport = view.viewport()
    before = viewport.grab().toImage()
    for seed in (1, 2, 3):
        view.show_snapshot(TrainingSnapshot(weights=random_weights(spec, seed)))
        QApplication.processEvents()
    assert viewport.grab().toImage() != before  # the lines were redrawn
    painted.clear()  # (grab paints everything: count only the live redraws)
    for seed in (4, 5):
        view.show_snapshot(TrainingSnapshot(weights=random_weights(spec, seed)))
        QApplication.processEvents()
    assert painted == []

    dark = QPalette(view.palette())
    dark.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
    view.setPalette(dark)  # as a darker desktop theme does
    QApplication.processEvents()
    assert "TextItem" in painted  # the palette change renewed the cached texts
    shown = view.mapToScene(viewport.rect()).boundingRect()
    texts = [
        item
        for item in view.diagram.items()
        if isinstance(item, TextItem)
        and item.isVisible()
        and shown.contains(item.sceneBoundingRect())
    ]
    assert texts and {text.brush().color().name() for text in texts} == {"#f0f0f0"}
    circles = {neuron._circle.pen().color().name() for neuron in view.diagram.neurons.values()}
    assert circles == {"#f0f0f0"}  # the native parts too
