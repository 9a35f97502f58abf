"""The layer side panel: the settings of the layer selected in the diagram.

It edits the document like the diagram does (spin-box steps merge into one undo entry)
and mirrors the spec inside signal blockers, so undo needs no panel code and updating the
widgets never makes an edit.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.diagram.view import NetworkDiagramView, activation_names, initializer_names
from nnviz.engine.spec import MAX_UNITS, NetworkSpec
from nnviz.live import edits
from nnviz.live.layout import layer_param_counts

MERGE_BASE = 2000  # merge ids of this panel's spin boxes (the hyperparameter panel uses 1000+)
FIELDS = ("units", "l1", "l2", "rate")


class LayerPanel(QWidget):
    """Units, activation, initializer, L1/L2 and dropout rate of the selected layer."""

    def __init__(self, view: NetworkDiagramView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.document = view.document
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.units = QSpinBox(minimum=1, maximum=MAX_UNITS)
        self.units.setToolTip("How many neurons this layer has (also: drag its grip, or +/−)")
        self.activation = QComboBox()
        self.activation.addItems(activation_names())
        self.activation.setToolTip("The function each neuron applies to its weighted sum z")
        self.initializer = QComboBox()
        self.initializer.addItems(initializer_names())
        self.initializer.setToolTip("How this layer's weights are drawn when training starts")
        self.l1 = self._penalty("L1 penalty on this layer's weights: pushes weights to zero")
        self.l2 = self._penalty("L2 penalty on this layer's weights: keeps weights small")
        self.rate = QDoubleSpinBox(minimum=0.0, maximum=0.95, singleStep=0.05, decimals=2)
        self.rate.setToolTip("Fraction of this layer's inputs switched off at each training step")
        self.remove = QPushButton("Remove layer")
        self.remove.setToolTip("Remove this layer (Delete in the diagram); Ctrl+Z brings it back")
        self.form = QFormLayout()
        for label, widget in (
            ("Neurons", self.units),
            ("Activation", self.activation),
            ("Initializer", self.initializer),
            ("L1", self.l1),
            ("L2", self.l2),
            ("Dropout rate", self.rate),
        ):
            self.form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)
        layout.addWidget(self.remove)
        layout.addStretch(1)

        self.units.valueChanged.connect(lambda v: self._edit("units", int(v)))
        self.activation.textActivated.connect(lambda v: self._edit("activation", v))
        self.initializer.textActivated.connect(lambda v: self._edit("initializer", v))
        self.l1.valueChanged.connect(lambda v: self._edit("l1", float(v)))
        self.l2.valueChanged.connect(lambda v: self._edit("l2", float(v)))
        self.rate.valueChanged.connect(lambda v: self._edit("rate", round(float(v), 4)))
        self.remove.clicked.connect(self._remove)
        view.selectionChanged.connect(self.refresh)
        self.document.specChanged.connect(self.refresh)
        self.refresh()

    @staticmethod
    def _penalty(tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(minimum=0.0, maximum=10.0, singleStep=1e-4, decimals=5)
        box.setToolTip(tip)
        return box

    @property
    def spec_index(self) -> int | None:
        index = self.view.selected_spec_index
        return index if index is not None and index >= 0 else None

    def _edit(self, key: str, value: object) -> None:
        index = self.spec_index
        if index is None:
            return
        merge = MERGE_BASE + 100 * FIELDS.index(key) + index if key in FIELDS else -1
        if key == "units":
            make = partial(edits.resize_layer, index=index, units=int(value))
        else:
            make = partial(edits.set_layer_options, index=index, **{key: value})
        if not self.view.apply_edit(make, f"Set {key} {value}", index, merge):
            self.refresh()

    def _remove(self) -> None:
        if self.spec_index is not None:
            self.view.remove_layer(self.spec_index)

    def refresh(self, *_args: object) -> None:
        """Show the selected layer of the current spec (nothing selected: a hint)."""
        spec: NetworkSpec = self.document.spec
        index = self.spec_index
        widgets = (self.units, self.activation, self.initializer, self.l1, self.l2, self.rate)
        blockers = [QSignalBlocker(w) for w in widgets]
        if index is None or index >= len(spec.layers):
            self.title.setText("Input layer" if self.view.selected_spec_index == -1 else "Layer")
            self.hint.setText(
                "The input layer follows the dataset's features."
                if self.view.selected_spec_index == -1
                else "Click a layer in the diagram to see and change its settings."
            )
            for widget in (*widgets, self.remove):
                widget.setEnabled(False)
            del blockers
            return
        layer = spec.layers[index]
        output = index == edits.output_index(spec)
        dense = layer.is_dense()
        if dense:
            number = sum(1 for other in spec.layers[:index] if other.is_dense()) + 1
            self.title.setText("Output layer" if output else f"Hidden layer {number}")
            params = layer_param_counts(spec)[index]
            self.hint.setText(
                f"{params:,} parameters."
                + (
                    " The output follows the task: its size and activation are fixed."
                    if output
                    else ""
                )
            )
            self.units.setValue(layer.units)
            self.activation.setCurrentText(layer.activation)
            self.initializer.setCurrentText(layer.initializer)
            self.l1.setValue(layer.l1)
            self.l2.setValue(layer.l2)
        else:
            self.title.setText("Dropout layer")
            self.hint.setText("Dropout has no weights; it only switches inputs off while training.")
            self.rate.setValue(layer.rate)
        for widget in (self.units, self.activation):
            widget.setEnabled(dense and not output)
        for widget in (self.initializer, self.l1, self.l2):
            widget.setEnabled(dense)
        self.rate.setEnabled(not dense)
        for widget in widgets:
            self.form.setRowVisible(widget, dense != (widget is self.rate))
        self.remove.setEnabled(not output)
        del blockers
