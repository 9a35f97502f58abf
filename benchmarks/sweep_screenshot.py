"""Save a PNG of the main window after a 4x3 learning rate x batch size sweep.

    .venv/bin/python benchmarks/sweep_screenshot.py [--out sweep.png] [--epochs 100]

Runs offscreen unless DISPLAY is set (then on that display, where ``import -window root``
can grab the whole screen too). The window fills a 1280x800 screen, as on a projector.
After the sweep the best cell is clicked: the live network continues from it, so the loss
curves show that cell's training.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNVIZ_SETTINGS_ORG", "nnviz-screenshots")


def main() -> int:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from nnviz.app.main_window import MainWindow

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("sweep.png"))
    parser.add_argument("--dataset", default="spiral")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--metric", default="val_accuracy")
    parser.add_argument("--keep-open", type=float, default=0.0, help="seconds to stay open")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("nnviz")
    window = MainWindow(args.dataset, restore_layout=False)
    window.show()
    window.lay_out(1280, 800)
    panel = window.sweep_panel
    panel.set_setting(0, "lr", "0.001, 0.01, 0.1, 1")
    panel.set_setting(1, "batch", "1, 16, full")
    panel.epochs_spin.setValue(args.epochs)
    panel.metric_combo.setCurrentIndex(panel.metric_combo.findData(args.metric))
    loop = QEventLoop()
    QTimer.singleShot(500, loop.quit)
    loop.exec()
    started = time.perf_counter()
    panel.start_button.click()
    while panel.running:
        QTimer.singleShot(100, loop.quit)
        loop.exec()
    print(f"sweep of 12 cells x {args.epochs} epochs: {time.perf_counter() - started:.1f} s")
    assert panel.result is not None
    best = panel.result.best(args.metric)
    if best is not None:
        panel.restore_cell(*best.index)  # as a click on the best cell does
    # the heatmap gets the right-hand column: the docks tabbed below it are closed
    for dock in (window.neuron_dock, *window.tabifiedDockWidgets(window.neuron_dock)):
        dock.hide()
    window.resizeDocks([window.sweep_dock], [window.height()], Qt.Orientation.Vertical)
    QTimer.singleShot(int(max(args.keep_open, 0.4) * 1000), loop.quit)
    loop.exec()
    window.grab().save(str(args.out))
    print(args.out)
    window.close_discarding()
    return 0


if __name__ == "__main__":
    sys.exit(main())
