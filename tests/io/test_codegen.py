"""Code export: the scripts' text, their side files, and — where torch or keras is
importable (neither is a dependency of nnviz) — a round trip: the exported network
predicts what nnviz predicts and its first training steps have nnviz's losses."""

import importlib.util
from dataclasses import replace

import numpy as np
import pytest

from nnviz.data import DataConfig, prepare
from nnviz.engine import Sequential, Trainer
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec, ScheduleSpec
from nnviz.io.codegen import export_script, keras_script, pytorch_script
from nnviz.io.export import ExportError

BASE = NetworkSpec(
    layers=(
        LayerSpec(units=8, activation="tanh"),
        LayerSpec(units=6, activation="relu", initializer="he_normal", l1=1e-4, l2=1e-3),
        LayerSpec(units=1, activation="sigmoid"),
    ),
    batch_size=16,
)
CASES = {
    "sgd": replace(BASE, optimizer=OptimizerSpec("sgd", 0.1)),
    "momentum": replace(BASE, optimizer=OptimizerSpec("sgd", 0.05, {"momentum": 0.9})),
    "nesterov_step": replace(
        BASE,
        optimizer=OptimizerSpec("sgd", 0.05, {"momentum": 0.9, "nesterov": True}),
        schedule=ScheduleSpec("step", {"decay_steps": 5, "decay_rate": 0.5}),
    ),
    "adam_clipped": replace(
        BASE, optimizer=OptimizerSpec("adam", 0.01, {"amsgrad": True}), clipnorm=0.5
    ),
    "adamw_exponential": replace(
        BASE,
        optimizer=OptimizerSpec("adamw", 0.01),
        schedule=ScheduleSpec("exponential", {"decay_steps": 7, "decay_rate": 0.9}),
    ),
    "rmsprop": replace(BASE, optimizer=OptimizerSpec("rmsprop", 0.01)),
    "rmsprop_centered": replace(
        BASE, optimizer=OptimizerSpec("rmsprop", 0.01, {"momentum": 0.5, "centered": True})
    ),
    "adagrad_float32_full_batch": replace(
        BASE,
        optimizer=OptimizerSpec("adagrad", 0.05, {"weight_decay": 0.01}),
        schedule=ScheduleSpec(
            "inverse_time", {"decay_steps": 3, "decay_rate": 0.5, "staircase": True}
        ),
        dtype="float32",
        batch_size=None,
    ),
    "mse": replace(BASE, loss="mse", optimizer=OptimizerSpec("sgd", 0.1)),
    "every_activation": replace(
        BASE,
        layers=(
            LayerSpec(units=5, activation="leaky_relu", initializer="lecun_normal"),
            LayerSpec(units=5, activation="elu", initializer="glorot_normal"),
            LayerSpec(units=5, activation="softplus", initializer="he_uniform"),
            LayerSpec(units=5, activation="swish", initializer="random_normal", init_scale=0.3),
            LayerSpec(units=5, activation="gelu", initializer="random_uniform"),
            LayerSpec(units=5, activation="linear"),
            LayerSpec(units=1, activation="sigmoid"),
        ),
        optimizer=OptimizerSpec("adam", 0.01),
    ),
}


@pytest.fixture(scope="module")
def points():
    return prepare(DataConfig(kind="points", name="spiral", n_samples=160, noise=0.1))


@pytest.fixture(scope="module")
def three_classes():
    return prepare(DataConfig(kind="points", name="spiral", n_samples=150, n_classes=3))


def fitted(spec, data):
    return spec.for_task(data.input_dim, data.n_classes)


def test_scripts_compile_and_speak_the_lessons_vocabulary(points):
    spec = fitted(CASES["adam_clipped"], points)
    for make in (pytorch_script, keras_script):
        source = make(spec, "net", points)
        compile(source, "net.py", "exec")
        assert "def build_model():" in source
        assert "def load_data():" in source
        assert 'if __name__ == "__main__":' in source
        assert "z = x·W + b" in source
        assert "binary cross-entropy" in source
        assert "net_weights.npz" in source and "net_data.npz" in source
    torch_source = pytorch_script(spec, "net", points)
    assert "nn.Linear(2, 8)," in torch_source
    assert "nn.Tanh()," in torch_source
    assert 'nn.init.kaiming_normal_(dense[1].weight, nonlinearity="relu")' in torch_source
    assert "torch.optim.Adam(" in torch_source and "amsgrad=True," in torch_source
    assert "CLIPNORM = 0.5" in torch_source
    assert "F.binary_cross_entropy_with_logits(z, y)" in torch_source
    assert "loss = loss + 0.001 * dense[1].weight.pow(2).sum()" in torch_source
    keras_source = keras_script(spec, "net", points)
    assert "keras.regularizers.L1L2(l1=0.0001, l2=0.001)" in keras_source
    assert "global_clipnorm=0.5" in keras_source
    assert 'VarianceScaling(2.0, "fan_in", "untruncated_normal")' in keras_source


def test_every_optimizer_and_schedule_gives_valid_code(points, three_classes):
    for spec in CASES.values():
        for data in (points, three_classes):
            for make in (pytorch_script, keras_script):
                compile(make(fitted(spec, data), "net", data), "net.py", "exec")


def test_export_writes_the_script_weights_and_data(tmp_path, points):
    spec = fitted(CASES["sgd"], points)
    weights = Sequential.from_config(spec).get_weights()
    paths = export_script("pytorch", tmp_path / "my_net.py", spec, weights, points)
    assert [p.name for p in paths] == ["my_net.py", "my_net_weights.npz", "my_net_data.npz"]
    with np.load(paths[1]) as f:
        assert sorted(f.files) == ["W1", "W2", "W3", "b1", "b2", "b3"]
        np.testing.assert_array_equal(f["W2"], weights[2])
    with np.load(paths[2]) as f:
        np.testing.assert_array_equal(f["x_train"], points.x_train)
        np.testing.assert_array_equal(f["y_test"], points.y_test)
        assert {"x_val", "y_val", "x_test", "y_test"} <= set(f.files)


def test_export_refuses_names_python_cannot_import(tmp_path, points):
    spec = fitted(CASES["sgd"], points)
    weights = Sequential.from_config(spec).get_weights()
    with pytest.raises(ExportError, match="import"):
        export_script("keras", tmp_path / "my-net.py", spec, weights, points)
    with pytest.raises(ExportError, match="framework"):
        export_script("jax", tmp_path / "net.py", spec, weights, points)
    assert list(tmp_path.iterdir()) == []


def load_module(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def round_trip(framework, tmp_path, spec, data, steps=25):
    """(max |prediction difference| on the test split, max |loss difference| over the
    first ``steps`` training steps) between nnviz and the exported script."""
    model = Sequential.from_config(spec)
    # start from trained weights, not the initial ones
    Trainer(model, data.x_train, data.y_train, batch_size=spec.batch_size, seed=7).fit(3)
    weights = model.get_weights()
    script = export_script(framework, tmp_path / f"net_{framework}.py", spec, weights, data)[0]
    exported = load_module(script)
    arrays = exported.load_data()
    network = exported.build_model()
    predictions = np.asarray(exported.predict(network, arrays["x_test"]))
    prediction_error = np.abs(predictions - model.predict(data.x_test)).max()
    losses = exported.train(network, arrays, max_steps=steps, verbose=False)
    reference = Sequential.from_config(spec)
    reference.set_weights(weights)
    trainer = Trainer(
        reference, data.x_train, data.y_train, batch_size=spec.batch_size, seed=spec.seed
    )
    expected = [trainer.train_step().loss for _ in range(steps)]
    assert len(losses) == steps
    return prediction_error, np.abs(np.asarray(losses) - expected).max()


@pytest.mark.parametrize("case", sorted(CASES))
def test_pytorch_round_trip(case, tmp_path, points):
    pytest.importorskip("torch")
    prediction_error, loss_error = round_trip(
        "pytorch", tmp_path, fitted(CASES[case], points), points
    )
    assert prediction_error <= 1e-5
    assert loss_error <= 1e-4


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
def test_round_trip_with_softmax_and_dropout_off(framework, tmp_path, three_classes):
    pytest.importorskip("torch" if framework == "pytorch" else "keras")
    layers = (BASE.layers[0], LayerSpec(kind="dropout", rate=0.0), *BASE.layers[1:])
    spec = fitted(replace(CASES["adam_clipped"], layers=layers), three_classes)
    prediction_error, loss_error = round_trip(framework, tmp_path, spec, three_classes)
    assert prediction_error <= 1e-5
    assert loss_error <= 1e-4


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_round_trip(case, tmp_path, points):
    pytest.importorskip("keras")
    prediction_error, loss_error = round_trip(
        "keras", tmp_path, fitted(CASES[case], points), points
    )
    assert prediction_error <= 1e-5
    assert loss_error <= 1e-4
