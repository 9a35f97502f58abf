"""The views and panels on their own, fed with synthetic snapshots, and the session's
snapshot numbers checked against the engine."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QSlider,
    QSpinBox,
)

from nnviz.app.dataset_panel import DatasetPanel
from nnviz.app.diagram.view import NetworkDiagramView
from nnviz.app.document import NetworkDocument
from nnviz.app.hyperparameters import HyperparameterPanel, lr_to_slider, slider_to_lr
from nnviz.app.plots.activation import activation_curves
from nnviz.app.plots.boundary import BoundaryView, NeuronGridView, boundary_image
from nnviz.app.plots.curves import TrainingCurvesView
from nnviz.app.plots.images import ConfusionMatrixView, ImageGalleryView
from nnviz.app.plots.style import class_color, diverging_lut, lut_rgba
from nnviz.data import prepare
from nnviz.engine.optimizers import OPTIMIZERS
from nnviz.engine.spec import LayerSpec, NetworkSpec
from nnviz.live import presets
from nnviz.live.layout import PICTURED_UNITS
from nnviz.live.session import BOUNDARY_GRID, NEURON_STRIDE, TrainingSession
from nnviz.live.snapshot import Boundary, TrainingSnapshot


def test_boundary_image_probability_discretized_and_multiclass():
    grid = np.array([[0.2, 0.7], [0.5, 0.9]], dtype=np.float32)
    boundary = Boundary(grid, (-1.0, 1.0, -1.0, 1.0))
    np.testing.assert_array_equal(boundary_image(boundary, False), grid)
    np.testing.assert_array_equal(boundary_image(boundary, True), [[0, 1], [0, 1]])
    probs = np.zeros((1, 2, 3), dtype=np.float32)
    probs[0, 0] = (1.0, 0.0, 0.0)
    probs[0, 1] = (0.2, 0.3, 0.5)
    sharp = boundary_image(Boundary(probs, (0, 1, 0, 1)), True)
    for cell, cls in ((sharp[0, 0], 0), (sharp[0, 1], 2)):
        expected = 255 * np.array(class_color(cls).getRgbF()[:3])
        np.testing.assert_allclose(cell, expected, rtol=1e-5)
    soft = boundary_image(Boundary(probs, (0, 1, 0, 1)), False)
    assert soft[0, 1].min() > sharp[0, 1].min()  # uncertain cells fade toward white


def test_boundary_view_draws_grid_points_and_toggles(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    view.show()
    train = np.array([[0.0, 0.5], [1.0, -1.0]])
    view.set_points(train, np.array([0, 1]), np.array([[0.3, 0.3]]), np.array([1]))
    grid = np.linspace(0, 1, 16, dtype=np.float32).reshape(4, 4)
    view.show_snapshot(TrainingSnapshot(boundary=Boundary(grid, (-2.0, 2.0, -1.0, 3.0))))
    lut = diverging_lut()
    np.testing.assert_array_equal(view.image.image, lut_rgba(grid, lut))  # coloured here
    rect = view.image.mapRectToParent(view.image.boundingRect())
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (-2.0, -1.0, 4.0, 4.0)
    x, y = view.train_points.getData()
    np.testing.assert_array_equal(x, train[:, 0])
    np.testing.assert_array_equal(y, train[:, 1])
    qtbot.mouseClick(view.discretize_check, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(view.image.image, lut_rgba(grid > 0.5, lut))
    assert not view.test_points.isVisible()
    qtbot.mouseClick(view.test_check, Qt.MouseButton.LeftButton)
    assert view.test_points.isVisible()


def _history_snapshot() -> TrainingSnapshot:
    history = {
        "loss": np.array([0.9, 0.5, 0.3]),
        "accuracy": np.array([0.5, 0.75, 0.875]),
        "val_loss": np.array([1.0, 0.6, 0.45]),
        "val_accuracy": np.array([0.5, 0.625, 0.75]),
    }
    steps = np.linspace(1.0, 0.3, 12)
    numbers = np.arange(1, 13)
    return TrainingSnapshot(
        step=12,
        epoch=3,
        batches_per_epoch=4,
        history=history,
        history_epochs={key: np.arange(1, 4) for key in history},
        step_losses=steps,
        loss_steps=numbers,
        smoothed_losses=steps,
        smoothed_steps=numbers,
    )


def test_curves_hold_the_history_and_read_out_on_hover(qtbot):
    view = TrainingCurvesView()
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    snapshot = _history_snapshot()
    view.show_snapshot(snapshot)
    x, y = view.val_loss_curve.getData()
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_array_equal(y, snapshot.history["val_loss"])
    x, _ = view.step_loss_curve.getData()
    np.testing.assert_allclose(x, np.arange(1, 13) / 4)  # per-step loss at fractional epochs
    assert view.readout_at(view.loss_plot, 2.2) == "epoch 2: loss 0.5000, val loss 0.6000"
    assert "accuracy 0.8750" in view.readout_at(view.accuracy_plot, 7.0)
    view.loss_plot.setXRange(0, 4, padding=0)
    view.loss_plot.setYRange(0, 1, padding=0)
    qtbot.wait(50)
    scene_point = view.loss_plot.vb.mapViewToScene(QPointF(3.0, 0.5))
    view._on_mouse_moved(scene_point)
    assert view.readout.text().startswith("epoch 3: loss 0.3000")
    qtbot.mouseClick(view.log_check, Qt.MouseButton.LeftButton)
    assert view.loss_plot.ctrl.logYCheck.isChecked()
    _, y = view.val_loss_curve.getData()  # drawn on the log axis: log10 of the losses
    np.testing.assert_allclose(y, np.log10(snapshot.history["val_loss"]))
    np.testing.assert_array_equal(view.val_loss_curve.yData, snapshot.history["val_loss"])
    view.clear()
    assert view.train_loss_curve.getData()[0] is None or not len(view.train_loss_curve.getData()[0])


def test_activation_curves_come_from_the_engine():
    z, value, slope = activation_curves("tanh", 3.0)
    assert z[0] == -3.0 and z[-1] == 3.0
    np.testing.assert_allclose(value, np.tanh(z))
    np.testing.assert_allclose(slope, 1 - np.tanh(z) ** 2)
    _, value, slope = activation_curves("relu", 2.0)
    assert value.min() == 0.0 and slope.max() == 1.0


def test_gallery_marks_right_and_wrong_and_confusion_counts(qtbot):
    gallery = ImageGalleryView(columns=2)
    qtbot.addWidget(gallery)
    images = np.zeros((3, 8, 8, 3), dtype=np.uint8)
    gallery.set_images(images, np.array([1, 0, 1]), ["non-cat", "cat"])
    assert [t.caption.text() for t in gallery.tiles] == ["cat", "non-cat", "cat"]
    snapshot = TrainingSnapshot(
        test_probabilities=np.array([0.9, 0.8, 0.25], dtype=np.float32),
        test_predictions=np.array([1, 1, 0]),
        confusion=np.array([[0, 1], [1, 1]]),
    )
    gallery.show_snapshot(snapshot)
    texts = [t.caption.text() for t in gallery.tiles]
    assert texts == ["✓ cat 0.90", "✗ cat 0.80", "✗ non-cat 0.75"]
    assert [t.correct for t in gallery.tiles] == [True, False, False]
    confusion = ConfusionMatrixView()
    qtbot.addWidget(confusion)
    confusion.set_classes(["non-cat", "cat"])
    confusion.show_snapshot(snapshot)
    np.testing.assert_array_equal(confusion.counts(), [[0, 1], [1, 1]])


def test_learning_rate_slider_is_logarithmic_and_one_drag_is_one_undo_entry(qtbot):
    for lr in (1e-5, 3e-3, 0.1, 10.0):
        assert slider_to_lr(lr_to_slider(lr)) == pytest.approx(lr, rel=0.03)
    assert lr_to_slider(1e-3) - lr_to_slider(1e-4) == lr_to_slider(1.0) - lr_to_slider(0.1)
    document = NetworkDocument()
    panel = HyperparameterPanel(document)
    qtbot.addWidget(panel)
    before = document.spec.optimizer.learning_rate
    start = panel.lr_slider.value()
    for position in range(start, start + 60, 10):  # the steps of one drag
        panel.lr_slider.setValue(position)
    assert document.spec.optimizer.learning_rate == pytest.approx(slider_to_lr(start + 50))
    assert panel.lr_spin.value() == pytest.approx(slider_to_lr(start + 50))
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.spec.optimizer.learning_rate == before
    assert panel.lr_spin.value() == pytest.approx(before)  # the panel mirrors the spec


def test_hyperparameter_controls_have_tooltips_and_follow_the_optimizer(qtbot):
    document = NetworkDocument()
    panel = HyperparameterPanel(document)
    qtbot.addWidget(panel)
    panel.show()
    assert [panel.optimizer_combo.itemText(i) for i in range(panel.optimizer_combo.count())] == (
        OPTIMIZERS.names()
    )
    kinds = (QDoubleSpinBox, QSpinBox, QComboBox, QCheckBox, QSlider)
    controls = [w for kind in kinds for w in panel.findChildren(kind)]
    assert len(controls) >= 15
    for widget in controls:
        assert widget.toolTip(), f"{widget} has no tooltip"
    panel.optimizer_combo.setCurrentText("sgd")
    assert document.spec.optimizer.name == "sgd"
    assert panel.optimizer_spins["momentum"].isVisible()
    assert not panel.optimizer_spins["beta_1"].isVisible()
    panel.optimizer_spins["momentum"].setValue(0.9)
    assert document.spec.optimizer.options["momentum"] == pytest.approx(0.9)
    qtbot.mouseClick(panel.full_batch_check, Qt.MouseButton.LeftButton)
    assert document.spec.batch_size is None
    panel.dropout_spin.setValue(0.25)
    kinds = [layer.kind for layer in document.spec.layers]
    assert kinds == ["dense", "dropout", "dense", "dropout", "dense"]
    panel.reg_combo.setCurrentText("l2")
    assert all(la.l2 > 0 for la in document.spec.dense_layers)


def test_dataset_panel_emits_one_config_after_edits(qtbot):
    config = presets.data_config("spiral")
    panel = DatasetPanel(config)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.configChanged, timeout=2000) as blocker:
        panel.feature_checks["x1^2"].setChecked(True)
        panel.noise_spin.setValue(0.3)
    emitted = blocker.args[0]
    assert emitted.features == ("x1", "x2", "x1^2") and emitted.noise == 0.3
    panel.show_prepared(prepare(emitted))
    assert panel.scatter.getData()[0].shape == (len(prepare(emitted).raw.train.x),)
    assert "train" in panel.stats_label.text()


def test_session_snapshot_matches_the_model():
    config = presets.data_config("spiral")
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    session = TrainingSession(spec, data)
    for _ in range(40):
        session.step()
    snapshot = session.snapshot(focus_layer=1)
    g = BOUNDARY_GRID
    assert snapshot.boundary.grid.shape == (g, g) and snapshot.boundary.grid.dtype == np.float32
    x0, x1, y0, y1 = data.bounds
    row, col = 17, 60
    point = np.array([[x0 + (x1 - x0) * col / (g - 1), y0 + (y1 - y0) * row / (g - 1)]])
    expected = session.model.predict(data.encode(point))[0, 0]
    assert snapshot.boundary.grid[row, col] == pytest.approx(expected, rel=1e-4, abs=1e-6)
    side = len(range(0, g, NEURON_STRIDE))
    assert [n.shape for n in snapshot.neuron_grids] == [
        (presets.DEFAULT_HIDDEN[0], side, side),
        (presets.DEFAULT_HIDDEN[1], side, side),
        (1, side, side),
    ]
    np.testing.assert_array_equal(snapshot.neuron_grids[-1][0], snapshot.boundary.grid[::3, ::3])
    np.testing.assert_array_equal(snapshot.weights[0][0], session.model.dense_layers[0].W)
    assert snapshot.focus_layer == 1 and snapshot.activation == presets.DEFAULT_ACTIVATION
    units = spec.layers[1].units
    assert snapshot.preactivation_hist.counts.sum() == min(len(data.x_train), 256) * units
    assert snapshot.confusion.sum() == len(data.y_test)
    assert len(snapshot.step_losses) == 40 == snapshot.step
    assert snapshot.epoch == 40 // snapshot.batches_per_epoch


def test_a_wide_layer_pictures_only_the_neurons_the_views_draw(qtbot):
    """A 200-unit layer is a bundle in the diagram and the neuron view shows its first
    12: the snapshot carries the pictures of its first PICTURED_UNITS neurons only, and
    the diagram colours the pictures of the neurons it draws."""
    config = presets.data_config("spiral")
    data = prepare(config)
    spec = NetworkSpec(
        input_dim=2,
        layers=(
            LayerSpec(units=200, activation="tanh"),
            LayerSpec(units=6, activation="tanh"),
            LayerSpec(units=1, activation="sigmoid"),
        ),
    )
    session = TrainingSession(spec, data)
    session.step()
    snapshot = session.snapshot()
    side = len(range(0, BOUNDARY_GRID, NEURON_STRIDE))
    assert [n.shape for n in snapshot.neuron_grids] == [
        (PICTURED_UNITS, side, side),
        (6, side, side),
        (1, side, side),
    ]
    hidden = session.model.forward_trace(data.encode(np.array([data.bounds[::2]])))[0].a
    corner = snapshot.neuron_grids[0][:, 0, 0]  # (x1 min, x2 min): the grid's first point
    np.testing.assert_allclose(corner, hidden[0, :PICTURED_UNITS], rtol=1e-4, atol=1e-6)
    view = NetworkDiagramView(NetworkDocument(spec))
    qtbot.addWidget(view)
    view.show_snapshot(snapshot)
    pictures = {
        (column, unit): neuron.image is not None
        for (column, unit), neuron in view.diagram.neurons.items()
        if neuron.dense_index is not None
    }
    assert not any(column == 1 for column, _ in pictures)  # the wide layer: a bundle
    assert pictures and all(pictures.values())  # the 6-unit layer and the output


def test_session_reset_to_initial_weights_and_fresh_weights():
    config = presets.data_config("circle")
    data = prepare(config)
    session = TrainingSession(presets.network_spec(config).for_task(data.input_dim, 2), data)
    initial = [w.copy() for w in session.model.get_weights()]
    for _ in range(30):
        session.step()
    session.reset(same_initial=True)
    for a, b in zip(session.model.get_weights(), initial, strict=True):
        np.testing.assert_array_equal(a, b)
    assert session.step_count == 0 and len(session.series["loss"]) == 0
    session.reset()
    assert not np.allclose(session.model.get_weights()[0], initial[0])
    with pytest.raises(ValueError, match="inputs"):
        session.apply_spec(session.spec.for_task(5, 2))


def test_neuron_heatmaps_show_each_hidden_neuron_with_symmetric_levels(qtbot):
    view = NeuronGridView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(0)
    grids = (
        rng.normal(size=(3, 4, 4)).astype(np.float32),
        rng.normal(size=(14, 4, 4)).astype(np.float32),
        rng.normal(size=(1, 4, 4)).astype(np.float32),  # the output layer: not a hidden one
    )
    view.show_snapshot(TrainingSnapshot(neuron_grids=grids))
    assert view.neurons_shown == [3, 12] and len(view.images) == 2  # one image per layer
    reach = float(np.abs(grids[1][5]).max())
    expected = lut_rgba(grids[1][5], diverging_lut(), -reach, reach)
    assert np.abs(view.cell(1, 5).astype(int) - expected).max() <= 1  # scaled to its reach
    assert "first 12 neurons" in view.note.text() and "negative" in view.note.text()
