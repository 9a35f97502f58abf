"""Finished trainings kept for comparison: :class:`Run` and the bounded :class:`RunLog`.

Every training from a reset (Reset, Reset to start, a data switch, opening a project,
restoring a run) that trained at least one step becomes a :class:`Run` when it ends; "Keep
as run" makes one without resetting. A run holds what it takes to compare it (its
per-epoch curves, final numbers, a boundary thumbnail) and to continue it (its spec, data
settings, exact final :class:`TrainingState` and initial weights). Everything in a run is
an immutable copy.

The log lives with the training session on the worker thread; snapshots carry
``RunLog.runs``, a tuple made anew on every change (its identity is the frame clock's key).
It keeps at most :data:`MAX_RUNS` runs and :data:`MAX_RUN_BYTES` of their weights and
optimizer state: past either, the oldest run that is not pinned is dropped (the oldest
pinned one only when all are pinned) and the log says so once per drop.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nnviz.data import DataConfig
from nnviz.engine.spec import LayerSpec, NetworkSpec
from nnviz.engine.state import TrainingState, check_model_state, frozen_copy, weight_shapes
from nnviz.live.snapshot import HISTORY_KEYS

MAX_RUNS = 30
#: weights, optimizer state and initial weights of all runs together (the cat network
#: 12288-20-7-5-1 with Adam is about 10 MB a run, a 2D network a few kilobytes)
MAX_RUN_BYTES = 128 * 2**20
THUMBNAIL_SIZE = 32
#: what the curves' x axis can count
X_AXES = ("epochs", "steps", "examples")
#: at most this many differences are named; the rest are counted
MAX_DIFFERENCES = 3

Settings = tuple[NetworkSpec, DataConfig]


def examples_seen(steps: np.ndarray, batch_size: int | None, n_train: int) -> np.ndarray:
    """Training examples seen after ``steps`` steps of ``batch_size`` (None: the whole
    set) on ``n_train`` samples; an epoch's last batch may be smaller."""
    steps = np.asarray(steps, dtype=np.int64)
    batch = min(batch_size or n_train, n_train)
    per_epoch = math.ceil(n_train / batch)
    epochs, within = np.divmod(steps, per_epoch)
    return epochs * n_train + np.minimum(within * batch, n_train)


@dataclass(frozen=True)
class RunCurves:
    """Per-epoch curves (``HISTORY_KEYS``): the epoch numbers (1-based) and values of each
    key, read-only copies; ``batches_per_epoch`` and ``n_train`` turn epochs into steps and
    examples seen."""

    epochs: Mapping[str, np.ndarray]
    values: Mapping[str, np.ndarray]
    batches_per_epoch: int
    n_train: int

    def x(self, key: str, axis: str = "epochs") -> np.ndarray:
        """The x values of curve ``key`` counted in ``axis`` (one of :data:`X_AXES`)."""
        epochs = np.asarray(self.epochs.get(key, ()), dtype=np.float64)
        if axis == "steps":
            return epochs * self.batches_per_epoch
        if axis == "examples":
            return epochs * self.n_train
        return epochs

    def last(self, key: str) -> float:
        """The last finite value of curve ``key`` (NaN when there is none)."""
        values = np.asarray(self.values.get(key, ()), dtype=np.float64)
        finite = values[np.isfinite(values)]
        return float(finite[-1]) if finite.size else math.nan


@dataclass(frozen=True, eq=False)
class Run:
    """One finished (or kept) training. ``thumbnail``: a ``(32, 32)`` uint8 picture of the
    model over the 2D input plane (rows along x2) — P(class 1) x 255 for two classes, the
    predicted class for more — or None for images."""

    run_id: str
    name: str
    difference: str
    spec: NetworkSpec
    data_config: DataConfig
    state: TrainingState
    initial_weights: tuple[np.ndarray, ...]
    curves: RunCurves
    thumbnail: np.ndarray | None = None
    pinned: bool = False

    @property
    def settings(self) -> Settings:
        return self.spec, self.data_config

    @property
    def epochs(self) -> int:
        return self.state.epoch

    @property
    def steps(self) -> int:
        return self.state.step

    @property
    def final(self) -> dict[str, float]:
        """The last train/validation loss and accuracy (NaN when never measured)."""
        return {key: self.curves.last(key) for key in HISTORY_KEYS}

    @property
    def final_weights(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]`` at the end of the run (copies)."""
        flat = self.state.arrays["params"]
        weights, start = [], 0
        for shape in weight_shapes(self.spec):
            size = math.prod(shape)
            weights.append(np.array(flat[start : start + size]).reshape(shape))
            start += size
        return weights

    @property
    def nbytes(self) -> int:
        return self.state.nbytes + sum(int(w.nbytes) for w in self.initial_weights)


def make_run(
    *,
    name: str = "",
    difference: str = "",
    data_config: DataConfig,
    state: TrainingState,
    initial_weights: list[np.ndarray] | tuple[np.ndarray, ...],
    curves: RunCurves,
    thumbnail: np.ndarray | None = None,
    run_id: str | None = None,
    pinned: bool = False,
) -> Run:
    """A :class:`Run` holding read-only copies of the arrays it is given (how other
    features hand a training over: :meth:`RunLog.add` names it and says what differs
    when ``name`` and ``difference`` are empty)."""
    return Run(
        run_id=run_id or uuid.uuid4().hex,
        name=name,
        difference=difference,
        spec=state.spec,
        data_config=data_config,
        state=state,
        initial_weights=tuple(frozen_copy(w) for w in initial_weights),
        curves=curves,
        thumbnail=None if thumbnail is None else frozen_copy(thumbnail.astype(np.uint8)),
        pinned=pinned,
    )


def thumbnail_of(grid: np.ndarray) -> np.ndarray:
    """A :data:`THUMBNAIL_SIZE` square uint8 picture of a boundary grid (``(g, g)``
    probabilities of class 1, or ``(g, g, k)`` class probabilities)."""
    g = grid.shape[0]
    rows = np.linspace(0, g - 1, THUMBNAIL_SIZE).round().astype(int)
    cells = grid[np.ix_(rows, rows)]
    if cells.ndim == 3:
        return np.argmax(cells, axis=2).astype(np.uint8)
    return np.clip(np.rint(np.nan_to_num(cells) * 255.0), 0, 255).astype(np.uint8)


# -- what differs ---------------------------------------------------------------------------
def _number(value: Any) -> str:
    if value is None:
        return "none"
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _batch(value: int | None) -> str:
    return "full" if value is None else str(value)


def _joined(values: list[Any]) -> str:
    """One value when all are equal, else all of them comma-separated."""
    texts = [_number(v) for v in values]
    return texts[0] if texts and len(set(texts)) == 1 else ",".join(texts) or "none"


def _hidden(spec: NetworkSpec) -> tuple[LayerSpec, ...]:
    return spec.dense_layers[:-1]


def _dropout(spec: NetworkSpec) -> str:
    rates = [layer.rate for layer in spec.layers if layer.kind == "dropout"]
    return _joined(rates) if rates else "none"


def _data_name(config: DataConfig) -> str:
    if config.kind == "points":
        return str(config.name)
    return "cat" if config.kind == "cat" else str(config.path)


def _changes(old: Settings, new: Settings) -> list[str]:
    (a, da), (b, db) = old, new
    out: list[str] = []

    def compare(label: str, before: str, after: str) -> None:
        if before != after:
            out.append(f"{label} {before} → {after}".strip())

    compare("data", _data_name(da), _data_name(db))
    if _data_name(da) == _data_name(db):
        compare("samples", _number(da.n_samples), _number(db.n_samples))
        compare("noise", _number(da.noise), _number(db.noise))
        compare("features", "+".join(da.features), "+".join(db.features))
        compare("normalization", da.normalization, db.normalization)
    compare("batch", _batch(a.batch_size), _batch(b.batch_size))
    compare("", a.optimizer.name, b.optimizer.name)
    compare("lr", _number(a.optimizer.learning_rate), _number(b.optimizer.learning_rate))
    for option in sorted(set(a.optimizer.options) | set(b.optimizer.options)):
        compare(
            option,
            _number(a.optimizer.options.get(option)),
            _number(b.optimizer.options.get(option)),
        )
    hidden_a, hidden_b = _hidden(a), _hidden(b)
    compare("layers", _joined([h.units for h in hidden_a]), _joined([h.units for h in hidden_b]))
    compare(
        "", _joined([h.activation for h in hidden_a]), _joined([h.activation for h in hidden_b])
    )
    compare(
        "init",
        _joined([h.initializer for h in a.dense_layers]),
        _joined([h.initializer for h in b.dense_layers]),
    )
    compare(
        "init scale",
        _joined([h.init_scale or "default" for h in a.dense_layers]),
        _joined([h.init_scale or "default" for h in b.dense_layers]),
    )
    compare("L2", _joined([h.l2 for h in a.dense_layers]), _joined([h.l2 for h in b.dense_layers]))
    compare("L1", _joined([h.l1 for h in a.dense_layers]), _joined([h.l1 for h in b.dense_layers]))
    compare("dropout", _dropout(a), _dropout(b))
    compare("schedule", a.schedule.name, b.schedule.name)
    if a.schedule.name == b.schedule.name and dict(a.schedule.options) != dict(b.schedule.options):
        out.append("schedule settings")
    compare("clip", _number(a.clipnorm), _number(b.clipnorm))
    compare("loss", a.loss, b.loss)
    compare("", a.dtype, b.dtype)
    return out


def describe_difference(
    previous: Settings | None, current: Settings, same_start: bool = False
) -> str:
    """What changed from ``previous`` (spec, data settings) to ``current``, in a few words:
    "batch 16 → 1", "adam → sgd", "lr 0.01 → 0.1", "layers 8,8 → 16", "data spiral → xor";
    "same settings (new weights)" when nothing did (``same_start``: "(same start)")."""
    if previous is None:
        return "first run"
    changes = _changes(previous, current)
    if not changes:
        return "same settings (same start)" if same_start else "same settings (new weights)"
    shown = changes[:MAX_DIFFERENCES]
    more = len(changes) - len(shown)
    return ", ".join(shown) + (f" +{more} more" if more else "")


# -- the log --------------------------------------------------------------------------------
class RunLog:
    """The runs kept, oldest first (bounded, see the module docstring). ``runs`` is an
    immutable tuple replaced on every change."""

    def __init__(self, max_runs: int = MAX_RUNS, max_bytes: int = MAX_RUN_BYTES) -> None:
        self.max_runs = max_runs
        self.max_bytes = max_bytes
        self.runs: tuple[Run, ...] = ()
        self._numbered = 0
        self._messages: list[str] = []

    def __len__(self) -> int:
        return len(self.runs)

    @property
    def nbytes(self) -> int:
        return sum(run.nbytes for run in self.runs)

    def next_name(self) -> str:
        return f"Run {self._numbered + 1}"

    def add(self, run: Run) -> Run:
        """Append ``run`` — named "Run N" when unnamed, its difference from the run before
        described when empty — then drop the oldest runs past the limits. Returns the run
        as kept."""
        self._numbered += 1
        if not run.name:
            run = replace(run, name=f"Run {self._numbered}")
        if not run.difference:
            previous = self.runs[-1] if self.runs else None
            same_start = previous is not None and _same_arrays(
                previous.initial_weights, run.initial_weights
            )
            difference = describe_difference(
                previous and previous.settings, run.settings, same_start
            )
            run = replace(run, difference=difference)
        self.runs = (*self.runs, run)
        self._enforce_limits()
        return run

    def extend(self, runs: tuple[Run, ...], first: bool = False) -> None:
        """Add runs kept elsewhere (an opened project's, or before it was opened: ``first``
        puts them before these), keeping their names; those already here (same id) are
        skipped."""
        known = {run.run_id for run in self.runs}
        new = tuple(run for run in runs if run.run_id not in known)
        self.runs = (*new, *self.runs) if first else (*self.runs, *new)
        self._numbered = max(self._numbered, len(self.runs))
        self._enforce_limits()

    def find(self, run_id: str) -> Run:
        for run in self.runs:
            if run.run_id == run_id:
                return run
        raise KeyError(f"there is no run {run_id!r}")

    def rename(self, run_id: str, name: str) -> None:
        name = " ".join(name.split())
        if not name:
            raise ValueError("a run needs a name: type at least one letter")
        self._replace(run_id, name=name)

    def set_pinned(self, run_id: str, pinned: bool) -> None:
        self._replace(run_id, pinned=bool(pinned))

    def remove(self, run_id: str) -> tuple[int, Run]:
        """Take a run out; returns where it was and the run (for :meth:`insert`)."""
        run = self.find(run_id)
        index = self.runs.index(run)
        self.runs = self.runs[:index] + self.runs[index + 1 :]
        return index, run

    def insert(self, index: int, run: Run) -> None:
        """Put back a removed run at ``index`` (an undone delete)."""
        self.runs = (*self.runs[:index], run, *self.runs[index:])
        self._enforce_limits()

    def note(self, text: str) -> None:
        """Something :meth:`take_messages` should pass on."""
        self._messages.append(text)

    def take_messages(self) -> list[str]:
        """What happened that the learner should hear of (runs dropped), once."""
        messages, self._messages = self._messages, []
        return messages

    def _replace(self, run_id: str, **changes: Any) -> None:
        old = self.find(run_id)
        self.runs = tuple(replace(run, **changes) if run is old else run for run in self.runs)

    def _enforce_limits(self) -> None:
        dropped = []
        while len(self.runs) > 1 and (
            len(self.runs) > self.max_runs or self.nbytes > self.max_bytes
        ):
            victim = next((run for run in self.runs if not run.pinned), self.runs[0])
            self.runs = tuple(run for run in self.runs if run is not victim)
            dropped.append(victim.name)
        if dropped:
            names = ", ".join(f"'{name}'" for name in dropped)
            self._messages.append(
                f"The runs list keeps at most {self.max_runs} runs and "
                f"{self.max_bytes // 2**20} MB of weights: dropped {names}, the oldest not "
                "pinned. Pin the runs you want to keep."
            )


def _same_arrays(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True)
    )


# -- project files --------------------------------------------------------------------------
def run_to_record(run: Run) -> dict[str, Any]:
    """``run`` as a project file stores it: ``{"values": JSON-able, "arrays": {...}}``."""
    curves = run.curves
    values = {
        "run_id": run.run_id,
        "name": run.name,
        "difference": run.difference,
        "pinned": run.pinned,
        "spec": run.spec.to_dict(),
        "data": run.data_config.to_dict(),
        "state_values": dict(run.state.values),
        "batches_per_epoch": curves.batches_per_epoch,
        "n_train": curves.n_train,
        "curves": sorted(curves.values),
        "initial_weights": len(run.initial_weights),
    }
    arrays: dict[str, np.ndarray] = {f"state/{k}": v for k, v in run.state.arrays.items()}
    for i, weights in enumerate(run.initial_weights):
        arrays[f"initial/{i:04d}"] = weights
    for key in curves.values:
        arrays[f"curve/{key}/epochs"] = np.asarray(curves.epochs[key])
        arrays[f"curve/{key}/values"] = np.asarray(curves.values[key])
    if run.thumbnail is not None:
        arrays["thumbnail"] = run.thumbnail
    return {"values": values, "arrays": arrays}


def run_from_record(record: Mapping[str, Any]) -> Run:
    """A :class:`Run` from :func:`run_to_record`'s output; ValueError naming what is
    wrong (the spec, state and shapes are all checked)."""
    try:
        values, arrays = record["values"], record["arrays"]
        spec = NetworkSpec.from_dict(values["spec"])
        config = DataConfig.from_dict(values["data"])
        state = TrainingState(
            spec,
            {
                k[len("state/") :]: frozen_copy(v)
                for k, v in arrays.items()
                if k.startswith("state/")
            },
            dict(values["state_values"]),
        )
        check_model_state(state)
        for key in ("trainer/step", "trainer/epoch"):
            if not isinstance(state.values.get(key), int):
                raise ValueError(f"the run's state has no whole number {key!r}")
        shapes = weight_shapes(spec)
        initial = tuple(arrays[f"initial/{i:04d}"] for i in range(int(values["initial_weights"])))
        if [w.shape for w in initial] != shapes:
            raise ValueError("its initial weights do not fit its network")
        epochs, curve_values = {}, {}
        for key in values["curves"]:
            if key not in HISTORY_KEYS:
                raise ValueError(f"unknown curve {key!r}")
            epochs[key] = frozen_copy(np.asarray(arrays[f"curve/{key}/epochs"], dtype=np.int64))
            curve_values[key] = frozen_copy(np.asarray(arrays[f"curve/{key}/values"], np.float64))
            if epochs[key].shape != curve_values[key].shape or epochs[key].ndim != 1:
                raise ValueError(f"its {key} curve has mismatched epochs and values")
        curves = RunCurves(
            epochs, curve_values, int(values["batches_per_epoch"]), int(values["n_train"])
        )
        thumbnail = arrays.get("thumbnail")
        if thumbnail is not None and thumbnail.shape != (THUMBNAIL_SIZE, THUMBNAIL_SIZE):
            raise ValueError(f"its thumbnail has shape {thumbnail.shape}")
        name, difference = str(values["name"]), str(values["difference"])
        return make_run(
            name=name,
            difference=difference,
            data_config=config,
            state=state,
            initial_weights=initial,
            curves=curves,
            thumbnail=thumbnail,
            run_id=str(values["run_id"]),
            pinned=bool(values["pinned"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"a kept run is incomplete ({type(exc).__name__}: {exc})") from None
