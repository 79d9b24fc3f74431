"""Closing a provider or scope: disposal in reverse order, context-manager protocol."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self, TypeVar

from wiredi._compiler.finalizers import is_disposable
from wiredi._registration.scope_manager import ScopeManager
from wiredi._runtime.disposal import (
    CLOSED_PROVIDER,
    CLOSED_SCOPE,
    dispose_all,
    dispose_all_async,
)
from wiredi._runtime.provider_core import ClosedTable
from wiredi._runtime.provider_state import ProviderState

__all__ = ["ClosingMethods"]

T = TypeVar("T")
_log = logging.getLogger("wiredi")


class ClosingMethods(ProviderState):
    """``close``, ``aclose`` and ``with`` / ``async with`` for providers and scopes."""

    __slots__ = ()

    def close(self) -> None:
        """Dispose what this provider (or scope) created, in reverse order.

        Every disposer runs; one error is raised as it is, several as a
        ``DisposalError`` (an ``ExceptionGroup``). Closing twice does nothing.
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
        if self._closed:
            return
        self._closed = True
        if self._root is self:
            self._close_root()
            return
        items, self._disposables = self._disposables, CLOSED_SCOPE
        if self._exit_custom is None:
            if items:
                dispose_all(items, self._what())
            return
        try:
            dispose_all(items, self._what())
        finally:
            self._leave_custom()

    def _managers(self) -> list[ScopeManager]:
        return list(self._core.registry.scope_managers.values())

    def _refuse_resolution(self) -> None:
        """Make every scope of this closed provider refuse to resolve.

        Open scopes share the entry table; swapping in one that raises costs
        the hot path nothing.
        """
        self._core.table = ClosedTable()

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
        dispose_all(self._root_disposables(), "the provider")

    async def _aclose_root(self) -> None:
        await dispose_all_async(self._root_disposables(), "the provider")

    async def aclose(self) -> None:
        """Dispose asynchronously: ``aclose()`` first, then ``close()``/``dispose()``.

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
        if self._closed:
            return
        self._closed = True
        if self._root is self:
            await self._aclose_root()
            return
        items, self._disposables = self._disposables, CLOSED_SCOPE
        try:
            await dispose_all_async(items, self._what())
        finally:
            manager, self._exit_custom = self._exit_custom, None
            if manager is not None:
                aexit = getattr(manager, "aexit_scope", None)
                if aexit is not None:
                    await aexit()
                else:
                    manager.exit_scope()

    def _leave_custom(self) -> None:
        manager, self._exit_custom = self._exit_custom, None
        if manager is not None:
            manager.exit_scope()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._disposables and self._exit_custom is None:
            self._closed = True  # nothing to dispose: the common request scope
            self._disposables = CLOSED_SCOPE
        else:
            self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
