"""Central finite differences for the engine's gradient checks (float64)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

STEP = 1e-6
TOLERANCE = 1e-7


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = STEP) -> np.ndarray:
    """d f / d x by central differences, perturbing ``x`` in place (restored after)."""
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f()
        flat[i] = old - h
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return grad


def relative_difference(g: np.ndarray, g_num: np.ndarray) -> float:
    """||g - g_num|| / (||g|| + ||g_num||), 0 when both are 0."""
    denominator = np.linalg.norm(g) + np.linalg.norm(g_num)
    return 0.0 if denominator == 0 else float(np.linalg.norm(g - g_num) / denominator)


def targets_for(name: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Random targets of ``shape`` that loss ``name`` accepts: one-hot rows, 0/1 labels or
    real values."""
    if name == "categorical_crossentropy":
        return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    if name == "binary_crossentropy":
        return rng.integers(0, 2, shape).astype(float)
    return rng.normal(size=shape)
