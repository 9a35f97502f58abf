"""The path the weights take while training, and the planes it is drawn on (no Qt).

A :class:`Trajectory` records the model's parameters — flattened and concatenated in the
order of ``model.get_weights()`` (W1, b1, W2, b2, ...), one float32 row per recorded step —
every ``stride`` steps into a fixed number of rows. When the rows are full every other one
is dropped and the stride doubles: memory stays fixed however long training runs, the
whole run stays evenly sampled, and the first row (the start) is always kept.

A :class:`Plane` is a 2-D slice of parameter space, the points ``origin + a·d1 + b·d2``;
the loss landscape is drawn over one. Any trajectory (the live run's, a raced variant's)
is drawn on it with :meth:`Plane.project`: least squares, so the directions need not be
orthogonal (two random directions are not, in a small network).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nnviz.engine import Sequential

TRAJECTORY_BYTES = 32 * 2**20  # the rows of one trajectory take at most this much
MAX_ROWS = 1024
MIN_ROWS = 32  # kept even for a big network (the cat images: 32 rows of 1 MB)

_plane_ids = itertools.count(1)


def flatten(weights: Sequence[np.ndarray]) -> np.ndarray:
    """``[W1, b1, W2, b2, ...]`` as one float32 vector, in that order."""
    return np.concatenate([np.ravel(w) for w in weights]).astype(np.float32)


def _parameter_views(model: Sequential) -> list[np.ndarray]:
    """The model's parameters in ``get_weights()`` order, as flat views (no copies)."""
    return [array for layer in model.dense_layers for array in (layer.W.ravel(), layer.b)]


def _frozen(array: np.ndarray) -> np.ndarray:
    out = np.ascontiguousarray(array, dtype=np.float32).copy()
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class Plane:
    """The parameter vectors ``origin + a·d1 + b·d2`` (float32, read-only), and the part
    of it a landscape shows: ``a`` within ``centre[0] ± half_width[0]``, ``b`` likewise.
    ``kind`` is how the directions were chosen ("random", "pca" or "exact"), ``labels``
    name the two axes. ``plane_id`` tells planes apart (the views match it)."""

    origin: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    kind: str
    labels: tuple[str, str]
    centre: tuple[float, float] = (0.0, 0.0)
    half_width: tuple[float, float] = (1.0, 1.0)
    plane_id: int = field(default_factory=lambda: next(_plane_ids))

    def __post_init__(self) -> None:
        for name in ("origin", "d1", "d2"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if not self.origin.shape == self.d1.shape == self.d2.shape or self.origin.ndim != 1:
            raise ValueError("the origin and both directions must be vectors of one length")
        directions = np.stack([self.d1, self.d2], axis=1).astype(np.float64)
        gram = directions.T @ directions
        if abs(np.linalg.det(gram)) <= 1e-12 * max(float(np.trace(gram)) ** 2, 1e-300):
            raise ValueError("the two directions are parallel (or zero): they span no plane")
        # coordinates = (point - origin) @ dual: least squares on the two directions
        object.__setattr__(self, "_dual", directions @ np.linalg.inv(gram))

    @property
    def n_params(self) -> int:
        return int(self.origin.size)

    @property
    def a_range(self) -> tuple[float, float]:
        return self.centre[0] - self.half_width[0], self.centre[0] + self.half_width[0]

    @property
    def b_range(self) -> tuple[float, float]:
        return self.centre[1] - self.half_width[1], self.centre[1] + self.half_width[1]

    def axes(self, resolution: int) -> tuple[np.ndarray, np.ndarray]:
        """The grid's ``a`` and ``b`` values (float64), ``resolution`` each, ends included."""
        return np.linspace(*self.a_range, resolution), np.linspace(*self.b_range, resolution)

    def point(self, a: float, b: float) -> np.ndarray:
        """The parameter vector at ``(a, b)`` (float64)."""
        return self.origin + a * self.d1.astype(np.float64) + b * self.d2.astype(np.float64)

    def project(self, points: np.ndarray) -> np.ndarray:
        """``(a, b)`` of each row of ``points`` (``(m, n_params)``; one vector is one row):
        the nearest point of the plane. Returns ``(m, 2)`` float32."""
        points = np.atleast_2d(np.asarray(points, dtype=np.float64))
        if points.shape[1] != self.n_params:
            raise ValueError(
                f"a trajectory of {points.shape[1]} parameters cannot be drawn on a plane "
                f"through {self.n_params}: it belongs to another network"
            )
        return ((points - self.origin) @ self._dual).astype(np.float32)

    def distance(self, point: np.ndarray) -> float:
        """How far ``point`` is from the plane, as a fraction of the shown part's reach
        (1: as far off the plane as the picture's edge is from its centre)."""
        offset = np.asarray(point, dtype=np.float64) - self.origin
        a, b = offset @ self._dual
        residual = offset - a * self.d1 - b * self.d2
        reach = 0.5 * (
            self.half_width[0] * np.linalg.norm(self.d1)
            + self.half_width[1] * np.linalg.norm(self.d2)
        )
        return float(np.linalg.norm(residual) / reach) if reach > 0 else 0.0


@dataclass(frozen=True)
class ProjectedPath:
    """The live run's trajectory on plane ``plane_id``: the recorded points ``coords``
    (``(m, 2)`` float32, the start first), the current weights' ``(a, b)`` as ``current``
    and their distance off the plane (see :meth:`Plane.distance`)."""

    plane_id: int
    coords: np.ndarray
    current: tuple[float, float]
    off_plane: float


class Trajectory:
    """The parameters every ``stride`` steps, in at most a fixed number of rows (see the
    module docstring). While a :attr:`plane` is set, :meth:`path` projects the rows
    recorded since its last call: a training step never pays for a projection."""

    def __init__(
        self,
        budget_bytes: int = TRAJECTORY_BYTES,
        max_rows: int = MAX_ROWS,
        min_rows: int = MIN_ROWS,
    ) -> None:
        self.budget_bytes = budget_bytes
        self.max_rows = max_rows
        self.min_rows = min_rows
        self.plane: Plane | None = None
        self._rows = np.zeros((0, 0), dtype=np.float32)  # allocated at the first record
        self._steps = np.zeros(0, dtype=np.int64)
        self._coords = np.zeros((0, 2), dtype=np.float32)
        self.clear()

    def clear(self) -> None:
        """Forget every point (the plane stays)."""
        self.stride = 1
        self._size = 0
        self._projected = 0  # rows whose coordinates on the plane are known

    def __len__(self) -> int:
        return self._size

    @property
    def n_params(self) -> int:
        """Parameters per row (0 before the first record)."""
        return int(self._rows.shape[1])

    @property
    def capacity(self) -> int:
        return len(self._rows)

    def _allocate(self, n_params: int) -> None:
        rows = max(self.min_rows, min(self.max_rows, self.budget_bytes // (4 * n_params)))
        rows -= rows % 2
        self._rows = np.zeros((rows, n_params), dtype=np.float32)
        self._steps = np.zeros(rows, dtype=np.int64)
        self._coords = np.zeros((rows, 2), dtype=np.float32)
        self.clear()
        if self.plane is not None and self.plane.n_params != n_params:
            self.plane = None

    def record(self, step: int, model: Sequential, *, force: bool = False) -> None:
        """Keep the model's parameters at ``step`` if it is a multiple of the stride (or
        ``force``). A network with another parameter count starts a new trajectory."""
        if step % self.stride and not force:
            return
        params = model._params  # the views' order: one copy, not one per array (races)
        if params.size != self.n_params:
            self._allocate(params.size)
        if self._size == self.capacity:
            self._decimate()
        np.copyto(self._rows[self._size], params, casting="same_kind")
        self._steps[self._size] = step
        self._size += 1

    def _decimate(self) -> None:
        """Keep every other row (the first one included) and record half as often."""
        half = self._size // 2
        for i in range(1, half):  # row by row: no temporary copy of the whole buffer
            self._rows[i] = self._rows[2 * i]
        self._steps[:half] = self._steps[: 2 * half : 2]
        self._size = half
        self._projected = 0
        self.stride *= 2

    def truncate(self, step: int) -> None:
        """Forget the points after ``step`` (an undo went back to it)."""
        self._size = int(np.searchsorted(self._steps[: self._size], step, side="right"))
        self._projected = min(self._projected, self._size)

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the recorded steps ``(m,)`` and parameters ``(m, n_params)`` float32."""
        return self._steps[: self._size].copy(), self._rows[: self._size].copy()

    def set_plane(self, plane: Plane | None) -> None:
        """Project the points on ``plane`` from now on (None: on no plane)."""
        if plane is not None and self.n_params and plane.n_params != self.n_params:
            raise ValueError(
                f"the plane is through {plane.n_params} parameters but the network has "
                f"{self.n_params}"
            )
        self.plane = plane
        self._projected = 0

    def path(self, model: Sequential) -> ProjectedPath | None:
        """The points and the current weights on the plane (None without a plane, or when
        the network no longer fits it)."""
        plane = self.plane
        if plane is None:
            return None
        parts = _parameter_views(model)
        if sum(p.size for p in parts) != plane.n_params:
            return None
        current = np.concatenate(parts).astype(np.float64)
        a, b = plane.project(current)[0]
        if self._projected < self._size:  # the rows recorded since the last path
            new = slice(self._projected, self._size)
            self._coords[new] = plane.project(self._rows[new])
            self._projected = self._size
        coords = np.array(self._coords[: self._size], copy=True)
        coords.flags.writeable = False
        return ProjectedPath(plane.plane_id, coords, (float(a), float(b)), plane.distance(current))
