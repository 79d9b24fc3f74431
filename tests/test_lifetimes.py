"""Lifetimes: singleton, scoped, transient, and where each may be resolved."""

from __future__ import annotations

import itertools

import pytest

from tests.fakes import Clock, Repo, Service
from wiredi import ScopeError, ServiceCollection, ServiceProvider


class Counter:
    made = itertools.count()

    def __init__(self) -> None:
        self.number = next(Counter.made)


class TestSingleton:
    def test_one_instance_shared_by_root_and_scopes(
        self, services: ServiceCollection
    ) -> None:
        """A singleton is the same object from the root and every scope."""
        provider = services.add_singleton(Clock).build_service_provider()
        root = provider.get_service(Clock)
        with provider.create_scope() as one, provider.create_scope() as two:
            assert one.get_service(Clock) is root
            assert two.get_service(Clock) is root

    def test_created_lazily(self, services: ServiceCollection) -> None:
        """A singleton is not built until first resolved."""
        built: list[int] = []
        services.add_singleton_factory(Clock, lambda: built.append(1) or Clock())
        provider = services.build_service_provider()
        assert built == []
        provider.get_service(Clock)
        provider.get_service(Clock)
        assert built == [1]

    def test_dependencies_come_from_root(self, services: ServiceCollection) -> None:
        """A singleton first created inside a scope gets the root provider."""

        class Holder:
            def __init__(self, provider: ServiceProvider) -> None:
                self.provider = provider

        provider = services.add_singleton(Holder).build_service_provider()
        with provider.create_scope() as scope:
            assert scope.get_service(Holder).provider is provider

    def test_each_registration_caches_its_own(
        self, services: ServiceCollection
    ) -> None:
        """Two singleton registrations of T give two objects; the last wins."""
        services.add_singleton(Clock).add_singleton(Clock)
        provider = services.build_service_provider()
        first, second = provider.get_services(Clock)
        assert first is not second
        assert provider.get_service(Clock) is second
        assert provider.get_services(Clock) == [first, second]

    def test_failed_construction_is_retried(self, services: ServiceCollection) -> None:
        """A singleton whose constructor raised is attempted again next time."""
        attempts: list[int] = []

        def flaky() -> Clock:
            attempts.append(1)
            if len(attempts) == 1:
                raise OSError("first try fails")
            return Clock()

        provider = services.add_singleton_factory(Clock, flaky).build_service_provider()
        with pytest.raises(OSError, match="first try fails"):
            provider.get_service(Clock)
        assert provider.get_service(Clock) is provider.get_service(Clock)
        assert len(attempts) == 2


class TestScoped:
    def test_one_per_scope(self, services: ServiceCollection) -> None:
        """A scoped service is one instance per scope."""
        provider = services.add_scoped(Clock).build_service_provider()
        with provider.create_scope() as one, provider.create_scope() as two:
            assert one.get_service(Clock) is one.get_service(Clock)
            assert one.get_service(Clock) is not two.get_service(Clock)

    def test_from_root_is_scope_error(self, services: ServiceCollection) -> None:
        """Resolving a scoped service from the root says to use create_scope()."""
        provider = services.add_scoped(Clock).build_service_provider()
        with pytest.raises(ScopeError, match=r"create_scope\(\)") as caught:
            provider.get_service(Clock)
        assert caught.value.service_type is Clock

    def test_from_root_through_transient_shows_path(
        self, services: ServiceCollection
    ) -> None:
        """A transient needing a scoped service fails at the root with the path."""
        services.add_scoped(Clock).add_transient(Repo)
        provider = services.build_service_provider()
        with pytest.raises(ScopeError) as caught:
            provider.get_service(Repo)
        assert "Repo -> Clock (scoped)" in str(caught.value)

    def test_shared_within_graph(self, services: ServiceCollection) -> None:
        """Two dependents in one scope share the scoped instance."""
        services.add_scoped(Clock).add_transient(Repo).add_transient(Service)
        with services.build_service_provider().create_scope() as scope:
            service = scope.get_service(Service)
            assert service.repo.clock is service.clock


class TestTransient:
    def test_new_every_time(self, services: ServiceCollection) -> None:
        """A transient is built on every resolve, from the root or a scope."""
        provider = services.add_transient(Counter).build_service_provider()
        assert provider.get_service(Counter) is not provider.get_service(Counter)
        with provider.create_scope() as scope:
            assert scope.get_service(Counter) is not scope.get_service(Counter)

    def test_closed_scope_refuses(self, services: ServiceCollection) -> None:
        """A closed scope cannot resolve any more."""
        provider = services.add_transient(Counter).build_service_provider()
        scope = provider.create_scope()
        scope.close()
        with pytest.raises(ScopeError, match="closed"):
            scope.get_service(Counter)

    def test_closed_provider_refuses(self, services: ServiceCollection) -> None:
        """A closed provider cannot resolve or open scopes."""
        provider = services.add_transient(Counter).build_service_provider()
        provider.close()
        with pytest.raises(ScopeError, match="closed"):
            provider.get_service(Counter)
        with pytest.raises(ScopeError, match="closed"):
            provider.create_scope()


class Session:
    pass


class SessionCache:
    def __init__(self, session: Session) -> None:
        self.session = session


class TestNoCaptureWithoutValidation:
    def test_singleton_never_captures_scoped_at_run_time(self) -> None:
        """With validate=False, a singleton needing a scoped service fails, even in a scope."""
        services = ServiceCollection().add_scoped(Session).add_singleton(SessionCache)
        provider = services.build_service_provider(validate=False)
        with provider.create_scope() as scope:
            with pytest.raises(ScopeError) as caught:
                scope.get_service(SessionCache)
        assert "SessionCache -> Session (scoped)" in str(caught.value)
        assert "a singleton cannot take Session" in str(caught.value)

    async def test_async_singleton_never_captures_scoped(self) -> None:
        """The async path keeps the same rule."""
        services = ServiceCollection().add_scoped(Session).add_singleton(SessionCache)
        provider = services.build_service_provider(validate=False)
        async with provider.create_scope() as scope:
            with pytest.raises(ScopeError):
                await scope.get_service_async(SessionCache)


class TestProviderClosedUnderOpenScope:
    def test_open_scope_refuses_after_provider_closes(self) -> None:
        """A scope still open when its provider closes cannot resolve any more."""
        services = ServiceCollection().add_singleton(Clock).add_transient(Counter)
        provider = services.build_service_provider()
        scope = provider.create_scope()
        scope.get_service(Clock)
        provider.close()
        with pytest.raises(ScopeError, match="closed"):
            scope.get_service(Clock)
        with pytest.raises(ScopeError, match="closed"):
            scope.get_service(Counter)
        scope.close()

    async def test_open_scope_refuses_async_after_provider_closes(self) -> None:
        """The async path refuses too."""
        provider = ServiceCollection().add_singleton(Clock).build_service_provider()
        scope = provider.create_scope()
        await provider.aclose()
        with pytest.raises(ScopeError, match="closed"):
            await scope.get_service_async(Clock)
        scope.close()
