"""``health_path=``: the health report as an HTTP endpoint in FastAPI, ASGI and Flask."""

from __future__ import annotations

from typing import Any

import pytest

from wiredi import RegistrationError, ServiceCollection, ServiceProvider


class Database:
    def __init__(self) -> None:
        self.up = True

    def execute(self, sql: str) -> None:
        if not self.up:
            raise ConnectionError("connection refused (password=hunter2)")


class Cache:
    pass


def make_provider() -> ServiceProvider:
    services = ServiceCollection()
    services.add_singleton(Database, health_check=lambda db: db.execute("select 1"))
    services.add_singleton(Cache, health_check=lambda _: True)
    return services.build_service_provider()


def no_tenant(request: Any) -> tuple[str, str]:
    """A scope selector that fails without the header: probes do not send it."""
    return ("tenant", request.headers["X-Tenant-Id"])


def assert_healthy_body(body: dict[str, Any]) -> None:
    assert body["status"] == "healthy"
    assert [(c["name"], c["status"], c["error"]) for c in body["checks"]] == [
        ("Database", "healthy", None),
        ("Cache", "healthy", None),
    ]


def assert_unhealthy_body(body: dict[str, Any]) -> None:
    assert body["status"] == "unhealthy"
    assert body["checks"][0] == {
        "name": "Database",
        "status": "unhealthy",
        "duration": body["checks"][0]["duration"],
        "error": "ConnectionError: connection refused (password=***)",
    }


class TestFastAPI:
    """``setup(app, provider, health_path="/healthz")``."""

    @pytest.fixture(name="client")
    def _client(self) -> Any:
        pytest.importorskip("fastapi")
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        from wiredi.integrations.fastapi import setup

        provider = make_provider()
        app = FastAPI()
        setup(app, provider, health_path="/healthz")

        @app.get("/")
        def index() -> str:
            return "home"

        with TestClient(app) as client:
            client.provider = provider  # type: ignore[attr-defined]
            yield client

    def test_healthy_is_200_with_the_report(self, client: Any) -> None:
        """Every check passes: 200 and the JSON report."""
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["cache-control"] == "no-store"
        assert_healthy_body(response.json())
        assert client.get("/").json() == "home"  # other routes are untouched

    def test_unhealthy_is_503_with_the_report(self, client: Any) -> None:
        """A failing check: 503 and the JSON report, secrets hidden."""
        client.provider.get_service(Database).up = False
        response = client.get("/healthz")
        assert response.status_code == 503
        assert_unhealthy_body(response.json())

    def test_head_answers_without_a_body(self, client: Any) -> None:
        """HEAD gets the status and no body."""
        response = client.head("/healthz")
        assert (response.status_code, response.content) == (200, b"")

    def test_other_methods_go_to_the_app(self, client: Any) -> None:
        """POST /healthz is not the endpoint: the app answers it."""
        assert client.post("/healthz").status_code == 404

    def test_no_endpoint_without_health_path(self) -> None:
        """By default there is no health endpoint."""
        pytest.importorskip("fastapi")
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        from wiredi.integrations.fastapi import setup

        app = FastAPI()
        setup(app, make_provider())
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 404

    def test_the_probe_needs_no_request_scope(self) -> None:
        """The endpoint is answered before the scope selector runs."""
        pytest.importorskip("fastapi")
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        from wiredi.integrations.fastapi import setup

        app = FastAPI()
        setup(app, make_provider(), scope=no_tenant, health_path="/healthz")
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200

    def test_the_timeout_is_applied(self) -> None:
        """health_timeout= bounds each check of the endpoint."""
        pytest.importorskip("fastapi")
        import threading

        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        from wiredi.integrations.fastapi import setup

        release = threading.Event()
        services = ServiceCollection()
        services.add_singleton(Cache, health_check=lambda _: release.wait(5))
        app = FastAPI()
        setup(
            app,
            services.build_service_provider(),
            health_path="/healthz",
            health_timeout=0.1,
        )
        try:
            with TestClient(app) as client:
                response = client.get("/healthz")
        finally:
            release.set()
        assert response.status_code == 503
        assert response.json()["checks"][0]["error"] == "timed out after 0.1 s"

    def test_a_bad_path_fails_setup(self) -> None:
        """A health_path without a leading slash is rejected by setup() itself."""
        pytest.importorskip("fastapi")
        from fastapi import FastAPI

        from wiredi.integrations.fastapi import setup

        with pytest.raises(RegistrationError, match=r"setup\(\.\.\., health_path="):
            setup(FastAPI(), make_provider(), health_path="healthz")


class TestASGI:
    """``WiredMiddleware(app, provider, health_path=...)`` for Starlette and bare ASGI."""

    def test_starlette_app_gets_200_then_503(self) -> None:
        """The middleware answers the path with the report, 200 then 503."""
        pytest.importorskip("starlette")
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.testclient import TestClient

        from wiredi.integrations.asgi import WiredMiddleware

        provider = make_provider()
        app = Starlette(
            middleware=[
                Middleware(WiredMiddleware, provider=provider, health_path="/healthz")
            ]
        )
        with TestClient(app) as client:
            healthy = client.get("/healthz")
            provider.get_service(Database).up = False
            unhealthy = client.get("/healthz")
        assert healthy.status_code == 200
        assert_healthy_body(healthy.json())
        assert unhealthy.status_code == 503
        assert_unhealthy_body(unhealthy.json())

    async def test_a_bare_asgi_app_is_never_reached_for_the_probe(self) -> None:
        """The probe is answered by the middleware; the wrapped app is not called."""
        import json

        from wiredi.integrations.asgi import WiredMiddleware

        called: list[str] = []
        sent: list[dict[str, Any]] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            called.append(scope["path"])

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        wired = WiredMiddleware(app, make_provider(), health_path="/healthz")
        probe = {"type": "http", "method": "GET", "path": "/healthz"}
        await wired(probe, receive, send)
        assert called == []
        assert sent[0]["status"] == 200
        assert_healthy_body(json.loads(sent[1]["body"]))

    def test_a_bad_path_fails_at_once(self) -> None:
        """WiredMiddleware rejects a health_path that is not a URL path."""
        from wiredi.integrations.asgi import WiredMiddleware

        async def app(scope: Any, receive: Any, send: Any) -> None: ...

        with pytest.raises(RegistrationError) as caught:
            WiredMiddleware(app, make_provider(), health_path="healthz")
        assert 'health_path="/healthz"' in str(caught.value)


class TestFlask:
    """``init_app(app, provider, health_path="/healthz")``."""

    @pytest.fixture(name="app")
    def _app(self) -> Any:
        pytest.importorskip("flask")
        from flask import Flask

        from wiredi.integrations.flask import init_app

        app = Flask(__name__)
        app.config["provider"] = provider = make_provider()
        init_app(app, provider, health_path="/healthz")

        @app.get("/")
        def index() -> str:
            return "home"

        return app

    def test_healthy_is_200_with_the_report(self, app: Any) -> None:
        """Every check passes: 200 and the JSON report."""
        response = app.test_client().get("/healthz")
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        assert_healthy_body(response.get_json())
        assert app.test_client().get("/").text == "home"

    def test_unhealthy_is_503_with_the_report(self, app: Any) -> None:
        """A failing check: 503 and the JSON report, secrets hidden."""
        app.config["provider"].get_service(Database).up = False
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert_unhealthy_body(response.get_json())

    def test_head_and_other_methods(self, app: Any) -> None:
        """HEAD is answered without a body; POST is not allowed."""
        client = app.test_client()
        head = client.head("/healthz")
        assert (head.status_code, head.data) == (200, b"")
        assert client.post("/healthz").status_code == 405

    def test_the_endpoint_has_a_name(self, app: Any) -> None:
        """url_for('wiredi_health') gives the path."""
        from flask import url_for

        with app.test_request_context():
            assert url_for("wiredi_health") == "/healthz"

    def test_answered_before_before_request_handlers(self) -> None:
        """The probe skips the scope selector and the app's own before_request."""
        pytest.importorskip("flask")
        from flask import Flask, abort

        from wiredi.integrations.flask import init_app

        with_selector = Flask(__name__)
        init_app(
            with_selector, make_provider(), scope=no_tenant, health_path="/healthz"
        )
        assert with_selector.test_client().get("/healthz").status_code == 200

        app = Flask(__name__)
        init_app(app, make_provider(), health_path="/healthz")

        @app.before_request
        def require_login() -> None:
            abort(401)

        assert app.test_client().get("/healthz").status_code == 200
        assert app.test_client().get("/other").status_code == 401

    def test_no_endpoint_without_health_path(self) -> None:
        """By default there is no health endpoint."""
        pytest.importorskip("flask")
        from flask import Flask

        from wiredi.integrations.flask import init_app

        app = Flask(__name__)
        init_app(app, make_provider())
        assert app.test_client().get("/healthz").status_code == 404

    def test_a_bad_path_fails_init_app(self) -> None:
        """A health_path without a leading slash is rejected, and nothing is set up."""
        pytest.importorskip("flask")
        from flask import Flask

        from wiredi.integrations.flask import init_app

        app = Flask(__name__)
        with pytest.raises(RegistrationError, match=r"init_app\(\.\.\., health_path="):
            init_app(app, make_provider(), health_path="healthz")
        assert "wiredi" not in app.extensions
