"""Divergence caught early, before the loss is NaN.

The model itself stops on a NaN/Inf loss or weight. A :class:`DivergenceMonitor` (one per
Trainer) watches the batch losses and the weights between steps and stops two kinds of
runs that would otherwise train on with a useless model:

* **the loss exploded**: the smoothed loss S (an exponential moving average of the batch
  losses, weight ``LOSS_SMOOTHING`` per step, so single noisy mini-batches do not count) is
  more than ``LOSS_FACTOR`` times the running minimum M of S. M is floored at
  ``LOSS_FLOOR`` so that a loss near 0 (binary cross-entropy on separable data) rising to
  a still small value is not called a divergence: with BCE, S must pass 1.0, above the
  0.69 of guessing. Healthy runs measured at most S = 2·M (an early bump), Adam at a
  learning rate of 10 on the spiral reaches 25·M within 5 steps.
* **the weights exploded**: every ``CHECK_EVERY`` steps, a layer's largest |w| is more
  than ``WEIGHT_FACTOR`` times max(1, the largest |w| its initializer draws). Healthy runs
  measured at most 20 times; SGD at a learning rate of 10 on the cat photos reaches 10⁶
  in two steps and 10¹⁶ later, while its loss looks normal.

* **a layer died**: at ``DEAD_CHECKS`` checks in a row (``CHECK_EVERY`` steps apart), every
  unit of a ReLU hidden layer that had been active at an earlier check (the first one is
  after the first step) was inactive on every sample of the batch. No gradient then
  reaches that layer or those before it, and it cannot come back: SGD at a learning rate
  of 10 on the spiral kills a 2-8-8-1 ReLU network within 10 steps and trains on at a loss
  of 1.3 (worse than guessing) with unremarkable weights. A layer that never fired (ReLU
  with all-zero initial weights, the symmetry lesson) is left alone.

Any of these raises :class:`DivergenceError` with ``reason`` saying which rule fired, after
putting back the weights of the last check that passed (a copy taken every
``CHECK_EVERY`` steps while no instability is reported, so it costs one copy per
``CHECK_EVERY`` steps) and clearing the optimizer's moments. Before that,
``instability`` holds a short sentence while S is above ``WARN_FACTOR``·M (cleared below
``CLEAR_FACTOR``·M), for the app to show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from nnviz.engine.errors import DivergenceError

if TYPE_CHECKING:
    from nnviz.engine.model import Sequential

LOSS_SMOOTHING = 0.1
LOSS_FLOOR = 0.1
LOSS_FACTOR = 10.0
WARN_FACTOR = 3.0
CLEAR_FACTOR = 2.0
WEIGHT_FACTOR = 1000.0
CHECK_EVERY = 10
DEAD_CHECKS = 20


def weight_limits(model: Sequential) -> list[float]:
    """Per dense layer, the largest |w| allowed: ``WEIGHT_FACTOR`` times max(1, the
    largest |w| the layer's initializer draws, with a fixed generator)."""
    limits = []
    for layer in model.dense_layers:
        kernel = layer.initial_kernel(np.random.default_rng(0), model.dtype)
        drawn = float(np.abs(kernel).max()) if kernel.size else 0.0
        limits.append(WEIGHT_FACTOR * max(1.0, drawn))
    return limits


class DivergenceMonitor:
    """Watches one model's training (see the module docstring)."""

    def __init__(self, model: Sequential) -> None:
        self.model = model
        self.restart()

    def restart(self) -> None:
        """Start watching afresh from the model's current weights (after an edit)."""
        model = self.model
        self.smoothed: float | None = None
        self.minimum = math.inf
        self.steps = 0
        self.dead_checks = 0
        self.alive: set[int] = set()
        self.instability: str | None = None
        self._edits = model.edits
        self._limits = weight_limits(model)
        self._good = model._params.copy()

    def observe(self, loss: float) -> None:
        """Account for one step whose batch loss (before the update) was ``loss``."""
        model = self.model
        if model.edits != self._edits:
            self.restart()
        s = (
            loss
            if self.smoothed is None
            else self.smoothed + LOSS_SMOOTHING * (loss - self.smoothed)
        )
        self.smoothed = s
        self.minimum = m = min(self.minimum, s)
        self.steps += 1
        base = max(m, LOSS_FLOOR)
        ratio = s / base
        if ratio > LOSS_FACTOR:
            self._fail(
                f"the loss exploded: smoothed over recent batches it is {s:.4g}, more than "
                f"{LOSS_FACTOR:g} times its lowest value so far ({m:.4g}, floored at "
                f"{LOSS_FLOOR:g})"
            )
        if ratio > WARN_FACTOR:
            self.instability = (
                f"The loss is rising fast ({s:.3g}, {ratio:.1f}× its best {m:.3g}): "
                "training may diverge. Lower the learning rate."
            )
        elif ratio < CLEAR_FACTOR:
            self.instability = None
        if self.steps % CHECK_EVERY == 0 or self.steps == 1:
            self._check_weights()

    def _check_weights(self) -> None:
        model = self.model
        for number, (largest, limit) in enumerate(
            zip(model.largest_weights(), self._limits, strict=True), start=1
        ):
            if not largest <= limit:
                self._fail(
                    f"the weights exploded: the largest |w| of layer {number} is "
                    f"{largest:.3g}, more than {WEIGHT_FACTOR:g} times its initial scale "
                    f"(limit {limit:.3g})",
                    number,
                )
        dead = self._dead_layer()
        self.dead_checks = self.dead_checks + 1 if dead else 0
        if dead and self.dead_checks >= DEAD_CHECKS:
            layer = model.dense_layers[dead - 1]
            self._fail(
                f"layer {dead} died: none of its {layer.units} {layer.activation.name} units "
                f"has fired on any sample for {DEAD_CHECKS * CHECK_EVERY} steps, so no "
                "gradient reaches it or the layers before it",
                dead,
            )
        if self.instability is None and not dead:
            np.copyto(self._good, model._params)

    def _dead_layer(self) -> int:
        """The number of the first hidden ReLU layer that was alive at an earlier check and
        is inactive on the whole last batch, or 0."""
        dead = 0
        for number, layer in enumerate(self.model.dense_layers[:-1], start=1):
            a = layer.a
            if not layer.activation.rectifier or a is None or not len(a):
                continue
            if a.max() > 0:
                self.alive.add(number)
            elif number in self.alive and not dead:
                dead = number
        return dead

    def _fail(self, reason: str, layer: int | None = None) -> None:
        model = self.model
        error = DivergenceError(
            "the training",
            layer,
            model.dense_layers[layer - 1].name if layer else None,
            model.optimizer.current_learning_rate,
            reason=reason,
        )
        np.copyto(model._params, self._good)
        np.copyto(model._backup, self._good)
        model._stepped = False
        model.optimizer.reset()
        good = self._good
        self.restart()
        self._good = good
        raise error

    # -- state ----------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """JSON-able values (the last good copy is not included: it restarts from the
        weights the state restores)."""
        return {
            "smoothed": None if self.smoothed is None else float(self.smoothed),
            "minimum": None if math.isinf(self.minimum) else float(self.minimum),
            "steps": self.steps,
            "dead_checks": self.dead_checks,
            "alive": sorted(self.alive),
            "instability": self.instability,
        }

    @staticmethod
    def check_state(state: Mapping[str, Any]) -> None:
        """ValueError naming a bad value of :meth:`get_state`'s form."""
        if not isinstance(state, Mapping):
            raise ValueError("state value 'divergence' must be a mapping")
        for key in ("smoothed", "minimum"):
            value = state.get(key)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise ValueError(f"state value 'divergence/{key}' must be a number or null")
        for key in ("steps", "dead_checks"):
            value = state.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"state value 'divergence/{key}' must be a whole number >= 0")
        alive = state.get("alive")
        if not isinstance(alive, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in alive
        ):
            raise ValueError("state value 'divergence/alive' must be a list of layer numbers")
        if not isinstance(state.get("instability"), str | None):
            raise ValueError("state value 'divergence/instability' must be text or null")

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`get_state`'s values (checked with :meth:`check_state`)."""
        self.restart()
        smoothed, minimum = state["smoothed"], state["minimum"]
        self.smoothed = None if smoothed is None else float(smoothed)
        self.minimum = math.inf if minimum is None else float(minimum)
        self.steps, self.dead_checks = state["steps"], state["dead_checks"]
        self.alive = set(state["alive"])
        self.instability = state["instability"]
