"""Learning-rate schedules: ``schedule(learning_rate, step) -> effective learning rate``.

Unlike Keras, a schedule does not own the initial rate: it scales the optimizer's
``learning_rate``, which therefore stays a plain number the user can change mid-run.
``step`` counts optimizer updates done so far (0 on the first update), as in Keras.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

from nnviz.engine.checks import check_number
from nnviz.engine.registry import Registry

SCHEDULES: Registry[type[Schedule]] = Registry("schedule")


class Schedule:
    name = "schedule"

    def __call__(self, learning_rate: float, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Settings as keyword arguments (the spec's ``schedule.options``)."""
        return {}

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        """The settings a spec's ``schedule.options`` may hold for this schedule."""
        return _option_names(cls)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    __hash__ = None  # type: ignore[assignment]


@functools.cache
def _option_names(cls: type[Schedule]) -> tuple[str, ...]:
    """Read once per class: every spec check asks (inspect takes about 0.1 ms)."""
    params = inspect.signature(cls.__init__).parameters.values()
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p.name for p in params if p.name != "self" and p.kind in named)


@SCHEDULES.register("constant")
class Constant(Schedule):
    """lr_t = lr."""

    name = "constant"

    def __call__(self, learning_rate: float, step: int) -> float:
        return learning_rate


@SCHEDULES.register("step", "step_decay")
class StepDecay(Schedule):
    """lr_t = lr · decay_rate^⌊t / decay_steps⌋ (PyTorch's StepLR, counted in updates)."""

    name = "step"

    def __init__(self, decay_steps: int = 100, decay_rate: float = 0.5) -> None:
        self.decay_steps = int(check_number("decay_steps", decay_steps, 1))
        self.decay_rate = check_number("decay_rate", decay_rate, 0.0, low_open=True)

    def __call__(self, learning_rate: float, step: int) -> float:
        return learning_rate * self.decay_rate ** (step // self.decay_steps)

    def get_config(self) -> dict[str, Any]:
        return {"decay_steps": self.decay_steps, "decay_rate": self.decay_rate}


class _SmoothDecay(Schedule):
    """A decay driven by t / decay_steps, rounded down when ``staircase``."""

    def __init__(
        self, decay_steps: int = 100, decay_rate: float = 0.96, staircase: bool = False
    ) -> None:
        self.decay_steps = int(check_number("decay_steps", decay_steps, 1))
        self.decay_rate = check_number("decay_rate", decay_rate, 0.0, low_open=True)
        self.staircase = bool(staircase)

    def _progress(self, step: int) -> float:
        p = step / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self) -> dict[str, Any]:
        return {
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
        }


@SCHEDULES.register("exponential", "exponential_decay")
class ExponentialDecay(_SmoothDecay):
    """lr_t = lr · decay_rate^(t / decay_steps) (⌊t / decay_steps⌋ when ``staircase``)."""

    name = "exponential"

    def __call__(self, learning_rate: float, step: int) -> float:
        return learning_rate * self.decay_rate ** self._progress(step)


@SCHEDULES.register("inverse_time", "inverse_time_decay")
class InverseTimeDecay(_SmoothDecay):
    """lr_t = lr / (1 + decay_rate · t / decay_steps) (⌊t / decay_steps⌋ when
    ``staircase``)."""

    name = "inverse_time"

    def __init__(
        self, decay_steps: int = 100, decay_rate: float = 0.5, staircase: bool = False
    ) -> None:
        super().__init__(decay_steps, decay_rate, staircase)

    def __call__(self, learning_rate: float, step: int) -> float:
        return learning_rate / (1 + self.decay_rate * self._progress(step))


def get(identifier: str | Schedule | None, **options: Any) -> Schedule:
    """A schedule instance: by registry name (built with ``options``), or itself."""
    if identifier is None:
        return Constant()
    return SCHEDULES.create(identifier, Schedule, **options)
