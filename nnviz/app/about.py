"""Help → About: the version (from the installed package's metadata) and where it came from."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMessageBox, QWidget

from nnviz.resources import icon_path


def nnviz_version() -> str:
    """The installed nnviz's version, e.g. ``0.1.0`` ("unknown" when run from a source tree
    that was never installed)."""
    try:
        return version("nnviz")
    except PackageNotFoundError:
        return "unknown"


def app_icon() -> QIcon:
    """The nnviz icon (window, task bar, About box)."""
    return QIcon(str(icon_path()))


def about_text() -> str:
    return (
        f"<h3>nnviz {nnviz_version()}</h3>"
        "<p>Watch a neural network learn: draw it, train it live, and see every lesson of "
        "deep learning — activations, gradient descent, optimizers, regularization.</p>"
        "<p>MIT licence. File → Export takes pictures, data, movies and Keras or PyTorch "
        "code out of the app.</p>"
    )


def show_about(parent: QWidget) -> QMessageBox:
    """Open the About box (non-modal) and return it."""
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About nnviz", about_text(), parent=parent)
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setObjectName("aboutBox")
    box.open()
    return box
