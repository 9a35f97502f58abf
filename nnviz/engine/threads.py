"""BLAS threads: one thread for small matrix products, all of them for large ones.

Multithreaded OpenBLAS calls on small matrices were seen to stall for milliseconds on a
loaded 2-core machine, while a large product (the cat network's first layer) gains from
every core. A training step asks once, for the count its largest product calls for (a
change costs 15-30 µs right after a threaded product, and products too small for BLAS to
split run on one thread anyway); inference asks before each layer's product. The library
is told only when the count changes, so a network of a given shape never switches while it
trains.
"""

from __future__ import annotations

import os

#: multiply-adds in a step's largest matrix product from which BLAS may use all threads
PARALLEL_MIN_WORK = 1_000_000

_controller = None
_libraries: list = []
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
    _ensure_controller()
    for library in _libraries:
        library.set_num_threads(count)
    _current = count


def forget() -> None:
    """Make the next :func:`use_threads` call set the count even if it looks unchanged."""
    global _current
    _current = None


def sync() -> None:
    """Re-read the count BLAS really has (someone else may have changed it, e.g. with
    threadpoolctl); the model calls this once per step or prediction (~0.3 µs)."""
    global _current
    _ensure_controller()
    if _libraries:
        _current = _libraries[0].get_num_threads()


def current_threads() -> int | None:
    """The count last set through :func:`use_threads` (None before the first call)."""
    return _current


def _ensure_controller() -> None:
    global _controller, _libraries, _max_threads
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            _controller, _max_threads = False, os.cpu_count() or 1
            return
        _controller = ThreadpoolController().select(user_api="blas")
        _libraries = list(_controller.lib_controllers)
        counts = [library.num_threads for library in _libraries]
        _max_threads = max(counts, default=os.cpu_count() or 1)
