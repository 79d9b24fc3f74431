"""Sync scoped creation claims its entry without a lock; only contenders wait.

Threads racing on one scope, and asyncio tasks doing the same through
``asyncio.to_thread``, get one instance; those that waited for a failed
creation share its exception, and the next call attempts again; two threads
whose scoped factories need each other get a cycle error, not a deadlock.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.waiting import until, until_async, waiting
from wiredi import (
    CircularDependencyError,
    Resolver,
    ServiceCollection,
)

THREADS = 16
TASKS = 120


class Db: ...


class Report:
    def __init__(self, db: Db) -> None:
        self.db = db


class Left: ...


class Right: ...


class Gated:
    """A scoped factory that blocks until every contender waits, then answers."""

    def __init__(self, *, fail_first: bool = False) -> None:
        self.calls = 0
        self.fail_first = fail_first
        self.started = threading.Event()
        self.release = threading.Event()

    def make(self) -> Db:
        self.calls += 1
        if self.calls == 1:
            self.started.set()
            assert self.release.wait(10)
            if self.fail_first:
                raise RuntimeError("database down")
        return Db()


class TestThreads:
    def test_16_threads_on_one_scope_get_one_instance(self) -> None:
        gated = Gated()
        services = ServiceCollection().add_scoped_factory(Db, gated.make)
        provider = services.add_transient(Report).build_service_provider()
        barrier = threading.Barrier(THREADS)
        with provider.create_scope() as scope:

            def resolve(index: int) -> Db:
                barrier.wait(timeout=10)
                if index % 2:
                    return scope.get_service(Report).db
                return scope.get_service(Db)

            with ThreadPoolExecutor(THREADS) as pool:
                futures = [pool.submit(resolve, i) for i in range(THREADS)]
                assert gated.started.wait(10)
                until(lambda: waiting(provider) == THREADS - 1)
                gated.release.set()
                results = [future.result(timeout=10) for future in futures]
            assert gated.calls == 1
            assert all(result is results[0] for result in results)
            assert scope.get_service(Db) is results[0]
            assert scope._lock is None  # nobody took a lock
        assert waiting(provider) == 0
        assert provider._core.compiler.waits._builders == {}

    def test_waiting_threads_share_the_failure_then_the_next_call_retries(
        self,
    ) -> None:
        gated = Gated(fail_first=True)
        services = ServiceCollection().add_scoped_factory(Db, gated.make)
        provider = services.add_transient(Report).build_service_provider()
        errors: list[BaseException] = []
        barrier = threading.Barrier(THREADS)
        with provider.create_scope() as scope:

            def resolve() -> None:
                barrier.wait(timeout=10)
                try:
                    scope.get_service(Report)
                except RuntimeError as error:
                    errors.append(error)

            threads = [threading.Thread(target=resolve) for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            until(lambda: waiting(provider) == THREADS - 1)
            gated.release.set()
            for thread in threads:
                thread.join(10)
            assert gated.calls == 1
            assert len(errors) == THREADS
            assert len({id(error) for error in errors}) == 1
            assert errors[0].__notes__[0].endswith("Report -> Db (scoped)")
            db = scope.get_service(Db)
            assert gated.calls == 2
            assert scope.get_service(Report).db is db

    def test_a_builder_interrupted_lets_the_waiter_build(self) -> None:
        """A BaseException ends the claim; the thread that waited attempts again."""
        calls: list[int] = []
        started = threading.Event()
        release = threading.Event()

        class Stop(BaseException): ...

        def make() -> Db:
            calls.append(1)
            if len(calls) == 1:
                started.set()
                assert release.wait(10)
                raise Stop
            return Db()

        services = ServiceCollection().add_scoped_factory(Db, make)
        provider = services.build_service_provider()
        got: list[object] = []
        with provider.create_scope() as scope:

            def build() -> None:
                with pytest.raises(Stop):
                    scope.get_service(Db)

            def wait() -> None:
                got.append(scope.get_service(Db))

            builder = threading.Thread(target=build)
            builder.start()
            assert started.wait(10)
            waiter = threading.Thread(target=wait)
            waiter.start()
            until(lambda: waiting(provider) == 1)
            release.set()
            builder.join(10)
            waiter.join(10)
            assert len(calls) == 2
            assert got == [scope.get_service(Db)]

    def test_two_threads_whose_factories_need_each_other_get_a_cycle(self) -> None:
        """Left's factory asks for Right and Right's for Left: an error, no hang."""

        both_building = threading.Barrier(2)

        def make_left(resolver: Resolver) -> Left:
            both_building.wait(timeout=10)
            resolver.get_service(Right)
            return Left()

        def make_right(resolver: Resolver) -> Right:
            both_building.wait(timeout=10)
            resolver.get_service(Left)
            return Right()

        services = ServiceCollection().add_scoped_factory(Left, make_left)
        provider = services.add_scoped_factory(
            Right, make_right
        ).build_service_provider()
        errors: list[BaseException] = []
        with provider.create_scope() as scope:

            def resolve(kind: type) -> None:
                try:
                    scope.get_service(kind)
                except CircularDependencyError as error:
                    errors.append(error)

            threads = [
                threading.Thread(target=resolve, args=(kind,)) for kind in (Left, Right)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
            assert not any(thread.is_alive() for thread in threads)
        assert len(errors) == 2
        assert waiting(provider) == 0


class TestSameThread:
    def test_a_scoped_factory_asking_for_itself_gets_the_cycle(self) -> None:
        def make(resolver: Resolver) -> Db:
            resolver.get_service(Db)
            return Db()

        services = ServiceCollection().add_scoped_factory(Db, make)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            with pytest.raises(CircularDependencyError):
                scope.get_service(Db)
            assert scope._cache is not None
            assert len(scope._cache) == 0  # the claim is gone

    def test_re_entering_from_a_fresh_context_builds_again_as_before(self) -> None:
        """No build of its own in sight (a fresh context): it builds, as before."""
        made: list[Db] = []

        def make(resolver: Resolver) -> Db:
            if not made:
                made.append(Db())
                return contextvars.Context().run(resolver.get_service, Db)
            made.append(Db())
            return made[-1]

        services = ServiceCollection().add_scoped_factory(Db, make)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            db = scope.get_service(Db)
            assert db is made[1]
            assert scope.get_service(Db) is db

    def test_a_waiter_that_finds_the_claim_ended_does_not_wait(self) -> None:
        """White-box: the claim ended between its discovery and the wait."""
        provider = ServiceCollection().add_scoped(Db).build_service_provider()
        waits = provider._core.compiler.waits
        reg = provider._core.registry.registrations[-1]
        claim: list[Any] = [-1, None, None]
        waits.wait_for_claim(claim, ("scope", "key"), reg, lambda: False)
        assert claim[1][0].is_set()
        assert waits._builders == {}
        assert waits._waiting == {}


class TestTasks:
    async def test_120_tasks_on_one_scope_get_one_instance(self) -> None:
        """Tasks resolving through worker threads, gated until all are waiting."""
        gated = Gated()
        provider = (
            ServiceCollection()
            .add_scoped_factory(Db, gated.make)
            .build_service_provider()
        )
        async with provider.create_scope() as scope:
            with ThreadPoolExecutor(TASKS) as pool:
                loop = asyncio.get_running_loop()
                barrier = threading.Barrier(TASKS)

                def resolve() -> Db:
                    barrier.wait(timeout=20)
                    return scope.get_service(Db)

                tasks = [
                    asyncio.ensure_future(loop.run_in_executor(pool, resolve))
                    for _ in range(TASKS)
                ]
                await until_async(lambda: waiting(provider) == TASKS - 1)
                gated.release.set()
                results = await asyncio.gather(*tasks)
            assert gated.calls == 1
            assert all(result is results[0] for result in results)

    async def test_tasks_on_one_thread_build_a_sync_scoped_once(self) -> None:
        """Tasks of one loop, gated on an event, then all resolving: one instance."""
        made: list[Db] = []

        def make() -> Db:
            made.append(Db())
            return made[-1]

        provider = (
            ServiceCollection().add_scoped_factory(Db, make).build_service_provider()
        )
        go = asyncio.Event()
        async with provider.create_scope() as scope:

            async def resolve() -> Db:
                await go.wait()
                return scope.get_service(Db)

            tasks = [asyncio.create_task(resolve()) for _ in range(TASKS)]
            await asyncio.sleep(0)
            go.set()
            results = await asyncio.gather(*tasks)
        assert len(made) == 1
        assert all(result is made[0] for result in results)


class TestSyncAndAsyncResolves:
    """``get_service_async`` of a graph that awaits nothing runs the sync resolver.

    So a thread and an asyncio task resolving the same scoped service in one
    scope meet at the same claim: one instance. (A graph that awaits has no
    sync resolver at all: ``get_service`` raises for it.)
    """

    def test_a_thread_and_a_task_racing_on_one_scope_share_one_instance(self) -> None:
        gated = Gated()
        services = ServiceCollection().add_scoped_factory(Db, gated.make)
        provider = services.build_service_provider()

        def release_when_the_task_waits() -> None:
            until(lambda: waiting(provider) == 1)
            gated.release.set()

        async def from_a_task(scope: Any) -> Db:
            result: Db = await scope.get_service_async(Db)
            return result

        with provider.create_scope() as scope, ThreadPoolExecutor(1) as pool:
            from_thread = pool.submit(scope.get_service, Db)
            assert gated.started.wait(10)
            releaser = threading.Thread(target=release_when_the_task_waits)
            releaser.start()
            from_task = asyncio.run(from_a_task(scope))
            releaser.join(10)
            assert from_thread.result(timeout=10) is from_task
        assert gated.calls == 1
