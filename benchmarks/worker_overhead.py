"""What the training worker adds to the engine's training step, without any GUI.

On the app's first network (spiral, 2-16-16-1 ReLU, Adam, batch 16):
  * ``TrainingSession.step`` against ``Trainer.train_step`` (µs per step): what the session
    records per step (losses, gradient norms, the trajectory),
  * ``TrainingSession.snapshot(playing=True)`` (CPU ms), made 30 times a second while
    training (the mean includes the slower views' parts, made anew every 0.2 s), and the
    boundary plane inside it,
  * the worker alone (steps and 30 snapshots a second) against headless training, as
    ``benchmarks/app_speed.py`` prints it (target >= 93%: the GUI thread takes its share on
    top in the app).

Blocks of each kind alternate and medians are reported: on a shared machine the speed
drifts. (``benchmarks/app_speed.py`` runs the same worker-alone loop once, after the app.)

    .venv/bin/python benchmarks/worker_overhead.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from nnviz.app.worker import PUBLISH_RATE_HZ
from nnviz.data import prepare
from nnviz.engine import Sequential, Trainer
from nnviz.live import presets
from nnviz.live.session import TrainingSession, trainer_for

BLOCK = 200  # steps per timed block


def _session() -> TrainingSession:
    config = presets.data_config()
    return TrainingSession(presets.network_spec(config), prepare(config))


def _bare_trainer(session: TrainingSession) -> Trainer:
    """The session's training without the session: the same spec and data."""
    model = Sequential.from_config(session.spec)
    return trainer_for(model, session.spec, session.data)


def step_overhead(seconds: float) -> tuple[float, float]:
    """Median µs per step of ``Trainer.train_step`` and of ``TrainingSession.step``, in CPU
    time of this thread (steadier than wall time on a shared machine)."""
    session = _session()
    trainer = _bare_trainer(session)
    bare, full = [], []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.thread_time()
        for _ in range(BLOCK):
            trainer.train_step()
        bare.append(time.thread_time() - start)
        start = time.thread_time()
        for _ in range(BLOCK):
            session.step()
        full.append(time.thread_time() - start)
    return 1e6 * float(np.median(bare)) / BLOCK, 1e6 * float(np.median(full)) / BLOCK


def plane_ms(count: int = 100) -> float:
    """Median CPU ms of the boundary plane alone (the neurons' pictures included)."""
    session = _session()
    for _ in range(300):
        session.step()
    times = []
    for _ in range(count):
        start = time.thread_time()
        session._plane()
        times.append(time.thread_time() - start)
    return 1e3 * float(np.median(times))


def headless(seconds: float) -> tuple[float, float]:
    """Headless training as ``benchmarks/app_speed.py`` measures it: (steps per second,
    steps per CPU second of this thread)."""
    session = _session()
    trainer = _bare_trainer(session)
    start, cpu = time.perf_counter(), time.thread_time()
    steps = 0
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            trainer.train_step()
        steps += 100
    return steps / (time.perf_counter() - start), steps / (time.thread_time() - cpu)


def worker_alone(seconds: float) -> tuple[float, float, list[float]]:
    """The worker's loop without the app (as ``benchmarks/app_speed.py`` runs it): steps
    per second, steps per CPU second, and the CPU seconds of each snapshot (the slower
    views' parts, made anew every 0.2 s, included)."""
    session = _session()
    snapshots = []
    start, cpu = time.perf_counter(), time.thread_time()
    next_snapshot = start
    steps = 0
    while (now := time.perf_counter()) - start < seconds:
        if now >= next_snapshot:
            made = time.thread_time()
            session.snapshot(playing=True, steps_per_second=1000.0)
            snapshots.append(time.thread_time() - made)
            next_snapshot += 1.0 / PUBLISH_RATE_HZ
        for _ in range(10):
            session.step()
        steps += 10
    return steps / (time.perf_counter() - start), steps / (time.thread_time() - cpu), snapshots


def worker_alone_ratio(seconds: float, rounds: int = 4) -> dict[str, float]:
    """Headless and worker-alone runs alternating ``rounds`` times: the medians of their
    ratios in wall time and in CPU time (steadier when others share the machine), and the
    snapshots' mean and median CPU ms."""
    wall, cpu, snapshots = [], [], []
    for _ in range(rounds):
        headless_wall, headless_cpu = headless(seconds / rounds / 2)
        worker_wall, worker_cpu, made = worker_alone(seconds / rounds / 2)
        wall.append(worker_wall / headless_wall)
        cpu.append(worker_cpu / headless_cpu)
        snapshots += made
    return {
        "wall": float(np.median(wall)),
        "cpu": float(np.median(cpu)),
        "snapshot_mean_ms": 1e3 * float(np.mean(snapshots)),
        "snapshot_median_ms": 1e3 * float(np.median(snapshots)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    bare, full = step_overhead(args.seconds / 4)
    plane = plane_ms()
    worker = worker_alone_ratio(3 * args.seconds / 4)
    print(f"Trainer.train_step:         {bare:8.1f} us")
    print(f"TrainingSession.step:       {full:8.1f} us (+{full - bare:.1f} us)")
    print(
        f"snapshot(playing=True):     {worker['snapshot_mean_ms']:8.2f} ms mean, "
        f"{worker['snapshot_median_ms']:.2f} ms median (the boundary plane {plane:.2f} ms)"
    )
    print(
        f"the worker alone, no GUI:   {100 * worker['wall']:8.0f} % of headless steps/s, "
        f"{100 * worker['cpu']:.0f} % per CPU second (target >= 93%)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
