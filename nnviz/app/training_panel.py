"""Training controls: play/pause, single steps, resets, speed, counters and progress.

The buttons show the main window's actions (which carry the keyboard shortcuts listed in
the Training menu); this panel only lays them out and shows the counters of a snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.live import presets
from nnviz.live.snapshot import TrainingSnapshot

#: Speed slider positions in epochs per second (None: as fast as possible). Epochs, not
#: steps: batch 1 and full batch then pass over the data at comparable rates.
SPEEDS: tuple[float | None, ...] = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, None)
#: The slider's steps-per-second positions before version 0.2 (``speed_index`` in old
#: project files).
LEGACY_STEP_SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 30, 100, 300, 1000, None)


def steady_label(widest: str, text: str = "") -> QLabel:
    """A label sized once for its ``widest`` text, with its own background. A label whose
    text changes size asks its layout to re-lay out, which ripples up to the main window
    and repaints the docks; a transparent one repaints its parents under it."""
    label = QLabel(widest)
    label.setFixedSize(label.sizeHint())
    label.setAutoFillBackground(True)  # opaque: a new text repaints only the label
    label.setText(text)
    return label


def nearest_speed_index(epochs_per_second: float | None) -> int:
    """The slider position closest to ``epochs_per_second`` on a log scale."""
    if epochs_per_second is None or epochs_per_second <= 0:
        return len(SPEEDS) - 1
    distances = [
        abs(math.log(epochs_per_second / speed)) if speed else math.inf for speed in SPEEDS
    ]
    return distances.index(min(distances))


def steps_per_second(epochs_per_second: float | None, batches_per_epoch: int) -> float | None:
    """The worker's step rate that trains ``epochs_per_second`` (None: full speed)."""
    if epochs_per_second is None:
        return None
    return epochs_per_second * max(int(batches_per_epoch), 1)


def speed_label(epochs_per_second: float | None, batches_per_epoch: int = 1) -> str:
    """E.g. "10 epochs/s (150 steps/s)"; "full speed"."""
    if epochs_per_second is None:
        return "full speed"
    unit = "epoch/s" if epochs_per_second == 1 else "epochs/s"
    text = f"{epochs_per_second:g} {unit}"
    if batches_per_epoch > 1:
        text += f" ({steps_per_second(epochs_per_second, batches_per_epoch):,.0f} steps/s)"
    return text


def saved_epochs_per_second(
    settings: Mapping[str, object], batches_per_epoch: int
) -> float | Literal[False] | None:
    """The speed a project's run settings keep: ``epochs_per_second`` (None: full speed),
    or an older file's ``speed_index`` into :data:`LEGACY_STEP_SPEEDS` converted with
    the project's batches per epoch; False when the file keeps none (or a damaged one)."""
    if "epochs_per_second" in settings:
        value = settings["epochs_per_second"]
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
        return False
    index = settings.get("speed_index")
    if not isinstance(index, int) or isinstance(index, bool):
        return False
    if not 0 <= index < len(LEGACY_STEP_SPEEDS):
        return False
    steps = LEGACY_STEP_SPEEDS[index]
    return None if steps is None else steps / max(int(batches_per_epoch), 1)


class TrainingPanel(QWidget):
    """Buttons for the training actions, a speed control in epochs per second and the
    live counters.

    ``speedChanged(steps_per_second | None)`` carries the worker's step rate: the chosen
    epochs per second times the batches per epoch (re-sent when those change)."""

    speedChanged = Signal(object)

    def __init__(
        self,
        actions: list[QAction],
        parent: QWidget | None = None,
        *,
        epochs_per_second: float | None = presets.DEFAULT_EPOCHS_PER_SECOND,
    ) -> None:
        super().__init__(parent)
        self._batches_per_epoch = 1
        buttons = QGridLayout()
        self.buttons: dict[str, QToolButton] = {}
        for i, action in enumerate(actions):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            buttons.addWidget(button, i // 2, i % 2)
            self.buttons[action.objectName()] = button

        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setValue(nearest_speed_index(epochs_per_second))
        self.speed_slider.setToolTip(
            "Epochs (passes over the training data) per second: slow enough to watch the "
            "boundary form, or as fast as the computer can."
        )
        self.full_speed_button = QToolButton()
        self.full_speed_button.setText("Full speed")
        self.full_speed_button.setCheckable(True)
        self.full_speed_button.setToolTip(
            "Train as fast as the computer can (with many views open, the side views then "
            "redraw less often); click again to go back to the speed before."
        )
        self._watchable_index = (
            self.speed_slider.value()
            if SPEEDS[self.speed_slider.value()] is not None
            else nearest_speed_index(presets.DEFAULT_EPOCHS_PER_SECOND)
        )
        self.full_speed_button.clicked.connect(self._on_full_speed)
        self.speed_value = steady_label("200 epochs/s (9,999,999 steps/s)")
        self.speed_slider.valueChanged.connect(self._on_speed)
        speed_row = QHBoxLayout()
        speed_row.addWidget(self.speed_slider, 1)
        speed_row.addWidget(self.full_speed_button)

        # Sized for long runs; they are redrawn ten times a second while training. Not
        # selectable: a selection would not survive the next text, and a selectable label
        # rebuilds a text document at each new text (5x the cost of a plain one).
        self.epoch_label = steady_label("999999  (batch 99999/99999)", "0")
        self.step_label = steady_label("9999999999", "0")
        self.rate_label = steady_label("9,999,999", "–")
        self.loss_label = steady_label("0.0000  (validation 0.0000)", "–")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setToolTip("Progress toward the number of epochs set in Hyperparameters.")
        self.progress.setVisible(False)

        counters = QFormLayout()
        counters.addRow("Speed", speed_row)
        counters.addRow("", self.speed_value)
        counters.addRow("Epoch", self.epoch_label)
        counters.addRow("Step", self.step_label)
        counters.addRow("Steps per second", self.rate_label)
        counters.addRow("Loss", self.loss_label)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addLayout(counters)
        layout.addWidget(self.progress)
        layout.addStretch(1)
        self._show_speed()

    @property
    def epochs_per_second(self) -> float | None:
        """The chosen speed (None: full speed)."""
        return SPEEDS[self.speed_slider.value()]

    @property
    def speed(self) -> float | None:
        """The worker's step rate for the chosen speed (None: full speed)."""
        return steps_per_second(self.epochs_per_second, self._batches_per_epoch)

    def set_epochs_per_second(self, value: float | None) -> None:
        """Train at ``value`` epochs per second (None: full speed); the slider goes to
        the nearest of its positions (:data:`SPEEDS`)."""
        self.speed_slider.setValue(nearest_speed_index(value))

    def set_batches_per_epoch(self, batches: int) -> None:
        """The batch size or the data changed: the same epochs per second is now another
        step rate."""
        batches = max(int(batches), 1)
        if batches != self._batches_per_epoch:
            self._batches_per_epoch = batches
            self._show_speed()
            self.speedChanged.emit(self.speed)

    def _on_speed(self, position: int) -> None:
        if SPEEDS[position] is not None:
            self._watchable_index = position
        self._show_speed()
        self.speedChanged.emit(self.speed)

    def _on_full_speed(self, checked: bool) -> None:
        self.speed_slider.setValue(len(SPEEDS) - 1 if checked else self._watchable_index)
        self._show_speed()

    def _show_speed(self) -> None:
        self.speed_value.setText(speed_label(self.epochs_per_second, self._batches_per_epoch))
        self.full_speed_button.setChecked(self.epochs_per_second is None)

    def snapshot_key(self, snapshot: TrainingSnapshot) -> tuple[object, ...]:
        """What the panel shows of ``snapshot``: it redraws only when this changes."""
        epoch_text = f"{snapshot.epoch}"
        if snapshot.batches_per_epoch > 1:
            epoch_text += f"  (batch {snapshot.batch_in_epoch}/{snapshot.batches_per_epoch})"
        rate = f"{snapshot.steps_per_second:,.0f}" if snapshot.playing else "–"
        losses = snapshot.history.get("loss")
        if losses is not None and len(losses):
            loss = f"{float(losses[-1]):.4f}"
            val = snapshot.history.get("val_loss")
            if val is not None and len(val) and val[-1] == val[-1]:
                loss += f"  (validation {float(val[-1]):.4f})"
        elif len(snapshot.step_losses):
            loss = f"{float(snapshot.step_losses[-1]):.4f} (last step)"
        else:
            loss = "–"
        progress = None
        if snapshot.epochs_target > 0:
            progress = (
                round(1000 * snapshot.progress),
                f"{snapshot.epoch} / {snapshot.epochs_target} epochs",
            )
        return epoch_text, f"{snapshot.step}", rate, loss, progress

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        epoch, step, rate, loss, progress = self.snapshot_key(snapshot)
        for label, text in (
            (self.epoch_label, epoch),
            (self.step_label, step),
            (self.rate_label, rate),
            (self.loss_label, loss),
        ):
            if label.text() != text:
                label.setText(text)
        self.progress.setVisible(progress is not None)
        if progress is not None:
            self.progress.setValue(progress[0])
            self.progress.setFormat(progress[1])
