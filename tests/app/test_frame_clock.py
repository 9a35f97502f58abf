"""The frame clock on its own, with fake views that record what they draw."""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterator

import pytest

from nnviz.app.frame_clock import (
    GUI_SHARE_TARGET,
    LOAD_WINDOW_S,
    MAX_STRETCH,
    FrameClock,
    history_key,
)
from nnviz.live.series import DecimatedSeries
from nnviz.live.snapshot import TrainingSnapshot


class FakeView:
    """Records the step of every snapshot it draws; reads only ``snapshot.step``."""

    def __init__(self, clock: FrameClock, name: str, interval_s: float = 0.0) -> None:
        self.name = name
        self.shown = True
        self.drawn: list[int] = []
        self.log: list[str] | None = None
        clock.register(name, self.draw, visible=self.visible, key=self.key, interval_s=interval_s)

    def visible(self) -> bool:
        return self.shown

    def key(self, snapshot: TrainingSnapshot) -> Hashable:
        return snapshot.step

    def draw(self, snapshot: TrainingSnapshot) -> None:
        self.drawn.append(snapshot.step)
        if self.log is not None:
            self.log.append(self.name)


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(qtbot) -> Iterator[FrameClock]:
    clock = FrameClock(now=FakeTime(), cpu=FakeTime())
    yield clock
    clock._timer.stop()


def run_for(clock: FrameClock, seconds: float, gui_share: float, step: int) -> int:
    """Snapshots at 30 a second for ``seconds`` while the GUI thread is busy ``gui_share``
    of the time; returns the next step."""
    for _ in range(round(seconds * 30)):
        clock._now.t += 1 / 30
        clock._cpu.t += gui_share / 30
        clock.set_snapshot(playing(step))
        step += 1
    return step


def playing(step: int) -> TrainingSnapshot:
    return TrainingSnapshot(step=step, playing=True)


def test_hidden_views_are_not_drawn_and_unchanged_data_is_not_redrawn(clock):
    shown, hidden = FakeView(clock, "shown"), FakeView(clock, "hidden")
    hidden.shown = False
    clock.set_snapshot(playing(1))  # the clock was idle: drawn at once
    assert shown.drawn == [1] and hidden.drawn == []
    clock.tick()
    clock.tick()
    assert shown.drawn == [1]  # same key: not drawn again
    clock.set_snapshot(playing(1))  # a new snapshot whose data did not change
    clock.tick()
    assert shown.drawn == [1]
    clock.set_snapshot(playing(2))
    clock.tick()
    assert shown.drawn == [1, 2] and hidden.drawn == []
    assert clock.draws("shown") == 2 and clock.draws("hidden") == 0
    assert clock.frames == 2


def test_a_view_that_becomes_visible_catches_up_on_the_next_frame(clock):
    view = FakeView(clock, "view", interval_s=1.0)
    clock.set_snapshot(playing(1))
    assert view.drawn == [1]
    view.shown = False
    clock.wake()  # from its dock's visibilityChanged
    for step in range(2, 5):
        clock._now.t += 0.01
        clock.set_snapshot(playing(step))
    assert view.drawn == [1]
    assert not clock.running  # nothing visible waits: no frames between snapshots
    view.shown = True
    clock.wake()  # e.g. from its dock's visibilityChanged
    assert clock.running
    clock.tick()
    assert view.drawn == [1, 4]  # at once, although its interval has not passed


def test_visibility_is_asked_at_most_every_quarter_second_unless_the_clock_is_woken(clock):
    view = FakeView(clock, "view")
    asked = []
    view.visible = lambda: asked.append(clock._now.t) or view.shown
    clock._views[0].visible = view.visible
    for step in range(1, 6):
        clock.set_snapshot(playing(step))
        clock._now.t += 0.1
    assert asked == pytest.approx([100.0, 100.3])  # Qt's answer holds for VISIBILITY_CHECK_S
    assert view.drawn == [1, 2, 3, 4, 5]
    view.shown = False
    clock.wake()  # a dock hidden or a tab changed: asked again at once
    clock.set_snapshot(playing(6))
    assert len(asked) == 3 and view.drawn == [1, 2, 3, 4, 5]


def test_due_views_draw_most_overdue_first_within_the_budget(clock):
    order: list[str] = []
    views = [
        FakeView(clock, "a", interval_s=0.1),
        FakeView(clock, "b", interval_s=0.2),
        FakeView(clock, "c", interval_s=0.05),
    ]
    for view in views:
        view.log = order
    clock.set_snapshot(playing(1))
    assert order == ["a", "b", "c"]  # all due, budget not yet known: everyone draws
    order.clear()
    clock._now.t += 0.3  # overdue by 3x (a), 1.5x (b), 6x (c)
    clock.budget_s = 0.0  # one view per frame
    clock.set_snapshot(playing(2))
    for _ in range(4):
        clock.tick()
    assert order == ["c", "a", "b"]
    order.clear()
    clock._now.t += 0.3
    clock.set_snapshot(TrainingSnapshot(step=3, playing=False))  # paused: all in one frame
    assert sorted(order) == ["a", "b", "c"]


def test_intervals_hold_views_back_while_training_but_not_while_paused(clock):
    fast, slow = FakeView(clock, "fast"), FakeView(clock, "slow", interval_s=0.2)
    clock.set_snapshot(playing(1))
    clock._now.t += 0.05
    clock.set_snapshot(playing(2))
    clock.tick()
    assert fast.drawn == [1, 2] and slow.drawn == [1]
    assert not clock.running  # slow waits for a later snapshot: no frames in between
    clock._now.t += 0.2
    clock.tick()
    assert slow.drawn == [1]  # due, but waits for fresh data to share a frame with fast
    clock.set_snapshot(playing(3))
    assert fast.drawn == [1, 2, 3] and slow.drawn == [1, 3]
    assert clock.frames == 3
    clock._now.t += 0.01
    clock.set_snapshot(TrainingSnapshot(step=4, playing=False))
    assert fast.drawn[-1] == 4 and slow.drawn[-1] == 4  # paused: every view at once


def test_a_failing_view_is_logged_and_the_others_still_draw(clock, caplog):
    def broken(snapshot: TrainingSnapshot) -> None:
        raise RuntimeError("boom")

    clock.register("broken", broken, visible=lambda: True, key=lambda s: s.step)
    good = FakeView(clock, "good")
    clock.budget_s = 1.0  # (logging the traceback takes a while: both in one frame)
    with caplog.at_level(logging.ERROR, logger="nnviz"):
        clock.set_snapshot(playing(1))
    assert good.drawn == [1]
    assert "broken" in caplog.text and "RuntimeError: boom" in caplog.text  # the traceback


def test_invalidate_redraws_with_the_same_data_and_costs_are_recorded(clock):
    view = FakeView(clock, "view")
    clock.set_snapshot(playing(1))
    clock.invalidate("view")
    clock.tick()
    assert view.drawn == [1, 1]
    cost = clock.costs()["view"]
    assert cost.draws == 2 and cost.mean_ms >= 0.0 and cost.p95_ms >= 0.0
    with pytest.raises(ValueError):
        FakeView(clock, "view")


def test_history_key_follows_appends_truncation_and_compaction():
    series = DecimatedSeries(budget=16)
    series.append(1, 1.0)
    drawn = series.view()[1]  # the clock keeps the drawn snapshot, and so this view, alive
    first = history_key(drawn)
    assert history_key(series.view()[1]) == first
    series.append(2, 2.0)
    second = series.view()[1]
    assert history_key(second) != first
    series.truncate(1)
    series.append(2, 5.0)
    assert history_key(series.view()[1]) != history_key(second)  # same length, new buffer
    for step in range(3, 40):
        series.append(step, 1.0)
    full = series.view()[1]
    series.append(40, 1.0)
    assert len(series) <= 16 and history_key(series.view()[1]) != history_key(full)
    assert history_key(None) is None


def test_flat_out_a_busy_gui_thread_slows_the_views_with_an_interval(clock):
    """Training flat out with the GUI thread busy 30% of the time: the views that have an
    interval redraw less and less often (at most MAX_STRETCH times), the main animation
    keeps every snapshot; once the GUI thread is light again they speed up; at a set
    speed the intervals are as registered."""
    # 0.09 s: every third snapshot; stretched, every ceil(0.09 * stretch * 30)th
    main, side = FakeView(clock, "main"), FakeView(clock, "side", interval_s=0.09)
    clock.full_speed = True
    step = run_for(clock, 1.0, 0.03, 1)
    assert clock.stretch == 1.0 and len(side.drawn) == pytest.approx(10, abs=1)
    step = run_for(clock, 5.0, 0.30, step)
    assert clock.gui_share > GUI_SHARE_TARGET and clock.stretch == MAX_STRETCH
    drawn = len(side.drawn)
    step = run_for(clock, 2.0, 0.30, step)
    assert len(side.drawn) - drawn == pytest.approx(60 / math.ceil(2.7 * MAX_STRETCH), abs=1)
    assert main.drawn == list(range(1, step))  # every snapshot
    step = run_for(clock, 5.0, 0.02, step)
    assert clock.stretch == 1.0
    drawn = len(side.drawn)
    step = run_for(clock, 1.0, 0.02, step)
    assert len(side.drawn) - drawn == pytest.approx(10, abs=1)
    run_for(clock, 3.0, 0.30, step)
    assert clock.stretch > 1.0
    clock.full_speed = False  # a set speed: the worker has time to spare
    clock.set_snapshot(playing(10_000))
    assert clock.stretch == 1.0 and clock.gui_share is None


def test_the_gui_share_is_measured_over_windows_and_a_pause_does_not_count(clock):
    FakeView(clock, "side", interval_s=0.1)
    clock.full_speed = True
    run_for(clock, 3 * LOAD_WINDOW_S, 0.05, 1)
    assert clock.gui_share == pytest.approx(0.05)
    clock._now.t += 60.0  # paused a minute, the GUI thread idle meanwhile
    clock.set_snapshot(TrainingSnapshot(step=500, playing=False))
    run_for(clock, 3 * LOAD_WINDOW_S, 0.20, 501)
    assert clock.gui_share == pytest.approx(0.20, rel=0.1)
