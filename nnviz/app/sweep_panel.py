"""The Sweeps dock: a grid of one or two settings trained in the training worker, shown as
a heatmap of the chosen metric; a click on a cell continues from that cell's network.

The panel only describes the sweep and draws its reports: the cells train in the worker as
a :class:`~nnviz.live.sweep.SweepJob` (exclusive: live training pauses meanwhile), which
reports the finished cells about ten times a second. Clicking a trained cell puts its
network, final weights, optimizer state, counters and per-epoch curves into the live
workspace as one undo entry (:meth:`NetworkDocument.continue_from`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QGraphicsRectItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.banner import ErrorBanner
from nnviz.app.controller import TrainingController
from nnviz.app.document import NetworkDocument
from nnviz.app.plots.style import PictureItem, lut_rgba, style_axes, text_color
from nnviz.engine.spec import SpecError
from nnviz.io.export import ExportError
from nnviz.live.edits import EditRefused
from nnviz.live.jobs import JobReport
from nnviz.live.sweep import (
    MAX_EPOCHS,
    METRIC_LABELS,
    METRICS,
    SETTINGS,
    CellResult,
    Sweep,
    SweepError,
    SweepJob,
    SweepProgress,
    SweepResult,
    write_sweep_csv,
)

NONE = "(none)"
DEFAULT_EPOCHS = 20
DIVERGED_COLOR = QColor("#8c8c8c")
PENDING_COLOR = QColor("#e8e8e8")
SHOWN_HEIGHT = 560  # the dock's height while a sweep is shown (its controls and heatmap)
DEFAULTS = {"lr": "0.001, 0.01, 0.1, 1", "batch": "1, 16, full"}


def _metric_text(metric: str, value: float) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{100 * value:.1f}%" if metric.endswith("accuracy") else f"{value:.3g}"


class SweepHeatmap(pg.GraphicsLayoutWidget):
    """The metric of each cell as a coloured square with its value written in it: the
    first setting along x, the second along y; brighter is better (viridis, reversed for
    losses); diverged cells grey and marked; the best cell outlined. The title stays
    short: a title wider than the widget pushes the plot out of view.
    ``cellClicked(i, j)`` on a left click."""

    cellClicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.addPlot()
        style_axes(self.plot)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.getViewBox().setDefaultPadding(0.0)
        self.image = PictureItem()
        self.plot.addItem(self.image)
        self.best_marker = QGraphicsRectItem(0, 0, 1, 1)
        pen = QPen(QColor("#d55e00"), 4)
        pen.setCosmetic(True)
        self.best_marker.setPen(pen)
        self.best_marker.setZValue(5)
        self.best_marker.hide()
        self.plot.addItem(self.best_marker)
        self.labels: list[list[pg.TextItem]] = []
        self.grid = np.full((0, 0), np.nan)
        self.result: SweepResult | None = None
        # not "metric": an attribute of that name hides QPaintDevice.metric from Qt (a crash)
        self.shown_metric = METRICS[0]
        self._lut = pg.colormap.get("viridis").getLookupTable(0.0, 1.0, 256, alpha=True)
        self._help = (
            "Brighter is better; grey: diverged; outlined: the best cell. Click a cell to "
            "continue from its network and weights (Ctrl+Z undoes)."
        )
        self.setToolTip(self._help)
        self.scene().sigMouseClicked.connect(self._on_clicked)
        self.scene().sigMouseMoved.connect(self._on_hovered)
        self.setMinimumHeight(100)

    def show_result(self, result: SweepResult | None, metric: str) -> None:
        """Draw ``result``'s ``metric`` (None: empty)."""
        self.result, self.shown_metric = result, metric
        if result is None:
            self.grid = np.full((0, 0), np.nan)
            self.image.clear()
            self.best_marker.hide()
            self._make_labels(0, 0)
            return
        self.grid = result.metric_grid(metric)
        diverged = result.diverged_grid()
        trained = np.zeros(self.grid.shape, dtype=bool)
        for cell in result.cells:
            trained[cell.index] = True
        rows, cols = self.grid.shape
        self._axes(result)
        colours = self._colours(self.grid, ~diverged & trained)
        colours[~trained] = PENDING_COLOR.getRgb()
        colours[diverged] = DIVERGED_COLOR.getRgb()
        # the image's rows are y (the second setting), its columns x (the first)
        self.image.setImage(np.ascontiguousarray(colours.transpose(1, 0, 2)))
        self.image.setRect(0, 0, rows, cols)
        self.plot.setRange(xRange=(0, rows), yRange=(0, cols), padding=0.0)
        best = result.best(metric)
        self.best_marker.setVisible(best is not None)
        if best is not None:
            self.best_marker.setRect(best.index[0], best.index[1], 1, 1)
        if len(self.labels) != rows or (self.labels and len(self.labels[0]) != cols):
            self._make_labels(rows, cols)
        for i in range(rows):
            for j in range(cols):
                text = _metric_text(metric, self.grid[i, j]) if trained[i, j] else "…"
                if diverged[i, j]:
                    text = f"diverged\n{text}"
                dark = trained[i, j] and (diverged[i, j] or self._is_dark(colours[i, j]))
                label = self.labels[i][j]
                label.setText(text, color=QColor("white" if dark else "black"))

    def _colours(self, grid: np.ndarray, usable: np.ndarray) -> np.ndarray:
        """Accuracies linearly; losses on a log scale, reversed (one blown-up cell would
        otherwise make every other cell the same colour)."""
        if self.shown_metric.endswith("accuracy"):
            shown = grid
        else:
            with np.errstate(invalid="ignore"):
                shown = -np.log10(np.maximum(grid, 1e-12))
        values = shown[usable & np.isfinite(shown)]
        low, high = (values.min(), values.max()) if values.size else (0.0, 1.0)
        if high - low < 1e-12:
            low, high = low - 0.5, high + 0.5
        return lut_rgba(np.nan_to_num(shown, nan=low), self._lut, low, high)

    @staticmethod
    def _is_dark(rgba: np.ndarray) -> bool:
        r, g, b = (float(v) for v in rgba[:3])
        return 0.299 * r + 0.587 * g + 0.114 * b < 140

    def _axes(self, result: SweepResult) -> None:
        axes = result.sweep.axes
        first = axes[0]
        bottom, left = self.plot.getAxis("bottom"), self.plot.getAxis("left")
        bottom.setTicks([[(i + 0.5, t) for i, t in enumerate(first.labels())]])
        self.plot.setLabel("bottom", first.setting.label)
        if len(axes) > 1:
            left.setTicks([[(j + 0.5, t) for j, t in enumerate(axes[1].labels())]])
            self.plot.setLabel("left", axes[1].setting.label)
        else:
            left.setTicks([[]])
            self.plot.setLabel("left", "")
        title = f"{METRIC_LABELS[self.shown_metric]} after {result.sweep.epochs} epochs"
        if result.cells and not np.isfinite(self.grid).any():
            title = f"no {METRIC_LABELS[self.shown_metric]}: the data have no validation split"
        self.plot.setTitle(title, color=text_color())

    def _make_labels(self, rows: int, cols: int) -> None:
        for row in self.labels:
            for label in row:
                self.plot.removeItem(label)
        font = QFont()  # the application's, a little larger (it follows presentation mode)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.labels = []
        for i in range(rows):
            column = []
            for j in range(cols):
                label = pg.TextItem(anchor=(0.5, 0.5))
                label.setFont(font)
                label.setPos(i + 0.5, j + 0.5)
                self.plot.addItem(label)
                column.append(label)
            self.labels.append(column)

    def cell_center(self, i: int, j: int) -> QPointF:
        """Where cell ``(i, j)`` is drawn, in this widget's viewport (for clicks)."""
        scene = self.plot.vb.mapViewToScene(QPointF(i + 0.5, j + 0.5))
        return self.mapFromScene(scene)

    def cell_at(self, scene_position: QPointF) -> tuple[int, int] | None:
        """The cell under a point of the scene, or None."""
        if not self.grid.size or not self.plot.vb.sceneBoundingRect().contains(scene_position):
            return None
        point = self.plot.vb.mapSceneToView(QPointF(scene_position))
        i, j = math.floor(point.x()), math.floor(point.y())
        rows, cols = self.grid.shape
        return (i, j) if 0 <= i < rows and 0 <= j < cols else None

    def _on_clicked(self, event: object) -> None:
        cell = self.cell_at(event.scenePos())
        if event.button() == Qt.MouseButton.LeftButton and cell is not None:
            self.cellClicked.emit(*cell)

    def _on_hovered(self, scene_position: QPointF) -> None:
        """The hovered cell's four metrics and, if it diverged, why."""
        index = self.cell_at(scene_position)
        cell = None if index is None or self.result is None else self.result.cell(*index)
        if cell is None:
            self.setToolTip(self._help)
            return
        lines = [f"<b>{cell.label}</b>"] + [
            f"{METRIC_LABELS[m]}: {_metric_text(m, cell.metric(m))}" for m in METRICS
        ]
        if cell.reason:
            lines.append(f"<i>{cell.reason}</i>")
        self.setToolTip("<br>".join(lines))


class SweepPanel(QWidget):
    """Choose one or two settings and their values, the epochs and the metric; Start and
    Cancel; the heatmap; Save CSV. ``started`` when a sweep begins."""

    started = Signal()

    def __init__(
        self,
        controller: TrainingController,
        document: NetworkDocument,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller, self.document = controller, document
        self.job_id = 0
        self.progress: SweepProgress | None = None
        self._ended: JobReport | None = None  # how the last sweep ended
        self.banner = ErrorBanner()
        self.setting_combos: list[QComboBox] = []
        self.value_edits: list[QLineEdit] = []
        form = QGridLayout()
        form.setContentsMargins(0, 0, 0, 0)
        for row, (title, key) in enumerate((("Sweep", "lr"), ("by", "batch"))):
            combo = QComboBox()
            if row:
                combo.addItem(NONE, None)
            for setting in SETTINGS.values():
                combo.addItem(setting.label, setting.key)
            combo.setCurrentIndex(combo.findData(key))
            edit = QLineEdit(DEFAULTS.get(key, ""))
            edit.setObjectName(f"sweepValues{row + 1}")
            combo.currentIndexChanged.connect(lambda _i, r=row: self._on_setting_chosen(r))
            edit.returnPressed.connect(self.start)
            form.addWidget(QLabel(title), row, 0)
            form.addWidget(combo, row, 1)
            form.addWidget(edit, row, 2)
            self.setting_combos.append(combo)
            self.value_edits.append(edit)
        form.setColumnStretch(2, 1)
        for row in (0, 1):
            self._on_setting_chosen(row, keep_text=True)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, MAX_EPOCHS)
        self.epochs_spin.setValue(DEFAULT_EPOCHS)
        self.epochs_spin.setToolTip("Every cell trains this many epochs from the same start")
        self.metric_combo = QComboBox()
        for metric in METRICS:
            self.metric_combo.addItem(METRIC_LABELS[metric], metric)
        self.metric_combo.setCurrentIndex(METRICS.index("val_accuracy"))
        self.metric_combo.currentIndexChanged.connect(self._on_metric_chosen)
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip(
            "Train every cell from the live network's initial weights (as Reset to start); "
            "live training pauses meanwhile"
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the sweep; the finished cells stay")
        self.save_button = QPushButton("Save CSV…")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button.clicked.connect(self._ask_save_csv)
        options = QHBoxLayout()
        options.addWidget(QLabel("Epochs"))
        options.addWidget(self.epochs_spin)
        options.addWidget(QLabel("Show"))
        options.addWidget(self.metric_combo, 1)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress_bar, 1)
        buttons.addWidget(self.save_button)
        self.status = QLabel("Choose settings and values, then Start.")
        self.status.setWordWrap(True)
        self.heatmap = SweepHeatmap()
        self.heatmap.cellClicked.connect(self.restore_cell)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addLayout(options)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.heatmap, 1)
        controller.jobReported.connect(self._on_job_reported)
        controller.restarted.connect(self._on_restarted)
        self._set_running(False)

    # -- describing and starting --------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job_id != 0

    @property
    def result(self) -> SweepResult | None:
        return None if self.progress is None else self.progress.result

    def set_setting(self, row: int, key: str | None, values: str) -> None:
        """Choose the ``row``-th setting (0 or 1; None: none for the second) and its values."""
        combo = self.setting_combos[row]
        combo.setCurrentIndex(combo.findData(key))
        self.value_edits[row].setText(values)

    def _on_setting_chosen(self, row: int, keep_text: bool = False) -> None:
        key = self.setting_combos[row].currentData()
        edit = self.value_edits[row]
        edit.setEnabled(key is not None)
        if key is None:
            edit.setPlaceholderText("")
            return
        edit.setPlaceholderText(SETTINGS[key].example)
        edit.setToolTip(f"{SETTINGS[key].label} values, e.g. {SETTINGS[key].example}")
        if not keep_text:
            edit.setText(DEFAULTS.get(key, ""))

    def sweep(self) -> Sweep:
        """The sweep the controls describe (SweepError saying what to fix)."""
        texts: dict[str, str] = {}
        for combo, edit in zip(self.setting_combos, self.value_edits, strict=True):
            key = combo.currentData()
            if key is not None:
                if key in texts:
                    raise SweepError(f"the {SETTINGS[key].label} is chosen twice: pick another")
                texts[key] = edit.text()
        return Sweep.parse(texts, self.epochs_spin.value())

    @Slot()
    def start(self) -> None:
        """Check the sweep against the network and data, then run it in the worker."""
        if self.running:
            return
        try:
            sweep = self.sweep()
            data = self.document.data
            if data is not None:
                sweep.check(self.document.spec, data)
        except (SweepError, SpecError) as exc:
            self.banner.show_message(f"Cannot start this sweep: {exc}.")
            return
        self.banner.hide()
        job = SweepJob(sweep)
        self.job_id = self.controller.start_job(job)
        if not self.job_id:
            self.banner.show_message("Training has not started yet: try again in a moment.")
            return
        self.progress, self._ended = job.result(), None
        self._set_running(True)
        self.status.setText(f"Training {sweep.n_cells} cells of {sweep.epochs} epochs…")
        self.progress_bar.setValue(0)
        self._redraw()
        self.started.emit()

    @Slot()
    def cancel(self) -> None:
        if self.running:
            self.controller.cancel_job(self.job_id)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.save_button.setEnabled(not running and bool(self.result and self.result.cells))

    # -- reports ------------------------------------------------------------------------
    @Slot(object)
    def _on_job_reported(self, report: JobReport) -> None:
        if report.job_id != self.job_id or not isinstance(report.result, SweepProgress):
            return
        shown = self.progress
        self.progress = report.result
        self.progress_bar.setValue(round(1000 * report.progress))
        progress = report.result
        if report.done:
            self.job_id = 0
            self._set_running(False)
            self._ended = report
            self.status.setText(self._end_text(report))
            if report.error:
                self.banner.show_message(f"The sweep stopped: {report.error}")
        else:
            self.status.setText(
                f"Cell {min(progress.cells_done + 1, progress.cells_total)} of "
                f"{progress.cells_total}: {progress.current}"
            )
        if shown is None or len(shown.result.cells) != len(progress.result.cells) or report.done:
            self._redraw()

    def _end_text(self, report: JobReport) -> str:
        progress = report.result
        result = progress.result
        if report.cancelled:
            text = f"Cancelled: {progress.cells_done} of {progress.cells_total} cells kept."
        elif report.error:
            text = f"Stopped after {progress.cells_done} cells."
        else:
            text = f"Done: {progress.cells_total} cells."
        metric = self.metric_combo.currentData()
        best = result.best(metric)
        if best is not None:
            text += f" Best (outlined): {best.label}."
        diverged = sum(c.diverged for c in result.cells)
        if diverged:
            text += f" {diverged} diverged (grey)."
        if result.cells:
            text += " Brighter is better; click a cell to continue from it."
        return text

    @Slot()
    def _on_restarted(self) -> None:
        """Another project was opened: a running sweep ended with the old worker."""
        if self.running:
            self.job_id = 0
            self._set_running(False)
            self.status.setText("The sweep stopped: training restarted.")

    @Slot()
    def _on_metric_chosen(self) -> None:
        if self._ended is not None and not self.running:
            self.status.setText(self._end_text(self._ended))  # the best cell for this metric
        self._redraw()

    @Slot()
    def _redraw(self) -> None:
        self.heatmap.show_result(self.result, self.metric_combo.currentData())

    # -- cells --------------------------------------------------------------------------
    def cell(self, i: int, j: int) -> CellResult | None:
        result = self.result
        return None if result is None else result.cell(i, j)

    @Slot(int, int)
    def restore_cell(self, i: int, j: int) -> None:
        """Continue from cell ``(i, j)``: its network, weights, optimizer state and curves,
        as one undo entry."""
        cell, progress = self.cell(i, j), self.progress
        if cell is None or progress is None or progress.data is None:
            if progress is not None:
                self.status.setText("This cell is not trained: pick a coloured one.")
            return
        try:
            self.document.continue_from(cell.session_state(progress.data), f"Sweep: {cell.label}")
        except (EditRefused, SpecError) as exc:
            self.banner.show_message(str(exc))
            return
        self.status.setText(
            f"The live network is now the cell {cell.label} after "
            f"{progress.result.sweep.epochs} epochs; Ctrl+Z goes back."
        )

    # -- files --------------------------------------------------------------------------
    def save_csv(self, path: str | Path) -> bool:
        result = self.result
        if result is None or not result.cells:
            return False
        try:
            write_sweep_csv(path, result)
        except ExportError as exc:
            self.banner.show_message(f"Could not save the sweep: {exc}")
            return False
        self.status.setText(f"Saved {len(result.cells)} cells to {path}.")
        return True

    @Slot()
    def _ask_save_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the sweep as CSV", str(Path.home() / "sweep.csv"), "CSV files (*.csv)"
        )
        if path:
            self.save_csv(path if Path(path).suffix else f"{path}.csv")


def add_sweep_dock(window: QMainWindow) -> QDockWidget:
    """The Sweeps dock (``sweepDock``), tabbed with the decision boundary and raised when
    a sweep starts; ``window.sweep_panel`` is its panel."""
    panel = SweepPanel(window.controller, window.document)
    dock = window.add_dock("Sweeps", "sweepDock", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    window.tabifyDockWidget(window.boundary_dock, dock)
    window.boundary_dock.raise_()

    def show_dock() -> None:
        """In front and tall enough for the heatmap (the docks below give way)."""
        dock.show()
        dock.raise_()
        if dock.height() < SHOWN_HEIGHT:
            window.resizeDocks([dock], [SHOWN_HEIGHT], Qt.Orientation.Vertical)

    panel.started.connect(show_dock)
    window.sweep_panel = panel
    return dock
