"""Lessons as files (no Qt): load and check them, turn a step into settings, check a
step's condition on a snapshot, and write a step back.

A lesson is a TOML file (``resources/lessons/*.toml``, shipped in the package as
``nnviz/resources/lessons``)::

    title = "The perceptron"
    part = 1                       # which of the seven parts of the course (PARTS)
    number = 1                     # its place in the Lessons menu
    [[steps]]
    text = "What to do, what to watch, a question."
    restart = true                 # train from fresh weights, epoch 0 (the default)
    speed = 10.0                   # epochs per second (omit: full speed)
    views = ["boundaryDock"]       # docks to show and raise, by objectName
    race = "optimizers"            # a race preset (see the race feature)
    trace = [0.5, -0.2]            # trace the point (x1, x2) through the network
    landscape = true               # show the loss landscape
    presentation = true            # classroom presentation mode
    weights = [{layer = 1, kind = "W", index = [0, 0], value = 3.0}]
    [steps.data]                   # DataConfig fields
    [steps.network]                # hidden, activation, initializer, init_scale, seed, dtype
    [steps.hyperparameters]        # optimizer, learning_rate, momentum..., batch_size, l2...
    [steps.condition]
    when = "accuracy >= 0.95 and epoch >= 20"
    message = "Said when the condition becomes true."

A step states only what it changes: :meth:`Lesson.settings_at` merges the data, network
and hyperparameters of steps 1..k, so applying step k gives the same experiment whatever
the learner did before. Anything never stated comes from :mod:`nnviz.live.presets`.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.data import DataConfig, DatasetError, PreparedData
from nnviz.engine import Sequential
from nnviz.engine.spec import LayerSpec, NetworkSpec, SpecError
from nnviz.live import presets
from nnviz.live.diagnosis import RULES
from nnviz.live.session import TrainingSession
from nnviz.live.snapshot import TrainingSnapshot

SUFFIX = ".toml"
#: the seven parts of the course a lesson belongs to
PARTS: dict[int, str] = {
    1: "The perceptron",
    2: "Building networks",
    3: "Applying them: cat vs non-cat",
    4: "Training: the loss, gradient descent, mini-batches",
    5: "Optimization algorithms",
    6: "In practice: splitting data, regularization",
    7: "In practice: normalizing, vanishing/exploding gradients, initialization",
}
FULL_BATCH = "full"
#: optimizer settings a step may give next to ``optimizer`` and ``learning_rate``
OPTIMIZER_OPTIONS = ("momentum", "nesterov", "rho", "beta_1", "beta_2", "epsilon")
#: a boundary whose best single line misclassifies at most this fraction of the grid is
#: "linear" (a search over lines 1 degree apart on a 32x32 grid leaves a few cells wrong)
LINEAR_TOLERANCE = 0.01
LINE_ANGLES = 180
LINE_GRID = 32


class LessonError(ValueError):
    """A lesson file is malformed; the message names the file, the step and the key."""


# -- the schema ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Network:
    """The network a step sets up (None: as before). ``activation`` is one name for all
    hidden layers or one per hidden layer; the output layer follows the task."""

    hidden: tuple[int, ...] | None = None
    activation: str | tuple[str, ...] | None = None
    initializer: str | None = None
    init_scale: float | None = None
    seed: int | None = None
    dtype: str | None = None


@dataclass(frozen=True)
class Hyperparameters:
    """How a step trains (None: as before). ``batch_size`` 0 means full batch; ``l2`` and
    ``dropout`` apply to every hidden layer; ``epochs`` and ``patience`` (early stopping)
    are the run options, 0 meaning off."""

    optimizer: str | None = None
    learning_rate: float | None = None
    options: tuple[tuple[str, Any], ...] = ()
    batch_size: int | None = None
    loss: str | None = None
    l2: float | None = None
    dropout: float | None = None
    epochs: int | None = None
    patience: int | None = None


@dataclass(frozen=True)
class Weight:
    """One weight (``kind="W"``, ``index=(input, unit)``) or bias (``"b"``, ``(unit,)``)
    of dense layer ``layer`` (1-based, as the diagram numbers them)."""

    layer: int
    kind: str
    index: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class Clause:
    """One test of a condition: ``name op value`` for a metric, or a bare flag name."""

    name: str
    op: str | None = None
    value: float = 0.0


@dataclass(frozen=True)
class Condition:
    """Said (``message``) when ``when`` becomes true during the step."""

    when: str
    message: str
    clauses: tuple[Clause, ...] = ()


@dataclass(frozen=True)
class Step:
    text: str
    data: DataConfig | None = None
    network: Network | None = None
    hyperparameters: Hyperparameters | None = None
    restart: bool = True
    speed: float | None = None
    views: tuple[str, ...] = ()
    race: str | None = None
    trace: tuple[float, float] | None = None
    landscape: bool = False
    presentation: bool | None = None
    weights: tuple[Weight, ...] = ()
    condition: Condition | None = None


@dataclass(frozen=True)
class Settings:
    """What applying a step sets up: the merged data, network and hyperparameters of the
    steps so far, and this step's own extras."""

    data: DataConfig
    network: Network
    hyperparameters: Hyperparameters
    step: Step


@dataclass(frozen=True)
class Lesson:
    title: str
    part: int
    steps: tuple[Step, ...]
    number: int = 0
    path: str | None = None

    @property
    def part_title(self) -> str:
        return PARTS.get(self.part, f"Part {self.part}")

    def settings_at(self, index: int) -> Settings:
        """The settings of step ``index`` (0-based) merged over the steps before it."""
        if not 0 <= index < len(self.steps):
            raise IndexError(f"{self.title!r} has no step {index + 1}")
        data = presets.data_config()
        network, hyper = Network(), Hyperparameters()
        for step in self.steps[: index + 1]:
            data = step.data or data
            network = _merged(network, step.network)
            hyper = _merged(hyper, step.hyperparameters)
        return Settings(data, network, hyper, self.steps[index])


def _merged(base: Any, update: Any) -> Any:
    if update is None:
        return base
    changes = {f.name: getattr(update, f.name) for f in fields(update)}
    changes = {k: v for k, v in changes.items() if v is not None}
    if "options" in changes:
        changes["options"] = tuple({**dict(base.options), **dict(changes["options"])}.items())
    return replace(base, **changes)


# -- reading ------------------------------------------------------------------------------
def lesson_folder() -> Traversable:
    """The lessons shipped with nnviz."""
    from nnviz.resources import resource

    return resource("lessons")


def builtin_lessons() -> list[Lesson]:
    """Every shipped lesson, ordered by part and number."""
    found = [
        parse_lesson(entry.read_text(encoding="utf-8"), str(entry))
        for entry in lesson_folder().iterdir()
        if entry.name.endswith(SUFFIX)
    ]
    return sorted(found, key=lambda lesson: (lesson.part, lesson.number, lesson.title))


def load_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Read and check the lesson file ``path``. Raises :class:`LessonError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"{path.name}: cannot read the file ({exc})") from None
    return parse_lesson(text, str(path))


def parse_lesson(text: str, source: str = "lesson") -> Lesson:
    """A lesson from TOML ``text``; ``source`` (its path) names it in messages and
    anchors relative data paths. Raises :class:`LessonError`."""
    name = Path(source).name
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{name}: not valid TOML ({exc})") from None
    reader = _Reader(name, Path(source).parent)
    return reader.lesson(raw, source)


class _Reader:
    """Checks one lesson file, naming ``file: step k: key`` in every complaint."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.where = name

    def fail(self, key: str, message: str) -> LessonError:
        return LessonError(f"{self.where}: {key}: {message}")

    def known(self, table: Mapping[str, Any], keys: Iterable[str], prefix: str = "") -> None:
        unknown = sorted(set(table) - set(keys))
        if unknown:
            raise self.fail(
                prefix + unknown[0], f"unknown key; known keys are {', '.join(sorted(keys))}"
            )

    def value(self, table: Mapping[str, Any], key: str, kind: Any, prefix: str = "") -> Any:
        value = table[key]
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
        if kind is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and math.isfinite(value)
        if not ok:
            word = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
            raise self.fail(prefix + key, f"must be {word.get(kind, kind)}, got {value!r}")
        return float(value) if kind is float else value

    def lesson(self, raw: Mapping[str, Any], source: str) -> Lesson:
        self.known(raw, ("title", "part", "number", "steps"))
        for key in ("title", "part", "steps"):
            if key not in raw:
                raise self.fail(key, "missing")
        title = self.value(raw, "title", str)
        part = self.value(raw, "part", int)
        if part not in PARTS:
            raise self.fail("part", f"must be one of {sorted(PARTS)}, got {part}")
        number = self.value(raw, "number", int) if "number" in raw else 0
        steps = raw["steps"]
        if not isinstance(steps, list) or not steps:
            raise self.fail("steps", "a lesson needs at least one [[steps]] table")
        parsed = []
        for k, step in enumerate(steps, start=1):
            self.where = f"{self.name}: step {k}"
            if not isinstance(step, Mapping):
                raise self.fail("steps", "each step must be a table")
            parsed.append(self.step(step))
        self.where = self.name
        return Lesson(title, part, tuple(parsed), number, source)

    def step(self, raw: Mapping[str, Any]) -> Step:
        self.known(raw, [f.name for f in fields(Step)])
        if "text" not in raw:
            raise self.fail("text", "missing: say what to do, what to watch, and ask a question")
        step = Step(text=self.value(raw, "text", str))
        changes: dict[str, Any] = {}
        if "data" in raw:
            changes["data"] = self.data(self.table(raw, "data"))
        if "network" in raw:
            changes["network"] = self.network(self.table(raw, "network"))
        if "hyperparameters" in raw:
            changes["hyperparameters"] = self.hyperparameters(self.table(raw, "hyperparameters"))
        for key in ("restart", "landscape", "presentation"):
            if key in raw:
                changes[key] = self.value(raw, key, bool)
        if "speed" in raw:
            speed = self.value(raw, "speed", float)
            if speed <= 0:
                raise self.fail("speed", f"epochs per second must be above 0, got {speed}")
            changes["speed"] = speed
        if "views" in raw:
            views = raw["views"]
            if not isinstance(views, list) or not all(isinstance(v, str) for v in views):
                raise self.fail("views", "must be a list of dock names, e.g. ['boundaryDock']")
            changes["views"] = tuple(views)
        if "race" in raw:
            changes["race"] = self.value(raw, "race", str)
        if "trace" in raw:
            point = raw["trace"]
            if not isinstance(point, list) or len(point) != 2:
                raise self.fail("trace", f"must be a point [x1, x2], got {point!r}")
            changes["trace"] = tuple(self.value({"trace": p}, "trace", float) for p in point)
        if "weights" in raw:
            changes["weights"] = self.weights(raw["weights"])
        if "condition" in raw:
            changes["condition"] = self.condition(self.table(raw, "condition"))
        return replace(step, **changes)

    def table(self, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = raw[key]
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a table ([steps.{key}]), got {value!r}")
        return value

    def data(self, raw: Mapping[str, Any]) -> DataConfig:
        values = dict(raw)
        path = values.get("path")
        if isinstance(path, str) and not Path(path).is_absolute():
            values["path"] = str(self.folder / path)
        try:
            return DataConfig.from_dict(values)
        except (DatasetError, TypeError) as exc:
            raise self.fail("data", str(exc)) from None

    def network(self, raw: Mapping[str, Any]) -> Network:
        self.known(raw, [f.name for f in fields(Network)], "network.")
        changes: dict[str, Any] = {}
        if "hidden" in raw:
            hidden = raw["hidden"]
            if not isinstance(hidden, list) or not all(
                isinstance(u, int) and not isinstance(u, bool) and u >= 1 for u in hidden
            ):
                raise self.fail("network.hidden", f"must be a list of layer sizes, got {hidden!r}")
            changes["hidden"] = tuple(hidden)
        if "activation" in raw:
            activation = raw["activation"]
            if isinstance(activation, list) and all(isinstance(a, str) for a in activation):
                activation = tuple(activation)
            elif not isinstance(activation, str):
                raise self.fail(
                    "network.activation", f"must be a name or a list of names, got {activation!r}"
                )
            changes["activation"] = activation
        for key, kind in (("initializer", str), ("init_scale", float), ("seed", int)):
            if key in raw:
                changes[key] = self.value(raw, key, kind, "network.")
        if "dtype" in raw:
            changes["dtype"] = self.value(raw, "dtype", str, "network.")
        return Network(**changes)

    def hyperparameters(self, raw: Mapping[str, Any]) -> Hyperparameters:
        keys = [f.name for f in fields(Hyperparameters) if f.name != "options"]
        self.known(raw, [*keys, *OPTIMIZER_OPTIONS], "hyperparameters.")
        p = "hyperparameters."
        changes: dict[str, Any] = {}
        for key in ("optimizer", "loss"):
            if key in raw:
                changes[key] = self.value(raw, key, str, p)
        for key in ("learning_rate", "l2", "dropout"):
            if key in raw:
                changes[key] = self.value(raw, key, float, p)
        for key in ("epochs", "patience"):
            if key in raw:
                changes[key] = self.value(raw, key, int, p)
                if changes[key] < 0:
                    raise self.fail(p + key, f"must be 0 (off) or more, got {changes[key]}")
        if "batch_size" in raw:
            batch = raw["batch_size"]
            if batch == FULL_BATCH:
                batch = 0
            elif isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
                raise self.fail(p + "batch_size", f"must be 1 or more, or 'full', got {batch!r}")
            changes["batch_size"] = batch
        options = []
        for key in OPTIMIZER_OPTIONS:
            if key in raw:
                options.append((key, self.value(raw, key, bool if key == "nesterov" else float, p)))
        return Hyperparameters(options=tuple(options), **changes)

    def weights(self, raw: Any) -> tuple[Weight, ...]:
        if not isinstance(raw, list):
            raise self.fail("weights", "must be a list of {layer, kind, index, value} tables")
        result = []
        for i, entry in enumerate(raw):
            key = f"weights[{i}]."
            if not isinstance(entry, Mapping):
                raise self.fail(f"weights[{i}]", "must be a table {layer, kind, index, value}")
            self.known(entry, ("layer", "kind", "index", "value"), key)
            for name in ("layer", "kind", "index", "value"):
                if name not in entry:
                    raise self.fail(key + name, "missing")
            kind = self.value(entry, "kind", str, key)
            if kind not in ("W", "b"):
                raise self.fail(key + "kind", f"must be 'W' or 'b', got {kind!r}")
            index = entry["index"]
            if not isinstance(index, list) or not all(
                isinstance(j, int) and not isinstance(j, bool) and j >= 0 for j in index
            ):
                raise self.fail(key + "index", f"must be a list of positions, got {index!r}")
            result.append(
                Weight(
                    self.value(entry, "layer", int, key),
                    kind,
                    tuple(index),
                    self.value(entry, "value", float, key),
                )
            )
        return tuple(result)

    def condition(self, raw: Mapping[str, Any]) -> Condition:
        self.known(raw, ("when", "message"), "condition.")
        for key in ("when", "message"):
            if key not in raw:
                raise self.fail("condition." + key, "missing")
        when = self.value(raw, "when", str, "condition.")
        try:
            clauses = parse_condition(when)
        except ValueError as exc:
            raise self.fail("condition.when", str(exc)) from None
        return Condition(when, self.value(raw, "message", str, "condition."), clauses)


# -- conditions ---------------------------------------------------------------------------
#: metrics a condition may compare (train_val_gap: training minus validation accuracy)
METRICS = ("epoch", "step", "loss", "accuracy", "val_loss", "val_accuracy", "train_val_gap")
#: flags a condition may name; ``diagnosis:<rule>`` names a finding of the diagnosis
FLAGS = ("boundary_is_linear", "boundary_is_curved", "diverged")
OPERATORS = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    ">": np.greater,
    "<": np.less,
    "==": np.equal,
}
_CLAUSE = re.compile(r"^\s*([a-z_:]+)\s*(?:(>=|<=|==|>|<)\s*([-+0-9.eE]+))?\s*$")


def parse_condition(text: str) -> tuple[Clause, ...]:
    """``"val_accuracy >= 0.9 and epoch >= 50"`` -> clauses (all must hold). Raises
    ValueError naming what is not understood."""
    clauses = []
    for part in text.split(" and "):
        match = _CLAUSE.match(part)
        if match is None:
            raise ValueError(f"cannot read {part.strip()!r}: write e.g. 'val_accuracy >= 0.9'")
        name, op, number = match.groups()
        if op is None:
            rule = name.removeprefix("diagnosis:")
            if name not in FLAGS and not (name.startswith("diagnosis:") and rule in RULES):
                raise ValueError(
                    f"unknown flag {name!r}; use {', '.join(FLAGS)} or diagnosis:<rule> with a "
                    f"rule of {', '.join(RULES)}"
                )
            clauses.append(Clause(name))
            continue
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; use one of {', '.join(METRICS)}")
        try:
            value = float(number)
        except ValueError:
            raise ValueError(f"{number!r} is not a number") from None
        clauses.append(Clause(name, op, value))
    return tuple(clauses)


def _last(snapshot: TrainingSnapshot, key: str) -> float:
    values = snapshot.history.get(key)
    return float(values[-1]) if values is not None and len(values) else math.nan


def metric(snapshot: TrainingSnapshot, name: str) -> float:
    """The value of metric ``name`` (NaN when unknown yet)."""
    if name == "epoch":
        return float(snapshot.epoch)
    if name == "step":
        return float(snapshot.step)
    if name == "train_val_gap":
        return _last(snapshot, "accuracy") - _last(snapshot, "val_accuracy")
    return _last(snapshot, name)


def condition_met(
    condition: Condition | tuple[Clause, ...], snapshot: TrainingSnapshot, diverged: bool = False
) -> bool:
    """Whether every clause holds on ``snapshot`` (``diverged``: training stopped on a
    divergence since the step began)."""
    clauses = condition.clauses if isinstance(condition, Condition) else condition
    # the boundary check (~30 ms) last: a false metric clause spares it
    for clause in sorted(clauses, key=lambda c: c.name.startswith("boundary")):
        if clause.op is not None:
            value = metric(snapshot, clause.name)
            if not (math.isfinite(value) and OPERATORS[clause.op](value, clause.value)):
                return False
        elif clause.name == "diverged":
            losses = snapshot.step_losses
            blown = len(losses) > 0 and not math.isfinite(float(losses[-1]))
            if not (diverged or blown or snapshot.instability):
                return False
        elif clause.name.startswith("diagnosis:"):
            rule = clause.name.removeprefix("diagnosis:")
            if not any(f.rule == rule for f in snapshot.findings):
                return False
        else:
            if snapshot.boundary is None:
                return False
            linear = boundary_is_linear(snapshot.boundary.grid)
            if linear != (clause.name == "boundary_is_linear"):
                return False
    return True


def linear_error(grid: np.ndarray) -> float:
    """The fraction of a two-class boundary grid (P(class 1) per cell) that the best
    single straight line misclassifies: 0 for a straight boundary."""
    g = np.asarray(grid)
    if g.ndim != 2:
        return 1.0
    stride = max(1, g.shape[0] // LINE_GRID)
    labels = (g[::stride, ::stride] > 0.5).ravel()
    n = labels.size
    if labels.all() or not labels.any():
        return 0.0
    rows, cols = np.indices(g[::stride, ::stride].shape)
    points = np.column_stack([cols.ravel(), rows.ravel()]).astype(np.float64)
    angles = np.linspace(0.0, np.pi, LINE_ANGLES, endpoint=False)
    directions = np.stack([np.cos(angles), np.sin(angles)])
    order = np.argsort(points @ directions, axis=0, kind="stable")
    sorted_labels = labels[order]  # (n, angles): labels along each direction
    ones_before = np.vstack([np.zeros((1, LINE_ANGLES)), np.cumsum(sorted_labels, axis=0)])
    total_ones = ones_before[-1]
    count_before = np.arange(n + 1)[:, None]
    # class 1 after the cut: errors = ones before + zeros after; or the other way round
    errors_a = ones_before + (n - count_before) - (total_ones - ones_before)
    errors_b = (count_before - ones_before) + (total_ones - ones_before)
    return float(min(errors_a.min(), errors_b.min()) / n)


def boundary_is_linear(grid: np.ndarray) -> bool:
    """Whether one straight line separates the two predicted classes of ``grid``."""
    return linear_error(grid) <= LINEAR_TOLERANCE


# -- settings -> spec and session -----------------------------------------------------------
def network_spec(settings: Settings, data: PreparedData) -> NetworkSpec:
    """The network ``settings`` describe, fitted to ``data`` (input, output, batch)."""
    spec = presets.network_spec(data.config)
    net, hyper = settings.network, settings.hyperparameters
    dense = [layer for layer in spec.layers if layer.is_dense()]
    hidden_specs, output = dense[:-1], dense[-1]
    units = net.hidden if net.hidden is not None else tuple(la.units for la in hidden_specs)
    activations = net.activation
    if activations is None:
        activations = tuple(la.activation for la in hidden_specs) or "tanh"
    if isinstance(activations, str):
        activations = (activations,) * len(units)
    if len(activations) < len(units):
        activations = activations + (activations[-1],) * (len(units) - len(activations))
    template = hidden_specs[0] if hidden_specs else LayerSpec()
    initializer = net.initializer or template.initializer
    l2 = hyper.l2 if hyper.l2 is not None else 0.0
    layers: list[LayerSpec] = []
    for size, activation in zip(units, activations, strict=False):
        layers.append(
            LayerSpec(
                units=size,
                activation=activation,
                initializer=initializer,
                init_scale=net.init_scale,
                l2=l2,
            )
        )
        if hyper.dropout:
            layers.append(LayerSpec(kind="dropout", rate=hyper.dropout))
    layers.append(
        replace(
            output,
            initializer=net.initializer or output.initializer,
            init_scale=net.init_scale,
            l2=l2,
        )
    )
    optimizer = spec.optimizer
    if hyper.optimizer is not None and hyper.optimizer != optimizer.name:
        optimizer = replace(optimizer, name=hyper.optimizer, options={})
    if hyper.learning_rate is not None:
        optimizer = replace(optimizer, learning_rate=hyper.learning_rate)
    if hyper.options:
        optimizer = replace(optimizer, options={**optimizer.options, **dict(hyper.options)})
    batch = spec.batch_size if hyper.batch_size is None else (hyper.batch_size or None)
    if batch is not None and batch > data.raw.train.n_samples:
        batch = None
    spec = replace(
        spec,
        layers=tuple(layers),
        optimizer=optimizer,
        batch_size=batch,
        seed=spec.seed if net.seed is None else net.seed,
        dtype=net.dtype or spec.dtype,
    )
    if hyper.loss is not None:
        spec = replace(spec, loss=hyper.loss)
    spec = spec.for_task(data.input_dim, data.n_classes)
    if hyper.loss is not None:
        spec = replace(spec, loss=hyper.loss)
    try:
        return spec.validate()
    except SpecError as exc:
        raise LessonError(f"the step's network cannot be built: {exc}") from None


def weight_changes(step: Step) -> tuple[tuple[int, str, tuple[int, ...], float], ...]:
    """The step's weights as ``(dense_index, kind, index, value)`` for the session and
    the document (0-based layers)."""
    return tuple((w.layer - 1, w.kind, w.index, w.value) for w in step.weights)


def fresh_weights(spec: NetworkSpec) -> list[np.ndarray]:
    """The initial weights ``spec`` draws with its seed: a restarted step starts from
    exactly the weights a new session of the same spec would."""
    return Sequential.from_config(spec).get_weights()


def build_session(lesson: Lesson, index: int) -> TrainingSession:
    """A session set up as applying step ``index`` in the app would (no window): the
    tests train it for the epochs the step intends."""
    from nnviz.data import prepare

    settings = lesson.settings_at(index)
    data = prepare(settings.data)
    session = TrainingSession(network_spec(settings, data), data)
    session.set_patience(settings.hyperparameters.patience or 0)
    for change in weight_changes(settings.step):
        session.set_parameter(*change)
    return session


def train_epochs(session: TrainingSession, epochs: int) -> None:
    """Train ``epochs`` more epochs (early stopping ends it sooner)."""
    target = session.epoch + epochs
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while session.epoch < target:
            session.step()
            if session.take_stop_request():
                return


# -- writing ------------------------------------------------------------------------------
def step_from_state(
    text: str,
    data: DataConfig,
    spec: NetworkSpec,
    *,
    epochs: int = 0,
    patience: int = 0,
    speed: float | None = None,
    views: Iterable[str] = (),
) -> Step:
    """A step that sets up ``data`` and ``spec`` as they are (Save as lesson step)."""
    dense = spec.dense_layers
    hidden = dense[:-1]
    activations = tuple(layer.activation for layer in hidden)
    dropouts = [layer.rate for layer in spec.layers if not layer.is_dense()]
    optimizer = spec.optimizer
    options = tuple((k, v) for k, v in optimizer.options.items() if k in OPTIMIZER_OPTIONS)
    return Step(
        text=text,
        data=data,
        network=Network(
            hidden=tuple(layer.units for layer in hidden),
            activation=activations[0] if len(set(activations)) == 1 else activations or "tanh",
            initializer=dense[0].initializer,
            init_scale=dense[0].init_scale,
            seed=spec.seed,
            dtype=spec.dtype,
        ),
        hyperparameters=Hyperparameters(
            optimizer=optimizer.name,
            learning_rate=optimizer.learning_rate,
            options=options,
            batch_size=spec.batch_size or 0,
            loss=spec.loss,
            l2=dense[0].l2,
            dropout=dropouts[0] if dropouts else 0.0,
            epochs=epochs,
            patience=patience,
        ),
        speed=speed,
        views=tuple(views),
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} to a lesson file")


def _long_text(text: str) -> str:
    """Multi-line text as a TOML literal block where it can be, else a quoted string."""
    plain = all(c == "\n" or c.isprintable() for c in text)
    if plain and "'''" not in text and not text.endswith("'") and "\n" in text:
        return "'''\n" + text + "'''"
    return _toml_value(text)


def _table(name: str, values: Mapping[str, Any]) -> list[str]:
    lines = [f"[{name}]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return lines


def step_to_toml(step: Step, folder: Path | None = None) -> str:
    """One ``[[steps]]`` table; a data path inside ``folder`` is written relative to it."""
    lines = ["[[steps]]", f"text = {_long_text(step.text)}"]
    default = Step(text="")
    for key in ("restart", "speed", "views", "race", "trace", "landscape", "presentation"):
        value = getattr(step, key)
        if value != getattr(default, key):
            lines.append(f"{key} = {_toml_value(value)}")
    if step.weights:
        entries = [
            {"layer": w.layer, "kind": w.kind, "index": list(w.index), "value": w.value}
            for w in step.weights
        ]
        lines.append(f"weights = {_toml_value(entries)}")
    if step.data is not None:
        values = step.data.to_dict()
        base = DataConfig().to_dict()
        values = {
            k: v for k, v in values.items() if v is not None and (v != base[k] or k == "kind")
        }
        path = values.get("path")
        if path and folder is not None and Path(path).is_relative_to(folder):
            values["path"] = str(Path(path).relative_to(folder))
        lines += _table("steps.data", values)
    if step.network is not None:
        net = {f.name: getattr(step.network, f.name) for f in fields(Network)}
        lines += _table("steps.network", {k: v for k, v in net.items() if v is not None})
    if step.hyperparameters is not None:
        hyper = step.hyperparameters
        values = {
            f.name: getattr(hyper, f.name)
            for f in fields(Hyperparameters)
            if f.name != "options" and getattr(hyper, f.name) is not None
        }
        if values.get("batch_size") == 0:
            values["batch_size"] = FULL_BATCH
        values.update(dict(hyper.options))
        lines += _table("steps.hyperparameters", values)
    if step.condition is not None:
        lines += _table(
            "steps.condition", {"when": step.condition.when, "message": step.condition.message}
        )
    return "\n".join(lines) + "\n"


def lesson_to_toml(lesson: Lesson) -> str:
    """The whole lesson file; :func:`parse_lesson` reads it back equal."""
    folder = Path(lesson.path).parent if lesson.path else None
    head = [f"title = {_toml_value(lesson.title)}", f"part = {lesson.part}"]
    if lesson.number:
        head.append(f"number = {lesson.number}")
    return "\n".join(head) + "\n\n" + "\n".join(step_to_toml(s, folder) for s in lesson.steps)


def save_step(path: str | os.PathLike[str], step: Step, title: str = "", part: int = 1) -> Lesson:
    """Append ``step`` to the lesson file ``path`` (created, with ``title`` and ``part``,
    when it does not exist); written atomically. Returns the lesson as saved."""
    path = Path(path)
    if path.exists():
        lesson = load_lesson(path)
        lesson = replace(lesson, steps=(*lesson.steps, step))
    else:
        lesson = Lesson(title or path.stem.replace("_", " "), part, (step,), 0, str(path))
    text = lesson_to_toml(lesson)
    parse_lesson(text, str(path))  # never write a file that would not load back
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return load_lesson(path)
