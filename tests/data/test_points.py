"""The 2D point generators: shapes, labels, balance, determinism and noise."""

import numpy as np
import pytest

from nnviz.data import POINT_BOUNDS, POINT_SETS, Dataset, DatasetError, make_points, point_bounds
from nnviz.data.points import class_counts

NAMES = POINT_SETS.names()


def test_all_six_sets_are_registered_in_order():
    assert NAMES == ["circle", "xor", "gaussian", "spiral", "moons", "flower"]


@pytest.mark.parametrize("name", NAMES)
def test_shape_labels_balance_and_source(name):
    data = make_points(name, n_samples=201, noise=0.05, seed=3)
    assert data.x.shape == (201, 2) and data.x.dtype == np.float64
    assert data.y.shape == (201,) and data.y.dtype == np.int64
    assert np.bincount(data.y).tolist() == [101, 100]
    assert data.n_classes == 2 and data.feature_names == ("x1", "x2")
    assert data.image_shape is None
    assert data.source == {
        "kind": "points",
        "name": name,
        "n_samples": 201,
        "noise": 0.05,
        "seed": 3,
        "n_classes": 2,
    }
    # Roughly in [-1, 1]^2 and inside the plane the app draws.
    assert np.abs(data.x).max() < POINT_BOUNDS[1]
    # The generator's settings regenerate exactly the same points.
    again = make_points(**{k: v for k, v in data.source.items() if k != "kind"})
    np.testing.assert_array_equal(again.x, data.x)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_points_other_seed_other_points(name):
    a, b = make_points(name, seed=7), make_points(name, seed=7)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.x, make_points(name, seed=8).x)


def test_points_are_the_same_on_every_machine():
    # PCG64 and NumPy's normal/uniform streams are platform independent: pin the values.
    data = make_points("gaussian", n_samples=6, noise=0.1, seed=0)
    assert data.y.tolist() == [1, 1, 0, 1, 0, 0]
    expected = [
        [0.27049498, 0.33574186],
        [0.62567179, 0.63522221],
        [-0.52368503, -0.36629949],
        [0.22889809, 0.43025863],
        [-0.60255227, -0.43060363],
        [-0.41743643, -0.44640045],
    ]
    np.testing.assert_allclose(data.x, expected, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_noise_widens_the_spread_of_every_class(name):
    def spread(noise):
        data = make_points(name, n_samples=400, noise=noise, seed=1)
        # Mean distance of each point to its noise-free position grows with the noise; the
        # noise-free points use the same seed, so the difference is the noise alone.
        clean = make_points(name, n_samples=400, noise=0.0, seed=1)
        return np.linalg.norm(data.x - clean.x, axis=1).mean(), data, clean

    small, *_ = spread(0.05)
    large, data, clean = spread(0.3)
    assert small < large
    for label in range(2):
        assert data.x[data.y == label].std() > clean.x[clean.y == label].std()


@pytest.mark.parametrize("name", ["gaussian", "spiral"])
@pytest.mark.parametrize("k", [3, 4, 5])
def test_k_class_variants_are_balanced(name, k):
    data = make_points(name, n_samples=100, n_classes=k, seed=0)
    counts = np.bincount(data.y, minlength=k)
    assert counts.sum() == 100 and counts.max() - counts.min() <= 1
    assert data.class_names == tuple(f"class {j}" for j in range(k))


def test_class_definitions_hold_without_noise():
    circle = make_points("circle", n_samples=300, noise=0.0)
    r = np.linalg.norm(circle.x, axis=1)
    assert (r[circle.y == 1] <= 0.5).all() and (r[circle.y == 0] >= 0.7).all()
    xor = make_points("xor", n_samples=300, noise=0.0)
    same_sign = np.sign(xor.x[:, 0]) == np.sign(xor.x[:, 1])
    np.testing.assert_array_equal(same_sign, xor.y == 1)
    blobs = make_points("gaussian", n_samples=400, noise=0.0)
    assert np.linalg.norm(blobs.x[blobs.y == 0].mean(0) - blobs.x[blobs.y == 1].mean(0)) > 0.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "donut"}, "unknown point set 'donut'"),
        ({"name": "circle", "n_classes": 3}, "n_classes: the circle set has 2 classes"),
        ({"name": "spiral", "n_classes": 6}, "2 to 5"),
        ({"name": "xor", "n_samples": 3}, "n_samples must be from 4"),
        ({"name": "xor", "noise": -0.1}, "noise must be a number from 0"),
        ({"name": "xor", "seed": -1}, "seed must be a whole number"),
        ({"name": "xor", "n_samples": 10.5}, "n_samples must be a whole number"),
    ],
)
def test_bad_settings_raise_dataset_error(kwargs, message):
    with pytest.raises(DatasetError, match=message):
        make_points(**kwargs)


def test_class_counts_and_bounds():
    assert class_counts(11, 3).tolist() == [4, 4, 3]
    assert point_bounds(np.array([[0.0, 0.0]])) == POINT_BOUNDS
    assert point_bounds(np.array([[2.0, -3.0]]), margin=0.5) == (-1.5, 2.5, -3.5, 1.5)


def test_dataset_arrays_are_read_only_views():
    data = make_points("moons")
    with pytest.raises(ValueError):
        data.x[0, 0] = 5.0
    mine = np.zeros((2, 1))
    Dataset("d", mine, np.array([0, 1]), ("a", "b"))
    mine[0, 0] = 1.0  # the caller's array is not locked


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros(3), np.zeros(3, np.int64), r"must be \(m, n\) or \(m, h, w, c\)"),
        (np.zeros((3, 1)), np.zeros(2, np.int64), "one label per sample"),
        (np.zeros((2, 1)), np.zeros(2), "labels must be int64"),
        (np.zeros((2, 1)), np.array([0, 2]), r"labels must be 0\.\.1"),
    ],
)
def test_dataset_checks_its_arrays(x, y, message):
    with pytest.raises(DatasetError, match=message):
        Dataset("d", x, y, ("a", "b"))
    with pytest.raises(DatasetError, match="image_shape"):
        Dataset("d", np.zeros((1, 2, 2, 3)), np.array([0]), ("a", "b"), image_shape=(2, 2, 1))
