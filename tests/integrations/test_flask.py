"""Flask: ``init_app`` gives each request a scope and ``Inject[T]`` fills view parameters."""

# No ``from __future__ import annotations``: views are defined inside tests,
# and their hints are read with the module globals only.

from collections.abc import Iterator
from typing import Annotated, Any

import pytest

pytest.importorskip("flask")

import flask
from flask import Blueprint, Flask, Request, abort, g, stream_with_context
from flask.views import MethodView, View
from werkzeug.wrappers import Request as WerkzeugRequest

from tests.integrations.fakes import (
    TENANT_HEADER,
    AsyncClient,
    AsyncResource,
    Helper,
    Named,
    RequestService,
    TenantService,
    Token,
    tenant_from_header,
)
from wiredi import (
    AsyncResolutionError,
    FromComponent,
    RegistrationError,
    Scope,
    ScopeError,
    ServiceCollection,
    ServiceProvider,
)
from wiredi.integrations.flask import Inject, init_app, request_scope


def make_app(provider: ServiceProvider, **options: Any) -> Flask:
    app = Flask(__name__)
    init_app(app, provider, **options)

    @app.get("/")
    def numbers(
        one: Inject[RequestService], two: Inject[RequestService], helper: Inject[Helper]
    ) -> dict[str, Any]:
        return {"number": one.number, "same": one is two is helper.service}

    @app.get("/fail")
    def fail(service: Inject[RequestService]) -> str:
        msg = f"boom {service.number}"
        raise RuntimeError(msg)

    @app.get("/missing")
    def missing(service: Inject[RequestService]) -> str:
        abort(404)

    @app.get("/tenant")
    def tenant(found: Inject[TenantService]) -> dict[str, Any]:
        return {"tenant": found.tenant, "number": found.number}

    return app


@pytest.fixture(name="app")
def _app(provider: ServiceProvider) -> Flask:
    return make_app(provider, scope=tenant_from_header)


class TestFlaskRequestScope:
    """Each request has its own scope; Inject parameters resolve from it."""

    def test_each_request_gets_its_own_scoped_instance(self, app):
        """Two requests get two scoped services; one request shares one."""
        client = app.test_client()
        first, second = client.get("/").json, client.get("/").json
        assert first["number"] != second["number"]
        assert first["same"] is second["same"] is True

    def test_transient_parameters_are_separate_objects(self, app):
        """Two transient parameters are two objects built on the same scoped one."""

        @app.get("/helpers")
        def helpers(one: Inject[Helper], two: Inject[Helper]) -> list[bool]:
            return [one is two, one.service is two.service]

        assert app.test_client().get("/helpers").json == [False, True]

    def test_from_component_selects_the_component(self, app):
        """Inject[Annotated[T, FromComponent(c)]] resolves T from component c."""

        @app.get("/named")
        def named(
            default: Inject[Named],
            audit: Inject[Annotated[Named, FromComponent("audit")]],
            also_audit: Annotated[Inject[Named], FromComponent("audit")],
        ) -> list[str]:
            return [default.name, audit.name, also_audit.name]

        assert app.test_client().get("/named").json == ["default", "audit", "audit"]

    def test_url_variables_are_passed_alongside_injected_services(self, app):
        """Route variables still arrive as usual; a same-named one wins."""

        @app.get("/items/<int:item>/<service>")
        def item(item: int, service: Inject[RequestService]) -> list[Any]:
            return [item, service]

        assert app.test_client().get("/items/3/given").json == [3, "given"]

    def test_blueprint_views_are_injected(self, app):
        """Views of a blueprint get their Inject parameters too."""
        blueprint = Blueprint("shop", __name__)

        @blueprint.get("/cart")
        def cart(service: Inject[RequestService]) -> str:
            return str(service.number)

        app.register_blueprint(blueprint, url_prefix="/shop")
        assert app.test_client().get("/shop/cart").text == "1"

    def test_views_without_inject_are_left_untouched(self, app):
        """A view with no Inject parameter is not wrapped."""

        @app.get("/plain")
        def plain() -> str:
            return "plain"

        assert app.test_client().get("/plain").text == "plain"
        assert app.view_functions["plain"] is plain

    def test_a_view_with_unreadable_hints_and_no_inject_still_works(self, app):
        """Hints Flask never reads stay unread when nothing is injected."""

        @app.get("/odd")
        def odd() -> "NotDefinedAnywhere":  # type: ignore[name-defined]  # noqa: F821
            return "odd"

        assert app.test_client().get("/odd").text == "odd"

    def test_method_views_use_request_scope(self, app):
        """request_scope() works in class-based views too."""

        class Counter(MethodView):
            def get(self) -> str:
                return str(request_scope().get_service(RequestService).number)

        app.add_url_rule("/counter", view_func=Counter.as_view("counter"))
        assert app.test_client().get("/counter").text == "1"

    def test_method_views_get_inject_parameters_per_method(self, app):
        """Each handler of a MethodView has its own Inject parameters."""

        class Numbers(MethodView):
            def get(self, one: Inject[RequestService], two: Inject[RequestService]):
                return {"number": one.number, "same": one is two}

            def post(self, helper: Inject[Helper]) -> str:
                return str(
                    helper.service is request_scope().get_service(RequestService)
                )

        app.add_url_rule("/numbers", view_func=Numbers.as_view("numbers_view"))
        client = app.test_client()
        assert client.get("/numbers").json == {"number": 1, "same": True}
        assert client.get("/numbers").json == {"number": 2, "same": True}
        assert client.post("/numbers").text == "True"

    def test_plain_views_get_inject_parameters_with_url_values(self, app):
        """A View's dispatch_request gets its Inject parameters and URL values."""

        class Show(View):
            def dispatch_request(self, name: str, service: Inject[RequestService]):
                return f"{name} {service.number}"

        app.add_url_rule("/show/<name>", view_func=Show.as_view("show"))
        assert app.test_client().get("/show/ada").text == "ada 1"

    def test_handlers_registered_before_init_app_see_the_scope(self, provider):
        """The scope opens before every before_request and closes after every teardown."""
        app = Flask(__name__)
        seen: list[Any] = []

        @app.before_request
        def before() -> None:
            g.service = request_scope().get_service(RequestService)

        @app.teardown_request
        def teardown(exc: BaseException | None) -> None:
            seen.append(g.service.closed)

        init_app(app, provider)

        @app.get("/")
        def index(service: Inject[RequestService]) -> str:
            return str(service is g.service)

        assert app.test_client().get("/").text == "True"
        assert seen == [False]

    def test_async_views_resolve_with_get_service_async(self, app):
        """An async def view awaits async factories (needs flask[async])."""
        pytest.importorskip("asgiref")

        @app.get("/async")
        async def async_view(token: Inject[Token]) -> str:
            return token.value

        assert app.test_client().get("/async").text == "async-made"

    def test_sync_views_cannot_use_async_factories(self, app):
        """A sync view resolves with get_service, which refuses async factories."""

        @app.get("/sync-token")
        def sync_view(token: Inject[Token]) -> str:
            return token.value

        app.testing = True
        with pytest.raises(AsyncResolutionError):
            app.test_client().get("/sync-token")


class TestFlaskDisposal:
    """The scope is closed at teardown, also when the view raised."""

    def test_every_scoped_service_is_closed_after_its_response(self, app, ledger):
        """Nothing a request created stays open once it is answered."""
        client = app.test_client()
        for _ in range(3):
            client.get("/")
        assert ledger.created == [1, 2, 3]
        assert ledger.still_open() == []

    def test_an_error_in_the_view_still_closes_the_scope(self, app, ledger):
        """Whether the error becomes a 500 or propagates, the scope is closed."""
        assert app.test_client().get("/fail").status_code == 500
        app.testing = True  # now exceptions propagate to the test client
        with pytest.raises(RuntimeError, match="boom 2"):
            app.test_client().get("/fail")
        assert ledger.created == [1, 2]
        assert ledger.still_open() == []

    def test_an_http_error_still_closes_the_scope(self, app, ledger):
        """abort(404) closes the scope too."""
        assert app.test_client().get("/missing").status_code == 404
        assert ledger.closed == [1]

    def test_aclose_only_services_make_the_teardown_raise(self, app):
        """Flask closes synchronously, so an aclose()-only service is reported."""

        @app.get("/async-resource")
        def resource(resource: Inject[AsyncResource]) -> str:
            return "ok"

        app.testing = True
        with pytest.raises(ScopeError, match="AsyncResource"):
            app.test_client().get("/async-resource")

    def test_async_generator_factories_make_the_teardown_raise(self, app):
        """Flask cannot finalise an async generator factory: the teardown says so."""

        @app.get("/async-client")
        async def client(client: Inject[AsyncClient]) -> str:
            return "ok"

        pytest.importorskip("asgiref")
        app.testing = True
        with pytest.raises(ScopeError, match="async generator factory"):
            app.test_client().get("/async-client")


class TestFlaskTenantScope:
    """The scope selector enters a custom scope per request."""

    def test_a_tenant_service_is_shared_by_that_tenants_requests(self, app):
        """Requests with the same tenant header get the same tenant service."""
        client = app.test_client()
        acme = client.get("/tenant", headers={TENANT_HEADER: "ACME"}).json
        again = client.get("/tenant", headers={TENANT_HEADER: "ACME"}).json
        globex = client.get("/tenant", headers={TENANT_HEADER: "Globex"}).json
        assert acme == again == {"tenant": "ACME", "number": acme["number"]}
        assert globex["tenant"] == "Globex"
        assert globex["number"] != acme["number"]

    def test_the_tenant_scope_is_left_after_the_request(self, app, scopes):
        """Once the request is torn down, no tenant is active."""
        app.test_client().get("/tenant", headers={TENANT_HEADER: "ACME"})
        assert scopes.current_id() is None

    def test_without_a_tenant_a_tenant_service_raises_scope_error(self, app):
        """With no header the selector returns None: tenant services are refused."""
        app.testing = True
        with pytest.raises(ScopeError, match="tenant"):
            app.test_client().get("/tenant")

    def test_a_bad_selector_result_raises_scope_error(self, provider):
        """The selector must return (name, scope_id) or None."""
        app = make_app(provider, scope=lambda request: ["tenant", "ACME"])
        app.testing = True
        with pytest.raises(ScopeError, match="expected \\(name, scope_id\\) or None"):
            app.test_client().get("/")


class TestFlaskMisuse:
    """Mistakes are reported with what to change."""

    def test_request_scope_outside_a_request_raises_scope_error(self):
        """Without a request context there is no request scope."""
        with pytest.raises(ScopeError, match="outside a Flask request"):
            request_scope()

    def test_request_scope_without_init_app_raises_scope_error(self):
        """A request of an app without init_app has no scope; the hint says init_app."""
        app = Flask(__name__)
        with app.test_request_context("/"), pytest.raises(ScopeError) as caught:
            request_scope()
        assert caught.value.hint is not None
        assert "init_app(app, provider)" in caught.value.hint

    def test_a_test_request_context_says_preprocess_request(self, app):
        """init_app was called; its before_request handler has not run yet."""
        with app.test_request_context("/"):
            with pytest.raises(ScopeError, match="have not run") as caught:
                request_scope()
            assert "app.preprocess_request()" in (caught.value.hint or "")
            app.preprocess_request()
            assert isinstance(request_scope(), Scope)

    def test_a_streamed_body_is_told_the_scope_closed(self, app):
        """stream_with_context runs the body after teardown closed the scope."""
        seen: list[str] = []

        @app.get("/stream")
        def stream() -> Any:
            @stream_with_context
            def body() -> Iterator[str]:
                try:
                    request_scope()
                except ScopeError as error:
                    seen.append(str(error).splitlines()[0])
                yield "done"

            return app.response_class(body())

        assert app.test_client().get("/stream").text == "done"
        expected = (
            "this request's wiredi scope is closed: Flask tore the request down "
            "when the view returned (a streamed body runs after that)"
        )
        assert seen == [expected]

    def test_init_app_twice_raises_registration_error(self, app, provider):
        """One app, one init_app."""
        with pytest.raises(RegistrationError, match="already called"):
            init_app(app, provider)

    def test_a_view_whose_inject_hints_cannot_be_read_raises(self, app):
        """A view that uses Inject but has a broken hint is reported, not skipped."""

        @app.get("/broken")
        def broken(
            service: "Inject[RequestService]",
            other: "Missing",  # type: ignore[name-defined]  # noqa: F821
        ) -> str:
            return "never"

        app.testing = True
        with pytest.raises(RegistrationError, match="broken: its type hints"):
            app.test_client().get("/broken")


# ------------------------------------------------------------ context values


class CurrentUser:
    """Built per request from the Authorization header."""

    def __init__(self, name: str) -> None:
        self.name = name


def user_from(request: Request) -> CurrentUser:
    return CurrentUser(request.headers.get("Authorization", "anonymous"))


def user_app(*declared: type) -> Flask:
    services = ServiceCollection().add_scoped_factory(CurrentUser, user_from)
    for declared_type in declared:
        services.add_context(declared_type)
    app = Flask(__name__)
    init_app(app, services.build_service_provider())
    return app


class TestFlaskContextValues:
    """init_app gives each scope the request being handled, when it is declared."""

    def test_a_view_gets_the_user_of_its_request(self):
        """CurrentUser is built from this request's header."""
        app = user_app(Request)

        @app.get("/")
        def whoami(user: Inject[CurrentUser], given: Inject[Request]) -> list[Any]:
            return [user.name, given is flask.request._get_current_object()]

        client = app.test_client()
        assert client.get("/", headers={"Authorization": "ada"}).json == ["ada", True]
        assert client.get("/").json == ["anonymous", True]

    def test_a_class_based_view_gets_it_too(self):
        """A MethodView handler's Inject parameters see the request's user."""
        app = user_app(Request)

        class Profile(MethodView):
            def get(self, user: Inject[CurrentUser]) -> str:
                return user.name

        app.add_url_rule("/profile", view_func=Profile.as_view("profile"))
        reply = app.test_client().get("/profile", headers={"Authorization": "bob"})
        assert reply.text == "bob"

    def test_werkzeugs_request_and_a_custom_request_class_are_given(self):
        """A declared werkzeug Request or app.request_class gets the same object."""

        class AppRequest(Request):
            pass

        services = ServiceCollection().add_context(WerkzeugRequest)
        services.add_context(AppRequest)
        app = Flask(__name__)
        app.request_class = AppRequest
        init_app(app, services.build_service_provider())

        @app.get("/")
        def view(plain: Inject[WerkzeugRequest], mine: Inject[AppRequest]) -> str:
            return str(plain is mine is flask.request._get_current_object())

        assert app.test_client().get("/").text == "True"

    def test_undeclared_request_types_are_not_given(self, app):
        """Without add_context(flask.Request) no request is given, or needed."""
        assert app.extensions["wiredi"].request_types == ()
        assert app.test_client().get("/").status_code == 200


class TestFlaskSelectorErrors:
    """A selector that raises fails the request like a before_request handler."""

    def test_an_exception_is_a_logged_500(self, provider, caplog):
        """Flask answers 500; the wiredi logger names the selector and the request."""

        def tenant_of(request: Request) -> tuple[str, str]:
            return ("tenant", request.headers["X-Tenant-Id"])

        app = make_app(provider, scope=tenant_of)
        with caplog.at_level("ERROR"):
            response = app.test_client().get("/")
        assert response.status_code == 500
        assert [r.getMessage() for r in caplog.records if r.name == "wiredi"] == [
            (
                "the scope selector tenant_of given to init_app raised "
                "KeyError('HTTP_X_TENANT_ID') for GET /; the request fails with a 500"
            )
        ]

    def test_abort_gives_its_status_without_an_error_log(self, provider, caplog):
        """abort(400) in the selector is the response, as intended: nothing to log."""

        def tenant_of(request: Request) -> tuple[str, str]:
            tenant = request.headers.get("X-Tenant-Id")
            if tenant is None:
                abort(400, "send X-Tenant-Id")
            return ("tenant", tenant)

        app = make_app(provider, scope=tenant_of)
        with caplog.at_level("ERROR"):
            response = app.test_client().get("/")
        assert response.status_code == 400
        assert "send X-Tenant-Id" in response.text
        assert [r for r in caplog.records if r.name == "wiredi"] == []
