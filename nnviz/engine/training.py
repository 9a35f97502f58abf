"""The training loop, one step at a time.

The app's worker calls :meth:`Trainer.train_step` as fast as it can and reads the model
between steps; :meth:`Sequential.fit` runs the same Trainer epoch by epoch. The data are
cast to the model's dtype once, when the Trainer is made (and again only if the model's
dtype, input or output changes through ``apply_spec``).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from nnviz.engine import losses as losses_module
from nnviz.engine.divergence import DivergenceMonitor
from nnviz.engine.errors import DivergenceError
from nnviz.engine.inference import count_correct
from nnviz.engine.model import Sequential
from nnviz.engine.spec import NetworkSpec
from nnviz.engine.state import (
    TrainingState,
    check_bool,
    check_float,
    check_int,
    check_model_state,
    check_rng,
    frozen_copy,
    model_state,
    require,
    restore_model_state,
    rng_state,
    weight_shapes,
)

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
#: batch outputs kept for the epoch's accuracy before they are counted (bounds memory in
#: huge epochs while keeping the counting off most steps)
MAX_KEPT_OUTPUTS = 64


class StepResult(NamedTuple):
    """After one step: ``step`` and ``epoch`` count the steps and whole epochs done so far,
    ``loss`` is the batch's loss before the update, ``epoch_finished`` whether this step
    ended an epoch."""

    step: int
    epoch: int
    loss: float
    epoch_finished: bool


@dataclass
class History:
    """Per-epoch metrics (``history["loss"]``, ``"accuracy"``, ``"val_loss"``,
    ``"val_accuracy"``; the validation lists stay empty without validation data), the
    epoch numbers, and every step's loss."""

    history: dict[str, list[float]] = field(
        default_factory=lambda: {key: [] for key in HISTORY_KEYS}
    )
    epoch: list[int] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]


class Callback:
    """Hooks called by the training loop; override the ones you need. ``model`` and
    ``trainer`` are set when the callback is given to a :class:`Trainer` (or to ``fit``)."""

    model: Sequential | None = None
    trainer: Trainer | None = None

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None: ...

    def on_train_end(self, logs: dict[str, float] | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None: ...

    def on_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None: ...


class EarlyStopping(Callback):
    """Stop when ``monitor`` (default ``val_loss``) has not improved by more than
    ``min_delta`` for ``patience`` epochs; ``restore_best_weights`` puts back the weights
    of the best epoch when stopping."""

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if patience < 0:
            raise ValueError(f"patience must be >= 0, got {patience}")
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        maximize = mode == "max" or (mode == "auto" and "acc" in monitor)
        self.sign = -1.0 if maximize else 1.0
        self.restore_best_weights = restore_best_weights
        self.on_train_begin()

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.best = math.inf
        self.best_epoch = -1
        self.best_weights: list[np.ndarray] | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None
        self._warned = False

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            if not self._warned:
                warnings.warn(
                    f"EarlyStopping watches {self.monitor!r}, which the logs do not have "
                    f"(they have {sorted(logs or {})}); give validation_data to train on",
                    stacklevel=2,
                )
                self._warned = True
            return
        score = self.sign * value
        if score < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = score, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    def get_state(self) -> dict[str, Any]:
        """The progress so far as JSON-able values (the best weights are not included:
        the Trainer keeps them as arrays)."""
        return {
            "best": None if math.isinf(self.best) else float(self.best),
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
            "warned": self._warned,
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`get_state`'s values; ValueError naming a bad one, nothing changed."""
        if not isinstance(state, Mapping):
            raise ValueError(f"EarlyStopping state must be a mapping, got {state!r}")
        best = require(state, "best", "EarlyStopping")
        best = math.inf if best is None else check_float(state, "best")
        best_epoch = check_int(state, "best_epoch", low=-1)
        wait = check_int(state, "wait")
        stopped = require(state, "stopped_epoch", "EarlyStopping")
        if stopped is not None:
            stopped = check_int(state, "stopped_epoch")
        warned = check_bool(state, "warned")
        self.best, self.best_epoch, self.wait = best, best_epoch, wait
        self.stopped_epoch, self._warned = stopped, warned


class Trainer:
    """Trains ``model`` (built and compiled) on ``x``, ``y``.

    ``batch_size``: samples per step, None for the whole set (full-batch gradient descent).
    It is stored on the model (``model.batch_size``), read at every step, and may be
    changed between steps — directly or by ``model.apply_spec``. The last batch of an epoch
    may be smaller. ``shuffle``: a new seeded order every epoch. ``validation_data``: an
    ``(x, y)`` pair evaluated at the end of every epoch. ``keep_history=False`` keeps no
    :class:`History` (``last_logs`` still holds the last epoch's): a caller that trains
    for hours and keeps its own bounded history (the app) needs nothing growing here.
    """

    def __init__(
        self,
        model: Sequential,
        x: object,
        y: object,
        batch_size: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        validation_data: tuple[object, object] | None = None,
        callbacks: Sequence[Callback] = (),
        keep_history: bool = True,
    ) -> None:
        model._require_compiled()
        self.model = model
        self.keep_history = keep_history
        self._raw = (x, y)
        self._raw_val = validation_data
        self._order: np.ndarray | None = None
        if validation_data is not None and len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (x, y)")
        self._prepare()
        if len(self._x) == 0:
            raise ValueError("there are no training samples")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self.callbacks = list(callbacks)
        self.step = 0
        self.epoch = 0
        self.history = History()
        self._pos = 0
        self._batch = 0
        self.last_logs: dict[str, float] = {}
        self._loss_sum = 0.0
        self._outputs: list[np.ndarray] = []
        self._counted = 0
        self._correct = 0
        self._monitor = DivergenceMonitor(model)

    # -- settings -----------------------------------------------------------------------
    @property
    def batch_size(self) -> int | None:
        return self.model.batch_size

    @batch_size.setter
    def batch_size(self, value: int | None) -> None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1
        ):
            raise ValueError(f"batch_size must be a whole number >= 1 or None, got {value!r}")
        self.model.batch_size = None if value is None else int(value)

    @property
    def callbacks(self) -> list[Callback]:
        return self._callbacks

    @callbacks.setter
    def callbacks(self, callbacks: Sequence[Callback]) -> None:
        """Set the callbacks; each gets ``model`` and ``trainer`` set to this run's."""
        self._callbacks = list(callbacks)
        for callback in self._callbacks:
            callback.model, callback.trainer = self.model, self

    @property
    def batch_in_epoch(self) -> int:
        """Batches done in the current epoch (0 right after an epoch ends)."""
        return self._batch

    @property
    def instability(self) -> str | None:
        """A short warning while the loss rises fast (before a DivergenceError), else None."""
        return self._monitor.instability

    @property
    def n_samples(self) -> int:
        return len(self._x)

    @property
    def x(self) -> np.ndarray:
        """The training inputs as the model sees them (cast once to its dtype)."""
        return self._x

    @property
    def y(self) -> np.ndarray:
        """The training targets as the loss sees them (e.g. one-hot rows)."""
        return self._y

    def _prepare(self) -> None:
        """Cast the data for the model as it is now."""
        model = self.model
        self._x, self._y = model.prepare(*self._raw)
        self._val = None
        if self._raw_val is not None:
            self._val = model.prepare(*self._raw_val)
        self._version = model.version
        self._apply_order()

    # -- exact state --------------------------------------------------------------------
    def _stateful_callbacks(self) -> list[tuple[int, Callback]]:
        return [
            (i, callback)
            for i, callback in enumerate(self.callbacks)
            if callable(getattr(callback, "get_state", None))
        ]

    def get_state(self) -> TrainingState:
        """Everything needed to continue this run bit-identically (see
        :class:`~nnviz.engine.state.TrainingState`); the history is not included."""
        self._count_correct()
        model = self.model
        arrays, values = model_state(model)
        if self._order is not None:
            arrays["trainer/order"] = frozen_copy(self._order)
        values.update(
            {
                "trainer/step": self.step,
                "trainer/epoch": self.epoch,
                "trainer/position": self._pos,
                "trainer/batch": self._batch,
                "trainer/loss_sum": float(self._loss_sum),
                "trainer/counted": self._counted,
                "trainer/correct": self._correct,
                "trainer/rng": rng_state(self._rng),
                "divergence": self._monitor.get_state(),
            }
        )
        for i, callback in self._stateful_callbacks():
            values[f"callbacks/{i}"] = {"kind": type(callback).__name__, **callback.get_state()}
            for k, w in enumerate(getattr(callback, "best_weights", None) or ()):
                arrays[f"callbacks/{i}/best_weights/{k}"] = frozen_copy(w)
        return TrainingState(model.get_config(), arrays, values)

    def set_state(self, state: TrainingState) -> None:
        """Continue from ``state`` (from :meth:`get_state`, possibly of another Trainer on
        the same data). The model is rebuilt in place when ``state.spec`` has another
        structure. Everything is checked first: ValueError naming what is wrong, and
        nothing changed."""
        spec = check_model_state(state)
        self._check_data_fits(spec)
        arrays, values = state.arrays, state.values
        n = self.n_samples
        check_int(values, "trainer/step")
        check_int(values, "trainer/epoch")
        position = check_int(values, "trainer/position", high=n - 1)
        check_int(values, "trainer/batch")
        check_float(values, "trainer/loss_sum")
        counted = check_int(values, "trainer/counted", high=position)
        check_int(values, "trainer/correct", high=counted)
        check_rng(values, "trainer/rng")
        DivergenceMonitor.check_state(require(values, "divergence", "value"))
        order = arrays.get("trainer/order")
        if order is not None and (
            not isinstance(order, np.ndarray)
            or order.dtype.kind not in "iu"
            or not np.array_equal(np.sort(order), np.arange(n))
        ):
            raise ValueError(f"state array 'trainer/order' must be an order of the {n} samples")
        callback_states = self._check_callback_states(state, spec)

        restore_model_state(self.model, state)
        self._order = None if order is None else np.array(order, dtype=np.intp)
        if self.model.version != self._version:
            self._prepare()
        else:
            self._apply_order()
        self.step, self.epoch = values["trainer/step"], values["trainer/epoch"]
        self._pos, self._batch = position, values["trainer/batch"]
        self._loss_sum = float(values["trainer/loss_sum"])
        self._counted, self._correct = counted, values["trainer/correct"]
        self._outputs = []
        self._rng.bit_generator.state = dict(values["trainer/rng"])
        self._monitor.set_state(values["divergence"])
        for callback, callback_state, best in callback_states:
            callback.set_state(callback_state)
            if hasattr(callback, "best_weights"):
                callback.best_weights = best

    def _check_data_fits(self, spec: NetworkSpec) -> None:
        """ValueError unless this Trainer's data fit a network built from ``spec``."""
        features = self._x.shape[1]
        if spec.input_dim != features:
            raise ValueError(
                f"the training state's network takes {spec.input_dim} features per sample "
                f"but the training data have {features}"
            )
        model = self.model
        if (spec.loss, spec.output_units) != (model.get_config().loss, model.output_units):
            loss = losses_module.get(spec.loss)
            for _, y in [self._raw] + ([self._raw_val] if self._raw_val else []):
                loss.prepare_targets(y, spec.output_units, np.dtype(spec.dtype))

    def _check_callback_states(
        self, state: TrainingState, spec: NetworkSpec
    ) -> list[tuple[Callback, Mapping[str, Any], list[np.ndarray] | None]]:
        """(callback, its values, its best weights) for each callback with a state."""
        values, arrays = state.values, state.arrays
        stateful = dict(self._stateful_callbacks())
        saved = {k for k in values if k.startswith("callbacks/")}
        expected = {f"callbacks/{i}" for i in stateful}
        if saved != expected:
            raise ValueError(
                f"the training state has callback entries {sorted(saved)} but this Trainer's "
                f"callbacks need {sorted(expected)}"
            )
        shapes = weight_shapes(spec)
        dtype = np.dtype(spec.dtype)
        result = []
        allowed = {"trainer/order"}
        for i, callback in stateful.items():
            key = f"callbacks/{i}"
            entry = values[key]
            if not isinstance(entry, Mapping) or entry.get("kind") != type(callback).__name__:
                raise ValueError(f"state value {key!r} is not a {type(callback).__name__} state")
            entry = {k: v for k, v in entry.items() if k != "kind"}
            copy.copy(callback).set_state(entry)  # checks without changing the callback
            names = [f"{key}/best_weights/{k}" for k in range(len(shapes))]
            allowed.update(names)
            best = None
            if names[0] in arrays:
                best = []
                for name, shape in zip(names, shapes, strict=True):
                    w = require(arrays, name, "array")
                    if not isinstance(w, np.ndarray) or w.shape != shape or w.dtype != dtype:
                        raise ValueError(f"state array {name!r} must be {dtype} of shape {shape}")
                    best.append(np.array(w))
            result.append((callback, entry, best))
        for name in arrays:
            if name.startswith(("trainer/", "callbacks/")) and name not in allowed:
                raise ValueError(f"unknown state array {name!r}")
        return result

    # -- the loop -----------------------------------------------------------------------
    def train_step(self) -> StepResult:
        """One update on the next batch. On divergence the DivergenceError carries the
        epoch and step; the weights are restored and the same batch comes next."""
        start, end = self._next_batch()
        try:
            loss = self.model.train_step(self._epoch_x[start:end], self._epoch_y[start:end])
        except DivergenceError as error:
            raise self._failed(error) from None
        return self._took_step(loss, start, end)

    def _next_batch(self, leader: Trainer | None = None, leader_rng: Any = None) -> tuple[int, int]:
        """Where the next batch starts and ends in this epoch's order, drawn first when the
        epoch begins: ``leader``'s order when it has just drawn it from the generator
        state ``leader_rng``, the same as this Trainer's (see :meth:`_share_data`)."""
        model = self.model
        if model.version != self._version:
            self._count_correct()
            self._prepare()
        start = self._pos
        if start == 0:
            if leader is not None and self._follows(leader, leader_rng):
                self._order = leader._order
                self._epoch_x, self._epoch_y = leader._epoch_x, leader._epoch_y
                self._rng.bit_generator.state = leader._rng.bit_generator.state
            else:
                self._order_epoch()
            for callback in self.callbacks:
                callback.on_epoch_begin(self.epoch)
        n = len(self._x)
        size = model.batch_size
        end = n if size is None else start + size
        return start, end if end < n else n

    def _share_data(self, leader: Trainer) -> None:
        """Take ``leader``'s prepared data, and its epoch's order, where they equal this
        Trainer's own (Trainers stepping in lockstep on the same data): then it can follow
        the leader's next orders."""
        if _equal(self._x, leader._x) and _equal(self._y, leader._y):
            self._x, self._y = leader._x, leader._y
            order, leader_order = self._order, leader._order
            if order is leader_order or (
                order is not None and leader_order is not None and _equal(order, leader_order)
            ):
                self._order = leader_order
                self._epoch_x, self._epoch_y = leader._epoch_x, leader._epoch_y
            else:
                self._apply_order()
        val, leader_val = self._val, leader._val
        if val is not None and leader_val is not None and all(map(_equal, val, leader_val)):
            self._val = leader_val

    def _follows(self, leader: Trainer, leader_rng: Any) -> bool:
        """Whether ``leader``'s new order is the one this Trainer would draw now."""
        return (
            self._x is leader._x
            and self.shuffle == leader.shuffle
            and self.model.batch_size == leader.model.batch_size
            and self._rng.bit_generator.state == leader_rng
        )

    def _failed(self, error: DivergenceError) -> DivergenceError:
        """``error`` of the step being taken, with its epoch and step."""
        return error.at(self.epoch, self.step + 1)

    def _took_step(self, loss: float, start: int, end: int) -> StepResult:
        """Account for the model's step on the batch ``start:end`` of this epoch's order,
        whose loss was ``loss``: the divergence watch, the counters, the epoch's end."""
        try:
            self._monitor.observe(loss)
        except DivergenceError as error:
            raise self._failed(error) from None
        self.step += 1
        self._pos = end
        self._loss_sum += loss * (end - start)
        outputs = self._outputs
        outputs.append(self.model.last_output)
        if len(outputs) >= MAX_KEPT_OUTPUTS:
            self._count_correct()
        if self._callbacks:
            for callback in self._callbacks:
                callback.on_batch_end(self._batch, {"loss": loss})
        self._batch += 1
        if end < len(self._x):
            return StepResult(self.step, self.epoch, loss, False)
        self._end_epoch()
        return StepResult(self.step, self.epoch, loss, True)

    def _order_epoch(self) -> None:
        """Draw this epoch's sample order: one shuffled copy of the data, sliced into
        batches (no copy when not shuffling or with one batch per epoch)."""
        n = len(self._x)
        full_batch = self.model.batch_size is None or self.model.batch_size >= n
        self._order = None if not self.shuffle or full_batch else self._rng.permutation(n)
        self._apply_order()

    def _apply_order(self) -> None:
        if self._order is None:
            self._epoch_x, self._epoch_y = self._x, self._y
        else:
            self._epoch_x, self._epoch_y = self._x[self._order], self._y[self._order]

    def _count_correct(self) -> None:
        """Add the correct predictions of the outputs kept since the last count (counted
        once per epoch, not per step: fewer NumPy calls on the step path)."""
        if not self._outputs:
            return
        a = self._outputs[0] if len(self._outputs) == 1 else np.concatenate(self._outputs)
        y = self._epoch_y[self._counted : self._counted + len(a)]
        self._correct += count_correct(a, y)
        self._counted += len(a)
        self._outputs.clear()

    def _end_epoch(self) -> None:
        self._count_correct()
        logs = {
            "loss": self._loss_sum / self._counted,
            "accuracy": self._correct / self._counted,
        }
        if self._val is not None:
            val_loss, val_correct = self.model.loss_and_correct(*self._val)
            logs["val_loss"] = val_loss
            logs["val_accuracy"] = val_correct / max(1, len(self._val[0]))
        if self.keep_history:
            for key, value in logs.items():
                self.history.history[key].append(value)
            self.history.epoch.append(self.epoch)
        finished_epoch = self.epoch
        self.epoch += 1
        self._pos = self._batch = self._counted = self._correct = 0
        self._loss_sum = 0.0
        self.last_logs = logs
        for callback in self.callbacks:
            callback.on_epoch_end(finished_epoch, logs)

    def run_epoch(self) -> dict[str, float]:
        """Steps until the current epoch ends (or a callback sets ``model.stop_training``);
        returns the epoch's logs (empty if it was stopped before its end)."""
        while True:
            result = self.train_step()
            if result.epoch_finished:
                return self.last_logs
            if self.model.stop_training:
                return {}

    def fit(self, epochs: int, verbose: int = 0) -> History:
        """Run ``epochs`` epochs with the callbacks' begin/end hooks; returns the history."""
        model = self.model
        model.stop_training = False
        for callback in self.callbacks:
            callback.on_train_begin()
        for _ in range(epochs):
            logs = self.run_epoch()
            if verbose and logs:
                metrics = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
                print(f"Epoch {self.epoch}/{epochs} - {metrics}")
            if model.stop_training:
                break
        for callback in self.callbacks:
            callback.on_train_end(self.last_logs)
        return self.history


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a is b or (a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b))
