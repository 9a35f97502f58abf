"""Trainer.get_state / set_state: continuing from a saved state is bit-identical."""

import json
from dataclasses import replace

import numpy as np
import pytest

from nnviz.engine import (
    EarlyStopping,
    LayerSpec,
    NetworkSpec,
    OptimizerSpec,
    ScheduleSpec,
    Sequential,
    Trainer,
)
from nnviz.engine.state import TrainingState

SPEC = NetworkSpec(
    input_dim=2,
    layers=(
        LayerSpec(units=8, activation="tanh"),
        LayerSpec(kind="dropout", rate=0.2),
        LayerSpec(units=6, activation="relu"),
        LayerSpec(units=1, activation="sigmoid"),
    ),
    optimizer=OptimizerSpec("adam", 0.02),
    schedule=ScheduleSpec("exponential", {"decay_steps": 10, "decay_rate": 0.9}),
    batch_size=16,
    seed=3,
)


def spiral(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.5, 3 * np.pi, n)
    label = rng.integers(0, 2, n)
    angle = t + np.pi * label
    x = np.c_[t * np.cos(angle), t * np.sin(angle)] / 5 + rng.normal(0, 0.05, (n, 2))
    return x, label.astype(float)


X, Y = spiral(100, 0)
VAL = spiral(40, 1)


def make_trainer(spec: NetworkSpec = SPEC, seed: int = 7) -> Trainer:
    model = Sequential.from_config(spec)
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    return Trainer(
        model, X, Y, batch_size=spec.batch_size, seed=seed, validation_data=VAL, callbacks=[stopper]
    )


def run(trainer: Trainer, steps: int) -> tuple[list[float], np.ndarray, np.ndarray]:
    losses = [trainer.train_step().loss for _ in range(steps)]
    return losses, trainer.model._params.copy(), trainer.model.optimizer.state["v"].copy()


def assert_same_run(a: tuple, b: tuple) -> None:
    assert a[0] == b[0]
    assert np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])


@pytest.fixture(scope="module")
def saved() -> tuple[TrainingState, tuple]:
    """A state mid-epoch (after early stopping has seen a few epochs), and the run after it."""
    trainer = make_trainer()
    run(trainer, 45)  # 7 batches an epoch: mid-epoch 7
    state = trainer.get_state()
    assert trainer._pos != 0 and trainer.callbacks[0].best_epoch >= 0
    return state, run(trainer, 60)


def test_continuing_on_the_same_trainer_is_bit_identical(saved):
    state, expected = saved
    trainer = make_trainer()
    run(trainer, 80)  # somewhere else entirely
    trainer.set_state(state)
    assert_same_run(run(trainer, 60), expected)


def test_values_survive_json_and_a_fresh_trainer_continues_identically(saved):
    state, expected = saved
    values = json.loads(json.dumps(state.values))
    fresh = make_trainer(replace(SPEC, seed=99), seed=1)
    fresh.set_state(TrainingState(state.spec, dict(state.arrays), values))
    assert_same_run(run(fresh, 60), expected)


def test_arrays_survive_hdf5(saved, tmp_path):
    h5py = pytest.importorskip("h5py")
    state, expected = saved
    with h5py.File(tmp_path / "state.h5", "w") as f:
        for name, array in state.arrays.items():
            f[name] = array
    with h5py.File(tmp_path / "state.h5", "r") as f:
        arrays = {name: f[name][()] for name in state.arrays}
    trainer = make_trainer()
    trainer.set_state(TrainingState(state.spec, arrays, state.values))
    assert_same_run(run(trainer, 60), expected)


def test_the_state_is_a_copy_and_counts_its_bytes(saved):
    state, _ = saved
    assert state.nbytes == sum(a.nbytes for a in state.arrays.values())
    assert not state.arrays["params"].flags.writeable
    assert {"params", "optimizer/m", "optimizer/v", "trainer/order"} <= set(state.arrays)
    assert state.values["callbacks/0"]["kind"] == "EarlyStopping"


def bad_states(state: TrainingState) -> list[tuple[TrainingState, str]]:
    arrays, values = dict(state.arrays), dict(state.values)
    short = {**arrays, "params": arrays["params"][:-1]}
    no_m = {k: v for k, v in arrays.items() if k != "optimizer/m"}
    f32 = {**arrays, "optimizer/v": arrays["optimizer/v"].astype(np.float32)}
    no_step = {k: v for k, v in values.items() if k != "trainer/step"}
    bad_rng = {**values, "trainer/rng": {"bit_generator": "MT19937"}}
    bad_order = {**arrays, "trainer/order": np.zeros(len(X), dtype=np.int64)}
    unknown = {**arrays, "optimizer/momentum2": arrays["params"]}
    bad_stop = {**values, "callbacks/0": {**values["callbacks/0"], "wait": "two"}}
    other_input = replace(state.spec, input_dim=3)
    return [
        (TrainingState(state.spec, short, values), "'params' must have shape"),
        (TrainingState(state.spec, no_m, values), "optimizer slot"),
        (TrainingState(state.spec, f32, values), "must have dtype float64"),
        (TrainingState(state.spec, arrays, no_step), "'trainer/step'"),
        (TrainingState(state.spec, arrays, bad_rng), "PCG64"),
        (TrainingState(state.spec, bad_order, values), "trainer/order"),
        (TrainingState(state.spec, unknown, values), "unknown state array"),
        (TrainingState(state.spec, arrays, bad_stop), "'wait'"),
        (TrainingState(other_input, arrays, values), "'params' must have shape"),
    ]


def test_a_bad_state_raises_and_changes_nothing(saved):
    state, _ = saved
    trainer = make_trainer()
    run(trainer, 20)
    before = trainer.get_state()
    for bad, match in bad_states(state):
        with pytest.raises(ValueError, match=match):
            trainer.set_state(bad)
        after = trainer.get_state()
        assert after.spec == before.spec and after.values == before.values
        assert after.arrays.keys() == before.arrays.keys()
        for name, array in before.arrays.items():
            assert np.array_equal(after.arrays[name], array), name


def test_a_state_of_another_structure_rebuilds_the_model_in_place(saved):
    state, expected = saved
    trainer = make_trainer()
    model, layers_before = trainer.model, trainer.model.layers
    run(trainer, 10)
    other = SPEC.with_layers((LayerSpec(units=5), LayerSpec(units=1, activation="sigmoid")))
    model.apply_spec(replace(other, dtype="float32"))
    run(trainer, 5)
    trainer.set_state(state)
    assert trainer.model is model and model.get_config() == state.spec
    assert model.layers is not layers_before and len(model.layers) == 4
    assert trainer.x.dtype == np.float64
    assert_same_run(run(trainer, 60), expected)


def test_a_state_before_the_first_step_has_no_optimizer_slots():
    trainer = make_trainer()
    state = trainer.get_state()
    assert not any(k.startswith("optimizer/") for k in state.arrays)
    expected = run(trainer, 12)
    run(trainer, 3)
    trainer.set_state(state)
    assert_same_run(run(trainer, 12), expected)


def test_a_float32_regularized_run_gives_plain_json_values():
    spec = replace(SPEC, dtype="float32").with_layer(0, l2=0.01)
    trainer = make_trainer(spec)
    run(trainer, 20)
    state = trainer.get_state()
    values = json.loads(json.dumps(state.values))
    expected = run(trainer, 10)
    trainer.set_state(TrainingState(state.spec, state.arrays, values))
    assert_same_run(run(trainer, 10), expected)
