"""Activation functions g(z), each with its derivative g'(z).

``forward`` and ``derivative`` are elementwise and accept any float array (the app plots
them); integer input is promoted to float64, float32 stays float32. ``backward(da, z, a)``
turns the gradient with respect to the activation into the gradient with respect to the
pre-activation; it reuses ``a = g(z)`` where that is cheaper, and carries softmax's full
Jacobian. At a kink the derivative follows Keras and PyTorch: relu'(0) = 0.
"""

from __future__ import annotations

import math

import numpy as np

from nnviz.engine.registry import Registry

ACTIVATIONS: Registry[Activation] = Registry("activation")


def as_float(z: object) -> np.ndarray:
    """``z`` as a float array: float32/float64 kept, anything else becomes float64."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


class Activation:
    """Base class. ``output_range`` is the range of g (for plots and histogram bins);
    ``saturates`` marks functions whose gradient vanishes in both tails (sigmoid, tanh),
    ``rectifier`` those whose units can die (relu); ``elementwise`` is False for one that
    mixes the values along the last axis (softmax)."""

    name = "activation"
    output_range: tuple[float, float] = (-math.inf, math.inf)
    saturates = False
    rectifier = False
    elementwise = True

    def forward(self, z: np.ndarray) -> np.ndarray:
        """g(z), elementwise (softmax: along the last axis). NaN in, NaN out, silently."""
        with np.errstate(invalid="ignore", over="ignore"):
            return self._forward(as_float(z))

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """g'(z), elementwise (softmax: the diagonal of its Jacobian)."""
        with np.errstate(invalid="ignore", over="ignore"):
            return self._derivative(as_float(z))

    def backward(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """dL/dz from dL/da, given z and a = g(z) of the same forward pass."""
        return da * self._derivative(z)

    def forward_in_place(self, z: np.ndarray) -> np.ndarray:
        """g(z) for a picture of the network, overwriting the float array ``z`` where that
        is cheaper (it may also return a new array): :meth:`forward` up to rounding. Never
        used in training, whose numbers stay :meth:`forward`'s."""
        return self.forward(z)

    def _forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-z) = exp(-log(1 + e^-z)); logaddexp never overflows.
    return np.exp(-np.logaddexp(0, -z))


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^-z), computed without overflow; σ'(z) = σ(z)(1 - σ(z))."""

    name = "sigmoid"
    output_range = (0.0, 1.0)
    saturates = True

    def _forward(self, z: np.ndarray) -> np.ndarray:
        return _sigmoid(z)

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        s = _sigmoid(z)
        return s * (1 - s)

    def backward(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return da * (a * (1 - a))

    def forward_in_place(self, z: np.ndarray) -> np.ndarray:
        # 1 / (1 + e^-z) in four in-place passes, several times cheaper than the
        # logaddexp form; e^-z overflows to inf for a very negative z, giving 0 as it should
        with np.errstate(over="ignore"):
            np.negative(z, out=z)
            np.exp(z, out=z)
            z += 1
            return np.reciprocal(z, out=z)


#: tanh is 1.0 from here on in float64 (1 - tanh(20) < 1e-17) and float32: :func:`_tanh`
#: clips its input there so that e^2z never overflows
_TANH_CLIP = 20.0
#: values per matrix from which :func:`_tanh` takes its exp form (see there)
TANH_EXP_FROM = 100
#: per dtype, 1, 2 and the clip as 0-d arrays: NumPy converts a Python number anew at every
#: call (about 0.6 µs, as much as a whole operation on a small batch's activations)
_TANH_CONSTANTS: dict[np.dtype, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _tanh_constants(dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1, 2 and the clip of :func:`_tanh` as 0-d arrays of ``dtype`` (the values Python
    numbers become for it)."""
    constants = _TANH_CONSTANTS.get(dtype)
    if constants is None:
        values = (1, 2, _TANH_CLIP)
        constants = _TANH_CONSTANTS[dtype] = tuple(np.array(v, dtype) for v in values)
    return constants


def _tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z). NumPy's float64 tanh is not vectorized on AVX2 machines (35 ns a value)
    while its exp is, so from :data:`TANH_EXP_FROM` values per matrix (the last two axes:
    one model's batch of activations) on, this is 1 - 2 / (1 + e^2z), within 4e-16 of
    tanh (a few ulp of 1; relatively more for |z| below 0.01), exactly 0 at 0 and ±1 from
    |z| = 20 on, NaN for NaN. Its six calls cost about 7 µs: 1.5x faster than np.tanh on
    512 values, 2.6x on 3840, 1.3x slower on 128 (a lone 2-8-8-1 at batch 16), 1.9x on
    80 (batch 10: np.tanh is kept there). Counting per matrix, a stacked race's members
    (a leading model axis) compute exactly what each computes alone."""
    if z.size < TANH_EXP_FROM or (z.ndim > 2 and z.shape[-2] * z.shape[-1] < TANH_EXP_FROM):
        return np.tanh(z)  # the size first: 0.4 µs less on a lone model's small batch
    one, two, clip = _tanh_constants(z.dtype)
    t = np.minimum(z, clip)
    # out by position: 0.1 µs less per call than out=
    np.add(t, t, t)
    np.exp(t, t)
    np.add(t, one, t)
    np.divide(two, t, t)
    np.subtract(one, t, t)
    return t


class Tanh(Activation):
    """tanh(z) (see :func:`_tanh`); tanh'(z) = 1 - tanh(z)²."""

    name = "tanh"
    output_range = (-1.0, 1.0)
    saturates = True

    def _forward(self, z: np.ndarray) -> np.ndarray:
        return _tanh(z)

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        t = _tanh(z)
        return 1 - t * t

    def backward(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        d = np.multiply(a, a)
        np.subtract(_tanh_constants(d.dtype)[0], d, d)  # out by position (as in _tanh)
        np.multiply(d, da, d)
        return d


_ZERO_ROW = 4096  # see ReLU.forward_in_place


class ReLU(Activation):
    """max(0, z); derivative 1 for z > 0, else 0 (also at z = 0)."""

    name = "relu"
    output_range = (0.0, math.inf)
    rectifier = True

    def _forward(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0)

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    def backward(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return da * (z > 0)

    def forward_in_place(self, z: np.ndarray) -> np.ndarray:
        # NumPy's maximum against a scalar runs several times slower than against an
        # array (measured: 170 against 35 µs on the boundary plane's 150 000 float32s), so
        # a contiguous bulk goes against a row of zeros, as rows of that length
        if not z.flags.c_contiguous or z.size < _ZERO_ROW:
            return np.maximum(z, 0, out=z)
        flat = z.reshape(-1)
        bulk = flat.size - flat.size % _ZERO_ROW
        rows = flat[:bulk].reshape(-1, _ZERO_ROW)
        np.maximum(rows, np.zeros(_ZERO_ROW, dtype=z.dtype), out=rows)
        np.maximum(flat[bulk:], 0, out=flat[bulk:])
        return z


class LeakyReLU(Activation):
    """z for z > 0, else alpha·z; derivative 1 or alpha (alpha at z = 0, as in PyTorch)."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01) -> None:
        if not 0 <= alpha < 1:
            raise ValueError(f"leaky_relu alpha must be in [0, 1), got {alpha}")
        self.alpha = float(alpha)

    def _forward(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z, self.alpha * z)

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        one, alpha = z.dtype.type(1), z.dtype.type(self.alpha)
        return np.where(z > 0, one, alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class ELU(Activation):
    """z for z > 0, else alpha·(e^z - 1); derivative 1 or alpha·e^z."""

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        if not alpha > 0:
            raise ValueError(f"elu alpha must be positive, got {alpha}")
        self.alpha = float(alpha)
        self.output_range = (-self.alpha, math.inf)

    def _forward(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z.dtype.type(1), self.alpha * np.exp(np.minimum(z, 0)))

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


class Softplus(Activation):
    """log(1 + e^z), without overflow; derivative σ(z)."""

    name = "softplus"
    output_range = (0.0, math.inf)

    def _forward(self, z: np.ndarray) -> np.ndarray:
        return np.logaddexp(0, z)

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        return _sigmoid(z)


class Swish(Activation):
    """z·σ(z) (SiLU); derivative σ(z)·(1 + z·(1 - σ(z)))."""

    name = "swish"
    output_range = (-0.2784645427610738, math.inf)

    def _forward(self, z: np.ndarray) -> np.ndarray:
        return z * _sigmoid(z)

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        s = _sigmoid(z)
        return s * (1 + z * (1 - s))


_GELU_C = math.sqrt(2 / math.pi)
_GELU_K = 0.044715


class GELU(Activation):
    """GELU in its tanh form (PyTorch ``approximate="tanh"``, Keras ``approximate=True``):
    0.5·z·(1 + tanh(c·(z + 0.044715·z³))), c = √(2/π); NumPy has no erf for the exact form."""

    name = "gelu"
    output_range = (-0.17, math.inf)

    def _forward(self, z: np.ndarray) -> np.ndarray:
        t = np.tanh(_GELU_C * (z + _GELU_K * z**3))
        return 0.5 * z * (1 + t)

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        t = np.tanh(_GELU_C * (z + _GELU_K * z**3))
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _GELU_C * (1 + 3 * _GELU_K * z * z)


class Linear(Activation):
    """g(z) = z; derivative 1."""

    name = "linear"

    def _forward(self, z: np.ndarray) -> np.ndarray:
        return z

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        return np.ones_like(z)

    def backward(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return da


class Softmax(Activation):
    """e^z / Σ e^z along the last axis (shifted by the maximum, so it never overflows).
    ``derivative`` is the Jacobian's diagonal s(1 - s); ``backward`` applies the full
    Jacobian: dz = s ⊙ (da - Σ da ⊙ s)."""

    name = "softmax"
    output_range = (0.0, 1.0)
    saturates = True
    elementwise = False

    def _forward(self, z: np.ndarray) -> np.ndarray:
        if z.ndim == 0:
            return np.ones_like(z)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        e /= e.sum(axis=-1, keepdims=True)
        return e

    def _derivative(self, z: np.ndarray) -> np.ndarray:
        s = self._forward(z)
        return s * (1 - s)

    def backward(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return a * (da - (da * a).sum(axis=-1, keepdims=True))


ACTIVATIONS.add("sigmoid", Sigmoid(), "logistic")
ACTIVATIONS.add("tanh", Tanh())
ACTIVATIONS.add("relu", ReLU())
ACTIVATIONS.add("leaky_relu", LeakyReLU())
ACTIVATIONS.add("elu", ELU())
ACTIVATIONS.add("softplus", Softplus())
ACTIVATIONS.add("swish", Swish(), "silu")
ACTIVATIONS.add("gelu", GELU())
ACTIVATIONS.add("linear", Linear(), "identity", "none")
ACTIVATIONS.add("softmax", Softmax())


def get(identifier: str | Activation | None) -> Activation:
    """An activation by registry name, or the given :class:`Activation` itself; None is
    linear, as in Keras."""
    return ACTIVATIONS.resolve("linear" if identifier is None else identifier, Activation)
