"""Optimizers: Keras' argument names and defaults, PyTorch's ``torch.optim`` update rules.

A model keeps all its parameters in one flat vector (each layer's W and b are views into
it) and its gradients in another, so an optimizer updates the whole network with a few
whole-vector NumPy calls. Its state (velocities, moments) lives here, in flat vectors laid
out like the parameters (``state``). ``learning_rate`` is a plain attribute: set it at any
time and the next update uses it. In the formulas below g is the gradient, p a parameter,
t the update count starting at 1, and lr the learning rate after the schedule.

Common options: ``weight_decay`` adds wd·p to g (PyTorch's coupled L2; AdamW decouples
it); ``clipnorm`` rescales the gradient vector to at most this global norm before the
update (Keras' ``global_clipnorm``: the parameters form one vector here).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnviz.engine import schedules as schedules_module
from nnviz.engine.checks import check_number
from nnviz.engine.registry import Registry
from nnviz.engine.schedules import Schedule

OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer")

_BASE_OPTIONS = ("learning_rate", "clipnorm", "schedule")


class Optimizer:
    """Base class: ``apply(params, grads)`` updates the flat parameter vector in place, or
    writes the updated vector to ``out`` and leaves ``params`` as it was (a model keeps the
    parameters before the update that way, for a restore on divergence, without a copy)."""

    name = "optimizer"
    #: names of the per-parameter state vectors
    slots: tuple[str, ...] = ()

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        schedule: str | Schedule | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.weight_decay = check_number("weight_decay", weight_decay or 0.0, 0.0)
        self.clipnorm = (
            None if clipnorm is None else check_number("clipnorm", clipnorm, 0.0, low_open=True)
        )
        self.schedule = schedules_module.get(schedule)
        self.iterations = 0
        self.state: dict[str, np.ndarray] = {}
        self._tmp: np.ndarray | None = None

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_number("learning_rate", value, 0.0)

    @property
    def current_learning_rate(self) -> float:
        """The learning rate the next update uses (after the schedule)."""
        return self.schedule(self._learning_rate, self.iterations)

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        """The settings a spec's ``optimizer.options`` may hold for this optimizer."""
        return _option_names(cls)

    def get_config(self) -> dict[str, Any]:
        """The Keras-named settings except ``learning_rate``, ``clipnorm`` and the schedule."""
        return {name: getattr(self, name) for name in self.option_names()}

    def build(self, size: int, dtype: np.dtype) -> None:
        """Allocate fresh state for ``size`` parameters (done on the first update)."""
        self.state = {
            slot: np.full(size, self.initial_state_value(slot), dtype=dtype) for slot in self.slots
        }
        self._tmp = np.empty(size, dtype=dtype)

    def reset(self) -> None:
        """Forget the state (moments, velocities); the update count is kept."""
        for slot, vector in self.state.items():
            vector.fill(self.initial_state_value(slot))

    def initial_state_value(self, slot: str) -> float:
        """The value a state vector starts from (0 except Adagrad's accumulator)."""
        return 0.0

    def apply(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray | None = None) -> None:
        """One update of ``params`` from ``grads`` (both flat), into ``out`` (another vector
        of their size, whose old values are not needed; None: ``params`` itself). ``grads``
        may be modified (clipping, weight decay)."""
        tmp = self._tmp
        if tmp is None or len(tmp) != len(params) or tmp.dtype is not params.dtype:
            self.build(params.size, params.dtype)
            tmp = self._tmp
        lr = self.schedule(self._learning_rate, self.iterations)
        if self.clipnorm is not None:
            norm = math.sqrt(float(np.dot(grads, grads)))
            if norm > self.clipnorm:
                grads *= self.clipnorm / norm
        self.iterations += 1
        if out is None:
            out = params
        elif not self._writes_out_early():
            # out serves as the scratch vector: one vector fewer streamed through memory
            # (a large network's update is memory-bound)
            tmp = out
        self._update(params, grads, lr, self.iterations, tmp, out)

    def _writes_out_early(self) -> bool:
        """Whether :meth:`_step` writes ``out`` before its last operation (then ``out``
        cannot serve as its scratch vector)."""
        return False

    def _update(
        self, p: np.ndarray, g: np.ndarray, lr: float, t: int, tmp: np.ndarray, out: np.ndarray
    ) -> None:
        """The update ``t`` at the rate ``lr`` of ``p`` into ``out`` (a subclass may add to
        it; it then updates alone: see :meth:`stack_key`)."""
        self._step(p, g, tmp, self.state, self._factors(lr, t), out)

    def stack_key(self) -> tuple[Any, ...] | None:
        """Optimizers with equal keys can update several models at once
        (:func:`apply_stacked`); None when this one cannot (clipnorm scales each model's
        gradient by its own norm; a subclass's own ``_update`` runs alone)."""
        if self.clipnorm is not None or type(self)._update is not Optimizer._update:
            return None
        return (type(self), *self._branches())

    def _branches(self) -> tuple[bool, ...]:
        """Which operations the update takes (settings that are zero skip theirs)."""
        return (bool(self.weight_decay),)

    def _factors(self, lr: float, t: int) -> tuple[float, ...]:
        """The numbers the update ``t`` at the rate ``lr`` works with, computed in Python."""
        raise NotImplementedError

    def _step(
        self,
        p: np.ndarray,
        g: np.ndarray,
        tmp: np.ndarray,
        state: dict[str, np.ndarray],
        f: Sequence[Any],
        out: np.ndarray,
    ) -> None:
        """The update's array operations with the :meth:`_factors` ``f``: numbers, or
        ``(models, 1)`` columns when ``p``, ``g``, ``tmp``, ``out`` and ``state`` stack
        several models' vectors as rows. The new parameters go to ``out`` (which may be
        ``p``); ``p`` is only read."""
        raise NotImplementedError

    def _add_weight_decay(self, p: np.ndarray, g: np.ndarray, tmp: np.ndarray, wd: Any) -> None:
        if self.weight_decay:
            np.multiply(p, wd, out=tmp)
            g += tmp

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}(learning_rate={self._learning_rate!r}, {args})"


@functools.cache
def _option_names(cls: type[Optimizer]) -> tuple[str, ...]:
    """Read once per class: every spec check asks (inspect takes about 0.1 ms)."""
    params = inspect.signature(cls.__init__).parameters
    return tuple(n for n in params if n != "self" and n not in _BASE_OPTIONS)


@OPTIMIZERS.register("sgd", "gradient_descent")
class SGD(Optimizer):
    """Stochastic gradient descent (``torch.optim.SGD``, dampening 0)::

    g ← g + wd·p
    b ← μ·b + g                  (b = g on the first update, as b starts at 0)
    g ← g + μ·b if nesterov else b   (μ = 0: plain g)
    p ← p - lr·g
    """

    name = "sgd"
    slots = ("momentum",)

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        schedule: str | Schedule | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, schedule)
        self.momentum = check_number("momentum", momentum, 0.0, 1.0)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError("Nesterov momentum needs momentum > 0")

    def _branches(self) -> tuple[bool, ...]:
        return (bool(self.weight_decay), bool(self.momentum), self.nesterov)

    def _factors(self, lr: float, t: int) -> tuple[float, ...]:
        return (self.weight_decay, self.momentum, lr)

    def _step(self, p, g, tmp, state, f, out) -> None:
        wd, momentum, lr = f
        self._add_weight_decay(p, g, tmp, wd)
        if self.momentum:
            b = state["momentum"]
            b *= momentum
            b += g
            if self.nesterov:
                np.multiply(b, momentum, out=tmp)
                tmp += g
                tmp *= lr
            else:
                np.multiply(b, lr, out=tmp)
        else:
            np.multiply(g, lr, out=tmp)
        np.subtract(p, tmp, out=out)


@OPTIMIZERS.register("adagrad")
class Adagrad(Optimizer):
    """Adagrad (``torch.optim.Adagrad``, no lr decay)::

    g ← g + wd·p
    s ← s + g²                   (s starts at initial_accumulator_value)
    p ← p - lr·g / (√s + ε)
    """

    name = "adagrad"
    slots = ("accumulator",)

    def __init__(
        self,
        learning_rate: float = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        schedule: str | Schedule | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, schedule)
        self.initial_accumulator_value = check_number(
            "initial_accumulator_value", initial_accumulator_value, 0.0
        )
        self.epsilon = check_number("epsilon", epsilon, 0.0)

    def initial_state_value(self, slot: str) -> float:
        return self.initial_accumulator_value

    def _factors(self, lr: float, t: int) -> tuple[float, ...]:
        return (self.weight_decay, self.epsilon, lr)

    def _step(self, p, g, tmp, state, f, out) -> None:
        wd, epsilon, lr = f
        self._add_weight_decay(p, g, tmp, wd)
        s = state["accumulator"]
        np.multiply(g, g, out=tmp)
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += epsilon
        np.divide(g, tmp, out=tmp)
        tmp *= lr
        np.subtract(p, tmp, out=out)


@OPTIMIZERS.register("rmsprop")
class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``), α = rho::

    g ← g + wd·p
    v ← α·v + (1 - α)·g²
    v' ← v - ḡ² with ḡ ← α·ḡ + (1 - α)·g   if centered, else v' = v
    b ← μ·b + g / (√v' + ε); p ← p - lr·b   if momentum μ > 0
    p ← p - lr·g / (√v' + ε)                  otherwise
    """

    name = "rmsprop"
    slots = ("velocity", "average_gradient", "momentum")

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        schedule: str | Schedule | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, schedule)
        self.rho = check_number("rho", rho, 0.0, 1.0)
        self.momentum = check_number("momentum", momentum, 0.0, 1.0)
        self.epsilon = check_number("epsilon", epsilon, 0.0)
        self.centered = bool(centered)

    def _branches(self) -> tuple[bool, ...]:
        return (bool(self.weight_decay), self.centered, bool(self.momentum))

    def _factors(self, lr: float, t: int) -> tuple[float, ...]:
        return (self.weight_decay, 1 - self.rho, self.epsilon, self.momentum, lr)

    def _step(self, p, g, tmp, state, f, out) -> None:
        wd, one_minus_rho, epsilon, momentum, lr = f
        self._add_weight_decay(p, g, tmp, wd)
        v = state["velocity"]
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= one_minus_rho
        v += tmp
        if self.centered:
            avg = state["average_gradient"]
            np.subtract(g, avg, out=tmp)
            tmp *= one_minus_rho
            avg += tmp
            np.multiply(avg, avg, out=tmp)
            np.subtract(v, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(v, out=tmp)
        tmp += epsilon
        np.divide(g, tmp, out=tmp)
        if self.momentum:
            b = state["momentum"]
            b *= momentum
            b += tmp
            np.multiply(b, lr, out=tmp)
        else:
            tmp *= lr
        np.subtract(p, tmp, out=out)


@OPTIMIZERS.register("adam")
class Adam(Optimizer):
    """Adam (``torch.optim.Adam``)::

    g ← g + wd·p
    m ← β₁·m + (1 - β₁)·g
    v ← β₂·v + (1 - β₂)·g²
    v̂ ← max(v̂, v) if amsgrad, else v
    p ← p - (lr / (1 - β₁ᵗ)) · m / (√v̂ / √(1 - β₂ᵗ) + ε)
    """

    name = "adam"
    slots = ("m", "v", "v_max")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        schedule: str | Schedule | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, schedule)
        self.beta_1 = check_number("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = check_number("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, 0.0)
        self.amsgrad = bool(amsgrad)

    def _branches(self) -> tuple[bool, ...]:
        return (bool(self.weight_decay), self.amsgrad)

    def _factors(self, lr: float, t: int) -> tuple[float, ...]:
        # m / (√v / √c₂ + ε) = √c₂ · m / (√v + ε·√c₂): one call fewer
        root_c2 = math.sqrt(1 - self.beta_2**t)
        return (
            self._decay_factor(lr),
            1 - self.beta_1,
            1 - self.beta_2,
            self.epsilon * root_c2,
            lr * root_c2 / (1 - self.beta_1**t),
        )

    def _decay_factor(self, lr: float) -> float:
        return self.weight_decay

    def _decay(self, p, g, tmp, decay, out) -> np.ndarray:
        """Apply the weight decay; returns the vector the update is subtracted from."""
        self._add_weight_decay(p, g, tmp, decay)
        return p

    def _step(self, p, g, tmp, state, f, out) -> None:
        decay, one_minus_beta_1, one_minus_beta_2, epsilon, step = f
        start = self._decay(p, g, tmp, decay, out)
        m, v = state["m"], state["v"]
        np.subtract(g, m, out=tmp)
        tmp *= one_minus_beta_1
        m += tmp
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= one_minus_beta_2
        v += tmp
        if self.amsgrad:
            v_max = state["v_max"]
            np.maximum(v_max, v, out=v_max)
            v = v_max
        np.sqrt(v, out=tmp)
        tmp += epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= step
        np.subtract(start, tmp, out=out)


@OPTIMIZERS.register("adamw")
class AdamW(Adam):
    """AdamW (``torch.optim.AdamW``): decoupled weight decay, then Adam without it::

    p ← p - lr·wd·p
    (then the Adam update above, with g unchanged)
    """

    name = "adamw"

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        schedule: str | Schedule | None = None,
    ) -> None:
        super().__init__(
            learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, clipnorm, schedule
        )

    def _decay_factor(self, lr: float) -> float:
        return 1 - lr * self.weight_decay

    def _writes_out_early(self) -> bool:
        return bool(self.weight_decay)

    def _decay(self, p, g, tmp, decay, out) -> np.ndarray:
        if not self.weight_decay:
            return p
        np.multiply(p, decay, out=out)
        return out


def apply_stacked(
    optimizers: Sequence[Optimizer],
    params: np.ndarray,
    grads: np.ndarray,
    tmp: np.ndarray,
    state: dict[str, np.ndarray],
) -> None:
    """One update of several models at once: row i of ``params`` (one model's parameters a
    row) from row i of ``grads`` by ``optimizers[i]``, all of one :meth:`~Optimizer.stack_key`.
    ``state`` holds their state vectors stacked the same way; ``tmp`` is scratch of the
    shape of ``params``. The same operations as each one's ``apply`` with its own numbers as
    ``(models, 1)`` columns in the parameters' dtype (as NumPy casts a Python number for
    them): elementwise IEEE operations, so every row is bit for bit its model's own update.
    """
    factors = []
    for optimizer in optimizers:
        lr = optimizer.schedule(optimizer._learning_rate, optimizer.iterations)
        optimizer.iterations += 1
        factors.append(optimizer._factors(lr, optimizer.iterations))
    columns = [
        np.array(column, dtype=params.dtype)[:, np.newaxis] for column in zip(*factors, strict=True)
    ]
    optimizers[0]._step(params, grads, tmp, state, columns, params)


def get(identifier: str | Optimizer, **options: Any) -> Optimizer:
    """An optimizer instance: by registry name (built with ``options``), or itself."""
    return OPTIMIZERS.create(identifier, Optimizer, **options)
