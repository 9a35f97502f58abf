"""The hyperparameter panel: every training setting, each with a one-sentence tooltip.

Network settings live in the document's spec: each change is an undoable edit (one per
spin-box or slider interaction, via merge ids), and the panel mirrors the spec by
listening to ``specChanged`` inside a signal blocker, so undo needs no panel code. The run
settings that are not part of a network (epochs, early stopping, speed) go straight to the
training controller.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QSlider,
    QSpinBox,
    QWidget,
)

from nnviz.app.document import NetworkDocument
from nnviz.engine.initializers import INITIALIZERS
from nnviz.engine.losses import LOSSES
from nnviz.engine.optimizers import OPTIMIZERS
from nnviz.engine.schedules import SCHEDULES
from nnviz.engine.spec import LayerSpec, NetworkSpec, SpecError
from nnviz.live.edits import EditRefused

LR_MIN_EXP, LR_MAX_EXP = -5, 1
LR_TICKS_PER_DECADE = 100
MAX_BATCH = 100_000

#: Optimizer settings the panel offers: Keras name -> (label, low, high, step, decimals, tip).
OPTIMIZER_SETTINGS: dict[str, tuple[str, float, float, float, int, str]] = {
    "momentum": (
        "Momentum",
        0.0,
        0.999,
        0.05,
        3,
        "How much of the previous update carries into the next one; smooths and speeds "
        "up descent along consistent directions.",
    ),
    "rho": (
        "Rho",
        0.0,
        0.999,
        0.01,
        3,
        "Decay of RMSprop's running average of squared gradients; higher remembers longer.",
    ),
    "beta_1": (
        "Beta 1",
        0.0,
        0.999,
        0.01,
        3,
        "Decay of Adam's running average of gradients (its momentum).",
    ),
    "beta_2": (
        "Beta 2",
        0.0,
        0.9999,
        0.001,
        4,
        "Decay of Adam's running average of squared gradients (its per-weight step size).",
    ),
    "weight_decay": (
        "Weight decay",
        0.0,
        1.0,
        0.001,
        4,
        "Shrinks every weight a little at each step (decoupled, as in AdamW).",
    ),
}
SCHEDULE_SETTINGS: dict[str, tuple[str, float, float, float, int, str]] = {
    "decay_rate": (
        "Decay rate",
        0.0,
        10.0,
        0.05,
        3,
        "How strongly the learning rate shrinks as training goes on.",
    ),
    "decay_steps": (
        "Decay steps",
        1.0,
        1e6,
        100.0,
        0,
        "How many steps one unit of decay takes.",
    ),
}
REGULARIZATIONS = ("none", "l1", "l2")
#: Beside the settings that every layer takes the same (set here for all at once).
ALL_LAYERS = "(all layers)"
#: Shown by such a setting when the layers differ (set per layer in the diagram).
MIXED = "mixed"

# Merge ids: one undo entry per interaction with a control.
_MERGE = {
    name: 1000 + i
    for i, name in enumerate(
        (
            "lr",
            "batch",
            "reg_rate",
            "dropout",
            "seed",
            "clipnorm",
            *OPTIMIZER_SETTINGS,
            *SCHEDULE_SETTINGS,
        )
    )
}


def accepted_options(registry: Any, name: str) -> set[str]:
    """The keyword settings the registry entry ``name`` accepts (from its signature)."""
    entry = registry.get(name)
    if hasattr(entry, "option_names"):
        return set(entry.option_names())
    target = entry.__init__ if inspect.isclass(entry) else entry
    try:
        return set(inspect.signature(target).parameters) - {"self"}
    except (TypeError, ValueError):
        return set()


def lr_to_slider(lr: float) -> int:
    exponent = min(max(math.log10(lr), LR_MIN_EXP), LR_MAX_EXP)
    return round((exponent - LR_MIN_EXP) * LR_TICKS_PER_DECADE)


def slider_to_lr(position: int) -> float:
    value = 10 ** (LR_MIN_EXP + position / LR_TICKS_PER_DECADE)
    return float(f"{value:.3g}")


def _spin(low: float, high: float, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)
    return box


class HyperparameterPanel(QWidget):
    """Learning rate (log scale), batch size, optimizer and its settings, schedule, loss,
    initializer, regularization, dropout, clipping, seed; epochs and early stopping.

    ``runOptionsChanged(epochs, patience)`` carries the settings that are not in the spec.
    """

    runOptionsChanged = Signal(int, int)

    def __init__(self, document: NetworkDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._n_train = MAX_BATCH
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.lr_slider = QSlider(Qt.Orientation.Horizontal)
        self.lr_slider.setRange(0, (LR_MAX_EXP - LR_MIN_EXP) * LR_TICKS_PER_DECADE)
        self.lr_spin = _spin(1e-5, 10.0, 0.001, 5, "")
        self.lr_spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        lr_tip = (
            "How big a step gradient descent takes: too small learns slowly, too large "
            "overshoots and can diverge (log scale, 0.00001 to 10)."
        )
        for widget in (self.lr_slider, self.lr_spin):
            widget.setToolTip(lr_tip)
        lr_row = QHBoxLayout()
        lr_row.addWidget(self.lr_slider, 1)
        lr_row.addWidget(self.lr_spin)
        form.addRow("Learning rate", lr_row)
        self.lr_slider.valueChanged.connect(self._on_lr_slider)
        self.lr_spin.valueChanged.connect(self._on_lr_spin)

        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, MAX_BATCH)
        self.batch_spin.setKeyboardTracking(False)
        self.batch_spin.setToolTip(
            "Samples per gradient step: small batches give noisy but frequent updates, "
            "large ones smooth but fewer updates per epoch."
        )
        self.full_batch_check = QCheckBox("Full batch")
        self.full_batch_check.setToolTip(
            "Use every training sample in each step (plain gradient descent)."
        )
        batch_row = QHBoxLayout()
        batch_row.addWidget(self.batch_spin, 1)
        batch_row.addWidget(self.full_batch_check)
        form.addRow("Batch size", batch_row)
        self.batch_spin.valueChanged.connect(self._on_batch)
        self.full_batch_check.toggled.connect(self._on_batch)

        self.optimizer_combo = QComboBox()
        self.optimizer_combo.addItems(OPTIMIZERS.names())
        self.optimizer_combo.setToolTip(
            "The rule that turns gradients into weight updates (SGD, momentum, RMSprop, Adam...)."
        )
        form.addRow("Optimizer", self.optimizer_combo)
        self.optimizer_combo.currentTextChanged.connect(self._on_optimizer)
        self.nesterov_check = QCheckBox("Nesterov momentum")
        self.nesterov_check.setToolTip(
            "Look ahead along the momentum before taking the gradient; often a little faster."
        )
        self.nesterov_check.toggled.connect(self._on_nesterov)
        form.addRow("", self.nesterov_check)
        self.optimizer_spins: dict[str, QDoubleSpinBox] = {}
        for key, (label, low, high, step, decimals, tip) in OPTIMIZER_SETTINGS.items():
            box = _spin(low, high, step, decimals, tip)
            box.valueChanged.connect(lambda value, key=key: self._on_optimizer_setting(key, value))
            self.optimizer_spins[key] = box
            form.addRow(label, box)

        self.schedule_combo = QComboBox()
        self.schedule_combo.addItems(SCHEDULES.names())
        self.schedule_combo.setToolTip(
            "How the learning rate changes over training: constant, or decaying step by step."
        )
        self.schedule_combo.currentTextChanged.connect(self._on_schedule)
        form.addRow("LR schedule", self.schedule_combo)
        self.schedule_spins: dict[str, QDoubleSpinBox] = {}
        for key, (label, low, high, step, decimals, tip) in SCHEDULE_SETTINGS.items():
            box = _spin(low, high, step, decimals, tip)
            box.valueChanged.connect(lambda value, key=key: self._on_schedule_setting(key, value))
            self.schedule_spins[key] = box
            form.addRow(label, box)

        self.loss_combo = QComboBox()
        self.loss_combo.addItems(LOSSES.names())
        self.loss_combo.setToolTip(
            "What training minimizes: cross-entropy for classifiers, mean squared error "
            "for comparison."
        )
        self.loss_combo.currentTextChanged.connect(self._on_loss)
        form.addRow("Loss", self.loss_combo)

        self.initializer_combo = QComboBox()
        self.initializer_combo.addItems(INITIALIZERS.names())
        self.initializer_combo.setToolTip(
            "How every layer's starting weights are drawn; too small or too large makes "
            "gradients vanish or explode (applies at the next reset)."
        )
        self.initializer_combo.currentTextChanged.connect(self._on_initializer)
        self.initializer_combo.setPlaceholderText(MIXED)
        form.addRow(f"Initializer\n{ALL_LAYERS}", self.initializer_combo)

        self.reg_combo = QComboBox()
        self.reg_combo.addItems(REGULARIZATIONS)
        self.reg_combo.setToolTip(
            "Penalize large weights in every dense layer: L1 drives weights to exactly zero, "
            "L2 shrinks them all, both fight overfitting."
        )
        self.reg_rate = _spin(
            0.0, 10.0, 0.001, 4, "How strongly the L1/L2 penalty pulls the weights toward zero."
        )
        reg_row = QHBoxLayout()
        reg_row.addWidget(self.reg_combo)
        reg_row.addWidget(self.reg_rate, 1)
        self.reg_combo.setPlaceholderText(MIXED)
        form.addRow(f"Regularization\n{ALL_LAYERS}", reg_row)
        self.reg_combo.currentTextChanged.connect(self._on_regularization)
        self.reg_rate.valueChanged.connect(self._on_regularization)

        self.dropout_spin = _spin(
            0.0,
            0.9,
            0.05,
            2,
            "Fraction of each hidden layer's outputs switched off at random in every training "
            "step (never when predicting); fights overfitting.",
        )
        self.dropout_spin.valueChanged.connect(self._on_dropout)
        form.addRow(f"Dropout\n{ALL_LAYERS}", self.dropout_spin)

        self.clip_spin = _spin(
            0.0,
            1000.0,
            0.5,
            2,
            "Scale down any gradient whose overall norm exceeds this (0: off); tames "
            "exploding gradients.",
        )
        self.clip_spin.valueChanged.connect(self._on_clipnorm)
        form.addRow("Clip gradient norm", self.clip_spin)

        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip(
            "Seeds the initial weights, the shuffling and dropout, so a run can be repeated "
            "exactly (applies at the next reset)."
        )
        self.seed_spin.valueChanged.connect(self._on_seed)
        form.addRow("Seed", self.seed_spin)

        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(0, 1_000_000)
        self.epochs_spin.setSpecialValueText("until stopped")
        self.epochs_spin.setToolTip(
            "Pause after this many passes over the training data (or train until you pause)."
        )
        self.patience_spin = QSpinBox()
        self.patience_spin.setRange(0, 10_000)
        self.patience_spin.setSpecialValueText("off")
        self.patience_spin.setToolTip(
            "Early stopping: pause when the validation loss has not improved for this many "
            "epochs, before the network overfits."
        )
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Early stopping", self.patience_spin)
        self.epochs_spin.valueChanged.connect(self._emit_run_options)
        self.patience_spin.valueChanged.connect(self._emit_run_options)
        self._form = form

        document.specChanged.connect(self._on_spec_changed)
        self.show_spec(document.spec)

    # -- spec -> widgets ----------------------------------------------------------------
    def _on_spec_changed(self, _old: NetworkSpec, new: NetworkSpec) -> None:
        self.show_spec(new)

    def set_training_size(self, n_train: int) -> None:
        """The batch size cannot exceed the training set."""
        self._n_train = max(int(n_train), 1)
        with QSignalBlocker(self.batch_spin):
            self.batch_spin.setMaximum(self._n_train)

    def show_spec(self, spec: NetworkSpec) -> None:
        widgets = [
            self.lr_slider,
            self.lr_spin,
            self.batch_spin,
            self.full_batch_check,
            self.optimizer_combo,
            self.nesterov_check,
            self.schedule_combo,
            self.loss_combo,
            self.initializer_combo,
            self.reg_combo,
            self.reg_rate,
            self.dropout_spin,
            self.clip_spin,
            self.seed_spin,
            *self.optimizer_spins.values(),
            *self.schedule_spins.values(),
        ]
        blockers = [QSignalBlocker(w) for w in widgets]
        lr = spec.optimizer.learning_rate
        self.lr_spin.setValue(lr)
        self.lr_slider.setValue(lr_to_slider(lr))
        self.full_batch_check.setChecked(spec.batch_size is None)
        self.batch_spin.setEnabled(spec.batch_size is not None)
        if spec.batch_size is not None:
            self.batch_spin.setValue(spec.batch_size)
        self.optimizer_combo.setCurrentText(spec.optimizer.name)
        accepted = accepted_options(OPTIMIZERS, spec.optimizer.name)
        options = spec.optimizer.options
        for key, box in self.optimizer_spins.items():
            self._form.setRowVisible(box, key in accepted)
            box.setValue(float(options.get(key, _default(OPTIMIZERS, spec.optimizer.name, key))))
        self._form.setRowVisible(self.nesterov_check, "nesterov" in accepted)
        self.nesterov_check.setChecked(bool(options.get("nesterov", False)))
        self.schedule_combo.setCurrentText(spec.schedule.name)
        accepted = accepted_options(SCHEDULES, spec.schedule.name)
        for key, box in self.schedule_spins.items():
            self._form.setRowVisible(box, key in accepted)
            default = _default(SCHEDULES, spec.schedule.name, key)
            box.setValue(float(spec.schedule.options.get(key, default)))
        self.loss_combo.setCurrentText(spec.loss)
        dense = spec.dense_layers
        first = dense[0]
        initializers = {layer.initializer for layer in dense}
        if len(initializers) == 1:
            self.initializer_combo.setCurrentText(first.initializer)
        else:
            self.initializer_combo.setCurrentIndex(-1)  # shows "mixed"
        kind = "l1" if first.l1 > 0 else "l2" if first.l2 > 0 else "none"
        if len({(layer.l1, layer.l2) for layer in dense}) == 1:
            self.reg_combo.setCurrentText(kind)
        else:
            self.reg_combo.setCurrentIndex(-1)
        if kind != "none":
            self.reg_rate.setValue(first.l1 if kind == "l1" else first.l2)
        self.reg_rate.setEnabled(kind != "none")
        rates = dropout_rates(spec)
        mixed = len(set(rates)) > 1
        self.dropout_spin.setSpecialValueText(MIXED if mixed else "")
        self.dropout_spin.setValue(0.0 if mixed else rates[0])
        self.clip_spin.setValue(spec.clipnorm or 0.0)
        self.seed_spin.setValue(min(spec.seed, 2**31 - 1))
        del blockers

    # -- widgets -> spec ----------------------------------------------------------------
    def _edit(self, spec: NetworkSpec, text: str, merge: str | None = None) -> None:
        """Push one undoable edit; a refused one is said in the status bar and the panel
        shows the network as it still is."""
        try:
            self.document.edit(spec, text, _MERGE[merge] if merge else -1)
        except (EditRefused, SpecError) as exc:
            self.document.refused.emit(str(exc))
            self.show_spec(self.document.spec)

    def _set_lr(self, lr: float) -> None:
        spec = self.document.spec
        self._edit(
            replace(spec, optimizer=replace(spec.optimizer, learning_rate=lr)),
            f"Learning rate {lr:g}",
            "lr",
        )

    def _on_lr_slider(self, position: int) -> None:
        self._set_lr(slider_to_lr(position))

    def _on_lr_spin(self, value: float) -> None:
        self._set_lr(float(value))

    def _on_batch(self, *_args: Any) -> None:
        full = self.full_batch_check.isChecked()
        size = None if full else int(self.batch_spin.value())
        text = "Full-batch training" if full else f"Batch size {size}"
        self._edit(replace(self.document.spec, batch_size=size), text, "batch")

    def _on_optimizer(self, name: str) -> None:
        spec = self.document.spec
        accepted = accepted_options(OPTIMIZERS, name)
        options = {k: v for k, v in spec.optimizer.options.items() if k in accepted}
        self._edit(
            replace(spec, optimizer=replace(spec.optimizer, name=name, options=options)),
            f"Optimizer {name}",
        )

    def _set_optimizer_option(self, key: str, value: Any, merge: str | None) -> None:
        spec = self.document.spec
        options = {**spec.optimizer.options, key: value}
        self._edit(
            replace(spec, optimizer=replace(spec.optimizer, options=options)),
            f"Optimizer {key} {value}",
            merge,
        )

    def _on_optimizer_setting(self, key: str, value: float) -> None:
        self._set_optimizer_option(key, float(value), key)

    def _on_nesterov(self, on: bool) -> None:
        self._set_optimizer_option("nesterov", bool(on), None)

    def _on_schedule(self, name: str) -> None:
        spec = self.document.spec
        accepted = accepted_options(SCHEDULES, name)
        options = {k: v for k, v in spec.schedule.options.items() if k in accepted}
        self._edit(
            replace(spec, schedule=replace(spec.schedule, name=name, options=options)),
            f"Schedule {name}",
        )

    def _on_schedule_setting(self, key: str, value: float) -> None:
        spec = self.document.spec
        number: float | int = int(value) if key == "decay_steps" else float(value)
        options = {**spec.schedule.options, key: number}
        self._edit(
            replace(spec, schedule=replace(spec.schedule, options=options)),
            f"Schedule {key} {number}",
            key,
        )

    def _on_loss(self, name: str) -> None:
        self._edit(replace(self.document.spec, loss=name), f"Loss {name}")

    def _dense_edit(self, text: str, merge: str | None = None, **changes: Any) -> None:
        spec = self.document.spec
        layers = tuple(replace(la, **changes) if la.is_dense() else la for la in spec.layers)
        self._edit(spec.with_layers(layers), text, merge)

    def _on_initializer(self, name: str) -> None:
        self._dense_edit(f"Initializer {name}", initializer=name)

    def _on_regularization(self, *_args: Any) -> None:
        kind = self.reg_combo.currentText()
        if kind not in REGULARIZATIONS:  # "mixed": a rate alone says nothing to apply
            return
        rate = float(self.reg_rate.value())
        self.reg_rate.setEnabled(kind != "none")
        if kind != "none" and rate == 0.0:
            with QSignalBlocker(self.reg_rate):
                self.reg_rate.setValue(0.001)
            rate = 0.001
        l1 = rate if kind == "l1" else 0.0
        l2 = rate if kind == "l2" else 0.0
        self._dense_edit(f"Regularization {kind} {rate:g}", "reg_rate", l1=l1, l2=l2)

    def _on_dropout(self, rate: float) -> None:
        """Dropout after every hidden dense layer at ``rate`` (none when 0)."""
        spec = self.document.spec
        dense = [layer for layer in spec.layers if layer.is_dense()]
        layers: list[LayerSpec] = []
        for i, layer in enumerate(dense):
            layers.append(layer)
            if rate > 0 and i < len(dense) - 1:
                layers.append(LayerSpec(kind="dropout", rate=float(rate)))
        self._edit(spec.with_layers(layers), f"Dropout {rate:g}", "dropout")

    def _on_clipnorm(self, value: float) -> None:
        clip = float(value) or None
        self._edit(replace(self.document.spec, clipnorm=clip), f"Clip norm {value:g}", "clipnorm")

    def _on_seed(self, value: int) -> None:
        self._edit(replace(self.document.spec, seed=int(value)), f"Seed {value}", "seed")

    def _emit_run_options(self, *_args: Any) -> None:
        self.runOptionsChanged.emit(self.epochs_spin.value(), self.patience_spin.value())

    @property
    def run_options(self) -> tuple[int, int]:
        return self.epochs_spin.value(), self.patience_spin.value()


def dropout_rates(spec: NetworkSpec) -> list[float]:
    """The dropout rate after each hidden dense layer (0.0 where there is none)."""
    layers = spec.layers
    last_dense = max(i for i, layer in enumerate(layers) if layer.is_dense())
    rates = [
        float(layers[i + 1].rate) if not layers[i + 1].is_dense() else 0.0
        for i, layer in enumerate(layers[:last_dense])
        if layer.is_dense()
    ]
    return rates or [0.0]


def _default(registry: Any, name: str, key: str) -> float:
    entry = registry.get(name)
    target = entry.__init__ if inspect.isclass(entry) else entry
    try:
        parameter = inspect.signature(target).parameters.get(key)
    except (TypeError, ValueError):
        parameter = None
    if parameter is None or parameter.default in (inspect.Parameter.empty, None):
        return 0.0
    return float(parameter.default)
