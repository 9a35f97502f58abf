"""BLAS threads: one thread for small matrix products, all of them for large ones.

Multithreaded OpenBLAS calls on small matrices were seen to stall for milliseconds on a
loaded 2-core machine, while a large product (the cat network's first layer) gains from
every core. The model asks for the right count before each step; the library is told only
when the count changes, so the check costs nothing per step.
"""

from __future__ import annotations

import os

#: multiply-adds in a step's largest matrix product from which BLAS may use all threads
PARALLEL_MIN_WORK = 1_000_000

_controller = None
_max_threads = 1
_current: int | None = None


def max_threads() -> int:
    """How many threads BLAS had when the engine first asked (all cores by default)."""
    _ensure_controller()
    return _max_threads


def threads_for(work: int) -> int:
    """The thread count for a step whose largest product has ``work`` multiply-adds."""
    return 1 if work < PARALLEL_MIN_WORK else max_threads()


def use_threads(count: int) -> None:
    """Let BLAS use ``count`` threads (no-op when that is already so)."""
    global _current
    if count == _current:
        return
    controller = _ensure_controller()
    if controller is not None:
        controller.limit(limits=count, user_api="blas")
    _current = count


def current_threads() -> int | None:
    """The count last set through :func:`use_threads` (None before the first call)."""
    return _current


def _ensure_controller():
    global _controller, _max_threads
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            _max_threads = os.cpu_count() or 1
            return None
        _controller = ThreadpoolController()
        counts = [info["num_threads"] for info in _controller.select(user_api="blas").info()]
        _max_threads = max(counts, default=os.cpu_count() or 1)
    return _controller
