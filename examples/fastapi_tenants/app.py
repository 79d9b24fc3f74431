"""Multi-tenant data ingestion as an HTTP API: FastAPI + wiredi.

``POST /files/{name}`` with an ``X-Tenant-Id`` header stores the request body
in the storage backend configured for that tenant:

    ACME    -> s3
    Contoso -> azure
    Globex  -> gcs

The backends are local stand-ins that really store the bytes, one folder per
backend: ``<STORAGE_ROOT>/<backend>/<tenant>/<name>``. ``STORAGE_ROOT`` comes
from the environment and defaults to ``storage/`` next to this file.

How the container is wired:

- ``setup(app, provider, scope=tenant_scope)`` opens a request scope for
  every request and enters the ``"tenant"`` custom scope named by the
  ``X-Tenant-Id`` header (a ``ContextScopeManager``);
- ``Tenant`` and ``IStorageBackend`` have the ``"tenant"`` lifetime: built
  once per tenant and reused by all of that tenant's requests, the way a
  real cloud client would be;
- ``DataIngestionService`` is scoped: one per request;
- ``IClock`` is a singleton.

Run it (see README.md): ``uvicorn app:app --app-dir examples/fastapi_tenants``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, ClassVar, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi import Path as PathParameter
from fastapi.concurrency import run_in_threadpool
from fastapi.requests import HTTPConnection
from fastapi.responses import JSONResponse

from wiredi import ContextScopeManager, ServiceCollection, ServiceProvider
from wiredi.config import Configuration, IConfiguration
from wiredi.integrations.fastapi import Inject, setup

DEFAULT_ROOT = Path(__file__).resolve().parent / "storage"
TENANT_HEADER = "X-Tenant-Id"
FILE_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"


# --------------------------------------------------------------- contracts


class IClock(Protocol):
    def now(self) -> datetime: ...


class IStorageBackend(Protocol):
    kind: str

    def put(self, name: str, data: bytes) -> Path: ...


class UnknownTenantError(LookupError):
    """The request names no tenant, or one that is not configured."""

    def __init__(self, tenant: str) -> None:
        super().__init__(f"unknown tenant {tenant!r}")
        self.tenant = tenant


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    backend: str


@dataclass(frozen=True, slots=True)
class Receipt:
    tenant: str
    backend: str
    path: Path
    size: int
    received_at: datetime


# ---------------------------------------------------------- implementations


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class LocalFolderBackend:
    """A stand-in for a cloud store: files in ``<root>/<kind>/<tenant>/``."""

    kind: ClassVar[str]

    def __init__(self, root: Path, tenant: str) -> None:
        self.folder = root / self.kind / tenant

    def put(self, name: str, data: bytes) -> Path:
        if Path(name).name != name or name.startswith("."):
            msg = f"object name must be a plain file name, got {name!r}"
            raise ValueError(msg)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        path.write_bytes(data)
        return path


class S3Backend(LocalFolderBackend):
    kind = "s3"


class AzureBackend(LocalFolderBackend):
    kind = "azure"


class GcsBackend(LocalFolderBackend):
    kind = "gcs"


BACKENDS: dict[str, type[LocalFolderBackend]] = {
    backend.kind: backend for backend in (S3Backend, AzureBackend, GcsBackend)
}


def current_tenant(tenants: ContextScopeManager, config: IConfiguration) -> Tenant:
    """The tenant whose custom scope this request entered (once per tenant)."""
    tenant_id = tenants.current_scope_id() or ""
    backend = config.get(f"tenants:{tenant_id}:backend")
    if backend not in BACKENDS:
        raise UnknownTenantError(tenant_id)
    return Tenant(tenant_id, backend)


def storage_for(tenant: Tenant, config: IConfiguration) -> IStorageBackend:
    """The tenant's storage backend (once per tenant)."""
    return BACKENDS[tenant.backend](Path(config.get("storage:root")), tenant.id)


class DataIngestionService:
    """Ingests the files of one request into the tenant's storage."""

    def __init__(self, tenant: Tenant, storage: IStorageBackend, clock: IClock) -> None:
        self.tenant = tenant
        self.storage = storage
        self.clock = clock

    def ingest(self, name: str, data: bytes) -> Receipt:
        received_at = self.clock.now()
        path = self.storage.put(name, data)
        return Receipt(self.tenant.id, self.storage.kind, path, len(data), received_at)


# ------------------------------------------------------------- composition


def load_configuration(root: Path) -> Configuration:
    return Configuration(
        {
            "tenants": {
                "ACME": {"backend": "s3"},
                "Contoso": {"backend": "azure"},
                "Globex": {"backend": "gcs"},
            },
            "storage": {"root": str(root)},
        }
    )


def build_services(
    config: IConfiguration, tenants: ContextScopeManager
) -> ServiceCollection:
    """Register the application's services; the one place that knows the wiring."""
    services = ServiceCollection()
    services.add_instance(IConfiguration, config)
    services.add_scope_manager("tenant", tenants)
    services.add_instance(ContextScopeManager, tenants)
    services.add_singleton(IClock, UtcClock)
    services.add(Tenant, factory=current_tenant, lifetime="tenant")
    services.add(IStorageBackend, factory=storage_for, lifetime="tenant")
    services.add_scoped(DataIngestionService)
    return services


def tenant_scope(request: HTTPConnection) -> tuple[str, str]:
    """Enter the tenant's custom scope; an unknown id fails when a service needs it."""
    return ("tenant", request.headers.get(TENANT_HEADER, ""))


router = APIRouter()


@router.post("/files/{name}", status_code=201)
async def upload(
    name: Annotated[str, PathParameter(pattern=FILE_NAME)],
    request: Request,
    ingestion: Inject[DataIngestionService],
) -> dict[str, object]:
    """Store the request body as ``name`` in the tenant's backend."""
    data = await request.body()
    receipt = await run_in_threadpool(ingestion.ingest, name, data)
    root = Path(request.app.state.storage_root)
    return {
        "tenant": receipt.tenant,
        "backend": receipt.backend,
        "path": receipt.path.relative_to(root).as_posix(),
        "size": receipt.size,
        "received_at": receipt.received_at.isoformat(),
    }


async def unknown_tenant(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": f"{exc}; send one of the configured tenants in {TENANT_HEADER}"},
        status_code=400,
    )


def create_app(storage_root: Path | None = None) -> FastAPI:
    """Build the app; ``storage_root`` defaults to ``$STORAGE_ROOT`` or ./storage."""
    if storage_root is None:
        storage_root = Path(os.environ.get("STORAGE_ROOT", DEFAULT_ROOT))
    root = storage_root.resolve()
    # Persistent per tenant; the bound keeps made-up tenant ids from piling up.
    tenants = ContextScopeManager(max_scopes=100)
    provider: ServiceProvider = build_services(
        load_configuration(root), tenants
    ).build_service_provider()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # Dispose every tenant's services; the provider (singletons) is
        # closed by wiredi right after this, as the shutdown completes.
        await tenants.aclose()

    app = FastAPI(title="Multi-tenant ingestion", lifespan=lifespan)
    app.state.storage_root = str(root)
    setup(app, provider, scope=tenant_scope)
    app.add_exception_handler(UnknownTenantError, unknown_tenant)
    app.include_router(router)
    return app


app = create_app()
