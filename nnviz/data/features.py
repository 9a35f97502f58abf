"""Engineered input features for the 2D sets (x1, x2, x1², x2², x1·x2, sin(x1), sin(x2)).

``add_features`` maps raw (m, 2) points to the selected columns; the app applies the same
function to its boundary grid, so the network always sees the same inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnviz.data.dataset import DatasetError
from nnviz.engine.registry import Registry


@dataclass(frozen=True)
class Feature:
    """One input column computed from x1 = ``p[:, 0]`` and x2 = ``p[:, 1]``; ``label`` is
    how the app displays its name."""

    name: str
    label: str
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray]


FEATURES: Registry[Feature] = Registry("feature")

for _feature in (
    Feature("x1", "x1", lambda a, b: a),
    Feature("x2", "x2", lambda a, b: b),
    Feature("x1^2", "x1²", lambda a, b: a * a),
    Feature("x2^2", "x2²", lambda a, b: b * b),
    Feature("x1*x2", "x1·x2", lambda a, b: a * b),
    Feature("sin(x1)", "sin(x1)", lambda a, b: np.sin(a)),
    Feature("sin(x2)", "sin(x2)", lambda a, b: np.sin(b)),
):
    FEATURES.add(
        _feature.name, _feature, *([_feature.label] if _feature.label != _feature.name else [])
    )

DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")


def canonical_features(names: Sequence[str]) -> tuple[str, ...]:
    """Registry names for ``names`` (display labels such as "x1²" are accepted); raises
    :class:`DatasetError` for unknown, repeated or no features."""
    if isinstance(names, str) or not names:
        raise DatasetError(
            f"features: choose at least one of {', '.join(FEATURES.names())}, got {names!r}"
        )
    try:
        result = tuple(FEATURES.canonical(name) for name in names)
    except ValueError as exc:
        raise DatasetError(f"features: {exc}") from None
    if len(set(result)) != len(result):
        raise DatasetError(f"features: each feature may be chosen once, got {list(names)}")
    return result


def feature_labels(names: Sequence[str]) -> tuple[str, ...]:
    """Display labels of the features ``names`` (e.g. "x1^2" -> "x1²")."""
    return tuple(FEATURES.get(name).label for name in canonical_features(names))


def add_features(x2d: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The selected feature columns of 2D points: (m, 2) -> float64 (m, len(names))."""
    points = np.asarray(x2d, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise DatasetError(f"features are computed from 2D points (m, 2), got {points.shape}")
    a, b = points[:, 0], points[:, 1]
    columns = [FEATURES.get(name).compute(a, b) for name in canonical_features(names)]
    return np.column_stack(columns)
