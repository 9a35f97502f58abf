"""Files the app needs at run time (icons, and the lessons: ``lessons`` is a symlink to
the repository's ``resources/lessons``), shipped inside the package so that a wheel, an
editable install and a frozen app all find them."""

from __future__ import annotations

from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

ICON_NAME = "nnviz.svg"


def resource(*parts: str) -> Traversable:
    """A file or folder under ``nnviz/resources``, e.g. ``resource("icons", "nnviz.svg")``."""
    return files(__name__).joinpath(*parts)


def icon_path() -> Path:
    """The app icon (SVG) as a file on disk."""
    with as_file(resource("icons", ICON_NAME)) as path:
        return Path(path)
