"""FastAPI: an endpoint's exception reaches the request scope's generator factories."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

pytest.importorskip("fastapi")

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from tests.integrations.outcome_fakes import (
    AsyncDbSession,
    DbSession,
    OrderFailedError,
    Outcomes,
    session_services,
)
from wiredi.integrations.fastapi import Inject, setup


def outcome_app(outcomes: Outcomes, **fastapi_options: object) -> FastAPI:
    app = FastAPI(**fastapi_options)  # type: ignore[arg-type]
    setup(app, session_services(outcomes).build_service_provider())

    @app.post("/orders")
    def create(session: Inject[DbSession]) -> str:
        return "created"

    @app.post("/orders/fail")
    def fail(session: Inject[DbSession]) -> str:
        raise OrderFailedError("out of stock")

    @app.post("/orders/conflict")
    def conflict(session: Inject[DbSession]) -> str:
        raise HTTPException(status_code=409, detail="exists")

    @app.post("/async/orders")
    async def create_async(session: Inject[AsyncDbSession]) -> str:
        return "created"

    @app.post("/async/orders/fail")
    async def fail_async(session: Inject[AsyncDbSession]) -> str:
        raise OrderFailedError("out of stock")

    return app


@pytest.fixture(name="outcomes")
def _outcomes() -> Outcomes:
    return Outcomes()


class TestFastAPIRequestOutcome:
    """Through TestClient: rollback on a raising endpoint, commit on success."""

    @pytest.mark.parametrize(
        ("path", "rollback"),
        [
            ("/orders/fail", "rollback OrderFailedError"),
            ("/async/orders/fail", "async rollback OrderFailedError"),
        ],
    )
    def test_a_raising_endpoint_rolls_the_session_back(self, outcomes, path, rollback):
        """An endpoint that raises gets a 500 and its session factory rolls back."""
        app = outcome_app(outcomes)
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.post(path).status_code == 500
        assert outcomes.events == [rollback]

    @pytest.mark.parametrize(
        ("path", "commit"),
        [("/orders", "commit"), ("/async/orders", "async commit")],
    )
    def test_a_successful_endpoint_commits_the_session(self, outcomes, path, commit):
        """An endpoint that returns lets its session factory commit."""
        with TestClient(outcome_app(outcomes)) as client:
            assert client.post(path).status_code == 200
        assert outcomes.events == [commit]

    def test_the_endpoints_exception_propagates_unchanged(self, outcomes):
        """The exception the server sees is the endpoint's own."""
        with (
            TestClient(outcome_app(outcomes)) as client,
            pytest.raises(OrderFailedError, match="out of stock"),
        ):
            client.post("/orders/fail")
        assert outcomes.events == ["rollback OrderFailedError"]

    def test_an_http_exception_is_a_response_and_commits(self, outcomes):
        """An HTTPException answered by FastAPI's handler does not reach the scope."""
        with TestClient(outcome_app(outcomes)) as client:
            assert client.post("/orders/conflict").status_code == 409
        assert outcomes.events == ["commit"]


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


class TestFastAPIRequestOutcomeUnderUvicorn:
    """Over real sockets: uvicorn on 127.0.0.1, a few requests, a bounded time."""

    @pytest.mark.parametrize(
        ("handled", "event"),
        [
            (OrderFailedError, "commit"),
            (Exception, "rollback OrderFailedError"),
            (500, "rollback OrderFailedError"),
        ],
    )
    def test_an_exception_handler_commits_unless_it_is_for_exception_or_500(
        self, outcomes, handled, event
    ):
        """Handlers for Exception / 500 run outside the scope (guide: fastapi.md)."""
        app = outcome_app(outcomes)
        app.add_exception_handler(
            handled, lambda request, error: JSONResponse({}, status_code=503)
        )
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.post("/orders/fail").status_code == 503
        assert outcomes.events == [event]

    async def test_rollback_and_commit_under_a_real_server(self, outcomes):
        """Under uvicorn a raising endpoint rolls back and a good one commits."""
        uvicorn = pytest.importorskip("uvicorn")
        httpx2 = pytest.importorskip("httpx2")
        started = threading.Event()

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            started.set()
            yield

        app = outcome_app(outcomes, lifespan=lifespan)
        sock = _listening_socket()
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app, lifespan="on", log_level="critical", timeout_graceful_shutdown=5
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        thread.start()
        try:
            assert await asyncio.to_thread(started.wait, 10), "uvicorn did not start"
            async with httpx2.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", timeout=10
            ) as client:
                statuses = [
                    (await asyncio.wait_for(client.post(path), 10)).status_code
                    for path in ("/orders", "/orders/fail", "/async/orders/fail")
                ]
        finally:
            server.should_exit = True
            await asyncio.to_thread(thread.join, 15)
            sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"
        assert statuses == [200, 500, 500]
        assert outcomes.events == [
            "commit",
            "rollback OrderFailedError",
            "async rollback OrderFailedError",
        ]
