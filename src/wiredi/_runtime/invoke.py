"""``invoke``: calling a function with its parameters resolved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wiredi._compiler.lazy import Lazy
from wiredi._compiler.raising import async_needed, registered_after_build
from wiredi._graph.edges import Edge, EdgeKind
from wiredi._registration.hints import FactoryKind, callable_kind
from wiredi._rendering import type_name
from wiredi.errors import (
    AsyncResolutionError,
    DependencyNode,
    RegistrationError,
    ServiceNotFoundError,
)

__all__ = ["invoke_arguments", "refuse_async_function"]

_ASYNC_KINDS = (FactoryKind.ASYNC, FactoryKind.ASYNC_GENERATOR)


def refuse_async_function(function: Any) -> None:
    """``invoke(f)`` of an ``async def`` or async generator ``f``: refused.

    A sync ``invoke`` would return the coroutine un-awaited, so the function
    would never run unless the caller awaited it; say so before resolving
    anything.
    """
    if callable_kind(function) in _ASYNC_KINDS:
        name = type_name(function)
        raise AsyncResolutionError(
            f"invoke({name}): {name} is async; a sync invoke would return it "
            "un-awaited, and its body would not run",
            hint=f"use `await resolver.invoke_async({name}, ...)`",
        )


class _Awaiting:
    """A parameter of ``invoke_async`` that still has to be awaited."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn


def invoke_arguments(
    resolver: Any, function: Any, given: dict[str, Any], *, is_async: bool
) -> tuple[list[Any], dict[str, Any], list[tuple[int | str, Any]]]:
    """Positional args, keyword args, and the awaitables still to fill in.

    Each awaitable is ``(position or keyword, async resolver function)``.
    """
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    awaiting: list[tuple[int | str, Any]] = []
    rest = dict(given)
    for name, keyword_only, edge in resolver._core.entries.invoker(function):
        if name in rest:
            value = rest.pop(name)
        else:
            value = _edge_value(resolver, function, edge, is_async=is_async)
            if isinstance(value, _Awaiting):
                awaiting.append((name if keyword_only else len(args), value.fn))
        if keyword_only:
            kwargs[name] = value
        else:
            args.append(value)
    kwargs.update(rest)
    return args, kwargs, awaiting


def _edge_value(resolver: Any, function: Any, edge: Edge, *, is_async: bool) -> Any:
    compiler = resolver._core.compiler
    kind = edge.kind
    if kind is EdgeKind.RESOLVER:
        return resolver
    if kind is EdgeKind.CONST:
        return edge.value
    if kind is EdgeKind.LAZY:
        return Lazy(resolver, edge.service_type, edge.component)
    if kind is EdgeKind.ONE:
        target = edge.targets[0]
        if compiler.flags.is_async(target):
            if is_async:
                return _Awaiting(compiler.async_fn(target))
            _refuse_sync(compiler, function, edge, target)
        return compiler.sync_fn(target)(resolver)
    if kind is EdgeKind.ALL:
        flags = [compiler.flags.is_async(t) for t in edge.targets]
        if any(flags) and not is_async:
            _refuse_sync(compiler, function, edge, edge.targets[flags.index(True)])
        if any(flags):
            fns = [
                (compiler.fn(t, is_async=flag, ctx=False), flag)
                for t, flag in zip(edge.targets, flags, strict=True)
            ]

            async def gather(r: Any) -> list[Any]:
                return [await fn(r) if flag else fn(r) for fn, flag in fns]

            return _Awaiting(gather)
        return [compiler.sync_fn(t)(resolver) for t in edge.targets]
    name = f"invoke({type_name(function)})"
    if kind is EdgeKind.MISSING:
        late = compiler.registry.added_after_build(edge.service_type, edge.component)
        if late is not None:
            raise registered_after_build(edge.service_type, edge.component, late)
        where = f" in component {edge.component!r}" if edge.component else ""
        hint = compiler.registry.describe_missing(edge.service_type, edge.component)
        raise ServiceNotFoundError(
            f"{name}: no registration for {type_name(edge.service_type)}{where} "
            f"(parameter {edge.name!r})",
            service_type=edge.service_type,
            component=edge.component,
            path=(DependencyNode(edge.service_type, None, "", edge.component),),
            hint=f"pass {edge.name}=... to invoke, or {hint}",
        )
    if kind in (EdgeKind.CONTEXT, EdgeKind.GRAPH):
        raise RegistrationError(
            f"{name}: parameter {edge.name!r} asks for "
            f"{type_name(edge.service_type)}, which exists only while a "
            "registration's graph is being built",
            hint="register the code that needs it as a transient service (its "
            "factory or constructor takes the parameter) and let invoke "
            "resolve that service",
        )
    raise RegistrationError(
        f"{name}: parameter {edge.name!r} cannot be resolved ({edge.problem})",
        hint=f"pass {edge.name}=... to invoke, or give the parameter a type hint",
    )


def _refuse_sync(compiler: Any, function: Any, edge: Edge, target: Any) -> None:
    name = type_name(function)
    raise async_needed(
        compiler.registry,
        compiler.flags.async_path(target),
        who=f"invoke({name}): parameter {edge.name!r}",
        why=" and invoke() is sync",
        hint=f"use `await resolver.invoke_async({name})` (nothing was created)",
    )
