"""A small name registry shared by every family (methods, rules, root finders)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from lrp_core.errors import LRPError
from lrp_core.params import Param, defaults, validate

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Entry(Generic[F]):
    """One registered callable with its display label and citation."""

    name: str
    func: F
    label: str
    cite: str = ""
    doc: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: the entry's parameters, declared once (see :mod:`lrp_core.params`)
    schema: tuple[Param, ...] = ()

    def defaults(self) -> dict[str, Any]:
        return defaults(self.schema)

    def validate(self, values: dict[str, Any], family: str = "") -> dict[str, Any]:
        """``values`` checked against :attr:`schema`, defaults filled in."""
        return validate(f"{family or 'entry'} {self.name!r}", self.schema, values)


class Registry(Generic[F]):
    """Name -> callable, filled by the ``register`` decorator.

    The CLI choices, the page selectboxes and the contract tests all read the
    same registry, so a new entry shows up everywhere at once.
    """

    def __init__(self, family: str) -> None:
        self.family = family
        self._entries: dict[str, Entry[F]] = {}

    def register(
        self, name: str, *, label: str | None = None, cite: str = "",
        schema: tuple[Param, ...] = (), **extra: Any
    ) -> Callable[[F], F]:
        def deco(func: F) -> F:
            if name in self._entries:
                raise RuntimeError(f"{self.family} {name!r} registered twice")
            doc = (func.__doc__ or "").strip()
            self._entries[name] = Entry(name, func, label or name, cite, doc, dict(extra), tuple(schema))
            return func

        return deco

    def get(self, name: str) -> Entry[F]:
        try:
            return self._entries[name]
        except KeyError:
            raise LRPError(
                f"unknown {self.family} {name!r}; choose one of: {', '.join(self._entries)}"
            ) from None

    def unregister(self, name: str) -> None:
        """Remove an entry (for tests that register a toy entry and clean up)."""
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry[F]]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)
