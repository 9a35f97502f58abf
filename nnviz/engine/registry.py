"""Name → object tables, one per kind (activations, initializers, losses, optimizers, ...).

The GUI lists choices from these tables, the spec validates names against them and the
engine resolves them, so adding an entry is one line plus its tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

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

    def resolve(self, identifier: str | T, instance_type: type | tuple[type, ...]) -> T:
        """``identifier`` looked up by name, or returned as is when it is already an entry
        object (an instance of ``instance_type``); ValueError naming the kind otherwise."""
        if isinstance(identifier, instance_type):
            return identifier  # type: ignore[return-value]
        if isinstance(identifier, str):
            return self.get(identifier)
        raise ValueError(
            f"{self.kind} must be a name ({', '.join(self.names())}) or an object, "
            f"got {identifier!r}"
        )

    def create(self, identifier: str | object, base: type, **options: Any) -> Any:
        """An instance of ``base``: ``identifier`` itself when it already is one, else the
        class registered under that name built with ``options`` (ValueError naming them
        when they do not fit)."""
        if isinstance(identifier, base):
            return identifier
        cls = self.resolve(identifier, ())  # type: ignore[arg-type]
        try:
            return cls(**options)
        except TypeError as exc:
            raise ValueError(f"bad options for {self.kind} {identifier!r}: {exc}") from exc

    def name_of(self, entry: object) -> str:
        """The registered name of ``entry`` (or of its class, for instances of a registered
        class); ValueError if it is not registered."""
        for key, value in self._entries.items():
            if value is entry or (isinstance(value, type) and type(entry) is value):
                return key
        name = getattr(entry, "name", None)
        if isinstance(name, str) and name in self:
            return self.canonical(name)
        raise ValueError(f"{entry!r} is not a registered {self.kind}")

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
