"""The network spec: the one serializable description of a network.

The diagram editor edits a spec, the engine builds a model from a spec and a project file
stores a spec. Specs are immutable (frozen dataclasses with tuples), so an undo command
can keep the spec before and after an edit, and ``dataclasses.replace`` makes edited
copies. ``to_dict``/``from_dict`` and ``to_json``/``from_json`` round-trip losslessly;
``validate`` raises :class:`SpecError` naming the offending field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

DTYPES = ("float64", "float32")
MAX_HIDDEN_LAYERS = 12
MAX_UNITS = 1024
MAX_INPUT_DIM = 1_000_000


class SpecError(ValueError):
    """A spec field holds an impossible value. ``field`` names it, e.g. ``layers[1].units``."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class LayerSpec:
    """One layer. ``kind="dense"`` uses units/activation/initializer/l1/l2;
    ``kind="dropout"`` uses only ``rate`` (the fraction of inputs dropped while training).
    ``init_scale`` is the standard deviation (normal) or half-width (uniform) of the
    ``random_normal``/``random_uniform`` initializers; ``None`` means their default."""

    kind: str = "dense"
    units: int = 8
    activation: str = "relu"
    initializer: str = "glorot_uniform"
    init_scale: float | None = None
    l1: float = 0.0
    l2: float = 0.0
    rate: float = 0.0

    def is_dense(self) -> bool:
        return self.kind == "dense"


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer by registry name, its learning rate and its other Keras-named settings
    (``momentum``, ``nesterov``, ``rho``, ``beta_1``, ``beta_2``, ``epsilon``,
    ``initial_accumulator_value``, ``weight_decay``)."""

    name: str = "adam"
    learning_rate: float = 0.001
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduleSpec:
    """A learning-rate schedule by registry name (``constant``, ``step``, ``exponential``,
    ``inverse_time``) with its settings (e.g. ``decay_rate``, ``decay_steps``)."""

    name: str = "constant"
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkSpec:
    """A whole network and how it trains.

    ``batch_size=None`` means full-batch gradient descent. ``clipnorm`` clips the global
    gradient norm when set. The last dense layer is the output layer."""

    input_dim: int = 2
    layers: tuple[LayerSpec, ...] = (
        LayerSpec(units=8, activation="tanh"),
        LayerSpec(units=8, activation="tanh"),
        LayerSpec(units=1, activation="sigmoid"),
    )
    loss: str = "binary_crossentropy"
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    schedule: ScheduleSpec = field(default_factory=ScheduleSpec)
    clipnorm: float | None = None
    batch_size: int | None = 32
    seed: int = 0
    dtype: str = "float64"

    # -- derived -------------------------------------------------------------------------
    @property
    def dense_layers(self) -> tuple[LayerSpec, ...]:
        return tuple(layer for layer in self.layers if layer.is_dense())

    @property
    def output_units(self) -> int:
        dense = self.dense_layers
        return dense[-1].units if dense else self.input_dim

    # -- edits (each returns a new spec) ------------------------------------------------
    def with_layers(self, layers: tuple[LayerSpec, ...] | list[LayerSpec]) -> NetworkSpec:
        return replace(self, layers=tuple(layers))

    def with_layer(self, index: int, **changes: Any) -> NetworkSpec:
        layers = list(self.layers)
        layers[index] = replace(layers[index], **changes)
        return self.with_layers(layers)

    def for_task(self, input_dim: int, n_classes: int) -> NetworkSpec:
        """This network adapted to a dataset: the input follows the data, the output layer
        and loss follow the task (one sigmoid unit for two classes, softmax for k)."""
        if n_classes < 2:
            raise SpecError("n_classes", f"a classifier needs at least 2 classes, got {n_classes}")
        layers = list(self.layers)
        last = max(i for i, layer in enumerate(layers) if layer.is_dense())
        if n_classes == 2:
            layers[last] = replace(layers[last], units=1, activation="sigmoid")
            loss = "binary_crossentropy"
        else:
            layers[last] = replace(layers[last], units=n_classes, activation="softmax")
            loss = "categorical_crossentropy"
        return replace(self, input_dim=input_dim, layers=tuple(layers), loss=loss)

    # -- serialization ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "input_dim": self.input_dim,
            "layers": [_plain(layer) for layer in self.layers],
            "loss": self.loss,
            "optimizer": {
                "name": self.optimizer.name,
                "learning_rate": self.optimizer.learning_rate,
                "options": dict(self.optimizer.options),
            },
            "schedule": {"name": self.schedule.name, "options": dict(self.schedule.options)},
            "clipnorm": self.clipnorm,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "dtype": self.dtype,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NetworkSpec:
        """Build and validate a spec; unknown or missing keys raise :class:`SpecError`."""
        if not isinstance(data, Mapping):
            raise SpecError("spec", f"expected a mapping, got {type(data).__name__}")
        _reject_unknown("spec", data, {f.name for f in fields(cls)})
        kwargs: dict[str, Any] = dict(data)
        layers = data.get("layers", [])
        if not isinstance(layers, list | tuple):
            raise SpecError("layers", "expected a list of layers")
        parsed = []
        for i, layer in enumerate(layers):
            if not isinstance(layer, Mapping):
                raise SpecError(f"layers[{i}]", "expected a mapping")
            _reject_unknown(f"layers[{i}]", layer, {f.name for f in fields(LayerSpec)})
            parsed.append(LayerSpec(**layer))
        kwargs["layers"] = tuple(parsed)
        if "optimizer" in data:
            opt = data["optimizer"]
            if not isinstance(opt, Mapping):
                raise SpecError("optimizer", "expected a mapping")
            _reject_unknown("optimizer", opt, {f.name for f in fields(OptimizerSpec)})
            kwargs["optimizer"] = OptimizerSpec(**{**opt, "options": dict(opt.get("options", {}))})
        if "schedule" in data:
            sched = data["schedule"]
            if not isinstance(sched, Mapping):
                raise SpecError("schedule", "expected a mapping")
            _reject_unknown("schedule", sched, {f.name for f in fields(ScheduleSpec)})
            kwargs["schedule"] = ScheduleSpec(
                **{**sched, "options": dict(sched.get("options", {}))}
            )
        spec = cls(**kwargs)
        spec.validate()
        return spec

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> NetworkSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError("spec", f"not valid JSON ({exc})") from exc
        return cls.from_dict(data)

    # -- validation ---------------------------------------------------------------------
    def validate(self) -> NetworkSpec:
        """Raise :class:`SpecError` on the first impossible field; return self when valid."""
        from nnviz.engine.layers import LAYERS
        from nnviz.engine.losses import LOSSES
        from nnviz.engine.optimizers import OPTIMIZERS
        from nnviz.engine.schedules import SCHEDULES

        check_int("input_dim", self.input_dim, 1, MAX_INPUT_DIM)
        if not self.dense_layers:
            raise SpecError("layers", "the network needs at least one dense (output) layer")
        if len(self.dense_layers) - 1 > MAX_HIDDEN_LAYERS:
            raise SpecError(
                "layers",
                f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.dense_layers) - 1}",
            )
        for i, layer in enumerate(self.layers):
            name = f"layers[{i}]"
            if layer.kind not in LAYERS:
                kinds = tuple(LAYERS.names())
                raise SpecError(f"{name}.kind", f"must be one of {kinds}, got {layer.kind!r}")
            LAYERS.get(layer.kind).check_spec(layer, name)
        if not self.layers[-1].is_dense():
            raise SpecError("layers", "the last layer must be a dense (output) layer")
        check_name("loss", self.loss, LOSSES)
        check_name("optimizer.name", self.optimizer.name, OPTIMIZERS)
        check_float(
            "optimizer.learning_rate", self.optimizer.learning_rate, 0.0, 1e3, low_open=True
        )
        if not isinstance(self.optimizer.options, Mapping):
            raise SpecError("optimizer.options", "expected a mapping of setting names to values")
        optimizer_class = OPTIMIZERS.get(self.optimizer.name)
        _reject_unknown("optimizer.options", self.optimizer.options, optimizer_class.option_names())
        _check_options("optimizer.options", optimizer_class, self.optimizer.options)
        check_name("schedule.name", self.schedule.name, SCHEDULES)
        if not isinstance(self.schedule.options, Mapping):
            raise SpecError("schedule.options", "expected a mapping of setting names to values")
        schedule_class = SCHEDULES.get(self.schedule.name)
        _reject_unknown("schedule.options", self.schedule.options, schedule_class.option_names())
        _check_options("schedule.options", schedule_class, self.schedule.options)
        if self.clipnorm is not None:
            check_float("clipnorm", self.clipnorm, 0.0, 1e9, low_open=True)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, 1, 10**9)
        check_int("seed", self.seed, 0, 2**32 - 1)
        if self.dtype not in DTYPES:
            raise SpecError("dtype", f"must be one of {DTYPES}, got {self.dtype!r}")
        return self


def _plain(layer: LayerSpec) -> dict[str, Any]:
    return {f.name: getattr(layer, f.name) for f in fields(layer)}


def _reject_unknown(where: str, data: Mapping[str, Any], known: Collection[str]) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise SpecError(where, f"unknown field(s) {unknown}; known fields are {sorted(known)}")


def _check_options(where: str, cls: Any, options: Mapping[str, Any]) -> None:
    """Build ``cls(**options)`` to check the settings; its complaint names the setting."""
    try:
        cls(**options)
    except (TypeError, ValueError) as exc:
        raise SpecError(where, str(exc)) from exc


def check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(name, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise SpecError(name, f"must be from {low} to {high}, got {value}")


def check_float(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(name, f"must be a finite number, got {value!r}")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise SpecError(name, f"must be in {left}{low}, {high}{right}, got {value}")


def check_name(name: str, value: Any, registry: Any) -> None:
    if value not in registry:
        raise SpecError(
            name, f"unknown choice {value!r}; choose one of: {', '.join(registry.names())}"
        )
