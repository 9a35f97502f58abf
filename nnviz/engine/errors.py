"""Errors the engine raises while training."""

from __future__ import annotations


class DivergenceError(ArithmeticError):
    """Training diverged: the loss or a weight became NaN or infinite (the weights are put
    back to their state before the update that blew up), or — ``reason`` then says which
    rule fired, with its numbers — the loss or the weights grew far past their normal
    range (the weights are put back to the last good copy the Trainer kept, at most
    :data:`~nnviz.engine.divergence.CHECK_EVERY` steps old). The optimizer's moments are
    cleared; the history is kept.

    ``layer``: 1-based number of the dense layer that first produced non-finite values
    (None if none could be named), ``layer_name`` its name; ``epoch`` (0-based epoch of the
    failed step) and ``step`` (1-based number of the failed step) are filled in by the
    :class:`~nnviz.engine.training.Trainer`; ``learning_rate`` is the rate in use.
    """

    def __init__(
        self,
        what: str,
        layer: int | None,
        layer_name: str | None,
        learning_rate: float | None,
        epoch: int | None = None,
        step: int | None = None,
        reason: str | None = None,
    ) -> None:
        self.what = what
        self.reason = reason
        self.layer = layer
        self.layer_name = layer_name
        self.learning_rate = learning_rate
        self.epoch = epoch
        self.step = step
        super().__init__(self._message())

    def at(self, epoch: int, step: int) -> DivergenceError:
        """This error with the epoch and step of the failed update filled in."""
        self.epoch, self.step = epoch, step
        self.args = (self._message(),)
        return self

    def _message(self) -> str:
        where = ""
        if self.step is not None:
            where = f" at epoch {self.epoch + 1}, step {self.step}"
        culprit = ""
        if self.layer is not None:
            culprit = f" (first in layer {self.layer}, {self.layer_name!r})"
        lr = ""
        if self.learning_rate is not None:
            lr = f" (now {self.learning_rate:g}; try {self.learning_rate / 10:g})"
        if self.reason is not None:
            return (
                f"training diverged{where}: {self.reason}. The weights were restored to "
                f"their last good values. Use a smaller learning rate{lr}, or clip the "
                f"gradients."
            )
        return (
            f"training diverged{where}: {self.what} became NaN or infinite{culprit}. "
            f"The weights were restored to their state before the last update. "
            f"Use a smaller learning rate{lr}, or clip the gradients."
        )

    def __str__(self) -> str:
        return self._message()
