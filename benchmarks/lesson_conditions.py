"""Cost of checking the shipped lessons' step conditions on a snapshot (the GUI thread
does this at most once a second while a lesson step with a condition is open).

    .venv/bin/python benchmarks/lesson_conditions.py [--repeats 20]

Prints, per lesson step with a condition, the median milliseconds of one check.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

from nnviz.engine import DivergenceError
from nnviz.live.lessons import build_session, builtin_lessons, condition_met, train_epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    for lesson in builtin_lessons():
        if lesson.settings_at(0).data.kind == "cat":
            continue  # needs the cat files; its condition is a metric comparison
        for index, step in enumerate(lesson.steps):
            if step.condition is None:
                continue
            session = build_session(lesson, index)
            with contextlib.suppress(DivergenceError):
                train_epochs(session, 5)
            snapshot = session.snapshot()
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                condition_met(step.condition, snapshot)
                times.append(1000 * (time.perf_counter() - start))
            print(
                f"{lesson.number:2d}.{index + 1} {step.condition.when:45s} "
                f"{statistics.median(times):7.3f} ms"
            )


if __name__ == "__main__":
    main()
