"""A scope's `with` / `async with` exit: order, errors, and many exits at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from wiredi import DisposalError, Scope, ServiceCollection
from wiredi._runtime.disposal import dispose_until_await

THREADS = 8
ROUNDS = 50


class Counter:
    """Counts disposals; ``+=`` under a lock, as threads share it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.closed = 0

    def add(self) -> None:
        with self.lock:
            self.closed += 1


class SyncClosed:
    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    def close(self) -> None:
        self.counter.add()


class AsyncClosed:
    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    async def aclose(self) -> None:
        await asyncio.sleep(0)  # really gives way to the other tasks
        self.counter.add()


class Logged:
    def __init__(self, log: list[str], name: str, *, fail: bool = False) -> None:
        self.log, self.name, self.fail = log, name, fail

    def close(self) -> None:
        self.log.append(self.name)
        if self.fail:
            raise ValueError(self.name)


class AsyncLogged(Logged):
    async def aclose(self) -> None:
        await asyncio.sleep(0)
        self.close()


class LoggedToo(Logged):
    pass


class Session:
    pass


def _counting(counter: Counter) -> ServiceCollection:
    services = ServiceCollection().add_instance(Counter, counter)
    services.add_scoped(SyncClosed).add_transient(AsyncClosed)
    return services


class TestAsyncExitOrder:
    @pytest.mark.parametrize("generator_last", [False, True])
    async def test_sync_and_async_disposers_run_newest_first(
        self, generator_last: bool
    ) -> None:
        """Sync close(), aclose() and an async generator finish in reverse order."""
        log: list[str] = []

        async def session() -> AsyncIterator[Session]:
            yield Session()
            log.append("session")

        services = ServiceCollection()
        services.add_scoped_factory(Logged, lambda: Logged(log, "first"))
        services.add_scoped_factory(Session, session)
        services.add_scoped_factory(AsyncLogged, lambda: AsyncLogged(log, "async"))
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            scope.get_service(Logged)
            if generator_last:
                scope.get_service(AsyncLogged)
                await scope.get_service_async(Session)
            else:
                await scope.get_service_async(Session)
                scope.get_service(AsyncLogged)
        newest = ["session", "async"] if generator_last else ["async", "session"]
        assert log == [*newest, "first"]

    async def test_errors_before_and_after_the_first_await_are_grouped(self) -> None:
        """A sync disposer failing before an awaited one: all run, errors grouped."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_scoped_factory(Logged, lambda: Logged(log, "a", fail=True))
        services.add_scoped_factory(
            AsyncLogged, lambda: AsyncLogged(log, "b", fail=True)
        )
        services.add_transient_factory(
            LoggedToo, lambda: LoggedToo(log, "c", fail=True)
        )
        provider = services.build_service_provider()
        with pytest.raises(DisposalError) as caught:
            async with provider.create_scope() as scope:
                scope.get_service(Logged)
                scope.get_service(AsyncLogged)
                scope.get_service(LoggedToo)
        assert log == ["c", "b", "a"]
        assert [str(e) for e in caught.value.exceptions] == ["c", "b", "a"]

    def test_only_sync_disposers_need_no_coroutine(self) -> None:
        """Nothing to await: everything is disposed at once and nothing returned."""
        log: list[str] = []
        items = [Logged(log, "a"), Logged(log, "b")]
        assert dispose_until_await(items, "the scope") is None
        assert log == ["b", "a"]
        assert items == []

    def test_a_sync_failure_with_nothing_to_await_is_raised_at_once(self) -> None:
        """A failing sync disposer, nothing to await: its error raised as is."""
        log: list[str] = []
        items = [Logged(log, "a"), Logged(log, "b", fail=True)]
        with pytest.raises(ValueError, match="b"):
            dispose_until_await(items, "the scope")
        assert log == ["b", "a"]


class TestManyExitsAtOnce:
    def test_threads_closing_their_own_scopes(self) -> None:
        """Threads opening and closing scopes at once: every object closed once."""
        counter = Counter()
        provider = _counting(counter).build_service_provider()
        gate = threading.Barrier(THREADS)
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                gate.wait()
                for _ in range(ROUNDS):
                    with provider.create_scope() as scope:
                        scope.get_service(SyncClosed)
                    with provider.create_scope():
                        pass
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert counter.closed == THREADS * ROUNDS

    def test_threads_exiting_one_scope_dispose_each_object_once(self) -> None:
        """The same scope exited by several threads at once: each object closed once."""
        counter = Counter()
        provider = _counting(counter).build_service_provider()
        for _ in range(ROUNDS):
            scope = provider.create_scope()
            scope.get_service(SyncClosed)
            gate = threading.Barrier(THREADS)

            def leave(scope: Scope = scope, gate: threading.Barrier = gate) -> None:
                gate.wait()
                scope.__exit__(None, None, None)

            threads = [threading.Thread(target=leave) for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert counter.closed == ROUNDS

    async def test_tasks_closing_their_own_scopes(self) -> None:
        """Tasks whose exits await at the same time: every object closed once."""
        counter = Counter()
        provider = _counting(counter).build_service_provider()
        gate = asyncio.Barrier(THREADS)

        async def request() -> None:
            await gate.wait()
            for _ in range(ROUNDS):
                async with provider.create_scope() as scope:
                    scope.get_service(SyncClosed)
                    scope.get_service(AsyncClosed)
                async with provider.create_scope():
                    pass

        async with asyncio.TaskGroup() as group:
            for _ in range(THREADS):
                group.create_task(request())
        assert counter.closed == 2 * THREADS * ROUNDS

    async def test_tasks_exiting_one_scope_dispose_each_object_once(self) -> None:
        """The same scope exited by several tasks at once: each object closed once."""
        counter = Counter()
        provider = _counting(counter).build_service_provider()
        scope = provider.create_scope()
        for _ in range(ROUNDS):
            scope.get_service(AsyncClosed)  # transients: one per resolve
        scope.get_service(SyncClosed)
        gate = asyncio.Barrier(THREADS)

        async def leave() -> None:
            await gate.wait()
            await scope.__aexit__(None, None, None)

        async with asyncio.TaskGroup() as group:
            for _ in range(THREADS):
                group.create_task(leave())
        assert counter.closed == ROUNDS + 1


def test_generator_factories_see_the_block_exception_in_async_with() -> None:
    """The fast exit still throws the block's exception into generator factories."""
    seen: list[BaseException] = []

    def session() -> Iterator[Session]:
        try:
            yield Session()
        except KeyError as error:
            seen.append(error)
            raise

    services = ServiceCollection().add_scoped_factory(Session, session)
    provider = services.build_service_provider()

    async def request() -> None:
        async with provider.create_scope() as scope:
            scope.get_service(Session)
            raise KeyError("body")

    with pytest.raises(KeyError, match="body"):
        asyncio.run(request())
    assert [type(error) for error in seen] == [KeyError]
