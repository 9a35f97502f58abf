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
