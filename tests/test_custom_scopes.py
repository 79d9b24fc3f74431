"""Custom scopes: ``ScopeManager``, ``ContextScopeManager`` and custom lifetimes."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest

from wiredi import (
    ContextScopeManager,
    DisposalError,
    GraphValidationError,
    LifetimeError,
    RegistrationError,
    ScopeError,
    ServiceCollection,
    ServiceProvider,
)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Log:
    """Collects the names of what was closed, in order."""

    def __init__(self) -> None:
        self.closed: list[str] = []


class TenantConfig:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class TenantClient:
    def __init__(self, config: TenantConfig) -> None:
        self.config = config
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class AsyncClient:
    def __init__(self) -> None:
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


class Request:
    pass


class Shared:
    pass


class Middle:
    def __init__(self, config: TenantConfig) -> None:
        self.config = config


class Top:
    def __init__(self, middle: Middle) -> None:
        self.middle = middle


class Ordered:
    """Records its close() in the shared log."""

    def __init__(self, log: Log) -> None:
        self.log = log

    def close(self) -> None:
        self.log.closed.append(type(self).__name__)


class First(Ordered):
    pass


class Second(Ordered):
    def __init__(self, log: Log, first: First) -> None:
        super().__init__(log)
        self.first = first


class Connection:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class ConnectionRepo:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection


def build(
    manager: Any, *registrations: tuple[type, str], name: str = "tenant"
) -> ServiceProvider:
    services = ServiceCollection().add_scope_manager(name, manager)
    for service_type, lifetime in registrations:
        services.add(service_type, lifetime=lifetime)
    return services.build_service_provider()


@pytest.fixture(name="manager")
def _manager() -> ContextScopeManager:
    return ContextScopeManager()


@pytest.fixture(name="provider")
def _provider(manager: ContextScopeManager) -> Iterator[ServiceProvider]:
    provider = build(
        manager,
        (TenantConfig, "tenant"),
        (TenantClient, "tenant"),
        (Request, "scoped"),
        (Shared, "singleton"),
    )
    yield provider
    provider.close()


class TestTenantLifetime:
    def test_one_instance_per_id_is_reused_across_blocks(
        self, provider: ServiceProvider
    ) -> None:
        """A persistent id gets the same instance in every block for that id."""
        with provider.create_scope("tenant", "ACME") as scope:
            first = scope.get_service(TenantClient)
            assert scope.get_service(TenantClient) is first
        with provider.create_scope("tenant", "ACME") as scope:
            assert scope.get_service(TenantClient) is first
            assert scope.get_service(TenantConfig) is first.config

    def test_different_ids_get_different_instances(
        self, provider: ServiceProvider
    ) -> None:
        """Each id has its own instances."""
        with provider.create_scope("tenant", "ACME") as scope:
            acme = scope.get_service(TenantClient)
        with provider.create_scope("tenant", "Globex") as scope:
            globex = scope.get_service(TenantClient)
        assert globex is not acme
        assert globex.config is not acme.config

    def test_persistent_instances_survive_the_block(
        self, provider: ServiceProvider
    ) -> None:
        """Leaving a persistent scope does not dispose its instances."""
        with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(TenantClient)
        assert client.closed == 0

    def test_singletons_are_shared_across_ids(self, provider: ServiceProvider) -> None:
        """A singleton resolved inside custom scopes is the root's single instance."""
        with provider.create_scope("tenant", "ACME") as scope:
            first = scope.get_service(Shared)
        with provider.create_scope("tenant", "Globex") as scope:
            assert scope.get_service(Shared) is first is provider.get_service(Shared)

    def test_resolving_from_the_root_raises_scope_error_naming_the_scope(
        self, provider: ServiceProvider
    ) -> None:
        """Outside any tenant block, resolving a tenant service names the scope."""
        with pytest.raises(ScopeError, match="'tenant'") as caught:
            provider.get_service(TenantClient)
        assert caught.value.service_type is TenantClient
        assert "create_scope('tenant', scope_id)" in str(caught.value)

    def test_resolving_in_a_plain_request_scope_raises_scope_error(
        self, provider: ServiceProvider
    ) -> None:
        """A request scope alone does not enter the custom scope."""
        with (
            provider.create_scope() as scope,
            pytest.raises(ScopeError, match="no 'tenant' scope is active"),
        ):
            scope.get_service(TenantConfig)

    def test_resolving_after_the_block_raises_scope_error(
        self, provider: ServiceProvider
    ) -> None:
        """Once the block has exited, the id is no longer active."""
        with provider.create_scope("tenant", "ACME"):
            pass
        with pytest.raises(ScopeError, match="'tenant'"):
            provider.get_service(TenantConfig)

    async def test_async_resolution_uses_the_same_instances(
        self, provider: ServiceProvider
    ) -> None:
        """``get_service_async`` in an ``async with`` block shares the id's instance."""
        with provider.create_scope("tenant", "ACME") as scope:
            first = scope.get_service(TenantClient)
        async with provider.create_scope("tenant", "ACME") as scope:
            assert await scope.get_service_async(TenantClient) is first

    async def test_async_factory_instance_is_created_once_per_id(self) -> None:
        """An async factory in a custom lifetime runs once per id."""
        calls: list[str] = []

        async def make_client() -> AsyncClient:
            calls.append("made")
            await asyncio.sleep(0)
            return AsyncClient()

        manager = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add(AsyncClient, make_client, lifetime="tenant")
        provider = services.build_service_provider()
        async with provider.create_scope("tenant", "ACME") as scope:
            first, second = await asyncio.gather(
                scope.get_service_async(AsyncClient),
                scope.get_service_async(AsyncClient),
            )
        assert first is second
        assert calls == ["made"]
        await manager.aclose()
        assert first.closed


class TestNonPersistent:
    @pytest.fixture(name="manager")
    def _manager(self) -> ContextScopeManager:
        return ContextScopeManager(persistent=False)

    def test_instances_are_disposed_when_the_block_exits(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """A non-persistent id's instances are disposed at the end of the block."""
        with provider.create_scope("tenant", "run-1") as scope:
            client = scope.get_service(TenantClient)
            assert client.closed == 0
        assert (client.closed, client.config.closed) == (1, 1)
        assert manager.active_scopes() == []

    def test_the_next_block_gets_new_instances(self, provider: ServiceProvider) -> None:
        """Each run of a non-persistent id starts from scratch."""
        with provider.create_scope("tenant", "run") as scope:
            first = scope.get_service(TenantClient)
        with provider.create_scope("tenant", "run") as scope:
            assert scope.get_service(TenantClient) is not first

    def test_nested_blocks_for_one_id_dispose_at_the_outermost_exit(
        self, provider: ServiceProvider
    ) -> None:
        """An inner block for the same id shares the instances and keeps them alive."""
        with provider.create_scope("tenant", "run") as outer:
            client = outer.get_service(TenantClient)
            with provider.create_scope("tenant", "run") as inner:
                assert inner.get_service(TenantClient) is client
            assert client.closed == 0
        assert client.closed == 1

    def test_a_block_in_another_thread_keeps_the_id_alive(
        self, provider: ServiceProvider
    ) -> None:
        """Blocks are counted over every thread: the last one out disposes."""
        inside, leave = threading.Event(), threading.Event()
        seen: list[TenantClient] = []

        def other() -> None:
            with provider.create_scope("tenant", "run") as scope:
                seen.append(scope.get_service(TenantClient))
                inside.set()
                assert leave.wait(5)

        thread = threading.Thread(target=other)
        thread.start()
        assert inside.wait(5)
        with provider.create_scope("tenant", "run") as scope:
            assert scope.get_service(TenantClient) is seen[0]
        assert seen[0].closed == 0
        leave.set()
        thread.join(5)
        assert seen[0].closed == 1

    async def test_a_task_outliving_its_run_cannot_resolve_the_runs_services(
        self, provider: ServiceProvider
    ) -> None:
        """A task that inherited a finished run gets ScopeError, not a new storage."""
        finished = asyncio.Event()

        async def straggler() -> TenantConfig:
            await finished.wait()
            return provider.get_service(TenantConfig)

        with provider.create_scope("tenant", "run") as scope:
            config = scope.get_service(TenantConfig)
            task = asyncio.create_task(straggler())
        finished.set()
        with pytest.raises(ScopeError, match="no 'tenant' scope is active"):
            await task
        assert config.closed == 1

    def test_ttl_or_max_scopes_without_persistence_is_rejected(self) -> None:
        """``ttl`` and ``max_scopes`` only make sense for persistent scopes."""
        with pytest.raises(ValueError, match="persistent"):
            ContextScopeManager(persistent=False, ttl=10)
        with pytest.raises(ValueError, match="persistent"):
            ContextScopeManager(persistent=False, max_scopes=10)


class TestNesting:
    def test_a_request_scope_inside_a_custom_scope_sees_it(
        self, provider: ServiceProvider
    ) -> None:
        """A request scope opened inside a tenant block resolves that tenant's instances."""
        with provider.create_scope("tenant", "ACME") as tenant_scope:
            client = tenant_scope.get_service(TenantClient)
            with provider.create_scope() as request_scope:
                assert request_scope.get_service(TenantClient) is client

    def test_scoped_services_inside_a_custom_scope_are_per_request_scope(
        self, provider: ServiceProvider
    ) -> None:
        """Scoped services stay per request scope while the tenant instance is shared."""
        with provider.create_scope("tenant", "ACME") as first:
            request = first.get_service(Request)
            assert first.get_service(Request) is request
            with provider.create_scope() as second:
                assert second.get_service(Request) is not request
                assert second.get_service(TenantClient) is first.get_service(
                    TenantClient
                )
        with provider.create_scope("tenant", "ACME") as third:
            assert third.get_service(Request) is not request

    def test_an_inner_id_hides_the_outer_one_until_it_exits(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """Blocks of one manager nest: the innermost id is active, then the outer again."""
        with provider.create_scope("tenant", "ACME") as outer:
            acme = outer.get_service(TenantClient)
            with provider.create_scope("tenant", "Globex") as inner:
                assert manager.current_scope_id() == "Globex"
                assert inner.get_service(TenantClient) is not acme
            assert manager.current_scope_id() == "ACME"
            assert outer.get_service(TenantClient) is acme
        assert manager.current_scope_id() is None

    def test_two_different_custom_scopes_nest(self) -> None:
        """A session block inside a tenant block sees both scopes' instances."""

        class Session:
            pass

        tenants, sessions = ContextScopeManager(), ContextScopeManager()
        services = ServiceCollection()
        services.add_scope_manager("tenant", tenants)
        services.add_scope_manager("session", sessions)
        services.add(TenantConfig, lifetime="tenant")
        services.add(Session, lifetime="session")
        provider = services.build_service_provider()
        with provider.create_scope("tenant", "ACME") as tenant_scope:
            config = tenant_scope.get_service(TenantConfig)
            with provider.create_scope("session", "alice") as session_scope:
                assert session_scope.get_service(TenantConfig) is config
                alice = session_scope.get_service(Session)
            with provider.create_scope("session", "bob") as session_scope:
                assert session_scope.get_service(Session) is not alice
            with pytest.raises(ScopeError, match="'session'"):
                tenant_scope.get_service(Session)
        assert tenants.active_scopes() == ["ACME"]
        assert sessions.active_scopes() == ["alice", "bob"]

    def test_threads_do_not_see_each_others_scope(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """A tenant entered in one thread is not active in another."""
        seen: list[str | None] = []
        with provider.create_scope("tenant", "ACME"):
            thread = threading.Thread(
                target=lambda: seen.append(manager.current_scope_id())
            )
            thread.start()
            thread.join(5)
        assert seen == [None]

    async def test_tasks_do_not_see_each_others_scope(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """A tenant entered in one asyncio task is not active in a sibling task."""
        entered = asyncio.Event()
        checked = asyncio.Event()

        async def tenant_task() -> str | None:
            async with provider.create_scope("tenant", "ACME"):
                entered.set()
                await checked.wait()
                return manager.current_scope_id()

        async def sibling() -> str | None:
            await entered.wait()
            current = manager.current_scope_id()
            checked.set()
            return current

        assert list(await asyncio.gather(tenant_task(), sibling())) == ["ACME", None]

    def test_exit_without_enter_raises_scope_error(
        self, manager: ContextScopeManager
    ) -> None:
        """Leaving a scope this context never entered is an error, not a silent no-op."""
        with pytest.raises(ScopeError, match="has not entered"):
            manager.exit_scope()


class TestValidation:
    def test_singleton_depending_on_a_tenant_service_is_a_lifetime_error(
        self,
    ) -> None:
        """A singleton would capture one tenant's instance for every tenant."""

        class Cache:
            def __init__(self, config: TenantConfig) -> None:
                self.config = config

        services = ServiceCollection().add_scope_manager(
            "tenant", ContextScopeManager()
        )
        services.add(TenantConfig, lifetime="tenant").add_singleton(Cache)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        [error] = caught.value.errors
        assert isinstance(error, LifetimeError)
        assert error.service_type is TenantConfig
        assert "Cache (singleton) would capture TenantConfig (tenant)" in str(error)

    def test_a_transient_in_between_does_not_hide_the_capture(self) -> None:
        """singleton -> transient -> tenant is still a lifetime error."""
        services = ServiceCollection().add_scope_manager(
            "tenant", ContextScopeManager()
        )
        services.add(TenantConfig, lifetime="tenant")
        services.add_transient(Middle).add_singleton(Top)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert [type(error) for error in caught.value.errors] == [LifetimeError]

    def test_tenant_depending_on_a_scoped_service_is_a_lifetime_error(self) -> None:
        """A tenant instance would outlive the request scope it captured."""

        class Repo:
            def __init__(self, request: Request) -> None:
                self.request = request

        services = ServiceCollection().add_scope_manager(
            "tenant", ContextScopeManager()
        )
        services.add(Repo, lifetime="tenant").add_scoped(Request)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        [error] = caught.value.errors
        assert isinstance(error, LifetimeError)
        assert error.service_type is Request
        assert "Repo (tenant) would capture Request (scoped)" in str(error)

    def test_tenant_may_depend_on_singletons_and_transients(self) -> None:
        """Longer-lived and transient dependencies are fine for a tenant service."""

        class Repo:
            def __init__(self, shared: Shared, request: Request) -> None:
                self.shared = shared

        services = ServiceCollection().add_scope_manager(
            "tenant", ContextScopeManager()
        )
        services.add(Repo, lifetime="tenant").add_singleton(Shared)
        services.add_transient(Request)
        provider = services.build_service_provider()
        with provider.create_scope("tenant", "ACME") as scope:
            assert scope.get_service(Repo).shared is provider.get_service(Shared)

    def test_an_unknown_scope_name_fails_the_build(self) -> None:
        """A lifetime naming no registered scope manager is a RegistrationError at build."""
        services = ServiceCollection().add(TenantConfig, lifetime="tenant")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        [error] = caught.value.errors
        assert isinstance(error, RegistrationError)
        assert "'tenant'" in str(error)
        assert "add_scope_manager('tenant'" in str(error)

    def test_an_unknown_scope_name_without_validation_fails_at_resolve(self) -> None:
        """With validate=False the same RegistrationError comes at resolve."""
        services = ServiceCollection().add(TenantConfig, lifetime="tenant")
        provider = services.build_service_provider(validate=False)
        with pytest.raises(RegistrationError, match="no scope manager"):
            provider.get_service(TenantConfig)

    def test_create_scope_with_an_unknown_name_raises_scope_error(
        self, provider: ServiceProvider
    ) -> None:
        """Entering a scope nobody registered names the ones that exist."""
        with pytest.raises(ScopeError, match=r"registered: tenant"):
            provider.create_scope("session", "alice")


class TestExpiry:
    @pytest.fixture(name="clock")
    def _clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture(name="manager")
    def _manager(self, clock: FakeClock) -> ContextScopeManager:
        return ContextScopeManager(ttl=60, clock=clock)

    def test_an_idle_id_expires_after_ttl_and_is_disposed(
        self, provider: ServiceProvider, manager: ContextScopeManager, clock: FakeClock
    ) -> None:
        """An id unused for ttl seconds is dropped at the next enter and disposed."""
        with provider.create_scope("tenant", "ACME") as scope:
            old = scope.get_service(TenantClient)
        clock.advance(60)
        with provider.create_scope("tenant", "Globex"):
            pass
        assert (old.closed, old.config.closed) == (1, 1)
        assert manager.active_scopes() == ["Globex"]
        assert manager.stats()["evicted"] == 1

    def test_active_scopes_and_stats_drop_expired_ids_first(
        self, provider: ServiceProvider, manager: ContextScopeManager, clock: FakeClock
    ) -> None:
        """Reading the manager's state expires idle ids; nothing else has to happen."""
        with provider.create_scope("tenant", "ACME") as scope:
            old = scope.get_service(TenantClient)
        assert manager.active_scopes() == ["ACME"]
        clock.advance(60)
        assert manager.active_scopes() == []
        assert old.closed == 1
        stats = manager.stats()
        assert (stats["evicted"], stats["alive"]) == (1, 0)

    def test_an_expired_id_gets_new_instances(
        self, provider: ServiceProvider, clock: FakeClock
    ) -> None:
        """Re-entering an expired id starts with fresh instances."""
        with provider.create_scope("tenant", "ACME") as scope:
            old = scope.get_service(TenantClient)
        clock.advance(61)
        with provider.create_scope("tenant", "ACME") as scope:
            assert scope.get_service(TenantClient) is not old
        assert old.closed == 1

    def test_an_id_used_within_ttl_is_kept(
        self, provider: ServiceProvider, manager: ContextScopeManager, clock: FakeClock
    ) -> None:
        """Every block for the id restarts its idle time."""
        with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(TenantClient)
        for _ in range(5):
            clock.advance(59)
            with provider.create_scope("tenant", "ACME") as scope:
                assert scope.get_service(TenantClient) is client
        assert client.closed == 0
        assert manager.stats()["evicted"] == 0

    def test_an_active_id_never_expires(
        self, provider: ServiceProvider, manager: ContextScopeManager, clock: FakeClock
    ) -> None:
        """A block still inside an id keeps it, however long it takes."""
        with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(TenantClient)
            clock.advance(3600)
            with provider.create_scope("tenant", "Globex"):
                pass
            assert scope.get_service(TenantClient) is client
        assert client.closed == 0
        assert "ACME" in manager.active_scopes()

    def test_expiry_is_also_checked_on_resolution(
        self, provider: ServiceProvider, manager: ContextScopeManager, clock: FakeClock
    ) -> None:
        """Resolving a custom-lifetime service drops other expired ids."""
        with provider.create_scope("tenant", "old") as scope:
            old = scope.get_service(TenantConfig)
        with provider.create_scope("tenant", "live") as scope:
            clock.advance(120)
            scope.get_service(TenantConfig)
            assert manager.active_scopes() == ["live"]
        assert old.closed == 1

    async def test_a_task_that_inherited_the_id_keeps_it_in_use(
        self, provider: ServiceProvider, manager: ContextScopeManager, clock: FakeClock
    ) -> None:
        """Resolving in a task that outlived its parent's block counts as a use."""
        resume = asyncio.Event()

        async def background() -> TenantConfig:
            await resume.wait()
            return provider.get_service(TenantConfig)

        with provider.create_scope("tenant", "ACME") as scope:
            config = scope.get_service(TenantConfig)
            task = asyncio.create_task(background())
        clock.advance(50)
        resume.set()
        assert await task is config
        clock.advance(50)
        with provider.create_scope("tenant", "Globex"):
            pass
        assert manager.active_scopes() == ["ACME", "Globex"]
        assert config.closed == 0

    def test_the_idle_time_starts_when_the_block_exits(
        self, provider: ServiceProvider, manager: ContextScopeManager, clock: FakeClock
    ) -> None:
        """A long block followed by a short pause is not idle for ttl."""
        with provider.create_scope("tenant", "ACME"):
            clock.advance(600)
        clock.advance(30)
        with provider.create_scope("tenant", "Globex"):
            pass
        assert manager.active_scopes() == ["ACME", "Globex"]

    def test_non_positive_ttl_is_rejected(self) -> None:
        """A ttl of zero or less is a ValueError."""
        with pytest.raises(ValueError, match="ttl must be > 0"):
            ContextScopeManager(ttl=0)


class TestEviction:
    @pytest.fixture(name="manager")
    def _manager(self) -> ContextScopeManager:
        return ContextScopeManager(max_scopes=2)

    def test_the_least_recently_used_id_is_evicted_and_disposed(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """Beyond max_scopes ids, the oldest idle id is dropped and disposed."""
        clients = {}
        for scope_id in ("a", "b", "c"):
            with provider.create_scope("tenant", scope_id) as scope:
                clients[scope_id] = scope.get_service(TenantClient)
        assert manager.active_scopes() == ["b", "c"]
        assert [clients[k].closed for k in "abc"] == [1, 0, 0]
        assert manager.stats()["evicted"] == 1

    def test_using_an_id_makes_it_recently_used(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """Re-entering an id moves it to the back of the eviction order."""
        for scope_id in ("a", "b", "a", "c"):
            with provider.create_scope("tenant", scope_id) as scope:
                scope.get_service(TenantConfig)
        assert manager.active_scopes() == ["a", "c"]

    def test_an_active_id_is_never_evicted(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """Ids with an open block are skipped; the oldest idle one goes instead."""
        with provider.create_scope("tenant", "a") as scope:
            client = scope.get_service(TenantClient)
            for scope_id in ("b", "c", "d"):
                with provider.create_scope("tenant", scope_id):
                    pass
            assert scope.get_service(TenantClient) is client
        assert client.closed == 0
        assert manager.active_scopes() == ["d", "a"]

    def test_ids_all_in_use_may_exceed_max_scopes_for_a_while(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """When every id is active nothing can be evicted; the excess goes later."""
        with (
            provider.create_scope("tenant", "a"),
            provider.create_scope("tenant", "b"),
            provider.create_scope("tenant", "c"),
        ):
            assert len(manager.active_scopes()) == 3
        with provider.create_scope("tenant", "d"):
            pass
        assert len(manager.active_scopes()) == 2

    def test_max_scopes_below_one_is_rejected(self) -> None:
        """max_scopes must allow at least one id."""
        with pytest.raises(ValueError, match="at least 1"):
            ContextScopeManager(max_scopes=0)


class TestCleanup:
    def test_cleanup_scope_disposes_the_ids_instances(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """cleanup_scope drops an id now and disposes what it held."""
        with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(TenantClient)
        assert manager.cleanup_scope("ACME") is True
        assert (client.closed, client.config.closed) == (1, 1)
        assert manager.active_scopes() == []

    def test_cleanup_of_an_unknown_id_returns_false(
        self, manager: ContextScopeManager
    ) -> None:
        """Cleaning up an id without storage does nothing."""
        assert manager.cleanup_scope("nobody") is False

    def test_cleanup_inside_the_block_gives_fresh_instances_afterwards(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """A block that cleans up its own id (a logout) resolves new instances."""
        with provider.create_scope("tenant", "alice") as scope:
            old = scope.get_service(TenantClient)
            manager.cleanup_scope("alice")
            assert old.closed == 1
            new = scope.get_service(TenantClient)
            assert new is not old
        assert manager.active_scopes() == ["alice"]
        assert new.closed == 0

    async def test_acleanup_scope_awaits_aclose(self) -> None:
        """acleanup_scope closes objects that only have aclose()."""
        manager = ContextScopeManager()
        provider = build(manager, (AsyncClient, "tenant"))
        async with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(AsyncClient)
        assert await manager.acleanup_scope("ACME") is True
        assert client.closed
        assert await manager.acleanup_scope("ACME") is False

    def test_close_disposes_every_id_and_leaves_the_manager_usable(
        self, provider: ServiceProvider, manager: ContextScopeManager
    ) -> None:
        """close() drops all ids; later blocks start new storage."""
        clients = []
        for scope_id in ("a", "b"):
            with provider.create_scope("tenant", scope_id) as scope:
                clients.append(scope.get_service(TenantClient))
        manager.close()
        assert [client.closed for client in clients] == [1, 1]
        assert manager.active_scopes() == []
        with provider.create_scope("tenant", "a") as scope:
            assert scope.get_service(TenantClient) is not clients[0]

    async def test_aclose_disposes_every_id_awaiting_aclose(self) -> None:
        """aclose() closes sync and async-only objects of every id."""
        manager = ContextScopeManager()
        provider = build(manager, (AsyncClient, "tenant"), (TenantConfig, "tenant"))
        async with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(AsyncClient)
            config = scope.get_service(TenantConfig)
        await manager.aclose()
        assert client.closed
        assert config.closed == 1


class TestDisposal:
    def test_instances_of_an_id_are_disposed_in_reverse_creation_order(
        self,
    ) -> None:
        """A tenant service is disposed before the tenant dependency it was built on."""
        log = Log()
        manager = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add_instance(Log, log)
        services.add(First, lifetime="tenant").add(Second, lifetime="tenant")
        provider = services.build_service_provider()
        with provider.create_scope("tenant", "ACME") as scope:
            scope.get_service(Second)
        manager.cleanup_scope("ACME")
        assert log.closed == ["Second", "First"]

    def test_a_disposer_error_raises_from_cleanup_scope(self) -> None:
        """The error of a failing close() reaches the caller, after the rest closed."""

        class Broken:
            def close(self) -> None:
                raise OSError("broken")

        manager = ContextScopeManager()
        provider = build(manager, (Broken, "tenant"), (TenantConfig, "tenant"))
        with provider.create_scope("tenant", "ACME") as scope:
            config = scope.get_service(TenantConfig)
            scope.get_service(Broken)
        with pytest.raises(OSError, match="broken"):
            manager.cleanup_scope("ACME")
        assert config.closed == 1
        assert manager.active_scopes() == []

    def test_several_disposer_errors_raise_together(self) -> None:
        """Several failing disposers raise one DisposalError holding all of them."""

        class BrokenA:
            def close(self) -> None:
                raise OSError("a")

        class BrokenB:
            def close(self) -> None:
                raise ValueError("b")

        manager = ContextScopeManager()
        provider = build(manager, (BrokenA, "tenant"), (BrokenB, "tenant"))
        for scope_id in ("x", "y"):
            with provider.create_scope("tenant", scope_id) as scope:
                scope.get_service(BrokenA)
                scope.get_service(BrokenB)
        with pytest.raises(DisposalError) as caught:
            manager.close()
        assert sorted(str(error) for error in caught.value.exceptions) == [
            "a",
            "a",
            "b",
            "b",
        ]

    def test_an_eviction_error_raises_from_create_scope_without_entering(
        self,
    ) -> None:
        """If disposing an evicted id fails, the new block is not entered."""

        class Broken:
            def close(self) -> None:
                raise OSError("broken")

        manager = ContextScopeManager(max_scopes=1)
        provider = build(manager, (Broken, "tenant"))
        with provider.create_scope("tenant", "a") as scope:
            scope.get_service(Broken)
        with pytest.raises(OSError, match="broken"):
            provider.create_scope("tenant", "b")
        assert manager.current_scope_id() is None
        with provider.create_scope("tenant", "c"):
            assert manager.current_scope_id() == "c"

    def test_a_non_persistent_disposer_error_raises_from_the_block_exit(
        self,
    ) -> None:
        """Leaving a non-persistent block raises what its disposers raised."""

        class Broken:
            def close(self) -> None:
                raise OSError("broken")

        manager = ContextScopeManager(persistent=False)
        provider = build(manager, (Broken, "tenant"))
        with (
            pytest.raises(OSError, match="broken"),
            provider.create_scope("tenant", "run") as scope,
        ):
            scope.get_service(Broken)
        assert manager.current_scope_id() is None
        assert manager.active_scopes() == []

    def test_sync_cleanup_names_async_only_objects_and_keeps_them(self) -> None:
        """cleanup_scope closes the rest, raises ScopeError, keeps them for aclose()."""
        manager = ContextScopeManager()
        provider = build(manager, (AsyncClient, "tenant"), (TenantConfig, "tenant"))
        with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(AsyncClient)
            config = scope.get_service(TenantConfig)
        with pytest.raises(ScopeError, match=r"AsyncClient can only be closed"):
            manager.cleanup_scope("ACME")
        states = [(client.closed, config.closed, manager.stats()["pending_async"])]
        asyncio.run(manager.aclose())
        states.append((client.closed, config.closed, manager.stats()["pending_async"]))
        assert states == [(False, 1, 1), (True, 1, 0)]

    def test_sync_exit_of_a_run_names_async_only_objects(self) -> None:
        """A sync `with` leaving a non-persistent id reports what needs aclose()."""
        manager = ContextScopeManager(persistent=False)
        provider = build(manager, (AsyncClient, "tenant"), (TenantConfig, "tenant"))
        scope = provider.create_scope("tenant", "run-1")
        client = scope.get_service(AsyncClient)
        config = scope.get_service(TenantConfig)
        with pytest.raises(ScopeError, match=r"aexit_scope") as caught:
            scope.close()
        assert "AsyncClient" in str(caught.value)
        assert config.closed == 1
        assert manager.active_scopes() == []
        asyncio.run(manager.aclose())
        assert client.closed

    def test_eviction_keeps_async_only_objects_without_raising(self) -> None:
        """Evictions are not a close the caller asked for: they only keep them."""
        manager = ContextScopeManager(max_scopes=1)
        provider = build(manager, (AsyncClient, "tenant"))
        with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(AsyncClient)
        with provider.create_scope("tenant", "Globex"):
            pass
        assert manager.stats()["pending_async"] == 1
        asyncio.run(manager.aclose())
        assert client.closed

    def test_sync_close_names_async_only_objects_it_cannot_close(self) -> None:
        """close() raises ScopeError for aclose()-only objects and keeps them."""
        manager = ContextScopeManager()
        provider = build(manager, (AsyncClient, "tenant"), (TenantConfig, "tenant"))
        with provider.create_scope("tenant", "ACME") as scope:
            client = scope.get_service(AsyncClient)
            config = scope.get_service(TenantConfig)
        with pytest.raises(ScopeError, match=r"AsyncClient can only be closed"):
            manager.close()
        assert config.closed == 1
        asyncio.run(manager.aclose())
        assert client.closed

    async def test_aexit_scope_disposes_async_only_objects_of_a_run(self) -> None:
        """Leaving a non-persistent id with aexit_scope awaits aclose()."""
        manager = ContextScopeManager(persistent=False)
        client = AsyncClient()
        manager.enter_scope("run")
        storage = manager.get_current_scope()
        assert storage is not None
        storage["client"] = client
        await manager.aexit_scope()
        assert client.closed
        assert manager.stats()["disposed"] == 1

    async def test_aexit_scope_also_closes_objects_left_by_sync_drops(self) -> None:
        """An async exit finishes the aclose()-only objects sync paths dropped."""
        manager = ContextScopeManager()
        provider = build(manager, (AsyncClient, "tenant"))
        async with provider.create_scope("tenant", "old") as scope:
            client = scope.get_service(AsyncClient)
        with pytest.raises(ScopeError, match="AsyncClient"):
            manager.cleanup_scope("old")
        manager.enter_scope("new")
        await manager.aexit_scope()
        assert client.closed

    def test_stats_count_created_evicted_and_disposed(self) -> None:
        """The counters follow storages created, ids evicted and objects disposed."""
        clock = FakeClock()
        manager = ContextScopeManager(ttl=10, max_scopes=2, clock=clock)
        provider = build(manager, (TenantClient, "tenant"), (TenantConfig, "tenant"))
        for scope_id in ("a", "b", "c"):  # "a" evicted by LRU: 2 disposed
            with provider.create_scope("tenant", scope_id) as scope:
                scope.get_service(TenantClient)
        clock.advance(10)
        with provider.create_scope("tenant", "d"):  # "b", "c" expire: 4 disposed
            pass
        manager.cleanup_scope("d")  # nothing to dispose, not an eviction
        assert manager.stats() == {
            "created": 4,
            "evicted": 3,
            "disposed": 6,
            "alive": 0,
            "pending_async": 0,
        }


class TestManagerObject:
    def test_repr_shows_options_and_state(self) -> None:
        """The repr names the public class, its options and how many ids it holds."""
        manager = ContextScopeManager(ttl=30, max_scopes=10)
        manager.enter_scope("a")
        assert repr(manager) == (
            "<wiredi.ContextScopeManager(persistent=True, ttl=30, max_scopes=10, "
            "alive=1, active=1)>"
        )
        manager.exit_scope()
        assert "alive=1, active=0" in repr(manager)

    def test_current_scope_is_none_outside_any_block(
        self, manager: ContextScopeManager
    ) -> None:
        """With no block entered, there is no storage and no id."""
        assert manager.get_current_scope() is None
        assert manager.current_scope_id() is None

    def test_storage_for_an_id_is_the_same_mapping_each_time(
        self, manager: ContextScopeManager
    ) -> None:
        """Entering an id again returns the same storage while it is alive."""
        manager.enter_scope("a")
        first = manager.get_current_scope()
        manager.exit_scope()
        manager.enter_scope("a")
        assert manager.get_current_scope() is first
        manager.exit_scope()
        assert manager.stats()["created"] == 1


class ThreadLocalScopeManager:
    """The manager other libraries' docs show: a dict per id, the id per thread."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.stores: dict[str, dict[Any, Any]] = {}

    def enter_scope(self, scope_id: str) -> None:
        self._local.current = self.stores.setdefault(scope_id, {})

    def exit_scope(self) -> None:
        self._local.current = None

    def get_current_scope(self) -> MutableMapping[Any, Any] | None:
        return getattr(self._local, "current", None)


class TestUserWrittenManager:
    def test_a_three_method_manager_works_unchanged(self) -> None:
        """Any object with enter_scope, exit_scope and get_current_scope is a manager."""
        manager = ThreadLocalScopeManager()
        provider = build(manager, (TenantConfig, "tenant"), (TenantClient, "tenant"))
        with provider.create_scope("tenant", "ACME") as scope:
            first = scope.get_service(TenantClient)
        with provider.create_scope("tenant", "ACME") as scope:
            assert scope.get_service(TenantClient) is first
        with provider.create_scope("tenant", "Globex") as scope:
            assert scope.get_service(TenantClient) is not first
        assert sorted(manager.stores) == ["ACME", "Globex"]
        with pytest.raises(ScopeError, match="'tenant'"):
            provider.get_service(TenantClient)

    def test_its_instances_are_disposed_with_the_provider(self) -> None:
        """Objects in a storage the container cannot track are closed by the root."""
        manager = ThreadLocalScopeManager()
        provider = build(manager, (TenantConfig, "tenant"))
        with provider.create_scope("tenant", "ACME") as scope:
            config = scope.get_service(TenantConfig)
        provider.close()
        assert config.closed == 1


class TestStorageOwnership:
    def test_closing_the_provider_does_not_dispose_an_evicted_instance_again(
        self,
    ) -> None:
        """An instance disposed by its scope manager is closed exactly once."""
        manager = ContextScopeManager(max_scopes=1)
        provider = build(manager, (TenantConfig, "tenant"))
        with provider.create_scope("tenant", "a") as scope:
            config = scope.get_service(TenantConfig)
        with provider.create_scope("tenant", "b"):
            pass
        provider.close()
        assert config.closed == 1

    def test_an_evicted_instance_is_not_kept_alive(self) -> None:
        """Nothing holds on to the instances of a dropped id."""
        manager = ContextScopeManager(max_scopes=1)
        provider = build(manager, (TenantConfig, "tenant"))
        with provider.create_scope("tenant", "a") as scope:
            ref = weakref.ref(scope.get_service(TenantConfig))
        with provider.create_scope("tenant", "b"):
            pass
        gc.collect()
        assert ref() is None

    def test_a_transient_dependency_is_disposed_with_its_tenant_service(
        self,
    ) -> None:
        """What a tenant service was built with is disposed when its id is dropped."""
        manager = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add(ConnectionRepo, lifetime="tenant").add_transient(Connection)
        provider = services.build_service_provider()
        with provider.create_scope("tenant", "ACME") as scope:
            repo = scope.get_service(ConnectionRepo)
        manager.cleanup_scope("ACME")
        assert repo.connection.closed

    def test_a_generator_factory_is_finalised_when_its_id_is_dropped(self) -> None:
        """The code after ``yield`` runs when the id is cleaned up."""
        log = Log()

        def make_config() -> Iterator[TenantConfig]:
            yield TenantConfig()
            log.closed.append("finalised")

        manager = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", manager)
        services.add(TenantConfig, make_config, lifetime="tenant")
        provider = services.build_service_provider()
        with provider.create_scope("tenant", "ACME") as scope:
            scope.get_service(TenantConfig)
        manager.cleanup_scope("ACME")
        assert log.closed == ["finalised"]


class TestScopeManagerRegistration:
    def test_a_component_cannot_own_a_scope_manager(self) -> None:
        """Scope names are provider-wide: component= other than '' is refused."""
        services = ServiceCollection()
        with pytest.raises(RegistrationError, match="shared by every component"):
            services.add_scope_manager("tenant", ContextScopeManager(), component="x")

    def test_component_services_use_the_shared_manager(self) -> None:
        """A view's own component is accepted; its services use the manager."""
        services = ServiceCollection()
        billing = services.component("billing")
        billing.add_scope_manager("tenant", ContextScopeManager(), component="billing")
        billing.add(TenantConfig, lifetime="tenant")
        provider = services.build_service_provider()
        with provider.create_scope("tenant", "ACME") as scope:
            first = scope.get_service(TenantConfig, component="billing")
            assert scope.get_service(TenantConfig, component="billing") is first
