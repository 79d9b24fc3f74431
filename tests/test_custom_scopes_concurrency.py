"""Custom scopes under threads, asyncio tasks and many ids."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import weakref
from typing import Any

import pytest

from wiredi import ContextScopeManager, ScopeError, ServiceCollection, ServiceProvider

THREADS = 16
THREAD_IDS = [f"tenant-{number}" for number in range(8)]
TASKS = 500
TASK_IDS = [f"tenant-{number}" for number in range(20)]
TIMEOUT = 30


class Gate:
    """Holds constructors until released, and records what they built."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.built: list[Any] = []

    def record(self, instance: object) -> None:
        with self._lock:
            self.built.append(instance)


class TenantSettings:
    def __init__(self, gate: Gate) -> None:
        gate.record(self)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class TenantClient:
    """A slow constructor: waits for the gate while other threads pile up."""

    def __init__(self, gate: Gate, settings: TenantSettings) -> None:
        gate.entered.set()
        if not gate.release.wait(TIMEOUT):
            raise TimeoutError("the gate was never opened")
        gate.record(self)
        self.settings = settings
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class AsyncGate:
    """The asyncio twin of ``Gate``."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.built: list[Any] = []


class AsyncSettings:
    def __init__(self, gate: AsyncGate) -> None:
        gate.built.append(self)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class AsyncTenantClient:
    def __init__(self, settings: AsyncSettings) -> None:
        self.settings = settings
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


async def open_client(gate: AsyncGate, settings: AsyncSettings) -> AsyncTenantClient:
    """An async factory that waits for the gate, like a slow connect."""
    gate.entered.set()
    await gate.release.wait()
    client = AsyncTenantClient(settings)
    gate.built.append(client)
    return client


class ClosingCounter:
    def __init__(self) -> None:
        self.closed = 0


class Connection:
    def __init__(self, counter: ClosingCounter) -> None:
        self.counter = counter

    def close(self) -> None:
        self.counter.closed += 1


def assert_one_instance_per_id(
    results: dict[tuple[int, str], tuple[Any, Any]], ids: list[str]
) -> None:
    """Each id saw one client and one settings object; no two ids shared one."""
    clients: dict[str, Any] = {}
    for scope_id in ids:
        seen = [pair for (_, key), pair in results.items() if key == scope_id]
        assert seen, f"{scope_id} was never resolved"
        assert len({id(client) for client, _ in seen}) == 1, scope_id
        assert len({id(settings) for _, settings in seen}) == 1, scope_id
        client, settings = seen[0]
        assert client.settings is settings
        clients[scope_id] = client
    assert len({id(client) for client in clients.values()}) == len(ids)
    assert len({id(client.settings) for client in clients.values()}) == len(ids)


class TestThreads:
    @pytest.mark.parametrize("persistent", [True, False])
    def test_each_id_gets_one_instance_across_16_threads(
        self, persistent: bool
    ) -> None:
        """16 threads entering 8 ids at once see one instance per id, never another id's."""
        gate = Gate()
        manager = ContextScopeManager(persistent=persistent)
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add_instance(Gate, gate)
        services.add(TenantSettings, lifetime="tenant")
        services.add(TenantClient, lifetime="tenant")
        provider = services.build_service_provider()
        start = threading.Barrier(THREADS, timeout=TIMEOUT)
        # Every thread stays inside all its ids until all threads resolved, so
        # even a non-persistent id is shared by all of them.
        finish = threading.Barrier(THREADS, timeout=TIMEOUT)
        results: dict[tuple[int, str], tuple[Any, Any]] = {}
        errors: list[BaseException] = []

        def work(index: int) -> None:
            try:
                shift = index % len(THREAD_IDS)
                order = THREAD_IDS[shift:] + THREAD_IDS[:shift]
                start.wait()
                with contextlib.ExitStack() as stack:
                    for scope_id in order:
                        scope = stack.enter_context(
                            provider.create_scope("tenant", scope_id)
                        )
                        assert manager.current_scope_id() == scope_id
                        results[index, scope_id] = (
                            scope.get_service(TenantClient),
                            scope.get_service(TenantSettings),
                        )
                    finish.wait()
                assert manager.current_scope_id() is None
            except BaseException as error:
                errors.append(error)
                start.abort()
                finish.abort()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        assert gate.entered.wait(TIMEOUT)
        gate.release.set()
        for thread in threads:
            thread.join(TIMEOUT)
        assert not errors, errors
        assert len(results) == THREADS * len(THREAD_IDS)
        assert_one_instance_per_id(results, THREAD_IDS)
        assert len(gate.built) == 2 * len(THREAD_IDS)
        assert manager.stats()["created"] == len(THREAD_IDS)
        closed = [instance.closed for instance in gate.built]
        if persistent:
            assert sorted(manager.active_scopes()) == THREAD_IDS
            assert closed == [0] * len(closed)
            manager.close()
            closed = [instance.closed for instance in gate.built]
        assert closed == [1] * len(closed)
        assert manager.active_scopes() == []

    def test_storage_is_created_once_when_threads_enter_one_id_together(
        self,
    ) -> None:
        """Many threads entering a new id at the same moment share one storage."""
        manager = ContextScopeManager()
        start = threading.Barrier(THREADS, timeout=TIMEOUT)
        storages: list[object] = []
        lock = threading.Lock()

        def work() -> None:
            start.wait()
            manager.enter_scope("shared")
            storage = manager.get_current_scope()
            with lock:
                storages.append(storage)
            manager.exit_scope()

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        assert len(storages) == THREADS
        assert len({id(storage) for storage in storages}) == 1
        assert manager.stats()["created"] == 1


class TestAsyncTasks:
    @pytest.mark.parametrize("persistent", [True, False])
    async def test_each_id_gets_one_instance_across_500_tasks(
        self, persistent: bool
    ) -> None:
        """500 tasks over 20 ids see one instance per id, never another id's."""
        gate = AsyncGate()
        manager = ContextScopeManager(persistent=persistent)
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add_instance(AsyncGate, gate)
        services.add(AsyncSettings, lifetime="tenant")
        services.add(AsyncTenantClient, open_client, lifetime="tenant")
        provider = services.build_service_provider()
        start = asyncio.Barrier(TASKS)
        # Keep every task inside its id until all have resolved (see threads).
        finish = asyncio.Barrier(TASKS)
        results: dict[tuple[int, str], tuple[Any, Any]] = {}

        async def task(index: int) -> None:
            scope_id = TASK_IDS[index % len(TASK_IDS)]
            await start.wait()
            async with provider.create_scope("tenant", scope_id) as scope:
                assert manager.current_scope_id() == scope_id
                client = await scope.get_service_async(AsyncTenantClient)
                settings = await scope.get_service_async(AsyncSettings)
                results[index, scope_id] = (client, settings)
                await finish.wait()

        async def open_gate() -> None:
            await gate.entered.wait()
            for _ in range(TASKS):  # let every task reach the gate first
                await asyncio.sleep(0)
            gate.release.set()

        await asyncio.wait_for(
            asyncio.gather(open_gate(), *(task(n) for n in range(TASKS))), TIMEOUT
        )
        assert len(results) == TASKS
        assert_one_instance_per_id(results, TASK_IDS)
        assert len(gate.built) == 2 * len(TASK_IDS)
        closed = [instance.closed for instance in gate.built]
        if persistent:
            assert sorted(manager.active_scopes()) == sorted(TASK_IDS)
            assert closed == [0] * len(closed)
            await manager.aclose()
            closed = [instance.closed for instance in gate.built]
        assert closed == [1] * len(closed)
        assert manager.active_scopes() == []

    async def test_a_task_started_inside_a_block_inherits_its_id(self) -> None:
        """A task created inside a tenant block runs in that tenant, like its parent."""
        manager = ContextScopeManager()
        manager.enter_scope("ACME")
        child = asyncio.create_task(asyncio.sleep(0, manager.current_scope_id()))
        manager.exit_scope()
        assert await child == "ACME"
        assert manager.current_scope_id() is None


class TestMemory:
    def test_100k_ids_keep_storage_bounded_and_dispose_every_evicted_instance(
        self,
    ) -> None:
        """With max_scopes=1000, 100,000 ids never hold more than 1000 storages."""
        counter = ClosingCounter()
        manager = ContextScopeManager(max_scopes=1000)
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add_instance(ClosingCounter, counter)
        services.add(Connection, lifetime="tenant")
        provider = services.build_service_provider()
        for number in range(100_000):
            with provider.create_scope("tenant", f"id-{number}") as scope:
                scope.get_service(Connection)
            if number % 1000 == 999:
                assert len(manager.active_scopes()) <= 1000
        assert len(manager.active_scopes()) == 1000
        assert counter.closed == 99_000
        stats = manager.stats()
        assert (stats["created"], stats["evicted"], stats["disposed"]) == (
            100_000,
            99_000,
            99_000,
        )
        manager.close()
        assert counter.closed == 100_000
        assert manager.active_scopes() == []

    def test_evicted_instances_are_freed(self) -> None:
        """Instances of evicted ids can be garbage-collected: memory stays bounded."""
        counter = ClosingCounter()
        manager = ContextScopeManager(max_scopes=100)
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add_instance(ClosingCounter, counter)
        services.add(Connection, lifetime="tenant")
        provider: ServiceProvider = services.build_service_provider()
        alive: weakref.WeakSet[Connection] = weakref.WeakSet()
        for number in range(10_000):
            with provider.create_scope("tenant", f"id-{number}") as scope:
                alive.add(scope.get_service(Connection))
        gc.collect()
        assert len(alive) <= 100


class SlowSession:
    started = threading.Event()
    release = threading.Event()
    made: list[SlowSession] = []

    def __init__(self) -> None:
        SlowSession.started.set()
        SlowSession.release.wait(5)
        self.closed = False
        SlowSession.made.append(self)

    def close(self) -> None:
        self.closed = True


def test_cleanup_during_a_build_disposes_what_that_build_finishes() -> None:
    """cleanup_scope(id) while another thread builds for id: nothing escapes disposal."""
    SlowSession.started.clear()
    SlowSession.release.clear()
    SlowSession.made.clear()
    manager = ContextScopeManager()
    services = ServiceCollection().add_scope_manager("session", manager)
    provider = services.add(SlowSession, lifetime="session").build_service_provider()
    errors: list[BaseException] = []

    def build() -> None:
        try:
            with provider.create_scope("session", "alice") as scope:
                scope.get_service(SlowSession)
        except ScopeError as error:
            errors.append(error)

    worker = threading.Thread(target=build)
    worker.start()
    assert SlowSession.started.wait(5)
    manager.cleanup_scope("alice")  # while SlowSession is being built for alice
    SlowSession.release.set()
    worker.join(5)
    assert [session.closed for session in SlowSession.made] == [True]
    assert len(errors) == 1
    assert "custom scope 'alice' was closed" in str(errors[0])
