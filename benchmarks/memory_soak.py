"""Memory over a long full-speed run: the app (offscreen, every view open) or the headless
session, on the spiral or the cat photos. Prints RSS every minute and the growth from the
first minute to the last; nothing may grow per training step without bound.

    .venv/bin/python benchmarks/memory_soak.py --minutes 10 --dataset spiral
    .venv/bin/python benchmarks/memory_soak.py --minutes 10 --dataset cat \
        --data-dir ../shared/data/catvnoncat
    .venv/bin/python benchmarks/memory_soak.py --minutes 10 --headless
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path


def rss_mb() -> float:
    """Resident memory now (Linux), in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def report(samples: list[tuple[float, float, int]]) -> None:
    for minute, rss, steps in samples:
        print(f"  {minute:5.1f} min  RSS {rss:7.1f} MB  steps {steps:,}")
    first = next((s for s in samples if s[0] >= 1.0), samples[0])
    last = samples[-1]
    growth = 100.0 * (last[1] - first[1]) / first[1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"RSS at {first[0]:.1f} min {first[1]:.1f} MB, at {last[0]:.1f} min {last[1]:.1f} MB: "
        f"growth {growth:+.1f}%; peak {peak:.1f} MB; {last[2]:,} steps"
    )


def soak_headless(args: argparse.Namespace) -> None:
    from nnviz.data import prepare
    from nnviz.live import presets
    from nnviz.live.session import TrainingSession

    config = presets.data_config(args.dataset, args.data_dir)
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    session = TrainingSession(spec, data)
    start = time.monotonic()
    samples = []
    next_sample = 0.0
    while (elapsed := time.monotonic() - start) < args.minutes * 60:
        for _ in range(100):
            session.step()
        if elapsed >= next_sample:
            session.snapshot()
            samples.append((elapsed / 60, rss_mb(), session.step_count))
            next_sample += args.every
    samples.append(((time.monotonic() - start) / 60, rss_mb(), session.step_count))
    report(samples)


def soak_app(args: argparse.Namespace) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nnviz.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(args.dataset, args.data_dir, restore_layout=False)
    window.training_panel.set_epochs_per_second(None)  # full speed
    window.resize(1600, 1000)
    window.show()
    window.controller.play()
    start = time.monotonic()
    samples: list[tuple[float, float, int]] = []

    def sample() -> None:
        latest = window.controller.latest
        samples.append(((time.monotonic() - start) / 60, rss_mb(), latest.step if latest else 0))
        if samples[-1][0] >= args.minutes:
            window.close_discarding()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(int(args.every * 1000))
    app.exec()
    report(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--dataset", default="spiral")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--headless", action="store_true", help="the session without a window")
    args = parser.parse_args()
    (soak_headless if args.headless else soak_app)(args)


if __name__ == "__main__":
    main()
