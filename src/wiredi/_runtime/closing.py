"""Closing a provider or scope: disposal in reverse order, context-manager protocol."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self, TypeVar

from wiredi._compiler.finalizers import is_disposable
from wiredi._registration.scope_manager import ScopeManager
from wiredi._runtime.context_scope_manager import ContextScopeManager
from wiredi._runtime.disposal import (
    CLOSED_CACHE,
    CLOSED_PROVIDER,
    CLOSED_SCOPE,
    Failures,
    dispose_all,
    dispose_all_async,
    dispose_until_await,
)
from wiredi._runtime.provider_core import ClosedTable
from wiredi._runtime.provider_state import ProviderState

__all__ = ["ClosingMethods", "ScopeClosingMethods"]

T = TypeVar("T")
_log = logging.getLogger("wiredi")


class ClosingMethods(ProviderState):
    """``close``, ``aclose`` and ``with`` / ``async with`` for providers and scopes."""

    __slots__ = ()

    def close(self) -> None:
        """Dispose what this provider (or scope) created, in reverse order.

        Every disposer runs; one error is raised as it is, several as a
        ``DisposalError`` (an ``ExceptionGroup``). A disposer raising
        ``KeyboardInterrupt`` or ``SystemExit`` does not stop the others: the
        first such exception is re-raised after the last disposer, with the
        errors as its ``__context__``. Closing twice does nothing, and a
        closed scope keeps no reference to what it created.
        Closing the root provider first closes the registered scope managers
        that have ``close()`` (their instances may use singletons), then the
        singletons.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Pool:
                closed = False

                def close(self) -> None:
                    self.closed = True

            provider = ServiceCollection().add_singleton(Pool).build_service_provider()
            pool = provider.get_service(Pool)
            provider.close()
            assert pool.closed
            ```
        """
        self._finish(None)

    def _finish(self, exc: BaseException | None) -> None:
        """Close; ``exc`` (how a scope's block ended) is thrown into generators."""
        if self._closed:
            return
        self._closed = True
        if self._root is self:
            self._close_root()  # singletons' generators see no block's exception
            return
        items, self._disposables = self._disposables, CLOSED_SCOPE
        self._let_go()
        if self._exit_custom is None:
            if items:
                self._dispose(items, "the scope", exc)
            return
        failures = Failures()
        self._dispose(items, "the scope", exc, into=failures)
        manager, self._exit_custom = self._exit_custom, None
        try:
            if isinstance(manager, ContextScopeManager):
                manager._exit_into(exc, failures)  # its generators see exc too
            else:
                manager.exit_scope()
        except BaseException as error:  # disposal is over either way: report it
            failures.add(error)
        failures.raise_for("the scope")

    def _dispose(
        self,
        items: list[Any],
        what: str,
        exc: BaseException | None = None,
        into: Failures | None = None,
    ) -> None:
        """``dispose_all``, keeping what only an async close can close.

        A sync close refuses those (``ScopeError``, whose fix says to await
        ``aclose()``); a later ``aclose()`` closes them.
        """
        left: list[Any] = []
        try:
            dispose_all(items, what, exc, into, left)
        finally:
            if left:
                left.reverse()  # creation order again: disposal pops the newest
                self._async_left = (left, exc)  # exc: how the block ended

    async def _aclose_left(self) -> None:
        """Close what a sync close of this closed scope or provider could not.

        Its generators get the exception the scope's block ended with, as
        they would have at the close (SPEC 13.3).
        """
        found = getattr(self, "_async_left", None)
        if found:
            del self._async_left
            left, exc = found
            what = "the provider" if self._root is self else "the scope"
            await dispose_all_async(left, what, exc)

    def _let_go(self) -> None:
        """Drop this closed scope's references to what it created (SPEC 13.2).

        A build still running in another thread or task keeps the cache it
        read; what it stores there is dropped with it, and what it makes
        disposable is refused (``CLOSED_SCOPE``).
        """
        self._cache = CLOSED_CACHE
        self._pending = None

    def _managers(self) -> list[ScopeManager]:
        return list(self._core.registry.scope_managers.values())

    def _refuse_resolution(self) -> None:
        """Make every scope of this closed provider refuse to resolve.

        Open scopes share the entry table; swapping in one that raises costs
        the hot path nothing.
        """
        self._core.table = ClosedTable()
        if self._overrides is not None:  # scopes showing override layers
            self._overrides.refuse_followers()

    def _root_disposables(self) -> list[Any]:
        """The singletons and root transients, then the scope managers to close.

        Disposal runs from the end, so the managers close first: their
        instances may use singletons.
        """
        self._refuse_resolution()
        items, self._disposables = self._disposables, CLOSED_PROVIDER
        items.extend(m for m in self._managers() if is_disposable(m))
        return items

    def _close_root(self) -> None:
        self._dispose(self._root_disposables(), "the provider")

    async def _aclose_root(self) -> None:
        await dispose_all_async(self._root_disposables(), "the provider")

    async def aclose(self) -> None:
        """Dispose asynchronously: ``aclose()`` first, then ``close()``/``dispose()``.

        As :meth:`close`; if the awaiting task is cancelled meanwhile, the
        cancellation interrupts one disposer, the rest still run, and it is
        re-raised at the end.

        Example:
            ```python
            import asyncio
            from wiredi import ServiceCollection

            class Client:
                closed = False

                async def aclose(self) -> None:
                    self.closed = True

            services = ServiceCollection().add_singleton(Client)
            provider = services.build_service_provider()
            client = provider.get_service(Client)
            asyncio.run(provider.aclose())
            assert client.closed
            ```
        """
        await self._afinish(None)

    async def _afinish(self, exc: BaseException | None) -> None:
        """Close asynchronously; ``exc`` goes to generators (see :meth:`_finish`).

        A cancellation of the awaiting task (a client that went away, an
        ``asyncio.timeout``) lands in one disposer; the others still run and
        the cancellation is re-raised at the end.
        """
        if self._closed:
            await self._aclose_left()
            return
        self._closed = True
        if self._root is self:
            await self._aclose_root()
            return
        items, self._disposables = self._disposables, CLOSED_SCOPE
        self._let_go()
        if self._exit_custom is None:
            if items:
                await dispose_all_async(items, "the scope", exc)
            return
        failures = Failures()
        await dispose_all_async(items, "the scope", exc, into=failures)
        manager, self._exit_custom = self._exit_custom, None
        try:
            if isinstance(manager, ContextScopeManager):
                await manager._aexit_into(exc, failures)
            elif (aexit := getattr(manager, "aexit_scope", None)) is not None:
                await aexit()
            else:
                manager.exit_scope()
        except BaseException as error:  # disposal is over either way: report it
            failures.add(error)
        failures.raise_for("the scope")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close; the block's exception is thrown into the generator factories.

        It is never swallowed: it propagates unchanged, unless a disposer
        raises another error, which then propagates with it as ``__context__``
        (as with ``contextlib.ExitStack``).
        """
        self._finish(exc)  # a Scope's common case: ScopeClosingMethods

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close asynchronously; the block's exception goes to the generators."""
        await self._afinish(exc)


class ScopeClosingMethods(ClosingMethods):
    """``with`` / ``async with`` exits of a request scope, for its common case.

    A scope is never the root and, unless it entered a custom scope, has no
    manager to leave: it lets go of its cache and disposes what it owns right
    here, without the general path's extra frames (and, in ``async with``,
    without a coroutine per object). A custom scope takes the general path.
    """

    __slots__ = ()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close; the block's exception is thrown into the generator factories.

        It is never swallowed: it propagates unchanged, unless a disposer
        raises another error, which then propagates with it as ``__context__``
        (as with ``contextlib.ExitStack``).
        """
        if self._exit_custom is not None:
            self._finish(exc)
            return
        items = self._disposables  # CLOSED_SCOPE (empty) if closed already
        self._closed = True
        self._disposables = CLOSED_SCOPE
        self._cache = CLOSED_CACHE  # its objects are collectable now
        self._pending = None
        if items:
            self._dispose(items, "the scope", exc)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close asynchronously; the block's exception goes to the generators."""
        if self._exit_custom is not None:
            await self._afinish(exc)
            return
        items = self._disposables
        self._closed = True
        self._disposables = CLOSED_SCOPE
        self._cache = CLOSED_CACHE
        self._pending = None
        # most disposers are sync: await only if one of them needs it
        if items and (rest := dispose_until_await(items, "the scope", exc)):
            await rest
