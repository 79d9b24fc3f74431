"""FastAPI: ``setup`` gives each request a scope and ``Inject[T]`` resolves from it."""

# No ``from __future__ import annotations`` here: the endpoints are defined
# inside fixtures and tests, and FastAPI evaluates string hints in the module
# globals only. (The example app covers string hints.)

import asyncio
import functools
import socket
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest

pytest.importorskip("fastapi")

from fastapi import (
    BackgroundTasks,
    Depends,
    FastAPI,
    HTTPException,
    Request,
    WebSocket,
)
from fastapi.requests import HTTPConnection
from fastapi.testclient import TestClient

from tests.integrations.fakes import (
    TENANT_HEADER,
    AsyncClient,
    AsyncResource,
    ContextVarScopes,
    Helper,
    Ledger,
    Named,
    Pool,
    RequestService,
    TenantService,
    Token,
    build_services,
    make_token,
    tenant_from_header,
)
from tests.integrations.servers import uvicorn_server
from wiredi import (
    FromComponent,
    RegistrationError,
    ScopeError,
    ServiceCollection,
    ServiceProvider,
)
from wiredi.integrations.fastapi import Inject, request_scope, setup


def numbers_app(provider: ServiceProvider, **options: Any) -> FastAPI:
    """An app whose endpoints report the numbers of the services they got."""
    app = FastAPI()
    setup(app, provider, **options)

    @app.get("/async")
    async def async_endpoint(
        one: Inject[RequestService],
        two: Inject[RequestService],
        helper: Inject[Helper],
    ) -> dict[str, Any]:
        return {"number": one.number, "same": one is two is helper.service}

    @app.get("/sync")
    def sync_endpoint(
        one: Inject[RequestService], helper: Inject[Helper]
    ) -> dict[str, Any]:
        return {"number": one.number, "same": one is helper.service}

    return app


@pytest.fixture(name="client")
def _client(provider: ServiceProvider) -> Iterator[TestClient]:
    with TestClient(numbers_app(provider)) as client:
        yield client


class TestRequestScope:
    """Each request resolves from its own scope."""

    @pytest.mark.parametrize("path", ["/async", "/sync"])
    def test_each_request_gets_its_own_scoped_instance(self, client, path):
        """Two requests to the same endpoint get two different scoped services."""
        first = client.get(path).json()
        second = client.get(path).json()
        assert first["number"] != second["number"]

    @pytest.mark.parametrize("path", ["/async", "/sync"])
    def test_one_request_shares_its_scoped_instance(self, client, path):
        """Every Inject of a scoped service in one request is the same object."""
        assert client.get(path).json()["same"] is True

    def test_transient_parameters_are_separate_objects(self, provider):
        """FastAPI's dependency cache does not merge two transient parameters."""
        app = FastAPI()
        setup(app, provider)

        @app.get("/")
        def endpoint(one: Inject[Helper], two: Inject[Helper]) -> list[bool]:
            return [one is two, one.service is two.service]

        with TestClient(app) as client:
            assert client.get("/").json() == [False, True]

    def test_async_generator_factories_work_in_sync_endpoints(self, provider):
        """Inject awaits async factories, so a sync endpoint can use their product."""
        app = FastAPI()
        setup(app, provider)
        seen: list[AsyncClient] = []

        @app.get("/")
        def endpoint(client: Inject[AsyncClient]) -> bool:
            seen.append(client)
            return client.open

        with TestClient(app) as client:
            assert client.get("/").json() is True
        assert seen[0].open is False

    def test_from_component_selects_the_component(self, provider):
        """Inject[Annotated[T, FromComponent(c)]] resolves T from component c."""
        app = FastAPI()
        setup(app, provider)

        @app.get("/")
        def endpoint(
            default: Inject[Named],
            audit: Inject[Annotated[Named, FromComponent("audit")]],
        ) -> list[str]:
            return [default.name, audit.name]

        with TestClient(app) as client:
            assert client.get("/").json() == ["default", "audit"]

    def test_request_scope_returns_the_scope_inject_resolves_from(self, provider):
        """request_scope(request) is the scope behind the Inject parameters."""
        app = FastAPI()
        setup(app, provider)

        @app.get("/")
        async def endpoint(request: Request, service: Inject[RequestService]) -> bool:
            return request_scope(request).get_service(RequestService) is service

        with TestClient(app) as client:
            assert client.get("/").json() is True


class TestDisposal:
    """The request's scope is closed after the response, whatever happened."""

    def test_every_scoped_service_is_closed_after_its_response(self, client, ledger):
        """After each response, nothing the request created is left open."""
        for path in ["/async", "/sync", "/async"]:
            number = client.get(path).json()["number"]
            assert number in ledger.closed
        assert ledger.still_open() == []
        assert len(ledger.created) == 3

    def test_async_only_disposables_are_closed_with_aclose(self, provider):
        """The scope is closed asynchronously, so aclose()-only objects are closed."""
        app = FastAPI()
        setup(app, provider)
        seen: list[AsyncResource] = []

        @app.get("/")
        async def endpoint(resource: Inject[AsyncResource]) -> bool:
            seen.append(resource)
            return resource.closed

        with TestClient(app) as client:
            assert client.get("/").json() is False
            assert seen[0].closed is True

    def test_an_error_in_the_endpoint_still_closes_the_scope(self, provider, ledger):
        """An unhandled exception gives a 500 and the scope is still closed."""
        app = FastAPI()
        setup(app, provider)

        @app.get("/")
        def endpoint(service: Inject[RequestService]) -> None:
            msg = f"boom {service.number}"
            raise RuntimeError(msg)

        # Without ``with``: no lifespan, so the provider stays open for both.
        assert (
            TestClient(app, raise_server_exceptions=False).get("/").status_code == 500
        )
        with pytest.raises(RuntimeError, match="boom 2"):
            TestClient(app).get("/")
        assert ledger.created == [1, 2]
        assert ledger.still_open() == []

    def test_an_http_exception_still_closes_the_scope(self, provider, ledger):
        """A handled HTTPException (404) also closes the scope."""
        app = FastAPI()
        setup(app, provider)

        @app.get("/")
        async def endpoint(service: Inject[RequestService]) -> None:
            raise HTTPException(status_code=404, detail=str(service.number))

        with TestClient(app) as client:
            response = client.get("/")
        assert (response.status_code, response.json()) == (404, {"detail": "1"})
        assert ledger.closed == [1]

    def test_background_tasks_run_before_the_scope_closes(self, provider):
        """A background task can still use the request's services."""
        app = FastAPI()
        setup(app, provider)
        closed_during_task: list[bool] = []

        def task(service: RequestService) -> None:
            closed_during_task.append(service.closed)

        @app.post("/")
        async def endpoint(
            tasks: BackgroundTasks, service: Inject[RequestService]
        ) -> None:
            tasks.add_task(task, service)

        with TestClient(app) as client:
            assert client.post("/").status_code == 200
        assert closed_during_task == [False]

    def test_yield_dependencies_finish_while_the_scope_is_open(self, provider):
        """Code after yield in a FastAPI dependency still sees open services."""
        app = FastAPI()
        setup(app, provider)
        after_yield: list[bool] = []

        def unit_of_work(service: Inject[RequestService]) -> Iterator[int]:
            yield service.number
            after_yield.append(service.closed)

        @app.get("/")
        def endpoint(number: Annotated[int, Depends(unit_of_work)]) -> int:
            return number

        with TestClient(app) as client:
            assert client.get("/").json() == 1
        assert after_yield == [False]

    def test_the_provider_is_closed_at_shutdown(self, provider):
        """Leaving the lifespan (TestClient's with block) closes the singletons."""
        with TestClient(numbers_app(provider)) as client:
            client.get("/sync")
            pool = provider.get_service(Pool)
            assert pool.closed is False
        assert pool.closed is True

    def test_close_provider_false_keeps_the_provider_open(self, provider):
        """setup(..., close_provider=False) leaves the provider to its owner."""
        with TestClient(numbers_app(provider, close_provider=False)):
            pool = provider.get_service(Pool)
        assert pool.closed is False
        assert provider.get_service(Pool) is pool


class TestDepends:
    """Inject mixes with FastAPI's own dependencies."""

    def test_inject_in_a_depends_function_shares_the_request_scope(self, provider):
        """A Depends function's Inject parameter gets the endpoint's scoped object."""
        app = FastAPI()
        setup(app, provider)

        def number_of(service: Inject[RequestService]) -> int:
            return service.number

        async def doubled(number: Annotated[int, Depends(number_of)]) -> int:
            return number * 2

        @app.get("/{offset}")
        async def endpoint(
            offset: int,
            number: Annotated[int, Depends(number_of)],
            twice: Annotated[int, Depends(doubled)],
            service: Inject[RequestService],
        ) -> list[int]:
            return [offset, number, twice, service.number]

        with TestClient(app) as client:
            assert client.get("/7").json() == [7, 1, 2, 1]
            assert client.get("/8").json() == [8, 2, 4, 2]

    def test_inject_parameters_do_not_appear_in_the_openapi_schema(self, provider):
        """Injected services are not request parameters of the API."""
        app = numbers_app(provider)
        operation = app.openapi()["paths"]["/async"]["get"]
        assert "parameters" not in operation
        assert "requestBody" not in operation


class TestWebSocket:
    """A WebSocket connection is one scope, from accept to close."""

    @pytest.fixture(name="ws_app")
    def _ws_app(self, provider: ServiceProvider) -> FastAPI:
        app = FastAPI()
        setup(app, provider)

        @app.websocket("/ws")
        async def endpoint(websocket: WebSocket, one: Inject[RequestService]) -> None:
            await websocket.accept()
            async for text in websocket.iter_text():
                again = await request_scope(websocket).get_service_async(RequestService)
                await websocket.send_json(
                    {"text": text, "number": one.number, "same": again is one}
                )

        return app

    def test_one_scope_per_connection_closed_when_it_ends(self, ws_app, ledger):
        """Messages of one connection share a scope; the next connection gets a new one."""
        with TestClient(ws_app) as client:
            with client.websocket_connect("/ws") as ws:
                ws.send_text("a")
                first = ws.receive_json()
                ws.send_text("b")
                second = ws.receive_json()
                assert ledger.still_open() == [1]
            with client.websocket_connect("/ws") as ws:
                ws.send_text("c")
                third = ws.receive_json()
        assert first == {"text": "a", "number": 1, "same": True}
        assert second == {"text": "b", "number": 1, "same": True}
        assert third["number"] == 2
        assert ledger.still_open() == []


class TestTenantScope:
    """The scope selector enters a custom scope per request."""

    @pytest.fixture(name="tenant_client")
    def _tenant_client(self, provider: ServiceProvider) -> Iterator[TestClient]:
        app = FastAPI()
        setup(app, provider, scope=tenant_from_header)

        @app.get("/")
        def endpoint(
            tenant: Inject[TenantService], service: Inject[RequestService]
        ) -> dict[str, Any]:
            return {"tenant": tenant.tenant, "tenant_number": tenant.number}

        with TestClient(app) as client:
            yield client

    def test_a_tenant_service_is_shared_by_that_tenants_requests(self, tenant_client):
        """Requests with the same tenant header get the same tenant service."""
        acme = [tenant_client.get("/", headers={TENANT_HEADER: "ACME"}).json()]
        globex = tenant_client.get("/", headers={TENANT_HEADER: "Globex"}).json()
        acme.append(tenant_client.get("/", headers={TENANT_HEADER: "ACME"}).json())
        assert acme[0] == acme[1]
        assert acme[0]["tenant"] == "ACME"
        assert globex["tenant"] == "Globex"
        assert globex["tenant_number"] != acme[0]["tenant_number"]

    def test_request_services_stay_per_request_inside_a_tenant(
        self, tenant_client, ledger
    ):
        """Inside the tenant scope, scoped services are still per request."""
        for _ in range(3):
            tenant_client.get("/", headers={TENANT_HEADER: "ACME"})
        # 1 tenant service, 3 request services; only the latter are closed.
        assert len(ledger.created) == 4
        assert len(ledger.closed) == 3

    def test_the_tenant_scope_is_left_after_the_request(self, provider, scopes):
        """After the response, the selector's custom scope is no longer active."""
        app = FastAPI()
        setup(app, provider, scope=tenant_from_header)

        @app.get("/")
        def endpoint() -> str | None:
            return scopes.current_id()

        with TestClient(app) as client:
            assert client.get("/", headers={TENANT_HEADER: "ACME"}).json() == "ACME"
            assert client.get("/").json() is None
        assert scopes.current_id() is None

    def test_without_a_tenant_a_tenant_service_raises_scope_error(self, tenant_client):
        """When the selector returns None, resolving a tenant service says why not."""
        with pytest.raises(ScopeError, match="tenant"):
            tenant_client.get("/")

    def test_an_async_selector_is_awaited(self, provider):
        """The selector may be async (e.g. to look the tenant up)."""
        app = FastAPI()

        async def selector(connection: Any) -> tuple[str, str]:
            await asyncio.sleep(0)
            return ("tenant", connection.query_params["tenant"])

        setup(app, provider, scope=selector)

        @app.get("/")
        def endpoint(tenant: Inject[TenantService]) -> str:
            return tenant.tenant

        with TestClient(app) as client:
            assert client.get("/?tenant=Contoso").json() == "Contoso"


class TestMisuse:
    """Mistakes are reported with what to change."""

    def test_inject_without_setup_raises_scope_error_naming_the_fix(self, provider):
        """An app without setup() fails with a ScopeError whose hint says setup()."""
        app = FastAPI()

        @app.get("/")
        def endpoint(service: Inject[RequestService]) -> None:
            pass

        with TestClient(app) as client, pytest.raises(ScopeError) as caught:
            client.get("/")
        assert caught.value.hint is not None
        assert "setup(app, provider)" in caught.value.hint

    def test_a_second_setup_is_refused(self, provider):
        """A second middleware would open a second scope; the first would win."""
        app = FastAPI()
        setup(app, provider)
        with pytest.raises(RegistrationError, match="already called"):
            setup(app, provider)
        assert len(app.user_middleware) == 1

    def test_a_bad_selector_result_raises_scope_error(self, provider):
        """A selector returning something other than (name, id) or None is refused."""
        app = FastAPI()
        setup(app, provider, scope=lambda request: "ACME")

        @app.get("/")
        def endpoint() -> None:
            pass

        with TestClient(app) as client, pytest.raises(ScopeError, match="'ACME'"):
            client.get("/")


# ------------------------------------------------------------ context values


class CurrentUser:
    """Built per request from the Authorization header of the connection."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.on_loop = on_event_loop()


def user_from(connection: HTTPConnection) -> CurrentUser:
    return CurrentUser(connection.headers.get("Authorization", "anonymous"))


class TestContextValues:
    """setup() gives each request scope the Request, HTTPConnection or WebSocket declared."""

    @pytest.fixture(name="user_app")
    def _user_app(self) -> Iterator[FastAPI]:
        services = ServiceCollection().add_scoped_factory(CurrentUser, user_from)
        services.add_context(Request).add_context(HTTPConnection)
        services.add_context(WebSocket)
        with services.build_service_provider() as provider:
            app = FastAPI()
            setup(app, provider, close_provider=False)
            yield app

    def test_a_def_endpoint_gets_the_user_of_its_request(self, user_app):
        """CurrentUser is built from the request's header, in the thread pool."""

        @user_app.get("/")
        def endpoint(user: Inject[CurrentUser]) -> list[Any]:
            return [user.name, user.on_loop]

        with TestClient(user_app) as client:
            assert client.get("/", headers={"Authorization": "ada"}).json() == [
                "ada",
                False,
            ]
            assert client.get("/").json() == ["anonymous", False]

    def test_inject_request_is_the_request_being_handled(self, user_app):
        """Inject[Request] is a Request over this very ASGI connection."""

        @user_app.get("/items/{item}")
        async def endpoint(
            request: Request, given: Inject[Request], user: Inject[CurrentUser]
        ) -> list[Any]:
            return [given.scope is request.scope, given.path_params, user.name]

        with TestClient(user_app) as client:
            reply = client.get("/items/7", headers={"Authorization": "bob"}).json()
        assert reply == [True, {"item": "7"}, "bob"]

    def test_a_websocket_endpoint_gets_its_connection(self, user_app):
        """A WebSocket scope is given the WebSocket and HTTPConnection."""

        @user_app.websocket("/ws")
        async def endpoint(
            websocket: WebSocket, given: Inject[WebSocket], user: Inject[CurrentUser]
        ) -> None:
            await websocket.accept()
            await websocket.send_json([given.scope is websocket.scope, user.name])
            await websocket.close()

        with (
            TestClient(user_app) as client,
            client.websocket_connect("/ws", headers={"Authorization": "eve"}) as ws,
        ):
            assert ws.receive_json() == [True, "eve"]

    def test_a_selector_that_raises_gives_a_logged_500(self, caplog):
        """The scope selector's exception fails the request with a 500, logged."""
        provider = ServiceCollection().add_scoped(Built).build_service_provider()
        app = FastAPI()

        def tenant_of(connection: HTTPConnection) -> tuple[str, str]:
            return ("tenant", connection.headers["X-Tenant-Id"])

        setup(app, provider, scope=tenant_of)

        @app.get("/")
        def endpoint(built: Inject[Built]) -> None:
            pass  # pragma: no cover - never reached

        with caplog.at_level("ERROR", logger="wiredi"):
            response = TestClient(app, raise_server_exceptions=False).get("/")
        assert response.status_code == 500
        assert [r.getMessage() for r in caplog.records if r.name == "wiredi"] == [
            (
                "the scope selector tenant_of of WiredMiddleware raised "
                "KeyError('X-Tenant-Id') for GET /; the request fails with a 500"
            )
        ]


# ----------------------------------------------------------- threading model


def on_event_loop() -> bool:
    """Whether the calling thread is running an asyncio event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Built:
    """Records whether it was built on the event loop's thread."""

    def __init__(self) -> None:
        self.on_loop = on_event_loop()
        self.thread = threading.get_ident()


class AlsoBuilt(Built):
    """A second type, for routes that need two."""


class ThirdBuilt(Built):
    """A third type, for routes that need three."""


class FromAsync:
    """Built on a Token, which only an async factory makes."""

    def __init__(self, token: Token) -> None:
        self.token = token
        self.on_loop = on_event_loop()


class Blocking:
    """A factory that blocks its thread for a while (a slow driver connect)."""

    SECONDS = 0.2

    def __init__(self) -> None:
        time.sleep(self.SECONDS)


class LoopToken:
    """Made by an async factory: records whether that ran on the loop."""

    def __init__(self) -> None:
        self.on_loop = on_event_loop()


async def make_loop_token() -> LoopToken:
    await asyncio.sleep(0)
    return LoopToken()


class SlowOnToken:
    """A blocking constructor over an async-made dependency."""

    SECONDS = 0.2

    def __init__(self, token: LoopToken) -> None:
        time.sleep(self.SECONDS)
        self.token = token
        self.on_loop = on_event_loop()


class SharedToken(LoopToken):
    """The singleton kind of LoopToken."""


async def make_shared_token() -> SharedToken:
    await asyncio.sleep(0)
    return SharedToken()


class SingletonOnToken:
    def __init__(self, token: SharedToken) -> None:
        self.token = token
        self.on_loop = on_event_loop()


class NamedFunc:
    """A keyword-only parameter named like the thread pool's own (func)."""

    def __init__(self, *, func: SlowOnToken) -> None:
        self.func = func
        self.on_loop = on_event_loop()


def threading_services() -> ServiceCollection:
    services = ServiceCollection().add_scoped(Built).add_scoped(AlsoBuilt)
    services.add_scoped(ThirdBuilt)
    services.add_scoped_factory(Token, make_token).add_scoped(FromAsync)
    return services.add_scoped(Blocking)


class TestThreadingModel:
    """Inject builds where FastAPI runs the function that declares it (SPEC 13.8)."""

    @pytest.fixture(name="threads_app")
    def _threads_app(self) -> Iterator[FastAPI]:
        with threading_services().build_service_provider() as provider:
            app = FastAPI()
            setup(app, provider, close_provider=False)
            yield app

    def test_a_def_endpoint_builds_its_services_in_the_thread_pool(self, threads_app):
        """A plain def endpoint's Inject parameters are built off the event loop."""

        @threads_app.get("/")
        def endpoint(built: Inject[Built]) -> dict[str, bool]:
            return {"on_loop": built.on_loop}

        with TestClient(threads_app) as client:
            assert client.get("/").json() == {"on_loop": False}

    def test_an_async_endpoint_builds_on_the_loop(self, threads_app):
        """An async def endpoint's Inject parameters are built on the event loop."""

        @threads_app.get("/")
        async def endpoint(built: Inject[Built]) -> dict[str, bool]:
            return {"on_loop": built.on_loop}

        with TestClient(threads_app) as client:
            assert client.get("/").json() == {"on_loop": True}

    def test_a_def_dependency_of_an_async_endpoint_builds_in_the_thread_pool(
        self, threads_app
    ):
        """What a sync Depends function injects is built off the loop, whatever the endpoint."""

        def from_sync(built: Inject[Built]) -> bool:
            return built.on_loop

        @threads_app.get("/")
        async def endpoint(
            sync_built_on_loop: Annotated[bool, Depends(from_sync)],
            other: Inject[AlsoBuilt],
        ) -> list[bool]:
            return [sync_built_on_loop, other.on_loop]

        with TestClient(threads_app) as client:
            assert client.get("/").json() == [False, True]

    def test_an_async_dependency_of_a_def_endpoint_builds_on_the_loop(
        self, threads_app
    ):
        """What an async Depends function injects is built on the loop."""

        async def from_async(built: Inject[Built]) -> bool:
            return built.on_loop

        @threads_app.get("/")
        def endpoint(
            async_built_on_loop: Annotated[bool, Depends(from_async)],
            other: Inject[AlsoBuilt],
        ) -> list[bool]:
            return [async_built_on_loop, other.on_loop]

        with TestClient(threads_app) as client:
            assert client.get("/").json() == [True, False]

    def test_class_partial_and_callable_object_dependencies_count_as_fastapi_runs_them(
        self, threads_app
    ):
        """A class or a partial of a def runs in the pool; an async __call__ on the loop."""

        class FromClass:
            def __init__(self, built: Inject[AlsoBuilt]) -> None:
                self.on_loop = built.on_loop

        def from_function(built: Inject[ThirdBuilt], flag: int) -> bool:
            return built.on_loop

        class AsyncCallable:
            async def __call__(self, built: Inject[Built]) -> bool:
                return built.on_loop

        @threads_app.get("/")
        async def endpoint(
            from_class: Annotated[FromClass, Depends()],
            from_partial: Annotated[
                bool, Depends(functools.partial(from_function, flag=1))
            ],
            from_callable: Annotated[bool, Depends(AsyncCallable())],
        ) -> list[bool]:
            return [from_class.on_loop, from_partial, from_callable]

        with TestClient(threads_app) as client:
            assert client.get("/").json() == [False, False, True]

    def test_a_type_taken_by_sync_and_async_code_of_one_route_builds_on_the_loop(
        self, threads_app
    ):
        """One Inject alias used by an async endpoint and its def dependency: the loop."""
        BuiltDep = Inject[Built]  # a type alias, as users write them

        def from_sync(built: BuiltDep) -> bool:
            return built.on_loop

        @threads_app.get("/")
        async def endpoint(
            built: BuiltDep, same: Annotated[bool, Depends(from_sync)]
        ) -> list[bool]:
            return [built.on_loop, same]

        with TestClient(threads_app) as client:
            assert client.get("/").json() == [True, True]

    def test_a_graph_with_an_async_factory_splits_between_loop_and_pool(
        self, threads_app
    ):
        """In a def endpoint: async factories on the loop, sync constructors in the pool."""

        @threads_app.get("/")
        def endpoint(service: Inject[FromAsync], built: Inject[Built]) -> list[Any]:
            return [service.token.value, service.on_loop, built.on_loop]

        with TestClient(threads_app) as client:
            assert client.get("/").json() == ["async-made", False, False]

    def test_a_sync_generator_factory_over_an_async_one_opens_in_the_pool(self):
        """The code before yield (connect) runs in the pool; a kw-only 'func' is fine."""
        seen: dict[str, bool] = {}

        def session(token: LoopToken) -> Iterator[SlowOnToken]:
            seen["opened_on_loop"] = on_event_loop()
            yield SlowOnToken.__new__(SlowOnToken)
            seen["closed_on_loop"] = on_event_loop()

        services = ServiceCollection().add_scoped_factory(LoopToken, make_loop_token)
        services.add_scoped_factory(SlowOnToken, session).add_scoped(NamedFunc)
        app = FastAPI()
        setup(app, services.build_service_provider())

        @app.get("/")
        def endpoint(named: Inject[NamedFunc]) -> bool:
            return named.on_loop

        with TestClient(app) as client:
            assert client.get("/").json() is False
        assert seen == {"opened_on_loop": False, "closed_on_loop": True}

    def test_an_async_endpoint_builds_an_async_graph_on_the_loop(self, threads_app):
        @threads_app.get("/")
        async def endpoint(service: Inject[FromAsync]) -> bool:
            return service.on_loop

        with TestClient(threads_app) as client:
            assert client.get("/").json() is True

    def test_async_factory_of_a_def_endpoint_runs_on_the_loop(self):
        """Each part where it belongs: LoopToken's async factory on the loop."""
        services = ServiceCollection().add_scoped_factory(LoopToken, make_loop_token)
        services.add_scoped(SlowOnToken).add_singleton(SingletonOnToken)
        services.add_singleton_factory(SharedToken, make_shared_token)
        app = FastAPI()
        setup(app, services.build_service_provider())

        @app.get("/")
        def endpoint(
            slow: Inject[SlowOnToken], single: Inject[SingletonOnToken]
        ) -> list[bool]:
            return [
                slow.token.on_loop,
                slow.on_loop,
                single.token.on_loop,
                single.on_loop,
            ]

        with TestClient(app) as client:
            assert client.get("/").json() == [True, False, True, False]
            assert client.get("/").json() == [True, False, True, False]

    def test_an_overriding_dependency_goes_by_the_endpoint(self, threads_app):
        """An Inject the route does not list (a dependency override) follows the endpoint."""

        def original() -> bool:
            return True

        def replacement(built: Inject[Built]) -> bool:
            return built.on_loop

        @threads_app.get("/sync")
        def sync_endpoint(on_loop: Annotated[bool, Depends(original)]) -> bool:
            return on_loop

        @threads_app.get("/async")
        async def async_endpoint(on_loop: Annotated[bool, Depends(original)]) -> bool:
            return on_loop

        threads_app.dependency_overrides[original] = replacement
        with TestClient(threads_app) as client:
            assert client.get("/sync").json() is False
            assert client.get("/async").json() is True

    def test_the_scope_closes_on_the_event_loop_thread(self, threads_app):
        """Built in a worker thread, used by the endpoint, disposed on the loop thread."""
        threads: dict[str, Any] = {}

        def session() -> Iterator[Built]:
            built = Built()
            threads["built_on_loop"] = built.on_loop
            yield built
            threads["closed_on_loop"] = on_event_loop()

        provider = ServiceCollection().add_scoped_factory(Built, session)
        app = FastAPI()
        setup(app, provider.build_service_provider())

        @app.get("/")
        def endpoint(built: Inject[Built]) -> None:
            threads["endpoint_on_loop"] = on_event_loop()

        with TestClient(app) as client:
            client.get("/")
        assert threads == {
            "built_on_loop": False,
            "endpoint_on_loop": False,
            "closed_on_loop": True,
        }

    def test_a_sqlite_connection_from_a_scoped_factory_serves_a_def_endpoint(self):
        """sqlite3 opened with check_same_thread=False works, and is closed after."""
        connections: list[sqlite3.Connection] = []

        def connect() -> Iterator[sqlite3.Connection]:
            db = sqlite3.connect(":memory:", check_same_thread=False)
            connections.append(db)
            try:
                yield db
            finally:
                db.close()

        services = ServiceCollection()
        services.add_scoped_factory(sqlite3.Connection, connect)
        app = FastAPI()
        setup(app, services.build_service_provider())

        @app.post("/{value}")
        def store(value: int, db: Inject[sqlite3.Connection]) -> int:
            db.execute("create table numbers (value integer)")
            db.execute("insert into numbers values (?)", (value,))
            return int(db.execute("select sum(value) from numbers").fetchone()[0])

        with TestClient(app) as client:
            assert client.post("/20").json() == 20
            assert client.post("/22").json() == 22
        assert len(connections) == 2
        for db in connections:
            with pytest.raises(sqlite3.ProgrammingError, match="closed"):
                db.execute("select 1")

    async def test_blocking_constructors_of_async_graphs_overlap(self):
        """8 concurrent def requests, a blocking constructor over an async factory."""
        httpx2 = pytest.importorskip("httpx2")
        services = ServiceCollection().add_scoped_factory(LoopToken, make_loop_token)
        provider = services.add_scoped(SlowOnToken).build_service_provider()
        app = FastAPI()
        setup(app, provider)

        @app.get("/")
        def endpoint(slow: Inject[SlowOnToken]) -> str:
            return "ok"

        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://t") as c:
            _, elapsed = await _eight_at_once(c, "/")
        # On the loop they would take 8 x 0.2 s one after the other.
        assert elapsed < 4 * SlowOnToken.SECONDS, f"{elapsed:.2f} s"
        await provider.aclose()

    async def test_blocking_factories_of_concurrent_def_requests_overlap(self):
        """8 concurrent def requests through a blocking factory take about one factory time."""
        httpx2 = pytest.importorskip("httpx2")
        provider = threading_services().build_service_provider()
        app = FastAPI()
        setup(app, provider)

        @app.get("/")
        def endpoint(blocking: Inject[Blocking]) -> str:
            return "ok"

        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://t") as c:
            _, elapsed = await _eight_at_once(c, "/")
        # On the loop they would take 8 x 0.2 s one after the other.
        assert elapsed < 4 * Blocking.SECONDS, f"{elapsed:.2f} s"
        await provider.aclose()


# ------------------------------------------------------------ real server


def _listening_socket() -> socket.socket:
    """A socket on a free port that already queues connections for uvicorn."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class TestRealServer:
    """Once, over real sockets: uvicorn on 127.0.0.1 with concurrent clients."""

    REQUESTS = 50

    async def test_concurrent_requests_get_their_own_scopes_and_all_are_disposed(
        self, ledger: Ledger, scopes: ContextVarScopes
    ):
        """50 concurrent requests: 50 distinct scoped services, all closed, then shutdown."""
        uvicorn = pytest.importorskip("uvicorn")
        httpx2 = pytest.importorskip("httpx2")
        provider = build_services(ledger, scopes).build_service_provider()
        started = threading.Event()

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            started.set()
            yield

        app = FastAPI(lifespan=lifespan)
        setup(app, provider, scope=tenant_from_header)
        pool = provider.get_service(Pool)
        in_flight = 0
        most_in_flight = 0

        @app.get("/work")
        async def work(
            service: Inject[RequestService], tenant: Inject[TenantService]
        ) -> dict[str, Any]:
            nonlocal in_flight, most_in_flight
            in_flight += 1
            most_in_flight = max(most_in_flight, in_flight)
            await asyncio.sleep(0.05)  # let the other requests arrive
            in_flight -= 1
            return {
                "number": service.number,
                "open": not service.closed,
                "tenant": tenant.tenant,
            }

        sock = _listening_socket()
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app, lifespan="on", log_level="warning", timeout_graceful_shutdown=5
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        thread.start()
        try:
            assert await asyncio.to_thread(started.wait, 10), "uvicorn did not start"
            limits = httpx2.Limits(max_connections=self.REQUESTS)
            async with httpx2.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", timeout=10, limits=limits
            ) as client:
                responses = await asyncio.wait_for(
                    asyncio.gather(
                        *(
                            client.get(
                                "/work",
                                headers={TENANT_HEADER: ("ACME", "Globex")[i % 2]},
                            )
                            for i in range(self.REQUESTS)
                        )
                    ),
                    timeout=30,
                )
        finally:
            server.should_exit = True
            await asyncio.to_thread(thread.join, 15)
            sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"

        bodies = [response.json() for response in responses]
        assert {response.status_code for response in responses} == {200}
        numbers = [body["number"] for body in bodies]
        assert len(set(numbers)) == self.REQUESTS
        assert all(body["open"] for body in bodies)
        assert {body["tenant"] for body in bodies} == {"ACME", "Globex"}
        assert most_in_flight > 1  # the requests really overlapped
        # 50 request services and 2 tenant services were made; every request
        # service was closed before the server finished shutting down.
        assert sorted(ledger.closed) == sorted(numbers)
        assert len(ledger.created) == self.REQUESTS + 2
        assert pool.closed, "the lifespan shutdown closed the provider"

    async def test_def_endpoint_over_an_async_graph_does_not_stall_the_loop(self):
        """uvicorn: 8 concurrent def requests, a blocking constructor over an async
        factory; a request to an async endpoint meanwhile answers at once."""
        pytest.importorskip("uvicorn")
        httpx2 = pytest.importorskip("httpx2")
        services = ServiceCollection().add_scoped_factory(LoopToken, make_loop_token)
        app = FastAPI()
        setup(app, services.add_scoped(SlowOnToken).build_service_provider())

        @app.get("/slow")
        def slow(service: Inject[SlowOnToken]) -> list[bool]:
            return [service.token.on_loop, service.on_loop]

        @app.get("/ping")
        async def ping() -> str:
            return "pong"

        with uvicorn_server(app) as url:
            async with httpx2.AsyncClient(base_url=url, timeout=10) as client:

                async def timed_ping() -> float:
                    await asyncio.sleep(SlowOnToken.SECONDS / 4)  # once they block
                    begun = time.perf_counter()
                    assert (await client.get("/ping")).json() == "pong"
                    return time.perf_counter() - begun

                ping = asyncio.create_task(timed_ping())
                responses, elapsed = await _eight_at_once(client, "/slow")
                ping_took = await ping
        assert [response.json() for response in responses] == [[True, False]] * 8
        # On the loop the 8 constructors would run one after the other (1.6 s),
        # and the ping would wait behind them.
        assert elapsed < 4 * SlowOnToken.SECONDS, f"{elapsed:.2f} s"
        assert ping_took < SlowOnToken.SECONDS, f"{ping_took:.2f} s"


async def _eight_at_once(client: Any, path: str) -> tuple[list[Any], float]:
    """8 concurrent GETs of ``path`` after one to warm up; their time together."""
    await client.get(path)  # compile the resolver, start a worker thread
    started = time.perf_counter()
    async with asyncio.timeout(30):
        responses = await asyncio.gather(*(client.get(path) for _ in range(8)))
    elapsed = time.perf_counter() - started
    assert {response.status_code for response in responses} == {200}
    return list(responses), elapsed
