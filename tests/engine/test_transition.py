"""Transitions: edits keep every weight they can, and the optimizer state follows them."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.engine import LayerSpec, NetworkSpec, OptimizerSpec, Sequential, Trainer
from nnviz.engine.transition import Transition

from .test_model import xor_data

OUT = LayerSpec(units=1, activation="sigmoid")


def dense(units: int, activation: str = "tanh") -> LayerSpec:
    return LayerSpec(units=units, activation=activation)


BASE = NetworkSpec(input_dim=2, layers=(dense(8), dense(8), OUT), batch_size=10)
OPTIMIZERS = [
    OptimizerSpec("adam", 0.01),
    OptimizerSpec("sgd", 0.1, {"momentum": 0.9}),
    OptimizerSpec("rmsprop", 0.01, {"centered": True}),
]


def trained(spec: NetworkSpec, steps: int = 5) -> tuple[Sequential, Trainer]:
    model = Sequential.from_config(spec)
    trainer = Trainer(model, *xor_data(), batch_size=spec.batch_size)
    for _ in range(steps):
        trainer.train_step()
    return model, trainer


def arrays(model: Sequential) -> dict[str, list[np.ndarray]]:
    """[W1, b1, ...] of the weights and of every optimizer slot, as copies."""
    result = {"weights": model.get_weights()}
    for slot, vector in model.optimizer.state.items():
        parts = []
        for i, layer in enumerate(model.dense_layers):
            part = vector[model._slice(i)]
            parts += [part[: layer.W.size].reshape(layer.W.shape).copy(), part[layer.W.size :]]
        result[slot] = parts
    return result


def check(before: dict, after: dict, expect) -> None:
    """``expect(old_arrays)`` gives the new [W1, b1, ...] with NaN where values are fresh;
    the kept values must be bit-identical, fresh slot entries equal their initial value."""
    for name, old in before.items():
        for k, (new, wanted) in enumerate(zip(after[name], expect(old), strict=True)):
            kept = ~np.isnan(wanted)
            assert new.shape == wanted.shape, (name, k)
            assert np.array_equal(new[kept], wanted[kept]), (name, k)
            if name != "weights":
                assert not new[~kept].any(), (name, k)  # fresh slot entries start at 0


def fresh_like(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, np.nan)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o.name)
def test_adding_a_neuron_keeps_every_existing_weight_and_slot(optimizer):
    spec = replace(BASE, optimizer=optimizer)
    model, trainer = trained(spec)
    before = arrays(model)
    iterations = model.optimizer.iterations
    messages = model.apply_spec(spec.with_layer(1, units=9))
    assert messages == [
        "kept the weights of layer 1; layer 2: 8 neurons kept, 1 new; layer 3: 8 inputs kept, 1 new"
    ]

    def expect(old):
        w2, b2, w3 = fresh_like((8, 9)), fresh_like(9), fresh_like((9, 1))
        w2[:, :8], b2[:8], w3[:8] = old[2], old[3], old[4]
        return [old[0], old[1], w2, b2, w3, old[5]]

    after = arrays(model)
    check(before, after, expect)
    weights = after["weights"]
    assert weights[3][8] == 0 and np.all(weights[2][:, 8] != 0) and weights[4][8, 0] != 0
    assert np.abs(weights[2][:, 8]).max() <= np.sqrt(6 / (8 + 9))  # glorot_uniform's limit
    assert model.optimizer.iterations == iterations
    assert np.array_equal(model._backup, model._params)
    assert np.isfinite(trainer.train_step().loss)


def test_fresh_values_are_deterministic():
    first, _ = trained(BASE)
    second, _ = trained(BASE)
    first.apply_spec(BASE.with_layer(1, units=11))
    second.apply_spec(BASE.with_layer(1, units=11))
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_removing_a_given_neuron_keeps_all_the_others():
    model, trainer = trained(BASE)
    before = arrays(model)
    others = (0, 1, 3, 4, 5, 6, 7)
    messages = model.apply_spec(BASE.with_layer(1, units=7), Transition((0, 1, 2), {1: others}))
    assert messages == [
        "kept the weights of layer 1; layer 2: 7 neurons kept, 1 removed; "
        "layer 3: 7 inputs kept, 1 removed"
    ]
    keep = list(others)
    check(
        before,
        arrays(model),
        lambda old: [old[0], old[1], old[2][:, keep], old[3][keep], old[4][keep], old[5]],
    )
    assert np.isfinite(trainer.train_step().loss)


def test_shrinking_by_default_keeps_the_first_neurons():
    model, _ = trained(BASE)
    before = arrays(model)
    model.apply_spec(BASE.with_layer(0, units=5))
    check(
        before,
        arrays(model),
        lambda old: [old[0][:, :5], old[1][:5], old[2][:5], old[3], old[4], old[5]],
    )


def test_inserting_a_layer_of_the_same_size_keeps_the_next_one():
    model, trainer = trained(BASE)
    before = arrays(model)
    new = BASE.with_layers((dense(8), dense(8, "relu"), dense(8), OUT))
    messages = model.apply_spec(new, Transition((0, None, 1, 2)))
    assert messages == ["kept the weights of layers 1, 3 and 4; layer 2 got new random weights"]

    def expect(old):
        return [old[0], old[1], fresh_like((8, 8)), fresh_like(8), *old[2:]]

    check(before, arrays(model), expect)
    assert np.isfinite(trainer.train_step().loss)


def test_inserting_a_layer_of_another_size_renews_the_next_one():
    model, _ = trained(BASE)
    before = arrays(model)
    new = BASE.with_layers((dense(8), dense(5), dense(8), OUT))
    messages = model.apply_spec(new, Transition((0, None, 1, 2)))
    assert messages == ["kept the weights of layers 1 and 4; layers 2 and 3 got new random weights"]

    def expect(old):
        return [
            old[0],
            old[1],
            fresh_like((8, 5)),
            fresh_like(5),
            fresh_like((5, 8)),
            fresh_like(8),
            old[4],
            old[5],
        ]

    check(before, arrays(model), expect)


def test_removing_a_layer_keeps_all_the_others():
    spec = BASE.with_layers((dense(8), dense(8), dense(8), OUT))
    model, trainer = trained(spec)
    before = arrays(model)
    messages = model.apply_spec(BASE, Transition((0, 2, 3)))
    assert messages == ["kept the weights of layers 1, 2 and 3"]
    check(before, arrays(model), lambda old: [old[0], old[1], *old[4:]])
    assert np.isfinite(trainer.train_step().loss)


def test_moving_layers_keeps_their_weights_where_they_fit():
    spec = BASE.with_layers(
        (dense(8), dense(8, "relu"), LayerSpec(kind="dropout", rate=0.1), dense(8), OUT)
    )
    model, trainer = trained(spec)
    before = arrays(model)
    moved = spec.with_layers(
        (dense(8), LayerSpec(kind="dropout", rate=0.1), dense(8), dense(8, "relu"), OUT)
    )
    model.apply_spec(moved, Transition((0, 2, 3, 1, 4)))
    assert model.get_config() == moved
    check(
        before,
        arrays(model),
        lambda old: [old[0], old[1], old[4], old[5], old[2], old[3], old[6], old[7]],
    )
    assert np.isfinite(trainer.train_step().loss)


def test_moving_a_layer_to_another_input_size_renews_it():
    spec = BASE.with_layers((dense(8), dense(4), dense(3), OUT))
    model, _ = trained(spec)
    before = arrays(model)
    moved = spec.with_layers((dense(8), dense(3), dense(4), OUT))
    model.apply_spec(moved, Transition((0, 2, 1, 3)))

    def expect(old):
        return [
            old[0],
            old[1],
            fresh_like((8, 3)),
            fresh_like(3),
            fresh_like((3, 4)),
            fresh_like(4),
            fresh_like((4, 1)),
            fresh_like(1),
        ]

    check(before, arrays(model), expect)


def test_changing_an_activation_keeps_every_weight_and_slot():
    model, trainer = trained(BASE)
    before = arrays(model)
    model.apply_spec(BASE.with_layer(1, activation="relu"))
    check(before, arrays(model), lambda old: old)
    assert np.array_equal(model._backup, model._params)
    assert np.isfinite(trainer.train_step().loss)


def test_changing_the_initializer_renews_the_layer_and_its_slots():
    model, _ = trained(BASE)
    before = arrays(model)
    model.apply_spec(BASE.with_layer(0, initializer="he_normal"))

    def expect(old):
        return [fresh_like((2, 8)), fresh_like(8), *old[2:]]

    check(before, arrays(model), expect)
    assert np.array_equal(model._backup, model._params)


@pytest.mark.parametrize(
    ("transition", "match"),
    [
        (Transition((0, 1)), "2 layer sources but the new spec has 3"),
        (Transition((0, 1, 7)), "layer_sources\\[2\\] must be from 0 to 2"),
        (Transition((0, 0, 2)), "old layer 0 is used twice"),
        (Transition((0, 1, 2), {1: (0, 1)}), "one source per unit"),
        (Transition((0, 1, 2), {1: (0, 1, 2, 3, 4, 5, 6, 8, 9)}), "must be from 0 to 7"),
        (Transition((0, 1, 2), {1: (0, 0, 2, 3, 4, 5, 6, 7, -1)}), "uses an old unit twice"),
        (Transition((0, None, 2), {1: tuple(range(9))}), "not a dense layer with a source"),
    ],
)
def test_a_bad_transition_raises_and_changes_nothing(transition, match):
    model, _ = trained(BASE)
    before = arrays(model)
    config = model.get_config()
    with pytest.raises(ValueError, match=match):
        model.apply_spec(BASE.with_layer(1, units=9), transition)
    assert model.get_config() == config
    check(before, arrays(model), lambda old: old)


def test_a_dropout_cannot_come_from_a_dense_layer():
    spec = BASE.with_layers((dense(8), LayerSpec(kind="dropout", rate=0.5), OUT))
    model, _ = trained(spec)
    with pytest.raises(ValueError, match="a dropout layer cannot come from the old dense"):
        model.apply_spec(spec, Transition((0, 0, 2)))


@st.composite
def edits(draw):
    """An old spec, a new spec and a random transition between their dense layers."""
    old_sizes = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    new_sizes = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    old = BASE.with_layers((*(dense(u) for u in old_sizes), OUT))
    new = BASE.with_layers((*(dense(u) for u in new_sizes), OUT))
    n_old, n_new = len(old.layers), len(new.layers)
    pool = draw(st.permutations(range(n_old)))
    sources = [draw(st.sampled_from([None, pool[j]])) if j < n_old else None for j in range(n_new)]
    units = {}
    for j, s in enumerate(sources):
        if s is not None and draw(st.booleans()):
            k, old_units = new.layers[j].units, old.layers[s].units
            picks = draw(st.permutations([*range(old_units), *([-1] * k)]))
            units[j] = tuple(picks[:k])
    return old, new, Transition(tuple(sources), units)


@settings(max_examples=60, deadline=None)
@given(edit=edits())
def test_random_transitions_move_weights_and_slots_by_the_rules(edit):
    old_spec, new_spec, transition = edit
    model, trainer = trained(old_spec, steps=2)
    before = arrays(model)
    maps = {}
    for j, layer in enumerate(new_spec.layers):
        s = transition.layer_sources[j]
        if s is None:
            maps[j] = [-1] * layer.units
        elif j in transition.unit_sources:
            maps[j] = list(transition.unit_sources[j])
        else:
            k = min(layer.units, old_spec.layers[s].units)
            maps[j] = list(range(k)) + [-1] * (layer.units - k)
    model.apply_spec(new_spec, transition)
    after = arrays(model)
    for j, s in enumerate(transition.layer_sources):
        if s is None:
            continue
        n_in = new_spec.input_dim if j == 0 else new_spec.layers[j - 1].units
        old_in = old_spec.input_dim if s == 0 else old_spec.layers[s - 1].units
        if (j == 0 and s == 0) or (j > 0 and s > 0 and transition.layer_sources[j - 1] == s - 1):
            rows = list(range(n_in)) if j == 0 else maps[j - 1]
        elif n_in == old_in:
            rows = list(range(n_in))
        else:
            continue  # its input size changed: fresh
        for name in before:
            w_old, b_old = before[name][2 * s], before[name][2 * s + 1]
            w_new, b_new = after[name][2 * j], after[name][2 * j + 1]
            for c, u in enumerate(maps[j]):
                if u >= 0:
                    assert b_new[c] == b_old[u]
                    for r, v in enumerate(rows):
                        if v >= 0:
                            assert w_new[r, c] == w_old[v, u]
    assert np.isfinite(trainer.train_step().loss)
