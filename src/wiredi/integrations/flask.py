"""Flask integration: ``init_app(app, provider)`` and ``Inject[T]`` view parameters.

``init_app`` opens one request scope per request (the first
``before_request`` handler) and closes it when the request is torn down (the
last ``teardown_request`` handler), also when the view raised: an exception
Flask did not turn into a response is thrown into the scope's generator
factories, so a session factory rolls back. Views need no
decorator: a view whose signature has ``Inject[T]`` parameters is wrapped,
the first time its endpoint is requested, so that those parameters are
resolved from the request's scope (after every ``before_request`` handler)
and passed as keyword arguments. This covers views registered before or
after ``init_app`` and blueprint views. Class-based views (``View``,
``MethodView``) are wrapped too: the handler of the request's method gets
its ``Inject`` parameters.

When the provider declares ``flask.Request`` (or werkzeug's ``Request``, or
the app's ``request_class``) with ``add_context``, each request's scope is
given the request being handled (the object behind ``flask.request``).

A scope selector that raises fails the request the way any
``before_request`` handler does: ``abort(400)`` gives a 400, any other
exception a 500 that Flask logs; the latter is also logged on the ``wiredi``
logger, naming the selector.

With ``health_path="/healthz"``, a ``GET`` or ``HEAD`` of that path is
answered by ``provider.check_health()`` as JSON (200 when healthy, 503
otherwise), before the app's ``before_request`` handlers and without a
request scope.

Flask closes scopes synchronously (``close()``), so a scoped service that
can only be closed with ``aclose()`` makes the teardown raise ``ScopeError``.
Flask has no shutdown hook: close the provider yourself, e.g.
``atexit.register(provider.close)`` or ``with provider: app.run()``.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin, get_type_hints

try:
    from flask import (
        Flask,
        Request,
        Response,
        current_app,
        has_request_context,
        request,
    )
    from flask.views import MethodView, View
    from werkzeug.exceptions import HTTPException
    from werkzeug.wrappers import Request as WerkzeugRequest
except ImportError as exc:  # pragma: no cover - depends on the environment
    msg = "wiredi.integrations.flask needs Flask: pip install 'wiredi[flask]'"
    raise ImportError(msg, name=exc.name) from exc

from wiredi import FromComponent, Scope, ServiceProvider
from wiredi._runtime.scope_context import declared_context_types
from wiredi.errors import RegistrationError, ScopeError
from wiredi.integrations.asgi import _check_health_path

__all__ = ["Inject", "init_app", "request_scope"]

_ScopeSelector = Callable[[Request], tuple[str, str] | None]
"""Called per request with ``flask.request``; returns ``(name, scope_id)``
of a custom scope to enter, or ``None``."""

# The request's Scope is kept in the WSGI environ: one dict per request,
# whatever the app contexts around it, under a namespaced key (PEP 3333).
_ENVIRON_KEY = "wiredi.scope"
# left under it at teardown: the request had a scope, closed since
_CLOSED = "closed"
_EXTENSION = "wiredi"
_WRAPPED = "__wiredi_injects__"
_HEALTH_ENDPOINT = "wiredi_health"
_log = logging.getLogger("wiredi")


@dataclass(frozen=True, slots=True)
class _InjectMarker:
    """The ``Annotated`` metadata that ``Inject[T]`` adds to ``T``."""


_INJECT = _InjectMarker()


class _WiredApp:
    """What ``init_app`` keeps in ``app.extensions["wiredi"]``."""

    __slots__ = ("provider", "ready", "request_types", "selector")

    def __init__(
        self,
        provider: ServiceProvider,
        selector: _ScopeSelector | None,
        request_types: tuple[type, ...],
    ) -> None:
        self.provider = provider
        self.selector = selector
        # the request classes declared with add_context: given to each scope
        self.request_types = request_types
        # endpoint -> the view function last checked (and wrapped if needed).
        self.ready: dict[str, Callable[..., Any]] = {}


def init_app(
    app: Flask,
    provider: ServiceProvider,
    scope: _ScopeSelector | None = None,
    *,
    health_path: str | None = None,
    health_timeout: float = 5.0,
) -> None:
    """Give every request of ``app`` a wiredi scope and resolve ``Inject[T]`` in views.

    Args:
        app: The Flask application.
        provider: The provider to open the request scopes from. ``init_app``
            does not close it (Flask has no shutdown hook).
        scope: Optional selector of a custom scope to enter per request: it
            gets ``flask.request`` and returns ``(name, scope_id)`` or
            ``None``. For a tenant:
            ``lambda request: ("tenant", request.headers["X-Tenant-Id"])``.
        health_path: Serve ``provider.check_health()`` at this path
            (``"/healthz"``) for ``GET``/``HEAD``: the report as JSON, 200
            when healthy, 503 otherwise (endpoint ``"wiredi_health"``). It
            is answered before the app's ``before_request`` handlers and
            opens no request scope. ``None`` (the default): no endpoint.
        health_timeout: Seconds each check of the endpoint may take; keep
            it below the probe's own timeout.

    Raises:
        RegistrationError: ``init_app`` was already called for ``app``, or
            ``health_path`` does not start with ``/``.

    Example:
        ```python
        from flask import Flask

        from wiredi import ServiceCollection
        from wiredi.integrations.flask import Inject, init_app

        class Session:
            closed = False

            def close(self) -> None:
                self.closed = True

        provider = ServiceCollection().add_scoped(Session).build_service_provider()
        app = Flask(__name__)
        init_app(app, provider)
        sessions: list[Session] = []

        @app.get("/")
        def index(session: Inject[Session]) -> str:
            sessions.append(session)
            return "ok"

        assert app.test_client().get("/").text == "ok"
        assert sessions[0].closed  # closed at teardown
        ```
    """
    if _EXTENSION in app.extensions:
        raise RegistrationError(
            "init_app(app, ...) was already called for this Flask app",
            hint="call wiredi.integrations.flask.init_app once per app",
        )
    if health_path is not None:
        _check_health_path("init_app", health_path)
    declared = declared_context_types(provider._core.registry)
    candidates: tuple[type, ...] = (Request, WerkzeugRequest, app.request_class)
    request_types = tuple(t for t in dict.fromkeys(candidates) if t in declared)
    wired = _WiredApp(provider, scope, request_types)
    app.extensions[_EXTENSION] = wired

    def open_wiredi_scope() -> None:
        name, scope_id = _selected(wired.selector)
        context = None
        if wired.request_types:
            current = request._get_current_object()  # type: ignore[attr-defined]
            context = dict.fromkeys(wired.request_types, current)
        request.environ[_ENVIRON_KEY] = wired.provider.create_scope(
            name, scope_id, context
        )
        _prepare_view(app, wired)

    def close_wiredi_scope(exc: BaseException | None) -> None:
        scope = request.environ.get(_ENVIRON_KEY)
        if isinstance(scope, Scope):
            request.environ[_ENVIRON_KEY] = _CLOSED
            if exc is None:
                scope.close()
            else:  # the view's unhandled error reaches generator factories
                scope.__exit__(type(exc), exc, exc.__traceback__)

    # Open first, close last: app-level handlers run in list order before the
    # request and in reverse order at teardown.
    app.before_request_funcs.setdefault(None, []).insert(0, open_wiredi_scope)
    app.teardown_request_funcs.setdefault(None, []).insert(0, close_wiredi_scope)
    if health_path is not None:
        _add_health_endpoint(app, provider, health_path, health_timeout)


def _add_health_endpoint(
    app: Flask, provider: ServiceProvider, path: str, timeout: float
) -> None:
    """Route ``path`` to the health report, answered before any other handler."""

    def wiredi_health() -> Response:
        report = provider.check_health(timeout=timeout)
        return Response(
            json.dumps(report.to_dict()),
            status=200 if report.status == "healthy" else 503,
            mimetype="application/json",
            headers={"Cache-Control": "no-store"},
        )

    def answer_health() -> Response | None:
        return wiredi_health() if request.endpoint == _HEALTH_ENDPOINT else None

    app.add_url_rule(path, _HEALTH_ENDPOINT, wiredi_health, methods=["GET"])
    app.before_request_funcs.setdefault(None, []).insert(0, answer_health)


def request_scope() -> Scope:
    """Return the wiredi ``Scope`` of the Flask request being handled.

    Raises:
        ScopeError: there is no request context, or ``init_app`` was not
            called for the app handling it.

    Example:
        ```python
        from flask import Flask

        from wiredi import ServiceCollection
        from wiredi.integrations.flask import init_app, request_scope

        class Cart: ...

        app = Flask(__name__)
        init_app(app, ServiceCollection().add_scoped(Cart).build_service_provider())

        @app.get("/")
        def index() -> str:
            cart = request_scope().get_service(Cart)
            return str(cart is request_scope().get_service(Cart))

        assert app.test_client().get("/").text == "True"
        ```
    """
    if not has_request_context():
        raise ScopeError(
            "request_scope() was called outside a Flask request",
            hint="call it while a request is handled: in a view or a "
            "before_request/after_request handler",
        )
    scope = request.environ.get(_ENVIRON_KEY)
    if isinstance(scope, Scope):
        return scope
    if scope == _CLOSED:
        raise ScopeError(
            "this request's wiredi scope is closed: Flask tore the request "
            "down when the view returned (a streamed body runs after that)",
            hint="resolve what a streamed body needs in the view, before "
            "returning the response, and keep it out of scoped services "
            "that must be closed first",
        )
    if _EXTENSION in current_app.extensions:
        raise ScopeError(
            "this request has no wiredi scope yet: the app's before_request "
            "handlers, which open it, have not run for it",
            hint="in a test_request_context(), call app.preprocess_request() "
            "first, or use app.test_client()",
        )
    raise ScopeError(
        "this request has no wiredi scope: init_app was not called for its app",
        hint="call wiredi.integrations.flask.init_app(app, provider) at startup",
    )


def _selected(selector: _ScopeSelector | None) -> tuple[str, str] | tuple[None, None]:
    """Ask the selector which custom scope to enter: ``(None, None)`` for none."""
    if selector is None:
        return (None, None)
    try:
        chosen: object = selector(request)
    except HTTPException:  # abort(4xx): Flask answers with it, as intended
        raise
    except Exception as exc:
        # no traceback here: Flask logs it once, with the 500
        _log.error(
            "the scope selector %s given to init_app raised %r for %s %s; "
            "the request fails with a 500",
            getattr(selector, "__name__", selector),
            exc,
            request.method,
            request.path,
            extra={"wiredi_selector": selector},
        )
        raise
    return _scope_names(chosen)


def _scope_names(chosen: object) -> tuple[str, str] | tuple[None, None]:
    """Check what the scope selector returned: ``(None, None)`` for none."""
    if chosen is None:
        return (None, None)
    if (
        isinstance(chosen, tuple)
        and len(chosen) == 2
        and all(isinstance(part, str) for part in chosen)
    ):
        return chosen
    raise ScopeError(
        f"the scope selector given to init_app returned {chosen!r}; "
        "expected (name, scope_id) or None",
        hint="return e.g. ('tenant', request.headers['X-Tenant-Id']), "
        "or None for a plain request scope",
    )


def _prepare_view(app: Flask, wired: _WiredApp) -> None:
    """Wrap the view of this request's endpoint if it has ``Inject`` parameters."""
    endpoint = request.endpoint
    if endpoint is None:
        return
    view = app.view_functions.get(endpoint)
    if view is None or wired.ready.get(endpoint) is view:
        return
    ready = _with_injection(view)
    if ready is not view:
        app.view_functions[endpoint] = ready
    wired.ready[endpoint] = ready


def _mentions_inject(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return "Inject[" in annotation
    return get_origin(annotation) is Annotated and _INJECT in annotation.__metadata__


def _injected_parameters(view: Callable[..., Any]) -> list[tuple[str, Any, str]]:
    """``(parameter, service type, component)`` of each ``Inject`` parameter."""
    annotations = getattr(view, "__annotations__", None)
    if not annotations:
        return []
    try:
        hints = get_type_hints(view, include_extras=True)
    except Exception as exc:
        if not any(_mentions_inject(a) for a in annotations.values()):
            # Not ours to judge: the view injects nothing, Flask never reads
            # its hints, so it runs as it did without wiredi.
            return []
        name = getattr(view, "__qualname__", repr(view))
        raise RegistrationError(
            f"view {name}: its type hints cannot be evaluated ({exc}), so its "
            "Inject[...] parameters cannot be read",
            hint="make every name used in the view's annotations importable "
            "from its module",
        ) from exc
    injected = []
    for parameter, hint in hints.items():
        if parameter == "return" or get_origin(hint) is not Annotated:
            continue
        service_type, *metadata = get_args(hint)
        if _INJECT not in metadata:
            continue
        components = [m.component for m in metadata if isinstance(m, FromComponent)]
        injected.append((parameter, service_type, components[-1] if components else ""))
    return injected


def _with_injection(view: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``view``, or a wrapper that passes its ``Inject`` parameters."""
    if getattr(view, _WRAPPED, None) is not None:
        return view
    view_class = getattr(view, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, View):
        return _with_class_injection(view, view_class)
    injected = _injected_parameters(view)
    if not injected:
        return view

    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_view(*args: Any, **kwargs: Any) -> Any:
            scope = request_scope()
            for parameter, service_type, component in injected:
                if parameter not in kwargs:
                    kwargs[parameter] = await scope.get_service_async(
                        service_type, component=component
                    )
            return await view(*args, **kwargs)

        setattr(async_view, _WRAPPED, injected)
        return async_view

    @functools.wraps(view)
    def sync_view(*args: Any, **kwargs: Any) -> Any:
        scope = request_scope()
        for parameter, service_type, component in injected:
            if parameter not in kwargs:
                kwargs[parameter] = scope.get_service(service_type, component=component)
        return view(*args, **kwargs)

    setattr(sync_view, _WRAPPED, injected)
    return sync_view


def _with_class_injection(
    view: Callable[..., Any], view_class: type[View]
) -> Callable[..., Any]:
    """Wrap a class-based view (``View.as_view``) for its handlers' ``Inject``.

    The handler depends on the request method (``MethodView.get``,
    ``.post``...; ``dispatch_request`` for a plain ``View``); what each one
    injects is read on its first request. The values are passed as keyword
    arguments, which ``as_view`` hands to the handler. They are resolved
    with the sync ``get_service``, as the view function itself is sync.
    """
    by_method: dict[str, list[tuple[str, Any, str]]] = {}

    def injected_for(method: str) -> list[tuple[str, Any, str]]:
        found = by_method.get(method)
        if found is None:
            handler: Any = view_class.dispatch_request
            if issubclass(view_class, MethodView):
                handler = getattr(view_class, method.lower(), None)
                if handler is None and method == "HEAD":
                    handler = getattr(view_class, "get", None)
            found = by_method[method] = (
                [] if handler is None else _injected_parameters(handler)
            )
        return found

    @functools.wraps(view)
    def class_view(*args: Any, **kwargs: Any) -> Any:
        injected = injected_for(request.method)
        if injected:
            scope = request_scope()
            for parameter, service_type, component in injected:
                if parameter not in kwargs:
                    kwargs[parameter] = scope.get_service(
                        service_type, component=component
                    )
        return view(*args, **kwargs)

    setattr(class_view, _WRAPPED, by_method)
    return class_view


def _inject_annotation(item: Any) -> Any:
    """Build ``Annotated[T, <inject marker>]`` (keeping ``FromComponent``)."""
    return Annotated[item, _INJECT]


if TYPE_CHECKING:
    # A type checker must read Inject[T] as T; at run time it is
    # Annotated[T, marker]. Union of one type is that type (dishka's
    # FromDishka does the same), hence this module's TYPE_CHECKING block.
    from typing import Union as Inject
else:

    class Inject:
        """``Inject[T]``: a Flask view parameter resolved from the request's scope.

        ``Inject[T]`` is ``Annotated[T, marker]``; after ``init_app`` the
        view is called with ``request_scope().get_service(T)`` for it (with
        ``get_service_async`` in an ``async def`` view, which needs
        ``flask[async]``). For a component write
        ``Inject[Annotated[T, FromComponent("c")]]``. A URL variable of the
        same name wins over injection.

        Example:
            ```python
            from typing import Annotated

            from flask import Flask

            from wiredi import FromComponent, ServiceCollection
            from wiredi.integrations.flask import Inject, init_app

            class Greeter:
                def __init__(self, greeting: str = "hello") -> None:
                    self.greeting = greeting

            services = ServiceCollection().add_scoped(Greeter)
            services.add_singleton_factory(
                Greeter, lambda: Greeter("bonjour"), component="fr"
            )
            app = Flask(__name__)
            init_app(app, services.build_service_provider())

            @app.get("/<name>")
            def greet(
                name: str,
                greeter: Inject[Greeter],
                french: Inject[Annotated[Greeter, FromComponent("fr")]],
            ) -> str:
                return f"{greeter.greeting} / {french.greeting} {name}"

            assert app.test_client().get("/ada").text == "hello / bonjour ada"
            ```
        """

        __slots__ = ()

        def __class_getitem__(cls, item: Any) -> Any:
            return _inject_annotation(item)
