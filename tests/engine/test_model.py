import numpy as np
import pytest

from nnviz.engine import (
    Dense,
    DivergenceError,
    Dropout,
    NetworkSpec,
    Sequential,
    Trainer,
    optimizers,
)
from nnviz.engine.spec import LayerSpec

from .gradcheck import TOLERANCE, numerical_gradient, relative_difference

RNG = np.random.default_rng(5)


def small_model(**kwargs) -> Sequential:
    model = Sequential(
        [Dense(8, activation="tanh"), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")],
        input_dim=2,
        seed=kwargs.pop("seed", 0),
        **kwargs,
    )
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy")
    return model


def xor_data(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    return x, (x[:, 0] * x[:, 1] > 0).astype(float)


# -- gradients ------------------------------------------------------------------------
NETWORKS = [
    ("relu/tanh, sigmoid + BCE, L1/L2", ["relu", "tanh", "sigmoid"], "binary_crossentropy", 1),
    ("elu/gelu, softmax + CCE", ["elu", "gelu", "softmax"], "categorical_crossentropy", 3),
    ("swish/softplus, linear + MSE", ["swish", "softplus", "linear"], "mse", 2),
    ("leaky_relu/sigmoid, sigmoid + MSE", ["leaky_relu", "sigmoid", "sigmoid"], "mse", 1),
    ("tanh/relu, softmax + MSE", ["tanh", "relu", "softmax"], "mse", 3),
]


@pytest.mark.parametrize(
    ("label", "acts", "loss", "outputs"), NETWORKS, ids=[n[0] for n in NETWORKS]
)
def test_multilayer_gradients_match_finite_differences(label, acts, loss, outputs):
    model = Sequential(
        [
            Dense(5, activation=acts[0], l1=0.01, l2=0.02),
            Dense(4, activation=acts[1], kernel_initializer="he_normal", l2=0.05),
            Dense(outputs, activation=acts[2], l1=0.03),
        ],
        input_dim=3,
        seed=4,
    )
    model.compile(optimizer="sgd", loss=loss)
    x = RNG.normal(size=(6, 3))
    if loss == "categorical_crossentropy":
        y = RNG.integers(0, outputs, 6)
    elif loss == "binary_crossentropy":
        y = RNG.integers(0, 2, 6)
    else:
        y = RNG.uniform(0, 1, (6, outputs))
    _, grads = model.compute_gradients(x, y)
    params = []
    for layer in model.dense_layers:
        params += [layer.W, layer.b]
    for array, grad in zip(params, grads, strict=True):
        g_num = numerical_gradient(lambda: model.compute_gradients(x, y)[0], array)
        assert relative_difference(grad, g_num) < TOLERANCE


def test_dropout_gradient_with_a_fixed_mask():
    layer = Dropout(0.4)
    x = RNG.normal(size=(5, 6))
    w = RNG.normal(size=(5, 6))

    def f() -> float:  # the same seed draws the same mask every time
        return float(np.sum(w * layer.forward(x, True, np.random.default_rng(9))))

    f()
    dx = layer.backward(w, need_dx=True)
    assert relative_difference(dx, numerical_gradient(f, x)) < TOLERANCE
    kept = layer.mask != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(layer.mask[kept], 1 / 0.6)
    assert layer.forward(x, False, np.random.default_rng(9)) is x


def test_dropout_is_off_at_predict_and_on_in_training():
    model = Sequential(
        [Dense(16, activation="relu"), Dropout(0.5), Dense(1, activation="sigmoid")],
        input_dim=2,
        seed=1,
    )
    model.compile(optimizer="sgd", loss="bce")
    x, y = xor_data()
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    loss_a = model.compute_gradients(x, y)[0]
    loss_b = model.compute_gradients(x, y)[0]
    assert loss_a != loss_b  # a new mask each training pass
    assert model.evaluate(x, y)["loss"] == model.evaluate(x, y)["loss"]


# -- known values, weights, determinism ----------------------------------------------
def test_lesson_perceptron_through_the_model():
    model = Sequential([Dense(1, activation="sigmoid")], input_dim=2)
    model.set_weights([np.array([[3.0], [-2.0]]), np.array([1.0])])
    trace = model.forward_trace([[-2.0, 2.0]])
    assert trace[0].z[0, 0] == -9.0
    assert model.predict([[-2.0, 2.0]])[0, 0] == pytest.approx(1.2339457598623172e-4, rel=1e-12)
    assert model.predict([-2.0, 2.0]).shape == (1, 1)  # one sample given as a flat vector


def test_weights_layout_and_set_weights_checks():
    model = small_model()
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(2, 8), (8,), (8, 8), (8,), (8, 1), (1,)]
    weights = model.get_weights()
    weights[0][0, 0] = 123.0  # a copy: the model is untouched
    assert model.get_weights()[0][0, 0] != 123.0
    model.set_weights(weights)
    assert model.dense_layers[0].W[0, 0] == 123.0
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"W2 must have shape \(8, 8\), got \(8, 7\)"):
        model.set_weights([*weights[:2], np.zeros((8, 7)), *weights[3:]])
    with pytest.raises(ValueError, match="expected 6 arrays"):
        model.set_weights(weights[:4])
    with pytest.raises(ValueError, match="NaN"):
        model.set_weights([np.full_like(w, np.nan) for w in weights])
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_set_weights_then_train_on_batch_is_deterministic():
    x, y = xor_data()
    start = small_model(seed=3).get_weights()
    results = []
    for seed in (1, 2):  # different initial weights, overwritten by set_weights
        model = small_model(seed=seed)
        model.set_weights(start)
        losses = [model.train_on_batch(x, y) for _ in range(3)]
        results.append((losses, model.get_weights()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_train_on_batch_returns_the_loss_before_the_update():
    x, y = xor_data()
    model = small_model()
    before = model.evaluate(x, y)["loss"]
    assert model.train_on_batch(x, y) == pytest.approx(before, rel=1e-12)
    assert model.evaluate(x, y)["loss"] < before


def test_same_seed_same_initial_weights():
    a, b, c = small_model(seed=7), small_model(seed=7), small_model(seed=8)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_evaluate_matches_a_hand_computation():
    model = small_model()
    x, y = xor_data()
    w1, b1, w2, b2, w3, b3 = model.get_weights()
    p = 1 / (1 + np.exp(-(np.tanh(np.tanh(x @ w1 + b1) @ w2 + b2) @ w3 + b3)))[:, 0]
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    result = model.evaluate(x, y)
    assert result["loss"] == pytest.approx(loss, rel=1e-10)
    assert result["accuracy"] == pytest.approx(np.mean((p > 0.5) == y))
    np.testing.assert_allclose(model.predict(x)[:, 0], p, rtol=1e-12)


def test_builds_on_first_data_and_reports_bad_shapes():
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], seed=0)
    with pytest.raises(ValueError, match="no weights yet"):
        model.get_weights()
    model.compile(optimizer="sgd", loss="bce")
    x, y = xor_data()
    model.train_on_batch(x, y)
    assert model.input_dim == 2
    with pytest.raises(ValueError, match="3 features per sample but the network's input layer"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="got 40 input samples but 39 targets"):
        model.train_on_batch(x, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="compile the model first"):
        Sequential([Dense(1)], input_dim=2).train_on_batch(x, y)
    with pytest.raises(ValueError, match="last layer must be a Dense"):
        Sequential([Dense(2), Dropout(0.5)])
    with pytest.raises(ValueError, match="Dense units must be a whole number"):
        Dense(0)


def test_summary_lists_layers_and_parameter_counts():
    model = Sequential(
        [Dense(20, activation="relu"), Dropout(0.2), Dense(1, activation="sigmoid")],
        input_dim=12288,
    )
    text = model.summary(print_fn=None)
    assert "dense_1 (Dense)" in text and "(None, 20)" in text and "245,780" in text
    assert "dropout_1 (Dropout 0.2)" in text
    assert "Total params: 245,801" in text


# -- dtype --------------------------------------------------------------------------
def test_float32_model_stays_float32():
    model = small_model(dtype="float32")
    x, y = xor_data()  # float64 data, cast once
    trainer = Trainer(model, x, y, batch_size=8)
    cast_x = trainer.x
    assert cast_x.dtype == np.float32
    for _ in range(6):
        assert isinstance(trainer.train_step().loss, float)
    assert trainer.x is cast_x  # not re-cast per step
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert all(v.dtype == np.float32 for v in model.optimizer.state.values())
    assert model.predict(x).dtype == np.float32
    layer = model.dense_layers[0]
    assert layer.z.dtype == layer.a.dtype == layer.dW.dtype == np.float32
    assert all(t.z.dtype == np.float32 for t in model.forward_trace(x))
    _, grads = model.compute_gradients(x, y)
    assert all(g.dtype == np.float32 for g in grads)


# -- traces and statistics -----------------------------------------------------------
def test_forward_trace_does_not_touch_training_state():
    model = small_model()
    x, y = xor_data()
    model.train_on_batch(x, y)
    layer = model.dense_layers[1]
    kept = (layer.x, layer.z, layer.a, model._grads.copy(), model.get_weights())
    traces = model.forward_trace(x[:5])
    assert [t.index for t in traces] == [1, 2, 3]
    assert traces[0].z.shape == (5, 8) and traces[2].a.shape == (5, 1)
    np.testing.assert_allclose(traces[2].a, model.predict(x[:5]))
    np.testing.assert_allclose(traces[1].a, np.tanh(traces[1].z))
    assert layer.x is kept[0] and layer.z is kept[1] and layer.a is kept[2]
    np.testing.assert_array_equal(model._grads, kept[3])


def test_layer_stats_after_a_step():
    model = Sequential(
        [Dense(4, activation="relu"), Dense(3, activation="tanh"), Dense(1, activation="sigmoid")],
        input_dim=2,
        seed=0,
    )
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="bce")
    assert model.layer_stats() == []
    w = model.get_weights()
    w[1][:] = [-100, -100, 0, 0]  # units 1 and 2 of layer 1 never fire: dead
    w[2] *= 1000  # layer 2's tanh saturates
    model.set_weights(w)
    x, y = xor_data()
    before = model.get_weights()
    model.train_on_batch(x, y)
    after = model.get_weights()
    stats = model.layer_stats()
    assert [s.index for s in stats] == [1, 2, 3]
    s1, s2, s3 = stats
    assert s1.dead == 0.5 and s1.saturated is None
    a1 = np.maximum(x @ before[0] + before[1], 0)
    a2 = np.tanh(a1 @ before[2] + before[3])
    assert s2.saturated == pytest.approx(np.mean(np.abs(a2) > 0.95)) and s2.dead is None
    assert s2.saturated > 0.3
    assert s1.activation_mean == pytest.approx(a1.mean())
    assert s1.activation_std == pytest.approx(a1.std())
    assert s1.histogram.sum() == a1.size and len(s1.bin_edges) == len(s1.histogram) + 1
    assert s1.weight_norm == pytest.approx(np.linalg.norm(after[0]))
    assert s1.update_ratio == pytest.approx(
        np.linalg.norm(after[0] - before[0]) / np.linalg.norm(after[0])
    )
    # plain SGD: ΔW = -lr·dW
    assert s3.grad_norm == pytest.approx(np.linalg.norm(after[4] - before[4]) / 0.1)
    assert s3.bias_grad_norm == pytest.approx(np.linalg.norm(after[5] - before[5]) / 0.1)


# -- divergence ------------------------------------------------------------------------
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_exploding_weights_are_restored_and_reported():
    model = Sequential([Dense(4, activation="relu"), Dense(1)], input_dim=2, seed=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=1e308), loss="mse")
    x = RNG.normal(size=(8, 2))
    y = RNG.normal(size=8) * 100
    before = model.get_weights()
    with pytest.raises(DivergenceError) as info:
        model.train_on_batch(x, y)
    error = info.value
    assert isinstance(error, ArithmeticError)
    assert error.layer in (1, 2) and error.layer_name.startswith("dense_")
    assert "smaller learning rate" in str(error) and "1e+308" in str(error)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model.optimizer.learning_rate = 1e-3  # a smaller rate trains on from there
    assert np.isfinite(model.train_on_batch(x, y))


@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_a_step_keeps_the_weights_before_it_and_the_layers_see_the_new_ones(optimizer):
    model = Sequential([Dense(4, activation="tanh"), Dense(1)], input_dim=2, seed=0)
    model.compile(optimizer=optimizers.get(optimizer, learning_rate=0.1), loss="mse")
    x, y = RNG.normal(size=(8, 2)), RNG.normal(size=8)
    for _ in range(3):
        before = model._params.copy()
        model.train_on_batch(x, y)
        np.testing.assert_array_equal(model._backup, before)
        assert not np.array_equal(model._params, before)
        start = 0
        for layer in model.dense_layers:
            for array in (layer.W, layer.b):
                assert np.shares_memory(array, model._params)
                np.testing.assert_array_equal(
                    array.ravel(), model._params[start : start + array.size]
                )
                start += array.size
    assert model.get_weights()[0] is not model.dense_layers[0].W


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_loss_blown_up_by_the_last_update_restores_the_weights_before_it():
    model = Sequential([Dense(2, activation="linear"), Dense(1)], input_dim=1, seed=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.01), loss="mse")
    x, y = [[1.0], [2.0]], [1.0, -1.0]
    model.train_on_batch(x, y)
    before = model.get_weights()
    model.optimizer.learning_rate = 1e200  # this update is finite, the next loss is not
    model.train_on_batch(x, y)
    with pytest.raises(DivergenceError, match="the loss became NaN or infinite"):
        model.train_on_batch(x, y)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model.optimizer.learning_rate = 0.01  # trains on from the restored weights
    twin = Sequential([Dense(2, activation="linear"), Dense(1)], input_dim=1, seed=0)
    twin.compile(optimizer=optimizers.SGD(learning_rate=0.01), loss="mse")
    twin.set_weights(before)
    assert model.train_on_batch(x, y) == twin.train_on_batch(x, y)
    for a, b in zip(twin.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_non_finite_loss_leaves_weights_untouched():
    model = Sequential([Dense(2, activation="linear"), Dense(1)], input_dim=1, seed=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    model.set_weights([np.full((1, 2), 1e200), np.zeros(2), np.full((2, 1), 1e200), np.zeros(1)])
    before = model.get_weights()
    with pytest.raises(DivergenceError, match="the loss became NaN or infinite") as info:
        model.train_on_batch([[1.0]], [0.0])
    assert info.value.layer == 2  # 1e400 overflows in the second layer
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_huge_finite_weights_are_not_taken_for_a_divergence():
    # the step's finiteness check sums squares; 3e19² overflows float32 but the weight is
    # finite, so the update stands
    model = Sequential([Dense(1)], input_dim=1, dtype="float32", seed=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    model.set_weights([np.full((1, 1), 3e19), np.zeros(1)])
    assert model.train_on_batch([[0.0]], [1.0]) == 1.0
    w, b = model.get_weights()
    assert w[0, 0] == np.float32(3e19) and b[0] == np.float32(0.1) * np.float32(2.0)


# -- spec ------------------------------------------------------------------------------
def test_config_round_trip_and_from_config():
    spec = NetworkSpec(
        input_dim=3,
        layers=(
            LayerSpec(units=6, activation="relu", initializer="he_normal", l2=0.01),
            LayerSpec(kind="dropout", rate=0.25),
            LayerSpec(units=4, activation="tanh", initializer="random_normal", init_scale=0.5),
            LayerSpec(units=3, activation="softmax", initializer="glorot_normal"),
        ),
        loss="categorical_crossentropy",
        optimizer=NetworkSpec().optimizer.__class__("sgd", 0.05, {"momentum": 0.9}),
        clipnorm=1.0,
        batch_size=16,
        seed=42,
        dtype="float32",
    )
    model = Sequential.from_config(spec)
    assert model.get_config() == spec
    assert model.dtype == np.float32 and model.batch_size == 16
    assert isinstance(model.optimizer, optimizers.SGD) and model.optimizer.momentum == 0.9
    assert model.optimizer.clipnorm == 1.0
    assert isinstance(model.layers[1], Dropout) and model.layers[1].rate == 0.25
    w2 = model.dense_layers[1].W
    assert 0.3 < w2.std() < 0.7  # random_normal with scale 0.5
    twin = Sequential.from_config(spec)
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert NetworkSpec.from_json(model.get_config().to_json()) == spec


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "rmsprop", "adam", "adamw"])
@pytest.mark.parametrize(
    ("hidden", "output", "loss", "units"),
    [
        ("relu", "sigmoid", "binary_crossentropy", 1),
        ("gelu", "softmax", "categorical_crossentropy", 3),
        ("elu", "linear", "mse", 2),
        ("swish", "tanh", "mse", 1),
    ],
)
def test_no_silent_float64_in_a_float32_model(optimizer, hidden, output, loss, units):
    model = Sequential(
        [
            Dense(6, activation=hidden, l1=0.01, l2=0.01),
            Dropout(0.3),
            Dense(4, activation="softplus"),
            Dense(units, activation=output),
        ],
        input_dim=3,
        dtype="float32",
        seed=0,
    )
    opt = optimizers.get(optimizer, learning_rate=0.01, clipnorm=1.0, schedule="exponential")
    model.compile(optimizer=opt, loss=loss)
    x = RNG.normal(size=(12, 3))
    y = (
        RNG.integers(0, 2, (12, units))
        if loss != "categorical_crossentropy"
        else RNG.integers(0, 3, 12)
    )
    for _ in range(2):
        assert np.isfinite(model.train_on_batch(x, y))
    arrays = [model._params, model._grads, *model.optimizer.state.values()]
    for layer in model.dense_layers:
        arrays += [layer.x, layer.z, layer.a, layer.W, layer.dW]
    assert all(a.dtype == np.float32 for a in arrays)
    assert model.layers[1].mask.dtype == np.float32
    assert model.predict(x).dtype == np.float32


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_kernel_gradient_norms_are_the_norms_of_each_layers_dw(dtype):
    x, y = xor_data()
    model = small_model(dtype=dtype)
    assert model.dtype == np.dtype(dtype)
    model.train_on_batch(x.astype(dtype), y)
    expected = [np.linalg.norm(layer.dW.astype(np.float64)) for layer in model.dense_layers]
    assert all(layer.db.any() for layer in model.dense_layers)  # biases left out, not zero
    rtol = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(model.kernel_gradient_norms(), expected, rtol=rtol)
