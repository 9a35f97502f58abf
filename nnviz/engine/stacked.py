"""Several models of one shape trained on the same mini-batches in one computation.

The variants of a race differ in how they learn (optimizer, learning rate, initial
weights, L2) but not in their shapes, and they see the same batches: their forward and
backward passes are the same products with other weights. A :class:`StackedGroup` keeps the
parameters of all its models in one ``(models, n_params)`` array (each model's flat vector
is a row, its layers' W and b views into that row) and runs each dense layer for all models
with one ``np.matmul`` over a leading model axis.

Bit for bit: NumPy's matmul calls BLAS gemm once per model slice, with the shapes, strides
and transpose flags of the model's own 2-D product, and the activations (tanh picks its
formula by the values per model slice), the bias sums and the loss act per element or per
model slice; so every model's loss and gradients are those
it computes alone (tests/engine/test_stacked.py checks it). The rest of a step is done
for all members in the same round, each one's numbers its own: the L1/L2 penalties, the
optimizer updates (members whose optimizers take the same operations update as one
stacked array, :func:`~nnviz.engine.optimizers.apply_stacked`), the finiteness check and
the restore on divergence; at an epoch's end the validation of every member is one
stacked pass too, and the divergence watch's weight check reads every member's largest
weights from one reduction. Each member keeps its own
:class:`~nnviz.engine.training.Trainer` (order, counters, divergence watch): its state is,
bit for bit, that of a separate training. A :class:`Lockstep` steps those Trainers
together (the epoch's order drawn once, the batch sliced once, one round, then each
Trainer's own accounting); each Trainer may also step on its own, the first to ask in a
round computing it for all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnviz.engine import threads
from nnviz.engine.errors import DivergenceError
from nnviz.engine.model import Sequential
from nnviz.engine.optimizers import apply_stacked
from nnviz.engine.regularizers import L1L2
from nnviz.engine.spec import NetworkSpec
from nnviz.engine.training import StepResult, Trainer

#: a member's result in a round when its loss is not finite: its own pass says why
_LOSS_NOT_FINITE = object()


def stack_key(spec: NetworkSpec) -> tuple[Any, ...] | None:
    """Specs with equal keys can train as one :class:`StackedGroup` (same shapes,
    activations, loss, dtype, batch size and seed); None when ``spec`` cannot be stacked
    (dropout draws its own masks per model)."""
    if any(layer.kind != "dense" for layer in spec.layers):
        return None
    layers = tuple((layer.units, layer.activation) for layer in spec.layers)
    return (spec.input_dim, layers, spec.loss, spec.dtype, spec.batch_size, spec.seed)


class StackedMember(Sequential):
    """A model whose training step its :class:`StackedGroup` computes, together with the
    other members' steps, when the first of them asks in a round; alone once it left."""

    _group: StackedGroup | None = None
    _row = 0

    def train_step(self, x: np.ndarray, y: np.ndarray) -> float:
        group = self._group
        if group is None:
            return super().train_step(x, y)
        results = group._results
        loss = results[self._row]
        if type(loss) is float:  # computed in this round: taken at once
            results[self._row] = None
            return loss
        return group.take_step(self, x, y)

    def leave_group(self) -> None:
        """Train alone from now on (e.g. once stopped: the group goes on without it)."""
        if self._group is not None:
            self._group.leave(self)

    def loss_and_correct(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        group = self._group
        if group is None:
            return super().loss_and_correct(x, y)
        return group.loss_and_correct(self, x, y)

    def largest_weights(self) -> list[float]:
        group = self._group
        if group is None:
            return super().largest_weights()
        return group.largest_weights(self)


class StackedGroup:
    """Models built from specs with one :func:`stack_key`, each trained by its own Trainer
    on the same batches in lockstep: every member takes its step before any takes the next.

    The first member to step in a round computes the round: the losses and gradients of
    all members, then their updates (the engine's step: backup, optimizer, finiteness
    check); the others take their results. A member leaves the group (and trains alone
    from then on) when its step fails, when its weights were restored or set since its last
    step (its Trainer's divergence watch), or through :meth:`leave`; a member that stopped
    stepping must leave, or the next round refuses to go on without it. Members are not
    edited while in the group."""

    def __init__(self, models: Sequence[StackedMember]) -> None:
        if not models:
            raise ValueError("a stacked group needs at least one model")
        if not all(isinstance(model, StackedMember) for model in models):
            raise ValueError("stack StackedMember models (StackedMember.from_config)")
        keys = {stack_key(model.get_config()) for model in models}
        if len(keys) > 1 or None in keys:
            raise ValueError("only models of the same shape and batch size can be stacked")
        self.models = list(models)
        first = models[0]
        self._params = np.stack([m._params for m in models])
        self._grads = np.zeros_like(self._params)
        self._backup = np.stack([m._backup for m in models])
        self._ones = np.ones(self._params.shape[1], dtype=self._params.dtype)
        for row, model in enumerate(models):
            model._params, model._grads = self._params[row], self._grads[row]
            model._backup = self._backup[row]
            model._point_layers()
            model._group, model._row = self, row
        n = len(models)
        self._dense = first.dense_layers
        self._kernels = []  # per dense layer: W (models, n_in, units), its transpose
        self._kernels_t = []
        self._biases = []  # and b (models, 1, units)
        self._weight_grads = []  # and dW, db (models, units)
        for index, layer in enumerate(self._dense):
            part = first._slice(index)
            n_w = layer.input_dim * layer.units
            shape = (n, layer.input_dim, layer.units)
            params, grads = self._params[:, part], self._grads[:, part]
            self._kernels.append(params[:, :n_w].reshape(shape))
            self._kernels_t.append(self._kernels[-1].transpose(0, 2, 1))
            self._biases.append(params[:, n_w:].reshape(n, 1, layer.units))
            self._weight_grads.append((grads[:, :n_w].reshape(shape), grads[:, n_w:]))
        #: per dense layer, its members' penalties (members are not edited)
        self._penalties = [
            _Penalties([m.dense_layers[index].regularizer for m in models], first.dtype)
            for index in range(len(self._dense))
        ]
        self._penalized = any(p.active for p in self._penalties)
        self._regularized = [any(d.regularized for d in m.dense_layers) for m in models]
        self._logits = self._dense[-1].activation.name == first.loss.logits_activation
        #: (row, dense index, layer) of the hidden rectifier layers, whose activations the
        #: divergence watch reads after a step (to tell a dead layer)
        self._watched = [
            (row, index, layer)
            for row, model in enumerate(models)
            for index, layer in enumerate(model.dense_layers[:-1])
            if layer.activation.rectifier
        ]
        #: rows of the members still in the group, and each one's result of the round
        #: (its loss, a DivergenceError or _LOSS_NOT_FINITE) until it takes it
        self._active = list(range(n))
        self._results: list[Any] = [None] * n
        self._rounds = 0
        self._updates, self._alone = self._stack_updates()
        self._threads: dict[int, int] = {}  # batch length -> BLAS threads
        #: the last evaluation of every member: (round, x, y, {row: (edits, stepped,
        #: (loss, correct))})
        self._evaluation: tuple[int, np.ndarray, np.ndarray, dict[int, Any]] | None = None
        #: every member's largest_weights() after a round: (round, edits per row, rows)
        self._largest: tuple[int, list[int], list[list[float]]] | None = None

    def leave(self, model: StackedMember) -> None:
        """``model`` trains alone from now on (with its own copies of its arrays)."""
        self._active.remove(model._row)
        self._results[model._row] = None
        model._params, model._grads = model._params.copy(), model._grads.copy()
        model._backup = model._backup.copy()
        model._point_layers()
        optimizer = model.optimizer
        optimizer.state = {slot: vector.copy() for slot, vector in optimizer.state.items()}
        model._group = None
        self._updates, self._alone = self._stack_updates()

    def release_restored(self) -> None:
        """Members whose weights were restored since their last step (their Trainer's
        divergence watch) retry their batch, no longer the others' next one: they leave
        and go on alone."""
        if self._rounds:
            for model in [self.models[row] for row in self._active]:
                if not model._stepped:
                    self.leave(model)

    def _stack_updates(self) -> tuple[list[_StackedUpdate], list[int]]:
        """The members still in the group whose optimizers take the same operations
        (``stack_key``), updated together, and the rows of the others (updated alone)."""
        kinds: dict[Any, list[int]] = {}
        for row in self._active:
            key = self.models[row].optimizer.stack_key()
            kinds.setdefault(key if key is not None else ("alone", row), []).append(row)
        together = [rows for rows in kinds.values() if len(rows) > 1]
        alone = sorted(row for rows in kinds.values() if len(rows) == 1 for row in rows)
        updates = [_StackedUpdate([self.models[row] for row in rows], rows) for rows in together]
        return updates, alone

    def take_step(self, model: StackedMember, x: np.ndarray, y: np.ndarray) -> float:
        """``model``'s training step on the batch ``x``, ``y`` (the engine's
        ``train_step``): its loss, or its DivergenceError raised (weights restored)."""
        if self._results[model._row] is None:
            self.release_restored()
            if model._group is None:
                return model.train_step(x, y)
            self._round(x, y)
        result = self._take(model, x, y)
        if isinstance(result, DivergenceError):
            raise result
        return result

    def train_steps(
        self, x: np.ndarray, y: np.ndarray
    ) -> tuple[list[int], list[float | DivergenceError]]:
        """Every member's step on the batch ``x``, ``y`` in one round (their Trainers in
        lockstep; call :meth:`release_restored` first): the rows of the members that
        stepped and each one's loss or its DivergenceError (weights restored), as its
        ``train_step`` returns or raises."""
        self._round(x, y)
        rows, results = list(self._active), self._results
        outcomes: list[float | DivergenceError] = []
        for row in rows:
            result = results[row]
            if type(result) is float:  # the common case, taken at once
                results[row] = None
                outcomes.append(result)
            else:
                outcomes.append(self._take(self.models[row], x, y))
        return rows, outcomes

    def _take(self, model: StackedMember, x: np.ndarray, y: np.ndarray) -> float | DivergenceError:
        """``model``'s result of the round, taken: its loss, or once it left the group
        (weights restored) its DivergenceError."""
        row = model._row
        result = self._results[row]
        self._results[row] = None
        if isinstance(result, float):
            return result
        self.leave(model)
        if result is _LOSS_NOT_FINITE:  # alone, the engine's pass raises and restores
            try:
                return model.train_step(x, y)
            except DivergenceError as error:
                return error
        return result

    def loss_and_correct(
        self, model: StackedMember, x: np.ndarray, y: np.ndarray
    ) -> tuple[float, int]:
        """``model``'s ``loss_and_correct(x, y)``, evaluated for every member at once: the
        Trainers validate at the same epoch end, after the same round."""
        done = self._evaluation
        if done is not None and done[0] == self._rounds and _same(x, done[1]) and _same(y, done[2]):
            kept = done[3].get(model._row)
            if kept is not None and kept[:2] == (model.edits, model._stepped):
                return kept[2]  # its weights are those it was evaluated with
        results = self._evaluate(x, y)
        self._evaluation = (self._rounds, x, y, results)
        return results[model._row][2]

    def largest_weights(self, model: StackedMember) -> list[float]:
        """``model``'s ``largest_weights()``, computed for every member at once (their
        divergence watches check their weights after the same rounds)."""
        kept = self._largest
        row = model._row
        if kept is None or kept[0] != self._rounds or kept[1][row] != model.edits:
            starts = self.models[0]._array_starts
            largest = np.maximum.reduceat(np.abs(self._params), starts, axis=1)[:, ::2]
            kept = self._largest = (self._rounds, [m.edits for m in self.models], largest.tolist())
        return kept[2][row]

    def _evaluate(self, x: np.ndarray, y: np.ndarray) -> dict[int, Any]:
        """The engine's ``loss_and_correct`` of every member still in the group."""
        threads.sync()
        z = a = x
        for layer, kernel, bias in zip(self._dense, self._kernels, self._biases, strict=True):
            threads.use_threads(threads.threads_for(len(x) * layer.W.size))
            z = np.matmul(a, kernel)
            z += bias
            a = layer.activation._forward(z)
        loss_fn = self.models[0].loss
        if self._dense[-1].activation.name == loss_fn.logits_activation:
            losses = loss_fn.stacked_from_logits(y, z)[0]
        else:
            losses = [loss_fn(y, part) for part in a]
        corrects = _count_correct(a, y)
        results = {}
        for row in self._active:
            model = self.models[row]
            loss = losses[row]
            if self._regularized[row]:  # adding no penalty adds 0.0: the same loss
                loss += sum(layer.regularizer.penalty(layer.W) for layer in model.dense_layers)
            results[row] = (model.edits, model._stepped, (loss, corrects[row]))
        return results

    def _round(self, x: np.ndarray, y: np.ndarray) -> None:
        """Every member's step on one batch."""
        models, results, active = self.models, self._results, self._active
        if results.count(None) != len(results):
            row = next(row for row, result in enumerate(results) if result is not None)
            raise RuntimeError(
                f"stacked model {row + 1} has not taken its last step: members step in "
                "lockstep (a member that stops must leave the group)"
            )
        self._rounds += 1
        threads.sync()
        # overflow is reported as a DivergenceError, not as warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            losses, output = self._forward_backward(x, y)
            if math.isfinite(sum(losses)):  # every loss is (the members' and the others')
                stepping = active
            else:
                stepping = [row for row in active if math.isfinite(losses[row])]
            if len(stepping) == len(models):
                np.copyto(self._backup, self._params)
            else:
                for row in stepping:
                    np.copyto(self._backup[row], self._params[row])
            if stepping == active and (
                not self._updates or all(u.current() for u in self._updates)
            ):
                for update in self._updates:
                    update.apply(self._params, self._grads)
                alone = self._alone
            else:  # each its own update (the stacked states stay theirs)
                self._updates, self._alone = self._stack_updates()
                alone = stepping
            for row in alone:
                models[row].optimizer.apply(models[row]._params, models[row]._grads)
            for row in stepping:
                models[row]._stepped = True
            # the sum of squares of every weight of every member (one BLAS pass) is finite
            # when all are, short of overflow, which the search in _checked rules out; the
            # rows' sums tell which member to search when it is not
            flat = self._params.reshape(-1)
            finite = math.isfinite(np.dot(flat, flat))
            sums = None if finite else np.matmul(self._params, self._ones).tolist()
        for row in active:
            models[row].last_output = output[row]
        if finite and stepping is active:  # every loss and weight is finite
            for row in active:
                results[row] = losses[row]
            return
        for row in active:
            model, loss = models[row], losses[row]
            if not math.isfinite(loss):
                results[row] = _LOSS_NOT_FINITE
            elif finite or math.isfinite(sums[row]):
                results[row] = loss
            else:
                results[row] = self._checked(model, loss)

    @staticmethod
    def _checked(model: StackedMember, loss: float) -> float | DivergenceError:
        """``loss``, or when a weight is not finite after the update, the engine's restore
        and its error."""
        culprit = model._first_nonfinite(lambda d: (d.W, d.b))
        if not culprit:
            return loss
        np.copyto(model._params, model._backup)
        model.optimizer.reset()
        return model._divergence("the weights", culprit)

    def _thread_count(self, n_samples: int) -> int:
        """BLAS threads for a step on ``n_samples``: the count the largest product calls
        for, for the whole pass (as the engine's step does)."""
        count = self._threads.get(n_samples)
        if count is None:
            largest = max(layer.W.size for layer in self._dense)
            count = self._threads[n_samples] = threads.threads_for(n_samples * largest)
        return count

    def _forward_backward(self, x: np.ndarray, y: np.ndarray) -> tuple[list[float], np.ndarray]:
        """Every member's forward and backward pass on one batch (the engine's
        ``Sequential._forward_backward``, with a leading model axis): the losses and the
        outputs ``(models, n, units)``; the gradients are filled in."""
        dense = self._dense
        out = dense[-1]
        loss_fn = self.models[0].loss
        logits = self._logits
        threads.use_threads(self._thread_count(len(x)))
        inputs, zs, activations = [], [], []
        kernels = self._kernels  # views into the parameter rows: one gemm per model slice
        a = x
        last = len(dense) - 1
        for index, layer in enumerate(dense):
            inputs.append(a)
            z = np.matmul(a, kernels[index])
            z += self._biases[index]
            zs.append(z)
            if index < last or not logits:
                a = layer.activation._forward(z)
                activations.append(a)
        if logits:
            losses, grad, output = loss_fn.stacked_from_logits(y, zs[-1])
        else:
            output = activations[-1]
            losses = [loss_fn(y, part) for part in output]
            grad = np.stack([loss_fn.gradient(y, part) for part in output])
            grad = out.activation.backward(grad, zs[-1], output)
        penalized = self._penalized
        if penalized:  # in layer order, as the engine adds
            losses = np.array(losses)
            for penalties, kernel in zip(self._penalties, self._kernels, strict=True):
                penalties.add_penalty(losses, kernel)
            losses = losses.tolist()
        for row, index, layer in self._watched:
            layer.a = activations[index][row]
        for index in range(last, -1, -1):
            dw, db = self._weight_grads[index]
            np.matmul(inputs[index].swapaxes(-1, -2), grad, out=dw)
            np.add.reduce(grad, axis=1, out=db)
            if penalized:
                self._penalties[index].add_gradient(self._kernels[index], dw)
            if index:
                grad = np.matmul(grad, self._kernels_t[index])
                grad = dense[index - 1].activation.backward(
                    grad, zs[index - 1], activations[index - 1]
                )
        return losses, output


class Lockstep:
    """The Trainers of a :class:`StackedGroup`'s members, stepped together: the epoch's
    order drawn once (the Trainers have the same data, shuffle and seed), the batch sliced
    once, one round for all, then each Trainer's own account of its step (its divergence
    watch, counters and epoch end). Each Trainer's state is, bit for bit, that of its own
    ``train_step``."""

    def __init__(self, trainers: Sequence[Trainer]) -> None:
        models = [trainer.model for trainer in trainers]
        group = getattr(models[0], "_group", None) if models else None
        if (
            group is None
            or any(getattr(m, "_group", None) is not group for m in models)
            or sorted(m._row for m in models) != group._active
        ):
            raise ValueError("Trainers step in lockstep when they train every member of one group")
        first = trainers[0]
        for trainer in trainers[1:]:
            if (trainer.step, trainer._pos) != (first.step, first._pos):
                raise ValueError("Trainers step in lockstep from the same step")
            trainer._share_data(first)
            if trainer._epoch_x is not first._epoch_x:
                raise ValueError("Trainers step in lockstep on the same data, in the same order")
        self.trainers, self.group = list(trainers), group
        self._stepping = list(trainers)  # those still in the group
        #: whether every Trainer took its step in the last train_step (none failed or left)
        self.all_stepped = False
        self._index = {model._row: i for i, model in enumerate(models)}  # group row -> i

    def train_step(self) -> list[StepResult | DivergenceError | None]:
        """Each Trainer's ``train_step`` (its result, or the DivergenceError it raises),
        for those whose models are still in the group; None for the others (they no longer
        step in lockstep)."""
        group = self.group
        group.release_restored()
        if len(group._active) != len(self._stepping):
            self._stepping = [t for t in self.trainers if t.model._group is group]
        stepping = self._stepping
        outcomes: list[StepResult | DivergenceError | None] = [None] * len(self.trainers)
        self.all_stepped = len(stepping) == len(self.trainers)
        if not stepping:
            return outcomes
        leader = stepping[0]
        leader_rng = leader._rng.bit_generator.state if leader._pos == 0 else None
        start, end = leader._next_batch()
        for trainer in stepping[1:]:  # each its own order: the leader's, when it is the same
            if (
                trainer._next_batch(leader, leader_rng) != (start, end)
                or trainer._epoch_x is not leader._epoch_x
            ):
                raise RuntimeError(
                    "the Trainers of a stacked group no longer see the same samples in the "
                    "same order: step them apart (each its own train_step)"
                )
        rows, losses = group.train_steps(leader._epoch_x[start:end], leader._epoch_y[start:end])
        for row, loss in zip(rows, losses, strict=True):
            i = self._index[row]
            trainer = self.trainers[i]
            if isinstance(loss, DivergenceError):
                outcomes[i] = trainer._failed(loss)
                self.all_stepped = False
                continue
            try:
                outcomes[i] = trainer._took_step(loss, start, end)
            except DivergenceError as error:
                outcomes[i] = error
                self.all_stepped = False
        return outcomes


def _count_correct(a: np.ndarray, y: np.ndarray) -> list[int]:
    """Each model's :func:`~nnviz.engine.inference.count_correct` of its outputs in ``a``
    ``(models, n, units)``, counted for all at once."""
    one_unit = a.shape[2] == 1
    hits = (a > 0.5) == (y > 0.5) if one_unit else a.argmax(axis=2) == y.argmax(axis=1)
    return np.count_nonzero(hits.reshape(len(a), -1), axis=1).tolist()


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` holds the data of ``b`` (each Trainer prepares its own copy)."""
    return a is b or (a.shape == b.shape and np.array_equal(a, b))


class _Penalties:
    """The L1/L2 penalties of one layer of every member, computed for all at once with the
    engine's operations (:class:`~nnviz.engine.regularizers.L1L2`) per model: each
    member's value is its own, bit for bit."""

    def __init__(self, regularizers: Sequence[L1L2], dtype: np.dtype) -> None:
        if any(type(r) is not L1L2 for r in regularizers):
            raise ValueError("stacked models take L1/L2 penalties only")
        n = len(regularizers)
        l1 = [r.l1 for r in regularizers]
        l2 = [r.l2 for r in regularizers]
        self.active = any(l1) or any(l2)
        self.regularized = _rows([r.active for r in regularizers], n)
        self.l1_rows = _rows([bool(v) for v in l1], n)
        self.l2_rows = _rows([bool(v) for v in l2], n)
        self.l1 = np.array([v for v in l1 if v])
        self.l2 = np.array([v for v in l2 if v])
        # the gradient's factors: l1 and 2·l2 in the weights' dtype, as NumPy casts a
        # Python number for an array of that dtype
        self.l1_grad = self.l1.astype(dtype).reshape(-1, 1, 1)
        self.l2_grad = np.array([2.0 * v for v in l2 if v], dtype=dtype).reshape(-1, 1, 1)

    def add_penalty(self, losses: np.ndarray, kernels: np.ndarray) -> None:
        """``losses`` (float64, one per member) += each member's penalty of its kernel in
        ``kernels`` ``(members, n_in, units)``, as ``L1L2.penalty`` computes it."""
        if not self.active:
            return
        flat = kernels.reshape(len(kernels), -1)  # each member's kernel as one row
        penalty = np.zeros(len(kernels))
        if self.l1_rows is not None:
            sums = np.add.reduce(np.abs(flat[self.l1_rows]), axis=1)
            penalty[self.l1_rows] += self.l1 * sums.astype(np.float64)
        if self.l2_rows is not None:
            w = flat[self.l2_rows]
            squares = np.matmul(w[:, np.newaxis], w[:, :, np.newaxis])[:, 0, 0]  # vdot(w, w)
            penalty[self.l2_rows] += self.l2 * squares.astype(np.float64)
        losses[self.regularized] += penalty[self.regularized]

    def add_gradient(self, kernels: np.ndarray, grads: np.ndarray) -> None:
        """Each member's ``L1L2.add_gradient(W, dW)`` on the stacked kernels and their
        gradients ``(members, n_in, units)``."""
        if self.l2_rows is not None:
            grads[self.l2_rows] += self.l2_grad * kernels[self.l2_rows]
        if self.l1_rows is not None:
            grads[self.l1_rows] += self.l1_grad * np.sign(kernels[self.l1_rows])


def _rows(chosen: list[bool], n: int) -> slice | np.ndarray | None:
    """An index of the chosen rows: every row (a slice, no copies), some, or None."""
    if all(chosen):
        return slice(None)
    return np.flatnonzero(chosen) if any(chosen) else None


class _StackedUpdate:
    """Members whose optimizers take the same operations, updated as one
    (:func:`~nnviz.engine.optimizers.apply_stacked`): from their first update together,
    their optimizers' state vectors are rows of stacked arrays (each optimizer's own are
    views of its row)."""

    def __init__(self, models: Sequence[StackedMember], rows: list[int]) -> None:
        self.optimizers = [model.optimizer for model in models]
        self._size, self._dtype = models[0]._params.size, models[0].dtype
        self.state: dict[str, np.ndarray] | None = None
        contiguous = rows == list(range(rows[0], rows[-1] + 1))
        self.rows = slice(rows[0], rows[-1] + 1) if contiguous else np.array(rows)

    def current(self) -> bool:
        """Whether every optimizer still works on its stacked state (not one it rebuilt,
        e.g. on a restored training state)."""
        if self.state is None:
            return True
        return all(o.state is s for o, s in zip(self.optimizers, self._installed, strict=True))

    def apply(self, params: np.ndarray, grads: np.ndarray) -> None:
        """The update of these members' rows of the group's ``params`` and ``grads``."""
        if self.state is None:
            self._stack()
        rows = self.rows
        if isinstance(rows, slice):
            apply_stacked(self.optimizers, params[rows], grads[rows], self._tmp, self.state)
            return
        p, g = params[rows], grads[rows]  # copies: written back
        apply_stacked(self.optimizers, p, g, self._tmp, self.state)
        params[rows], grads[rows] = p, g

    def _stack(self) -> None:
        size, dtype = self._size, self._dtype
        for optimizer in self.optimizers:  # built as their own first update builds them
            tmp = optimizer._tmp
            if tmp is None or tmp.size != size or tmp.dtype != dtype:
                optimizer.build(size, dtype)
        slots = self.optimizers[0].state
        self.state = {slot: np.stack([o.state[slot] for o in self.optimizers]) for slot in slots}
        for i, optimizer in enumerate(self.optimizers):
            optimizer.state = {slot: vectors[i] for slot, vectors in self.state.items()}
        self._installed = [optimizer.state for optimizer in self.optimizers]
        self._tmp = np.empty((len(self.optimizers), size), dtype=dtype)
