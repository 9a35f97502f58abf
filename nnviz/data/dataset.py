"""The :class:`Dataset` container and :class:`DatasetError`, the one error for bad data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class DatasetError(ValueError):
    """Bad data or data settings. The message names the file (or setting), what is wrong
    and what was expected, so it can be shown to a learner as it is."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples and their labels.

    ``x`` is float64 ``(m, n)`` for points and tables, or ``(m, h, w, c)`` for images
    (uint8 when the source stores bytes); ``y`` is int64 ``(m,)`` with labels
    ``0..n_classes-1``. ``source`` is a JSON-able description that regenerates or reloads
    the data (a generator's settings, a file path). ``x`` and ``y`` are read-only views,
    because plots keep references to them.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...] = ()
    image_shape: tuple[int, int, int] | None = None
    source: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        x, y = np.asarray(self.x), np.asarray(self.y)
        where = self.name
        if x.ndim not in (2, 4):
            raise DatasetError(f"{where}: samples must be (m, n) or (m, h, w, c), got {x.shape}")
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise DatasetError(
                f"{where}: expected one label per sample, got {x.shape[0]} samples and "
                f"labels of shape {y.shape}"
            )
        if y.dtype != np.int64:
            raise DatasetError(f"{where}: labels must be int64, got {y.dtype}")
        if len(self.class_names) < 1 or (y.size and (y.min() < 0 or y.max() >= self.n_classes)):
            raise DatasetError(
                f"{where}: labels must be 0..{self.n_classes - 1} for classes {self.class_names}"
            )
        if x.ndim == 4 and self.image_shape != tuple(x.shape[1:]):
            raise DatasetError(f"{where}: image_shape {self.image_shape} != {x.shape[1:]}")
        # Read-only views: the caller's own arrays stay writable.
        x, y = x.view(), y.view()
        x.setflags(write=False)
        y.setflags(write=False)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "feature_names", tuple(self.feature_names))

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    def subset(self, indices: np.ndarray, name: str | None = None) -> Dataset:
        """The samples at ``indices`` (a copy), keeping classes, features and source."""
        return Dataset(
            name or self.name,
            self.x[indices],
            self.y[indices],
            self.class_names,
            self.feature_names,
            self.image_shape,
            self.source,
        )
