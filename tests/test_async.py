"""Async resolution: async factories, async scopes, async disposal, cancellation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from tests.fakes import Clock, Closeable
from wiredi import (
    AsyncResolutionError,
    DisposalError,
    ScopeError,
    ServiceCollection,
    ServiceProvider,
)


class Connection:
    def __init__(self) -> None:
        self.closed = False


class Repository:
    def __init__(self, connection: Connection, clock: Clock) -> None:
        self.connection = connection
        self.clock = clock


class Handler:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository


class AsyncClosing:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def aclose(self) -> None:
        await asyncio.sleep(0)
        self.log.append("aclose")

    def close(self) -> None:  # pragma: no cover - aclose is preferred
        self.log.append("close")


async def open_connection() -> Connection:
    await asyncio.sleep(0)
    return Connection()


def _graph() -> ServiceCollection:
    services = ServiceCollection()
    services.add_scoped_factory(Connection, open_connection)
    services.add_singleton(Clock)
    services.add_transient(Repository)
    services.add_transient(Handler)
    return services


class TestResolve:
    async def test_async_factory_in_mixed_graph(self) -> None:
        """Async factories and sync constructors mix in one graph."""
        provider = _graph().build_service_provider()
        async with provider.create_scope() as scope:
            handler = await scope.get_service_async(Handler)
            again = await scope.get_service_async(Repository)
        assert isinstance(handler.repository.connection, Connection)
        assert again.connection is handler.repository.connection
        assert handler.repository.clock is provider.get_service(Clock)

    async def test_sync_graph_through_async_api(self) -> None:
        """get_service_async works for graphs without async factories too."""
        provider = ServiceCollection().add_singleton(Clock).build_service_provider()
        assert await provider.get_service_async(Clock) is provider.get_service(Clock)

    async def test_async_singleton_kept(self) -> None:
        """An async singleton factory runs once; the value is cached."""
        calls: list[int] = []

        async def make() -> Clock:
            calls.append(1)
            return Clock()

        provider = (
            ServiceCollection()
            .add_singleton_factory(Clock, make)
            .build_service_provider()
        )
        first = await provider.get_service_async(Clock)
        assert await provider.get_service_async(Clock) is first
        assert calls == [1]

    async def test_get_services_async(self) -> None:
        """get_services_async mixes async and sync registrations in order."""

        async def make() -> Clock:
            return Clock()

        services = (
            ServiceCollection().add_singleton(Clock).add_transient_factory(Clock, make)
        )
        provider = services.build_service_provider()
        clocks = await provider.get_services_async(Clock)
        assert len(clocks) == 2
        again = await provider.get_services_async(Clock)
        assert clocks[0] is again[0]
        assert clocks[1] is not again[1]
        assert all(isinstance(c, Clock) for c in clocks)

    async def test_scoped_from_root_async(self) -> None:
        """Async resolution keeps lifetimes: scoped from the root is a ScopeError."""
        provider = _graph().build_service_provider()
        with pytest.raises(ScopeError, match="create_scope"):
            await provider.get_service_async(Handler)

    async def test_invoke_async(self) -> None:
        """invoke_async resolves async dependencies and awaits the function."""
        provider = _graph().build_service_provider()

        async def endpoint(handler: Handler, name: str) -> str:
            return f"{name}:{type(handler).__name__}"

        async with provider.create_scope() as scope:
            assert await scope.invoke_async(endpoint, name="x") == "x:Handler"


BUILT: list[str] = []


class Tracked:
    def __init__(self) -> None:
        BUILT.append("tracked")


class RootService:
    def __init__(self, tracked: Tracked, connection: Connection) -> None:
        self.tracked = tracked
        self.connection = connection


class TestSyncMeetsAsync:
    def test_sync_call_raises_before_creating_anything(self) -> None:
        """A sync get_service of an async graph raises and creates nothing."""
        BUILT.clear()
        services = ServiceCollection()
        services.add_transient(Tracked)
        services.add_transient_factory(Connection, open_connection)
        services.add_transient(RootService)
        provider = services.build_service_provider()
        with pytest.raises(AsyncResolutionError) as caught:
            provider.get_service(RootService)
        assert BUILT == []
        assert "get_service_async" in str(caught.value)
        assert [n.service_type for n in caught.value.path] == [RootService, Connection]

    async def test_same_graph_resolves_async(self) -> None:
        """The graph that failed sync resolves through get_service_async."""
        BUILT.clear()
        services = ServiceCollection()
        services.add_transient(Tracked)
        services.add_transient_factory(Connection, open_connection)
        services.add_transient(RootService)
        root = await services.build_service_provider().get_service_async(RootService)
        assert isinstance(root.connection, Connection)
        assert BUILT == ["tracked"]


class TestBuiltAsyncSingletons:
    """A singleton an async call built is returned by a sync call too."""

    def _provider(self) -> ServiceProvider:
        services = ServiceCollection().add_singleton_factory(
            Connection, open_connection
        )
        services.add_singleton(Clock).add_singleton(Repository)
        services.add_alias(object, Connection).add_transient(Handler)
        return services.build_service_provider()

    async def test_sync_call_after_the_async_build(self) -> None:
        provider = self._provider()
        with pytest.raises(AsyncResolutionError):
            provider.get_service(Repository)
        repository = await provider.get_service_async(Repository)
        assert provider.get_service(Repository) is repository
        assert provider.get_service(Connection) is repository.connection
        assert provider.get_service(object) is repository.connection  # an alias
        with provider.create_scope() as scope:
            assert scope.get_service(Repository) is repository
        with pytest.raises(AsyncResolutionError):  # a transient: made anew
            provider.get_service(Handler)

    def test_threads_see_what_a_task_built(self) -> None:
        provider = self._provider()
        built = asyncio.run(provider.get_service_async(Connection))
        seen: list[object] = []
        threads = [
            threading.Thread(
                target=lambda: seen.append(provider.get_service(Connection))
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen == [built] * 8


class TestAsyncGenerators:
    async def test_async_generator_factory_finalised_at_scope_exit(self) -> None:
        """Code after an async generator factory's yield runs at scope exit."""
        events: list[str] = []

        async def session() -> AsyncIterator[Connection]:
            events.append("open")
            connection = Connection()
            yield connection
            connection.closed = True
            events.append("close")

        provider = (
            ServiceCollection()
            .add_scoped_factory(Connection, session)
            .build_service_provider()
        )
        async with provider.create_scope() as scope:
            connection = await scope.get_service_async(Connection)
            assert events == ["open"]
        assert events == ["open", "close"]
        assert connection.closed

    async def test_sync_close_of_async_generator_is_scope_error(self) -> None:
        """A sync close cannot finalise an async generator and says so."""

        async def session() -> AsyncIterator[Connection]:
            yield Connection()

        provider = (
            ServiceCollection()
            .add_scoped_factory(Connection, session)
            .build_service_provider()
        )
        scope = provider.create_scope()
        await scope.get_service_async(Connection)
        with pytest.raises(ScopeError, match="async generator"):
            scope.close()


class TestAsyncDisposal:
    async def test_aclose_preferred_reverse_order(self) -> None:
        """async close prefers aclose(), falls back to close(), in reverse order."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_scoped_factory(Closeable, lambda: Closeable(log, "sync"))
        services.add_scoped_factory(AsyncClosing, lambda: AsyncClosing(log))
        async with services.build_service_provider().create_scope() as scope:
            scope.get_service(Closeable)
            scope.get_service(AsyncClosing)
        assert log == ["aclose", "sync"]

    async def test_async_errors_grouped(self) -> None:
        """Every async disposer runs; several errors become one DisposalError."""

        class Bad:
            def __init__(self, name: str) -> None:
                self.name = name

            async def aclose(self) -> None:
                raise OSError(self.name)

        services = ServiceCollection()
        services.add_transient_factory(Bad, lambda: Bad("x"))
        scope = services.build_service_provider().create_scope()
        scope.get_service(Bad)
        scope.get_service(Bad)
        with pytest.raises(DisposalError) as caught:
            await scope.aclose()
        assert len(caught.value.exceptions) == 2

    async def test_async_with_provider_closes_singletons(self) -> None:
        """async with provider disposes singletons with aclose()."""
        log: list[str] = []
        services = ServiceCollection().add_singleton_factory(
            AsyncClosing, lambda: AsyncClosing(log)
        )
        async with services.build_service_provider() as provider:
            provider.get_service(AsyncClosing)
        assert log == ["aclose"]


class AcloseOnly:
    def __init__(self, log: list[str], name: str) -> None:
        self.log = log
        self.name = name

    async def aclose(self) -> None:
        self.log.append(self.name)


class TestAcloseAfterAFailedSyncClose:
    """What a sync close refused, the aclose() its fix names then closes."""

    async def test_scope(self) -> None:
        log: list[str] = []

        async def stream() -> AsyncIterator[Connection]:
            yield Connection()
            log.append("stream")

        services = ServiceCollection().add_scoped_factory(Connection, stream)
        services.add_scoped_factory(AcloseOnly, lambda: AcloseOnly(log, "first"))
        services.add_transient_factory(Closeable, lambda: Closeable(log, "sync"))
        scope = services.build_service_provider().create_scope()
        scope.get_service(AcloseOnly)
        await scope.get_service_async(Connection)
        scope.get_service(Closeable)
        with pytest.raises(DisposalError, match="2 errors") as caught:
            scope.close()
        assert "await scope.aclose()" in str(caught.value.exceptions[0])
        assert log == ["sync"]  # what a sync close can close is closed
        await scope.aclose()
        assert log == ["sync", "stream", "first"]  # the rest, newest first
        await scope.aclose()  # nothing left: nothing again
        assert log == ["sync", "stream", "first"]

    async def test_the_blocks_exception_still_reaches_the_generator(self) -> None:
        """A failed block: the later aclose() throws it into the generator (13.3)."""
        log: list[str] = []

        async def session() -> AsyncIterator[Connection]:
            try:
                yield Connection()
                log.append("commit")
            except ValueError:
                log.append("rollback")
                raise

        services = ServiceCollection().add_scoped_factory(Connection, session)
        scope = services.build_service_provider().create_scope()
        await scope.get_service_async(Connection)
        with pytest.raises(ScopeError) as caught, scope:
            raise ValueError("out of stock")
        assert isinstance(caught.value.__context__, ValueError)
        await scope.aclose()  # the generator re-raises it: finished normally
        assert log == ["rollback"]

    async def test_provider(self) -> None:
        log: list[str] = []
        services = ServiceCollection()
        services.add_singleton_factory(AcloseOnly, lambda: AcloseOnly(log, "pool"))
        provider = services.build_service_provider()
        provider.get_service(AcloseOnly)
        with pytest.raises(ScopeError, match="only has aclose"):
            provider.close()
        await provider.aclose()
        assert log == ["pool"]


class TestCancellation:
    async def test_cancelled_resolution_leaves_scope_closeable(self) -> None:
        """A task cancelled mid-resolution leaves its scope able to close cleanly."""
        log: list[str] = []
        started = asyncio.Event()

        async def slow() -> Connection:
            started.set()
            await asyncio.sleep(10)
            return Connection()  # pragma: no cover - cancelled before

        services = ServiceCollection()
        services.add_scoped_factory(Closeable, lambda: Closeable(log, "first"))
        services.add_scoped_factory(Connection, slow)
        services.add_transient(Waiting)
        provider = services.build_service_provider()
        scope = provider.create_scope()
        task = asyncio.create_task(scope.get_service_async(Waiting))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await scope.aclose()
        assert log == ["first"]

    async def test_cancelled_singleton_is_retried(self) -> None:
        """After a cancelled creation, the next caller builds the singleton."""
        started = asyncio.Event()
        attempts: list[int] = []

        async def make() -> Clock:
            attempts.append(1)
            if len(attempts) == 1:
                started.set()
                await asyncio.sleep(10)
            return Clock()

        provider = (
            ServiceCollection()
            .add_singleton_factory(Clock, make)
            .build_service_provider()
        )
        task = asyncio.create_task(provider.get_service_async(Clock))
        await started.wait()
        waiter = asyncio.create_task(provider.get_service_async(Clock))
        await asyncio.sleep(0)
        task.cancel()
        clock = await asyncio.wait_for(waiter, timeout=5)
        assert isinstance(clock, Clock)
        assert len(attempts) == 2


class Waiting:
    def __init__(self, first: Closeable, connection: Connection) -> None:
        self.first = first
        self.connection = connection
