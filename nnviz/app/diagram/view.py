"""The network-diagram view: the centre of the main window.

It mirrors ``document.spec`` (rebuilding its scene on ``specChanged``), shows live
weights from training snapshots, and turns mouse and keyboard gestures into spec edits
pushed through ``document.edit`` (so undo/redo need no code here) or, for a single
weight or bias, into :attr:`NetworkDiagramView.parameterEdited`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QResizeEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from nnviz.app.diagram.scene import NetworkScene
from nnviz.app.document import NetworkDocument
from nnviz.engine.spec import NetworkSpec


class NetworkDiagramView(QGraphicsView):
    """Shows and edits the document's network.

    ``parameterEdited(dense_index, "W" | "b", index, value)`` asks the training controller
    to set one parameter (``index`` is ``(input, unit)`` for W, ``(unit,)`` for b)."""

    parameterEdited = Signal(int, str, object, float)

    def __init__(self, document: NetworkDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.diagram = NetworkScene(document.spec, self)
        self.setScene(self.diagram)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)
        self._auto_fit = True
        document.specChanged.connect(self._on_spec_changed)

    # -- public API ----------------------------------------------------------------------
    def show_snapshot(self, snapshot: object) -> None:
        """Draw the weights (and, for 2D data, neuron heatmaps) of a training snapshot."""
        weights = getattr(snapshot, "weights", None)
        grids = getattr(snapshot, "neuron_grids", None)
        self.diagram.set_weights(weights or None, grids)

    def set_input_description(
        self, names: Sequence[str] | None, image_shape: tuple[int, ...] | None
    ) -> None:
        """Name the input features (2D data) or give the image shape, e.g. (64, 64, 3)."""
        self.diagram.set_input_description(names, image_shape)
        self._fit_if_auto()

    def fit_to_view(self) -> None:
        """Zoom so that the whole network fits, and keep fitting on resize."""
        self._auto_fit = True
        self.fitInView(self.diagram.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.6:
            self.resetTransform()
            self.scale(1.6, 1.6)
            self.centerOn(self.diagram.sceneRect().center())

    # -- mirroring the document ----------------------------------------------------------
    def _on_spec_changed(self, old: NetworkSpec, new: NetworkSpec) -> None:
        self.diagram.rebuild(new)
        self._fit_if_auto()

    def _fit_if_auto(self) -> None:
        if self._auto_fit:
            self.fit_to_view()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_if_auto()
