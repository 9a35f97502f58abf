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
from app_speed import headless_steps_per_second

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


def worker_alone(seconds: float) -> tuple[float, float, float]:
    """The worker's loop without the app (as ``benchmarks/app_speed.py`` runs it): steps
    per second, and the mean and median CPU ms of its snapshots (the slower views' parts
    made anew every 0.2 s included)."""
    session = _session()
    snapshots = []
    start = time.perf_counter()
    next_snapshot = start
    steps = 0
    while (now := time.perf_counter()) - start < seconds:
        if now >= next_snapshot:
            cpu = time.thread_time()
            session.snapshot(playing=True, steps_per_second=1000.0)
            snapshots.append(time.thread_time() - cpu)
            next_snapshot += 1.0 / PUBLISH_RATE_HZ
        for _ in range(10):
            session.step()
        steps += 10
    rate = steps / (time.perf_counter() - start)
    return rate, 1e3 * float(np.mean(snapshots)), 1e3 * float(np.median(snapshots))


def worker_alone_ratio(seconds: float, rounds: int = 3) -> tuple[float, float, float, float]:
    """(headless steps/s, worker alone steps/s, snapshot mean ms, median ms), headless
    and worker runs alternating ``rounds`` times, medians of the rounds."""
    headless, worker, means, medians = [], [], [], []
    for _ in range(rounds):
        headless.append(headless_steps_per_second(seconds / rounds / 2))
        rate, mean, median = worker_alone(seconds / rounds / 2)
        worker.append(rate)
        means.append(mean)
        medians.append(median)
    return tuple(float(np.median(x)) for x in (headless, worker, means, medians))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    bare, full = step_overhead(args.seconds / 4)
    plane = plane_ms()
    headless, worker, snapshot, median = worker_alone_ratio(3 * args.seconds / 4)
    print(f"Trainer.train_step:         {bare:8.1f} us")
    print(f"TrainingSession.step:       {full:8.1f} us (+{full - bare:.1f} us)")
    print(
        f"snapshot(playing=True):     {snapshot:8.2f} ms mean, {median:.2f} ms median "
        f"(the boundary plane {plane:.2f} ms)"
    )
    print(
        f"the worker alone, no GUI:   {worker:8,.0f} steps/s against {headless:,.0f} headless "
        f"({100 * worker / headless:.0f}%; target >= 93%)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
