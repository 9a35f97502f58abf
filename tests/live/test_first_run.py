"""The first run a learner sees (issue #11, section 1): pressing Play at the default speed
shows the spiral's boundary forming within about 15 seconds, and the validation loss does
not climb during the first minute. Figures measured with benchmarks/first_run.py (seeds
0-2: validation accuracy 0.94-0.96 after 10 s, 0.97 after 15 s; the mean of minute one's
last 20 epochs within 0.02 of the lowest validation loss)."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data import prepare
from nnviz.live import presets
from nnviz.live.session import TrainingSession


def train_default(epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """Validation loss and accuracy after each of ``epochs`` epochs of the default run."""
    data = prepare(presets.data_config())
    spec = presets.network_spec(data.config).for_task(data.input_dim, data.n_classes)
    session = TrainingSession(spec, data)
    losses, accuracies = [], []
    while session.epoch < epochs:
        session.step()
        if session.batch_in_epoch == 0:
            losses.append(session.trainer.last_logs["val_loss"])
            accuracies.append(session.trainer.last_logs["val_accuracy"])
    return np.array(losses), np.array(accuracies)


@pytest.mark.slow
def test_the_default_run_learns_the_spiral_in_fifteen_seconds_and_does_not_overfit():
    speed = presets.DEFAULT_EPOCHS_PER_SECOND
    assert speed is not None and 5 <= speed <= 20  # watchable, yet quick
    losses, accuracies = train_default(round(60 * speed))  # the first minute
    at = {second: round(second * speed) - 1 for second in (3, 15, 60)}
    # Nothing is decided in the first seconds: the boundary forms while the learner looks.
    assert accuracies[at[3]] < 0.8
    # After 15 seconds the arms are separated.
    assert accuracies[at[15]] >= 0.95
    assert losses[at[15]] <= 0.2
    # The validation loss does not climb during the first minute (epoch-to-epoch noise of
    # mini-batch Adam aside: the last 20 epochs' mean).
    assert losses[-20:].mean() <= losses.min() + 0.03
    assert accuracies[-1] >= 0.95
