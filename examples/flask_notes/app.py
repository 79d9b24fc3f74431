"""Team notes per tenant as an HTTP API: Flask + wiredi.

Every request names its tenant in ``X-Tenant-Id`` (``acme`` or ``globex``)
and its user in ``Authorization: Bearer <name>``. Each tenant has its own
SQLite database, ``<DATA_DIR>/<tenant>.sqlite3``.

- ``POST /notes`` with ``{"text": ...}`` adds a note by the current user;
- ``GET /notes`` lists the tenant's notes, ``GET /notes/<id>`` shows one;
- ``POST /notes/import`` with ``{"texts": [...]}`` adds several notes, all or
  none: an empty text fails the request, and the notes added before it are
  rolled back with the request's session;
- ``GET /stats`` counts the database sessions opened, committed, rolled back
  and closed.

How the container is wired:

- ``init_app(app, provider, scope=tenant_scope)`` opens a request scope per
  request and enters the ``"tenant"`` custom scope named by ``X-Tenant-Id``;
  the selector answers a missing or unknown tenant with ``abort(400)``;
- ``flask.Request`` is a context value (``add_context``): each request scope
  is given the request, and the scoped ``CurrentUser`` is built from it;
- ``Session`` is scoped and comes from a generator factory: one SQLite
  connection per request, committed when the view succeeds, rolled back when
  it raises, closed either way (SPEC 13.3);
- ``TenantDatabase`` has the ``"tenant"`` lifetime: its schema is created
  once per tenant;
- ``NoteRepository`` is scoped; ``SessionStats`` a singleton.

A WSGI server handles a request on one thread, so the session is opened,
used and closed on that thread: SQLite's default thread check is fine here.

Run it: ``python examples/flask_notes/app.py`` (werkzeug's server on
127.0.0.1:5000), then::

    curl -X POST -H "X-Tenant-Id: acme" -H "Authorization: Bearer ada" \\
         -H "Content-Type: application/json" -d '{"text": "hello"}' \\
         http://127.0.0.1:5000/notes
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Request, abort
from flask import request as current_request
from flask.views import MethodView

from wiredi import ContextScopeManager, ServiceCollection, ServiceProvider
from wiredi.integrations.flask import Inject, init_app

TENANTS = ("acme", "globex")
TENANT_HEADER = "X-Tenant-Id"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """Who sent the request: the ``Authorization: Bearer <name>`` header."""

    name: str


def current_user(request: Request) -> CurrentUser:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
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
        if tenant not in TENANTS:  # the selector lets only known tenants in
            msg = f"no database for tenant {tenant!r}"
            raise LookupError(msg)
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

    def get(self, note_id: int) -> dict[str, object] | None:
        row = self.session.execute(
            "select id, author, text from notes where id = ?", (note_id,)
        ).fetchone()
        return None if row is None else {"id": row[0], "author": row[1], "text": row[2]}


def build_services(data_dir: Path, tenants: ContextScopeManager) -> ServiceCollection:
    """Register the application's services; the one place that knows the wiring."""
    services = ServiceCollection()
    services.add_scope_manager("tenant", tenants)
    services.add_instance(ContextScopeManager, tenants)
    services.add_instance(DataDir, DataDir(data_dir))
    services.add_singleton(SessionStats)
    services.add_context(Request)
    services.add_scoped_factory(CurrentUser, current_user)
    services.add(TenantDatabase, lifetime="tenant")
    services.add_scoped_factory(Session, open_session)
    services.add_scoped(NoteRepository)
    return services


def tenant_scope(request: Request) -> tuple[str, str] | None:
    """Enter the tenant's custom scope; refuse a request without a known tenant."""
    if not request.path.startswith("/notes"):
        return None  # /stats is not a tenant's
    tenant = request.headers.get(TENANT_HEADER, "")
    if tenant not in TENANTS:
        abort(400, f"send {TENANT_HEADER}: one of {', '.join(TENANTS)}")
    return ("tenant", tenant)


class NoteView(MethodView):
    """``GET /notes/<id>``: a class-based view gets its services injected too."""

    def get(self, note_id: int, notes: Inject[NoteRepository]) -> dict[str, object]:
        note = notes.get(note_id)
        if note is None:
            abort(404)
        return note


def create_app(data_dir: Path | None = None) -> Flask:
    """Build the app; ``data_dir`` defaults to ``$DATA_DIR`` or ./data."""
    if data_dir is None:
        data_dir = Path(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR))
    tenants = ContextScopeManager()
    provider: ServiceProvider = build_services(
        data_dir.resolve(), tenants
    ).build_service_provider()
    app = Flask(__name__)
    app.extensions["wiredi_provider"] = provider  # Flask has no shutdown hook
    init_app(app, provider, scope=tenant_scope)

    @app.post("/notes")
    def add_note(notes: Inject[NoteRepository]) -> tuple[dict[str, object], int]:
        body = current_request.get_json(force=True)
        note_id = notes.add(str(body.get("text", "")))
        author = notes.user.name
        return {"id": note_id, "author": author, "session": notes.session.number}, 201

    @app.get("/notes")
    def list_notes(notes: Inject[NoteRepository]) -> dict[str, object]:
        return {"notes": notes.all(), "session": notes.session.number}

    @app.post("/notes/import")
    def import_notes(notes: Inject[NoteRepository]) -> tuple[dict[str, object], int]:
        texts = current_request.get_json(force=True).get("texts", [])
        ids = [notes.add(str(text)) for text in texts]  # all or none
        return {"ids": ids, "session": notes.session.number}, 201

    @app.get("/stats")
    def stats(counts: Inject[SessionStats]) -> dict[str, int]:
        return dict(counts.counts)

    app.add_url_rule("/notes/<int:note_id>", view_func=NoteView.as_view("note"))
    return app


if __name__ == "__main__":
    flask_app = create_app()
    atexit.register(flask_app.extensions["wiredi_provider"].close)
    flask_app.run(host="127.0.0.1", port=5000)
