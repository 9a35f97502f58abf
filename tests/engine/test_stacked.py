"""Stacked models: one batched forward and backward pass, bit for bit each model's own."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnviz.engine import (
    DivergenceError,
    LayerSpec,
    NetworkSpec,
    OptimizerSpec,
    Sequential,
    Trainer,
)
from nnviz.engine.optimizers import apply_stacked
from nnviz.engine.optimizers import get as get_optimizer
from nnviz.engine.stacked import Lockstep, StackedGroup, StackedMember, stack_key
from nnviz.engine.training import StepResult


def trainers(kind, specs, x, y, weights):
    out = []
    for spec in specs:
        model = kind.from_config(spec)
        model.set_weights(weights)
        validation = (x[:20], y[:20])  # evaluated for every member at once when stacked
        out.append(
            Trainer(
                model, x, y, batch_size=spec.batch_size, seed=spec.seed, validation_data=validation
            )
        )
    return out


def step_or_error(trainer):
    try:
        return trainer.train_step()
    except DivergenceError as error:
        return "diverged", error.what, str(error)


def step_together(trainers, lockstep):
    """Each stacked Trainer's next step (as step_or_error): each its own ``train_step``,
    or all through ``lockstep``, and alone those it no longer steps (they left)."""
    if lockstep is None:
        return [step_or_error(t) for t in trainers]
    outcomes = []
    results = lockstep.train_step()
    assert lockstep.all_stepped == all(isinstance(r, StepResult) for r in results)
    for trainer, outcome in zip(trainers, results, strict=True):
        if outcome is None:
            outcome = step_or_error(trainer)
        elif isinstance(outcome, DivergenceError):
            outcome = "diverged", outcome.what, str(outcome)
        outcomes.append(outcome)
    return outcomes


@pytest.mark.parametrize("in_lockstep", [False, True])
@pytest.mark.parametrize(
    ("activation", "output", "loss", "dtype", "classes"),
    [
        ("tanh", "sigmoid", "binary_crossentropy", "float64", 2),
        ("relu", "softmax", "categorical_crossentropy", "float32", 3),
        ("sigmoid", "sigmoid", "mse", "float64", 2),  # no logits: the loss's own gradient
    ],
)
def test_stacked_steps_equal_separate_steps_bit_for_bit(
    activation, output, loss, dtype, classes, in_lockstep
):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((70, 5))
    labels = rng.integers(0, classes, 70)
    units = 1 if classes == 2 else classes
    spec = NetworkSpec(
        input_dim=5,
        layers=(
            LayerSpec(units=7, activation=activation),
            LayerSpec(units=4, activation=activation, l2=0.01),
            LayerSpec(units=units, activation=output),
        ),
        loss=loss,
        batch_size=16,
        dtype=dtype,
    )
    specs = [
        replace(spec, optimizer=OptimizerSpec("sgd", 0.1, {"momentum": 0.9})),
        replace(spec, optimizer=OptimizerSpec("adam", 0.01)),
        spec.with_layer(1, l2=0.0),
        spec.with_layer(0, l1=0.001, l2=0.002),  # penalties differ from member to member
    ]
    assert len({stack_key(s) for s in specs}) == 1
    weights = Sequential.from_config(spec).get_weights()
    alone = trainers(Sequential, specs, x, labels, weights)
    together = trainers(StackedMember, specs, x, labels, weights)
    StackedGroup([t.model for t in together])
    lockstep = Lockstep(together) if in_lockstep else None
    for _ in range(3 * 5):  # three epochs of five batches
        assert step_together(together, lockstep) == [a.train_step() for a in alone]
    for a, b in zip(alone, together, strict=True):
        for got, want in zip(b.model.get_weights(), a.model.get_weights(), strict=True):
            np.testing.assert_array_equal(got, want)
        assert b.last_logs == a.last_logs
        assert b.get_state().values == a.get_state().values
    if in_lockstep:  # one order drawn for all, the data shared
        assert all(b._epoch_x is together[0]._epoch_x for b in together)


def test_only_models_of_one_shape_and_batch_stack():
    spec = NetworkSpec()
    assert stack_key(spec.with_layer(0, units=9)) != stack_key(spec)
    assert stack_key(replace(spec, batch_size=1)) != stack_key(spec)
    assert stack_key(replace(spec, optimizer=OptimizerSpec("sgd", 0.5))) == stack_key(spec)
    dropout = spec.with_layers(
        (spec.layers[0], LayerSpec(kind="dropout", rate=0.2), *spec.layers[1:])
    )
    assert stack_key(dropout) is None
    with pytest.raises(ValueError, match="same shape"):
        StackedGroup(
            [
                StackedMember.from_config(spec),
                StackedMember.from_config(replace(spec, batch_size=1)),
            ]
        )


@pytest.mark.parametrize("in_lockstep", [False, True])
def test_members_that_diverge_leave_and_every_member_stays_its_separate_self(in_lockstep):
    """Each way a step fails (the divergence watch, non-finite weights, a non-finite loss)
    fails as it does alone; the failing member goes on alone, the others together."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((70, 5)) * 100
    labels = rng.integers(0, 2, 70)
    spec = NetworkSpec(
        input_dim=5,
        layers=(
            LayerSpec(units=7, activation="relu"),
            LayerSpec(units=4, activation="tanh"),
            LayerSpec(units=1, activation="sigmoid"),
        ),
        batch_size=16,
        dtype="float32",
        optimizer=OptimizerSpec("sgd", 0.01),
    )
    weights = Sequential.from_config(spec).get_weights()
    huge = [np.full_like(weights[0], 3e38), *weights[1:]]  # the first products overflow
    runs = []
    for kind in (Sequential, StackedMember):
        wild, infinite, overflowing, calm = trainers(kind, [spec] * 4, x, labels, weights)
        wild.model.optimizer.learning_rate = 1000.0  # first in the group: it computes rounds
        infinite.model.optimizer.learning_rate = 1e300  # inf in float32: so are the weights
        overflowing.model.set_weights(huge)
        runs.append([wild, infinite, overflowing, calm])
    alone, together = runs
    group = StackedGroup([t.model for t in together])
    lockstep = Lockstep(together) if in_lockstep else None
    failures = set()
    with np.errstate(all="ignore"):
        for _ in range(12):
            expected = [step_or_error(a) for a in alone]
            assert step_together(together, lockstep) == expected
            failures.update(e[1] for e in expected if e[0] == "diverged")
    assert failures == {"the training", "the weights", "the loss"}
    assert group._active == [3]  # the calm one still steps with the group
    for a, b in zip(alone, together, strict=True):
        got, want = b.get_state(), a.get_state()
        assert got.arrays.keys() == want.arrays.keys()
        for key, array in want.arrays.items():
            np.testing.assert_array_equal(got.arrays[key], array, err_msg=key)
        assert got.values == want.values


def test_members_step_in_lockstep():
    spec = NetworkSpec(batch_size=8)
    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((40, 2)), rng.integers(0, 2, 40)
    weights = Sequential.from_config(spec).get_weights()
    first, second = trainers(StackedMember, [spec, spec], x, labels, weights)
    StackedGroup([first.model, second.model])
    first.train_step()
    with pytest.raises(RuntimeError, match="lockstep"):
        first.train_step()  # the second member has not taken its step
    second.train_step()
    second.model.leave_group()  # once it left, the first trains on without it
    first.train_step()
    alone = trainers(Sequential, [spec], x, labels, weights)[0]
    alone.train_step()
    alone.train_step()
    np.testing.assert_array_equal(first.model.get_weights()[0], alone.model.get_weights()[0])


def test_lockstep_takes_the_trainers_of_one_group_at_one_step():
    spec = NetworkSpec(batch_size=8)
    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((40, 2)), rng.integers(0, 2, 40)
    weights = Sequential.from_config(spec).get_weights()
    first, second, other = trainers(StackedMember, [spec] * 3, x, labels, weights)
    StackedGroup([first.model, second.model])
    with pytest.raises(ValueError, match="every member of one group"):
        Lockstep([first, other])
    with pytest.raises(ValueError, match="every member of one group"):
        Lockstep([first])
    first.train_step()
    with pytest.raises(ValueError, match="same step"):
        Lockstep([first, second])


def test_lockstep_trainers_must_see_the_same_samples_in_the_same_order():
    spec = NetworkSpec(batch_size=8)
    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((40, 2)), rng.integers(0, 2, 40)
    weights = Sequential.from_config(spec).get_weights()
    first, second = trainers(StackedMember, [spec] * 2, x, labels, weights)
    other = trainers(StackedMember, [spec], x[::-1], labels, weights)[0]
    StackedGroup([first.model, other.model])
    with pytest.raises(ValueError, match="same data"):
        Lockstep([first, other])
    first, second = trainers(StackedMember, [spec] * 2, x, labels, weights)
    StackedGroup([first.model, second.model])
    lockstep = Lockstep([first, second])
    for _ in range(5):  # one epoch
        lockstep.train_step()
    second._rng = np.random.default_rng(99)  # its next order is another one
    with pytest.raises(RuntimeError, match="same samples in the same order"):
        lockstep.train_step()


def test_a_group_checks_every_members_largest_weights_at_once():
    spec = NetworkSpec(layers=(LayerSpec(units=5), LayerSpec(units=3), LayerSpec(units=1)))
    rng = np.random.default_rng(1)
    alone = [Sequential.from_config(spec) for _ in range(3)]
    together = [StackedMember.from_config(spec) for _ in range(3)]
    for a, b in zip(alone, together, strict=True):
        weights = [rng.standard_normal(w.shape) * 10 for w in a.get_weights()]
        a.set_weights(weights)
        b.set_weights(weights)
        # the divergence watch's largest |w| of each kernel: max(W.max(), -W.min())
        expected = [max(float(w.max()), -float(w.min())) for w in weights[::2]]
        assert a.largest_weights() == expected
    group = StackedGroup(together)
    for a, b in zip(alone, together, strict=True):
        assert b.largest_weights() == a.largest_weights()
    kept = group._largest
    together[1].largest_weights()
    assert group._largest is kept  # computed once for every member
    together[2].set_weights(alone[0].get_weights())  # an edit: computed anew
    assert together[2].largest_weights() == alone[0].largest_weights()


STACKABLE = [
    ("sgd", [{}, {"learning_rate": 0.3}]),
    ("sgd", [{"momentum": 0.9}, {"momentum": 0.5, "learning_rate": 0.2}]),
    (
        "sgd",
        [
            {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
            {"momentum": 0.3, "nesterov": True, "weight_decay": 0.1},
        ],
    ),
    ("adagrad", [{}, {"epsilon": 1e-3, "initial_accumulator_value": 0.5}]),
    ("rmsprop", [{}, {"rho": 0.5, "epsilon": 1e-4}]),
    (
        "rmsprop",
        [{"centered": True, "momentum": 0.5}, {"centered": True, "momentum": 0.9, "rho": 0.7}],
    ),
    ("adam", [{}, {"beta_1": 0.5, "beta_2": 0.9, "learning_rate": 0.1}]),
    ("adam", [{"amsgrad": True, "weight_decay": 0.01}, {"amsgrad": True, "weight_decay": 0.2}]),
    ("adamw", [{}, {"weight_decay": 0.1, "schedule": "exponential"}]),
]


@pytest.mark.parametrize(("name", "settings"), STACKABLE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_stacked_update_is_each_optimizers_own_bit_for_bit(name, settings, dtype):
    rng = np.random.default_rng(7)
    optimizers = [get_optimizer(name, **options) for options in settings]
    alone = [get_optimizer(name, **options) for options in settings]
    assert len({o.stack_key() for o in optimizers}) == 1
    optimizers[1].iterations = alone[1].iterations = 5  # each its own bias correction
    params = rng.standard_normal((2, 30)).astype(dtype)
    separate = params.copy()
    for o in optimizers:
        o.build(30, params.dtype)
    state = {slot: np.stack([o.state[slot] for o in optimizers]) for slot in optimizers[0].slots}
    tmp = np.empty_like(params)
    for _ in range(4):
        grads = rng.standard_normal((2, 30)).astype(dtype)
        apply_stacked(optimizers, params, grads.copy(), tmp, state)
        for row, o in enumerate(alone):
            o.apply(separate[row], grads[row].copy())
        np.testing.assert_array_equal(params, separate)
    for row, o in enumerate(alone):
        for slot, vector in o.state.items():
            np.testing.assert_array_equal(state[slot][row], vector)
        assert optimizers[row].iterations == o.iterations


def test_optimizers_that_take_other_operations_do_not_stack():
    keys = [
        get_optimizer("sgd").stack_key(),
        get_optimizer("sgd", momentum=0.9).stack_key(),
        get_optimizer("adam").stack_key(),
        get_optimizer("adam", amsgrad=True).stack_key(),
    ]
    assert len(set(keys)) == 4
    assert get_optimizer("adam", clipnorm=1.0).stack_key() is None
