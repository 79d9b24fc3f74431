"""Celery: one provider per worker process, one scope per task run, ``Inject[T]``.

These tests run tasks eagerly, in this process (``task_always_eager``), and
send the worker signals by hand; ``test_celery_worker.py`` runs a real
prefork worker.
"""

# No ``from __future__ import annotations``: task functions are defined inside
# tests, and their hints are evaluated when @inject reads them.

import inspect
import re
import textwrap
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

pytest.importorskip("celery")

import celery
from celery import Celery, Task, signals

from wiredi import (
    FromComponent,
    RegistrationError,
    ScopeError,
    ServiceCollection,
    ServiceNotFoundError,
    ServiceProvider,
)
from wiredi.integrations import celery as celery_integration
from wiredi.integrations.celery import Inject, inject, setup, worker_provider


class Session:
    """Scoped; records how its scope ended."""

    def __init__(self) -> None:
        self.outcome = "open"
        self.closed = False

    def close(self) -> None:
        self.closed = True


class Repo:
    """Transient, on the run's session."""

    def __init__(self, session: Session) -> None:
        self.session = session


class Clock:
    """A singleton that counts its closes."""

    closes = 0

    def close(self) -> None:
        Clock.closes += 1


class TaskName:
    """Scoped: built from the running task (a context value)."""

    def __init__(self, task: Task) -> None:
        self.name = task.name


def session_factory(sessions: list[Session]) -> Any:
    """A generator factory that commits on success and rolls back on error."""

    def session() -> Iterator[Session]:
        made = Session()
        sessions.append(made)
        try:
            yield made
            made.outcome = "committed"
        except Exception:
            made.outcome = "rolled back"
            raise
        finally:
            made.closed = True

    return session


class Builds:
    """A build_provider that counts its calls."""

    def __init__(self, services: ServiceCollection) -> None:
        self.services = services
        self.providers: list[ServiceProvider] = []

    def __call__(self) -> ServiceProvider:
        provider = self.services.build_service_provider()
        self.providers.append(provider)
        return provider


@pytest.fixture(name="sessions")
def _sessions() -> list[Session]:
    return []


@pytest.fixture(name="services")
def _services(sessions: list[Session]) -> ServiceCollection:
    services = ServiceCollection().add_singleton(Clock).add_transient(Repo)
    return services.add_scoped_factory(Session, session_factory(sessions))


@pytest.fixture(name="builds")
def _builds(services: ServiceCollection) -> Builds:
    return Builds(services)


@pytest.fixture(name="current_app")
def _current_app() -> Iterator[Any]:
    """Make an app the current one (as a worker does), restored afterwards."""
    before = celery.current_app._get_current_object()
    yield lambda app: app.set_current()
    before.set_current()


@pytest.fixture(name="app")
def _app(builds: Builds) -> Iterator[Celery]:
    app = Celery("tests", broker="memory://", backend="cache+memory://")
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    setup(app, builds)
    yield app
    app._wiredi.on_shutdown()  # as the worker's shutdown signal would
    # Eager runs in several threads race on Celery's global "a join would
    # block" flag and can leave it set, which would fail later .get() calls.
    celery._state._set_task_join_will_block(False)


class TestSetup:
    """``setup`` checks what it is given."""

    def test_rejects_something_else_than_a_celery_app(self, builds):
        """A Flask app or a string is a RegistrationError naming what was given."""
        with pytest.raises(RegistrationError, match=r"needs a celery\.Celery app"):
            setup("tasks", builds)  # type: ignore[arg-type]

    def test_rejects_a_provider_instead_of_a_function_that_builds_it(self, services):
        """A provider built before the fork would be shared: ask for the function."""
        provider = services.build_service_provider()
        with pytest.raises(RegistrationError) as caught:
            setup(Celery("t"), provider)  # type: ignore[arg-type]
        assert caught.value.hint == (
            "pass services.build_service_provider (no call): each worker process "
            "builds its own provider after the fork"
        )

    def test_rejects_a_second_setup_of_the_same_app(self, app, builds):
        """Calling setup twice for one app is a mistake, said at once."""
        with pytest.raises(RegistrationError, match="already called"):
            setup(app, builds)

    def test_a_build_that_returns_no_provider_fails_the_first_task(self):
        """build_provider returning something else is a RegistrationError when used."""
        app = Celery("t", broker="memory://")
        app.conf.task_always_eager = True
        app.conf.task_eager_propagates = True
        setup(app, lambda: ServiceCollection())  # type: ignore[arg-type, return-value]

        @app.task
        @inject
        def run() -> None: ...

        with pytest.raises(RegistrationError, match="not a ServiceProvider"):
            run.delay()

    def test_worker_provider_of_an_app_without_setup_raises_scope_error(self):
        """The error names the app and says to call setup."""
        with pytest.raises(ScopeError, match="setup was not called") as caught:
            worker_provider(Celery("lonely"))
        assert "'lonely'" in caught.value.message


class TestProviderPerProcess:
    """One provider per process: built after the fork, closed at shutdown."""

    def test_built_once_on_first_use_where_no_fork_happens(self, app, builds):
        """The solo pool, or eager calls: the first use builds, later uses share it."""
        assert builds.providers == []
        provider = worker_provider(app)
        assert worker_provider(app) is provider
        assert builds.providers == [provider]

    def test_worker_process_init_builds_the_childs_own_provider(
        self, app, builds, current_app
    ):
        """After the fork a new provider is built; the inherited one is left open."""
        inherited = worker_provider(app)
        inherited.get_service(Clock)
        closes = Clock.closes
        current_app(app)
        signals.worker_process_init.send(sender="worker@host")
        assert len(builds.providers) == 2
        assert worker_provider(app) is builds.providers[1]
        assert not inherited._closed  # the parent's: the child does not close it
        assert Clock.closes == closes

    def test_worker_process_init_builds_only_for_the_worker_app(
        self, app, builds, current_app
    ):
        """Another app set up in the same process is not built by this worker."""
        current_app(Celery("other"))
        signals.worker_process_init.send(sender="worker@host")
        assert builds.providers == []

    @pytest.mark.parametrize(
        "signal",
        [signals.worker_process_shutdown, signals.worker_shutdown],
        ids=["worker_process_shutdown", "worker_shutdown"],
    )
    def test_shutdown_closes_the_provider_and_its_singletons(self, app, signal):
        """The process's provider is closed, disposing its singletons."""
        provider = worker_provider(app)
        provider.get_service(Clock)
        before = Clock.closes
        signal.send(sender="worker@host", pid=1, exitcode=0)
        assert provider._closed
        assert Clock.closes == before + 1

    def test_shutdown_before_any_build_builds_nothing(self, app, builds):
        """A process that ran no task has nothing to close."""
        signals.worker_shutdown.send(sender="worker@host")
        assert builds.providers == []

    def test_threads_of_a_threads_pool_build_one_provider(self, app, builds):
        """Eight threads running their first task at once share one provider."""
        barrier = threading.Barrier(8)
        seen: list[Session] = []

        @app.task
        @inject
        def run(session: Inject[Session]) -> None:
            seen.append(session)

        def worker_thread() -> None:
            barrier.wait(5)
            run.delay()

        # Celery binds a task lazily, on first use, and not thread-safely:
        # bind it here (this builds no provider) so that only wiredi races.
        assert run.name
        threads = [threading.Thread(target=worker_thread) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(builds.providers) == 1
        assert len({id(s) for s in seen}) == 8  # one scope per run
        assert all(s.closed for s in seen)


class TestScopePerRun:
    """Each task run resolves its Inject parameters from a scope of its own."""

    def test_inject_parameters_share_the_runs_scope(self, app):
        """Two Inject parameters of one run get the same scoped session."""

        @app.task
        @inject
        def run(repo: Inject[Repo], session: Inject[Session]) -> bool:
            return repo.session is session

        assert run.delay().get() is True

    def test_each_run_gets_a_new_scope_closed_when_it_ends(self, app, sessions):
        """Two runs, two sessions, both closed and committed when the run returned."""

        @app.task
        @inject
        def run(session: Inject[Session]) -> str:
            return session.outcome

        assert [run.delay().get(), run.delay().get()] == ["open", "open"]
        assert len(sessions) == 2
        assert sessions[0] is not sessions[1]
        assert [(s.outcome, s.closed) for s in sessions] == [("committed", True)] * 2

    def test_singletons_come_from_the_process_provider(self, app):
        """A singleton is the same in every run and is the provider's."""

        @app.task
        @inject
        def run(clock: Inject[Clock]) -> int:
            return id(clock)

        assert run.delay().get() == run.delay().get()
        assert run.delay().get() == id(worker_provider(app).get_service(Clock))

    def test_task_arguments_and_bind_are_passed_through(self, app):
        """Positional, keyword and the bound task reach the function unchanged."""

        @app.task(bind=True)
        @inject
        def run(self, a: int, b: int = 0, *, session: Inject[Session]) -> list[Any]:
            return [self.name.rsplit(".", 1)[-1], a, b, type(session).__name__]

        assert run.delay(1, b=2).get() == ["run", 1, 2, "Session"]

    def test_a_component_is_selected_with_from_component(self, app, services):
        """``Inject[Annotated[T, FromComponent("c")]]`` resolves from component c."""
        services.add_singleton_factory(str, lambda: "audit", component="audit")

        @app.task
        @inject
        def run(name: Inject[Annotated[str, FromComponent("audit")]]) -> str:
            return name

        assert run.delay().get() == "audit"

    def test_a_failing_run_closes_its_scope_and_raises_unchanged(self, app, sessions):
        """The task's own exception object reaches Celery; the session is closed."""
        error = ValueError("bad order")

        @app.task
        @inject
        def run(session: Inject[Session]) -> None:
            raise error

        with pytest.raises(ValueError, match="bad order") as caught:
            run.delay()
        assert caught.value is error
        assert sessions[0].closed

    def test_a_failing_run_rolls_its_session_back(self, app, sessions):
        """The exception is thrown into the session factory, which rolls back."""

        @app.task
        @inject
        def run(session: Inject[Session]) -> None:
            raise ValueError

        with pytest.raises(ValueError):
            run.delay()
        assert sessions[0].outcome == "rolled back"

    def test_each_retry_runs_in_a_new_scope(self, app, sessions):
        """A retried task gets a new session per run; every one is closed."""

        @app.task(bind=True, max_retries=2, default_retry_delay=0)
        @inject
        def run(self, session: Inject[Session]) -> int:
            if self.request.retries < 2:
                raise self.retry()
            return self.request.retries

        app.conf.task_eager_propagates = False  # eager retries then rerun inline
        assert run.delay().get() == 2
        assert len(sessions) == 3
        assert len({id(s) for s in sessions}) == 3
        assert all(s.closed for s in sessions)

    def test_a_retried_run_rolls_its_session_back(self, app, sessions):
        """``self.retry()`` raises Retry, which rolls back that run's session."""

        @app.task(bind=True, max_retries=1, default_retry_delay=0)
        @inject
        def run(self, session: Inject[Session]) -> None:
            if not self.request.retries:
                raise self.retry()

        app.conf.task_eager_propagates = False  # eager retries then rerun inline
        run.delay().get()
        assert [s.outcome for s in sessions] == ["rolled back", "committed"]

    def test_runs_in_threads_each_get_their_own_scope(self, app, sessions):
        """Concurrent runs in threads never share a scoped session."""
        barrier = threading.Barrier(4)
        pairs: list[tuple[int, int]] = []

        @app.task
        @inject
        def run(repo: Inject[Repo], session: Inject[Session]) -> None:
            barrier.wait(5)  # all four runs are inside their scopes at once
            pairs.append((id(repo.session), id(session)))

        # Celery binds a task lazily, on first use, and not thread-safely:
        # bind it here (this builds no provider) so that only wiredi races.
        assert run.name
        threads = [threading.Thread(target=run.delay) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(pairs) == 4
        assert all(a == b for a, b in pairs)
        assert len({a for a, _ in pairs}) == 4
        assert all(s.closed for s in sessions)


class TestTaskArguments:
    """Inject parameters are not task arguments."""

    def test_signature_leaves_inject_parameters_out(self, app):
        """Celery's argument check sees only the task's own parameters."""

        @app.task
        @inject
        def run(order: int, session: Inject[Session], *, note: str = "") -> int:
            return order

        assert list(inspect.signature(run).parameters) == ["order", "note"]
        assert "session" not in run.__annotations__
        assert run.delay(5).get() == 5

    def test_other_annotated_parameters_stay_task_arguments(self, app):
        """Only Inject[...] is resolved: other Annotated hints are arguments."""

        @app.task
        @inject
        def run(order: Annotated[int, "an id"], session: Inject[Session]) -> int:
            return order

        assert list(inspect.signature(run).parameters) == ["order"]
        assert run.delay(3).get() == 3

    def test_delay_with_an_extra_argument_is_refused_by_celery(self, app):
        """A value for the Inject parameter's position is a TypeError."""

        @app.task
        @inject
        def run(order: int, session: Inject[Session]) -> int:
            return order

        with pytest.raises(TypeError, match="positional argument"):
            run.delay(5, "session")

    def test_passing_an_inject_parameter_by_name_is_a_type_error(self, app):
        """Even called directly, an Inject parameter cannot be given."""

        @app.task
        @inject
        def run(order: int, session: Inject[Session]) -> int:
            return order

        with pytest.raises(TypeError, match=r"\['session'\]: Inject\[...\] parameters"):
            run(5, session=Session())

    def test_an_inject_parameter_before_a_positional_one_is_refused(self):
        """It would be filled by a task argument: RegistrationError at decoration."""

        def task(session: Inject[Session], order: int) -> None: ...

        with pytest.raises(RegistrationError, match="'session' comes before"):
            inject(task)

    def test_a_positional_only_inject_parameter_is_refused(self):
        """It cannot be passed by keyword, so it cannot be injected."""

        def task(session: Inject[Session], /) -> None: ...

        with pytest.raises(RegistrationError, match="'session' comes before"):
            inject(task)

    def test_inject_over_the_task_decorator_is_refused(self, app):
        """The order matters: @inject must wrap the function, not the task."""

        @app.task
        def run(session: Inject[Session]) -> None: ...

        with pytest.raises(RegistrationError, match=r"under @celery_app\.task"):
            inject(run)

    def test_an_async_task_function_is_refused(self):
        """Celery would never await it: RegistrationError that says so."""

        async def task(session: Inject[Session]) -> None: ...

        with pytest.raises(RegistrationError, match="synchronously"):
            inject(task)

    def test_hints_that_cannot_be_evaluated_are_a_registration_error(self):
        """A name missing from the module is reported with the task's name."""

        def task(session: "Inject[Missing]") -> None: ...  # type: ignore[name-defined]  # noqa: F821

        with pytest.raises(RegistrationError, match="cannot be evaluated") as caught:
            inject(task)
        assert isinstance(caught.value.__cause__, NameError)

    def test_calling_the_function_outside_a_task_run_raises_scope_error(self, app):
        """Without a running task there is no task scope: say to call the task."""

        @app.task
        @inject
        def run(session: Inject[Session]) -> None: ...

        with pytest.raises(ScopeError, match="outside a Celery task run"):
            run.run()

    def test_a_task_of_an_app_without_setup_raises_scope_error(self):
        """The error names the task and says to call setup."""
        app = Celery("plain", broker="memory://")
        app.conf.task_always_eager = True
        app.conf.task_eager_propagates = True

        @app.task
        @inject
        def run() -> None: ...

        with pytest.raises(ScopeError, match="setup was not called"):
            run.delay()


class TestTaskContext:
    """The running Task is a context value when the collection declares it."""

    def test_a_factory_receives_the_running_task(self, app, services):
        """With add_context(celery.Task), a scoped service is built from the task."""
        services.add_context(Task)  # type: ignore[attr-defined]
        services.add_scoped(TaskName)

        @app.task(name="orders.named")
        @inject
        def run(name: Inject[TaskName]) -> str:
            return name.name

        assert run.delay().get() == "orders.named"

    def test_without_the_declaration_the_task_is_not_a_service(self, app):
        """Not declared, the Task is not seeded, and asking for it says so."""

        @app.task
        @inject
        def run(task: Inject[Task]) -> None: ...

        with pytest.raises(ServiceNotFoundError):
            run.delay()


class TestDocstringExamples:
    """The examples in the integration's docstrings run."""

    @pytest.mark.parametrize("name", celery_integration.__all__)
    def test_example_runs(self, name):
        """Each public name's Example block executes without error."""
        doc = inspect.getdoc(getattr(celery_integration, name)) or ""
        blocks = re.findall(r"```python\n(.*?)```", doc, re.DOTALL)
        assert blocks, f"{name} has no example"
        for block in blocks:
            exec(compile(textwrap.dedent(block), name, "exec"), {"__name__": "doc"})
