"""Losses and penalties of many models at once (the loss landscape) equal the single ones."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import activations, losses
from nnviz.engine.losses import LOSSES
from nnviz.engine.regularizers import L1L2

from .gradcheck import targets_for

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("name", LOSSES.names())
def test_stacked_losses_equal_the_loss_of_each_output(name):
    loss = losses.get(name)
    k = 1 if name == "binary_crossentropy" else 3
    y = targets_for(name, (7, k), RNG)
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


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stacked_training_losses_equal_each_models_bit_for_bit(name, dtype):
    """What a stacked group trains on: loss, dL/dz and output of each model as alone."""
    loss = losses.get(name)
    k = 1 if name == "binary_crossentropy" else 3
    for n in (1, 7, 16, 100, 360):
        y = targets_for(name, (n, k), RNG).astype(dtype)
        z = RNG.normal(scale=4.0, size=(4, n, k)).astype(dtype)
        got_losses, got_grad, got_output = loss.stacked_from_logits(y, z)
        for i, zi in enumerate(z):
            want_loss, want_grad, want_output = loss.from_logits(y, zi)
            assert got_losses[i] == want_loss and type(got_losses[i]) is float
            np.testing.assert_array_equal(got_grad[i], want_grad)
            np.testing.assert_array_equal(got_output[i], want_output)
