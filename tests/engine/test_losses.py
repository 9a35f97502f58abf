import warnings

import numpy as np
import pytest

from nnviz.engine import activations, losses
from nnviz.engine.losses import LOSSES
from nnviz.engine.regularizers import L1L2

from .gradcheck import TOLERANCE, numerical_gradient, relative_difference, targets_for

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("name", LOSSES.names())
def test_gradient_matches_finite_differences(name):
    loss = losses.get(name)
    shape = (6, 3)
    p = RNG.uniform(0.05, 0.95, shape)
    if name == "categorical_crossentropy":
        p /= p.sum(axis=1, keepdims=True)
    y = targets_for(name, shape, RNG)
    g_num = numerical_gradient(lambda: loss(y, p), p)
    assert relative_difference(loss.gradient(y, p), g_num) < TOLERANCE


@pytest.mark.parametrize(
    ("name", "activation"),
    [("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax")],
)
def test_from_logits_gradient_matches_finite_differences(name, activation):
    loss, act = losses.get(name), activations.get(activation)
    z = RNG.normal(0, 2, (7, 3))
    y = targets_for(name, z.shape, RNG)

    def value() -> float:
        return loss.from_logits(y, z)[0]

    value_from_logits, dz, a = loss.from_logits(y, z)
    np.testing.assert_allclose(a, act.forward(z), rtol=1e-13)
    assert value_from_logits == pytest.approx(loss(y, act.forward(z)), rel=1e-9)
    assert relative_difference(dz, numerical_gradient(value, z)) < TOLERANCE


def test_binary_crossentropy_known_value_and_stability():
    bce = losses.get("binary_crossentropy")
    y = np.array([[1.0], [0.0]])
    p = np.array([[0.9], [0.2]])
    assert bce(y, p) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = bce(y, np.array([[0.0], [1.0]]))
        grad = bce.gradient(y, np.array([[0.0], [1.0]]))
        from_logits, dz, a = bce.from_logits(y, np.array([[-800.0], [800.0]]))
    assert np.isfinite(exact) and exact == pytest.approx(-np.log(1e-7), rel=1e-6)
    assert np.all(np.isfinite(grad))
    # from logits there is no clipping: the loss is the exact 800
    assert from_logits == pytest.approx(800.0)
    np.testing.assert_allclose(dz, [[-0.5], [0.5]])
    np.testing.assert_array_equal(a, [[0.0], [1.0]])


def test_categorical_crossentropy_accepts_class_ids():
    cce = losses.get("categorical_crossentropy")
    ids = np.array([2, 0, 1])
    one_hot = cce.prepare_targets(ids, 3, np.dtype("float32"))
    assert one_hot.dtype == np.float32
    np.testing.assert_array_equal(one_hot, np.eye(3)[ids])
    np.testing.assert_array_equal(cce.prepare_targets(ids.reshape(-1, 1), 3, np.float64), one_hot)
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25], [0.3, 0.6, 0.1]])
    assert cce(one_hot, p) == pytest.approx(-np.mean(np.log([0.7, 0.5, 0.6])))
    with pytest.raises(ValueError, match="class ids must be from 0 to 2"):
        cce.prepare_targets(np.array([0, 3]), 3, np.float64)


def test_mse_known_value():
    mse = losses.get("mse")
    assert mse(np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]])) == pytest.approx(2.5)


def test_target_checks_name_the_problem():
    with pytest.raises(ValueError, match="between 0 and 1"):
        losses.get("bce").prepare_targets(np.array([0, 2]), 1, np.float64)
    with pytest.raises(ValueError, match="the output layer has 1 unit"):
        losses.get("mse").prepare_targets(np.zeros((4, 2)), 1, np.float64)


@pytest.mark.parametrize(("l1", "l2"), [(0.01, 0.0), (0.0, 0.05), (0.02, 0.03)])
def test_regularizer_gradient_matches_finite_differences(l1, l2):
    reg = L1L2(l1, l2)
    w = RNG.normal(size=(4, 3))
    w[np.abs(w) < 0.01] = 0.3  # away from |w|'s kink
    dw = np.zeros_like(w)
    reg.add_gradient(w, dw)
    g_num = numerical_gradient(lambda: reg.penalty(w), w)
    assert relative_difference(dw, g_num) < TOLERANCE
    assert reg.penalty(w) == pytest.approx(l1 * np.abs(w).sum() + l2 * (w**2).sum())


def test_regularizer_rejects_negative_values():
    with pytest.raises(ValueError, match=r"l2 must be >= 0, got -0\.1"):
        L1L2(l2=-0.1)
