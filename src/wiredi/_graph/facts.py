"""Facts about a registration's whole graph, each worked out once.

Does resolving it await an async factory? Does it inject ``DependencyContext``
or ``CurrentGraph``? Does it reach an overridden service? The compiler asks
these before writing a resolver, so that graphs without async factories,
context injection or overrides are compiled without any of that machinery.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from wiredi._graph.edges import Call, EdgeKind, alias_target, calls_of, plain_targets
from wiredi._graph.registry import Registry
from wiredi._registration.hints import FactoryKind
from wiredi._registration.registration import Kind, Registration

__all__ = ["GraphFacts"]

_ASYNC_KINDS = (FactoryKind.ASYNC, FactoryKind.ASYNC_GENERATOR)
_GRAPH_KINDS = (EdgeKind.CONTEXT, EdgeKind.GRAPH)
_ALIAS = Kind.ALIAS  # bound once: an enum member read costs ~55 ns on 3.11


class GraphFacts:
    """Memoised graph facts for one registry (and one set of overrides).

    A registration being worked out counts as ``False`` until it is done,
    which ends the walk around a cycle (cycles are reported elsewhere).
    """

    def __init__(
        self, registry: Registry, overridden: frozenset[Registration] = frozenset()
    ) -> None:
        self.registry = registry
        self.overridden = overridden
        self._async: dict[Registration, bool] = {}
        self._graph: dict[Registration, bool] = {}
        self._affected: dict[Registration, bool] = {}

    def is_async(self, reg: Registration) -> bool:
        """Whether resolving ``reg`` awaits an async factory somewhere."""
        found = self._async.get(reg)
        if found is None:
            self._compute_traits(reg)
            found = self._async[reg]
        return found

    def needs_graph(self, reg: Registration) -> bool:
        """Whether ``reg``'s graph injects ``DependencyContext`` or ``CurrentGraph``."""
        found = self._graph.get(reg)
        if found is None:
            self._compute_traits(reg)
            found = self._graph[reg]
        return found

    def known_plain(self, reg: Registration) -> bool:
        """Whether ``reg`` is known to await nothing and inject no context.

        ``False`` also when that is not worked out yet.
        """
        return self._async.get(reg) is False and self._graph.get(reg) is False

    def set_plain(self, reg: Registration) -> None:
        """Record that ``reg`` awaits nothing and injects no context.

        For a registration whose own parameters take neither, and whose
        dependencies are all :meth:`known_plain`.
        """
        self._async[reg] = self._graph[reg] = False

    def affected(self, reg: Registration) -> bool:
        """Whether resolving ``reg`` reaches an overridden service."""
        return self._memo(self._affected, reg, self._compute_affected)

    def async_path(self, reg: Registration) -> list[Registration]:
        """The path from ``reg`` down to the first async factory."""
        path = [reg]
        current: Registration | None = reg
        while current is not None:
            if any(c.factory_kind in _ASYNC_KINDS for c in self._calls(current)):
                break
            current = next(
                (
                    target
                    for target in self.targets(current)
                    if target not in path and self.is_async(target)
                ),
                None,
            )
            if current is not None:
                path.append(current)
        return path

    def cycle_from(self, reg: Registration) -> list[Registration] | None:
        """A cycle reachable from ``reg`` (ending where it starts), or ``None``."""
        path: list[Registration] = [reg]
        on_path = {reg}
        done: set[Registration] = set()
        pending = [iter(self.targets(reg))]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            if child in on_path:
                return [*path[path.index(child) :], child]
            if child not in done:
                path.append(child)
                on_path.add(child)
                pending.append(iter(self.targets(child)))
        return None

    @staticmethod
    def _memo(
        cache: dict[Registration, bool],
        reg: Registration,
        compute: Callable[[Registration], bool],
    ) -> bool:
        found = cache.get(reg)
        if found is not None:
            return found
        cache[reg] = False  # provisional: breaks cycles
        try:
            result = cache[reg] = compute(reg)
        except BaseException:  # e.g. RecursionError on a very deep graph
            del cache[reg]
            raise
        return result

    def _calls(self, reg: Registration) -> Sequence[Call]:
        return () if reg.kind is _ALIAS else calls_of(self.registry, reg)

    def targets(self, reg: Registration) -> Iterator[Registration]:
        """The registrations ``reg`` resolves directly (an alias: its source)."""
        if reg.kind is _ALIAS:
            target = alias_target(self.registry, reg)
            if target is not None:
                yield target
            return
        for call in calls_of(self.registry, reg):
            for edge in call.edges:
                yield from edge.targets

    def _compute_traits(self, reg: Registration) -> None:
        """Both :meth:`is_async` and :meth:`needs_graph` of ``reg``, in one walk.

        Every registration a provider compiles asks both once, on its first
        resolve: plain loops, not ``any()`` over generators. Both start
        provisionally ``False``, which breaks cycles.
        """
        found_async = self._async
        found_graph = self._graph
        found_async[reg] = found_graph[reg] = False
        try:
            registry = self.registry
            if reg.kind is _ALIAS:
                target = alias_target(registry, reg)
                targets: Sequence[Registration] = () if target is None else (target,)
                awaits = graph = False
            else:
                plain = plain_targets(registry, reg)
                if plain is not None:  # no edges needed, and no context parameter
                    targets = plain
                    awaits = registry.spec(reg).factory_kind in _ASYNC_KINDS
                    graph = False
                else:
                    collected: list[Registration] = []
                    awaits = graph = False
                    for call in calls_of(registry, reg):
                        if call.factory_kind in _ASYNC_KINDS:
                            awaits = True
                        for edge in call.edges:
                            if edge.kind in _GRAPH_KINDS:
                                graph = True
                            collected.extend(edge.targets)
                    targets = collected
            for target in targets:  # memo reads inlined
                if not awaits:
                    found = found_async.get(target)
                    awaits = self.is_async(target) if found is None else found
                if not graph:
                    found = found_graph.get(target)
                    graph = self.needs_graph(target) if found is None else found
        except BaseException:  # e.g. RecursionError on a very deep graph
            del found_async[reg], found_graph[reg]
            raise
        found_async[reg] = awaits
        found_graph[reg] = graph

    def _compute_affected(self, reg: Registration) -> bool:
        if reg in self.overridden:
            return True
        return any(self.affected(target) for target in self.targets(reg))
