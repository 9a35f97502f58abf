"""What brief sleeps cost a training loop on this machine, with no GUI and no other thread.

In the app the training thread must stop many times a second: for every frame the GUI
thread draws (it holds the worker), and whenever the GUI thread needs the interpreter lock
(every Qt timer or signal that runs Python). Each stop is a sleep of the thread. This
script trains the app's first network (spiral, 2-16-16-1 ReLU, Adam, batch 16) headless,
in one thread, and makes that thread sleep ``--nap-us`` µs N times a second, for several N.
It prints steps per second and CPU µs per step: if the CPU per step rises with N, the
machine runs a thread slower for a while after it slept (a virtual machine's host, power
states), and the app pays that on top of the GUI's own work. Rounds alternate and medians
are reported: the speed drifts on a shared machine.

    .venv/bin/python benchmarks/sleep_cost.py [--seconds 2] [--rounds 3] [--nap-us 20]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from nnviz.data import prepare
from nnviz.engine import Sequential, Trainer
from nnviz.live import presets

NAPS_PER_SECOND = (0, 30, 100, 300, 1000)


def make_trainer() -> Trainer:
    config = presets.data_config()
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    return Trainer(
        Sequential.from_config(spec),
        data.x_train,
        data.y_train,
        batch_size=spec.batch_size,
        seed=spec.seed,
        validation_data=(data.x_val, data.y_val),
    )


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nap-us", type=float, default=20.0)
    args = parser.parse_args()
    trainer = make_trainer()
    train_with_naps(trainer, 0, 0.0, 0.5)  # warm up
    results: dict[int, list[tuple[float, float]]] = {n: [] for n in NAPS_PER_SECOND}
    for _ in range(args.rounds):
        for naps in NAPS_PER_SECOND:
            results[naps].append(train_with_naps(trainer, naps, args.nap_us / 1e6, args.seconds))
    base_rate = float(np.median([rate for rate, _ in results[0]]))
    base_cpu = float(np.median([cpu for _, cpu in results[0]]))
    print(f"naps of {args.nap_us:.0f} µs   steps/s (vs none)    CPU µs per step (vs none)")
    for naps, runs in results.items():
        rate = float(np.median([r for r, _ in runs]))
        cpu = float(np.median([c for _, c in runs]))
        print(
            f"  {naps:5d} /s      {rate:8,.0f} ({100 * (rate / base_rate - 1):+4.0f}%)"
            f"      {cpu:8.1f} ({100 * (cpu / base_cpu - 1):+4.0f}%)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
