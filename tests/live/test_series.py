"""DecimatedSeries: bounded memory, extremes kept, recent points exact, stable views."""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from nnviz.live.series import DecimatedSeries


def _fill(series: DecimatedSeries, values: np.ndarray, start: int = 0) -> None:
    for i, value in enumerate(values, start):
        series.append(i, value)


def test_a_million_appends_stay_within_budget_and_memory():
    series = DecimatedSeries()
    start = series.nbytes()
    values = np.random.default_rng(0).normal(size=10**6)
    sizes = []
    for chunk in range(10):
        _fill(series, values[chunk * 10**5 : (chunk + 1) * 10**5], chunk * 10**5)
        assert len(series) <= 16384 and series.nbytes() == start
        sizes.append(len(series))
    assert series.count == 10**6 and start == 16384 * 16
    steps, held = series.view()
    assert len(steps) == len(held) == len(series)
    assert np.all(np.diff(steps) >= 0) and steps[-1] == 10**6 - 1
    # One even resolution over the run, not only the recent part: the first half of the
    # run still has thousands of points.
    assert np.count_nonzero(steps < 5 * 10**5) > 2000


def test_global_extremes_survive_decimation_at_their_steps():
    rng = np.random.default_rng(1)
    values = rng.normal(size=200_000)
    values[12_345] = 50.0  # a spike early in the run
    values[77_777] = -40.0
    values[150_001] = 49.0
    series = DecimatedSeries(budget=1024)
    _fill(series, values)
    steps, held = series.view()
    assert len(series) <= 1024
    for step in (12_345, 77_777, 150_001):
        assert held[steps == step].tolist() == [values[step]]
    assert held.max() == values.max() and held.min() == values.min()
    # Every held point is a value appended at that step.
    np.testing.assert_array_equal(held, values[steps])


def test_recent_points_are_exact():
    values = np.random.default_rng(2).normal(size=300_000)
    series = DecimatedSeries()
    _fill(series, values)
    steps, held = series.view()
    np.testing.assert_array_equal(steps[-4096:], np.arange(300_000 - 4096, 300_000))
    np.testing.assert_array_equal(held[-4096:], values[-4096:])


@pytest.mark.parametrize(("budget", "n"), [(16, 5000), (64, 777), (64, 20_000), (1024, 3000)])
def test_every_point_held_is_a_value_appended_at_its_step(budget, n):
    values = np.random.default_rng(budget + n).standard_cauchy(n)
    series = DecimatedSeries(budget=budget)
    _fill(series, values)
    steps, held = series.view()
    assert len(series) <= budget and np.all(np.diff(steps) >= 0)
    np.testing.assert_array_equal(held, values[steps])
    assert held.max() == values.max() and held.min() == values.min()
    np.testing.assert_array_equal(held[-(budget // 4) :], values[-(budget // 4) :])


def test_views_never_change_after_later_appends():
    series = DecimatedSeries(budget=64)
    values = np.random.default_rng(3).normal(size=5000)
    views = []
    for i, value in enumerate(values):
        series.append(i, value)
        if i % 37 == 0:
            steps, held = series.view()
            views.append((steps, held, steps.copy(), held.copy()))
    for steps, held, steps_then, held_then in views:
        np.testing.assert_array_equal(steps, steps_then)
        np.testing.assert_array_equal(held, held_then)
        assert not steps.flags.writeable and not held.flags.writeable


def test_rows_of_gradient_norms_keep_each_columns_extremes():
    rng = np.random.default_rng(4)
    rows = rng.random((50_000, 3))
    rows[1000, 0] = 100.0  # layer 1 explodes once
    rows[30_000, 2] = 1e-9  # layer 3 vanishes once
    series = DecimatedSeries(width=3, budget=512)
    _fill(series, rows)
    steps, held = series.view()
    assert held.shape == (len(series), 3) and len(series) <= 512
    np.testing.assert_array_equal(held.max(axis=0), rows.max(axis=0))
    np.testing.assert_array_equal(held.min(axis=0), rows.min(axis=0))
    np.testing.assert_array_equal(held[-128:], rows[-128:])
    # A row of a bucket sits at the earliest or latest step of its columns' extremes.
    spike_steps = steps[held[:, 0] == 100.0]
    assert np.abs(spike_steps - 1000).min() < series.get_state()["bucket"]


def test_nan_is_ignored_in_a_bucket_unless_all_nan():
    values = np.arange(400.0)
    values[10:20] = np.nan  # a gap that will share buckets with numbers
    values[100:200] = np.nan  # whole buckets of NaN
    values[-3] = np.nan  # recent: kept exactly
    series = DecimatedSeries(budget=32)
    _fill(series, values)
    steps, held = series.view()
    assert np.isnan(held[-3]) and held[-1] == 399.0
    assert held[0] == 0.0 and np.nanmax(held) == 399.0
    old = held[steps < 300]
    assert np.isnan(old).any()  # the all-NaN stretch still shows as NaN
    finite = steps[np.isfinite(held)]
    np.testing.assert_array_equal(held[np.isfinite(held)], values[finite])


def test_state_round_trip_is_exact_and_continues_identically():
    rng = np.random.default_rng(5)
    first, later = rng.normal(size=(30_000, 2)), rng.normal(size=(5_000, 2))
    series = DecimatedSeries(width=2, budget=256)
    _fill(series, first)
    state = series.get_state()
    copy = DecimatedSeries.from_state(state)
    for a, b in zip(copy.view(), series.view(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert copy.count == series.count == 30_000 and len(copy) == len(series)
    _fill(series, later, 30_000)
    _fill(copy, later, 30_000)
    for a, b in zip(copy.view(), series.view(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert state["steps"].tobytes() != series.view()[0].tobytes()  # state was a copy


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"budget": 10}, "budget must be a multiple of 4"),
        ({"count": 1}, "'count' 1 is less than"),
        ({"bucket": 3}, "'bucket' must be a power of 2"),
        ({"decimated": 3}, "'decimated' 3 does not fit"),
        ({"width": 2}, r"'values' must be floats of shape \(\d+, 2\)"),
        ({"steps": np.zeros(5000, np.int64)}, "at most 64 of them"),
        ({"steps": "abc"}, "'steps' must be whole numbers"),
        ({"values": np.array(["a"] * 64)}, "'values' must be floats"),
        ({"count": 2.5}, "'count' must be a whole number"),
        ({"open": 10**9}, "'open' 1000000000 does not fit"),
    ],
)
def test_from_state_validates(change, problem):
    series = DecimatedSeries(budget=64)
    _fill(series, np.arange(500.0))
    with pytest.raises(ValueError, match=problem):
        DecimatedSeries.from_state({**series.get_state(), **change})


@pytest.mark.parametrize(
    "kwargs", [{"budget": 8}, {"budget": 30}, {"width": 0}, {"width": 1.5}, {"width": True}]
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="must be"):
        DecimatedSeries(**kwargs)


def test_short_series_is_exact():
    series = DecimatedSeries()
    _fill(series, [0.5, 0.25, np.inf])
    steps, held = series.view()
    assert steps.tolist() == [0, 1, 2] and held.tolist() == [0.5, 0.25, np.inf]
    assert len(series) == series.count == 3


@pytest.mark.parametrize("width", [None, 3])
def test_appends_between_compactions_allocate_nothing(width):
    series = DecimatedSeries(width=width, budget=1024)
    value = np.ones(3) if width else 0.5
    for step in range(1025):  # the last append compacts
        series.append(step, value)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        for step in range(1025, 1025 + 1024 - len(series)):
            series.append(step, value)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(series) == 1024
    assert after - before < 1024 and peak - before < 1024  # a few transient ints at most


def test_views_taken_while_another_thread_appends_are_consistent():
    series = DecimatedSeries(budget=64)
    views = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set() and len(views) < 20_000:
            views.append(series.view())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for step in range(20_000):
            series.append(step, float(step))  # value == step: any mix-up shows
    finally:
        done.set()
        reader.join()
    assert views
    for steps, values in views:
        np.testing.assert_array_equal(values, steps)
        assert np.all(np.diff(steps) >= 0) and len(steps) <= 64
