"""The example apps under their real servers, over real sockets on 127.0.0.1.

``examples/fastapi_tenants`` and ``examples/starlette_notes`` run under
uvicorn, ``examples/flask_notes`` under werkzeug's threaded server. Each test
starts its app on a free port, makes a bounded number of requests with
timeouts, and checks what a user of the app would: one database session per
request, every session closed, a rollback on the failing route, the
request's user injected, and for FastAPI that blocking factories of
concurrent ``def`` requests run side by side in the thread pool.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

httpx2 = pytest.importorskip("httpx2")
pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")
pytest.importorskip("flask")

from tests.integrations.servers import uvicorn_server, werkzeug_server  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 10.0

# Throwing the request's exception into generator factories (SPEC 13.3) is
# built on another branch; until it is merged a failed request commits.


def load(relative_path: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import an example as a module (frameworks look it up in sys.modules)."""
    path = EXAMPLES / relative_path
    name = "served_" + "_".join(path.relative_to(EXAMPLES).with_suffix("").parts)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def bearer(
    user: str, tenant: str, tenant_header: str = "X-Tenant-Id"
) -> dict[str, str]:
    return {"Authorization": f"Bearer {user}", tenant_header: tenant}


def failing(headers: dict[str, str]) -> dict[str, str]:
    """Headers for a request that fails: uvicorn closes the connection after a
    500 whose error reached it, so the client must not reuse it."""
    return {**headers, "Connection": "close"}


def settled_stats(client: Any) -> dict[str, int]:
    """``GET /stats`` once every opened session is closed (scopes close after responses)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        stats: dict[str, int] = client.get("/stats").json()
        if stats["closed"] == stats["opened"] or time.monotonic() > deadline:
            return stats
        time.sleep(0.02)


# ------------------------------------------------------------------ FastAPI


@pytest.fixture(name="fastapi_example")
def _fastapi_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("STORAGE_ROOT", str(tmp_path / "module-storage"))
    return load("fastapi_tenants/app.py", monkeypatch)


@pytest.fixture(name="fastapi_client")
def _fastapi_client(fastapi_example: ModuleType, tmp_path: Path) -> Iterator[Any]:
    app = fastapi_example.create_app(tmp_path / "storage", tmp_path / "ledger.db")
    with (
        uvicorn_server(app) as url,
        httpx2.Client(base_url=url, timeout=TIMEOUT) as client,
    ):
        yield client


class TestFastAPIExampleUnderUvicorn:
    """``examples/fastapi_tenants`` served by uvicorn."""

    UPLOADS = [
        ("ada", "ACME", "orders.csv"),
        ("bob", "Globex", "shipments.csv"),
        ("ada", "Globex", "returns.csv"),
        ("cy", "ACME", "invoices.csv"),
    ]

    def test_each_upload_is_recorded_as_its_user_in_a_session_of_its_own(
        self, fastapi_client
    ):
        """The Authorization header's user is injected; each request has one session."""
        sessions = []
        for user, tenant, name in self.UPLOADS:
            response = fastapi_client.post(
                f"/files/{name}", content=b"x,y\n", headers=bearer(user, tenant)
            )
            assert response.status_code == 201, response.text
            assert response.json()["uploaded_by"] == user
            sessions.append(response.json()["session"])
        assert len(set(sessions)) == len(self.UPLOADS)
        acme = fastapi_client.get("/uploads", headers={"X-Tenant-Id": "ACME"}).json()
        assert [(u["name"], u["uploaded_by"]) for u in acme["uploads"]] == [
            ("orders.csv", "ada"),
            ("invoices.csv", "cy"),
        ]

    def test_every_session_is_committed_and_closed(self, fastapi_client):
        """After the responses, every session opened was committed and closed."""
        for user, tenant, name in self.UPLOADS:
            fastapi_client.post(
                f"/files/{name}", content=b"1", headers=bearer(user, tenant)
            )
            fastapi_client.get("/uploads", headers={"X-Tenant-Id": tenant})
        stats = settled_stats(fastapi_client)
        assert stats == {
            "opened": 8,
            "committed": 8,
            "rolled_back": 0,
            "closed": 8,
        }

    def test_a_failed_store_closes_its_session(self, fastapi_client, tmp_path):
        """A store that fails after the ledger insert is a 500, and its session is closed."""
        (tmp_path / "storage" / "s3" / "ACME" / "clash.csv").mkdir(parents=True)
        response = fastapi_client.post(
            "/files/clash.csv", content=b"1", headers=failing(bearer("ada", "ACME"))
        )
        assert response.status_code == 500
        stats = settled_stats(fastapi_client)
        assert stats["opened"] == stats["closed"] == 1

    def test_a_failed_store_rolls_its_record_back(self, fastapi_client, tmp_path):
        """The ledger insert of a failed upload is rolled back with its session."""
        (tmp_path / "storage" / "s3" / "ACME" / "clash.csv").mkdir(parents=True)
        fastapi_client.post(
            "/files/clash.csv", content=b"1", headers=failing(bearer("ada", "ACME"))
        )
        listed = fastapi_client.get("/uploads", headers={"X-Tenant-Id": "ACME"})
        assert listed.json()["uploads"] == []
        assert settled_stats(fastapi_client)["rolled_back"] == 1

    async def test_concurrent_def_requests_connect_side_by_side(
        self, fastapi_example, tmp_path
    ):
        """8 concurrent GET /uploads through a 0.3 s blocking connect take about 0.3 s."""
        latency = 0.3
        app = fastapi_example.create_app(
            tmp_path / "storage", tmp_path / "ledger.db", connect_latency=latency
        )
        headers = {"X-Tenant-Id": "Contoso"}
        with uvicorn_server(app) as url:
            limits = httpx2.Limits(max_connections=8)
            async with httpx2.AsyncClient(
                base_url=url, timeout=TIMEOUT, limits=limits
            ) as client:
                await client.get("/uploads", headers=headers)  # warm up
                started = time.perf_counter()
                async with asyncio.timeout(TIMEOUT):
                    responses = await asyncio.gather(
                        *(client.get("/uploads", headers=headers) for _ in range(8))
                    )
                elapsed = time.perf_counter() - started
        assert {response.status_code for response in responses} == {200}
        assert len({response.json()["session"] for response in responses}) == 8
        # On the event loop the connects would queue: 8 x 0.3 = 2.4 s.
        assert elapsed < 4 * latency, f"{elapsed:.2f} s"

    def test_a_raising_scope_selector_is_a_logged_500_not_a_hang(self, caplog):
        """A selector that raises answers 500 at once, logged by wiredi and the server."""
        from fastapi import FastAPI

        from wiredi import ServiceCollection
        from wiredi.integrations.fastapi import setup

        def tenant_of(connection: Any) -> tuple[str, str]:
            return ("tenant", connection.headers["X-Tenant-Id"])

        app = FastAPI()
        setup(app, ServiceCollection().build_service_provider(), scope=tenant_of)

        @app.get("/")
        def index() -> str:  # pragma: no cover - the selector fails first
            return "never"

        with (
            caplog.at_level(logging.ERROR),
            uvicorn_server(app) as url,
            httpx2.Client(base_url=url, timeout=TIMEOUT) as client,
        ):
            assert client.get("/").status_code == 500
        wiredi_lines = [r.getMessage() for r in caplog.records if r.name == "wiredi"]
        assert wiredi_lines == [
            (
                "the scope selector tenant_of of WiredMiddleware raised "
                "KeyError('X-Tenant-Id') for GET /; the request fails with a 500"
            )
        ]
        assert any(r.name.startswith("uvicorn") for r in caplog.records)


# ---------------------------------------------------------------- Starlette


@pytest.fixture(name="starlette_client")
def _starlette_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "module-data"))
    example = load("starlette_notes/app.py", monkeypatch)
    with (
        uvicorn_server(example.create_app(tmp_path / "data")) as url,
        httpx2.Client(base_url=url, timeout=TIMEOUT) as client,
    ):
        yield client


class TestStarletteExampleUnderUvicorn:
    """``examples/starlette_notes`` served by uvicorn."""

    def test_each_note_is_written_as_its_user_in_a_session_of_its_own(
        self, starlette_client
    ):
        """The Authorization header's user is injected; each request has one session."""
        replies = [
            starlette_client.post(
                "/notes", json={"text": text}, headers=bearer(user, tenant)
            )
            for user, tenant, text in [
                ("ada", "acme", "one"),
                ("bob", "globex", "two"),
                ("cy", "acme", "three"),
            ]
        ]
        assert [r.status_code for r in replies] == [201, 201, 201]
        assert [r.json()["author"] for r in replies] == ["ada", "bob", "cy"]
        assert len({r.json()["session"] for r in replies}) == 3
        acme = starlette_client.get("/notes", headers=bearer("ada", "acme")).json()
        assert [(n["author"], n["text"]) for n in acme["notes"]] == [
            ("ada", "one"),
            ("cy", "three"),
        ]

    def test_every_session_is_committed_and_closed(self, starlette_client):
        """After the responses, every session opened was committed and closed."""
        headers = bearer("ada", "globex")
        for text in ("a", "b"):
            starlette_client.post("/notes", json={"text": text}, headers=headers)
            starlette_client.get("/notes", headers=headers)
        assert settled_stats(starlette_client) == {
            "opened": 4,
            "committed": 4,
            "rolled_back": 0,
            "closed": 4,
        }

    def test_an_unknown_tenant_is_a_400(self, starlette_client):
        """A tenant the app does not know is refused by an exception handler."""
        response = starlette_client.get("/notes", headers=bearer("ada", "initech"))
        assert response.status_code == 400
        assert "unknown tenant 'initech'" in response.json()["detail"]

    def test_a_failed_import_closes_its_session(self, starlette_client):
        """An import with an empty note is a 500, and its session is closed."""
        response = starlette_client.post(
            "/notes/import",
            json={"texts": ["kept?", ""]},
            headers=failing(bearer("ada", "acme")),
        )
        assert response.status_code == 500
        stats = settled_stats(starlette_client)
        assert stats["opened"] == stats["closed"] == 1

    def test_a_failed_import_rolls_back_the_notes_before_it(self, starlette_client):
        """The notes added before the failing one are rolled back: all or none."""
        headers = bearer("ada", "acme")
        starlette_client.post(
            "/notes/import", json={"texts": ["kept?", ""]}, headers=failing(headers)
        )
        assert starlette_client.get("/notes", headers=headers).json()["notes"] == []
        assert settled_stats(starlette_client)["rolled_back"] == 1


# -------------------------------------------------------------------- Flask


@pytest.fixture(name="flask_client")
def _flask_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    example = load("flask_notes/app.py", monkeypatch)
    app = example.create_app(tmp_path / "data")
    try:
        with (
            werkzeug_server(app) as url,
            httpx2.Client(base_url=url, timeout=TIMEOUT) as client,
        ):
            yield client
    finally:
        app.extensions["wiredi_provider"].close()


class TestFlaskExampleUnderWerkzeug:
    """``examples/flask_notes`` served by werkzeug's threaded server."""

    def test_each_note_is_written_as_its_user_in_a_session_of_its_own(
        self, flask_client
    ):
        """The Authorization header's user is injected; each request has one session."""
        replies = [
            flask_client.post("/notes", json={"text": text}, headers=bearer(u, t))
            for u, t, text in [("ada", "acme", "one"), ("bob", "acme", "two")]
        ]
        assert [r.status_code for r in replies] == [201, 201]
        assert [r.json()["author"] for r in replies] == ["ada", "bob"]
        assert replies[0].json()["session"] != replies[1].json()["session"]

    def test_a_class_based_view_gets_its_services(self, flask_client):
        """GET /notes/<id> (a MethodView) reads the note in the request's session."""
        headers = bearer("ada", "globex")
        created = flask_client.post("/notes", json={"text": "hi"}, headers=headers)
        note_id = created.json()["id"]
        shown = flask_client.get(f"/notes/{note_id}", headers=headers)
        assert shown.json() == {"id": note_id, "author": "ada", "text": "hi"}
        assert flask_client.get("/notes/999", headers=headers).status_code == 404

    def test_every_session_is_committed_and_closed(self, flask_client):
        """After the responses, every session opened was committed and closed."""
        headers = bearer("ada", "acme")
        for text in ("a", "b"):
            flask_client.post("/notes", json={"text": text}, headers=headers)
            flask_client.get("/notes", headers=headers)
        assert settled_stats(flask_client) == {
            "opened": 4,
            "committed": 4,
            "rolled_back": 0,
            "closed": 4,
        }

    def test_a_request_without_a_tenant_is_a_400_from_the_selector(self, flask_client):
        """The selector's abort(400) answers at once and opens no session."""
        response = flask_client.get("/notes", headers={"Authorization": "Bearer a"})
        assert response.status_code == 400
        assert "X-Tenant-Id" in response.text
        assert settled_stats(flask_client)["opened"] == 0

    def test_a_failed_import_closes_its_session(self, flask_client):
        """An import with an empty note is a 500, and its session is closed."""
        response = flask_client.post(
            "/notes/import",
            json={"texts": ["kept?", ""]},
            headers=failing(bearer("ada", "acme")),
        )
        assert response.status_code == 500
        stats = settled_stats(flask_client)
        assert stats["opened"] == stats["closed"] == 1

    def test_a_failed_import_rolls_back_the_notes_before_it(self, flask_client):
        """The notes added before the failing one are rolled back: all or none."""
        headers = bearer("ada", "acme")
        flask_client.post(
            "/notes/import", json={"texts": ["kept?", ""]}, headers=failing(headers)
        )
        assert flask_client.get("/notes", headers=headers).json()["notes"] == []
        assert settled_stats(flask_client)["rolled_back"] == 1

    def test_a_raising_scope_selector_is_a_logged_500_not_a_hang(self, caplog):
        """A selector that raises answers 500 at once, logged by wiredi and Flask."""
        from flask import Flask

        from wiredi import ServiceCollection
        from wiredi.integrations.flask import init_app

        def tenant_of(request: Any) -> tuple[str, str]:
            return ("tenant", request.headers["X-Tenant-Id"])

        app = Flask(__name__)
        init_app(app, ServiceCollection().build_service_provider(), scope=tenant_of)

        @app.get("/")
        def index() -> str:  # pragma: no cover - the selector fails first
            return "never"

        with (
            caplog.at_level(logging.ERROR),
            werkzeug_server(app) as url,
            httpx2.Client(base_url=url, timeout=TIMEOUT) as client,
        ):
            assert client.get("/").status_code == 500
        messages = [(r.name, r.getMessage()) for r in caplog.records]
        assert (
            "wiredi",
            (
                "the scope selector tenant_of given to init_app raised "
                "KeyError('HTTP_X_TENANT_ID') for GET /; the request fails with a 500"
            ),
        ) in messages
        assert any(
            message.startswith("Exception on / [GET]") for _, message in messages
        )
