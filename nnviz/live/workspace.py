"""The learner's work as the training worker holds it: one session plus, for every edit,
the exact states before and after it, so that undo and redo are exact.

An edit (a network change, a typed weight, a dataset switch) is applied by
:meth:`Workspace.apply` under a key the undo stack chose; :meth:`Workspace.undo` and
:meth:`Workspace.redo` put back the state from before or after it — weights, optimizer
state, counters and random states bit for bit. Kept states count against a byte budget:
past it the oldest edits lose their states first, and undoing such an edit keeps what
weights fit instead (and says so).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from nnviz.data import PreparedData
from nnviz.engine.spec import NetworkSpec
from nnviz.engine.transition import Transition
from nnviz.live.edits import layer_sources
from nnviz.live.session import SessionState, TrainingSession

#: bytes of weights and optimizer state kept for undo (a cat network with Adam is about
#: 4 MB a state, two states an edit)
UNDO_BUDGET_BYTES = 256 * 2**20
#: edits the undo stack keeps (the app's QUndoStack has the same limit)
UNDO_LIMIT = 1000


@dataclass(frozen=True)
class Edit:
    """One learner action, as the worker applies it.

    ``spec``: the network after the edit (None: unchanged); ``transition`` says which old
    layers and neurons the new ones come from (None: inferred from the two specs);
    ``parameters``: ``(dense_index, "W" | "b", index, value)`` for each weight or bias set
    (typed in the diagram, or a drag of the perceptron's line);
    ``data``: new data (a dataset switch; ``spec`` is then the network fitted to it);
    ``state``: a whole training to go on from (a sweep's cell, a kept run), with its data,
    weights, optimizer state, counters and histories (``spec`` and ``data`` then its own)."""

    spec: NetworkSpec | None = None
    transition: Transition | None = None
    parameters: tuple[tuple[int, str, tuple[int, ...], float], ...] = ()
    data: PreparedData | None = None
    state: SessionState | None = None


@dataclass
class _Kept:
    before: SessionState | None
    after: SessionState | None
    spec_before: NetworkSpec
    spec_after: NetworkSpec

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in (self.before, self.after) if s is not None)


class Workspace:
    """A :class:`TrainingSession` with exact undo states for each edit key."""

    def __init__(self, session: TrainingSession, budget_bytes: int = UNDO_BUDGET_BYTES) -> None:
        self.session = session
        self.budget_bytes = budget_bytes
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._warned_budget = False

    @property
    def kept_bytes(self) -> int:
        return sum(kept.nbytes for kept in self._kept.values())

    def kept_keys(self) -> list[int]:
        """Keys whose states are still kept (oldest first)."""
        return [key for key, kept in self._kept.items() if kept.before is not None]

    def apply(self, key: int, edit: Edit) -> list[str]:
        """Apply ``edit`` keeping the states before and after it under ``key``; returns
        what changed, in words. Raises ValueError (nothing changed) when it cannot apply."""
        session = self.session
        whole = edit.state is not None  # the histories change too
        before = session.capture(with_series=edit.data is not None or whole)
        spec_before = session.spec
        messages: list[str] = []
        try:
            if edit.state is not None:
                messages += session.continue_from(edit.state)
            elif edit.data is not None:
                kept = session.set_data(edit.data, edit.spec or session.spec)
                messages.append(
                    "New data: training starts again from step 0"
                    + "".join(f"; {text}" for text in kept)
                )
            elif edit.spec is not None and (
                edit.spec != session.spec or edit.transition is not None
            ):
                transition = edit.transition or _inferred(session.spec, edit.spec)
                messages += session.apply_spec(edit.spec, transition)
            for parameter in edit.parameters:
                session.set_parameter(*parameter)
        except Exception:
            session.restore(before)
            raise
        self._kept[key] = _Kept(
            before, session.capture(with_series=whole), spec_before, session.spec
        )
        while len(self._kept) > UNDO_LIMIT:
            self._kept.popitem(last=False)
        return messages + session.runs.take_messages() + self._enforce_budget()

    def merge(self, key: int, later: int) -> None:
        """Make ``key`` span ``later`` too (one undo entry for a slider's many steps)."""
        first, last = self._kept.get(key), self._kept.pop(later, None)
        if first is None or last is None:
            return
        first.after, first.spec_after = last.after, last.spec_after

    def undo(self, key: int) -> str:
        """Back to the state from before edit ``key``."""
        return self._restore(key, before=True)

    def redo(self, key: int) -> str:
        """Back to the state right after edit ``key``."""
        return self._restore(key, before=False)

    def forget(self, keys: list[int]) -> None:
        """Drop the states of edits that left the undo stack."""
        for key in keys:
            self._kept.pop(key, None)

    def _restore(self, key: int, before: bool) -> str:
        session = self.session
        kept = self._kept.get(key)
        state = None if kept is None else (kept.before if before else kept.after)
        if state is None:
            if kept is None:
                raise ValueError(f"nothing is kept for edit {key}")
            spec = kept.spec_before if before else kept.spec_after
            session.apply_spec(spec, _inferred(session.spec, spec))
            return (
                "This edit is older than the undo memory keeps weights for: the network is "
                "back, with the current weights kept where they fit."
            )
        # trained since the edit (an edit that brings its own training, such as a sweep's
        # cell, starts counting where it ends)
        reference = kept.after if before and kept.after is not None else state
        steps_since = session.step_count - reference.step
        session.restore(state)
        if steps_since > 0:
            return (
                f"The weights are back as they were at this edit; the {steps_since:,} "
                "training steps since then are undone."
            )
        return ""

    def _enforce_budget(self) -> list[str]:
        """Drop the oldest kept states past the budget; say so the first time."""
        total = self.kept_bytes
        dropped = False
        for kept in self._kept.values():
            if total <= self.budget_bytes:
                break
            if kept.before is None:
                continue
            total -= kept.nbytes
            kept.before = kept.after = None
            dropped = True
        if dropped and not self._warned_budget:
            self._warned_budget = True
            return [
                f"Undo keeps at most {self.budget_bytes // 2**20} MB of weights: the oldest "
                "edits will be undone without their weights."
            ]
        return []


def _inferred(old: NetworkSpec, new: NetworkSpec) -> Transition | None:
    sources = layer_sources(old.layers, new.layers)
    return None if sources is None else Transition(layer_sources=sources)
