"""History memory: RSS growth of N appends to a DecimatedSeries vs a plain Python list
(what the Trainer kept per step before).

Run: .venv/bin/python benchmarks/history_memory.py [N]   (default 10**7)

Each case runs in a fresh interpreter, so one does not inherit the other's freed memory.
Prints per case the resident memory before and after the appends, the peak, the points
held, the buffer bytes and the time per append; a scalar series (loss per step) and a
3-column one (per-layer gradient norms).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np

from nnviz.live.series import DecimatedSeries


def rss_mib() -> float:
    """Current resident memory (Linux /proc), in MiB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def measure(kind: str, n: int, width: int | None) -> dict[str, float]:
    values = np.random.default_rng(0).random(width or 1)
    value = values if width else float(values[0])
    before = rss_mib()
    start = time.perf_counter()
    if kind == "decimated":
        series = DecimatedSeries(width)
        for step in range(n):
            series.append(step, value)
        series.view()
        held, points = series.nbytes, len(series)
    else:
        kept: list[object] = []
        for _ in range(n):
            kept.append(value)
        held, points = sys.getsizeof(kept) + n * 24, len(kept)
    seconds = time.perf_counter() - start
    return {
        "rss_before": before,
        "rss_after": rss_mib(),
        "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "points": points,
        "buffer_mib": held / 2**20,
        "us_per_append": 1e6 * seconds / n,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        _, _, kind, n, width = sys.argv
        print(json.dumps(measure(kind, int(n), int(width) or None)))
        return
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**7
    print(f"{n:,} appends; RSS in MiB (growth = after - before)")
    for width in (0, 3):
        for kind in ("list", "decimated"):
            out = subprocess.run(
                [sys.executable, __file__, "--case", kind, str(n), str(width)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout)
            label = f"{kind} width={width or 'scalar'}"
            print(
                f"  {label:<24} growth {r['rss_after'] - r['rss_before']:8.1f}  "
                f"peak {r['peak']:7.1f}  points {r['points']:>10,}  "
                f"buffer {r['buffer_mib']:8.2f}  {r['us_per_append']:.2f} us/append"
            )


if __name__ == "__main__":
    main()
