"""The training worker: runs a :class:`TrainingSession` on its own ``QThread``.

The worker's loop blocks its thread's event loop, so commands do not arrive as queued slot
calls: the GUI thread calls the plain methods below (``play``, ``pause``, ``set_spec``...),
which put a command on a thread-safe queue and wake the loop; the loop applies them between
two steps. Snapshots go the other way, latest wins: the worker keeps only the newest one
and emits ``snapshotAvailable`` only when the GUI has taken the previous one, at most
:data:`PUBLISH_RATE_HZ` times a second.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from nnviz.engine import DivergenceError
from nnviz.live.jobs import BackgroundJob
from nnviz.live.session import TrainingSession
from nnviz.live.snapshot import TrainingSnapshot
from nnviz.live.workspace import Edit, Workspace

logger = logging.getLogger(__name__)

PUBLISH_RATE_HZ = 30.0
# A snapshot of a big network (the cat images) costs milliseconds: publish less often then,
# so that making snapshots takes at most this share of the worker's time.
MAX_SNAPSHOT_SHARE = 0.15
IDLE_WAIT_S = 0.05
BURST_S = 0.005  # longest run of steps between two looks at the commands and the clock
# Longest the worker waits for a busy GUI thread before it takes a step anyway.
MAX_YIELD_S = 0.1
# Longest the GUI thread waits, as a frame starts, for the worker to finish its step.
PARK_WAIT_S = 0.005
RATE_CATCH_UP_S = 0.1  # at a set speed, the most lost time the worker makes up
JOB_SLICE_S = 0.02  # one slice of a background job between two looks at the commands
JOB_REPORT_S = 0.1  # least time between two progress reports of one job


class TrainingWorker(QObject):
    """Trains while playing; applies commands between steps; never touches a widget.

    Signals: ``snapshotAvailable()`` (call :meth:`take_snapshot`), ``message(str)`` for
    the status bar, ``failed(str)`` for errors the user must act on, ``playingChanged``.
    """

    snapshotAvailable = Signal()
    message = Signal(str)
    failed = Signal(str)
    editFailed = Signal(int, str)
    playingChanged = Signal(bool)
    jobReported = Signal(object)

    def __init__(self, session: TrainingSession) -> None:
        super().__init__()
        self.workspace = Workspace(session)
        self._commands: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]]] = (
            queue.SimpleQueue()
        )
        self._wake = threading.Event()
        self._gui_idle = threading.Event()
        self._gui_idle.set()
        # Set while the worker runs no Python: not started, ended, or waiting (for the
        # GUI thread, a command or the next step at a set speed).
        self._parked = threading.Event()
        self._parked.set()
        self._lock = threading.Lock()
        self._latest: TrainingSnapshot | None = None
        self._notified = False
        self._stopping = False
        self._playing = False
        self._steps_left = 0
        self._epochs_target = 0
        self._max_rate: float | None = None
        self._focus_layer = 0
        self._publish_now = True
        self._rate_steps = 0
        self._rate_since = time.monotonic()
        self._steps_per_second = 0.0
        self._jobs: list[BackgroundJob] = []
        self._job_reported_at: dict[int, float] = {}
        self._next_job_id = 0
        self._job_id_lock = threading.Lock()

    # -- commands: safe to call from any thread -----------------------------------------
    def _send(self, function: Callable[..., Any], *args: Any) -> None:
        self._commands.put((function, args))
        self._wake.set()

    def play(self) -> None:
        self._send(self._set_playing, True)

    def pause(self) -> None:
        self._send(self._set_playing, False)

    def step_batch(self) -> None:
        """Train exactly one mini-batch, then pause."""
        self._send(self._queue_steps, 1)

    def step_epoch(self) -> None:
        """Train to the end of the current epoch (a whole epoch from its start), then pause."""
        self._send(self._queue_epoch)

    def reset(self, same_initial: bool = False) -> None:
        """New random weights, or (``same_initial``) the weights training started from."""
        self._send(self._reset, same_initial)

    def apply_edit(self, key: int, edit: Edit) -> None:
        """Apply an edit, keeping the exact states before and after it under ``key``."""
        self._send(self._apply_edit, key, edit)

    def undo_edit(self, key: int) -> None:
        self._send(self._restore_edit, key, True)

    def redo_edit(self, key: int) -> None:
        self._send(self._restore_edit, key, False)

    def merge_edits(self, key: int, later: int) -> None:
        self._send(self.workspace.merge, key, later)

    def forget_edits(self, keys: list[int]) -> None:
        self._send(self.workspace.forget, list(keys))

    def call(self, function: Callable[[TrainingSession], Any], timeout: float = 10.0) -> Any:
        """Run ``function(session)`` between two steps and return its result (blocks the
        calling thread until then; re-raises its exception)."""
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = function(self.session)
            except Exception as exc:
                outcome["error"] = exc
            finally:
                done.set()

        self._send(run)
        if not done.wait(timeout):
            raise TimeoutError("the training thread did not answer in time")
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    def start_job(self, job: BackgroundJob) -> int:
        """Run ``job`` in slices between steps; its reports arrive as ``jobReported``.
        Returns the job's id (for :meth:`cancel_job`). An exclusive job pauses training."""
        with self._job_id_lock:
            self._next_job_id += 1
            job.job_id = self._next_job_id
        self._send(self._start_job, job)
        return job.job_id

    def cancel_job(self, job_id: int) -> None:
        """End the job ``job_id`` now; it reports itself cancelled with what it has."""
        self._send(self._cancel_job, job_id)

    def set_run_options(self, epochs: int, patience: int) -> None:
        """Stop after ``epochs`` (0: run until paused); early stopping after ``patience``
        epochs without a better validation loss (0: off)."""
        self._send(self._set_run_options, epochs, patience)

    def set_speed(self, max_steps_per_second: float | None) -> None:
        """Slow training down to watch it (``None``: as fast as possible)."""
        self._send(self._set_speed, max_steps_per_second)

    def set_focus_layer(self, index: int) -> None:
        """Which dense layer's pre-activations the snapshots' histogram shows."""
        self._send(self._set_focus_layer, index)

    def stop(self) -> None:
        """Make :meth:`run` return after the current step (called before quitting the thread)."""
        self._stopping = True
        self._gui_idle.set()
        self._wake.set()

    def set_gui_busy(self, busy: bool) -> None:
        """The GUI thread is drawing a snapshot (``True``) or about to sleep (``False``).

        Python threads share one interpreter lock: a worker training flat out hands it to
        the GUI thread only every switch interval, and a redraw needs it hundreds of times,
        so redraws crawled. Instead the worker pauses between two steps while the views
        draw (at most :data:`MAX_YIELD_S`) and trains on once the GUI thread sleeps.

        Going busy waits (at most :data:`PARK_WAIT_S`) until the worker has finished its
        step and stopped: drawing while it still runs would hand the lock back and forth,
        the GUI thread waiting up to a switch interval each time."""
        if busy:
            self._gui_idle.clear()
            self._parked.wait(PARK_WAIT_S)
        else:
            self._gui_idle.set()

    @property
    def session(self) -> TrainingSession:
        return self.workspace.session

    def take_snapshot(self) -> TrainingSnapshot | None:
        """The newest snapshot not taken yet (``None`` if there is none)."""
        with self._lock:
            snapshot, self._latest = self._latest, None
            self._notified = False
        return snapshot

    # -- the loop (worker thread) --------------------------------------------------------
    @Slot()
    def run(self) -> None:
        """The training loop (BLAS threads are chosen per layer by the engine)."""
        self._parked.clear()
        try:
            self._loop()
        finally:
            self._parked.set()

    def _loop(self) -> None:
        next_publish = 0.0
        next_step = 0.0
        clock = time.monotonic
        while not self._stopping:
            if self._wake.is_set():
                self._wake.clear()
                self._drain_commands()
                if self._stopping:
                    break
            if not self._gui_idle.is_set():
                self._park(self._gui_idle, MAX_YIELD_S)
            if self._jobs:
                self._advance_job()  # while paused the job has the worker to itself
            now = clock()
            if self._playing and not self._max_rate and not self._steps_left:
                self._train_burst(min(next_publish, now + BURST_S))
            elif self._playing or self._steps_left:
                if self._max_rate and now < next_step:
                    self._park(self._wake, min(next_step - now, IDLE_WAIT_S))
                else:
                    next_step = self._next_step_time(next_step, now)
                    self._train_one_step()
            elif not self._jobs:
                self._park(self._wake, IDLE_WAIT_S)
            now = clock()
            self._measure_rate(now)
            if self._publish_now or (now >= next_publish and (self._playing or self._steps_left)):
                try:
                    cost = self._publish()
                except Exception as exc:  # a view-data bug must not end the thread
                    logger.exception("Could not make a snapshot")
                    self._stop_on_error(f"Could not draw the training state: {exc}")
                    self._publish_now = False
                    continue
                period = max(1.0 / PUBLISH_RATE_HZ, cost / MAX_SNAPSHOT_SHARE)
                # Keep the cadence (a frame published a little late does not push every
                # later one back), unless more than a whole period behind.
                late = now - next_publish
                next_publish = next_publish + period if 0 <= late < period else now + period

    def _park(self, event: threading.Event, timeout: float) -> None:
        """Wait for ``event``, known meanwhile not to run Python (see set_gui_busy)."""
        self._parked.set()
        event.wait(timeout)
        self._parked.clear()

    def _train_burst(self, until: float) -> None:
        """Train until ``until`` (monotonic seconds) or until a command arrives, the GUI
        thread starts drawing or training pauses.

        The loop keeps to local names: each attribute of this QObject goes through
        PySide's attribute lookup (``self.count += 1`` costs 0.5 µs, ten times a plain
        object's), and this loop runs thousands of times a second."""
        wake, gui_idle, clock = self._wake, self._gui_idle, time.monotonic
        session = self.session
        step = session.step
        steps = 0
        try:
            while not wake.is_set() and gui_idle.is_set():
                step()
                steps += 1
                if session.batch_in_epoch == 0:
                    self._on_epoch_end()
                    if not self._playing:
                        return
                if clock() >= until:
                    return
        except Exception as exc:
            self._step_failed(exc)
        finally:
            self._rate_steps += steps

    def _drain_commands(self) -> None:
        while True:
            try:
                function, args = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                function(*args)
            except Exception as exc:  # a bad command must not kill the loop
                logger.exception("The command %s failed", getattr(function, "__name__", function))
                self.failed.emit(f"{exc}")
            self._publish_now = True

    def _train_one_step(self) -> None:
        session = self.session
        try:
            session.step()
        except Exception as exc:
            self._step_failed(exc)
            return
        self._rate_steps += 1
        if self._steps_left:
            self._steps_left -= 1
            if not self._steps_left and not self._playing:
                self._publish_now = True
        if session.batch_in_epoch == 0:
            self._on_epoch_end()

    def _step_failed(self, exc: Exception) -> None:
        if isinstance(exc, DivergenceError):
            logger.warning("Training diverged: %s", exc)
            self._stop_on_error(divergence_message(exc))
        else:
            logger.error("A training step failed", exc_info=exc)
            self._stop_on_error(f"Training stopped: {exc}")

    def _stop_on_error(self, text: str) -> None:
        self._set_playing(False)
        self._steps_left = 0
        self._publish_now = True
        self.failed.emit(text)

    def _on_epoch_end(self) -> None:
        session = self.session
        stop_request = session.take_stop_request()
        if self._epochs_target and session.epoch >= self._epochs_target:
            self._finish(f"Finished {session.epoch} epochs.")
        elif stop_request:
            self._finish(stop_request)

    def _finish(self, text: str) -> None:
        self._steps_left = 0
        self._set_playing(False)
        self._publish_now = True
        self.message.emit(text)

    def _advance_job(self) -> None:
        """One slice of the oldest job (they take turns: a finished one leaves)."""
        job = self._jobs.pop(0)
        try:
            finished = job.advance(self.session, JOB_SLICE_S)
        except Exception as exc:
            logger.exception("The background job %s failed", job.name)
            self._end_job(job, job.report(error=f"{job.name} failed: {exc}"))
            return
        if finished:
            self._end_job(job, job.report(done=True))
            return
        self._jobs.append(job)
        now = time.monotonic()
        if now - self._job_reported_at.get(job.job_id, 0.0) >= JOB_REPORT_S:
            self._job_reported_at[job.job_id] = now
            self.jobReported.emit(job.report())

    def _end_job(self, job: BackgroundJob, report: object) -> None:
        self._job_reported_at.pop(job.job_id, None)
        self.jobReported.emit(report)

    def _start_job(self, job: BackgroundJob) -> None:
        if job.exclusive:
            self._set_playing(False)
        self._jobs.append(job)

    def _cancel_job(self, job_id: int) -> None:
        for job in [j for j in self._jobs if j.job_id == job_id]:
            self._jobs.remove(job)
            self._end_job(job, job.report(cancelled=True))

    def _measure_rate(self, now: float) -> None:
        elapsed = now - self._rate_since
        if elapsed >= 0.5:
            self._steps_per_second = self._rate_steps / elapsed
            self._rate_steps = 0
            self._rate_since = now
        if not (self._playing or self._steps_left) and self._rate_steps == 0:
            self._steps_per_second = 0.0

    def _publish(self) -> float:
        """Make and offer a snapshot; returns how long making it took (seconds)."""
        self._publish_now = False
        start = time.perf_counter()
        snapshot = self.session.snapshot(
            playing=self._playing,
            steps_per_second=self._steps_per_second,
            focus_layer=self._focus_layer,
            epochs_target=self._epochs_target,
        )
        with self._lock:
            self._latest = snapshot
            notify = not self._notified
            self._notified = True
        if notify:
            self.snapshotAvailable.emit()
        return time.perf_counter() - start

    # -- command bodies (worker thread) -------------------------------------------------
    def _set_playing(self, playing: bool) -> None:
        if playing and any(job.exclusive for job in self._jobs):
            self.message.emit("Training waits until the running job ends (or is cancelled).")
            playing = False
        if playing and self._epochs_target and self.session.epoch >= self._epochs_target:
            self._epochs_target = 0  # pressing Play after the target trains on until paused
        if playing != self._playing:
            self._playing = playing
            self._rate_steps = 0
            self._rate_since = time.monotonic()
            self.playingChanged.emit(playing)
        if not playing:
            self._steps_left = 0

    def _queue_steps(self, count: int) -> None:
        self._set_playing(False)
        self._steps_left = count

    def _queue_epoch(self) -> None:
        self._set_playing(False)
        session = self.session
        self._steps_left = session.batches_per_epoch - session.batch_in_epoch

    def _reset(self, same_initial: bool) -> None:
        self._set_playing(False)
        self.session.reset(same_initial=same_initial)
        self.message.emit(
            "Reset to the same initial weights; history cleared."
            if same_initial
            else "Reset: new random weights; history cleared."
        )
        for text in self.session.runs.take_messages():
            self.message.emit(text)

    def _apply_edit(self, key: int, edit: Edit) -> None:
        if edit.data is not None:
            self._set_playing(False)
        try:
            messages = self.workspace.apply(key, edit)
        except Exception as exc:
            logger.exception("edit %s could not be applied", key)
            self.editFailed.emit(key, str(exc))
            return
        for text in messages:
            self.message.emit(text)

    def _restore_edit(self, key: int, before: bool) -> None:
        workspace = self.workspace
        text = workspace.undo(key) if before else workspace.redo(key)
        if text:
            self.message.emit(text)

    def _set_run_options(self, epochs: int, patience: int) -> None:
        self._epochs_target = max(int(epochs), 0)
        self.session.set_patience(max(int(patience), 0))

    def _next_step_time(self, scheduled: float, now: float) -> float:
        """When the step after this one is due at the set rate. Steps fall due on a fixed
        beat, so time lost while the GUI drew (or waiting longer than asked) is made up
        and the rate holds on average (an epoch per second is an epoch per second); after
        a pause or a long stall at most :data:`RATE_CATCH_UP_S` of steps is made up."""
        if not self._max_rate:
            return 0.0
        return max(scheduled + 1.0 / self._max_rate, now - RATE_CATCH_UP_S)

    def _set_speed(self, max_steps_per_second: float | None) -> None:
        self._max_rate = max_steps_per_second if max_steps_per_second else None

    def _set_focus_layer(self, index: int) -> None:
        self._focus_layer = max(int(index), 0)


def divergence_message(exc: DivergenceError) -> str:
    """What to tell the learner when training diverged (the engine says why)."""
    epoch = "" if exc.epoch is None else f" at epoch {exc.epoch + 1}"
    rate = "" if exc.learning_rate is None else f" (it is {exc.learning_rate:g})"
    if exc.reason is not None:
        why = f" {exc.reason[0].upper()}{exc.reason[1:]}."
        restored = "their last good values"
    else:
        why = f" {exc.what[0].upper()}{exc.what[1:]} became NaN or infinite"
        why += "." if exc.layer is None else f", first in layer {exc.layer}."
        restored = "their last finite values"
    return (
        f"The loss diverged{epoch} — lower the learning rate{rate}. Training is paused and "
        f"the weights are back to {restored}.{why}"
    )
