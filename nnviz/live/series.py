"""Histories that stay bounded however long training runs.

A :class:`DecimatedSeries` keeps at most ``budget`` points: the newest quarter of the
budget at full resolution, and before them an envelope of everything older at one even
resolution — each run of ``2 * stride`` values kept as two points, its minimum and its
maximum — so spikes stay visible however old (pyqtgraph's peak downsampling draws the same
envelope). When the envelope holds more than half the budget, its runs merge pairwise and
the stride doubles: memory is fixed, and the whole run stays drawn evenly.

Views handed out by :meth:`DecimatedSeries.view` never change afterwards: appends write
only past them, and compaction and truncation build new arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

DEFAULT_BUDGET = 16384
FLUSH_EVERY = 256  # appends gathered in lists, written to the arrays in one go


class DecimatedSeries:
    """``(step, value)`` points in step order; ``width`` values per point (None: one).

    Storage: ``[envelope pairs | pending pair | raw points]`` — the pending pair is the
    minimum and maximum of the ``pending`` values of a run not yet complete."""

    def __init__(self, width: int | None = None, budget: int = DEFAULT_BUDGET) -> None:
        if budget < 16 or budget % 8:
            raise ValueError(f"budget must be a multiple of 8 and at least 16, got {budget}")
        if width is not None and width < 1:
            raise ValueError(f"width must be at least 1, got {width}")
        self.width = width
        self.budget = budget
        self.stride = 1
        self._steps = np.zeros(budget, dtype=np.int64)
        self._values = np.full(self._value_shape(budget), np.nan)
        self._size = 0
        self._count = 0
        self._enveloped = 0  # points in complete (minimum, maximum) pairs
        self._pending = 0  # values summarized by the pending pair (0: no pending pair)
        self._new_steps: list[int] = []
        self._new_values: list[Any] = []

    def _value_shape(self, rows: int) -> tuple[int, ...]:
        return (rows,) if self.width is None else (rows, self.width)

    def __len__(self) -> int:
        return self._size + len(self._new_steps)

    @property
    def count(self) -> int:
        """Values appended and not truncated (summarized ones included)."""
        return self._count + len(self._new_steps)

    @property
    def nbytes(self) -> int:
        return int(self._steps.nbytes + self._values.nbytes)

    def append(self, step: int, value: float | np.ndarray) -> None:
        """Add a point; steps must not decrease. Cheap: one list append most times (the
        training worker appends several series per step)."""
        self._new_steps.append(step)
        self._new_values.append(value)
        if len(self._new_steps) >= FLUSH_EVERY:
            self._flush()

    def extend(self, steps: Any, values: Any) -> None:
        """Add many points at once (steps in order, not before the last one's)."""
        self._flush()
        self._write(steps, values)

    def _flush(self) -> None:
        """Write the gathered appends into the arrays."""
        steps, values = self._new_steps, self._new_values
        if not steps:
            return
        self._new_steps, self._new_values = [], []
        self._write(steps, values)

    def _write(self, steps: Any, values: Any) -> None:
        """Write points into the arrays, compacting when they are full."""
        done = 0
        while done < len(steps):
            if self._size == self.budget:
                self._compact()
            take = min(len(steps) - done, self.budget - self._size)
            end = self._size + take
            self._steps[self._size : end] = steps[done : done + take]
            self._values[self._size : end] = np.asarray(values[done : done + take], dtype=float)
            self._size = end
            self._count += take
            done += take

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of the points held, read-only."""
        self._flush()
        steps = self._steps[: self._size]
        values = self._values[: self._size]
        steps.flags.writeable = False
        values.flags.writeable = False
        return steps, values

    def truncate(self, step: int) -> None:
        """Forget the points after ``step`` (an undo went back to it)."""
        self._flush()
        keep = int(np.searchsorted(self._steps[: self._size], step, side="right"))
        if keep == self._size:
            return
        raw_start = self._enveloped + (2 if self._pending else 0)
        self._count -= self._size - max(keep, raw_start)
        if keep < raw_start:
            # cut into the summaries: what is left of them counts as raw points
            self._count = keep
            self._enveloped = self._pending = 0
            self.stride = 1
        self._replace(self._steps[:keep], self._values[:keep])

    def _replace(self, steps: np.ndarray, values: np.ndarray) -> None:
        """New arrays holding ``steps``/``values`` (handed-out views keep the old ones)."""
        size = len(steps)
        new_steps = np.zeros(self.budget, dtype=np.int64)
        new_values = np.full(self._value_shape(self.budget), np.nan)
        new_steps[:size] = steps
        new_values[:size] = values
        self._steps, self._values, self._size = new_steps, new_values, size

    def _compact(self) -> None:
        """Fold the older raw points into runs of ``2 * stride`` values (a quarter of the
        budget stays raw), then merge runs pairwise while the envelope is over half."""
        start = self._enveloped
        pair = 2 if self._pending else 0
        end = self._size - self.budget // 4
        steps, values = self._steps[start:end], self._values[start:end]
        # run boundaries in points: the pending pair stands for ``pending`` values
        weights = np.ones(len(steps), dtype=np.int64)
        if pair:
            weights[:2] = 0
            weights[1] = self._pending
        done = np.cumsum(weights)
        run = 2 * self.stride
        run_of = (done - weights) // run  # the run each point falls in
        complete = int(done[-1] // run)
        whole = run_of < complete
        pairs = _min_max_pairs(steps[whole], values[whole], run_of[whole])
        rest = ~whole
        pending = int(done[-1] - complete * run)
        tail = _min_max_pairs(steps[rest], values[rest], np.zeros(int(rest.sum()), np.int64))
        envelope_steps = np.concatenate([self._steps[:start], pairs[0]])
        envelope_values = np.concatenate([self._values[:start], pairs[1]])
        while len(envelope_steps) > self.budget // 2:
            cut = len(envelope_steps) // 4 * 4
            runs = np.arange(cut) // 4
            merged = _min_max_pairs(envelope_steps[:cut], envelope_values[:cut], runs)
            envelope_steps = np.concatenate([merged[0], envelope_steps[cut:]])
            envelope_values = np.concatenate([merged[1], envelope_values[cut:]])
            self.stride *= 2
        self._enveloped = len(envelope_steps)
        self._pending = pending
        self._replace(
            np.concatenate([envelope_steps, tail[0], self._steps[end : self._size]]),
            np.concatenate([envelope_values, tail[1], self._values[end : self._size]]),
        )

    # -- saving ---------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """The exact contents: arrays and whole numbers (for project files and undo)."""
        steps, values = self.view()  # flushes
        return {
            "steps": steps.copy(),
            "values": values.copy(),
            "count": self._count,
            "budget": self.budget,
            "width": self.width or 0,
            "stride": self.stride,
            "enveloped": self._enveloped,
            "pending": self._pending,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DecimatedSeries:
        """A series from :meth:`get_state`'s output; ValueError naming what is wrong."""
        try:
            width = int(state["width"]) or None
            budget = int(state["budget"])
            numbers = [int(state[key]) for key in ("count", "stride", "enveloped", "pending")]
            steps = np.asarray(state["steps"])
            values = np.asarray(state["values"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"a saved history is incomplete or malformed ({exc})") from None
        count, stride, enveloped, pending = numbers
        series = cls(width, budget)
        if steps.ndim != 1 or steps.dtype.kind not in "iu" or len(steps) > budget:
            raise ValueError(f"a saved history's steps must be at most {budget} whole numbers")
        if values.dtype.kind != "f" or values.shape != series._value_shape(len(steps)):
            raise ValueError(
                f"a saved history's values must be floats of shape "
                f"{series._value_shape(len(steps))}, got {values.dtype} {values.shape}"
            )
        if len(steps) and np.any(np.diff(steps) < 0):
            raise ValueError("a saved history's steps must be in order")
        raw_start = enveloped + (2 if pending else 0)
        if stride < 1 or pending < 0 or raw_start > len(steps) or count < len(steps) - 2:
            raise ValueError("a saved history's counters are out of range")
        series._replace(steps, values)
        series._count, series.stride = count, stride
        series._enveloped, series._pending = enveloped, pending
        return series


class StepBlock:
    """What the session records at every training step — the loss, the smoothed loss and
    the kernels' gradient norms ‖dW‖ — kept for a block of consecutive steps and written
    into their histories (``series[name]`` for each of :attr:`NAMES`) a block at a time.

    A step pays one method call and one NumPy call, a copy of the flat gradient vector
    (right after a training step every call costs a few µs); the block's norms then take
    as few calls as ``Sequential.kernel_gradient_norms`` takes for one step (the same sums,
    the same numbers). The block holds at most ``block_bytes`` of gradient vectors (a
    single one for a big network)."""

    NAMES = ("step_loss", "smoothed_loss", "grad_norms")

    def __init__(self, block_bytes: int = 2**20) -> None:
        self.block_bytes = block_bytes
        self._rows = np.zeros((0, 0))
        self._capacity = 0
        self._source: np.ndarray | None = None
        self._starts: np.ndarray | None = None
        self._first = 0  # the step of the first row
        self._losses: list[float] = []
        self._smoothed: list[float] = []

    def __len__(self) -> int:
        return len(self._losses)

    def clear(self) -> None:
        """Forget the steps not yet written."""
        self._losses, self._smoothed = [], []

    def record(
        self,
        step: int,
        loss: float,
        smoothed: float,
        grads: np.ndarray,
        starts: np.ndarray,
        series: Mapping[str, DecimatedSeries],
    ) -> None:
        """Keep ``step``'s losses and gradient vector ``grads`` (W1, b1, W2, b2, ...
        starting at ``starts``: a model's own arrays, replaced when its layout changes).
        A full block, another model's vector or a step that does not follow the last one
        first writes the block into ``series``."""
        size = len(self._losses)
        if grads is not self._source or starts is not self._starts:
            self.flush_into(series)
            self._source, self._starts = grads, starts
            rows = max(1, min(FLUSH_EVERY, self.block_bytes // max(grads.nbytes, 1)))
            if self._rows.shape != (rows, grads.size) or self._rows.dtype != grads.dtype:
                self._rows = np.zeros((rows, grads.size), dtype=grads.dtype)
                self._capacity = rows
            size = 0
        elif size == self._capacity or step != self._first + size:
            self.flush_into(series)
            size = 0
        if not size:
            self._first = step
        self._rows[size] = grads
        self._losses.append(loss)
        self._smoothed.append(smoothed)

    def flush_into(self, series: Mapping[str, DecimatedSeries]) -> None:
        """Append the steps recorded since the last flush to their histories."""
        size = len(self._losses)
        if not size:
            return
        steps = np.arange(self._first, self._first + size)
        series["step_loss"].extend(steps, self._losses)
        series["smoothed_loss"].extend(steps, self._smoothed)
        self.clear()
        squares = np.square(self._rows[:size], out=self._rows[:size])
        norms = np.sqrt(np.add.reduceat(squares, self._starts, axis=1)[:, ::2])
        series["grad_norms"].extend(steps, norms)


def _min_max_pairs(
    steps: np.ndarray, values: np.ndarray, runs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each run (``runs``: the run number of each point, non-decreasing) as two points: its
    minimum and its maximum, in step order; rows of several values keep per-column minima
    and maxima at the run's first and last steps. NaN counts only in an all-NaN run."""
    if not len(steps):
        return steps[:0], values[:0]
    starts = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
    ends = np.r_[starts[1:], len(steps)] - 1
    if values.ndim > 1:
        with np.errstate(invalid="ignore"):
            lows = np.fmin.reduceat(values, starts, axis=0)
            highs = np.fmax.reduceat(values, starts, axis=0)
        pair_steps = np.column_stack([steps[starts], steps[ends]])
        pair_values = np.stack([lows, highs], axis=1)
        return pair_steps.reshape(-1), pair_values.reshape(-1, values.shape[1])
    nan = np.isnan(values)
    for_low, for_high = np.where(nan, np.inf, values), np.where(nan, -np.inf, values)
    lows = np.repeat(np.minimum.reduceat(for_low, starts), ends - starts + 1)
    highs = np.repeat(np.maximum.reduceat(for_high, starts), ends - starts + 1)
    index = np.arange(len(values))
    # the first point at its run's minimum, the last at its maximum
    low = np.minimum.reduceat(np.where(for_low == lows, index, len(values)), starts)
    high = np.maximum.reduceat(np.where(for_high == highs, index, -1), starts)
    first, second = np.minimum(low, high), np.maximum(low, high)
    same = first == second
    first = np.where(same, starts, first)
    second = np.where(same, ends, second)
    pair_steps = np.column_stack([steps[first], steps[second]])
    pair_values = np.column_stack([values[first], values[second]])
    return pair_steps.reshape(-1), pair_values.reshape(-1)
