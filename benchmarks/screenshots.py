"""Save PNGs of the main window training on the spiral and on the cat images (offscreen).

    .venv/bin/python benchmarks/screenshots.py [--out DIR] [--seconds 4]

Writes ``spiral.png`` and (when the cat files are found) ``cat.png``, 1600x1000.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNVIZ_SETTINGS_ORG", "nnviz-screenshots")


def shoot(dataset: str, out: Path, seconds: float, data_dir: str | None = None) -> Path:
    from PySide6.QtCore import QEventLoop, QTimer

    from nnviz.app.main_window import MainWindow

    window = MainWindow(dataset, data_dir=data_dir, restore_layout=False)
    window.resize(1600, 1000)
    window.show()
    loop = QEventLoop()
    window.controller.play()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    window.controller.pause()
    QTimer.singleShot(400, loop.quit)  # let the paused snapshot redraw every view
    loop.exec()
    path = out / f"{dataset}.png"
    window.grab().save(str(path))
    window.close_discarding()
    return path


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from nnviz.data import find_cat_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument(
        "--cat-dir",
        default=None,
        help="folder with the cat vs non-cat files (default: searched, then ../shared/data)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("nnviz")
    print(shoot("spiral", args.out, args.seconds))
    cat_dir = (
        find_cat_dir(args.cat_dir)
        if args.cat_dir
        else find_cat_dir() or find_cat_dir(Path(__file__).resolve().parents[2] / "shared" / "data")
    )
    if cat_dir is None:
        print("cat vs non-cat files not found: skipped cat.png", file=sys.stderr)
    else:
        print(shoot("cat", args.out, args.seconds, str(cat_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
