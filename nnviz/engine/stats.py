"""Per-layer statistics of the last training step, for the app's plots.

Computed on demand from the arrays the step kept (its activations, gradients and the
weights before and after the update), so asking costs nothing on steps nobody looks at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.engine.layers import Dense

HIST_BINS = 24
#: an unbounded end of an activation's range is drawn at this value (outliers go to the
#: end bins)
UNBOUNDED_EDGE = 4.0
#: activations of sigmoid-like functions within this fraction of either end of their range
#: count as saturated (|tanh| > 0.95, sigmoid < 0.025 or > 0.975)
SATURATION_MARGIN = 0.025


@dataclass(frozen=True)
class LayerStats:
    """One dense layer after a step. ``index`` is 1-based. ``histogram`` counts the batch's
    activations in ``bin_edges`` (fixed per activation function, so plots do not jump).
    ``saturated``: fraction of activations in the flat tails (sigmoid/tanh/softmax only);
    ``dead``: fraction of units inactive on every sample of the batch (relu only);
    ``update_ratio``: ‖ΔW‖ / ‖W‖ of the last update."""

    index: int
    name: str
    activation: str
    activation_mean: float
    activation_std: float
    histogram: np.ndarray
    bin_edges: np.ndarray
    saturated: float | None
    dead: float | None
    grad_norm: float
    bias_grad_norm: float
    weight_norm: float
    update_ratio: float


def bin_edges(layer: Dense) -> np.ndarray:
    """The fixed histogram edges for ``layer``'s activation function."""
    low, high = layer.activation.output_range
    low = -UNBOUNDED_EDGE if math.isinf(low) else low
    high = UNBOUNDED_EDGE if math.isinf(high) else high
    return np.linspace(low, high, HIST_BINS + 1)


def _norm(x: np.ndarray) -> float:
    return math.sqrt(float(np.vdot(x, x)))


def layer_stats(layer: Dense, index: int, previous_W: np.ndarray) -> LayerStats:
    """Statistics of ``layer`` from its last training pass; ``previous_W`` is its kernel
    before the last update."""
    a = layer.a
    edges = bin_edges(layer)
    histogram, _ = np.histogram(np.clip(a, edges[0], edges[-1]), bins=edges)
    act = layer.activation
    saturated = dead = None
    if act.saturates:
        low, high = edges[0], edges[-1]
        margin = SATURATION_MARGIN * (high - low)
        saturated = float(np.mean((a < low + margin) | (a > high - margin)))
    if act.rectifier:
        dead = float(np.mean(a.max(axis=0) <= 0)) if len(a) else 0.0
    weight_norm = _norm(layer.W)
    return LayerStats(
        index=index,
        name=layer.name,
        activation=act.name,
        activation_mean=float(a.mean()),
        activation_std=float(a.std()),
        histogram=histogram,
        bin_edges=edges,
        saturated=saturated,
        dead=dead,
        grad_norm=_norm(layer.dW),
        bias_grad_norm=_norm(layer.db),
        weight_norm=weight_norm,
        update_ratio=_norm(layer.W - previous_W) / weight_norm if weight_norm else 0.0,
    )
