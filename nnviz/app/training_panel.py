"""Training controls: play/pause, single steps, resets, speed, counters and progress.

The buttons show the main window's actions (which carry the keyboard shortcuts listed in
the Training menu); this panel only lays them out and shows the counters of a snapshot.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.live.snapshot import TrainingSnapshot

#: Speed slider positions: maximum steps per second (None: as fast as possible).
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 30, 100, 300, 1000, None)


def steady_label(widest: str, text: str = "") -> QLabel:
    """A label sized once for its ``widest`` text, with its own background. A label whose
    text changes size asks its layout to re-lay out, which ripples up to the main window
    and repaints the docks; a transparent one repaints its parents under it."""
    label = QLabel(widest)
    label.setFixedSize(label.sizeHint())
    label.setAutoFillBackground(True)  # opaque: a new text repaints only the label
    label.setText(text)
    return label


def speed_label(speed: float | None) -> str:
    return "full speed" if speed is None else f"{speed:g} steps/s"


class TrainingPanel(QWidget):
    """Buttons for the training actions, a speed slider and the live counters."""

    speedChanged = Signal(object)

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        self.speed_slider.setValue(len(SPEEDS) - 1)
        self.speed_slider.setToolTip(
            "Slow training down to watch single steps, or let it run as fast as it can."
        )
        self.speed_value = QLabel(speed_label(None))
        self.speed_slider.valueChanged.connect(self._on_speed)

        # Sized for long runs; they are redrawn ten times a second while training.
        self.epoch_label = steady_label("999999  (batch 99999/99999)", "0")
        self.step_label = steady_label("9999999999", "0")
        self.rate_label = steady_label("9,999,999", "–")
        self.loss_label = steady_label("0.0000  (validation 0.0000)", "–")
        for label in (self.epoch_label, self.step_label, self.rate_label, self.loss_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setToolTip("Progress toward the number of epochs set in Hyperparameters.")
        self.progress.setVisible(False)

        counters = QFormLayout()
        counters.addRow("Speed", self.speed_slider)
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

    @property
    def speed(self) -> float | None:
        return SPEEDS[self.speed_slider.value()]

    def _on_speed(self, position: int) -> None:
        self.speed_value.setText(speed_label(SPEEDS[position]))
        self.speedChanged.emit(SPEEDS[position])

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
