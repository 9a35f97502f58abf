"""Name → object tables, one per kind (activations, initializers, losses, optimizers, ...).

The GUI lists choices from these tables, the spec validates names against them and the
engine resolves them, so adding an entry is one line plus its tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A case-insensitive table of named entries with optional aliases."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, *aliases: str) -> Callable[[T], T]:
        """Decorator: register the decorated object under ``name`` (and ``aliases``)."""

        def decorate(entry: T) -> T:
            self.add(name, entry, *aliases)
            return entry

        return decorate

    def add(self, name: str, entry: T, *aliases: str) -> None:
        key = name.lower()
        if key in self._entries or key in self._aliases:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[key] = entry
        for alias in aliases:
            self._aliases[alias.lower()] = key

    def canonical(self, name: str) -> str:
        """The registered name for ``name`` or one of its aliases; ValueError if unknown."""
        if not isinstance(name, str):
            raise ValueError(f"{self.kind} must be given by name, got {name!r}")
        key = name.lower()
        key = self._aliases.get(key, key)
        if key not in self._entries:
            raise ValueError(
                f"unknown {self.kind} {name!r}; choose one of: {', '.join(self.names())}"
            )
        return key

    def get(self, name: str) -> T:
        return self._entries[self.canonical(name)]

    def names(self) -> list[str]:
        """Registered names in registration order (the order the GUI lists them)."""
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower()
        return key in self._entries or key in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
