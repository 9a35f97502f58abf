"""The Sequential model: a stack of Dense (and Dropout) layers, trained with NumPy.

All parameters live in one flat vector (``W1, b1, W2, b2, ...``, each layer's arrays are
views into it) and all gradients in another of the same layout. A second parameter vector,
the backup, holds the weights before the last update: the optimizer writes the new weights
there and the two swap roles, so a divergence can restore them exactly without a copy of
the whole vector at every step. This module holds the structure, the weights, compiling
and data preparation; the other jobs are mixins in their own modules: the training step
(:mod:`~nnviz.engine.step`), inference and statistics (:mod:`~nnviz.engine.inference`), the
config round trip (:mod:`~nnviz.engine.config`) and spec-to-spec transitions
(:mod:`~nnviz.engine.transition`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnviz.engine import losses as losses_module
from nnviz.engine import optimizers as optimizers_module
from nnviz.engine.config import ConfigMixin
from nnviz.engine.inference import InferenceMixin, LayerTrace, count_correct
from nnviz.engine.layers import Dense, Layer
from nnviz.engine.losses import Loss
from nnviz.engine.optimizers import Optimizer
from nnviz.engine.spec import DTYPES
from nnviz.engine.step import TrainingStepMixin
from nnviz.engine.transition import TransitionMixin

__all__ = ["LayerTrace", "Sequential", "count_correct"]


class Sequential(TrainingStepMixin, InferenceMixin, ConfigMixin, TransitionMixin):
    """A feed-forward network.

    ``layers``: Dense and Dropout layers, the last one Dense (the output layer).
    ``input_dim``: features per sample; when None the model is built on the first data.
    ``dtype``: ``"float64"`` (default) or ``"float32"``; all arrays of the model use it.
    ``seed``: fixes the initial weights and the dropout masks (None: a random seed, kept in
    ``seed`` so ``get_config`` can reproduce the model).
    """

    def __init__(
        self,
        layers: Sequence[Layer] = (),
        input_dim: int | None = None,
        dtype: str = "float64",
        seed: int | None = None,
        name: str = "sequential",
    ) -> None:
        if str(np.dtype(dtype)) not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        self.dtype = np.dtype(dtype)
        self.seed = int(np.random.SeedSequence().entropy % 2**32) if seed is None else int(seed)
        self.name = name
        self.optimizer: Optimizer | None = None
        self.loss: Loss | None = None
        #: samples per update (None: the whole training set); the Trainer reads it each step
        self.batch_size: int | None = 32
        #: set by a callback to end ``fit`` after the current batch
        self.stop_training = False
        #: bumped whenever data prepared for this model must be prepared again
        self.version = 0
        #: bumped whenever the weights are set or the network edited (not by training)
        self.edits = 0
        self._init_rng = np.random.default_rng(self.seed)
        self._dropout_rng = np.random.default_rng([self.seed, 1])
        self._input_dim: int | None = None
        self._stepped = False
        #: the output of the last training forward pass (for the Trainer's accuracy)
        self.last_output: np.ndarray | None = None
        self._set_layers(list(layers))
        if input_dim is not None:
            self.build(input_dim)

    # -- structure -----------------------------------------------------------------------
    def _set_layers(self, layers: list[Layer]) -> None:
        for layer in layers:
            if not isinstance(layer, Layer):
                raise ValueError(f"layers must be Dense or Dropout layers, got {layer!r}")
        if layers and not layers[-1].has_weights:
            raise ValueError("the last layer must be a Dense (output) layer")
        counts: dict[str, int] = {}
        for layer in layers:
            counts[layer.kind] = counts.get(layer.kind, 0) + 1
            if not layer.name:
                layer.name = f"{layer.kind}_{counts[layer.kind]}"
        self.layers = layers
        self._hidden = layers[:-1]  # all but the output layer
        self._dense = [layer for layer in layers if layer.has_weights]
        self._output_index = len(layers) - 1
        seen_dense = False
        self._needs_dx = []
        for layer in layers:
            self._needs_dx.append(seen_dense)
            seen_dense = seen_dense or layer.has_weights

    @property
    def dense_layers(self) -> list[Dense]:
        return list(self._dense)

    @property
    def input_dim(self) -> int | None:
        return self._input_dim

    @property
    def output_units(self) -> int:
        return self._dense[-1].units

    @property
    def built(self) -> bool:
        return self._input_dim is not None

    @property
    def n_params(self) -> int:
        return self._params.size if self.built else 0

    def build(self, input_dim: int) -> None:
        """Create and initialize the weights for inputs of ``input_dim`` features."""
        if isinstance(input_dim, bool) or not isinstance(input_dim, int | np.integer):
            raise ValueError(f"input_dim must be a whole number, got {input_dim!r}")
        if input_dim < 1:
            raise ValueError(f"input_dim must be at least 1, got {input_dim}")
        if not self._dense:
            raise ValueError("the model has no Dense layer; add at least an output layer")
        self._allocate(int(input_dim))
        for layer in self._dense:
            self._initialize(layer)
        np.copyto(self._backup, self._params)

    def _allocate(self, input_dim: int) -> None:
        """Flat parameter/gradient vectors and every dense layer's views into them."""
        self._input_dim = input_dim
        self._offsets: list[int] = []
        total, n_in = 0, input_dim
        for layer in self._dense:
            layer.input_dim = n_in
            self._offsets.append(total)
            total += layer.n_params
            n_in = layer.units
        #: where each layer's W and b start in the flat vectors (W1, b1, W2, b2, ...)
        self._array_starts = np.array(
            [
                start + offset
                for layer, start in zip(self._dense, self._offsets, strict=True)
                for offset in (0, layer.input_dim * layer.units)
            ]
        )
        self._params = np.zeros(total, dtype=self.dtype)
        self._grads = np.zeros(total, dtype=self.dtype)
        self._backup = np.zeros(total, dtype=self.dtype)
        self._point_layers()
        self._stepped = False

    def _point_layers(self) -> None:
        """Make every dense layer's W, b, dW, db views into ``_params`` and ``_grads`` (a
        stacked group of models re-points them into its shared arrays), and keep the W, b
        views into ``_backup`` for :meth:`_swap_params`."""
        self._views = (self._layer_views(self._params), self._layer_views(self._backup))
        for (layer, w, b), (_, dw, db) in zip(
            self._views[0], self._layer_views(self._grads), strict=True
        ):
            layer.W, layer.b, layer.dW, layer.db = w, b, dw, db
            layer.x = layer.z = layer.a = None

    def _layer_views(self, vector: np.ndarray) -> list[tuple[Dense, np.ndarray, np.ndarray]]:
        """(layer, W, b) of every dense layer, W and b views into ``vector`` (laid out like
        ``_params``)."""
        views = []
        for layer, start in zip(self._dense, self._offsets, strict=True):
            n_w = layer.input_dim * layer.units
            w = vector[start : start + n_w].reshape(layer.input_dim, layer.units)
            views.append((layer, w, vector[start + n_w : start + layer.n_params]))
        return views

    def _swap_params(self) -> None:
        """``_backup`` becomes the parameter vector and ``_params`` the backup; the layers'
        W and b follow (the training step writes each update into the backup). As cheap as
        copying a small network's vector (under 1 µs for three layers)."""
        self._params, self._backup = self._backup, self._params
        current, backup = self._views
        self._views = (backup, current)
        for layer, w, b in backup:
            layer.W = w
            layer.b = b

    def _initialize(self, layer: Dense) -> None:
        layer.W[...] = layer.initial_kernel(self._init_rng, self.dtype)
        layer.b.fill(0)

    def kernel_gradient_norms(self) -> np.ndarray:
        """‖dW‖ of every dense layer after the last backward pass, from the flat gradient
        vector in three NumPy calls (the training worker records them at every step)."""
        self._require_built()
        return np.sqrt(np.add.reduceat(np.square(self._grads), self._array_starts)[::2])

    def largest_weights(self) -> list[float]:
        """The largest |w| of every dense layer's kernel, in two NumPy calls (the
        divergence watch's weight check)."""
        self._require_built()
        return np.maximum.reduceat(np.abs(self._params), self._array_starts)[::2].tolist()

    def _slice(self, dense_index: int) -> slice:
        start = self._offsets[dense_index]
        return slice(start, start + self._dense[dense_index].n_params)

    def _require_built(self) -> None:
        if not self.built:
            raise ValueError(
                "the model has no weights yet: give input_dim=... or train it on data first"
            )

    # -- weights ------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of ``[W1, b1, W2, b2, ...]``."""
        self._require_built()
        weights = []
        for layer in self._dense:
            weights += [layer.W.copy(), layer.b.copy()]
        return weights

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Load ``[W1, b1, W2, b2, ...]`` (shapes must match; values are cast to the
        model's dtype). Nothing changes if any array is wrong."""
        self._require_built()
        expected = []
        for layer in self._dense:
            expected += [layer.W, layer.b]
        if len(weights) != len(expected):
            raise ValueError(
                f"expected {len(expected)} arrays [W1, b1, W2, b2, ...], got {len(weights)}"
            )
        arrays = [np.asarray(w) for w in weights]
        for i, (new, old) in enumerate(zip(arrays, expected, strict=True)):
            if new.shape != old.shape:
                kind = "W" if i % 2 == 0 else "b"
                raise ValueError(f"{kind}{i // 2 + 1} must have shape {old.shape}, got {new.shape}")
            if not np.all(np.isfinite(new)):
                raise ValueError(f"array {i} holds NaN or infinite values")
        for new, old in zip(arrays, expected, strict=True):
            old[...] = new
        np.copyto(self._backup, self._params)
        self._stepped = False
        self.edits += 1

    # -- compile ------------------------------------------------------------------------
    def compile(
        self,
        optimizer: str | Optimizer = "adam",
        loss: str | Loss = "binary_crossentropy",
    ) -> None:
        """Choose the optimizer and loss (by name or as objects)."""
        optimizer = optimizers_module.get(optimizer)
        loss = losses_module.get(loss)
        self.optimizer, self.loss = optimizer, loss
        self.version += 1

    def _require_compiled(self) -> None:
        if self.optimizer is None or self.loss is None:
            raise ValueError("compile the model first: model.compile(optimizer=..., loss=...)")

    # -- data ---------------------------------------------------------------------------
    def prepare(self, x: object, y: object | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``x`` as a ``(n_samples, input_dim)`` array of the model's dtype and ``y`` as the
        loss wants it; ValueError naming what does not fit. Builds the model if needed."""
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise ValueError(f"the inputs must be numbers, got dtype {x.dtype}")
        if x.ndim == 1:
            # one feature per sample, or one sample of a wider input (the lesson's X = [-2, 2])
            single = self._input_dim is not None and self._input_dim > 1
            x = x.reshape(1, -1) if single and len(x) == self._input_dim else x.reshape(-1, 1)
        if x.ndim != 2:
            raise ValueError(
                f"the inputs must be a 2-D array (one row per sample), got shape {x.shape}"
            )
        if not self.built:
            self.build(x.shape[1])
        if x.shape[1] != self._input_dim:
            raise ValueError(
                f"the inputs have {x.shape[1]} features per sample but the network's input "
                f"layer expects {self._input_dim}"
            )
        x = np.asarray(x, dtype=self.dtype)
        if not np.isfinite(x).all():
            raise ValueError("the inputs contain NaN or infinite values; clean the data first")
        if y is None:
            return x, None
        self._require_compiled()
        y = self.loss.prepare_targets(y, self.output_units, self.dtype)
        if len(y) != len(x):
            raise ValueError(f"got {len(x)} input samples but {len(y)} targets")
        return x, y

    def fit(
        self,
        x: object,
        y: object,
        epochs: int = 1,
        batch_size: int | None = 32,
        validation_data: tuple[object, object] | None = None,
        shuffle: bool = True,
        callbacks: Sequence[Any] = (),
        verbose: int = 0,
        seed: int | None = None,
    ) -> Any:
        """Train for ``epochs`` passes over the data (``batch_size=None``: full batch) and
        return the :class:`~nnviz.engine.training.History`. Stops early when a callback
        sets ``model.stop_training``. ``verbose=1`` prints one line per epoch."""
        from nnviz.engine.training import Trainer

        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
        trainer = Trainer(
            self,
            x,
            y,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=self.seed if seed is None else seed,
            validation_data=validation_data,
            callbacks=callbacks,
        )
        return trainer.fit(epochs, verbose=verbose)

    # -- description --------------------------------------------------------------------
    def summary(self, print_fn: Callable[[str], None] | None = print) -> str:
        """A table of the layers with output shapes and parameter counts."""
        rows = [("Layer (type)", "Output shape", "Activation", "Params")]
        rows += [layer.describe() for layer in self.layers]
        widths = [max(len(row[c]) for row in rows) for c in range(4)]
        line = "-" * (sum(widths) + 6)

        def fmt(row: tuple[str, ...]) -> str:
            return "  ".join(
                cell.rjust(w) if c == 3 else cell.ljust(w)
                for c, (cell, w) in enumerate(zip(row, widths, strict=True))
            )

        lines = [f'Model "{self.name}" (input: {self._input_dim} features, {self.dtype})']
        lines += [line, fmt(rows[0]), line, *[fmt(r) for r in rows[1:]], line]
        lines.append(f"Total params: {self.n_params:,}")
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text
