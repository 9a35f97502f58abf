"""The open network as an undoable document: the current spec plus its undo stack.

Every edit — from the diagram editor or a settings panel — is a :class:`SpecEdit` pushed
on the stack; views mirror ``spec`` by listening to :attr:`NetworkDocument.specChanged`,
so undo and redo need no view code.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnviz.engine.spec import NetworkSpec


class SpecEdit(QUndoCommand):
    """Replace the document's spec; consecutive edits with the same ``merge_id`` (e.g. the
    steps of one spin-box or slider interaction) merge into one undo entry."""

    def __init__(
        self, document: NetworkDocument, new_spec: NetworkSpec, text: str, merge_id: int = -1
    ) -> None:
        super().__init__(text)
        self._document = document
        self._old = document.spec
        self._new = new_spec
        self._merge_id = merge_id

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SpecEdit) or other.id() != self.id() or self.id() == -1:
            return False
        self._new = other._new
        return True

    def redo(self) -> None:
        self._document._apply(self._new)

    def undo(self) -> None:
        self._document._apply(self._old)


class NetworkDocument(QObject):
    """Holds the one current :class:`NetworkSpec`. Emits ``specChanged(old, new)``."""

    specChanged = Signal(object, object)

    def __init__(self, spec: NetworkSpec | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spec = (spec or NetworkSpec()).validate()
        self.undo_stack = QUndoStack(self)

    @property
    def spec(self) -> NetworkSpec:
        return self._spec

    def edit(self, new_spec: NetworkSpec, text: str, merge_id: int = -1) -> None:
        """Validate ``new_spec`` (raising SpecError, leaving the document untouched) and
        push it as one undoable edit."""
        new_spec.validate()
        if new_spec == self._spec:
            return
        self.undo_stack.push(SpecEdit(self, new_spec, text, merge_id))

    def reset(self, spec: NetworkSpec) -> None:
        """Replace the spec without undo history (a new or loaded project)."""
        self.undo_stack.clear()
        self._apply(spec.validate())
        self.undo_stack.setClean()

    def _apply(self, spec: NetworkSpec) -> None:
        old, self._spec = self._spec, spec
        if old != spec:
            self.specChanged.emit(old, spec)
