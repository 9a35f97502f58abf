"""Loss functions, averaged over the batch (and, as in Keras, over the outputs).

A loss gives its value ``__call__(y, p)`` and its gradient with respect to the network's
output ``gradient(y, p)`` (already divided by the batch size). When the output activation
is the loss's natural partner (sigmoid for binary cross-entropy, softmax for categorical
cross-entropy) the model uses ``from_logits(y, z)`` instead, which computes the loss from
the pre-activation z — exact even where σ(z) rounds to 0 or 1 —, the output a = g(z) from
the same intermediate values, and the short gradient dL/dz = (a - y) / n.
"""

from __future__ import annotations

import numpy as np

from nnviz.engine.registry import Registry

LOSSES: Registry[Loss] = Registry("loss")

EPSILON = 1e-7  # Keras' clip for probabilities given to cross-entropy


class Loss:
    name = "loss"
    #: the output activation whose z the loss can use directly, or None
    logits_activation: str | None = None

    def prepare_targets(self, y: object, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        """Targets as a ``(n_samples, n_outputs)`` array of ``dtype``; ValueError when they
        cannot match the output layer."""
        y = np.asarray(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ValueError(
                f"the targets have shape {y.shape} but the output layer has {n_outputs} "
                f"unit(s); give one row of {n_outputs} value(s) per sample"
            )
        if y.dtype.kind not in "biuf":
            raise ValueError(f"the targets must be numbers, got dtype {y.dtype}")
        y = np.asarray(y, dtype=dtype)
        if not np.isfinite(y).all():
            raise ValueError("the targets contain NaN or infinite values")
        return y

    def __call__(self, y: np.ndarray, p: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        """dL/dp, shape of ``p``."""
        raise NotImplementedError

    def from_logits(self, y: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(loss, dL/dz, a = g(z)) from the output layer's pre-activation z, for the
        output activation named ``logits_activation``."""
        raise NotImplementedError

    def stacked_from_logits(
        self, y: np.ndarray, z: np.ndarray
    ) -> tuple[list[float], np.ndarray, np.ndarray]:
        """:meth:`from_logits` for several models at once: ``z`` of shape ``(models, n,
        k)``; one loss per model, dL/dz and a stacked. Each model's values are bit for bit
        those of ``from_logits(y, z[i])`` (a stacked group of models relies on it)."""
        parts = [self.from_logits(y, zi) for zi in z]
        return (
            [p[0] for p in parts],
            np.stack([p[1] for p in parts]),
            np.stack([p[2] for p in parts]),
        )

    def stacked_values(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        """The loss of each of ``m`` outputs ``p`` of shape ``(m, n_samples, n_outputs)``
        against the same targets ``y``: shape ``(m,)`` (the loss landscape evaluates many
        weight vectors at once)."""
        raise NotImplementedError

    def stacked_values_from_logits(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """:meth:`stacked_values` from the output layer's pre-activations ``z``, as
        :meth:`from_logits` computes it."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BinaryCrossentropy(Loss):
    """L = -mean(y·log p + (1 - y)·log(1 - p)). Probabilities are clipped to
    [1e-7, 1 - 1e-7] (so p = 0 or 1 gives a large finite loss, not inf); with a sigmoid
    output it is computed from the logits: L = mean(log(1 + e^z) - y·z)."""

    name = "binary_crossentropy"
    logits_activation = "sigmoid"

    def prepare_targets(self, y: object, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        y = super().prepare_targets(y, n_outputs, dtype)
        if y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError(
                "binary cross-entropy needs targets between 0 and 1 (class labels 0/1), "
                f"got values from {y.min()} to {y.max()}"
            )
        return y

    def __call__(self, y: np.ndarray, p: np.ndarray) -> float:
        p = np.clip(p, EPSILON, 1 - EPSILON)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))

    def gradient(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        inside = (p > EPSILON) & (p < 1 - EPSILON)
        pc = np.clip(p, EPSILON, 1 - EPSILON)
        return np.where(inside, (pc - y) / (pc * (1 - pc)), 0) / p.size

    def from_logits(self, y: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        # softplus(z) = log(1 + e^z) serves the loss and σ(z) = exp(z - softplus(z))
        softplus = np.logaddexp(0, z)
        loss = self._softplus_loss(y, z, softplus)
        return (loss, *self._gradient_and_output(y, z, softplus))

    def stacked_from_logits(
        self, y: np.ndarray, z: np.ndarray
    ) -> tuple[list[float], np.ndarray, np.ndarray]:
        models = len(z)
        softplus = np.logaddexp(0, z)
        # per model the pairwise sum and the BLAS dot product _softplus_loss takes
        sums = np.add.reduce(softplus.reshape(models, -1), axis=1)
        dots = np.matmul(z.reshape(models, 1, -1), y.reshape(-1))[:, 0]
        losses = (np.subtract(sums, dots).astype(np.float64) / y.size).tolist()
        return (losses, *self._gradient_and_output(y, z, softplus))

    @staticmethod
    def _softplus_loss(y: np.ndarray, z: np.ndarray, softplus: np.ndarray) -> float:
        return float(np.add.reduce(softplus, axis=None) - np.vdot(y, z)) / y.size

    @staticmethod
    def _gradient_and_output(
        y: np.ndarray, z: np.ndarray, softplus: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(dL/dz, σ(z)); ``softplus`` is overwritten."""
        a = np.subtract(z, softplus, out=softplus)
        np.exp(a, out=a)
        dz = np.subtract(a, y)
        dz *= 1.0 / y.size
        return dz, a

    def stacked_values(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        p = np.clip(p, EPSILON, 1 - EPSILON)
        return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p), axis=(1, 2))

    def stacked_values_from_logits(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        # softplus(z) = max(z, 0) + log(1 + e^-|z|): the same value as logaddexp(0, z),
        # several times faster on the many values of a landscape
        softplus = np.log1p(np.exp(-np.abs(z)))
        softplus += np.maximum(z, 0)
        softplus -= y * z
        return np.mean(softplus, axis=(1, 2))


class CategoricalCrossentropy(Loss):
    """L = -mean over samples of Σ_k y_k·log p_k. Targets may be one-hot rows or integer
    class ids (0..k-1). With a softmax output it is computed from the logits through
    log-softmax, and dL/dz = (softmax(z) - y) / n."""

    name = "categorical_crossentropy"
    logits_activation = "softmax"

    def prepare_targets(self, y: object, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1 and n_outputs > 1:
            y = y[:, 0]
        if y.ndim == 1:
            if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
                raise ValueError("class ids must be whole numbers 0..k-1")
            ids = y.astype(np.int64)
            if ids.size and (ids.min() < 0 or ids.max() >= n_outputs):
                raise ValueError(
                    f"class ids must be from 0 to {n_outputs - 1} (the output layer has "
                    f"{n_outputs} units), got {ids.min()} to {ids.max()}"
                )
            one_hot = np.zeros((ids.size, n_outputs), dtype=dtype)
            one_hot[np.arange(ids.size), ids] = 1
            return one_hot
        return super().prepare_targets(y, n_outputs, dtype)

    def __call__(self, y: np.ndarray, p: np.ndarray) -> float:
        p = np.clip(p, EPSILON, 1 - EPSILON)
        return float(-np.sum(y * np.log(p)) / p.shape[0])

    def gradient(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        inside = (p > EPSILON) & (p < 1 - EPSILON)
        return np.where(inside, -y / np.clip(p, EPSILON, 1 - EPSILON), 0) / p.shape[0]

    def from_logits(self, y: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        log_softmax = self._log_softmax(z)
        loss = self._log_softmax_loss(y, log_softmax)
        return (loss, *self._gradient_and_output(y, log_softmax))

    def stacked_from_logits(
        self, y: np.ndarray, z: np.ndarray
    ) -> tuple[list[float], np.ndarray, np.ndarray]:
        log_softmax = self._log_softmax(z)
        losses = [self._log_softmax_loss(y, part) for part in log_softmax]
        return (losses, *self._gradient_and_output(y, log_softmax))

    @staticmethod
    def _log_softmax(z: np.ndarray) -> np.ndarray:
        shifted = z - z.max(axis=-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))

    @staticmethod
    def _log_softmax_loss(y: np.ndarray, log_softmax: np.ndarray) -> float:
        return -float(np.vdot(y, log_softmax)) / log_softmax.shape[0]

    @staticmethod
    def _gradient_and_output(
        y: np.ndarray, log_softmax: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(dL/dz, softmax(z)) for the samples along the second-last axis."""
        a = np.exp(log_softmax)
        dz = np.subtract(a, y)
        dz *= 1.0 / log_softmax.shape[-2]
        return dz, a

    def stacked_values(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        p = np.clip(p, EPSILON, 1 - EPSILON)
        return -np.sum(y * np.log(p), axis=(1, 2)) / p.shape[1]

    def stacked_values_from_logits(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        shifted = z - z.max(axis=-1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return -np.sum(y * log_softmax, axis=(1, 2)) / z.shape[1]


class MeanSquaredError(Loss):
    """L = mean((p - y)²); dL/dp = 2(p - y) / (n·k)."""

    name = "mse"

    def __call__(self, y: np.ndarray, p: np.ndarray) -> float:
        d = p - y
        return float(np.mean(d * d))

    def gradient(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return (p - y) * (2.0 / p.size)

    def stacked_values(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        d = p - y
        return np.mean(d * d, axis=(1, 2))


LOSSES.add("binary_crossentropy", BinaryCrossentropy(), "bce", "log_loss")
LOSSES.add("categorical_crossentropy", CategoricalCrossentropy(), "cce", "crossentropy")
LOSSES.add("mse", MeanSquaredError(), "mean_squared_error")


def get(identifier: str | Loss) -> Loss:
    """A loss by registry name, or the given :class:`Loss` itself."""
    return LOSSES.resolve(identifier, Loss)
