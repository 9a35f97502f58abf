"""Bounded per-step histories: recent points exact, older ones decimated with min and max.

A :class:`DecimatedSeries` holds at most ``budget`` points however long training runs.
The buffer is ``[decimated points | exact points]``. When it is full, the exact points
older than the last ``budget // 4`` become buckets of ``bucket`` consecutive values, each
kept as two points: its minimum and its maximum, ordered by step (what pyqtgraph's peak
downsampling draws, so spikes stay visible). While the decimated part takes more than
half the budget, its buckets are merged pairwise (the min of the two mins, the max of the
two maxes) and ``bucket`` doubles. Once a bucket spans more values than the exact part
holds, the last bucket stays partial and is filled first at the next compaction. Older
history thus has one even resolution across the
whole run, the extremes of everything appended are always held, and each compaction
costs O(budget) and frees at least a quarter of it: appends are amortised O(1).

With ``width`` columns (e.g. one gradient norm per layer) each column keeps its own min
and max; the two rows of a bucket then sit at the earliest and latest step of those
extremes. NaN values are ignored within a bucket unless all its values are NaN.

Thread safety (one writer, any readers, under the interpreter lock): a compaction writes
into new arrays, appends only write past the points already visible, and ``view`` reads
the arrays before the size while a compaction sets the size before the arrays, so a view
never changes and never shows unwritten memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

MIN_BUDGET = 16


class DecimatedSeries:
    """A per-step history of floats (``width=None``) or float rows of ``width`` columns,
    holding at most ``budget`` points (a multiple of 4, at least 16)."""

    def __init__(self, width: int | None = None, budget: int = 16384) -> None:
        if width is not None and (isinstance(width, bool) or int(width) != width or width < 1):
            raise ValueError(f"width must be None or a whole number >= 1, got {width!r}")
        if int(budget) != budget or budget < MIN_BUDGET or budget % 4:
            raise ValueError(f"budget must be a multiple of 4, at least {MIN_BUDGET}; got {budget}")
        self._width = width
        self._budget = int(budget)
        self._data = _empty(self._budget, width or 1)
        self._size = 0
        self._decimated = 0  # leading points that are (min, max) pairs of buckets
        self._bucket = 2  # values per decimated bucket
        self._open = 0  # values in the last bucket when it is not full yet
        self._count = 0

    @property
    def width(self) -> int | None:
        return self._width

    @property
    def budget(self) -> int:
        return self._budget

    @property
    def count(self) -> int:
        """Values ever appended."""
        return self._count

    def __len__(self) -> int:
        return self._size

    def nbytes(self) -> int:
        """Bytes held by the buffers (constant for a given width and budget)."""
        steps, values = self._data
        return int(steps.nbytes + values.nbytes)

    def append(self, step: int, value: float | np.ndarray) -> None:
        """Add the value (a float, or a row of ``width`` floats) recorded at ``step``."""
        if self._size == self._budget:
            self._compact()
        steps, values = self._data
        steps[self._size] = step
        if self._width is None:
            values[self._size, 0] = value  # a scalar store: no broadcasting
        else:
            values[self._size] = value
        self._size += 1
        self._count += 1

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)``: read-only arrays of the points held; later appends never
        change them. ``values`` is ``(n,)``, or ``(n, width)`` with a width."""
        steps, values = self._data  # the arrays before the size: see the module notes
        size = self._size
        out_steps, out_values = steps[:size], values[:size]
        if self._width is None:
            out_values = out_values[:, 0]
        out_steps.flags.writeable = False
        out_values.flags.writeable = False
        return out_steps, out_values

    def get_state(self) -> dict[str, np.ndarray | int]:
        """The exact contents, for project files and undo states (copies)."""
        steps, values = self.view()
        return {
            "steps": steps.copy(),
            "values": values.copy(),
            "width": self._width or 0,
            "budget": self._budget,
            "decimated": self._decimated,
            "bucket": self._bucket,
            "open": self._open,
            "count": self._count,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> DecimatedSeries:
        """A series holding exactly ``state`` (from :meth:`get_state`); a ValueError says
        what is inconsistent."""
        if not isinstance(state, Mapping):
            raise ValueError(f"series state must be a mapping, got {type(state).__name__}")
        ints = {}
        for key in ("width", "budget", "decimated", "bucket", "open", "count"):
            value = state.get(key)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ValueError(f"series state: '{key}' must be a whole number, got {value!r}")
            ints[key] = int(value)
        series = cls(ints["width"] or None, ints["budget"])
        steps = np.asarray(state.get("steps"))
        values = np.asarray(state.get("values"))
        n = steps.shape[0] if steps.ndim == 1 else -1
        shape = (n,) if series.width is None else (n, series.width)
        if steps.dtype.kind not in "iu" or n < 0 or n > series.budget:
            raise ValueError(
                f"series state: 'steps' must be whole numbers, at most {series.budget} of them"
            )
        if values.dtype.kind not in "iuf" or values.shape != shape:
            raise ValueError(f"series state: 'values' must be floats of shape {shape}")
        decimated, bucket = ints["decimated"], ints["bucket"]
        if not 0 <= decimated <= n or decimated % 2 or decimated > series.budget // 2:
            raise ValueError(f"series state: 'decimated' {decimated} does not fit {n} points")
        if bucket < 2 or bucket & (bucket - 1):
            raise ValueError(f"series state: 'bucket' must be a power of 2, got {bucket}")
        if not 0 <= ints["open"] < bucket or (ints["open"] and not decimated):
            raise ValueError(f"series state: 'open' {ints['open']} does not fit the buckets")
        if ints["count"] < n:
            raise ValueError(f"series state: 'count' {ints['count']} is less than {n} points")
        data_steps, data_values = series._data
        data_steps[:n] = steps
        data_values[:n] = values.reshape(n, -1)
        series._size = n
        series._decimated, series._bucket, series._count = decimated, bucket, ints["count"]
        series._open = ints["open"]
        return series

    def _compact(self) -> None:
        """Decimate the exact points older than the recent quarter (see the module notes)."""
        steps, values = self._data
        d, end, width = self._decimated, self._budget - self._budget // 4, self._bucket
        kept_steps, kept_values = [steps[:d]], [values[:d]]
        start = d
        if self._open:  # first fill the last, partial bucket
            take = min(width - self._open, end - start)
            kept_steps[0], kept_values[0] = steps[: d - 2], values[: d - 2]
            made = _extremes(steps[d - 2 : d + take], values[d - 2 : d + take], take + 2)
            kept_steps.append(made[0])
            kept_values.append(made[1])
            self._open = (self._open + take) % width
            start += take
        full = start + (end - start) // width * width
        for low, high, k in ((start, full, width), (full, end, end - full)):
            if high > low:
                made = _extremes(steps[low:high], values[low:high], k)
                kept_steps.append(made[0])
                kept_values.append(made[1])
        if end > full:
            self._open = end - full
        merged_steps, merged_values = np.concatenate(kept_steps), np.concatenate(kept_values)
        while len(merged_steps) > self._budget // 2:
            merged_steps, merged_values = self._merge_pairs(merged_steps, merged_values)
        d = len(merged_steps)
        size = d + self._size - end
        new_steps, new_values = _empty(self._budget, values.shape[1])
        new_steps[:d], new_values[:d] = merged_steps, merged_values
        new_steps[d:size], new_values[d:size] = steps[end:], values[end:]
        self._decimated = d
        self._size = size  # before the arrays: see the module notes
        self._data = (new_steps, new_values)

    def _merge_pairs(self, steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Buckets merged two by two (an odd last one stays); the bucket width doubles."""
        buckets = len(steps) // 2
        paired = buckets // 2 * 4
        made = _extremes(steps[:paired], values[:paired], 4)
        width = self._bucket
        if buckets % 2:  # the last bucket stays alone, now narrower than the others
            self._open = self._open or width
        elif self._open:
            self._open += width
        self._bucket = 2 * width
        return (
            np.concatenate([made[0], steps[paired:]]),
            np.concatenate([made[1], values[paired:]]),
        )


def _empty(budget: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(budget, dtype=np.int64), np.full((budget, width), np.nan)


def _extremes(steps: np.ndarray, values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group of ``k`` consecutive points (``len(steps)`` is a multiple of ``k``) as
    two points: per column its min and max, in step order; NaN is ignored unless a group
    is all NaN."""
    groups = len(steps) // k
    s = steps.reshape(groups, k)
    v = values.reshape(groups, k, -1)
    nan = np.isnan(v)
    low = np.where(nan, np.inf, v).argmin(axis=1)
    high = np.where(nan, -np.inf, v).argmax(axis=1)
    first, last = np.minimum(low, high), np.maximum(low, high)
    rows = np.arange(groups)[:, np.newaxis]
    out_steps = np.empty(2 * groups, dtype=np.int64)
    out_steps[0::2] = s[rows, first].min(axis=1)
    out_steps[1::2] = s[rows, last].max(axis=1)
    out_values = np.empty((2 * groups, v.shape[2]))
    out_values[0::2] = np.take_along_axis(v, first[:, np.newaxis, :], axis=1)[:, 0]
    out_values[1::2] = np.take_along_axis(v, last[:, np.newaxis, :], axis=1)[:, 0]
    return out_steps, out_values
