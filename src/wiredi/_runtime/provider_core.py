"""What a provider and all its scopes share: registry, compiled code, entry tables."""

from __future__ import annotations

from typing import Any

from wiredi._compiler.compiler import Compiler
from wiredi._compiler.entry_tables import EntryTables
from wiredi._graph.registry import Registry
from wiredi.errors import ScopeError

__all__ = ["ClosedTable", "ProviderCore"]


class ProviderCore:
    """What a provider and all its scopes share: the registry and compiled code."""

    __slots__ = ("async_table", "compiler", "entries", "registry", "table")

    def __init__(self, registry: Registry, compiler: Compiler) -> None:
        self.registry = registry
        self.compiler = compiler
        self.entries = EntryTables(registry, compiler)
        # the default component's entry tables, read on every resolve
        self.table = self.entries.sync[""]
        self.async_table = self.entries.async_[""]

    def snapshot(self) -> ProviderCore:
        """A ``ProviderCore`` showing what this one shows now (see :meth:`show`)."""
        copy = object.__new__(ProviderCore)
        copy.registry, copy.compiler, copy.entries = (
            self.registry,
            self.compiler,
            self.entries,
        )
        copy.table = copy.entries.sync[""]
        copy.async_table = copy.entries.async_[""]
        return copy

    def show(self, other: ProviderCore) -> None:
        """Resolve with ``other``'s registry and compiled code from now on."""
        self.registry, self.compiler, self.entries = (
            other.registry,
            other.compiler,
            other.entries,
        )
        if not isinstance(self.table, ClosedTable):  # closed meanwhile: stays closed
            self.table = self.entries.sync[""]
        self.async_table = self.entries.async_[""]


def _raise_closed(_: Any) -> Any:
    raise ScopeError(
        "the provider is closed",
        hint="resolve before closing the provider; a closed provider has "
        "disposed its singletons",
    )


class ClosedTable(dict[Any, Any]):
    """The entry table of a closed provider: every lookup gives a raiser."""

    def __missing__(self, key: Any) -> Any:
        return _raise_closed
