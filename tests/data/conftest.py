"""Builders of small data files in the layouts the loaders read."""

from pathlib import Path

import h5py
import numpy as np
import pytest


def write_cat_layout(folder: Path, m_train: int = 10, m_test: int = 6, seed: int = 0) -> Path:
    """A pair of files in the cat vs non-cat layout with small random 8x8 images."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for part, m in (("train", m_train), ("test", m_test)):
        with h5py.File(folder / f"{part}_catvnoncat.h5", "w") as f:
            f[f"{part}_set_x"] = rng.integers(0, 256, (m, 8, 8, 3), dtype=np.uint8)
            f[f"{part}_set_y"] = np.arange(m, dtype=np.int64) % 2
            f["list_classes"] = np.array([b"non-cat", b"cat"])
    return folder


@pytest.fixture
def cat_layout(tmp_path: Path) -> Path:
    return write_cat_layout(tmp_path / "cats")
