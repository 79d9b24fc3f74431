"""Closing what a scope created: reverse order, every disposer runs, errors grouped.

Nothing stops disposal early: an interrupt or a cancellation raised by one
disposer is re-raised after the last one (SPEC 13.2).
"""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from inspect import isawaitable
from typing import Any

from wiredi._compiler.finalizers import (
    AsyncGeneratorFinalizer,
    GeneratorFinalizer,
)
from wiredi._rendering import type_name
from wiredi.errors import DisposalError, ScopeError

__all__ = [
    "CLOSED_CACHE",
    "CLOSED_PROVIDER",
    "CLOSED_SCOPE",
    "ClosedDisposables",
    "Failures",
    "async_close_hint",
    "dispose_all",
    "dispose_all_async",
    "dispose_until_await",
    "raise_collected",
]


def raise_collected(errors: list[Exception], what: str) -> None:
    """Raise nothing, the one error, or a ``DisposalError`` of several."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DisposalError(f"{len(errors)} errors while closing {what}", errors)


class Failures:
    """What went wrong while disposing: the ordinary errors and the first interrupt.

    A ``BaseException`` that is not an ``Exception`` (``KeyboardInterrupt``,
    ``SystemExit``, ``asyncio.CancelledError``) does not stop disposal: the
    first one is re-raised after the last disposer, carrying the ordinary
    errors as its ``__context__`` (as ``contextlib.ExitStack`` chains them).
    """

    __slots__ = ("errors", "interrupt")

    def __init__(self) -> None:
        self.errors: list[Exception] = []
        self.interrupt: BaseException | None = None

    def add(self, error: BaseException) -> None:
        """Record ``error``; a later interrupt is noted on the first one."""
        if isinstance(error, Exception):
            self.errors.append(error)
        elif self.interrupt is None:
            self.interrupt = error
        elif error is not self.interrupt:
            self.interrupt.add_note(
                f"wiredi: {type(error).__qualname__} was raised too, by a later "
                "disposer; disposal went on"
            )

    def raise_for(self, what: str) -> None:
        """Raise the interrupt (errors as its context), the errors, or nothing."""
        interrupt = self.interrupt
        if interrupt is None:
            raise_collected(self.errors, what)
            return
        if self.errors:
            try:
                raise_collected(self.errors, what)
            except Exception:
                raise interrupt  # noqa: B904 - the errors become its __context__
        raise interrupt


def dispose_all(
    items: list[Any],
    what: str,
    exc: BaseException | None = None,
    into: Failures | None = None,
    left: list[Any] | None = None,
) -> None:
    """Close ``items`` in reverse order, synchronously; raise what they raised.

    Every disposer runs, whatever it raises. ``exc`` is the exception the
    scope's block ended with: it is thrown into the generator factories.
    With ``into``, failures are recorded there instead of raised. What only
    an async close can close is refused (``ScopeError``) and, with ``left``,
    kept there for one, newest first.
    """
    failures = into
    while items:
        item = items.pop()
        try:
            # the common case first: an object with close() (no finaliser has one)
            if callable(method := getattr(item, "close", None)):
                result = method()
                if result is not None and isawaitable(result):
                    _refuse_awaitable(item, "close", result, what)
            elif isinstance(item, GeneratorFinalizer):
                item.finish(exc)
            elif isinstance(item, AsyncGeneratorFinalizer):
                if left is not None:
                    left.append(item)
                raise ScopeError(
                    f"{type_name(item.service_type)} comes from an async generator "
                    f"factory and cannot be finalised by a sync close of {what}",
                    service_type=item.service_type,
                    hint=async_close_hint(what),
                )
            elif callable(method := getattr(item, "dispose", None)):
                result = method()
                if result is not None and isawaitable(result):
                    _refuse_awaitable(item, "dispose", result, what)
            elif callable(getattr(item, "aclose", None)):
                if left is not None:
                    left.append(item)
                raise ScopeError(
                    f"{type(item).__qualname__} only has aclose() and cannot be "
                    f"closed by a sync close of {what}",
                    service_type=type(item),
                    hint=async_close_hint(what),
                )
        except BaseException as error:  # even an interrupt: the rest still run
            if failures is None:
                failures = Failures()
            failures.add(error)
    if failures is not None and into is None:
        failures.raise_for(what)


def _refuse_awaitable(item: Any, name: str, result: Any, what: str) -> None:
    _discard(result)
    raise ScopeError(
        f"{type(item).__qualname__}.{name}() is async and cannot run "
        f"in a sync close of {what}",
        service_type=type(item),
        hint="close it with `async with` / `await ....aclose()`",
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


async def dispose_all_async(
    items: list[Any],
    what: str,
    exc: BaseException | None = None,
    into: Failures | None = None,
) -> None:
    """Close ``items`` in reverse order, preferring ``aclose()``; raise errors.

    As :func:`dispose_all`; a cancellation of the awaiting task interrupts
    only the disposer it lands in, and is re-raised after the last one.
    """
    failures = into
    while items:
        item = items.pop()
        try:
            # one coroutine for them all: a per-item one costs every scope
            if (
                callable(method := getattr(item, "aclose", None))
                or callable(method := getattr(item, "close", None))
                or callable(method := getattr(item, "dispose", None))
            ):
                result = method()
                if result is not None and isawaitable(result):
                    await result
            elif isinstance(item, GeneratorFinalizer):
                item.finish(exc)
            elif isinstance(item, AsyncGeneratorFinalizer):
                await item.finish(exc)
        except BaseException as error:  # even a cancellation: the rest still run
            if failures is None:
                failures = Failures()
            failures.add(error)
    if failures is not None and into is None:
        failures.raise_for(what)


def dispose_until_await(
    items: list[Any], what: str, exc: BaseException | None = None
) -> Coroutine[Any, Any, None] | None:
    """Start :func:`dispose_all_async` without a coroutine until one is needed.

    The disposers run here, newest first, as long as they return nothing to
    await (a plain ``close()`` does not): then there is nothing to await and
    this returns ``None``, after raising what they raised. The first one that
    returns an awaitable (``aclose()``, an async generator's finaliser) ends
    the synchronous part: the coroutine returned awaits it and disposes the
    rest as :func:`dispose_all_async` does. Await it at once.
    """
    failures = None
    while items:
        item = items.pop()
        try:
            if (
                callable(method := getattr(item, "aclose", None))
                or callable(method := getattr(item, "close", None))
                or callable(method := getattr(item, "dispose", None))
            ):
                result = method()
                if result is not None and isawaitable(result):
                    return _dispose_rest(result, items, what, exc, failures)
            elif isinstance(item, GeneratorFinalizer):
                item.finish(exc)
            elif isinstance(item, AsyncGeneratorFinalizer):
                return _dispose_rest(item.finish(exc), items, what, exc, failures)
        except BaseException as error:  # even an interrupt: the rest still run
            if failures is None:
                failures = Failures()
            failures.add(error)
    if failures is not None:
        failures.raise_for(what)
    return None


async def _dispose_rest(
    started: Awaitable[Any],
    items: list[Any],
    what: str,
    exc: BaseException | None,
    failures: Failures | None,
) -> None:
    """Await the disposer ``started``, then dispose ``items`` as usual."""
    if failures is None:
        failures = Failures()
    try:
        await started
    except BaseException as error:  # even a cancellation: the rest still run
        failures.add(error)
    await dispose_all_async(items, what, exc, into=failures)
    failures.raise_for(what)


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
        refusal = ScopeError(
            f"{self.what} was closed while {type_name(built)} was being built "
            "in it; it has been disposed",
            service_type=built,
            hint="close a scope (or the provider) only after the work that "
            "uses it has finished",
        )
        try:
            dispose_all([item], self.what)  # an interrupt propagates as it is
        except Exception as error:
            raise refusal from error
        raise refusal


class ClosedCache(dict[Any, Any]):
    """Stands in for the cache of a closed scope: it keeps nothing.

    A closed scope lets go of what it created (SPEC 13.2). A build that was
    still running when it closed may store its result here: it is dropped.
    Always empty, so one instance serves every closed scope.
    """

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        """Drop ``value``."""

    def setdefault(self, _key: Any, default: Any = None, /) -> Any:
        """Return ``default`` without storing it."""
        return default

    def __delitem__(self, key: Any) -> None:
        """Nothing to remove (a scoped build's claim was never stored)."""


_FINALIZERS = (GeneratorFinalizer, AsyncGeneratorFinalizer)
CLOSED_CACHE = ClosedCache()
CLOSED_SCOPE = ClosedDisposables("the scope")
CLOSED_PROVIDER = ClosedDisposables("the provider")
