"""One model training on one dataset, and the snapshots the views draw (no Qt).

The worker thread owns a session: it calls :meth:`TrainingSession.step` while playing and
:meth:`TrainingSession.snapshot` at the display rate. Everything expensive a view needs
(the boundary grid, per-neuron grids, histograms, test predictions) is computed here, in
the worker, from the same weights; the GUI thread only draws.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from nnviz.data import PreparedData
from nnviz.engine import EarlyStopping, Sequential, Trainer
from nnviz.engine.spec import NetworkSpec
from nnviz.live.diagnosis import session_findings
from nnviz.live.snapshot import (
    HISTORY_KEYS,
    Boundary,
    GrowingBuffer,
    Histogram,
    TrainingSnapshot,
    readonly,
)

BOUNDARY_GRID = 96
NEURON_STRIDE = 3  # neuron heatmaps are BOUNDARY_GRID / 3 = 32 pixels wide
PREACTIVATION_SAMPLES = 256
PREACTIVATION_BINS = 40
SMOOTHING = 0.05  # weight of the newest step in the smoothed loss


class TrainingSession:
    """A model (built from ``spec``) training on ``data``, with its history.

    Raises ``ValueError`` (with what to do) when ``spec`` does not fit ``data``."""

    def __init__(self, spec: NetworkSpec, data: PreparedData) -> None:
        self.data = data
        self._grid_points: np.ndarray | None = None
        if data.bounds is not None and data.config.kind == "points":
            x0, x1, y0, y1 = data.bounds
            xs = np.linspace(x0, x1, BOUNDARY_GRID)
            ys = np.linspace(y0, y1, BOUNDARY_GRID)
            gx, gy = np.meshgrid(xs, ys)  # rows along x2, so the image is row-major
            self._grid_raw = np.column_stack([gx.ravel(), gy.ravel()])
        else:
            self._grid_raw = None
        self.initial_weights: list[np.ndarray] = []
        self.early_stopping: EarlyStopping | None = None
        self._build(spec, weights=None)

    # -- construction -------------------------------------------------------------------
    def check_fits(self, spec: NetworkSpec) -> None:
        data = self.data
        if spec.input_dim != data.input_dim:
            raise ValueError(
                f"the network has {spec.input_dim} inputs but the data has {data.input_dim} "
                "features per sample: redo the change, or pick matching data"
            )
        wanted = 1 if data.n_classes == 2 else data.n_classes
        if spec.output_units != wanted:
            raise ValueError(
                f"the output layer has {spec.output_units} units but {data.n_classes} classes "
                f"need {wanted}: redo the change, or pick matching data"
            )

    def _build(self, spec: NetworkSpec, weights: list[np.ndarray] | None) -> None:
        self.check_fits(spec)
        model = Sequential.from_config(spec)
        if weights is not None:
            model.set_weights(weights)
        self.spec = spec
        self.model = model
        data = self.data
        validation = None if data.x_val is None else (data.x_val, data.y_val)
        self.trainer = Trainer(
            model,
            data.x_train,
            data.y_train,
            batch_size=spec.batch_size,
            shuffle=True,
            seed=spec.seed,
            validation_data=validation,
        )
        self.initial_weights = [w.copy() for w in model.get_weights()]
        self._grid = (
            None
            if self._grid_raw is None
            else np.ascontiguousarray(data.encode(self._grid_raw), dtype=np.float32)
        )
        self._x_test = None if data.x_test is None else model.prepare(data.x_test)[0]
        self._x_sample = model.prepare(data.x_train[:PREACTIVATION_SAMPLES])[0]
        self.step_losses = GrowingBuffer()
        self.smoothed_losses = GrowingBuffer()
        self.history = {key: GrowingBuffer() for key in HISTORY_KEYS}
        self.grad_norms = GrowingBuffer(width=len(spec.dense_layers))
        self.grad_norm_steps = GrowingBuffer()
        self._batch_in_epoch = 0
        self._smooth: float | None = None
        self.set_patience(self.early_stopping.patience if self.early_stopping else 0)

    # -- state --------------------------------------------------------------------------
    @property
    def step_count(self) -> int:
        return len(self.step_losses)

    @property
    def epoch(self) -> int:
        """Completed epochs."""
        return int(self.trainer.epoch)

    @property
    def batches_per_epoch(self) -> int:
        n = self.trainer.n_samples
        return math.ceil(n / min(self.model.batch_size or n, n))

    @property
    def batch_in_epoch(self) -> int:
        """Batches done in the current epoch (0 right after an epoch ends)."""
        return self._batch_in_epoch

    def set_patience(self, patience: int) -> None:
        """Early stopping on the validation loss after ``patience`` epochs without
        improvement (0: off), with the engine's :class:`EarlyStopping`."""
        callbacks = [c for c in self.trainer.callbacks if c is not self.early_stopping]
        self.early_stopping = None
        if patience > 0 and self.data.x_val is not None:
            self.early_stopping = EarlyStopping(patience=patience)
            self.early_stopping.model, self.early_stopping.trainer = self.model, self.trainer
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

    # -- training -----------------------------------------------------------------------
    def step(self) -> float:
        """Train one mini-batch; at an epoch's end, record its metrics."""
        result = self.trainer.train_step()
        loss = float(result.loss)
        smooth = self._smooth
        smooth = loss if smooth is None else smooth + SMOOTHING * (loss - smooth)
        self._smooth = smooth
        self.step_losses.append(loss)
        self.smoothed_losses.append(smooth)
        self._batch_in_epoch += 1
        if result.epoch_finished:
            self._batch_in_epoch = 0
            logs = self.trainer.last_logs
            for key, buffer in self.history.items():
                buffer.append(logs.get(key, math.nan))
        return loss

    def reset(self, same_initial: bool = False) -> None:
        """Fresh random weights (or the weights this run started from); history cleared."""
        if same_initial:
            weights = self.initial_weights
        else:
            seed = int(np.random.SeedSequence().entropy % 2**32)
            weights = Sequential.from_config(replace(self.spec, seed=seed)).get_weights()
        self._build(self.spec, weights)

    def load_weights(self, weights: list[np.ndarray]) -> None:
        """Start over from ``weights`` (a saved project's): they become the initial weights."""
        self._build(self.spec, [np.array(w) for w in weights])

    def apply_spec(self, spec: NetworkSpec) -> list[str]:
        """Make the model match ``spec`` keeping what it learned; returns what changed."""
        self.check_fits(spec)
        messages = self.model.apply_spec(spec)
        if _shape(spec) != _shape(self.spec):
            self.grad_norms = GrowingBuffer(width=len(spec.dense_layers))
            self.grad_norm_steps = GrowingBuffer()
        self.spec = spec
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
        target[tuple(np.atleast_1d(index))] = value

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
        stats = tuple(model.layer_stats())
        if stats and len(stats) == len(self.spec.dense_layers):
            self.grad_norms.append(np.array([s.grad_norm for s in stats]))
            self.grad_norm_steps.append(self.step_count)
        sample_trace = model.forward_trace(self._x_sample)
        z = sample_trace[focus].z
        boundary = neuron_grids = None
        if self._grid is not None:
            boundary, neuron_grids = self._plane()
        probabilities = predictions = confusion = None
        if self._x_test is not None:
            probabilities, predictions, confusion = self._test_predictions()
        return TrainingSnapshot(
            step=self.step_count,
            epoch=self.epoch,
            batch_in_epoch=self.batch_in_epoch,
            batches_per_epoch=self.batches_per_epoch,
            epochs_target=epochs_target,
            steps_per_second=steps_per_second,
            playing=playing,
            learning_rate=float(model.optimizer.current_learning_rate),
            history={key: buffer.view() for key, buffer in self.history.items()},
            step_losses=self.step_losses.view(),
            smoothed_losses=self.smoothed_losses.view(),
            weights=tuple((readonly(d.W), readonly(d.b)) for d in dense),
            layer_stats=stats,
            grad_norms=self.grad_norms.view(),
            grad_norm_steps=self.grad_norm_steps.view(),
            activation_hists=tuple(Histogram(s.histogram, s.bin_edges) for s in stats),
            focus_layer=focus,
            activation=dense[focus].activation.name,
            preactivation_hist=_histogram(z),
            boundary=boundary,
            neuron_grids=neuron_grids,
            test_probabilities=probabilities,
            test_predictions=predictions,
            confusion=confusion,
            findings=session_findings(self, stats),
        )

    def _plane(self) -> tuple[Boundary, tuple[np.ndarray, ...]]:
        g = BOUNDARY_GRID
        # Dense.compute in float32 whatever the model's dtype: a picture needs no more, and
        # it is several times cheaper than float64 on a 96x96 grid.
        a = self._grid
        neurons = []
        for layer in self.model.dense_layers:
            z = a @ layer.W.astype(np.float32)
            z += layer.b.astype(np.float32)
            a = layer.activation.forward(z)
            cells = a.reshape(g, g, -1)[::NEURON_STRIDE, ::NEURON_STRIDE]
            cells = np.ascontiguousarray(np.moveaxis(cells, -1, 0), dtype=np.float32)
            cells.flags.writeable = False
            neurons.append(cells)
        shape = (g, g) if a.shape[1] == 1 else (g, g, a.shape[1])
        grid = np.ascontiguousarray(a.reshape(shape), dtype=np.float32)
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


def _histogram(values: np.ndarray) -> Histogram:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return Histogram(np.zeros(1), np.array([-1.0, 1.0]))
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(finite, bins=PREACTIVATION_BINS, range=(low, high))
    return Histogram(readonly(counts.astype(np.float64)), readonly(edges))


def _shape(spec: NetworkSpec) -> tuple[int, ...]:
    return tuple(layer.units for layer in spec.dense_layers)
