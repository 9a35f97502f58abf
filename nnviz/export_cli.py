"""``nnviz export PROJECT ...``: the app's exports without a window.

    nnviz export net.nnviz --diagram net.svg --history history.csv
    nnviz export net.nnviz --pytorch net_torch.py --keras net_keras.py
    nnviz export net.nnviz --confusion confusion.csv --movie training.gif --movie-steps 2000

Tables, code and movies need no Qt. The diagram is drawn by the app's own scene on Qt's
offscreen platform (Qt is imported only when ``--diagram`` is given).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="a .nnviz project file")
    parser.add_argument(
        "--diagram", type=Path, metavar="PATH", help="the network diagram (.svg or .png)"
    )
    parser.add_argument(
        "--scale", type=int, choices=(1, 2, 4), default=2, help="PNG size factor (default: 2)"
    )
    parser.add_argument("--history", type=Path, metavar="PATH", help="the history per epoch (CSV)")
    parser.add_argument(
        "--confusion", type=Path, metavar="PATH", help="the test set's confusion matrix (CSV)"
    )
    parser.add_argument("--pytorch", type=Path, metavar="PATH", help="a PyTorch script (.py)")
    parser.add_argument("--keras", type=Path, metavar="PATH", help="a Keras 3 script (.py)")
    parser.add_argument(
        "--movie",
        type=Path,
        metavar="PATH",
        help="train on from the project's weights and record a movie (.gif, or .mp4 with "
        "imageio[ffmpeg])",
    )
    parser.add_argument(
        "--movie-steps", type=int, default=1000, metavar="N", help="steps to film (1000)"
    )
    parser.add_argument("--fps", type=int, default=10, metavar="N", help="movie frame rate (10)")
    parser.add_argument(
        "--length", type=int, default=20, metavar="S", help="movie length at most, seconds (20)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="folder of the cat files, if moved"
    )


class _Exports:
    """The project and, on demand, its data and a model with its weights."""

    def __init__(self, args: argparse.Namespace) -> None:
        from nnviz.io.project import load_project

        self.args = args
        self.project = load_project(args.project)
        self._data: Any = None
        self.notes: list[str] = []
        self.qt_app: Any = None  # kept while the diagram is drawn

    @property
    def weights(self) -> list[np.ndarray]:
        if self.project.weights is not None:
            return [np.asarray(w) for w in self.project.weights]
        from nnviz.engine import Sequential

        self.notes.append("the project holds no trained weights: used the initial ones")
        return Sequential.from_config(self.project.spec).get_weights()

    @property
    def data(self) -> Any:
        if self._data is None:
            from nnviz.data import DataConfig, prepare

            config = DataConfig.from_dict(self.project.data)
            if config.kind == "cat" and self.args.data_dir is not None:
                config = replace(config, path=str(self.args.data_dir))
            self._data = prepare(config)
        return self._data

    def confusion(self, path: Path) -> Path:
        from nnviz.engine import Sequential
        from nnviz.io.export import ExportError, write_confusion_csv

        data = self.data
        if data.x_test is None:
            raise ExportError("the project's data has no test split: no confusion matrix")
        model = Sequential.from_config(self.project.spec)
        model.set_weights(self.weights)
        out = model.predict(data.x_test)
        predicted = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
        k = data.n_classes
        counts = np.zeros((k, k), dtype=np.int64)
        np.add.at(counts, (data.y_test, predicted), 1)
        return write_confusion_csv(path, counts, list(data.class_names))

    def movie(self, path: Path) -> Path:
        from nnviz.live.movie import MovieSettings, record_training
        from nnviz.live.session import TrainingSession

        args = self.args
        session = TrainingSession(self.project.spec, self.data)
        session.start_from(self.weights)
        settings = MovieSettings(fps=args.fps, length_s=args.length)
        record_training(session, path, args.movie_steps, settings)
        return path

    def diagram(self, path: Path) -> Path:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
        from PySide6.QtWidgets import QApplication

        from nnviz.app.export_actions import render_diagram
        from nnviz.live.session import TrainingSession

        self.qt_app = QApplication.instance() or QApplication(["nnviz"])
        data = self.data
        session = TrainingSession(self.project.spec, data)
        session.start_from(self.weights)
        names = list(data.feature_names) if data.image_shape is None else None
        return render_diagram(
            self.project.spec,
            self.weights,
            path,
            self.args.scale,
            names,
            data.image_shape,
            session.snapshot(),
        )


def run(args: argparse.Namespace) -> int:
    from nnviz.data import DatasetError
    from nnviz.io import codegen
    from nnviz.io.export import ExportError, write_epoch_history_csv
    from nnviz.io.project import ProjectError

    wanted = [
        args.diagram,
        args.history,
        args.confusion,
        args.pytorch,
        args.keras,
        args.movie,
    ]
    if not any(wanted):
        print(
            "nnviz export: name at least one output, e.g. --diagram net.svg (see --help)",
            file=sys.stderr,
        )
        return 2
    try:
        exports = _Exports(args)
        written: list[Path] = []
        if args.history:
            written.append(write_epoch_history_csv(args.history, exports.project.history))
        if args.confusion:
            written.append(exports.confusion(args.confusion))
        for framework, path in (("pytorch", args.pytorch), ("keras", args.keras)):
            if path:
                written += codegen.export_script(
                    framework,
                    path,
                    exports.project.spec,
                    exports.weights,
                    exports.data,
                    title=args.project.stem,
                )
        if args.movie:
            written.append(exports.movie(args.movie))
        if args.diagram:
            written.append(exports.diagram(args.diagram))
    except (ProjectError, DatasetError, ExportError, ValueError, OSError) as exc:
        print(f"nnviz export: {exc}", file=sys.stderr)
        return 1
    for note in dict.fromkeys(exports.notes):
        print(f"note: {note}", file=sys.stderr)
    for path in written:
        print(path)
    return 0
