"""What normalization does to the training inputs: statistics before and after, and the
2D training points on both scales (for the Dataset panel; no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.data.features import add_features, canonical_features
from nnviz.data.pipeline import PreparedData
from nnviz.data.transforms import flatten_images

#: How each normalization maps an input x, in words the Dataset panel shows.
FORMULAS = {
    "none": "none: the network sees the raw values",
    "divide_255": "divide by 255: x / 255",
    "standardize": "standardize: (x − mean) / std, mean and std from the training split",
    "minmax_01": "min-max: (x − min) / (max − min), min and max from the training split",
    "minmax_11": (
        "min-max to [−1, 1]: 2 (x − min) / (max − min) − 1, min and max from the training split"
    ),
}


@dataclass(frozen=True)
class InputStats:
    """Mean, standard deviation, minimum and maximum of one input (or of all pixels)."""

    name: str
    mean: float
    std: float
    min: float
    max: float


@dataclass(frozen=True)
class NormalizationSummary:
    """``before``/``after``: one :class:`InputStats` per input of the training split (one
    "pixels" entry over all values for images), raw and as the network sees them."""

    method: str
    formula: str
    before: tuple[InputStats, ...]
    after: tuple[InputStats, ...]


def _stats(names: tuple[str, ...], x: np.ndarray) -> tuple[InputStats, ...]:
    return tuple(
        InputStats(name, float(c.mean()), float(c.std()), float(c.min()), float(c.max()))
        for name, c in zip(names, x.T, strict=True)
    )


def raw_inputs(data: PreparedData) -> np.ndarray:
    """The training inputs before normalization, float64 (m, input_dim)."""
    if data.config.kind == "points":
        return add_features(data.raw.train.x, data.config.features)
    return flatten_images(data.raw.train.x).astype(np.float64)


def summarize(data: PreparedData) -> NormalizationSummary:
    """Per-input statistics of the training split before and after normalization."""
    before, after = raw_inputs(data), data.x_train
    if data.image_shape is not None:
        names: tuple[str, ...] = ("pixels",)
        before, after = before.reshape(-1, 1), after.reshape(-1, 1)
    else:
        names = data.feature_names
    method = data.normalizer.method
    return NormalizationSummary(
        method, FORMULAS.get(method, method), _stats(names, before), _stats(names, after)
    )


def plane_points(data: PreparedData) -> tuple[np.ndarray, np.ndarray] | None:
    """The 2D training points (m, 2) raw and as the network sees x1 and x2, or None when
    the data are not 2D points or x1 or x2 is not an input."""
    if data.config.kind != "points":
        return None
    names = canonical_features(data.config.features)
    if "x1" not in names or "x2" not in names:
        return None
    columns = [names.index("x1"), names.index("x2")]
    return np.asarray(data.raw.train.x, dtype=np.float64), data.x_train[:, columns]
