"""Disposal: reverse order, every disposer runs, errors grouped, ownership."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.fakes import Closeable
from wiredi import DisposalError, RegistrationError, ScopeError, ServiceCollection


class First(Closeable):
    pass


class Second(Closeable):
    def __init__(self, first: First) -> None:
        super().__init__(first.log)
        self.first = first


class Third(Closeable):
    def __init__(self, second: Second) -> None:
        super().__init__(second.log)


class Disposer:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def dispose(self) -> None:
        self.log.append("disposed")


class Failing:
    def __init__(self, message: str) -> None:
        self.message = message

    def close(self) -> None:
        raise ValueError(self.message)


class AsyncOnly:
    async def aclose(self) -> None:  # pragma: no cover - never awaited here
        raise AssertionError


def _services_with_log(log: list[str]) -> ServiceCollection:
    services = ServiceCollection()
    services.add_scoped_factory(First, lambda: First(log))
    services.add_scoped(Second)
    services.add_transient(Third)
    return services


class TestOrder:
    def test_reverse_creation_order(self) -> None:
        """A scope closes what it created in reverse order of creation."""
        log: list[str] = []
        provider = _services_with_log(log).build_service_provider()
        with provider.create_scope() as scope:
            scope.get_service(Third)
        assert log == ["Third", "Second", "First"]

    def test_dispose_method(self, services: ServiceCollection) -> None:
        """An object with dispose() is disposed."""
        log: list[str] = []
        services.add_scoped_factory(Disposer, lambda: Disposer(log))
        with services.build_service_provider().create_scope() as scope:
            scope.get_service(Disposer)
        assert log == ["disposed"]

    def test_generator_factories_interleave(self, services: ServiceCollection) -> None:
        """Generator finalisers run in reverse order too; the generator owns its value."""
        log: list[str] = []

        def make_first() -> Iterator[First]:
            yield First(log)
            log.append("gen First")

        services.add_scoped_factory(First, make_first).add_scoped(Second)
        with services.build_service_provider().create_scope() as scope:
            scope.get_service(Second)
        assert log == ["Second", "gen First"]

    def test_close_twice_is_noop(self) -> None:
        """Closing a scope twice disposes once."""
        log: list[str] = []
        provider = _services_with_log(log).build_service_provider()
        scope = provider.create_scope()
        scope.get_service(First)
        scope.close()
        scope.close()
        assert log == ["First"]


class TestOwnership:
    def test_transients_owned_by_creating_scope(self) -> None:
        """A transient is closed by the scope that created it."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_transient_factory(First, lambda: First(log))
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            first = scope.get_service(First)
        assert first.closed
        from_root = provider.get_service(First)
        assert not from_root.closed
        provider.close()
        assert from_root.closed

    def test_singletons_disposed_with_provider(self) -> None:
        """Singletons are disposed when the provider closes, not the scope."""
        log: list[str] = []
        services = ServiceCollection().add_singleton_factory(First, lambda: First(log))
        with services.build_service_provider() as provider:
            with provider.create_scope() as scope:
                first = scope.get_service(First)
            assert not first.closed
        assert first.closed

    def test_instances_never_disposed(self, services: ServiceCollection) -> None:
        """Objects given with add_instance are never disposed."""
        given = Closeable()
        with services.add_instance(Closeable, given).build_service_provider() as sp:
            assert sp.get_service(Closeable) is given
        assert not given.closed

    def test_failed_graph_still_disposed(self, services: ServiceCollection) -> None:
        """What a failed graph created in a scope is disposed with the scope."""
        log: list[str] = []

        class Broken:
            def __init__(self, first: First) -> None:
                raise RuntimeError("broken")

        services.add_scoped_factory(First, lambda: First(log)).add_transient(Broken)
        with services.build_service_provider().create_scope() as scope:
            with pytest.raises(RuntimeError, match="broken"):
                scope.get_service(Broken)
            assert log == []
        assert log == ["First"]


class TestErrors:
    def test_one_error_raised_as_is(self, services: ServiceCollection) -> None:
        """A single failing disposer's exception is raised unchanged."""
        services.add_scoped_factory(Failing, lambda: Failing("boom"))
        scope = services.build_service_provider().create_scope()
        scope.get_service(Failing)
        with pytest.raises(ValueError, match="boom"):
            scope.close()

    def test_all_disposers_run_and_errors_grouped(self) -> None:
        """Several failing disposers all run and raise one ExceptionGroup."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_scoped_factory(First, lambda: First(log))
        services.add_scoped_factory(Failing, lambda: Failing("a"))
        services.add_transient_factory(Failing, lambda: Failing("b"))
        scope = services.build_service_provider().create_scope()
        scope.get_service(First)
        scope.get_services(Failing)
        with pytest.raises(DisposalError) as caught:
            scope.close()
        assert isinstance(caught.value, ExceptionGroup)
        assert [str(e) for e in caught.value.exceptions] == ["b", "a"]
        assert log == ["First"]

    def test_sync_close_meets_aclose_only(self, services: ServiceCollection) -> None:
        """A sync close closes the rest and raises ScopeError naming the async one."""
        log: list[str] = []
        services.add_scoped_factory(First, lambda: First(log))
        services.add_scoped(AsyncOnly)
        scope = services.build_service_provider().create_scope()
        scope.get_service(First)
        scope.get_service(AsyncOnly)
        with pytest.raises(ScopeError, match="AsyncOnly only has aclose"):
            scope.close()
        assert log == ["First"]

    @pytest.mark.parametrize("name", ["close", "dispose"])
    def test_sync_close_meets_async_close_method(self, name: str) -> None:
        """An async close()/dispose() in a sync close: ScopeError, the rest closed."""
        log: list[str] = []

        async def closing(self: object) -> None:  # pragma: no cover - not awaited
            log.append(name)

        Async = type("Async", (), {name: closing})
        services = ServiceCollection()
        services.add_scoped_factory(First, lambda: First(log))
        services.add_scoped(Async)
        scope = services.build_service_provider().create_scope()
        scope.get_service(First)
        scope.get_service(Async)
        with pytest.raises(ScopeError, match=rf"Async\.{name}\(\) is async"):
            scope.close()  # the coroutine is closed: no "never awaited" warning
        assert log == ["First"]

    @pytest.mark.parametrize("name", ["aclose", "close", "dispose"])
    async def test_async_close_awaits_any_async_method(self, name: str) -> None:
        """`async with` awaits whichever of aclose/close/dispose is a coroutine."""
        log: list[str] = []

        async def closing(self: object) -> None:
            log.append(name)

        Async = type("Async", (), {name: closing})
        services = ServiceCollection().add_scoped(Async)
        async with services.build_service_provider().create_scope() as scope:
            scope.get_service(Async)
        assert log == [name]

    def test_body_error_kept_when_close_succeeds(
        self, services: ServiceCollection
    ) -> None:
        """An error in the with-block propagates; the scope is still closed."""
        log: list[str] = []
        services.add_scoped_factory(First, lambda: First(log))
        provider = services.build_service_provider()
        with pytest.raises(KeyError), provider.create_scope() as scope:
            scope.get_service(First)
            raise KeyError("body")
        assert log == ["First"]


class TestProviderClosesScopeManagers:
    def test_tenant_instances_disposed_before_singletons(self) -> None:
        """Closing the provider closes scope managers first, then singletons."""
        from wiredi import ContextScopeManager

        log: list[str] = []
        services = ServiceCollection()
        services.add_scope_manager("tenant", ContextScopeManager())
        services.add_singleton_factory(First, lambda: First(log))
        services.add(Second, lifetime="tenant")
        provider = services.build_service_provider()
        with provider.create_scope("tenant", "acme") as scope:
            scope.get_service(Second)
        assert log == []
        provider.close()
        assert log == ["Second", "First"]

    async def test_async_close_prefers_manager_aclose(self) -> None:
        """aclose() on the provider awaits the managers' aclose()."""
        from wiredi import ContextScopeManager

        log: list[str] = []
        services = ServiceCollection()
        services.add_scope_manager("tenant", ContextScopeManager())
        services.add(
            Closeable, factory=lambda: Closeable(log, "tenant"), lifetime="tenant"
        )
        provider = services.build_service_provider()
        async with provider.create_scope("tenant", "acme") as scope:
            scope.get_service(Closeable)
        await provider.aclose()
        assert log == ["tenant"]


class TestLeakWarning:
    def test_unclosed_scope_with_disposables_warns(self) -> None:
        """A scope collected without close() while owning disposables warns."""
        import gc

        services = ServiceCollection().add_scoped(Closeable)
        provider = services.build_service_provider()
        scope = provider.create_scope()
        scope.get_service(Closeable)
        with pytest.warns(ResourceWarning, match="never disposed"):  # noqa: PT031
            del scope
            gc.collect()

    def test_unclosed_empty_scope_is_silent(self) -> None:
        """A scope that owns nothing to dispose may be dropped without a warning."""
        import gc
        import warnings

        provider = ServiceCollection().add_scoped(First, First).build_service_provider()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            provider.create_scope()
            gc.collect()


class Conn:
    pass


def no_yield() -> Iterator[Conn]:
    return
    yield Conn()  # pragma: no cover - never reached


async def no_yield_async() -> AsyncIterator[Conn]:
    return
    yield Conn()  # pragma: no cover - never reached


class TestGeneratorWithoutYield:
    def test_sync_generator_that_never_yields_is_a_registration_error(self) -> None:
        """No StopIteration escapes (it would end a caller's loop silently)."""
        services = ServiceCollection().add_transient_factory(Conn, no_yield)
        provider = services.build_service_provider()
        with pytest.raises(RegistrationError, match="finished without yielding"):
            provider.get_service(Conn)
        with pytest.raises(RegistrationError, match="finished without yielding"):
            list(map(lambda _: provider.get_service(Conn), range(3)))  # noqa: C417 - map ends on a stray StopIteration

    async def test_async_generator_that_never_yields_is_a_registration_error(
        self,
    ) -> None:
        services = ServiceCollection().add_scoped_factory(Conn, no_yield_async)
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            with pytest.raises(RegistrationError, match="finished without yielding"):
                await scope.get_service_async(Conn)
