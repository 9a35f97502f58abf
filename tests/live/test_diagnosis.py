"""The diagnosis in words: every rule fires on a real training run that shows its problem
and stays quiet on a healthy one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnviz.data import DataConfig, PreparedData, prepare
from nnviz.engine.errors import DivergenceError
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec
from nnviz.live import diagnosis
from nnviz.live.session import TrainingSession
from nnviz.live.snapshot import TrainingSnapshot


@pytest.fixture(scope="module")
def spiral() -> PreparedData:
    return prepare(DataConfig(kind="points", name="spiral", n_samples=400, noise=0.1))


@pytest.fixture(scope="module")
def gaussian() -> PreparedData:
    return prepare(DataConfig(kind="points", name="gaussian", n_samples=200, noise=0.5))


def dense(units: int, activation: str, **options) -> LayerSpec:
    return LayerSpec(units=units, activation=activation, **options)


def train(
    data: PreparedData,
    hidden: list[LayerSpec],
    steps: int,
    optimizer: tuple[str, float] = ("adam", 0.01),
    batch_size: int | None = 16,
    output: LayerSpec | None = None,
    weights=None,
) -> TrainingSnapshot:
    spec = NetworkSpec(
        input_dim=data.input_dim,
        layers=(*hidden, output or dense(1, "sigmoid")),
        optimizer=OptimizerSpec(*optimizer),
        batch_size=batch_size,
    )
    session = TrainingSession(spec, data)
    if weights is not None:
        session.start_from(weights(session.model.get_weights()))
    for _ in range(steps):
        try:
            session.step()
        except DivergenceError:
            break  # the app pauses here too: the diagnosis then explains what happened
    return session.snapshot()


def rules(snapshot: TrainingSnapshot) -> set[str]:
    return {finding.rule for finding in snapshot.findings}


def finding(snapshot: TrainingSnapshot, rule: str) -> diagnosis.Finding:
    return next(f for f in snapshot.findings if f.rule == rule)


def healthy(data: PreparedData, steps: int = 100) -> TrainingSnapshot:
    return train(data, [dense(16, "relu", initializer="he_normal")] * 3, steps)


def test_every_rule_is_in_the_table():
    assert set(diagnosis.RULES) == {
        "vanishing",
        "exploding",
        "saturated",
        "dead_relu",
        "symmetric",
        "lr_high",
        "lr_low",
        "overfitting",
        "unnormalized",
    }


def test_a_healthy_network_has_no_findings(gaussian):
    snapshot = train(gaussian, [dense(8, "tanh")] * 2, 300)
    assert snapshot.findings == ()
    assert diagnosis.summary(snapshot.findings) == "Diagnosis: nothing unusual."


def test_vanishing_gradients_in_an_8_layer_sigmoid_network(spiral):
    snapshot = train(spiral, [dense(8, "sigmoid")] * 7, 5)
    found = finding(snapshot, "vanishing")
    stats, weights = snapshot.layer_stats, snapshot.weights
    first = stats[0].grad_norm / np.sqrt(weights[0][0].size)
    last = stats[-1].grad_norm / np.sqrt(weights[-1][0].size)
    assert first / last < 1e-3
    assert f"({first:.2g})" in found.text and f"({last:.2g})" in found.text
    assert "orders of magnitude smaller" in found.text and "ReLU" in found.suggestion
    assert "vanishing gradients" in diagnosis.summary(snapshot.findings)


def test_no_vanishing_gradients_in_a_shallow_tanh_network(spiral):
    snapshot = train(spiral, [dense(8, "tanh")] * 2, 50)
    assert not rules(snapshot) & {"vanishing", "exploding"}


def test_exploding_gradients_with_large_initial_weights(spiral):
    big = dense(16, "relu", initializer="random_normal", init_scale=2.0)
    snapshot = train(spiral, [big] * 7, 1, optimizer=("sgd", 1e-6))
    found = finding(snapshot, "exploding")
    assert "Exploding gradients" in found.text and "clip" in found.suggestion


def test_saturated_tanh_units_with_large_initial_weights(spiral):
    big = dense(8, "tanh", initializer="random_normal", init_scale=10.0)
    snapshot = train(spiral, [big] * 2, 5)
    found = finding(snapshot, "saturated")
    share = snapshot.layer_stats[1].saturated
    assert share is not None and share >= 0.5
    assert f"{100 * share:.0f}%" in found.text and "tanh" in found.text
    assert "saturated" not in rules(train(spiral, [dense(8, "tanh")] * 2, 5))


def test_dead_relus_after_a_large_negative_bias(gaussian):
    def negative_bias(weights):
        weights[1][:] = -50.0  # b1: every unit of layer 1 is off for every input
        return weights

    snapshot = train(
        gaussian, [dense(8, "relu", initializer="he_normal")] * 2, 1, weights=negative_bias
    )
    found = finding(snapshot, "dead_relu")
    assert "8 of 8 units of layer 1" in found.text
    assert "dead_relu" not in rules(healthy(gaussian, 10))


def test_symmetric_neurons_with_zero_initialization(spiral):
    zeros = dense(8, "tanh", initializer="zeros")
    snapshot = train(spiral, [zeros] * 2, 5, output=dense(1, "sigmoid", initializer="zeros"))
    found = finding(snapshot, "symmetric")
    assert "all 8 units of layer 1 have identical weights (all 0)" in found.text
    assert "symmetric" not in rules(train(spiral, [dense(8, "tanh")] * 2, 5))


def test_learning_rate_too_high_makes_the_loss_rise(spiral):
    # just below what the engine stops as a divergence (SGD 7 on this set diverges)
    snapshot = train(spiral, [dense(8, "tanh")] * 2, 200, ("sgd", 6.0), batch_size=None)
    assert snapshot.step == 200
    found = finding(snapshot, "lr_high")
    assert found.text.startswith("The loss is rising") and "learning rate of 6" in found.text
    assert "try 0.6)" in found.suggestion


def _losses_facts(losses: np.ndarray, learning_rate: float) -> diagnosis.Facts:
    smooth = np.empty_like(losses)
    running = losses[0]
    for i, loss in enumerate(losses):
        running += 0.05 * (loss - running)
        smooth[i] = running
    return diagnosis.Facts(step_losses=losses, smoothed_losses=smooth, learning_rate=learning_rate)


def test_learning_rate_too_high_makes_the_loss_oscillate():
    """Full-batch steps that jump across the valley and back: the loss alternates. (The
    engine stops larger jumps as a divergence, so the rule is fed the losses directly.)"""
    zigzag = np.tile([0.35, 0.6], 40)
    found = diagnosis.learning_rate_too_high(_losses_facts(zigzag, 2.0))
    assert found is not None and found.text.startswith("The loss oscillates")
    assert "100% of the last 40 steps" in found.text and "try 0.2)" in found.suggestion
    rng = np.random.default_rng(0)
    noisy = np.linspace(0.7, 0.3, 80) * (1 + 0.05 * rng.standard_normal(80))
    assert diagnosis.learning_rate_too_high(_losses_facts(noisy, 0.01)) is None


def test_a_good_learning_rate_is_not_too_high_nor_too_low(gaussian):
    snapshot = train(gaussian, [dense(8, "tanh")] * 2, 300)
    assert not rules(snapshot) & {"lr_high", "lr_low"}


def test_learning_rate_too_low_leaves_the_loss_flat(spiral):
    snapshot = train(spiral, [dense(8, "tanh")] * 2, 300, ("sgd", 1e-5))
    found = finding(snapshot, "lr_low")
    assert "learning rate of 1e-05" in found.text and "try 0.0001" in found.suggestion


def test_overfitting_a_tiny_training_set():
    small = prepare(
        DataConfig(
            kind="points", name="gaussian", n_samples=40, noise=1.0, validation=0.5, test=0.0
        )
    )
    snapshot = train(small, [dense(64, "relu")] * 3, 300, batch_size=None)
    found = finding(snapshot, "overfitting")
    val, loss = snapshot.history["val_loss"], snapshot.history["loss"]
    best = int(np.argmin(val))
    assert val[-1] > 1.1 * val[best] and loss[-1] < loss[best]
    assert f"(epoch {best + 1})" in found.text and f"(epoch {len(val)})" in found.text


def test_no_overfitting_while_both_losses_fall(gaussian):
    snapshot = healthy(gaussian, 100)
    assert len(snapshot.history["val_loss"]) >= diagnosis.MIN_EPOCHS
    assert "overfitting" not in rules(snapshot)


def big_numbers_csv(tmp_path: Path, gaussian: PreparedData) -> str:
    raw = gaussian.raw.train
    rows = np.column_stack([1000.0 * raw.x[:, 0] + 5000.0, raw.x[:, 1], raw.y])
    path = tmp_path / "big.csv"
    np.savetxt(path, rows, delimiter=",", header="x1,x2,label", comments="")
    return str(path)


def test_unnormalized_inputs(tmp_path, gaussian):
    path = big_numbers_csv(tmp_path, gaussian)
    raw = prepare(DataConfig(kind="file", path=path, normalization="none"))
    snapshot = train(raw, [dense(8, "tanh")], 1)
    found = finding(snapshot, "unnormalized")
    assert "means reach 5.01e+03" in found.text and "Standardize" in found.suggestion
    standardized = prepare(DataConfig(kind="file", path=path, normalization="standardize"))
    assert "unnormalized" not in rules(train(standardized, [dense(8, "tanh")], 1))
