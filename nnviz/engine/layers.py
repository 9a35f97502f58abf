"""Layers. Samples are rows: a Dense layer maps x of shape ``(n_samples, n_in)`` to
a = g(z), z = x @ W + b, with W of shape ``(n_in, units)`` and b of shape ``(units,)``.

A layer does not own its parameter memory: :class:`~nnviz.engine.model.Sequential` gives
it views (``W``, ``b``, ``dW``, ``db``) into the model's flat parameter and gradient
vectors, so the optimizer updates everything at once.
"""

from __future__ import annotations

import numpy as np

from nnviz.engine import activations, initializers
from nnviz.engine.activations import Activation
from nnviz.engine.checks import check_number
from nnviz.engine.initializers import Initializer
from nnviz.engine.regularizers import L1L2
from nnviz.engine.threads import threads_for, use_threads


class Layer:
    """Base class of the layers of a :class:`Sequential` model."""

    kind = "layer"
    name: str = ""

    def forward(self, x: np.ndarray, training: bool, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def backward(self, da: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """Gradient with respect to the layer's input (None when ``need_dx`` is false)."""
        raise NotImplementedError


class Dense(Layer):
    """A fully connected layer.

    ``activation``, ``kernel_initializer``: a registry name or an object.
    ``kernel_regularizer``: an :class:`~nnviz.engine.regularizers.L1L2`, or give ``l1``/``l2``.
    ``init_scale``: the spread of the ``random_normal``/``random_uniform`` initializers.
    """

    kind = "dense"

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
        """The training pass up to z (kept with x for backward); the caller sets ``a``."""
        use_threads(threads_for(len(x) * self.W.size))
        z = np.matmul(x, self.W)
        z += self.b
        self.x, self.z = x, z
        return z

    def backward(self, da: np.ndarray, need_dx: bool) -> np.ndarray | None:
        return self.backward_from_z(self._activation.backward(da, self.z, self.a), need_dx)

    def backward_from_z(self, dz: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """Fill dW, db from dL/dz (shape ``(n_samples, units)``); return dL/dx if asked."""
        use_threads(threads_for(len(dz) * self.W.size))
        np.matmul(self.x.T, dz, out=self.dW)
        np.add.reduce(dz, axis=0, out=self.db)
        if self.regularized:
            self._regularizer.add_gradient(self.W, self.dW)
        return np.matmul(dz, self.W.T) if need_dx else None

    def __repr__(self) -> str:
        return f"Dense({self.units}, activation={self._activation.name!r})"


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

    def __repr__(self) -> str:
        return f"Dropout({self.rate})"
