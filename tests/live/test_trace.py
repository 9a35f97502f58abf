"""Tracing one sample: the numbers are the engine's (forward_trace, compute_gradients) and
agree with finite differences; the lesson's perceptron example comes out exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnviz.engine import Sequential
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec
from nnviz.live.trace import load_photo, number, trace_sample, weighted_sum

PERCEPTRON = NetworkSpec(
    input_dim=2,
    layers=(LayerSpec(units=1, activation="sigmoid"),),
    optimizer=OptimizerSpec("sgd", 0.1),
)


def test_the_slides_perceptron_example():
    weights = [(np.array([[3.0], [-2.0]]), np.array([1.0]))]
    trace = trace_sample(PERCEPTRON, weights, np.array([-2.0, 2.0]), 0)
    (step,) = trace.layers
    assert step.z[0] == 1 + 3 * (-2) - 2 * 2 == -9
    assert step.a[0] == pytest.approx(1 / (1 + math.exp(9)))
    assert f"{trace.output[0]:.8f}" == "0.00012339"
    # BCE of target 0: -ln(1 - ŷ); ∂L/∂ŷ = 1 / (1 - ŷ); ∂L/∂z = ŷ - y; ∂L/∂W = x·∂L/∂z
    y_hat = step.a[0]
    assert trace.loss == pytest.approx(-math.log(1 - y_hat))
    assert trace.dyhat[0] == pytest.approx(1 / (1 - y_hat))
    assert step.dz[0] == pytest.approx(y_hat)
    np.testing.assert_allclose(step.dW[:, 0], np.array([-2.0, 2.0]) * y_hat)


DEEP = NetworkSpec(
    input_dim=3,
    layers=(
        LayerSpec(units=5, activation="tanh"),
        LayerSpec(kind="dropout", rate=0.5),
        LayerSpec(units=4, activation="relu"),
        LayerSpec(units=1, activation="sigmoid"),
    ),
    optimizer=OptimizerSpec("adam", 0.05),
    seed=3,
)


@pytest.fixture
def deep():
    model = Sequential.from_config(DEEP)
    rng = np.random.default_rng(1)
    weights = [w + 0.1 * rng.standard_normal(w.shape) for w in model.get_weights()]
    return weights, np.array([0.3, -1.2, 0.8])


def sample_loss(weights, x, target) -> float:
    spec = DEEP.with_layers(DEEP.dense_layers)
    model = Sequential.from_config(spec)
    model.set_weights(weights)
    return model.evaluate(x[None, :], np.array([target]))["loss"]


def test_forward_numbers_are_the_engines(deep):
    weights, x = deep
    trace = trace_sample(DEEP, weights, x, 1)
    model = Sequential.from_config(DEEP)
    model.set_weights(weights)
    engine = model.forward_trace(x[None, :])
    assert [s.activation for s in trace.layers] == ["tanh", "relu", "sigmoid"]
    for step, layer in zip(trace.layers, engine, strict=True):
        np.testing.assert_array_equal(step.z, layer.z[0])
        np.testing.assert_array_equal(step.a, layer.a[0])
        np.testing.assert_allclose(step.z, step.x @ step.W + step.b)
    np.testing.assert_array_equal(trace.layers[1].x, trace.layers[0].a)


def test_backward_numbers_match_the_engine_and_finite_differences(deep):
    weights, x = deep
    trace = trace_sample(DEEP, weights, x, 1)
    dropout_free = Sequential.from_config(DEEP.with_layers(DEEP.dense_layers))
    dropout_free.set_weights(weights)
    loss, grads = dropout_free.compute_gradients(x[None, :], np.array([1]))
    assert trace.loss == loss == pytest.approx(sample_loss(weights, x, 1))
    eps = 1e-6
    for i, step in enumerate(trace.layers):
        np.testing.assert_array_equal(step.dW, grads[2 * i])
        np.testing.assert_array_equal(step.db, grads[2 * i + 1])
        for k, kind in ((2 * i, "W"), (2 * i + 1, "b")):
            numeric = np.zeros_like(weights[k])
            for index in np.ndindex(weights[k].shape):
                plus = [w.copy() for w in weights]
                minus = [w.copy() for w in weights]
                plus[k][index] += eps
                minus[k][index] -= eps
                numeric[index] = (sample_loss(plus, x, 1) - sample_loss(minus, x, 1)) / (2 * eps)
            analytic = step.dW if kind == "W" else step.db
            np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
        # ∂L/∂z = ∂L/∂a ⊙ g'(z) (the chain rule through the activation)
        derivative = {
            "tanh": 1 - np.tanh(step.z) ** 2,
            "relu": (step.z > 0).astype(float),
            "sigmoid": step.a * (1 - step.a),
        }[step.activation]
        np.testing.assert_allclose(step.dz, step.da * derivative, rtol=1e-10, atol=1e-15)
    y_hat = trace.output[0]
    assert trace.dyhat[0] == pytest.approx((y_hat - 1) / (y_hat * (1 - y_hat)))
    np.testing.assert_array_equal(trace.layers[-1].da, trace.dyhat)


def test_one_gradient_descent_step_on_one_weight(deep):
    weights, x = deep
    trace = trace_sample(DEEP, weights, x, 1)
    update = trace.update(0, 2, 3)
    assert update.before == weights[0][2, 3]
    assert update.gradient == trace.layers[0].dW[2, 3]
    assert update.learning_rate == 0.05
    assert update.after == update.before - 0.05 * update.gradient
    moved = [w.copy() for w in weights]
    moved[0][2, 3] = update.after
    assert update.loss_after == pytest.approx(sample_loss(moved, x, 1))
    assert update.loss_after < update.loss_before == trace.loss


def test_softmax_outputs_are_traced_too():
    spec = NetworkSpec(
        input_dim=2,
        layers=(LayerSpec(units=4, activation="relu"), LayerSpec(units=3, activation="softmax")),
        loss="categorical_crossentropy",
    )
    weights = Sequential.from_config(spec).get_weights()
    trace = trace_sample(spec, weights, np.array([0.5, -0.5]), 2)
    np.testing.assert_array_equal(trace.target, [0.0, 0.0, 1.0])
    assert trace.output.sum() == pytest.approx(1.0)
    assert trace.loss == pytest.approx(-math.log(trace.output[2]))


def test_the_weighted_sum_is_written_as_on_the_slide():
    assert weighted_sum(1.0, np.array([3.0, -2.0]), np.array([-2.0, 2.0])) == "1 + 3·(−2) − 2·2"
    assert number(-9.0) == "−9" and number(1 / (1 + math.exp(9)), 5) == "0.00012339"
    long = weighted_sum(0.5, np.ones(100), np.arange(100.0), max_terms=4)
    assert long == "0.5 + 1·0 + 1·1 + 1·2 + … (97 more terms)"


def test_a_photo_file_is_read_as_rgb_and_resized(tmp_path):
    from PIL import Image

    path = tmp_path / "grey.png"
    Image.fromarray(np.full((30, 50), 200, dtype=np.uint8)).save(path)  # greyscale, 50x30
    photo = load_photo(path, (64, 64, 3))
    assert photo.shape == (64, 64, 3) and photo.dtype == np.uint8 and np.all(photo == 200)
    (tmp_path / "text.png").write_text("hello")
    with pytest.raises(ValueError, match="cannot read this image"):
        load_photo(tmp_path / "text.png", (64, 64, 3))
