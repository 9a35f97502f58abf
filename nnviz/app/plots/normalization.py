"""Normalization made visible: the training inputs before and after normalization, as a
table of statistics and, for 2D points, two small scatter plots (raw and normalized)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.plots.style import class_color, style_axes
from nnviz.data import PreparedData
from nnviz.data.normalization_stats import InputStats, plane_points, summarize

COLUMNS = ("input", "mean", "std", "min", "max")
PLOT_HEIGHT = 140
MAX_VISIBLE_ROWS = 8


def _number(value: float) -> str:
    """Compact text for a statistic: 3 significant digits, no "-0" or "1e-17" noise."""
    return f"{round(value, 3) + 0.0:.3g}"


class NormalizationView(QWidget):
    """Shows a :class:`PreparedData`'s training inputs before and after normalization."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel("")
        self.title_label.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setToolTip(
            "Statistics of the training inputs: raw (before) and as the network sees them "
            "(after normalization)."
        )
        self.raw_plot, self.raw_scatter = self._scatter_plot("raw")
        self.normalized_plot, self.normalized_scatter = self._scatter_plot("normalized")
        self.plots = QWidget()
        plots_row = QHBoxLayout(self.plots)
        plots_row.setContentsMargins(0, 0, 0, 0)
        plots_row.addWidget(self.raw_plot)
        plots_row.addWidget(self.normalized_plot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.table)
        layout.addWidget(self.plots)

    @staticmethod
    def _scatter_plot(scale: str) -> tuple[pg.PlotWidget, pg.ScatterPlotItem]:
        plot = pg.PlotWidget()
        plot.setFixedHeight(PLOT_HEIGHT)
        plot.setMinimumWidth(60)
        plot.setLabel("bottom", f"x1 {scale}")
        plot.setLabel("left", f"x2 {scale}")
        style_axes(plot)
        scatter = pg.ScatterPlotItem(size=3, pen=None)
        plot.addItem(scatter)
        return plot, scatter

    def show_prepared(self, data: PreparedData) -> None:
        """Show the statistics (and 2D points) of ``data``'s training split."""
        summary = summarize(data)
        self.title_label.setText(
            f"<b>Normalization</b> {summary.formula}. "
            "Training inputs before (raw) and after (what the network sees):"
        )
        self.table.setRowCount(2 * len(summary.before))
        for i, (before, after) in enumerate(zip(summary.before, summary.after, strict=True)):
            self._set_row(2 * i, f"{before.name} before", before)
            self._set_row(2 * i + 1, f"{after.name} after", after)
        self.table.resizeRowsToContents()
        visible = min(self.table.rowCount(), MAX_VISIBLE_ROWS)
        height = self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        self.table.setFixedHeight(height + sum(self.table.rowHeight(r) for r in range(visible)))

        points = plane_points(data)
        self.plots.setVisible(points is not None)
        if points is not None:
            brushes = [pg.mkBrush(class_color(int(c))) for c in data.raw.train.y]
            raw, normalized = points
            self.raw_scatter.setData(x=raw[:, 0], y=raw[:, 1], brush=brushes)
            self.normalized_scatter.setData(x=normalized[:, 0], y=normalized[:, 1], brush=brushes)

    def _set_row(self, row: int, name: str, stats: InputStats) -> None:
        values = (stats.mean, stats.std, stats.min, stats.max)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        for column, value in enumerate(values, start=1):
            item = QTableWidgetItem(_number(value))
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
