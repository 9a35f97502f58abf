"""The config round trip: a model to its :class:`NetworkSpec` and back, and the spec
helpers the engine shares (canonical names, layers and optimizer built from a spec)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from nnviz.engine import optimizers as optimizers_module
from nnviz.engine import schedules as schedules_module
from nnviz.engine.layers import LAYERS, Layer
from nnviz.engine.losses import LOSSES
from nnviz.engine.optimizers import OPTIMIZERS, Optimizer
from nnviz.engine.schedules import SCHEDULES, Schedule
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec, ScheduleSpec

if TYPE_CHECKING:
    from nnviz.engine.model import Sequential


class ConfigMixin:
    """``get_config``/``from_config`` of :class:`~nnviz.engine.model.Sequential`."""

    def get_config(self) -> NetworkSpec:
        """The model as a :class:`NetworkSpec`."""
        self._require_built()
        optimizer, schedule = OptimizerSpec(), ScheduleSpec()
        clipnorm = None
        if self.optimizer is not None:
            opt = self.optimizer
            optimizer = OptimizerSpec(OPTIMIZERS.name_of(opt), opt.learning_rate, non_default(opt))
            schedule = ScheduleSpec(SCHEDULES.name_of(opt.schedule), non_default(opt.schedule))
            clipnorm = opt.clipnorm
        return NetworkSpec(
            input_dim=self._input_dim,
            layers=tuple(layer.get_config() for layer in self.layers),
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
            layers_from_spec(spec.layers),
            input_dim=spec.input_dim,
            dtype=spec.dtype,
            seed=spec.seed,
        )
        model.compile(optimizer=optimizer_from_spec(spec), loss=spec.loss)
        model.batch_size = spec.batch_size
        return model


def canonical(spec: NetworkSpec) -> NetworkSpec:
    """``spec`` with registry names instead of aliases ("silu" -> "swish"), so that
    comparing it with ``get_config()`` finds only real changes."""
    return replace(
        spec,
        layers=tuple(LAYERS.get(layer.kind).canonical_spec(layer) for layer in spec.layers),
        loss=LOSSES.canonical(spec.loss),
        optimizer=replace(spec.optimizer, name=OPTIMIZERS.canonical(spec.optimizer.name)),
        schedule=replace(spec.schedule, name=SCHEDULES.canonical(spec.schedule.name)),
    )


def non_default(obj: Optimizer | Schedule) -> dict[str, Any]:
    """``obj``'s settings that differ from its class's defaults (a spec's ``options``)."""
    defaults = type(obj)().get_config()
    return {k: v for k, v in obj.get_config().items() if defaults.get(k) != v}


def structure(spec: NetworkSpec) -> tuple[Any, ...]:
    """What must be equal for a spec change to be made in place (no new arrays)."""
    layers = tuple((layer.kind, layer.units if layer.is_dense() else None) for layer in spec.layers)
    return spec.input_dim, spec.dtype, layers


def layers_from_spec(layer_specs: Sequence[LayerSpec]) -> list[Layer]:
    """New layer objects for these specs."""
    return [LAYERS.get(spec.kind).from_config(spec) for spec in layer_specs]


def optimizer_from_spec(spec: NetworkSpec) -> Optimizer:
    """A new optimizer with the spec's settings and schedule."""
    return optimizers_module.get(
        spec.optimizer.name,
        learning_rate=spec.optimizer.learning_rate,
        clipnorm=spec.clipnorm,
        schedule=schedules_module.get(spec.schedule.name, **spec.schedule.options),
        **spec.optimizer.options,
    )
