"""``nnviz --smoke-test STEPS``: open the window, train at least STEPS steps through the
real worker thread, close cleanly, exit 0 (1 if training did not get there in time). The
frozen app's check runs it offscreen."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from nnviz.app.main_window import MainWindow

POLL_MS = 50


def run_smoke_test(
    app: QApplication, window: MainWindow, steps: int, timeout_s: float = 120.0
) -> int:
    """Play until the latest snapshot shows ``steps`` steps; print one line; return the
    exit code."""
    started = time.monotonic()
    result = {"code": 1}
    timer = QTimer(window)

    def check() -> None:
        snapshot = window.controller.latest
        done = snapshot is not None and snapshot.step >= steps
        if done or time.monotonic() - started > timeout_s:
            timer.stop()
            window.controller.pause()
            if done:
                result["code"] = 0
                loss = snapshot.step_losses[-1]
                title = window.windowTitle().replace("[*]", "")
                print(
                    f"nnviz smoke test: {title}: {snapshot.step} steps, last loss "
                    f"{loss:.4f}, {time.monotonic() - started:.1f} s"
                )
            else:
                print(
                    f"nnviz smoke test: fewer than {steps} steps in {timeout_s:.0f} s",
                    file=sys.stderr,
                )
            window.close_discarding()
            app.quit()

    timer.timeout.connect(check)
    timer.start(POLL_MS)
    window.controller.play()
    app.exec()
    return result["code"]
