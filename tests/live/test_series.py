"""Bounded histories: memory fixed whatever the run length, spikes and recent points kept."""

import numpy as np
import pytest

from nnviz.live.series import DecimatedSeries


def test_a_million_points_stay_within_the_budget_with_spikes_and_recent_points_exact():
    series = DecimatedSeries(budget=1024)
    rng = np.random.default_rng(0)
    values = rng.normal(size=1_000_000)
    values[123_456] = 50.0  # a spike long ago
    values[654_321] = -40.0
    nbytes = series.nbytes
    for step, value in enumerate(values, start=1):
        series.append(step, value)
    assert len(series) <= 1024 and series.count == 1_000_000
    assert series.nbytes == nbytes
    steps, kept = series.view()
    assert kept.max() == 50.0 and kept.min() == -40.0
    assert steps[kept.argmax()] == 123_457
    assert np.all(np.diff(steps) >= 0)
    assert np.diff(steps).max() < 1_000_000 / 100  # the early run is not squeezed away
    np.testing.assert_array_equal(steps[-256:], np.arange(1_000_000 - 255, 1_000_001))
    np.testing.assert_array_equal(kept[-256:], values[-256:])


def test_views_handed_out_never_change():
    series = DecimatedSeries(budget=32)
    for step in range(20):
        series.append(step, float(step))
    steps, values = series.view()
    copy = values.copy()
    for step in range(20, 200):
        series.append(step, -1.0)
    series.truncate(5)
    np.testing.assert_array_equal(values, copy)
    assert len(steps) == 20
    with pytest.raises(ValueError):
        values[0] = 3.0


def test_rows_of_several_values_keep_each_columns_extremes():
    series = DecimatedSeries(width=3, budget=64)
    for step in range(1000):
        series.append(step, [step, -step, 1.0 if step != 10 else np.nan])
    _steps, values = series.view()
    assert values.shape == (len(series), 3) and len(series) <= 64
    assert values[:, 0].min() == 0 and values[:, 0].max() == 999
    assert values[:, 1].min() == -999


def test_truncate_forgets_later_points_and_the_state_round_trips():
    series = DecimatedSeries(budget=32)
    for step in range(1, 101):
        series.append(step, step * 0.5)
    series.truncate(60)
    steps, values = series.view()
    assert steps[-1] == 60 and values[-1] == 30.0
    copy = DecimatedSeries.from_state(series.get_state())
    for a, b in zip(copy.view(), series.view(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert copy.count == series.count


@pytest.mark.parametrize(
    "change",
    [
        {"steps": np.array([3, 2, 1])},
        {"values": np.array(["a", "b", "c"])},
        {"width": "x"},
        {"steps": np.arange(100)},
    ],
)
def test_a_malformed_state_is_refused(change):
    series = DecimatedSeries(budget=32)
    for step in range(3):
        series.append(step, 1.0)
    state = {**series.get_state(), **change}
    with pytest.raises(ValueError, match="history"):
        DecimatedSeries.from_state(state)


def test_each_runs_pair_is_its_first_minimum_and_last_maximum_in_step_order():
    """Ties go to the first minimum and the last maximum, NaN only where a run is all NaN,
    a single point stands for both (checked against a plain loop over the runs)."""
    from nnviz.live.series import _min_max_pairs

    rng = np.random.default_rng(1)
    pool = np.array([0.0, -0.0, 1.0, 2.0, np.nan, np.inf, -np.inf, 1.5])
    for trial in range(500):
        n = int(rng.integers(1, 40))
        runs = np.sort(rng.integers(0, max(1, n // int(rng.integers(1, 6))), n))
        values = rng.choice(pool, n) if trial % 2 else rng.normal(size=n)
        steps = np.arange(n) * 3
        expected_steps, expected_values = [], []
        for run in np.unique(runs):
            index = np.flatnonzero(runs == run)
            low = np.where(np.isnan(values[index]), np.inf, values[index])
            high = np.where(np.isnan(values[index]), -np.inf, values[index])
            first_low = index[np.argmin(low)]
            last_high = index[len(index) - 1 - np.argmax(high[::-1])]
            pair = sorted((first_low, last_high))
            if pair[0] == pair[1]:
                pair = [index[0], index[-1]]
            expected_steps += [steps[i] for i in pair]
            expected_values += [values[i] for i in pair]
        got_steps, got_values = _min_max_pairs(steps, values, runs)
        np.testing.assert_array_equal(got_steps, expected_steps)
        np.testing.assert_array_equal(got_values, expected_values)
        assert np.array_equal(np.signbit(got_values), np.signbit(expected_values))
