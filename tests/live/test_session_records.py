"""What the session records per step and draws per snapshot, made cheaply: the same
numbers as the plain way (gradient norms a block of steps at a time, the boundary plane
through reused buffers)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnviz.data import DataConfig, prepare
from nnviz.engine import Sequential
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec
from nnviz.live.series import DecimatedSeries, StepBlock
from nnviz.live.session import SMOOTHING, TrainingSession, trainer_for

SPIRAL = DataConfig(kind="points", name="spiral", n_samples=120, noise=0.1, seed=0)


def spec(*units: int, activation: str = "relu") -> NetworkSpec:
    hidden = tuple(LayerSpec(units=n, activation=activation) for n in units)
    return NetworkSpec(
        layers=(*hidden, LayerSpec(units=1, activation="sigmoid")),
        optimizer=OptimizerSpec("adam", 0.01),
        batch_size=16,
        seed=3,
    )


class Twin:
    """The same training without a session, its kernel norms taken one step at a time."""

    def __init__(self, network: NetworkSpec, data) -> None:
        self.model = Sequential.from_config(network)
        self.trainer = trainer_for(self.model, network, data)
        self.steps: list[int] = []
        self.norms: list[np.ndarray] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []

    def step(self) -> None:
        result = self.trainer.train_step()
        self.steps.append(result.step)
        self.norms.append(self.model.kernel_gradient_norms())
        loss = float(result.loss)
        last = self.smoothed[-1] if self.smoothed else loss
        self.losses.append(loss)
        self.smoothed.append(last + SMOOTHING * (loss - last))


def test_the_step_histories_equal_each_steps_numbers_across_blocks_and_edits():
    data = prepare(SPIRAL)
    session, twin = TrainingSession(spec(8, 8), data), Twin(spec(8, 8), data)

    def train(n: int) -> None:
        for _ in range(n):
            session.step()
            twin.step()

    train(100)
    snapshot = session.snapshot()  # a snapshot in the middle of a block sees every step
    np.testing.assert_array_equal(snapshot.grad_norm_steps, twin.steps)
    np.testing.assert_array_equal(snapshot.grad_norms, twin.norms)
    train(300)  # past a full block
    wider = spec(8, 12)  # the same layers, another layout of the gradient vector
    session.apply_spec(wider)
    twin.model.apply_spec(wider)
    train(50)
    steps, norms = session.series["grad_norms"].view()
    np.testing.assert_array_equal(steps, twin.steps)
    np.testing.assert_array_equal(norms, twin.norms)
    for name, expected in (("step_loss", twin.losses), ("smoothed_loss", twin.smoothed)):
        steps, values = session.series[name].view()
        np.testing.assert_array_equal(steps, twin.steps)
        np.testing.assert_array_equal(values, expected)

    deeper = spec(8, 12, 4)  # one more layer: the history starts anew, one column more
    session.apply_spec(deeper)
    twin.model.apply_spec(deeper)
    twin.steps, twin.norms = [], []
    train(20)
    steps, norms = session.series["grad_norms"].view()
    assert norms.shape == (20, 4)
    np.testing.assert_array_equal(steps, twin.steps)
    np.testing.assert_array_equal(norms, twin.norms)


def test_undo_cuts_the_gradient_norms_back_with_the_steps_not_yet_written():
    session = TrainingSession(spec(8), prepare(SPIRAL))
    for _ in range(30):
        session.step()
    state = session.capture()
    expected = session.series["grad_norms"].view()[1].copy()
    for _ in range(40):
        session.step()
    session.restore(state)
    steps, norms = session.series["grad_norms"].view()
    assert steps[-1] == 30
    np.testing.assert_array_equal(norms, expected)
    session.reset()
    assert len(session.series["grad_norms"]) == 0


def histories(width: int) -> dict[str, DecimatedSeries]:
    return {
        "step_loss": DecimatedSeries(),
        "smoothed_loss": DecimatedSeries(),
        "grad_norms": DecimatedSeries(width=width),
    }


def test_a_block_holds_at_most_its_bytes_and_one_vector_at_least():
    series = histories(2)
    block = StepBlock(block_bytes=100)
    grads, starts = np.arange(40.0), np.array([0, 10, 20, 30])
    block.record(1, 0.5, 0.5, grads, starts, series)
    assert len(block) == 1 and len(series["grad_norms"]) == 0
    block.record(2, 0.25, 0.4, grads * 2, starts, series)  # 320 bytes: the first is written
    assert len(block) == 1
    steps, norms = series["grad_norms"].view()
    assert list(steps) == [1]
    np.testing.assert_allclose(norms[0], [np.linalg.norm(grads[:10]), np.linalg.norm(grads[20:30])])
    assert list(series["step_loss"].view()[1]) == [0.5]


def test_extend_adds_the_points_appends_would():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(3000, 2))
    one_by_one, at_once = DecimatedSeries(width=2, budget=256), DecimatedSeries(width=2, budget=256)
    for step, row in enumerate(values[:1000]):
        one_by_one.append(step, row)
        at_once.append(step, row)
    for step, row in enumerate(values[1000:], start=1000):
        one_by_one.append(step, row)
    at_once.extend(np.arange(1000, 3000), values[1000:])
    assert one_by_one.get_state().keys() == at_once.get_state().keys()
    for key, value in one_by_one.get_state().items():
        np.testing.assert_array_equal(at_once.get_state()[key], value)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_norms_of_a_float32_network_are_its_own_too(dtype):
    data = prepare(SPIRAL)
    network = NetworkSpec(
        layers=(LayerSpec(units=6, activation="tanh"), LayerSpec(units=1, activation="sigmoid")),
        optimizer=OptimizerSpec("sgd", 0.1),
        batch_size=8,
        dtype=dtype,
    )
    session, twin = TrainingSession(network, data), Twin(network, data)
    for _ in range(10):
        session.step()
        twin.step()
    np.testing.assert_array_equal(session.series["grad_norms"].view()[1], twin.norms)


def test_the_boundary_plane_is_the_networks_prediction_and_its_half_line_stays():
    """The plane is computed in float32 (in reused buffers, the sigmoid in place): the
    picture equals the float64 prediction to float32 rounding, and no point near the
    0.5 contour changes side beyond that rounding."""
    data = prepare(SPIRAL)
    session = TrainingSession(spec(16, 16), data)
    for _ in range(400):
        session.step()
    grid = session.snapshot().boundary.grid
    x0, x1, y0, y1 = data.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 96), np.linspace(y0, y1, 96))
    points = data.encode(np.column_stack([gx.ravel(), gy.ravel()]))
    expected = session.model.predict(points)[:, 0].reshape(96, 96)
    np.testing.assert_allclose(grid, expected, rtol=1e-5, atol=1e-6)
    sure = np.abs(expected - 0.5) > 1e-5
    np.testing.assert_array_equal((grid > 0.5)[sure], (expected > 0.5)[sure])
    assert (grid > 0.5).any() and (grid < 0.5).any()


def test_a_three_class_plane_and_every_neuron_picture_match_the_float64_network():
    """The plane's softmax runs along the classes of each point (the plane keeps the points
    as columns), and each neuron's picture is that unit's activation every third point."""
    data = prepare(replace(SPIRAL, n_classes=3))
    network = NetworkSpec(
        layers=(LayerSpec(units=6, activation="tanh"), LayerSpec(units=3, activation="softmax")),
        optimizer=OptimizerSpec("adam", 0.01),
        loss="categorical_crossentropy",
        batch_size=16,
        seed=3,
    )
    session = TrainingSession(network, data)
    for _ in range(200):
        session.step()
    snapshot = session.snapshot()
    x0, x1, y0, y1 = data.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 96), np.linspace(y0, y1, 96))
    points = data.encode(np.column_stack([gx.ravel(), gy.ravel()]))
    trace = session.model.forward_trace(points)
    expected = trace[-1].a.reshape(96, 96, 3)
    assert snapshot.boundary.grid.shape == (96, 96, 3)
    np.testing.assert_allclose(snapshot.boundary.grid, expected, rtol=1e-5, atol=1e-6)
    for pictures, layer in zip(snapshot.neuron_grids, trace, strict=True):
        units = layer.a.reshape(96, 96, -1)[::3, ::3, :].transpose(2, 0, 1)
        assert pictures.shape == units.shape and pictures.flags.c_contiguous
        np.testing.assert_allclose(pictures, units, rtol=1e-5, atol=1e-6)


def test_a_snapshots_pictures_never_change_after_it_is_handed_out():
    session = TrainingSession(spec(8, 8), prepare(SPIRAL))
    session.step()
    first = session.snapshot()
    kept = [first.boundary.grid.copy(), *(n.copy() for n in first.neuron_grids)]
    for _ in range(50):
        session.step()
    second = session.snapshot()
    assert not np.array_equal(second.boundary.grid, kept[0])  # the network did change
    for before, now in zip(kept, [first.boundary.grid, *first.neuron_grids], strict=True):
        np.testing.assert_array_equal(now, before)
        assert not now.flags.writeable


def test_another_networks_boundary_between_snapshots_leaves_the_live_one_right(monkeypatch):
    data = prepare(SPIRAL)
    session = TrainingSession(spec(8, 8), data)
    other = TrainingSession(spec(5, activation="tanh"), data)
    for _ in range(30):
        session.step()
        other.step()
    live = session.snapshot().boundary.grid.copy()
    assert np.array_equal(session.boundary_of(other.model).grid, other.snapshot().boundary.grid)
    np.testing.assert_array_equal(session.snapshot().boundary.grid, live)
    monkeypatch.setattr("nnviz.live.session.PLANE_BUFFER_BYTES", 1000)  # nothing kept
    np.testing.assert_array_equal(session.snapshot().boundary.grid, live)


def test_a_block_keeps_each_rows_step_when_steps_jump():
    series = histories(1)
    block = StepBlock()
    grads, starts = np.ones(4), np.array([0, 3])
    for step in (1, 2, 7, 8, 20):
        block.record(step, float(step), -float(step), grads * step, starts, series)
    block.flush_into(series)
    assert len(block) == 0
    for name in StepBlock.NAMES:
        assert list(series[name].view()[0]) == [1, 2, 7, 8, 20]
    np.testing.assert_array_equal(series["step_loss"].view()[1], [1, 2, 7, 8, 20])
    np.testing.assert_array_equal(series["smoothed_loss"].view()[1], [-1, -2, -7, -8, -20])
    np.testing.assert_allclose(
        series["grad_norms"].view()[1][:, 0], np.sqrt(3) * np.array([1, 2, 7, 8, 20])
    )
