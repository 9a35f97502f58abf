"""A race: two to six variants of the current set-up trained side by side (no Qt).

Each :class:`RaceVariant` changes how the network learns — the optimizer and its settings,
the learning rate, the batch size, the initializer, L2 or dropout — and keeps the rest of
the set-up. All variants start from the same initial weights (a variant with its own
initializer draws its weights from the same seed) and see the samples in the same order
(every Trainer shuffles with the set-up's seed). They advance in lockstep, by epochs: the
variant with the fewest epochs done always takes the next step, so a batch-1 variant does
many steps while a full-batch one does one, and their curves line up in epochs.

Variants of the same shape and batch size train as one :class:`StackedGroup` (one batched
forward and backward pass, and one update for those with the same optimizer), their
Trainers stepped by one :class:`Lockstep`; each still has its own engine :class:`Trainer`,
so a race is, bit for bit, separate trainings from the same weights. A variant that
diverges stops with the reason (and leaves its group); the others go on.

The training worker runs a race as a :class:`RaceJob` in slices and hands the GUI
immutable :class:`RaceReport` values. The race's last report (finished, stopped or failed)
holds, per variant, what a kept run needs: its label, spec, final :class:`TrainingState`,
initial weights and per-epoch series (with the report's ``data_config``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from nnviz.data import DataConfig, PreparedData
from nnviz.engine import DivergenceError, LayerSpec, OptimizerSpec, Sequential
from nnviz.engine.spec import NetworkSpec, SpecError
from nnviz.engine.stacked import Lockstep, StackedGroup, StackedMember, stack_key
from nnviz.engine.state import TrainingState
from nnviz.engine.training import StepResult
from nnviz.live.jobs import BackgroundJob, JobReport
from nnviz.live.series import DecimatedSeries
from nnviz.live.session import TrainingSession, check_fits, trainer_for
from nnviz.live.snapshot import HISTORY_KEYS, Boundary, readonly
from nnviz.live.trajectory import Trajectory

MIN_VARIANTS = 2
MAX_VARIANTS = 6
#: ``RaceVariant.batch_size`` for full-batch gradient descent
FULL_BATCH = 0
SERIES_BUDGET = 1024
#: a variant's parameter trajectory: a row every 1/8 epoch, at most this many bytes (and
#: 256 rows; thinned when full)
TRAJECTORY_PER_EPOCH = 8
TRAJECTORY_BYTES = 4 * 2**20
TRAJECTORY_ROWS = 256
MIN_TRAJECTORY_ROWS = 8
#: least time between two computations of the variants' boundaries while racing
BOUNDARY_S = 0.1

RUNNING, FINISHED, DIVERGED = "running", "finished", "diverged"

PRESETS = {
    "optimizers": "SGD vs momentum vs RMSprop vs Adam",
    "batch_sizes": "batch 1 vs 32 vs full",
    "initializers": "zeros vs small vs large vs Xavier vs He",
    "learning_rates": "learning rate too small / right / too large",
    "regularization": "no regularization vs L2 vs dropout",
}


@dataclass(frozen=True)
class RaceVariant:
    """One contestant: ``label`` and what it changes in the set-up (None: as the set-up).

    ``optimizer`` with ``options`` (its settings, e.g. ``{"momentum": 0.9}``; the
    optimizer's defaults when not given) and ``learning_rate``; ``batch_size``
    (:data:`FULL_BATCH` for the whole training set); ``initializer`` (with ``init_scale``
    for the random ones) for every dense layer; ``l2`` for every dense layer; ``dropout``:
    a Dropout layer of this rate after every hidden layer (0: none)."""

    label: str
    optimizer: str | None = None
    learning_rate: float | None = None
    options: Mapping[str, Any] | None = None
    batch_size: int | None = None
    initializer: str | None = None
    init_scale: float | None = None
    l2: float | None = None
    dropout: float | None = None

    @property
    def draws_weights(self) -> bool:
        """Whether it starts from weights of its own initializer (not the shared ones)."""
        return self.initializer is not None

    def spec_for(self, base: NetworkSpec, n_train: int) -> NetworkSpec:
        """``base`` with this variant's changes; SpecError naming the variant and the
        setting when one is impossible."""
        try:
            return self._apply(base, n_train).validate()
        except SpecError as exc:
            raise SpecError(exc.field, f"variant {self.label!r}: {exc}") from exc

    def _apply(self, base: NetworkSpec, n_train: int) -> NetworkSpec:
        spec = base
        if self.optimizer is not None or self.learning_rate is not None or self.options:
            old = base.optimizer
            name = self.optimizer or old.name
            if self.options is not None:
                options = dict(self.options)
            else:
                options = dict(old.options) if name == old.name else {}
            rate = old.learning_rate if self.learning_rate is None else self.learning_rate
            spec = replace(spec, optimizer=OptimizerSpec(name, rate, options))
        if self.batch_size is not None:
            if self.batch_size < 0:
                raise SpecError("batch_size", f"must be at least 1, got {self.batch_size}")
            full = self.batch_size == FULL_BATCH or self.batch_size >= n_train
            spec = replace(spec, batch_size=None if full else self.batch_size)
        dense_changes: dict[str, Any] = {}
        if self.initializer is not None:
            dense_changes.update(initializer=self.initializer, init_scale=self.init_scale)
        if self.l2 is not None:
            dense_changes["l2"] = self.l2
        layers = [
            replace(layer, **dense_changes) if layer.is_dense() else layer for layer in spec.layers
        ]
        if self.dropout is not None:
            layers = _with_dropout([layer for layer in layers if layer.is_dense()], self.dropout)
        return spec.with_layers(layers)


def _with_dropout(dense: list[LayerSpec], rate: float) -> list[LayerSpec]:
    """The dense layers with a Dropout of ``rate`` after each hidden one (none for 0)."""
    if not rate:
        return dense
    layers: list[LayerSpec] = []
    for layer in dense[:-1]:
        layers += [layer, LayerSpec(kind="dropout", rate=rate)]
    return [*layers, dense[-1]]


def preset_variants(name: str, base: NetworkSpec) -> tuple[RaceVariant, ...]:
    """The variants of the lesson preset ``name`` (one of :data:`PRESETS`) for ``base``.

    Learning rates follow the set-up's: RMSprop and Adam take its rate (a tenth of it when
    it is plain SGD's), SGD ten times that — 0.1 and 0.01 on the spiral (Adam at 0.01),
    1e-3 and 1e-4 on the cat photos (Adam at 1e-4)."""
    if name == "optimizers":
        adaptive = base.optimizer.learning_rate
        if base.optimizer.name == "sgd":
            adaptive /= 10
        plain = min(10 * adaptive, 1000.0)
        return (
            RaceVariant("SGD", "sgd", plain, {}),
            RaceVariant("SGD + momentum", "sgd", plain, {"momentum": 0.9}),
            RaceVariant("RMSprop", "rmsprop", adaptive, {}),
            RaceVariant("Adam", "adam", adaptive, {}),
        )
    if name == "batch_sizes":
        return (
            RaceVariant("batch 1", batch_size=1),
            RaceVariant("batch 32", batch_size=32),
            RaceVariant("full batch", batch_size=FULL_BATCH),
        )
    if name == "initializers":
        return (
            RaceVariant("zeros", initializer="zeros"),
            RaceVariant("small σ 0.01", initializer="random_normal", init_scale=0.01),
            RaceVariant("large σ 10", initializer="random_normal", init_scale=10.0),
            RaceVariant("Xavier", initializer="glorot_normal"),
            RaceVariant("He", initializer="he_normal"),
        )
    if name == "learning_rates":
        rate = base.optimizer.learning_rate
        return (
            RaceVariant(f"too small {rate / 100:g}", learning_rate=rate / 100),
            RaceVariant(f"right {rate:g}", learning_rate=rate),
            RaceVariant(
                f"too large {min(rate * 100, 1000.0):g}", learning_rate=min(rate * 100, 1000.0)
            ),
        )
    if name == "regularization":
        return (
            RaceVariant("none", l2=0.0, dropout=0.0),
            RaceVariant("L2 0.001", l2=0.001, dropout=0.0),
            RaceVariant("dropout 0.2", l2=0.0, dropout=0.2),
        )
    raise ValueError(f"unknown race preset {name!r}; choose one of: {', '.join(PRESETS)}")


def check_variants(variants: Sequence[RaceVariant]) -> None:
    """ValueError saying what to change unless there are 2-6 variants with distinct labels."""
    if not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        raise ValueError(
            f"a race needs {MIN_VARIANTS} to {MAX_VARIANTS} variants, got {len(variants)}: "
            "add or remove rows"
        )
    labels = [v.label.strip() for v in variants]
    if not all(labels):
        raise ValueError("every variant needs a label (it names its curve)")
    if len(set(labels)) != len(labels):
        raise ValueError("two variants have the same label: give each its own")


@dataclass(frozen=True)
class VariantReport:
    """One variant now: its ``status`` (running, finished, diverged, with ``reason``),
    per-epoch ``history`` (``{key: (epochs, values)}`` for the Trainer's logs: loss,
    accuracy, val_loss, val_accuracy), its decision ``boundary`` (2D data) and its
    ``test_accuracy`` now (data with a test split),
    its parameter ``trajectory``, and what a kept run needs: ``spec``, ``initial_weights``
    and ``state``, its exact TrainingState (in the race's last report only: taking it
    costs about a millisecond per variant, too much for every report)."""

    label: str
    spec: NetworkSpec
    status: str
    reason: str | None
    epoch: int
    step: int
    stacked: bool
    history: Mapping[str, tuple[np.ndarray, np.ndarray]]
    boundary: Boundary | None
    test_accuracy: float | None
    trajectory: np.ndarray
    initial_weights: tuple[np.ndarray, ...]
    state: TrainingState | None


@dataclass(frozen=True)
class RaceReport:
    """The race now: ``epoch`` (epochs every still-running variant has done), the target
    ``epochs``, the data it trains on, and one :class:`VariantReport` per variant."""

    epoch: int
    epochs: int
    data_config: DataConfig
    variants: tuple[VariantReport, ...] = field(default_factory=tuple)
    #: training samples (to count examples seen when a variant becomes a run)
    n_train: int = 0

    @property
    def finished(self) -> bool:
        return all(v.status != RUNNING for v in self.variants)


class _Runner:
    """One variant's model, Trainer and records."""

    def __init__(
        self,
        variant: RaceVariant,
        spec: NetworkSpec,
        model: Sequential,
        data: PreparedData,
        initial_weights: list[np.ndarray],
    ) -> None:
        self.variant, self.spec, self.model = variant, spec, model
        if not variant.draws_weights:
            model.set_weights(initial_weights)
        self.initial_weights = tuple(readonly(w) for w in model.get_weights())
        self.trainer = trainer_for(model, spec, data)
        self.test = None if data.x_test is None else model.prepare(data.x_test, data.y_test)
        self.status, self.reason = RUNNING, None
        self.series = {key: DecimatedSeries(budget=SERIES_BUDGET) for key in HISTORY_KEYS}
        self.trajectory = Trajectory(
            TRAJECTORY_BYTES, max_rows=TRAJECTORY_ROWS, min_rows=MIN_TRAJECTORY_ROWS
        )
        self.boundary: Boundary | None = None
        self._test_accuracy: tuple[int, float] | None = None  # (at step, accuracy)
        self.stacked = False
        trainer = self.trainer
        batches = self.batches_per_epoch = math.ceil(
            trainer.n_samples / (spec.batch_size or trainer.n_samples)
        )
        #: the batches of an epoch that start a new 1/TRAJECTORY_PER_EPOCH of it
        self._record_batches = {
            b
            for b in range(batches)
            if b == 0
            or b * TRAJECTORY_PER_EPOCH // batches != (b - 1) * TRAJECTORY_PER_EPOCH // batches
        }
        self._record_trajectory()

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    @property
    def epochs_done(self) -> float:
        """Epochs done, with the fraction of the current one."""
        return self.trainer.epoch + self.trainer.batch_in_epoch / self.batches_per_epoch

    def step(self, epochs: int) -> bool:
        """One mini-batch; the epoch's records at its end; finished at ``epochs``. True
        when the epoch ended or the variant stopped (finished or diverged)."""
        try:
            result = self.trainer.train_step()
        except DivergenceError as exc:
            return self.took(exc, epochs)
        if not result.epoch_finished and self.trainer.batch_in_epoch not in self._record_batches:
            return False  # most steps: nothing to record
        return self.took(result, epochs)

    def took(self, result: StepResult | DivergenceError, epochs: int) -> bool:
        """Record the outcome of a step of the Trainer (as :meth:`step` does)."""
        if isinstance(result, DivergenceError):
            self.status, self.reason = DIVERGED, f"{result}"
            self._leave_group()
            return True
        trainer = self.trainer
        if self.records_now():
            self._record_trajectory()
        if not result.epoch_finished:
            return False
        logs = trainer.last_logs
        for key in HISTORY_KEYS:
            self.series[key].append(result.epoch, logs.get(key, math.nan))
        if result.epoch >= epochs:
            self.status = FINISHED
            self._leave_group()
        return True

    def records_now(self) -> bool:
        """Whether the Trainer's position starts a new 1/TRAJECTORY_PER_EPOCH of an epoch
        (a trajectory row is due)."""
        return self.trainer.batch_in_epoch in self._record_batches

    def tick(self) -> int:
        """The trajectory's clock now: 1/TRAJECTORY_PER_EPOCH epochs done (batch-1 and
        full-batch variants' rows fall at the same points of training)."""
        trainer = self.trainer
        tick = trainer.epoch * TRAJECTORY_PER_EPOCH
        return tick + trainer.batch_in_epoch * TRAJECTORY_PER_EPOCH // self.batches_per_epoch

    def _record_trajectory(self, tick: int | None = None) -> None:
        """A row at every 1/TRAJECTORY_PER_EPOCH of an epoch (at ``tick``, this
        variant's :meth:`tick` when not given)."""
        self.trajectory.record(self.tick() if tick is None else tick, self.model)

    def _leave_group(self) -> None:
        """A stopped variant's model trains alone from now on (no longer in lockstep)."""
        if isinstance(self.model, StackedMember):
            self.model.leave_group()

    def test_accuracy(self) -> float | None:
        """Accuracy on the test split now (None without one), made anew after training on."""
        if self.test is None:
            return None
        step = self.trainer.step
        if self._test_accuracy is None or self._test_accuracy[0] != step:
            correct = self.model.loss_and_correct(*self.test)[1]
            self._test_accuracy = (step, correct / len(self.test[0]))
        return self._test_accuracy[1]

    def report(self, with_state: bool) -> VariantReport:
        history = {key: series.view() for key, series in self.series.items()}
        return VariantReport(
            label=self.variant.label,
            spec=self.spec,
            status=self.status,
            reason=self.reason,
            epoch=int(self.trainer.epoch),
            step=int(self.trainer.step),
            stacked=self.stacked,
            history=history,
            boundary=self.boundary,
            test_accuracy=self.test_accuracy(),
            trajectory=self.trajectory.points()[1],
            initial_weights=self.initial_weights,
            state=self.trainer.get_state() if with_state else None,
        )


def _lane_epoch(lane: list[_Runner]) -> float:
    """Epochs done by the running variants of a lane (inf when none is running)."""
    return next((r.trainer.epoch for r in lane if r.running), math.inf)


class Race:
    """``variants`` of ``base`` trained on ``data`` for ``epochs`` epochs from
    ``initial_weights`` (``[W1, b1, ...]`` of ``base``), in lockstep by epochs.
    ``stacked``: variants of one shape and batch size share one batched computation.
    ValueError (SpecError) saying what to change when the variants cannot race."""

    def __init__(
        self,
        base: NetworkSpec,
        data: PreparedData,
        variants: Sequence[RaceVariant],
        epochs: int,
        initial_weights: Sequence[np.ndarray],
        stacked: bool = True,
    ) -> None:
        check_variants(variants)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"a race needs at least 1 epoch, got {epochs!r}")
        n_train = len(data.x_train)
        specs = [variant.spec_for(base, n_train) for variant in variants]
        for spec in specs:
            check_fits(spec, data)
        keys = [stack_key(spec) if stacked else None for spec in specs]
        shared = {k for k in keys if k is not None and keys.count(k) > 1}
        self.data, self.epochs = data, epochs
        self.runners = []
        for variant, spec, key in zip(variants, specs, keys, strict=True):
            kind = StackedMember if key in shared else Sequential
            model = kind.from_config(spec)
            self.runners.append(_Runner(variant, spec, model, data, list(initial_weights)))
        #: runners that step together: one lane per stacked group (its Trainers stepped
        #: by a Lockstep) or lone variant
        self.lanes: list[list[_Runner]] = []
        self._locksteps: list[Lockstep | None] = []
        for key in dict.fromkeys(keys):
            members = [r for r, k in zip(self.runners, keys, strict=True) if k == key]
            if key in shared:
                StackedGroup([r.model for r in members])
                for runner in members:
                    runner.stacked = True
                self.lanes.append(members)
                self._locksteps.append(Lockstep([r.trainer for r in members]))
            else:
                self.lanes += [[r] for r in members]
                self._locksteps += [None] * len(members)
        self._lane: int | None = None  # the lane stepping, until its epoch ends
        self._boundaries_at: float | None = None
        self._boundary_epochs: tuple[int, ...] = ()

    @classmethod
    def from_session(
        cls, session: TrainingSession, variants: Sequence[RaceVariant], epochs: int, **kwargs: Any
    ) -> Race:
        """A race of the session's set-up, data and initial weights."""
        return cls(session.spec, session.data, variants, epochs, session.initial_weights, **kwargs)

    @property
    def finished(self) -> bool:
        return not any(r.running for r in self.runners)

    @property
    def epoch(self) -> int:
        """Epochs every running variant has done (all of them once finished)."""
        running = [r.trainer.epoch for r in self.runners if r.running]
        return min(running) if running else max(r.trainer.epoch for r in self.runners)

    def progress(self) -> float:
        done = sum(r.epochs_done if r.running else self.epochs for r in self.runners)
        return min(1.0, done / (self.epochs * len(self.runners)))

    def step(self) -> bool:
        """One mini-batch of the lane that has done the fewest epochs (each of its running
        variants takes it); False when every variant has finished or diverged."""
        index = self._lane
        if index is None:
            epoch, index = min((_lane_epoch(lane), i) for i, lane in enumerate(self.lanes))
            if epoch == math.inf:
                return False
            self._lane = index
        lane, lockstep = self.lanes[index], self._locksteps[index]
        ended = False
        if lockstep is None:
            for runner in lane:
                if runner.status == RUNNING and runner.step(self.epochs):
                    ended = True
        else:
            outcomes = lockstep.train_step()
            if lockstep.all_stepped and not outcomes[0].epoch_finished:
                # every member stepped, to one position within the epoch: one tick for all
                if lane[0].records_now():
                    tick = lane[0].tick()
                    for runner in lane:
                        runner._record_trajectory(tick)
                return True
            for runner, outcome in zip(lane, outcomes, strict=True):
                if runner.status != RUNNING:
                    continue
                if outcome is None:  # it left the group: it steps alone
                    ended = runner.step(self.epochs) or ended
                elif runner.took(outcome, self.epochs):
                    ended = True
        if ended:
            self._lane = None  # the next step goes to the lane with the fewest epochs
        return True

    def advance(self, budget_s: float, session: TrainingSession | None = None) -> bool:
        """Train for about ``budget_s`` seconds; True when the race is over. With the
        ``session`` (of the same data) the variants' boundaries are brought up to date."""
        deadline = time.perf_counter() + budget_s
        while time.perf_counter() < deadline and self.step():
            pass
        if session is not None:
            self.update_boundaries(session)
        return self.finished

    def update_boundaries(self, session: TrainingSession, force: bool = False) -> None:
        """Each variant's decision boundary on the session's grid, at most every
        :data:`BOUNDARY_S` (and always once the race is over), when its epoch moved."""
        if session.data is not self.data:
            return
        epochs = tuple(r.trainer.epoch for r in self.runners)
        now = time.monotonic()
        due = self._boundaries_at is None or now - self._boundaries_at >= BOUNDARY_S
        if epochs == self._boundary_epochs or not (due or force or self.finished):
            return
        for runner in self.runners:
            runner.boundary = session.boundary_of(runner.model)
        self._boundaries_at, self._boundary_epochs = now, epochs

    def report(self, with_states: bool = False) -> RaceReport:
        """The race now; ``with_states``: each variant's exact TrainingState too."""
        return RaceReport(
            epoch=self.epoch,
            epochs=self.epochs,
            data_config=self.data.config,
            variants=tuple(r.report(with_states) for r in self.runners),
            n_train=int(self.data.raw.train.n_samples),
        )


class RaceJob(BackgroundJob):
    """A race run by the training worker (exclusive: live training pauses). It is built
    from the worker's session on its first slice; it ends after ``epochs`` epochs, when
    every variant diverged, or on cancel (the last report then has what was done)."""

    name = "race"
    exclusive = True

    def __init__(self, variants: Sequence[RaceVariant], epochs: int, stacked: bool = True) -> None:
        super().__init__()
        check_variants(variants)
        self.variants, self.epochs, self.stacked = tuple(variants), epochs, stacked
        self.race: Race | None = None
        self._last = False

    def advance(self, session: TrainingSession, budget_s: float) -> bool:
        if self.race is None:
            self.race = Race.from_session(session, self.variants, self.epochs, stacked=self.stacked)
            self.race.update_boundaries(session, force=True)
        return self.race.advance(budget_s, session)

    def progress(self) -> float:
        return 0.0 if self.race is None else self.race.progress()

    def result(self) -> RaceReport | None:
        return None if self.race is None else self.race.report(self._last)

    def report(
        self, done: bool = False, error: str | None = None, cancelled: bool = False
    ) -> JobReport:
        """The race's last report (done, failed or cancelled) holds the variants' states."""
        self._last = done or error is not None or cancelled
        return super().report(done, error, cancelled)
