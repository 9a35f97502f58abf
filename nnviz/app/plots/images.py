"""Image data: a gallery of test images with the network's verdict, and a confusion matrix."""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnviz.live.snapshot import TrainingSnapshot

RIGHT_COLOR = "#009e73"
WRONG_COLOR = "#d55e00"
TILE_PIXELS = 80


def to_pixmap(image: np.ndarray, size: int = TILE_PIXELS) -> QPixmap:
    """An (h, w, 3) or (h, w) uint8 image as a pixmap scaled to ``size`` pixels wide."""
    data = np.ascontiguousarray(image)
    if data.dtype != np.uint8:
        low, high = float(data.min()), float(data.max())
        data = np.ascontiguousarray(((data - low) / ((high - low) or 1.0) * 255).astype(np.uint8))
    h, w = data.shape[:2]
    if data.ndim == 2:
        qimage = QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        qimage = QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    # copy(): the QImage must not outlive the NumPy buffer it points into.
    return QPixmap.fromImage(qimage.copy()).scaledToWidth(
        size, Qt.TransformationMode.SmoothTransformation
    )


class ImageTile(QFrame):
    """One image with a caption; the frame colour and a ✓/✗ mark the network's verdict.
    ``clicked()`` when the learner clicks it (to trace it through the network)."""

    clicked = Signal()

    def __init__(self, image: np.ndarray, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageTile")
        self.picture = QLabel()
        self.picture.setPixmap(to_pixmap(image))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.setSpacing(1)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)
        self.correct: bool | None = None
        self.set_verdict(None)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def set_verdict(self, correct: bool | None) -> None:
        if correct == self.correct and self.styleSheet():
            return
        self.correct = correct
        color = "transparent" if correct is None else RIGHT_COLOR if correct else WRONG_COLOR
        self.setStyleSheet(f"#imageTile {{ border: 3px solid {color}; border-radius: 4px; }}")


class ImageGalleryView(QScrollArea):
    #: the index (in the test set) of the image the learner clicked
    imageClicked = Signal(int)

    """A grid of images with their labels; after ``show_snapshot``, each caption gives the
    predicted class and probability, marked right (✓, green) or wrong (✗, orange)."""

    def __init__(self, columns: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.columns = columns
        self.tiles: list[ImageTile] = []
        self._labels = np.zeros(0, dtype=int)
        self._class_names: list[str] = []
        self._container = QWidget()
        self._grid = QGridLayout(self._container)
        self._grid.setSpacing(4)
        self.setWidget(self._container)

    def set_images(
        self, images: np.ndarray, labels: np.ndarray, class_names: list[str], limit: int = 64
    ) -> None:
        """Show the first ``limit`` images, captioned with their true class."""
        for tile in self.tiles:
            tile.setParent(None)
            tile.deleteLater()
        self.tiles = []
        self._labels = np.asarray(labels[:limit]).astype(int)
        self._class_names = list(class_names)
        for i, (image, label) in enumerate(zip(images[:limit], self._labels, strict=True)):
            tile = ImageTile(image, self._class_name(label), self._container)
            tile.clicked.connect(partial(self.imageClicked.emit, i))
            self._grid.addWidget(tile, i // self.columns, i % self.columns)
            self.tiles.append(tile)

    def _class_name(self, index: int) -> str:
        if 0 <= index < len(self._class_names):
            return self._class_names[index]
        return f"class {index}"

    def snapshot_key(self, snapshot: TrainingSnapshot) -> tuple[bytes, bytes] | None:
        """The verdicts and the probabilities (as shown, to two decimals) of the tiles."""
        probabilities, predictions = snapshot.test_probabilities, snapshot.test_predictions
        if probabilities is None or predictions is None:
            return None
        n = len(self.tiles)
        return predictions[:n].tobytes(), np.round(probabilities[:n], 2).tobytes()

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        probabilities, predictions = snapshot.test_probabilities, snapshot.test_predictions
        if probabilities is None or predictions is None:
            return
        for tile, label, p, predicted in zip(
            self.tiles, self._labels, probabilities, predictions, strict=False
        ):
            confidence = float(p) if np.ndim(p) == 0 else float(np.max(p))
            if np.ndim(p) == 0 and predicted == 0:
                confidence = 1.0 - confidence
            correct = bool(predicted == label)
            mark = "✓" if correct else "✗"
            tile.caption.setText(f"{mark} {self._class_name(int(predicted))} {confidence:.2f}")
            tile.caption.setToolTip(
                f"true: {self._class_name(int(label))}; predicted "
                f"{self._class_name(int(predicted))} with probability {confidence:.3f}"
            )
            tile.set_verdict(correct)


class ConfusionMatrixView(QTableWidget):
    """Counts of test samples by true class (rows) and predicted class (columns)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Rows: the true class of each test sample. Columns: what the network said.")

    def set_classes(self, class_names: list[str]) -> None:
        k = len(class_names)
        self.setRowCount(k)
        self.setColumnCount(k)
        self.setHorizontalHeaderLabels([f"said {n}" for n in class_names])
        self.setVerticalHeaderLabels([f"is {n}" for n in class_names])
        for r in range(k):
            for c in range(k):
                item = QTableWidgetItem("–")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(r, c, item)

    def counts(self) -> np.ndarray:
        """The counts currently shown (for tests and exports)."""
        k = self.rowCount()
        out = np.zeros((k, k), dtype=int)
        for r in range(k):
            for c in range(k):
                text = self.item(r, c).text()
                out[r, c] = int(text) if text.isdigit() else 0
        return out

    def snapshot_key(self, snapshot: TrainingSnapshot) -> tuple[tuple[int, ...], bytes] | None:
        """The counts: redrawn only when a test sample changes class."""
        matrix = snapshot.confusion
        return None if matrix is None else (matrix.shape, matrix.tobytes())

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        matrix = snapshot.confusion
        if matrix is None:
            return
        if matrix.shape[0] != self.rowCount():
            self.set_classes([str(i) for i in range(matrix.shape[0])])
        row_totals = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        share = matrix / row_totals
        for r in range(matrix.shape[0]):
            for c in range(matrix.shape[1]):
                item = self.item(r, c)
                item.setText(str(int(matrix[r, c])))
                color = QColor(RIGHT_COLOR if r == c else WRONG_COLOR)
                color.setAlphaF(0.15 + 0.6 * float(share[r, c]))
                item.setBackground(color)
