"""``nnviz train``: train a network on a dataset without a window and print its metrics.

Uses the same pipeline as the app (:func:`nnviz.data.prepare`) and the engine's
:class:`~nnviz.engine.model.Sequential` built from a :class:`NetworkSpec`. No Qt.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any, TextIO

import numpy as np

from nnviz.engine.training import Callback
from nnviz.live import presets

DEFAULT_LAYERS = ",".join(str(units) for units in presets.DEFAULT_HIDDEN)


def _layers(text: str) -> tuple[int, ...]:
    """ "20,7,5" -> (20, 7, 5); "none" -> () (no hidden layer: logistic regression)."""
    if text.strip().lower() == "none":
        return ()
    if text.strip() == "0":
        raise argparse.ArgumentTypeError(
            "a hidden layer needs at least 1 unit; for a network without hidden layers "
            "(logistic regression) write --layers none"
        )
    try:
        units = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected hidden-layer sizes like 20,7,5, got {text!r}"
        ) from None
    if any(u < 1 for u in units):
        raise argparse.ArgumentTypeError(f"every hidden layer needs at least 1 unit, got {text!r}")
    return units


def _batch_size(text: str) -> int | None:
    if text.lower() == "full":
        return None
    try:
        size = int(text)
    except ValueError:
        size = 0
    if size < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 or 'full', got {text!r}")
    return size


def _whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _size(text: str) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected HEIGHTxWIDTH like 64x64, got {text!r}"
        ) from None
    return height, width


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nnviz.data import NORMALIZATIONS, POINT_SETS
    from nnviz.engine.optimizers import OPTIMIZERS

    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset",
        metavar="NAME",
        help=f"a 2D point set ({', '.join(POINT_SETS.names())}) or 'cat' "
        f"(default: {presets.DEFAULT_DATASET})",
    )
    data.add_argument("--data", metavar="PATH", help="an HDF5 file, a CSV file or an image folder")
    data.add_argument("--data-dir", metavar="FOLDER", help="the folder holding the cat files")
    data.add_argument(
        "--n-samples",
        type=int,
        default=presets.DEFAULT_POINTS,
        metavar="N",
        help=f"points to generate ({presets.DEFAULT_POINTS})",
    )
    data.add_argument(
        "--noise",
        type=float,
        default=presets.DEFAULT_NOISE,
        metavar="STD",
        help=f"noise of the point sets ({presets.DEFAULT_NOISE})",
    )
    data.add_argument(
        "--n-classes", type=int, default=2, metavar="K", help="classes (gaussian, spiral: 2-5)"
    )
    data.add_argument(
        "--features",
        default="x1,x2",
        metavar="LIST",
        help="2D input features, e.g. x1,x2,x1^2,x1*x2,sin(x1)",
    )
    data.add_argument(
        "--normalize",
        default="auto",
        metavar="METHOD",
        help=f"{', '.join(NORMALIZATIONS.names())} or auto (images /255, files standardize)",
    )
    data.add_argument(
        "--validation", type=float, default=0.2, metavar="F", help="validation fraction (0.2)"
    )
    data.add_argument(
        "--test", type=float, default=0.2, metavar="F", help="test fraction (0.2; cat: its own)"
    )
    data.add_argument(
        "--size", type=_size, default=(64, 64), metavar="HxW", help="image size HxW (64x64)"
    )
    data.add_argument("--x-key", metavar="KEY", help="HDF5: the name of the sample array")
    data.add_argument("--y-key", metavar="KEY", help="HDF5: the name of the label vector")
    data.add_argument(
        "--label-column", metavar="COLUMN", help="CSV: the label column's name or index (last)"
    )

    net = parser.add_argument_group("network and training")
    net.add_argument(
        "--layers",
        type=_layers,
        default=_layers(DEFAULT_LAYERS),
        metavar="UNITS",
        help=f"hidden layer sizes, e.g. 20,7,5 ({DEFAULT_LAYERS}; 'none' for no hidden layer)",
    )
    net.add_argument(
        "--activation",
        default=presets.DEFAULT_ACTIVATION,
        metavar="NAME",
        help=f"hidden-layer activation ({presets.DEFAULT_ACTIVATION})",
    )
    net.add_argument(
        "--initializer", default=None, metavar="NAME", help="weight initializer (layer default)"
    )
    net.add_argument(
        "--optimizer",
        default=presets.DEFAULT_OPTIMIZER,
        metavar="NAME",
        help=f"{', '.join(OPTIMIZERS.names())} ({presets.DEFAULT_OPTIMIZER})",
    )
    net.add_argument(
        "--lr",
        type=float,
        default=presets.DEFAULT_LEARNING_RATE,
        metavar="RATE",
        help=f"learning rate ({presets.DEFAULT_LEARNING_RATE})",
    )
    net.add_argument(
        "--momentum", type=float, metavar="M", help="momentum of sgd or rmsprop (none)"
    )
    net.add_argument("--nesterov", action="store_true", help="sgd: Nesterov momentum")
    net.add_argument(
        "--l2",
        type=float,
        default=presets.DEFAULT_L2,
        metavar="RATE",
        help=f"L2 penalty on every layer's weights ({presets.DEFAULT_L2:g}; 0 for none)",
    )
    net.add_argument(
        "--epochs", type=_whole_number, default=100, metavar="N", help="passes over the data (100)"
    )
    net.add_argument(
        "--batch-size",
        type=_batch_size,
        default=presets.DEFAULT_BATCH_SIZE,
        metavar="N|full",
        help=f"a number or 'full' ({presets.DEFAULT_BATCH_SIZE})",
    )
    net.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seeds data, weights and shuffling (0)"
    )
    net.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    parser.add_argument("--json", action="store_true", help="print the final metrics as JSON")
    files = parser.add_argument_group("projects")
    files.add_argument(
        "--project",
        metavar="PATH",
        help="continue a saved .nnviz project exactly where it stopped (its data, network, "
        "optimizer state and counters; the data and network options are not used)",
    )
    files.add_argument(
        "--save", metavar="PATH", help="save the trained network as a .nnviz project"
    )


class UsageError(Exception):
    """An argument combination that cannot work (exit code 2)."""


def data_config(args: argparse.Namespace) -> Any:
    """The :class:`DataConfig` the arguments describe (validated)."""
    from nnviz.data import DataConfig

    if args.data and args.dataset:
        raise UsageError("give either --dataset or --data, not both")
    common = {
        "seed": args.seed,
        "validation": args.validation,
        "test": args.test,
        "normalization": args.normalize,
        "size": tuple(args.size),
    }
    if args.data:
        config = DataConfig(
            kind="file",
            path=args.data,
            x_key=args.x_key,
            y_key=args.y_key,
            label_column=args.label_column,
            **common,
        )
    elif (args.dataset or "").lower() == "cat":
        config = DataConfig(kind="cat", path=args.data_dir, **common)
    else:
        config = DataConfig(
            kind="points",
            name=(args.dataset or presets.DEFAULT_DATASET).lower(),
            n_samples=args.n_samples,
            noise=args.noise,
            n_classes=args.n_classes,
            features=tuple(f.strip() for f in args.features.split(",")),
            **common,
        )
    return config.validate()


def network_spec(args: argparse.Namespace, input_dim: int = 2, n_classes: int = 2) -> Any:
    """The validated :class:`NetworkSpec` for the arguments and the data's shape."""
    from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec

    extra: dict[str, Any] = {"initializer": args.initializer} if args.initializer else {}
    if args.l2:
        extra["l2"] = args.l2
    options: dict[str, Any] = {}
    if args.momentum is not None:
        options["momentum"] = args.momentum
    if args.nesterov:
        options["nesterov"] = True
    hidden = [LayerSpec(units=u, activation=args.activation, **extra) for u in args.layers]
    spec = NetworkSpec(
        layers=(*hidden, LayerSpec(units=1, activation="sigmoid", **extra)),
        optimizer=OptimizerSpec(args.optimizer, args.lr, options),
        batch_size=args.batch_size,
        seed=args.seed,
        dtype=args.dtype,
    )
    return spec.for_task(input_dim, n_classes).validate()


class Progress(Callback):
    """Progress on ``stream``: a bar redrawn in place on a terminal, otherwise one line
    about every tenth of the run."""

    def __init__(self, epochs: int, stream: TextIO) -> None:
        self.epochs = epochs
        self.stream = stream
        self.tty = stream.isatty()
        self.every = max(1, epochs // 10)
        self._last_draw = 0.0

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        done = epoch + 1
        logs = logs or {}
        metrics = "  ".join(
            f"{key} {logs[key]:.4f}"
            for key in ("loss", "accuracy", "val_loss", "val_accuracy")
            if key in logs
        )
        if self.tty:
            now = time.monotonic()
            if done < self.epochs and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            width = 30
            filled = round(width * done / max(self.epochs, 1))
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(
                f"\repoch {done:>{len(str(self.epochs))}}/{self.epochs} [{bar}] {metrics}"
            )
            if done == self.epochs:
                self.stream.write("\n")
        elif done % self.every == 0 or done == self.epochs:
            self.stream.write(f"epoch {done}/{self.epochs}  {metrics}\n")
        self.stream.flush()


def make_session(args: argparse.Namespace) -> Any:
    """The session to train: a saved project to continue (``--project``), or the data
    and network the arguments describe."""
    from nnviz.data import prepare
    from nnviz.io.project import load_project
    from nnviz.live.projects import session_from_project
    from nnviz.live.session import TrainingSession

    if args.project:
        return session_from_project(load_project(args.project), args.project)
    config = data_config(args)
    network_spec(args)  # fail on bad network arguments before loading any data
    data = prepare(config)
    return TrainingSession(network_spec(args, data.input_dim, data.n_classes), data)


def train(args: argparse.Namespace, progress: TextIO | None = None) -> dict[str, Any]:
    """Prepare the data, build (or load) and train the network; return the final
    metrics (at full float precision)."""
    session = make_session(args)
    spec, data, model = session.spec, session.data, session.model
    if progress is not None:
        session.trainer.callbacks = [*session.trainer.callbacks, Progress(args.epochs, progress)]
    start = time.perf_counter()
    target = session.epoch + args.epochs
    # Overflow on the way to a divergence is reported by the engine as DivergenceError.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while session.epoch < target:
            session.step()
    seconds = time.perf_counter() - start
    if args.save:
        from nnviz.io.project import save_project
        from nnviz.live.projects import project_from_session

        session.trainer.callbacks = [
            c for c in session.trainer.callbacks if not isinstance(c, Progress)
        ]
        save_project(args.save, project_from_session(session, {"epochs": args.epochs}))
    result: dict[str, Any] = {
        "dataset": _dataset_name(data.config),
        "network": "-".join(
            str(n) for n in (spec.input_dim, *(d.units for d in spec.dense_layers))
        ),
        "hidden_layers": len(spec.dense_layers) - 1,
        "parameters": model.n_params,
        "epochs": args.epochs,
        "epochs_total": session.epoch,
        "steps_total": session.step_count,
        "seconds": round(seconds, 3),
    }
    for name, x, y in (
        ("train", data.x_train, data.y_train),
        ("val", data.x_val, data.y_val),
        ("test", data.x_test, data.y_test),
    ):
        if x is not None:
            metrics = model.evaluate(x, y)
            result[f"{name}_loss"] = _finite(metrics["loss"])
            result[f"{name}_accuracy"] = _finite(metrics["accuracy"])
            result[f"{name}_samples"] = len(y)
    return result


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _dataset_name(config: Any) -> str:
    if config.kind == "points":
        return config.name
    return "cat" if config.kind == "cat" else str(config.path)


def _summary(result: dict[str, Any]) -> str:
    shallow = ", no hidden layer (logistic regression)" if result["hidden_layers"] == 0 else ""
    lines = [
        f"dataset {result['dataset']}, network {result['network']}{shallow} "
        f"({result['parameters']} parameters), {result['epochs']} epochs in "
        f"{result['seconds']:.2f} s"
    ]
    for name, title in (("train", "train"), ("val", "validation"), ("test", "test")):
        if f"{name}_loss" in result:
            lines.append(
                f"  {title:<10} loss {result[f'{name}_loss']:.4f}  accuracy "
                f"{result[f'{name}_accuracy']:.4f}  ({result[f'{name}_samples']} samples)"
            )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Exit codes: 0 done, 1 bad data or training diverged, 2 bad arguments."""
    from nnviz.data import DataConfigError, DatasetError
    from nnviz.engine.errors import DivergenceError
    from nnviz.engine.spec import SpecError
    from nnviz.io.project import ProjectError

    try:
        result = train(args, progress=sys.stderr)
    except (UsageError, DataConfigError, SpecError) as exc:
        sys.stderr.write(f"nnviz train: error: {exc}\n")
        return 2
    except (DatasetError, DivergenceError, ProjectError) as exc:
        sys.stderr.write(f"nnviz train: error: {exc}\n")
        return 1
    sys.stdout.write((json.dumps(result) if args.json else _summary(result)) + "\n")
    return 0
