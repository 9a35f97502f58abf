"""Project files: lossless round trip, atomic writes, and clear errors on bad files."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec
from nnviz.engine.state import weight_shapes
from nnviz.io.project import (
    Project,
    ProjectError,
    load_project,
    save_project,
)


def make_spec() -> NetworkSpec:
    return NetworkSpec(
        input_dim=3,
        layers=(
            LayerSpec(units=4, activation="relu", l2=0.01),
            LayerSpec(kind="dropout", rate=0.25),
            LayerSpec(units=1, activation="sigmoid"),
        ),
        optimizer=OptimizerSpec("sgd", 0.1, {"momentum": 0.9, "nesterov": True}),
        batch_size=None,
        seed=7,
    )


def make_weights(spec: NetworkSpec, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=shape) for shape in weight_shapes(spec))


def test_expected_shapes_skip_dropout_layers():
    assert weight_shapes(make_spec()) == [(3, 4), (4,), (4, 1), (1,)]


def test_round_trip_keeps_everything(tmp_path):
    spec = make_spec()
    project = Project(
        spec=spec,
        weights=make_weights(spec, 1),
        initial_weights=make_weights(spec, 2),
        history={"loss": np.array([0.7, 0.5, 0.25]), "val_loss": np.array([0.8, 0.6, 0.4])},
        data={"kind": "points", "name": "spiral", "noise": 0.1, "seed": 3},
        settings={"epochs": 100},
    )
    path = save_project(tmp_path / "net.nnviz", project)
    loaded = load_project(path)
    assert loaded.spec == spec
    for got, want in zip(loaded.weights, project.weights, strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(loaded.initial_weights, project.initial_weights, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(loaded.history["loss"], [0.7, 0.5, 0.25])
    assert loaded.data == project.data
    assert loaded.settings == {"epochs": 100}


def test_project_without_weights_loads_with_none(tmp_path):
    path = save_project(tmp_path / "plain.nnviz", Project(spec=make_spec()))
    loaded = load_project(path)
    assert loaded.weights is None and loaded.initial_weights is None and loaded.history == {}


def test_wrong_weight_shape_is_refused_before_anything_is_written(tmp_path):
    spec = make_spec()
    weights = list(make_weights(spec))
    weights[2] = np.zeros((5, 1))
    target = tmp_path / "bad.nnviz"
    with pytest.raises(ProjectError, match=r"layer 2 \(W\) has shape \(5, 1\).*needs \(4, 1\)"):
        save_project(target, Project(spec=spec, weights=tuple(weights)))
    assert not target.exists()


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    spec = make_spec()
    target = save_project(tmp_path / "keep.nnviz", Project(spec=spec, settings={"v": 1}))

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("nnviz.io.project.os.replace", fail)
    with pytest.raises(ProjectError, match="check free space"):
        save_project(target, Project(spec=spec, settings={"v": 2}))
    assert load_project(target).settings == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["keep.nnviz"]


def test_not_hdf5_file_says_so(tmp_path):
    path = tmp_path / "notes.nnviz"
    path.write_text("hello")
    with pytest.raises(ProjectError, match=r"not an nnviz project.*HDF5"):
        load_project(path)


def test_missing_file_says_so(tmp_path):
    with pytest.raises(ProjectError, match="no such file"):
        load_project(tmp_path / "absent.nnviz")


def test_hdf5_without_marker_is_refused(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["X"] = np.zeros((2, 2))
    with pytest.raises(ProjectError, match="no 'nnviz-project' marker"):
        load_project(path)


def test_invalid_stored_spec_names_the_field(tmp_path):
    path = save_project(tmp_path / "p.nnviz", Project(spec=make_spec()))
    with h5py.File(path, "r+") as f:
        broken = make_spec().to_dict()
        broken["layers"][0]["units"] = 0
        f.attrs["spec"] = json.dumps(broken)
    with pytest.raises(ProjectError, match=r"layers\[0\]\.units"):
        load_project(path)


def test_tampered_weights_are_refused(tmp_path):
    spec = make_spec()
    path = save_project(tmp_path / "w.nnviz", Project(spec=spec, weights=make_weights(spec)))
    with h5py.File(path, "r+") as f:
        f["weights/0001"][0] = np.nan
    with pytest.raises(ProjectError, match=r"layer 1 \(b\) must be finite"):
        load_project(path)


def test_future_version_is_refused(tmp_path):
    path = save_project(tmp_path / "v.nnviz", Project(spec=make_spec()))
    with h5py.File(path, "r+") as f:
        f.attrs["version"] = 99
    with pytest.raises(ProjectError, match="version 99 is not supported"):
        load_project(path)
