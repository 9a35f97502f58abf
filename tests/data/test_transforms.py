"""Flattening, stratified splits, normalization and statistics."""

import numpy as np
import pytest

from nnviz.data import (
    NORMALIZATIONS,
    Dataset,
    DatasetError,
    Normalizer,
    class_balance,
    describe,
    flatten_images,
    make_points,
    split,
    unflatten,
)


def _images(m=12, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (m, 4, 3, 3), dtype=np.uint8)
    y = np.arange(m, dtype=np.int64) % 2
    return Dataset("imgs", x, y, ("a", "b"), image_shape=(4, 3, 3))


def test_flatten_and_unflatten_are_inverse():
    data = _images()
    flat = flatten_images(data.x)
    assert flat.shape == (12, 36)
    np.testing.assert_array_equal(flat[1], data.x[1].ravel())
    np.testing.assert_array_equal(unflatten(flat, (4, 3, 3)), data.x)
    assert unflatten(flat[0], (4, 3, 3)).shape == (4, 3, 3)  # one weight column or sample
    with pytest.raises(DatasetError, match="cannot show 36 values"):
        unflatten(flat, (5, 5, 3))


def test_split_sizes_stratified_disjoint_and_seeded():
    data = make_points("spiral", n_samples=300, n_classes=3)
    s = split(data, validation=0.2, test=0.1, seed=4)
    assert (s.train.n_samples, s.validation.n_samples, s.test.n_samples) == (210, 60, 30)
    for part, size in ((s.train, 70), (s.validation, 20), (s.test, 10)):
        assert class_balance(part.y, 3).tolist() == [size] * 3
    rows = np.concatenate([s.train.x, s.validation.x, s.test.x])
    assert np.unique(rows, axis=0).shape[0] == 300  # every sample once
    again = split(data, 0.2, 0.1, seed=4)
    np.testing.assert_array_equal(again.test.x, s.test.x)
    assert not np.array_equal(split(data, 0.2, 0.1, seed=5).test.x, s.test.x)


def test_split_keeps_unbalanced_class_shares():
    y = np.array([0] * 80 + [1] * 20, dtype=np.int64)
    data = Dataset("u", np.arange(100.0).reshape(100, 1), y, ("a", "b"))
    s = split(data, validation=0.25, test=0.25)
    assert class_balance(s.validation.y, 2).tolist() == [20, 5]
    assert class_balance(s.test.y, 2).tolist() == [20, 5]


def test_zero_fractions_give_none_and_shipped_test_set_is_kept():
    data = make_points("xor", n_samples=50)
    s = split(data, validation=0.0, test=0.0)
    assert s.validation is None and s.test is None and s.train.n_samples == 50
    shipped = make_points("xor", n_samples=20, seed=9)
    s = split(data, validation=0.2, test=0.5, test_set=shipped)
    assert s.test is shipped and s.train.n_samples == 40 and s.validation.n_samples == 10


@pytest.mark.parametrize(
    ("validation", "test", "message"),
    [(-0.1, 0.2, "validation"), (0.2, 1.0, "test"), (0.5, 0.5, "leave samples")],
)
def test_bad_fractions(validation, test, message):
    with pytest.raises(DatasetError, match=message):
        split(make_points("xor"), validation, test)


def test_too_few_samples_to_split():
    data = Dataset("tiny", np.zeros((2, 1)), np.array([0, 1]), ("a", "b"))
    with pytest.raises(DatasetError, match="too few"):
        split(data, 0.4, 0.4)


def test_normalizations_values():
    train = np.array([[0.0, 10.0], [2.0, 10.0], [4.0, 10.0]])
    other = np.array([[6.0, 11.0]])
    std = Normalizer.fit("standardize", train)
    np.testing.assert_allclose(std.params["mean"], [2.0, 10.0])
    np.testing.assert_allclose(std.params["std"], [np.sqrt(8 / 3), 1.0])  # constant: unscaled
    np.testing.assert_allclose(std.transform(other), [[4 / np.sqrt(8 / 3), 1.0]])
    np.testing.assert_allclose(std.transform(train).mean(0), [0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(Normalizer.fit("minmax_01", train).transform(other), [[1.5, 1.0]])
    np.testing.assert_allclose(
        Normalizer.fit("minmax_11", train).transform(train)[:, 0], [-1.0, 0.0, 1.0]
    )
    np.testing.assert_allclose(
        Normalizer.fit("divide_255", train).transform(other), [[6 / 255, 11 / 255]]
    )
    np.testing.assert_array_equal(Normalizer.fit("none", train).transform(other), other)
    assert NORMALIZATIONS.names() == ["none", "divide_255", "standardize", "minmax_01", "minmax_11"]


@pytest.mark.parametrize("method", ["none", "divide_255", "standardize", "minmax_01", "minmax_11"])
def test_normalizer_round_trips_its_fitted_parameters(method):
    import json

    train = np.random.default_rng(0).normal(3.0, 2.0, (20, 3))
    fitted = Normalizer.fit(method, train)
    back = Normalizer.from_dict(json.loads(json.dumps(fitted.to_dict())))
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(back.transform(x), fitted.transform(x))


def test_normalizer_bad_input():
    with pytest.raises(DatasetError, match="unknown normalization 'zscore'"):
        Normalizer.fit("zscore", np.zeros((2, 2)))
    with pytest.raises(DatasetError, match="normalizer: expected"):
        Normalizer.from_dict({"method": "standardize"})


def test_describe_counts_and_feature_stats():
    data = make_points("circle", n_samples=100)
    s = split(data, 0.2, 0.2)
    stats = describe(s)
    assert list(stats) == ["train", "validation", "test"]
    assert stats["train"].n_samples == 60
    assert stats["train"].class_counts.tolist() == [30, 30]
    np.testing.assert_allclose(stats["test"].mean, s.test.x.mean(0))
    np.testing.assert_allclose(stats["test"].std, s.test.x.std(0))
    img = describe(split(_images(), 0.0, 0.0))
    assert img["train"].mean.shape == (36,) and "test" not in img
