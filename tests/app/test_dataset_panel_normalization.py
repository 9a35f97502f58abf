"""The Dataset panel shows the training inputs before and after normalization."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnviz.app.dataset_panel import DatasetPanel
from nnviz.app.plots.normalization import NormalizationView
from nnviz.data import DataConfig, prepare
from tests.data.conftest import write_cat_layout


def open_panel(qtbot: Any, config: DataConfig) -> DatasetPanel:
    """A panel that prepares and shows the data whenever its settings change, as the main
    window does."""
    panel = DatasetPanel(config)
    qtbot.addWidget(panel)
    panel.configChanged.connect(lambda c: panel.show_prepared(prepare(c)))
    panel.show_prepared(prepare(config))
    panel.resize(300, 900)
    panel.show()
    return panel


def table_stats(view: NormalizationView) -> dict[str, list[float]]:
    """Row name -> [mean, std, min, max] as the table holds them."""
    table = view.table
    return {
        table.item(row, 0).text(): [
            table.item(row, column).data(Qt.ItemDataRole.UserRole) for column in range(1, 5)
        ]
        for row in range(table.rowCount())
    }


def column_stats(x: np.ndarray) -> list[list[float]]:
    return [[c.mean(), c.std(), c.min(), c.max()] for c in np.asarray(x, dtype=np.float64).T]


def test_standardize_shows_before_and_after_and_both_scatters(qtbot: Any) -> None:
    config = DataConfig(name="circle", noise=0.1, normalization="standardize")
    panel = open_panel(qtbot, config)
    data = prepare(config)
    view = panel.normalization_view
    stats = table_stats(view)

    assert "standardize" in view.title_label.text()
    assert "training split" in view.title_label.text()
    for name, before, after in zip(
        ("x1", "x2"), column_stats(data.raw.train.x), column_stats(data.x_train), strict=True
    ):
        assert stats[f"{name} before"] == pytest.approx(before)
        assert stats[f"{name} after"] == pytest.approx(after)
        assert stats[f"{name} after"][:2] == pytest.approx([0.0, 1.0], abs=1e-9)
    np.testing.assert_array_equal(np.column_stack(view.raw_scatter.getData()), data.raw.train.x)
    np.testing.assert_array_equal(np.column_stack(view.normalized_scatter.getData()), data.x_train)
    assert view.plots.isVisible()
    assert view.raw_plot.height() == view.normalized_plot.height() == 140
    assert "raw" in view.raw_plot.getAxis("bottom").labelText
    assert "normalized" in view.normalized_plot.getAxis("bottom").labelText


def test_switching_normalization_to_none_updates_the_table(qtbot: Any) -> None:
    panel = open_panel(qtbot, DataConfig(name="circle", normalization="standardize"))
    raw_scatter = panel.normalization_view.raw_scatter
    index = panel.normalization_combo.findData("none")
    with qtbot.waitSignal(panel.configChanged):
        panel.normalization_combo.setCurrentIndex(index)

    view = panel.normalization_view
    stats = table_stats(view)
    assert "none" in view.title_label.text()
    for name in ("x1", "x2"):
        assert stats[f"{name} after"] == pytest.approx(stats[f"{name} before"])
    assert view.raw_scatter is raw_scatter  # created once, only its data changes
    np.testing.assert_array_equal(
        np.column_stack(view.normalized_scatter.getData()),
        np.column_stack(view.raw_scatter.getData()),
    )


def test_cat_photos_show_the_pixel_range_before_and_after(qtbot: Any, tmp_path: Path) -> None:
    folder = write_cat_layout(tmp_path / "cats")
    config = DataConfig(kind="cat", path=str(folder), validation=0.2)
    panel = open_panel(qtbot, config)
    view = panel.normalization_view
    stats = table_stats(view)
    data = prepare(config)

    assert set(stats) == {"pixels before", "pixels after"}
    assert "255" in view.title_label.text()
    raw = data.raw.train.x.astype(np.float64)
    assert stats["pixels before"] == pytest.approx([raw.mean(), raw.std(), 0, 255], abs=1e-9)
    assert stats["pixels after"][2:] == pytest.approx([0.0, 1.0])
    assert stats["pixels after"][0] == pytest.approx(raw.mean() / 255)
    assert not view.plots.isVisible()


def test_it_fits_the_narrow_dock(qtbot: Any) -> None:
    panel = open_panel(qtbot, DataConfig(name="circle", normalization="standardize"))
    view = panel.normalization_view
    assert panel.minimumSizeHint().width() <= 300
    header = view.table.horizontalHeader()
    assert header.length() <= view.table.viewport().width()
