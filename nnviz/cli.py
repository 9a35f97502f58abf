"""The ``nnviz`` command: the desktop app by default, headless subcommands for scripts.

Each subcommand lives in its own module, which provides ``add_arguments(parser)`` and
``run(args) -> int``. Those modules import Qt only inside ``run``, so the headless commands
never load Qt.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

SUBCOMMANDS = {
    "gui": ("nnviz.app.launch", "open the desktop app (the default)"),
    "train": ("nnviz.headless", "train a network without a window and print its metrics"),
    "datasets": ("nnviz.data.catalog", "list the available datasets and where files were found"),
    "export": ("nnviz.export_cli", "write a project's diagram, history, code or movie to files"),
    "sweep": ("nnviz.sweep_cli", "train a grid of one or two settings and print the results"),
}


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line on stderr, exit code 2, no traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nnviz", description="Watch a neural network learn.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module_name).add_arguments(command)
    return parser


def route(argv: list[str]) -> list[str]:
    """The arguments with ``gui`` put first where the command is the app: no arguments,
    options only, or a project file (``nnviz net.nnviz``, as the desktop entry runs it)."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        return ["gui", *argv]
    if argv[0] not in SUBCOMMANDS and Path(argv[0]).suffix == ".nnviz":
        return ["gui", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    argv = route(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        args = build_parser().parse_args(["gui"])
    return int(importlib.import_module(SUBCOMMANDS[args.command][0]).run(args) or 0)


def main_gui() -> int:
    return main(["gui", *sys.argv[1:]])
