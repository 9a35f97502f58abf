"""model.apply_spec: the one way the app changes a network while it trains."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.engine import (
    LayerSpec,
    NetworkSpec,
    OptimizerSpec,
    ScheduleSpec,
    Sequential,
    SpecError,
    Trainer,
)

from .test_model import xor_data


def dense(units: int, activation: str = "tanh") -> LayerSpec:
    return LayerSpec(units=units, activation=activation)


def trained(spec: NetworkSpec, steps: int = 3) -> tuple[Sequential, Trainer]:
    model = Sequential.from_config(spec)
    trainer = Trainer(model, *xor_data(), batch_size=spec.batch_size)
    for _ in range(steps):
        trainer.train_step()
    return model, trainer


BASE = NetworkSpec(
    input_dim=2,
    layers=(dense(8), dense(6), LayerSpec(units=1, activation="sigmoid")),
    batch_size=10,
)


def assert_same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(a, b)


def test_hyperparameters_change_in_place_keeping_weights_and_optimizer_state():
    model, trainer = trained(BASE)
    weights = model.get_weights()
    m_before = model.optimizer.state["m"].copy()
    iterations = model.optimizer.iterations
    new = replace(
        BASE,
        optimizer=OptimizerSpec("adam", 0.05, {"beta_1": 0.8}),
        schedule=ScheduleSpec("exponential", {"decay_steps": 10, "decay_rate": 0.5}),
        clipnorm=2.0,
        batch_size=5,
    )
    messages = model.apply_spec(new)
    assert "learning rate: 0.001 → 0.05" in messages
    assert "adam: beta_1 0.8" in messages
    assert "learning-rate schedule: exponential" in messages
    assert "gradients clipped to norm 2" in messages
    assert "batch size: 10 → 5" in messages
    for a, b in zip(weights, model.get_weights(), strict=True):
        assert_same(a, b)
    assert_same(model.optimizer.state["m"], m_before)
    assert model.optimizer.iterations == iterations
    assert model.optimizer.learning_rate == 0.05 and model.optimizer.beta_1 == 0.8
    assert model.get_config() == new
    assert trainer.batch_size == 5
    # 30 of 40 samples seen: two batches of 5 finish the epoch
    assert not trainer.train_step().epoch_finished
    assert trainer.train_step().epoch_finished


def test_layer_settings_change_in_place():
    spec = BASE.with_layers(
        (dense(8), LayerSpec(kind="dropout", rate=0.1), dense(6), BASE.layers[-1])
    )
    model, _ = trained(spec)
    weights = model.get_weights()
    new = spec.with_layer(0, activation="relu", l2=0.01).with_layer(1, rate=0.3)
    messages = model.apply_spec(new)
    assert messages == [
        "layer 1: activation tanh → relu",
        "layer 1: L1 0, L2 0.01",
        "dropout_1: rate 0.1 → 0.3",
    ]
    assert model.dense_layers[0].activation.name == "relu"
    assert model.dense_layers[0].l2 == 0.01
    assert model.layers[1].rate == 0.3
    for a, b in zip(weights, model.get_weights(), strict=True):
        assert_same(a, b)
    assert model.get_config() == new


def test_changing_the_initializer_redraws_only_that_layer():
    model, _ = trained(BASE)
    weights = model.get_weights()
    messages = model.apply_spec(BASE.with_layer(1, initializer="random_normal", init_scale=10.0))
    assert messages == ["layer 2 got new weights from random_normal"]
    after = model.get_weights()
    assert_same(after[0], weights[0])
    assert_same(after[4], weights[4])
    assert 5 < after[2].std() < 15 and not after[3].any()
    part = model._slice(1)
    assert not model.optimizer.state["m"][part].any()


def test_a_new_optimizer_class_starts_fresh():
    model, _ = trained(BASE)
    weights = model.get_weights()
    messages = model.apply_spec(
        replace(BASE, optimizer=OptimizerSpec("sgd", 0.1, {"momentum": 0.9}))
    )
    assert messages == ["optimizer: adam → sgd (fresh state)"]
    assert type(model.optimizer).__name__ == "SGD" and model.optimizer.iterations == 0
    for a, b in zip(weights, model.get_weights(), strict=True):
        assert_same(a, b)


def test_inserting_a_layer_keeps_all_the_others():
    model, trainer = trained(BASE)
    w = model.get_weights()
    new = BASE.with_layers((dense(8), dense(6), dense(6), BASE.layers[-1]))
    messages = model.apply_spec(new)
    assert messages == ["kept the weights of layers 1, 2 and 4; layer 3 got new random weights"]
    after = model.get_weights()
    for i in (0, 1, 2, 3):  # layers 1 and 2
        assert_same(after[i], w[i])
    assert_same(after[6], w[4])  # the output layer
    assert_same(after[7], w[5])
    assert model.get_config() == new
    trainer.train_step()  # keeps training on the rebuilt model


def test_deleting_a_layer_keeps_the_others():
    spec = BASE.with_layers((dense(8), dense(8), dense(8), BASE.layers[-1]))
    model, _ = trained(spec)
    w = model.get_weights()
    messages = model.apply_spec(spec.with_layers((dense(8), dense(8), spec.layers[-1])))
    assert messages == ["kept the weights of layers 1, 2 and 3"]
    after = model.get_weights()
    assert_same(after[2], w[2])
    assert_same(after[4], w[6])


def test_shrinking_a_layer_keeps_its_first_neurons_and_their_outgoing_weights():
    model, _ = trained(BASE)
    w = model.get_weights()
    m = model.optimizer.state["m"].copy()
    messages = model.apply_spec(BASE.with_layer(1, units=4))
    assert messages == [
        "kept the weights of layer 1; layer 2: 4 neurons kept, 2 removed; "
        "layer 3: 4 inputs kept, 2 removed"
    ]
    after = model.get_weights()
    assert_same(after[0], w[0])
    assert_same(after[2], w[2][:, :4])
    assert_same(after[3], w[3][:4])
    assert_same(after[4], w[4][:4])
    assert_same(after[5], w[5])
    # the optimizer state follows its weights
    n1 = w[0].size + w[1].size
    assert_same(model.optimizer.state["m"][:n1], m[:n1])
    m2 = model.optimizer.state["m"][model._slice(1)]
    old_m2 = m[n1 : n1 + w[2].size + w[3].size]
    assert_same(m2[: 8 * 4].reshape(8, 4), old_m2[: 8 * 6].reshape(8, 6)[:, :4])


def test_changing_the_input_size_renews_the_first_layer_and_the_trainer_needs_new_data():
    model, trainer = trained(BASE)
    w = model.get_weights()
    messages = model.apply_spec(replace(BASE, input_dim=3))
    assert messages == ["kept the weights of layers 2 and 3; layer 1 got new random weights"]
    assert_same(model.get_weights()[2], w[2])
    with pytest.raises(ValueError, match="2 features per sample but the network's input"):
        trainer.train_step()


def test_switching_to_float32_keeps_the_weights_and_recasts_the_data():
    model, trainer = trained(BASE)
    w = model.get_weights()
    messages = model.apply_spec(replace(BASE, dtype="float32"))
    assert messages == [
        "kept the weights of layers 1, 2 and 3; the network now computes in float32"
    ]
    for a, b in zip(w, model.get_weights(), strict=True):
        assert b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-7)
    trainer.train_step()
    assert trainer.x.dtype == np.float32
    assert model.optimizer.state["m"].dtype == np.float32


def test_switching_to_three_classes_rebuilds_the_output_and_the_targets():
    model, trainer = trained(BASE)
    new = BASE.for_task(input_dim=2, n_classes=3)
    messages = model.apply_spec(new)
    assert "layer 3: 1 neuron kept, 2 new" in messages[0]
    assert "loss: binary_crossentropy → categorical_crossentropy" in messages
    trainer.train_step()  # 0/1 labels become one-hot rows of 3
    assert trainer.y.shape == (40, 3)


def test_an_invalid_spec_changes_nothing():
    model, _ = trained(BASE)
    before = model.get_config()
    weights = model.get_weights()
    with pytest.raises(SpecError) as info:
        model.apply_spec(BASE.with_layer(1, units=0))
    assert info.value.field == "layers[1].units"
    with pytest.raises(SpecError):
        model.apply_spec(replace(BASE, optimizer=OptimizerSpec("sgd", 0.1, {"momentum": 3})))
    assert model.get_config() == before
    for a, b in zip(weights, model.get_weights(), strict=True):
        assert_same(a, b)


def test_no_change_no_message():
    model, _ = trained(BASE)
    assert model.apply_spec(model.get_config()) == []


def test_aliases_are_no_change():
    model, _ = trained(BASE)
    aliased = replace(
        BASE.with_layer(0, activation="TANH", initializer="xavier_uniform"),
        loss="bce",
        optimizer=OptimizerSpec("ADAM", 0.001),
    )
    assert model.apply_spec(aliased) == []
    assert model.get_config() == BASE


hidden_sizes = st.lists(st.integers(1, 6), min_size=0, max_size=4)


@settings(max_examples=30)
@given(before=hidden_sizes, after=hidden_sizes, dropout_at=st.integers(0, 4))
def test_any_structural_edit_keeps_prefix_and_suffix_layers_and_keeps_training(
    before, after, dropout_at
):
    def spec_for(sizes: list[int]) -> NetworkSpec:
        layers = [dense(u) for u in sizes] + [BASE.layers[-1]]
        layers.insert(min(dropout_at, len(layers) - 1), LayerSpec(kind="dropout", rate=0.2))
        return BASE.with_layers(tuple(layers))

    old_spec, new_spec = spec_for(before), spec_for(after)
    model, trainer = trained(old_spec, steps=1)
    old_shapes = [w.shape for w in model.get_weights()[::2]]
    old_weights = model.get_weights()
    model.apply_spec(new_spec)
    assert model.get_config() == new_spec
    new_weights = model.get_weights()
    new_shapes = [w.shape for w in new_weights[::2]]
    # layers equal from the front, then from the back of what is left, are carried over
    prefix = 0
    while prefix < min(len(old_shapes), len(new_shapes)) and (
        old_shapes[prefix] == new_shapes[prefix]
    ):
        np.testing.assert_array_equal(new_weights[2 * prefix], old_weights[2 * prefix])
        prefix += 1
    suffix = 0
    while suffix < min(len(old_shapes), len(new_shapes)) - prefix and (
        old_shapes[-1 - suffix] == new_shapes[-1 - suffix]
    ):
        np.testing.assert_array_equal(new_weights[-2 - 2 * suffix], old_weights[-2 - 2 * suffix])
        suffix += 1
    assert np.isfinite(trainer.train_step().loss)
