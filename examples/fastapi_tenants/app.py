"""Multi-tenant data ingestion as an HTTP API: FastAPI + wiredi.

``POST /files/{name}`` with an ``X-Tenant-Id`` header stores the request body
in the storage backend configured for that tenant, and records the upload,
with who sent it, in an uploads ledger (a SQL database):

    ACME    -> s3
    Contoso -> azure
    Globex  -> gcs

``GET /uploads`` lists the tenant's recorded uploads; ``GET /stats`` counts
the database sessions opened, committed, rolled back and closed.

The backends are local stand-ins that really store the bytes, one folder per
backend: ``<STORAGE_ROOT>/<backend>/<tenant>/<name>``. ``STORAGE_ROOT`` comes
from the environment and defaults to ``storage/`` next to this file; the
ledger is the SQLite file ``DATABASE_PATH`` (default: ``<STORAGE_ROOT>.sqlite3``).

How the container is wired:

- ``setup(app, provider, scope=tenant_scope)`` opens a request scope for
  every request and enters the ``"tenant"`` custom scope named by the
  ``X-Tenant-Id`` header (a ``ContextScopeManager``);
- ``Request`` is a context value (``add_context``): each request scope is
  given the request, and the scoped ``CurrentUser`` is built from its
  ``Authorization: Bearer <name>`` header;
- ``DbSession`` is scoped and comes from a generator factory: one SQLite
  connection per request, committed when the request succeeds, rolled back
  when it fails, closed either way (SPEC 13.3);
- ``Tenant`` and ``IStorageBackend`` have the ``"tenant"`` lifetime: built
  once per tenant and reused by all of that tenant's requests, the way a
  real cloud client would be;
- ``DataIngestionService`` and ``UploadLedger`` are scoped: one per request;
- ``IClock``, ``Database`` and ``SessionStats`` are singletons.

``GET /uploads`` is a plain ``def`` endpoint: wiredi builds its services,
the database session included, in FastAPI's thread pool, so a slow database
connect (``create_app(connect_latency=0.2)`` simulates one) never stalls the
event loop.

Run it (see README.md): ``uvicorn app:app --app-dir examples/fastapi_tenants``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Protocol

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
class CurrentUser:
    """Who sent the request: the ``Authorization: Bearer <name>`` header."""

    name: str


@dataclass(frozen=True, slots=True)
class Receipt:
    tenant: str
    backend: str
    path: Path
    size: int
    received_at: datetime
    uploaded_by: str
    session: int


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


# ---------------------------------------------------------------- database


class SessionStats:
    """Counts what happened to the database sessions (served at ``GET /stats``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = {"opened": 0, "committed": 0, "rolled_back": 0, "closed": 0}

    def count(self, event: str) -> int:
        with self._lock:
            self.counts[event] += 1
            return self.counts[event]


class Database:
    """The uploads ledger: one SQLite file shared by every tenant."""

    SCHEMA = (
        "create table if not exists uploads (tenant text, name text, "
        "backend text, size integer, uploaded_by text, received_at text)"
    )

    def __init__(self, config: IConfiguration) -> None:
        self.path = Path(config.get("database:path"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connect_latency = float(config.get("database:connect_latency", "0"))

    def connect(self) -> sqlite3.Connection:
        time.sleep(self.connect_latency)  # a network database's connect blocks
        # FastAPI builds a def endpoint's services in one worker thread, may
        # run the endpoint in another, and wiredi closes the scope on the
        # event loop's thread: the connection must not insist on its thread.
        connection = sqlite3.connect(self.path, check_same_thread=False)
        connection.execute(self.SCHEMA)
        return connection


class DbSession:
    """One request's unit of work on the ledger."""

    def __init__(self, connection: sqlite3.Connection, stats: SessionStats) -> None:
        self.connection = connection
        self.stats = stats
        self.number = stats.count("opened")

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters)

    def commit(self) -> None:
        self.connection.commit()
        self.stats.count("committed")

    def rollback(self) -> None:
        self.connection.rollback()
        self.stats.count("rolled_back")

    def close(self) -> None:
        self.connection.close()
        self.stats.count("closed")


def open_session(database: Database, stats: SessionStats) -> Iterator[DbSession]:
    """One session per request: commit on success, roll back on error."""
    session = DbSession(database.connect(), stats)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def current_user(request: Request) -> CurrentUser:
    """The request's user, from its ``Authorization: Bearer <name>`` header."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return CurrentUser(token if scheme.lower() == "bearer" and token else "anonymous")


class UploadLedger:
    """The tenant's recorded uploads, read and written in the request's session."""

    def __init__(self, session: DbSession, tenant: Tenant, user: CurrentUser) -> None:
        self.session = session
        self.tenant = tenant
        self.user = user

    def record(self, name: str, backend: str, size: int, at: datetime) -> None:
        self.session.execute(
            "insert into uploads values (?, ?, ?, ?, ?, ?)",
            (self.tenant.id, name, backend, size, self.user.name, at.isoformat()),
        )

    def uploads(self) -> list[dict[str, object]]:
        rows = self.session.execute(
            "select name, backend, size, uploaded_by from uploads "
            "where tenant = ? order by rowid",
            (self.tenant.id,),
        )
        return [
            {"name": name, "backend": backend, "size": size, "uploaded_by": user}
            for name, backend, size, user in rows
        ]


# ------------------------------------------------------------------ tenants


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

    def __init__(
        self,
        tenant: Tenant,
        storage: IStorageBackend,
        clock: IClock,
        ledger: UploadLedger,
    ) -> None:
        self.tenant = tenant
        self.storage = storage
        self.clock = clock
        self.ledger = ledger

    def ingest(self, name: str, data: bytes) -> Receipt:
        """Record the upload, then store it: a failed store leaves no record."""
        received_at = self.clock.now()
        self.ledger.record(name, self.storage.kind, len(data), received_at)
        path = self.storage.put(name, data)
        return Receipt(
            self.tenant.id,
            self.storage.kind,
            path,
            len(data),
            received_at,
            self.ledger.user.name,
            self.ledger.session.number,
        )


# ------------------------------------------------------------- composition


def load_configuration(
    root: Path, database: Path, connect_latency: float = 0.0
) -> Configuration:
    return Configuration(
        {
            "tenants": {
                "ACME": {"backend": "s3"},
                "Contoso": {"backend": "azure"},
                "Globex": {"backend": "gcs"},
            },
            "storage": {"root": str(root)},
            "database": {"path": str(database), "connect_latency": connect_latency},
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
    services.add_singleton(Database).add_singleton(SessionStats)
    services.add_context(Request)
    services.add_scoped_factory(CurrentUser, current_user)
    services.add_scoped_factory(DbSession, open_session)
    services.add(Tenant, factory=current_tenant, lifetime="tenant")
    services.add(IStorageBackend, factory=storage_for, lifetime="tenant")
    services.add_scoped(UploadLedger)
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
        "uploaded_by": receipt.uploaded_by,
        "session": receipt.session,
    }


@router.get("/uploads")
def uploads(ledger: Inject[UploadLedger]) -> dict[str, object]:
    """The tenant's recorded uploads (a def endpoint: built in the thread pool)."""
    return {"uploads": ledger.uploads(), "session": ledger.session.number}


@router.get("/stats")
async def stats(counts: Inject[SessionStats]) -> dict[str, int]:
    """How many database sessions were opened, committed, rolled back, closed."""
    return dict(counts.counts)


async def unknown_tenant(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": f"{exc}; send one of the configured tenants in {TENANT_HEADER}"},
        status_code=400,
    )


def create_app(
    storage_root: Path | None = None,
    database_path: Path | None = None,
    *,
    connect_latency: float = 0.0,
) -> FastAPI:
    """Build the app.

    ``storage_root`` defaults to ``$STORAGE_ROOT`` or ./storage,
    ``database_path`` to ``$DATABASE_PATH`` or ``<storage_root>.sqlite3``;
    ``connect_latency`` makes each database connect block that many seconds.
    """
    if storage_root is None:
        storage_root = Path(os.environ.get("STORAGE_ROOT", DEFAULT_ROOT))
    root = storage_root.resolve()
    if database_path is None:
        database_path = Path(
            os.environ.get("DATABASE_PATH", root.with_name(f"{root.name}.sqlite3"))
        )
    # Persistent per tenant; the bound keeps made-up tenant ids from piling up.
    tenants = ContextScopeManager(max_scopes=100)
    config = load_configuration(root, database_path.resolve(), connect_latency)
    provider: ServiceProvider = build_services(config, tenants).build_service_provider()

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
