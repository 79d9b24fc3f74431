"""``WiredMiddleware`` and ``request_scope`` with Starlette and with a bare ASGI app."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("starlette")

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from tests.integrations.fakes import (
    TENANT_HEADER,
    AsyncResource,
    Pool,
    RequestService,
    TenantService,
    tenant_from_header,
)
from wiredi import (
    Scope,
    ScopeError,
    ServiceCollection,
    ServiceNotFoundError,
    ServiceProvider,
)
from wiredi.integrations.asgi import WiredMiddleware, request_scope


async def numbers(request: Request) -> JSONResponse:
    scope = request_scope(request)
    service = await scope.get_service_async(RequestService)
    again = scope.get_service(RequestService)
    return JSONResponse({"number": service.number, "same": service is again})


async def failing(request: Request) -> PlainTextResponse:
    service = request_scope(request).get_service(RequestService)
    msg = f"boom {service.number}"
    raise RuntimeError(msg)


async def async_resource(request: Request) -> JSONResponse:
    resource = await request_scope(request).get_service_async(AsyncResource)
    request.app.state.resources.append(resource)
    return JSONResponse(resource.closed)


async def tenant(request: Request) -> JSONResponse:
    found = request_scope(request).get_service(TenantService)
    return JSONResponse({"tenant": found.tenant, "number": found.number})


async def state(request: Request) -> JSONResponse:
    return JSONResponse(request.state.wiredi_scope is request_scope(request))


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    service = request_scope(websocket).get_service(RequestService)
    async for text in websocket.iter_text():
        await websocket.send_json({"text": text, "number": service.number})


def starlette_app(provider: ServiceProvider, **options: Any) -> Starlette:
    app = Starlette(
        routes=[
            Route("/", numbers),
            Route("/fail", failing),
            Route("/async-resource", async_resource),
            Route("/tenant", tenant),
            Route("/state", state),
            WebSocketRoute("/ws", echo),
        ],
        middleware=[Middleware(WiredMiddleware, provider=provider, **options)],
    )
    app.state.resources = []
    return app


@pytest.fixture(name="app")
def _app(provider: ServiceProvider) -> Starlette:
    return starlette_app(provider, scope=tenant_from_header)


@pytest.fixture(name="client")
def _client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


class TestStarletteRequestScope:
    """Each request or WebSocket connection has its own scope, found by request_scope."""

    def test_each_request_gets_its_own_scoped_instance(self, client):
        """Two requests get two scoped services; one request gets one."""
        first, second = client.get("/").json(), client.get("/").json()
        assert first["number"] != second["number"]
        assert first["same"] is second["same"] is True

    def test_the_scope_is_also_in_request_state(self, client):
        """request.state.wiredi_scope is the scope request_scope returns."""
        assert client.get("/state").json() is True

    def test_a_websocket_connection_keeps_one_scope(self, client, ledger):
        """All messages of a connection share its scope; it closes with the connection."""
        with client.websocket_connect("/ws") as ws:
            ws.send_text("a")
            ws.send_text("b")
            replies = [ws.receive_json(), ws.receive_json()]
        assert replies == [{"text": "a", "number": 1}, {"text": "b", "number": 1}]
        assert ledger.still_open() == []

    def test_the_tenant_header_selects_the_custom_scope(self, client):
        """The selector's (name, id) is entered for the request."""
        acme = client.get("/tenant", headers={TENANT_HEADER: "ACME"}).json()
        again = client.get("/tenant", headers={TENANT_HEADER: "ACME"}).json()
        globex = client.get("/tenant", headers={TENANT_HEADER: "Globex"}).json()
        assert acme == again == {"tenant": "ACME", "number": acme["number"]}
        assert globex["tenant"] == "Globex"
        assert globex["number"] != acme["number"]


class TestStarletteDisposal:
    """The scope closes after the response, also on errors; the provider at shutdown."""

    def test_every_scoped_service_is_closed_after_its_response(self, client, ledger):
        """Nothing stays open once the response is back."""
        for _ in range(3):
            client.get("/")
        assert ledger.created == [1, 2, 3]
        assert ledger.still_open() == []

    def test_an_error_in_the_endpoint_still_closes_the_scope(self, app, ledger):
        """A 500 (or the error itself, raised by the test client) still disposes."""
        response = TestClient(app, raise_server_exceptions=False).get("/fail")
        assert response.status_code == 500
        with pytest.raises(RuntimeError, match="boom 2"):
            TestClient(app).get("/fail")
        assert ledger.created == [1, 2]
        assert ledger.still_open() == []

    def test_the_scope_is_closed_with_aclose(self, client, app):
        """Objects that only have aclose() are closed: disposal is async."""
        assert client.get("/async-resource").json() is False
        assert [r.closed for r in app.state.resources] == [True]

    def test_the_provider_is_closed_at_lifespan_shutdown(self, app, provider):
        """Leaving the TestClient block runs the shutdown, which closes the provider."""
        with TestClient(app):
            pool = provider.get_service(Pool)
        assert pool.closed is True


class TestRequestScopeErrors:
    """request_scope explains what is missing."""

    def test_without_the_middleware_request_scope_raises_scope_error(self):
        """A request that no WiredMiddleware handled has no scope, and the hint says so."""
        app = Starlette(routes=[Route("/", numbers)])
        with TestClient(app) as client, pytest.raises(ScopeError) as caught:
            client.get("/")
        assert caught.value.message == (
            "this request has no wiredi scope: no WiredMiddleware handled it"
        )
        assert caught.value.hint is not None
        assert "WiredMiddleware" in caught.value.hint

    @pytest.mark.parametrize("given", [{}, {"state": {}}, {"state": {"x": 1}}])
    def test_a_raw_asgi_scope_without_a_wiredi_scope_raises(self, given):
        """request_scope also takes the ASGI scope mapping itself."""
        with pytest.raises(ScopeError, match="no WiredMiddleware"):
            request_scope(given)

    @pytest.mark.parametrize("chosen", ["ACME", ("tenant",), ("tenant", 1)])
    def test_a_bad_selector_result_raises_scope_error(self, provider, chosen):
        """The selector must return (name, scope_id) or None."""
        app = starlette_app(provider, scope=lambda connection: chosen)
        with pytest.raises(ScopeError, match="expected \\(name, scope_id\\) or None"):
            TestClient(app).get("/")

    def test_a_selector_needs_starlette(self, provider, monkeypatch):
        """Without Starlette, scope= fails at once with an ImportError that says so."""
        monkeypatch.setitem(sys.modules, "starlette.requests", None)
        with pytest.raises(ImportError, match="pip install starlette"):
            WiredMiddleware(bare_app, provider, scope=tenant_from_header)


# ----------------------------------------------------------- context values


class CurrentUser:
    """Built per request from the connection's Authorization header."""

    def __init__(self, name: str) -> None:
        self.name = name


def user_from(connection: HTTPConnection) -> CurrentUser:
    return CurrentUser(connection.headers.get("Authorization", "anonymous"))


async def whoami(request: Request) -> JSONResponse:
    scope = request_scope(request)
    given = scope.get_service(Request)
    return JSONResponse(
        {
            "user": scope.get_service(CurrentUser).name,
            "same_connection": given.scope is request.scope,
            "connection_is_the_request": scope.get_service(HTTPConnection) is given,
        }
    )


async def who_on_ws(websocket: WebSocket) -> None:
    await websocket.accept()
    scope = request_scope(websocket)
    user = scope.get_service(CurrentUser)
    given = scope.get_service(WebSocket)
    await websocket.send_json(
        {"user": user.name, "same_connection": given.scope is websocket.scope}
    )
    await websocket.close()


async def request_on_ws(websocket: WebSocket) -> None:
    request_scope(websocket).get_service(Request)  # raises: a WebSocket is no Request


def context_app(*declared: type) -> Starlette:
    services = ServiceCollection().add_scoped_factory(CurrentUser, user_from)
    for declared_type in declared:
        services.add_context(declared_type)
    provider = services.build_service_provider()
    return Starlette(
        routes=[
            Route("/", whoami),
            WebSocketRoute("/ws", who_on_ws),
            WebSocketRoute("/ws-request", request_on_ws),
        ],
        middleware=[Middleware(WiredMiddleware, provider=provider)],
    )


class TestContextValues:
    """The middleware gives the scope the connection as each declared Starlette type."""

    def test_a_declared_request_and_connection_are_the_request_being_handled(self):
        """Request and HTTPConnection resolve to one Request over this request."""
        app = context_app(Request, HTTPConnection)
        with TestClient(app) as client:
            reply = client.get("/", headers={"Authorization": "ada"}).json()
            other = client.get("/", headers={"Authorization": "bob"}).json()
        assert reply == {
            "user": "ada",
            "same_connection": True,
            "connection_is_the_request": True,
        }
        assert other["user"] == "bob"

    def test_a_websocket_connection_is_given_as_websocket_and_connection(self):
        """A WebSocket scope is given the WebSocket (and HTTPConnection)."""
        app = context_app(WebSocket, HTTPConnection)
        with TestClient(app) as client:
            with client.websocket_connect(
                "/ws", headers={"Authorization": "eve"}
            ) as ws:
                reply = ws.receive_json()
        assert reply == {"user": "eve", "same_connection": True}

    def test_a_websocket_connection_is_not_a_request(self):
        """A WebSocket's scope has no Request to give: resolving it says so."""
        app = context_app(Request, HTTPConnection)
        with (
            TestClient(app) as client,
            pytest.raises(ScopeError, match="Request is a context value"),
            client.websocket_connect("/ws-request"),
        ):
            pass  # pragma: no cover - the endpoint raises before accepting

    async def test_undeclared_types_are_not_given(self, provider):
        """Without add_context, the scope gets no context: nothing is imposed."""
        recorder = Recorder()
        seen: list[Any] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            with pytest.raises(ServiceNotFoundError):
                request_scope(scope).get_service(Request)
            seen.append(scope)

        await WiredMiddleware(app, provider)(
            {"type": "http"}, recorder.receive, recorder.send
        )
        assert len(seen) == 1


class TestSelectorErrors:
    """A selector that raises fails the request with a 500, logged, never hung."""

    def test_the_failure_is_a_500_and_logged_on_the_wiredi_logger(
        self, provider, ledger, caplog
    ):
        """The framework answers 500; wiredi logs which selector raised for which request."""

        def selector(connection: HTTPConnection) -> tuple[str, str]:
            return ("tenant", connection.headers[TENANT_HEADER])

        app = starlette_app(provider, scope=selector)
        with caplog.at_level("ERROR", logger="wiredi"):
            response = TestClient(app, raise_server_exceptions=False).get("/")
        assert response.status_code == 500
        (record,) = [r for r in caplog.records if r.name == "wiredi"]
        assert record.levelname == "ERROR"
        assert record.getMessage() == (
            "the scope selector selector of WiredMiddleware raised "
            "KeyError('X-Tenant-Id') for GET /; the request fails with a 500"
        )
        assert ledger.created == []  # no scope was opened


# ----------------------------------------------------------- bare ASGI app


class Recorder:
    """Receives and sends ASGI messages for a bare app, recording what was sent."""

    def __init__(self, *incoming: dict[str, Any]) -> None:
        self.incoming = list(incoming)
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return self.incoming.pop(0)

    async def send(self, message: Any) -> None:
        self.sent.append(dict(message))


async def bare_app(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app with no framework: answers HTTP with its service's number."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    service = request_scope(scope).get_service(RequestService)
    body = str(service.number).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


class Client:
    """Closes when the provider closes; optionally fails doing so."""

    def __init__(self, log: list[str], *, fail: bool = False) -> None:
        self.log = log
        self.fail = fail

    async def aclose(self) -> None:
        self.log.append("client closed")
        if self.fail:
            msg = "cannot close"
            raise OSError(msg)


def provider_with_client(log: list[str], *, fail: bool = False) -> ServiceProvider:
    services = ServiceCollection()
    services.add_singleton_factory(Client, lambda: Client(log, fail=fail))
    return services.build_service_provider()


class TestBareASGI:
    """WiredMiddleware needs no framework."""

    async def test_http_requests_get_a_scope_without_any_framework(
        self, provider, ledger
    ):
        """A bare ASGI app finds its scope in the ASGI scope's state."""
        middleware = WiredMiddleware(bare_app, provider)
        for expected in (b"1", b"2"):
            recorder = Recorder({"type": "http.request", "body": b""})
            await middleware({"type": "http"}, recorder.receive, recorder.send)
            assert recorder.sent[-1]["body"] == expected
        assert ledger.still_open() == []

    async def test_an_existing_state_mapping_is_kept(self, provider):
        """The scope is added to the server's state copy, not put in place of it."""
        seen: dict[str, Any] = {}

        async def app(scope: Any, receive: Any, send: Any) -> None:
            seen.update(scope["state"])

        recorder = Recorder()
        scope = {"type": "http", "state": {"db": "from lifespan"}}
        await WiredMiddleware(app, provider)(scope, recorder.receive, recorder.send)
        assert seen["db"] == "from lifespan"
        assert isinstance(seen["wiredi_scope"], Scope)

    async def test_other_scope_types_pass_through(self, provider):
        """Scope types other than http, websocket and lifespan get no wiredi scope."""
        seen: list[Any] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope)

        recorder = Recorder()
        await WiredMiddleware(app, provider)(
            {"type": "custom"}, recorder.receive, recorder.send
        )
        assert seen == [{"type": "custom"}]

    async def test_shutdown_closes_the_provider_before_reporting_it(self):
        """The provider is closed before lifespan.shutdown.complete reaches the server."""
        log: list[str] = []
        provider = provider_with_client(log)
        provider.get_service(Client)
        recorder = Recorder({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})

        async def send(message: Any) -> None:
            log.append(message["type"])

        await WiredMiddleware(bare_app, provider)(
            {"type": "lifespan"}, recorder.receive, send
        )
        assert log == [
            "lifespan.startup.complete",
            "client closed",
            "lifespan.shutdown.complete",
        ]

    async def test_close_provider_false_leaves_the_provider_open(self):
        """With close_provider=False the lifespan passes through untouched."""
        log: list[str] = []
        provider = provider_with_client(log)
        client = provider.get_service(Client)
        recorder = Recorder({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
        await WiredMiddleware(bare_app, provider, close_provider=False)(
            {"type": "lifespan"}, recorder.receive, recorder.send
        )
        assert log == []
        assert provider.get_service(Client) is client
        await provider.aclose()

    async def test_a_failing_close_is_reported_as_shutdown_failed(self):
        """If disposing raises, the server gets shutdown.failed and the error propagates."""
        provider = provider_with_client([], fail=True)
        provider.get_service(Client)
        recorder = Recorder({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
        with pytest.raises(OSError, match="cannot close"):
            await WiredMiddleware(bare_app, provider)(
                {"type": "lifespan"}, recorder.receive, recorder.send
            )
        assert [m["type"] for m in recorder.sent] == [
            "lifespan.startup.complete",
            "lifespan.shutdown.failed",
        ]
        assert "OSError: cannot close" in recorder.sent[-1]["message"]

    async def test_a_failed_app_shutdown_still_closes_the_provider(self):
        """When the app reports shutdown.failed, the provider is closed all the same."""
        log: list[str] = []
        provider = provider_with_client(log)
        provider.get_service(Client)

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.failed", "message": "app broke"})

        recorder = Recorder({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
        await WiredMiddleware(app, provider)(
            {"type": "lifespan"}, recorder.receive, recorder.send
        )
        assert log == ["client closed"]
        assert recorder.sent[-1] == {
            "type": "lifespan.shutdown.failed",
            "message": "app broke",
        }

    async def test_an_error_in_the_app_still_closes_the_scope(self, provider, ledger):
        """The scope is closed when the app raises, and the error propagates."""

        async def app(scope: Any, receive: Any, send: Any) -> None:
            request_scope(scope).get_service(RequestService)
            msg = "app failed"
            raise LookupError(msg)

        recorder = Recorder()
        with pytest.raises(LookupError, match="app failed"):
            await WiredMiddleware(app, provider)(
                {"type": "http"}, recorder.receive, recorder.send
            )
        assert ledger.created == [1]
        assert ledger.still_open() == []

    def test_repr_names_the_app_and_the_selector(self, provider):
        """The repr says what is wrapped and whether a selector is set."""
        assert repr(WiredMiddleware(bare_app, provider)).startswith(
            "<wiredi.integrations.asgi.WiredMiddleware(<function bare_app"
        )
        assert "scope=<function tenant_from_header" in repr(
            WiredMiddleware(bare_app, provider, scope=tenant_from_header)
        )
