"""``nnviz sweep``: train a grid of one or two settings without a window.

Takes every data and network option of ``nnviz train`` (the same parser and the same
builders, :mod:`nnviz.headless`) plus ``--set NAME=VALUES`` once or twice, e.g.
``nnviz sweep --dataset spiral --set lr=0.001,0.01,0.1 --set batch=1,16,full --epochs 20
--json``. Every cell trains from the same initial weights (:mod:`nnviz.live.sweep`); with
``--project`` those are the project's initial weights (what "Reset to start" goes back to),
on its data and network. No Qt.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from nnviz import headless


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nnviz.live.sweep import SETTINGS

    headless.add_arguments(parser)
    sweep = parser.add_argument_group("sweep")
    sweep.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help=f"a setting and its values, once or twice; NAME is one of {', '.join(SETTINGS)}; "
        "VALUES like 0.001,0.01,0.1 or 1e-4..1e-1x4 (log-spaced)",
    )
    sweep.add_argument("--csv", metavar="PATH", help="also write the results as CSV")


def _sweep(args: argparse.Namespace) -> Any:
    from nnviz.live.sweep import Sweep, SweepError

    texts: dict[str, str] = {}
    for text in args.settings:
        name, equals, values = text.partition("=")
        if not equals:
            raise SweepError(f"write --set NAME=VALUES, e.g. --set lr=0.001,0.01; got {text!r}")
        texts[name] = values
    if not texts:
        raise SweepError("give one or two settings to sweep, e.g. --set lr=0.001,0.01,0.1")
    if len(texts) != len(args.settings):
        raise SweepError("each setting may be given once")
    return Sweep.parse(texts, args.epochs)


def sweep(args: argparse.Namespace, progress: Any = None) -> Any:
    """Build the data, the network and the sweep from ``args`` and train every cell;
    returns the :class:`~nnviz.live.sweep.SweepResult`."""
    from nnviz.live.sweep import SweepRun

    if args.save:
        raise headless.UsageError("nnviz sweep saves no project: write --csv PATH or --json")
    plan = _sweep(args)  # fail on bad settings before loading any data
    session = headless.make_session(args)
    dataset = headless._dataset_name(session.data.config)
    run = SweepRun(plan, session.spec, session.data, session.initial_weights, dataset=dataset)
    started = time.perf_counter()
    cells_done = 0

    def report(cell: Any) -> None:
        nonlocal cells_done
        cells_done += 1
        if progress is not None:
            mark = "  DIVERGED" if cell.diverged else ""
            progress.write(
                f"cell {cells_done}/{plan.n_cells}  {cell.label}: loss {cell.train_loss:.4f}  "
                f"accuracy {cell.train_accuracy:.4f}  "
                f"({time.perf_counter() - started:.1f} s){mark}\n"
            )
            progress.flush()

    return run.run(report)


def _table(result: Any) -> str:
    header = result.header()[:-1]
    rows = [[f"{v:.4f}" if isinstance(v, float) else str(v) for v in r[:-1]] for r in result.rows()]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    )


def run(args: argparse.Namespace) -> int:
    """Exit codes: 0 done, 1 bad data or files, 2 bad arguments or an impossible sweep."""
    from nnviz.data import DataConfigError, DatasetError
    from nnviz.engine.spec import SpecError
    from nnviz.io.export import ExportError
    from nnviz.io.project import ProjectError
    from nnviz.live.sweep import SweepError, write_sweep_csv

    try:
        result = sweep(args, progress=sys.stderr)
        if args.csv:
            write_sweep_csv(args.csv, result)
    except (headless.UsageError, DataConfigError, SpecError, SweepError) as exc:
        sys.stderr.write(f"nnviz sweep: error: {exc}\n")
        return 2
    except (DatasetError, ProjectError, ExportError) as exc:
        sys.stderr.write(f"nnviz sweep: error: {exc}\n")
        return 1
    sys.stdout.write((json.dumps(result.to_json()) if args.json else _table(result)) + "\n")
    return 0
