"""The loss landscape: the training loss over a plane through the current weights (no Qt).

The plane's two directions are either random and filter-normalized (Li et al.,
"Visualizing the Loss Landscape of Neural Nets", 2018), the top two principal components
of the trajectory so far, or — for a model with two parameters — the exact axes w and b.
:class:`LossSurface` evaluates the loss at many points of the plane at once, in float32:
the weights of every point are stacked along a leading axis and the forward pass is one
batched matmul per layer. :class:`LandscapeJob` does it on the training worker, coarse to
fine (11x11, 21x21, ... up to the chosen resolution), each pass a :class:`LandscapeReport`.

The loss is the one the model trains with, on the whole training set: the data loss plus
the L1/L2 penalties (the function gradient descent walks down; the app's loss curve
includes them too), with dropout off (as ``model.evaluate`` computes it).
"""

from __future__ import annotations

import itertools
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from nnviz.live.jobs import BackgroundJob
from nnviz.live.trajectory import Plane, flatten

if TYPE_CHECKING:
    from nnviz.engine import Sequential
    from nnviz.engine.activations import Activation
    from nnviz.engine.regularizers import L1L2
    from nnviz.live.session import TrainingSession

KINDS = ("random", "pca", "exact")
RESOLUTIONS = (41, 61, 81)
COARSE_RESOLUTIONS = (11, 21, 41)  # the passes before the chosen resolution
CHUNK_VALUES = 1 << 17  # activations per batch of grid points: 512 kB of float32, a few ms
PCA_MIN_POINTS = 3
WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads sharing a grid's chunks
TRAJECTORY_MARGIN = 1.25  # a PCA or w-b picture shows the path and a quarter more


def refinement_passes(resolution: int) -> tuple[int, ...]:
    """The grid sizes computed one after the other: the coarse ones, then ``resolution``."""
    if resolution < 3:
        raise ValueError(f"a landscape needs at least 3x3 points, got {resolution}")
    return (*(r for r in COARSE_RESOLUTIONS if r < resolution), resolution)


def random_directions(weights: list[np.ndarray], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two random directions (float32, ``get_weights()`` order), filter-normalized as in
    Li et al. 2018: a dense layer's filter is one neuron's incoming weights (a column of
    W), and each column of a direction — drawn from N(0, 1) — is scaled to the norm of the
    same column of W, so a step of 1 moves every neuron by as much as its weights are long.
    Biases are not moved (direction 0), as in their code's default. A neuron whose weights
    are all zero (the zeros initializer) gets a column of norm 1, or the plane would be a
    point."""
    rng = np.random.default_rng(seed)
    directions = []
    for _ in range(2):
        parts = []
        for w in weights:
            if w.ndim != 2:
                parts.append(np.zeros(w.shape))
                continue
            g = rng.standard_normal(w.shape)
            target = np.linalg.norm(w, axis=0)
            target = np.where(target > 0, target, 1.0)
            parts.append(g * (target / np.linalg.norm(g, axis=0)))
        directions.append(flatten(parts))
    return directions[0], directions[1]


def pca_directions(
    trajectory: np.ndarray, current: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """The top two principal components of ``trajectory - current`` (rows are points):
    two orthonormal float32 directions, each pointing from the start towards the current
    weights, and the share of the path's spread each explains. ValueError (what to do)
    when the trajectory is too short or straight to span a plane."""
    rows = np.asarray(trajectory, dtype=np.float64)
    if len(rows) < PCA_MIN_POINTS:
        raise ValueError(
            f"the path has {len(rows)} recorded point(s); the PCA plane needs at least "
            f"{PCA_MIN_POINTS} — train a few steps first"
        )
    offsets = rows - np.asarray(current, dtype=np.float64)
    _, singular, vt = np.linalg.svd(offsets, full_matrices=False)
    if len(singular) < 2 or singular[1] <= 1e-6 * max(singular[0], 1e-300):
        raise ValueError("the path so far is a straight line: it spans no plane yet")
    shares = singular**2 / np.sum(singular**2)
    directions = []
    for d in vt[:2]:
        if offsets[0] @ d > 0:  # the start lies on the negative side
            d = -d
        directions.append(d.astype(np.float32))
    return directions[0], directions[1], (float(shares[0]), float(shares[1]))


def _reach(coords: np.ndarray, centre: tuple[float, float], floor: float) -> tuple[float, float]:
    """Half-widths that show ``coords`` around ``centre`` with a margin; neither less
    than ``floor`` nor than a tenth of the other (a flat path still gets a picture)."""
    if len(coords):
        spread = np.abs(np.asarray(coords, dtype=np.float64) - np.asarray(centre)).max(axis=0)
        a, b = (float(v) * TRAJECTORY_MARGIN for v in spread)
    else:
        a = b = 0.0
    widest = max(a, b, floor)
    return max(a, floor, 0.1 * widest), max(b, floor, 0.1 * widest)


def make_plane(
    kind: str,
    weights: list[np.ndarray],
    trajectory: np.ndarray,
    span: float = 1.0,
    seed: int = 0,
) -> tuple[Plane, str]:
    """A plane through ``weights`` of ``kind`` ("random", "pca" or "exact") and a note
    (empty, or why PCA fell back to random directions). ``span`` scales the shown part:
    ±span along random directions; span times the path's reach for PCA and the w, b
    plane. ValueError when ``kind`` cannot be made for this model."""
    if kind not in KINDS:
        raise ValueError(f"directions must be one of {', '.join(KINDS)}, got {kind!r}")
    if not (math.isfinite(span) and span > 0):
        raise ValueError(f"the range must be a positive number, got {span}")
    current = flatten(weights)
    rows = np.asarray(trajectory, dtype=np.float32).reshape(-1, current.size)
    if kind == "exact":
        if current.size != 2:
            raise ValueError(
                f"the exact w, b plane needs a model with exactly 2 parameters (one input, "
                f"one output neuron, no hidden layer); this one has {current.size} — "
                "choose random or PCA directions"
            )
        centre = (float(current[0]), float(current[1]))
        plane = Plane(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), "exact", ("w", "b"))
        reach = _reach(rows, centre, 1.0)
        return replace(plane, centre=centre, half_width=(span * reach[0], span * reach[1])), ""
    note = ""
    if kind == "pca":
        try:
            d1, d2, shares = pca_directions(rows, current)
        except ValueError as exc:
            note = f"PCA: {exc}. Showing random directions instead."
        else:
            labels = (f"PC 1 ({shares[0]:.0%} of the path)", f"PC 2 ({shares[1]:.0%})")
            plane = Plane(current, d1, d2, "pca", labels)
            reach = _reach(plane.project(rows), (0.0, 0.0), 1e-3)
            return replace(plane, half_width=(span * reach[0], span * reach[1])), note
    d1, d2 = random_directions(weights, seed)
    labels = ("direction 1", "direction 2")  # random, filter-normalized (the combo says)
    return Plane(current, d1, d2, "random", labels, half_width=(span, span)), note


@dataclass(frozen=True)
class _LayerOnPlane:
    """One dense layer's weights along the plane: W(a, b) = W + a·dW1 + b·dW2."""

    w: np.ndarray
    b: np.ndarray
    dw1: np.ndarray
    db1: np.ndarray
    dw2: np.ndarray
    db2: np.ndarray
    activation: Activation
    regularizer: L1L2 | None

    def kernels(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """W at each of the points: ``(m, n_in, units)``."""
        return self.w + a[:, None, None] * self.dw1 + b[:, None, None] * self.dw2

    def biases(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """b at each of the points, ready to add to ``(m, n, units)``."""
        return (self.b + a[:, None] * self.db1 + b[:, None] * self.db2)[:, None, :]


class LossSurface:
    """The training loss of ``model`` on ``(x, y)`` (prepared: ``trainer.x``/``trainer.y``)
    at points of ``plane``, in float32. Holds its own copies: the model may train on."""

    def __init__(self, model: Sequential, x: np.ndarray, y: np.ndarray, plane: Plane) -> None:
        if plane.n_params != model.n_params:
            raise ValueError(
                f"the plane is through {plane.n_params} parameters but the network has "
                f"{model.n_params}: compute the landscape again"
            )
        self.plane = plane
        vectors = [np.asarray(v, dtype=np.float32) for v in (plane.origin, plane.d1, plane.d2)]
        layers, start = [], 0
        for layer in model.dense_layers:
            parts = []
            for vector in vectors:
                w = vector[start : start + layer.W.size].reshape(layer.W.shape)
                b = vector[start + layer.W.size : start + layer.n_params]
                parts.append((w, b))
            start += layer.n_params
            (w, b), (dw1, db1), (dw2, db2) = parts
            regularizer = layer.regularizer if layer.regularizer.active else None
            layers.append(_LayerOnPlane(w, b, dw1, db1, dw2, db2, layer.activation, regularizer))
        self._layers = layers
        self.loss = model.loss
        self._logits = model.dense_layers[-1].activation.name == model.loss.logits_activation
        x = np.asarray(x, dtype=np.float32)
        self._y = np.asarray(y, dtype=np.float32)
        # The first layer is linear in (a, b): z1 = x·W(a, b) + b(a, b) = z0 + a·u + b·v,
        # for all points at once one matmul [1, a, b] @ [z0; u; v].
        first = layers[0]
        self._first = np.stack(
            [x @ first.w + first.b, x @ first.dw1 + first.db1, x @ first.dw2 + first.db2]
        ).reshape(3, -1)
        self._first_shape = (len(x), first.w.shape[1])
        widest = max(layer.w.shape[1] for layer in layers)
        #: grid points evaluated together (their activations take CHUNK_VALUES floats)
        self.chunk = max(1, CHUNK_VALUES // (len(x) * widest))

    def losses(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The loss at the points ``(a[i], b[i])``: shape ``(m,)`` float32 (inf or NaN
        where the network overflows)."""
        a = np.asarray(a, dtype=np.float32).ravel()
        b = np.asarray(b, dtype=np.float32).ravel()
        layers = self._layers
        with np.errstate(all="ignore"):
            coefficients = np.column_stack([np.ones_like(a), a, b])
            z = (coefficients @ self._first).reshape(len(a), *self._first_shape)
            for previous, layer in itertools.pairwise(layers):
                z = np.matmul(previous.activation.forward(z), layer.kernels(a, b))
                z += layer.biases(a, b)
            if self._logits:
                values = self.loss.stacked_values_from_logits(self._y, z)
            else:
                out = layers[-1].activation.forward(z)
                values = self.loss.stacked_values(self._y, out)
            for layer in layers:
                if layer.regularizer is not None:
                    values = values + layer.regularizer.stacked_penalty(layer.kernels(a, b))
        return np.asarray(values, dtype=np.float32)

    def spread_losses(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """:meth:`losses` at many points, in chunks shared out among :data:`WORKERS`
        threads: NumPy lets go of the interpreter lock in its loops, so the chunks run on
        all cores (the chunks are those a single thread would take, so the values are too)."""
        starts = range(0, len(a), self.chunk)
        parts = _pool().map(
            lambda i: self.losses(a[i : i + self.chunk], b[i : i + self.chunk]), starts
        )
        return np.concatenate(list(parts))

    def grid(self, resolution: int) -> np.ndarray:
        """The whole ``(resolution, resolution)`` grid at once (row i is ``b = b_i``,
        column j is ``a = a_j``, both from :meth:`Plane.axes`)."""
        return self.spread_losses(*self.mesh(resolution)).reshape(resolution, resolution)

    def mesh(self, resolution: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``a`` and ``b`` of every grid point, row by row (as :meth:`grid` lays them)."""
        a_axis, b_axis = self.plane.axes(resolution)
        a, b = np.meshgrid(a_axis, b_axis)
        return a.ravel(), b.ravel()


@cache
def _pool() -> ThreadPoolExecutor:
    """The threads every landscape shares (made at the first grid, kept for the process)."""
    return ThreadPoolExecutor(WORKERS, thread_name_prefix="nnviz-landscape")


@dataclass(frozen=True)
class LandscapeReport:
    """One pass of a landscape: ``grid`` (float32, read-only, ``(resolution, resolution)``,
    row i at ``b = b_i`` and column j at ``a = a_j`` of ``plane.axes(resolution)``) holds
    the loss over ``plane``; pass ``pass_number`` of ``passes`` (1-based), the last one at
    the full resolution. ``note`` says why the directions are not the ones asked for."""

    plane: Plane
    grid: np.ndarray
    pass_number: int
    passes: int
    note: str = ""
    #: the training step whose weights are at the plane's origin
    step: int = 0

    @property
    def resolution(self) -> int:
        return int(self.grid.shape[0])

    @property
    def plane_id(self) -> int:
        return self.plane.plane_id

    @property
    def final(self) -> bool:
        return self.pass_number == self.passes


class LandscapeJob(BackgroundJob):
    """The loss landscape around the session's current weights, computed by the training
    worker beside training (not exclusive), pass by pass from coarse to fine.

    The first slice makes the plane (through the weights of that moment) and hands it to
    the session's trajectory, so the snapshots' path is projected on it; the rest only
    reads its own copies of the weights and data."""

    name = "loss landscape"

    def __init__(
        self, kind: str = "random", span: float = 1.0, resolution: int = 41, seed: int = 0
    ) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"directions must be one of {', '.join(KINDS)}, got {kind!r}")
        self.kind, self.span, self.seed = kind, float(span), int(seed)
        self.passes = refinement_passes(int(resolution))
        self._total = sum(r * r for r in self.passes)
        self._surface: LossSurface | None = None
        self._note = ""
        self._pass = 0  # index into passes of the pass being computed
        self._values: list[np.ndarray] = []
        self._mesh: tuple[np.ndarray, np.ndarray] | None = None
        self._done_points = 0  # of the pass being computed
        self._finished_points = 0  # of the passes before it
        self._report: LandscapeReport | None = None
        self._step = 0

    def start(self, session: TrainingSession) -> None:
        """Make the plane through the session's weights and hand it to its trajectory."""
        _, rows = session.trajectory.points()
        plane, self._note = make_plane(
            self.kind, session.model.get_weights(), rows, self.span, self.seed
        )
        self._surface = LossSurface(session.model, session.trainer.x, session.trainer.y, plane)
        self._step = session.step_count
        session.trajectory.set_plane(plane)

    def advance(self, session: TrainingSession, budget_s: float) -> bool:
        deadline = time.perf_counter() + budget_s
        if self._surface is None:
            self.start(session)
        surface = self._surface
        assert surface is not None
        while True:
            resolution = self.passes[self._pass]
            if self._mesh is None:
                self._mesh = surface.mesh(resolution)
            a, b = self._mesh
            done = self._done_points
            end = min(done + surface.chunk * WORKERS, len(a))
            self._values.append(surface.spread_losses(a[done:end], b[done:end]))
            self._done_points = end
            if end == len(a):
                self._finish_pass(resolution)
                if self._pass == len(self.passes):
                    return True
            if time.perf_counter() >= deadline:
                return False

    def _finish_pass(self, resolution: int) -> None:
        assert self._surface is not None
        grid = np.concatenate(self._values).reshape(resolution, resolution)
        grid.flags.writeable = False
        self._pass += 1
        self._report = LandscapeReport(
            self._surface.plane, grid, self._pass, len(self.passes), self._note, self._step
        )
        self._finished_points += resolution * resolution
        self._values, self._mesh, self._done_points = [], None, 0

    def progress(self) -> float:
        return (self._finished_points + self._done_points) / self._total

    def result(self) -> LandscapeReport | None:
        """The finest pass finished so far (None before the first)."""
        return self._report
