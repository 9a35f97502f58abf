"""The exact state of a training run, as plain arrays and JSON-able values.

A :class:`TrainingState` holds everything a :class:`~nnviz.engine.training.Trainer` needs to
continue bit-identically: the model's spec, its flat parameters, the optimizer's slots and
counters, every random generator's position, and where the Trainer is in its epoch. Keys
are ``/``-separated names (``"params"``, ``"optimizer/m"``, ``"trainer/step"``) so that a
project file can store ``arrays`` as HDF5 datasets and ``values`` as one JSON text.

``arrays`` (1-D, the model's dtype unless said otherwise):
  ``params``                          the flat parameters ``W1, b1, W2, b2, ...``
  ``backup``                          the weights before the last update (only while
                                      ``model/stepped``; a NaN on the next step goes back there)
  ``optimizer/<slot>``                every slot of the optimizer (``m``, ``v``, ``momentum``...),
                                      all or none (none before the first update)
  ``trainer/order``                   integer order of the samples in the current epoch
                                      (only when shuffled mini-batches)
  ``callbacks/<i>/best_weights/<k>``  ``[W1, b1, ...]`` kept by callback ``i`` (EarlyStopping)
``values``:
  ``model/stepped`` (bool), ``model/init_rng`` and ``model/dropout_rng`` (PCG64 states),
  ``optimizer/iterations``, ``trainer/step``, ``trainer/epoch``, ``trainer/position``,
  ``trainer/batch``, ``trainer/counted``, ``trainer/correct`` (ints), ``trainer/loss_sum``
  (float), ``trainer/rng`` (PCG64 state), ``divergence`` (the divergence watch's counters)
  and ``callbacks/<i>`` (``{"kind": class name, ...its get_state()}``).
Not included: the data, the Trainer's settings (shuffle, callbacks' settings), the history,
and the divergence watch's last good copy (it restarts from the restored weights).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nnviz.engine.optimizers import OPTIMIZERS
from nnviz.engine.spec import NetworkSpec

if TYPE_CHECKING:
    from nnviz.engine.model import Sequential


@dataclass(frozen=True)
class TrainingState:
    """A snapshot of a training run (see the module docstring). ``arrays`` are read-only
    copies; ``values`` survive ``json.loads(json.dumps(values))``."""

    spec: NetworkSpec
    arrays: Mapping[str, np.ndarray]
    values: Mapping[str, Any]

    @property
    def step(self) -> int:
        """Training steps taken (the trainer's counter)."""
        return int(self.values["trainer/step"])

    @property
    def epoch(self) -> int:
        """Epochs finished (the trainer's counter)."""
        return int(self.values["trainer/epoch"])

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (what an undo entry keeping this state costs)."""
        return sum(int(a.nbytes) for a in self.arrays.values())


def frozen_copy(array: np.ndarray) -> np.ndarray:
    """A read-only copy of ``array``."""
    copy = np.array(array, copy=True)
    copy.flags.writeable = False
    return copy


def weight_shapes(spec: NetworkSpec) -> list[tuple[int, ...]]:
    """Shapes of ``[W1, b1, W2, b2, ...]`` for a network built from ``spec``."""
    shapes: list[tuple[int, ...]] = []
    n_in = spec.input_dim
    for layer in spec.dense_layers:
        shapes += [(n_in, layer.units), (layer.units,)]
        n_in = layer.units
    return shapes


def n_params(spec: NetworkSpec) -> int:
    """Parameters of a network built from ``spec``."""
    return sum(math.prod(shape) for shape in weight_shapes(spec))


# -- checks: a ValueError naming the entry ----------------------------------------------
def require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise ValueError(f"the training state has no {where} entry {key!r}")
    return mapping[key]


def check_vector(
    arrays: Mapping[str, np.ndarray], key: str, size: int, dtype: np.dtype
) -> np.ndarray:
    """``arrays[key]`` if it is a finite 1-D array of ``size`` elements of ``dtype``."""
    array = require(arrays, key, "array")
    if not isinstance(array, np.ndarray):
        raise ValueError(f"state array {key!r} must be a NumPy array, got {type(array).__name__}")
    if array.shape != (size,):
        raise ValueError(f"state array {key!r} must have shape ({size},), got {array.shape}")
    if array.dtype != dtype:
        raise ValueError(f"state array {key!r} must have dtype {dtype}, got {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"state array {key!r} holds NaN or infinite values")
    return array


def check_int(values: Mapping[str, Any], key: str, low: int = 0, high: float = math.inf) -> int:
    value = require(values, key, "value")
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"state value {key!r} must be a whole number >= {low}, got {value!r}")
    return value


def check_float(values: Mapping[str, Any], key: str) -> float:
    value = require(values, key, "value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"state value {key!r} must be a finite number, got {value!r}")
    return float(value)


def check_bool(values: Mapping[str, Any], key: str) -> bool:
    value = require(values, key, "value")
    if not isinstance(value, bool):
        raise ValueError(f"state value {key!r} must be true or false, got {value!r}")
    return value


def check_rng(values: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``values[key]`` if it is a PCG64 ``bit_generator.state`` dict."""
    value = require(values, key, "value")
    if not isinstance(value, Mapping) or value.get("bit_generator") != "PCG64":
        raise ValueError(f"state value {key!r} must be a PCG64 generator state")
    try:
        np.random.PCG64().state = dict(value)
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"state value {key!r} is not a valid PCG64 state ({exc})") from exc
    return dict(value)


def rng_state(rng: np.random.Generator) -> dict[str, Any]:
    """The JSON-able state of ``rng``'s bit generator."""
    return rng.bit_generator.state


# -- the model's part -------------------------------------------------------------------
def model_state(model: Sequential) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, values) of a built, compiled model: parameters, the divergence backup
    (while it holds the weights before the last update), optimizer slots and counter, and
    the initializer and dropout generators."""
    arrays = {"params": frozen_copy(model._params)}
    if model._stepped:
        arrays["backup"] = frozen_copy(model._backup)
    optimizer = model.optimizer
    for slot, vector in optimizer.state.items():
        arrays[f"optimizer/{slot}"] = frozen_copy(vector)
    values = {
        "model/stepped": model._stepped,
        "model/init_rng": rng_state(model._init_rng),
        "model/dropout_rng": rng_state(model._dropout_rng),
        "optimizer/iterations": optimizer.iterations,
    }
    return arrays, values


def check_model_state(state: TrainingState) -> NetworkSpec:
    """Check the model's part of ``state`` against ``state.spec``; returns the spec."""
    if not isinstance(state, TrainingState):
        raise ValueError(f"expected a TrainingState, got {type(state).__name__}")
    spec = state.spec.validate()
    arrays, values = state.arrays, state.values
    size, dtype = n_params(spec), np.dtype(spec.dtype)
    check_vector(arrays, "params", size, dtype)
    if check_bool(values, "model/stepped"):
        check_vector(arrays, "backup", size, dtype)
    check_rng(values, "model/init_rng")
    check_rng(values, "model/dropout_rng")
    check_int(values, "optimizer/iterations")
    slots = OPTIMIZERS.get(spec.optimizer.name).slots
    present = [slot for slot in slots if f"optimizer/{slot}" in arrays]
    if present and len(present) != len(slots):
        missing = sorted(set(slots) - set(present))
        raise ValueError(f"the training state lacks the optimizer slot(s) {missing}")
    for slot in present:
        check_vector(arrays, f"optimizer/{slot}", size, dtype)
    known = {"params", "backup", *(f"optimizer/{slot}" for slot in slots)}
    unknown = [k for k in arrays if not k.startswith(("trainer/", "callbacks/")) and k not in known]
    if unknown:
        raise ValueError(f"unknown state array(s) {sorted(unknown)}")
    return spec


def restore_model_state(model: Sequential, state: TrainingState) -> None:
    """Make ``model`` match ``state`` (checked with :func:`check_model_state` first)."""
    if model.get_config() != state.spec:
        model.apply_spec(state.spec)
    arrays, values = state.arrays, state.values
    np.copyto(model._params, arrays["params"])
    model._stepped = values["model/stepped"]
    np.copyto(model._backup, arrays["backup"] if model._stepped else model._params)
    model._init_rng.bit_generator.state = dict(values["model/init_rng"])
    model._dropout_rng.bit_generator.state = dict(values["model/dropout_rng"])
    optimizer = model.optimizer
    optimizer.iterations = values["optimizer/iterations"]
    if any(f"optimizer/{slot}" in arrays for slot in optimizer.slots):
        optimizer.build(model._params.size, model.dtype)
        for slot in optimizer.slots:
            np.copyto(optimizer.state[slot], arrays[f"optimizer/{slot}"])
    else:
        optimizer.state, optimizer._tmp = {}, None
