"""Save PNGs of the main window for the README and the layout checks.

    .venv/bin/python benchmarks/screenshots.py [--out DIR] [--epochs 110]

Under Xvfb (``DISPLAY=:N QT_QPA_PLATFORM=xcb``) or offscreen. Writes, each after training
the default spiral to epoch ``--epochs`` (mid-training: the boundary forming, the curves
falling):

- ``spiral.png`` (the README's hero, 1600x1000),
- ``main_1280x800.png`` and ``main_1920x1080.png`` (the normal layout at a projector's and
  a desktop's size),
- ``presentation.png`` (presentation mode at 1280x800),
- ``race_landscape.png`` (1920x1080: after ``--epochs`` of the live run, the four-optimizer
  race from the same start for ``--race-epochs``, its paths on the loss landscape — PCA of
  the live run's path),
- ``cat.png`` when the cat vs non-cat files are found (after ``--seconds`` of training).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNVIZ_SETTINGS_ORG", "nnviz-screenshots")


def wait(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def trained_window(dataset: str, size: tuple[int, int], data_dir: str | None = None):  # type: ignore[no-untyped-def]
    from nnviz.app.main_window import MainWindow

    window = MainWindow(dataset, data_dir=data_dir, restore_layout=False)
    window.show()
    wait(200)
    window.lay_out(*size)
    wait(200)
    return window


def train_to_epoch(window, epochs: int) -> None:  # type: ignore[no-untyped-def]
    """Train flat out to ``epochs`` (a fixed point of the run, however fast the machine),
    then pause and let every view redraw."""
    window.training_panel.set_epochs_per_second(None)
    window.controller.play()
    while window.controller.latest is None or window.controller.latest.epoch < epochs:
        wait(20)
    window.controller.pause()
    wait(600)


def shoot(window, path: Path) -> Path:  # type: ignore[no-untyped-def]
    window.grab().save(str(path))
    return path


def race_landscape(window, race_epochs: int) -> None:  # type: ignore[no-untyped-def]
    """Race the four optimizers from the run's start with the loss landscape beside it
    (PCA plane of the run's path), and wait until both are done."""
    from PySide6.QtCore import Qt

    view = window.landscape_view
    view.directions_combo.setCurrentIndex(view.directions_combo.findData("pca"))
    panel = window.race_panel
    panel.epochs_spin.setValue(race_epochs)
    finished: list[object] = []
    panel.raceFinished.connect(finished.append)
    window.start_race("optimizers")
    # the race's own boundaries stand for the decision boundary; the race takes the whole
    # bottom, the landscape the whole right-hand side above it
    for dock in window.docks:
        area = window.dockWidgetArea(dock)
        if dock not in (window.landscape_dock, window.race_dock) and area in (
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        ):
            dock.hide()
    window.landscape_dock.show()
    window.landscape_dock.raise_()
    width, height = window.width(), window.height()
    window.resizeDocks([window.landscape_dock], [width * 36 // 100], Qt.Orientation.Horizontal)
    window.resizeDocks([window.race_dock], [height * 45 // 100], Qt.Orientation.Vertical)
    while not finished or panel.running:
        wait(50)
    view.recompute()  # the landscape's final pass, with every path drawn on it
    while view.computing or view.report is None or not view.report.final:
        wait(50)
    wait(600)


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from nnviz.data import find_cat_dir
    from nnviz.live import presets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("resources/screenshots"))
    parser.add_argument("--epochs", type=int, default=110)
    parser.add_argument("--race-epochs", type=int, default=150)
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="save only these pictures (e.g. spiral.png)"
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="cat training time")
    parser.add_argument(
        "--cat-dir",
        default=None,
        help="folder with the cat vs non-cat files (default: searched, then ../shared/data)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("nnviz")
    wanted = set(args.only or ())

    def skip(*names: str) -> bool:
        return bool(wanted) and not wanted.intersection(names)

    for name, size in (
        ("spiral.png", (1600, 1000)),
        ("main_1280x800.png", (1280, 800)),
        ("main_1920x1080.png", (1920, 1080)),
    ):
        if skip(name, "presentation.png" if size == (1280, 800) else name):
            continue
        window = trained_window(presets.DEFAULT_DATASET, size)
        train_to_epoch(window, args.epochs)
        window.training_panel.set_epochs_per_second(presets.DEFAULT_EPOCHS_PER_SECOND)
        print(shoot(window, args.out / name))
        if size == (1280, 800) and not skip("presentation.png"):
            window.set_presentation_mode(True)
            wait(600)
            print(shoot(window, args.out / "presentation.png"))
        window.close_discarding()
    if not skip("race_landscape.png"):
        window = trained_window(presets.DEFAULT_DATASET, (1920, 1080))
        train_to_epoch(window, args.epochs)
        race_landscape(window, args.race_epochs)
        print(shoot(window, args.out / "race_landscape.png"))
        window.close_discarding()
    cat_dir = (
        find_cat_dir(args.cat_dir)
        if args.cat_dir
        else find_cat_dir() or find_cat_dir(Path(__file__).resolve().parents[2] / "shared" / "data")
    )
    if skip("cat.png"):
        pass
    elif cat_dir is None:
        print("cat vs non-cat files not found: skipped cat.png", file=sys.stderr)
    else:
        window = trained_window("cat", (1600, 1000), str(cat_dir))
        window.training_panel.set_epochs_per_second(None)
        window.controller.play()
        wait(int(args.seconds * 1000))
        window.controller.pause()
        wait(600)
        print(shoot(window, args.out / "cat.png"))
        window.close_discarding()
    return 0


if __name__ == "__main__":
    sys.exit(main())
