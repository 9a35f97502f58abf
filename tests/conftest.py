"""Test setup shared by the whole suite: headless Qt, deterministic hypothesis, data paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# Keep tests from reading or writing the developer's real settings.
os.environ.setdefault("NNVIZ_SETTINGS_ORG", "nnviz-tests")

try:
    from hypothesis import settings

    settings.register_profile("nnviz", derandomize=True, deadline=None, max_examples=40)
    settings.load_profile("nnviz")
except ImportError:  # pragma: no cover - hypothesis is a test extra
    pass

REPO_ROOT = Path(__file__).resolve().parent.parent
CAT_DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "catvnoncat"


@pytest.fixture
def cat_data_dir() -> Path:
    """The real cat vs non-cat files; skips the test where they are not present."""
    if not (CAT_DATA_DIR / "train_catvnoncat.h5").is_file():
        pytest.skip(f"cat vs non-cat files not found in {CAT_DATA_DIR}")
    return CAT_DATA_DIR
