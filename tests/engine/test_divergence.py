"""Divergence caught early: the scenarios of issue #13, and healthy runs left alone."""

from pathlib import Path

import numpy as np
import pytest

from nnviz.data import make_points
from nnviz.engine import (
    DivergenceError,
    LayerSpec,
    NetworkSpec,
    OptimizerSpec,
    Sequential,
    Trainer,
    divergence,
)
from nnviz.engine.optimizers import SGD

CAT_FILE = Path("/work/shared/data/catvnoncat/train_catvnoncat.h5")
SPIRAL = make_points("spiral", 200, 0.1, 0)


def spiral_spec(activation: str, optimizer: str, lr: float, units: int = 8) -> NetworkSpec:
    return NetworkSpec(
        input_dim=2,
        layers=(
            LayerSpec(units=units, activation=activation),
            LayerSpec(units=units, activation=activation),
            LayerSpec(units=1, activation="sigmoid"),
        ),
        optimizer=OptimizerSpec(optimizer, lr),
        batch_size=16,
    )


def cat_data() -> tuple[np.ndarray, np.ndarray]:
    """The real cat training set when present, else a random set of the same shape."""
    if CAT_FILE.is_file():
        h5py = pytest.importorskip("h5py")
        with h5py.File(CAT_FILE, "r") as f:
            x = f["train_set_x"][:].reshape(209, -1) / 255.0
            y = f["train_set_y"][:].astype(float)
        return x, y
    rng = np.random.default_rng(0)
    return rng.random((209, 12288)), (rng.random(209) < 0.35).astype(float)


def cat_spec(optimizer: OptimizerSpec) -> NetworkSpec:
    units = [(20, "relu"), (7, "relu"), (5, "relu"), (1, "sigmoid")]
    return NetworkSpec(
        input_dim=12288,
        layers=tuple(LayerSpec(units=u, activation=a) for u, a in units),
        optimizer=optimizer,
        batch_size=None,
        dtype="float32",
    )


def train_until_error(trainer: Trainer, steps: int) -> tuple[DivergenceError, list]:
    warnings = []
    with pytest.raises(DivergenceError) as info:
        for _ in range(steps):
            trainer.train_step()
            warnings.append(trainer.instability)
    return info.value, warnings


def test_adam_at_rate_10_on_the_spiral_stops_within_steps_after_a_warning():
    model = Sequential.from_config(spiral_spec("tanh", "adam", 10.0))
    trainer = Trainer(model, SPIRAL.x, SPIRAL.y, batch_size=16)
    trainer.train_step()  # checked after the first step: still good
    good = model.get_weights()
    error, warnings = train_until_error(trainer, 50)
    assert "the loss exploded" in error.reason and "more than 10 times" in str(error)
    assert error.step <= 10
    assert any(warnings) and "rising fast" in next(w for w in warnings if w)
    # put back to the last good copy: the weights after the first step
    for a, b in zip(good, model.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert not model.optimizer.state["m"].any()


def test_relu_sgd_at_rate_10_on_the_spiral_stops_when_a_layer_dies():
    model = Sequential.from_config(spiral_spec("relu", "sgd", 10.0))
    trainer = Trainer(model, SPIRAL.x, SPIRAL.y, batch_size=16)
    error, _ = train_until_error(trainer, 1000)
    assert "died" in error.reason and error.layer in (1, 2)
    assert error.step <= 300
    # the weights put back are alive: a forward pass fires units of every hidden layer
    for trace in model.forward_trace(SPIRAL.x)[:-1]:
        assert trace.a.max() > 0


def test_sgd_at_rate_10_on_the_cat_photos_stops_early():
    x, y = cat_data()
    model = Sequential.from_config(cat_spec(OptimizerSpec("sgd", 10.0)))
    trainer = Trainer(model, x, y, batch_size=None)
    error, _ = train_until_error(trainer, 40)
    assert error.reason is not None and error.step <= 20
    assert all(np.abs(w).max() < 1000 for w in model.get_weights())


class Kick(SGD):
    """Plain SGD that, at update ``at``, makes layer 1's kernel huge and its biases far more
    negative: its ReLUs go silent, so the loss stays ordinary while the weights are absurd."""

    def __init__(self, size: int, at: int) -> None:
        super().__init__(learning_rate=0.01)
        self.size, self.at = size, at

    def _update(self, p, g, lr, t, tmp, out) -> None:
        super()._update(p, g, lr, t, tmp, out)
        if t == self.at:
            out[: self.size] += 1e6
            out[self.size : self.size + 8] -= 1e12


def test_weights_past_their_bound_stop_training_at_the_next_check():
    model = Sequential.from_config(spiral_spec("relu", "sgd", 0.01))
    w1 = model.dense_layers[0].W
    model.optimizer = Kick(w1.size, at=13)
    trainer = Trainer(model, SPIRAL.x, SPIRAL.y, batch_size=16)
    for _ in range(divergence.CHECK_EVERY):
        trainer.train_step()
    good = model.get_weights()
    with pytest.raises(DivergenceError) as info:
        for _ in range(divergence.CHECK_EVERY):
            trainer.train_step()
    error = info.value
    assert error.step == 2 * divergence.CHECK_EVERY and error.layer == 1
    assert "the weights exploded" in error.reason and "layer 1" in error.reason
    for a, b in zip(good, model.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_a_healthy_spiral_run_never_warns():
    model = Sequential.from_config(spiral_spec("tanh", "adam", 0.01))
    trainer = Trainer(model, SPIRAL.x, SPIRAL.y, batch_size=16)
    for _ in range(300 * 13):
        trainer.train_step()
        assert trainer.instability is None
    assert trainer.history["loss"][-1] < trainer.history["loss"][0]


def test_a_healthy_relu_spiral_run_is_not_called_dead():
    model = Sequential.from_config(spiral_spec("relu", "adam", 0.01))
    trainer = Trainer(model, SPIRAL.x, SPIRAL.y, batch_size=16)
    for _ in range(100 * 13):
        trainer.train_step()
        assert trainer.instability is None


def test_a_healthy_cat_run_never_warns():
    x, y = cat_data()
    model = Sequential.from_config(cat_spec(OptimizerSpec("sgd", 0.0075)))
    trainer = Trainer(model, x, y, batch_size=None)
    for _ in range(300):
        trainer.train_step()
        assert trainer.instability is None


def test_the_warning_clears_when_the_loss_recovers():
    model = Sequential.from_config(spiral_spec("tanh", "adam", 0.01))
    monitor = divergence.DivergenceMonitor(model)
    for loss in [1.0] * 5:
        monitor.observe(loss)
    seen = []
    for loss in [6.0] * 10 + [1.0] * 30:
        monitor.observe(loss)
        seen.append(monitor.instability is not None)
    # S = 1 + 5·(1 - 0.9^k) passes 3 at the 5th high loss; back under 2 after it recovers
    assert seen.index(True) == 4 and all(seen[4:11])
    assert not seen[-1]


def test_an_edit_restarts_the_watch():
    model = Sequential.from_config(spiral_spec("tanh", "adam", 0.01))
    monitor = divergence.DivergenceMonitor(model)
    for _ in range(20):
        monitor.observe(0.02)
    model.apply_spec(model.get_config().with_layer(0, units=9))
    monitor.observe(5.0)  # a fresh layer may raise the loss: not a divergence
    assert monitor.instability is None and monitor.steps == 1


def test_a_relu_layer_that_never_fired_is_not_called_dead():
    spec = spiral_spec("relu", "sgd", 0.1)
    spec = spec.with_layer(0, initializer="zeros").with_layer(1, initializer="zeros")
    trainer = Trainer(Sequential.from_config(spec), SPIRAL.x, SPIRAL.y, batch_size=16)
    for _ in range(divergence.CHECK_EVERY * (divergence.DEAD_CHECKS + 5)):
        trainer.train_step()
