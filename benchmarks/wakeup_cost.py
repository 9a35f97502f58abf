"""What stopping costs a training thread on this machine: its own brief sleeps, and another
Python thread waking up briefly, with no GUI at all.

In the app the training thread stops many times a second: for every frame (the GUI thread
holds it while drawing) and whenever the GUI thread wakes up to run Python (a Qt timer, a
signal): that needs the interpreter lock, which the training thread hands over only
between two of its NumPy calls. This script trains the app's first network (spiral,
2-16-16-1 ReLU, Adam, batch 16) headless and prints steps per second and CPU µs per step
  * while the training thread itself sleeps ``--nap-us`` µs N times a second (what the
    machine charges for a stop: CPU per step that rises with N means the thread runs
    slower for a while after it slept),
  * while a second Python thread wakes N times a second and runs ``--nap-us`` µs of Python
    (what a GUI timer costs training, besides its own time).
Rounds alternate and medians are reported: the speed drifts on a shared machine.

    .venv/bin/python benchmarks/wakeup_cost.py [--seconds 2] [--rounds 3] [--nap-us 20]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import numpy as np

from nnviz.data import prepare
from nnviz.engine import Sequential, Trainer
from nnviz.live import presets
from nnviz.live.session import trainer_for

PER_SECOND = (0, 30, 100, 300, 1000)


def make_trainer() -> Trainer:
    """The live session's Trainer for the app's first network, without the session."""
    config = presets.data_config()
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    return trainer_for(Sequential.from_config(spec), spec, data)


def train_with_naps(
    trainer: Trainer, naps_per_second: float, nap_s: float, seconds: float
) -> tuple[float, float]:
    """Steps per second and CPU µs per step, sleeping ``nap_s`` that many times a second."""
    start = time.perf_counter()
    cpu = time.thread_time()
    next_nap = start
    steps = 0
    while (now := time.perf_counter()) - start < seconds:
        if naps_per_second and now >= next_nap:
            time.sleep(nap_s)
            next_nap += 1.0 / naps_per_second
        for _ in range(5):
            trainer.train_step()
        steps += 5
    return steps / (time.perf_counter() - start), 1e6 * (time.thread_time() - cpu) / steps


def train_beside_a_waking_thread(
    trainer: Trainer, wakes_per_second: float, work_s: float, seconds: float
) -> tuple[float, float]:
    """Steps per second and CPU µs per step of a training thread while this thread wakes
    up that many times a second and runs ``work_s`` of Python."""
    stop = threading.Event()
    figures: list[tuple[float, float]] = []
    training = threading.Thread(
        target=lambda: figures.append(train_until(trainer, stop)), name="training"
    )
    training.start()
    end = time.perf_counter() + seconds
    if not wakes_per_second:
        time.sleep(seconds)
    while wakes_per_second and time.perf_counter() < end:
        time.sleep(1.0 / wakes_per_second)
        start = time.perf_counter()
        while time.perf_counter() - start < work_s:
            pass
    stop.set()
    training.join()
    return figures[0]


def train_until(trainer: Trainer, stop: threading.Event) -> tuple[float, float]:
    start = time.perf_counter()
    cpu = time.thread_time()
    steps = 0
    while not stop.is_set():
        for _ in range(5):
            trainer.train_step()
        steps += 5
    return steps / (time.perf_counter() - start), 1e6 * (time.thread_time() - cpu) / steps


def print_table(title: str, results: dict[int, list[tuple[float, float]]]) -> None:
    base_rate = float(np.median([rate for rate, _ in results[0]]))
    base_cpu = float(np.median([cpu for _, cpu in results[0]]))
    print(f"{title:26s} steps/s (vs none)    CPU µs per step (vs none)")
    for count, runs in results.items():
        rate = float(np.median([r for r, _ in runs]))
        cpu = float(np.median([c for _, c in runs]))
        print(
            f"  {count:5d} /s             {rate:8,.0f} ({100 * (rate / base_rate - 1):+4.0f}%)"
            f"      {cpu:8.1f} ({100 * (cpu / base_cpu - 1):+4.0f}%)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nap-us", type=float, default=20.0)
    args = parser.parse_args()
    trainer = make_trainer()
    train_with_naps(trainer, 0, 0.0, 0.5)  # warm up
    nap_s = args.nap_us / 1e6
    naps: dict[int, list[tuple[float, float]]] = {n: [] for n in PER_SECOND}
    wakes: dict[int, list[tuple[float, float]]] = {n: [] for n in PER_SECOND}
    for _ in range(args.rounds):
        for count in PER_SECOND:
            naps[count].append(train_with_naps(trainer, count, nap_s, args.seconds))
            wakes[count].append(train_beside_a_waking_thread(trainer, count, nap_s, args.seconds))
    print_table(f"it naps {args.nap_us:.0f} µs", naps)
    print_table("another thread wakes", wakes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
