"""The learner's work as an undoable document: the network spec, the data it trains on,
and the undo stack of every edit.

Every edit — a diagram drag, a panel change, a typed weight, a dataset switch — is one
:class:`DocumentEdit` on the stack, checked against the data before it is accepted. The
document does not hold weights: the training worker keeps the exact state before and after
each edit under the edit's key (:class:`nnviz.live.workspace.Workspace`). The document
tells it what happened through ``editApplied``/``editUndone``/``editRedone``/
``editsMerged``/``editsForgotten``; views mirror ``spec`` and ``data`` by listening to
``specChanged`` and ``dataChanged``, so undo and redo need no view code.
"""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnviz.data import PreparedData
from nnviz.engine.spec import NetworkSpec
from nnviz.engine.transition import Transition
from nnviz.live.edits import EditRefused
from nnviz.live.runs import Run
from nnviz.live.session import SessionState, check_fits, run_continuation
from nnviz.live.workspace import UNDO_LIMIT, Edit

_keys = itertools.count(1)


class DocumentEdit(QUndoCommand):
    """One undo entry. Consecutive edits with the same ``merge_id`` (the steps of one
    spin-box or slider interaction) merge into one."""

    def __init__(
        self,
        document: NetworkDocument,
        text: str,
        edit: Edit,
        merge_id: int = -1,
    ) -> None:
        super().__init__(text)
        self.key = next(_keys)
        self._document = document
        self._edit = edit
        self._old = (document.spec, document.data)
        self._new = (edit.spec or document.spec, edit.data or document.data)
        self._merge_id = merge_id
        self._applied = False

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DocumentEdit) or other.id() != self.id() or self.id() == -1:
            return False
        self._new = other._new
        self._document.editsMerged.emit(self.key, other.key)
        return True

    def redo(self) -> None:
        self._document._show(*self._new)
        if self._applied:
            self._document.editRedone.emit(self.key)
        else:
            self._applied = True
            self._document.editApplied.emit(self.key, self._edit)

    def undo(self) -> None:
        self._document._show(*self._old)
        self._document.editUndone.emit(self.key)


class NetworkDocument(QObject):
    """The one current :class:`NetworkSpec` and :class:`PreparedData`, and their edits.

    Signals: ``specChanged(old, new)``, ``dataChanged(data)``, ``refused(text)`` for an
    edit that was not accepted; for the training worker ``editApplied(key, Edit)``,
    ``editUndone(key)``, ``editRedone(key)``, ``editsMerged(key, later_key)`` and
    ``editsForgotten(keys)``."""

    specChanged = Signal(object, object)
    dataChanged = Signal(object)
    refused = Signal(str)
    editApplied = Signal(int, object)
    editUndone = Signal(int)
    editRedone = Signal(int)
    editsMerged = Signal(int, int)
    editsForgotten = Signal(object)

    def __init__(
        self,
        spec: NetworkSpec | None = None,
        data: PreparedData | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._spec = (spec or NetworkSpec()).validate()
        self._data = data
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)

    @property
    def spec(self) -> NetworkSpec:
        return self._spec

    @property
    def data(self) -> PreparedData | None:
        return self._data

    def check(self, spec: NetworkSpec, data: PreparedData | None = None) -> None:
        """Raise :class:`EditRefused` (or SpecError) when ``spec`` is invalid or cannot
        train on the data."""
        spec.validate()
        data = data or self._data
        if data is not None:
            try:
                check_fits(spec, data)
            except ValueError as exc:
                raise EditRefused(f"This change does not fit the data: {exc}.") from None

    def edit(
        self,
        new_spec: NetworkSpec,
        text: str,
        merge_id: int = -1,
        transition: Transition | None = None,
    ) -> None:
        """Check ``new_spec`` (raising EditRefused/SpecError, leaving everything as it
        was) and push it as one undoable edit; ``transition`` says where the new layers'
        weights come from (None: inferred)."""
        self.check(new_spec)
        if new_spec == self._spec:
            return
        self._push(DocumentEdit(self, text, Edit(spec=new_spec, transition=transition), merge_id))

    def edit_parameter(
        self, layer_index: int, kind: str, index: tuple[int, ...], value: float
    ) -> None:
        """A weight (``kind="W"``, ``index=(input, unit)``) or bias (``"b"``, ``(unit,)``)
        typed by the learner, as one undoable edit."""
        name = f"{kind}{layer_index + 1}[{', '.join(str(i) for i in np.atleast_1d(index))}]"
        self.edit_parameters(((layer_index, kind, index, value),), f"Set {name} = {value:g}")

    def edit_parameters(
        self, changes: tuple[tuple[int, str, tuple[int, ...], float], ...], text: str
    ) -> None:
        """Several weights or biases set together (a drag of the perceptron's line), as
        one undoable edit."""
        parameters = tuple(
            (int(layer), kind, tuple(int(i) for i in np.atleast_1d(index)), float(value))
            for layer, kind, index, value in changes
        )
        self._push(DocumentEdit(self, text, Edit(parameters=parameters)))

    def reinitialize(self, spec_indices: list[int], text: str) -> None:
        """Fresh initial weights for the dense layers ``spec.layers[i]`` (their
        initializers unchanged; the others keep theirs), as one undoable edit."""
        spec = self._spec
        chosen = set(spec_indices)
        if not chosen or any(not spec.layers[i].is_dense() for i in chosen):
            raise EditRefused("Only dense layers have weights to draw anew.")
        sources = tuple(None if i in chosen else i for i in range(len(spec.layers)))
        self._push(DocumentEdit(self, text, Edit(spec=spec, transition=Transition(sources))))

    def switch_data(self, data: PreparedData, spec: NetworkSpec, text: str) -> None:
        """Train on ``data`` with ``spec`` (fitted to it), as one undoable edit."""
        self.check(spec, data)
        self._push(DocumentEdit(self, text, Edit(spec=spec, data=data)))

    def continue_from(self, state: SessionState, text: str) -> None:
        """Go on from a training made elsewhere (a sweep's cell, a kept run) — its
        network, weights, optimizer state, counters, histories and data — as one
        undoable edit."""
        spec = state.training.spec
        self.check(spec, state.data)
        data = None if state.data is self._data else state.data
        self._push(DocumentEdit(self, text, Edit(spec=spec, data=data, state=state)))

    def restore_run(self, run: Run, data: PreparedData | None = None) -> None:
        """Continue the kept ``run`` — its network, weights, optimizer state and settings
        (``data``: its data, prepared, when it is not the current one) — as one undoable
        edit."""
        state = run_continuation(run, data or self._data)
        self.continue_from(state, f"Restore run '{run.name}'")

    def reset(self, spec: NetworkSpec, data: PreparedData | None = None) -> None:
        """Replace spec and data without undo history (a new or opened project)."""
        forgotten = self._command_keys(0)
        self.undo_stack.clear()
        if forgotten:
            self.editsForgotten.emit(forgotten)
        self._show(spec.validate(), data or self._data)
        self.undo_stack.setClean()

    def _push(self, command: DocumentEdit) -> None:
        discarded = self._command_keys(self.undo_stack.index())
        if discarded:
            self.editsForgotten.emit(discarded)
        self.undo_stack.push(command)

    def _command_keys(self, start: int) -> list[int]:
        stack = self.undo_stack
        return [
            command.key
            for command in (stack.command(i) for i in range(start, stack.count()))
            if isinstance(command, DocumentEdit)
        ]

    def _show(self, spec: NetworkSpec, data: PreparedData | None) -> None:
        old, self._spec = self._spec, spec
        if data is not self._data:
            self._data = data
            self.dataChanged.emit(data)
        if old != spec:
            self.specChanged.emit(old, spec)
