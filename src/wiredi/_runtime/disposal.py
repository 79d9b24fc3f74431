"""Closing what a scope created: reverse order, every disposer runs, errors grouped."""

from __future__ import annotations

import inspect
from typing import Any

from wiredi._compiler.finalizers import (
    AsyncGeneratorFinalizer,
    GeneratorFinalizer,
)
from wiredi._rendering import type_name
from wiredi.errors import DisposalError, ScopeError

__all__ = [
    "CLOSED_PROVIDER",
    "CLOSED_SCOPE",
    "ClosedDisposables",
    "async_close_hint",
    "dispose_all",
    "dispose_all_async",
    "raise_collected",
]


def raise_collected(errors: list[Exception], what: str) -> None:
    """Raise nothing, the one error, or a ``DisposalError`` of several."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DisposalError(f"{len(errors)} errors while closing {what}", errors)


def dispose_all(items: list[Any], what: str) -> None:
    """Close ``items`` in reverse order, synchronously; raise what they raised."""
    errors: list[Exception] = []
    while items:
        item = items.pop()
        try:
            if isinstance(item, GeneratorFinalizer):
                item.finish()
            elif isinstance(item, AsyncGeneratorFinalizer):
                raise ScopeError(
                    f"{type_name(item.service_type)} comes from an async generator "
                    f"factory and cannot be finalised by a sync close of {what}",
                    service_type=item.service_type,
                    hint="close it with `async with` / `await ....aclose()`",
                )
            else:
                _close_sync(item, what)
        except Exception as exc:
            errors.append(exc)
    raise_collected(errors, what)


def _close_sync(item: Any, what: str) -> None:
    for name in ("close", "dispose"):
        method = getattr(item, name, None)
        if callable(method):
            result = method()
            if inspect.isawaitable(result):
                _discard(result)
                raise ScopeError(
                    f"{type(item).__qualname__}.{name}() is async and cannot run "
                    f"in a sync close of {what}",
                    service_type=type(item),
                    hint="close it with `async with` / `await ....aclose()`",
                )
            return
    if callable(getattr(item, "aclose", None)):
        raise ScopeError(
            f"{type(item).__qualname__} only has aclose() and cannot be closed "
            f"by a sync close of {what}",
            service_type=type(item),
            hint=async_close_hint(what),
        )


def async_close_hint(what: str) -> str:
    """How to close ``what`` ("the provider", "the scope", "custom scope ...")."""
    if what == "the provider":
        return "close the provider with `await provider.aclose()` or `async with`"
    if what.startswith("custom scope"):
        return (
            "leave it with `async with provider.create_scope(name, id)`, or use "
            "`await manager.aexit_scope()` / `await manager.acleanup_scope(id)`; "
            "until then it is kept for the manager's next async close"
        )
    return (
        "use `async with provider.create_scope() as scope:` or `await scope.aclose()`"
    )


def _discard(awaitable: Any) -> None:
    close = getattr(awaitable, "close", None)
    if callable(close):
        close()


async def dispose_all_async(items: list[Any], what: str) -> None:
    """Close ``items`` in reverse order, preferring ``aclose()``; raise errors."""
    errors: list[Exception] = []
    while items:
        item = items.pop()
        try:
            if isinstance(item, GeneratorFinalizer):
                item.finish()
            elif isinstance(item, AsyncGeneratorFinalizer):
                await item.finish()
            else:
                await _close_async(item)
        except Exception as exc:
            errors.append(exc)
    raise_collected(errors, what)


async def _close_async(item: Any) -> None:
    for name in ("aclose", "close", "dispose"):
        method = getattr(item, name, None)
        if callable(method):
            result = method()
            if inspect.isawaitable(result):
                await result
            return


class ClosedDisposables(list[Any]):
    """Stands in for the disposables list of a closed scope or provider.

    An object whose construction ends after its owner closed (another thread
    or task was still building it) would be handed out with nobody left to
    dispose it. Instead it is disposed at once and that resolve fails with
    ``ScopeError``. Nothing is ever stored, so one instance serves everyone.
    """

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def append(self, item: Any) -> None:
        """Dispose ``item`` now and refuse it."""
        built = item.service_type if isinstance(item, _FINALIZERS) else type(item)
        try:
            dispose_all([item], self.what)
        finally:
            raise ScopeError(
                f"{self.what} was closed while {type_name(built)} was being built "
                "in it; it has been disposed",
                service_type=built,
                hint="close a scope (or the provider) only after the work that "
                "uses it has finished",
            )


_FINALIZERS = (GeneratorFinalizer, AsyncGeneratorFinalizer)
CLOSED_SCOPE = ClosedDisposables("the scope")
CLOSED_PROVIDER = ClosedDisposables("the provider")
