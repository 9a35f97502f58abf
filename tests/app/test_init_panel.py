"""Initialization as an experiment, driven in the real window: one click sets every
layer's initializer (one undo entry) and the worker's network gets the new weights."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from nnviz.engine.initializers import INITIALIZERS
from nnviz.live.presets import DEFAULT_ACTIVATION

TIMEOUT_MS = 10_000


def hidden_weights(window):
    return [w for w, _ in window.controller.latest.weights[:-1]]


def test_the_lessons_initializers_are_offered():
    for name in ("zeros", "constant", "random_normal", "glorot_uniform", "he_normal"):
        assert name in INITIALIZERS.names()
    w = INITIALIZERS.get("constant")((3, 2), np.random.default_rng(0), "float64", 0.5)
    np.testing.assert_array_equal(w, np.full((3, 2), 0.5))


def test_large_then_zeros_then_undo(qtbot, make_window):
    window = make_window("spiral")
    panel = window.init_panel
    window.init_dock.raise_()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    before = window.document.spec
    qtbot.mouseClick(panel.large_button, Qt.MouseButton.LeftButton)
    spec = window.document.spec
    assert all(
        (layer.initializer, layer.init_scale) == ("random_normal", 10.0)
        for layer in spec.dense_layers
    )
    qtbot.waitUntil(
        lambda: np.std(hidden_weights(window)[0]) > 5.0, timeout=TIMEOUT_MS
    )  # N(0, 10²) weights
    panel.initializer_combo.setCurrentText("zeros")
    assert not panel.scale_spin.isEnabled()
    qtbot.mouseClick(panel.initializer_button, Qt.MouseButton.LeftButton)
    assert window.document.spec.dense_layers[0].init_scale is None
    qtbot.waitUntil(lambda: all(not w.any() for w in hidden_weights(window)), timeout=TIMEOUT_MS)
    assert panel.status.text() == "Layers now: zeros, zeros, zeros."
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert window.document.spec == before
    assert panel.initializer_combo.currentText() == before.dense_layers[0].initializer


def test_one_activation_for_all_hidden_layers(qtbot, make_window):
    window = make_window("spiral")
    panel = window.init_panel
    panel.activation_combo.setCurrentText("sigmoid")
    qtbot.mouseClick(panel.activation_button, Qt.MouseButton.LeftButton)
    activations = [layer.activation for layer in window.document.spec.dense_layers]
    assert activations == ["sigmoid", "sigmoid", "sigmoid"]  # the output stays sigmoid
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert [layer.activation for layer in window.document.spec.dense_layers][:2] == [
        DEFAULT_ACTIVATION,
        DEFAULT_ACTIVATION,
    ]
