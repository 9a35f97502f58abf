"""One sample through the network, forward and backward, with the lesson's numbers (no Qt).

:func:`trace_sample` builds a private copy of the network from a spec and weights (the
training model is left alone: it lives in the worker thread) and asks the engine for
everything: ``forward_trace`` gives each layer's z = xW + b and a = g(z), and
``compute_gradients`` the loss and ∂L/∂W, ∂L/∂b. For one sample ∂L/∂b *is* ∂L/∂z, and the
∂L/∂a of a hidden layer is the next layer's ∂L/∂z times its Wᵀ; ∂L/∂ŷ comes from the loss
itself. Dropout is off, as when the network predicts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from nnviz.engine import Sequential
from nnviz.engine.losses import get as get_loss
from nnviz.engine.spec import NetworkSpec


@dataclass(frozen=True)
class LayerStep:
    """Dense layer ``number`` (1-based) for one sample. Forward: its input ``x`` (n_in,),
    ``W`` (n_in, units), ``b``, ``z`` = xW + b and ``a`` = g(z) (units,). Backward:
    ``da`` = ∂L/∂a, ``dz`` = ∂L/∂z (units,), ``dW`` = ∂L/∂W (n_in, units), ``db``."""

    number: int
    activation: str
    x: np.ndarray
    W: np.ndarray
    b: np.ndarray
    z: np.ndarray
    a: np.ndarray
    da: np.ndarray
    dz: np.ndarray
    dW: np.ndarray
    db: np.ndarray


@dataclass(frozen=True)
class WeightUpdate:
    """One plain gradient-descent step on one weight: w ← w − η·∂L/∂w, and this sample's
    loss before and after it."""

    layer: int
    row: int
    col: int
    before: float
    gradient: float
    learning_rate: float
    after: float
    loss_before: float
    loss_after: float


@dataclass(frozen=True)
class SampleTrace:
    """One sample's pass: ``x`` (the network's input, after normalization), ``target``
    (as the loss sees it), ``layers`` in order, the sample's ``loss`` (``loss_name``) and
    ``dyhat`` = ∂L/∂ŷ."""

    x: np.ndarray
    target: np.ndarray
    layers: tuple[LayerStep, ...]
    loss: float
    loss_name: str
    dyhat: np.ndarray
    learning_rate: float
    spec: NetworkSpec = field(repr=False)

    @property
    def output(self) -> np.ndarray:
        """ŷ, the last layer's activation (units,)."""
        return self.layers[-1].a

    def update(self, layer: int, row: int, col: int) -> WeightUpdate:
        """Gradient descent on weight ``W[row, col]`` of dense layer ``layer`` (0-based)
        with the spec's learning rate; the loss after it is the engine's, on this sample."""
        step = self.layers[layer]
        before = float(step.W[row, col])
        gradient = float(step.dW[row, col])
        after = before - self.learning_rate * gradient
        weights = _weights(self)
        weights[2 * layer][row, col] = after
        model = _model(self.spec, weights)
        loss_after = model.evaluate(self.x[None, :], self.target[None, :])["loss"]
        return WeightUpdate(
            layer, row, col, before, gradient, self.learning_rate, after, self.loss, loss_after
        )


def _weights(trace: SampleTrace) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for step in trace.layers:
        out += [step.W.copy(), step.b.copy()]
    return out


def _model(spec: NetworkSpec, weights: Sequence[np.ndarray]) -> Sequential:
    model = Sequential.from_config(spec)
    model.set_weights(list(weights))
    return model


def without_dropout(spec: NetworkSpec) -> NetworkSpec:
    """``spec`` with its dense layers only (the same weights, dropout off), built with
    zeros (the weights are loaded afterwards: drawing random ones would be wasted time)."""
    layers = [replace(layer, initializer="zeros", init_scale=None) for layer in spec.dense_layers]
    return spec.with_layers(layers)


def trace_sample(
    spec: NetworkSpec,
    weights: Sequence[tuple[np.ndarray, np.ndarray]] | Sequence[np.ndarray],
    x: np.ndarray,
    target: object,
) -> SampleTrace:
    """Trace input ``x`` (n_in,), already encoded as the network sees it, with the class
    label (or target row) ``target`` through the network ``spec`` with ``weights``
    (``(W, b)`` per dense layer, or the flat ``[W1, b1, ...]`` list)."""
    flat: list[np.ndarray] = []
    for item in weights:
        flat += list(item) if isinstance(item, tuple) else [item]
    spec = without_dropout(replace(spec, dtype="float64"))
    model = _model(spec, [np.array(w, dtype=np.float64) for w in flat])
    sample = np.asarray(x, dtype=np.float64).reshape(1, -1)
    _, y = model.prepare(sample, np.atleast_1d(target))
    forward = model.forward_trace(sample)
    loss, grads = model.compute_gradients(sample, y)
    loss_fn = get_loss(spec.loss)
    output = forward[-1].a
    dyhat = loss_fn.gradient(y, output)[0]
    dense = model.dense_layers
    steps: list[LayerStep] = []
    da = dyhat
    for i in range(len(dense) - 1, -1, -1):
        layer, trace = dense[i], forward[i]
        dz = grads[2 * i + 1].copy()
        if i < len(dense) - 1:
            da = steps[0].dz @ dense[i + 1].W.T
        steps.insert(
            0,
            LayerStep(
                number=i + 1,
                activation=layer.activation.name,
                x=sample[0] if i == 0 else forward[i - 1].a[0],
                W=layer.W.copy(),
                b=layer.b.copy(),
                z=trace.z[0],
                a=trace.a[0],
                da=np.asarray(da, dtype=np.float64).copy(),
                dz=dz,
                dW=grads[2 * i].copy(),
                db=grads[2 * i + 1].copy(),
            ),
        )
    if not math.isfinite(loss):
        raise ValueError("this sample's loss is not a finite number")
    return SampleTrace(
        x=sample[0],
        target=y[0],
        layers=tuple(steps),
        loss=float(loss),
        loss_name=spec.loss,
        dyhat=np.asarray(dyhat, dtype=np.float64),
        learning_rate=float(spec.optimizer.learning_rate),
        spec=spec,
    )


def load_photo(path: str | os.PathLike[str], shape: tuple[int, int, int]) -> np.ndarray:
    """A PNG/JPEG file as a uint8 ``shape`` (h, w, 3) image, decoded as RGB and resized
    like the image-folder training data; ValueError saying what is wrong otherwise."""
    from PIL import Image, UnidentifiedImageError

    height, width, channels = shape
    if channels != 3:
        raise ValueError(f"the network expects {channels}-channel images, not RGB photos")
    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
            return np.asarray(rgb, dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(
            f"{path}: cannot read this image ({exc}); open a PNG or JPEG file"
        ) from None


# -- the lesson's notation --------------------------------------------------------------
MINUS = "−"


def number(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits and a typographic minus."""
    text = f"{value:.{digits}g}"
    return text.replace("-", MINUS) if not text.startswith("-") else MINUS + text[1:]


def _factor(value: float, digits: int) -> str:
    text = number(value, digits)
    return f"({text})" if value < 0 else text


def weighted_sum(
    bias: float, weights: np.ndarray, inputs: np.ndarray, digits: int = 4, max_terms: int = 6
) -> str:
    """w0 + w1·x1 + w2·x2 + ... with the numbers, e.g. ``1 + 3·(−2) − 2·2`` (a negative
    weight becomes a subtraction, as on the slide); long sums show their first terms."""
    terms = [number(bias, digits)]
    count = len(weights)
    shown = range(count) if count <= max_terms else range(max_terms - 1)
    for i in shown:
        w, x = float(weights[i]), float(inputs[i])
        sign = MINUS if w < 0 else "+"
        terms.append(f"{sign} {number(abs(w), digits)}·{_factor(x, digits)}")
    if count > max_terms:
        terms.append(f"+ … ({count - max_terms + 1} more terms)")
    return " ".join(terms)
