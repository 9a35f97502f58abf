"""The runs list (``runsDock``): every training from a reset, kept to compare.

One row per :class:`~nnviz.live.runs.Run`: a tick box that overlays its curves on the live
ones (the box takes the run's colour), a boundary thumbnail, its name (double-click to
rename, bold when pinned), what differs from the run before, epochs, final loss and
accuracy (validation in brackets). Restore makes a run the live workspace; Pin keeps a run
when the list is full; Keep as run keeps the current training without resetting. Each of
these, a rename and Delete is one undo entry (and makes the project "modified"). The log
itself lives on the training thread; this panel draws the snapshots' tuple of runs and
sends its changes back with ``controller.call``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QKeySequence, QPixmap, QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.controller import TrainingController
from nnviz.app.frame_clock import identity_key, is_shown
from nnviz.app.plots.style import CLASS_COLORS, diverging_lut, lut_rgba
from nnviz.data import DatasetError, prepare
from nnviz.live.runs import MAX_RUNS, THUMBNAIL_SIZE, Run, RunLog
from nnviz.live.session import TrainingSession
from nnviz.live.snapshot import TrainingSnapshot

if TYPE_CHECKING:
    from nnviz.app.main_window import MainWindow

#: overlay colours (Okabe-Ito and Dark2, without the live curves' blue and vermillion)
RUN_COLORS = (
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#7570b3",
    "#8c510a",
    "#66a61e",
    "#e7298a",
    "#666666",
    "#b8a200",
)
COLUMNS = ("Show", "", "Name", "Changed", "Epochs", "Loss, acc. (val)")
SHOW, PICTURE, NAME, CHANGED, EPOCHS, FINAL = range(len(COLUMNS))
#: starting widths of the columns of text that wraps (the others fit their contents)
TEXT_WIDTHS = {NAME: 80, CHANGED: 100}
RUNS_VIEW_S = 0.25
BUTTON_MIN_WIDTH = 40


def _pair(train: float, validation: float, percent: bool) -> str:
    """ "0.412 (0.455)": the training value and, in brackets, the validation value."""

    def text(value: float) -> str:
        if not math.isfinite(value):
            return "–"
        return f"{value:.0%}" if percent else f"{value:.3g}"

    return f"{text(train)} ({text(validation)})"


def thumbnail_pixmap(run: Run) -> QPixmap | None:
    """The run's boundary thumbnail coloured like the boundary view (x2 upwards)."""
    if run.thumbnail is None:
        return None
    if run.spec.output_units == 1:
        rgba = lut_rgba(run.thumbnail.astype(np.float32) / 255.0, diverging_lut())
    else:
        colors = np.array([QColor(c).getRgb() for c in CLASS_COLORS], dtype=np.uint8)
        rgba = colors.take(run.thumbnail % len(CLASS_COLORS), axis=0)
    rgba = np.ascontiguousarray(rgba[::-1])
    image = QImage(
        rgba.data, THUMBNAIL_SIZE, THUMBNAIL_SIZE, 4 * THUMBNAIL_SIZE, QImage.Format.Format_RGBA8888
    )
    return QPixmap.fromImage(image.copy())


class _RunsEdit(QUndoCommand):
    """A change of the runs list (keep, rename, pin, delete) as one undo entry, so that it
    can be undone and makes the project "modified". ``forward`` and ``back`` change the
    log on the training thread; a run gone meanwhile (dropped past the limit) is skipped.
    ``done``: the change is made already (the first redo does nothing)."""

    def __init__(
        self,
        panel: RunsPanel,
        text: str,
        forward: Callable[[RunLog], object],
        back: Callable[[RunLog], object],
        done: bool = False,
    ) -> None:
        super().__init__(text)
        self.panel = panel
        self.forward, self.back = forward, back
        self._done = done

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.panel.call(partial(_change, self.forward))

    def undo(self) -> None:
        self.panel.call(partial(_change, self.back))


def _change(change: Callable[[RunLog], object], session: TrainingSession) -> None:
    with contextlib.suppress(KeyError):
        change(session.runs)


def _put_back(index: int, run: Run, log: RunLog) -> None:
    if all(kept.run_id != run.run_id for kept in log.runs):
        log.insert(min(index, len(log)), run)


class RunsPanel(QWidget):
    """The runs table and its buttons. Signals: ``overlaysChanged(list[(Run, colour)])``
    (the ticked runs, for the curves view) and ``message(str)`` (status bar)."""

    overlaysChanged = Signal(object)
    message = Signal(str)

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.main_window = window
        self.controller: TrainingController = window.controller
        self.runs: tuple[Run, ...] = ()
        #: ticked run id -> its colour
        self.shown: dict[str, str] = {}
        self._overlays: list[tuple[Run, str]] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("runsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(THUMBNAIL_SIZE + 4)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column, width in TEXT_WIDTHS.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        header.setMinimumSectionSize(24)
        self.table.horizontalHeaderItem(PICTURE).setToolTip("The decision boundary at the end")
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.keep_button = QPushButton("Keep as run")
        self.keep_button.setToolTip("Keep the training so far in the list, and train on")
        self.keep_button.clicked.connect(self.keep_current)
        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip(
            "Continue the selected run: its network, weights and settings (Ctrl+Z undoes)"
        )
        self.restore_button.clicked.connect(self.restore_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Remove the selected run from the list (Ctrl+Z undoes)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.pin_button = QPushButton("Pin")
        self.pin_button.setCheckable(True)
        self.pin_button.setToolTip(
            f"Keep the selected run when the list is full (it holds at most {MAX_RUNS} runs: "
            "the oldest one not pinned goes)"
        )
        self.pin_button.clicked.connect(self.pin_selected)
        buttons = QHBoxLayout()
        for button in (self.keep_button, self.restore_button, self.delete_button, self.pin_button):
            button.setMinimumWidth(BUTTON_MIN_WIDTH)  # squeezed, never a wider window
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.keep_action = QAction("Keep as run", self)
        self.keep_action.setShortcut(QKeySequence("Ctrl+K"))
        self.keep_action.setStatusTip("Keep the training so far in the runs list, and train on")
        self.keep_action.triggered.connect(self.keep_current)
        self._update_buttons()

    # -- installing -----------------------------------------------------------------------
    def install(self) -> QDockWidget:
        """Dock the panel in the window (``runsDock``, a tab beside the layer statistics),
        draw it with the frame clock, and overlay ticked runs on the window's curves."""
        window = self.main_window
        dock = window.add_dock("Runs", "runsDock", self, Qt.DockWidgetArea.BottomDockWidgetArea)
        window.tabifyDockWidget(window.layers_dock, dock)
        window.layers_dock.raise_()
        window.frame_clock.register(
            "runs",
            self.show_snapshot,
            visible=partial(is_shown, self),
            key=lambda snapshot: identity_key(snapshot.runs),
            interval_s=RUNS_VIEW_S,
        )
        self.overlaysChanged.connect(window.curves.set_overlays)
        self.message.connect(partial(window.statusBar().showMessage, timeout=8000))
        window.addAction(self.keep_action)
        return dock

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.keep_action)

    def call(self, function: Callable[[TrainingSession], Any]) -> Any:
        """``function(session)`` on the training thread."""
        return self.controller.call(function)

    # -- drawing ----------------------------------------------------------------------------
    def snapshot_key(self, snapshot: TrainingSnapshot) -> int | None:
        return identity_key(snapshot.runs)

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        self.show_runs(snapshot.runs)

    def show_runs(self, runs: tuple[Run, ...]) -> None:
        """Rebuild the table for ``runs`` (ticks, colours and the selection follow the
        runs by id)."""
        if runs is self.runs:
            return
        selected = self.selected_run()
        self.runs = runs
        ids = {run.run_id for run in runs}
        self.shown = {k: v for k, v in self.shown.items() if k in ids}
        table = self.table
        table.blockSignals(True)
        table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            self._fill_row(row, run)
            if selected is not None and run.run_id == selected.run_id:
                table.selectRow(row)
        table.blockSignals(False)
        self._update_buttons()
        self._emit_overlays()

    def _fill_row(self, row: int, run: Run) -> None:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        final = run.final
        color = self.shown.get(run.run_id)
        show = QTableWidgetItem()
        show.setFlags(flags | Qt.ItemFlag.ItemIsUserCheckable)
        show.setCheckState(Qt.CheckState.Checked if color else Qt.CheckState.Unchecked)
        show.setToolTip("Overlay this run's loss and accuracy on the live curves")
        if color:
            show.setBackground(QColor(color))
        picture = QTableWidgetItem()
        picture.setFlags(flags)
        pixmap = thumbnail_pixmap(run)
        if pixmap is not None:
            picture.setIcon(QIcon(pixmap))
        name = QTableWidgetItem(run.name)
        name.setFlags(flags | Qt.ItemFlag.ItemIsEditable)
        name.setToolTip(
            "Pinned. Double-click to rename" if run.pinned else "Double-click to rename"
        )
        if run.pinned:
            font = name.font()
            font.setBold(True)
            name.setFont(font)
        texts = (
            (CHANGED, run.difference, run.difference),
            (EPOCHS, f"{run.epochs:,}", f"{run.epochs:,} epochs, {run.steps:,} steps"),
            (
                FINAL,
                f"{_pair(final['loss'], final['val_loss'], False)}\n"
                f"{_pair(final['accuracy'], final['val_accuracy'], True)}",
                "The last epoch's loss (first line) and accuracy (second line) on the "
                "training data and, in brackets, on the validation data",
            ),
        )
        for column, item in ((SHOW, show), (PICTURE, picture), (NAME, name)):
            self.table.setItem(row, column, item)
        for column, text, tip in texts:
            item = QTableWidgetItem(text)
            item.setFlags(flags)
            item.setToolTip(tip)
            if column in (EPOCHS, FINAL):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)

    def _emit_overlays(self) -> None:
        overlays = [(run, self.shown[run.run_id]) for run in self.runs if run.run_id in self.shown]
        if [(id(r), c) for r, c in overlays] != [(id(r), c) for r, c in self._overlays]:
            self._overlays = overlays
            self.overlaysChanged.emit(overlays)

    # -- the learner's actions -------------------------------------------------------------
    def selected_run(self) -> Run | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.runs[row] if row < len(self.runs) else None

    def set_shown(self, run_id: str, shown: bool) -> None:
        """Overlay (or stop overlaying) run ``run_id``; a new overlay takes the first
        colour no other shown run has."""
        if shown and run_id not in self.shown:
            used = set(self.shown.values())
            free = [c for c in RUN_COLORS if c not in used]
            self.shown[run_id] = free[0] if free else RUN_COLORS[len(self.shown) % len(RUN_COLORS)]
        elif not shown:
            self.shown.pop(run_id, None)
        row = next((i for i, run in enumerate(self.runs) if run.run_id == run_id), None)
        if row is not None:
            self.table.blockSignals(True)
            self._fill_row(row, self.runs[row])
            self.table.blockSignals(False)
        self._emit_overlays()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        row, column = item.row(), item.column()
        if row >= len(self.runs):
            return
        run = self.runs[row]
        if column == SHOW:
            self.set_shown(run.run_id, item.checkState() == Qt.CheckState.Checked)
        elif column == NAME:
            name = " ".join(item.text().split())
            if not name:
                self.message.emit("A run needs a name: type at least one letter.")
                self.table.blockSignals(True)
                item.setText(run.name)
                self.table.blockSignals(False)
            elif name != run.name:
                self._push(
                    f"Rename run '{run.name}' to '{name}'",
                    partial(RunLog.rename, run_id=run.run_id, name=name),
                    partial(RunLog.rename, run_id=run.run_id, name=run.name),
                )

    def keep_current(self) -> None:
        """Keep the training so far as a run (training goes on)."""
        run, messages = self.call(lambda s: (s.keep_run(), s.runs.take_messages()))
        if run is not None:
            self.message.emit(f"Kept the training so far as '{run.name}'.")
            self._push(
                f"Keep run '{run.name}'",
                partial(_put_back, MAX_RUNS, run),
                partial(RunLog.remove, run_id=run.run_id),
                done=True,
            )
        for text in messages:
            self.message.emit(text)

    def restore_selected(self) -> bool:
        """Make the selected run the live workspace, as one undo entry; False (with a
        message) when there is none or its data cannot be made."""
        run = self.selected_run()
        if run is None:
            self.message.emit("Select a run to restore.")
            return False
        document = self.main_window.document
        data = None
        if document.data is None or run.data_config != document.data.config:
            try:
                data = prepare(run.data_config)
            except (DatasetError, OSError) as exc:
                self.main_window.banner.show_message(f"Could not restore '{run.name}': {exc}")
                return False
        try:
            document.restore_run(run, data)
        except ValueError as exc:
            self.main_window.banner.show_message(f"Could not restore '{run.name}': {exc}")
            return False
        return True

    def delete_selected(self) -> None:
        """Delete the selected run (undoable)."""
        run = self.selected_run()
        if run is not None:
            self._push(
                f"Delete run '{run.name}'",
                partial(RunLog.remove, run_id=run.run_id),
                partial(_put_back, self.runs.index(run), run),
            )

    def pin_selected(self) -> None:
        """Pin the selected run (or unpin it): pinned runs stay when the list is full."""
        run = self.selected_run()
        if run is not None:
            self._push(
                f"{'Unpin' if run.pinned else 'Pin'} run '{run.name}'",
                partial(RunLog.set_pinned, run_id=run.run_id, pinned=not run.pinned),
                partial(RunLog.set_pinned, run_id=run.run_id, pinned=run.pinned),
            )

    def _push(
        self,
        text: str,
        forward: Callable[[RunLog], object],
        back: Callable[[RunLog], object],
        done: bool = False,
    ) -> None:
        self.main_window.document.undo_stack.push(_RunsEdit(self, text, forward, back, done))

    def _update_buttons(self) -> None:
        run = self.selected_run()
        for button in (self.restore_button, self.delete_button, self.pin_button):
            button.setEnabled(run is not None)
        self.pin_button.setChecked(run is not None and run.pinned)
