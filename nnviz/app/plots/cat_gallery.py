"""The test photos explain themselves: captions say what the number is ("P(cat) = 0.52"),
a confusion-matrix cell filters the gallery to its photos, and the photos can be sorted
by how sure the network is.

:class:`ExplainedGalleryView` is the gallery of :mod:`nnviz.app.plots.images` with a bar
on top (what is shown, the sort order, "show all") and its tiles laid out in the chosen
order; connect a :class:`~nnviz.app.plots.images.ConfusionMatrixView`'s ``cellClicked`` to
:meth:`ExplainedGalleryView.filter_cell`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from nnviz.app.plots.images import ImageGalleryView
from nnviz.live.snapshot import TrainingSnapshot

SORTS = ("test order", "most sure first", "least sure first")


def class_one_probability(probabilities: np.ndarray, k: int) -> np.ndarray:
    """P(class 1) per photo for two classes; the largest class probability otherwise."""
    p = np.asarray(probabilities, dtype=np.float64)
    return p if p.ndim == 1 else p.max(axis=1) if k > 2 else p[:, 1]


class ExplainedGalleryView(ImageGalleryView):
    """The test photos with "P(class) = p" captions, filtered by a confusion-matrix cell
    (true, predicted) and sorted by confidence."""

    def __init__(self, columns: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(columns, parent)
        self.caption_bar = QLabel("")
        self.sort_combo = QComboBox()
        self.sort_combo.addItems(SORTS)
        self.sort_combo.setToolTip("Order the photos by how sure the network is")
        self.all_button = QPushButton("All")
        self.all_button.setToolTip("Clear the confusion-matrix filter")
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.caption_bar, 1)
        row.addWidget(self.sort_combo)
        row.addWidget(self.all_button)
        self._grid.addWidget(bar, 0, 0, 1, self.columns)
        self.cell: tuple[int, int] | None = None
        self.order: list[int] = []
        self._probabilities: np.ndarray | None = None
        self._predictions: np.ndarray | None = None
        self.sort_combo.currentIndexChanged.connect(self._arrange)
        self.all_button.clicked.connect(lambda: self.filter_cell(-1, -1))

    def set_images(
        self, images: np.ndarray, labels: np.ndarray, class_names: list[str], limit: int = 64
    ) -> None:
        super().set_images(images, labels, class_names, limit)
        self.cell = None
        self.order = []
        self._probabilities = self._predictions = None
        self._arrange()

    def filter_cell(self, true_class: int, predicted: int) -> None:
        """Show only the photos of ``true_class`` the network said were ``predicted``
        (a negative class: show all)."""
        self.cell = None if true_class < 0 or predicted < 0 else (true_class, predicted)
        self._arrange()

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        super().show_snapshot(snapshot)
        probabilities, predictions = snapshot.test_probabilities, snapshot.test_predictions
        if probabilities is None or predictions is None:
            return
        n = len(self.tiles)
        k = max(len(self._class_names), 2)
        p = class_one_probability(probabilities[:n], k)
        self._probabilities, self._predictions = p, np.asarray(predictions[:n])
        for tile, value, predicted, label in zip(
            self.tiles, p, self._predictions, self._labels, strict=False
        ):
            mark = "✓" if predicted == label else "✗"
            name = self._class_name(1 if k == 2 else int(predicted))
            tile.caption.setText(f"{mark} P({name}) = {value:.2f}")
        self._arrange()

    def _arrange(self) -> None:
        """Lay the chosen tiles out in the chosen order (only when it changes)."""
        indices = np.arange(len(self.tiles))
        if self.cell is not None and self._predictions is not None:
            true_class, predicted = self.cell
            keep = (self._labels == true_class) & (self._predictions == predicted)
            indices = indices[keep]
        sort = self.sort_combo.currentText()
        if sort != SORTS[0] and self._probabilities is not None:
            p = self._probabilities[indices]
            sureness = np.abs(p - 0.5) if len(self._class_names) <= 2 else p
            indices = indices[
                np.argsort(-sureness if sort == SORTS[1] else sureness, kind="stable")
            ]
        order = [int(i) for i in indices]
        self._describe(len(order))
        if order == self.order:
            return
        self.order = order
        for tile in self.tiles:
            self._grid.removeWidget(tile)
            tile.setVisible(False)
        for position, index in enumerate(order):
            tile = self.tiles[index]
            self._grid.addWidget(tile, 1 + position // self.columns, position % self.columns)
            tile.setVisible(True)

    def _describe(self, shown: int) -> None:
        if self.cell is None:
            self.caption_bar.setText(f"All {len(self.tiles)} photos")
            self.caption_bar.setToolTip("Click a confusion-matrix cell to see only its photos")
        else:
            true_class, predicted = self.cell
            self.caption_bar.setText(
                f"{shown}: is {self._class_name(true_class)}, said {self._class_name(predicted)}"
            )
            self.caption_bar.setToolTip(
                f"The {shown} test photos of {self._class_name(true_class)} the network "
                f"said were {self._class_name(predicted)}"
            )
        self.all_button.setEnabled(self.cell is not None)
