"""Seeded 2D point sets: circle, xor, gaussian, spiral, moons and flower.

Every generator draws from ``numpy.random.Generator(PCG64(seed))``, so the same settings
give the same points on every machine. Points lie roughly in [-1, 1]² (``POINT_BOUNDS``
is the plane the app draws the decision boundary over); ``noise`` is the standard
deviation of Gaussian noise added to both coordinates, so more noise widens every class.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnviz.data.dataset import Dataset, DatasetError
from nnviz.engine.registry import Registry

#: (x1 min, x1 max, x2 min, x2 max) of the plane shown for the 2D sets.
POINT_BOUNDS: tuple[float, float, float, float] = (-1.5, 1.5, -1.5, 1.5)
MAX_SAMPLES = 100_000
MAX_NOISE = 2.0

Generator = Callable[[np.ndarray, np.random.Generator, int], np.ndarray]


@dataclass(frozen=True)
class PointSet:
    """A generator: ``make(counts, rng, n_classes) -> x`` draws ``counts[j]`` noise-free
    points of class ``j``; ``max_classes`` is 2 unless the set has k-class variants."""

    name: str
    title: str
    description: str
    make: Generator
    max_classes: int = 2


POINT_SETS: Registry[PointSet] = Registry("point set")


def _register(
    title: str, description: str, max_classes: int = 2
) -> Callable[[Generator], Generator]:
    def decorate(make: Generator) -> Generator:
        name = make.__name__.lstrip("_")
        POINT_SETS.add(name, PointSet(name, title, description, make, max_classes))
        return make

    return decorate


def _polar(r: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


@_register("Circle", "a disc of one class inside a ring of the other")
def _circle(counts: np.ndarray, rng: np.random.Generator, n_classes: int) -> np.ndarray:
    ring = _polar(rng.uniform(0.7, 1.0, counts[0]), rng.uniform(0, 2 * math.pi, counts[0]))
    disc = _polar(rng.uniform(0.0, 0.5, counts[1]), rng.uniform(0, 2 * math.pi, counts[1]))
    return np.concatenate([ring, disc])


@_register("XOR", "four quadrants; the class is whether x1 and x2 share a sign")
def _xor(counts: np.ndarray, rng: np.random.Generator, n_classes: int) -> np.ndarray:
    parts = []
    for label, count in enumerate(counts):
        # Class 1: same sign (quadrants I and III); class 0: opposite signs (II and IV).
        pts = rng.uniform(0.05, 1.0, (count, 2))
        sign = rng.choice([-1.0, 1.0], count)
        pts[:, 0] *= sign
        pts[:, 1] *= sign if label == 1 else -sign
        parts.append(pts)
    return np.concatenate(parts)


@_register("Gaussian blobs", "k round clouds around points on a circle", max_classes=5)
def _gaussian(counts: np.ndarray, rng: np.random.Generator, n_classes: int) -> np.ndarray:
    parts = []
    for label, count in enumerate(counts):
        angle = math.pi / 4 + 2 * math.pi * label / n_classes + (math.pi if n_classes == 2 else 0)
        center = 0.55 * np.array([math.cos(angle), math.sin(angle)])
        parts.append(center + rng.normal(0.0, 0.15, (count, 2)))
    return np.concatenate(parts)


@_register("Spiral", "k interleaved spiral arms", max_classes=5)
def _spiral(counts: np.ndarray, rng: np.random.Generator, n_classes: int) -> np.ndarray:
    parts = []
    for label, count in enumerate(counts):
        t = np.sort(rng.uniform(0.0, 1.0, count))
        theta = 1.75 * 2 * math.pi * t + 2 * math.pi * label / n_classes
        parts.append(_polar(0.05 + 0.9 * t, theta))
    return np.concatenate(parts)


@_register("Moons", "two interleaving half circles")
def _moons(counts: np.ndarray, rng: np.random.Generator, n_classes: int) -> np.ndarray:
    t0 = rng.uniform(0.0, math.pi, counts[0])
    t1 = rng.uniform(0.0, math.pi, counts[1])
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    # Centre on the origin and scale into [-1, 1] x [-0.5, 0.5].
    return (np.concatenate([upper, lower]) - [0.5, 0.25]) / 1.5


@_register("Flower", "the petals of the planar-data lesson: r = sin(4t)")
def _flower(counts: np.ndarray, rng: np.random.Generator, n_classes: int) -> np.ndarray:
    parts = []
    for label, count in enumerate(counts):
        t = rng.uniform(label * 3.12, (label + 1) * 3.12, count)
        r = np.sin(4 * t)
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    return np.concatenate(parts)


def class_counts(n_samples: int, n_classes: int) -> np.ndarray:
    """Balanced per-class counts summing to ``n_samples`` (the first classes get the rest)."""
    counts = np.full(n_classes, n_samples // n_classes, dtype=np.int64)
    counts[: n_samples % n_classes] += 1
    return counts


def make_points(
    name: str, n_samples: int = 200, noise: float = 0.1, seed: int = 0, n_classes: int = 2
) -> Dataset:
    """Generate the 2D point set ``name``: ``x`` float64 (n_samples, 2), balanced classes,
    in shuffled order. Raises :class:`DatasetError` for unknown names or bad settings."""
    try:
        point_set = POINT_SETS.get(name)
    except ValueError as exc:
        raise DatasetError(str(exc)) from None
    _check_settings(point_set, n_samples, noise, seed, n_classes)
    rng = np.random.Generator(np.random.PCG64(seed))
    counts = class_counts(n_samples, n_classes)
    x = point_set.make(counts, rng, n_classes)
    if noise > 0:
        x = x + rng.normal(0.0, noise, x.shape)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), counts)
    order = rng.permutation(n_samples)
    return Dataset(
        name=point_set.title,
        x=np.ascontiguousarray(x[order], dtype=np.float64),
        y=y[order],
        class_names=tuple(f"class {j}" for j in range(n_classes)),
        feature_names=("x1", "x2"),
        source={
            "kind": "points",
            "name": point_set.name,
            "n_samples": n_samples,
            "noise": noise,
            "seed": seed,
            "n_classes": n_classes,
        },
    )


def _check_settings(
    point_set: PointSet, n_samples: int, noise: float, seed: int, n_classes: int
) -> None:
    if isinstance(n_classes, bool) or not isinstance(n_classes, int):
        raise DatasetError(f"n_classes must be a whole number, got {n_classes!r}")
    if not 2 <= n_classes <= point_set.max_classes:
        allowed = "2" if point_set.max_classes == 2 else f"2 to {point_set.max_classes}"
        raise DatasetError(
            f"n_classes: the {point_set.name} set has {allowed} classes, got {n_classes}"
        )
    if isinstance(n_samples, bool) or not isinstance(n_samples, int):
        raise DatasetError(f"n_samples must be a whole number, got {n_samples!r}")
    if not 2 * n_classes <= n_samples <= MAX_SAMPLES:
        raise DatasetError(
            f"n_samples must be from {2 * n_classes} to {MAX_SAMPLES} for {n_classes} classes, "
            f"got {n_samples}"
        )
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise <= MAX_NOISE:
        raise DatasetError(f"noise must be a number from 0 to {MAX_NOISE}, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise DatasetError(f"seed must be a whole number from 0 to {2**32 - 1}, got {seed!r}")


def point_bounds(x: np.ndarray, margin: float = 0.1) -> tuple[float, float, float, float]:
    """The plane to draw a 2D set over: ``POINT_BOUNDS`` grown to hold every point of ``x``
    (raw coordinates) with ``margin`` to spare."""
    lo = np.minimum(x.min(axis=0) - margin, [POINT_BOUNDS[0], POINT_BOUNDS[2]])
    hi = np.maximum(x.max(axis=0) + margin, [POINT_BOUNDS[1], POINT_BOUNDS[3]])
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
