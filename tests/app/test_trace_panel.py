"""The trace panel driven as a user does: type the slide's input, walk the stages with
the buttons and the arrow keys, pick a weight to update; click the boundary plot."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nnviz.app.document import NetworkDocument
from nnviz.app.trace_panel import TracePanel, stages
from nnviz.data import DataConfig, prepare
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec
from nnviz.live.session import TrainingSession
from nnviz.live.trace import trace_sample

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def gaussian():
    return prepare(DataConfig(kind="points", name="gaussian", n_samples=100, noise=0.5))


def perceptron_snapshot(data):
    spec = NetworkSpec(
        input_dim=2,
        layers=(LayerSpec(units=1, activation="sigmoid"),),
        optimizer=OptimizerSpec("sgd", 0.5),
    )
    session = TrainingSession(spec, data)
    session.set_parameter(0, "W", (0, 0), 3.0)
    session.set_parameter(0, "W", (1, 0), -2.0)
    session.set_parameter(0, "b", 0, 1.0)
    return spec, session.snapshot()


def test_the_slides_example_step_by_step(qtbot, gaussian):
    spec, snapshot = perceptron_snapshot(gaussian)
    panel = TracePanel(NetworkDocument(spec))
    qtbot.addWidget(panel)
    panel.show()
    panel.set_data(gaussian)
    panel.show_snapshot(snapshot)
    qtbot.keyClicks(panel.input_edit, "-2, 2")
    panel.target_combo.setCurrentIndex(0)
    qtbot.mouseClick(panel.trace_button, Qt.MouseButton.LeftButton)
    html = panel.text.toPlainText()
    assert "z1 = 1 + 3·(−2) − 2·2 = −9" in html
    assert "a1 = sigmoid(−9) = 0.00012339" in html
    assert panel.stage_label.text() == "1 / 4" and not panel.back_button.isEnabled()
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    y_hat = 1 / (1 + math.exp(9))
    text = panel.text.toPlainText()
    assert "L = −[y·ln ŷ + (1 − y)·ln(1 − ŷ)]" in text
    assert f"= {-math.log(1 - y_hat):.5g}".replace("e-", "e−") in text
    qtbot.keyClick(panel, Qt.Key.Key_Right)
    text = panel.text.toPlainText()
    assert "Backward, layer 1" in text and "∂L/∂z = ∂L/∂a ⊙ sigmoid′(z)" in text
    qtbot.keyClick(panel, Qt.Key.Key_Right)
    assert panel.stage_label.text() == "4 / 4" and not panel.next_button.isEnabled()
    assert panel.weight_box.isVisible()
    panel.row_spin.setValue(2)  # w2 = −2, x2 = 2: ∂L/∂w2 = 2·ŷ
    update = panel.trace.update(0, 1, 0)
    assert update.gradient == pytest.approx(2 * y_hat)
    assert update.after == pytest.approx(-2 - 0.5 * 2 * y_hat)
    text = panel.text.toPlainText()
    assert "w ← w − η·∂L/∂w = −2 − 0.5·(" in text and "W(1)[2, 1]" in text
    qtbot.keyClick(panel, Qt.Key.Key_Left)
    assert panel.stage_label.text() == "3 / 4"


def test_a_deep_network_walks_forward_then_backward(qtbot, gaussian):
    spec = NetworkSpec(
        input_dim=2,
        layers=(
            LayerSpec(units=3, activation="tanh"),
            LayerSpec(units=2, activation="relu"),
            LayerSpec(units=1, activation="sigmoid"),
        ),
    )
    session = TrainingSession(spec, gaussian)
    session.step()
    snapshot = session.snapshot()
    panel = TracePanel(NetworkDocument(spec))
    qtbot.addWidget(panel)
    panel.set_data(gaussian)
    panel.show_snapshot(snapshot)
    point = gaussian.raw.train.x[5]
    panel.trace_raw(point, int(gaussian.raw.train.y[5]))
    expected = trace_sample(spec, snapshot.weights, gaussian.x_train[5], gaussian.raw.train.y[5])
    assert panel.trace.loss == expected.loss
    names = []
    for _ in stages(3):
        names.append(panel.stage_name)
        panel.next_stage()
    assert names == [
        ("forward", 0),
        ("forward", 1),
        ("forward", 2),
        ("loss", -1),
        ("backward", 2),
        ("backward", 1),
        ("backward", 0),
        ("update", -1),
    ]


def test_clicking_the_boundary_traces_the_nearest_training_point(qtbot, make_window):
    window = make_window("xor")
    window.trace_dock.raise_()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    assert not window.trace_panel._marker.isVisible()  # nothing traced: no marker to paint
    train = window.data.raw.train
    target = train.x[7]
    plot = window.boundary_view.plot
    scene_point = plot.vb.mapViewToScene(QPointF(float(target[0]), float(target[1])))
    widget = window.boundary_view.graphics
    qtbot.mouseClick(
        widget.viewport(), Qt.MouseButton.LeftButton, pos=widget.mapFromScene(scene_point)
    )
    qtbot.waitUntil(lambda: window.trace_panel.trace is not None, timeout=TIMEOUT_MS)
    trace = window.trace_panel.trace
    np.testing.assert_allclose(trace.x, window.data.encode(train.x[7:8])[0])
    assert trace.target[0] == train.y[7]
    x, y = window.trace_panel._marker.getData()
    assert (x[0], y[0]) == (train.x[7, 0], train.x[7, 1])
    assert window.trace_panel._marker.isVisible()
    assert "Forward, layer 1" in window.trace_panel.text.toPlainText()
    # the diagram highlights the layer each stage is about, and writes the sample's
    # numbers beside its neurons: z and a forward, ∂L/∂z backward
    scene = window.diagram.diagram
    assert window.diagram.selected_spec_index == 0
    first = trace.layers[0]
    assert [label.text() for label in scene.trace_labels] == [
        f"z {z:.3g}\na {a:.3g}" for z, a in zip(first.z, first.a, strict=True)
    ]
    qtbot.mouseClick(window.trace_panel.next_button, Qt.MouseButton.LeftButton)
    assert window.diagram.selected_spec_index == 1
    assert len(scene.trace_labels) == len(trace.layers[1].z)
    for _ in range(3):  # the output layer, the loss, then backward from the output
        qtbot.mouseClick(window.trace_panel.next_button, Qt.MouseButton.LeftButton)
    assert window.trace_panel.stage_name == ("backward", 2)
    assert window.diagram.selected_spec_index == 2
    assert [label.text() for label in scene.trace_labels] == [
        f"∂L/∂z {dz:.3g}" for dz in trace.layers[2].dz
    ]
    qtbot.mouseClick(window.trace_panel.back_button, Qt.MouseButton.LeftButton)  # the loss
    assert scene.trace_labels == []
    # the update: the weight under the mouse in the diagram is the one stepped
    panel = window.trace_panel
    while panel.stage_name[0] != "update":
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    block = scene.blocks[1]
    view = window.diagram
    # a line whose middle, rounded to a pixel, is still nearest to that line
    for segment in block._segments:
        middle = QPointF((segment[0] + segment[2]) / 2, (segment[1] + segment[3]) / 2)
        row_col = block.hit(view.mapToScene(view.mapFromScene(middle)), 4.0)
        if row_col is not None and row_col == block.hit(middle, 4.0):
            break
    row, col = row_col
    QTest.mouseMove(view.viewport(), view.mapFromScene(middle))
    assert (panel.layer_spin.value(), panel.row_spin.value(), panel.col_spin.value()) == (
        2,
        row + 1,
        col + 1,
    )
    assert f"W(2)[{row + 1}, {col + 1}]" in panel.text.toPlainText()


def test_a_cat_photo_is_traced_with_its_picture(qtbot, cat_data_dir):
    from nnviz.live import presets

    data = prepare(presets.data_config("cat", cat_data_dir))
    spec = presets.network_spec(data.config).for_task(data.input_dim, data.n_classes)
    session = TrainingSession(spec, data)
    snapshot = session.snapshot()
    panel = TracePanel(NetworkDocument(spec))
    qtbot.addWidget(panel)
    panel.show()
    panel.set_data(data)
    panel.show_snapshot(snapshot)
    assert not panel.input_edit.isVisible() and panel.image_spin.isVisible()
    panel.image_spin.setValue(3)
    qtbot.mouseClick(panel.trace_button, Qt.MouseButton.LeftButton)
    assert panel.picture.isVisible() and panel.picture.pixmap().width() == 96
    trace = panel.trace
    np.testing.assert_array_equal(trace.x, data.x_test[2])
    assert trace.target[0] == data.y_test[2]
    assert len(trace.x) == 12288 and len(trace.layers[0].z) == 20
    text = panel.text.toPlainText()
    assert "x = [" in text and "12280 more]" in text  # 12288 inputs, the first 8 written out
    assert "z20 = " in text and "more terms" in text


def test_a_dropped_photo_file_is_resized_and_traced(qtbot, tmp_path, cat_data_dir):
    from PIL import Image
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    from nnviz.live import presets

    data = prepare(presets.data_config("cat", cat_data_dir))
    spec = presets.network_spec(data.config).for_task(data.input_dim, data.n_classes)
    snapshot = TrainingSession(spec, data).snapshot()
    panel = TracePanel(NetworkDocument(spec))
    qtbot.addWidget(panel)
    panel.show()
    panel.set_data(data)
    panel.show_snapshot(snapshot)
    assert panel.open_button.isVisible()
    pixels = np.random.default_rng(0).integers(0, 256, (80, 100, 3), dtype=np.uint8)
    path = tmp_path / "my cat.png"
    Image.fromarray(pixels).save(path)
    panel.target_combo.setCurrentText("cat")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(panel, enter)
    assert enter.isAccepted()  # a file over the panel: it will take it
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(panel, drop)
    resized = np.asarray(Image.fromarray(pixels).resize((64, 64), Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(panel.trace.x, data.encode(resized[None])[0])
    assert panel.trace.target[0] == 1 and panel.picture.isVisible()
    assert "my cat.png" in panel.picture.toolTip()
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    panel.trace_photo(bad)
    assert "cannot read this image" in panel.text.toPlainText()


def test_clicking_a_photo_in_the_gallery_traces_it(qtbot, make_window, cat_data_dir):
    window = make_window("cat", data_dir=cat_data_dir)
    window.controller.step_batch()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    tile = window.gallery.tiles[4]
    window.gallery.ensureWidgetVisible(tile)
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.trace_panel.trace is not None, timeout=TIMEOUT_MS)
    np.testing.assert_allclose(window.trace_panel.trace.x, window.data.x_test[4], rtol=1e-6)
    assert window.trace_panel.image_spin.value() == 5
