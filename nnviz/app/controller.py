"""The training controller: owns the one worker and its thread, in the GUI thread.

Worker signals connect to this object's slots (it lives in the GUI thread), never to
lambdas, which would run in the worker's thread. Commands go to the worker's thread-safe
methods. Stopping sets the worker's flag, quits the thread and waits for it, so nothing
hangs and no ``QThread`` is destroyed while running.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QAbstractEventDispatcher, QObject, QThread, QTimer, Signal, Slot

from nnviz.app.document import NetworkDocument
from nnviz.app.worker import TrainingWorker
from nnviz.live.jobs import BackgroundJob, JobReport
from nnviz.live.session import TrainingSession
from nnviz.live.snapshot import TrainingSnapshot
from nnviz.live.workspace import Edit

STOP_TIMEOUT_MS = 5000
# How long one thread may hold the interpreter lock while another waits for it (Python's
# default is 5 ms). Every redraw takes and releases the lock many times; with the worker
# training flat out, 5 ms per hand-over made redraws and timers late by hundreds of ms.
GIL_SWITCH_INTERVAL_S = 0.001
GC_INTERVAL_S = 0.5  # how often the GUI thread runs Python's cycle collector (see below)

_gui_thread_gc: GarbageCollector | None = None


def collect_garbage_in_gui_thread() -> None:
    """Run Python's cycle collector only in the GUI thread, on a timer (once per process).

    The collector runs in whichever thread happens to allocate. In the training thread it
    destroyed Qt widgets left in reference cycles (a closed window's menus) there, and the
    destructor deadlocked against the GUI thread (a CI run hung this way); Qt objects
    must die in the thread they live in. pyqtgraph's ``GarbageCollector`` turns automatic
    collection off and collects each generation from a GUI timer as its threshold fills.
    """
    global _gui_thread_gc
    if _gui_thread_gc is None:
        _gui_thread_gc = GarbageCollector(interval=GC_INTERVAL_S)


class TrainingController(QObject):
    """Starts, drives and stops training on a worker thread for ``document``'s network.

    Signals: ``snapshotReady(TrainingSnapshot)``, ``message(str)`` (status bar),
    ``failed(str)`` (errors to show), ``playingChanged(bool)``, ``jobReported(JobReport)``
    (progress and end of background jobs started with :meth:`start_job`).
    """

    snapshotReady = Signal(object)
    message = Signal(str)
    failed = Signal(str)
    playingChanged = Signal(bool)
    restarted = Signal()
    jobReported = Signal(object)

    def __init__(self, document: NetworkDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.worker: TrainingWorker | None = None
        self.training_thread: QThread | None = None
        self.latest: TrainingSnapshot | None = None
        self.snapshots_received = 0
        self._playing = False
        self._run_options = (0, 0)
        self._speed: float | None = None
        self._focus_layer = 0
        self._views_drawn = True
        document.editApplied.connect(self._on_edit_applied)
        document.editUndone.connect(self._on_edit_undone)
        document.editRedone.connect(self._on_edit_redone)
        document.editsMerged.connect(self._on_edits_merged)
        document.editsForgotten.connect(self._on_edits_forgotten)
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL_S))
        collect_garbage_in_gui_thread()
        # Told when the GUI thread is about to sleep, only while a frame holds the worker:
        # the event loop is about to block hundreds of times a second.
        self._dispatcher = QAbstractEventDispatcher.instance()
        self._waiting_for_idle = False

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def session(self) -> TrainingSession | None:
        return self.worker.session if self.worker is not None else None

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def is_running(self) -> bool:
        return self.training_thread is not None and self.training_thread.isRunning()

    def start(self, session: TrainingSession) -> None:
        """(Re)start the worker on ``session`` (paused)."""
        self.stop()
        worker = TrainingWorker(session)
        thread = QThread()
        thread.setObjectName("nnviz-training")
        worker.moveToThread(thread)
        worker.snapshotAvailable.connect(self._on_snapshot_available)
        worker.message.connect(self._on_message)
        worker.failed.connect(self._on_failed)
        worker.editFailed.connect(self._on_edit_failed)
        worker.playingChanged.connect(self._on_playing_changed)
        worker.jobReported.connect(self._on_job_reported)
        thread.started.connect(worker.run)
        self.worker, self.training_thread = worker, thread
        self.latest = None
        worker.set_run_options(*self._run_options)
        worker.set_speed(self._speed)
        worker.set_focus_layer(self._focus_layer)
        thread.start()
        self.restarted.emit()

    def stop(self) -> bool:
        """Stop the worker and its thread; True when it ended within the timeout."""
        worker, thread = self.worker, self.training_thread
        if worker is None or thread is None:
            return True
        worker.stop()
        thread.quit()
        finished = thread.wait(STOP_TIMEOUT_MS)
        for signal, slot in (
            (worker.snapshotAvailable, self._on_snapshot_available),
            (worker.message, self._on_message),
            (worker.failed, self._on_failed),
            (worker.editFailed, self._on_edit_failed),
            (worker.playingChanged, self._on_playing_changed),
            (worker.jobReported, self._on_job_reported),
        ):
            signal.disconnect(slot)
        self.worker, self.training_thread = None, None
        self._on_playing_changed(False)
        return bool(finished)

    # -- commands -----------------------------------------------------------------------
    def play(self) -> None:
        if self.worker:
            self.worker.play()

    def pause(self) -> None:
        if self.worker:
            self.worker.pause()

    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def step_batch(self) -> None:
        if self.worker:
            self.worker.step_batch()

    def step_epoch(self) -> None:
        if self.worker:
            self.worker.step_epoch()

    def reset(self) -> None:
        if self.worker:
            self.worker.reset(same_initial=False)

    def reset_to_initial(self) -> None:
        if self.worker:
            self.worker.reset(same_initial=True)

    def call(self, function: Callable[[TrainingSession], Any]) -> Any:
        """``function(session)`` run between two training steps; its result."""
        if self.worker is None:
            raise RuntimeError("training has not started")
        if not self.is_running:
            return function(self.worker.session)
        return self.worker.call(function)

    def start_job(self, job: BackgroundJob) -> int:
        """Run ``job`` on the training thread; returns its id (0: no worker to run it)."""
        return self.worker.start_job(job) if self.worker else 0

    def cancel_job(self, job_id: int) -> None:
        if self.worker:
            self.worker.cancel_job(job_id)

    def set_run_options(self, epochs: int, patience: int) -> None:
        self._run_options = (int(epochs), int(patience))
        if self.worker:
            self.worker.set_run_options(*self._run_options)

    def set_speed(self, max_steps_per_second: float | None) -> None:
        self._speed = max_steps_per_second
        if self.worker:
            self.worker.set_speed(max_steps_per_second)

    def set_focus_layer(self, index: int) -> None:
        self._focus_layer = int(index)
        if self.worker:
            self.worker.set_focus_layer(self._focus_layer)

    # -- slots (GUI thread) ---------------------------------------------------------------
    @Slot()
    def hold_worker_for_frame(self) -> None:
        """The frame clock starts drawing: the worker pauses between two steps (see
        TrainingWorker.set_gui_busy) until the views have drawn. A zero timer fires once
        the repaints they cause are done, then the next aboutToBlock lets it go on."""
        if self.worker is None:
            return
        self.worker.set_gui_busy(True)
        self._views_drawn = False
        QTimer.singleShot(0, self._on_views_drawn)
        if self._dispatcher is not None and not self._waiting_for_idle:
            self._dispatcher.aboutToBlock.connect(self._on_gui_idle)
            self._waiting_for_idle = True

    @Slot()
    def _on_views_drawn(self) -> None:
        self._views_drawn = True

    @Slot()
    def _on_gui_idle(self) -> None:
        if not self._views_drawn:
            return
        if self.worker is not None:
            self.worker.set_gui_busy(False)
        if self._waiting_for_idle:
            self._dispatcher.aboutToBlock.disconnect(self._on_gui_idle)
            self._waiting_for_idle = False

    @Slot(int, object)
    def _on_edit_applied(self, key: int, edit: Edit) -> None:
        if self.worker:
            self.worker.apply_edit(key, edit)

    @Slot(int)
    def _on_edit_undone(self, key: int) -> None:
        if self.worker:
            self.worker.undo_edit(key)

    @Slot(int)
    def _on_edit_redone(self, key: int) -> None:
        if self.worker:
            self.worker.redo_edit(key)

    @Slot(int, int)
    def _on_edits_merged(self, key: int, later: int) -> None:
        if self.worker:
            self.worker.merge_edits(key, later)

    @Slot(object)
    def _on_edits_forgotten(self, keys: list[int]) -> None:
        if self.worker:
            self.worker.forget_edits(keys)

    @Slot(int, str)
    def _on_edit_failed(self, key: int, text: str) -> None:
        """The worker could not apply edit ``key``: take it off the stack (the network
        stays as it was) and say why."""
        stack = self.document.undo_stack
        index = stack.index() - 1
        command = stack.command(index) if index >= 0 else None
        if command is not None and getattr(command, "key", None) == key:
            command.setObsolete(True)
            stack.undo()
        self.failed.emit(f"Could not make this change: {text}")

    @Slot()
    def _on_snapshot_available(self) -> None:
        worker = self.worker
        snapshot = worker.take_snapshot() if worker else None
        if snapshot is None:
            return
        self.latest = snapshot
        self.snapshots_received += 1
        self.snapshotReady.emit(snapshot)

    @Slot(str)
    def _on_message(self, text: str) -> None:
        self.message.emit(text)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.failed.emit(text)

    @Slot(object)
    def _on_job_reported(self, report: JobReport) -> None:
        self.jobReported.emit(report)

    @Slot(bool)
    def _on_playing_changed(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playingChanged.emit(playing)
