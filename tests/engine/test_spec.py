import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnviz.engine import LayerSpec, NetworkSpec, OptimizerSpec, ScheduleSpec, SpecError
from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.initializers import INITIALIZERS

finite = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)

dense_layers = st.builds(
    LayerSpec,
    kind=st.just("dense"),
    units=st.integers(1, 64),
    activation=st.sampled_from(ACTIVATIONS.names()),
    initializer=st.sampled_from(INITIALIZERS.names()),
    init_scale=st.one_of(st.none(), st.floats(0.001, 10.0)),
    l1=finite,
    l2=finite,
)
dropout_layers = st.builds(LayerSpec, kind=st.just("dropout"), rate=st.floats(0.0, 0.9))

optimizer_specs = st.one_of(
    st.builds(
        OptimizerSpec,
        name=st.just("sgd"),
        learning_rate=st.floats(1e-6, 10.0),
        options=st.fixed_dictionaries({"momentum": st.floats(0.0, 0.99)}),
    ),
    st.builds(
        OptimizerSpec,
        name=st.sampled_from(["adam", "adamw"]),
        learning_rate=st.floats(1e-6, 1.0),
        options=st.fixed_dictionaries(
            {"beta_1": st.floats(0.0, 0.99), "epsilon": st.floats(1e-10, 1e-3)}
        ),
    ),
)
schedule_specs = st.one_of(
    st.just(ScheduleSpec()),
    st.builds(
        ScheduleSpec,
        name=st.sampled_from(["exponential", "inverse_time", "step"]),
        options=st.fixed_dictionaries(
            {"decay_steps": st.integers(1, 1000), "decay_rate": st.floats(0.01, 0.99)}
        ),
    ),
)
specs = st.builds(
    NetworkSpec,
    input_dim=st.integers(1, 20000),
    layers=st.tuples(st.lists(st.one_of(dense_layers, dropout_layers), max_size=5), dense_layers)
    .map(lambda parts: (*parts[0], parts[1]))
    .filter(lambda layers: sum(layer.is_dense() for layer in layers) <= 13),
    loss=st.sampled_from(["binary_crossentropy", "categorical_crossentropy", "mse"]),
    optimizer=optimizer_specs,
    schedule=schedule_specs,
    clipnorm=st.one_of(st.none(), st.floats(0.01, 100.0)),
    batch_size=st.one_of(st.none(), st.integers(1, 4096)),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from(["float64", "float32"]),
)


@given(specs)
def test_json_round_trip_is_lossless(spec):
    text = spec.to_json()
    again = NetworkSpec.from_json(text)
    assert again == spec
    assert again.to_json() == text
    assert NetworkSpec.from_dict(json.loads(text)) == spec


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (lambda s: s.with_layer(1, units=0), "layers[1].units", "from 1 to"),
        (lambda s: s.with_layer(1, units=2.5), "layers[1].units", "whole number"),
        (lambda s: s.with_layer(0, activation="rleu"), "layers[0].activation", "choose one of"),
        (lambda s: s.with_layer(2, initializer="nope"), "layers[2].initializer", "unknown"),
        (lambda s: s.with_layer(0, l2=-1.0), "layers[0].l2", "must be in"),
        (lambda s: s.with_layer(0, init_scale=0.0), "layers[0].init_scale", "must be in"),
        (lambda s: s.with_layer(0, kind="conv"), "layers[0].kind", "must be one of"),
        (
            lambda s: s.with_layers(
                (*s.layers[:1], LayerSpec(kind="dropout", rate=1.0), *s.layers[1:])
            ),
            "layers[1].rate",
            "must be in",
        ),
        (lambda s: s.with_layers(()), "layers", "at least one dense"),
        (
            lambda s: s.with_layers((*s.layers, LayerSpec(kind="dropout", rate=0.5))),
            "layers",
            "last layer must be a dense",
        ),
        (lambda s: replace(s, input_dim=0), "input_dim", "from 1 to"),
        (lambda s: replace(s, loss="hinge"), "loss", "choose one of"),
        (lambda s: replace(s, batch_size=0), "batch_size", "from 1 to"),
        (lambda s: replace(s, dtype="float16"), "dtype", "must be one of"),
        (lambda s: replace(s, seed=-1), "seed", "from 0 to"),
        (lambda s: replace(s, clipnorm=0.0), "clipnorm", "must be in"),
        (
            lambda s: replace(s, optimizer=OptimizerSpec("adam", float("nan"))),
            "optimizer.learning_rate",
            "finite number",
        ),
        (
            lambda s: replace(s, optimizer=OptimizerSpec("adam", 0.0)),
            "optimizer.learning_rate",
            "must be in",
        ),
        (
            lambda s: replace(s, optimizer=OptimizerSpec("lbfgs")),
            "optimizer.name",
            "choose one of",
        ),
        (
            lambda s: replace(s, optimizer=OptimizerSpec("sgd", 0.1, {"beta_1": 0.9})),
            "optimizer.options",
            "unknown field",
        ),
        (
            lambda s: replace(s, optimizer=OptimizerSpec("sgd", 0.1, {"momentum": 1.5})),
            "optimizer.options",
            "momentum must be >= 0 and <= 1, got 1.5",
        ),
        (
            lambda s: replace(s, schedule=ScheduleSpec("step", {"decay_steps": 0})),
            "schedule.options",
            "decay_steps must be >= 1, got 0",
        ),
        (
            lambda s: replace(s, schedule=ScheduleSpec("step", {"gamma": 0.5})),
            "schedule.options",
            r"unknown field\(s\) \['gamma'\]; known fields are \['decay_rate', 'decay_steps'\]",
        ),
        (
            lambda s: replace(s, schedule=ScheduleSpec("constant", {"decay_rate": 0.5})),
            "schedule.options",
            r"unknown field\(s\) \['decay_rate'\]; known fields are \[\]",
        ),
        (
            lambda s: replace(s, schedule=ScheduleSpec("cosine")),
            "schedule.name",
            "choose one of",
        ),
    ],
)
def test_validation_names_the_bad_field(edit, field, message):
    with pytest.raises(SpecError, match=message) as info:
        edit(NetworkSpec()).validate()
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_from_dict_names_unknown_and_malformed_fields():
    data = NetworkSpec().to_dict()
    data["layers"][1]["unitz"] = 3
    with pytest.raises(SpecError, match="unitz") as info:
        NetworkSpec.from_dict(data)
    assert info.value.field == "layers[1]"
    with pytest.raises(SpecError) as info:
        NetworkSpec.from_json("{not json")
    assert info.value.field == "spec"
    bad = NetworkSpec().to_dict()
    bad["layers"][0]["units"] = -3
    with pytest.raises(SpecError) as info:
        NetworkSpec.from_dict(bad)
    assert info.value.field == "layers[0].units"


def test_default_spec_is_valid_and_dropout_counts_no_units():
    spec = NetworkSpec().validate()
    assert spec.output_units == 1
    with_dropout = spec.with_layers(
        (spec.layers[0], LayerSpec(kind="dropout", rate=0.2), *spec.layers[1:])
    )
    assert with_dropout.validate().dense_layers == spec.dense_layers
