"""provider.override(): test doubles without rebuilding."""

from __future__ import annotations

import asyncio
import functools
import sys
import threading
from collections.abc import Callable
from typing import Protocol
from unittest.mock import MagicMock, Mock

import pytest

from tests.fakes import Closeable
from wiredi import (
    AsyncResolutionError,
    ScopeError,
    ServiceCollection,
    ServiceProvider,
)


class Clock:
    def now(self) -> float:
        return 1.0


class FrozenClock(Clock):
    def __init__(self, at: float = 0.0) -> None:
        self.at = at

    def now(self) -> float:
        return self.at


class Report:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


class Cache:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


class Independent:
    pass


def _provider() -> ServiceProvider:
    services = ServiceCollection()
    services.add_singleton(Clock)
    services.add_transient(Report)
    services.add_singleton(Cache)
    services.add_singleton(Independent)
    services.add_scoped(Closeable)
    return services.build_service_provider()


class TestOverride:
    def test_direct_and_as_dependency(self) -> None:
        """Inside the block the override is returned directly and as a dependency."""
        provider = _provider()
        frozen = FrozenClock()
        with provider.override(Clock, frozen):
            assert provider.get_service(Clock) is frozen
            assert provider.get_service(Report).clock is frozen
        assert type(provider.get_service(Clock)) is Clock
        assert type(provider.get_service(Report).clock) is Clock

    def test_already_compiled_paths(self) -> None:
        """Paths compiled before the override see it, and lose it after."""
        provider = _provider()
        original = provider.get_service(Report).clock
        with provider.override(Clock, FrozenClock()):
            assert provider.get_service(Report).clock is not original
        assert provider.get_service(Report).clock is original

    def test_singletons_depending_on_it_rebuilt_then_restored(self) -> None:
        """A singleton depending on the override is rebuilt inside and restored after."""
        provider = _provider()
        cache = provider.get_service(Cache)
        independent = provider.get_service(Independent)
        with provider.override(Clock, FrozenClock()):
            inside = provider.get_service(Cache)
            assert isinstance(inside.clock, FrozenClock)
            assert inside is provider.get_service(Cache)
            assert provider.get_service(Independent) is independent
        assert provider.get_service(Cache) is cache

    def test_already_open_scopes(self) -> None:
        """Scopes opened before the override see it."""
        provider = _provider()
        log: list[str] = []
        fake = Closeable(log, "fake")
        with provider.create_scope() as scope:
            original = scope.get_service(Closeable)
            with provider.override(Closeable, fake):
                assert scope.get_service(Closeable) is fake
            assert scope.get_service(Closeable) is original
        assert original.closed
        assert not fake.closed
        assert log == []

    def test_factory_override_called_each_time(self) -> None:
        """A callable that is not an instance of T is a factory."""
        provider = _provider()
        with provider.override(Clock, lambda: FrozenClock(5.0)):
            first = provider.get_service(Clock)
            assert first.now() == 5.0
            assert provider.get_service(Clock) is not first

    def test_nested_overrides_stack(self) -> None:
        """Nested overrides stack and unwind in order."""
        provider = _provider()
        with provider.override(Clock, FrozenClock(1.5)):
            with provider.override(Clock, FrozenClock(2.5)):
                assert provider.get_service(Report).clock.now() == 2.5
            assert provider.get_service(Report).clock.now() == 1.5
        assert provider.get_service(Report).clock.now() == 1.0

    def test_restored_after_exception(self) -> None:
        """The original comes back even when the block raises."""
        provider = _provider()
        with pytest.raises(KeyError), provider.override(Clock, FrozenClock()):
            raise KeyError
        assert type(provider.get_service(Clock)) is Clock

    def test_scope_override_is_local(self) -> None:
        """An override on a scope is seen by that scope only."""
        provider = _provider()
        frozen = FrozenClock()
        with provider.create_scope() as one, provider.create_scope() as two:
            with one.override(Clock, frozen):
                assert one.get_service(Report).clock is frozen
                assert two.get_service(Report).clock is not frozen
                assert provider.get_service(Clock) is not frozen

    def test_override_of_unregistered_type(self) -> None:
        """A type with no registration can be overridden too."""

        class Extra:
            pass

        provider = _provider()
        extra = Extra()
        with provider.override(Extra, extra):
            assert provider.get_service(Extra) is extra

    def test_threads_see_provider_override(self) -> None:
        """A provider-level override is seen by other threads while active."""
        provider = _provider()
        frozen = FrozenClock()
        seen: list[Clock] = []
        with provider.override(Clock, frozen):
            thread = threading.Thread(
                target=lambda: seen.append(provider.get_service(Clock))
            )
            thread.start()
            thread.join(timeout=5)
        assert seen == [frozen]


class Other:
    pass


class FakeOther(Other):
    pass


class NeedsBoth:
    def __init__(self, clock: Clock, other: Other) -> None:
        self.clock = clock
        self.other = other


def _two_service_provider() -> ServiceProvider:
    services = ServiceCollection().add_singleton(Clock).add_transient(Other)
    return services.add_transient(NeedsBoth).build_service_provider()


class TestOverridesLeftOutOfOrder:
    """Overrides whose blocks overlap without nesting (concurrent tasks)."""

    def test_leaving_the_older_one_first_keeps_the_newer_in_force(self) -> None:
        provider = _two_service_provider()
        frozen, fake = FrozenClock(), FakeOther()
        clock_block = provider.override(Clock, frozen)
        other_block = provider.override(Other, fake)
        clock_block.__enter__()
        other_block.__enter__()
        clock_block.__exit__(None, None, None)
        both = provider.get_service(NeedsBoth)
        assert type(both.clock) is Clock
        assert both.other is fake
        other_block.__exit__(None, None, None)
        assert type(provider.get_service(NeedsBoth).other) is Other
        assert type(provider.get_service(Clock)) is Clock

    def test_same_type_overridden_twice_and_left_out_of_order(self) -> None:
        provider = _two_service_provider()
        first, second = FrozenClock(1.0), FrozenClock(2.0)
        outer = provider.override(Clock, first)
        inner = provider.override(Clock, second)
        outer.__enter__()
        inner.__enter__()
        outer.__exit__(None, None, None)
        assert provider.get_service(Clock) is second
        inner.__exit__(None, None, None)
        assert type(provider.get_service(Clock)) is Clock

    async def test_overlapping_task_overrides_all_end(self) -> None:
        provider = _two_service_provider()
        first, second = FrozenClock(1.0), FrozenClock(2.0)
        first_in = asyncio.Event()
        first_out = asyncio.Event()
        seen: list[Clock] = []

        async def early() -> None:
            with provider.override(Clock, first):
                first_in.set()
                await asyncio.sleep(0.01)
            first_out.set()

        async def late() -> None:
            await first_in.wait()
            with provider.override(Clock, second):
                await first_out.wait()
                seen.append(provider.get_service(Clock))

        await asyncio.gather(early(), late())
        assert seen == [second]
        assert type(provider.get_service(Clock)) is Clock

    def test_threads_entering_and_leaving_in_any_order_leave_nothing(self) -> None:
        provider = _two_service_provider()
        barrier = threading.Barrier(8)

        def worker(index: int) -> None:
            barrier.wait()
            for round_ in range(20):
                with provider.override(Clock, FrozenClock(index * 100 + round_)):
                    provider.get_service(NeedsBoth)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert type(provider.get_service(Clock)) is Clock
        assert type(provider.get_service(NeedsBoth).clock) is Clock

    def test_scope_overrides_left_out_of_order(self) -> None:
        provider = _two_service_provider()
        frozen, fake = FrozenClock(), FakeOther()
        with provider.create_scope() as scope:
            clock_block = scope.override(Clock, frozen)
            other_block = scope.override(Other, fake)
            clock_block.__enter__()
            other_block.__enter__()
            clock_block.__exit__(None, None, None)
            both = scope.get_service(NeedsBoth)
            assert type(both.clock) is Clock
            assert both.other is fake
            other_block.__exit__(None, None, None)
            assert type(scope.get_service(NeedsBoth).other) is Other
        assert type(provider.get_service(Clock)) is Clock


class TestProviderAndScopeOverrides:
    """A scope with overrides of its own still sees its provider's come and go."""

    def test_provider_override_entered_during_a_scope_override(self) -> None:
        provider = _two_service_provider()
        fake, frozen = FakeOther(), FrozenClock()
        with provider.create_scope() as scope, scope.override(Other, fake):
            with provider.override(Clock, frozen):
                assert scope.get_service(Clock) is frozen
                both = scope.get_service(NeedsBoth)
                assert both.clock is frozen
                assert both.other is fake
            assert type(scope.get_service(Clock)) is Clock
            assert scope.get_service(Other) is fake
        assert type(provider.get_service(Other)) is Other

    def test_provider_override_left_during_a_scope_override(self) -> None:
        provider = _two_service_provider()
        fake, frozen = FakeOther(), FrozenClock()
        clock_block = provider.override(Clock, frozen)
        clock_block.__enter__()
        with provider.create_scope() as scope:
            with scope.override(Other, fake):
                assert scope.get_service(NeedsBoth).clock is frozen
                clock_block.__exit__(None, None, None)
                assert type(scope.get_service(Clock)) is Clock
                assert type(scope.get_service(NeedsBoth).clock) is Clock
                assert scope.get_service(Other) is fake
            assert type(scope.get_service(Clock)) is Clock

    def test_threads_toggling_provider_overrides_under_scope_overrides(self) -> None:
        """8 threads, each with a scope override, while the provider's change."""
        provider = _two_service_provider()
        barrier = threading.Barrier(9)
        failures: list[str] = []

        def scope_worker() -> None:
            fake = FakeOther()
            barrier.wait()
            for _ in range(30):
                with provider.create_scope() as scope, scope.override(Other, fake):
                    if scope.get_service(NeedsBoth).other is not fake:
                        failures.append("scope override lost")

        def provider_worker() -> None:
            barrier.wait()
            for round_ in range(30):
                with provider.override(Clock, FrozenClock(round_)):
                    provider.get_service(NeedsBoth)

        threads = [threading.Thread(target=scope_worker) for _ in range(8)]
        threads.append(threading.Thread(target=provider_worker))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with provider.create_scope() as scope, scope.override(Other, FakeOther()):
            assert type(scope.get_service(Clock)) is Clock


class TestClosedProvider:
    """A scope's override layer refuses to resolve once the provider closed."""

    def test_layer_entered_before_the_close(self) -> None:
        provider = _two_service_provider()
        scope = provider.create_scope()
        with scope.override(Other, FakeOther()):
            provider.close()
            with pytest.raises(ScopeError, match="provider is closed"):
                scope.get_service(Clock)  # a disposed singleton is not handed out
            with pytest.raises(ScopeError, match="provider is closed"):
                scope.get_service(Other)
        with pytest.raises(ScopeError, match="provider is closed"):
            scope.get_service(Clock)

    def test_layer_entered_after_the_close(self) -> None:
        provider = _two_service_provider()
        scope = provider.create_scope()
        provider.close()
        with scope.override(Other, FakeOther()):
            with pytest.raises(ScopeError, match="provider is closed"):
                scope.get_service(NeedsBoth)


class ClosingCache(Cache):
    """A singleton over the clock that must be closed."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.closed = False

    def close(self) -> None:
        self.closed = True


class AsyncClosingCache(Cache):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


class TestRebuiltSingletonsAreDisposed:
    """Singletons rebuilt for an override are closed when it ends."""

    def _provider(self, cache: type[Cache] = ClosingCache) -> ServiceProvider:
        services = ServiceCollection().add_singleton(Clock)
        return services.add_singleton(Cache, cache).build_service_provider()

    def test_closed_at_the_end_of_each_block_originals_kept(self) -> None:
        provider = self._provider()
        original = provider.get_service(Cache)
        rebuilt = []
        for at in range(3):
            with provider.override(Clock, FrozenClock(at)):
                rebuilt.append(provider.get_service(Cache))
                assert not rebuilt[-1].closed  # type: ignore[attr-defined]
        assert [cache.closed for cache in rebuilt] == [True] * 3  # type: ignore[attr-defined]
        assert provider.get_service(Cache) is original
        provider.close()
        assert original.closed  # type: ignore[attr-defined]

    def test_scope_override_and_nested_blocks(self) -> None:
        provider = self._provider()
        with provider.override(Clock, FrozenClock(1.0)):
            outer = provider.get_service(Cache)
            with provider.create_scope() as scope:
                with scope.override(Clock, FrozenClock(2.0)):
                    inner = scope.get_service(Cache)
                assert inner.closed  # type: ignore[attr-defined]
                assert not outer.closed  # type: ignore[attr-defined]
        assert outer.closed  # type: ignore[attr-defined]

    def test_async_only_ones_are_left_to_the_provider(self) -> None:
        provider = self._provider(AsyncClosingCache)
        with provider.override(Clock, FrozenClock(3.0)):  # a sync exit: no aclose
            rebuilt = provider.get_service(Cache)
        assert not rebuilt.closed  # type: ignore[attr-defined]
        asyncio.run(provider.aclose())
        assert rebuilt.closed  # type: ignore[attr-defined]


def test_a_scope_of_a_scope_is_a_sibling_without_its_override() -> None:
    """scope.create_scope() opens a sibling: the provider's view, not the layer."""
    provider = _two_service_provider()
    first = provider.create_scope()
    with first.override(Clock, FrozenClock(1.0)):
        second = first.create_scope()
        assert type(second.get_service(Clock)) is Clock
        with provider.override(Clock, FrozenClock(2.0)):
            assert second.get_service(Clock).now() == 2.0
    provider.close()
    with pytest.raises(ScopeError, match="provider is closed"):
        second.get_service(Clock)


class ClockProtocol(Protocol):
    def now(self) -> float: ...


class UsesClockProtocol:
    def __init__(self, clock: ClockProtocol) -> None:
        self.clock = clock


class TestOverrideForms:
    def test_keyword_names_follow_the_spec(self) -> None:
        provider = _provider()
        frozen = FrozenClock()
        with provider.override(Clock, instance_or_factory=frozen, component=""):
            assert provider.get_service(Clock) is frozen

    def test_a_mock_for_a_protocol_is_the_instance(self) -> None:
        """isinstance cannot check a Protocol: a callable mock is not a factory."""
        services = ServiceCollection().add_transient(UsesClockProtocol)
        services.add_singleton(ClockProtocol, FrozenClock)  # type: ignore[type-abstract]
        provider = services.build_service_provider()
        fake = Mock()
        with provider.override(ClockProtocol, fake):  # type: ignore[type-abstract]
            assert provider.get_service(UsesClockProtocol).clock is fake

    def test_a_function_for_a_protocol_is_a_factory(self) -> None:
        services = ServiceCollection().add_transient(UsesClockProtocol)
        services.add_singleton(ClockProtocol, FrozenClock)  # type: ignore[type-abstract]
        provider = services.build_service_provider()
        with provider.override(ClockProtocol, lambda: FrozenClock(5.0)):  # type: ignore[type-abstract]
            clock = provider.get_service(UsesClockProtocol).clock
        assert isinstance(clock, FrozenClock)
        assert clock.now() == 5.0


class _Stamps:
    def stamp(self) -> FrozenClock:
        return FrozenClock(7.0)


class TestWhatIsAFactory:
    """SPEC 11: only functions, methods, lambdas, classes and partials are factories."""

    @pytest.mark.parametrize(
        "fake",
        [Mock(), MagicMock(), Mock(spec=Clock), Mock(return_value=None)],
        ids=["Mock", "MagicMock", "Mock(spec=Clock)", "Mock returning None"],
    )
    def test_a_mock_for_a_concrete_class_is_the_instance(self, fake: Mock) -> None:
        """A callable Mock overriding a class is returned as is, never called."""
        provider = _provider()
        with provider.override(Clock, fake):
            assert provider.get_service(Clock) is fake
            assert provider.get_service(Report).clock is fake
        fake.assert_not_called()

    def test_a_callable_object_is_the_instance(self) -> None:
        """An object with __call__ that is not a function is the instance."""

        class CallableClock:
            def __call__(self) -> Clock:
                return Clock()

        provider = _provider()
        fake = CallableClock()
        with provider.override(Clock, fake):  # type: ignore[arg-type]
            assert provider.get_service(Clock) is fake

    @pytest.mark.parametrize(
        "factory",
        [
            lambda: FrozenClock(7.0),
            functools.partial(FrozenClock, 7.0),
            _Stamps().stamp,
        ],
        ids=["lambda", "partial", "bound method"],
    )
    def test_functions_methods_and_partials_are_factories(
        self, factory: Callable[[], Clock]
    ) -> None:
        """Each is called on every resolution."""
        provider = _provider()
        with provider.override(Clock, factory):
            first, second = provider.get_service(Clock), provider.get_service(Clock)
        assert first.now() == second.now() == 7.0
        assert first is not second

    def test_a_class_is_a_factory_with_its_dependencies_resolved(self) -> None:
        """A class is constructed, its constructor's parameters resolved."""
        provider = _provider()
        with provider.override(Clock, FrozenClock):
            clock = provider.get_service(Clock)
        assert isinstance(clock, FrozenClock)
        assert clock.now() == 0.0

    def test_a_function_for_a_callable_service_is_the_instance(self) -> None:
        """Overriding a Callable[...] service, a function is the service itself."""

        def real(x: int) -> int:
            return x

        def fake(x: int) -> int:
            return -x

        services = ServiceCollection().add_instance(Callable[[int], int], real)
        provider = services.build_service_provider()
        with provider.override(Callable[[int], int], fake):
            assert provider.get_service(Callable[[int], int]) is fake


async def _async_clock() -> Clock:
    return FrozenClock()


def test_an_override_is_located_at_its_with_statement() -> None:
    """Errors name the line of the override() call, not contextlib's."""
    provider = ServiceCollection().add_singleton(Clock).build_service_provider()
    line = sys._getframe().f_lineno + 1
    with provider.override(Clock, _async_clock):
        with pytest.raises(AsyncResolutionError) as caught:
            provider.get_service(Clock)
    assert caught.value.registered_at == f"test_override.py:{line}"
