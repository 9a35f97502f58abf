"""How fast the network diagram rebuilds after an edit and redraws a training snapshot.

For a few networks (the spiral's 2-8-8-1, the cat course's 12288-20-7-5-1, a wide
2-512-512-1 and the largest allowed, 12 hidden layers of 1024 units) it prints, in ms:
  * rebuild: the scene rebuilt from a new spec (what every edit and undo costs),
  * snapshot: ``show_snapshot`` with new weights (and neuron heatmaps for 2D inputs),
  * paint: one full repaint of the 1100x650 viewport with those weights.
A snapshot plus a paint should stay well under the ~33 ms of a 30 Hz frame.

    .venv/bin/python benchmarks/diagram_speed.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np


def networks():
    from nnviz.engine.spec import LayerSpec, NetworkSpec

    out = LayerSpec(units=1, activation="sigmoid")
    return {
        "2-8-8-1 (spiral)": (NetworkSpec(), ["x1", "x2"], None),
        "12288-20-7-5-1 (cat)": (
            NetworkSpec(input_dim=12288, layers=(*(LayerSpec(units=u) for u in (20, 7, 5)), out)),
            None,
            (64, 64, 3),
        ),
        "2-512-512-1": (
            NetworkSpec(layers=(LayerSpec(units=512), LayerSpec(units=512), out)),
            ["x1", "x2"],
            None,
        ),
        "2-1024x12-1 (largest)": (
            NetworkSpec(layers=(*(LayerSpec(units=1024) for _ in range(12)), out)),
            ["x1", "x2"],
            None,
        ),
    }


def timed(function, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from nnviz.app.diagram.view import NetworkDiagramView
    from nnviz.app.document import NetworkDocument
    from nnviz.live.layout import PICTURED_UNITS, fan_ins
    from nnviz.live.snapshot import TrainingSnapshot

    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(0)
    print(
        f"{'network':24} {'rebuild':>9} {'snapshot':>9} {'paint':>9}   (ms, mean of {args.repeat})"
    )
    for name, (spec, names, image_shape) in networks().items():
        view = NetworkDiagramView(NetworkDocument(spec))
        view.resize(1100, 650)
        view.show()
        view.set_input_description(names, image_shape)
        app.processEvents()
        snapshots = []
        for _ in range(4):
            weights = tuple(
                (rng.normal(size=(n, layer.units)), rng.normal(size=layer.units))
                for n, layer in zip(fan_ins(spec), spec.dense_layers, strict=True)
            )
            grids = None
            if names is not None:
                grids = tuple(  # as the session makes them: the pictured units
                    rng.normal(size=(min(layer.units, PICTURED_UNITS), 32, 32)).astype(np.float32)
                    for layer in spec.dense_layers
                )
            snapshots.append(TrainingSnapshot(weights=weights, neuron_grids=grids))
        rebuild = timed(lambda view=view, spec=spec: view.diagram.rebuild(spec), args.repeat)
        counter = iter(range(10**9))

        def show(view=view, snapshots=snapshots, counter=counter):
            view.show_snapshot(snapshots[next(counter) % len(snapshots)])

        snapshot = timed(show, args.repeat)
        paint = timed(view.viewport().repaint, args.repeat)
        print(f"{name:24} {rebuild:9.2f} {snapshot:9.2f} {paint:9.2f}")
        view.close()


if __name__ == "__main__":
    main()
