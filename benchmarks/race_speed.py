"""Race speed: prints figures (issue 10 §2, "Speed"). Run: .venv/bin/python benchmarks/race_speed.py

A race of the four variants of the "optimizers" preset (SGD, SGD + momentum, RMSprop,
Adam) on the 2-8-8-1 tanh spiral network (the app's default set-up, batch 16), for the
same epochs as one variant (Adam) trained alone by the engine's Trainer. Targets: the
unstacked race (four Trainers in lockstep) <= 4x one variant; the stacked race (one
batched forward/backward pass) <= 2x. Rounds alternate so drift on a shared machine hits
all three alike; the medians and their ratios are printed, of the wall time and of the
thread's CPU time (steadier on a loaded machine: time spent waiting for a core is left out).

Options: ``--epochs N`` (default 20), ``--rounds N`` (default 5), ``--preset NAME`` (default
optimizers; e.g. learning_rates, whose variants share one optimizer and so one stacked
update too; one variant is then the preset's last).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

from nnviz.data import prepare
from nnviz.engine import Sequential, Trainer
from nnviz.engine.spec import LayerSpec
from nnviz.live import presets
from nnviz.live.race import PRESETS, Race, preset_variants

#: the network the issue's speed target names: 2-8-8-1 tanh
TANH_8_8 = ((8, "tanh"), (8, "tanh"), (1, "sigmoid"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--preset", default="optimizers", choices=list(PRESETS))
    args = parser.parse_args()
    config = presets.data_config()
    data = prepare(config)
    # not the app's default (2-16-16-1 ReLU now): the network
    tanh_8_8 = tuple(LayerSpec(units=u, activation=g) for u, g in TANH_8_8)
    spec = replace(presets.network_spec(config), layers=tanh_8_8)
    spec = spec.for_task(data.input_dim, data.n_classes)
    weights = Sequential.from_config(spec).get_weights()
    variants = preset_variants(args.preset, spec)
    last = variants[-1].spec_for(spec, len(data.x_train))

    def one() -> None:
        model = Sequential.from_config(last)
        model.set_weights(weights)
        validation = (data.x_val, data.y_val)
        trainer = Trainer(
            model, data.x_train, data.y_train, last.batch_size, True, last.seed, validation
        )
        trainer.fit(args.epochs)

    def race(stacked: bool) -> Callable[[], None]:
        def run() -> None:
            contest = Race(spec, data, variants, args.epochs, weights, stacked=stacked)
            while contest.step():
                pass

        return run

    n = len(variants)
    timed = {"one variant": one, f"{n} unstacked": race(False), f"{n} stacked": race(True)}
    times: dict[str, list[float]] = {name: [] for name in timed}
    cpu_times: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(args.rounds):
        for name, fn in timed.items():
            start, cpu_start = time.perf_counter(), time.thread_time()
            fn()
            times[name].append(time.perf_counter() - start)
            cpu_times[name].append(time.thread_time() - cpu_start)
    base = statistics.median(times["one variant"])
    cpu_base = statistics.median(cpu_times["one variant"])
    steps = args.epochs * -(-len(data.x_train) // spec.batch_size)
    network = "-".join(str(n) for n in (spec.input_dim, *(la.units for la in spec.dense_layers)))
    print(
        f"spiral {network} tanh, batch {spec.batch_size}, {args.epochs} epochs = {steps} steps, "
        f"preset {args.preset}"
    )
    for name, values in times.items():
        median = statistics.median(values)
        cpu = statistics.median(cpu_times[name]) / cpu_base
        print(
            f"{name:>12}: {median * 1e3:8.1f} ms ({median / steps * 1e6:6.1f} us/step)"
            f"  {median / base:4.2f}x one variant (CPU time {cpu:4.2f}x)"
        )


if __name__ == "__main__":
    main()
