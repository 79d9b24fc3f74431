"""Disposal always finishes (SPEC 13.2): interrupts, cancellation, references."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import warnings
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import ClassVar

import pytest

from tests.fakes import Closeable
from wiredi import (
    ContextScopeManager,
    DisposalError,
    Scope,
    ScopeError,
    ServiceCollection,
)


class First(Closeable):
    pass


class Second(Closeable):
    pass


class Third(Closeable):
    pass


class Interrupting:
    """A disposer that raises ``KeyboardInterrupt`` (or what it is given)."""

    raises: type[BaseException] = KeyboardInterrupt

    def close(self) -> None:
        raise self.raises


class Exiting(Interrupting):
    raises = SystemExit


class Failing:
    def close(self) -> None:
        raise ValueError("failing close")


class AlsoFailing:
    def close(self) -> None:
        raise TimeoutError("also failing")


class AsyncInterrupting:
    raises: type[BaseException] = KeyboardInterrupt

    async def aclose(self) -> None:
        await asyncio.sleep(0)
        raise self.raises


class AsyncExiting(AsyncInterrupting):
    raises = SystemExit


class Slow:
    """Closes slowly: its ``aclose()`` waits until cancelled."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = False

    async def aclose(self) -> None:
        self.started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled = True
            raise


class AsyncClosed:
    """Closed with ``aclose()``, which really awaits."""

    def __init__(self) -> None:
        self.closed = False

    async def aclose(self) -> None:
        await asyncio.sleep(0)
        self.closed = True


def _log_services(log: list[str], *middle: type) -> ServiceCollection:
    """``First``, then ``middle`` (each scoped), then ``Third``: all scoped."""
    services = ServiceCollection()
    services.add_scoped_factory(First, lambda: First(log))
    for service_type in middle:
        services.add_scoped(service_type)
    services.add_scoped_factory(Third, lambda: Third(log))
    return services


def _resolve_all(scope: object, *service_types: type) -> None:
    for service_type in service_types:
        scope.get_service(service_type)  # type: ignore[attr-defined]


INTERRUPTS = [
    pytest.param(Interrupting, KeyboardInterrupt, id="KeyboardInterrupt"),
    pytest.param(Exiting, SystemExit, id="SystemExit"),
]
ASYNC_INTERRUPTS = [
    pytest.param(AsyncInterrupting, KeyboardInterrupt, id="KeyboardInterrupt"),
    pytest.param(AsyncExiting, SystemExit, id="SystemExit"),
]


class TestInterruptInADisposer:
    def test_the_issue_reproducer_closes_the_rest(self) -> None:
        """A KeyboardInterrupt from one disposer still lets the others close (issue 16)."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_scoped_factory(First, lambda: First(log))
        services.add_scoped(Interrupting)
        scope = services.build_service_provider().create_scope()
        _resolve_all(scope, First, Interrupting)
        with pytest.raises(KeyboardInterrupt):
            scope.close()
        scope.close()  # closed already: nothing left to do
        assert log == ["First"]

    @pytest.mark.parametrize(("disposer", "interrupt"), INTERRUPTS)
    def test_sync_scope_runs_every_disposer_then_reraises(
        self, disposer: type, interrupt: type[BaseException]
    ) -> None:
        """With `with`, disposers before and after the interrupt all run; it is re-raised."""
        log: list[str] = []
        provider = _log_services(log, disposer).build_service_provider()
        with pytest.raises(interrupt), provider.create_scope() as scope:
            _resolve_all(scope, First, disposer, Third)
        assert log == ["Third", "First"]

    @pytest.mark.parametrize(("disposer", "interrupt"), ASYNC_INTERRUPTS)
    async def test_async_scope_runs_every_disposer_then_reraises(
        self, disposer: type, interrupt: type[BaseException]
    ) -> None:
        """With `async with`, an interrupt from an aclose() does not stop the others."""
        log: list[str] = []
        provider = _log_services(log, disposer, AsyncClosed).build_service_provider()
        with pytest.raises(interrupt):
            async with provider.create_scope() as scope:
                _resolve_all(scope, First, disposer, AsyncClosed, Third)
                closed = scope.get_service(AsyncClosed)
        assert log == ["Third", "First"]
        assert closed.closed

    @pytest.mark.parametrize(("disposer", "interrupt"), INTERRUPTS)
    def test_provider_close_under_an_interrupt_closes_every_singleton(
        self, disposer: type, interrupt: type[BaseException]
    ) -> None:
        """provider.close() meeting an interrupting singleton still closes the others."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_singleton_factory(First, lambda: First(log))
        services.add_singleton(disposer)
        services.add_singleton_factory(Third, lambda: Third(log))
        provider = services.build_service_provider()
        _resolve_all(provider, First, disposer, Third)
        with pytest.raises(interrupt):
            provider.close()
        assert log == ["Third", "First"]
        with pytest.raises(ScopeError, match="closed"):
            provider.get_service(First)

    @pytest.mark.parametrize(("disposer", "interrupt"), ASYNC_INTERRUPTS)
    async def test_provider_aclose_under_an_interrupt_closes_every_singleton(
        self, disposer: type, interrupt: type[BaseException]
    ) -> None:
        """await provider.aclose() meeting an interrupt still closes the others."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_singleton_factory(First, lambda: First(log))
        services.add_singleton(disposer)
        services.add_singleton_factory(Third, lambda: Third(log))
        provider = services.build_service_provider()
        _resolve_all(provider, First, disposer, Third)
        with pytest.raises(interrupt):
            await provider.aclose()
        assert log == ["Third", "First"]

    def test_ordinary_errors_travel_as_the_interrupts_context(self) -> None:
        """One ordinary error rides along as the interrupt's __context__."""
        log: list[str] = []
        provider = _log_services(log, Failing, Interrupting).build_service_provider()
        with pytest.raises(KeyboardInterrupt) as caught:
            with provider.create_scope() as scope:
                _resolve_all(scope, First, Failing, Interrupting, Third)
        context = caught.value.__context__
        assert isinstance(context, ValueError)
        assert str(context) == "failing close"
        assert log == ["Third", "First"]

    def test_several_errors_travel_as_a_disposal_error(self) -> None:
        """Several ordinary errors ride along grouped in a DisposalError."""
        provider = (
            ServiceCollection()
            .add_scoped(Failing)
            .add_scoped(Exiting)
            .add_scoped(AlsoFailing)
            .build_service_provider()
        )
        with pytest.raises(SystemExit) as caught:
            with provider.create_scope() as scope:
                _resolve_all(scope, Failing, Exiting, AlsoFailing)
        context = caught.value.__context__
        assert isinstance(context, DisposalError)
        assert [type(e) for e in context.exceptions] == [TimeoutError, ValueError]

    def test_the_first_interrupt_wins_and_a_later_one_is_noted(self) -> None:
        """Two interrupts: the first (newest object) is raised, the second noted on it."""
        provider = (
            ServiceCollection()
            .add_scoped(Interrupting)
            .add_scoped(Exiting)
            .build_service_provider()
        )
        with pytest.raises(SystemExit) as caught:
            with provider.create_scope() as scope:
                _resolve_all(scope, Interrupting, Exiting)
        note = (
            "wiredi: KeyboardInterrupt was raised too, by a later disposer; "
            "disposal went on"
        )
        assert caught.value.__notes__ == [note]

    def test_one_interrupt_object_raised_twice_is_raised_once(self) -> None:
        """The same interrupt object from two disposers is re-raised without a note."""
        interrupt = KeyboardInterrupt()

        class Shared:
            def close(self) -> None:
                raise interrupt

        class AlsoShared(Shared):
            pass

        provider = (
            ServiceCollection()
            .add_scoped(Shared)
            .add_scoped(AlsoShared)
            .build_service_provider()
        )
        with pytest.raises(KeyboardInterrupt) as caught:
            with provider.create_scope() as scope:
                _resolve_all(scope, Shared, AlsoShared)
        assert caught.value is interrupt
        assert not hasattr(interrupt, "__notes__")

    def test_interrupt_in_a_generator_finaliser_does_not_stop_the_rest(self) -> None:
        """A generator factory interrupted after its yield lets the others close."""
        log: list[str] = []

        def interrupted() -> Iterator[Second]:
            yield Second(log)
            raise KeyboardInterrupt

        services = _log_services(log)
        services.add_scoped_factory(Second, interrupted)
        provider = services.build_service_provider()
        with pytest.raises(KeyboardInterrupt), provider.create_scope() as scope:
            _resolve_all(scope, First, Second, Third)
        assert log == ["Third", "First"]

    def test_object_refused_by_a_closed_scope_is_disposed_even_if_interrupted(
        self,
    ) -> None:
        """A late object whose close() raises KeyboardInterrupt lets that propagate."""
        started = threading.Event()
        release = threading.Event()

        class Late(Interrupting):
            def __init__(self) -> None:
                started.set()
                release.wait(10)

        provider = ServiceCollection().add_scoped(Late).build_service_provider()
        scope = provider.create_scope()
        caught: list[BaseException] = []

        def build() -> None:
            try:
                scope.get_service(Late)
            except BaseException as exc:
                caught.append(exc)

        thread = threading.Thread(target=build)
        thread.start()
        assert started.wait(10)
        scope.close()
        release.set()
        thread.join(10)
        assert [type(e) for e in caught] == [KeyboardInterrupt]

    def test_object_refused_by_a_closed_scope_whose_close_fails_chains(
        self,
    ) -> None:
        """A late object whose close() raises: ScopeError, caused by that error."""
        started = threading.Event()
        release = threading.Event()

        class LateFailing(Failing):
            def __init__(self) -> None:
                started.set()
                release.wait(10)

        provider = ServiceCollection().add_scoped(LateFailing).build_service_provider()
        scope = provider.create_scope()
        caught: list[BaseException] = []

        def build() -> None:
            try:
                scope.get_service(LateFailing)
            except ScopeError as exc:
                caught.append(exc)

        thread = threading.Thread(target=build)
        thread.start()
        assert started.wait(10)
        scope.close()
        release.set()
        thread.join(10)
        assert len(caught) == 1
        assert isinstance(caught[0].__cause__, ValueError)


class TestCustomScopesUnderInterrupt:
    def test_manager_close_disposes_every_id_despite_an_interrupt(self) -> None:
        """ContextScopeManager.close() goes on to the next id after an interrupt."""
        log: list[str] = []
        manager = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add(First, lambda: First(log), lifetime="tenant")
        services.add(Interrupting, lifetime="tenant")
        provider = services.build_service_provider()
        for tenant in ("a", "b"):
            with provider.create_scope("tenant", tenant) as scope:
                _resolve_all(scope, First, Interrupting)
        with pytest.raises(KeyboardInterrupt) as caught:
            manager.close()
        assert log == ["First", "First"]
        assert manager.active_scopes() == []
        assert caught.value.__notes__  # the second id's interrupt is noted

    def test_non_persistent_block_exit_disposes_scope_and_id(self) -> None:
        """Leaving a non-persistent custom scope disposes both, then re-raises."""
        log: list[str] = []
        manager = ContextScopeManager(persistent=False)
        services = ServiceCollection().add_scope_manager("run", manager)
        services.add(First, lambda: First(log), lifetime="run")
        services.add(Exiting, lifetime="run")
        services.add_scoped_factory(Third, lambda: Third(log))
        services.add_scoped(Interrupting)
        provider = services.build_service_provider()
        with pytest.raises(KeyboardInterrupt) as caught:
            with provider.create_scope("run", "r1") as scope:
                _resolve_all(scope, First, Exiting, Third, Interrupting)
        assert log == ["Third", "First"]
        assert manager.active_scopes() == []
        assert manager.current_scope_id() is None
        assert caught.value.__notes__  # the SystemExit of the custom scope

    async def test_async_manager_close_disposes_every_id_despite_an_interrupt(
        self,
    ) -> None:
        """ContextScopeManager.aclose() goes on to the next id after an interrupt."""
        log: list[str] = []
        manager = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add(First, lambda: First(log), lifetime="tenant")
        services.add(AsyncInterrupting, lifetime="tenant")
        provider = services.build_service_provider()
        for tenant in ("a", "b"):
            async with provider.create_scope("tenant", tenant) as scope:
                _resolve_all(scope, First, AsyncInterrupting)
        with pytest.raises(KeyboardInterrupt):
            await manager.aclose()
        assert log == ["First", "First"]

    def test_manager_exit_scope_disposes_a_dropped_id(self) -> None:
        """exit_scope() called directly still disposes a non-persistent id's objects."""
        log: list[str] = []
        manager = ContextScopeManager(persistent=False)
        manager.enter_scope("run")
        storage = manager.get_current_scope()
        assert storage is not None
        storage["first"] = First(log)
        manager.exit_scope()
        assert log == ["First"]

    def test_sync_custom_scope_exit_reports_a_user_managers_error(self) -> None:
        """A user-written manager whose exit_scope raises: the scope still closed."""
        log: list[str] = []

        class Broken:
            def enter_scope(self, scope_id: str) -> None:
                self.storage: dict[object, object] = {}

            def exit_scope(self) -> None:
                raise ValueError("cannot leave")

            def get_current_scope(self) -> dict[object, object]:
                return self.storage

        services = ServiceCollection().add_scope_manager("broken", Broken())
        services.add_scoped_factory(First, lambda: First(log))
        provider = services.build_service_provider()
        with pytest.raises(ValueError, match="cannot leave"):
            with provider.create_scope("broken", "x") as scope:
                scope.get_service(First)
        assert log == ["First"]

    async def test_async_custom_scope_exit_reports_a_user_managers_error(
        self,
    ) -> None:
        """A user-written manager whose aexit_scope raises: the scope still closed."""
        log: list[str] = []

        class Broken:
            def enter_scope(self, scope_id: str) -> None:
                self.storage: dict[object, object] = {}

            async def aexit_scope(self) -> None:
                raise ValueError("cannot leave")

            def exit_scope(self) -> None:  # pragma: no cover - aexit_scope is used
                raise AssertionError

            def get_current_scope(self) -> dict[object, object]:
                return self.storage

        services = ServiceCollection().add_scope_manager("broken", Broken())
        services.add_scoped_factory(First, lambda: First(log))
        provider = services.build_service_provider()
        with pytest.raises(ValueError, match="cannot leave"):
            async with provider.create_scope("broken", "x") as scope:
                scope.get_service(First)
        assert log == ["First"]


class TestCancelledExit:
    async def test_task_cancelled_during_async_with_exit_still_disposes(
        self,
    ) -> None:
        """A task cancelled while its scope awaits a slow aclose() closes the rest."""
        log: list[str] = []
        provider = _log_services(log, Slow).build_service_provider()
        entered = asyncio.Event()
        slow: list[Slow] = []

        async def request() -> None:
            async with provider.create_scope() as scope:
                _resolve_all(scope, First, Slow, Third)
                slow.append(scope.get_service(Slow))
                entered.set()

        task = asyncio.create_task(request())
        await entered.wait()
        await slow[0].started.wait()  # the exit is now awaiting Slow.aclose()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert slow[0].cancelled
        assert log == ["Third", "First"]

    async def test_asyncio_timeout_during_exit_still_disposes(self) -> None:
        """An asyncio.timeout expiring during exit: all closed, then TimeoutError."""
        log: list[str] = []
        provider = _log_services(log, Slow, AsyncClosed).build_service_provider()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                async with provider.create_scope() as scope:
                    _resolve_all(scope, First, AsyncClosed, Slow, Third)
                    closed = scope.get_service(AsyncClosed)
                    slow = scope.get_service(Slow)
        assert slow.cancelled
        assert closed.closed  # awaited after the cancellation
        assert log == ["Third", "First"]

    async def test_cancelled_exit_still_finalises_async_generators(self) -> None:
        """The async generators after the cancelled disposer still run their cleanup."""
        log: list[str] = []

        async def first() -> AsyncIterator[First]:
            yield First(log)
            await asyncio.sleep(0)
            log.append("first finalised")

        services = ServiceCollection()
        services.add_scoped_factory(First, first)
        services.add_scoped(Slow)
        provider = services.build_service_provider()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                async with provider.create_scope() as scope:
                    await scope.get_service_async(First)
                    scope.get_service(Slow)
        assert log == ["first finalised"]

    async def test_provider_aclose_cancelled_still_closes_every_singleton(
        self,
    ) -> None:
        """A cancelled provider.aclose() closes every singleton, then re-raises."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_singleton_factory(First, lambda: First(log))
        services.add_singleton(Slow)
        services.add_singleton(AsyncClosed)
        provider = services.build_service_provider()
        _resolve_all(provider, First, AsyncClosed, Slow)
        closed = provider.get_service(AsyncClosed)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await provider.aclose()
        assert closed.closed
        assert log == ["First"]

    async def test_cancellation_is_the_same_exception_object(self) -> None:
        """The CancelledError re-raised is the one the disposer was interrupted by."""
        provider = ServiceCollection().add_scoped(Slow).build_service_provider()
        seen: list[BaseException] = []

        class Recording(Slow):
            async def aclose(self) -> None:
                try:
                    await super().aclose()
                except asyncio.CancelledError as exc:
                    seen.append(exc)
                    raise

        provider = ServiceCollection().add_scoped(Recording).build_service_provider()
        scope = provider.create_scope()
        recording = scope.get_service(Recording)
        task = asyncio.create_task(scope.aclose())
        await recording.started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as caught:
            await task
        assert caught.value is seen[0]


class Plain:
    """A scoped service with nothing to dispose."""


class Made:
    """Made by a generator factory."""


class ScopeCloser:
    """Closes the scope that builds it, as another thread could mid-graph."""

    def __init__(self, scope: Scope) -> None:
        scope.close()


class LateScoped:
    built: ClassVar[list[weakref.ref[LateScoped]]] = []

    def __init__(self) -> None:
        LateScoped.built.append(weakref.ref(self))


class NeedsBoth:
    def __init__(self, closer: ScopeCloser, late: LateScoped) -> None:
        self.late = late


class TestClosedScopeKeepsNoReferences:
    def test_closed_but_referenced_scope_lets_its_objects_be_collected(self) -> None:
        """After close, nothing the scope created is kept alive by the scope."""

        def made() -> Iterator[Made]:
            yield Made()

        services = ServiceCollection().add_scoped(Plain).add_scoped(First)
        services.add_scoped_factory(Made, made).add_transient(Second)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            refs = [
                weakref.ref(scope.get_service(t)) for t in (Plain, First, Made, Second)
            ]
        gc.collect()
        assert scope is not None  # still referenced
        assert [ref() for ref in refs] == [None, None, None, None]

    def test_scope_without_disposables_lets_its_objects_be_collected(self) -> None:
        """The fast exit (nothing to dispose) also drops the cached objects."""
        provider = ServiceCollection().add_scoped(Plain).build_service_provider()
        with provider.create_scope() as scope:
            ref = weakref.ref(scope.get_service(Plain))
        gc.collect()
        assert ref() is None
        assert "closed, created=0" in repr(scope)

    async def test_closed_async_scope_lets_its_objects_be_collected(self) -> None:
        """An async-closed scope keeps nothing either (async generators included)."""

        async def made() -> AsyncIterator[Made]:
            yield Made()

        services = ServiceCollection().add_scoped(Plain).add_scoped(AsyncClosed)
        services.add_scoped_factory(Made, made)
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            refs = [
                weakref.ref(await scope.get_service_async(t))
                for t in (Plain, AsyncClosed, Made)
            ]
        gc.collect()
        assert [ref() for ref in refs] == [None, None, None]

    async def test_closing_an_async_scope_twice_does_nothing(self) -> None:
        """A second aclose() disposes nothing again."""
        log: list[str] = []
        provider = _log_services(log).build_service_provider()
        scope = provider.create_scope()
        scope.get_service(First)
        await scope.aclose()
        await scope.aclose()
        assert log == ["First"]

    def test_a_graph_that_closes_its_scope_midway_stores_nothing(self) -> None:
        """A scoped dependency built after its scope closed mid-graph is not kept."""
        LateScoped.built.clear()
        services = ServiceCollection().add_transient(ScopeCloser)
        services.add_scoped(LateScoped).add_transient(NeedsBoth)
        scope = services.build_service_provider().create_scope()
        both = scope.get_service(NeedsBoth)
        del both
        gc.collect()
        assert LateScoped.built[0]() is None
        assert "closed, created=0" in repr(scope)

    def test_scope_closed_under_an_interrupt_keeps_nothing(self) -> None:
        """Even when closing raised KeyboardInterrupt, the scope holds no objects."""
        provider = (
            ServiceCollection()
            .add_scoped(Plain)
            .add_scoped(Interrupting)
            .build_service_provider()
        )
        scope = provider.create_scope()
        ref = weakref.ref(scope.get_service(Plain))
        scope.get_service(Interrupting)
        with pytest.raises(KeyboardInterrupt):
            scope.close()
        gc.collect()
        assert ref() is None

    def test_a_late_build_in_a_closed_scope_is_not_kept(self) -> None:
        """An object finished after the scope closed is not stored in the scope."""
        started = threading.Event()
        release = threading.Event()
        built: list[weakref.ref[object]] = []

        class SlowPlain:
            def __init__(self) -> None:
                built.append(weakref.ref(self))
                started.set()
                release.wait(10)

        provider = ServiceCollection().add_scoped(SlowPlain).build_service_provider()
        scope = provider.create_scope()
        thread = threading.Thread(target=scope.get_service, args=(SlowPlain,))
        thread.start()
        assert started.wait(10)
        scope.close()
        release.set()
        thread.join(10)
        gc.collect()
        assert built[0]() is None

    async def test_a_late_async_build_in_a_closed_scope_is_not_kept(self) -> None:
        """An object a task finishes after another task closed the scope is not kept."""
        started = asyncio.Event()
        release = asyncio.Event()
        built: list[weakref.ref[object]] = []

        class SlowPlain:
            pass

        async def make() -> SlowPlain:
            made = SlowPlain()
            built.append(weakref.ref(made))
            started.set()
            await release.wait()
            return made

        services = ServiceCollection().add_scoped_factory(SlowPlain, make)
        scope = services.build_service_provider().create_scope()

        async def build_late() -> None:
            await scope.get_service_async(SlowPlain)

        task = asyncio.create_task(build_late())
        await started.wait()
        await scope.aclose()
        release.set()
        await task
        gc.collect()
        assert built[0]() is None


class TestProviderWithBlock:
    def test_with_provider_closes_scope_managers_even_without_singletons(
        self,
    ) -> None:
        """Leaving `with provider:` closes its scope managers with nothing else to close."""
        log: list[str] = []
        manager = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add(First, lambda: First(log), lifetime="tenant")
        with services.build_service_provider() as provider:
            with provider.create_scope("tenant", "a") as scope:
                scope.get_service(First)
            assert log == []
        assert log == ["First"]
        with pytest.raises(ScopeError, match="closed"):
            provider.get_service(First)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
class TestForkToday:
    """What holds today across os.fork(); fork-safety is tracked separately."""

    def test_child_inherits_singletons_built_before_the_fork(self) -> None:
        """A forked child gets the parent's singleton as is: it is not rebuilt."""
        built: list[int] = []

        class Pool:
            def __init__(self) -> None:
                built.append(os.getpid())

        services = ServiceCollection().add_singleton(Pool).add_scoped(Plain)
        provider = services.build_service_provider()
        pool = provider.get_service(Pool)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # threads + fork
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit code
            code = 1
            try:
                with provider.create_scope() as scope:
                    scope.get_service(Plain)
                same = provider.get_service(Pool) is pool
                code = 0 if same and built == [os.getppid()] else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
