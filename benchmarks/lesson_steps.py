"""How long Next takes: applying each step of the shipped lessons in the app (offscreen),
from the click to the worker having the new network and fresh weights.

    .venv/bin/python benchmarks/lesson_steps.py

Prints the milliseconds per step (the cat lesson is skipped when its files are missing).
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNVIZ_SETTINGS_ORG", "nnviz-benchmarks")


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from nnviz.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    panel = window.lessons
    for action in panel.lesson_actions:
        action.trigger()
        lesson = panel.lesson
        assert lesson is not None
        for index in range(len(lesson.steps)):
            start = time.perf_counter()
            panel.go(index)
            window.controller.call(lambda _session: None)  # the worker has caught up
            app.processEvents()
            ms = 1000 * (time.perf_counter() - start)
            print(f"{lesson.number:2d}.{index + 1} {lesson.title:36s} {ms:8.1f} ms")
    window.close_discarding()


if __name__ == "__main__":
    main()
