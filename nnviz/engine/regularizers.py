"""Weight penalties on a layer's kernel, with Keras' definitions:
penalty = l1·Σ|W| + l2·ΣW², gradient l1·sign(W) + 2·l2·W (sign(0) = 0). Biases are not
penalized. The penalty is added to the reported loss, as Keras does."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine.checks import check_number


@dataclass(frozen=True)
class L1L2:
    """An L1 and/or L2 penalty on a kernel."""

    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        check_number("l1", self.l1, 0.0)
        check_number("l2", self.l2, 0.0)

    @property
    def active(self) -> bool:
        return self.l1 > 0 or self.l2 > 0

    def penalty(self, w: np.ndarray) -> float:
        total = 0.0
        if self.l1:
            total += self.l1 * float(np.abs(w).sum())
        if self.l2:
            total += self.l2 * float(np.vdot(w, w))
        return total

    def stacked_penalty(self, w: np.ndarray) -> np.ndarray:
        """The penalty of each of ``m`` kernels stacked along the first axis: ``(m,)``."""
        axes = tuple(range(1, w.ndim))
        total = np.zeros(len(w), dtype=w.dtype)
        if self.l1:
            total += self.l1 * np.abs(w).sum(axis=axes)
        if self.l2:
            total += self.l2 * np.square(w).sum(axis=axes)
        return total

    def add_gradient(self, w: np.ndarray, dw: np.ndarray) -> None:
        """dw += d(penalty)/dw, in place."""
        if self.l2:
            dw += (2.0 * self.l2) * w
        if self.l1:
            dw += self.l1 * np.sign(w)


def l1(value: float = 0.01) -> L1L2:
    return L1L2(l1=value)


def l2(value: float = 0.01) -> L1L2:
    return L1L2(l2=value)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    return L1L2(l1=l1, l2=l2)
