"""The layer registry: each kind round-trips through its LayerSpec."""

import pytest

from nnviz.engine import LayerSpec, NetworkSpec, Sequential, SpecError
from nnviz.engine.layers import LAYERS, Dense, Dropout

SPECS = {
    "dense": LayerSpec(units=5, activation="elu", initializer="he_normal", l1=0.01, l2=0.02),
    "dropout": LayerSpec(kind="dropout", rate=0.3),
}


def test_every_registered_kind_round_trips_its_spec():
    assert set(LAYERS.names()) == set(SPECS)
    for kind, spec in SPECS.items():
        layer = LAYERS.get(kind).from_config(spec)
        assert layer.kind == kind and layer.get_config() == spec


def test_the_registry_builds_models_and_their_summary():
    spec = NetworkSpec(input_dim=3, layers=(SPECS["dense"], SPECS["dropout"], LayerSpec(units=1)))
    model = Sequential.from_config(spec)
    assert [type(layer) for layer in model.layers] == [Dense, Dropout, Dense]
    assert model.get_config().layers == spec.layers
    text = model.summary(print_fn=None)
    assert "dense_1 (Dense)" in text and "dropout_1 (Dropout 0.3)" in text


def test_spec_validation_asks_the_layer_kind():
    with pytest.raises(SpecError) as info:
        NetworkSpec(layers=(LayerSpec(kind="conv"), LayerSpec(units=1))).validate()
    assert info.value.field == "layers[0].kind"
    with pytest.raises(SpecError) as info:
        NetworkSpec(layers=(LayerSpec(kind="dropout", rate=1.5), LayerSpec(units=1))).validate()
    assert info.value.field == "layers[0].rate"
