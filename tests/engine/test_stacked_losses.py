"""Losses and penalties of many models at once (the loss landscape) equal the single ones."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import activations, losses
from nnviz.engine.losses import LOSSES
from nnviz.engine.regularizers import L1L2

RNG = np.random.default_rng(5)


def _targets(name: str, shape: tuple[int, int]) -> np.ndarray:
    if name == "categorical_crossentropy":
        return np.eye(shape[1])[RNG.integers(0, shape[1], shape[0])]
    if name == "binary_crossentropy":
        return RNG.integers(0, 2, shape).astype(float)
    return RNG.normal(size=shape)


@pytest.mark.parametrize("name", LOSSES.names())
def test_stacked_losses_equal_the_loss_of_each_output(name):
    loss = losses.get(name)
    k = 1 if name == "binary_crossentropy" else 3
    y = _targets(name, (7, k))
    z = RNG.normal(scale=4.0, size=(5, 7, k))
    z[0, 0, 0] = 40.0  # far in the tail
    if loss.logits_activation is not None:
        act = activations.get(loss.logits_activation)
        expected = [loss.from_logits(y, zi)[0] for zi in z]
        np.testing.assert_allclose(loss.stacked_values_from_logits(y, z), expected, rtol=1e-12)
        p = act.forward(z)
    else:
        p = z
    np.testing.assert_allclose(loss.stacked_values(y, p), [loss(y, pi) for pi in p], rtol=1e-12)


def test_stacked_penalties_equal_the_penalty_of_each_kernel():
    kernels = RNG.normal(size=(4, 3, 2))
    for regularizer in (L1L2(0.01, 0.0), L1L2(0.0, 0.02), L1L2(0.01, 0.02), L1L2()):
        expected = [regularizer.penalty(w) for w in kernels]
        np.testing.assert_allclose(regularizer.stacked_penalty(kernels), expected, rtol=1e-12)
