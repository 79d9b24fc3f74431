"""``invoke``: calling a function with its parameters resolved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wiredi._edges import Edge, EdgeKind
from wiredi._raisers import missing_raiser
from wiredi._render import type_name
from wiredi.errors import RegistrationError

__all__ = ["invoke_arguments"]


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
    for name, keyword_only, edge in resolver._core.roots.invoker(function):
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
    if kind is EdgeKind.ONE:
        target = edge.targets[0]
        if is_async and compiler.flags.is_async(target):
            return _Awaiting(compiler.async_fn(target))
        return compiler.sync_fn(target)(resolver)
    if kind is EdgeKind.ALL:
        if is_async and any(compiler.flags.is_async(t) for t in edge.targets):
            fns = [
                (compiler.fn(t, is_async=compiler.flags.is_async(t), ctx=False), t)
                for t in edge.targets
            ]

            async def gather(r: Any) -> list[Any]:
                return [
                    await fn(r) if compiler.flags.is_async(t) else fn(r)
                    for fn, t in fns
                ]

            return _Awaiting(gather)
        return [compiler.sync_fn(t)(resolver) for t in edge.targets]
    if kind is EdgeKind.MISSING:
        return missing_raiser(compiler.registry, edge.service_type, edge.component)(
            resolver
        )
    raise RegistrationError(
        f"invoke({type_name(function)}): parameter {edge.name!r} cannot be "
        f"resolved ({edge.problem or 'context injection needs a registration'})",
        hint="pass it as a keyword argument, or give it a type hint that is registered",
    )
