"""What a provider and all its scopes share: registry, compiled code, entry tables."""

from __future__ import annotations

from typing import Any

from wiredi._compiler.compiler import Compiler
from wiredi._compiler.entry_tables import Roots
from wiredi._graph.registry import Registry
from wiredi.errors import ScopeError

__all__ = ["ClosedTable", "Core"]


class Core:
    """What a provider and all its scopes share: the registry and compiled code."""

    __slots__ = ("async_table", "compiler", "registry", "roots", "table")

    def __init__(self, registry: Registry, compiler: Compiler) -> None:
        self.registry = registry
        self.compiler = compiler
        self.roots = Roots(registry, compiler)
        # the default component's entry tables, read on every resolve
        self.table = self.roots.sync[""]
        self.async_table = self.roots.async_[""]

    def snapshot(self) -> Core:
        """A ``Core`` holding what this one shows now (for :meth:`show` later)."""
        copy = object.__new__(Core)
        copy.registry, copy.compiler, copy.roots = (
            self.registry,
            self.compiler,
            self.roots,
        )
        copy.table = copy.roots.sync[""]
        copy.async_table = copy.roots.async_[""]
        return copy

    def show(self, other: Core) -> None:
        """Resolve with ``other``'s registry and compiled code from now on."""
        self.registry, self.compiler, self.roots = (
            other.registry,
            other.compiler,
            other.roots,
        )
        if not isinstance(self.table, ClosedTable):  # closed meanwhile: stays closed
            self.table = self.roots.sync[""]
        self.async_table = self.roots.async_[""]


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
