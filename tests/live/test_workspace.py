"""The workspace: every edit keeps what was learned, and undo/redo put back the exact
training state (weights, optimizer state, counters, random states)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnviz.data import DataConfig, prepare
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec
from nnviz.engine.state import TrainingState
from nnviz.live import edits
from nnviz.live.session import TrainingSession
from nnviz.live.workspace import Edit, Workspace


def points(name: str = "spiral", n: int = 120, seed: int = 0):
    return prepare(DataConfig(kind="points", name=name, n_samples=n, noise=0.1, seed=seed))


def small_spec(**changes) -> NetworkSpec:
    spec = NetworkSpec(
        layers=(
            LayerSpec(units=6, activation="tanh"),
            LayerSpec(kind="dropout", rate=0.2),
            LayerSpec(units=5, activation="tanh"),
            LayerSpec(units=1, activation="sigmoid"),
        ),
        optimizer=OptimizerSpec("adam", 0.01),
        batch_size=16,
        seed=3,
    )
    return replace(spec, **changes)


def assert_same_state(a: TrainingState, b: TrainingState) -> None:
    assert a.spec == b.spec
    assert sorted(a.arrays) == sorted(b.arrays)
    for key in a.arrays:
        assert a.arrays[key].dtype == b.arrays[key].dtype, key
        assert np.array_equal(a.arrays[key], b.arrays[key]), key
    assert dict(a.values) == dict(b.values)


def train(session: TrainingSession, steps: int) -> None:
    for _ in range(steps):
        session.step()


def random_edit(spec: NetworkSpec, rng: np.random.Generator) -> Edit:
    """One of the edits a learner makes, valid for ``spec``."""
    hidden = [i for i, layer in enumerate(spec.layers) if layer.is_dense()][:-1]
    kind = rng.choice(
        ["resize", "insert", "remove", "move", "activation", "lr", "weight", "batch", "l2"]
    )
    if kind == "resize" and hidden:
        i = int(rng.choice(hidden))
        units = max(1, spec.layers[i].units + int(rng.choice([-2, -1, 1, 2])))
        return Edit(spec=edits.resize_layer(spec, i, units))
    n = len(spec.layers)
    if kind == "insert" and len(hidden) < 4:
        position = int(rng.integers(0, edits.output_index(spec) + 1))
        layer_kind = str(rng.choice(["dense", "dropout"]))
        return Edit(
            spec=edits.insert_layer(spec, position, layer_kind),
            transition=edits.inserted(n, position),
        )
    if kind == "remove" and n > 2:
        index = int(rng.integers(0, edits.output_index(spec)))
        return Edit(spec=edits.remove_layer(spec, index), transition=edits.removed(n, index))
    if kind == "move" and n > 2:
        index = int(rng.integers(0, edits.output_index(spec)))
        position = int(rng.integers(0, n - 1))
        return Edit(
            spec=edits.move_layer(spec, index, position),
            transition=edits.moved(n, index, position),
        )
    if kind == "activation" and hidden:
        i = int(rng.choice(hidden))
        return Edit(
            spec=edits.set_layer_options(
                spec, i, activation=str(rng.choice(["relu", "tanh", "sigmoid"]))
            )
        )
    if kind == "lr":
        return Edit(
            spec=replace(
                spec,
                optimizer=replace(
                    spec.optimizer, learning_rate=float(rng.choice([0.001, 0.01, 0.03]))
                ),
            )
        )
    if kind == "batch":
        return Edit(spec=replace(spec, batch_size=[None, 8, 16, 32][int(rng.integers(0, 4))]))
    if kind == "l2" and hidden:
        return Edit(
            spec=edits.set_layer_options(
                spec, int(rng.choice(hidden)), l2=float(rng.choice([0.0, 0.01]))
            )
        )
    dense = spec.dense_layers
    layer = int(rng.integers(0, len(dense)))
    n_in = spec.input_dim if layer == 0 else dense[layer - 1].units
    if rng.random() < 0.5:
        index = (int(rng.integers(0, n_in)), int(rng.integers(0, dense[layer].units)))
        return Edit(parameters=((layer, "W", index, float(rng.normal())),))
    return Edit(parameters=((layer, "b", (int(rng.integers(0, dense[layer].units)),), 0.5),))


@pytest.mark.slow
def test_200_random_edits_with_training_between_undo_and_redo_exactly():
    rng = np.random.default_rng(7)
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session)
    before, after = [], []
    for key in range(200):
        train(session, int(rng.integers(0, 4)))
        edit = random_edit(session.spec, rng)
        state_before = session.capture()
        workspace.apply(key, edit)
        before.append(state_before)
        after.append(session.capture())
    train(session, 5)
    for key in reversed(range(200)):
        workspace.undo(key)
        assert_same_state(session.capture().training, before[key].training)
    for key in range(200):
        workspace.redo(key)
        assert_same_state(session.capture().training, after[key].training)


def test_undo_after_training_restores_the_weights_of_the_edit_and_says_so():
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session)
    train(session, 10)
    before = session.capture()
    workspace.apply(1, Edit(spec=edits.resize_layer(session.spec, 0, 8)))
    after = session.capture()
    train(session, 7)
    text = workspace.undo(1)
    assert "7 training steps" in text
    assert_same_state(session.capture().training, before.training)
    assert session.step_count == 10
    assert len(session.series["step_loss"]) == 10  # the curves are cut back too
    workspace.redo(1)
    assert_same_state(session.capture().training, after.training)
    # training on after redo is the same as training on right after the edit
    train(session, 5)
    first = session.capture().training
    workspace.undo(1)
    workspace.redo(1)
    train(session, 5)
    assert_same_state(session.capture().training, first)


def test_adding_a_neuron_keeps_every_weight_learned():
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session)
    train(session, 30)
    W1, b1, W2, b2, W3, b3 = session.model.get_weights()
    workspace.apply(1, Edit(spec=edits.resize_layer(session.spec, 0, 7)))
    N1, c1, N2, c2, N3, c3 = session.model.get_weights()
    assert N1.shape == (2, 7) and N2.shape == (7, 5)
    assert np.array_equal(N1[:, :6], W1) and np.array_equal(c1[:6], b1)
    assert np.array_equal(N2[:6], W2) and np.array_equal(c2, b2)
    assert np.array_equal(N3, W3) and np.array_equal(c3, b3)


def test_inserting_a_layer_keeps_the_layers_around_it():
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session)
    train(session, 30)
    W1, _b1, W2, _b2, W3, b3 = session.model.get_weights()
    spec = session.spec
    inserted = edits.insert_layer(spec, 3, "dense")  # before the output, 5 units like layer 2
    workspace.apply(1, Edit(spec=inserted, transition=edits.inserted(len(spec.layers), 3)))
    weights = session.model.get_weights()
    assert len(weights) == 8
    assert np.array_equal(weights[0], W1) and np.array_equal(weights[2], W2)
    assert np.array_equal(weights[6], W3) and np.array_equal(weights[7], b3)


def test_reset_to_start_after_an_edit_follows_the_edit():
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session)
    start = session.model.get_weights()
    train(session, 20)
    workspace.apply(1, Edit(spec=edits.resize_layer(session.spec, 0, 8)))
    session.reset(same_initial=True)
    weights = session.model.get_weights()
    assert weights[0].shape == (2, 8)
    assert np.array_equal(weights[0][:, :6], start[0])
    assert np.array_equal(weights[2][:6], start[2])
    assert session.step_count == 0


def test_a_dataset_switch_is_undone_with_its_data_weights_and_curves():
    session = TrainingSession(small_spec(), points("spiral"))
    workspace = Workspace(session)
    train(session, 40)
    before = session.capture()
    losses = session.series["step_loss"].view()[1].copy()
    xor = points("xor")
    workspace.apply(1, Edit(spec=session.spec, data=xor))
    assert session.data is xor and session.step_count == 0
    train(session, 3)
    workspace.undo(1)
    assert session.data is before.data
    assert_same_state(session.capture().training, before.training)
    assert np.array_equal(session.series["step_loss"].view()[1], losses)


def test_an_edit_that_fails_changes_nothing():
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session)
    train(session, 5)
    before = session.capture()
    with pytest.raises(ValueError, match="has no entry"):
        workspace.apply(1, Edit(parameters=((0, "W", (5, 0), 1.0),)))
    assert_same_state(session.capture().training, before.training)
    with pytest.raises(ValueError, match="inputs"):
        workspace.apply(2, Edit(spec=replace(session.spec, input_dim=5)))
    assert_same_state(session.capture().training, before.training)


def test_past_the_memory_budget_the_oldest_edits_lose_their_weights_first():
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session, budget_bytes=1)
    messages = workspace.apply(1, Edit(spec=edits.resize_layer(session.spec, 0, 7)))
    assert any("Undo keeps at most" in text for text in messages)
    workspace.apply(2, Edit(spec=edits.resize_layer(session.spec, 0, 9)))
    assert workspace.kept_keys() == []
    text = workspace.undo(2)
    assert "undo memory" in text and session.spec.layers[0].units == 7


def test_a_restored_state_draws_before_its_next_step():
    session = TrainingSession(small_spec(), points())
    train(session, 5)
    state = session.capture()
    other = TrainingSession(small_spec(), state.data)
    other.restore(state)
    snapshot = other.snapshot()
    assert snapshot.step == 5 and snapshot.layer_stats == ()


def test_slow_snapshot_parts_are_reused_while_playing_and_fresh_after_an_edit(monkeypatch):
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session)
    clock = [100.0]
    monkeypatch.setattr("nnviz.live.session.time.monotonic", lambda: clock[0])
    train(session, 3)
    first = session.snapshot(playing=True)
    train(session, 1)
    again = session.snapshot(playing=True)
    assert again.step == 4 and again.layer_stats is first.layer_stats  # within 0.2 s
    assert session.snapshot(playing=False).layer_stats is not first.layer_stats  # paused
    clock[0] += 0.25
    assert session.snapshot(playing=True).layer_stats is not first.layer_stats
    workspace.apply(1, Edit(spec=edits.resize_layer(session.spec, 0, 7)))
    train(session, 1)
    edited = session.snapshot(playing=True)
    assert edited.layer_stats[0].index == 1 and len(edited.weights[0][1]) == 7
    assert session.snapshot(playing=True).layer_stats is edited.layer_stats


def test_the_kept_edits_are_bounded_in_number(monkeypatch):
    monkeypatch.setattr("nnviz.live.workspace.UNDO_LIMIT", 5)
    session = TrainingSession(small_spec(), points())
    workspace = Workspace(session)
    for key in range(12):
        rate = 0.001 * (key + 1)
        spec = session.spec
        workspace.apply(
            key, Edit(spec=replace(spec, optimizer=replace(spec.optimizer, learning_rate=rate)))
        )
    assert workspace.kept_keys() == [7, 8, 9, 10, 11]
