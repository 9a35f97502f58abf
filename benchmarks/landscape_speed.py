"""Loss landscape speed: the 41x41 grid of the 2-8-8-1 tanh spiral network on 400
training points, the time to the first picture, and what recording the path costs a step.

Run: .venv/bin/python benchmarks/landscape_speed.py [REPEATS]   (default 7)

Prints, for random and PCA directions, the best and median time of a whole 41x41 grid
(computed at once, as ``LossSurface.grid``), the time until the job's first pass (11x11)
and to its last, driven in the worker's 20 ms slices, and the training step with and
without the trajectory (its cost per step). Times are wall-clock on this machine: run it
on an idle one.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace

import numpy as np

from nnviz.app.worker import JOB_SLICE_S
from nnviz.data import DataConfig, prepare
from nnviz.engine.spec import LayerSpec
from nnviz.live import presets
from nnviz.live.landscape import LandscapeJob, LossSurface, make_plane
from nnviz.live.session import TrainingSession

#: the network the issue's speed target names: 2-8-8-1 tanh
TANH_8_8 = ((8, "tanh"), (8, "tanh"), (1, "sigmoid"))


def spiral_session(steps: int = 300) -> TrainingSession:
    """The app's 2-8-8-1 tanh network on a 400-point spiral, all of it for training."""
    config = DataConfig(
        kind="points", name="spiral", n_samples=400, noise=0.1, validation=0.0, test=0.0
    )
    data = prepare(config)
    # not the app's default (2-16-16-1 ReLU now): the network
    tanh_8_8 = tuple(LayerSpec(units=u, activation=g) for u, g in TANH_8_8)
    spec = replace(presets.network_spec(config), layers=tanh_8_8)
    session = TrainingSession(spec.for_task(data.input_dim, data.n_classes), data)
    for _ in range(steps):
        session.step()
    return session


def grid_ms(session: TrainingSession, kind: str, repeats: int) -> list[float]:
    _, rows = session.trajectory.points()
    plane, _ = make_plane(kind, session.model.get_weights(), rows)
    surface = LossSurface(session.model, session.trainer.x, session.trainer.y, plane)
    surface.grid(41)  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        surface.grid(41)
        times.append(1000 * (time.perf_counter() - start))
    return times


def job_ms(session: TrainingSession, kind: str) -> tuple[float, float]:
    """(first pass, last pass) in ms, the job advanced in the worker's slices."""
    job = LandscapeJob(kind, resolution=41)
    start = time.perf_counter()
    first = None
    while True:
        finished = job.advance(session, JOB_SLICE_S)
        report = job.result()
        if first is None and report is not None:
            first = 1000 * (time.perf_counter() - start)
        if finished:
            return float(first or 0.0), 1000 * (time.perf_counter() - start)


def step_us(session: TrainingSession, steps: int = 3000) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        session.step()
    return 1e6 * (time.perf_counter() - start) / steps


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    session = spiral_session()
    print(
        f"2-8-8-1 tanh, {session.trainer.n_samples} training points, "
        f"{session.model.n_params} parameters, numpy {np.__version__}"
    )
    for kind in ("random", "pca"):
        times = grid_ms(session, kind, repeats)
        first, last = job_ms(session, kind)
        print(
            f"{kind:>6}: 41x41 grid best {min(times):6.1f} ms, median "
            f"{statistics.median(times):6.1f} ms; job: first picture (11x11) after "
            f"{first:5.1f} ms, 41x41 after {last:6.1f} ms"
        )
    with_path = step_us(session)
    session.trajectory.record = lambda *args, **kwargs: None  # type: ignore[method-assign]
    without = step_us(session)
    print(
        f"training step: {with_path:.1f} us with the trajectory, {without:.1f} us without "
        f"({with_path - without:+.1f} us)"
    )


if __name__ == "__main__":
    main()
