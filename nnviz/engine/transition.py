"""Spec-to-spec transitions that keep what the network has learned.

A :class:`Transition` says where each layer (and each neuron of a dense layer) of a new spec
comes from in the old one. :func:`plan` turns it into one index per new parameter (the flat
index of the old parameter it copies, or -1 for a fresh one), and :func:`transplant`
rebuilds a model with it: kept weights and the optimizer's slots (momentum, Adam moments,
...) are gathered with the same indices, so the state follows exactly the weights it
belongs to; fresh weights come from the layer's initializer drawn from the model's init
generator, fresh slot entries get the slot's initial value.

Rules: a kept neuron keeps its incoming weights and bias, and the next layer keeps the
weights from it; a layer whose input comes from a different predecessor keeps its weights
when its input size is unchanged and is re-initialized otherwise; a layer whose
initializer changed is re-initialized.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from nnviz.engine import losses as losses_module
from nnviz.engine.config import canonical, layers_from_spec, optimizer_from_spec, structure
from nnviz.engine.layers import Layer
from nnviz.engine.optimizers import Optimizer
from nnviz.engine.spec import NetworkSpec

if TYPE_CHECKING:
    from nnviz.engine.model import Sequential


@dataclass(frozen=True)
class Transition:
    """Where the layers of a new spec come from.

    ``layer_sources``: per layer of the new ``spec.layers``, the index in the old
    ``spec.layers`` it comes from (same kind), None for a new layer.
    ``unit_sources``: per new dense layer (its index in the new ``spec.layers``) the old
    unit index of each of its units, -1 for a new unit. By default a dense layer with a
    source keeps the first min(old, new) units and appends new ones.
    """

    layer_sources: tuple[int | None, ...]
    unit_sources: Mapping[int, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """A checked transition: ``source`` holds, per new parameter, the flat index of the old
    parameter it copies or -1; ``fresh_kernels`` the dense indices (in the new model) whose
    kernel has fresh entries; ``messages`` say what happens, in words."""

    source: np.ndarray
    fresh_kernels: tuple[int, ...]
    messages: tuple[str, ...]


def default_transition(old: NetworkSpec, new: NetworkSpec) -> Transition:
    """With the same number of dense layers, the k-th dense (and dropout) layer comes from
    the k-th; otherwise dense layers of equal (inputs, units) shape are matched from the
    front and from the back."""
    sources: list[int | None] = [None] * len(new.layers)
    old_dense = [i for i, layer in enumerate(old.layers) if layer.is_dense()]
    new_dense = [i for i, layer in enumerate(new.layers) if layer.is_dense()]
    if len(old_dense) == len(new_dense):
        old_drop = [i for i, layer in enumerate(old.layers) if not layer.is_dense()]
        new_drop = [i for i, layer in enumerate(new.layers) if not layer.is_dense()]
        pairs = [*zip(new_dense, old_dense, strict=True), *zip(new_drop, old_drop, strict=False)]
    else:
        matches = match_layers(dense_shapes(old), dense_shapes(new))
        pairs = [(new_dense[j], old_dense[i]) for j, i in matches.items()]
    for j, i in pairs:
        sources[j] = i
    return Transition(tuple(sources))


def dense_shapes(spec: NetworkSpec) -> list[tuple[int, int]]:
    shapes, n_in = [], spec.input_dim
    for layer in spec.dense_layers:
        shapes.append((n_in, layer.units))
        n_in = layer.units
    return shapes


def match_layers(old: list[tuple[int, int]], new: list[tuple[int, int]]) -> dict[int, int]:
    """new dense index -> old dense index for layers kept: the common prefix of equal
    shapes, then the common suffix of what remains."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    matches = {i: i for i in range(prefix)}
    for k in range(1, suffix + 1):
        matches[len(new) - k] = len(old) - k
    return matches


def is_identity(old: NetworkSpec, new: NetworkSpec, transition: Transition) -> bool:
    """Whether ``transition`` keeps every layer and unit where it is."""
    if transition.layer_sources != tuple(range(len(old.layers))):
        return False
    return all(
        tuple(units) == tuple(range(new.layers[i].units))
        for i, units in transition.unit_sources.items()
    )


def _check_index(value: object, high: int, what: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not (0 <= value < high)
    ):
        raise ValueError(f"{what} must be from 0 to {high - 1}, got {value!r}")
    return int(value)


def unit_maps(old: NetworkSpec, new: NetworkSpec, transition: Transition) -> dict[int, np.ndarray]:
    """Check ``transition``; per new dense layer index, the old unit of each unit (-1: new)."""
    if not isinstance(transition, Transition):
        raise ValueError(f"expected a Transition, got {type(transition).__name__}")
    sources = transition.layer_sources
    if len(sources) != len(new.layers):
        raise ValueError(
            f"the transition gives {len(sources)} layer sources but the new spec has "
            f"{len(new.layers)} layers"
        )
    used: set[int] = set()
    for i, source in enumerate(sources):
        if source is None:
            continue
        s = _check_index(source, len(old.layers), f"layer_sources[{i}]")
        if old.layers[s].kind != new.layers[i].kind:
            raise ValueError(
                f"layer_sources[{i}]: a {new.layers[i].kind} layer cannot come from the old "
                f"{old.layers[s].kind} layer {s}"
            )
        if s in used:
            raise ValueError(f"layer_sources: old layer {s} is used twice")
        used.add(s)
    if not isinstance(transition.unit_sources, Mapping):
        raise ValueError("unit_sources must map new dense layer indices to unit sources")
    for key in transition.unit_sources:
        i = _check_index(key, len(new.layers), "a unit_sources key")
        if not new.layers[i].is_dense() or sources[i] is None:
            raise ValueError(f"unit_sources[{i}]: layer {i} is not a dense layer with a source")
    maps = {}
    for i, layer in enumerate(new.layers):
        if not layer.is_dense():
            continue
        if sources[i] is None:
            maps[i] = np.full(layer.units, -1, dtype=np.intp)
            continue
        old_units = old.layers[sources[i]].units
        if i in transition.unit_sources:
            units = transition.unit_sources[i]
            if not isinstance(units, Sequence) or len(units) != layer.units:
                raise ValueError(f"unit_sources[{i}] must give one source per unit ({layer.units})")
            for unit in units:
                if unit != -1:
                    _check_index(unit, old_units, f"unit_sources[{i}] entries (or -1)")
            kept = [u for u in units if u != -1]
            if len(set(kept)) != len(kept):
                raise ValueError(f"unit_sources[{i}] uses an old unit twice")
            maps[i] = np.array(units, dtype=np.intp)
        else:
            keep = min(layer.units, old_units)
            maps[i] = np.concatenate([np.arange(keep), np.full(layer.units - keep, -1)]).astype(
                np.intp
            )
    return maps


def _numbers(items: Sequence[int]) -> str:
    """[1, 3, 4] -> "1, 3 and 4"."""
    text = [str(i) for i in items]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def layer_words(numbers: Sequence[int]) -> str:
    return ("layer " if len(numbers) == 1 else "layers ") + _numbers(numbers)


def _layout(spec: NetworkSpec) -> dict[int, tuple[int, int, int]]:
    """Per dense layer index in ``spec.layers``: (flat offset, inputs, units)."""
    layout, offset, n_in = {}, 0, spec.input_dim
    for i, layer in enumerate(spec.layers):
        if layer.is_dense():
            layout[i] = (offset, n_in, layer.units)
            offset += n_in * layer.units + layer.units
            n_in = layer.units
    return layout


def plan(old: NetworkSpec, new: NetworkSpec, transition: Transition) -> Plan:
    """Check ``transition`` from ``old`` to ``new`` (ValueError naming what is wrong) and
    work out which old parameter each new one copies."""
    maps = unit_maps(old, new, transition)
    old_layout, new_layout = _layout(old), _layout(new)
    old_previous: dict[int, int | None] = {}
    previous = None
    for i in old_layout:
        old_previous[i] = previous
        previous = i
    total = sum(n_in * units + units for _, n_in, units in new_layout.values())
    source = np.full(total, -1, dtype=np.intp)
    kept, fresh, fresh_kernels = [], [], []
    partly, redrawn = [], []
    previous = None
    for number, (i, (offset, n_in, units)) in enumerate(new_layout.items(), start=1):
        s = transition.layer_sources[i]
        u = maps[i]
        rows = np.full(n_in, -1, dtype=np.intp)
        layer, reinit = new.layers[i], False
        if s is not None:
            before = old.layers[s]
            reinit = (layer.initializer, layer.init_scale) != (
                before.initializer,
                before.init_scale,
            )
            old_offset, old_in, old_units = old_layout[s]
            p = old_previous[s]
            same_predecessor = (previous is None and p is None) or (
                previous is not None and p is not None and transition.layer_sources[previous] == p
            )
            if same_predecessor and previous is not None:
                rows = maps[previous]
            elif n_in == old_in:
                rows = np.arange(n_in, dtype=np.intp)
            else:  # its input size changed: the whole layer starts afresh
                s = None
        if s is not None and not reinit:
            w = old_offset + rows[:, None] * old_units + u[None, :]
            w[(rows < 0)[:, None] | (u < 0)[None, :]] = -1
            b = np.where(u < 0, -1, old_offset + old_in * old_units + u)
            source[offset : offset + n_in * units] = w.ravel()
            source[offset + n_in * units : offset + n_in * units + units] = b
        part = source[offset : offset + n_in * units + units]
        if (part[: n_in * units] < 0).any():
            fresh_kernels.append(number - 1)
        if reinit:
            redrawn.append(f"layer {number} got new weights from {layer.initializer}")
        elif (part < 0).all():
            fresh.append(number)
        else:
            kept_units, kept_rows = int((u >= 0).sum()), int((rows >= 0).sum())
            old_in, old_units = old_layout[s][1:]
            if kept_units == units == old_units and kept_rows == n_in == old_in:
                kept.append(number)
            else:
                units_words = _counted("neurons", kept_units, units, old_units)
                rows_words = _counted("inputs", kept_rows, n_in, old_in)
                partly.append(
                    f"layer {number}: " + "; ".join(filter(None, (units_words, rows_words)))
                )
        previous = i
    messages = []
    if kept:
        messages.append(f"kept the weights of {layer_words(kept)}")
    messages += partly
    if fresh:
        messages.append(f"{layer_words(fresh)} got new random weights")
    messages += redrawn
    return Plan(source, tuple(fresh_kernels), tuple(messages))


def _counted(what: str, kept: int, new: int, old: int) -> str:
    """E.g. "4 neurons kept, 2 removed" ("" when all were kept and none added)."""
    if kept == new == old:
        return ""
    words = [f"{kept} {what if kept != 1 else what[:-1]} kept"]
    if new > kept:
        words.append(f"{new - kept} new")
    if old > kept:
        words.append(f"{old - kept} removed")
    return ", ".join(words)


def transplant(model: Sequential, new: NetworkSpec, layers: list[Layer], steps: Plan) -> None:
    """Rebuild ``model`` with ``layers`` (built from ``new``) following ``steps``: kept
    parameters and optimizer slots are gathered, fresh ones drawn or reset."""
    old_params, old_state = model._params, dict(model.optimizer.state)
    model.dtype = np.dtype(new.dtype)
    model._set_layers(layers)
    model._allocate(new.input_dim)
    source = steps.source
    keep = source >= 0
    taken = source[keep]
    params = model._params
    params[keep] = old_params[taken]
    for d in steps.fresh_kernels:
        layer = model._dense[d]
        kernel = layer.initial_kernel(model._init_rng, model.dtype)
        w_keep = keep[model._slice(d)][: layer.W.size].reshape(layer.W.shape)
        np.copyto(layer.W, kernel, where=~w_keep)
    np.copyto(model._backup, params)
    optimizer = model.optimizer
    if old_state:
        optimizer.build(params.size, model.dtype)
        for name, vector in old_state.items():
            optimizer.state[name][keep] = vector[taken]
    else:
        optimizer.state, optimizer._tmp = {}, None
    model.version += 1


class TransitionMixin:
    """``apply_spec`` of :class:`~nnviz.engine.model.Sequential`."""

    def apply_spec(self, spec: NetworkSpec, transition: Transition | None = None) -> list[str]:
        """Make the model match ``spec`` while keeping what it has learned; returns what
        changed, in words. ``transition`` says where each new layer and neuron comes from
        (default: see :func:`~nnviz.engine.transition.default_transition`). Kept weights
        keep their optimizer state; new neurons and layers get fresh initial values.
        Raises SpecError/ValueError and changes nothing when ``spec`` or ``transition``
        is invalid."""
        self._require_built()
        self._require_compiled()
        spec = canonical(spec.validate())
        new_optimizer = optimizer_from_spec(spec)
        old = self.get_config()
        if transition is None:
            transition = default_transition(old, spec)
        steps = plan(old, spec, transition)
        messages: list[str] = []
        if structure(old) == structure(spec) and is_identity(old, spec, transition):
            messages += self._update_layers(old, spec)
        else:
            transplant(self, spec, layers_from_spec(spec.layers), steps)
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
            # a NaN on the next step goes back to the edited network, not before the edit
            np.copyto(self._backup, self._params)
            self.edits += 1
        return messages

    def _update_layers(self, old: NetworkSpec, spec: NetworkSpec) -> list[str]:
        """Settings changed in place (same structure): each layer takes its new spec."""
        messages = []
        dense_index = 0
        for layer, before, after in zip(self.layers, old.layers, spec.layers, strict=True):
            words, redraw = layer.update(before, after, f"layer {dense_index + 1}")
            messages += words
            if redraw:
                self._initialize(layer)
                self._reset_optimizer_slice(dense_index)
                np.copyto(self._backup, self._params)
            dense_index += layer.has_weights
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
