"""One model training on one dataset, and the snapshots the views draw (no Qt).

The worker thread owns a session: it calls :meth:`TrainingSession.step` while playing and
:meth:`TrainingSession.snapshot` at the display rate. Everything expensive a view needs
(the boundary grid, per-neuron grids, histograms, test predictions) is computed here, in
the worker, from the same weights; the GUI thread only draws. Histories are
:class:`DecimatedSeries`: bounded however long training runs. A step's own records wait
in a :class:`~nnviz.live.series.StepBlock` until the histories are read
(:attr:`TrainingSession.series`): the worker's cost per step stays a few µs.

:meth:`TrainingSession.capture` and :meth:`TrainingSession.restore` save and put back the
whole training state (weights, optimizer, counters, random states) bit for bit: undo,
redo, "reset to start" and project files use them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from nnviz.data import PreparedData
from nnviz.engine import EarlyStopping, Sequential, Trainer
from nnviz.engine.spec import NetworkSpec
from nnviz.engine.state import TrainingState
from nnviz.engine.transition import Transition
from nnviz.live.diagnosis import session_findings
from nnviz.live.layout import PICTURED_UNITS
from nnviz.live.runs import Run, RunCurves, RunLog, make_run, thumbnail_of
from nnviz.live.series import DecimatedSeries, StepBlock
from nnviz.live.snapshot import (
    HISTORY_KEYS,
    Boundary,
    Histogram,
    TrainingSnapshot,
    readonly,
)
from nnviz.live.trajectory import Trajectory

if TYPE_CHECKING:
    from nnviz.live.race import RaceReport

BOUNDARY_GRID = 96
NEURON_STRIDE = 3  # neuron heatmaps are BOUNDARY_GRID / 3 = 32 pixels wide
PREACTIVATION_SAMPLES = 256
PREACTIVATION_BINS = 40
SMOOTHING = 0.05  # weight of the newest step in the smoothed loss
SLOW_PARTS_S = 0.2  # the slower views redraw at 4 Hz: their data need not be newer
SERIES_NAMES = ("step_loss", "smoothed_loss", "grad_norms", *HISTORY_KEYS)
#: the boundary plane's per-layer buffers kept between snapshots take at most this much
PLANE_BUFFER_BYTES = 8 * 2**20


@dataclass(frozen=True)
class _SlowParts:
    """Snapshot parts made at the slower views' rate (see ``TrainingSession._slow_parts``)."""

    made_at: float
    step: int
    focus: int
    #: what they were made from: the model, its edit count and the data
    source: tuple[int, int, int]
    stats: tuple[Any, ...]
    activation_hists: tuple[Histogram, ...]
    preactivation_hist: Histogram
    test_probabilities: np.ndarray | None
    test_predictions: np.ndarray | None
    confusion: np.ndarray | None
    findings: tuple[Any, ...]


@dataclass(frozen=True)
class SessionState:
    """The whole state of a session at one moment: the data it trains on and the
    engine's exact training state (the histories are cut back to ``step`` on restore)."""

    data: PreparedData
    training: TrainingState
    smoothed: float | None
    #: what "reset to start" goes back to (arrays shared, never written in place)
    initial_weights: tuple[np.ndarray, ...] = ()
    #: the histories, kept only where cutting the current ones back cannot give them
    #: (before a dataset switch, which starts the histories anew)
    series: dict[str, dict[str, Any]] | None = None

    @property
    def step(self) -> int:
        return self.training.step

    @property
    def epoch(self) -> int:
        return self.training.epoch

    @property
    def nbytes(self) -> int:
        return self.training.nbytes


def continuation_state(
    data: PreparedData,
    training: TrainingState,
    initial_weights: Sequence[np.ndarray],
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
) -> SessionState:
    """A training made elsewhere (a kept run, a sweep's cell) as a session continues it:
    its exact state and its per-epoch ``curves`` (key -> epochs, values); the per-step
    curves start anew."""
    series = {name: DecimatedSeries() for name in SERIES_NAMES}
    series["grad_norms"] = DecimatedSeries(width=len(training.spec.dense_layers))
    for key, (epochs, values) in curves.items():
        for epoch, value in zip(epochs, values, strict=True):
            series[key].append(int(epoch), float(value))
    return SessionState(
        data,
        training,
        None,
        tuple(initial_weights),
        {name: history.get_state() for name, history in series.items()},
    )


def run_continuation(run: Run, data: PreparedData) -> SessionState:
    """The kept ``run`` (trained on ``data``, prepared) as a session continues it."""
    return continuation_state(
        data,
        run.state,
        run.initial_weights,
        {
            key: (run.curves.epochs[key], run.curves.values[key])
            for key in HISTORY_KEYS
            if key in run.curves.values  # a run handed over may lack a curve
        },
    )


def trainer_for(model: Sequential, spec: NetworkSpec, data: PreparedData) -> Trainer:
    """The Trainer the live session, a race and a sweep all train with: shuffled with the
    spec's seed (so they share the batch order), validated on ``data``'s validation split,
    keeping no history of its own (theirs are bounded)."""
    validation = None if data.x_val is None else (data.x_val, data.y_val)
    return Trainer(
        model,
        data.x_train,
        data.y_train,
        batch_size=spec.batch_size,
        shuffle=True,
        seed=spec.seed,
        validation_data=validation,
        keep_history=False,
    )


def check_fits(spec: NetworkSpec, data: PreparedData) -> None:
    """ValueError saying what to do when ``spec`` cannot train on ``data``."""
    if spec.input_dim != data.input_dim:
        raise ValueError(
            f"the network has {spec.input_dim} inputs but the data has {data.input_dim} "
            "features per sample: keep the input layer as the data needs it, or pick "
            "matching data"
        )
    wanted = 1 if data.n_classes == 2 else data.n_classes
    if spec.output_units != wanted:
        raise ValueError(
            f"the output layer has {spec.output_units} units but {data.n_classes} classes "
            f"need {wanted}: keep the output layer as the task needs it, or pick matching data"
        )


def batches_per_epoch(n_samples: int, batch_size: int | None) -> int:
    """Mini-batches in one pass over ``n_samples`` training samples (full batch: one)."""
    n_samples = max(int(n_samples), 1)
    return math.ceil(n_samples / min(batch_size or n_samples, n_samples))


class TrainingSession:
    """A model (built from ``spec``) training on ``data``, with its history.

    Raises ``ValueError`` (with what to do) when ``spec`` does not fit ``data``."""

    def __init__(self, spec: NetworkSpec, data: PreparedData) -> None:
        self._slow: _SlowParts | None = None
        self._steps = StepBlock()  # written into the histories when they are read
        self._plane_buffers = _PlaneBuffers()
        self.early_stopping: EarlyStopping | None = None
        self._patience = 0
        #: the parameters along the run (the loss landscape draws it)
        self.trajectory = Trajectory()
        self._use_data(data, spec)
        self.initial_weights = self.model.get_weights()
        self.runs = RunLog()
        self._recorded_step = 0  # the step of the last run kept from this training

    # -- construction -------------------------------------------------------------------
    def check_fits(self, spec: NetworkSpec) -> None:
        check_fits(spec, self.data)

    def _use_data(self, data: PreparedData, spec: NetworkSpec) -> None:
        """Build a fresh model and trainer for ``spec`` on ``data``; histories emptied."""
        check_fits(spec, data)
        model = Sequential.from_config(spec)
        trainer = trainer_for(model, spec, data)
        self.data, self.spec, self.model, self.trainer = data, spec, model, trainer
        if data.bounds is not None and data.config.kind == "points":
            x0, x1, y0, y1 = data.bounds
            gx, gy = np.meshgrid(
                np.linspace(x0, x1, BOUNDARY_GRID), np.linspace(y0, y1, BOUNDARY_GRID)
            )  # rows along x2, so the image is row-major
            grid = data.encode(np.column_stack([gx.ravel(), gy.ravel()]))
            # the points as columns (see _plane), and a row of ones: the first layer's bias
            # rides in its product
            grid = np.vstack([grid.T, np.ones(len(grid))])
            self._grid: np.ndarray | None = np.ascontiguousarray(grid, dtype=np.float32)
        else:
            self._grid = None
        self._prepare_inputs()
        self._clear_history()
        self.set_patience(self._patience)

    def _prepare_inputs(self) -> None:
        """The test and sample inputs cast for the model (again after a dtype change)."""
        data, model = self.data, self.model
        self._x_test = None if data.x_test is None else model.prepare(data.x_test)[0]
        self._x_sample = model.prepare(data.x_train[:PREACTIVATION_SAMPLES])[0]

    @property
    def series(self) -> dict[str, DecimatedSeries]:
        """The histories by name (:data:`SERIES_NAMES`), every step recorded so far in."""
        self._steps.flush_into(self._series)
        return self._series

    @series.setter
    def series(self, series: dict[str, DecimatedSeries]) -> None:
        self._steps.clear()
        self._series = series

    def _clear_history(self) -> None:
        self.series = {
            "step_loss": DecimatedSeries(),
            "smoothed_loss": DecimatedSeries(),
            "grad_norms": DecimatedSeries(width=len(self.spec.dense_layers)),
            **{key: DecimatedSeries() for key in HISTORY_KEYS},
        }
        self._smooth: float | None = None
        self.trajectory.clear()

    # -- state --------------------------------------------------------------------------
    @property
    def step_count(self) -> int:
        return int(self.trainer.step)

    @property
    def epoch(self) -> int:
        """Completed epochs."""
        return int(self.trainer.epoch)

    @property
    def batches_per_epoch(self) -> int:
        return batches_per_epoch(self.trainer.n_samples, self.model.batch_size)

    @property
    def batch_in_epoch(self) -> int:
        """Batches done in the current epoch (0 right after an epoch ends)."""
        return int(self.trainer.batch_in_epoch)

    @property
    def patience(self) -> int:
        return self._patience

    def set_patience(self, patience: int) -> None:
        """Early stopping on the validation loss after ``patience`` epochs without
        improvement (0: off), with the engine's :class:`EarlyStopping`."""
        self._patience = max(int(patience), 0)
        callbacks = [c for c in self.trainer.callbacks if c is not self.early_stopping]
        self.early_stopping = None
        if self._patience > 0 and self.data.x_val is not None:
            self.early_stopping = EarlyStopping(patience=self._patience)
            callbacks.append(self.early_stopping)
        self.trainer.callbacks = callbacks

    def take_stop_request(self) -> str | None:
        """Why early stopping asked to stop (once), or None."""
        if not self.model.stop_training:
            return None
        self.model.stop_training = False
        waited = self.early_stopping.wait if self.early_stopping else 0
        if self.early_stopping:
            self.early_stopping.on_train_begin()
        return (
            f"Early stopping at epoch {self.epoch}: the validation loss has not improved "
            f"for {waited} epochs."
        )

    def capture(self, with_series: bool = False) -> SessionState:
        """The exact state now (copies; training on does not change it); the histories
        too with ``with_series``."""
        series = None
        if with_series:
            series = {name: s.get_state() for name, s in self.series.items()}
        return SessionState(
            self.data, self.trainer.get_state(), self._smooth, tuple(self.initial_weights), series
        )

    def restore(self, state: SessionState) -> None:
        """Put back ``state`` bit for bit; histories are cut back to its step and epoch.
        Raises ValueError (nothing changed) when the state does not fit."""
        if state.data is not self.data:
            self._use_data(state.data, state.training.spec)
        self.trainer.set_state(state.training)
        self.spec = state.training.spec
        if state.initial_weights:
            self.initial_weights = list(state.initial_weights)
        self._prepare_inputs()
        if state.series is not None:
            self.series = {
                name: DecimatedSeries.from_state(saved) for name, saved in state.series.items()
            }
        for name, history in self.series.items():
            history.truncate(state.epoch if name in HISTORY_KEYS else state.step)
        self.trajectory.truncate(state.step)
        if self.series["grad_norms"].width != len(self.spec.dense_layers):
            self.series["grad_norms"] = DecimatedSeries(width=len(self.spec.dense_layers))
        self._smooth = state.smoothed

    def continue_from(self, state: SessionState) -> list[str]:
        """Go on from a training made elsewhere (a sweep's cell, a kept run): its data,
        network, exact training state, initial weights and histories; the training so far
        is kept as a run first. Such a state has no early-stopping counters: early
        stopping (if on) starts afresh. Raises ValueError (nothing changed)."""
        check_fits(state.training.spec, state.data)
        before = self.capture(with_series=True)
        self.close_run()
        patience = self._patience
        self.set_patience(0)
        try:
            self.restore(state)
        except Exception:
            self.restore(before)
            raise
        finally:
            self.set_patience(patience)
        self._recorded_step = self.step_count
        return [
            f"Training goes on from epoch {state.epoch} (step {state.step}); "
            "the per-step curve starts anew."
        ]

    # -- training -----------------------------------------------------------------------
    def step(self) -> float:
        """Train one mini-batch; record its loss and gradient norms, and at an epoch's end
        the epoch's metrics."""
        trajectory = self.trajectory
        if not len(trajectory):
            trajectory.record(self.step_count, self.model, force=True)  # the start
        result = self.trainer.train_step()
        loss = float(result.loss)
        step = result.step
        smooth = self._smooth
        smooth = loss if smooth is None else smooth + SMOOTHING * (loss - smooth)
        self._smooth = smooth
        series = self._series  # not the property: the step's records wait in their block
        model = self.model
        self._steps.record(step, loss, smooth, model._grads, model._array_starts, series)
        if not step % trajectory.stride:  # (record checks it too: a call saved most steps)
            trajectory.record(step, model)
        if result.epoch_finished:
            logs = self.trainer.last_logs
            for key in HISTORY_KEYS:
                series[key].append(result.epoch, logs.get(key, math.nan))
        return loss

    def reset(self, same_initial: bool = False) -> None:
        """Start again from step 0 with fresh random weights, or (``same_initial``) with
        the weights this run started from; histories cleared."""
        self.close_run()
        if same_initial:
            weights = self.initial_weights
        else:
            seed = int(np.random.SeedSequence().entropy % 2**32)
            weights = Sequential.from_config(replace(self.spec, seed=seed)).get_weights()
        self.start_from(weights)

    def start_from(
        self, weights: list[np.ndarray], initial_weights: list[np.ndarray] | None = None
    ) -> None:
        """Start again from step 0 with ``weights``; "reset to start" goes back to
        ``initial_weights`` (default: ``weights``). Raises ValueError (nothing changed)."""
        probe = Sequential.from_config(self.spec)
        probe.set_weights(weights)
        if initial_weights is not None:
            probe.set_weights(initial_weights)
        self._use_data(self.data, self.spec)
        self.model.set_weights(weights)
        self._recorded_step = 0
        self.initial_weights = [np.array(w, copy=True) for w in initial_weights or weights]

    def set_data(self, data: PreparedData, spec: NetworkSpec) -> list[str]:
        """Train on ``data`` from step 0 with ``spec`` (fitted to it): the weights that
        still fit are kept (a new input or output size re-initializes that layer).
        Returns what happened to the weights, in words."""
        check_fits(spec, data)
        model = Sequential.from_config(self.spec)
        model.set_weights(self.model.get_weights())
        messages = model.apply_spec(spec)
        self.close_run()
        self.data = data
        self.spec = spec
        self.start_from(model.get_weights())
        return messages

    def load(self, state: TrainingState, initial_weights: list[np.ndarray]) -> None:
        """Continue exactly from a saved ``state`` (a project's); ``initial_weights`` are
        what "reset to start" goes back to. Raises ValueError (nothing changed)."""
        Sequential.from_config(state.spec).set_weights(initial_weights)
        self.restore(SessionState(self.data, state, None))
        self._clear_history()
        self.initial_weights = [np.array(w, copy=True) for w in initial_weights]

    # -- runs ---------------------------------------------------------------------------
    def close_run(self) -> None:
        """Keep the training so far in the runs list when it trained since it began or was
        last kept (before a reset, a data switch, a restored run or another project)."""
        if self.step_count > 0 and self.step_count != self._recorded_step and not self._is_kept():
            self.keep_run()

    def _is_kept(self) -> bool:
        """Whether the log holds this very training already (an undo went back to it)."""
        steps = self.step_count
        params = None
        for run in self.runs.runs:
            if run.steps == steps:
                if params is None:
                    params = np.concatenate([w.ravel() for w in self.model.get_weights()])
                if np.array_equal(run.state.arrays["params"], params):
                    return True
        return False

    def closed_runs(self) -> tuple[Run, ...]:
        """The runs kept, the training so far closed into one (before another project
        replaces this session)."""
        self.close_run()
        return self.runs.runs

    def keep_run(self, name: str = "") -> Run | None:
        """Keep the current training as a run (without resetting); None when it has not
        trained a step, or not since it was last kept (a message says so)."""
        if self.step_count == 0 or self.step_count == self._recorded_step:
            self.runs.note("Nothing new to keep: train at least one step since the last run.")
            return None
        epochs, values = {}, {}
        for key in HISTORY_KEYS:
            epochs[key], values[key] = (readonly(a) for a in self.series[key].view())
        curves = RunCurves(epochs, values, self.batches_per_epoch, self.trainer.n_samples)
        run = make_run(
            name=name,
            data_config=self.data.config,
            state=self.trainer.get_state(),
            initial_weights=self.initial_weights,
            curves=curves,
            thumbnail=None if self._grid is None else thumbnail_of(self._plane()[0].grid),
        )
        self._recorded_step = self.step_count
        return self.runs.add(run)

    def keep_raced(self, race: RaceReport) -> list[Run]:
        """Keep each variant of a finished (or stopped) race that trained as a run, named
        after the variant, so it can be compared, overlaid and restored like any other."""
        kept = []
        for variant in race.variants:
            if variant.state is None or variant.step == 0:
                continue
            epochs, values = {}, {}
            for key in HISTORY_KEYS:
                epochs[key], values[key] = (readonly(a) for a in variant.history[key])
            batches = variant.step // variant.epoch if variant.epoch else variant.step
            run = make_run(
                name=f"Race: {variant.label}",
                difference=variant.label if variant.status != "diverged" else "diverged",
                data_config=race.data_config,
                state=variant.state,
                initial_weights=variant.initial_weights,
                curves=RunCurves(epochs, values, max(batches, 1), race.n_train),
                thumbnail=None if variant.boundary is None else thumbnail_of(variant.boundary.grid),
            )
            self.runs.add(run)
            kept.append(run)
        return kept

    @property
    def smoothed_loss(self) -> float | None:
        return self._smooth

    def restore_series(
        self, series: dict[str, DecimatedSeries], smoothed_loss: float | None
    ) -> None:
        """Put back saved histories (a project's). Raises ValueError when one does not
        fit the network."""
        norms = series.get("grad_norms")
        if norms is not None and norms.width != len(self.spec.dense_layers):
            raise ValueError(
                f"the gradient-norm history has {norms.width} columns for "
                f"{len(self.spec.dense_layers)} layers"
            )
        if smoothed_loss is not None and not isinstance(smoothed_loss, int | float):
            raise ValueError(f"the smoothed loss must be a number, got {smoothed_loss!r}")
        self.series.update(series)
        self._smooth = smoothed_loss

    def apply_spec(self, spec: NetworkSpec, transition: Transition | None = None) -> list[str]:
        """Make the model match ``spec`` keeping what it learned; returns what changed.
        The weights "reset to start" goes back to follow the same edit."""
        self.check_fits(spec)
        old_spec = self.spec
        messages = self.model.apply_spec(spec, transition)
        self.spec = spec
        if len(spec.dense_layers) != len(old_spec.dense_layers):
            self.series["grad_norms"] = DecimatedSeries(width=len(spec.dense_layers))
        if spec.dtype != old_spec.dtype:
            self._prepare_inputs()
        self.initial_weights = _edited_weights(old_spec, self.initial_weights, spec, transition)
        return messages

    def set_parameter(self, layer_index: int, kind: str, index: Any, value: float) -> None:
        """Set one weight (``kind="W"``, ``index=(input, unit)``) or bias (``"b"``)."""
        if not math.isfinite(value):
            raise ValueError(f"a weight must be a finite number, got {value}")
        layers = self.model.dense_layers
        if not 0 <= layer_index < len(layers):
            raise ValueError(f"there is no dense layer {layer_index}")
        if kind not in ("W", "b"):
            raise ValueError(f"kind must be 'W' or 'b', got {kind!r}")
        target = getattr(layers[layer_index], kind)
        position = tuple(np.atleast_1d(index))
        if len(position) != target.ndim or not all(
            0 <= p < n for p, n in zip(position, target.shape, strict=True)
        ):
            raise ValueError(f"{kind}{layer_index + 1} has no entry {position}")
        target[position] = value
        self.model.set_weights(self.model.get_weights())  # the divergence backup follows

    # -- snapshots ----------------------------------------------------------------------
    def snapshot(
        self,
        *,
        playing: bool = False,
        steps_per_second: float = 0.0,
        focus_layer: int = 0,
        epochs_target: int = 0,
    ) -> TrainingSnapshot:
        model = self.model
        dense = model.dense_layers
        focus = min(max(focus_layer, 0), len(dense) - 1)
        slow = self._slow_parts(focus, playing)
        series = self.series
        epochs, history = {}, {}
        for key in HISTORY_KEYS:
            epochs[key], history[key] = series[key].view()
        loss_steps, step_losses = series["step_loss"].view()
        smoothed_steps, smoothed_losses = series["smoothed_loss"].view()
        grad_norm_steps, grad_norms = series["grad_norms"].view()
        boundary = neuron_grids = None
        if self._grid is not None:
            boundary, neuron_grids = self._plane()
        return TrainingSnapshot(
            step=self.step_count,
            epoch=self.epoch,
            batch_in_epoch=self.batch_in_epoch,
            batches_per_epoch=self.batches_per_epoch,
            epochs_target=epochs_target,
            steps_per_second=steps_per_second,
            playing=playing,
            learning_rate=float(model.optimizer.current_learning_rate),
            history=history,
            history_epochs=epochs,
            step_losses=step_losses,
            loss_steps=loss_steps,
            smoothed_losses=smoothed_losses,
            smoothed_steps=smoothed_steps,
            weights=tuple((readonly(d.W), readonly(d.b)) for d in dense),
            layer_stats=slow.stats,
            grad_norms=grad_norms,
            grad_norm_steps=grad_norm_steps,
            activation_hists=slow.activation_hists,
            focus_layer=focus,
            activation=dense[focus].activation.name,
            preactivation_hist=slow.preactivation_hist,
            boundary=boundary,
            neuron_grids=neuron_grids,
            test_probabilities=slow.test_probabilities,
            test_predictions=slow.test_predictions,
            confusion=slow.confusion,
            instability=self.trainer.instability,
            findings=slow.findings,
            runs=self.runs.runs,
            batch_size=self.spec.batch_size,
            n_train=self.trainer.n_samples,
            landscape_path=self.trajectory.path(model),
        )

    def _slow_parts(self, focus: int, playing: bool) -> _SlowParts:
        """What the slower views draw (statistics, histograms, test predictions, the
        diagnosis): made anew at most every :data:`SLOW_PARTS_S` while playing — those
        views redraw a few times a second — and always while paused."""
        cached = self._slow
        now = time.monotonic()
        source = (id(self.model), self.model.edits, id(self.data))
        if (
            cached is not None
            and playing
            and cached.focus == focus
            and cached.source == source
            and cached.step <= self.step_count
            and now - cached.made_at < SLOW_PARTS_S
        ):
            return cached
        model = self.model
        stats = tuple(model.layer_stats())
        z = model.forward_trace(self._x_sample)[focus].z
        probabilities = predictions = confusion = None
        if self._x_test is not None:
            probabilities, predictions, confusion = self._test_predictions()
        self._slow = _SlowParts(
            made_at=now,
            step=self.step_count,
            focus=focus,
            source=source,
            stats=stats,
            activation_hists=tuple(Histogram(s.histogram, s.bin_edges) for s in stats),
            preactivation_hist=_histogram(z),
            test_probabilities=probabilities,
            test_predictions=predictions,
            confusion=confusion,
            findings=session_findings(self, stats),
        )
        return self._slow

    def boundary_of(self, model: Sequential) -> Boundary | None:
        """The decision boundary of ``model`` (another network on this session's data, e.g.
        a race variant) on the same grid as the snapshots'; None without a 2D plane."""
        return None if self._grid is None else self._plane(model)[0]

    def _plane(self, model: Sequential | None = None) -> tuple[Boundary, tuple[np.ndarray, ...]]:
        g = BOUNDARY_GRID
        # Dense.compute in float32 whatever the model's dtype: a picture needs no more, and
        # it is several times cheaper than float64 on a 96x96 grid; each layer computes into
        # a buffer kept between snapshots, its activation applied in place. The points are
        # columns (units x points): a bias is added along rows of 9216 values and an
        # activation runs over one block, where with a row per point NumPy looped over rows
        # of a few values (12% of the plane's time).
        a = self._grid
        assert a is not None
        layers = (model or self.model).dense_layers
        buffers = self._plane_buffers.get(a.shape[1], tuple(layer.units for layer in layers))
        neurons = []
        for index, (layer, z) in enumerate(zip(layers, buffers, strict=True)):
            if index == 0:  # the grid's row of ones multiplies the bias
                np.matmul(np.column_stack([layer.W.T, layer.b]).astype(np.float32), a, out=z)
            else:
                np.matmul(layer.W.T.astype(np.float32), a, out=z)
                z += layer.b.astype(np.float32)[:, None]
            activation = layer.activation
            if activation.elementwise:
                a = activation.forward_in_place(z)
            else:  # softmax, along the units
                a = activation.forward(z.T).T
            # only the units a view draws: a 1024-unit layer would make 4 MB a snapshot
            cells = a[:PICTURED_UNITS].reshape(-1, g, g)[:, ::NEURON_STRIDE, ::NEURON_STRIDE]
            cells = cells.astype(np.float32)  # a copy: the buffer is written again
            cells.flags.writeable = False
            neurons.append(cells)
        if len(a) == 1:
            grid = a.reshape(g, g).astype(np.float32)  # a copy, as above
        else:
            grid = np.ascontiguousarray(a.T, dtype=np.float32).reshape(g, g, len(a))
        grid.flags.writeable = False
        assert self.data.bounds is not None
        return Boundary(grid, self.data.bounds), tuple(neurons)

    def _test_predictions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        assert self._x_test is not None and self.data.y_test is not None
        out = self.model.forward_trace(self._x_test)[-1].a
        if out.shape[1] == 1:
            probabilities = out[:, 0].astype(np.float32)
            predictions = (probabilities > 0.5).astype(np.int64)
        else:
            probabilities = out.astype(np.float32)
            predictions = np.argmax(out, axis=1)
        k = self.data.n_classes
        confusion = np.zeros((k, k), dtype=np.int64)
        np.add.at(confusion, (self.data.y_test, predictions), 1)
        for array in (probabilities, predictions, confusion):
            array.flags.writeable = False
        return probabilities, predictions, confusion


class _PlaneBuffers:
    """Float32 arrays for each dense layer's output over the boundary grid, kept between
    snapshots: a fresh 0.6 MB array per layer and snapshot costs more (page faults) than
    the arithmetic in it. A few networks' sets are kept (a race draws its variants' too),
    within :data:`PLANE_BUFFER_BYTES`; only the worker thread uses them, and a snapshot
    gets copies of the small images, never one of these."""

    def __init__(self) -> None:
        self._sets: dict[tuple[int, tuple[int, ...]], list[np.ndarray]] = {}
        self._nbytes = 0

    def get(self, points: int, widths: tuple[int, ...]) -> list[np.ndarray]:
        """``(units, points)`` arrays, one per width (their contents are left over)."""
        buffers = self._sets.get((points, widths))
        if buffers is None:
            buffers = [np.empty((units, points), dtype=np.float32) for units in widths]
            nbytes = sum(b.nbytes for b in buffers)
            if nbytes <= PLANE_BUFFER_BYTES:
                if self._nbytes + nbytes > PLANE_BUFFER_BYTES:
                    self._sets.clear()
                    self._nbytes = 0
                self._sets[points, widths] = buffers
                self._nbytes += nbytes
        return buffers


def _histogram(values: np.ndarray) -> Histogram:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return Histogram(np.zeros(1), np.array([-1.0, 1.0]))
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(finite, bins=PREACTIVATION_BINS, range=(low, high))
    return Histogram(readonly(counts.astype(np.float64)), readonly(edges))


def _edited_weights(
    old_spec: NetworkSpec,
    weights: list[np.ndarray],
    spec: NetworkSpec,
    transition: Transition | None,
) -> list[np.ndarray]:
    """``weights`` of ``old_spec`` carried through the edit to ``spec`` by the engine's
    weight-keeping rules (new neurons get fresh initial values)."""
    model = Sequential.from_config(old_spec)
    model.set_weights(weights)
    model.apply_spec(spec, transition)
    return model.get_weights()
