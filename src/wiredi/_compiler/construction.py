"""Writing the Python source of a registration's ``build`` function.

A plain class's dependencies are inlined as nested constructor calls; a
factory, generator or async factory gets the lines that take its value and
register what must be disposed. Each line that can fail carries a marker, so
a failure is reported with its exact dependency path.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from wiredi._compiler.codegen import make_function
from wiredi._compiler.compiler_state import EMPTY, CompilerState
from wiredi._compiler.context import NOT_PINNED, context_of
from wiredi._compiler.failure_notes import (
    add_trails,
)
from wiredi._compiler.finalizers import (
    AsyncGeneratorFinalizer,
    GeneratorFinalizer,
    first_value,
    first_value_async,
    is_disposable_type,
)
from wiredi._compiler.lazy import lazy_maker
from wiredi._compiler.raising import (
    missing_raiser,
    none_allowed,
    none_result_raiser,
    unresolvable_raiser,
)
from wiredi._compiler.templates import scoped_merged
from wiredi._graph.edges import (
    Call,
    Edge,
    EdgeKind,
    GivenInstance,
    calls_of,
    is_decorated,
)
from wiredi._registration.hints import FactoryKind
from wiredi._registration.lifetimes import Lifetime
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi.errors import (
    DependencyNode,
)

__all__ = ["ConstructionCode"]

Fn = Callable[..., Any]
Chain = tuple[DependencyNode, ...]
_log = logging.getLogger("wiredi")

# Deeper chains of inlined constructors call the next one's function instead:
# CPython's parser refuses more than 200 nested parentheses.
_MAX_INLINED_DEPTH = 32
# parameters through which a build may resolve anything (the resolver, a Lazy)
_OPAQUE = (EdgeKind.RESOLVER, EdgeKind.LAZY)


class _BuildState:
    """What one generated ``build`` function collects while it is written."""

    __slots__ = ("ctx", "inlining", "is_async", "markers", "namespace", "offload")

    def __init__(
        self,
        namespace: dict[str, Any],
        *,
        is_async: bool,
        ctx: bool,
        offload: bool = False,
    ) -> None:
        self.namespace = namespace
        self.is_async = is_async
        self.ctx = ctx
        # sync calls awaited through OFF (a thread pool): see Compiler.offload
        self.offload = offload
        self.markers: list[Chain] = []
        self.inlining: set[Registration] = set()


class ConstructionCode(CompilerState):
    """Generates the ``build`` function that constructs one registration's object."""

    def _inlinable(self, target: Registration, state: _BuildState) -> bool:
        """Whether ``target`` can be built inline inside its parent's function.

        Plain transient classes with no decorator, no disposal, no resolver
        parameter and no cycle are inlined, so a transient graph compiles to
        one nested constructor expression.
        """
        if (
            state.ctx
            or state.offload  # each sync dependency is its own thread call
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
        return not any(edge.kind in _OPAQUE for edge in call.edges)

    def _target_expr(
        self, target: Registration, state: _BuildState, chain: Chain
    ) -> str:
        namespace = state.namespace
        index = len(namespace)
        args = "r, g" if state.ctx else "r"
        if (
            target.kind is Kind.INSTANCE
            and not state.ctx
            and not is_decorated(self.registry, target)
        ):
            namespace[f"c{index}"] = target.implementation
            return f"c{index}"
        if self._inlinable(target, state):
            (call,) = calls_of(self.registry, target)
            state.inlining.add(target)
            self._stack.append((target, state.is_async, False))  # for cycle paths
            try:
                return self._call_expr(
                    call, state, (self.registry.node(target), *chain), target
                )
            finally:
                self._stack.pop()
                state.inlining.discard(target)
        if state.is_async and self.flags.is_async(target):
            namespace[f"a{index}"] = self.fn_held(target, is_async=True, ctx=state.ctx)
            return f"(await a{index}({args}))"
        namespace[f"d{index}"] = self.fn_held(target, is_async=False, ctx=state.ctx)
        # offloading: a sync graph is resolved in the thread pool
        resolve = f"(await OFF(d{index}, r))" if state.offload else f"d{index}({args})"
        if target.lifetime == Lifetime.SINGLETON and not state.ctx:
            # read a built singleton straight from its slot: no call (no pool)
            namespace[f"s{index}"] = self.slot(target)
            built = f"(v{index} := s{index}.value) is not EMPTY"
            return f"(v{index} if {built} else {resolve})"
        return resolve

    def _edge_expr(
        self, edge: Edge, state: _BuildState, chain: Chain, owner: Registration
    ) -> str:
        """The expression of ``edge``'s value, a parameter of ``owner``'s call."""
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
        if kind is EdgeKind.LAZY:
            namespace[f"z{index}"] = lazy_maker(edge.service_type, edge.component)
            return f"z{index}(r)"
        if kind is EdgeKind.MISSING:
            namespace[f"m{index}"] = missing_raiser(
                self.registry,
                edge.service_type,
                edge.component,
                name=edge.name,
                owner=owner,
            )
        else:
            namespace[f"m{index}"] = unresolvable_raiser(edge.problem)
        return f"m{index}(r)"

    def _call_expr(
        self, call: Call, state: _BuildState, chain: Chain, owner: Registration
    ) -> str:
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
            expr = self._edge_expr(edge, state, chain, owner)
            if edge.keyword_only and edge.name.isidentifier():
                args.append(f"{edge.name}={expr},{marker}")
            elif edge.name:
                args.append(f"{expr},{marker}")
        return f"{fname}({marker}\n" + "".join(f"{arg}\n" for arg in args) + ")"

    def _ctx_call_lines(
        self,
        call: Call,
        position: int,
        state: _BuildState,
        chain: Chain,
        owner: Registration,
    ) -> tuple[list[str], str]:
        """Statements computing the arguments (naming each edge), and the call."""
        namespace = state.namespace
        fname = f"f{len(namespace)}"
        namespace[fname] = call.function
        lines: list[str] = []
        args: list[str] = []
        for number, edge in enumerate(call.edges):
            expr = self._edge_expr(edge, state, chain, owner)
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
        self,
        reg: Registration,
        node: DependencyNode,
        *,
        is_async: bool,
        ctx: bool,
        scoped: bool = False,
    ) -> Fn:
        """The function that builds ``reg``'s object.

        ``scoped`` (sync, no graph): the scoped wrapper and the build are
        one function, so a scoped creation costs one frame (see
        ``templates.scoped_merged``).
        """
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
        offload = is_async and not ctx and self.offload is not None
        if offload:
            namespace["OFF"] = self.offload
            namespace["PARTIAL"] = functools.partial
        state = _BuildState(namespace, is_async=is_async, ctx=ctx, offload=offload)
        state.inlining.add(reg)
        body: list[str] = []
        for position, call in enumerate(calls):
            if ctx:
                if call.decoration is not None:
                    # its parameters' DependencyContext.parent is the decorator
                    dname = f"n{len(namespace)}"
                    namespace[dname] = DependencyNode(
                        reg.service_type,
                        call.decoration.decorator,
                        node.lifetime,
                        reg.component,
                        call.decoration.registered_at,
                    )
                    body.append(f"g._decorating({dname})")
                lines, expr = self._ctx_call_lines(call, position, state, (node,), reg)
                body += lines
            else:
                expr = self._call_expr(call, state, (node,), reg)
            if offload:
                expr = _offloaded(call, expr)
            body += _call_body(call, expr, offload=offload)
            body += _none_check(reg, call, namespace)
        if any(edge.kind in _OPAQUE for call in calls for edge in call.edges):
            # it may resolve anything while being built: a cycle it closes then
            # is found at run time (see opaque_builds)
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
        if scoped:
            namespace.update(self.scoped_names(reg, node))
            lines = scoped_merged(body)
            return self._finish(reg, lines, state, "wrapper", scoped=True)
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
        return self._finish(reg, lines, state, "build", scoped=False)

    def _finish(
        self,
        reg: Registration,
        lines: list[str],
        state: _BuildState,
        name: str,
        *,
        scoped: bool,
    ) -> Fn:
        """Map each tagged line to its dependency path, and compile."""
        namespace = state.namespace
        lines = "\n".join(lines).split("\n")
        namespace["L"] = {
            number: state.markers[int(line.rpartition("#@")[2])]
            for number, line in enumerate(lines, 1)
            if "  #@" in line
        }
        title = type_name(reg.service_type)
        if scoped:
            title += " (scoped)"
        fn = make_function(title, lines, namespace, name)
        if scoped:
            self.bind_contended(reg, namespace, fn)
        return fn


def _offloaded(call: Call, expr: str) -> str:
    """``f(args)`` as ``await OFF(partial(f, args))``: made in the thread pool.

    (A partial: the arguments may have any name, ``func`` included, which
    the pool's own signature takes.) A generator factory's call only makes
    the generator: its code up to ``yield`` runs at ``FIRST``, offloaded in
    ``_call_body``; what follows ``yield`` runs at the scope's close.
    """
    if call.factory_kind is not FactoryKind.PLAIN or isinstance(
        call.function, GivenInstance
    ):
        return expr
    name, _, rest = expr.partition("(")
    return f"(await OFF(PARTIAL({name}, {rest}))"


def _call_body(call: Call, expr: str, *, offload: bool = False) -> list[str]:
    if isinstance(call.function, GivenInstance):  # never owned by the container
        return [f"o = {expr}"]
    kind = call.factory_kind
    if kind is FactoryKind.GENERATOR:
        first = "o = await OFF(FIRST, g_, ST)" if offload else "o = FIRST(g_, ST)"
        return [f"g_ = {expr}", first, "r._disposables.append(G(g_, ST))"]
    if kind is FactoryKind.ASYNC_GENERATOR:
        return [
            f"g_ = {expr}",
            "o = await AFIRST(g_, ST)",
            "r._disposables.append(AG(g_, ST))",
        ]
    lines = [f"o = await {expr}" if kind is FactoryKind.ASYNC else f"o = {expr}"]
    # a decorator may return what it was given: that is owned already (or
    # is an add_instance object, never owned), not a second time
    owned = "r._disposables.append(o)"
    fresh = ""
    if call.decoration is not None:
        lines.insert(0, "i_ = o")
        fresh = "o is not i_"
    if isinstance(call.function, type):
        if is_disposable_type(call.function):
            lines.append(f"if {fresh}: {owned}" if fresh else owned)
    else:
        lines.append(f"if D(o) and {fresh}: {owned}" if fresh else f"if D(o): {owned}")
    return lines


def _none_check(reg: Registration, call: Call, namespace: dict[str, Any]) -> list[str]:
    """The line refusing ``None`` from a factory or decorator (not from a class)."""
    if isinstance(call.function, (type, GivenInstance)) or none_allowed(
        reg.service_type
    ):
        return []
    name = f"n{len(namespace)}"
    decoration = call.decoration
    namespace[name] = none_result_raiser(
        reg.service_type,
        call.function,
        reg.registered_at if decoration is None else decoration.registered_at,
        decorator=decoration is not None,
    )
    return [f"if o is None: {name}()"]
