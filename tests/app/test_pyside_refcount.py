"""Regression guard: PySide6 6.12.0 on CPython 3.11 under-counts references to None in void
Qt methods and aborts with 'Fatal Python error: none_dealloc'. pyproject pins around it;
this proves the installed pair survives a million void calls."""

import subprocess
import sys
import textwrap

import pytest


@pytest.mark.slow
def test_a_million_void_qt_calls_do_not_crash():
    code = textwrap.dedent(
        """
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPen
        app = QGuiApplication([])
        image = QImage(4, 4, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        pen = QPen()
        for _ in range(1_000_000):
            painter.setPen(pen)
        painter.end()
        print("survived")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"
