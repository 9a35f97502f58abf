"""Weight initializers: ``init(shape, rng, dtype, scale=None) -> array``.

``shape`` is ``(fan_in, fan_out)`` for a kernel. ``rng`` is the model's
``numpy.random.Generator``, so a seed fixes every weight. ``scale`` is the standard
deviation (normal) or half-width (uniform) of ``random_normal``/``random_uniform`` — the
lesson's "small random" (0.01) and "large random" (10) — or the value of ``constant``, and
is ignored by the others, whose spread follows the layer's fan-in/fan-out. The
variance-scaling ones draw plain (not truncated) normals, as PyTorch's ``torch.nn.init``
does.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike

from nnviz.engine.registry import Registry

Initializer = Callable[..., np.ndarray]

INITIALIZERS: Registry[Initializer] = Registry("initializer")

DEFAULT_RANDOM_SCALE = 0.05  # Keras' RandomNormal stddev and RandomUniform half-width


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


def _normal(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike, std: float
) -> np.ndarray:
    return (rng.standard_normal(shape) * std).astype(dtype, copy=False)


def _uniform(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: DTypeLike, limit: float
) -> np.ndarray:
    return rng.uniform(-limit, limit, shape).astype(dtype, copy=False)


@INITIALIZERS.register("zeros")
def zeros(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """All zeros: every unit of a layer stays identical (the symmetry lesson)."""
    return np.zeros(shape, dtype=dtype)


@INITIALIZERS.register("constant")
def constant(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """Every weight equal to scale (default 0.05): as symmetric as zeros, but not silent."""
    return np.full(shape, DEFAULT_RANDOM_SCALE if scale is None else scale, dtype=dtype)


@INITIALIZERS.register("random_normal")
def random_normal(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """N(0, scale²); scale defaults to 0.05."""
    return _normal(rng, shape, dtype, DEFAULT_RANDOM_SCALE if scale is None else scale)


@INITIALIZERS.register("random_uniform")
def random_uniform(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """U(-scale, scale); scale defaults to 0.05."""
    return _uniform(rng, shape, dtype, DEFAULT_RANDOM_SCALE if scale is None else scale)


@INITIALIZERS.register("glorot_normal", "xavier_normal")
def glorot_normal(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """N(0, 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    return _normal(rng, shape, dtype, math.sqrt(2.0 / (fan_in + fan_out)))


@INITIALIZERS.register("glorot_uniform", "xavier_uniform")
def glorot_uniform(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """U(-l, l) with l = √(6 / (fan_in + fan_out)); the Keras default."""
    fan_in, fan_out = _fans(shape)
    return _uniform(rng, shape, dtype, math.sqrt(6.0 / (fan_in + fan_out)))


@INITIALIZERS.register("he_normal", "kaiming_normal")
def he_normal(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """N(0, 2 / fan_in), for ReLU layers."""
    return _normal(rng, shape, dtype, math.sqrt(2.0 / _fans(shape)[0]))


@INITIALIZERS.register("he_uniform", "kaiming_uniform")
def he_uniform(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """U(-l, l) with l = √(6 / fan_in)."""
    return _uniform(rng, shape, dtype, math.sqrt(6.0 / _fans(shape)[0]))


@INITIALIZERS.register("lecun_normal")
def lecun_normal(
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> np.ndarray:
    """N(0, 1 / fan_in) (the deep cat network of the lesson divides by √fan_in)."""
    return _normal(rng, shape, dtype, math.sqrt(1.0 / _fans(shape)[0]))


def get(identifier: str | Initializer) -> Initializer:
    """An initializer by registry name, or the given callable itself."""
    if callable(identifier) and not isinstance(identifier, str):
        return identifier
    return INITIALIZERS.resolve(identifier, ())
