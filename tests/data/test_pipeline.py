"""DataConfig and prepare(): the one pipeline of the app and the headless trainer."""

import json

import h5py
import numpy as np
import pytest

from nnviz.data import (
    NORMALIZATIONS,
    DataConfig,
    DataConfigError,
    DatasetError,
    Normalizer,
    add_features,
    make_points,
    prepare,
)


def test_default_config_round_trips_through_json():
    config = DataConfig(name="spiral", n_classes=3, features=("x1", "x2", "x1*x2"), seed=5)
    assert DataConfig.from_json(config.to_json()) == config
    assert DataConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "video"}, "kind"),
        ({"name": "donut"}, "name"),
        ({"n_classes": 3}, "n_classes"),
        ({"n_samples": 1}, "n_samples"),
        ({"noise": float("nan")}, "noise"),
        ({"features": ("x1", "x9")}, "features"),
        ({"kind": "file"}, "path"),
        ({"seed": -2}, "seed"),
        ({"validation": 1.2}, "validation"),
        ({"validation": 0.6, "test": 0.5}, "validation"),
        ({"normalization": "zscore"}, "normalization"),
        ({"size": (64,)}, "size"),
        ({"size": (0, 64)}, "size"),
        ({"x_key": 3}, "x_key"),
    ],
)
def test_validation_names_the_bad_field(changes, field):
    with pytest.raises(DataConfigError) as info:
        DataConfig(**changes).validate()
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert isinstance(info.value, DatasetError)


def test_from_dict_rejects_unknown_fields_and_bad_json():
    with pytest.raises(DataConfigError, match=r"unknown field\(s\) \['colour'\]"):
        DataConfig.from_dict({"colour": "red"})
    with pytest.raises(DataConfigError, match="not valid JSON"):
        DataConfig.from_json("{")


def test_prepare_points_with_features():
    config = DataConfig(
        name="circle",
        n_samples=100,
        features=("x1", "x2", "x1^2", "x2^2"),
        validation=0.2,
        test=0.1,
    )
    data = prepare(config)
    assert data.x_train.shape == (70, 4) and data.x_val.shape == (20, 4)
    assert data.x_test.shape == (10, 4) and data.input_dim == 4
    assert data.feature_names == ("x1", "x2", "x1²", "x2²")
    assert data.class_names == ("class 0", "class 1") and data.n_classes == 2
    assert data.image_shape is None and data.normalizer.method == "none"
    np.testing.assert_array_equal(data.x_train, add_features(data.raw.train.x, config.features))
    np.testing.assert_array_equal(data.y_test, data.raw.test.y)
    assert data.bounds == (-1.5, 1.5, -1.5, 1.5)
    # The app encodes its boundary grid the same way.
    grid = np.array([[0.5, -1.0], [1.5, 1.5]])
    np.testing.assert_array_equal(
        data.encode(grid), [[0.5, -1.0, 0.25, 1.0], [1.5, 1.5, 2.25, 2.25]]
    )


def test_prepare_regenerates_the_same_points_from_the_config():
    config = DataConfig(name="moons", noise=0.2, seed=11)
    a, b = prepare(config), prepare(DataConfig.from_json(config.to_json()))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.x_test, b.x_test)


def test_bounds_grow_to_hold_noisy_points():
    data = prepare(DataConfig(name="xor", noise=1.0, n_samples=400))
    x = data.raw.train.x
    lo1, hi1, _, hi2 = data.bounds
    assert lo1 < x[:, 0].min() and hi1 > x[:, 0].max() and hi2 > 1.5


@pytest.mark.parametrize("method", NORMALIZATIONS.names())
def test_normalization_is_fitted_on_the_training_split_only(method):
    config = DataConfig(name="gaussian", n_samples=200, normalization=method)
    data = prepare(config)
    fitted_on_train = Normalizer.fit(method, data.raw.train.x)
    for key, value in fitted_on_train.params.items():
        np.testing.assert_array_equal(data.normalizer.params[key], value)
    if method == "standardize":
        np.testing.assert_allclose(data.x_train.mean(0), 0.0, atol=1e-12)
        np.testing.assert_allclose(data.x_train.std(0), 1.0)
        assert np.abs(data.x_test.mean(0)).max() > 1e-6  # the test split is not re-centred


def test_test_split_never_influences_the_normalizer(tmp_path):
    from tests.data.conftest import write_cat_layout

    folder = write_cat_layout(tmp_path / "a", seed=1)
    before = prepare(DataConfig(kind="cat", path=str(folder), normalization="standardize"))
    with h5py.File(folder / "test_catvnoncat.h5", "r+") as f:
        f["test_set_x"][...] = 255 - f["test_set_x"][()]  # a completely different test set
    after = prepare(DataConfig(kind="cat", path=str(folder), normalization="standardize"))
    for key in ("mean", "std"):
        np.testing.assert_array_equal(before.normalizer.params[key], after.normalizer.params[key])
    np.testing.assert_array_equal(before.x_train, after.x_train)
    assert not np.array_equal(before.x_test, after.x_test)


def test_prepare_cat_layout_flattens_and_divides_by_255(cat_layout):
    data = prepare(DataConfig(kind="cat", path=str(cat_layout), validation=0.2))
    assert data.image_shape == (8, 8, 3) and data.input_dim == 192
    assert data.x_test.shape == (6, 192)  # the shipped test set is kept
    assert data.x_train.shape[0] + data.x_val.shape[0] == 10
    assert data.normalizer.method == "divide_255"
    np.testing.assert_array_equal(data.x_test, data.raw.test.x.reshape(6, -1) / 255.0)
    assert data.class_names == ("non-cat", "cat") and data.bounds is None


def test_prepare_real_cat_files(cat_data_dir):
    data = prepare(DataConfig(kind="cat", path=str(cat_data_dir), validation=0.0))
    assert data.x_train.shape == (209, 12288) and data.x_test.shape == (50, 12288)
    assert data.x_val is None and data.y_val is None
    assert np.bincount(data.y_train).tolist() == [137, 72]
    assert np.bincount(data.y_test).tolist() == [17, 33]
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0


def test_prepare_a_csv_file_standardizes_by_default(tmp_path):
    points = make_points("moons", n_samples=60)
    path = tmp_path / "moons.csv"
    rows = ["a,b,label"] + [
        f"{p[0]},{p[1]},{label}" for p, label in zip(points.x, points.y, strict=True)
    ]
    path.write_text("\n".join(rows))
    data = prepare(DataConfig(kind="file", path=str(path), validation=0.0, test=0.25))
    assert data.feature_names == ("a", "b") and data.normalizer.method == "standardize"
    assert data.x_train.shape == (45, 2)
    np.testing.assert_allclose(data.x_train.mean(0), 0.0, atol=1e-12)


def test_prepare_reports_bad_files(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        prepare(DataConfig(kind="file", path=str(tmp_path / "missing.h5")))
    with pytest.raises(DatasetError, match="cat vs non-cat files not found"):
        prepare(DataConfig(kind="cat", path=str(tmp_path)))
