"""Save PNGs of the "seeing inside" tools at 1280x800 (offscreen): the perceptron lab
with the slide's example, the diagnosis and gradient flow of an 8-layer sigmoid network,
and (when the cat files are found) a trace on the cat network.

    .venv/bin/python benchmarks/inside_screenshots.py [--out resources/screenshots]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNVIZ_SETTINGS_ORG", "nnviz-screenshots")

SIZE = (1280, 800)


def wait(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def window_for(dataset: str, data_dir: str | None = None):
    from nnviz.app.main_window import MainWindow

    window = MainWindow(dataset, data_dir=data_dir, restore_layout=False)
    window.resize(*SIZE)
    window.show()
    wait(300)
    return window


def perceptron(out: Path) -> Path:
    from PySide6.QtCore import Qt

    from nnviz.engine.spec import LayerSpec

    window = window_for("gaussian")
    for dock in (window.neuron_dock, window.confusion_dock, window.diagnosis_dock):
        dock.hide()
    window.trace_dock.hide()
    window.resizeDocks([window.boundary_dock], [560], Qt.Orientation.Horizontal)
    spec = window.document.spec
    window.document.edit(spec.with_layers((LayerSpec(units=1, activation="sigmoid"),)), "lab")
    wait(300)
    window.perceptron_lab.load_example()
    wait(500)
    return save(window, out / "perceptron_lab.png")


def diagnosis(out: Path) -> Path:
    from dataclasses import replace

    from PySide6.QtCore import Qt

    from nnviz.engine.spec import LayerSpec, OptimizerSpec

    window = window_for("spiral")
    spec = window.document.spec
    hidden = tuple(LayerSpec(units=8, activation="sigmoid") for _ in range(7))
    deep = replace(
        spec.with_layers((*hidden, spec.layers[-1])), optimizer=OptimizerSpec("sgd", 0.1)
    )
    window.document.edit(deep, "deep sigmoid, plain gradient descent")
    window.diagnosis_dock.raise_()
    window.layers_dock.hide()  # the gradient flow view shows the gradients here
    window.resizeDocks([window.curves_dock], [330], Qt.Orientation.Vertical)
    window.controller.play()
    wait(2500)
    window.controller.pause()
    wait(500)
    return save(window, out / "diagnosis_sigmoid8.png")


def trace_cat(out: Path, data_dir: str) -> Path:
    window = window_for("cat", data_dir)
    window.trace_dock.raise_()
    window.controller.play()
    wait(2000)
    window.controller.pause()
    wait(400)
    panel = window.trace_panel
    panel.image_spin.setValue(3)
    panel.trace_button.click()
    panel.next_stage()
    wait(400)
    return save(window, out / "trace_cat.png")


def save(window, path: Path) -> Path:
    window.grab().save(str(path))
    window.close_discarding()
    return path


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from nnviz.data import find_cat_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("resources/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("nnviz")
    print(perceptron(args.out))
    print(diagnosis(args.out))
    cat_dir = find_cat_dir() or find_cat_dir(
        Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    if cat_dir is None:
        print("cat vs non-cat files not found: skipped trace_cat.png", file=sys.stderr)
    else:
        print(trace_cat(args.out, str(cat_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
