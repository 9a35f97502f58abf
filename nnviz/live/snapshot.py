"""Immutable snapshots of training, made in the worker thread and drawn by the views.

A snapshot holds copies (weights, grids) or read-only views of history series that are
never written again where the view looks (see :class:`~nnviz.live.series.DecimatedSeries`),
so the GUI thread can read it while the worker trains on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from nnviz.live.diagnosis import Finding
    from nnviz.live.runs import Run
    from nnviz.live.trajectory import ProjectedPath

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


@dataclass(frozen=True)
class Boundary:
    """The model's output over the input plane.

    ``grid`` is float32, row-major with rows along x2: shape ``(g, g)`` holding P(class 1)
    for two classes, or ``(g, g, k)`` class probabilities for k classes. ``bounds`` is
    ``(x1_min, x1_max, x2_min, x2_max)`` in the raw (un-normalized) input coordinates."""

    grid: np.ndarray
    bounds: tuple[float, float, float, float]


@dataclass(frozen=True)
class Histogram:
    """Counts per bin; ``edges`` has one more entry than ``counts``."""

    counts: np.ndarray
    edges: np.ndarray


@dataclass(frozen=True)
class TrainingSnapshot:
    """Everything the views need to draw one moment of training.

    ``epoch`` counts completed epochs; ``history`` holds per-epoch arrays named in
    :data:`HISTORY_KEYS` (NaN where there is no validation split) at the epoch numbers
    ``history_epochs[key]`` (1-based). ``step_losses`` is the loss of the steps numbered
    ``loss_steps`` (1-based; long runs keep old steps decimated, min and max kept),
    ``smoothed_losses`` its exponential moving average at ``smoothed_steps``. ``weights`` is
    a copy of ``(W, b)`` per dense layer. ``grad_norms`` has one row per recorded step
    (``grad_norm_steps``) and one column per dense layer. ``neuron_grids`` (2D data) holds
    per dense layer a float32 ``(n, g, g)`` array of the output over the plane of
    ``boundary.bounds`` of its first ``n = min(units, PICTURED_UNITS)`` neurons (those the
    views draw, :data:`nnviz.live.layout.PICTURED_UNITS`). ``preactivation_hist`` is the
    pre-activation histogram of dense layer ``focus_layer`` on training samples. Image
    data: ``test_probabilities`` (n_test,) or (n_test, k), ``test_predictions`` and
    ``confusion`` (true x predicted).
    ``findings``: the diagnosis in words (:mod:`nnviz.live.diagnosis`).
    """

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    batches_per_epoch: int = 1
    epochs_target: int = 0
    steps_per_second: float = 0.0
    playing: bool = False
    learning_rate: float = 0.0
    history: Mapping[str, np.ndarray] = field(default_factory=dict)
    history_epochs: Mapping[str, np.ndarray] = field(default_factory=dict)
    step_losses: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loss_steps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    smoothed_losses: np.ndarray = field(default_factory=lambda: np.zeros(0))
    smoothed_steps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weights: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
    layer_stats: tuple[Mapping[str, Any], ...] = ()
    grad_norms: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    grad_norm_steps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    activation_hists: tuple[Histogram, ...] = ()
    focus_layer: int = 0
    activation: str = "linear"
    preactivation_hist: Histogram | None = None
    boundary: Boundary | None = None
    neuron_grids: tuple[np.ndarray, ...] | None = None
    test_probabilities: np.ndarray | None = None
    test_predictions: np.ndarray | None = None
    confusion: np.ndarray | None = None
    #: a warning while the loss rises fast, before training would diverge
    instability: str | None = None
    findings: tuple[Finding, ...] = ()
    #: the kept runs (:class:`~nnviz.live.runs.RunLog`), a tuple made anew on every change
    runs: tuple[Run, ...] = ()
    #: samples per step (None: the whole set) and training samples, to count examples seen
    batch_size: int | None = None
    n_train: int = 0
    #: the run's path on the loss landscape's plane (None until a landscape is computed)
    landscape_path: ProjectedPath | None = None

    @property
    def progress(self) -> float:
        """Fraction of the epoch target done (0 when training runs until stopped)."""
        if self.epochs_target <= 0:
            return 0.0
        done = self.epoch + self.batch_in_epoch / max(self.batches_per_epoch, 1)
        return min(done / self.epochs_target, 1.0)


def readonly(array: np.ndarray) -> np.ndarray:
    """A read-only copy of ``array`` (C-contiguous)."""
    out = np.array(array, copy=True, order="C")
    out.flags.writeable = False
    return out
