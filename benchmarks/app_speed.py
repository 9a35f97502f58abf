"""How the live app trains compared with headless training, and how responsive it stays.

Measured in one run, with the main window open (offscreen) and the app's first network
training on the spiral (2-16-16-1 ReLU, Adam, batch 16), with either every view open
(``--views all``, the default: every live dock open, none tabbed away, tiled on a 1920x1080
window so that each is about a quarter of a column, a size a learner could use) or
the views a learner sees in the default layout plus the two main tab pairs split apart
(``--views default``):
  * steps per second in the app against the same training headless (target >= 80%), and
    what the worker alone reaches with no GUI (its records per step and the snapshots),
  * the training thread's CPU time: its share of the run (the rest it waited, for a frame
    or for the interpreter lock) and per step, against the worker alone (more CPU per step
    in the app is lost to something other than waiting, such as handing the interpreter
    lock back and forth: see benchmarks/wakeup_cost.py),
  * lateness of a 10 ms GUI timer during training (target p99 <= 16 ms),
  * frames actually drawn per second (target >= 30),
  * the GUI thread's CPU time as a share of the run (target <= 15%), and how far the frame
    clock stretched the side views' intervals to keep it there,
  * what each view's redraws cost while training (how many a second, mean and p95 ms of
    the GUI thread's CPU time, as timed by the frame clock: the painting Qt does afterwards
    is not included), and, measured after the run with the worker stopped, the mean CPU
    time of one redraw *with* its painting (the view fed one new snapshot at a time).

Headless training is measured before and after the app run and averaged: on a shared
machine the speed drifts.

    .venv/bin/python benchmarks/app_speed.py [--seconds 8] [--views all|default] [--runs 5]

With ``--runs N`` the whole measurement is repeated N times in one process; the last run's
report is printed in full, then each run's main figures and their medians (on a shared
machine one run's in-app figure moves by several percent).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNVIZ_SETTINGS_ORG", "nnviz-benchmark")

import numpy as np


def headless_steps_per_second(seconds: float) -> float:
    from nnviz.data import prepare
    from nnviz.engine import Sequential, Trainer
    from nnviz.live import presets

    config = presets.data_config()
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    model = Sequential.from_config(spec)
    trainer = Trainer(
        model,
        data.x_train,
        data.y_train,
        batch_size=spec.batch_size,
        seed=spec.seed,
        validation_data=(data.x_val, data.y_val),
    )
    start = time.perf_counter()
    steps = 0
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            trainer.train_step()
        steps += 100
    return steps / (time.perf_counter() - start)


#: docks with no live view while training (shown only for a race, a sweep or a lesson)
NOT_LIVE = ("raceDock", "sweepDock", "lessonDock", "galleryDock")
#: the columns of view docks right of the diagram with ``--views all``, top to bottom
VIEW_COLUMNS = (
    ("boundaryDock", "neuronsDock", "confusionDock", "activationDock"),
    ("curvesDock", "layersDock", "gradientFlowDock", "landscapeDock"),
    ("traceDock", "firstLayerDock", "runsDock", "diagnosisDock"),
)


def show_every_view(window) -> None:
    """Every live dock open at a size a learner could use: the panels stacked on the left,
    the views in :data:`VIEW_COLUMNS` right of the diagram, none tabbed away."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    docks = {dock.objectName(): dock for dock in window.findChildren(QDockWidget)}
    in_columns = {name for column in VIEW_COLUMNS for name in column}
    for name, dock in docks.items():
        if name in NOT_LIVE:
            dock.hide()
        elif name not in in_columns:
            window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            dock.show()
    for column in VIEW_COLUMNS:
        top = docks[column[0]]
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, top, Qt.Orientation.Horizontal)
        top.show()
        for name in column[1:]:
            window.splitDockWidget(top, docks[name], Qt.Orientation.Vertical)
            docks[name].show()


def worker_alone(seconds: float) -> tuple[float, float]:
    """The worker's own ceiling: the session's steps (with what it records per step) and a
    snapshot at the publish rate, no GUI at all. Returns steps per second and CPU µs per
    step (the snapshots included)."""
    from nnviz.app.worker import PUBLISH_RATE_HZ
    from nnviz.data import prepare
    from nnviz.live import presets
    from nnviz.live.session import TrainingSession

    config = presets.data_config()
    session = TrainingSession(presets.network_spec(config), prepare(config))
    start = time.perf_counter()
    cpu = time.thread_time()
    next_snapshot = start
    steps = 0
    while (now := time.perf_counter()) - start < seconds:
        if now >= next_snapshot:
            session.snapshot(playing=True, steps_per_second=1000.0)
            next_snapshot += 1.0 / PUBLISH_RATE_HZ
        for _ in range(10):
            session.step()
        steps += 10
    cpu_per_step = 1e6 * (time.thread_time() - cpu) / steps
    return steps / (time.perf_counter() - start), cpu_per_step


def app_figures(seconds: float, hold: bool = True, views: str = "all") -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from nnviz.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow("spiral", restore_layout=False)
    window.training_panel.set_epochs_per_second(None)  # full speed
    if views == "all":
        window.resize(1920, 1080)
        window.show()
        show_every_view(window)
    else:  # the docks tabbed by default are split apart, the gallery shown
        window.resize(1600, 1000)
        window.show()
        window.splitDockWidget(window.neuron_dock, window.confusion_dock, Qt.Orientation.Horizontal)
        window.splitDockWidget(window.boundary_dock, window.gallery_dock, Qt.Orientation.Vertical)
        window.gallery_dock.show()
        window.splitDockWidget(window.dataset_dock, window.hyper_dock, Qt.Orientation.Vertical)
        window.splitDockWidget(window.hyper_dock, window.layer_dock, Qt.Orientation.Vertical)
    app.processEvents()
    if not hold:  # the worker trains on while the GUI thread draws
        window.frame_clock.frameStarted.disconnect(window.controller.hold_worker_for_frame)

    lateness: list[float] = []
    clock = QElapsedTimer()
    last = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        lateness.append(now - last[0] - 10.0)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(timer.timerType().PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(tick)

    # Let the first snapshot build every view before measuring.
    window.controller.step_batch()
    loop = QEventLoop()
    QTimer.singleShot(500, loop.quit)
    loop.exec()
    # An open landscape computes its picture once, in the worker: not part of training.
    landscape = window.landscape_view
    while landscape.isVisible() and (landscape.job_id or landscape.report is None):
        QTimer.singleShot(50, loop.quit)
        loop.exec()
    steps_before = window.controller.latest.step
    frames_before = window.frames_drawn
    draws_before = {name: window.frame_clock.draws(name) for name in window.frame_clock.view_names}
    window.frame_clock.reset_costs()
    worker_clock = time.pthread_getcpuclockid(
        window.controller.worker.call(lambda _: threading.get_ident())
    )
    window.controller.play()
    clock.start()
    timer.start()
    start = time.perf_counter()
    gui_cpu = time.thread_time()
    worker_cpu = time.clock_gettime(worker_clock)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    elapsed = time.perf_counter() - start
    gui_cpu = time.thread_time() - gui_cpu
    worker_cpu = time.clock_gettime(worker_clock) - worker_cpu
    stretch = window.frame_clock.stretch
    window.controller.pause()
    steps = window.controller.latest.step - steps_before
    frames = window.frames_drawn - frames_before
    costs = window.frame_clock.costs()
    views = {
        name: (
            (cost.draws - draws_before[name]) / elapsed,
            cost.mean_ms,
            cost.p95_ms,
        )
        for name, cost in costs.items()
    }
    drawing = sum(rate * mean for rate, mean, _ in views.values()) / 1000.0
    window.controller.stop()
    painted = redraw_and_paint_ms(window, app)
    window.close_discarding()
    # Gone, not just hidden: with --runs, a closed window's widgets would linger in the
    # next run's process.
    window.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    # A timer that never fired during the run was late by the whole run.
    late = np.array(lateness[1:] or [elapsed * 1000.0])
    return {
        "steps_per_second": steps / elapsed,
        "frames_per_second": frames / elapsed,
        "timer_late_p50_ms": float(np.percentile(late, 50)),
        "timer_late_p99_ms": float(np.percentile(late, 99)),
        "timer_late_max_ms": float(late.max()),
        "elapsed_s": elapsed,
        "gui_cpu_share": gui_cpu / elapsed,
        "worker_cpu_share": worker_cpu / elapsed,
        "worker_cpu_per_step_us": 1e6 * worker_cpu / max(steps, 1),
        "stretch": stretch,
        "drawing_share": drawing,
        "views": views,
        "painted": painted,
    }


def redraw_and_paint_ms(window, app, count: int = 30) -> dict[str, float]:
    """CPU ms of one redraw of each shown view including the repaint it causes: each view
    draws ``count`` successive snapshots of a fresh session, events processed after each."""
    from nnviz.app.frame_clock import is_shown
    from nnviz.live.session import TrainingSession

    session = TrainingSession(window.document.spec, window.data)
    snapshots = []
    for _ in range(count):
        for _ in range(20):
            session.step()
        snapshots.append(session.snapshot(playing=True, steps_per_second=1000.0))
    app.processEvents()
    out = {}
    for name, view, _ in window.views:
        if not is_shown(view):
            continue
        start = time.thread_time()
        for snapshot in snapshots:
            view.show_snapshot(snapshot)
            app.processEvents()
        out[name] = 1000.0 * (time.thread_time() - start) / count
    return out


def measure(seconds: float, hold: bool, views: str) -> dict:
    """One whole measurement: headless before and after the app run, the worker alone."""
    before = headless_steps_per_second(seconds / 4)
    figures = app_figures(seconds, hold=hold, views=views)
    figures["worker"], figures["alone_cpu_per_step_us"] = worker_alone(seconds / 4)
    figures["headless"] = (before + headless_steps_per_second(seconds / 4)) / 2
    figures["ratio"] = figures["steps_per_second"] / figures["headless"]
    return figures


def report(figures: dict) -> None:
    headless, worker = figures["headless"], figures["worker"]
    print(f"headless training:          {headless:10,.0f} steps/s")
    print(
        f"the worker alone, no GUI:   {worker:10,.0f} steps/s ({100 * worker / headless:.0f}% of "
        "headless: the session's records and 30 snapshots a second)"
    )
    print(
        f"in the app:                 {figures['steps_per_second']:10,.0f} steps/s "
        f"({100 * figures['ratio']:.0f}% of headless; target >= 80%)"
    )
    print(
        f"10 ms GUI timer lateness:   p50 {figures['timer_late_p50_ms']:.1f} ms, "
        f"p99 {figures['timer_late_p99_ms']:.1f} ms (target <= 16), "
        f"max {figures['timer_late_max_ms']:.1f} ms"
    )
    in_app, alone = figures["worker_cpu_per_step_us"], figures["alone_cpu_per_step_us"]
    excess = 100 * (in_app / alone - 1)
    print(
        f"training thread:            {100 * figures['worker_cpu_share']:10.0f} % of the run busy, "
        f"{in_app:.0f} µs CPU per step against {alone:.0f} alone ({excess:+.0f}%)"
    )
    print(f"frames drawn:               {figures['frames_per_second']:10.1f} /s (target >= 30)")
    print(
        f"GUI thread busy:            {100 * figures['gui_cpu_share']:10.0f} % of the run "
        f"(target <= 15; views' redraws {100 * figures['drawing_share']:.0f} %, the rest is "
        "painting and events)"
    )
    print(
        f"side views' intervals:      {figures['stretch']:10.1f} x at the end (the frame clock "
        "slows them while the GUI thread is busy and training runs flat out)"
    )
    print("per view:          redraws/s   mean ms    p95 ms   with painting ms")
    for name, (rate, mean, p95) in figures["views"].items():
        painted = figures["painted"].get(name)
        with_paint = "" if painted is None else f"{painted:12.2f}"
        print(f"  {name:14s} {rate:12.1f} {mean:9.2f} {p95:9.2f}   {with_paint}")


def report_medians(runs: list[dict]) -> None:
    """The main figures of each run, and their medians (the speed drifts between runs)."""
    columns = (
        ("in app %", lambda f: 100 * f["ratio"]),
        ("alone %", lambda f: 100 * f["worker"] / f["headless"]),
        ("GUI %", lambda f: 100 * f["gui_cpu_share"]),
        ("p99 ms", lambda f: f["timer_late_p99_ms"]),
        ("frames/s", lambda f: f["frames_per_second"]),
    )
    print("\nrun  " + "".join(f"{title:>10s}" for title, _ in columns))
    for number, figures in enumerate(runs, start=1):
        print(f"{number:3d}  " + "".join(f"{value(figures):10.1f}" for _, value in columns))
    medians = [float(np.median([value(f) for f in runs])) for _, value in columns]
    print("med  " + "".join(f"{median:10.1f}" for median in medians))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument(
        "--no-hold",
        action="store_true",
        help="do not pause the worker while a frame draws (to compare)",
    )
    parser.add_argument("--views", choices=("all", "default"), default="all")
    parser.add_argument(
        "--runs", type=int, default=1, help="repeat the whole measurement and print the medians"
    )
    args = parser.parse_args()
    runs = [measure(args.seconds, not args.no_hold, args.views) for _ in range(max(args.runs, 1))]
    report(runs[-1])
    if len(runs) > 1:
        report_medians(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
