"""Loss and accuracy curves: train and validation per epoch, the smoothed per-step loss."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.app.plots.style import (
    STEP_COLOR,
    TRAIN_COLOR,
    VALIDATION_COLOR,
    fixed_left_axis,
    legend_html,
    thinned,
)
from nnviz.live.snapshot import TrainingSnapshot


def _curve(plot: pg.PlotItem, color: str, name: str, width: float = 2.0) -> pg.PlotDataItem:
    item = plot.plot(pen=pg.mkPen(color, width=width), name=name)
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak")
    return item


class TrainingCurvesView(QWidget):
    """Loss (left) and accuracy (right) against epochs. The per-step loss is drawn at its
    fractional epoch, so both share one x axis; hover a plot to read the values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.loss_plot = self.graphics.addPlot(title="Loss")
        self.accuracy_plot = self.graphics.addPlot(title="Accuracy")
        for plot, label in ((self.loss_plot, "loss"), (self.accuracy_plot, "accuracy")):
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", label)
            fixed_left_axis(plot)
        self.accuracy_plot.setYRange(0.0, 1.0, padding=0.02)
        self.step_loss_curve = _curve(self.loss_plot, STEP_COLOR, "train, per step", 1.0)
        self.train_loss_curve = _curve(self.loss_plot, TRAIN_COLOR, "train")
        self.val_loss_curve = _curve(self.loss_plot, VALIDATION_COLOR, "validation")
        self.train_accuracy_curve = _curve(self.accuracy_plot, TRAIN_COLOR, "train")
        self.val_accuracy_curve = _curve(self.accuracy_plot, VALIDATION_COLOR, "validation")

        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip(
            "Draw the loss on a logarithmic axis, so late, small improvements stay visible."
        )
        self.log_check.toggled.connect(self.set_log_scale)
        self.readout = QLabel("Hover a curve to read its values.")
        self.readout.setObjectName("curveReadout")
        self.legend = QLabel(
            legend_html(
                [
                    ("train", TRAIN_COLOR),
                    ("validation", VALIDATION_COLOR),
                    ("train, per step (smoothed)", STEP_COLOR),
                ]
            )
        )
        top = QHBoxLayout()
        top.addWidget(self.log_check)
        top.addWidget(self.legend)
        top.addStretch(1)
        top.addWidget(self.readout)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        self._snapshot: TrainingSnapshot | None = None
        self._epochs_drawn: dict[str, tuple[int, int]] = {}
        self._turn = False
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_log_scale(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)

    def clear(self) -> None:
        self._snapshot = None
        self._epochs_drawn.clear()
        for item in self._items():
            item.setData([], [])

    def _items(self) -> tuple[pg.PlotDataItem, ...]:
        return (
            self.step_loss_curve,
            self.train_loss_curve,
            self.val_loss_curve,
            self.train_accuracy_curve,
            self.val_accuracy_curve,
        )

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        """Draw the history. While training, the loss and the accuracy plot take turns, so
        one frame never repaints both (each redraw holds the interpreter lock)."""
        self._snapshot = snapshot
        self._turn = not self._turn
        if not snapshot.playing or self._turn:
            self._show_loss(snapshot)
        if not snapshot.playing or not self._turn:
            self._show_epochs(
                snapshot,
                (
                    ("accuracy", self.train_accuracy_curve),
                    ("val_accuracy", self.val_accuracy_curve),
                ),
            )

    def _show_loss(self, snapshot: TrainingSnapshot) -> None:
        losses = snapshot.smoothed_losses
        if len(losses):
            keep = thinned(len(losses))
            x = np.asarray(snapshot.smoothed_steps, dtype=np.float64)[keep]
            self.step_loss_curve.setData(x / max(snapshot.batches_per_epoch, 1), losses[keep])
        else:
            self.step_loss_curve.setData([], [])
        self._show_epochs(
            snapshot, (("loss", self.train_loss_curve), ("val_loss", self.val_loss_curve))
        )

    def _show_epochs(
        self, snapshot: TrainingSnapshot, curves: tuple[tuple[str, pg.PlotDataItem], ...]
    ) -> None:
        history = snapshot.history
        drawn = (snapshot.epoch, len(history.get("loss", ())))
        if self._epochs_drawn.get(curves[0][0]) == drawn:
            return
        self._epochs_drawn[curves[0][0]] = drawn
        for key, item in curves:
            values = history.get(key)
            epochs = snapshot.history_epochs.get(key)
            if values is None or epochs is None or not len(values):
                item.setData([], [])
                continue
            keep = thinned(len(values))
            if not np.isfinite(values[keep]).any():
                item.setData([], [])
            else:
                x = np.asarray(epochs, dtype=np.float64)[keep]
                item.setData(x, values[keep], connect="finite")

    def readout_at(self, plot: pg.PlotItem, x: float) -> str:
        """The values of the epoch nearest to ``x`` on ``plot``, as shown on hover."""
        snap = self._snapshot
        if snap is None or not len(snap.history.get("loss", ())):
            return "No epoch finished yet."
        keys = ("loss", "val_loss") if plot is self.loss_plot else ("accuracy", "val_accuracy")
        epochs = np.asarray(snap.history_epochs["loss"])
        nearest = int(np.argmin(np.abs(epochs - x)))
        epoch = int(epochs[nearest])
        parts = [f"epoch {epoch}"]
        for key in keys:
            at = np.flatnonzero(np.asarray(snap.history_epochs[key]) == epoch)
            value = float(snap.history[key][at[0]]) if len(at) else math.nan
            if math.isfinite(value):
                parts.append(f"{key.replace('_', ' ')} {value:.4f}")
        return ": ".join(parts[:1]) + ": " + ", ".join(parts[1:]) if len(parts) > 1 else parts[0]

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        for plot in (self.loss_plot, self.accuracy_plot):
            if plot.sceneBoundingRect().contains(scene_pos):
                x = plot.vb.mapSceneToView(scene_pos).x()
                self.readout.setText(self.readout_at(plot, x))
                return
