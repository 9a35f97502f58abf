"""Inference and statistics: predictions, evaluation, per-layer traces and the
statistics of the last training step. None of these change the training state."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.engine import threads
from nnviz.engine.stats import LayerStats, layer_stats


@dataclass(frozen=True)
class LayerTrace:
    """One dense layer's pre-activation ``z`` and activation ``a`` for some input, both of
    shape ``(n_samples, units)``; ``index`` is 1-based."""

    index: int
    name: str
    z: np.ndarray
    a: np.ndarray


def count_correct(a: np.ndarray, y: np.ndarray) -> int:
    """Correct predictions: one output unit is thresholded at 0.5, several take argmax."""
    if a.shape[1] == 1:
        return int(np.count_nonzero((a > 0.5) == (y > 0.5)))
    return int(np.count_nonzero(a.argmax(axis=1) == y.argmax(axis=1)))


class InferenceMixin:
    """Inference and statistics of :class:`~nnviz.engine.model.Sequential`."""

    def _infer(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) of the output layer, dropout off."""
        threads.sync()
        z = a = x
        for layer in self._dense:
            z, a = layer.compute(a)
        return z, a

    def predict(self, x: object) -> np.ndarray:
        """The network's output ``(n_samples, output_units)`` (dropout off)."""
        self._require_built()
        x, _ = self.prepare(x)
        return self._infer(x)[1]

    def loss_and_correct(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """(loss including penalties, number of correct predictions) on prepared data."""
        z, a = self._infer(x)
        if self._dense[-1].activation.name == self.loss.logits_activation:
            loss = self.loss.from_logits(y, z)[0]
        else:
            loss = self.loss(y, a)
        loss += sum(layer.regularizer.penalty(layer.W) for layer in self._dense)
        return loss, count_correct(a, y)

    def evaluate(self, x: object, y: object) -> dict[str, float]:
        """``{"loss": ..., "accuracy": ...}`` on this data (dropout off)."""
        self._require_compiled()
        x, y = self.prepare(x, y)
        loss, correct = self.loss_and_correct(x, y)
        return {"loss": loss, "accuracy": correct / len(x) if len(x) else math.nan}

    def forward_trace(self, x: object) -> list[LayerTrace]:
        """Every dense layer's z and a for ``x`` (dropout off); training state untouched."""
        self._require_built()
        x, _ = self.prepare(x)
        threads.sync()
        traces, a = [], x
        for number, layer in enumerate(self._dense, start=1):
            z, a = layer.compute(a)
            traces.append(LayerTrace(number, layer.name, z, a))
        return traces

    def layer_stats(self) -> list[LayerStats]:
        """Per dense layer statistics of the last training step (empty before the first,
        and after a restored state until the next step has run)."""
        if not self._stepped or any(layer.a is None for layer in self._dense):
            return []
        stats = []
        for i, layer in enumerate(self._dense):
            previous_w = self._backup[self._slice(i)][: layer.W.size].reshape(layer.W.shape)
            stats.append(layer_stats(layer, i + 1, previous_w))
        return stats
