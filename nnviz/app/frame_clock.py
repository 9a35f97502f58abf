"""The frame clock: the one place that decides when views redraw.

Each view registers a *visible* test (hidden docks and tabs cost nothing), a *key* — a
cheap summary of the snapshot fields it reads, so it redraws only when that changes — and
the least time between two of its redraws while training. A frame draws the views that
are due, the most overdue first, within a time budget while training (a view's mean cost
counts against it; the first view always draws).

While training, frames come with the snapshots (at most the worker's publish rate, below
the display rate): a view whose interval has passed draws with the next snapshot, so the
frames are few and full. One timer at the display rate serves the views that must not
wait for one: a view just shown catches up on the next frame, whatever its interval; a
view the budget put off draws in the next frames. While paused the intervals do not
apply: every visible view shows the latest snapshot at once.

Every redraw holds the interpreter lock the training thread needs, so the clock records
what each redraw costs (CPU time of the GUI thread, ``costs()``) and says when a frame
starts drawing (``frameStarted``) so the worker can step aside for it.

While training flat out (``full_speed``), whatever the GUI thread does is taken from
training. The clock then keeps the GUI thread's share of the time (its CPU time: redraws,
painting, events) near :data:`GUI_SHARE_TARGET`: when it is above, the views that have an
interval redraw less often (``stretch`` multiplies their intervals, up to
:data:`MAX_STRETCH`); below, they speed up again. Views with no interval (the main
animation) keep every frame. With a few views open, or on a fast computer, nothing changes;
with every view open on a slow one, the side views slow down instead of the training.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from nnviz.live.snapshot import TrainingSnapshot

logger = logging.getLogger(__name__)

DISPLAY_RATE_HZ = 60.0
# Python time the views may take per frame. Their painting comes on top, often as much
# again: a small budget spreads the slow views over successive frames, so that no frame
# keeps the GUI thread (and a timer due meanwhile) long. Measured with app_speed: 6 ms
# gave a 10 ms timer's p99 lateness of 20-22 ms, 2 ms 15-17 ms, 1 ms 12-14 ms, with the
# same training speed.
FRAME_BUDGET_S = 0.001
COSTS_KEPT = 1000  # redraw durations kept per view for the cost figures
# While training flat out: the share of the time the GUI thread may take (its CPU time over
# the clock's), how often the clock measures it (seconds), and how far it may stretch the
# intervals of the views that have one, by STRETCH_STEP at each measure. With 12%, every
# view open and 4x, app_speed measured the GUI thread busy 13% of a whole run, ramp included.
GUI_SHARE_TARGET = 0.12
LOAD_WINDOW_S = 0.5
MAX_STRETCH = 4.0
STRETCH_STEP = 1.5
# How long a view's "is it on screen?" answer holds (asking Qt costs a region's worth of
# work per view and frame); showing a dock or a tab wakes the clock, which asks anew.
VISIBILITY_CHECK_S = 0.25

Key = Callable[[TrainingSnapshot], Hashable | None]


def is_shown(widget: QWidget) -> bool:
    """Whether any of ``widget`` is on screen. (A dock whose tab is not the current one
    stays "visible" to Qt, with an empty visible region.)"""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def history_key(array: np.ndarray | None) -> tuple[int, int] | None:
    """A key for an append-only history view: which buffer it looks into, and how much
    of it. (The buffer's id is safe in a key: the clock keeps the drawn snapshot alive.)"""
    if array is None:
        return None
    root = array.base if array.base is not None else array
    return id(root), len(array)


def identity_key(value: object) -> int | None:
    """A key for data made anew with every snapshot (weights, grids): the object itself."""
    return None if value is None else id(value)


@dataclass(frozen=True)
class FrameCost:
    """What one view's redraws cost: how many, and their mean and 95th percentile (ms)."""

    draws: int
    mean_ms: float
    p95_ms: float


@dataclass(eq=False)
class ClockedView:
    """A view registered with the clock, and what the clock knows about it."""

    name: str
    draw: Callable[[TrainingSnapshot], None]
    visible: Callable[[], bool]
    key: Key
    interval_s: float
    drawn_key: Hashable | None = None
    # The snapshot this view shows. Holding it keeps the objects whose ids a key may
    # contain alive, so a new object can never reuse such an id.
    shown: TrainingSnapshot | None = None
    checked: TrainingSnapshot | None = None  # the newest snapshot found to change nothing
    # Draw on the next frame rather than with the next snapshot: never drawn, just shown,
    # or put off by the budget.
    urgent: bool = True
    drawn_at: float = -math.inf
    seen_visible: bool = False
    seen_at: float = -math.inf  # when ``visible()`` last answered
    draws: int = 0
    durations: deque[float] = field(default_factory=lambda: deque(maxlen=COSTS_KEPT))

    @property
    def mean_cost(self) -> float:
        return sum(self.durations) / len(self.durations) if self.durations else 0.0


class FrameClock(QObject):
    """Draws registered views from one timer; see the module docstring.

    ``frameStarted()`` is emitted once per frame, just before the first view draws.
    ``frames`` counts the frames that drew at least one view. ``now`` is the clock the
    intervals are measured with and ``cpu`` the GUI thread's CPU time (seconds; tests pass
    their own). ``full_speed``: training runs flat out (see the module docstring);
    ``gui_share`` is the share last measured then."""

    frameStarted = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        rate_hz: float = DISPLAY_RATE_HZ,
        budget_s: float = FRAME_BUDGET_S,
        now: Callable[[], float] = time.perf_counter,
        cpu: Callable[[], float] = time.thread_time,
    ) -> None:
        super().__init__(parent)
        self.budget_s = budget_s
        self._now = now
        self._cpu = cpu
        self.full_speed = False
        self.stretch = 1.0
        self.gui_share: float | None = None
        self._load_mark: tuple[float, float] | None = None  # (now, cpu) of the last look
        self.frame_period_s = 1.0 / rate_hz
        self.frames = 0
        self._views: list[ClockedView] = []
        self._snapshot: TrainingSnapshot | None = None
        self._framed: TrainingSnapshot | None = None  # the snapshot of the last frame
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000.0 * self.frame_period_s))
        self._timer.timeout.connect(self.tick)

    # -- set-up -------------------------------------------------------------------------
    def register(
        self,
        name: str,
        draw: Callable[[TrainingSnapshot], None],
        *,
        visible: Callable[[], bool],
        key: Key,
        interval_s: float = 0.0,
    ) -> None:
        """Draw ``draw(snapshot)`` when ``visible()`` and ``key(snapshot)`` differs from the
        key last drawn, at most every ``interval_s`` while training. ``key`` returns a
        hashable summary of what the view reads (``None``: the snapshot has nothing for it).
        """
        if any(view.name == name for view in self._views):
            raise ValueError(f"a view named {name!r} is already registered")
        self._views.append(ClockedView(name, draw, visible, key, interval_s))

    @property
    def view_names(self) -> list[str]:
        return [view.name for view in self._views]

    @property
    def snapshot(self) -> TrainingSnapshot | None:
        """The newest snapshot handed to the clock."""
        return self._snapshot

    @property
    def running(self) -> bool:
        """Whether the timer runs (a view waits to be drawn before the next snapshot)."""
        return self._timer.isActive()

    def draws(self, name: str) -> int:
        """How many times the view ``name`` has been drawn."""
        return self._view(name).draws

    def costs(self) -> dict[str, FrameCost]:
        """Each view's redraw cost over its last :data:`COSTS_KEPT` redraws."""
        out = {}
        for view in self._views:
            durations = np.array(view.durations) * 1000.0
            out[view.name] = FrameCost(
                view.draws,
                float(durations.mean()) if len(durations) else 0.0,
                float(np.percentile(durations, 95)) if len(durations) else 0.0,
            )
        return out

    def reset_costs(self) -> None:
        for view in self._views:
            view.durations.clear()

    def _view(self, name: str) -> ClockedView:
        for view in self._views:
            if view.name == name:
                return view
        raise KeyError(name)

    # -- input --------------------------------------------------------------------------
    @Slot(object)
    def set_snapshot(self, snapshot: TrainingSnapshot) -> None:
        """A new snapshot: a frame at once. (They come at most at the worker's publish
        rate, below the display rate.)"""
        self._snapshot = snapshot
        self.tick()

    @Slot()
    @Slot(bool)
    def wake(self, *_: object) -> None:
        """Something may have become visible (a dock shown, a tab raised): check on the
        next frame. Connect visibility signals here."""
        for view in self._views:
            view.seen_at = -math.inf
        if self._snapshot is not None and not self._timer.isActive():
            self._timer.start()

    def invalidate(self, name: str | None = None) -> None:
        """Redraw view ``name`` (all views: ``None``) with the next frame, even if its
        key did not change (e.g. after the view was cleared directly)."""
        for view in self._views:
            if name is None or view.name == name:
                view.drawn_key = view.checked = None
                view.urgent = True
        self.wake()

    # -- frames -------------------------------------------------------------------------
    @Slot()
    def tick(self) -> None:
        """One frame: draw the due views, the most overdue first, within the budget
        (while training; paused, all at once).

        While training, views draw when a snapshot arrives (a view whose interval has not
        passed waits for a later one), so the frames are few and full: each pauses the
        worker. The timer runs only while an urgent view (just shown, never drawn, or put
        off by the budget) waits for its turn."""
        snapshot = self._snapshot
        if snapshot is None:
            self._timer.stop()
            return
        fresh = snapshot is not self._framed
        self._framed = snapshot
        playing = snapshot.playing
        now = self._now()
        self._govern(now, playing and self.full_speed)
        due: list[tuple[float, ClockedView, Hashable]] = []
        waiting = False  # an urgent view waits for its turn: keep the timer running
        for view in self._views:
            if view.checked is snapshot or (playing and not (fresh or view.urgent)):
                continue  # drawn, or will be with the next snapshot
            if now - view.seen_at >= VISIBILITY_CHECK_S:
                view.seen_visible, view.seen_at = view.visible(), now
            if not view.seen_visible:
                view.urgent = True  # catch up as soon as it shows
                continue
            key = view.key(snapshot)
            if key == view.drawn_key:
                view.checked = snapshot
                continue
            since = now - view.drawn_at
            interval = view.interval_s * self.stretch
            if playing and not view.urgent and since < interval:
                continue
            due.append((since / max(interval, self.frame_period_s), view, key))
        due.sort(key=lambda item: item[0], reverse=True)
        spent = 0.0
        for _, view, key in due:
            # paused, every view shows the latest at once: no training to make room for
            if playing and spent and spent + view.mean_cost > self.budget_s:
                view.urgent = True
                waiting = True
                continue
            if not spent:
                self.frameStarted.emit()
                self.frames += 1
            spent += self._draw(view, snapshot, key)
        if waiting:
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()

    def _govern(self, now: float, training_flat_out: bool) -> None:
        """Every :data:`LOAD_WINDOW_S` while training flat out, measure the GUI thread's
        share of the time since the last look and stretch or shrink the intervals."""
        if not training_flat_out:  # a pause or a set speed: the views at their own pace
            self._load_mark = self.gui_share = None
            self.stretch = 1.0
            return
        if self._load_mark is None:
            self._load_mark = (now, self._cpu())
            return
        since, cpu_then = self._load_mark
        if now - since < LOAD_WINDOW_S:
            return
        cpu = self._cpu()
        share = (cpu - cpu_then) / (now - since)
        if self.gui_share is not None:  # smoothed: a slow view drawn or not in a window
            share = (share + self.gui_share) / 2
        self.gui_share = share
        if share > GUI_SHARE_TARGET:
            self.stretch = min(self.stretch * STRETCH_STEP, MAX_STRETCH)
        elif share < 0.75 * GUI_SHARE_TARGET:
            self.stretch = max(self.stretch / STRETCH_STEP, 1.0)
        self._load_mark = (now, cpu)

    def _draw(self, view: ClockedView, snapshot: TrainingSnapshot, key: Hashable) -> float:
        # CPU time of this thread: what the redraw costs, not how long it waited for the
        # interpreter lock or for a core.
        start = time.thread_time()
        try:
            view.draw(snapshot)
        except Exception:  # one broken view must not stop the others
            logger.exception("Could not draw the view %r", view.name)
        cost = time.thread_time() - start
        view.drawn_key, view.shown, view.checked = key, snapshot, snapshot
        view.urgent = False
        view.drawn_at = self._now()
        view.draws += 1
        view.durations.append(cost)
        return max(cost, 1e-9)
