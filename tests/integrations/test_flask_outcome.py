"""Flask: a view's unhandled exception reaches the request scope's generator factories."""

from __future__ import annotations

import pytest

pytest.importorskip("flask")

from flask import Flask, abort

from tests.integrations.outcome_fakes import (
    DbSession,
    OrderFailedError,
    Outcomes,
    session_services,
)
from wiredi.integrations.flask import Inject, init_app


def outcome_app(outcomes: Outcomes) -> Flask:
    app = Flask(__name__)
    init_app(app, session_services(outcomes).build_service_provider())

    @app.post("/orders")
    def create(session: Inject[DbSession]) -> str:
        return "created"

    @app.post("/orders/fail")
    def fail(session: Inject[DbSession]) -> str:
        raise OrderFailedError("out of stock")

    @app.post("/orders/conflict")
    def conflict(session: Inject[DbSession]) -> str:
        abort(409)

    return app


@pytest.fixture(name="outcomes")
def _outcomes() -> Outcomes:
    return Outcomes()


class TestFlaskRequestOutcome:
    """Through Flask's test client: rollback on a raising view, commit on success."""

    def test_a_raising_view_rolls_the_session_back(self, outcomes):
        """A view that raises answers 500 and its session factory rolls back."""
        app = outcome_app(outcomes)
        app.logger.disabled = True  # Flask logs the unhandled error
        assert app.test_client().post("/orders/fail").status_code == 500
        assert outcomes.events == ["rollback OrderFailedError"]

    def test_a_successful_view_commits_the_session(self, outcomes):
        """A view that returns lets its session factory commit."""
        assert outcome_app(outcomes).test_client().post("/orders").text == "created"
        assert outcomes.events == ["commit"]

    def test_the_views_exception_propagates_unchanged(self, outcomes):
        """With exceptions propagated (testing), the view's own error comes out."""
        app = outcome_app(outcomes)
        app.testing = True
        with pytest.raises(OrderFailedError, match="out of stock"):
            app.test_client().post("/orders/fail")
        assert outcomes.events == ["rollback OrderFailedError"]

    def test_an_http_error_is_a_response_and_commits(self, outcomes):
        """abort(409) is answered by Flask: teardown gets no exception, so commit."""
        assert (
            outcome_app(outcomes).test_client().post("/orders/conflict").status_code
            == 409
        )
        assert outcomes.events == ["commit"]

    @pytest.mark.parametrize(
        ("handled", "event"),
        [
            (OrderFailedError, "commit"),
            (Exception, "commit"),
            (500, "rollback OrderFailedError"),
        ],
    )
    def test_an_error_handler_commits_unless_it_is_for_500(
        self, outcomes, handled, event
    ):
        """Flask hands teardown the error a 500 handler answered (guide: flask.md)."""
        app = outcome_app(outcomes)
        app.register_error_handler(handled, lambda error: ("handled", 503))
        assert app.test_client().post("/orders/fail").status_code == 503
        assert outcomes.events == [event]
