"""The main window: the network diagram in the centre, docks around it.

Owns the one :class:`NetworkDocument` (``window.document``) and the one
:class:`TrainingController` (``window.controller``). Snapshots from the controller are
handed to every view; edits from the panels and the diagram go through the document.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.controller import TrainingController
from nnviz.app.dataset_panel import DatasetPanel
from nnviz.app.diagnosis_panel import DiagnosisPanel
from nnviz.app.diagram.panel import LayerPanel
from nnviz.app.diagram.view import NetworkDiagramView
from nnviz.app.document import NetworkDocument
from nnviz.app.hyperparameters import HyperparameterPanel
from nnviz.app.init_panel import InitializationPanel
from nnviz.app.plots.activation import ActivationView
from nnviz.app.plots.boundary import BoundaryView, NeuronGridView
from nnviz.app.plots.cat_gallery import ExplainedGalleryView
from nnviz.app.plots.curves import TrainingCurvesView
from nnviz.app.plots.first_layer import FirstLayerWeightsView
from nnviz.app.plots.gradient_flow import GradientFlowView
from nnviz.app.plots.images import ConfusionMatrixView
from nnviz.app.plots.layers import LayerStatsView
from nnviz.app.plots.perceptron import PerceptronLab
from nnviz.app.plots.style import configure_pyqtgraph
from nnviz.app.trace_panel import TracePanel
from nnviz.app.training_panel import TrainingPanel
from nnviz.data import DataConfig, DatasetError, PreparedData, prepare
from nnviz.engine.spec import NetworkSpec, SpecError
from nnviz.io.project import SUFFIX, Project, ProjectError, load_project, save_project
from nnviz.live import presets
from nnviz.live.snapshot import TrainingSnapshot

SETTINGS_VERSION = 1
# While training, the decision boundary is redrawn with every snapshot (up to 30 Hz), the
# counters and small plots at 10 Hz, the views with long curves or many items at 5 Hz:
# every redraw holds the interpreter lock the training thread needs.
MEDIUM_VIEW_S = 0.1
SLOW_VIEW_S = 0.2


def settings() -> QSettings:
    """The app's settings; tests point ``NNVIZ_SETTINGS_ORG`` elsewhere."""
    return QSettings(os.environ.get("NNVIZ_SETTINGS_ORG", "nnviz"), "nnviz")


class ErrorBanner(QWidget):
    """An inline message above the diagram that says what went wrong and what to do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QPushButton("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#errorBanner { background: #fde0c5; border: 1px solid #d55e00; border-radius: 4px; }"
            "#errorBanner QLabel { color: #4a1d00; }"
        )
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()


class MainWindow(QMainWindow):
    """The app. ``dataset``/``data_dir`` choose the data it opens with; a missing cat
    folder falls back to the spiral with a message saying where to put the files."""

    def __init__(
        self,
        dataset: str = "spiral",
        data_dir: str | os.PathLike[str] | None = None,
        *,
        restore_layout: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        configure_pyqtgraph()
        self.setWindowTitle("nnviz[*]")
        self.resize(1600, 1000)
        self.frames_drawn = 0
        config = presets.data_config(dataset, data_dir)
        startup_error = None
        try:
            data = prepare(config)
        except DatasetError as exc:
            startup_error = f"{exc}\nShowing the spiral instead."
            config = presets.data_config()
            data = prepare(config)
        self.data: PreparedData = data
        spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
        self.document = NetworkDocument(spec, self)
        self.project_path: Path | None = None
        self.controller = TrainingController(self.document, self)

        self.banner = ErrorBanner()
        self.diagram = NetworkDiagramView(self.document, self)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.banner)
        centre_layout.addWidget(self.diagram, 1)
        self.setCentralWidget(centre)

        self._create_actions()
        self.training_panel = TrainingPanel(
            [
                self.play_action,
                self.step_batch_action,
                self.step_epoch_action,
                self.reset_action,
                self.reset_initial_action,
            ]
        )
        self.dataset_panel = DatasetPanel(config)
        self.hyperparameters = HyperparameterPanel(self.document)
        self.curves = TrainingCurvesView()
        self.activation_view = ActivationView()
        self.layer_stats_view = LayerStatsView()
        self.boundary_view = BoundaryView()
        self.neuron_view = NeuronGridView()
        self.gallery = ExplainedGalleryView(columns=4)
        self.confusion = ConfusionMatrixView()
        # (view, seconds between redraws while training; see show_snapshot)
        self.views: tuple[tuple[QWidget, float], ...] = (
            (self.boundary_view, 0.0),
            (self.training_panel, MEDIUM_VIEW_S),
            (self.activation_view, SLOW_VIEW_S),
            (self.confusion, MEDIUM_VIEW_S),
            (self.curves, MEDIUM_VIEW_S),
            (self.layer_stats_view, SLOW_VIEW_S),
            (self.gallery, SLOW_VIEW_S),
            (self.neuron_view, SLOW_VIEW_S),
            (self.diagram, SLOW_VIEW_S),
        )
        self._drawn_at: dict[int, float] = {}
        self._create_docks()
        self._create_inside_docks()
        self._create_menus()
        self._connect()
        self.status_rate = QLabel("")
        self.statusBar().addPermanentWidget(self.status_rate)
        self._restore_layout = restore_layout
        if restore_layout:
            self._restore_settings()
        self._use_data(data)
        if startup_error:
            self.banner.show_message(startup_error)

    # -- construction -------------------------------------------------------------------
    def _action(self, name: str, text: str, shortcut: str, tip: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _create_actions(self) -> None:
        c = self.controller
        self.play_action = self._action(
            "play", "Play", "Space", "Train continuously; press again to pause", c.toggle_play
        )
        self.play_action.setCheckable(True)
        self.step_batch_action = self._action(
            "step_batch",
            "Step batch",
            "Ctrl+B",
            "Train on one mini-batch, then pause",
            c.step_batch,
        )
        self.step_epoch_action = self._action(
            "step_epoch",
            "Step epoch",
            "Ctrl+E",
            "Train to the end of the epoch, then pause",
            c.step_epoch,
        )
        self.reset_action = self._action(
            "reset", "Reset", "Ctrl+R", "New random weights; clears the history", c.reset
        )
        self.reset_initial_action = self._action(
            "reset_initial",
            "Reset to start",
            "Ctrl+Shift+R",
            "Back to the same initial weights (to compare settings fairly)",
            c.reset_to_initial,
        )
        self.undo_action = self.document.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = self.document.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))

    def _dock(
        self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea, scroll: bool = False
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        if scroll:
            area_widget = QScrollArea()
            area_widget.setWidgetResizable(True)
            area_widget.setWidget(widget)
            widget = area_widget
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _create_docks(self) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        # The plots below span the whole width; the panels sit beside the diagram.
        self.setCorner(Qt.Corner.BottomLeftCorner, bottom)
        self.setCorner(Qt.Corner.BottomRightCorner, bottom)
        self.training_dock = self._dock("Training", "trainingDock", self.training_panel, left)
        self.dataset_dock = self._dock("Dataset", "datasetDock", self.dataset_panel, left, True)
        self.hyper_dock = self._dock(
            "Hyperparameters", "hyperparametersDock", self.hyperparameters, left, True
        )
        self.layer_panel = LayerPanel(self.diagram)
        self.layer_dock = self._dock("Layer", "layerDock", self.layer_panel, left, True)
        self.tabifyDockWidget(self.dataset_dock, self.hyper_dock)
        self.tabifyDockWidget(self.hyper_dock, self.layer_dock)
        self.dataset_dock.raise_()
        self.boundary_dock = self._dock(
            "Decision boundary", "boundaryDock", self.boundary_view, right
        )
        self.gallery_dock = self._dock("Test images", "galleryDock", self.gallery, right)
        self.neuron_dock = self._dock("Neurons", "neuronsDock", self.neuron_view, right)
        self.confusion_dock = self._dock("Confusion matrix", "confusionDock", self.confusion, right)
        self.tabifyDockWidget(self.neuron_dock, self.confusion_dock)
        self.curves_dock = self._dock("Loss and accuracy", "curvesDock", self.curves, bottom)
        self.activation_dock = self._dock(
            "Activation", "activationDock", self.activation_view, bottom
        )
        self.layers_dock = self._dock("Layers", "layersDock", self.layer_stats_view, bottom)
        self.splitDockWidget(self.curves_dock, self.activation_dock, Qt.Orientation.Horizontal)
        self.splitDockWidget(self.activation_dock, self.layers_dock, Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.training_dock, self.dataset_dock], [240, 420], Qt.Orientation.Vertical
        )
        self.resizeDocks([self.training_dock], [330], Qt.Orientation.Horizontal)
        self.resizeDocks([self.boundary_dock], [440], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.boundary_dock, self.neuron_dock], [420, 240], Qt.Orientation.Vertical
        )
        self.resizeDocks([self.curves_dock], [320], Qt.Orientation.Vertical)
        self.docks = (
            self.training_dock,
            self.dataset_dock,
            self.hyper_dock,
            self.layer_dock,
            self.boundary_dock,
            self.gallery_dock,
            self.neuron_dock,
            self.confusion_dock,
            self.curves_dock,
            self.activation_dock,
            self.layers_dock,
        )

    def _create_inside_docks(self) -> None:
        """Seeing inside the network: the diagnosis in words, the gradient flow, the trace
        of one sample, the perceptron lab on the boundary plot, initialization for all layers."""
        self.diagnosis_panel = DiagnosisPanel()
        self.gradient_flow = GradientFlowView()
        self.trace_panel = TracePanel(self.document)
        self.trace_panel.attach_boundary(self.boundary_view)
        self.trace_panel.layerShown.connect(self.diagram.select_layer)
        self.perceptron_lab = PerceptronLab(
            self.boundary_view, self.document, self.controller.set_parameter
        )
        self.diagnosis_dock = self._dock(
            "Diagnosis",
            "diagnosisDock",
            self.diagnosis_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
            True,
        )
        self.gradient_dock = self._dock(
            "Gradient flow",
            "gradientFlowDock",
            self.gradient_flow,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.trace_dock = self._dock(
            "Trace a sample", "traceDock", self.trace_panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.tabifyDockWidget(self.layers_dock, self.gradient_dock)
        self.tabifyDockWidget(self.confusion_dock, self.diagnosis_dock)
        self.tabifyDockWidget(self.diagnosis_dock, self.trace_dock)
        self.first_layer = FirstLayerWeightsView()
        self.first_layer_dock = self._dock(
            "Layer 1 weights",
            "firstLayerDock",
            self.first_layer,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.tabifyDockWidget(self.trace_dock, self.first_layer_dock)
        self.init_panel = InitializationPanel(self.document)
        self.init_dock = self._dock(
            "Initialization",
            "initializationDock",
            self.init_panel,
            Qt.DockWidgetArea.LeftDockWidgetArea,
            True,
        )
        self.tabifyDockWidget(self.layer_dock, self.init_dock)
        for dock in (self.dataset_dock, self.neuron_dock, self.layers_dock):
            dock.raise_()  # the docks that were on top stay on top
        self.confusion.cellClicked.connect(self.gallery.filter_cell)
        self.status_diagnosis = QLabel("")
        self.statusBar().addPermanentWidget(self.status_diagnosis)
        self.diagnosis_panel.summaryChanged.connect(self.status_diagnosis.setText)
        self.views += (
            (self.diagnosis_panel, MEDIUM_VIEW_S),
            (self.gradient_flow, SLOW_VIEW_S),
            (self.trace_panel, SLOW_VIEW_S),
            (self.perceptron_lab, 0.0),
            (self.first_layer, SLOW_VIEW_S),
        )
        self.docks += (
            self.diagnosis_dock,
            self.gradient_dock,
            self.trace_dock,
            self.first_layer_dock,
            self.init_dock,
        )

    def _inside_use_data(self, data: PreparedData) -> None:
        self.trace_panel.set_data(data)
        self.perceptron_lab.set_data(data)
        self.gradient_flow.clear()
        self.first_layer.set_image_shape(data.image_shape)
        self.first_layer_dock.setVisible(data.image_shape is not None)

    def _create_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        for text, shortcut, slot in (
            ("&Open project…", QKeySequence.StandardKey.Open, self._choose_project_to_open),
            ("&Save project", QKeySequence.StandardKey.Save, self._save),
            ("Save project &as…", QKeySequence.StandardKey.SaveAs, self._choose_project_to_save),
        ):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            self.file_menu.addAction(action)
        self.file_menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.file_menu.addAction(quit_action)
        self.edit_menu = bar.addMenu("&Edit")
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)
        self.training_menu = bar.addMenu("&Training")
        for action in (self.play_action, self.step_batch_action, self.step_epoch_action):
            self.training_menu.addAction(action)
        self.training_menu.addSeparator()
        self.training_menu.addAction(self.reset_action)
        self.training_menu.addAction(self.reset_initial_action)
        self.view_menu = bar.addMenu("&View")
        log_action = QAction("Log-scale loss", self)
        log_action.setCheckable(True)
        log_action.setShortcut(QKeySequence("Ctrl+L"))
        log_action.toggled.connect(self.curves.set_log_scale)
        self.curves.log_check.toggled.connect(log_action.setChecked)
        self.view_menu.addAction(log_action)
        fit_action = QAction("Fit network to view", self)
        fit_action.setShortcut(QKeySequence("Ctrl+0"))
        fit_action.triggered.connect(self.diagram.fit_to_view)
        self.view_menu.addAction(fit_action)
        self.view_menu.addSeparator()
        for dock in self.docks:
            self.view_menu.addAction(dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        shortcuts = QAction("Keyboard shortcuts", self)
        shortcuts.triggered.connect(self._show_shortcuts)
        help_menu.addAction(shortcuts)

    def _connect(self) -> None:
        c = self.controller
        c.snapshotReady.connect(self.show_snapshot)
        c.message.connect(self._on_message)
        c.failed.connect(self._on_failed)
        c.playingChanged.connect(self._on_playing_changed)
        self.diagram.parameterEdited.connect(c.set_parameter)
        self.diagram.message.connect(self.statusBar().showMessage)
        self.dataset_panel.configChanged.connect(self.set_data_config)
        self.hyperparameters.runOptionsChanged.connect(c.set_run_options)
        self.training_panel.speedChanged.connect(c.set_speed)
        self.activation_view.layerChosen.connect(c.set_focus_layer)
        self.document.specChanged.connect(self._on_spec_changed)
        self.document.undo_stack.cleanChanged.connect(self._update_title)

    # -- data ---------------------------------------------------------------------------
    @Slot(object)
    def set_data_config(self, config: DataConfig) -> bool:
        """Switch to the data ``config`` describes; on bad data keep everything as it was
        and say what to do. Training restarts from fresh weights (the status bar says so)."""
        try:
            data = prepare(config)
            self._adapted_spec(data).validate()
        except (DatasetError, SpecError, ValueError, OSError) as exc:
            self.banner.show_message(f"Could not use this data: {exc}")
            self.dataset_panel.show_config(self.data.config)
            return False
        self.banner.hide()
        self._use_data(data)
        self.statusBar().showMessage(
            f"New data: {data.raw.train.n_samples} training samples, {data.input_dim} inputs, "
            f"{data.n_classes} classes — training was reset.",
            8000,
        )
        return True

    def _adapted_spec(self, data: PreparedData) -> NetworkSpec:
        """The document's network with its input, output and batch size fitted to ``data``."""
        spec = self.document.spec
        adapted = spec.for_task(data.input_dim, data.n_classes)
        if spec.batch_size is not None and spec.batch_size > data.raw.train.n_samples:
            adapted = replace(adapted, batch_size=None)
        return adapted

    def _use_data(self, data: PreparedData) -> None:
        self.controller.stop()
        self.data = data
        adapted = self._adapted_spec(data)
        if adapted != self.document.spec:
            self.document.edit(adapted, "Adapt the network to the data")
        self.dataset_panel.show_config(data.config)
        self.dataset_panel.show_prepared(data)
        self.hyperparameters.set_training_size(data.raw.train.n_samples)
        self.diagram.set_input_description(
            list(data.feature_names) if data.image_shape is None else None, data.image_shape
        )
        images = data.image_shape is not None
        for dock in (self.boundary_dock, self.neuron_dock):
            dock.setVisible(not images)
        self.gallery_dock.setVisible(images)
        if images and data.raw.test is not None:
            self.gallery.set_images(data.raw.test.x, data.raw.test.y, list(data.class_names))
            self.resizeDocks(
                [self.gallery_dock, self.confusion_dock], [480, 180], Qt.Orientation.Vertical
            )
        elif not images:
            test = data.raw.test
            train = data.raw.train
            if test is None:
                test = train.subset(train.y[:0])
            self.boundary_view.set_points(train.x, train.y, test.x, test.y)
        self.confusion.set_classes(list(data.class_names))
        self.curves.clear()
        self.layer_stats_view.clear()
        self.activation_view.set_spec(self.document.spec)
        self._inside_use_data(data)
        self.controller.start(data)

    # -- snapshots and messages ---------------------------------------------------------
    @Slot(object)
    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        """Draw ``snapshot``: while training, in the boundary view and in at most one other
        view that is due (the most overdue), so no frame carries several plots; while
        paused, in every visible view. Hidden views (tabbed away, closed docks) skip
        frames and catch up once visible."""
        now = time.monotonic()
        due: list[tuple[float, QWidget]] = []
        for view, interval in self.views:
            if not view.isVisible():
                continue
            if not snapshot.playing or interval == 0.0:
                self._draw(view, snapshot, now)
                continue
            overdue = (now - self._drawn_at.get(id(view), 0.0)) / interval
            if overdue >= 1.0:
                due.append((overdue, view))
        if due:
            self._draw(max(due, key=lambda item: item[0])[1], snapshot, now)
        self.status_rate.setText(
            f"{snapshot.steps_per_second:,.0f} steps/s" if snapshot.playing else "paused"
        )
        self.frames_drawn += 1

    def _draw(self, view: QWidget, snapshot: TrainingSnapshot, now: float) -> None:
        view.show_snapshot(snapshot)
        self._drawn_at[id(view)] = now

    @Slot(str)
    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.banner.show_message(text)
        self.statusBar().showMessage(text.split(". ")[0], 10000)

    @Slot(bool)
    def _on_playing_changed(self, playing: bool) -> None:
        self.play_action.setChecked(playing)
        self.play_action.setText("Pause" if playing else "Play")

    @Slot(object, object)
    def _on_spec_changed(self, old: NetworkSpec, new: NetworkSpec) -> None:
        if old.layers != new.layers:
            self.activation_view.set_spec(new)

    @Slot(bool)
    # -- project files ------------------------------------------------------------------
    def save_project_as(self, path: str | os.PathLike[str]) -> bool:
        """Save the network, its latest weights and history and the data settings."""
        snapshot = self.controller.latest
        weights = None
        history: dict[str, np.ndarray] = {}
        if snapshot is not None and len(snapshot.weights) == len(self.document.spec.dense_layers):
            weights = tuple(array for pair in snapshot.weights for array in pair)
            history = {name: np.asarray(values) for name, values in snapshot.history.items()}
        project = Project(
            spec=self.document.spec,
            weights=weights,
            history=history,
            data=self.data.config.to_dict(),
        )
        try:
            saved = save_project(path, project)
        except ProjectError as exc:
            self.banner.show_message(f"Could not save: {exc}")
            return False
        self.project_path = saved
        self.document.undo_stack.setClean()
        self.setWindowTitle(f"{saved.name} — nnviz[*]")
        self.statusBar().showMessage(f"Saved {saved}", 5000)
        return True

    def open_project(self, path: str | os.PathLike[str]) -> bool:
        """Open a project; a bad file changes nothing and the banner says why."""
        try:
            project = load_project(path)
            config = DataConfig.from_dict(project.data)
        except (ProjectError, DatasetError) as exc:
            self.banner.show_message(f"Could not open the project: {exc}")
            return False
        if not self.set_data_config(config):
            return False
        self.document.reset(project.spec)
        if project.weights is not None:
            self.controller.load_weights(list(project.weights))
        self.project_path = Path(path)
        self.setWindowTitle(f"{self.project_path.name} — nnviz[*]")
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def _save(self) -> None:
        if self.project_path is None:
            self._choose_project_to_save()
        else:
            self.save_project_as(self.project_path)

    def _choose_project_to_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save project", f"network{SUFFIX}", f"nnviz projects (*{SUFFIX})"
        )
        if path:
            self.save_project_as(path if path.endswith(SUFFIX) else path + SUFFIX)

    def _choose_project_to_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", "", f"nnviz projects (*{SUFFIX});;All files (*)"
        )
        if path:
            self.open_project(path)

    def _update_title(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _show_shortcuts(self) -> None:
        actions = (
            self.play_action,
            self.step_batch_action,
            self.step_epoch_action,
            self.reset_action,
            self.reset_initial_action,
            self.undo_action,
            self.redo_action,
        )
        lines = [
            f"<tr><td><b>{a.shortcut().toString()}</b></td><td>{a.text()}</td></tr>"
            for a in actions
        ]
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{''.join(lines)}</table>")

    # -- settings and closing -----------------------------------------------------------
    def _restore_settings(self) -> None:
        store = settings()
        geometry = store.value("window/geometry")
        state = store.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, SETTINGS_VERSION)

    def save_settings(self) -> None:
        store = settings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState(SETTINGS_VERSION))
        store.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.controller.stop()
        if self._restore_layout:
            self.save_settings()
        super().closeEvent(event)
