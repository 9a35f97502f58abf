"""The main window: the network diagram in the centre, docks around it.

Owns the one :class:`NetworkDocument` (``window.document``) and the one
:class:`TrainingController` (``window.controller``). Snapshots from the controller are
handed to every view; edits from the panels and the diagram go through the document.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.about import show_about
from nnviz.app.app_settings import settings
from nnviz.app.banner import ErrorBanner
from nnviz.app.controller import TrainingController
from nnviz.app.dataset_panel import DatasetPanel
from nnviz.app.diagnosis_panel import DiagnosisPanel
from nnviz.app.diagram.panel import LayerPanel
from nnviz.app.diagram.view import NetworkDiagramView
from nnviz.app.document import NetworkDocument
from nnviz.app.export_actions import ExportActions
from nnviz.app.frame_clock import FrameClock, history_key, identity_key, is_shown
from nnviz.app.hyperparameters import HyperparameterPanel
from nnviz.app.init_panel import InitializationPanel
from nnviz.app.lesson_panel import LessonActions
from nnviz.app.plots.activation import ActivationView
from nnviz.app.plots.boundary import BoundaryView, NeuronGridView
from nnviz.app.plots.cat_gallery import ExplainedGalleryView
from nnviz.app.plots.curves import TrainingCurvesView
from nnviz.app.plots.first_layer import FirstLayerWeightsView
from nnviz.app.plots.gradient_flow import GradientFlowView
from nnviz.app.plots.images import ConfusionMatrixView
from nnviz.app.plots.landscape import LandscapeView
from nnviz.app.plots.layers import LayerStatsView
from nnviz.app.plots.perceptron import PerceptronLab
from nnviz.app.plots.style import configure_pyqtgraph
from nnviz.app.presentation import PresentationMode
from nnviz.app.projects import (
    Choice,
    ProjectFiles,
    RecoveryBanner,
    orphaned_recovery_files,
    state_folder,
)
from nnviz.app.race_panel import install_race_panel
from nnviz.app.runs_panel import RunsPanel
from nnviz.app.shortcuts import SpacePlays, shortcut_rows, show_shortcuts
from nnviz.app.sweep_panel import add_sweep_dock
from nnviz.app.trace_panel import TracePanel
from nnviz.app.training_panel import TrainingPanel, saved_epochs_per_second, steady_label
from nnviz.app.window_layout import (
    WIDE_WINDOW,
    combo_fits_its_items,
    dock_tab_bars_keep_titles,
    steady_readout,
)
from nnviz.data import DataConfig, DatasetError, PreparedData, prepare
from nnviz.engine.spec import NetworkSpec, SpecError
from nnviz.live import presets
from nnviz.live.jobs import JobReport
from nnviz.live.race import RaceReport
from nnviz.live.session import TrainingSession, batches_per_epoch
from nnviz.live.snapshot import TrainingSnapshot

# Saved window layouts of another version are ignored (the docks changed in version 2;
# in 3 the left panels took the full height for 1280x800 screens).
SETTINGS_VERSION = 3
# While training, the decision boundary is redrawn with every snapshot (up to 30 Hz), the
# counters and the confusion matrix at up to 10 Hz, the plots (2-5 ms of
# drawing and painting each) at 4 Hz: every redraw holds the interpreter lock the training
# thread needs. The frame clock decides; see nnviz.app.frame_clock.
MEDIUM_VIEW_S = 0.1
SLOW_VIEW_S = 0.25
# The diagram costs the most (15 ms a redraw with its painting, three times a plot's):
# its weights and neuron pictures change gradually, 2.5 times a second shows them well.
DIAGRAM_VIEW_S = 0.4
# Findings are sentences with numbers in them: new numbers every tenth of a second could
# not be read, and each new text lays out a word-wrapped page again.
DIAGNOSIS_VIEW_S = 1.0
STATUS_S = 0.5


def rate_text(snapshot: TrainingSnapshot) -> str:
    """The status bar's training rate."""
    return f"{snapshot.steps_per_second:,.0f} steps/s" if snapshot.playing else "paused"


def _fitted_batch(spec: NetworkSpec, data: PreparedData) -> NetworkSpec:
    """``spec`` with a batch no larger than the training set (full batch otherwise)."""
    if spec.batch_size is not None and spec.batch_size > data.raw.train.n_samples:
        return replace(spec, batch_size=None)
    return spec


def _data_name(config: DataConfig) -> str:
    if config.kind == "points":
        return str(config.name)
    return "cat vs non-cat" if config.kind == "cat" else Path(str(config.path)).name


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
        self._fit_to_screen(1600, 1000)
        self._instability: str | None = None
        config = presets.data_config(dataset, data_dir)
        startup_error = None
        try:
            data = prepare(config)
        except DatasetError as exc:
            startup_error = f"{exc}\nShowing the spiral instead."
            config = presets.data_config()
            data = prepare(config)
        spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
        spec = _fitted_batch(spec, data)
        self.document = NetworkDocument(spec, data, self)
        self.controller = TrainingController(self.document, self)
        self.projects = ProjectFiles(self)

        self.banner = ErrorBanner()
        self.recovery_banner = RecoveryBanner(self.projects)
        self.diagram = NetworkDiagramView(self.document, self)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.banner)
        centre_layout.addWidget(self.recovery_banner)
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
        # (name, view, least seconds between two redraws while training)
        self.views: tuple[tuple[str, QWidget, float], ...] = (
            ("boundary", self.boundary_view, 0.0),
            ("training", self.training_panel, MEDIUM_VIEW_S),
            ("activation", self.activation_view, SLOW_VIEW_S),
            ("confusion", self.confusion, MEDIUM_VIEW_S),
            ("curves", self.curves, SLOW_VIEW_S),
            ("layers", self.layer_stats_view, SLOW_VIEW_S),
            ("gallery", self.gallery, SLOW_VIEW_S),
            ("neurons", self.neuron_view, SLOW_VIEW_S),
            ("diagram", self.diagram, DIAGRAM_VIEW_S),
        )
        self.status_rate = steady_label("9,999,999 steps/s")
        self.statusBar().addPermanentWidget(self.status_rate)
        self.frame_clock = FrameClock(self)
        for name, view, interval in self.views:
            self.frame_clock.register(
                name,
                view.show_snapshot,
                visible=partial(is_shown, view),
                key=view.snapshot_key,
                interval_s=interval,
            )
        self.frame_clock.register(
            "status",
            self._show_rate,
            visible=partial(is_shown, self.status_rate),
            key=rate_text,
            interval_s=STATUS_S,
        )
        self._create_docks()
        self._create_inside_docks()
        self.runs_panel = RunsPanel(self)
        self.runs_dock = self.runs_panel.install()
        self.docks += (self.runs_dock,)
        self.race_dock = install_race_panel(self)
        self.docks += (self.race_dock,)
        self._create_landscape_dock()
        self.sweep_dock = add_sweep_dock(self)
        self.docks += (self.sweep_dock,)
        self.race_panel.raceFinished.connect(self._keep_raced)
        self.controller.jobReported.connect(self._draw_race_on_landscape)
        steady_readout(self.curves.readout, self.curves)
        combo_fits_its_items(self.activation_view.layer_combo)
        self._create_menus()
        self.runs_panel.add_to(self.training_menu)
        self._size_docks()
        self.exports = ExportActions(self)
        self.exports.add_to(self.file_menu)
        self.lessons = LessonActions(self)
        self.lessons.add_to(self.file_menu)
        self.docks += (self.lessons.dock,)
        self._connect()
        self._restore_layout = restore_layout
        self._layout_restored = False
        if restore_layout:
            self._restore_settings()
        self._show_data(data)
        self.controller.start(TrainingSession(spec, data))
        if startup_error:
            self.banner.show_message(startup_error)

    # -- construction -------------------------------------------------------------------
    def _fit_to_screen(self, width: int, height: int) -> None:
        """Open at ``width`` x ``height``, or fill the screen where it is smaller (a
        1280x800 projector)."""
        self.resize(*self._screen_fitted(width, height))

    def _screen_fitted(self, width: int, height: int) -> tuple[int, int]:
        screen = self.screen() or QApplication.primaryScreen()
        if screen is not None:
            available = screen.availableGeometry()
            width, height = min(width, available.width()), min(height, available.height())
        return width, height

    def lay_out(self, width: int, height: int) -> None:
        """Resize to ``width`` x ``height`` and share it out among the docks as the
        default layout does (after :meth:`show`: before it, the docks' first sizes can
        hold the window larger)."""
        self.layout().invalidate()  # its minimum size may be stale (docks since tabbed)
        self.layout().activate()
        self.resize(width, height)
        self._size_docks()

    def fit_to_screen(self) -> None:
        """After :meth:`show`: fit the window to its screen (1600x1000 at most) with the
        default dock sizes, unless a saved layout was restored."""
        if not self._layout_restored:
            self.lay_out(*self._screen_fitted(1600, 1000))

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

    def add_dock(
        self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea, scroll: bool = False
    ) -> QDockWidget:
        """A dock titled ``title`` (object name ``name``) holding ``widget`` in ``area``
        (inside a scroll area when ``scroll``); every panel's dock is made here."""
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
        # The panels on the left run the window's whole height (room for the
        # hyperparameters on a 1280x800 projector); the plots span the rest below.
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCorner(Qt.Corner.BottomRightCorner, bottom)
        self.training_dock = self.add_dock("Training", "trainingDock", self.training_panel, left)
        self.dataset_dock = self.add_dock("Dataset", "datasetDock", self.dataset_panel, left, True)
        self.hyper_dock = self.add_dock(
            "Hyperparameters", "hyperparametersDock", self.hyperparameters, left, True
        )
        self.layer_panel = LayerPanel(self.diagram)
        self.layer_dock = self.add_dock("Layer", "layerDock", self.layer_panel, left, True)
        self.tabifyDockWidget(self.dataset_dock, self.hyper_dock)
        self.tabifyDockWidget(self.hyper_dock, self.layer_dock)
        self.dataset_dock.raise_()
        self.boundary_dock = self.add_dock(
            "Decision boundary", "boundaryDock", self.boundary_view, right
        )
        self.gallery_dock = self.add_dock("Test images", "galleryDock", self.gallery, right)
        self.neuron_dock = self.add_dock("Neurons", "neuronsDock", self.neuron_view, right)
        self.confusion_dock = self.add_dock(
            "Confusion matrix", "confusionDock", self.confusion, right
        )
        self.tabifyDockWidget(self.neuron_dock, self.confusion_dock)
        self.curves_dock = self.add_dock("Loss and accuracy", "curvesDock", self.curves, bottom)
        self.activation_dock = self.add_dock(
            "Activation", "activationDock", self.activation_view, bottom
        )
        self.layers_dock = self.add_dock("Layers", "layersDock", self.layer_stats_view, bottom)
        self.splitDockWidget(self.curves_dock, self.activation_dock, Qt.Orientation.Horizontal)
        self.splitDockWidget(self.activation_dock, self.layers_dock, Qt.Orientation.Horizontal)
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

    def _size_docks(self) -> None:
        """The default dock sizes, shared out of the window's size: the left panels wide
        enough for their tab titles, the plots below a third of the height at most."""
        width, height = self.width(), self.height()
        self.resizeDocks([self.training_dock], [370], Qt.Orientation.Horizontal)
        self.resizeDocks([self.boundary_dock], [min(440, width // 3)], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.training_dock, self.dataset_dock], [250, height - 250], Qt.Orientation.Vertical
        )
        self.resizeDocks(
            [self.boundary_dock, self.neuron_dock], [420, 240], Qt.Orientation.Vertical
        )
        self.resizeDocks([self.curves_dock], [min(320, height // 3)], Qt.Orientation.Vertical)
        if width < WIDE_WINDOW:  # the loss curves keep a readable width beside one plot
            self.tabifyDockWidget(self.layers_dock, self.activation_dock)
            self.activation_dock.raise_()
        dock_tab_bars_keep_titles(self)

    def _create_inside_docks(self) -> None:
        """Seeing inside the network: the diagnosis in words, the gradient flow, the trace
        of one sample, the perceptron lab on the boundary plot, initialization for all layers."""
        self.diagnosis_panel = DiagnosisPanel()
        self.gradient_flow = GradientFlowView()
        self.trace_panel = TracePanel(self.document)
        self.trace_panel.attach_boundary(self.boundary_view)
        self.trace_panel.layerShown.connect(self.diagram.select_layer)
        self.trace_panel.valuesShown.connect(self._show_trace_values)
        self.diagram.weightHovered.connect(self.trace_panel.choose_weight)
        self.perceptron_lab = PerceptronLab(self.boundary_view, self.document)
        self.diagnosis_dock = self.add_dock(
            "Diagnosis",
            "diagnosisDock",
            self.diagnosis_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
            True,
        )
        self.gradient_dock = self.add_dock(
            "Gradient flow",
            "gradientFlowDock",
            self.gradient_flow,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.trace_dock = self.add_dock(
            "Trace a sample", "traceDock", self.trace_panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.tabifyDockWidget(self.layers_dock, self.gradient_dock)
        self.tabifyDockWidget(self.confusion_dock, self.diagnosis_dock)
        self.tabifyDockWidget(self.diagnosis_dock, self.trace_dock)
        self.first_layer = FirstLayerWeightsView()
        self.first_layer_dock = self.add_dock(
            "Layer 1 weights",
            "firstLayerDock",
            self.first_layer,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.tabifyDockWidget(self.trace_dock, self.first_layer_dock)
        self.init_panel = InitializationPanel(self.document)
        self.init_dock = self.add_dock(
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
        self.gallery.imageClicked.connect(self._trace_test_image)
        self.status_diagnosis = QLabel("")
        self.statusBar().addPermanentWidget(self.status_diagnosis)
        self.diagnosis_panel.summaryChanged.connect(self.status_diagnosis.setText)
        for name, view, interval, key in (
            ("diagnosis", self.diagnosis_panel, DIAGNOSIS_VIEW_S, lambda s: s.findings),
            (
                "gradient flow",
                self.gradient_flow,
                SLOW_VIEW_S,
                lambda s: (identity_key(s.layer_stats), history_key(s.grad_norms)),
            ),
            ("trace", self.trace_panel, SLOW_VIEW_S, lambda s: identity_key(s.weights)),
            ("perceptron", self.perceptron_lab, 0.0, lambda s: identity_key(s.weights)),
            ("first layer", self.first_layer, SLOW_VIEW_S, lambda s: identity_key(s.weights)),
        ):
            self.frame_clock.register(
                name,
                view.show_snapshot,
                visible=partial(is_shown, view),
                key=key,
                interval_s=interval,
            )
        self.docks += (
            self.diagnosis_dock,
            self.gradient_dock,
            self.trace_dock,
            self.first_layer_dock,
            self.init_dock,
        )

    def _create_landscape_dock(self) -> None:
        """The loss landscape, tabbed behind the panels on the right (computed only once
        it is shown)."""
        self.landscape_view = LandscapeView(self.controller)
        self.landscape_dock = self.add_dock(
            "Loss landscape",
            "landscapeDock",
            self.landscape_view,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.tabifyDockWidget(self.first_layer_dock, self.landscape_dock)
        self.neuron_dock.raise_()
        self.frame_clock.register(
            "landscape",
            self.landscape_view.show_snapshot,
            visible=partial(is_shown, self.landscape_view),
            key=self.landscape_view.snapshot_key,
            interval_s=SLOW_VIEW_S,
        )
        self.docks += (self.landscape_dock,)

    @Slot(int)
    def _trace_test_image(self, index: int) -> None:
        """A photo clicked in the gallery: follow it through the network."""
        self.trace_dock.show()
        self.trace_dock.raise_()
        self.trace_panel.image_spin.setValue(index + 1)
        self.trace_panel.trace_button.click()

    @Slot(int, object)
    def _show_trace_values(self, spec_index: int, texts: list[str]) -> None:
        self.diagram.diagram.show_trace_values(spec_index, texts)

    def _inside_use_data(self, data: PreparedData) -> None:
        self.trace_panel.set_data(data)
        self.perceptron_lab.set_data(data)
        self.gradient_flow.clear()
        self.first_layer.set_image_shape(data.image_shape)
        self.first_layer_dock.setVisible(data.image_shape is not None)

    def _create_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.projects.add_actions(self.file_menu)
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
        self.training_menu.addSeparator()
        self.training_menu.addAction(self.race_dock.toggleViewAction())
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
        self.presentation = PresentationMode(self)
        self.presentation.add_to(self.view_menu)
        self.space_plays = SpacePlays(self)
        self.view_menu.addSeparator()
        for dock in self.docks:
            self.view_menu.addAction(dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        shortcuts = QAction("Keyboard shortcuts", self)
        shortcuts.triggered.connect(self._show_shortcuts)
        help_menu.addAction(shortcuts)
        about = QAction("About nnviz", self)
        about.triggered.connect(lambda: show_about(self))
        help_menu.addAction(about)

    def _connect(self) -> None:
        c = self.controller
        c.snapshotReady.connect(self.show_snapshot)
        self.frame_clock.frameStarted.connect(c.hold_worker_for_frame)
        for dock in self.docks:
            dock.visibilityChanged.connect(self.frame_clock.wake)
        c.message.connect(self._on_message)
        c.failed.connect(self._on_failed)
        c.playingChanged.connect(self._on_playing_changed)
        self.diagram.parameterEdited.connect(self.document.edit_parameter)
        self.document.refused.connect(self._on_refused)
        self.document.dataChanged.connect(self._show_data)
        self.diagram.message.connect(self.statusBar().showMessage)
        self.dataset_panel.configChanged.connect(self.set_data_config)
        self.hyperparameters.runOptionsChanged.connect(c.set_run_options)
        self.training_panel.speedChanged.connect(c.set_speed)
        self.training_panel.speedChanged.connect(self._tell_clock_the_speed)
        self.document.specChanged.connect(self._show_batches_per_epoch)
        self.document.dataChanged.connect(self._show_batches_per_epoch)
        self._show_batches_per_epoch()
        c.set_speed(self.training_panel.speed)
        self._tell_clock_the_speed(self.training_panel.speed)
        self.activation_view.layerChosen.connect(c.set_focus_layer)
        self.document.specChanged.connect(self._on_spec_changed)

    # -- data ---------------------------------------------------------------------------
    @property
    def data(self) -> PreparedData:
        return self.document.data

    @Slot(object)
    def set_data_config(self, config: DataConfig) -> bool:
        """Switch to the data ``config`` describes, as one undoable edit that keeps the
        weights that still fit; on bad data keep everything as it was and say what to do."""
        try:
            data = prepare(config)
            spec = _fitted_batch(self.document.spec.for_task(data.input_dim, data.n_classes), data)
            self.document.switch_data(data, spec, f"Data: {_data_name(config)}")
        except (DatasetError, SpecError, ValueError, OSError) as exc:
            self.banner.show_message(f"Could not use this data: {exc}")
            self.dataset_panel.show_config(self.data.config)
            return False
        self.banner.hide()
        self.statusBar().showMessage(
            f"New data: {data.raw.train.n_samples} training samples, {data.input_dim} inputs, "
            f"{data.n_classes} classes — training starts again from step 0.",
            8000,
        )
        return True

    @Slot(object)
    def _show_data(self, data: PreparedData) -> None:
        """Point every view at ``data`` (at start, on a switch, and on its undo)."""
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
        sweeps = self.sweep_panel
        if not sweeps.running and sweeps.result is None:
            # tabbed with the boundary, an empty Sweeps tab would take its place above
            # the test images (View → Sweeps shows it)
            self.sweep_dock.setVisible(not images)
            if not images:
                self.boundary_dock.raise_()
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

    # -- snapshots and messages ---------------------------------------------------------
    @property
    def frames_drawn(self) -> int:
        """Frames in which at least one view redrew."""
        return self.frame_clock.frames

    @Slot(object)
    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        """Hand ``snapshot`` to the frame clock: it redraws the visible views whose data
        changed, at the display rate (see :mod:`nnviz.app.frame_clock`)."""
        self.frame_clock.set_snapshot(snapshot)
        self.projects.note_step(snapshot.step)
        if snapshot.instability and snapshot.instability != self._instability:
            self.statusBar().showMessage(f"Warning: {snapshot.instability}", 10000)
        self._instability = snapshot.instability

    def _show_rate(self, snapshot: TrainingSnapshot) -> None:
        self.status_rate.setText(rate_text(snapshot))

    @Slot(str)
    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    @Slot(str)
    def _on_refused(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.banner.show_message(text)
        self.statusBar().showMessage(text.split(". ")[0], 10000)

    @Slot(bool)
    def _on_playing_changed(self, playing: bool) -> None:
        self.play_action.setChecked(playing)
        self.play_action.setText("Pause" if playing else "Play")

    def _tell_clock_the_speed(self, max_steps_per_second: float | None) -> None:
        """Flat out, the frame clock keeps the GUI thread's share of the time small."""
        self.frame_clock.full_speed = max_steps_per_second is None

    def _show_batches_per_epoch(self, *_args: object) -> None:
        """The speed is in epochs per second: its step rate follows the batches per epoch."""
        n_train = self.data.raw.train.n_samples
        self.training_panel.set_batches_per_epoch(
            batches_per_epoch(n_train, self.document.spec.batch_size)
        )

    @Slot(object, object)
    def _on_spec_changed(self, old: NetworkSpec, new: NetworkSpec) -> None:
        if old.layers != new.layers:
            self.activation_view.set_spec(new)

    # -- projects ---------------------------------------------------------------------
    def run_settings(self) -> dict[str, object]:
        """The training options a project keeps besides the network (JSON-able;
        ``epochs_per_second`` None is full speed)."""
        epochs, patience = self.hyperparameters.run_options
        return {
            "epochs": epochs,
            "patience": patience,
            "epochs_per_second": self.training_panel.epochs_per_second,
        }

    def start_session(self, session: TrainingSession, run_settings: dict[str, object]) -> None:
        """Show and train ``session`` (an opened project) from where it stands; the undo
        history starts anew. The runs kept so far (the current training too) stay."""
        if self.controller.worker is not None:
            kept = self.controller.call(TrainingSession.closed_runs)
            session.runs.extend(kept, first=True)
        self.controller.stop()
        self.document.reset(session.spec, session.data)
        self._show_data(session.data)
        for key, widget in (
            ("epochs", self.hyperparameters.epochs_spin),
            ("patience", self.hyperparameters.patience_spin),
        ):
            value = run_settings.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                widget.setValue(value)
        speed = saved_epochs_per_second(run_settings, session.batches_per_epoch)
        if speed is not False:
            self.training_panel.set_epochs_per_second(speed)
        self.controller.start(session)

    def offer_recovery(self) -> None:
        """Offer the newest recovery file a crashed nnviz left behind, if any."""
        found = orphaned_recovery_files(state_folder() / "recovery")
        if found:
            self.recovery_banner.offer(found[0])

    @Slot(object)
    def _keep_raced(self, race: RaceReport) -> None:
        """A finished or stopped race's variants join the runs list."""
        try:
            kept = self.controller.call(lambda session: session.keep_raced(race))
        except (RuntimeError, TimeoutError) as exc:
            self.statusBar().showMessage(f"The race's variants could not be kept: {exc}", 10000)
            return
        if kept:
            self.statusBar().showMessage(
                f"The race's {len(kept)} variants are kept in the Runs list: tick them to "
                "compare, restore one to train it on.",
                10000,
            )

    @Slot(object)
    def _draw_race_on_landscape(self, report: JobReport) -> None:
        """The raced variants' paths on the loss landscape, growing as they train."""
        if isinstance(report.result, RaceReport):
            self.landscape_view.set_extra_trajectories(
                [(variant.label, variant.trajectory) for variant in report.result.variants]
            )

    def start_race(self, preset: str) -> None:
        """Race the variants of the lesson preset ``preset`` (see nnviz.live.race.PRESETS)
        from the current set-up; the race dock comes to the front when it starts."""
        self.race_panel.start_preset(preset)

    def _show_shortcuts(self) -> None:
        show_shortcuts(self, shortcut_rows(self, self.diagram.key_actions))

    def set_presentation_mode(self, on: bool) -> None:
        """Large text and only the diagram, the boundary and the loss curves (see
        :mod:`nnviz.app.presentation`); off restores the layout as it was."""
        self.presentation.set_enabled(on)

    # -- settings and closing -----------------------------------------------------------
    def _restore_settings(self) -> None:
        store = settings()
        geometry = store.value("window/geometry")
        state = store.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self._layout_restored = self.restoreState(state, SETTINGS_VERSION)

    def save_settings(self) -> None:
        self.set_presentation_mode(False)  # the normal layout is the one remembered
        store = settings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState(SETTINGS_VERSION))
        store.sync()

    def close_discarding(self) -> None:
        """Close without asking about unsaved work (scripts: benchmarks, smoke tests)."""
        self.projects.ask_to_save = lambda _action: Choice.DISCARD
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.projects.may_discard("quitting"):
            event.ignore()
            return
        self.controller.stop()
        self.projects.remove_recovery()
        if self._restore_layout:
            self.save_settings()
        super().closeEvent(event)
