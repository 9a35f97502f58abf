"""Loss and accuracy curves: train and validation per epoch, the smoothed per-step loss,
and the curves of kept runs overlaid (faded, one colour each, validation dashed).

The x axis counts epochs, steps or examples seen: runs with different batch sizes line up
on examples (an epoch of batch 1 is many steps, of the full batch one)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.app.frame_clock import history_key
from nnviz.app.plots.style import (
    STEP_COLOR,
    STEP_CURVE_WIDTH,
    TRAIN_COLOR,
    VALIDATION_COLOR,
    FastCurve,
    SteadyRange,
    fast_curve,
    fixed_left_axis,
    legend_html,
    style_axes,
    thinned,
)
from nnviz.live.runs import Run, examples_seen
from nnviz.live.snapshot import TrainingSnapshot

#: the x axis choices: (key of RunCurves.x, label)
X_AXES = (("epochs", "epoch"), ("steps", "step"), ("examples", "examples seen"))
OVERLAY_ALPHA = 150  # kept runs are drawn faded behind the live curves
OVERLAY_KEYS = (("loss", "val_loss"), ("accuracy", "val_accuracy"))
READOUT_WIDTH = 170


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
            style_axes(plot)
        self.accuracy_plot.setYRange(0.0, 1.0, padding=0.02)
        # The epochs grow: the x axis doubles when they reach its end.
        self.epoch_ranges = (
            SteadyRange(self.loss_plot.vb, "x", margin=1.0),
            SteadyRange(self.accuracy_plot.vb, "x", margin=1.0),
        )
        self.loss_range = SteadyRange(self.loss_plot.vb, "y")
        self._loss_bounds = (math.nan, math.nan)  # of the epoch curves
        self.step_loss_curve = fast_curve(
            self.loss_plot, pg.mkPen(STEP_COLOR, width=STEP_CURVE_WIDTH), "train, per step"
        )
        self.train_loss_curve = fast_curve(self.loss_plot, pg.mkPen(TRAIN_COLOR, width=2), "train")
        self.val_loss_curve = fast_curve(
            self.loss_plot, pg.mkPen(VALIDATION_COLOR, width=2), "validation"
        )
        self.train_accuracy_curve = fast_curve(
            self.accuracy_plot, pg.mkPen(TRAIN_COLOR, width=2), "train"
        )
        self.val_accuracy_curve = fast_curve(
            self.accuracy_plot, pg.mkPen(VALIDATION_COLOR, width=2), "validation"
        )

        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip(
            "Draw the loss on a logarithmic axis, so late, small improvements stay visible."
        )
        self.log_check.toggled.connect(self.set_log_scale)
        self.x_combo = QComboBox()
        self.x_combo.setObjectName("curvesXAxis")
        for key, _ in X_AXES:
            self.x_combo.addItem(key, key)
        self.x_combo.setToolTip(
            "What the x axis counts: epochs, training steps or examples seen. On examples, "
            "runs with different batch sizes line up."
        )
        self.x_combo.currentIndexChanged.connect(self._on_x_chosen)
        self.x_axis = "epochs"
        self.readout = QLabel("Hover a curve to read its values.")
        self.readout.setObjectName("curveReadout")
        # two lines in a narrow dock rather than a window wider than a 1280-pixel screen
        self.readout.setWordWrap(True)
        self.readout.setMinimumWidth(READOUT_WIDTH)
        self.legend = QLabel(
            legend_html(
                [
                    ("train", TRAIN_COLOR),
                    ("validation", VALIDATION_COLOR),
                    ("per step", STEP_COLOR),
                ]
            )
        )
        self.legend.setToolTip("Grey: the training loss of every step, smoothed")
        self.runs_legend = QLabel("")
        self.runs_legend.setObjectName("runsLegend")
        self.runs_legend.setWordWrap(True)
        self.runs_legend.hide()
        top = QHBoxLayout()
        top.addWidget(self.x_combo)
        top.addWidget(self.log_check)
        top.addWidget(self.legend)
        top.addStretch(1)
        top.addWidget(self.readout)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.runs_legend)
        layout.addWidget(self.graphics, 1)
        #: run id -> (run, colour, its four curves: loss, val loss, accuracy, val accuracy)
        self.overlays: dict[str, tuple[Run, str, tuple[pg.PlotDataItem, ...]]] = {}
        self._overlay_extent = (math.nan, math.nan, 0.0)  # see _draw_overlays
        self._snapshot: TrainingSnapshot | None = None
        # The epoch history drawn: its buffer and length (redrawn when either changes).
        self._epochs_drawn: tuple[np.ndarray | None, int] = (None, -1)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_log_scale(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_range.reset()
        if self._snapshot is not None:
            self._fit_ranges(self._snapshot)
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)

    def set_x_axis(self, axis: str) -> None:
        """Count the x axis in ``"epochs"``, ``"steps"`` or ``"examples"`` (live curves and
        overlays alike)."""
        index = self.x_combo.findData(axis)
        if index < 0:
            raise ValueError(f"the x axis counts one of {[k for k, _ in X_AXES]}, not {axis!r}")
        self.x_combo.setCurrentIndex(index)

    def _on_x_chosen(self, index: int) -> None:
        self.x_axis = self.x_combo.itemData(index)
        label = dict(X_AXES)[self.x_axis]
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setLabel("bottom", label)
        for steady in self.epoch_ranges:
            steady.reset()
        self._epochs_drawn = (None, -1)
        self._draw_overlays()
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def set_overlays(self, runs: list[tuple[Run, str]]) -> None:
        """Overlay the curves of ``runs`` (each with its colour), faded and labelled."""
        for _, _, items in self.overlays.values():
            plots = (self.loss_plot,) * 2 + (self.accuracy_plot,) * 2
            for plot, item in zip(plots, items, strict=True):
                plot.removeItem(item)
        self.overlays = {}
        for run, color in runs:
            items = []
            for plot, keys in zip((self.loss_plot, self.accuracy_plot), OVERLAY_KEYS, strict=True):
                for key in keys:
                    faded = QColor(color)
                    faded.setAlpha(OVERLAY_ALPHA)
                    style = Qt.PenStyle.DashLine if key.startswith("val") else Qt.PenStyle.SolidLine
                    item = plot.plot(pen=pg.mkPen(faded, width=2, style=style), name=run.name)
                    item.setZValue(-10)  # behind the live curves
                    items.append(item)
            self.overlays[run.run_id] = (run, color, tuple(items))
        self.runs_legend.setText(self.runs_legend_at())
        self.runs_legend.setVisible(bool(runs))
        self._draw_overlays()
        if self._snapshot is not None:
            self._fit_ranges(self._snapshot)

    def _draw_overlays(self) -> None:
        """Give the overlay curves their data in the chosen x axis; note the lowest and
        highest loss and the last x they reach (the axes make room for them)."""
        keys = [key for pair in OVERLAY_KEYS for key in pair]
        low, high, last = math.nan, math.nan, 0.0
        for run, _, items in self.overlays.values():
            for key, item in zip(keys, items, strict=True):
                values = run.curves.values.get(key)
                if values is None or not np.isfinite(values).any():
                    item.setData([], [])
                    continue
                x = run.curves.x(key, self.x_axis)
                item.setData(x, values, connect="finite")
                last = max(last, float(x[-1]))
                if key.endswith("loss"):
                    low = np.fmin(low, np.fmin.reduce(values))
                    high = np.fmax(high, np.fmax.reduce(values))
        self._overlay_extent = (float(low), float(high), last)

    def overlay_curve(self, run_id: str, key: str) -> pg.PlotDataItem:
        """The overlay curve ``key`` (``"loss"``, ``"val_accuracy"``...) of run ``run_id``."""
        keys = [k for pair in OVERLAY_KEYS for k in pair]
        return self.overlays[run_id][2][keys.index(key)]

    def _x_of_steps(self, snapshot: TrainingSnapshot, steps: np.ndarray) -> np.ndarray:
        """Step numbers counted in the chosen x axis."""
        if self.x_axis == "steps":
            return steps.astype(np.float64)
        if self.x_axis == "examples" and snapshot.n_train:
            return examples_seen(steps, snapshot.batch_size, snapshot.n_train).astype(np.float64)
        return steps / max(snapshot.batches_per_epoch, 1)

    def _x_of_epochs(self, snapshot: TrainingSnapshot, epochs: np.ndarray) -> np.ndarray:
        """Epoch numbers counted in the chosen x axis."""
        epochs = epochs.astype(np.float64)
        if self.x_axis == "steps":
            return epochs * max(snapshot.batches_per_epoch, 1)
        if self.x_axis == "examples" and snapshot.n_train:
            return epochs * snapshot.n_train
        return epochs

    def clear(self) -> None:
        self._snapshot = None
        self._epochs_drawn = (None, -1)
        for item in self._items():
            item.setData([], [])

    def _items(self) -> tuple[FastCurve, ...]:
        return (
            self.step_loss_curve,
            self.train_loss_curve,
            self.val_loss_curve,
            self.train_accuracy_curve,
            self.val_accuracy_curve,
        )

    def snapshot_key(self, snapshot: TrainingSnapshot) -> tuple[object, ...]:
        """The histories drawn: redrawn when a step or an epoch is added, or on a reset."""
        return (
            history_key(snapshot.smoothed_losses),
            history_key(snapshot.history.get("loss")),
            snapshot.batches_per_epoch,
        )

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        """Draw the per-step loss, and the per-epoch curves when an epoch was added."""
        self._snapshot = snapshot
        steps = snapshot.smoothed_losses
        n = len(steps)
        if n:
            keep = thinned(n)
            x = self._x_of_steps(snapshot, snapshot.smoothed_steps[keep])
            self.step_loss_curve.setData(x, steps[keep])
        else:
            self.step_loss_curve.setData([], [])
        self._show_epochs(snapshot)
        self._fit_ranges(snapshot)

    def _fit_ranges(self, snapshot: TrainingSnapshot) -> None:
        """Move the axes only when the curves leave them (see SteadyRange)."""
        n = len(snapshot.smoothed_losses)
        last_step = snapshot.smoothed_steps[-1:] if n else np.zeros(1, np.int64)
        last = max(
            float(self._x_of_steps(snapshot, last_step)[0]),
            float(self._x_of_epochs(snapshot, np.array([snapshot.epoch]))[0]),
        )
        overlay_low, overlay_high, overlay_last = self._overlay_extent
        low, high = self._loss_bounds
        low, high = np.fmin(low, overlay_low), np.fmax(high, overlay_high)
        last = max(last, overlay_last)
        for steady in self.epoch_ranges:
            steady.show(0.0, max(last, 1.0), pad_low=False)
        if n:
            shown = snapshot.smoothed_losses[thinned(n)]
            low, high = np.fmin(low, np.fmin.reduce(shown)), np.fmax(high, np.fmax.reduce(shown))
        if self.log_check.isChecked():
            low = max(low, 1e-12)
            low, high = math.log10(low), math.log10(max(high, low))
        self.loss_range.show(float(low), float(high))

    def _show_epochs(self, snapshot: TrainingSnapshot) -> None:
        history = snapshot.history
        losses = history.get("loss")
        n = 0 if losses is None else len(losses)
        root = None if losses is None else losses.base if losses.base is not None else losses
        if self._epochs_drawn[0] is root and self._epochs_drawn[1] == n:
            return
        self._epochs_drawn = (root, n)
        self._loss_bounds = (math.nan, math.nan)
        keep = thinned(n)
        for key, item in (
            ("loss", self.train_loss_curve),
            ("val_loss", self.val_loss_curve),
            ("accuracy", self.train_accuracy_curve),
            ("val_accuracy", self.val_accuracy_curve),
        ):
            values = history.get(key)
            epochs = snapshot.history_epochs.get(key)
            if (
                values is None
                or epochs is None
                or len(values) != n
                or n == 0
                or not np.isfinite(values).any()
            ):
                item.setData([], [])
            else:
                x = self._x_of_epochs(snapshot, epochs[keep])
                item.setData(x, values[keep], connect="finite")
                if key.endswith("loss"):
                    low, high = self._loss_bounds
                    self._loss_bounds = (
                        np.fmin(low, np.fmin.reduce(values)),
                        np.fmax(high, np.fmax.reduce(values)),
                    )

    def runs_legend_at(self, plot: pg.PlotItem | None = None, x: float = 0.0) -> str:
        """The shown runs' legend; on hover (``plot``) each run's training value nearest
        to ``x`` beside its name."""
        key = "loss" if plot is self.loss_plot else "accuracy"
        entries = []
        for run, color, _ in self.overlays.values():
            label = run.name
            values = run.curves.values.get(key)
            if plot is not None and values is not None and len(values):
                nearest = int(np.argmin(np.abs(run.curves.x(key, self.x_axis) - x)))
                if math.isfinite(values[nearest]):
                    label += f" {values[nearest]:.4f}"
            entries.append((label, color))
        return "Runs: " + legend_html(entries) + "&nbsp;&nbsp;(dashed: validation)"

    def readout_at(self, plot: pg.PlotItem, x: float) -> str:
        """The values of the epoch nearest to ``x`` on ``plot``, as shown on hover."""
        snap = self._snapshot
        if snap is None or not len(snap.history.get("loss", ())):
            return "No epoch finished yet."
        keys = ("loss", "val_loss") if plot is self.loss_plot else ("accuracy", "val_accuracy")
        epochs = np.asarray(snap.history_epochs["loss"])
        at_x = self._x_of_epochs(snap, epochs)
        epoch = int(epochs[int(np.argmin(np.abs(at_x - x)))])
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
                if self.overlays:
                    self.runs_legend.setText(self.runs_legend_at(plot, x))
                return
