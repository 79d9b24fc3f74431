"""FastAPI integration: ``setup(app, provider)`` and ``Inject[T]`` parameters.

``setup`` adds ``wiredi.integrations.asgi.WiredMiddleware`` to the app, so
every HTTP request and every WebSocket connection gets its own request
scope, opened eagerly before routing and closed with ``aclose()`` after the
response has been sent (after background tasks) or the connection ended,
also when the endpoint raised. At lifespan shutdown the provider is closed.

``Inject[T]`` is ``Annotated[T, Depends(...)]``: FastAPI calls a dependency
that resolves ``T`` from the request's scope. Use it in endpoint signatures,
in your own ``Depends`` functions, and in WebSocket endpoints. For a
component, wrap the type: ``Inject[Annotated[T, FromComponent("c")]]``.

Where ``T`` is built follows where FastAPI runs the function that declares
the parameter (SPEC 13.8): for a plain ``def`` endpoint or ``def``
dependency, FastAPI's thread pool (``run_in_threadpool``, as FastAPI runs
sync dependencies), so a blocking factory never stalls the event loop; for
an ``async def`` one, the event loop. When a ``def`` function's graph
contains an async factory, its async factories run on the loop (where they
belong) and each of its sync constructors, factories and sync sub-graphs in
the thread pool.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

try:
    from fastapi import Depends, FastAPI
    from fastapi.concurrency import run_in_threadpool
    from fastapi.requests import HTTPConnection
except ImportError as exc:  # pragma: no cover - depends on the environment
    msg = "wiredi.integrations.fastapi needs FastAPI: pip install 'wiredi[fastapi]'"
    raise ImportError(msg, name=exc.name) from exc

from wiredi import FromComponent, RegistrationError, Scope, ServiceProvider
from wiredi.integrations.asgi import (
    WiredMiddleware,
    _check_health_path,
    _ScopeSelector,
    request_scope,
)

__all__ = ["Inject", "request_scope", "setup"]


def setup(
    app: FastAPI,
    provider: ServiceProvider,
    scope: _ScopeSelector | None = None,
    *,
    close_provider: bool = True,
    health_path: str | None = None,
    health_timeout: float = 5.0,
) -> None:
    """Give every request of ``app`` a wiredi scope, and close ``provider`` at shutdown.

    Call it before the app starts serving (FastAPI adds middleware only
    then). The scope is opened eagerly, for every HTTP request and WebSocket
    connection, whether or not the endpoint injects anything. When the
    provider declares ``Request``, ``HTTPConnection`` or ``WebSocket`` with
    ``services.add_context(...)``, each scope is given the connection as
    that type, so a scoped factory can take ``request: Request``. A
    ``scope`` selector that raises fails the request with a 500 (it runs
    before the app's exception handlers), logged on the ``wiredi`` logger.

    Args:
        app: The FastAPI application.
        provider: The provider to open the request scopes from.
        scope: Optional selector of a custom scope to enter per request: it
            gets the ``HTTPConnection`` (a ``Request`` or ``WebSocket``) and
            returns ``(name, scope_id)`` or ``None``; it may be ``async``.
            For a tenant:
            ``lambda request: ("tenant", request.headers["X-Tenant-Id"])``.
        close_provider: Close the provider at lifespan shutdown; pass
            ``False`` when the provider outlives the app.
        health_path: Serve ``provider.check_health_async()`` at this path
            (``"/healthz"``) for ``GET``/``HEAD``: the report as JSON, 200
            when healthy, 503 otherwise. It is answered before the app's
            routes and opens no request scope. ``None`` (the default): no
            endpoint.
        health_timeout: Seconds each check of the endpoint may take; keep
            it below the probe's own timeout.

    Raises:
        RegistrationError: ``health_path`` does not start with ``/``, or
            ``setup`` was already called for ``app`` (a second middleware
            would open a second scope per request, and endpoints would see
            the first provider's).

    Example:
        ```python
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        from wiredi import ServiceCollection
        from wiredi.integrations.fastapi import Inject, setup

        class Greeter:
            def greet(self, name: str) -> str:
                return f"hello {name}"

        provider = ServiceCollection().add_scoped(Greeter).build_service_provider()
        app = FastAPI()
        setup(app, provider)

        @app.get("/hello/{name}")
        def hello(name: str, greeter: Inject[Greeter]) -> str:
            return greeter.greet(name)

        with TestClient(app) as client:
            assert client.get("/hello/ada").json() == "hello ada"
        ```
    """
    if any(
        getattr(entry, "cls", None) is WiredMiddleware for entry in app.user_middleware
    ):
        raise RegistrationError(
            "setup(app, ...) was already called for this FastAPI app",
            hint="call wiredi.integrations.fastapi.setup once per app; to swap "
            "services in a test, use provider.override(...) or build the app "
            "with the test's provider",
        )
    if health_path is not None:  # checked now: FastAPI builds middleware at startup
        _check_health_path("setup", health_path)
    app.add_middleware(
        WiredMiddleware,
        provider=provider,
        scope=scope,
        close_provider=close_provider,
        health_path=health_path,
        health_timeout=health_timeout,
    )


def _service_key(item: Any) -> tuple[Any, str]:
    """Split ``T`` or ``Annotated[T, FromComponent("c")]`` into ``(T, "c")``."""
    if get_origin(item) is Annotated:
        service_type, *metadata = get_args(item)
        components = [m.component for m in metadata if isinstance(m, FromComponent)]
        return service_type, (components[-1] if components else "")
    return item, ""


def _type_name(service_type: Any) -> str:
    return getattr(service_type, "__qualname__", None) or repr(service_type)


def _runs_on_loop(call: Any) -> bool:
    """Whether FastAPI awaits ``call`` on the event loop (not in its thread pool).

    FastAPI awaits coroutine functions and async generators, and runs
    everything else (plain functions, generators, classes) in its thread pool.
    """
    while isinstance(call, functools.partial):
        call = call.func
    call = inspect.unwrap(call)
    if inspect.isclass(call):
        return False
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        return True
    dunder_call = getattr(call, "__call__", None)  # noqa: B004 - a callable object
    return inspect.iscoroutinefunction(dunder_call) or inspect.isasyncgenfunction(
        dunder_call
    )


def _declared_in_sync_code(dependant: Any, resolve: Any) -> bool | None:
    """Whether every function of ``dependant``'s tree taking ``resolve`` is sync.

    ``None`` when no function of the tree takes it (a dependency override, or
    a dependency added by ``include_router``, that the route does not list).
    """
    found: bool | None = None
    pending = [dependant]
    while pending:
        parent = pending.pop()
        for sub in getattr(parent, "dependencies", ()):
            if sub.call is resolve:
                sync = not _runs_on_loop(parent.call)
                found = sync if found is None else found and sync
            else:
                pending.append(sub)
    return found


def _needs_await(scope: Scope, service_type: Any, component: str) -> bool:
    """Whether resolving ``service_type`` awaits an async factory (overrides too)."""
    core = scope._core
    table = core.entries.async_.get(component, {}) if component else core.async_table
    entry = table.get(service_type)
    if entry is None:
        entry = core.entries.async_entry(service_type, component)
    return bool(entry[1])


def _inject_annotation(item: Any) -> Any:
    """Build ``Annotated[T, Depends(resolve T from the request scope)]``."""
    service_type, component = _service_key(item)
    # id(route dependant) -> (that dependant, resolve in the thread pool?)
    in_thread_pool: dict[int, tuple[Any, bool]] = {}

    def threaded(connection: HTTPConnection) -> bool:
        """Whether this request's consumer of the parameter is sync code."""
        dependant = getattr(connection.scope.get("route"), "dependant", None)
        if dependant is None:  # no FastAPI route to ask: stay on the loop
            return False
        known = in_thread_pool.get(id(dependant))
        if known is not None and known[0] is dependant:
            return known[1]
        decided = _declared_in_sync_code(dependant, resolve)
        if decided is None:
            decided = not _runs_on_loop(dependant.call)
        in_thread_pool[id(dependant)] = (dependant, decided)
        return decided

    async def resolve(connection: HTTPConnection) -> Any:
        scope = request_scope(connection)
        if threaded(connection):
            if not _needs_await(scope, service_type, component):
                return await run_in_threadpool(
                    scope.get_service, service_type, component
                )
            # async factories on the loop, every sync call in the thread pool
            return await scope._get_service_offloaded(
                service_type, component, run_in_threadpool
            )
        return await scope.get_service_async(service_type, component=component)

    where = f", component={component!r}" if component else ""
    resolve.__name__ = resolve.__qualname__ = (
        f"inject({_type_name(service_type)}{where})"
    )
    # use_cache=False: FastAPI must not share one value between parameters;
    # the scope already caches scoped services, and transients stay transient.
    depends = Depends(resolve, use_cache=False)
    return Annotated[service_type, depends]


if TYPE_CHECKING:
    # A type checker must read Inject[T] as T; at run time it has to be
    # Annotated[T, Depends(...)]. Union of one type is that type, the trick
    # dishka uses for FromDishka. This is why this module, unlike the rest of
    # wiredi, has a TYPE_CHECKING block.
    from typing import Union as Inject
else:

    class Inject:
        """``Inject[T]``: a FastAPI parameter resolved from the request's wiredi scope.

        ``Inject[T]`` is ``Annotated[T, Depends(...)]`` whose dependency
        resolves ``T`` from ``request_scope(connection)``: in FastAPI's
        thread pool when the function declaring the parameter is a plain
        ``def`` (endpoint or dependency), on the event loop when it is
        ``async def`` or when ``T``'s graph has an async factory. For a
        component write ``Inject[Annotated[T, FromComponent("c")]]``. Each
        ``Inject`` parameter resolves separately (FastAPI's dependency cache
        is off for it), so a scoped service is the same object everywhere in
        one request and a transient is a new object per parameter. Needs
        ``setup(app, provider)``; without it resolving raises ``ScopeError``.

        Example:
            ```python
            from typing import Annotated

            from fastapi import Depends, FastAPI
            from fastapi.testclient import TestClient

            from wiredi import FromComponent, ServiceCollection
            from wiredi.integrations.fastapi import Inject, setup

            class Db:
                def __init__(self, name: str = "main") -> None:
                    self.name = name

            class Repo:
                def __init__(self, db: Db) -> None:
                    self.db = db

            services = ServiceCollection().add_scoped(Db).add_scoped(Repo)
            services.add_singleton_factory(
                Db, lambda: Db("audit"), component="audit"
            )
            app = FastAPI()
            setup(app, services.build_service_provider())

            def db_name(repo: Inject[Repo]) -> str:  # inside your own Depends
                return repo.db.name

            @app.get("/")
            async def index(
                repo: Inject[Repo],
                name: Annotated[str, Depends(db_name)],
                audit: Inject[Annotated[Db, FromComponent("audit")]],
            ) -> list[str]:
                return [repo.db.name, name, audit.name]

            with TestClient(app) as client:
                assert client.get("/").json() == ["main", "main", "audit"]
            ```
        """

        __slots__ = ()

        def __class_getitem__(cls, item: Any) -> Any:
            return _inject_annotation(item)
