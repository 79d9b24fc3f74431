"""Compiling registrations into prebound resolver functions.

Each registration becomes ``fn(r)`` (and, when its graph awaits something,
``async afn(r)``), where ``r`` is the provider or scope resolving. The
function for a registration calls its dependencies' functions directly, so a
resolve does no lookups, no reflection and no hint parsing.
"""

from __future__ import annotations

import _thread
import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any

from wiredi._compiler.build_stack import OpaqueBuilds, current_owner
from wiredi._compiler.codegen import make_function
from wiredi._compiler.context import NOT_PINNED, CurrentGraph, context_of
from wiredi._compiler.failure_notes import (
    add_trails,
    no_active_scope,
    raiser,
    scope_error_from_root,
    unknown_scope,
)
from wiredi._compiler.finalizers import (
    AsyncGeneratorFinalizer,
    GeneratorFinalizer,
    first_value,
    first_value_async,
    is_disposable_type,
)
from wiredi._compiler.raising import (
    async_raiser,
    cycle_raiser,
    missing_raiser,
    unresolvable_raiser,
)
from wiredi._compiler.singleton_builds import edge_producer, once_build
from wiredi._compiler.templates import fill
from wiredi._compiler.wait_graph import Waits
from wiredi._graph.edges import Call, Edge, EdgeKind, alias_target, calls_of
from wiredi._graph.facts import GraphFlags
from wiredi._graph.registry import Registry
from wiredi._registration.hints import FactoryKind
from wiredi._registration.lifetimes import BUILTIN_LIFETIMES, Lifetime
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi.errors import (
    DependencyNode,
)

__all__ = ["EMPTY", "SCOPE_LOCK_KEY", "Compiler", "Slot"]

EMPTY: Any = type("_Empty", (), {"__repr__": lambda _: "<empty>"})()
# where a scope keeps its creation lock: in its own cache, set with the atomic
# dict.setdefault on its first creation, so no lock is shared between scopes
SCOPE_LOCK_KEY: Any = type("_ScopeLock", (), {"__repr__": lambda _: "<lock>"})()
Fn = Callable[..., Any]
_log = logging.getLogger("wiredi")
Chain = tuple[DependencyNode, ...]


class Slot:
    """A singleton's instance, created once under ``lock``."""

    __slots__ = ("lock", "pending", "value")

    def __init__(self) -> None:
        self.value: Any = EMPTY
        self.lock = threading.RLock()
        self.pending: concurrent.futures.Future[None] | None = None


_STRIPES = 16
# Deeper chains of inlined constructors call the next one's function instead:
# CPython's parser refuses more than 200 nested parentheses.
_MAX_INLINED_DEPTH = 32


class _BuildState:
    """What one generated ``build`` function collects while it is written."""

    __slots__ = ("ctx", "inlining", "is_async", "markers", "namespace")

    def __init__(self, namespace: dict[str, Any], *, is_async: bool, ctx: bool) -> None:
        self.namespace = namespace
        self.is_async = is_async
        self.ctx = ctx
        self.markers: list[Chain] = []
        self.inlining: set[Registration] = set()


class _OverrideKey:
    """Cache key of a registration owned by one compiler layer."""

    __slots__ = ("registration",)

    def __init__(self, registration: Registration) -> None:
        self.registration = registration


class Compiler:
    """Turns registrations into resolver functions, once each, lazily."""

    def __init__(
        self,
        registry: Registry,
        root: Any,
        *,
        base: Compiler | None = None,
        overridden: frozenset[Registration] = frozenset(),
    ) -> None:
        self.registry = registry
        self.root = root
        self.base = base
        self.overridden = overridden
        self._disposable_types: dict[type, bool] = {}
        self._keys: dict[Registration, _OverrideKey] = {}
        self.lock = threading.RLock()
        self.sync_fns: dict[Registration, Fn] = {}
        self.async_fns: dict[Registration, Fn] = {}
        self.slots: dict[Registration, Slot] = {}
        self._fns: dict[tuple[bool, bool], dict[Registration, Fn]] = {
            (False, False): self.sync_fns,
            (True, False): self.async_fns,
            (False, True): {},
            (True, True): {},
        }
        self.flags = GraphFlags(registry, overridden)
        self._stack: list[tuple[Registration, bool, bool]] = []
        self._custom_locks: dict[Registration, tuple[threading.RLock, ...]] = {}
        # builds that may resolve anything, shared by override layers
        self.opaque: OpaqueBuilds = (
            base.opaque if base is not None else OpaqueBuilds(registry)
        )
        # singletons being built and who waits for them (slots are shared)
        self.waits: Waits = base.waits if base is not None else Waits(registry)
        self._produce = edge_producer(
            lambda target: self.fn(target, is_async=False, ctx=False),
            lambda edge: missing_raiser(registry, edge.service_type, edge.component),
            lambda edge: unresolvable_raiser(edge.problem),
        )

    # -------------------------------------------------------------- public

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
            if self._stack:
                return self._fn_locked(reg, table, is_async=is_async, ctx=ctx)
            try:
                return self._fn_locked(reg, table, is_async=is_async, ctx=ctx)
            except RecursionError:
                # A very deep graph: a long cycle, or a chain to compile from
                # the leaves up so that each registration finds its
                # dependencies already compiled.
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
            self.fn(item, is_async=mode, ctx=ctx)

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
        self._stack.append(key)
        try:
            if not is_async and self.flags.is_async(reg):
                fn = async_raiser(self.registry, self.flags.async_path(reg))
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

    def _graph_root(self, reg: Registration, *, is_async: bool) -> Fn:
        inner = self.fn(reg, is_async=is_async, ctx=True)

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

    # ------------------------------------------------------------- compile

    def _compile(self, reg: Registration, *, is_async: bool, ctx: bool) -> Fn:
        node = self.registry.node(reg)
        if reg.kind is Kind.ALIAS:
            target = alias_target(self.registry, reg)
            if target is None:
                return missing_raiser(
                    self.registry,
                    reg.implementation,
                    reg.source_component,
                    parameter=False,
                )
            return self.fn(target, is_async=is_async, ctx=ctx)
        if reg.kind is Kind.INSTANCE:
            return self._instance(reg, is_async=is_async, ctx=ctx)
        build = None
        if reg.lifetime == Lifetime.SINGLETON and not is_async and not ctx:
            calls = calls_of(self.registry, reg)
            if len(calls) == 1:  # no decorators
                build = once_build(calls[0], node, self._produce, self.is_disposable)
        if build is None:
            build = self._build(reg, node, is_async=is_async, ctx=ctx)
        return self._wrap_lifetime(reg, node, build, is_async=is_async, ctx=ctx)

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

    def is_disposable(self, obj: object) -> bool:
        """Whether a factory's result has ``close``/``dispose``/``aclose``.

        Decided once per type (the methods are looked up on the class), since
        factories are called on every resolve.
        """
        kind = type(obj)
        found = self._disposable_types.get(kind)
        if found is None:
            found = self._disposable_types[kind] = is_disposable_type(kind)
        return found

    def _inlinable(self, target: Registration, state: _BuildState) -> bool:
        """Whether ``target`` can be built inline inside its parent's function.

        Plain transient classes with no decorator, no disposal, no resolver
        parameter and no cycle are inlined, so a transient graph compiles to
        one nested constructor expression.
        """
        if (
            state.ctx
            or len(state.inlining) > _MAX_INLINED_DEPTH
            or target.kind is not Kind.TYPE
            or target.lifetime != Lifetime.TRANSIENT
            or not isinstance(target.implementation, type)
            or target in state.inlining
            or (target, state.is_async, False) in self._stack
            or (target.service_type, target.component) in self.registry.decorations
            or is_disposable_type(target.implementation)
        ):
            return False
        (call,) = calls_of(self.registry, target)
        return all(edge.kind is not EdgeKind.RESOLVER for edge in call.edges)

    def _target_expr(
        self, target: Registration, state: _BuildState, chain: Chain
    ) -> str:
        namespace = state.namespace
        index = len(namespace)
        args = "r, g" if state.ctx else "r"
        if target.kind is Kind.INSTANCE and not state.ctx:
            namespace[f"c{index}"] = target.implementation
            return f"c{index}"
        if self._inlinable(target, state):
            (call,) = calls_of(self.registry, target)
            state.inlining.add(target)
            self._stack.append((target, state.is_async, False))  # for cycle paths
            try:
                return self._call_expr(
                    call, state, (self.registry.node(target), *chain)
                )
            finally:
                self._stack.pop()
                state.inlining.discard(target)
        if state.is_async and self.flags.is_async(target):
            namespace[f"a{index}"] = self.fn(target, is_async=True, ctx=state.ctx)
            return f"(await a{index}({args}))"
        namespace[f"d{index}"] = self.fn(target, is_async=False, ctx=state.ctx)
        if target.lifetime == Lifetime.SINGLETON and not state.ctx:
            # read a built singleton straight from its slot: no call
            namespace[f"s{index}"] = self.slot(target)
            return (
                f"(v{index} if (v{index} := s{index}.value) is not EMPTY "
                f"else d{index}(r))"
            )
        return f"d{index}({args})"

    def _edge_expr(self, edge: Edge, state: _BuildState, chain: Chain) -> str:
        namespace = state.namespace
        index = len(namespace)
        kind = edge.kind
        if kind is EdgeKind.RESOLVER:
            return "r"
        if kind is EdgeKind.INNER:
            return "o"
        if kind is EdgeKind.CONST:
            namespace[f"c{index}"] = edge.value
            return f"c{index}"
        if kind is EdgeKind.ONE:
            return self._target_expr(edge.targets[0], state, chain)
        if kind is EdgeKind.ALL:
            items = [self._target_expr(t, state, chain) for t in edge.targets]
            return "[" + ", ".join(items) + "]"
        if kind is EdgeKind.CONTEXT:
            namespace[f"x{index}"] = context_of
            return f"x{index}(g)"
        if kind is EdgeKind.GRAPH:
            return "g"
        if kind is EdgeKind.MISSING:
            namespace[f"m{index}"] = missing_raiser(
                self.registry, edge.service_type, edge.component
            )
        else:
            namespace[f"m{index}"] = unresolvable_raiser(edge.problem)
        return f"m{index}(r)"

    def _call_expr(self, call: Call, state: _BuildState, chain: Chain) -> str:
        """A call with one argument per line, each line tagged with its path.

        The tag ``#@k`` lets a failure be traced back to the exact (possibly
        inlined) constructor from the traceback's line number.
        """
        namespace = state.namespace
        fname = f"f{len(namespace)}"
        namespace[fname] = call.function
        marker = f"  #@{len(state.markers)}"
        state.markers.append(chain)
        args = []
        for edge in call.edges:
            expr = self._edge_expr(edge, state, chain)
            if edge.keyword_only and edge.name.isidentifier():
                args.append(f"{edge.name}={expr},{marker}")
            elif edge.name:
                args.append(f"{expr},{marker}")
        return f"{fname}({marker}\n" + "".join(f"{arg}\n" for arg in args) + ")"

    def _ctx_call_lines(
        self, call: Call, position: int, state: _BuildState, chain: Chain
    ) -> tuple[list[str], str]:
        """Statements computing the arguments (naming each edge), and the call."""
        namespace = state.namespace
        fname = f"f{len(namespace)}"
        namespace[fname] = call.function
        lines: list[str] = []
        args: list[str] = []
        for number, edge in enumerate(call.edges):
            expr = self._edge_expr(edge, state, chain)
            if edge.targets:
                # the callee reads the parameter name for its DependencyContext
                pname = f"p{position}_{number}"
                namespace[pname] = edge.name
                value = f"v{position}_{number}"
                lines += [f"g._param = {pname}", f"{value} = {expr}"]
                expr = value
            if edge.keyword_only and edge.name.isidentifier():
                args.append(f"{edge.name}={expr}")
            elif edge.name:
                args.append(expr)
        return lines, f"{fname}({', '.join(args)})"

    def _build(
        self, reg: Registration, node: DependencyNode, *, is_async: bool, ctx: bool
    ) -> Fn:
        calls = calls_of(self.registry, reg)
        namespace: dict[str, Any] = {
            "T": add_trails,
            "N": node,
            "ST": reg.service_type,
            "G": GeneratorFinalizer,
            "AG": AsyncGeneratorFinalizer,
            "FIRST": first_value,
            "AFIRST": first_value_async,
            "D": self.is_disposable,
            "ENTER": self.opaque.enter,
            "LEAVE": self.opaque.leave,
            "R": reg,
            "EMPTY": EMPTY,
            "NOT_PINNED": NOT_PINNED,
        }
        state = _BuildState(namespace, is_async=is_async, ctx=ctx)
        state.inlining.add(reg)
        body: list[str] = []
        for position, call in enumerate(calls):
            if ctx:
                lines, expr = self._ctx_call_lines(call, position, state, (node,))
                body += lines
            else:
                expr = self._call_expr(call, state, (node,))
            body += _call_body(call, expr)
        if any(edge.kind is EdgeKind.RESOLVER for call in calls for edge in call.edges):
            body = [
                "t, k = ENTER(R)",
                "try:",
                *[f"    {line}" for line in body],
                "finally:",
                "    LEAVE(t, k)",
            ]
        if ctx:
            body = [
                "g._enter(N)",
                "try:",
                *[f"    {line}" for line in body],
                "finally:",
                "    g._leave()",
                "g._record(R, o)",
            ]
        tail = ["    return o"]
        if len(body) == 1 and body[0].startswith("o = "):
            body = ["return " + body[0].removeprefix("o = ")]  # one call: no local
            tail = []
        prefix = "async def" if is_async else "def"
        lines = [f"{prefix} build({'r, g' if ctx else 'r'}):"]
        if ctx:
            lines += [
                "    o = g._lookup(R)",
                "    if o is not NOT_PINNED:",
                "        return o",
            ]
        lines += [
            "    try:",
            *[f"        {line}" for line in body],
            "    except BaseException as e:",
            "        T(e, L, N)",
            "        raise",
            *tail,
        ]
        lines = "\n".join(lines).split("\n")
        namespace["L"] = {
            number: state.markers[int(line.rpartition("#@")[2])]
            for number, line in enumerate(lines, 1)
            if "  #@" in line
        }
        return make_function(type_name(reg.service_type), lines, namespace, "build")

    async def _wait_pending(
        self, pending: concurrent.futures.Future[None], reg: Registration
    ) -> None:
        """Wait for another task's creation of ``reg``, unless that is a cycle."""
        self.opaque.refuse_self_wait(reg)
        await asyncio.shield(asyncio.wrap_future(pending))

    async def _wait_for_builder(
        self, pending: concurrent.futures.Future[None], reg: Registration, key: Any
    ) -> None:
        """Wait for another task's creation of ``reg`` (``key``: what it builds).

        Unless that closes a cycle of tasks waiting for each other.
        """
        me = current_owner()
        self.waits.wait_begins(key, reg, me)
        try:
            await self._wait_pending(pending, reg)
        finally:
            self.waits.wait_ends(me)

    # ----------------------------------------------------------- lifetimes

    def _wrap_lifetime(
        self,
        reg: Registration,
        node: DependencyNode,
        build: Fn,
        *,
        is_async: bool,
        ctx: bool,
    ) -> Fn:
        lifetime = reg.lifetime
        if lifetime == Lifetime.TRANSIENT:
            return build
        namespace: dict[str, Any] = {
            "build": build,
            "R": reg,
            "K": self.cache_key(reg),
            "ROOT": self.root,
            "EMPTY": EMPTY,
            "NEW_FUTURE": concurrent.futures.Future,
            "WAIT": self._wait_pending,
            "RELEASE": _release,
        }
        if lifetime == Lifetime.SINGLETON:
            namespace["slot"] = self.slot(reg)
            namespace["WAITS"] = self.waits
            namespace["THREAD"] = threading.get_ident
            namespace["OWNER"] = current_owner
            namespace["WAIT_BUILDER"] = self._wait_for_builder
            kind = "singleton"
        elif lifetime == Lifetime.SCOPED:
            namespace["NO_SCOPE"] = raiser(scope_error_from_root, node)
            namespace["LOCK_KEY"] = SCOPE_LOCK_KEY
            namespace["NEW_LOCK"] = _thread.RLock
            namespace["WAITS"] = self.waits
            namespace["OWNER"] = current_owner
            namespace["WAIT_BUILDER"] = self._wait_for_builder
            kind = "scoped"
        else:
            manager = self.registry.scope_managers.get(lifetime)
            if manager is None:
                return unknown_scope(lifetime, node)
            namespace["CURRENT"] = manager.get_current_scope
            namespace["OWNER"] = self._custom_owner
            namespace["LOCKS"] = self._custom_locks_of(reg)
            namespace["pendings"] = {}
            namespace["NO_SCOPE"] = raiser(lambda n: no_active_scope(lifetime, n), node)
            kind = "custom"
        lines = fill(kind, is_async=is_async, ctx=ctx)
        title = f"{type_name(reg.service_type)} ({lifetime})"
        return make_function(title, lines, namespace, "wrapper")

    def slot(self, reg: Registration) -> Slot:
        """The singleton slot of ``reg``; shared with the base layer when unaffected."""
        slot = self.slots.get(reg)
        if slot is None:
            base = self.base
            if base is not None and not self.flags.affected(reg):
                slot = base.slot(reg)
            else:
                slot = Slot()
            self.slots[reg] = slot
        return slot

    def cache_key(self, reg: Registration) -> Any:
        """The key of ``reg`` in scope and custom-scope caches for this layer.

        Custom-scope storage may be shared by several providers (one scope
        manager registered in two collections), so each provider keys it with
        its own object. Registrations whose graph reaches an override get a
        key of their own, so instances built under the override never mix
        with the others.
        """
        base = self.base
        if base is not None and not self.flags.affected(reg):
            return base.cache_key(reg)
        if base is None and reg.lifetime in BUILTIN_LIFETIMES:
            return reg
        key = self._keys.get(reg)
        if key is None:
            key = self._keys[reg] = _OverrideKey(reg)
        return key

    def _custom_owner(self, storage: Any) -> Any:
        """The resolver that builds a custom-lifetime service into ``storage``.

        A storage with a ``disposables`` list owns what is created for it:
        the scope manager disposes that list when it drops the storage.
        Otherwise (a plain dict from a user-written manager) the root
        provider owns it, as it owns singletons.
        """
        disposables = getattr(storage, "disposables", None)
        if not isinstance(disposables, list):
            return self.root
        owner = object.__new__(type(self.root))
        owner._core = self.root._core
        owner._init_state(None, self.root)
        owner._disposables = disposables
        return owner

    def _custom_locks_of(self, reg: Registration) -> tuple[threading.RLock, ...]:
        """Striped locks of a custom-lifetime registration.

        The stripe is chosen by the storage, so a slow constructor for one
        scope id rarely holds up another id; locks are per registration, so
        lock order follows the (acyclic) dependency graph.
        """
        locks = self._custom_locks.get(reg)
        if locks is None:
            locks = tuple(threading.RLock() for _ in range(_STRIPES))
            self._custom_locks[reg] = locks
        return locks


def _call_body(call: Call, expr: str) -> list[str]:
    kind = call.factory_kind
    if kind is FactoryKind.GENERATOR:
        return [f"g_ = {expr}", "o = FIRST(g_, ST)", "r._disposables.append(G(g_, ST))"]
    if kind is FactoryKind.ASYNC_GENERATOR:
        return [
            f"g_ = {expr}",
            "o = await AFIRST(g_, ST)",
            "r._disposables.append(AG(g_, ST))",
        ]
    lines = [f"o = await {expr}" if kind is FactoryKind.ASYNC else f"o = {expr}"]
    if isinstance(call.function, type):
        if is_disposable_type(call.function):
            lines.append("r._disposables.append(o)")
    else:
        lines.append("if D(o): r._disposables.append(o)")
    return lines


def _release(pending: concurrent.futures.Future[None]) -> None:
    if not pending.done():
        pending.set_result(None)
