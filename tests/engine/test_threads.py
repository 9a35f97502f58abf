"""BLAS threads: one for small products, all for large ones (see nnviz.engine.threads)."""

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from nnviz.engine import Dense, Sequential, threads


def _blas_threads() -> list[int]:
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_policy_threshold():
    assert threads.threads_for(threads.PARALLEL_MIN_WORK - 1) == 1
    assert threads.threads_for(threads.PARALLEL_MIN_WORK) == threads.max_threads()
    assert threads.max_threads() >= 1


def test_each_product_runs_with_the_count_its_size_calls_for():
    small = Sequential([Dense(8, activation="tanh"), Dense(1)], input_dim=2, seed=0)
    wide = Sequential([Dense(600, activation="relu"), Dense(1)], input_dim=2000, seed=0)
    x_wide = np.zeros((1, 2000))  # 1 x 2000 x 600 = 1.2 M multiply-adds in layer 1
    try:
        threads.sync()  # as the model does before each step (other tests set threads too)
        wide.dense_layers[0].compute(x_wide)
        assert threads.current_threads() == threads.max_threads()
        assert _blas_threads() == [threads.max_threads()] * len(_blas_threads())
        small.predict(np.zeros((10, 2)))
        assert threads.current_threads() == 1
        assert set(_blas_threads()) == {1}
    finally:
        threads.use_threads(threads.max_threads())


def test_a_count_changed_behind_the_engines_back_is_noticed():
    small = Sequential([Dense(8, activation="tanh"), Dense(1)], input_dim=2, seed=0)
    small.predict(np.zeros((10, 2)))
    assert set(_blas_threads()) == {1}
    with threadpool_limits(limits=threads.max_threads(), user_api="blas"):
        small.predict(np.zeros((10, 2)))  # the cache said 1; BLAS had all threads
        assert set(_blas_threads()) == {1}
    threads.use_threads(threads.max_threads())
