"""The training worker on its own: its loop in a plain thread, driven by its commands."""

from __future__ import annotations

import threading
import time

import numpy as np

from nnviz.app.worker import TrainingWorker
from nnviz.data import prepare
from nnviz.live import edits, presets
from nnviz.live.session import TrainingSession
from nnviz.live.workspace import Edit

TIMEOUT_S = 20.0


def wait_for(condition, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_commands_between_steps_play_pause_edit_undo_and_stop():
    config = presets.data_config()
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    worker = TrainingWorker(TrainingSession(spec, data))
    loop = threading.Thread(target=worker.run)
    loop.start()
    try:
        worker.step_batch()
        wait_for(lambda: worker.call(lambda s: s.step_count) == 1)
        worker.play()
        wait_for(lambda: worker.call(lambda s: s.step_count) > 50)
        worker.pause()
        paused_at = worker.call(lambda s: s.step_count)
        time.sleep(0.1)
        assert worker.call(lambda s: s.step_count) == paused_at
        before = worker.call(lambda s: s.model.get_weights())
        worker.apply_edit(1, Edit(spec=edits.resize_layer(spec, 0, 9)))
        assert worker.call(lambda s: s.model.get_weights()[0].shape) == (2, 9)
        worker.undo_edit(1)
        for got, want in zip(worker.call(lambda s: s.model.get_weights()), before, strict=True):
            np.testing.assert_array_equal(got, want)
        latest: list = []

        def published() -> bool:  # the newest snapshot, offered after each command
            snapshot = worker.take_snapshot()
            if snapshot is not None:
                latest.append(snapshot)
            return bool(latest) and latest[-1].weights[0][0].shape == (2, 8)

        wait_for(published)  # after the undo: the old shape, at the step of the edit
        assert latest[-1].step == paused_at
        worker.step_epoch()
        wait_for(lambda: worker.call(lambda s: s.batch_in_epoch) == 0)
    finally:
        worker.stop()
        loop.join(5)
    assert not loop.is_alive()
