"""Background jobs: long computations the training worker runs in slices between steps.

A landscape grid refined pass by pass, or a sweep of many short trainings, must not block
the worker's commands (pause, an edit, Cancel) nor the snapshots. A job does a slice of its
work at a time in :meth:`BackgroundJob.advance`, with the worker's session at hand, and
reports what it has so far as an immutable value the GUI may keep.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from nnviz.live.session import TrainingSession


@dataclass(frozen=True)
class JobReport:
    """What a job has so far: ``progress`` in [0, 1], ``result`` (immutable, job-specific),
    ``done`` once it finished, ``error`` (a message) if it failed, ``cancelled``."""

    job_id: int
    name: str
    progress: float
    result: Any = None
    done: bool = False
    error: str | None = None
    cancelled: bool = False


class BackgroundJob(ABC):
    """One long computation, done in slices by the training worker (never the GUI).

    ``advance`` is called repeatedly, between training steps, each time with a time budget;
    it returns True when the job is finished. ``report`` may be called after any slice.
    A job that raises is ended and its error reported; the session must be left as found
    (a job that trains copies the weights it needs, it never trains the session's model).
    """

    name = "job"
    # Whether the worker pauses training while the job runs (a sweep uses the whole
    # worker; a landscape shares it with training).
    exclusive = False

    def __init__(self) -> None:
        self.job_id = 0

    @abstractmethod
    def advance(self, session: TrainingSession, budget_s: float) -> bool:
        """Work for about ``budget_s`` seconds; True when there is nothing left to do."""

    @abstractmethod
    def progress(self) -> float:
        """How much is done, in [0, 1]."""

    @abstractmethod
    def result(self) -> Any:
        """What is computed so far (immutable: the GUI keeps it)."""

    def report(
        self, done: bool = False, error: str | None = None, cancelled: bool = False
    ) -> JobReport:
        return JobReport(
            job_id=self.job_id,
            name=self.name,
            progress=1.0 if done and error is None and not cancelled else self.progress(),
            result=self.result(),
            done=done or error is not None or cancelled,
            error=error,
            cancelled=cancelled,
        )
