"""The loss landscape view: the loss over a plane through the weights, and the path the
training takes across it.

The grid is computed by the training worker (:class:`~nnviz.live.landscape.LandscapeJob`,
coarse to fine); this view starts the job, draws each pass it reports — a heatmap of
log10(loss) with contour lines and a colour bar labelled in loss values — and draws the
run's path from the snapshots (projected on the plane by the worker). Raced variants'
paths come through :meth:`LandscapeView.set_extra_trajectories`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Slot
from PySide6.QtGui import QHideEvent, QPainterPath, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGraphicsPathItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.controller import TrainingController
from nnviz.app.frame_clock import identity_key
from nnviz.app.plots.style import (
    FastCurve,
    PictureItem,
    class_color,
    curve_item,
    legend_html,
    lut_rgba,
    style_axes,
)
from nnviz.live.jobs import JobReport
from nnviz.live.landscape import RESOLUTIONS, LandscapeJob, LandscapeReport
from nnviz.live.snapshot import TrainingSnapshot
from nnviz.live.trajectory import Plane, ProjectedPath

DIRECTIONS = (
    ("random", "Random (filter-normalized)"),
    ("pca", "PCA of the path"),
    ("exact", "Exact: w and b"),
)
CONTOURS = 9  # contour lines, evenly spaced in log10(loss)
STALE_DISTANCE = 0.5  # off the plane by half the picture's reach: offer to recompute
PATH_COLOR = "#ffffff"
CURRENT_COLOR = "#000000"  # the palette's colours are the raced variants'


def _loss_label(value: float) -> str:
    return f"{value:.3g}"


def log_loss_image(grid: np.ndarray) -> tuple[np.ndarray, float, float]:
    """log10 of the loss grid, overflowed points at the top of the scale, and the scale's
    ends (a flat grid still gets a range)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(np.asarray(grid, dtype=np.float64))
    finite = logs[np.isfinite(logs)]
    if not finite.size:
        return np.zeros(grid.shape, dtype=np.float32), -1.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-6:
        low, high = low - 0.5, high + 0.5
    logs = np.where(np.isfinite(logs), logs, high)
    return logs.astype(np.float32), low, high


def _parameter_count(snapshot: TrainingSnapshot) -> int:
    return sum(w.size + b.size for w, b in snapshot.weights)


class LandscapeView(QWidget):
    """The loss landscape around the weights (see the module docstring)."""

    def __init__(self, controller: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.directions_combo = QComboBox()
        for kind, text in DIRECTIONS:
            self.directions_combo.addItem(text, kind)
        self.directions_combo.setToolTip(
            "The plane through the weights: two random directions scaled to each neuron's "
            "weights (Li et al. 2018), the two main directions of the path so far, or — for "
            "a model with one weight and one bias — the exact w, b plane."
        )
        self.span_spin = QDoubleSpinBox()
        self.span_spin.setRange(0.05, 50.0)
        self.span_spin.setSingleStep(0.25)
        self.span_spin.setValue(1.0)
        self.span_spin.setPrefix("range ± ")
        self.span_spin.setToolTip(
            "How far the picture reaches: in units of each neuron's weight length along "
            "random directions; as a multiple of the path's reach for PCA and w, b."
        )
        self.resolution_combo = QComboBox()
        for resolution in RESOLUTIONS:
            self.resolution_combo.addItem(f"{resolution} × {resolution}", resolution)
        self.resolution_combo.setToolTip("Grid points along each axis")
        self.recompute_button = QPushButton("Recompute")
        self.recompute_button.setToolTip("Compute the landscape around the weights as they are now")
        self.recompute_button.clicked.connect(self.recompute)
        # a changed setting is computed at once (typing a range: once it is typed)
        self.span_spin.setKeyboardTracking(False)
        self.span_spin.valueChanged.connect(self.recompute)
        self.directions_combo.activated.connect(self.recompute)
        self.resolution_combo.activated.connect(self.recompute)
        self.follow_check = QCheckBox("Keep centred")
        self.follow_check.setToolTip(
            "Compute the landscape again by itself whenever the weights leave the picture"
        )
        # Two short rows: the dock shares its side with narrow panels (the trace), and
        # must not widen it.
        self.directions_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.directions_combo.setMinimumContentsLength(12)
        first_row = QHBoxLayout()
        first_row.addWidget(self.directions_combo, 1)
        first_row.addWidget(self.recompute_button)
        second_row = QHBoxLayout()
        second_row.addWidget(self.span_spin)
        second_row.addWidget(self.resolution_combo)
        second_row.addWidget(self.follow_check)
        second_row.addStretch(1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.plot = self.graphics.addPlot()
        style_axes(self.plot)
        self.plot.setMenuEnabled(False)
        self._colormap = pg.colormap.get("viridis")
        self._lut = self._colormap.getLookupTable(0.0, 1.0, 256, alpha=True)
        self.image = PictureItem()
        self.plot.addItem(self.image)
        # All contour lines as one native path in the image's pixel coordinates: Qt
        # paints it without the interpreter lock whenever the path above it moves.
        self.contours = QGraphicsPathItem(self.image)
        self.contours.setPen(pg.mkPen(255, 255, 255, 120, width=1))
        self.contours.setPos(0.5, 0.5)  # the values sit at the pixels' centres
        self.color_bar = pg.ColorBarItem(
            values=(0.0, 1.0),
            colorMap=self._colormap,
            interactive=False,
            label="loss (log scale)",
            colorMapMenu=False,
        )
        self.plot.layout.addItem(self.color_bar, 2, 5)  # after the right-hand axis
        style_axes(self.color_bar)
        self.plot.layout.setColumnFixedWidth(4, 5)
        self.path_shadow = curve_item(pg.mkPen(0, 0, 0, 150, width=4))
        self.path_line = curve_item(pg.mkPen(PATH_COLOR, width=2))
        self.start_marker = pg.ScatterPlotItem(
            size=13, symbol="o", brush=None, pen=pg.mkPen(PATH_COLOR, width=2.5)
        )
        self.current_marker = pg.ScatterPlotItem(
            size=14, symbol="o", brush=pg.mkBrush(CURRENT_COLOR), pen=pg.mkPen(PATH_COLOR, width=2)
        )
        for item in (self.path_shadow, self.path_line, self.start_marker, self.current_marker):
            item.setZValue(10)
            self.plot.addItem(item)
        self.extra_lines: list[FastCurve] = []
        self.extra_shadows: list[FastCurve] = []
        self.status = QLabel("")
        self.legend = QLabel("")
        self.legend.hide()
        for label in (self.status, self.legend):
            label.setWordWrap(True)  # a long line must not widen the dock
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #b35806; font-weight: bold")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(first_row)
        layout.addLayout(second_row)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.status)
        layout.addWidget(self.note)

        self.report: LandscapeReport | None = None
        self._landscapes = 0
        self.job_id = 0
        self._failed = False
        self._n_params = 0
        self._path: ProjectedPath | None = None
        self._extra: list[tuple[str, np.ndarray]] = []
        controller.jobReported.connect(self._on_job_reported)
        controller.restarted.connect(self._forget)
        controller.document.dataChanged.connect(self._forget)

    # -- the grid -------------------------------------------------------------------------
    @property
    def computing(self) -> bool:
        return self.job_id != 0

    @Slot()
    def recompute(self) -> None:
        """Compute the landscape around the weights as they are now (the running
        computation, if any, is cancelled)."""
        if self.job_id:
            self.controller.cancel_job(self.job_id)
        job = LandscapeJob(
            self.directions_combo.currentData(),
            self.span_spin.value(),
            int(self.resolution_combo.currentData()),
        )
        self.job_id = self.controller.start_job(job)
        self._failed = False
        self.note.setText("")
        self.status.setText(
            "Computing the landscape…" if self.job_id else "Training has not started"
        )

    @Slot()
    @Slot(object)
    def _forget(self, *_: object) -> None:
        """Other data, or a new worker (an opened project): the landscape shown is not
        this run's. It is computed again when the view is next drawn."""
        if self.job_id:
            self.controller.cancel_job(self.job_id)
        self.job_id = 0
        self.report = None
        self._landscapes += 1
        self._path = None
        self._failed = False
        self.image.clear()
        self._draw_contours(np.zeros((2, 2), dtype=np.float32), 0.0, 1.0, count=0)
        self._draw_path()
        self.status.setText("")
        self.note.setText("")

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden view costs nothing: an unfinished landscape is dropped, and computed
        anew when the view is shown again."""
        if self.job_id:
            self.controller.cancel_job(self.job_id)
            self.job_id = 0
            if self.report is None or not self.report.final:
                self.report = None
                self._landscapes += 1
        super().hideEvent(event)

    @Slot(object)
    def _on_job_reported(self, job_report: JobReport) -> None:
        if job_report.job_id != self.job_id or self.job_id == 0:
            return
        if job_report.done:
            self.job_id = 0
        if job_report.error:
            self._failed = True
            self.status.setText("")
            self.note.setText(f"Could not compute the landscape: {job_report.error}")
            return
        result = job_report.result
        if isinstance(result, LandscapeReport) and result is not self.report:
            self.show_report(result)

    def show_report(self, report: LandscapeReport) -> None:
        """Draw one pass of a landscape."""
        self.report = report
        self._landscapes += 1
        plane = report.plane
        logs, low, high = log_loss_image(report.grid)
        self.image.setImage(lut_rgba(logs, self._lut, low, high), autoLevels=False)
        n = report.resolution
        (a0, a1), (b0, b1) = plane.a_range, plane.b_range
        da, db = (a1 - a0) / (n - 1), (b1 - b0) / (n - 1)
        rect = QRectF(a0 - da / 2, b0 - db / 2, a1 - a0 + da, b1 - b0 + db)
        self.image.setRect(rect)
        self.plot.setRange(rect, padding=0.0)
        self._draw_contours(logs, low, high)
        self._label_color_bar(low, high)
        self.plot.setLabel("bottom", plane.labels[0])
        self.plot.setLabel("left", plane.labels[1])
        centre = report.grid[n // 2, n // 2]
        self.status.setText(
            f"{n} × {n} ({report.pass_number}/{report.passes}) around the weights of step "
            f"{report.step:,}  ·  loss there {_loss_label(float(centre))}, lowest "
            f"{_loss_label(10**low)}" + ("" if report.final else "  ·  refining…")
        )
        self.note.setText(report.note)
        self._draw_extra()
        self._draw_path()

    def _draw_contours(
        self, logs: np.ndarray, low: float, high: float, count: int = CONTOURS
    ) -> None:
        path = QPainterPath()
        for level in np.linspace(low, high, count + 2)[1:-1]:
            # isocurve reads (x, y) = (column, row) of a transposed array
            path.addPath(pg.functions.isocurve(logs.T, float(level), connected=True, path=True))
        self.contours.setPath(path)

    def _label_color_bar(self, low: float, high: float) -> None:
        """The colour bar runs over log10(loss); its ticks say the loss itself."""
        self.color_bar.setLevels((low, high))
        for factors in ((1, 2, 5), (1, 2, 3, 5, 7)):  # the finer set for a narrow range
            ticks = [
                (math.log10(factor) + power, _loss_label(factor * 10.0**power))
                for power in range(math.floor(low), math.ceil(high) + 1)
                for factor in factors
                if low <= math.log10(factor) + power <= high
            ]
            if len(ticks) >= 4:
                break
        if len(ticks) < 2:
            ticks = [(v, _loss_label(10**v)) for v in np.linspace(low, high, 4)]
        self.color_bar.axis.setTicks([ticks])

    # -- paths ---------------------------------------------------------------------------
    def snapshot_key(self, snapshot: TrainingSnapshot) -> tuple[int | None, int, int]:
        # ``_landscapes`` counts landscapes shown and dropped: a view whose landscape was
        # dropped draws (and so starts a new one) whatever the snapshot
        return identity_key(snapshot.landscape_path), _parameter_count(snapshot), self._landscapes

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        n_params = _parameter_count(snapshot)
        if n_params != self._n_params:
            self._set_parameter_count(n_params)
        if self.report is None and not self.job_id and not self._failed:
            self.recompute()  # the view was opened: show something at once
        self._path = snapshot.landscape_path
        self._draw_path()
        if self.report is not None and self.report.plane.n_params != n_params:
            self.note.setText("The network changed: press Recompute for its landscape.")

    def _set_parameter_count(self, n_params: int) -> None:
        """Offer the exact w, b plane only to a model with two parameters (and choose it)."""
        self._n_params = n_params
        exact = self.directions_combo.findData("exact")
        model = self.directions_combo.model()
        if isinstance(model, QStandardItemModel):
            model.item(exact).setEnabled(n_params == 2)
        if n_params == 2:
            self.directions_combo.setCurrentIndex(exact)
        elif self.directions_combo.currentIndex() == exact:
            self.directions_combo.setCurrentIndex(self.directions_combo.findData("random"))

    def _draw_path(self) -> None:
        path, report = self._path, self.report
        shown = path is not None and report is not None and path.plane_id == report.plane_id
        for item in (self.path_shadow, self.path_line, self.start_marker, self.current_marker):
            item.setVisible(shown)
        if not shown:
            return
        assert path is not None and report is not None
        coords = np.vstack([path.coords, np.array([path.current], dtype=np.float32)])
        for line in (self.path_shadow, self.path_line):
            line.setData(coords[:, 0], coords[:, 1])
        self.start_marker.setData([coords[0, 0]], [coords[0, 1]])
        self.current_marker.setData([path.current[0]], [path.current[1]])
        if self.is_stale(path, report.plane):
            if self.follow_check.isChecked() and not self.job_id:
                self.recompute()
            elif not self.job_id:
                self.note.setText(
                    "The weights have moved off this picture — press Recompute to centre "
                    "the landscape on them."
                )
        elif self.note.text().startswith("The weights have moved"):
            self.note.setText(report.note)

    @staticmethod
    def is_stale(path: ProjectedPath, plane: Plane) -> bool:
        """Whether the current weights have left the picture: outside its range, or off
        the plane by more than :data:`STALE_DISTANCE` of its reach."""
        a, b = path.current
        (a0, a1), (b0, b1) = plane.a_range, plane.b_range
        return not (a0 <= a <= a1 and b0 <= b <= b1) or path.off_plane > STALE_DISTANCE

    def set_extra_trajectories(self, trajectories: Sequence[tuple[str, np.ndarray]]) -> None:
        """Other runs' paths to draw on the plane (the race's variants): ``(label, array)``
        with ``array`` a ``(n_points, n_params)`` trajectory in ``get_weights()`` order."""
        self._extra = [(str(label), np.asarray(array)) for label, array in trajectories]
        self._draw_extra()

    def _draw_extra(self) -> None:
        for line in (*self.extra_lines, *self.extra_shadows):
            self.plot.removeItem(line)
        self.extra_lines, self.extra_shadows = [], []
        entries = []
        skipped = []
        plane = self.report.plane if self.report is not None else None
        for index, (label, array) in enumerate(self._extra):
            if plane is None:
                break
            if array.ndim != 2 or array.shape[1] != plane.n_params or not len(array):
                skipped.append(label)
                continue
            color = class_color(index)  # as the race dock draws this variant
            coords = plane.project(array)
            line = curve_item(pg.mkPen(color, width=2), label)
            line.setData(coords[:, 0], coords[:, 1])
            line.setZValue(9)
            # a dark edge, as under the run's path: a green path on the green heatmap
            shadow = curve_item(self.path_shadow.pen())
            shadow.setData(coords[:, 0], coords[:, 1])
            shadow.setZValue(8)
            for item in (shadow, line):
                self.plot.addItem(item)
            self.extra_lines.append(line)
            self.extra_shadows.append(shadow)
            entries.append((label, color.name()))
        text = legend_html(entries)
        if entries:
            text = f"this run: white line, <span style='color:{CURRENT_COLOR}'>●</span> now; {text}"
        if skipped:
            text += f"  (not drawn, another network: {', '.join(skipped)})"
        self.legend.setText(text)
        self.legend.setVisible(bool(text))
