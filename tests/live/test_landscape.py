"""The loss landscape: its planes, its grid values against the model's own loss, the
progressive job, and the bounded trajectory the session records."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data import DataConfig, prepare
from nnviz.engine import Sequential
from nnviz.engine.spec import LayerSpec, NetworkSpec
from nnviz.live import presets
from nnviz.live.landscape import (
    LandscapeJob,
    LandscapeReport,
    LossSurface,
    make_plane,
    pca_directions,
    random_directions,
    refinement_passes,
)
from nnviz.live.session import TrainingSession
from nnviz.live.trajectory import Plane, Trajectory, flatten

# The grid is float32, the model's own loss float64: they agree to float32 rounding of
# the weights and of sums over a few hundred samples.
RTOL = 2e-5


def _session(steps: int = 60, l2: float = 0.0, dataset: str = "spiral") -> TrainingSession:
    config = presets.data_config(dataset)
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    if l2:
        spec = spec.with_layer(0, l2=l2)
    session = TrainingSession(spec, data)
    for _ in range(steps):
        session.step()
    return session


def _perceptron_session(steps: int = 30) -> TrainingSession:
    """One input, one sigmoid unit: two parameters, w and b."""
    data = prepare(DataConfig(name="gaussian", n_samples=200, features=("x1",), seed=3))
    spec = NetworkSpec(input_dim=1, layers=(LayerSpec(units=1, activation="sigmoid"),))
    spec = spec.for_task(data.input_dim, data.n_classes)
    session = TrainingSession(spec, data)
    for _ in range(steps):
        session.step()
    return session


def _model_loss(session: TrainingSession, params: np.ndarray) -> float:
    """The model's own loss on the training set with ``params`` (flat), in float64."""
    model = Sequential.from_config(session.spec)
    shapes = [w.shape for w in session.model.get_weights()]
    arrays, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        arrays.append(np.asarray(params[start : start + size], dtype=np.float64).reshape(shape))
        start += size
    model.set_weights(arrays)
    return model.evaluate(session.trainer.x, session.trainer.y)["loss"]


def _surface(session: TrainingSession, kind: str, span: float = 1.0) -> LossSurface:
    _, rows = session.trajectory.points()
    plane, _ = make_plane(kind, session.model.get_weights(), rows, span, seed=4)
    return LossSurface(session.model, session.trainer.x, session.trainer.y, plane)


@pytest.mark.parametrize(("kind", "l2"), [("random", 0.0), ("pca", 0.0), ("random", 0.01)])
def test_the_grid_at_the_origin_is_the_models_loss(kind, l2):
    session = _session(l2=l2)
    surface = _surface(session, kind)
    grid = surface.grid(41)
    assert grid.shape == (41, 41) and grid.dtype == np.float32
    expected = session.model.evaluate(session.trainer.x, session.trainer.y)["loss"]
    np.testing.assert_allclose(grid[20, 20], expected, rtol=RTOL)
    if l2:  # the penalty is part of the landscape, as of the loss trained on
        unpenalized = _surface(_session(), kind).grid(41)[20, 20]
        assert abs(grid[20, 20] - unpenalized) > 1e-3


@pytest.mark.parametrize(("kind", "l2"), [("random", 0.0), ("pca", 0.0), ("random", 0.01)])
def test_the_grid_at_a_point_is_the_loss_of_the_weights_moved_there(kind, l2):
    session = _session(l2=l2)
    surface = _surface(session, kind, span=0.8)
    grid = surface.grid(41)
    a_axis, b_axis = surface.plane.axes(41)
    origin = flatten(session.model.get_weights()).astype(np.float64)
    for i, j in [(3, 35), (40, 0), (12, 27)]:
        a, b = a_axis[j], b_axis[i]
        moved = origin + a * surface.plane.d1.astype(np.float64) + b * surface.plane.d2
        np.testing.assert_allclose(grid[i, j], _model_loss(session, moved), rtol=1e-4)


def test_the_exact_plane_of_a_two_parameter_model_has_axes_w_and_b():
    session = _perceptron_session()
    (w,), b = session.model.get_weights()[0][0], session.model.get_weights()[1]
    _, rows = session.trajectory.points()
    plane, note = make_plane("exact", session.model.get_weights(), rows, 1.0)
    assert plane.labels == ("w", "b") and note == ""
    assert plane.centre == pytest.approx((w, b[0]))
    # the path from the start is in the picture
    assert np.all(np.abs(plane.project(rows) - plane.centre) <= plane.half_width)
    surface = LossSurface(session.model, session.trainer.x, session.trainer.y, plane)
    grid = surface.grid(41)
    a_axis, b_axis = plane.axes(41)
    np.testing.assert_allclose(grid[20, 20], _model_loss(session, np.array([w, b[0]])), RTOL)
    for i, j in [(0, 40), (7, 13)]:  # the coordinates are the weight and the bias
        expected = _model_loss(session, np.array([a_axis[j], b_axis[i]]))
        np.testing.assert_allclose(grid[i, j], expected, rtol=1e-4)
    with pytest.raises(ValueError, match="exactly 2 parameters"):
        make_plane("exact", _session(steps=0).model.get_weights(), np.zeros((0, 105)))


def test_random_directions_are_filter_normalized_seeded_and_leave_biases_alone():
    weights = _session(steps=10).model.get_weights()
    weights[2][:, 3] = 0.0  # a neuron with no weights (the zeros initializer)
    d1, d2 = random_directions(weights, seed=7)
    again, _ = random_directions(weights, seed=7)
    np.testing.assert_array_equal(d1, again)
    assert not np.allclose(d1, d2)
    for direction in (d1, d2):
        start = 0
        for w in weights:
            part = direction[start : start + w.size].reshape(w.shape)
            start += w.size
            if w.ndim == 1:
                assert not part.any()  # biases are not moved
                continue
            expected = np.linalg.norm(w, axis=0)
            expected[expected == 0] = 1.0
            np.testing.assert_allclose(np.linalg.norm(part, axis=0), expected, rtol=1e-5)


def test_pca_directions_are_orthonormal_and_find_a_known_path():
    rng = np.random.default_rng(2)
    basis, _ = np.linalg.qr(rng.normal(size=(50, 2)))
    t = np.linspace(0, 1, 40)
    coords = np.column_stack([4.0 * (t - 1), 0.8 * np.sin(6 * t)])  # ends at the origin
    current = rng.normal(size=50)
    path = current + coords @ basis.T + 1e-4 * rng.normal(size=(40, 50))
    d1, d2, shares = pca_directions(path, current)
    assert d1 @ d2 == pytest.approx(0.0, abs=1e-5)
    assert np.linalg.norm(d1) == pytest.approx(1.0, abs=1e-5)
    assert np.linalg.norm(d2) == pytest.approx(1.0, abs=1e-5)
    # the plane they span holds the path's plane; the first one is along its long axis
    captured = np.linalg.norm(np.stack([d1, d2]) @ basis, axis=0)
    np.testing.assert_allclose(captured, 1.0, atol=1e-3)
    assert abs(d1 @ basis[:, 0]) > 0.98
    assert shares[0] > shares[1] and sum(shares) == pytest.approx(1.0, abs=1e-3)
    assert (path[0] - current) @ d1 < 0  # the start lies on the negative side
    with pytest.raises(ValueError, match="at least 3"):
        pca_directions(path[:2], current)


def test_pca_falls_back_to_random_directions_with_a_message_on_a_short_path():
    session = _session(steps=1)
    _, rows = session.trajectory.points()
    plane, note = make_plane("pca", session.model.get_weights(), rows)
    assert plane.kind == "random" and "train a few steps first" in note


def test_the_job_reports_passes_coarse_to_fine_and_hands_the_plane_to_the_trajectory():
    session = _session()
    job = LandscapeJob("random", resolution=61)
    assert job.passes == refinement_passes(61) == (11, 21, 41, 61)
    seen: list[LandscapeReport] = []
    progress = []
    finished = False
    while not finished:
        finished = job.advance(session, 0.0)  # one batch of grid points per slice
        progress.append(job.progress())
        report = job.result()
        if report is not None and (not seen or report is not seen[-1]):
            seen.append(report)
    assert [r.resolution for r in seen] == [11, 21, 41, 61]
    assert [r.pass_number for r in seen] == [1, 2, 3, 4] and seen[-1].final
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert len({r.plane_id for r in seen}) == 1
    assert session.trajectory.plane is seen[-1].plane
    assert seen[-1].step == session.step_count == 60
    loss = session.model.evaluate(session.trainer.x, session.trainer.y)["loss"]
    for report in seen:  # every pass has the current weights at its centre
        n = report.resolution
        np.testing.assert_allclose(report.grid[n // 2, n // 2], loss, rtol=RTOL)
    with pytest.raises(ValueError):
        seen[-1].grid[0, 0] = 1.0  # reports are immutable


def test_the_snapshot_path_grows_on_the_plane_as_training_goes_on():
    session = _session(steps=20)
    assert session.snapshot().landscape_path is None  # no plane yet
    job = LandscapeJob("random")
    while not job.advance(session, 1.0):
        pass
    before = session.snapshot().landscape_path
    assert before is not None and before.plane_id == job.result().plane_id
    assert before.current == pytest.approx((0.0, 0.0), abs=1e-5)  # the plane's origin
    for _ in range(30):
        session.step()
    after = session.snapshot().landscape_path
    assert len(after.coords) == len(before.coords) + 30
    _, rows = session.trajectory.points()
    np.testing.assert_allclose(after.coords, job.result().plane.project(rows), atol=1e-5)
    assert after.current != pytest.approx((0.0, 0.0), abs=1e-5) or after.off_plane > 0


def test_the_trajectory_is_bounded_keeps_its_start_and_follows_undo():
    session = _session(steps=0)
    trajectory = Trajectory(budget_bytes=10**9, max_rows=64)
    model = session.model
    start = flatten(model.get_weights())
    rng = np.random.default_rng(0)
    plane = Plane(
        start, rng.normal(size=start.size), rng.normal(size=start.size), "random", ("a", "b")
    )
    trajectory.set_plane(plane)
    for step in range(1, 5000):
        if step == 1:
            trajectory.record(0, model, force=True)
        model.dense_layers[0].b[:] = step  # a recognisable change per step
        trajectory.record(step, model)
        if step % 777 == 0:  # paths asked for now and then, across decimations
            trajectory.path(model)
    steps, rows = trajectory.points()
    np.testing.assert_allclose(trajectory.path(model).coords, plane.project(rows), atol=1e-4)
    assert len(trajectory) <= 64 and trajectory.capacity == 64
    assert rows.shape[1] == model.n_params and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[0], start)
    assert np.all(np.diff(steps) == trajectory.stride) and trajectory.stride >= 64
    first_bias = model.dense_layers[0].W.size  # b1[0] holds the step
    np.testing.assert_array_equal(rows[1:, first_bias], steps[1:])
    trajectory.truncate(int(steps[10]))
    assert trajectory.points()[0][-1] == steps[10]
    small = Trajectory(budget_bytes=4 * model.n_params * 40)
    small.record(0, model)
    assert small.capacity == 40


def test_session_trajectory_follows_training_and_undo():
    session = _session(steps=0)
    saved = session.capture()
    for _ in range(10):
        session.step()
    steps, rows = session.trajectory.points()
    assert list(steps) == list(range(11))  # the start and each step
    np.testing.assert_array_equal(rows[-1], flatten(session.model.get_weights()))
    session.restore(saved)
    assert len(session.trajectory) <= 1


def test_a_plane_refuses_parallel_directions_and_foreign_trajectories():
    with pytest.raises(ValueError, match="parallel"):
        Plane(np.zeros(3), np.ones(3), 2 * np.ones(3), "random", ("a", "b"))
    plane = Plane(np.zeros(3), np.eye(3)[0], np.eye(3)[1], "random", ("a", "b"))
    with pytest.raises(ValueError, match="another network"):
        plane.project(np.zeros((4, 5)))
    assert plane.distance(np.array([0.0, 0.0, 2.0])) == pytest.approx(2.0)


def test_a_grid_shared_among_threads_equals_the_same_chunks_in_turn():
    session = _session()
    _, rows = session.trajectory.points()
    plane, _ = make_plane("random", session.model.get_weights(), rows)
    surface = LossSurface(session.model, session.trainer.x, session.trainer.y, plane)
    grid = surface.grid(21)
    a, b = surface.mesh(21)
    step = surface.chunk
    in_turn = [surface.losses(a[i : i + step], b[i : i + step]) for i in range(0, len(a), step)]
    np.testing.assert_array_equal(grid.ravel(), np.concatenate(in_turn))
    one_by_one = [surface.losses(a[i : i + 1], b[i : i + 1]) for i in range(len(a))]
    np.testing.assert_allclose(grid.ravel(), np.concatenate(one_by_one), rtol=1e-6)
