"""Concurrency: singletons and scoped services are built once under threads and tasks."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fakes import Clock
from wiredi import (
    CircularDependencyError,
    ScopeError,
    ServiceCollection,
    ServiceProvider,
)

THREADS = 16
TASKS = 200


class SlowSingleton:
    """Constructed behind a gate so that every thread arrives before it finishes."""

    gate = threading.Event()
    built: list[SlowSingleton] = []
    lock = threading.Lock()

    def __init__(self, clock: Clock) -> None:
        SlowSingleton.gate.wait(timeout=5)
        with SlowSingleton.lock:
            SlowSingleton.built.append(self)


class Outer:
    pass


class TestThreads:
    def test_singleton_built_once_by_16_threads(self) -> None:
        """16 threads asking at the same moment get one singleton, built once."""
        SlowSingleton.gate.clear()
        SlowSingleton.built.clear()
        services = ServiceCollection().add_singleton(Clock).add_singleton(SlowSingleton)
        provider = services.build_service_provider()
        barrier = threading.Barrier(THREADS + 1)

        def resolve() -> SlowSingleton:
            barrier.wait(timeout=5)
            return provider.get_service(SlowSingleton)

        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(resolve) for _ in range(THREADS)]
            barrier.wait(timeout=5)
            SlowSingleton.gate.set()
            results = [f.result(timeout=10) for f in futures]
        assert len(SlowSingleton.built) == 1
        assert all(r is results[0] for r in results)

    def test_scoped_built_once_per_scope_across_threads(self) -> None:
        """Threads sharing one scope get one scoped instance."""
        made: list[object] = []
        gate = threading.Event()

        def make() -> Clock:
            gate.wait(timeout=5)
            clock = Clock()
            made.append(clock)
            return clock

        provider = (
            ServiceCollection().add_scoped_factory(Clock, make).build_service_provider()
        )
        barrier = threading.Barrier(THREADS + 1)
        with provider.create_scope() as scope:

            def resolve() -> Clock:
                barrier.wait(timeout=5)
                return scope.get_service(Clock)

            with ThreadPoolExecutor(THREADS) as pool:
                futures = [pool.submit(resolve) for _ in range(THREADS)]
                barrier.wait(timeout=5)
                gate.set()
                results = {id(f.result(timeout=10)) for f in futures}
        assert len(made) == 1
        assert len(results) == 1

    def test_concurrent_scopes_do_not_share(self) -> None:
        """Each thread's own scope has its own scoped instance."""
        provider = ServiceCollection().add_scoped(Clock).build_service_provider()
        barrier = threading.Barrier(THREADS)

        def in_scope() -> Clock:
            with provider.create_scope() as scope:
                barrier.wait(timeout=5)
                clock = scope.get_service(Clock)
                assert scope.get_service(Clock) is clock
                return clock

        with ThreadPoolExecutor(THREADS) as pool:
            clocks = list(pool.map(lambda _: in_scope(), range(THREADS)))
        assert len({id(c) for c in clocks}) == THREADS


class TestTasks:
    async def test_async_singleton_built_once_by_200_tasks(self) -> None:
        """200 tasks awaiting an async singleton factory at once build it once."""
        calls: list[int] = []
        release = asyncio.Event()

        async def make() -> Clock:
            calls.append(1)
            await release.wait()
            return Clock()

        services = ServiceCollection().add_singleton_factory(Clock, make)
        provider = services.build_service_provider()
        tasks = [
            asyncio.create_task(provider.get_service_async(Clock)) for _ in range(TASKS)
        ]
        await asyncio.sleep(0)
        release.set()
        results = await asyncio.gather(*tasks)
        assert calls == [1]
        assert all(r is results[0] for r in results)

    async def test_async_scoped_built_once_per_scope_by_200_tasks(self) -> None:
        """200 tasks sharing one scope build its async scoped service once."""
        calls: list[int] = []
        release = asyncio.Event()

        async def make() -> Clock:
            calls.append(1)
            await release.wait()
            return Clock()

        provider = (
            ServiceCollection().add_scoped_factory(Clock, make).build_service_provider()
        )
        async with provider.create_scope() as scope:
            tasks = [
                asyncio.create_task(scope.get_service_async(Clock))
                for _ in range(TASKS)
            ]
            await asyncio.sleep(0)
            release.set()
            results = await asyncio.gather(*tasks)
        assert calls == [1]
        assert len({id(r) for r in results}) == 1

    async def test_threads_and_tasks_together(self) -> None:
        """Sync threads and async tasks resolving one sync singleton share it."""
        SlowSingleton.gate.clear()
        SlowSingleton.built.clear()
        services = ServiceCollection().add_singleton(Clock).add_singleton(SlowSingleton)
        provider = services.build_service_provider()
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(8) as pool:
            thread_results = [
                loop.run_in_executor(pool, provider.get_service, SlowSingleton)
                for _ in range(8)
            ]
            await asyncio.sleep(0.01)
            SlowSingleton.gate.set()
            task_results = await asyncio.gather(
                *(provider.get_service_async(SlowSingleton) for _ in range(50))
            )
            results = [*await asyncio.gather(*thread_results), *task_results]
        assert len(SlowSingleton.built) == 1
        assert all(r is results[0] for r in results)

    async def test_concurrent_graphs_see_no_false_cycles(self) -> None:
        """Concurrent resolutions through resolver factories never report a cycle."""

        async def make_clock() -> Clock:
            await asyncio.sleep(0)
            return Clock()

        services = ServiceCollection()
        services.add_transient_factory(Clock, make_clock)

        async def outer(sp: ServiceProvider) -> Outer:  # resolver-taking: opaque
            await sp.get_service_async(Clock)
            await asyncio.sleep(0)
            await sp.get_service_async(Clock)
            return Outer()

        services.add_transient_factory(Outer, outer)
        provider = services.build_service_provider()
        results = await asyncio.gather(
            *(provider.get_service_async(Outer) for _ in range(TASKS))
        )
        assert len({id(r) for r in results}) == TASKS


class Inner:
    pass


class HoldsInner:
    def __init__(self, inner: Inner) -> None:
        self.inner = inner


class TestScopesAreIndependent:
    def test_a_scoped_factory_may_wait_for_another_scope_in_another_thread(
        self,
    ) -> None:
        """Creating in one scope never waits on a lock of another scope.

        Each outer scope's factory blocks until a worker thread has created a
        scoped service in a fresh scope of its own. With a lock shared
        between scopes, some of these would wait forever.
        """
        holder: dict[str, ServiceProvider] = {}
        pool = ThreadPoolExecutor(max_workers=4)

        def make_outer() -> HoldsInner:
            def in_other_scope() -> Inner:
                with holder["provider"].create_scope() as other:
                    return other.get_service(Inner)

            inner = pool.submit(in_other_scope).result(timeout=5)
            return HoldsInner(inner)

        services = ServiceCollection().add_scoped(Inner)
        services.add_scoped_factory(HoldsInner, make_outer)
        provider = holder["provider"] = services.build_service_provider()
        try:
            with contextlib.ExitStack() as open_scopes:  # many live scopes at once
                for _ in range(400):
                    scope = open_scopes.enter_context(provider.create_scope())
                    assert isinstance(scope.get_service(HoldsInner).inner, Inner)
        finally:
            pool.shutdown()

    def test_no_two_scopes_share_a_creation_lock(self) -> None:
        """White-box check of the invariant the test above relies on.

        Sync creation takes no lock at all (it claims the entry); async
        creation makes one lock per scope.
        """
        provider = ServiceCollection().add_scoped(Inner).build_service_provider()
        with contextlib.ExitStack() as open_scopes:
            scopes = [
                open_scopes.enter_context(provider.create_scope()) for _ in range(256)
            ]
            for scope in scopes:
                scope.get_service(Inner)
            assert all(scope._lock is None for scope in scopes)

        async def make_inner() -> Inner:
            return Inner()

        services = ServiceCollection().add_scoped_factory(Inner, make_inner)
        provider = services.build_service_provider()
        with contextlib.ExitStack() as open_scopes:
            scopes = [
                open_scopes.enter_context(provider.create_scope()) for _ in range(256)
            ]

            async def resolve_all() -> None:
                for scope in scopes:
                    await scope.get_service_async(Inner)

            asyncio.run(resolve_all())
            locks = {id(scope._lock) for scope in scopes}
        assert len(locks) == 256


class Dispatcher:
    def __init__(self) -> None:
        self.task: asyncio.Task[object] | None = None


class Handler:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher


class Job:
    pass


class TestNoFalseCycles:
    """A task or context started inside a factory is not part of its build."""

    async def test_task_started_by_a_factory_waits_instead_of_reporting_a_cycle(
        self,
    ) -> None:
        async def run(resolver: ServiceProvider) -> Handler:
            async with resolver.create_scope() as scope:
                return await scope.get_service_async(Handler)

        async def make_dispatcher(resolver):  # type: ignore[no-untyped-def]
            dispatcher = Dispatcher()
            dispatcher.task = asyncio.create_task(run(resolver))
            await asyncio.sleep(0.01)  # e.g. connecting, while the loop starts
            return dispatcher

        services = ServiceCollection().add_scoped(Handler)
        services.add_singleton_factory(Dispatcher, make_dispatcher)
        provider = services.build_service_provider()
        dispatcher = await provider.get_service_async(Dispatcher)
        assert dispatcher.task is not None
        handler = await dispatcher.task
        assert isinstance(handler, Handler)
        assert handler.dispatcher is dispatcher

    def test_context_copied_in_a_factory_is_not_a_cycle_later(self) -> None:
        copied: list[contextvars.Context] = []

        def make_job(resolver):  # type: ignore[no-untyped-def]
            if not copied:
                copied.append(contextvars.copy_context())
            return Job()

        services = ServiceCollection().add_transient_factory(Job, make_job)
        provider = services.build_service_provider()
        provider.get_service(Job)
        assert isinstance(copied[0].run(provider.get_service, Job), Job)

    def test_a_real_cycle_through_factories_is_still_reported(self) -> None:
        services = ServiceCollection()
        services.add_transient_factory(Job, lambda sp: sp.get_service(Handler))
        services.add_transient_factory(Handler, lambda sp: sp.get_service(Job))
        provider = services.build_service_provider()
        with pytest.raises(CircularDependencyError, match="Job -> Handler -> Job"):
            provider.get_service(Job)


class SlowConn:
    started = threading.Event()
    release = threading.Event()
    made: list[SlowConn] = []

    def __init__(self) -> None:
        SlowConn.started.set()
        SlowConn.release.wait(5)
        self.closed = False
        SlowConn.made.append(self)

    def close(self) -> None:
        self.closed = True


class TestCloseWhileBuilding:
    def test_object_finished_after_its_scope_closed_is_disposed_and_refused(
        self,
    ) -> None:
        SlowConn.started.clear()
        SlowConn.release.clear()
        provider = ServiceCollection().add_scoped(SlowConn).build_service_provider()
        scope = provider.create_scope()
        outcome: list[BaseException] = []

        def build() -> None:
            try:
                scope.get_service(SlowConn)
            except ScopeError as error:
                outcome.append(error)

        worker = threading.Thread(target=build)
        worker.start()
        assert SlowConn.started.wait(5)
        scope.close()  # while SlowConn is still being built
        SlowConn.release.set()
        worker.join(5)
        assert len(outcome) == 1
        assert "closed while SlowConn was being built" in str(outcome[0])
        assert [conn.closed for conn in SlowConn.made] == [True]


class Left:
    pass


class Right:
    pass


class TestCyclesAcrossThreadsAndTasks:
    """A factory cycle entered from two places at once is an error, not a deadlock."""

    def test_two_threads_entering_a_factory_cycle_both_get_the_cycle(self) -> None:
        gate = threading.Barrier(2)
        first_calls = {"left", "right"}

        def meet(name: str) -> None:
            if name in first_calls:  # both builds are under way before either asks
                first_calls.discard(name)
                gate.wait(5)

        def make_left(resolver):  # type: ignore[no-untyped-def]
            meet("left")
            return resolver.get_service(Right)

        def make_right(resolver):  # type: ignore[no-untyped-def]
            meet("right")
            return resolver.get_service(Left)

        services = ServiceCollection().add_singleton_factory(Left, make_left)
        services.add_singleton_factory(Right, make_right)
        provider = services.build_service_provider()
        outcomes: list[str] = []

        def worker(service_type: type) -> None:
            try:
                provider.get_service(service_type)
                outcomes.append("built")
            except CircularDependencyError as error:
                outcomes.append(str(error).splitlines()[0])

        threads = [
            threading.Thread(target=worker, args=(t,), daemon=True)
            for t in (Left, Right)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert not any(thread.is_alive() for thread in threads), "deadlocked"
        assert len(outcomes) == 2
        assert all("circular dependency at run time" in line for line in outcomes)

    async def test_two_tasks_entering_an_async_factory_cycle_get_the_cycle(
        self,
    ) -> None:
        both_started = asyncio.Event()
        started: list[str] = []

        async def begin(name: str) -> None:
            if name in started:  # only the first build of each waits for the other
                return
            started.append(name)
            if len(started) == 2:
                both_started.set()
            await asyncio.wait_for(both_started.wait(), 5)

        async def make_left(resolver):  # type: ignore[no-untyped-def]
            await begin("left")
            return await resolver.get_service_async(Right)

        async def make_right(resolver):  # type: ignore[no-untyped-def]
            await begin("right")
            return await resolver.get_service_async(Left)

        services = ServiceCollection().add_singleton_factory(Left, make_left)
        services.add_singleton_factory(Right, make_right)
        provider = services.build_service_provider()
        results = await asyncio.wait_for(
            asyncio.gather(
                provider.get_service_async(Left),
                provider.get_service_async(Right),
                return_exceptions=True,
            ),
            10,
        )
        assert [type(result) for result in results] == [CircularDependencyError] * 2

    async def test_two_tasks_in_one_scope_entering_a_scoped_cycle_get_the_cycle(
        self,
    ) -> None:
        async def make_left(resolver):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.01)  # both builds are under way before either asks
            return await resolver.get_service_async(Right)

        async def make_right(resolver):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.01)
            return await resolver.get_service_async(Left)

        services = ServiceCollection().add_scoped_factory(Left, make_left)
        services.add_scoped_factory(Right, make_right)
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            results = await asyncio.wait_for(
                asyncio.gather(
                    scope.get_service_async(Left),
                    scope.get_service_async(Right),
                    return_exceptions=True,
                ),
                10,
            )
        assert [type(result) for result in results] == [CircularDependencyError] * 2
