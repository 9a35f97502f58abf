"""Stacked models: one batched forward and backward pass, bit for bit each model's own."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnviz.engine import LayerSpec, NetworkSpec, OptimizerSpec, Sequential, Trainer
from nnviz.engine.stacked import StackedGroup, StackedMember, stack_key


def trainers(kind, specs, x, y, weights):
    out = []
    for spec in specs:
        model = kind.from_config(spec)
        model.set_weights(weights)
        out.append(Trainer(model, x, y, batch_size=spec.batch_size, seed=spec.seed))
    return out


@pytest.mark.parametrize(
    ("activation", "output", "loss", "dtype", "classes"),
    [
        ("tanh", "sigmoid", "binary_crossentropy", "float64", 2),
        ("relu", "softmax", "categorical_crossentropy", "float32", 3),
        ("sigmoid", "sigmoid", "mse", "float64", 2),  # no logits: the loss's own gradient
    ],
)
def test_stacked_steps_equal_separate_steps_bit_for_bit(activation, output, loss, dtype, classes):
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
    ]
    assert len({stack_key(s) for s in specs}) == 1
    weights = Sequential.from_config(spec).get_weights()
    alone = trainers(Sequential, specs, x, labels, weights)
    together = trainers(StackedMember, specs, x, labels, weights)
    StackedGroup([t.model for t in together])
    for _ in range(3 * 5):  # three epochs of five batches
        for a, b in zip(alone, together, strict=True):
            assert a.train_step() == b.train_step()
    for a, b in zip(alone, together, strict=True):
        for got, want in zip(b.model.get_weights(), a.model.get_weights(), strict=True):
            np.testing.assert_array_equal(got, want)
        assert b.last_logs == a.last_logs


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
