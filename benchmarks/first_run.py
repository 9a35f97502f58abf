"""The first run a learner sees, trained headless: what each second of it shows.

Run: .venv/bin/python benchmarks/first_run.py [--epochs 600] [--seeds 0,1,2]

Trains the app's default set-up (nnviz.live.presets) and prints, per seed, the validation
accuracy and loss at the epochs the default speed reaches after 5, 10, 15, 30 and 60
seconds, the lowest validation loss and where, and the mean of the last 20 epochs. With
``--epochs 60000`` it stands in for a run left at full speed for many minutes.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from nnviz.data import prepare
from nnviz.live import presets
from nnviz.live.session import TrainingSession


def train(seed: int, epochs: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Validation loss and accuracy per epoch, and the steps per second trained."""
    data = prepare(presets.data_config())
    spec = presets.network_spec(data.config).for_task(data.input_dim, data.n_classes)
    session = TrainingSession(replace(spec, seed=seed), data)
    losses, accuracies = [], []
    start = time.perf_counter()
    while session.epoch < epochs:
        session.step()
        if session.batch_in_epoch == 0:
            logs = session.trainer.last_logs
            losses.append(logs["val_loss"])
            accuracies.append(logs["val_accuracy"])
    rate = session.step_count / (time.perf_counter() - start)
    return np.array(losses), np.array(accuracies), rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=600)
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    speed = presets.DEFAULT_EPOCHS_PER_SECOND
    print(f"default speed {speed:g} epochs/s; columns: second (epoch) val accuracy / val loss")
    for seed in (int(s) for s in args.seeds.split(",")):
        losses, accuracies, rate = train(seed, args.epochs)
        epochs_at = {s: int(s * speed) for s in (5, 10, 15, 30, 60) if s * speed <= len(losses)}
        marks = [
            f"{s}s ({e}): {accuracies[e - 1]:.2f}/{losses[e - 1]:.3f}" for s, e in epochs_at.items()
        ]
        tenths = [
            f"{losses[i - 1]:.3f}"
            for i in np.linspace(len(losses) / 10, len(losses), 10, dtype=int)
        ]
        best = int(np.argmin(losses))
        print(
            f"seed {seed}: " + "  ".join(marks) + f"\n  lowest val loss {losses[best]:.3f} at "
            f"epoch {best + 1}; mean of the last 20 epochs {losses[-20:].mean():.3f}; "
            f"at each tenth of the run: {' '.join(tenths)}; largest {losses.max():.3f}; "
            f"{rate:,.0f} steps/s"
        )


if __name__ == "__main__":
    main()
