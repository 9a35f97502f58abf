"""The gallery explains itself: "P(cat) = p" captions, a confusion-matrix cell filters
the photos, and they sort by how sure the network is."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnviz.app.plots.cat_gallery import ExplainedGalleryView
from nnviz.app.plots.images import ConfusionMatrixView
from nnviz.live.snapshot import TrainingSnapshot

LABELS = np.array([1, 0, 1, 0, 1])
P_CAT = np.array([0.95, 0.8, 0.25, 0.1, 0.52], dtype=np.float32)
PREDICTED = (P_CAT > 0.5).astype(int)


def gallery_with_verdicts(qtbot) -> tuple[ExplainedGalleryView, ConfusionMatrixView]:
    gallery = ExplainedGalleryView(columns=2)
    confusion = ConfusionMatrixView()
    for widget in (gallery, confusion):
        qtbot.addWidget(widget)
        widget.show()
    confusion.set_classes(["non-cat", "cat"])
    confusion.cellClicked.connect(gallery.filter_cell)
    gallery.set_images(np.zeros((5, 8, 8, 3), dtype=np.uint8), LABELS, ["non-cat", "cat"])
    matrix = np.zeros((2, 2), dtype=np.int64)
    np.add.at(matrix, (LABELS, PREDICTED), 1)
    snapshot = TrainingSnapshot(
        test_probabilities=P_CAT, test_predictions=PREDICTED, confusion=matrix
    )
    gallery.show_snapshot(snapshot)
    confusion.show_snapshot(snapshot)
    return gallery, confusion


def shown(gallery: ExplainedGalleryView) -> list[int]:
    """Indices of the visible tiles in reading order."""
    visible = [i for i, tile in enumerate(gallery.tiles) if tile.isVisible()]
    return sorted(visible, key=lambda i: (gallery.tiles[i].y(), gallery.tiles[i].x()))


def test_captions_say_what_the_number_is(qtbot):
    gallery, _ = gallery_with_verdicts(qtbot)
    texts = [tile.caption.text() for tile in gallery.tiles]
    assert texts == [
        "✓ P(cat) = 0.95",
        "✗ P(cat) = 0.80",
        "✗ P(cat) = 0.25",
        "✓ P(cat) = 0.10",
        "✓ P(cat) = 0.52",
    ]
    assert gallery.caption_bar.text() == "All 5 photos"


def test_clicking_a_confusion_cell_filters_the_photos(qtbot):
    gallery, confusion = gallery_with_verdicts(qtbot)
    # row "is non-cat", column "said cat": photo 1 only
    cell = confusion.visualItemRect(confusion.item(0, 1)).center()
    QTest.mouseClick(confusion.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert gallery.cell == (0, 1) and gallery.order == [1]
    assert gallery.caption_bar.text() == "1: is non-cat, said cat"
    qtbot.waitUntil(lambda: shown(gallery) == [1])
    # "is cat", "said cat": photos 0 and 4
    cell = confusion.visualItemRect(confusion.item(1, 1)).center()
    QTest.mouseClick(confusion.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert gallery.order == [0, 4]
    qtbot.mouseClick(gallery.all_button, Qt.MouseButton.LeftButton)
    assert gallery.cell is None and gallery.order == [0, 1, 2, 3, 4]
    assert not gallery.all_button.isEnabled()


def test_sorting_by_how_sure_the_network_is(qtbot):
    gallery, _ = gallery_with_verdicts(qtbot)
    gallery.sort_combo.setCurrentText("most sure first")
    assert gallery.order == [0, 3, 1, 2, 4]  # |p - 0.5|: 0.45, 0.3, 0.25, 0.4, 0.02
    qtbot.waitUntil(lambda: shown(gallery) == [0, 3, 1, 2, 4])
    gallery.sort_combo.setCurrentText("least sure first")
    assert gallery.order == [4, 2, 1, 3, 0]
