"""Health checks: ``health_check=``, ``check_health()`` and ``check_health_async()``."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Generic, TypeVar

import pytest

from wiredi import (
    HealthCheckResult,
    HealthReport,
    RegistrationError,
    ScopeError,
    ServiceCollection,
)
from wiredi._runtime.health import redact
from wiredi.config import Configuration, IConfiguration

T = TypeVar("T")

HERE = "test_health.py:"
# a factory's error, with the note wiredi adds while resolving
REPLICA_DOWN = (
    "ConnectionError: replica down\nwiredi: raised while resolving Database (singleton)"
)


class Database:
    """A service whose check is ``db.execute("select 1")``."""

    def __init__(self) -> None:
        self.closed = False
        self.queries: list[str] = []

    def execute(self, sql: str) -> bool:
        self.queries.append(sql)
        return True

    def close(self) -> None:
        self.closed = True


class Cache:
    pass


class Box(Generic[T]):
    pass


def ok(_: object) -> bool:
    return True


def fails(_: object) -> None:
    raise ConnectionError("connection refused")


def healthy_names(report: HealthReport) -> list[str]:
    return [check.name for check in report.checks if check.status == "healthy"]


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll ``condition`` until it holds (a late check finishes on its thread)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# ------------------------------------------------------------ registration


REGISTRATIONS: dict[str, Callable[[ServiceCollection, Any], object]] = {
    "add": lambda s, c: s.add(Database, lifetime="scoped", health_check=c),
    "add(factory=)": lambda s, c: s.add(
        Database, lifetime="transient", factory=Database, health_check=c
    ),
    "add(instance=)": lambda s, c: s.add(
        Database, lifetime="singleton", instance=Database(), health_check=c
    ),
    "add_singleton": lambda s, c: s.add_singleton(Database, health_check=c),
    "add_scoped": lambda s, c: s.add_scoped(Database, Database, health_check=c),
    "add_transient": lambda s, c: s.add_transient(Database, health_check=c),
    "add_singleton_factory": lambda s, c: s.add_singleton_factory(
        Database, Database, health_check=c
    ),
    "add_scoped_factory": lambda s, c: s.add_scoped_factory(
        Database, Database, health_check=c
    ),
    "add_transient_factory": lambda s, c: s.add_transient_factory(
        Database, Database, health_check=c
    ),
    "add_instance": lambda s, c: s.add_instance(Database, Database(), health_check=c),
    "add_alias": lambda s, c: s.add_singleton(Cache).add_alias(
        Database, Cache, health_check=c
    ),
    "try_add": lambda s, c: s.try_add(Database, lifetime="scoped", health_check=c),
    "try_add_singleton": lambda s, c: s.try_add_singleton(Database, health_check=c),
    "try_add_scoped": lambda s, c: s.try_add_scoped(Database, health_check=c),
    "try_add_transient": lambda s, c: s.try_add_transient(Database, health_check=c),
    "try_add_singleton_factory": lambda s, c: s.try_add_singleton_factory(
        Database, Database, health_check=c
    ),
    "try_add_scoped_factory": lambda s, c: s.try_add_scoped_factory(
        Database, Database, health_check=c
    ),
    "try_add_transient_factory": lambda s, c: s.try_add_transient_factory(
        Database, Database, health_check=c
    ),
    "try_add_instance": lambda s, c: s.try_add_instance(
        Database, Database(), health_check=c
    ),
    "replace": lambda s, c: s.replace(Database, health_check=c),
    "component view": lambda s, c: s.component("db").add_scoped(
        Database, health_check=c
    ),
}


class TestRegistration:
    """``health_check=`` is taken by every ``add*`` method and checked at once."""

    @pytest.mark.parametrize("method", REGISTRATIONS)
    def test_every_registration_method_takes_a_check(self, method: str) -> None:
        """Each add*/try_add*/replace call's check is run with the resolved service."""
        seen: list[object] = []
        services = ServiceCollection()
        REGISTRATIONS[method](services, seen.append)
        report = services.build_service_provider().check_health(timeout=2)
        assert report.status == "healthy"
        assert len(seen) == 1
        assert isinstance(seen[0], Database | Cache)

    def test_a_check_that_is_not_callable_is_a_registration_error(self) -> None:
        """A non-callable check fails the add* call, naming it, the fix and the line."""
        services = ServiceCollection()
        with pytest.raises(RegistrationError) as caught:
            services.add_singleton(Database, health_check="select 1")  # type: ignore[arg-type]
        error = caught.value
        assert str(error).startswith(
            "add_singleton(Database): health_check='select 1' is not callable"
        )
        assert "health_check=lambda db: db.execute('select 1')" in str(error)
        assert error.registered_at.startswith(HERE)
        assert len(services) == 0

    def test_a_bad_check_on_a_factory_names_the_call(self) -> None:
        """The factory methods report their own call in the error."""
        with pytest.raises(RegistrationError, match=r"^add_scoped_factory\(Database"):
            ServiceCollection().add_scoped_factory(Database, Database, health_check=3)  # type: ignore[arg-type]

    def test_a_bad_check_on_an_alias_is_rejected(self) -> None:
        """add_alias checks its health_check= too."""
        services = ServiceCollection().add_singleton(Cache)
        with pytest.raises(RegistrationError, match="is not callable"):
            services.add_alias(Database, Cache, health_check=42)  # type: ignore[arg-type]
        assert len(services) == 1

    def test_a_custom_scope_service_cannot_have_a_check(self) -> None:
        """A check on a custom-scope service could never resolve: rejected at once."""
        services = ServiceCollection()
        with pytest.raises(RegistrationError) as caught:
            services.add(Database, lifetime="tenant", health_check=ok)
        assert "custom scope 'tenant'" in str(caught.value)
        assert "fresh request scope" in str(caught.value)
        assert len(services) == 0

    def test_an_open_generic_cannot_have_a_check(self) -> None:
        """A check on an open generic is rejected, pointing to a closed type."""
        with pytest.raises(RegistrationError) as caught:
            ServiceCollection().add_scoped(Box, health_check=ok)
        assert "open generic Box" in str(caught.value)
        assert "Box[int]" in str(caught.value)

    def test_a_closed_generic_can_have_a_check(self) -> None:
        """Box[int] is resolvable, so its check runs."""
        seen: list[object] = []
        services = ServiceCollection().add_scoped(
            Box[int], Box, health_check=seen.append
        )
        report = services.build_service_provider().check_health()
        assert [check.name for check in report.checks] == ["Box[int]"]
        assert isinstance(seen[0], Box)

    def test_a_skipped_try_add_registers_no_check(self) -> None:
        """When try_add* registers nothing, its check is not registered either."""
        services = ServiceCollection().add_singleton(Database)
        services.try_add_singleton(Database, health_check=fails)
        report = services.build_service_provider().check_health()
        assert report.checks == ()

    def test_replace_drops_the_checks_of_what_it_replaces(self) -> None:
        """A replaced registration's check goes with it; the new one's stays."""
        seen: list[object] = []
        services = ServiceCollection().add_singleton(Database, health_check=fails)
        services.replace(Database, health_check=seen.append)
        report = services.build_service_provider().check_health()
        assert report.status == "healthy"
        assert len(seen) == 1

    def test_remove_all_drops_the_checks(self) -> None:
        """remove_all removes the checks of the registrations it removes."""
        services = ServiceCollection().add_singleton(Database, health_check=fails)
        services.remove_all(Database)
        assert services.build_service_provider().check_health().checks == ()

    def test_checks_added_after_build_are_not_seen(self) -> None:
        """A provider runs the checks of the registrations it was built from."""
        services = ServiceCollection().add_singleton(Database, health_check=ok)
        provider = services.build_service_provider()
        services.add_singleton(Cache, health_check=fails)
        assert [check.name for check in provider.check_health().checks] == ["Database"]


# ------------------------------------------------------------- sync form


class TestCheckHealth:
    """``provider.check_health()`` runs each check in a fresh scope, on a thread."""

    def test_no_checks_is_a_healthy_empty_report(self) -> None:
        """Without any health_check= the report is healthy and empty."""
        report = ServiceCollection().build_service_provider().check_health()
        assert (report.status, report.checks) == ("healthy", ())

    def test_a_passing_check_is_healthy(self) -> None:
        """A check that returns (anything but False) is healthy, with its duration."""
        services = ServiceCollection()
        services.add_singleton(Database, health_check=lambda db: db.execute("select 1"))
        provider = services.build_service_provider()
        report = provider.check_health()
        assert report.status == "healthy"
        (result,) = report.checks
        assert (result.name, result.status, result.error) == (
            "Database",
            "healthy",
            None,
        )
        assert 0 <= result.duration <= report.duration
        assert provider.get_service(Database).queries == ["select 1"]

    def test_a_check_returning_false_is_unhealthy(self) -> None:
        """Returning False makes the check, and so the report, unhealthy."""
        services = ServiceCollection().add_singleton(
            Database, health_check=lambda _: False
        )
        report = services.build_service_provider().check_health()
        assert report.status == "unhealthy"
        assert report.checks[0].error == "the check returned False"

    def test_a_check_returning_none_is_healthy(self) -> None:
        """Only False means unhealthy: None (a plain ``execute``) is fine."""
        services = ServiceCollection().add_singleton(
            Database, health_check=lambda _: None
        )
        assert services.build_service_provider().check_health().status == "healthy"

    def test_a_raising_check_is_unhealthy_with_the_error_text(self) -> None:
        """The exception becomes ``Type: message``."""
        services = ServiceCollection().add_singleton(Database, health_check=fails)
        (result,) = services.build_service_provider().check_health().checks
        assert result.status == "unhealthy"
        assert result.error == "ConnectionError: connection refused"

    def test_a_check_raising_timeout_error_is_not_reported_as_our_timeout(
        self,
    ) -> None:
        """The check's own TimeoutError is its error, not 'timed out after'."""

        def slow_read(_: object) -> None:
            raise TimeoutError("read timed out")

        services = ServiceCollection().add_singleton(Database, health_check=slow_read)
        (result,) = services.build_service_provider().check_health().checks
        assert result.error == "TimeoutError: read timed out"

    def test_a_failing_resolution_is_unhealthy(self) -> None:
        """A factory that raises makes the check unhealthy; the check is not called."""
        called: list[object] = []

        def connect() -> Database:
            raise ConnectionError("db:5432 unreachable")

        services = ServiceCollection()
        services.add_singleton_factory(Database, connect, health_check=called.append)
        (result,) = services.build_service_provider().check_health().checks
        assert result.status == "unhealthy"
        assert result.error is not None
        assert result.error.startswith("ConnectionError: db:5432 unreachable")
        assert called == []

    def test_a_missing_dependency_is_unhealthy_with_the_path(self) -> None:
        """Without validation, a missing dependency is reported with its path."""

        class Repo:
            def __init__(self, db: Database) -> None:
                self.db = db

        services = ServiceCollection().add_scoped(Repo, health_check=ok)
        provider = services.build_service_provider(validate=False)
        (result,) = provider.check_health().checks
        assert result.error is not None
        assert result.error.startswith("ServiceNotFoundError: ")
        assert "Repo -> Database" in result.error

    def test_unreadable_hints_are_unhealthy(self) -> None:
        """A constructor whose hints cannot be evaluated is reported, not raised."""

        class Broken:
            def __init__(self, x: Missing) -> None:  # type: ignore[name-defined]  # noqa: F821
                self.x = x

        services = ServiceCollection().add_scoped(Broken, health_check=ok)
        provider = services.build_service_provider(validate=False)
        (result,) = provider.check_health().checks
        assert (result.error or "").startswith("RegistrationError: cannot resolve")
        (result,) = asyncio.run(provider.check_health_async()).checks
        assert (result.error or "").startswith("RegistrationError: cannot resolve")

    def test_an_earlier_registration_that_fails_is_unhealthy(self) -> None:
        """The check of the first of two registrations reports its own failure."""

        def broken() -> Database:
            raise ConnectionError("replica down")

        services = ServiceCollection()
        services.add_singleton_factory(Database, broken, health_check=ok)
        services.add_singleton(Database, health_check=ok)
        report = services.build_service_provider().check_health()
        assert [(c.name, c.error) for c in report.checks] == [
            ("Database#1", REPLICA_DOWN),
            ("Database#2", None),
        ]

    def test_one_failure_does_not_stop_the_other_checks(self) -> None:
        """Every check runs and is reported, in registration order."""
        services = ServiceCollection()
        services.add_singleton(Database, health_check=fails)
        services.add_singleton(Cache, health_check=ok)
        report = services.build_service_provider().check_health()
        assert [(c.name, c.status) for c in report.checks] == [
            ("Database", "unhealthy"),
            ("Cache", "healthy"),
        ]
        assert report.status == "unhealthy"

    def test_the_scope_is_closed_after_each_check(self) -> None:
        """What a check's scope created is disposed before the report returns."""
        seen: list[Database] = []
        services = ServiceCollection().add_scoped(Database, health_check=seen.append)
        provider = services.build_service_provider()
        provider.check_health()
        provider.check_health()
        assert len(seen) == 2
        assert seen[0] is not seen[1]  # a fresh scope each time
        assert all(db.closed for db in seen)

    def test_the_scope_is_closed_when_the_check_fails(self) -> None:
        """A failing check's scope is closed too."""
        seen: list[Database] = []

        def check(db: Database) -> None:
            seen.append(db)
            raise RuntimeError("bad")

        services = ServiceCollection().add_scoped(Database, health_check=check)
        services.build_service_provider().check_health()
        assert seen[0].closed

    def test_generator_factories_are_finalised(self) -> None:
        """A generator factory's cleanup runs when the check's scope closes."""
        events: list[str] = []

        def session() -> Iterator[Database]:
            events.append("open")
            yield Database()
            events.append("closed")

        services = ServiceCollection()
        services.add_scoped_factory(Database, session, health_check=ok)
        services.build_service_provider().check_health()
        assert events == ["open", "closed"]

    def test_a_failing_disposal_is_unhealthy(self) -> None:
        """An error while closing the check's scope is reported."""

        class Leaky:
            def close(self) -> None:
                raise OSError("socket already closed")

        services = ServiceCollection().add_scoped(Leaky, health_check=ok)
        (result,) = services.build_service_provider().check_health().checks
        assert result.status == "unhealthy"
        assert result.error == (
            "closing its scope failed: OSError: socket already closed"
        )

    def test_a_failing_check_and_disposal_are_both_reported(self) -> None:
        """The check's error comes first, the closing error after it."""

        class Leaky:
            def close(self) -> None:
                raise OSError("socket already closed")

        services = ServiceCollection().add_scoped(Leaky, health_check=lambda _: False)
        (result,) = services.build_service_provider().check_health().checks
        assert result.error == (
            "the check returned False; "
            "closing its scope failed: OSError: socket already closed"
        )

    def test_a_singleton_is_checked_as_the_provider_holds_it(self) -> None:
        """A singleton's check gets the provider's own instance, which stays open."""
        seen: list[Database] = []
        services = ServiceCollection().add_singleton(Database, health_check=seen.append)
        provider = services.build_service_provider()
        provider.check_health()
        assert seen == [provider.get_service(Database)]
        assert not seen[0].closed

    def test_an_async_check_runs_in_the_sync_form(self) -> None:
        """An ``async def`` check is awaited (on the check's thread)."""

        async def check(db: Database) -> bool:
            await asyncio.sleep(0)
            return False

        services = ServiceCollection().add_singleton(Database, health_check=check)
        (result,) = services.build_service_provider().check_health().checks
        assert result.error == "the check returned False"

    def test_an_async_factory_needs_the_async_form(self) -> None:
        """The sync form reports a service built by an async factory, with the fix."""

        async def connect() -> Database:
            return Database()

        services = ServiceCollection()
        services.add_singleton_factory(Database, connect, health_check=ok)
        (result,) = services.build_service_provider().check_health().checks
        assert result.status == "unhealthy"
        assert "await provider.check_health_async()" in (result.error or "")

    def test_components_and_several_registrations_are_named_apart(self) -> None:
        """Names carry the component, and #n when a type has several checks."""

        class Primary(Database): ...

        class Replica(Database): ...

        seen: list[object] = []
        services = ServiceCollection()
        services.add_singleton(Database, Primary, health_check=seen.append)
        services.add_singleton(Database, Replica, health_check=seen.append)
        services.add_singleton(Cache, component="sessions", health_check=ok)
        report = services.build_service_provider().check_health()
        assert [check.name for check in report.checks] == [
            "Database#1",
            "Database#2",
            "Cache@sessions",
        ]
        assert sorted(type(db).__name__ for db in seen) == ["Primary", "Replica"]

    def test_an_override_is_what_gets_checked(self) -> None:
        """Inside provider.override(T, fake) the check runs on the fake."""
        seen: list[object] = []
        services = ServiceCollection().add_singleton(Database, health_check=seen.append)
        provider = services.build_service_provider()
        fake = Database()
        with provider.override(Database, fake):
            provider.check_health()
        provider.check_health()
        assert seen[0] is fake
        assert seen[1] is not fake

    def test_a_decorated_service_is_checked_as_resolved(self) -> None:
        """The check gets the decorated object, as get_service would."""

        class LoggingDatabase(Database):
            def __init__(self, inner: Database) -> None:
                super().__init__()
                self.inner = inner

        seen: list[object] = []
        services = ServiceCollection().add_singleton(Database, health_check=seen.append)
        services.decorate(Database, LoggingDatabase)
        services.build_service_provider().check_health()
        assert isinstance(seen[0], LoggingDatabase)

    def test_a_hanging_check_is_unhealthy_at_its_timeout(self) -> None:
        """A check blocked past the timeout is reported then; the report does not wait."""
        release = threading.Event()
        seen: list[Database] = []

        def hang(db: Database) -> None:
            seen.append(db)
            release.wait(10)

        services = ServiceCollection()
        services.add_scoped(Database, health_check=hang)
        services.add_singleton(Cache, health_check=ok)
        provider = services.build_service_provider()
        started = time.perf_counter()
        try:
            report = provider.check_health(timeout=0.2)
            elapsed = time.perf_counter() - started
        finally:
            release.set()
        assert 0.2 <= elapsed < 1.0
        assert [(c.name, c.status, c.error) for c in report.checks] == [
            ("Database", "unhealthy", "timed out after 0.2 s"),
            ("Cache", "healthy", None),
        ]
        # the hung check's thread closes its scope once the check returns
        assert wait_for(lambda: seen[0].closed)

    def test_checks_run_at_the_same_time_on_threads(self) -> None:
        """Three blocking checks of 0.3 s take well under 0.9 s together."""
        services = ServiceCollection()
        for component in ("a", "b", "c"):
            services.add_singleton(
                Database, component=component, health_check=lambda _: time.sleep(0.3)
            )
        started = time.perf_counter()
        report = services.build_service_provider().check_health()
        assert time.perf_counter() - started < 0.8
        assert healthy_names(report) == ["Database@a", "Database@b", "Database@c"]

    def test_a_base_exception_from_a_check_is_not_swallowed(self) -> None:
        """KeyboardInterrupt raised by a check reaches the caller."""

        def interrupt(_: object) -> None:
            raise KeyboardInterrupt

        services = ServiceCollection().add_singleton(Database, health_check=interrupt)
        with pytest.raises(KeyboardInterrupt):
            services.build_service_provider().check_health()

    def test_a_closed_provider_raises_scope_error(self) -> None:
        """Checking a closed provider is an error, not a report."""
        provider = ServiceCollection().add_singleton(Database, health_check=ok)
        built = provider.build_service_provider()
        built.close()
        with pytest.raises(ScopeError, match="closed"):
            built.check_health()

    @pytest.mark.parametrize("timeout", [0, -1.0])
    def test_a_timeout_that_is_not_positive_is_a_value_error(
        self, timeout: float
    ) -> None:
        """timeout must be > 0."""
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ValueError, match=r"check_health\(timeout=.*\): .* > 0"):
            provider.check_health(timeout=timeout)

    def test_a_timeout_that_is_not_a_number_is_a_type_error(self) -> None:
        """timeout is a number of seconds."""
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(TypeError, match="in seconds"):
            provider.check_health(timeout="5")  # type: ignore[arg-type]

    def test_a_scope_runs_the_checks_too(self) -> None:
        """scope.check_health() runs them in fresh scopes that see its overrides."""
        seen: list[object] = []
        services = ServiceCollection().add_scoped(Database, health_check=seen.append)
        provider = services.build_service_provider()
        fake = Database()
        with provider.create_scope() as scope, scope.override(Database, fake):
            assert scope.check_health().status == "healthy"
        assert seen == [fake]


# ------------------------------------------------------------ async form


class TestCheckHealthAsync:
    """``await provider.check_health_async()`` runs the checks as concurrent tasks."""

    async def test_a_passing_check_is_healthy(self) -> None:
        """An async check that returns True is healthy."""

        async def ping(db: Database) -> bool:
            return db.execute("select 1")

        services = ServiceCollection().add_singleton(Database, health_check=ping)
        report = await services.build_service_provider().check_health_async()
        assert report.status == "healthy"
        assert report.checks[0].error is None

    async def test_false_and_raising_checks_are_unhealthy(self) -> None:
        """Returning False or raising is unhealthy, each with its text."""

        async def broken(_: object) -> None:
            raise ConnectionError("connection refused")

        services = ServiceCollection()
        services.add_singleton(Database, health_check=broken)
        services.add_singleton(Cache, health_check=lambda _: False)
        report = await services.build_service_provider().check_health_async()
        assert report.status == "unhealthy"
        assert [c.error for c in report.checks] == [
            "ConnectionError: connection refused",
            "the check returned False",
        ]

    async def test_three_checks_of_0_3_s_finish_under_0_8_s(self) -> None:
        """Async checks run concurrently: 3 x 0.3 s take < 0.8 s in all."""

        async def slow(_: object) -> bool:
            await asyncio.sleep(0.3)
            return True

        services = ServiceCollection()
        for component in ("a", "b", "c"):
            services.add_singleton(Database, component=component, health_check=slow)
        started = time.perf_counter()
        report = await services.build_service_provider().check_health_async()
        assert time.perf_counter() - started < 0.8
        assert report.status == "healthy"
        assert all(check.duration >= 0.29 for check in report.checks)

    async def test_sync_checks_run_on_threads_and_leave_the_loop_free(self) -> None:
        """Blocking sync checks run concurrently, off the event loop."""
        ticks: list[float] = []

        async def ticker() -> None:
            while True:
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.02)

        services = ServiceCollection()
        for component in ("a", "b", "c"):
            services.add_singleton(
                Database, component=component, health_check=lambda _: time.sleep(0.3)
            )
        provider = services.build_service_provider()
        ticking = asyncio.create_task(ticker())
        started = time.perf_counter()
        report = await provider.check_health_async()
        elapsed = time.perf_counter() - started
        ticking.cancel()
        assert elapsed < 0.8
        assert report.status == "healthy"
        assert len([t for t in ticks if t >= started]) >= 5  # the loop kept running

    async def test_a_blocking_sync_factory_does_not_block_the_loop(self) -> None:
        """A sync factory is resolved on a thread, so its wait does not stall tasks."""
        ticks: list[float] = []

        def slow_connect() -> Database:
            time.sleep(0.3)
            return Database()

        async def ticker() -> None:
            while True:
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.02)

        services = ServiceCollection()
        services.add_singleton_factory(Database, slow_connect, health_check=ok)
        ticking = asyncio.create_task(ticker())
        started = time.perf_counter()
        report = await services.build_service_provider().check_health_async()
        ticking.cancel()
        assert report.status == "healthy"
        assert len([t for t in ticks if t >= started]) >= 5

    async def test_a_hanging_async_check_is_unhealthy_at_its_timeout(self) -> None:
        """An async check that never finishes is cancelled at its timeout."""
        seen: list[Database] = []

        async def hang(db: Database) -> None:
            seen.append(db)
            await asyncio.sleep(10)

        services = ServiceCollection()
        services.add_scoped(Database, health_check=hang)
        services.add_singleton(Cache, health_check=ok)
        started = time.perf_counter()
        report = await services.build_service_provider().check_health_async(timeout=0.2)
        assert time.perf_counter() - started < 1.0
        assert [(c.status, c.error) for c in report.checks] == [
            ("unhealthy", "timed out after 0.2 s"),
            ("healthy", None),
        ]
        assert seen[0].closed  # its scope was closed when it was cancelled

    async def test_a_hanging_sync_check_never_blocks_the_report(self) -> None:
        """A sync check blocked on its thread is reported at the timeout."""
        release = threading.Event()
        seen: list[Database] = []

        def hang(db: Database) -> None:
            seen.append(db)
            release.wait(10)

        services = ServiceCollection().add_scoped(Database, health_check=hang)
        provider = services.build_service_provider()
        started = time.perf_counter()
        try:
            report = await provider.check_health_async(timeout=0.2)
            elapsed = time.perf_counter() - started
            assert not seen[0].closed  # still in use by the hung thread
        finally:
            release.set()
        assert elapsed < 1.0
        assert report.checks[0].error == "timed out after 0.2 s"
        assert wait_for(lambda: seen[0].closed)  # closed once the thread is done

    async def test_a_late_closing_failure_is_logged(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """When the scope of a timed-out check fails to close later, it is logged."""
        release = threading.Event()

        class Leaky:
            def close(self) -> None:
                raise OSError("socket already closed")

        services = ServiceCollection()
        services.add_scoped(Leaky, health_check=lambda _: release.wait(10))
        provider = services.build_service_provider()
        with caplog.at_level("WARNING", logger="wiredi"):
            try:
                report = await provider.check_health_async(timeout=0.1)
            finally:
                release.set()
            assert wait_for(lambda: bool(caplog.records))
        assert report.checks[0].error == "timed out after 0.1 s"
        (record,) = caplog.records
        assert record.getMessage() == (
            "health check Leaky finished after its timeout; closing its scope failed"
        )
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], OSError)

    async def test_async_factories_are_awaited_on_the_loop(self) -> None:
        """A service built by an async factory is resolved and checked."""
        loops: list[asyncio.AbstractEventLoop] = []

        async def connect() -> Database:
            loops.append(asyncio.get_running_loop())
            return Database()

        services = ServiceCollection()
        services.add_singleton_factory(Database, connect, health_check=ok)
        report = await services.build_service_provider().check_health_async()
        assert report.status == "healthy"
        assert loops == [asyncio.get_running_loop()]

    async def test_a_check_may_return_an_awaitable(self) -> None:
        """``lambda client: client.ping()`` with an async ping is awaited on the loop."""
        loops: list[asyncio.AbstractEventLoop] = []

        class Client:
            async def ping(self) -> bool:
                loops.append(asyncio.get_running_loop())
                return False

        services = ServiceCollection().add_singleton(
            Client, health_check=lambda client: client.ping()
        )
        report = await services.build_service_provider().check_health_async()
        assert report.checks[0].error == "the check returned False"
        assert loops == [asyncio.get_running_loop()]

    async def test_the_scope_is_closed_after_each_check(self) -> None:
        """An async generator factory is finalised when the check's scope closes."""
        events: list[str] = []

        async def session() -> AsyncIterator[Database]:
            events.append("open")
            yield Database()
            events.append("closed")

        services = ServiceCollection()
        services.add_scoped_factory(Database, session, health_check=fails)
        report = await services.build_service_provider().check_health_async()
        assert events == ["open", "closed"]
        assert report.checks[0].error == "ConnectionError: connection refused"

    async def test_a_failing_resolution_is_unhealthy(self) -> None:
        """An async factory that raises makes the check unhealthy."""

        async def connect() -> Database:
            raise ConnectionError("db:5432 unreachable")

        services = ServiceCollection()
        services.add_singleton_factory(Database, connect, health_check=ok)
        (result,) = (
            await services.build_service_provider().check_health_async()
        ).checks
        assert (result.error or "").startswith("ConnectionError: db:5432 unreachable")

    async def test_a_failing_disposal_is_unhealthy(self) -> None:
        """An error while closing the check's scope is reported."""

        class Leaky:
            async def aclose(self) -> None:
                raise OSError("socket already closed")

        services = ServiceCollection().add_scoped(Leaky, health_check=ok)
        (result,) = (
            await services.build_service_provider().check_health_async()
        ).checks
        assert (
            result.error == "closing its scope failed: OSError: socket already closed"
        )

    async def test_earlier_registrations_of_a_type_are_checked_as_themselves(
        self,
    ) -> None:
        """With two registrations of one type, each check gets its own object."""

        class Primary(Database): ...

        class Replica(Database): ...

        async def make_replica() -> Database:
            return Replica()

        seen: list[object] = []
        services = ServiceCollection()
        services.add_singleton_factory(Database, make_replica, health_check=seen.append)
        services.add_singleton(Database, Primary, health_check=seen.append)
        report = await services.build_service_provider().check_health_async()
        assert [check.name for check in report.checks] == ["Database#1", "Database#2"]
        assert sorted(type(db).__name__ for db in seen) == ["Primary", "Replica"]

    async def test_an_earlier_async_registration_that_fails_is_unhealthy(
        self,
    ) -> None:
        """The first of two registrations, built by a failing async factory."""

        async def broken() -> Database:
            raise ConnectionError("replica down")

        services = ServiceCollection()
        services.add_singleton_factory(Database, broken, health_check=ok)
        services.add_singleton(Database, health_check=ok)
        report = await services.build_service_provider().check_health_async()
        assert [(c.name, c.error) for c in report.checks] == [
            ("Database#1", REPLICA_DOWN),
            ("Database#2", None),
        ]

    async def test_cancelling_the_caller_cancels_the_report(self) -> None:
        """check_health_async does not swallow its own cancellation."""

        async def hang(_: object) -> None:
            await asyncio.sleep(10)

        services = ServiceCollection().add_singleton(Database, health_check=hang)
        task = asyncio.create_task(
            services.build_service_provider().check_health_async(timeout=5)
        )
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    async def test_a_closed_provider_raises_scope_error(self) -> None:
        """Checking a closed provider is an error, not a report."""
        provider = ServiceCollection().build_service_provider()
        await provider.aclose()
        with pytest.raises(ScopeError):
            await provider.check_health_async()

    async def test_a_timeout_that_is_not_positive_is_a_value_error(self) -> None:
        """timeout must be > 0."""
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ValueError, match=r"check_health_async\(timeout=0\)"):
            await provider.check_health_async(timeout=0)


class UsesConfig:
    def __init__(self, config: IConfiguration) -> None:
        self.password = config.get("database:password")


# --------------------------------------------------------------- secrets


class TestSecrets:
    """Error texts never echo secrets: the configuration's rule applies."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "login failed: password=hunter2 host=db",
                "login failed: password=*** host=db",
            ),
            ("api_key: abc123, retry", "api_key: ***, retry"),
            ("{'token': 's3cr3t', 'user': 'ada'}", "{'token': ***, 'user': 'ada'}"),
            ('{"ClientSecret": "x y"}', '{"ClientSecret": ***}'),
            (
                "cannot reach postgres://app:hunter2@db:5432/orders",
                "cannot reach postgres://app:***@db:5432/orders",
            ),
            ("?user=ada&access_token=t0k&x=1", "?user=ada&access_token=***&x=1"),
            ("port=5432 user=ada", "port=5432 user=ada"),
            ("empty token=, done", "empty token=, done"),
        ],
    )
    def test_secret_looking_values_are_redacted(self, text: str, expected: str) -> None:
        """Values of secret-looking keys and URL passwords become ***."""
        assert redact(text) == expected

    def test_configured_secret_values_are_scrubbed_anywhere(self) -> None:
        """A value held under a secret key of the Configuration is hidden wherever."""
        config = Configuration({"database": {"password": "hunter2", "host": "db"}})

        def check(_: object) -> None:
            raise PermissionError("auth failed for 'hunter2' at db")

        services = ServiceCollection().add_instance(IConfiguration, config)
        services.add_singleton(Database, health_check=check)
        (result,) = services.build_service_provider().check_health().checks
        assert result.error == "PermissionError: auth failed for '***' at db"

    def test_secrets_of_a_factory_made_configuration_are_scrubbed(self) -> None:
        """A configuration registered with a factory is scrubbed once built."""

        def check(service: UsesConfig) -> None:
            raise ConnectionError(f"server rejected {service.password}")

        services = ServiceCollection()
        services.add_singleton_factory(
            IConfiguration,
            lambda _: Configuration({"database": {"password": "hunter2-XYZ"}}),
        )
        services.add_singleton(UsesConfig, health_check=check)
        provider = services.build_service_provider()
        sync = provider.check_health().checks[0].error
        async_ = asyncio.run(provider.check_health_async()).checks[0].error
        assert sync == async_ == "ConnectionError: server rejected ***"

    def test_secrets_are_redacted_in_both_forms(self) -> None:
        """The sync and async reports hide the same secrets."""

        def check(_: object) -> None:
            raise ConnectionError("FATAL: password=hunter2 rejected")

        provider = (
            ServiceCollection()
            .add_singleton(Database, health_check=check)
            .build_service_provider()
        )
        sync = provider.check_health().checks[0].error
        async_ = asyncio.run(provider.check_health_async()).checks[0].error
        assert sync == async_ == "ConnectionError: FATAL: password=*** rejected"

    def test_notes_are_included_and_redacted(self) -> None:
        """The error's notes (a factory's dependency path) are kept, redacted."""

        def check(_: object) -> None:
            error = RuntimeError("refused")
            error.add_note("while connecting with token=abc")
            raise error

        services = ServiceCollection().add_singleton(Database, health_check=check)
        (result,) = services.build_service_provider().check_health().checks
        assert result.error == "RuntimeError: refused\nwhile connecting with token=***"

    def test_the_type_name_is_not_taken_for_a_key(self) -> None:
        """``KeyError: 'x'`` keeps its type name and its message."""

        def check(_: object) -> None:
            raise KeyError("host")

        services = ServiceCollection().add_singleton(Database, health_check=check)
        (result,) = services.build_service_provider().check_health().checks
        assert result.error == "KeyError: 'host'"


# ---------------------------------------------------------------- report


class TestHealthReport:
    """``HealthReport`` and ``HealthCheckResult`` are plain data with ``to_dict()``."""

    def test_to_dict_is_json_ready(self) -> None:
        """to_dict() gives status, duration and every check's four fields."""
        services = ServiceCollection()
        services.add_singleton(Database, health_check=ok)
        services.add_singleton(Cache, health_check=fails)
        report = services.build_service_provider().check_health()
        data = json.loads(json.dumps(report.to_dict()))
        assert set(data) == {"status", "duration", "checks"}
        assert data["status"] == "unhealthy"
        assert [
            {key: check[key] for key in ("name", "status", "error")}
            for check in data["checks"]
        ] == [
            {"name": "Database", "status": "healthy", "error": None},
            {
                "name": "Cache",
                "status": "unhealthy",
                "error": "ConnectionError: connection refused",
            },
        ]
        assert all(isinstance(check["duration"], float) for check in data["checks"])

    def test_records_are_frozen(self) -> None:
        """A report cannot be changed after the fact."""
        result = HealthCheckResult("Database", "healthy", 0.1)
        with pytest.raises(AttributeError):
            result.status = "unhealthy"  # type: ignore[misc]
