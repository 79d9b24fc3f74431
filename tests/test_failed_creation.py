"""A failed creation is shared by its waiters; the next call attempts again."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.waiting import until, until_async, waiting
from wiredi import ContextScopeManager, ServiceCollection

WAITERS = 20


class Db: ...


class Report:
    def __init__(self, db: Db) -> None:
        self.db = db


class Flaky:
    """A factory whose first attempt blocks until released, then raises."""

    def __init__(self) -> None:
        self.attempts = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def make(self) -> Db:
        self.attempts += 1
        if self.attempts == 1:
            self.started.set()
            assert self.release.wait(10)
            raise RuntimeError("database down")
        return Db()


class AsyncFlaky:
    """An async factory whose first attempt waits until released, then raises."""

    def __init__(self) -> None:
        self.attempts = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def make_async(self) -> Db:
        self.attempts += 1
        if self.attempts == 1:
            self.started.set()
            await self.release.wait()
            raise RuntimeError("database down")
        return Db()


class TestAsyncSingleton:
    async def test_waiters_share_the_failure_then_the_next_call_retries(
        self,
    ) -> None:
        """20 tasks: one attempt, 20 times its exception; a later call builds it."""
        flaky = AsyncFlaky()
        services = ServiceCollection().add_singleton_factory(Db, flaky.make_async)
        provider = services.build_service_provider()
        tasks = [
            asyncio.create_task(provider.get_service_async(Db)) for _ in range(WAITERS)
        ]
        await until_async(lambda: waiting(provider) == WAITERS - 1)
        flaky.release.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert flaky.attempts == 1
        assert all(isinstance(result, RuntimeError) for result in results)
        assert len({id(result) for result in results}) == 1
        db = await provider.get_service_async(Db)
        assert flaky.attempts == 2
        assert db is await provider.get_service_async(Db)

    async def test_waiters_through_a_dependency_see_the_whole_path(self) -> None:
        """A waiter resolving Report gets the note Report -> Db, as the builder does."""
        flaky = AsyncFlaky()
        services = ServiceCollection().add_singleton_factory(Db, flaky.make_async)
        provider = services.add_transient(Report).build_service_provider()
        tasks = [
            asyncio.create_task(provider.get_service_async(Report)) for _ in range(3)
        ]
        await until_async(lambda: waiting(provider) == 2)
        flaky.release.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        (error,) = {id(result): result for result in results}.values()
        assert isinstance(error, RuntimeError)
        assert error.__notes__ == [
            "wiredi: raised while resolving Report -> Db (singleton)"
        ]

    async def test_cancelled_builder_lets_waiters_try_again(self) -> None:
        """A cancellation is the builder's own: a waiter attempts and succeeds."""
        flaky = AsyncFlaky()
        services = ServiceCollection().add_singleton_factory(Db, flaky.make_async)
        provider = services.build_service_provider()
        builder = asyncio.create_task(provider.get_service_async(Db))
        await until_async(flaky.started.is_set)
        waiter = asyncio.create_task(provider.get_service_async(Db))
        await until_async(lambda: waiting(provider) == 1)
        builder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await builder
        assert isinstance(await asyncio.wait_for(waiter, 5), Db)
        assert flaky.attempts == 2


class TestAsyncScopedAndCustom:
    async def test_scoped_waiters_share_the_failure(self) -> None:
        """Tasks of one scope waiting for a scoped creation share its exception."""
        flaky = AsyncFlaky()
        services = ServiceCollection().add_scoped_factory(Db, flaky.make_async)
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            tasks = [
                asyncio.create_task(scope.get_service_async(Db)) for _ in range(WAITERS)
            ]
            await until_async(lambda: waiting(provider) == WAITERS - 1)
            flaky.release.set()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            assert flaky.attempts == 1
            assert all(isinstance(result, RuntimeError) for result in results)
            assert isinstance(await scope.get_service_async(Db), Db)

    async def test_custom_scope_waiters_share_the_failure(self) -> None:
        """The same for a custom lifetime in one scope id."""
        flaky = AsyncFlaky()
        services = ServiceCollection().add_scope_manager(
            "tenant", ContextScopeManager()
        )
        services.add(Db, lifetime="tenant", factory=flaky.make_async)
        provider = services.build_service_provider()
        async with provider.create_scope("tenant", "ACME") as scope:
            tasks = [
                asyncio.create_task(scope.get_service_async(Db)) for _ in range(WAITERS)
            ]
            await until_async(flaky.started.is_set)
            for _ in range(5):  # let every task reach its wait
                await asyncio.sleep(0)
            flaky.release.set()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            assert flaky.attempts == 1
            assert all(isinstance(result, RuntimeError) for result in results)
            assert isinstance(await scope.get_service_async(Db), Db)


class TestThreadSingleton:
    def test_waiting_threads_share_the_failure_then_the_next_call_retries(
        self,
    ) -> None:
        """20 threads: one attempt, 20 times its exception; a later call builds it."""
        flaky = Flaky()
        services = ServiceCollection().add_singleton_factory(Db, flaky.make)
        provider = services.build_service_provider()
        errors: list[BaseException] = []
        barrier = threading.Barrier(WAITERS)

        def resolve() -> None:
            barrier.wait()
            try:
                provider.get_service(Db)
            except RuntimeError as error:
                errors.append(error)

        threads = [threading.Thread(target=resolve) for _ in range(WAITERS)]
        for thread in threads:
            thread.start()
        until(lambda: waiting(provider) == WAITERS - 1)
        flaky.release.set()
        for thread in threads:
            thread.join()
        assert flaky.attempts == 1
        assert len(errors) == WAITERS
        assert len({id(error) for error in errors}) == 1
        db = provider.get_service(Db)
        assert flaky.attempts == 2
        assert db is provider.get_service(Db)

    def test_waiting_thread_through_a_dependency_has_the_path(self) -> None:
        """A thread that waited gets Db in its path, as the builder does."""
        flaky = Flaky()
        services = ServiceCollection().add_singleton_factory(Db, flaky.make)
        provider = services.add_transient(Report).build_service_provider()
        errors: list[BaseException] = []

        def resolve() -> None:
            try:
                provider.get_service(Report)
            except RuntimeError as error:
                errors.append(error)

        builder = threading.Thread(target=resolve)
        builder.start()
        assert flaky.started.wait(10)
        waiter = threading.Thread(target=resolve)
        waiter.start()
        until(lambda: waiting(provider) == 1)
        flaky.release.set()
        builder.join()
        waiter.join()
        assert errors[0] is errors[1]
        assert errors[1].__notes__ == [
            "wiredi: raised while resolving Report -> Db (singleton)"
        ]
