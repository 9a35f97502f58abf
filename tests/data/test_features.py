"""Engineered 2D features."""

import numpy as np
import pytest

from nnviz.data import FEATURES, DatasetError, add_features, feature_labels


def test_registry_lists_the_seven_features_with_display_labels():
    assert FEATURES.names() == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert feature_labels(FEATURES.names()) == (
        "x1",
        "x2",
        "x1²",
        "x2²",
        "x1·x2",
        "sin(x1)",
        "sin(x2)",
    )


def test_values_of_each_feature():
    p = np.array([[0.5, -2.0], [3.0, 0.25]])
    out = add_features(p, FEATURES.names())
    expected = np.array(
        [
            [0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)],
            [3.0, 0.25, 9.0, 0.0625, 0.75, np.sin(3.0), np.sin(0.25)],
        ]
    )
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    assert out.dtype == np.float64


def test_order_follows_the_selection_and_labels_are_accepted():
    p = np.array([[2.0, 3.0]])
    np.testing.assert_array_equal(add_features(p, ["x1·x2", "x1²", "x2"]), [[6.0, 4.0, 3.0]])


@pytest.mark.parametrize(
    ("names", "message"),
    [([], "choose at least one"), (["x3"], "unknown feature 'x3'"), (["x1", "x1"], "once")],
)
def test_bad_selection(names, message):
    with pytest.raises(DatasetError, match=message):
        add_features(np.zeros((2, 2)), names)


def test_needs_2d_points():
    with pytest.raises(DatasetError, match=r"\(m, 2\)"):
        add_features(np.zeros((4, 3)), ["x1"])
