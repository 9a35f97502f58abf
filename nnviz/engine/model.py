"""The Sequential model: a stack of Dense (and Dropout) layers, trained with NumPy.

All parameters live in one flat vector (``W1, b1, W2, b2, ...``, each layer's arrays are
views into it) and all gradients in another of the same layout, so one training step is a
few dozen NumPy calls whatever the network: forward, backward (no gradient for the input
data), one whole-vector optimizer update and one finiteness check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nnviz.engine import losses as losses_module
from nnviz.engine import optimizers as optimizers_module
from nnviz.engine import schedules as schedules_module
from nnviz.engine import threads
from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.errors import DivergenceError
from nnviz.engine.initializers import INITIALIZERS
from nnviz.engine.layers import Dense, Dropout, Layer
from nnviz.engine.losses import LOSSES, Loss
from nnviz.engine.optimizers import OPTIMIZERS, Optimizer
from nnviz.engine.regularizers import L1L2
from nnviz.engine.schedules import SCHEDULES, Schedule
from nnviz.engine.spec import DTYPES, LayerSpec, NetworkSpec, OptimizerSpec, ScheduleSpec
from nnviz.engine.stats import LayerStats, layer_stats
from nnviz.engine.transition import Transition, default_transition, is_identity, plan, transplant


@dataclass(frozen=True)
class LayerTrace:
    """One dense layer's pre-activation ``z`` and activation ``a`` for some input, both of
    shape ``(n_samples, units)``; ``index`` is 1-based."""

    index: int
    name: str
    z: np.ndarray
    a: np.ndarray


def _numbers(items: Sequence[int]) -> str:
    """[1, 3, 4] -> "1, 3 and 4"."""
    text = [str(i) for i in items]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def _layers(numbers: Sequence[int]) -> str:
    return ("layer " if len(numbers) == 1 else "layers ") + _numbers(numbers)


class Sequential:
    """A feed-forward network.

    ``layers``: Dense and Dropout layers, the last one Dense (the output layer).
    ``input_dim``: features per sample; when None the model is built on the first data.
    ``dtype``: ``"float64"`` (default) or ``"float32"``; all arrays of the model use it.
    ``seed``: fixes the initial weights and the dropout masks (None: a random seed, kept in
    ``seed`` so ``get_config`` can reproduce the model).
    """

    def __init__(
        self,
        layers: Sequence[Layer] = (),
        input_dim: int | None = None,
        dtype: str = "float64",
        seed: int | None = None,
        name: str = "sequential",
    ) -> None:
        if str(np.dtype(dtype)) not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        self.dtype = np.dtype(dtype)
        self.seed = int(np.random.SeedSequence().entropy % 2**32) if seed is None else int(seed)
        self.name = name
        self.optimizer: Optimizer | None = None
        self.loss: Loss | None = None
        #: samples per update (None: the whole training set); the Trainer reads it each step
        self.batch_size: int | None = 32
        #: set by a callback to end ``fit`` after the current batch
        self.stop_training = False
        #: bumped whenever data prepared for this model must be prepared again
        self.version = 0
        #: bumped whenever the weights are set or the network edited (not by training)
        self.edits = 0
        self._init_rng = np.random.default_rng(self.seed)
        self._dropout_rng = np.random.default_rng([self.seed, 1])
        self._input_dim: int | None = None
        self._stepped = False
        #: the output of the last training forward pass (for the Trainer's accuracy)
        self.last_output: np.ndarray | None = None
        self._set_layers(list(layers))
        if input_dim is not None:
            self.build(input_dim)

    # -- structure -----------------------------------------------------------------------
    def _set_layers(self, layers: list[Layer]) -> None:
        for layer in layers:
            if not isinstance(layer, Layer):
                raise ValueError(f"layers must be Dense or Dropout layers, got {layer!r}")
        if layers and not isinstance(layers[-1], Dense):
            raise ValueError("the last layer must be a Dense (output) layer")
        counts: dict[str, int] = {}
        for layer in layers:
            counts[layer.kind] = counts.get(layer.kind, 0) + 1
            if not layer.name:
                layer.name = f"{layer.kind}_{counts[layer.kind]}"
        self.layers = layers
        self._hidden = layers[:-1]  # all but the output layer
        self._dense = [layer for layer in layers if isinstance(layer, Dense)]
        self._output_index = len(layers) - 1
        seen_dense = False
        self._needs_dx = []
        for layer in layers:
            self._needs_dx.append(seen_dense)
            seen_dense = seen_dense or isinstance(layer, Dense)

    @property
    def dense_layers(self) -> list[Dense]:
        return list(self._dense)

    @property
    def input_dim(self) -> int | None:
        return self._input_dim

    @property
    def output_units(self) -> int:
        return self._dense[-1].units

    @property
    def built(self) -> bool:
        return self._input_dim is not None

    @property
    def n_params(self) -> int:
        return self._params.size if self.built else 0

    def build(self, input_dim: int) -> None:
        """Create and initialize the weights for inputs of ``input_dim`` features."""
        if isinstance(input_dim, bool) or not isinstance(input_dim, int | np.integer):
            raise ValueError(f"input_dim must be a whole number, got {input_dim!r}")
        if input_dim < 1:
            raise ValueError(f"input_dim must be at least 1, got {input_dim}")
        if not self._dense:
            raise ValueError("the model has no Dense layer; add at least an output layer")
        self._allocate(int(input_dim))
        for layer in self._dense:
            self._initialize(layer)
        np.copyto(self._backup, self._params)

    def _allocate(self, input_dim: int) -> None:
        """Flat parameter/gradient vectors and every dense layer's views into them."""
        self._input_dim = input_dim
        self._offsets: list[int] = []
        total, n_in = 0, input_dim
        for layer in self._dense:
            layer.input_dim = n_in
            self._offsets.append(total)
            total += layer.n_params
            n_in = layer.units
        self._params = np.zeros(total, dtype=self.dtype)
        self._grads = np.zeros(total, dtype=self.dtype)
        self._backup = np.zeros(total, dtype=self.dtype)
        for layer, start in zip(self._dense, self._offsets, strict=True):
            n_w = layer.input_dim * layer.units
            shape = (layer.input_dim, layer.units)
            end = start + layer.n_params
            layer.W = self._params[start : start + n_w].reshape(shape)
            layer.b = self._params[start + n_w : end]
            layer.dW = self._grads[start : start + n_w].reshape(shape)
            layer.db = self._grads[start + n_w : end]
            layer.x = layer.z = layer.a = None
        self._stepped = False

    def _initialize(self, layer: Dense) -> None:
        layer.W[...] = layer.initial_kernel(self._init_rng, self.dtype)
        layer.b.fill(0)

    def _slice(self, dense_index: int) -> slice:
        start = self._offsets[dense_index]
        return slice(start, start + self._dense[dense_index].n_params)

    def _require_built(self) -> None:
        if not self.built:
            raise ValueError(
                "the model has no weights yet: give input_dim=... or train it on data first"
            )

    # -- weights ------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of ``[W1, b1, W2, b2, ...]``."""
        self._require_built()
        weights = []
        for layer in self._dense:
            weights += [layer.W.copy(), layer.b.copy()]
        return weights

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Load ``[W1, b1, W2, b2, ...]`` (shapes must match; values are cast to the
        model's dtype). Nothing changes if any array is wrong."""
        self._require_built()
        expected = []
        for layer in self._dense:
            expected += [layer.W, layer.b]
        if len(weights) != len(expected):
            raise ValueError(
                f"expected {len(expected)} arrays [W1, b1, W2, b2, ...], got {len(weights)}"
            )
        arrays = [np.asarray(w) for w in weights]
        for i, (new, old) in enumerate(zip(arrays, expected, strict=True)):
            if new.shape != old.shape:
                kind = "W" if i % 2 == 0 else "b"
                raise ValueError(f"{kind}{i // 2 + 1} must have shape {old.shape}, got {new.shape}")
            if not np.all(np.isfinite(new)):
                raise ValueError(f"array {i} holds NaN or infinite values")
        for new, old in zip(arrays, expected, strict=True):
            old[...] = new
        np.copyto(self._backup, self._params)
        self._stepped = False
        self.edits += 1

    # -- compile ------------------------------------------------------------------------
    def compile(
        self,
        optimizer: str | Optimizer = "adam",
        loss: str | Loss = "binary_crossentropy",
    ) -> None:
        """Choose the optimizer and loss (by name or as objects)."""
        optimizer = optimizers_module.get(optimizer)
        loss = losses_module.get(loss)
        self.optimizer, self.loss = optimizer, loss
        self.version += 1

    def _require_compiled(self) -> None:
        if self.optimizer is None or self.loss is None:
            raise ValueError("compile the model first: model.compile(optimizer=..., loss=...)")

    # -- data ---------------------------------------------------------------------------
    def prepare(self, x: object, y: object | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``x`` as a ``(n_samples, input_dim)`` array of the model's dtype and ``y`` as the
        loss wants it; ValueError naming what does not fit. Builds the model if needed."""
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise ValueError(f"the inputs must be numbers, got dtype {x.dtype}")
        if x.ndim == 1:
            # one feature per sample, or one sample of a wider input (the lesson's X = [-2, 2])
            single = self._input_dim is not None and self._input_dim > 1
            x = x.reshape(1, -1) if single and len(x) == self._input_dim else x.reshape(-1, 1)
        if x.ndim != 2:
            raise ValueError(
                f"the inputs must be a 2-D array (one row per sample), got shape {x.shape}"
            )
        if not self.built:
            self.build(x.shape[1])
        if x.shape[1] != self._input_dim:
            raise ValueError(
                f"the inputs have {x.shape[1]} features per sample but the network's input "
                f"layer expects {self._input_dim}"
            )
        x = np.asarray(x, dtype=self.dtype)
        if not np.isfinite(x).all():
            raise ValueError("the inputs contain NaN or infinite values; clean the data first")
        if y is None:
            return x, None
        self._require_compiled()
        y = self.loss.prepare_targets(y, self.output_units, self.dtype)
        if len(y) != len(x):
            raise ValueError(f"got {len(x)} input samples but {len(y)} targets")
        return x, y

    # -- training -----------------------------------------------------------------------
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
        threads.sync()
        # overflow is reported as a DivergenceError, not as warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = self._forward_backward(x, y)
            params = self._params
            np.copyto(self._backup, params)
            self.optimizer.apply(params, self._grads)
            self._stepped = True
            if not math.isfinite(np.add.reduce(params)):
                culprit = self._first_nonfinite(lambda d: (d.W, d.b))
                np.copyto(params, self._backup)
                self.optimizer.reset()
                raise self._divergence("the weights", culprit)
        return loss

    def _forward_backward(self, x: np.ndarray, y: np.ndarray) -> float:
        """Forward and backward pass: fills the gradient vector, returns the loss."""
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

    def fit(
        self,
        x: object,
        y: object,
        epochs: int = 1,
        batch_size: int | None = 32,
        validation_data: tuple[object, object] | None = None,
        shuffle: bool = True,
        callbacks: Sequence[Any] = (),
        verbose: int = 0,
        seed: int | None = None,
    ) -> Any:
        """Train for ``epochs`` passes over the data (``batch_size=None``: full batch) and
        return the :class:`~nnviz.engine.training.History`. Stops early when a callback
        sets ``model.stop_training``. ``verbose=1`` prints one line per epoch."""
        from nnviz.engine.training import Trainer

        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
        trainer = Trainer(
            self,
            x,
            y,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=self.seed if seed is None else seed,
            validation_data=validation_data,
            callbacks=callbacks,
        )
        return trainer.fit(epochs, verbose=verbose)

    # -- inference ----------------------------------------------------------------------
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
        """Per dense layer statistics of the last training step (empty before the first)."""
        if not self._stepped:
            return []
        stats = []
        for i, layer in enumerate(self._dense):
            previous_w = self._backup[self._slice(i)][: layer.W.size].reshape(layer.W.shape)
            stats.append(layer_stats(layer, i + 1, previous_w))
        return stats

    # -- description --------------------------------------------------------------------
    def summary(self, print_fn: Callable[[str], None] | None = print) -> str:
        """A table of the layers with output shapes and parameter counts."""
        rows = [("Layer (type)", "Output shape", "Activation", "Params")]
        for layer in self.layers:
            if isinstance(layer, Dense):
                rows.append(
                    (
                        f"{layer.name} (Dense)",
                        f"(None, {layer.units})",
                        layer.activation.name,
                        f"{layer.n_params:,}",
                    )
                )
            else:
                rows.append((f"{layer.name} (Dropout {layer.rate:g})", "", "", "0"))
        widths = [max(len(row[c]) for row in rows) for c in range(4)]
        line = "-" * (sum(widths) + 6)

        def fmt(row: tuple[str, ...]) -> str:
            return "  ".join(
                cell.rjust(w) if c == 3 else cell.ljust(w)
                for c, (cell, w) in enumerate(zip(row, widths, strict=True))
            )

        lines = [f'Model "{self.name}" (input: {self._input_dim} features, {self.dtype})']
        lines += [line, fmt(rows[0]), line, *[fmt(r) for r in rows[1:]], line]
        lines.append(f"Total params: {self.n_params:,}")
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    # -- spec ---------------------------------------------------------------------------
    def get_config(self) -> NetworkSpec:
        """The model as a :class:`NetworkSpec`."""
        self._require_built()
        layer_specs = []
        for layer in self.layers:
            if isinstance(layer, Dense):
                layer_specs.append(
                    LayerSpec(
                        kind="dense",
                        units=layer.units,
                        activation=ACTIVATIONS.name_of(layer.activation),
                        initializer=INITIALIZERS.name_of(layer.kernel_initializer),
                        init_scale=layer.init_scale,
                        l1=layer.l1,
                        l2=layer.l2,
                    )
                )
            else:
                layer_specs.append(LayerSpec(kind="dropout", rate=layer.rate))
        optimizer, schedule = OptimizerSpec(), ScheduleSpec()
        clipnorm = None
        if self.optimizer is not None:
            opt = self.optimizer
            optimizer = OptimizerSpec(OPTIMIZERS.name_of(opt), opt.learning_rate, _non_default(opt))
            schedule = ScheduleSpec(SCHEDULES.name_of(opt.schedule), _non_default(opt.schedule))
            clipnorm = opt.clipnorm
        return NetworkSpec(
            input_dim=self._input_dim,
            layers=tuple(layer_specs),
            loss=LOSSES.name_of(self.loss) if self.loss is not None else NetworkSpec.loss,
            optimizer=optimizer,
            schedule=schedule,
            clipnorm=clipnorm,
            batch_size=self.batch_size,
            seed=self.seed,
            dtype=str(self.dtype),
        )

    @classmethod
    def from_config(cls, spec: NetworkSpec) -> Sequential:
        """Build, initialize and compile a model from a spec."""
        spec.validate()
        model = cls(
            _layers_from_spec(spec.layers),
            input_dim=spec.input_dim,
            dtype=spec.dtype,
            seed=spec.seed,
        )
        model.compile(optimizer=_optimizer_from_spec(spec), loss=spec.loss)
        model.batch_size = spec.batch_size
        return model

    def apply_spec(self, spec: NetworkSpec, transition: Transition | None = None) -> list[str]:
        """Make the model match ``spec`` while keeping what it has learned; returns what
        changed, in words. ``transition`` says where each new layer and neuron comes from
        (default: see :func:`~nnviz.engine.transition.default_transition`). Kept weights
        keep their optimizer state; new neurons and layers get fresh initial values.
        Raises SpecError/ValueError and changes nothing when ``spec`` or ``transition``
        is invalid."""
        self._require_built()
        self._require_compiled()
        spec = _canonical(spec.validate())
        new_optimizer = _optimizer_from_spec(spec)
        old = self.get_config()
        if transition is None:
            transition = default_transition(old, spec)
        steps = plan(old, spec, transition)
        messages: list[str] = []
        if _structure(old) == _structure(spec) and is_identity(old, spec, transition):
            messages += self._update_layers(old, spec)
        else:
            transplant(self, spec, _layers_from_spec(spec.layers), steps)
            words = list(steps.messages)
            if old.dtype != spec.dtype:
                words.append(f"the network now computes in {spec.dtype}")
            messages += ["; ".join(words)] if words else []
        messages += self._update_optimizer(old, spec, new_optimizer)
        if spec.loss != old.loss:
            self.loss = losses_module.get(spec.loss)
            self.version += 1
            messages.append(f"loss: {old.loss} → {spec.loss}")
        if spec.batch_size != old.batch_size:
            self.batch_size = spec.batch_size
            messages.append(
                f"batch size: {old.batch_size or 'full batch'} → {spec.batch_size or 'full batch'}"
            )
        if spec.seed != old.seed:
            self.seed = spec.seed
            messages.append(f"seed {spec.seed} will be used when the network is reset")
        if messages:
            self.edits += 1
        return messages

    def _update_layers(self, old: NetworkSpec, spec: NetworkSpec) -> list[str]:
        messages = []
        dense_number = 0
        for layer, before, after in zip(self.layers, old.layers, spec.layers, strict=True):
            if isinstance(layer, Dropout):
                if after.rate != before.rate:
                    layer.rate = after.rate
                    messages.append(f"{layer.name}: rate {before.rate:g} → {after.rate:g}")
                continue
            dense_number += 1
            label = f"layer {dense_number}"
            if after.activation != before.activation:
                layer.activation = after.activation
                messages.append(f"{label}: activation {before.activation} → {after.activation}")
            if (after.l1, after.l2) != (before.l1, before.l2):
                layer.regularizer = L1L2(after.l1, after.l2)
                messages.append(f"{label}: L1 {after.l1:g}, L2 {after.l2:g}")
            if (after.initializer, after.init_scale) != (before.initializer, before.init_scale):
                layer.kernel_initializer = INITIALIZERS.get(after.initializer)
                layer.init_scale = after.init_scale
                self._initialize(layer)
                self._reset_optimizer_slice(dense_number - 1)
                np.copyto(self._backup, self._params)
                messages.append(f"{label} got new weights from {after.initializer}")
        return messages

    def _reset_optimizer_slice(self, dense_index: int) -> None:
        part = self._slice(dense_index)
        for name, vector in self.optimizer.state.items():
            vector[part] = self.optimizer.initial_state_value(name)

    def _update_optimizer(self, old: NetworkSpec, spec: NetworkSpec, new: Optimizer) -> list[str]:
        current = self.optimizer
        if spec.optimizer.name != old.optimizer.name:
            new.iterations = 0
            self.optimizer = new
            return [f"optimizer: {old.optimizer.name} → {spec.optimizer.name} (fresh state)"]
        messages = []
        if new.learning_rate != current.learning_rate:
            messages.append(f"learning rate: {current.learning_rate:g} → {new.learning_rate:g}")
        changed = [
            f"{k} {v!r}" for k, v in new.get_config().items() if current.get_config()[k] != v
        ]
        if changed:
            messages.append(f"{spec.optimizer.name}: " + ", ".join(changed))
        if new.schedule != current.schedule:
            messages.append(f"learning-rate schedule: {spec.schedule.name}")
        if new.clipnorm != current.clipnorm:
            messages.append(
                "gradient clipping off"
                if new.clipnorm is None
                else f"gradients clipped to norm {new.clipnorm:g}"
            )
        # the same optimizer class keeps its state and update count
        new.state, new._tmp, new.iterations = current.state, current._tmp, current.iterations
        self.optimizer = new
        return messages


def count_correct(a: np.ndarray, y: np.ndarray) -> int:
    """Correct predictions: one output unit is thresholded at 0.5, several take argmax."""
    if a.shape[1] == 1:
        return int(np.count_nonzero((a > 0.5) == (y > 0.5)))
    return int(np.count_nonzero(a.argmax(axis=1) == y.argmax(axis=1)))


def _canonical(spec: NetworkSpec) -> NetworkSpec:
    """``spec`` with registry names instead of aliases ("silu" -> "swish"), so that
    comparing it with ``get_config()`` finds only real changes."""
    layers = tuple(
        replace(
            layer,
            activation=ACTIVATIONS.canonical(layer.activation),
            initializer=INITIALIZERS.canonical(layer.initializer),
        )
        if layer.is_dense()
        else layer
        for layer in spec.layers
    )
    return replace(
        spec,
        layers=layers,
        loss=LOSSES.canonical(spec.loss),
        optimizer=replace(spec.optimizer, name=OPTIMIZERS.canonical(spec.optimizer.name)),
        schedule=replace(spec.schedule, name=SCHEDULES.canonical(spec.schedule.name)),
    )


def _non_default(obj: Optimizer | Schedule) -> dict[str, Any]:
    """``obj``'s settings that differ from its class's defaults (a spec's ``options``)."""
    defaults = type(obj)().get_config()
    return {k: v for k, v in obj.get_config().items() if defaults.get(k) != v}


def _structure(spec: NetworkSpec) -> tuple[Any, ...]:
    layers = tuple((layer.kind, layer.units if layer.is_dense() else None) for layer in spec.layers)
    return spec.input_dim, spec.dtype, layers


def _layers_from_spec(layer_specs: Sequence[LayerSpec]) -> list[Layer]:
    layers: list[Layer] = []
    for ls in layer_specs:
        if ls.is_dense():
            layers.append(
                Dense(
                    ls.units,
                    activation=ls.activation,
                    kernel_initializer=ls.initializer,
                    l1=ls.l1,
                    l2=ls.l2,
                    init_scale=ls.init_scale,
                )
            )
        else:
            layers.append(Dropout(ls.rate))
    return layers


def _optimizer_from_spec(spec: NetworkSpec) -> Optimizer:
    return optimizers_module.get(
        spec.optimizer.name,
        learning_rate=spec.optimizer.learning_rate,
        clipnorm=spec.clipnorm,
        schedule=schedules_module.get(spec.schedule.name, **spec.schedule.options),
        **spec.optimizer.options,
    )
