"""The ``gui`` subcommand: open the desktop app.

No Qt at module level: ``nnviz train`` must not load it. Where Linux has no display at all,
Qt would abort with a long message about the xcb plugin; we say so in one line instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project", nargs="?", type=Path, default=None, help="a .nnviz project to open"
    )
    parser.add_argument(
        "--dataset",
        default="spiral",
        help="dataset to open: a 2D point set (circle, xor, spiral, ...) or 'cat' "
        "(default: spiral)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder holding the cat vs non-cat files (found automatically when omitted)",
    )
    parser.add_argument(
        "--smoke-test",
        type=int,
        metavar="STEPS",
        default=None,
        help="open the window, train STEPS steps, close and exit 0 (checks an installation)",
    )


def missing_display_message(environ: dict[str, str] | None = None) -> str | None:
    """One line explaining how to proceed when Linux has no display, else ``None``."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or any(env.get(k) for k in DISPLAY_VARIABLES):
        return None
    return (
        "nnviz: no display found (DISPLAY and WAYLAND_DISPLAY are not set): run it in a "
        "desktop session, under a virtual display with 'xvfb-run nnviz', or set "
        "QT_QPA_PLATFORM=offscreen to run without a window."
    )


def run(args: argparse.Namespace) -> int:
    message = missing_display_message()
    if message:
        print(message, file=sys.stderr)
        return 1
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nnviz.app.about import app_icon
    from nnviz.app.logging_setup import install_exception_hook, setup_logging
    from nnviz.app.main_window import MainWindow
    from nnviz.live.presets import PresetError

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("nnviz")
    app.setApplicationDisplayName("nnviz")
    setup_logging()
    app.setWindowIcon(app_icon())
    try:
        window = MainWindow(dataset=args.dataset, data_dir=args.data_dir)
    except PresetError as exc:
        print(f"nnviz: {exc}", file=sys.stderr)
        return 2
    install_exception_hook(lambda: window)
    window.show()
    QTimer.singleShot(0, window.fit_to_screen)  # once shown: the docks have their sizes
    if args.project is not None:
        # a bad file: the window says why and keeps the rest
        window.projects.open(args.project, ask=False)
    else:
        window.offer_recovery()
    if args.smoke_test is not None:
        from nnviz.app.smoke import run_smoke_test

        return run_smoke_test(app, window, args.smoke_test)
    return int(app.exec())
