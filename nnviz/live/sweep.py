"""Sweeps: a grid over one or two training settings, every cell trained from the same start.

A :class:`Sweep` names one or two settings from :data:`SETTINGS` (learning rate x batch
size, optimizer x initializer, ...) with a list of values each, and the epochs every cell
trains. :class:`SweepRun` trains the cells one after the other with the engine, in slices
(:meth:`SweepRun.advance`) so that the app's worker can run it as a :class:`SweepJob`
between its commands, or the CLI straight through (:meth:`SweepRun.run`).

Every cell starts from the same weights — the live network's initial weights, carried to
the cell's network by the engine's weight-keeping rules (a new neuron, or a layer whose
initializer the cell changes, gets fresh values from the same seed) — and draws the same
shuffle order from the spec's seed: a difference between two cells is the setting's.

Each :class:`CellResult` keeps the final metrics, whether and why training diverged, the
exact final :class:`TrainingState` and the start weights, so that any cell can be put back
into the live workspace (or kept as a run). Those weights count against a byte budget:
:meth:`Sweep.check` refuses a grid that would keep more, before anything trains.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nnviz.data import PreparedData
from nnviz.engine import DivergenceError, Sequential, Trainer
from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.initializers import INITIALIZERS
from nnviz.engine.optimizers import OPTIMIZERS
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec, SpecError
from nnviz.engine.state import TrainingState, n_params, weight_shapes
from nnviz.io.export import write_csv
from nnviz.live.jobs import BackgroundJob
from nnviz.live.session import SessionState, TrainingSession, check_fits, continuation_state
from nnviz.live.snapshot import HISTORY_KEYS

#: bytes of weights, optimizer state and histories the cells of one sweep may keep
SWEEP_BUDGET_BYTES = 256 * 2**20
MAX_VALUES = 12  # per setting: more would not be legible in the heatmap
MAX_EPOCHS = 10_000
METRICS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
METRIC_LABELS = {
    "train_loss": "training loss",
    "train_accuracy": "training accuracy",
    "val_loss": "validation loss",
    "val_accuracy": "validation accuracy",
}
_RANGE = re.compile(r"^\s*(\S+)\s*\.\.\s*(\S+)\s*x\s*(\d+)\s*$", re.IGNORECASE)


class SweepError(ValueError):
    """A sweep that cannot run: the message says what is wrong and what to do."""


# -- the settings a sweep can vary ---------------------------------------------------------
def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("not a number") from None


def _number(text: str, low: float, high: float, low_open: bool = False) -> float:
    value = _float(text)
    if not math.isfinite(value) or value > high or (value <= low if low_open else value < low):
        left = "(" if low_open else "["
        raise ValueError(f"must be in {left}{low:g}, {high:g}")
    return value


def _whole(text: str, low: int, high: int) -> int:
    value = _float(text)
    if not value.is_integer() or not low <= value <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return int(value)


def _batch(text: str) -> int | None:
    return None if text.lower() == "full" else _whole(text, 1, 10**9)


def _name(registry: Any) -> Callable[[str], str]:
    def parse(text: str) -> str:
        return str(registry.canonical(text))

    return parse


def _initializer(text: str) -> tuple[str, float | None]:
    """``he_normal`` or ``random_normal:0.01`` (with its scale)."""
    name, _, scale = text.partition(":")
    return INITIALIZERS.canonical(name), (_number(scale, 0.0, 1e6, True) if scale else None)


def _dense(spec: NetworkSpec, hidden_only: bool = False, **changes: Any) -> NetworkSpec:
    last = max(i for i, layer in enumerate(spec.layers) if layer.is_dense())
    return spec.with_layers(
        [
            replace(layer, **changes)
            if layer.is_dense() and not (hidden_only and i == last)
            else layer
            for i, layer in enumerate(spec.layers)
        ]
    )


def _with_optimizer(spec: NetworkSpec, name: str) -> NetworkSpec:
    """Another optimizer at the same learning rate, keeping the options it accepts."""
    accepted = OPTIMIZERS.get(name).option_names()
    options = {k: v for k, v in spec.optimizer.options.items() if k in accepted}
    return replace(spec, optimizer=OptimizerSpec(name, spec.optimizer.learning_rate, options))


def _with_dropout(spec: NetworkSpec, rate: float) -> NetworkSpec:
    """Every dropout layer at ``rate``; without any, one after each hidden dense layer."""
    if any(not layer.is_dense() for layer in spec.layers):
        return spec.with_layers(
            [layer if layer.is_dense() else replace(layer, rate=rate) for layer in spec.layers]
        )
    layers: list[LayerSpec] = []
    for layer in spec.layers[:-1]:
        layers += [layer, LayerSpec(kind="dropout", rate=rate)]
    return spec.with_layers([*layers, spec.layers[-1]])


def _with_initializer(spec: NetworkSpec, value: tuple[str, float | None]) -> NetworkSpec:
    name, scale = value
    return _dense(spec, initializer=name, init_scale=scale)


def _initializer_text(value: tuple[str, float | None]) -> str:
    name, scale = value
    return name if scale is None else f"{name}:{scale:g}"


@dataclass(frozen=True)
class SweepSetting:
    """One setting a sweep can vary: how to read a value, and the network with it."""

    key: str
    label: str
    parse: Callable[[str], Any]
    apply: Callable[[NetworkSpec, Any], NetworkSpec]
    example: str
    #: whether "low..high xN" (N log-spaced values) makes sense
    log_range: bool = False
    whole: bool = False
    text: Callable[[Any], str] = lambda value: f"{value:g}"

    def format(self, value: Any) -> str:
        return self.text(value)


SETTINGS: dict[str, SweepSetting] = {
    s.key: s
    for s in (
        SweepSetting(
            "lr",
            "learning rate",
            lambda t: _number(t, 0.0, 1e3, low_open=True),
            lambda spec, v: replace(spec, optimizer=replace(spec.optimizer, learning_rate=v)),
            "0.001, 0.01, 0.1  or  1e-4..1e-1 x4",
            log_range=True,
        ),
        SweepSetting(
            "batch",
            "batch size",
            _batch,
            lambda spec, v: replace(spec, batch_size=v),
            "1, 16, full",
            log_range=True,
            whole=True,
            text=lambda v: "full" if v is None else str(v),
        ),
        SweepSetting(
            "l2",
            "L2",
            lambda t: _number(t, 0.0, 1e3),
            lambda spec, v: _dense(spec, l2=v),
            "0, 0.001, 0.01",
            log_range=True,
        ),
        SweepSetting(
            "dropout",
            "dropout rate",
            lambda t: _number(t, 0.0, 0.95),
            _with_dropout,
            "0, 0.2, 0.5",
        ),
        SweepSetting(
            "optimizer",
            "optimizer",
            _name(OPTIMIZERS),
            _with_optimizer,
            "sgd, rmsprop, adam",
            text=str,
        ),
        SweepSetting(
            "initializer",
            "initializer",
            _initializer,
            _with_initializer,
            "zeros, random_normal:0.01, random_normal:10, glorot_uniform, he_normal",
            text=_initializer_text,
        ),
        SweepSetting(
            "units",
            "hidden units per layer",
            lambda t: _whole(t, 1, 1024),
            lambda spec, v: _dense(spec, hidden_only=True, units=v),
            "2, 4, 8, 16",
            log_range=True,
            whole=True,
            text=str,
        ),
        SweepSetting(
            "activation",
            "hidden activation",
            _name(ACTIVATIONS),
            lambda spec, v: _dense(spec, hidden_only=True, activation=v),
            "sigmoid, tanh, relu",
            text=str,
        ),
    )
}
ALIASES = {"learning_rate": "lr", "batch_size": "batch", "init": "initializer", "hidden": "units"}


def setting(key: str) -> SweepSetting:
    """The setting named ``key`` (or an alias such as ``learning_rate``)."""
    name = key.strip().lower().replace("-", "_")
    found = SETTINGS.get(ALIASES.get(name, name))
    if found is None:
        raise SweepError(
            f"cannot sweep {key!r}: choose one of {', '.join(SETTINGS)} (e.g. lr=0.001,0.01,0.1)"
        )
    return found


def parse_values(key: str, text: str) -> tuple[Any, ...]:
    """The values of setting ``key`` written as ``"0.001, 0.01, 0.1"`` (commas or spaces)
    or, for numbers, ``"1e-4..1e-1 x4"`` (4 values spaced evenly on a log scale).
    Raises :class:`SweepError` naming the bad part and showing an example."""
    chosen = setting(key)
    hint = f"write the {chosen.label} values like: {chosen.example}"
    ranged = _RANGE.match(text)
    if ranged:
        if not chosen.log_range:
            raise SweepError(f"the {chosen.label} has no range of values; {hint}")
        values = _log_range(chosen, *ranged.groups(), hint=hint)
    elif ".." in text:
        raise SweepError(f"write how many values the range takes, e.g. x4 at its end; {hint}")
    else:
        tokens = [t for t in re.split(r"[,\s;]+", text.strip()) if t]
        if not tokens:
            raise SweepError(f"no {chosen.label} values given; {hint}")
        values = []
        for token in tokens:
            try:
                values.append(chosen.parse(token))
            except ValueError as exc:
                raise SweepError(
                    f"{token!r} is not a valid {chosen.label} ({exc}); {hint}"
                ) from None
    texts = [chosen.format(v) for v in values]
    repeated = sorted({t for t in texts if texts.count(t) > 1})
    if repeated:
        raise SweepError(f"the {chosen.label} value {repeated[0]} is given twice; {hint}")
    if len(values) > MAX_VALUES:
        raise SweepError(
            f"{len(values)} {chosen.label} values: a sweep takes at most {MAX_VALUES} per "
            "setting; leave some out"
        )
    return tuple(values)


def _log_range(chosen: SweepSetting, low: str, high: str, count: str, hint: str) -> list[Any]:
    try:
        ends = [float(chosen.parse(low)), float(chosen.parse(high))]
    except (TypeError, ValueError):
        raise SweepError(
            f"the ends of {low}..{high} are not {chosen.label} values; {hint}"
        ) from None
    n = int(count)
    if not 2 <= n <= MAX_VALUES:
        raise SweepError(f"a range takes from 2 to {MAX_VALUES} values, got x{n}; {hint}")
    if min(ends) <= 0 or ends[0] >= ends[1]:
        raise SweepError(
            f"a log-spaced range needs two positive ends, the smaller first, got "
            f"{low}..{high}; {hint}"
        )
    values = np.geomspace(ends[0], ends[1], n)
    if chosen.whole:
        return sorted({round(float(v)) for v in values})
    return [float(f"{v:.6g}") for v in values]


# -- a sweep and its cells -------------------------------------------------------------------
@dataclass(frozen=True)
class SweepAxis:
    """One swept setting and its values."""

    key: str
    values: tuple[Any, ...]

    @property
    def setting(self) -> SweepSetting:
        return SETTINGS[self.key]

    def labels(self) -> list[str]:
        return [self.setting.format(v) for v in self.values]


@dataclass(frozen=True)
class Sweep:
    """One or two :class:`SweepAxis` and the epochs each cell trains. The grid's shape is
    ``(len(axes[0].values), len(axes[1].values))`` (second length 1 for one setting)."""

    axes: tuple[SweepAxis, ...]
    epochs: int

    @classmethod
    def parse(cls, texts: Mapping[str, str], epochs: int) -> Sweep:
        """A sweep from ``{"lr": "0.001, 0.01", "batch": "1, 16, full"}``."""
        axes = tuple(SweepAxis(setting(k).key, parse_values(k, t)) for k, t in texts.items())
        return cls(axes, epochs).validate()

    def validate(self) -> Sweep:
        if not 1 <= len(self.axes) <= 2:
            raise SweepError(f"a sweep varies one or two settings, got {len(self.axes)}")
        if len(self.axes) == 2 and self.axes[0].key == self.axes[1].key:
            raise SweepError(f"the {self.axes[0].setting.label} is chosen twice: pick another")
        if isinstance(self.epochs, bool) or not 1 <= int(self.epochs) <= MAX_EPOCHS:
            raise SweepError(f"each cell trains from 1 to {MAX_EPOCHS} epochs, got {self.epochs}")
        return self

    @property
    def shape(self) -> tuple[int, int]:
        sizes = [len(axis.values) for axis in self.axes]
        return (sizes[0], sizes[1] if len(sizes) > 1 else 1)

    @property
    def n_cells(self) -> int:
        return self.shape[0] * self.shape[1]

    def cells(self) -> Iterator[tuple[tuple[int, int], tuple[Any, ...]]]:
        """``((i, j), values)`` row by row."""
        rows, cols = self.shape
        for i in range(rows):
            for j in range(cols):
                yield (
                    (i, j),
                    tuple(axis.values[k] for axis, k in zip(self.axes, (i, j), strict=False)),
                )

    def cell_label(self, values: tuple[Any, ...]) -> str:
        return ", ".join(
            f"{axis.setting.label} {axis.setting.format(v)}"
            for axis, v in zip(self.axes, values, strict=True)
        )

    def cell_spec(self, spec: NetworkSpec, values: tuple[Any, ...]) -> NetworkSpec:
        """``spec`` with this cell's settings; SweepError naming the cell if impossible."""
        for axis, value in zip(self.axes, values, strict=True):
            spec = axis.setting.apply(spec, value)
        try:
            return spec.validate()
        except SpecError as exc:
            raise SweepError(f"the cell {self.cell_label(values)} is impossible: {exc}") from None

    def kept_bytes(self, spec: NetworkSpec, data: PreparedData) -> int:
        """At most the bytes the cells keep: per cell its start and final weights, the
        divergence backup, the optimizer's slots, the sample order and the histories."""
        total = 0
        n_train = len(data.y_train)
        for _index, values in self.cells():
            cell = self.cell_spec(spec, values)
            slots = len(OPTIMIZERS.get(cell.optimizer.name).slots)
            total += n_params(cell) * np.dtype(cell.dtype).itemsize * (3 + slots)
            total += n_train * 8 + self.epochs * (len(HISTORY_KEYS) + 1) * 8
        return total

    def check(
        self, spec: NetworkSpec, data: PreparedData, budget_bytes: int = SWEEP_BUDGET_BYTES
    ) -> None:
        """SweepError (what to do) unless every cell fits the data and the budget."""
        self.validate()
        seen: list[tuple[NetworkSpec, tuple[Any, ...]]] = []
        for _index, values in self.cells():
            cell = self.cell_spec(spec, values)
            try:
                check_fits(cell, data)
            except ValueError as exc:
                raise SweepError(f"the cell {self.cell_label(values)}: {exc}") from None
            same = next((other for s, other in seen if s == cell), None)
            if same is not None:
                raise SweepError(
                    f"the cells {self.cell_label(same)} and {self.cell_label(values)} would "
                    "train the same network: the network has nothing this setting changes "
                    "(add a hidden layer, or sweep another setting)"
                )
            seen.append((cell, values))
        needed = self.kept_bytes(spec, data)
        if needed > budget_bytes:
            raise SweepError(
                f"this sweep would keep {needed / 2**20:,.0f} MB of weights for its "
                f"{self.n_cells} cells, more than the {budget_bytes / 2**20:,.0f} MB a sweep "
                "may keep: use fewer values or a smaller network"
            )


@dataclass(frozen=True)
class CellResult:
    """One trained cell: its settings, final metrics (NaN where there is no validation
    split), divergence, and what restores it exactly (``state``, ``initial_weights``,
    ``history`` per epoch: ``{"epoch": ..., "loss": ..., ...}``)."""

    index: tuple[int, int]
    values: tuple[Any, ...]
    label: str
    spec: NetworkSpec
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    diverged: bool
    reason: str | None
    state: TrainingState
    initial_weights: tuple[np.ndarray, ...]
    history: Mapping[str, np.ndarray]

    def metric(self, name: str) -> float:
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(METRICS)}")
        return float(getattr(self, name))

    @property
    def final_weights(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]`` as ``Sequential.get_weights`` gives them."""
        flat, weights, start = self.state.arrays["params"], [], 0
        for shape in weight_shapes(self.spec):
            size = math.prod(shape)
            weights.append(flat[start : start + size].reshape(shape))
            start += size
        return weights

    def session_state(self, data: PreparedData) -> SessionState:
        """This cell as the live session can continue it (``data``: the sweep's)."""
        epochs = self.history["epoch"]
        return continuation_state(
            data,
            self.state,
            self.initial_weights,
            {key: (epochs, self.history[key]) for key in HISTORY_KEYS},
        )


@dataclass(frozen=True)
class SweepResult:
    """The cells trained so far (all of them once ``complete``)."""

    sweep: Sweep
    cells: tuple[CellResult, ...]
    dataset: str = ""

    @property
    def complete(self) -> bool:
        return len(self.cells) == self.sweep.n_cells

    def cell(self, i: int, j: int) -> CellResult | None:
        return next((c for c in self.cells if c.index == (i, j)), None)

    def metric_grid(self, metric: str) -> np.ndarray:
        """``metric`` of each cell in the grid's shape (NaN: not trained yet)."""
        grid = np.full(self.sweep.shape, np.nan)
        for cell in self.cells:
            grid[cell.index] = cell.metric(metric)
        return grid

    def diverged_grid(self) -> np.ndarray:
        grid = np.zeros(self.sweep.shape, dtype=bool)
        for cell in self.cells:
            grid[cell.index] = cell.diverged
        return grid

    def best(self, metric: str) -> CellResult | None:
        """The cell with the lowest loss or highest accuracy (diverged cells excluded)."""
        sign = -1.0 if metric.endswith("accuracy") else 1.0
        finite = [c for c in self.cells if not c.diverged and math.isfinite(c.metric(metric))]
        return min(finite, key=lambda c: sign * c.metric(metric), default=None)

    def header(self) -> list[str]:
        return [*(a.key for a in self.sweep.axes), "epochs", *METRICS, "diverged", "reason"]

    def rows(self) -> list[list[Any]]:
        return [
            [
                *(a.setting.format(v) for a, v in zip(self.sweep.axes, c.values, strict=True)),
                self.sweep.epochs,
                *(c.metric(m) for m in METRICS),
                int(c.diverged),
                c.reason or "",
            ]
            for c in self.cells
        ]

    def to_json(self) -> dict[str, Any]:
        """The sweep and its cells as JSON-able values (full float precision; null where
        a number is missing or not finite)."""

        def number(value: float) -> float | None:
            return float(value) if math.isfinite(value) else None

        return {
            "dataset": self.dataset,
            "epochs": self.sweep.epochs,
            "settings": [
                {"name": a.key, "label": a.setting.label, "values": a.labels()}
                for a in self.sweep.axes
            ],
            "complete": self.complete,
            "cells": [
                {
                    "index": list(c.index[: len(self.sweep.axes)]),
                    "settings": {
                        a.key: a.setting.format(v)
                        for a, v in zip(self.sweep.axes, c.values, strict=True)
                    },
                    **{m: number(c.metric(m)) for m in METRICS},
                    "diverged": c.diverged,
                    "reason": c.reason,
                }
                for c in self.cells
            ],
        }


def write_sweep_csv(path: Any, result: SweepResult) -> Any:
    """One row per trained cell: its settings, the epochs, the final metrics, divergence."""
    return write_csv(path, result.header(), result.rows())


# -- training the cells ------------------------------------------------------------------
class _Cell:
    """The cell in training: its model, its trainer and its history so far."""

    def __init__(
        self,
        run: SweepRun,
        index: tuple[int, int],
        values: tuple[Any, ...],
    ) -> None:
        self.index, self.values = index, values
        self.spec = run.sweep.cell_spec(run.spec, values)
        start = Sequential.from_config(run.spec)
        start.set_weights(run.start_weights)
        start.apply_spec(self.spec)
        data = run.data
        self.initial_weights = tuple(start.get_weights())
        self.model = Sequential.from_config(self.spec)
        self.model.set_weights(self.initial_weights)
        validation = None if data.x_val is None else (data.x_val, data.y_val)
        self.trainer = Trainer(
            self.model,
            data.x_train,
            data.y_train,
            batch_size=self.spec.batch_size,
            shuffle=True,
            seed=self.spec.seed,
            validation_data=validation,
            keep_history=False,
        )
        self.history: list[list[float]] = []
        self.reason: str | None = None


class SweepRun:
    """Trains the cells of ``sweep`` on ``data``, each from ``start_weights`` of ``spec``
    carried to the cell's network. Checks the sweep first (SweepError)."""

    def __init__(
        self,
        sweep: Sweep,
        spec: NetworkSpec,
        data: PreparedData,
        start_weights: list[np.ndarray],
        budget_bytes: int = SWEEP_BUDGET_BYTES,
        dataset: str = "",
    ) -> None:
        sweep.check(spec, data, budget_bytes)
        self.sweep, self.spec, self.data, self.dataset = sweep, spec, data, dataset
        Sequential.from_config(spec).set_weights(start_weights)  # ValueError if they misfit
        self.start_weights = [np.array(w, copy=True) for w in start_weights]
        self._pending = list(sweep.cells())
        self._done: list[CellResult] = []
        self._cell: _Cell | None = None

    @property
    def finished(self) -> bool:
        return not self._pending and self._cell is None

    @property
    def current_label(self) -> str:
        """The cell in training (or next), in words; empty when all are done."""
        values = self._cell.values if self._cell else (self._pending or [((0, 0), None)])[0][1]
        return "" if values is None else self.sweep.cell_label(values)

    def progress(self) -> float:
        """Cells done, plus the share of the epochs of the cell in training."""
        part = 0.0
        if self._cell is not None:
            part = min(self._cell.trainer.epoch / self.sweep.epochs, 1.0)
        return (len(self._done) + part) / self.sweep.n_cells

    def result(self) -> SweepResult:
        return SweepResult(self.sweep, tuple(self._done), self.dataset)

    def advance(self, budget_s: float) -> bool:
        """Train for about ``budget_s`` seconds (at least one step); True when all cells
        are done."""
        deadline = time.monotonic() + budget_s
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while not self.finished:
                if self._cell is None:
                    index, values = self._pending.pop(0)
                    self._cell = _Cell(self, index, values)
                if self._train(self._cell, deadline):
                    self._done.append(self._finish(self._cell))
                    self._cell = None
                if time.monotonic() >= deadline:
                    break
        return self.finished

    def run(self, on_cell: Callable[[CellResult], None] | None = None) -> SweepResult:
        """Train every cell; ``on_cell`` is called as each one ends."""
        while not self.finished:
            done = len(self._done)
            self.advance(0.05)
            if on_cell is not None:
                for cell in self._done[done:]:
                    on_cell(cell)
        return self.result()

    def _train(self, cell: _Cell, deadline: float) -> bool:
        """Steps until the cell's epochs are done (True), it diverged (True) or the
        deadline passed (False)."""
        trainer, epochs = cell.trainer, self.sweep.epochs
        while trainer.epoch < epochs:
            try:
                result = trainer.train_step()
            except DivergenceError as exc:
                cell.reason = str(exc)
                return True
            if result.epoch_finished:
                logs = trainer.last_logs
                cell.history.append(
                    [float(result.epoch), *(logs.get(k, math.nan) for k in HISTORY_KEYS)]
                )
            if time.monotonic() >= deadline:
                return trainer.epoch >= epochs
        return True

    def _finish(self, cell: _Cell) -> CellResult:
        data, model = self.data, cell.model
        train = model.evaluate(data.x_train, data.y_train)
        val = {"loss": math.nan, "accuracy": math.nan}
        if data.x_val is not None:
            val = model.evaluate(data.x_val, data.y_val)
        reason = cell.reason
        if reason is None and not math.isfinite(train["loss"]):
            reason = "the training loss is not finite: lower the learning rate"
        history = np.array(cell.history, dtype=np.float64).reshape(-1, len(HISTORY_KEYS) + 1)
        columns = {"epoch": history[:, 0].astype(np.int64)}
        columns.update({k: history[:, i + 1] for i, k in enumerate(HISTORY_KEYS)})
        for column in columns.values():
            column.flags.writeable = False
        for weights in cell.initial_weights:
            weights.flags.writeable = False
        return CellResult(
            index=cell.index,
            values=cell.values,
            label=self.sweep.cell_label(cell.values),
            spec=cell.spec,
            train_loss=float(train["loss"]),
            train_accuracy=float(train["accuracy"]),
            val_loss=float(val["loss"]),
            val_accuracy=float(val["accuracy"]),
            diverged=reason is not None,
            reason=reason,
            state=cell.trainer.get_state(),
            initial_weights=cell.initial_weights,
            history=columns,
        )


@dataclass(frozen=True)
class SweepProgress:
    """What a :class:`SweepJob` reports: the cells so far and the cell in training."""

    result: SweepResult
    cells_done: int
    cells_total: int
    current: str
    data: PreparedData | None


class SweepJob(BackgroundJob):
    """A sweep run by the training worker in slices; exclusive: training pauses meanwhile.

    The sweep starts from the live network's initial weights (what "Reset to start" goes
    back to) on its data; cancelling keeps the finished cells (the last report has them)."""

    name = "sweep"
    exclusive = True

    def __init__(self, sweep: Sweep, budget_bytes: int = SWEEP_BUDGET_BYTES) -> None:
        super().__init__()
        self.sweep = sweep.validate()
        self.budget_bytes = budget_bytes
        self._run: SweepRun | None = None

    def advance(self, session: TrainingSession, budget_s: float) -> bool:
        if self._run is None:
            self._run = SweepRun(
                self.sweep,
                session.spec,
                session.data,
                list(session.initial_weights),
                self.budget_bytes,
            )
        return self._run.advance(budget_s)

    def progress(self) -> float:
        return 0.0 if self._run is None else self._run.progress()

    def result(self) -> SweepProgress:
        run = self._run
        if run is None:
            return SweepProgress(SweepResult(self.sweep, ()), 0, self.sweep.n_cells, "", None)
        result = run.result()
        return SweepProgress(
            result, len(result.cells), self.sweep.n_cells, run.current_label, run.data
        )
