"""Initialization as an experiment: one activation for every hidden layer, one
initializer (with its scale) for every layer, each applied in one click as one undo entry.

Changing a layer's initializer or scale gives it fresh weights from the new initializer
(the engine re-initializes exactly the layers whose setting changed), so "zeros", "small
random 0.01" and "large random 10" can be compared on the same network in a few clicks.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.document import NetworkDocument
from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.initializers import DEFAULT_RANDOM_SCALE, INITIALIZERS
from nnviz.engine.spec import NetworkSpec
from nnviz.live.edits import output_index

#: initializers whose spread (or value) is the scale
SCALED = ("random_normal", "random_uniform", "constant")
SMALL_SCALE = 0.01
LARGE_SCALE = 10.0


class InitializationPanel(QWidget):
    """The network-wide activation and initializer controls."""

    def __init__(self, document: NetworkDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.activation_combo = QComboBox()
        self.activation_combo.addItems([name for name in ACTIVATIONS.names() if name != "softmax"])
        self.activation_combo.setToolTip("The activation of every hidden layer")
        self.activation_button = QPushButton("Set for all hidden layers")
        self.initializer_combo = QComboBox()
        self.initializer_combo.addItems(INITIALIZERS.names())
        self.initializer_combo.setToolTip("How every layer's starting weights are drawn")
        self.scale_spin = QDoubleSpinBox(minimum=1e-4, maximum=1000.0, decimals=4)
        self.scale_spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.scale_spin.setValue(DEFAULT_RANDOM_SCALE)
        self.scale_spin.setToolTip(
            "Standard deviation (random_normal), half-width (random_uniform) or value "
            "(constant) of the initial weights"
        )
        self.small_button = QPushButton(f"small {SMALL_SCALE:g}")
        self.large_button = QPushButton(f"large {LARGE_SCALE:g}")
        self.small_button.setToolTip(f"random_normal with standard deviation {SMALL_SCALE:g}")
        self.large_button.setToolTip(f"random_normal with standard deviation {LARGE_SCALE:g}")
        self.initializer_button = QPushButton("Set for all layers (new weights)")
        self.initializer_button.setToolTip(
            "Give every layer fresh weights from this initializer (Ctrl+Z undoes it)"
        )
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.scale_spin, 1)
        scale_row.addWidget(self.small_button)
        scale_row.addWidget(self.large_button)
        form = QFormLayout()
        # in a narrow dock a label goes above its field rather than push out a scroll bar
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Hidden activation", self.activation_combo)
        form.addRow("", self.activation_button)
        form.addRow("Initializer", self.initializer_combo)
        form.addRow("Scale", scale_row)
        form.addRow("", self.initializer_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.activation_button.clicked.connect(self.apply_activation)
        self.initializer_button.clicked.connect(self.apply_initializer)
        self.initializer_combo.currentTextChanged.connect(self._on_initializer_chosen)
        self.small_button.clicked.connect(lambda: self._random_normal(SMALL_SCALE))
        self.large_button.clicked.connect(lambda: self._random_normal(LARGE_SCALE))
        document.specChanged.connect(self.show_spec)
        self.show_spec(None, document.spec)

    def show_spec(self, _old: NetworkSpec | None, spec: NetworkSpec) -> None:
        """Mirror the first hidden layer (or the output layer when there is none)."""
        dense = spec.dense_layers
        first = dense[0]
        blockers = [
            QSignalBlocker(w)
            for w in (self.activation_combo, self.initializer_combo, self.scale_spin)
        ]
        if len(dense) > 1:
            self.activation_combo.setCurrentText(first.activation)
        self.initializer_combo.setCurrentText(first.initializer)
        if first.init_scale is not None:
            self.scale_spin.setValue(first.init_scale)
        del blockers
        self.activation_combo.setEnabled(len(dense) > 1)
        self.activation_button.setEnabled(len(dense) > 1)
        self._on_initializer_chosen(self.initializer_combo.currentText())
        described = ", ".join(
            f"{layer.initializer}"
            + (
                f" ({layer.init_scale:g})"
                if layer.initializer in SCALED and layer.init_scale
                else ""
            )
            for layer in dense
        )
        self.status.setText(f"Layers now: {described}.")

    def _on_initializer_chosen(self, name: str) -> None:
        self.scale_spin.setEnabled(name in SCALED)

    def _random_normal(self, scale: float) -> None:
        self.initializer_combo.setCurrentText("random_normal")
        self.scale_spin.setValue(scale)
        self.apply_initializer()

    def apply_activation(self) -> None:
        """One undo entry: every hidden layer gets the chosen activation."""
        spec = self.document.spec
        name = self.activation_combo.currentText()
        out = output_index(spec)
        layers = tuple(
            replace(layer, activation=name) if layer.is_dense() and i != out else layer
            for i, layer in enumerate(spec.layers)
        )
        self.document.edit(spec.with_layers(layers), f"All hidden layers: {name}")

    def apply_initializer(self) -> None:
        """One undo entry: every dense layer gets the chosen initializer (and scale)."""
        spec = self.document.spec
        name = self.initializer_combo.currentText()
        scale = float(self.scale_spin.value()) if name in SCALED else None
        layers = tuple(
            replace(layer, initializer=name, init_scale=scale) if layer.is_dense() else layer
            for layer in spec.layers
        )
        text = f"All layers: {name}" + (f" {scale:g}" if scale is not None else "")
        new = spec.with_layers(layers)
        if new == spec:  # the same initializer: draw new weights from it again
            dense = [i for i, layer in enumerate(spec.layers) if layer.is_dense()]
            self.document.reinitialize(dense, f"New weights: {text}")
        else:
            self.document.edit(new, text)
