"""Compiling registrations into prebound resolver functions.

Each registration becomes ``fn(r)`` (and, when its graph awaits something,
``async afn(r)``), where ``r`` is the provider or scope resolving. The
function for a registration calls its dependencies' functions directly, so a
resolve does no lookups, no reflection and no hint parsing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from wiredi._compiler.codegen import make_function
from wiredi._compiler.compiler_state import EMPTY
from wiredi._compiler.construction import ConstructionCode
from wiredi._compiler.context import CurrentGraph
from wiredi._compiler.lifetime_wrappers import LifetimeWrappers
from wiredi._compiler.raising import (
    async_raiser,
    cycle_raiser,
    missing_raiser,
)
from wiredi._compiler.singleton_builds import PlainCall, edge_arguments, plain_call
from wiredi._graph.edges import alias_target, calls_of, is_decorated, plain_targets
from wiredi._registration.hints import FactoryKind
from wiredi._registration.lifetimes import Lifetime
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi.errors import (
    DependencyNode,
)

__all__ = ["Compiler"]

Fn = Callable[..., Any]
Chain = tuple[DependencyNode, ...]
_log = logging.getLogger("wiredi")
# bound once: an enum member read costs ~55 ns on 3.11, and every
# registration a provider compiles takes these branches
_ALIAS, _INSTANCE, _CONTEXT = Kind.ALIAS, Kind.INSTANCE, Kind.CONTEXT
_SINGLETON, _SCOPED = Lifetime.SINGLETON, Lifetime.SCOPED
_PLAIN = FactoryKind.PLAIN


class Compiler(ConstructionCode, LifetimeWrappers):
    """Turns registrations into resolver functions, once each, lazily."""

    def sync_fn(self, reg: Registration) -> Fn:
        """The sync resolver ``fn(r)`` of ``reg``."""
        found = self.sync_fns.get(reg)
        if found is not None:
            return found
        return self.fn(reg, is_async=False, ctx=False)

    def async_fn(self, reg: Registration) -> Fn:
        """The async resolver ``afn(r)`` of ``reg`` (only for graphs that await)."""
        found = self.async_fns.get(reg)
        if found is not None:
            return found
        return self.fn(reg, is_async=True, ctx=False)

    def fn(self, reg: Registration, *, is_async: bool, ctx: bool) -> Fn:
        """The resolver of ``reg`` for one mode, compiled on first use.

        With ``ctx`` the resolver takes ``(r, g)``, ``g`` the ``CurrentGraph``.
        """
        table = self._fns[(is_async, ctx)]
        found = table.get(reg)
        if found is not None:
            return found
        with self.lock:
            return self.fn_held(reg, is_async=is_async, ctx=ctx)

    def offloading(self, offload: Callable[..., Awaitable[Any]]) -> Compiler:
        """A compiler whose async resolvers make each sync call through ``offload``.

        ``await offload(f, *args)`` runs ``f(*args)`` elsewhere (a web
        framework's thread pool): a graph that awaits is resolved on the
        event loop, its async factories there, and every sync constructor,
        factory and sync sub-graph in the pool, so a blocking one never
        stalls the loop (SPEC 13.8). It shares this compiler's singletons,
        scope keys and sync resolvers (it is a layer that overrides
        nothing); graphs that take ``CurrentGraph`` stay on the loop.
        """
        # asked on every such request: no lock once it is made
        found: Compiler | None = self._offloading.get(offload)
        if found is not None:
            return found
        with self.lock:
            found = self._offloading.get(offload)
            if found is None:
                found = Compiler(self.registry, self.root, base=self, offload=offload)
                self._offloading[offload] = found
            return found

    def fn_held(self, reg: Registration, *, is_async: bool, ctx: bool) -> Fn:
        """:meth:`fn` for a caller that holds :attr:`lock` already."""
        base = self.base
        if self.offload is not None and base is not None and (ctx or not is_async):
            return base.fn(reg, is_async=is_async, ctx=ctx)  # the very same ones
        table = self._fns[(is_async, ctx)]
        if self._stack:
            return self._fn_locked(reg, table, is_async=is_async, ctx=ctx)
        try:
            return self._fn_locked(reg, table, is_async=is_async, ctx=ctx)
        except RecursionError:
            # A very deep graph: a long cycle, or a chain to compile from the
            # leaves up so that each registration finds its dependencies
            # already compiled.
            cycle = self.flags.cycle_from(reg)
            if cycle is not None:
                return cycle_raiser(self.registry, cycle)
            self._compile_leaves_first(reg, is_async=is_async, ctx=ctx)
            return self._fn_locked(reg, table, is_async=is_async, ctx=ctx)

    def _compile_leaves_first(
        self, reg: Registration, *, is_async: bool, ctx: bool
    ) -> None:
        order: list[Registration] = []
        seen = {reg}
        pending = [(reg, iter(self.flags.targets(reg)))]
        while pending:  # iterative depth-first walk, children before parents
            current, children = pending[-1]
            child = next(children, None)
            if child is None:
                pending.pop()
                order.append(current)
            elif child not in seen:
                seen.add(child)
                pending.append((child, iter(self.flags.targets(child))))
        for item in order:
            self.flags.is_async(item)
            self.flags.needs_graph(item)
            self.flags.affected(item)
        for item in order[:-1]:
            mode = is_async and self.flags.is_async(item)
            self.fn_held(item, is_async=mode, ctx=ctx)

    def _fn_locked(
        self,
        reg: Registration,
        table: dict[Registration, Fn],
        *,
        is_async: bool,
        ctx: bool,
    ) -> Fn:
        found = table.get(reg)
        if found is not None:
            return found
        key = (reg, is_async, ctx)
        if key in self._stack:
            start = self._stack.index(key)
            cycle = [item[0] for item in self._stack[start:]]
            return cycle_raiser(self.registry, [*cycle, reg])
        # a top-level first resolve may find what reg takes built; a
        # dependency compiled for another registration (_stack not empty)
        # is compiled because that one is not built yet
        from_built = not (is_async or ctx or self._stack)
        self._stack.append(key)
        try:
            built = self._from_built(reg) if from_built else None
            if built is not None:
                fn = built
            elif not is_async and self.flags.is_async(reg):
                fn = self._async_only(reg, ctx=ctx)
            elif not ctx and self.flags.needs_graph(reg):
                fn = self._graph_root(reg, is_async=is_async)
            else:
                fn = self._compile(reg, is_async=is_async, ctx=ctx)
        finally:
            self._stack.pop()
        table[reg] = fn
        if _log.isEnabledFor(logging.DEBUG):  # type_name is not free
            _log.debug(
                "compiled the %sresolver of %s",
                ("async " if is_async else "") + ("context-aware " if ctx else ""),
                type_name(reg.service_type),
                extra={"wiredi_service": reg.service_type},
            )
        return fn

    def _async_only(self, reg: Registration, *, ctx: bool) -> Fn:
        """The sync resolver of ``reg``, whose graph awaits: ``AsyncResolutionError``.

        Unless ``reg`` is a singleton built already (by an async resolve):
        then a sync call returns it, as nothing is left to await.
        """
        if reg.kind is _ALIAS:
            return self._compile(reg, is_async=False, ctx=ctx)  # its source's
        raiser = async_raiser(self.registry, self.flags.async_path(reg))
        if reg.lifetime != _SINGLETON:
            return raiser
        slot = self.slot(reg)

        def built_or_raise(*args: Any) -> Any:
            value = slot.value
            if value is EMPTY:
                return raiser(*args)
            return value

        return built_or_raise

    def _from_built(self, reg: Registration) -> Fn | None:
        """The resolver of singleton ``reg`` when all it takes is built already.

        A plain call (``plain_targets``) whose every parameter's service is
        built (a singleton's slot holds it, or an instance) and known to
        await nothing and inject no context: ``reg`` is then made from those
        objects, with no edges, graph walk or argument resolvers. Startup
        code that resolves its singletons in registration order takes this
        path for each; anything else returns ``None`` (compiled as usual).
        """
        if reg.lifetime != _SINGLETON or self.base is not None:
            return None
        registry = self.registry
        targets = plain_targets(registry, reg)
        if targets is None or registry.spec(reg).factory_kind is not _PLAIN:
            return None
        slots = self.slots
        flags = self.flags
        args = []
        for target in targets:
            if target.kind is _INSTANCE and not is_decorated(registry, target):
                args.append(target.implementation)
                continue
            slot = slots.get(target)
            if slot is None or slot.value is EMPTY or not flags.known_plain(target):
                return None
            args.append(slot.value)
        flags.set_plain(reg)
        plain = plain_call(
            reg.implementation, reg, registry, self._disposable, (), None, tuple(args)
        )
        return self.singleton_resolver(reg, plain=plain)

    def _plain_call(self, reg: Registration) -> PlainCall | None:
        """How singleton ``reg`` is made without generated code, or ``None``.

        ``None`` unless one plain call makes it (no decorator, generator or
        async factory) and each argument has a resolver (no context, no
        resolver parameter).
        """
        registry = self.registry
        targets = plain_targets(registry, reg)
        if targets is not None:  # no edges to make
            if registry.spec(reg).factory_kind is not _PLAIN:
                return None
            fns = []
            for target in targets:
                found = self.sync_fns.get(target)
                if found is None:  # compiled here, under the lock held
                    found = self.fn_held(target, is_async=False, ctx=False)
                fns.append(found)
            return plain_call(
                reg.implementation,
                reg,
                registry,
                self._disposable,
                tuple(fns),
            )
        calls = calls_of(registry, reg)
        if len(calls) != 1:  # decorated
            return None
        arguments = edge_arguments(calls[0], self._produce, reg)
        if arguments is None:
            return None
        positional, keywords = arguments
        return plain_call(
            calls[0].function,
            reg,
            registry,
            self._disposable,
            positional,
            keywords,
        )

    def _graph_root(self, reg: Registration, *, is_async: bool) -> Fn:
        inner = self.fn_held(reg, is_async=is_async, ctx=True)

        if is_async:

            async def graph_root_async(r: Any) -> Any:
                graph = CurrentGraph(r, self)
                try:
                    return await inner(r, graph)
                finally:
                    graph._finish()

            return graph_root_async

        def graph_root(r: Any) -> Any:
            graph = CurrentGraph(r, self)
            try:
                return inner(r, graph)
            finally:
                graph._finish()

        return graph_root

    def _compile(self, reg: Registration, *, is_async: bool, ctx: bool) -> Fn:
        if reg.kind is _ALIAS:
            target = alias_target(self.registry, reg)
            if target is None:
                return missing_raiser(
                    self.registry,
                    reg.implementation,
                    reg.source_component,
                    parameter=False,
                )
            return self.fn_held(target, is_async=is_async, ctx=ctx)
        if reg.kind is _INSTANCE and not is_decorated(self.registry, reg):
            return self._instance(reg, is_async=is_async, ctx=ctx)
        if reg.lifetime == _SINGLETON and not is_async and not ctx:
            plain = self._plain_call(reg)  # no node made unless it fails
            if plain is not None:
                return self.singleton_resolver(reg, plain=plain)
        node = self.registry.node(reg)
        if reg.kind is _CONTEXT:
            return self._context_value(reg, node, is_async=is_async, ctx=ctx)
        if reg.lifetime == _SCOPED and not is_async and not ctx:
            return self._build(reg, node, is_async=False, ctx=False, scoped=True)
        build = self._build(reg, node, is_async=is_async, ctx=ctx)
        return self._wrap_lifetime(reg, node, build, is_async=is_async, ctx=ctx)

    def _separate_build(self, reg: Registration) -> Fn:
        node = self.registry.node(reg)
        return self._build(reg, node, is_async=False, ctx=False)

    @staticmethod
    def _instance(reg: Registration, *, is_async: bool, ctx: bool) -> Fn:
        instance = reg.implementation
        lines = [
            f"{'async ' if is_async else ''}def wrapper({'r, g' if ctx else 'r'}):",
            "    g._record(R, I)" if ctx else "    pass",
            "    return I",
        ]
        namespace = {"R": reg, "I": instance}
        return make_function(type_name(reg.service_type), lines, namespace, "wrapper")
