"""The training step: forward pass, backward pass and one optimizer update.

All parameters live in one flat vector and all gradients in another of the same layout, so
one step is a few dozen NumPy calls whatever the network: forward, backward (no gradient
for the input data), one whole-vector optimizer update and one finiteness check. The update
writes into the model's second parameter vector, which then becomes the parameters, so the
weights before it stay untouched for a restore (no copy per step).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nnviz.engine import threads
from nnviz.engine.errors import DivergenceError
from nnviz.engine.layers import Dense


class TrainingStepMixin:
    """The training step of :class:`~nnviz.engine.model.Sequential`."""

    def train_on_batch(self, x: object, y: object) -> float:
        """One update on this batch; returns the loss of the forward pass before it."""
        self._require_compiled()
        x, y = self.prepare(x, y)
        return self.train_step(x, y)

    def compute_gradients(self, x: object, y: object) -> tuple[float, list[np.ndarray]]:
        """(loss, ``[dW1, db1, dW2, db2, ...]``) on this batch, without updating (dropout
        active, as in training)."""
        self._require_compiled()
        x, y = self.prepare(x, y)
        loss = self._forward_backward(x, y)
        grads = []
        for layer in self._dense:
            grads += [layer.dW.copy(), layer.db.copy()]
        return loss, grads

    def train_step(self, x: np.ndarray, y: np.ndarray) -> float:
        """:meth:`train_on_batch` for data already :meth:`prepare`-d (the Trainer's path).
        Raises :class:`DivergenceError` (weights restored) on a NaN/Inf loss or weight."""
        # overflow is reported as a DivergenceError, not as warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = self._forward_backward(x, y)
            params = self._backup
            self.optimizer.apply(self._params, self._grads, out=params)
            self._swap_params()
            self._stepped = True
            # the sum of squares is finite iff every weight is, short of overflow (which
            # the exact search below rules out); one BLAS pass over the vector
            if not math.isfinite(np.dot(params, params)):
                culprit = self._first_nonfinite(lambda d: (d.W, d.b))
                if culprit:
                    np.copyto(params, self._backup)
                    self.optimizer.reset()
                    raise self._divergence("the weights", culprit)
        return loss

    def _forward_backward(self, x: np.ndarray, y: np.ndarray) -> float:
        """Forward and backward pass: fills the gradient vector, returns the loss."""
        # one BLAS thread count for the whole pass, the one its largest product calls for:
        # a change right after a threaded product costs 15-30 µs (measured), and products
        # too small for BLAS to split run on one thread whatever the count
        threads.sync()
        threads.use_threads(threads.threads_for(len(x) * max(d.W.size for d in self._dense)))
        a = x
        rng = self._dropout_rng
        for layer in self._hidden:
            a = layer.forward(a, True, rng)
        out = self._dense[-1]
        loss_fn = self.loss
        if out.activation.name == loss_fn.logits_activation:
            loss, grad, a = loss_fn.from_logits(y, out.forward_z(a))
            out.a = a
        else:
            a = out.forward(a, True, rng)
            loss = loss_fn(y, a)
            grad = out.activation.backward(loss_fn.gradient(y, a), out.z, a)
        for layer in self._dense:
            if layer.regularized:
                loss += layer.regularizer.penalty(layer.W)
        self.last_output = a
        if not math.isfinite(loss):
            # the weights are finite but the last update made them blow the loss up: undo it
            culprit = self._first_nonfinite(lambda d: (d.z, d.a))
            if self._stepped:
                np.copyto(self._params, self._backup)
                self.optimizer.reset()
                self._stepped = False
            raise self._divergence("the loss", culprit)
        layers, needs_dx = self.layers, self._needs_dx
        i = self._output_index
        grad = out.backward_from_z(grad, needs_dx[i])
        while grad is not None:
            i -= 1
            grad = layers[i].backward(grad, needs_dx[i])
        return loss

    def _first_nonfinite(self, arrays: Callable[[Dense], tuple[np.ndarray | None, ...]]) -> int:
        for number, layer in enumerate(self._dense, start=1):
            if any(a is not None and not np.all(np.isfinite(a)) for a in arrays(layer)):
                return number
        return 0

    def _divergence(self, what: str, layer: int) -> DivergenceError:
        return DivergenceError(
            what,
            layer or None,
            self._dense[layer - 1].name if layer else None,
            self.optimizer.current_learning_rate,
        )
