"""Layers. Samples are rows: a Dense layer maps x of shape ``(n_samples, n_in)`` to
a = g(z), z = x @ W + b, with W of shape ``(n_in, units)`` and b of shape ``(units,)``.

A layer does not own its parameter memory: :class:`~nnviz.engine.model.Sequential` gives
it views (``W``, ``b``, ``dW``, ``db``) into the model's flat parameter and gradient
vectors, so the optimizer updates everything at once.

Layer kinds are registered in ``LAYERS`` by their spec ``kind``; each class converts
itself to and from a :class:`~nnviz.engine.spec.LayerSpec` (``get_config``/``from_config``),
checks a spec's fields for its kind (``check_spec``), describes itself for the model's
summary and takes in-place setting changes (``update``), so adding a kind is one class here.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nnviz.engine import activations, initializers
from nnviz.engine.activations import ACTIVATIONS, Activation
from nnviz.engine.checks import check_number
from nnviz.engine.initializers import INITIALIZERS, Initializer
from nnviz.engine.registry import Registry
from nnviz.engine.regularizers import L1L2
from nnviz.engine.spec import MAX_UNITS, LayerSpec, check_float, check_int, check_name
from nnviz.engine.threads import threads_for, use_threads

LAYERS: Registry[type[Layer]] = Registry("layer")


class Layer:
    """Base class of the layers of a :class:`Sequential` model."""

    kind = "layer"
    name: str = ""
    #: whether the layer has weights W, b in the model's flat vectors (Dense-like)
    has_weights = False

    def get_config(self) -> LayerSpec:
        """The layer as a :class:`LayerSpec`."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, spec: LayerSpec) -> Layer:
        """A new layer from a (valid) :class:`LayerSpec` of this kind."""
        raise NotImplementedError

    @classmethod
    def check_spec(cls, spec: LayerSpec, where: str) -> None:
        """Raise :class:`~nnviz.engine.spec.SpecError` naming ``where.field`` on a bad
        field of a spec of this kind."""

    @classmethod
    def canonical_spec(cls, spec: LayerSpec) -> LayerSpec:
        """``spec`` with registry names instead of aliases."""
        return spec

    def describe(self) -> tuple[str, str, str, str]:
        """The summary row: (name and type, output shape, activation, parameter count)."""
        raise NotImplementedError

    def update(self, before: LayerSpec, after: LayerSpec, label: str) -> tuple[list[str], bool]:
        """Take ``after``'s settings (same kind and shape as ``before``) in place; returns
        what changed, in words, and whether the layer's weights must be drawn anew."""
        raise NotImplementedError

    def forward(self, x: np.ndarray, training: bool, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def backward(self, da: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """Gradient with respect to the layer's input (None when ``need_dx`` is false)."""
        raise NotImplementedError


@LAYERS.register("dense")
class Dense(Layer):
    """A fully connected layer.

    ``activation``, ``kernel_initializer``: a registry name or an object.
    ``kernel_regularizer``: an :class:`~nnviz.engine.regularizers.L1L2`, or give ``l1``/``l2``.
    ``init_scale``: the spread of the ``random_normal``/``random_uniform`` initializers.
    """

    kind = "dense"
    has_weights = True

    def __init__(
        self,
        units: int,
        activation: str | Activation | None = "linear",
        kernel_initializer: str | Initializer = "glorot_uniform",
        kernel_regularizer: L1L2 | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        init_scale: float | None = None,
        name: str | None = None,
    ) -> None:
        if isinstance(units, bool) or not isinstance(units, int | np.integer) or units < 1:
            raise ValueError(f"Dense units must be a whole number >= 1, got {units!r}")
        if kernel_regularizer is not None and (l1 or l2):
            raise ValueError("give either kernel_regularizer or l1/l2, not both")
        if init_scale is not None:
            check_number("init_scale", init_scale, 0.0, low_open=True)
        self.units = int(units)
        self.activation = activation
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.regularizer = kernel_regularizer or L1L2(l1, l2)
        self.init_scale = init_scale
        self.name = name or ""
        self.input_dim: int | None = None
        # views into the model's flat vectors, set by Sequential
        self.W: np.ndarray = np.empty((0, self.units))
        self.b: np.ndarray = np.empty(self.units)
        self.dW: np.ndarray = np.empty((0, self.units))
        self.db: np.ndarray = np.empty(self.units)
        # arrays of the last training forward pass (for backward and statistics)
        self.x: np.ndarray | None = None
        self.z: np.ndarray | None = None
        self.a: np.ndarray | None = None

    @property
    def activation(self) -> Activation:
        return self._activation

    @activation.setter
    def activation(self, value: str | Activation | None) -> None:
        self._activation = activations.get(value)

    @property
    def regularizer(self) -> L1L2:
        return self._regularizer

    @regularizer.setter
    def regularizer(self, value: L1L2) -> None:
        self._regularizer = value
        #: whether the kernel is penalized (checked on every step)
        self.regularized = value.active

    @property
    def l1(self) -> float:
        return self.regularizer.l1

    @property
    def l2(self) -> float:
        return self.regularizer.l2

    @property
    def n_params(self) -> int:
        return (self.input_dim or 0) * self.units + self.units

    def initial_kernel(self, rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        """A freshly drawn W of shape ``(input_dim, units)``."""
        shape = (self.input_dim, self.units)
        return self.kernel_initializer(shape, rng, dtype, self.init_scale)

    def compute(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) for ``x``, touching no stored state."""
        use_threads(threads_for(len(x) * self.W.size))
        z = np.matmul(x, self.W)
        z += self.b
        return z, self._activation._forward(z)

    def forward(self, x: np.ndarray, training: bool, rng: np.random.Generator) -> np.ndarray:
        if not training:
            return self.compute(x)[1]
        self.a = self._activation._forward(self.forward_z(x))
        return self.a

    def forward_z(self, x: np.ndarray) -> np.ndarray:
        """The training pass up to z (kept with x for backward); the caller sets ``a`` (and
        the BLAS thread count, once for the whole pass)."""
        z = np.matmul(x, self.W)
        z += self.b
        self.x, self.z = x, z
        return z

    def backward(self, da: np.ndarray, need_dx: bool) -> np.ndarray | None:
        return self.backward_from_z(self._activation.backward(da, self.z, self.a), need_dx)

    def backward_from_z(self, dz: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """Fill dW, db from dL/dz (shape ``(n_samples, units)``); return dL/dx if asked."""
        np.matmul(self.x.T, dz, out=self.dW)
        np.add.reduce(dz, axis=0, out=self.db)
        if self.regularized:
            self._regularizer.add_gradient(self.W, self.dW)
        return np.matmul(dz, self.W.T) if need_dx else None

    def get_config(self) -> LayerSpec:
        return LayerSpec(
            kind="dense",
            units=self.units,
            activation=ACTIVATIONS.name_of(self.activation),
            initializer=INITIALIZERS.name_of(self.kernel_initializer),
            init_scale=self.init_scale,
            l1=self.l1,
            l2=self.l2,
        )

    @classmethod
    def from_config(cls, spec: LayerSpec) -> Dense:
        return cls(
            spec.units,
            activation=spec.activation,
            kernel_initializer=spec.initializer,
            l1=spec.l1,
            l2=spec.l2,
            init_scale=spec.init_scale,
        )

    @classmethod
    def check_spec(cls, spec: LayerSpec, where: str) -> None:
        check_int(f"{where}.units", spec.units, 1, MAX_UNITS)
        check_name(f"{where}.activation", spec.activation, ACTIVATIONS)
        check_name(f"{where}.initializer", spec.initializer, INITIALIZERS)
        if spec.init_scale is not None:
            check_float(f"{where}.init_scale", spec.init_scale, 0.0, 1e6, low_open=True)
        check_float(f"{where}.l1", spec.l1, 0.0, 1e3)
        check_float(f"{where}.l2", spec.l2, 0.0, 1e3)

    @classmethod
    def canonical_spec(cls, spec: LayerSpec) -> LayerSpec:
        return replace(
            spec,
            activation=ACTIVATIONS.canonical(spec.activation),
            initializer=INITIALIZERS.canonical(spec.initializer),
        )

    def describe(self) -> tuple[str, str, str, str]:
        return (
            f"{self.name} (Dense)",
            f"(None, {self.units})",
            self.activation.name,
            f"{self.n_params:,}",
        )

    def update(self, before: LayerSpec, after: LayerSpec, label: str) -> tuple[list[str], bool]:
        messages = []
        if after.activation != before.activation:
            self.activation = after.activation
            messages.append(f"{label}: activation {before.activation} → {after.activation}")
        if (after.l1, after.l2) != (before.l1, before.l2):
            self.regularizer = L1L2(after.l1, after.l2)
            messages.append(f"{label}: L1 {after.l1:g}, L2 {after.l2:g}")
        redraw = (after.initializer, after.init_scale) != (before.initializer, before.init_scale)
        if redraw:
            self.kernel_initializer = INITIALIZERS.get(after.initializer)
            self.init_scale = after.init_scale
            messages.append(f"{label} got new weights from {after.initializer}")
        return messages, redraw

    def __repr__(self) -> str:
        return f"Dense({self.units}, activation={self._activation.name!r})"


@LAYERS.register("dropout")
class Dropout(Layer):
    """Inverted dropout: while training each input is zeroed with probability ``rate`` and
    the survivors are scaled by 1 / (1 - rate), so nothing changes at predict time."""

    kind = "dropout"

    def __init__(self, rate: float, name: str | None = None) -> None:
        self.rate = check_number("Dropout rate", rate, 0.0, 1.0, high_open=True)
        self.name = name or ""
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool, rng: np.random.Generator) -> np.ndarray:
        if not training or self.rate == 0:
            self.mask = None
            return x
        keep = rng.random(x.shape, dtype=x.dtype) >= self.rate
        self.mask = keep * x.dtype.type(1.0 / (1.0 - self.rate))
        return x * self.mask

    def backward(self, da: np.ndarray, need_dx: bool) -> np.ndarray | None:
        if not need_dx:
            return None
        return da if self.mask is None else da * self.mask

    def get_config(self) -> LayerSpec:
        return LayerSpec(kind="dropout", rate=self.rate)

    @classmethod
    def from_config(cls, spec: LayerSpec) -> Dropout:
        return cls(spec.rate)

    @classmethod
    def check_spec(cls, spec: LayerSpec, where: str) -> None:
        check_float(f"{where}.rate", spec.rate, 0.0, 1.0, high_open=True)

    def describe(self) -> tuple[str, str, str, str]:
        return (f"{self.name} (Dropout {self.rate:g})", "", "", "0")

    def update(self, before: LayerSpec, after: LayerSpec, label: str) -> tuple[list[str], bool]:
        if after.rate == before.rate:
            return [], False
        self.rate = after.rate
        return [f"{self.name}: rate {before.rate:g} → {after.rate:g}"], False

    def __repr__(self) -> str:
        return f"Dropout({self.rate})"
