"""The race dock: variants of the current set-up trained side by side (issue #10 §2).

Pick a lesson preset or fill the table (one row per variant, at most six; an empty cell
keeps the set-up's value), choose the epochs and press Start. The training worker runs
the race as a :class:`~nnviz.live.race.RaceJob` (live training pauses meanwhile); its
reports draw overlaid loss and accuracy curves, one colour per variant, and a small
multiple per variant: its decision boundary (2D points) or a test-accuracy bar (images).
A finished or stopped race is handed on as ``raceFinished(RaceReport)``: each variant's
spec, final TrainingState, initial weights and per-epoch series (what a kept run needs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.controller import TrainingController
from nnviz.app.document import NetworkDocument
from nnviz.app.plots.boundary import boundary_image
from nnviz.app.plots.style import (
    CLASS_COLORS,
    PictureItem,
    class_color,
    diverging_lut,
    fixed_left_axis,
    legend_html,
    lut_rgba,
    style_axes,
)
from nnviz.engine.initializers import INITIALIZERS
from nnviz.engine.optimizers import OPTIMIZERS
from nnviz.live.jobs import JobReport
from nnviz.live.race import (
    DIVERGED,
    FULL_BATCH,
    MAX_VARIANTS,
    PRESETS,
    RUNNING,
    RaceJob,
    RaceReport,
    RaceVariant,
    VariantReport,
    check_variants,
    preset_variants,
)
from nnviz.live.session import check_fits

#: one colour per variant (the Okabe-Ito palette the class colours use: six of them)
VARIANT_COLORS = CLASS_COLORS
SETUP = "(set-up)"
COLUMNS = ("Label", "Optimizer", "Settings", "LR", "Batch", "Init", "Scale", "L2", "Dropout")
COLUMN_TIPS = (
    "Names the variant's curves",
    "The optimizer; (set-up) keeps the network's",
    "The optimizer's settings, e.g. momentum=0.9 or beta_1=0.8, rho=0.95",
    "Learning rate; empty keeps the set-up's",
    "Samples per step: a number, or 'full' for the whole training set; empty keeps the set-up's",
    "Initializer of every layer (it draws its own weights from the same seed); (set-up) "
    "starts from the set-up's initial weights",
    "Spread of random_normal / random_uniform (e.g. 0.01 small, 10 large)",
    "L2 penalty of every layer; empty keeps the set-up's",
    "Dropout rate after every hidden layer (0: none); empty keeps the set-up's",
)
DEFAULT_EPOCHS = 50
MAX_EPOCHS = 100_000
THUMBNAIL_POINTS = 3
THUMBNAIL_SIZE = 120
#: share of the window's width and height the race dock takes when a race starts
RACE_WIDTH, RACE_HEIGHT = 0.55, 0.45


def _number(text: str, row: int, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"row {row + 1}, {column}: {text!r} is not a number") from None


def _settings(text: str, row: int) -> dict[str, Any] | None:
    """``"momentum=0.9, nesterov=true"`` as ``{"momentum": 0.9, "nesterov": True}``."""
    if not text.strip():
        return None
    settings: dict[str, Any] = {}
    for part in text.split(","):
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not name:
            raise ValueError(f"row {row + 1}, settings: write name=value, e.g. momentum=0.9")
        if value.lower() in ("true", "false"):
            settings[name] = value.lower() == "true"
        else:
            settings[name] = _number(value, row, f"setting {name}")
    return settings


def _settings_text(options: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in dict(options or {}).items())


class RacePanel(QWidget):
    """Set up, start and watch a race (see the module docstring)."""

    raceFinished = Signal(object)
    raceStarted = Signal()

    def __init__(
        self,
        controller: TrainingController,
        document: NetworkDocument,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller, self.document = controller, document
        self.job_id = 0
        self.report: RaceReport | None = None
        self._filling = False
        self._lut = diverging_lut()

        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("racePreset")
        self.preset_combo.addItem("Custom", "")
        for name, title in PRESETS.items():
            self.preset_combo.addItem(title, name)
        self.preset_combo.setToolTip("Lesson presets fill the table; edit any cell after")
        self.preset_combo.currentIndexChanged.connect(self._on_preset_chosen)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("raceVariants")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in enumerate(COLUMN_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._on_edited)
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip(f"Add a variant (at most {MAX_VARIANTS})")
        self.add_button.clicked.connect(self._add_row)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected variant")
        self.remove_button.clicked.connect(self._remove_row)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, MAX_EPOCHS)
        self.epochs_spin.setValue(DEFAULT_EPOCHS)
        self.epochs_spin.setPrefix("epochs ")
        self.start_button = QPushButton("Start race")
        self.start_button.setObjectName("raceStart")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("raceStop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.status = QLabel("Pick a preset or fill the table, then Start.")
        self.status.setWordWrap(True)
        self.status.setMinimumWidth(120)

        self.variants_button = QToolButton()
        self.variants_button.setText("Variants")
        self.variants_button.setCheckable(True)
        self.variants_button.setChecked(True)
        self.variants_button.setToolTip("Show or hide the table of variants")
        self.variants_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.variants_button.setArrowType(Qt.ArrowType.DownArrow)
        self.variants_button.toggled.connect(self._show_table)
        # two rows: in one, the dock was too wide for a 1280-pixel screen
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Preset"))
        choose.addWidget(self.preset_combo)
        choose.addWidget(self.variants_button)
        choose.addStretch(1)
        run = QHBoxLayout()
        for widget in (self.epochs_spin, self.start_button, self.stop_button):
            run.addWidget(widget)
        run.addWidget(self.status, 1)
        bar = QVBoxLayout()
        bar.addLayout(choose)
        bar.addLayout(run)

        self.table_box = QWidget()
        left = QVBoxLayout(self.table_box)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.table, 1)
        rows = QHBoxLayout()
        rows.addWidget(self.add_button)
        rows.addWidget(self.remove_button)
        rows.addStretch(1)
        left.addLayout(rows)

        self.graphics = pg.GraphicsLayoutWidget()
        self.loss_plot = self.graphics.addPlot(title="Loss")
        self.accuracy_plot = self.graphics.addPlot(title="Accuracy")
        style_axes(self.loss_plot)
        style_axes(self.accuracy_plot)
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setLabel("bottom", "epoch (validation dashed)")
            fixed_left_axis(plot, 40)
        self.accuracy_plot.setYRange(0.0, 1.0, padding=0.02)
        self.log_check = QCheckBox("Log-scale loss")
        self.log_check.setToolTip("A loss that starts far above the others squeezes them")
        self.log_check.toggled.connect(lambda on: self.loss_plot.setLogMode(y=on))
        self.legend = QLabel("")
        legend_row = QHBoxLayout()
        legend_row.addWidget(self.legend, 1)
        legend_row.addWidget(self.log_check)
        curves = QWidget()
        middle = QVBoxLayout(curves)
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addLayout(legend_row)
        middle.addWidget(self.graphics, 1)
        self.multiples = pg.GraphicsLayoutWidget()

        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget, stretch in ((self.table_box, 5), (curves, 6), (self.multiples, 4)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        #: per variant: (loss, validation loss, accuracy, validation accuracy) curves
        self.curves: list[tuple[pg.PlotDataItem, ...]] = []
        #: per variant: its small multiple (a boundary picture), or the accuracy bars
        self.thumbnails: list[tuple[pg.PlotItem, PictureItem]] = []
        self.bars: pg.BarGraphItem | None = None
        self.load_preset("optimizers")

    # -- the table ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job_id != 0

    def load_preset(self, name: str) -> None:
        """Fill the table with the lesson preset ``name`` (one of PRESETS)."""
        self.set_variants(preset_variants(name, self.document.spec))
        index = self.preset_combo.findData(name)
        self.preset_combo.blockSignals(True)
        self.preset_combo.setCurrentIndex(index)
        self.preset_combo.blockSignals(False)

    def set_variants(self, variants: Sequence[RaceVariant]) -> None:
        self._filling = True
        self.table.setRowCount(0)
        for variant in variants:
            self._add_row(variant)
        self._filling = False

    def _combo(self, names: Sequence[str], value: str | None) -> QComboBox:
        combo = QComboBox()
        combo.addItems([SETUP, *names])
        combo.setCurrentText(value or SETUP)
        combo.currentIndexChanged.connect(self._on_edited)
        return combo

    def _add_row(self, variant: RaceVariant | None = None) -> None:
        rows = self.table.rowCount()
        if rows >= MAX_VARIANTS:
            self.status.setText(f"A race has at most {MAX_VARIANTS} variants.")
            return
        if not isinstance(variant, RaceVariant):
            variant = RaceVariant(f"variant {rows + 1}")
        filling, self._filling = self._filling, True
        self.table.insertRow(rows)
        batch = variant.batch_size
        texts = {
            0: variant.label,
            2: _settings_text(variant.options),
            3: "" if variant.learning_rate is None else f"{variant.learning_rate:g}",
            4: "" if batch is None else ("full" if batch == FULL_BATCH else str(batch)),
            6: "" if variant.init_scale is None else f"{variant.init_scale:g}",
            7: "" if variant.l2 is None else f"{variant.l2:g}",
            8: "" if variant.dropout is None else f"{variant.dropout:g}",
        }
        for column, text in texts.items():
            self.table.setItem(rows, column, QTableWidgetItem(text))
        self.table.setCellWidget(rows, 1, self._combo(OPTIMIZERS.names(), variant.optimizer))
        self.table.setCellWidget(rows, 5, self._combo(INITIALIZERS.names(), variant.initializer))
        self._filling = filling
        self._on_edited()

    def _remove_row(self) -> None:
        row = self.table.currentRow()
        self.table.removeRow(row if row >= 0 else self.table.rowCount() - 1)
        self._on_edited()

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _choice(self, row: int, column: int) -> str | None:
        text = self.table.cellWidget(row, column).currentText()
        return None if text == SETUP else text

    def variants(self) -> list[RaceVariant]:
        """The table's variants; ValueError naming the row and cell of a bad entry."""
        variants = []
        for row in range(self.table.rowCount()):
            batch_text = self._text(row, 4).strip().lower()
            if batch_text in ("full", "all"):
                batch: int | None = FULL_BATCH
            elif batch_text:
                if not batch_text.isdigit() or int(batch_text) < 1:
                    raise ValueError(
                        f"row {row + 1}, batch: {batch_text!r} is not a whole number >= 1 or 'full'"
                    )
                batch = int(batch_text)
            else:
                batch = None
            variants.append(
                RaceVariant(
                    label=self._text(row, 0).strip(),
                    optimizer=self._choice(row, 1),
                    options=_settings(self._text(row, 2), row),
                    learning_rate=_number(self._text(row, 3), row, "learning rate"),
                    batch_size=batch,
                    initializer=self._choice(row, 5),
                    init_scale=_number(self._text(row, 6), row, "scale"),
                    l2=_number(self._text(row, 7), row, "L2"),
                    dropout=_number(self._text(row, 8), row, "dropout"),
                )
            )
        return variants

    def _update_buttons(self) -> None:
        rows = self.table.rowCount()
        self.add_button.setEnabled(rows < MAX_VARIANTS and not self.running)
        self.remove_button.setEnabled(rows > 0 and not self.running)

    @Slot()
    def _on_edited(self, *_args: object) -> None:
        self._update_buttons()
        if not self._filling and self.preset_combo.currentIndex() != 0:
            self.preset_combo.blockSignals(True)
            self.preset_combo.setCurrentIndex(0)  # edited: no longer the preset
            self.preset_combo.blockSignals(False)

    @Slot(int)
    def _on_preset_chosen(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        if name:
            self.load_preset(name)

    # -- running ------------------------------------------------------------------------
    def start_preset(self, preset: str) -> None:
        """Fill the table with ``preset`` and start the race (for lessons); a race that is
        running is left alone."""
        if self.running:
            self._say("A race is running: Stop it before starting another.", error=True)
            return
        self.load_preset(preset)
        self.start()

    @Slot()
    def start(self) -> None:
        """Start the table's race, or say what to change first."""
        if self.running:
            return
        document = self.document
        try:
            variants = self.variants()
            check_variants(variants)
            for variant in variants:
                check_fits(
                    variant.spec_for(document.spec, len(document.data.x_train)), document.data
                )
        except ValueError as exc:
            self._say(f"Cannot start the race: {exc}", error=True)
            return
        job = RaceJob(variants, self.epochs_spin.value())
        self.job_id = self.controller.start_job(job)
        if not self.job_id:
            self._say("Cannot start the race: training has not started.", error=True)
            return
        self._prepare_views(variants)
        self._set_running(True)
        self.variants_button.setChecked(False)  # the race views get the room
        self.raceStarted.emit()
        self._say(f"Racing {len(variants)} variants; live training is paused meanwhile.")

    @Slot()
    def stop(self) -> None:
        if self.running:
            self.controller.cancel_job(self.job_id)

    def _set_running(self, running: bool) -> None:
        for widget in (self.preset_combo, self.table, self.epochs_spin, self.start_button):
            widget.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self._update_buttons()

    @Slot(bool)
    def _show_table(self, shown: bool) -> None:
        self.table_box.setVisible(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.variants_button.setArrowType(arrow)
        if shown:  # wide enough for every column, if the dock allows
            sizes = self.splitter.sizes()
            total = sum(sizes)
            table = self.table
            wanted = table.horizontalHeader().length() + table.verticalHeader().width() + 24
            width = min(wanted, total // 2)
            rest = max(total - width, 0)
            self.splitter.setSizes([width, rest * 6 // 10, rest - rest * 6 // 10])

    @Slot()
    def on_restarted(self) -> None:
        """The training worker was replaced (a project opened): a race it ran is gone."""
        if self.running:
            self.job_id = 0
            self._set_running(False)
            self._say("The race ended: training restarted with another project.")

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #c0392b;" if error else "")
        self.status.setText(text)
        self.status.setToolTip("")

    @Slot(object)
    def on_job_reported(self, report: JobReport) -> None:
        if report.job_id != self.job_id or not self.job_id:
            return
        if isinstance(report.result, RaceReport):
            self.show_report(report.result)
        if not report.done:
            return
        self.job_id = 0
        self._set_running(False)
        race = report.result
        if report.error:
            self._say(f"The race stopped: {report.error}", error=True)
        elif race is None:
            self._say("The race was stopped before it began.")
        else:
            verb = "Stopped" if report.cancelled else "Finished"
            self._say(f"{verb} at epoch {race.epoch}. {_summary(race)}")
            reasons = [f"{v.label}: {v.reason}" for v in race.variants if v.reason]
            self.status.setToolTip("\n\n".join(reasons))
        if isinstance(race, RaceReport):
            self.raceFinished.emit(race)

    # -- drawing ------------------------------------------------------------------------
    def _prepare_views(self, variants: Sequence[RaceVariant]) -> None:
        """Empty curves and small multiples for ``variants``."""
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.clear()
        self.curves = []
        for index, variant in enumerate(variants):
            color = VARIANT_COLORS[index % len(VARIANT_COLORS)]
            solid = pg.mkPen(color, width=2)
            dashed = pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine)
            self.curves.append(
                (
                    self.loss_plot.plot(pen=solid, name=variant.label),
                    self.loss_plot.plot(pen=dashed),
                    self.accuracy_plot.plot(pen=solid, name=variant.label),
                    self.accuracy_plot.plot(pen=dashed),
                )
            )
        self.legend.setText(
            legend_html(
                [(v.label, VARIANT_COLORS[i % len(VARIANT_COLORS)]) for i, v in enumerate(variants)]
            )
        )
        self.multiples.clear()
        self.thumbnails, self.bars = [], None
        data = self.document.data
        if data.bounds is not None and data.config.kind == "points":
            columns = 3 if len(variants) > 4 else 2
            train = data.raw.train
            brushes = [pg.mkBrush(class_color(int(c), 200)) for c in train.y]
            for index, variant in enumerate(variants):
                plot = self.multiples.addPlot(row=index // columns, col=index % columns)
                style_axes(plot)
                plot.setTitle(variant.label, size="9pt")
                plot.hideAxis("left")
                plot.hideAxis("bottom")
                plot.setAspectLocked(True)
                plot.setMouseEnabled(False, False)
                plot.setPreferredSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE)  # all alike, whatever
                plot.setMinimumSize(THUMBNAIL_SIZE / 2, THUMBNAIL_SIZE / 2)  # their titles
                image = PictureItem()
                plot.addItem(image)
                points = pg.ScatterPlotItem(
                    x=train.x[:, 0], y=train.x[:, 1], size=THUMBNAIL_POINTS, pen=None, brush=brushes
                )
                plot.addItem(points)
                self.thumbnails.append((plot, image))
            grid = self.multiples.ci.layout
            for index in range(columns):
                grid.setColumnStretchFactor(index, 1)
            for index in range(-(-len(variants) // columns)):
                grid.setRowStretchFactor(index, 1)
        else:
            plot = self.multiples.addPlot(title="Test accuracy")
            style_axes(plot)
            plot.setYRange(0.0, 1.0, padding=0.02)
            axis = plot.getAxis("bottom")
            axis.setTicks([[(i, v.label) for i, v in enumerate(variants)]])
            self.bars = pg.BarGraphItem(
                x=np.arange(len(variants)),
                height=np.zeros(len(variants)),
                width=0.6,
                brushes=[VARIANT_COLORS[i % len(VARIANT_COLORS)] for i in range(len(variants))],
            )
            plot.addItem(self.bars)

    def show_report(self, race: RaceReport) -> None:
        """Draw ``race``: the curves, and each variant's boundary or test accuracy."""
        self.report = race
        for variant, curves in zip(race.variants, self.curves, strict=False):
            for curve, key in zip(
                curves, ("loss", "val_loss", "accuracy", "val_accuracy"), strict=True
            ):
                epochs, values = variant.history[key]
                finite = np.isfinite(values)
                curve.setData(epochs[finite], values[finite])
        for variant, (plot, image) in zip(race.variants, self.thumbnails, strict=False):
            if variant.boundary is not None:
                rgba = lut_rgba(boundary_image(variant.boundary, False), self._lut)
                first = image.image is None
                image.setImage(rgba, autoLevels=False)
                if first:
                    x0, x1, y0, y1 = variant.boundary.bounds
                    image.setRect(x0, y0, x1 - x0, y1 - y0)
                    plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
            plot.setTitle(_thumbnail_title(variant), size="9pt")
        if self.bars is not None:
            heights = [v.test_accuracy or 0.0 for v in race.variants]
            self.bars.setOpts(height=np.asarray(heights, dtype=float))


def _thumbnail_title(variant: VariantReport) -> str:
    if variant.status == DIVERGED:
        return f"{variant.label}: diverged"
    _, accuracy = variant.history["val_accuracy"]
    if not len(accuracy) or not np.isfinite(accuracy[-1]):
        _, accuracy = variant.history["accuracy"]
    score = f" · {accuracy[-1]:.0%}" if len(accuracy) and np.isfinite(accuracy[-1]) else ""
    return f"{variant.label}{score}"


def _summary(race: RaceReport) -> str:
    """One sentence on who won, and who diverged."""
    parts = []
    scored = []
    for variant in race.variants:
        _, losses = variant.history["val_loss"]
        if not len(losses) or not np.isfinite(losses[-1]):
            _, losses = variant.history["loss"]
        if variant.status != DIVERGED and len(losses):
            scored.append((float(losses[-1]), variant.label))
    if scored:
        loss, label = min(scored)
        parts.append(f"Lowest final loss: {label} ({loss:.4g}).")
    for variant in race.variants:
        if variant.status == DIVERGED:
            parts.append(
                f"{variant.label} diverged in epoch {variant.epoch + 1}: lower its learning "
                "rate (hover here for why)."
            )
    still = [v.label for v in race.variants if v.status == RUNNING]
    if still:
        parts.append(f"Not finished: {', '.join(still)}.")
    return " ".join(parts)


def install_race_panel(window: QMainWindow) -> QDockWidget:
    """Add the race dock (``raceDock``) to ``window`` (a MainWindow), tabbed with the loss
    curves and closed until a race starts (or View → Race opens it), and connect it to the
    window's controller; returns the dock."""
    panel = RacePanel(window.controller, window.document)
    window.controller.jobReported.connect(panel.on_job_reported)
    window.controller.restarted.connect(panel.on_restarted)
    window.race_panel = panel
    dock = window.add_dock("Race", "raceDock", panel, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.tabifyDockWidget(window.curves_dock, dock)
    dock.hide()  # closed, it adds no tab: the curves' dock behaves as without it

    def make_room() -> None:
        """A race needs room: its dock comes forward, wide and tall."""
        dock.show()
        dock.raise_()
        window.resizeDocks([dock], [int(window.width() * RACE_WIDTH)], Qt.Orientation.Horizontal)
        window.resizeDocks([dock], [int(window.height() * RACE_HEIGHT)], Qt.Orientation.Vertical)

    panel.raceStarted.connect(make_room)
    return dock
