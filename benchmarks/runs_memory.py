"""What a kept run costs: its bytes (weights, optimizer state, initial weights, curves) and
the time to keep it, for the default 2D network, and the runs log's bound.

    .venv/bin/python benchmarks/runs_memory.py [--epochs 200]
"""

from __future__ import annotations

import argparse
import time

from nnviz.data import prepare
from nnviz.engine.spec import LayerSpec, NetworkSpec
from nnviz.engine.state import n_params
from nnviz.live import presets
from nnviz.live.runs import MAX_RUN_BYTES, MAX_RUNS
from nnviz.live.session import TrainingSession

#: the course's cat network (12288 inputs); its state holds params, backup, Adam's m and v
CAT = NetworkSpec(
    input_dim=64 * 64 * 3,
    layers=(
        LayerSpec(units=20, activation="relu"),
        LayerSpec(units=7, activation="relu"),
        LayerSpec(units=5, activation="relu"),
        LayerSpec(units=1, activation="sigmoid"),
    ),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    config = presets.data_config("spiral")
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    session = TrainingSession(spec, data)
    while session.epoch < args.epochs:
        session.step()
    start = time.perf_counter()
    run = session.keep_run()
    took = time.perf_counter() - start
    assert run is not None
    curves = sum(a.nbytes for a in (*run.curves.values.values(), *run.curves.epochs.values()))
    print(f"spiral, {n_params(spec)} parameters, {args.epochs} epochs:")
    print(
        f"  keep_run: {took * 1e3:.1f} ms; weights and state {run.nbytes:,} bytes, "
        f"curves {curves:,} bytes"
    )
    cat_bytes = 5 * 8 * n_params(CAT)  # params, backup, m, v, initial weights (float64)
    print(f"cat network, {n_params(CAT):,} parameters: about {cat_bytes / 2**20:.1f} MB a run")
    print(
        f"the log keeps at most {MAX_RUNS} runs and {MAX_RUN_BYTES // 2**20} MB "
        f"(about {MAX_RUN_BYTES // cat_bytes} cat runs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
