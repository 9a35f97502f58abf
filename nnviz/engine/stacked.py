"""Several models of one shape trained on the same mini-batches in one computation.

The variants of a race differ in how they learn (optimizer, learning rate, initial
weights, L2) but not in their shapes, and they see the same batches: their forward and
backward passes are the same products with other weights. A :class:`StackedGroup` keeps the
parameters of all its models in one ``(models, n_params)`` array (each model's flat vector
is a row, its layers' W and b views into that row) and runs each dense layer for all models
with one ``np.matmul`` over a leading model axis.

Bit for bit: NumPy's matmul calls BLAS gemm once per model slice, with the shapes, strides
and transpose flags of the model's own 2-D product, and the activations, the bias sums and
the loss act per element or per model slice; so every model's loss and gradients are those
it computes alone (tests/engine/test_stacked.py checks it). Everything else stays each
model's own: its optimizer update, the finiteness check and the restore on divergence, and
its :class:`~nnviz.engine.training.Trainer` (order, counters, validation, divergence watch).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnviz.engine import threads
from nnviz.engine.model import Sequential
from nnviz.engine.spec import NetworkSpec


def stack_key(spec: NetworkSpec) -> tuple[Any, ...] | None:
    """Specs with equal keys can train as one :class:`StackedGroup` (same shapes,
    activations, loss, dtype, batch size and seed); None when ``spec`` cannot be stacked
    (dropout draws its own masks per model)."""
    if any(layer.kind != "dense" for layer in spec.layers):
        return None
    layers = tuple((layer.units, layer.activation) for layer in spec.layers)
    return (spec.input_dim, layers, spec.loss, spec.dtype, spec.batch_size, spec.seed)


class StackedMember(Sequential):
    """A model whose forward and backward pass its :class:`StackedGroup` computes, together
    with the other members', when the first of them asks in a step."""

    _group: StackedGroup | None = None

    def _forward_backward(self, x: np.ndarray, y: np.ndarray) -> float:
        group = self._group
        loss = None if group is None else group.loss_and_gradients(self, x, y)
        if loss is None:
            # alone, or a NaN loss: the engine's own pass raises (and restores) as usual
            return super()._forward_backward(x, y)
        return loss


class StackedGroup:
    """Models built from specs with one :func:`stack_key`, each trained by its own Trainer
    on the same batches in lockstep: every member takes its step before any takes the next.

    The first member to step computes the losses and gradients of all of them; the others
    take theirs. A member that stops stepping (it diverged) only costs its share of the
    products."""

    def __init__(self, models: Sequence[StackedMember]) -> None:
        if not models:
            raise ValueError("a stacked group needs at least one model")
        key = stack_key(models[0].get_config())
        for model in models:
            if not isinstance(model, StackedMember):
                raise ValueError("stack StackedMember models (StackedMember.from_config)")
            if key is None or stack_key(model.get_config()) != key:
                raise ValueError("only models of the same shape and batch size can be stacked")
        self.models = list(models)
        first = models[0]
        self._params = np.stack([m._params for m in models])
        self._grads = np.zeros_like(self._params)
        for row, model in enumerate(models):
            model._params, model._grads = self._params[row], self._grads[row]
            model._point_layers()
            model._group = self
        n = len(models)
        self._weights = []  # per dense layer: W (models, n_in, units) and b (models, 1, units)
        self._weight_grads = []  # and dW, db (models, units)
        for index, layer in enumerate(first.dense_layers):
            part = first._slice(index)
            n_w = layer.input_dim * layer.units
            shape = (n, layer.input_dim, layer.units)
            params, grads = self._params[:, part], self._grads[:, part]
            self._weights.append(
                (params[:, :n_w].reshape(shape), params[:, n_w:].reshape(n, 1, layer.units))
            )
            self._weight_grads.append((grads[:, :n_w].reshape(shape), grads[:, n_w:]))
        self._losses: dict[int, float] = {}

    def loss_and_gradients(
        self, model: StackedMember, x: np.ndarray, y: np.ndarray
    ) -> float | None:
        """``model``'s loss on the batch ``x``, ``y`` with its gradients filled in (None when
        the loss is not finite: the model's own pass then says why)."""
        row = self.models.index(model)
        if row not in self._losses:
            self._compute(x, y)
        loss = self._losses.pop(row)
        model.last_output = self._output[row]
        return loss if np.isfinite(loss) else None

    def _compute(self, x: np.ndarray, y: np.ndarray) -> None:
        """Every member's forward and backward pass on one batch (the engine's
        ``Sequential._forward_backward``, with a leading model axis)."""
        first = self.models[0]
        dense = first.dense_layers
        out = dense[-1]
        loss_fn = first.loss
        logits = out.activation.name == loss_fn.logits_activation
        inputs, zs, activations = [], [], []
        # NumPy's matmul is about twice as fast on a contiguous stack of weights as on the
        # strided view into the parameter rows (same gemm per model, same bits)
        kernels = [np.ascontiguousarray(w) for w, _ in self._weights]
        a = x
        for index, (layer, w, (_, b)) in enumerate(zip(dense, kernels, self._weights, strict=True)):
            threads.use_threads(threads.threads_for(len(x) * layer.W.size))
            inputs.append(a)
            z = np.matmul(a, w)
            z += b
            zs.append(z)
            if index < len(dense) - 1 or not logits:
                a = layer.activation._forward(z)
                activations.append(a)
        if logits:
            losses, grad, output = loss_fn.stacked_from_logits(y, zs[-1])
        else:
            output = activations[-1]
            losses = [loss_fn(y, part) for part in output]
            grad = np.stack([loss_fn.gradient(y, part) for part in output])
            grad = out.activation.backward(grad, zs[-1], output)
        for row, model in enumerate(self.models):
            for layer in model.dense_layers:
                if layer.regularized:
                    losses[row] += layer.regularizer.penalty(layer.W)
        self._losses = dict(enumerate(losses))
        self._output = output
        for index in range(len(dense) - 1, -1, -1):
            layer = dense[index]
            threads.use_threads(threads.threads_for(len(x) * layer.W.size))
            dw, db = self._weight_grads[index]
            dw[...] = np.matmul(np.swapaxes(inputs[index], -1, -2), grad)
            np.add.reduce(grad, axis=1, out=db)
            for model in self.models:
                member = model.dense_layers[index]
                if member.regularized:
                    member.regularizer.add_gradient(member.W, member.dW)
            if index:
                grad = np.matmul(grad, np.swapaxes(kernels[index], -1, -2))
                grad = dense[index - 1].activation.backward(
                    grad, zs[index - 1], activations[index - 1]
                )
