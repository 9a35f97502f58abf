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


def test_a_training_step_runs_with_the_count_of_its_largest_product_and_never_switches():
    out = _run(
        PRELUDE
        + """
    counts = []  # every count BLAS is told (threadpoolctl may pass one on twice)
    threads.max_threads()  # loads the libraries
    for library in threads._libraries:
        set_count = library.set_num_threads
        library.set_num_threads = lambda count, set_count=set_count: (
            counts.append(count), set_count(count))
    for model in (wide, small):  # layer 1 large and layer 2 small; all small
        model.compile(optimizer="sgd", loss="mse")
        counts.clear()
        for _ in range(3):
            model.train_on_batch(np.ones((1, model.input_dim)), [0.0])
        switches = sum(a != b for a, b in zip([None] + counts, counts))
        print(threads.current_threads(), blas(), switches)
    """
    )
    n = threads.max_threads()
    # the wide model starts on all threads and stays there; the small one switches to 1 once
    assert out.splitlines() == [f"{n} [{n}] 0", f"1 [1] {int(n > 1)}"]
