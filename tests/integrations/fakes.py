"""Services and a scope manager shared by the framework integration tests.

They live at module level because FastAPI and Flask read endpoint hints with
the endpoint's module globals: a class defined inside a test is not found.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator, MutableMapping
from contextvars import ContextVar
from typing import Any

from wiredi import ServiceCollection

TENANT_HEADER = "X-Tenant-Id"


class Ledger:
    """Numbers each service it is told about and records which were closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self.created: list[int] = []
        self.closed: list[int] = []

    def created_one(self) -> int:
        with self._lock:
            number = next(self._numbers)
            self.created.append(number)
            return number

    def closed_one(self, number: int) -> None:
        with self._lock:
            self.closed.append(number)

    def still_open(self) -> list[int]:
        with self._lock:
            return sorted(set(self.created) - set(self.closed))


class RequestService:
    """Scoped: one per request, closed with the request's scope."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.number = ledger.created_one()
        self.closed = False

    def close(self) -> None:
        self.closed = True
        self.ledger.closed_one(self.number)


class AsyncResource:
    """Scoped, closable only with ``aclose()``: the scope must be closed async."""

    def __init__(self) -> None:
        self.closed = False

    async def aclose(self) -> None:
        await asyncio.sleep(0)
        self.closed = True


class Helper:
    """Transient, built on the request's scoped service."""

    def __init__(self, service: RequestService) -> None:
        self.service = service


class AsyncClient:
    """Made by an async generator factory; finalised when the scope closes."""

    def __init__(self) -> None:
        self.open = True


async def make_async_client() -> AsyncIterator[AsyncClient]:
    client = AsyncClient()
    yield client
    client.open = False


class Token:
    """Made by a plain async factory (not a generator)."""

    def __init__(self, value: str) -> None:
        self.value = value


async def make_token() -> Token:
    await asyncio.sleep(0)
    return Token("async-made")


class Pool:
    """Singleton: closed when the provider closes (lifespan shutdown)."""

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class Named:
    """Registered in two components with different names."""

    def __init__(self, name: str = "default") -> None:
        self.name = name


class ContextVarScopes:
    """A user-written ``ScopeManager``: the active id lives in a ``ContextVar``.

    Each id's storage is kept for the life of the manager (a tenant's
    services are reused by every request of that tenant).
    """

    def __init__(self) -> None:
        self._current: ContextVar[tuple[str, ...]] = ContextVar(
            "test_tenant_ids", default=()
        )
        self._lock = threading.Lock()
        self._stores: dict[str, dict[Any, Any]] = {}

    def enter_scope(self, scope_id: str) -> None:
        with self._lock:
            self._stores.setdefault(scope_id, {})
        self._current.set((*self._current.get(), scope_id))

    def exit_scope(self) -> None:
        self._current.set(self._current.get()[:-1])

    def get_current_scope(self) -> MutableMapping[Any, Any] | None:
        ids = self._current.get()
        return self._stores[ids[-1]] if ids else None

    def current_id(self) -> str | None:
        ids = self._current.get()
        return ids[-1] if ids else None


class TenantService:
    """Lives in the ``"tenant"`` custom scope: one per tenant id."""

    def __init__(self, tenant: str, number: int) -> None:
        self.tenant = tenant
        self.number = number


def make_tenant_service(scopes: ContextVarScopes, ledger: Ledger) -> TenantService:
    tenant = scopes.current_id()
    assert tenant is not None
    return TenantService(tenant, ledger.created_one())


def tenant_from_header(connection: Any) -> tuple[str, str] | None:
    """The scope selector used by the tests: the tenant header, if any."""
    tenant = connection.headers.get(TENANT_HEADER)
    return None if tenant is None else ("tenant", tenant)


def build_services(ledger: Ledger, scopes: ContextVarScopes) -> ServiceCollection:
    """Register everything the integration tests resolve."""
    services = ServiceCollection()
    services.add_instance(Ledger, ledger)
    services.add_instance(ContextVarScopes, scopes)
    services.add_scope_manager("tenant", scopes)
    services.add_singleton(Pool)
    services.add_scoped(RequestService)
    services.add_scoped(AsyncResource)
    services.add_scoped_factory(AsyncClient, make_async_client)
    services.add_scoped_factory(Token, make_token)
    services.add_transient(Helper)
    services.add(TenantService, factory=make_tenant_service, lifetime="tenant")
    services.add_singleton_factory(Named, lambda: Named("audit"), component="audit")
    services.add_scoped(Named)
    return services
