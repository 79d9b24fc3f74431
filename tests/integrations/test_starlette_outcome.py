"""Starlette: a handler's exception reaches the request scope's generator factories."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.integrations.outcome_fakes import (
    AsyncDbSession,
    DbSession,
    OrderFailedError,
    Outcomes,
    session_services,
)
from wiredi.integrations.asgi import WiredMiddleware, request_scope


async def create(request: Request) -> PlainTextResponse:
    await request_scope(request).get_service_async(AsyncDbSession)
    request_scope(request).get_service(DbSession)
    return PlainTextResponse("created")


async def fail(request: Request) -> PlainTextResponse:
    await request_scope(request).get_service_async(AsyncDbSession)
    request_scope(request).get_service(DbSession)
    raise OrderFailedError("out of stock")


async def conflict(request: Request) -> PlainTextResponse:
    request_scope(request).get_service(DbSession)
    raise HTTPException(status_code=409, detail="exists")


def outcome_app(outcomes: Outcomes) -> Starlette:
    provider = session_services(outcomes).build_service_provider()
    return Starlette(
        routes=[
            Route("/orders", create, methods=["POST"]),
            Route("/orders/fail", fail, methods=["POST"]),
            Route("/orders/conflict", conflict, methods=["POST"]),
        ],
        middleware=[Middleware(WiredMiddleware, provider=provider)],
    )


@pytest.fixture(name="outcomes")
def _outcomes() -> Outcomes:
    return Outcomes()


class TestStarletteRequestOutcome:
    """Through TestClient: rollback on a raising handler, commit on success."""

    def test_a_raising_handler_rolls_back_every_session(self, outcomes):
        """Both generator factories get the handler's error, newest first."""
        app = outcome_app(outcomes)
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.post("/orders/fail").status_code == 500
        assert outcomes.events == [
            "rollback OrderFailedError",
            "async rollback OrderFailedError",
        ]

    def test_a_successful_handler_commits_every_session(self, outcomes):
        """A handler that returns lets both factories commit."""
        with TestClient(outcome_app(outcomes)) as client:
            assert client.post("/orders").text == "created"
        assert outcomes.events == ["commit", "async commit"]

    def test_the_handlers_exception_propagates_unchanged(self, outcomes):
        """The exception the server sees is the handler's own."""
        with (
            TestClient(outcome_app(outcomes)) as client,
            pytest.raises(OrderFailedError, match="out of stock"),
        ):
            client.post("/orders/fail")

    def test_an_http_exception_is_a_response_and_commits(self, outcomes):
        """An HTTPException answered by Starlette's handler does not reach the scope."""
        with TestClient(outcome_app(outcomes)) as client:
            assert client.post("/orders/conflict").status_code == 409
        assert outcomes.events == ["commit"]
