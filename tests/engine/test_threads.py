"""BLAS threads: one for small products, all for large ones (see nnviz.engine.threads).

The BLAS thread count is process-wide, so the checks of what BLAS really runs with are
made in a fresh interpreter, away from other tests' training threads."""

import subprocess
import sys
import textwrap

from nnviz.engine import threads


def test_policy_threshold():
    assert threads.threads_for(threads.PARALLEL_MIN_WORK - 1) == 1
    assert threads.threads_for(threads.PARALLEL_MIN_WORK) == threads.max_threads()
    assert threads.max_threads() >= 1


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


PRELUDE = """
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    from nnviz.engine import Dense, Sequential, threads

    def blas():
        return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})

    threads.PARALLEL_MIN_WORK = 1_000_000
    small = Sequential([Dense(8, activation="tanh"), Dense(1)], input_dim=2, seed=0)
    wide = Sequential([Dense(600, activation="relu"), Dense(1)], input_dim=2000, seed=0)
    x_wide = np.zeros((1, 2000))  # 1 x 2000 x 600 = 1.2 M multiply-adds in layer 1
"""


def test_each_product_runs_with_the_count_its_size_calls_for():
    out = _run(
        PRELUDE
        + """
    n = threads.max_threads()
    threads.sync()
    wide.dense_layers[0].compute(x_wide)
    print(threads.current_threads() == n, blas() == [n])
    small.predict(np.zeros((10, 2)))
    print(threads.current_threads(), blas())
    """
    )
    assert out.splitlines() == ["True True", "1 [1]"]


def test_a_count_changed_behind_the_engines_back_is_noticed():
    out = _run(
        PRELUDE
        + """
    small.predict(np.zeros((10, 2)))
    print(blas())
    with threadpool_limits(limits=2, user_api="blas"):
        small.predict(np.zeros((10, 2)))  # the engine's cache said 1; BLAS had 2
        print(blas())
    """
    )
    assert out.splitlines() == ["[1]", "[1]"]
