"""File → Export, File → Export as code, and the same exports in each view's right-click
menu (in place of pyqtgraph's own "Export..." dialog).

The picture functions at module level (:func:`write_scene`, :func:`write_widget`,
:func:`render_diagram`...) need a ``QApplication`` but no window, so ``nnviz export`` uses
them headless (``QT_QPA_PLATFORM=offscreen``). Pictures: ``.svg`` is vector
(``QSvgGenerator``, or pyqtgraph's ``SVGExporter`` for plots), ``.png`` is drawn at
``scale`` times the on-screen size.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QContextMenuEvent, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QMenu,
    QWidget,
)

from nnviz.app.diagram.scene import NetworkScene
from nnviz.app.movie import MovieActions
from nnviz.engine.spec import NetworkSpec
from nnviz.io import codegen, export
from nnviz.io.export import ExportError
from nnviz.live.snapshot import TrainingSnapshot

if TYPE_CHECKING:
    from nnviz.app.main_window import MainWindow

PNG_SCALES = (1, 2, 4)
PICTURE_FILTER = "PNG image (*.png);;SVG vector image (*.svg)"


# -- pictures (no window needed) -----------------------------------------------------------
def _suffix(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ExportError(f"{Path(path).name}: pictures are .png or .svg files")
    return suffix


def write_scene(
    scene: QGraphicsScene, source: QRectF, path: str | os.PathLike[str], scale: float = 1.0
) -> Path:
    """Draw ``source`` (scene coordinates) of ``scene`` to an SVG, or a PNG ``scale``
    times its size, on white, through an unshown view."""
    target = Path(path)
    suffix = _suffix(target)
    width, height = math.ceil(source.width()), math.ceil(source.height())
    # every item draws itself, not a pixmap kept for the screen: text stays text in an
    # SVG, and a PNG at 2x is sharp
    cached = [(item, item.cacheMode()) for item in scene.items()]
    for item, _ in cached:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    view = QGraphicsView(scene)
    view.setPalette(QApplication.style().standardPalette())
    view.setFrameShape(QFrame.Shape.NoFrame)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setBackgroundBrush(QColor("white"))
    view.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    view.setSceneRect(source)
    view.resize(width, height)
    # One paint on the view's own device first: rendered without it, the picture lacks
    # the column titles (the SVG test checks for "Hidden 1").
    view.grab()
    try:
        if suffix == ".svg":
            generator = QSvgGenerator()
            generator.setFileName(str(target))
            generator.setSize(QSize(width, height))
            generator.setViewBox(QRectF(0, 0, width, height))
            generator.setTitle("nnviz")
            painter = QPainter(generator)
            view.render(painter, QRectF(0, 0, width, height), view.viewport().rect())
            if not painter.end():
                raise ExportError(f"cannot write {target}")
            return target
        image = QImage(round(width * scale), round(height * scale), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
        )
        view.render(painter, QRectF(0, 0, image.width(), image.height()), view.viewport().rect())
        painter.end()
        if not image.save(str(target), "PNG"):
            raise ExportError(f"cannot write {target}; check the folder and free space")
        return target
    finally:
        view.setScene(None)
        for item, mode in cached:
            item.setCacheMode(mode)
        view.deleteLater()


def write_diagram(scene: NetworkScene, path: str | os.PathLike[str], scale: float = 1.0) -> Path:
    """The network of ``scene`` without the editing aids: palette, hint, hover card,
    −/+ buttons and resize grips, in light colours on white whatever the desktop theme."""
    extras = [item for item, _ in scene.overlay] + [scene.hint, scene.card]
    extras += [*scene.buttons, *scene.handles]
    visible = [item.isVisible() for item in extras]
    selected = scene.selectedItems()
    for item in extras:
        item.hide()
    scene.clearSelection()
    on_screen = scene.palette()
    scene.use_palette(QApplication.style().standardPalette())  # light, whatever the theme
    try:
        return write_scene(scene, scene.network_rect(), path, scale)
    finally:
        scene.use_palette(on_screen)
        for item, shown in zip(extras, visible, strict=True):
            item.setVisible(shown)
        for item in selected:
            item.setSelected(True)


def render_diagram(
    spec: NetworkSpec,
    weights: Sequence[np.ndarray] | None,
    path: str | os.PathLike[str],
    scale: float = 1.0,
    input_names: Sequence[str] | None = None,
    image_shape: tuple[int, ...] | None = None,
    snapshot: TrainingSnapshot | None = None,
) -> Path:
    """Headless: draw ``spec`` with ``weights`` (``[W1, b1, ...]``) as the app does; a
    ``snapshot`` of 2D data adds each neuron's output over the plane, as on screen."""
    scene = NetworkScene(spec)
    scene.set_input_description(input_names, image_shape)
    if weights is not None:
        pairs = [(weights[i], weights[i + 1]) for i in range(0, len(weights), 2)]
        grids = None if snapshot is None else snapshot.neuron_grids
        scene.set_weights(pairs, grids)
        if snapshot is not None and snapshot.boundary is not None and grids:
            scene.set_input_plane(snapshot.boundary.bounds)
    try:
        return write_diagram(scene, path, scale)
    finally:
        scene.deleteLater()


def write_widget(widget: QWidget, path: str | os.PathLike[str], scale: float = 1.0) -> Path:
    """A view as a picture. SVG: the widget drawn through ``QSvgGenerator`` (vector; the
    plots' curves stay paths; pyqtgraph's own SVGExporter fails on this Qt's path data).
    PNG: pyqtgraph's ``ImageExporter`` for plots (``widget.graphics``), ``scale`` times
    wider; other widgets drawn into an image ``scale`` times their size."""
    target = Path(path)
    suffix = _suffix(target)
    size = widget.size()
    if suffix == ".svg":
        generator = QSvgGenerator()
        generator.setFileName(str(target))
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle("nnviz")
        painter = QPainter(generator)
        widget.render(painter, QPoint(0, 0))
        if not painter.end():
            raise ExportError(f"cannot write {target}")
        return target
    graphics = getattr(widget, "graphics", None)
    if isinstance(graphics, pg.GraphicsLayoutWidget):
        exporter = pyqtgraph.exporters.ImageExporter(graphics.scene())
        exporter.parameters()["width"] = max(1, round(graphics.width() * scale))
        exporter.parameters()["background"] = QColor("white")
        exporter.export(str(target))
        if not target.is_file():
            raise ExportError(f"cannot write {target}")
        return target
    image = QImage(size * scale, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.scale(scale, scale)
    widget.render(painter, QPoint(0, 0))
    painter.end()
    if not image.save(str(target), "PNG"):
        raise ExportError(f"cannot write {target}")
    return target


def plot_columns(widget: QWidget) -> dict[str, np.ndarray]:
    """The x and y data of every curve of a pyqtgraph view, named after its plot and
    curve ("Loss train x", "Loss train y", ...)."""
    columns: dict[str, np.ndarray] = {}
    graphics = getattr(widget, "graphics", None)
    if not isinstance(graphics, pg.GraphicsLayoutWidget):
        return columns
    for p, plot in enumerate(graphics.ci.items):
        if not isinstance(plot, pg.PlotItem):
            continue
        title = plot.titleLabel.text or f"plot {p + 1}"
        for c, item in enumerate(plot.listDataItems()):
            x, y = item.getData()
            if x is None or y is None or not len(x):
                continue
            name = f"{title} {item.name() or f'curve {c + 1}'}"
            columns[f"{name} x"] = np.asarray(x, dtype=np.float64)
            columns[f"{name} y"] = np.asarray(y, dtype=np.float64)
    return columns


def boundary_columns(grid: np.ndarray, bounds: Sequence[float]) -> dict[str, np.ndarray]:
    """The boundary grid as rows (x1, x2, P(class k)...) over the plane ``bounds``."""
    g = grid.shape[0]
    x0, x1, y0, y1 = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, g), np.linspace(y0, y1, g))
    columns = {"x1": gx.ravel(), "x2": gy.ravel()}
    if grid.ndim == 2:
        columns["P(class 1)"] = grid.ravel()
    else:
        for k in range(grid.shape[2]):
            columns[f"P(class {k})"] = grid[..., k].ravel()
    return columns


# -- the window's menus ----------------------------------------------------------------------
class ExportActions(QObject):
    """Builds File → Export and File → Export as code for ``window``, and adds an Export
    submenu to the right-click menu of the diagram and of every view. ``last_path`` is
    the last file written (the status bar says where)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.last_path: Path | None = None
        self.movie = MovieActions(window, self._report, self._choose_path)
        self.menu = QMenu("&Export", window)
        self.menu.setObjectName("exportMenu")
        self.code_menu = QMenu("Export as &code", window)
        self.code_menu.setObjectName("exportCodeMenu")
        self.view_menus: dict[str, QMenu] = {}  # File → Export → <view>
        self.context_menus: dict[str, QMenu] = {}  # right-click → Export in each view
        self._build()

    def add_to(self, file_menu: QMenu) -> None:
        """Put Export and Export as code above ``file_menu``'s last separator (Quit)."""
        separators = [action for action in file_menu.actions() if action.isSeparator()]
        if not separators:
            file_menu.addMenu(self.menu)
            file_menu.addMenu(self.code_menu)
            return
        before = separators[-1]
        file_menu.insertSeparator(before)
        file_menu.insertMenu(before, self.menu)
        file_menu.insertMenu(before, self.code_menu)

    # -- building ---------------------------------------------------------------------------
    def _views(self) -> list[tuple[str, QWidget, Callable[[], dict[str, Any]] | None]]:
        w = self.window
        return [
            ("Loss and accuracy", w.curves, lambda: plot_columns(w.curves)),
            ("Activation", w.activation_view, lambda: plot_columns(w.activation_view)),
            ("Layers", w.layer_stats_view, lambda: plot_columns(w.layer_stats_view)),
            ("Decision boundary", w.boundary_view, self._boundary_columns),
            ("Neurons", w.neuron_view, None),
            ("Test images", w.gallery, self._gallery_columns),
            ("Confusion matrix", w.confusion, None),
        ]

    def _add(self, menu: QMenu, text: str, slot: Callable[[], object], name: str = "") -> QAction:
        action = menu.addAction(text)
        action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def _build(self) -> None:
        w = self.window
        diagram = self._diagram_menu()
        self.menu.addMenu(diagram)
        for title, view, columns in self._views():
            menu = self._view_menu(title, view, columns)
            self.view_menus[title] = menu
            self.menu.addMenu(menu)
            # the same actions in the view's own right-click menu, under "Export"
            context = QMenu("Export", self.window)
            context.addActions(menu.actions())
            self.context_menus[title] = context
            graphics = getattr(view, "graphics", None)
            if isinstance(graphics, pg.GraphicsLayoutWidget):
                # replaces pyqtgraph's "Export..." dialog (its "Plot / Plot" choices)
                graphics.scene().contextMenu = [context]
            else:
                view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
                view.customContextMenuRequested.connect(
                    lambda pos, v=view, m=context: m.exec(v.mapToGlobal(pos))
                )
        self.menu.addSeparator()
        self._add(self.menu, "History per epoch (CSV)…", self._export_epochs, "exportEpochs")
        self._add(self.menu, "History per step (CSV)…", self._export_steps, "exportSteps")
        self._add(
            self.menu, "Confusion matrix (CSV)…", self._export_confusion, "exportConfusionCsv"
        )
        self.menu.addSeparator()
        self.menu.addMenu(self.movie.menu)
        self._add(self.code_menu, "PyTorch script…", lambda: self._export_code("pytorch"))
        self._add(self.code_menu, "Keras 3 script…", lambda: self._export_code("keras"))
        self.diagram_menu = diagram
        w.diagram.viewport().installEventFilter(self)

    def _diagram_menu(self) -> QMenu:
        menu = QMenu("Network diagram", self.window)
        self._add(menu, "SVG (vector)…", lambda: self._export_diagram(".svg", 1), "diagramSvg")
        for scale in PNG_SCALES:
            self._add(
                menu,
                f"PNG {scale}x…",
                lambda s=scale: self._export_diagram(".png", s),
                f"diagramPng{scale}",
            )
        return menu

    def _view_menu(
        self, title: str, view: QWidget, columns: Callable[[], dict[str, Any]] | None
    ) -> QMenu:
        menu = QMenu(title, self.window)
        for scale in PNG_SCALES:
            self._add(
                menu,
                f"PNG {scale}x…",
                lambda v=view, t=title, s=scale: self._picture(v, t, ".png", s),
            )
        self._add(menu, "SVG…", lambda v=view, t=title: self._picture(v, t, ".svg", 1))
        if title == "Confusion matrix":
            self._add(menu, "Data (CSV)…", self._export_confusion)
        elif columns is not None:
            self._add(menu, "Data (CSV)…", lambda t=title, c=columns: self._data(t, c))
        return menu

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Right-click on the diagram's background: the diagram's export menu (a layer
        keeps its own settings menu)."""
        if event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            diagram = self.window.diagram
            if diagram.itemAt(event.pos()) is None:
                self.diagram_menu.exec(event.globalPos())
                return True
        return super().eventFilter(watched, event)

    # -- helpers ----------------------------------------------------------------------------
    def _choose_path(self, title: str, name: str, filters: str) -> str:
        folder = self.last_path.parent if self.last_path else Path.home()
        path, _ = QFileDialog.getSaveFileName(self.window, title, str(folder / name), filters)
        if path and not Path(path).suffix:  # "net" typed for "net.svg"
            path += Path(name).suffix
        return path

    def _report(self, path: Path | None, error: Exception | None = None) -> None:
        if error is not None:
            self.window.banner.show_message(f"Could not export: {error}")
            return
        if path is not None:
            self.last_path = path
            self.window.statusBar().showMessage(f"Exported {path}", 8000)

    def _run(self, job: Callable[[], Path]) -> Path | None:
        try:
            path = job()
        except (ExportError, OSError, ValueError) as exc:
            self._report(None, exc)
            return None
        self._report(path)
        return path

    def _slug(self, title: str) -> str:
        return title.lower().replace(" ", "_")

    # -- exports ----------------------------------------------------------------------------
    def export_diagram(self, path: str | os.PathLike[str], scale: float = 1.0) -> Path | None:
        return self._run(lambda: write_diagram(self.window.diagram.diagram, path, scale))

    def _export_diagram(self, suffix: str, scale: int) -> None:
        label = "SVG" if suffix == ".svg" else f"PNG {scale}x"
        filters = "SVG vector image (*.svg)" if suffix == ".svg" else "PNG image (*.png)"
        path = self._choose_path(f"Export the diagram as {label}", f"network{suffix}", filters)
        if path:
            self.export_diagram(path, scale)

    def export_view(
        self, view: QWidget, path: str | os.PathLike[str], scale: float = 1.0
    ) -> Path | None:
        return self._run(lambda: write_widget(view, path, scale))

    def _picture(self, view: QWidget, title: str, suffix: str, scale: int) -> None:
        filters = "SVG vector image (*.svg)" if suffix == ".svg" else "PNG image (*.png)"
        path = self._choose_path(f"Export {title.lower()}", f"{self._slug(title)}{suffix}", filters)
        if path:
            self.export_view(view, path, scale)

    def _data(self, title: str, columns: Callable[[], dict[str, Any]]) -> None:
        data = columns()
        if not data:
            self._report(None, ExportError(f"the {title.lower()} view has nothing to export yet"))
            return
        path = self._choose_path(
            f"Export {title.lower()} data", f"{self._slug(title)}.csv", "CSV (*.csv)"
        )
        if path:
            self._run(lambda: export.write_columns_csv(path, data))

    def _boundary_columns(self) -> dict[str, Any]:
        snapshot = self.window.controller.latest
        if snapshot is None or snapshot.boundary is None:
            return {}
        return boundary_columns(snapshot.boundary.grid, snapshot.boundary.bounds)

    def _gallery_columns(self) -> dict[str, Any]:
        snapshot = self.window.controller.latest
        test = self.window.data.raw.test
        if snapshot is None or snapshot.test_predictions is None or test is None:
            return {}
        probabilities = np.asarray(snapshot.test_probabilities)
        columns = {
            "sample": np.arange(len(test.y)),
            "true class": test.y,
            "predicted class": snapshot.test_predictions,
        }
        if probabilities.ndim == 1:
            columns["P(class 1)"] = probabilities
        else:
            for k in range(probabilities.shape[1]):
                columns[f"P(class {k})"] = probabilities[:, k]
        return columns

    def export_epochs(self, path: str | os.PathLike[str]) -> Path | None:
        snapshot = self.window.controller.latest
        history = {} if snapshot is None else dict(snapshot.history)
        return self._run(lambda: export.write_epoch_history_csv(path, history))

    def _export_epochs(self) -> None:
        path = self._choose_path(
            "Export the history per epoch", "history_epochs.csv", "CSV (*.csv)"
        )
        if path:
            self.export_epochs(path)

    def export_steps(self, path: str | os.PathLike[str]) -> Path | None:
        snapshot = self.window.controller.latest
        if snapshot is None:
            return self._run(lambda: export.write_step_history_csv(path, []))
        return self._run(
            lambda: export.write_step_history_csv(
                path, snapshot.step_losses, snapshot.smoothed_losses
            )
        )

    def _export_steps(self) -> None:
        path = self._choose_path("Export the history per step", "history_steps.csv", "CSV (*.csv)")
        if path:
            self.export_steps(path)

    def export_confusion(self, path: str | os.PathLike[str]) -> Path | None:
        counts = self.window.confusion.counts()
        names = list(self.window.data.class_names)
        return self._run(lambda: export.write_confusion_csv(path, counts, names))

    def _export_confusion(self) -> None:
        path = self._choose_path("Export the confusion matrix", "confusion.csv", "CSV (*.csv)")
        if path:
            self.export_confusion(path)

    def export_code(self, framework: str, path: str | os.PathLike[str]) -> Path | None:
        """The drawn network with its current weights as a script (see nnviz.io.codegen)."""
        w = self.window
        snapshot = w.controller.latest
        spec = w.document.spec
        if snapshot is None or len(snapshot.weights) != len(spec.dense_layers):
            self._report(None, ExportError("no weights yet: wait for the network to start"))
            return None
        weights = [array for pair in snapshot.weights for array in pair]
        title = w.projects.path.stem if w.projects.path else "nnviz"
        return self._run(
            lambda: codegen.export_script(framework, path, spec, weights, w.data, title)[0]
        )

    def _export_code(self, framework: str) -> None:
        name = "network_torch.py" if framework == "pytorch" else "network_keras.py"
        label = "PyTorch" if framework == "pytorch" else "Keras 3"
        path = self._choose_path(f"Export the network as a {label} script", name, "Python (*.py)")
        if path and self.export_code(framework, path) is not None:
            self.window.statusBar().showMessage(
                f"Exported {path} with its _weights.npz and _data.npz beside it; "
                f"run it with: python {Path(path).name}",
                15000,
            )
