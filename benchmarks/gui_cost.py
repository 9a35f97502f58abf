"""What the GUI thread spends to show training, without training: steady figures on a
busy machine, where ``app_speed.py``'s speeds drift with the other processes.

The main window (offscreen, every view open as in ``app_speed.py --views all``) is fed
snapshots made beforehand (60 steps apart) at the worker's publish rate, through the
controller's signal as the worker's would arrive. The worker does not train, so the
GUI thread's CPU time is its own: the views' redraws, Qt's painting and the events.
Prints the GUI thread's CPU time as a share of the run, frames drawn per second, and per
view its redraws (rate, mean CPU ms, share of the run) and its painting (paint events
of its graphics views: count, mean CPU ms, share of the run).

    .venv/bin/python benchmarks/gui_cost.py [--seconds 5] [--views all|default]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNVIZ_SETTINGS_ORG", "nnviz-benchmark")

from app_speed import show_every_view  # (this folder: the script is run from it)

STEPS_BETWEEN_SNAPSHOTS = 60


def timed_painting(classes: list[type]) -> dict[str, list[float]]:
    """Wrap the paint events of ``classes`` (QGraphicsView subclasses): per top view,
    the CPU time of each paint event, its Python and Qt's painting inside it."""
    painted: dict[str, list[float]] = defaultdict(list)
    for cls in classes:
        original = cls.paintEvent

        def paint_event(view, event, _original=original) -> None:
            start = time.thread_time()
            _original(view, event)
            owner = view
            while owner.parentWidget() is not None and owner.parentWidget().parentWidget():
                if type(owner).__module__.startswith("nnviz"):
                    break
                owner = owner.parentWidget()
            painted[type(owner).__name__].append(time.thread_time() - start)

        cls.paintEvent = paint_event
    return painted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--views", choices=("all", "default"), default="all")
    args = parser.parse_args()

    import pyqtgraph as pg
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from nnviz.app.diagram.view import NetworkDiagramView
    from nnviz.app.main_window import MainWindow
    from nnviz.app.worker import PUBLISH_RATE_HZ
    from nnviz.live.session import TrainingSession

    painted = timed_painting([pg.GraphicsView, NetworkDiagramView])
    app = QApplication.instance() or QApplication([])
    window = MainWindow("spiral", restore_layout=False)
    if args.views == "all":
        window.resize(1920, 1080)
        window.show()
        show_every_view(window)
    else:
        window.resize(1600, 1000)
        window.show()
    app.processEvents()
    session = TrainingSession(window.document.spec, window.data)
    count = int(args.seconds * PUBLISH_RATE_HZ) + 10
    snapshots = []
    for _ in range(count):
        for _ in range(STEPS_BETWEEN_SNAPSHOTS):
            session.step()
        snapshots.append(session.snapshot(playing=True, steps_per_second=2000.0))
    feed = iter(snapshots)
    loop = QEventLoop()

    def publish() -> None:
        snapshot = next(feed, None)
        if snapshot is None:
            loop.quit()
            return
        window.controller.latest = snapshot
        window.controller.snapshotReady.emit(snapshot)

    for _ in range(10):  # every view built and drawn once
        publish()
        app.processEvents()
    landscape = window.landscape_view  # its one-time picture is a job, not a frame
    while landscape.isVisible() and (landscape.job_id or landscape.report is None):
        QTimer.singleShot(50, loop.quit)
        loop.exec()
    window.frame_clock.reset_costs()
    draws_before = {name: window.frame_clock.draws(name) for name in window.frame_clock.view_names}
    painted.clear()
    timer = QTimer()
    timer.setInterval(round(1000 / PUBLISH_RATE_HZ))
    timer.timeout.connect(publish)
    start, cpu, frames = time.perf_counter(), time.thread_time(), window.frames_drawn
    timer.start()
    loop.exec()
    timer.stop()
    elapsed = time.perf_counter() - start
    cpu = time.thread_time() - cpu
    print(
        f"GUI thread busy: {100 * cpu / elapsed:.1f}% of the run; "
        f"frames drawn: {(window.frames_drawn - frames) / elapsed:.1f}/s "
        f"({args.views} views, snapshots at {PUBLISH_RATE_HZ:.0f}/s, no training)"
    )
    print("redraws:        per s   mean ms   % of run")
    for name, cost in window.frame_clock.costs().items():
        rate = (cost.draws - draws_before[name]) / elapsed
        if rate:
            print(f"  {name:14s} {rate:6.1f} {cost.mean_ms:9.2f} {rate * cost.mean_ms / 10:9.2f}")
    print("painting:       per s   mean ms   % of run")
    for name, times in sorted(painted.items(), key=lambda item: -sum(item[1])):
        rate, mean = len(times) / elapsed, 1000 * sum(times) / len(times)
        print(f"  {name:22s} {rate:6.1f} {mean:9.2f} {rate * mean / 10:9.2f}")
    window.close_discarding()
    return 0


if __name__ == "__main__":
    sys.exit(main())
