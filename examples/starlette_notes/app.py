"""Team notes per tenant as an HTTP API: Starlette + wiredi.

The same API as ``examples/flask_notes``, on Starlette. Every request names
its tenant in ``X-Tenant-Id`` (``acme`` or ``globex``) and its user in
``Authorization: Bearer <name>``. Each tenant has its own SQLite database,
``<DATA_DIR>/<tenant>.sqlite3``.

- ``POST /notes`` with ``{"text": ...}`` adds a note by the current user;
- ``GET /notes`` lists the tenant's notes;
- ``POST /notes/import`` with ``{"texts": [...]}`` adds several notes, all or
  none: an empty text fails the request, and the notes added before it are
  rolled back with the request's session;
- ``GET /stats`` counts the database sessions opened, committed, rolled back
  and closed.

How the container is wired:

- ``WiredMiddleware(app, provider, scope=tenant_scope)`` opens a request
  scope per request and enters the ``"tenant"`` custom scope named by
  ``X-Tenant-Id``. An unknown tenant is refused by ``TenantDatabase``'s
  constructor, with an exception that an exception handler turns into a 400
  (the selector itself runs before Starlette's exception handlers);
- ``HTTPConnection`` is a context value (``add_context``): each request scope
  is given the request, and the scoped ``CurrentUser`` is built from it;
- ``Session`` is scoped and comes from a generator factory: one SQLite
  connection per request, committed when the endpoint succeeds, rolled back
  when it raises, closed either way (SPEC 13.3);
- ``TenantDatabase`` has the ``"tenant"`` lifetime: its schema is created
  once per tenant;
- ``NoteRepository`` is scoped; ``SessionStats`` a singleton.

Starlette has no parameter injection: endpoints ask the request's scope,
``request_scope(request).get_service(T)``. They are ``async def``, so the
scope's services are built, used and closed on the event loop's thread, and
SQLite's default thread check is fine.

Run it: ``uvicorn app:app --app-dir examples/starlette_notes``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from wiredi import ContextScopeManager, ServiceCollection, ServiceProvider
from wiredi.integrations.asgi import WiredMiddleware, request_scope

TENANTS = ("acme", "globex")
TENANT_HEADER = "X-Tenant-Id"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"


class UnknownTenantError(LookupError):
    """The request names no tenant, or one that is not configured."""


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """Who sent the request: the ``Authorization: Bearer <name>`` header."""

    name: str


def current_user(connection: HTTPConnection) -> CurrentUser:
    scheme, _, token = connection.headers.get("Authorization", "").partition(" ")
    return CurrentUser(token if scheme.lower() == "bearer" and token else "anonymous")


class SessionStats:
    """Counts what happened to the database sessions (served at ``GET /stats``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = {"opened": 0, "committed": 0, "rolled_back": 0, "closed": 0}

    def count(self, event: str) -> int:
        with self._lock:
            self.counts[event] += 1
            return self.counts[event]


class DataDir:
    """Where the tenants' databases live."""

    def __init__(self, path: Path) -> None:
        self.path = path


class TenantDatabase:
    """One tenant's SQLite file; the schema is created once per tenant."""

    def __init__(self, tenants: ContextScopeManager, data: DataDir) -> None:
        tenant = tenants.current_scope_id()
        if tenant not in TENANTS:
            raise UnknownTenantError(tenant)
        data.path.mkdir(parents=True, exist_ok=True)
        self.path = data.path / f"{tenant}.sqlite3"
        connection = sqlite3.connect(self.path)
        try:
            connection.execute(
                "create table if not exists notes "
                "(id integer primary key, author text, text text)"
            )
        finally:
            connection.close()


class Session:
    """One request's unit of work."""

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


def open_session(database: TenantDatabase, stats: SessionStats) -> Iterator[Session]:
    """One session per request: commit on success, roll back on error."""
    session = Session(sqlite3.connect(database.path), stats)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


class NoteRepository:
    """The tenant's notes, in the request's session, written as the current user."""

    def __init__(self, session: Session, user: CurrentUser) -> None:
        self.session = session
        self.user = user

    def add(self, text: str) -> int:
        if not text.strip():
            msg = "a note needs some text"
            raise ValueError(msg)
        cursor = self.session.execute(
            "insert into notes (author, text) values (?, ?)", (self.user.name, text)
        )
        return int(cursor.lastrowid or 0)

    def all(self) -> list[dict[str, object]]:
        rows = self.session.execute("select id, author, text from notes order by id")
        return [{"id": i, "author": a, "text": t} for i, a, t in rows]


def build_services(data_dir: Path, tenants: ContextScopeManager) -> ServiceCollection:
    """Register the application's services; the one place that knows the wiring."""
    services = ServiceCollection()
    services.add_scope_manager("tenant", tenants)
    services.add_instance(ContextScopeManager, tenants)
    services.add_instance(DataDir, DataDir(data_dir))
    services.add_singleton(SessionStats)
    services.add_context(HTTPConnection)
    services.add_scoped_factory(CurrentUser, current_user)
    services.add(TenantDatabase, lifetime="tenant")
    services.add_scoped_factory(Session, open_session)
    services.add_scoped(NoteRepository)
    return services


def tenant_scope(connection: HTTPConnection) -> tuple[str, str] | None:
    """Enter the tenant's custom scope (an unknown id fails when a service needs it)."""
    if not connection.url.path.startswith("/notes"):
        return None  # /stats is not a tenant's
    return ("tenant", connection.headers.get(TENANT_HEADER, ""))


async def add_note(request: Request) -> JSONResponse:
    body = await request.json()
    notes = request_scope(request).get_service(NoteRepository)
    note_id = notes.add(str(body.get("text", "")))
    reply = {"id": note_id, "author": notes.user.name, "session": notes.session.number}
    return JSONResponse(reply, status_code=201)


async def list_notes(request: Request) -> JSONResponse:
    notes = request_scope(request).get_service(NoteRepository)
    return JSONResponse({"notes": notes.all(), "session": notes.session.number})


async def import_notes(request: Request) -> JSONResponse:
    texts = (await request.json()).get("texts", [])
    notes = request_scope(request).get_service(NoteRepository)
    ids = [notes.add(str(text)) for text in texts]  # all or none
    return JSONResponse({"ids": ids, "session": notes.session.number}, 201)


async def stats(request: Request) -> JSONResponse:
    return JSONResponse(request_scope(request).get_service(SessionStats).counts)


async def unknown_tenant(request: Request, exc: Exception) -> JSONResponse:
    tenant = exc.args[0] if exc.args else ""
    detail = f"unknown tenant {tenant!r}; send {TENANT_HEADER}: one of {TENANTS}"
    return JSONResponse({"detail": detail}, status_code=400)


def create_app(data_dir: Path | None = None) -> Starlette:
    """Build the app; ``data_dir`` defaults to ``$DATA_DIR`` or ./data."""
    if data_dir is None:
        data_dir = Path(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR))
    tenants = ContextScopeManager()
    provider: ServiceProvider = build_services(
        data_dir.resolve(), tenants
    ).build_service_provider()
    return Starlette(
        routes=[
            Route("/notes", add_note, methods=["POST"]),
            Route("/notes", list_notes, methods=["GET"]),
            Route("/notes/import", import_notes, methods=["POST"]),
            Route("/stats", stats),
        ],
        # the provider is closed by the middleware at lifespan shutdown
        middleware=[Middleware(WiredMiddleware, provider=provider, scope=tenant_scope)],
        exception_handlers={UnknownTenantError: unknown_tenant},
    )


app = create_app()
