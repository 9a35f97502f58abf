"""How closely the worker keeps a set speed: epochs per second asked vs trained.

Run: .venv/bin/python benchmarks/speed_control.py [--seconds 3]

Runs the training worker on the default set-up in a plain thread (no GUI drawing; the
app's frames take a little of the worker's time, which it makes up, see
``TrainingWorker._next_step_time``) at several speeds of the training panel's slider
and prints the epochs per second it trained.
"""

from __future__ import annotations

import argparse
import threading
import time

from nnviz.app.training_panel import SPEEDS, steps_per_second
from nnviz.app.worker import TrainingWorker
from nnviz.data import prepare
from nnviz.live import presets
from nnviz.live.session import TrainingSession


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    data = prepare(presets.data_config())
    spec = presets.network_spec(data.config).for_task(data.input_dim, data.n_classes)
    worker = TrainingWorker(TrainingSession(spec, data))
    batches = worker.session.batches_per_epoch
    loop = threading.Thread(target=worker.run)
    loop.start()
    try:
        for epochs_per_second in SPEEDS:
            worker.set_speed(steps_per_second(epochs_per_second, batches))
            worker.play()
            start_step = worker.call(lambda s: s.step_count)
            start = time.monotonic()
            time.sleep(args.seconds)
            steps = worker.call(lambda s: s.step_count) - start_step
            elapsed = time.monotonic() - start
            worker.pause()
            asked = "full speed" if epochs_per_second is None else f"{epochs_per_second:g}"
            print(f"asked {asked:>10} epochs/s: trained {steps / batches / elapsed:8.2f} epochs/s")
    finally:
        worker.stop()
        loop.join(5)


if __name__ == "__main__":
    main()
