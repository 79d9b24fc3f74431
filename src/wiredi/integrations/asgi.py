"""One wiredi request scope per ASGI request or WebSocket connection.

``WiredMiddleware`` is plain ASGI, so it wraps any ASGI application:
Starlette, FastAPI, or a bare ``async def app(scope, receive, send)``. It
imports no framework itself; only a ``scope=`` selector needs Starlette,
because the selector is handed a ``starlette.requests.HTTPConnection``.

What it does, by ASGI scope type:

- ``"http"`` and ``"websocket"``: opens ``provider.create_scope(...)`` before
  the application runs (eagerly), puts it where ``request_scope()`` finds it,
  and closes it with ``aclose()`` when the application returns: after the
  response has been sent (and after Starlette's background tasks), or when
  the WebSocket connection ends, also when the application raised. An
  exception that leaves the application is thrown into the scope's
  generator factories (it is the ``async with`` block's exception), so a
  session factory rolls back; it then propagates unchanged.
- ``"lifespan"``: passes the protocol through and, when the application
  reports its shutdown as done, closes the provider with ``aclose()`` first.
- anything else: passes through untouched.

With ``health_path="/healthz"``, a ``GET`` or ``HEAD`` of that path is
answered before all of this, without a request scope:
``provider.check_health_async()`` as JSON, status 200 when healthy and 503
otherwise.

Context values: when the provider declares Starlette's ``Request``,
``HTTPConnection`` or ``WebSocket`` with ``add_context``, each scope is given
the connection as that type (an HTTP request is a ``Request`` and an
``HTTPConnection``, a WebSocket connection a ``WebSocket`` and an
``HTTPConnection``). Undeclared types are not given, and without any
declaration Starlette is not imported.
"""

from __future__ import annotations

import inspect
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Protocol, TypeAlias

from wiredi import Scope, ServiceProvider
from wiredi._runtime.scope_context import declared_context_types
from wiredi.errors import RegistrationError, ScopeError

__all__ = ["WiredMiddleware", "request_scope"]

_ASGIScope: TypeAlias = MutableMapping[str, Any]
_Message: TypeAlias = MutableMapping[str, Any]
_Receive: TypeAlias = Callable[[], Awaitable[_Message]]
_Send: TypeAlias = Callable[[_Message], Awaitable[None]]
_ASGIApp: TypeAlias = Callable[[_ASGIScope, _Receive, _Send], Awaitable[None]]

_ScopeNames: TypeAlias = tuple[str, str] | None
_ScopeSelector: TypeAlias = Callable[[Any], _ScopeNames | Awaitable[_ScopeNames]]
"""Called per request with a Starlette ``HTTPConnection``; returns
``(name, scope_id)`` of a custom scope to enter, or ``None`` (may be async)."""

# Where the request's Scope lives: ``scope["state"]``, which Starlette exposes
# as ``request.state`` (so ``request.state.wiredi_scope`` works too).
_STATE_KEY = "wiredi_scope"

_SHUTDOWN_DONE = frozenset({"lifespan.shutdown.complete", "lifespan.shutdown.failed"})

_log = logging.getLogger("wiredi")

# What the scope is given per connection type: (connection class, types).
_Seed: TypeAlias = tuple[Callable[..., Any], tuple[Any, ...]]

_NO_SCOPE_HINT = (
    "wrap the application in WiredMiddleware: "
    "Starlette(..., middleware=[Middleware(WiredMiddleware, provider=provider)]), "
    "app = WiredMiddleware(app, provider) for any ASGI app, or "
    "wiredi.integrations.fastapi.setup(app, provider) for FastAPI"
)


class _HasASGIScope(Protocol):
    """A request object that carries its ASGI scope (Starlette, Quart, ...)."""

    @property
    def scope(self) -> Mapping[str, Any]:
        """The ASGI scope of the request."""
        ...


def _context_seeds(provider: ServiceProvider) -> dict[str, _Seed]:
    """Which Starlette connection objects the provider wants, per ASGI scope type.

    Only types declared with ``add_context`` are given, and Starlette is
    imported only when something is declared.
    """
    declared = declared_context_types(provider._core.registry)
    if not declared:
        return {}
    try:
        from starlette.requests import HTTPConnection, Request  # noqa: PLC0415
        from starlette.websockets import WebSocket  # noqa: PLC0415
    except ImportError:  # then none of them can have been declared
        return {}
    seeds: dict[str, _Seed] = {}
    for kind, made, types in (
        ("http", Request, (Request, HTTPConnection)),
        ("websocket", WebSocket, (WebSocket, HTTPConnection)),
    ):
        wanted = tuple(t for t in types if t in declared)
        if wanted:
            seeds[kind] = (made, wanted)
    return seeds


def _http_connection_class() -> Callable[[_ASGIScope], Any]:
    """Import Starlette's ``HTTPConnection`` for the scope selector."""
    try:
        from starlette.requests import HTTPConnection  # noqa: PLC0415
    except ImportError as exc:
        raise ImportError(
            "WiredMiddleware(scope=...) calls the selector with a "
            "starlette.requests.HTTPConnection, and Starlette is not installed; "
            "install it (pip install starlette) or leave out scope="
        ) from exc
    return HTTPConnection


class WiredMiddleware:
    """ASGI middleware: one wiredi ``Scope`` per HTTP request or WebSocket connection.

    The scope is opened before the application runs and closed (with
    ``aclose()``, so async disposers are awaited) when it returns, also when it
    raised. Inside, get it with ``request_scope(request)``. Starlette's
    ``Request``, ``HTTPConnection`` and ``WebSocket``, when declared with
    ``services.add_context(...)``, are given to the scope for the
    connection. A ``scope`` selector that raises fails the request (the
    framework or server answers 500) after a log line on the ``wiredi``
    logger. At lifespan
    shutdown the provider is closed (``aclose()``) before the shutdown is
    reported to the server; pass ``close_provider=False`` when something else
    owns the provider. A server that does not run the lifespan protocol
    (``uvicorn --lifespan off``, a Starlette ``TestClient`` used without
    ``with``) never reports a shutdown: close the provider yourself then.

    Args:
        app: The ASGI application to wrap.
        provider: The provider to open the scopes from.
        scope: Optional selector of a custom scope to enter per request. It
            is called with a ``starlette.requests.HTTPConnection`` (the base
            of ``Request`` and ``WebSocket``: ``.headers``, ``.url``,
            ``.query_params``, ``.cookies``, ``.client``) and returns
            ``(name, scope_id)``, e.g. ``("tenant", request.headers["X-Tenant-Id"])``,
            or ``None`` for a plain request scope. It may be ``async``.
            Needs Starlette; without a selector, no framework is imported.
        close_provider: Close the provider at lifespan shutdown.
        health_path: Answer ``GET``/``HEAD`` of this path (``"/healthz"``)
            with ``provider.check_health_async()`` as JSON: 200 when healthy,
            503 otherwise. It is answered before the application and opens
            no request scope. ``None`` (the default): no endpoint.
        health_timeout: Seconds each check of the endpoint may take; keep
            it below the probe's own timeout.

    Raises:
        ImportError: ``scope`` is given and Starlette is not installed.
        RegistrationError: ``health_path`` does not start with ``/``.

    Example:
        ```python
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
        from starlette.testclient import TestClient

        from wiredi import ServiceCollection
        from wiredi.integrations.asgi import WiredMiddleware, request_scope

        class Closeable:
            closed = False

            def close(self) -> None:
                self.closed = True

        class Pool(Closeable): ...

        class Session(Closeable): ...

        services = ServiceCollection().add_singleton(Pool).add_scoped(Session)
        provider = services.build_service_provider()
        sessions: list[Session] = []

        async def home(request: Request) -> PlainTextResponse:
            sessions.append(await request_scope(request).get_service_async(Session))
            return PlainTextResponse("ok")

        app = Starlette(
            routes=[Route("/", home)],
            middleware=[Middleware(WiredMiddleware, provider=provider)],
        )
        with TestClient(app) as client:
            assert client.get("/").text == "ok"
            assert sessions[0].closed  # closed once the response was sent
            pool = provider.get_service(Pool)
        assert pool.closed  # the provider was closed at shutdown
        ```
    """

    __slots__ = (
        "_close_provider",
        "_connection",
        "_health",
        "_provider",
        "_seeds",
        "_selector",
        "app",
    )

    def __init__(
        self,
        app: _ASGIApp,
        provider: ServiceProvider,
        scope: _ScopeSelector | None = None,
        *,
        close_provider: bool = True,
        health_path: str | None = None,
        health_timeout: float = 5.0,
    ) -> None:
        self.app = app
        self._provider = provider
        self._selector = scope
        self._close_provider = close_provider
        self._connection = None if scope is None else _http_connection_class()
        self._health = _HealthEndpoint.of(provider, health_path, health_timeout)
        self._seeds = _context_seeds(provider)

    async def __call__(self, scope: _ASGIScope, receive: _Receive, send: _Send) -> None:
        """Handle one ASGI connection (see the class docstring)."""
        kind = scope["type"]
        if self._health is not None and self._health.answers(scope):
            await self._health.respond(scope, send)
        elif kind in {"http", "websocket"}:
            name, scope_id = await self._scope_names(scope)
            context = None
            seed = self._seeds.get(kind)
            if seed is not None:
                made, types = seed
                connection = made(scope, receive, send)
                context = dict.fromkeys(types, connection)
            async with self._provider.create_scope(name, scope_id, context) as wired:
                state = scope.get("state")
                if state is None:
                    scope["state"] = state = {}
                state[_STATE_KEY] = wired
                await self.app(scope, receive, send)
        elif kind == "lifespan" and self._close_provider:
            await self.app(scope, receive, self._closing_send(send))
        else:
            await self.app(scope, receive, send)

    async def _scope_names(
        self, scope: _ASGIScope
    ) -> tuple[str, str] | tuple[None, None]:
        """Ask the selector which custom scope to enter: ``(None, None)`` for none.

        A selector that raises fails the request (the server or framework
        answers 500); the failure is logged on the ``wiredi`` logger first,
        with the request it was choosing for.
        """
        if self._selector is None or self._connection is None:
            return (None, None)
        try:
            # Typed as object: the selector is user code, so check what it gave.
            chosen: object = self._selector(self._connection(scope))
            if inspect.isawaitable(chosen):
                chosen = await chosen
        except Exception as exc:
            # no traceback here: the server logs it once, with the 500
            _log.error(
                "the scope selector %s of WiredMiddleware raised %r for %s %s; "
                "the request fails with a 500",
                getattr(self._selector, "__name__", self._selector),
                exc,
                scope.get("method", "WEBSOCKET"),
                scope.get("path", ""),
                extra={"wiredi_selector": self._selector},
            )
            raise
        if chosen is None:
            return (None, None)
        if (
            isinstance(chosen, tuple)
            and len(chosen) == 2
            and all(isinstance(part, str) for part in chosen)
        ):
            return chosen
        raise ScopeError(
            f"the scope selector of WiredMiddleware returned {chosen!r}; "
            "expected (name, scope_id) or None",
            hint="return e.g. ('tenant', request.headers['X-Tenant-Id']), "
            "or None for a plain request scope",
        )

    def _closing_send(self, send: _Send) -> _Send:
        """Wrap lifespan ``send`` so the provider closes before shutdown is reported."""
        provider = self._provider

        async def send_after_closing(message: _Message) -> None:
            if message["type"] in _SHUTDOWN_DONE:
                try:
                    await provider.aclose()
                except Exception:
                    failure = traceback.format_exc()
                    if message["type"] == "lifespan.shutdown.failed":
                        failure = f"{message.get('message', '')}\n{failure}"
                    await send({"type": "lifespan.shutdown.failed", "message": failure})
                    raise
            await send(message)

        return send_after_closing

    def __repr__(self) -> str:
        selector = "" if self._selector is None else f", scope={self._selector!r}"
        return f"<wiredi.integrations.asgi.WiredMiddleware({self.app!r}{selector})>"


class _HealthEndpoint:
    """``health_path``: the provider's health report as JSON, 200 or 503."""

    __slots__ = ("path", "provider", "timeout")

    def __init__(self, provider: ServiceProvider, path: str, timeout: float) -> None:
        self.provider = provider
        self.path = path
        self.timeout = timeout

    @classmethod
    def of(
        cls, provider: ServiceProvider, path: str | None, timeout: float
    ) -> _HealthEndpoint | None:
        if path is None:
            return None
        _check_health_path("WiredMiddleware", path)
        return cls(provider, path, timeout)

    def answers(self, scope: _ASGIScope) -> bool:
        return (
            scope["type"] == "http"
            and scope.get("path") == self.path
            and scope.get("method", "GET") in {"GET", "HEAD"}
        )

    async def respond(self, scope: _ASGIScope, send: _Send) -> None:
        report = await self.provider.check_health_async(timeout=self.timeout)
        body = json.dumps(report.to_dict()).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ]
        status = 200 if report.status == "healthy" else 503
        await send(
            {"type": "http.response.start", "status": status, "headers": headers}
        )
        if scope.get("method") == "HEAD":
            body = b""
        await send({"type": "http.response.body", "body": body})


def _check_health_path(where: str, path: object) -> None:
    """Reject a ``health_path`` that is not an absolute URL path."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise RegistrationError(
            f"{where}(..., health_path={path!r}): not a URL path",
            hint='give the path the probe requests, starting with "/", '
            'e.g. health_path="/healthz"; or None for no endpoint',
        )


def request_scope(request: _HasASGIScope | Mapping[str, Any]) -> Scope:
    """Return the wiredi ``Scope`` that ``WiredMiddleware`` opened for this request.

    Args:
        request: A Starlette or FastAPI ``Request``, ``WebSocket`` or
            ``HTTPConnection``, any object with an ASGI ``.scope``, or the
            ASGI scope mapping itself.

    Raises:
        ScopeError: no ``WiredMiddleware`` handled this request.

    Example:
        ```python
        import asyncio

        from wiredi import ServiceCollection
        from wiredi.integrations.asgi import WiredMiddleware, request_scope

        class Session: ...

        provider = ServiceCollection().add_scoped(Session).build_service_provider()
        seen: list[bool] = []

        async def app(scope, receive, send) -> None:  # a bare ASGI app
            session = request_scope(scope).get_service(Session)
            seen.append(session is request_scope(scope).get_service(Session))
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        async def main() -> None:
            async def receive() -> dict[str, object]:
                return {"type": "http.request", "body": b""}

            async def send(message) -> None:
                pass

            await WiredMiddleware(app, provider)({"type": "http"}, receive, send)

        asyncio.run(main())
        assert seen == [True]
        ```
    """
    asgi_scope = request if isinstance(request, Mapping) else request.scope
    state = asgi_scope.get("state")
    found = state.get(_STATE_KEY) if isinstance(state, Mapping) else None
    if isinstance(found, Scope):
        return found
    raise ScopeError(
        "this request has no wiredi scope: no WiredMiddleware handled it",
        hint=_NO_SCOPE_HINT,
    )
