"""Data pipeline speed: prints figures. Run: .venv/bin/python benchmarks/data_pipeline.py [CAT_DIR]

- generating each 2D point set (200 and 10,000 points),
- prepare() of a 2D set with all seven features, and encode() of the app's boundary grid
  (the worker maps a grid through the same features and normalizer for every snapshot),
- loading the cat vs non-cat files and prepare() of them (flatten, split, divide by 255).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nnviz.data import FEATURES, POINT_SETS, DataConfig, load_catvnoncat, make_points, prepare

DEFAULT_CAT_DIR = Path(__file__).resolve().parent.parent.parent / "shared/data/catvnoncat"


def best_ms(fn: Callable[[], object], repeat: int = 7) -> tuple[float, float]:
    """(median, min) milliseconds per call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times), min(times)


def row(label: str, fn: Callable[[], object], repeat: int = 7) -> None:
    median, low = best_ms(fn, repeat)
    print(f"  {label:<46} {median:9.3f} ms  (min {low:.3f})")


def main() -> None:
    print("2D point sets: make_points")
    for name in POINT_SETS:
        for n in (200, 10_000):
            row(f"{name} n={n}", lambda name=name, n=n: make_points(name, n_samples=n))

    print("2D pipeline")
    config = DataConfig(
        name="spiral", features=tuple(FEATURES.names()), normalization="standardize"
    )
    row("prepare(spiral, 200, 7 features, standardize)", lambda: prepare(config))
    data = prepare(config)
    for side in (50, 100, 200):
        xs = np.linspace(-1.5, 1.5, side)
        grid = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
        row(f"encode boundary grid {side}x{side}", lambda grid=grid: data.encode(grid), 21)

    cat_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CAT_DIR
    if (cat_dir / "train_catvnoncat.h5").is_file():
        print(f"cat vs non-cat ({cat_dir})")
        row("load_catvnoncat", lambda: load_catvnoncat(cat_dir))
        cat = DataConfig(kind="cat", path=str(cat_dir))
        row("prepare(cat, validation 0.2, divide_255)", lambda: prepare(cat))
        std = DataConfig(kind="cat", path=str(cat_dir), normalization="standardize")
        row("prepare(cat, validation 0.2, standardize)", lambda: prepare(std))
    else:
        print(f"cat files not found in {cat_dir}; pass the folder as the first argument")


if __name__ == "__main__":
    main()
