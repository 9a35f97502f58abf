"""The training worker on its own: its loop in a plain thread, driven by its commands."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnviz.app.worker import RATE_CATCH_UP_S, TrainingWorker
from nnviz.data import prepare
from nnviz.live import edits, presets
from nnviz.live.jobs import BackgroundJob
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
            return bool(latest) and latest[-1].weights[0][0].shape == (2, presets.DEFAULT_HIDDEN[0])

        wait_for(published)  # after the undo: the old shape, at the step of the edit
        assert latest[-1].step == paused_at
        worker.step_epoch()
        wait_for(lambda: worker.call(lambda s: s.batch_in_epoch) == 0)
    finally:
        worker.stop()
        loop.join(5)
    assert not loop.is_alive()


class CountingJob(BackgroundJob):
    """Sums the session's step counter over ``slices`` slices; fails on request."""

    name = "counting"

    def __init__(self, slices: int, exclusive: bool = False, fail_at: int = -1) -> None:
        super().__init__()
        self.slices, self.exclusive, self.fail_at = slices, exclusive, fail_at
        self.done_slices = 0

    def advance(self, session: TrainingSession, budget_s: float) -> bool:
        if self.done_slices == self.fail_at:
            raise ValueError("bad grid")
        self.done_slices += 1
        time.sleep(min(budget_s, 0.002))
        return self.done_slices >= self.slices

    def progress(self) -> float:
        return self.done_slices / self.slices

    def result(self) -> int:
        return self.done_slices


def _run_worker():
    config = presets.data_config()
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    worker = TrainingWorker(TrainingSession(spec, data))
    reports: list = []
    worker.jobReported.connect(reports.append, Qt.ConnectionType.DirectConnection)
    loop = threading.Thread(target=worker.run)
    loop.start()
    return worker, loop, reports


def test_background_jobs_report_progress_finish_fail_and_cancel():
    worker, loop, reports = _run_worker()
    try:
        finishing = CountingJob(40)
        failing = CountingJob(40, fail_at=3)
        endless = CountingJob(10**9)
        ids = [worker.start_job(job) for job in (finishing, failing, endless)]
        assert len(set(ids)) == 3 and all(i > 0 for i in ids)
        wait_for(lambda: any(r.done and r.job_id == ids[0] for r in reports))
        wait_for(lambda: any(r.error and r.job_id == ids[1] for r in reports))
        worker.cancel_job(ids[2])
        wait_for(lambda: any(r.cancelled and r.job_id == ids[2] for r in reports))
        final = {r.job_id: r for r in reports if r.done}
        assert final[ids[0]].result == 40 and final[ids[0]].progress == 1.0
        assert "bad grid" in final[ids[1]].error and final[ids[1]].result == 3
        assert final[ids[2]].progress < 1.0
        assert worker.call(lambda s: s.step_count) == 0  # jobs never train the session
    finally:
        worker.stop()
        loop.join(5)
    assert not loop.is_alive()


def test_an_exclusive_job_pauses_training_until_it_ends_and_a_shared_one_does_not():
    worker, loop, reports = _run_worker()
    try:
        worker.play()
        wait_for(lambda: worker.call(lambda s: s.step_count) > 5)
        shared = worker.start_job(CountingJob(30))
        wait_for(lambda: any(r.done and r.job_id == shared for r in reports))
        assert worker._playing  # a shared job trains on beside training
        exclusive = worker.start_job(CountingJob(10**9, exclusive=True))
        wait_for(lambda: not worker._playing)
        worker.play()  # refused while the exclusive job runs
        paused_at = worker.call(lambda s: s.step_count)
        time.sleep(0.1)
        assert worker.call(lambda s: s.step_count) == paused_at
        worker.cancel_job(exclusive)
        wait_for(lambda: any(r.cancelled for r in reports))
        worker.play()
        wait_for(lambda: worker.call(lambda s: s.step_count) > paused_at)
    finally:
        worker.stop()
        loop.join(5)
    assert not loop.is_alive()


def test_steps_fall_due_on_a_fixed_beat_and_make_up_at_most_a_little_lost_time():
    """The worker's timetable at a set speed, on a made-up clock (benchmarks/speed_control.py
    measures the real rate)."""
    config = presets.data_config()
    data = prepare(config)
    worker = TrainingWorker(TrainingSession(presets.network_spec(config), data))
    worker._set_speed(10.0)
    assert worker._next_step_time(5.0, now=5.02) == pytest.approx(5.1)  # on the beat
    assert worker._next_step_time(5.0, now=5.09) == pytest.approx(5.1)  # late: no drift
    assert worker._next_step_time(5.0, now=9.0) == pytest.approx(9.0 - RATE_CATCH_UP_S)
    worker._set_speed(None)
    assert worker._next_step_time(5.0, now=9.0) == 0.0  # full speed: no timetable


def test_a_busy_gui_finds_the_worker_stopped_between_two_steps_and_then_it_trains_on():
    worker, loop, _ = _run_worker()
    try:
        worker.play()
        session = worker.session
        wait_for(lambda: session.step_count > 20)
        for _ in range(5):
            worker.set_gui_busy(True)  # returns once the worker has finished its step
            stopped_at = session.step_count
            time.sleep(0.02)  # the GUI thread draws
            assert session.step_count == stopped_at  # not one step meanwhile
            worker.set_gui_busy(False)
            wait_for(lambda stopped_at=stopped_at: session.step_count > stopped_at + 5)
    finally:
        worker.stop()
        loop.join(TIMEOUT_S)
    assert not loop.is_alive()
    assert worker._parked.is_set()  # an ended worker runs nothing: a frame waits for nothing


def test_a_step_failing_at_full_speed_stops_training_says_why_and_logs_the_traceback(caplog):
    """The flat-out loop, ending on an error in a step (not a divergence): it pauses, the
    message names the error, the log has its traceback, and the steps before it count."""
    worker, loop, _ = _run_worker()
    failures: list[str] = []
    worker.failed.connect(failures.append, Qt.ConnectionType.DirectConnection)
    session = worker.session
    real_step = session.step

    def step_until_broken() -> float:
        if session.step_count == 30:
            raise RuntimeError("a broken layer")
        return real_step()

    session.step = step_until_broken
    try:
        with caplog.at_level(logging.ERROR, logger="nnviz"):
            worker.play()
            wait_for(lambda: bool(failures))
            wait_for(lambda: not worker.call(lambda s: worker._playing))
    finally:
        worker.stop()
        loop.join(TIMEOUT_S)
    assert failures == ["Training stopped: a broken layer"]
    assert session.step_count == 30
    assert "A training step failed" in caplog.text
    assert "RuntimeError: a broken layer" in caplog.text  # the traceback, not just str(exc)
