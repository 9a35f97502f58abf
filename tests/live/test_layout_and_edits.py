"""Pure geometry and spec edits of the diagram (no widgets)."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine.spec import MAX_HIDDEN_LAYERS, MAX_UNITS, LayerSpec, NetworkSpec
from nnviz.live import edits, layout

DENSE = LayerSpec(units=4, activation="relu")
DROP = LayerSpec(kind="dropout", rate=0.3)
OUT = LayerSpec(units=1, activation="sigmoid")


def spec_of(*layers: LayerSpec, input_dim: int = 2) -> NetworkSpec:
    return NetworkSpec(input_dim=input_dim, layers=tuple(layers))


def test_columns_roles_positions_and_collapsing():
    spec = spec_of(LayerSpec(units=512), DROP, DENSE, OUT)
    cols = layout.columns_for(spec)
    assert [c.role for c in cols] == ["input", "hidden", "dropout", "hidden", "output"]
    assert [c.spec_index for c in cols] == [None, 0, 1, 2, 3]
    assert [c.dense_index for c in cols] == [None, 0, None, 1, 2]
    xs = [c.x for c in cols]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert cols[1].collapsed and cols[1].shown == 0 and cols[1].units == 512
    assert not cols[3].collapsed and cols[3].shown == 4
    # neurons are centred on y = 0 and one pitch apart
    ys = [cols[3].neuron_y(u) for u in range(4)]
    assert ys == pytest.approx([-1.5 * 34, -0.5 * 34, 0.5 * 34, 1.5 * 34])
    assert [(s.role, t.role) for s, t in layout.dense_links(cols)] == [
        ("input", "hidden"),
        ("hidden", "hidden"),
        ("hidden", "output"),
    ]


def test_image_input_is_one_block():
    cols = layout.columns_for(spec_of(DENSE, OUT, input_dim=12288), image_input=True)
    assert cols[0].collapsed and cols[0].image and cols[0].units == 12288


def test_parameter_counts():
    spec = spec_of(LayerSpec(units=5), DROP, LayerSpec(units=3), OUT, input_dim=2)
    assert layout.layer_param_counts(spec) == [15, 0, 18, 4]
    assert layout.fan_ins(spec) == [2, 5, 3]


def test_link_values_aggregate_collapsed_sides():
    w = np.array([[1.0, -3.0], [3.0, 1.0], [-1.0, -1.0]])
    value, magnitude = layout.link_values(w, 3, 2)
    np.testing.assert_array_equal(value, w)
    np.testing.assert_array_equal(magnitude, np.abs(w))
    value, magnitude = layout.link_values(w, 0, 2)
    np.testing.assert_allclose(value, [[1.0, -1.0]])
    np.testing.assert_allclose(magnitude, [[np.sqrt(11 / 3), np.sqrt(11 / 3)]])
    value, magnitude = layout.link_values(w, 0, 0)
    np.testing.assert_allclose(value, [[0.0]])
    np.testing.assert_allclose(magnitude, [[np.sqrt(22 / 6)]])


def test_insert_move_remove_resize():
    spec = spec_of(DENSE, OUT)
    inserted = edits.insert_layer(spec, 0, "dropout")
    assert inserted.layers == (LayerSpec(kind="dropout", rate=0.2), DENSE, OUT)
    dense = edits.insert_layer(spec, 1, "dense")
    assert dense.layers[1] == LayerSpec(units=4, activation="relu")
    moved = edits.move_layer(inserted, 0, 1)
    assert moved.layers == (DENSE, LayerSpec(kind="dropout", rate=0.2), OUT)
    # a move past the output is clamped to just before it
    assert edits.move_layer(inserted, 0, 9).layers == moved.layers
    assert edits.remove_layer(moved, 1).layers == (DENSE, OUT)
    assert edits.resize_layer(spec, 0, 9).layers[0].units == 9


def test_refusals_say_what_to_do():
    spec = spec_of(DENSE, DROP, OUT)
    with pytest.raises(edits.EditRefused, match="output layer follows the task"):
        edits.remove_layer(spec, 2)
    with pytest.raises(edits.EditRefused, match="output layer follows the task"):
        edits.resize_layer(spec, 2, 3)
    with pytest.raises(edits.EditRefused, match=r"at least 1 neuron.*Delete"):
        edits.resize_layer(spec, 0, 0)
    with pytest.raises(edits.EditRefused, match=f"at most {MAX_UNITS}"):
        edits.resize_layer(spec, 0, MAX_UNITS + 1)
    with pytest.raises(edits.EditRefused, match="dropout layer has no neurons"):
        edits.resize_layer(spec, 1, 3)
    with pytest.raises(edits.EditRefused, match="sigmoid for two classes"):
        edits.set_layer_options(spec, 2, activation="relu")
    full = spec_of(*([DENSE] * MAX_HIDDEN_LAYERS), OUT)
    with pytest.raises(edits.EditRefused, match=f"at most {MAX_HIDDEN_LAYERS} hidden layers"):
        edits.insert_layer(full, 0, "dense")
    # dropout layers do not count as hidden layers
    assert len(edits.insert_layer(full, 0, "dropout").layers) == MAX_HIDDEN_LAYERS + 2


def test_set_layer_options():
    spec = spec_of(DENSE, DROP, OUT)
    changed = edits.set_layer_options(spec, 0, activation="tanh", l2=0.01)
    assert changed.layers[0] == LayerSpec(units=4, activation="tanh", l2=0.01)
    assert edits.set_layer_options(spec, 1, rate=0.5).layers[1].rate == 0.5
    assert edits.set_layer_options(spec, 2, initializer="he_normal").layers[2].initializer == (
        "he_normal"
    )


def test_link_values_of_huge_layers_are_sampled_estimates():
    rng = np.random.default_rng(3)
    w = rng.normal(0.5, 2.0, size=(1024, 1024))
    value, magnitude = layout.link_values(w, 0, 0)
    assert value[0, 0] == pytest.approx(w.mean(), abs=0.05)
    assert magnitude[0, 0] == pytest.approx(np.sqrt(np.mean(w**2)), rel=0.02)
    value, magnitude = layout.link_values(w[:, :8], 0, 8)  # bundle into 8 drawn neurons
    np.testing.assert_allclose(value, w[:, :8].mean(axis=0, keepdims=True))


def test_tall_columns_are_drawn_tighter():
    cols = layout.columns_for(spec_of(LayerSpec(units=20), LayerSpec(units=12), OUT))
    assert cols[1].neuron_y(1) - cols[1].neuron_y(0) == layout.COMPACT_PITCH
    assert cols[2].neuron_y(1) - cols[2].neuron_y(0) == layout.NEURON_PITCH
    assert cols[1].bottom - cols[1].top == 19 * layout.COMPACT_PITCH + 2 * layout.NEURON_RADIUS


def test_layer_sources_follow_inserts_removals_and_moves():
    spec = spec_of(LayerSpec(units=5), DROP, LayerSpec(units=3), OUT)
    layers = spec.layers
    assert edits.layer_sources(layers, edits.resize_layer(spec, 0, 7).layers) == (0, 1, 2, 3)
    inserted = edits.insert_layer(spec, 2, "dense").layers
    assert edits.layer_sources(layers, inserted) == (0, 1, None, 2, 3)
    assert edits.layer_sources(layers, edits.remove_layer(spec, 1).layers) == (0, 2, 3)
    moved = edits.move_layer(spec, 0, 2).layers
    assert moved[2] == layers[0]
    assert edits.layer_sources(layers, moved) == (1, 2, 0, 3)
    assert edits.layer_sources(layers, (OUT,)) is None
    two_dense = spec_of(LayerSpec(units=5), LayerSpec(units=3), OUT)
    swapped = edits.move_layer(two_dense, 0, 1).layers
    assert edits.layer_sources(two_dense.layers, swapped) == (1, 0, 2)
