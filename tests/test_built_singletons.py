"""The shortcut for built singletons keeps every lifetime rule.

Once a singleton is built, its entry in the provider's resolver table just
returns it. These tests pin what that shortcut must not change: overrides,
closing, components, decorators, async-only singletons and failed
constructions.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from wiredi import ScopeError, ServiceCollection, ServiceProvider


class Clock:
    pass


class FrozenClock(Clock):
    pass


class Report:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


def _provider() -> ServiceProvider:
    services = ServiceCollection().add_singleton(Clock).add_singleton(Report)
    return services.build_service_provider()


def test_built_singleton_is_the_same_object_from_every_entry_point() -> None:
    provider = _provider()
    first = provider.get_service(Report)
    assert provider.get_service(Report) is first
    assert provider.get_required_service(Report) is first
    assert asyncio.run(provider.get_service_async(Report)) is first
    with provider.create_scope() as scope:
        assert scope.get_service(Report) is first
        assert scope.get_service(Clock) is first.clock


def test_provider_override_replaces_a_built_singleton_and_then_restores_it() -> None:
    provider = _provider()
    original = provider.get_service(Clock)
    fake = FrozenClock()
    with provider.override(Clock, fake):
        assert provider.get_service(Clock) is fake
        assert asyncio.run(provider.get_service_async(Clock)) is fake
    assert provider.get_service(Clock) is original


def test_provider_override_rebuilds_a_built_dependent_singleton() -> None:
    provider = _provider()
    original = provider.get_service(Report)
    fake = FrozenClock()
    with provider.override(Clock, fake):
        rebuilt = provider.get_service(Report)
        assert rebuilt is not original
        assert rebuilt.clock is fake
        assert provider.get_service(Report) is rebuilt
    assert provider.get_service(Report) is original


def test_singleton_first_built_under_an_override_is_not_kept_afterwards() -> None:
    provider = _provider()
    fake = FrozenClock()
    with provider.override(Clock, fake):
        assert provider.get_service(Report).clock is fake
    after = provider.get_service(Report)
    assert type(after.clock) is Clock
    assert provider.get_service(Report) is after


def test_scope_override_does_not_leak_into_the_provider() -> None:
    provider = _provider()
    original = provider.get_service(Report)
    fake = FrozenClock()
    with provider.create_scope() as scope, scope.override(Clock, fake):
        assert scope.get_service(Report).clock is fake
        assert provider.get_service(Report) is original
    assert provider.get_service(Report) is original


def test_open_scope_sees_a_provider_override_of_a_built_singleton() -> None:
    provider = _provider()
    original = provider.get_service(Clock)
    fake = FrozenClock()
    with provider.create_scope() as scope:
        assert scope.get_service(Clock) is original
        with provider.override(Clock, fake):
            assert scope.get_service(Clock) is fake
        assert scope.get_service(Clock) is original


def test_closed_provider_refuses_a_built_singleton() -> None:
    provider = _provider()
    provider.get_service(Clock)
    provider.close()
    with pytest.raises(ScopeError, match="closed"):
        provider.get_service(Clock)
    with pytest.raises(ScopeError, match="closed"):
        asyncio.run(provider.get_service_async(Clock))


def test_provider_closed_inside_an_override_stays_closed_after_it() -> None:
    provider = _provider()
    provider.get_service(Clock)
    with provider.override(Clock, FrozenClock()):
        provider.close()
    with pytest.raises(ScopeError, match="closed"):
        provider.get_service(Clock)


def test_closed_scope_refuses_a_built_singleton() -> None:
    provider = _provider()
    provider.get_service(Clock)
    scope = provider.create_scope()
    scope.close()
    with pytest.raises(ScopeError, match="closed"):
        scope.get_service(Clock)


def test_component_registration_is_not_answered_from_the_default_one() -> None:
    services = ServiceCollection().add_singleton(Clock)
    services.component("test").add_singleton(Clock, FrozenClock)
    provider = services.build_service_provider()
    default = provider.get_service(Clock)
    assert type(default) is Clock
    assert type(provider.get_service(Clock, component="test")) is FrozenClock
    assert type(provider.get_service(Clock, "test")) is FrozenClock  # positional
    assert provider.get_service(Clock) is default


def test_decorated_singleton_stays_decorated() -> None:
    class Timed(Clock):
        def __init__(self, inner: Clock) -> None:
            self.inner = inner

    services = ServiceCollection().add_singleton(Clock).decorate(Clock, Timed)
    provider = services.build_service_provider()
    first = provider.get_service(Clock)
    assert isinstance(first, Timed)
    assert provider.get_service(Clock) is first


def test_instance_registration_is_returned_as_given() -> None:
    clock = Clock()
    provider = ServiceCollection().add_instance(Clock, clock).build_service_provider()
    assert provider.get_service(Clock) is clock
    assert provider.get_service(Clock) is clock


def test_async_singleton_needs_get_service_async_until_it_is_built() -> None:
    async def make_clock() -> Clock:
        return Clock()

    services = ServiceCollection().add_singleton_factory(Clock, make_clock)
    provider = services.build_service_provider()
    with pytest.raises(Exception, match="get_service_async"):
        provider.get_service(Clock)
    built = asyncio.run(provider.get_service_async(Clock))
    assert asyncio.run(provider.get_service_async(Clock)) is built
    assert provider.get_service(Clock) is built  # nothing left to await
    assert provider.get_service(Clock) is built


def test_failed_singleton_is_retried_and_then_kept() -> None:
    attempts: list[int] = []

    def make_clock() -> Clock:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")
        return Clock()

    services = ServiceCollection().add_singleton_factory(Clock, make_clock)
    provider = services.build_service_provider()
    with pytest.raises(RuntimeError, match="first attempt"):
        provider.get_service(Clock)
    built = provider.get_service(Clock)
    assert provider.get_service(Clock) is built
    assert len(attempts) == 2


def test_eight_threads_asking_first_get_one_singleton() -> None:
    made: list[Clock] = []
    gate = threading.Barrier(8)

    def make_clock() -> Clock:
        clock = Clock()
        made.append(clock)
        return clock

    services = ServiceCollection().add_singleton_factory(Clock, make_clock)
    provider = services.build_service_provider()
    seen: list[Clock] = []

    def worker() -> None:
        gate.wait()
        seen.extend(provider.get_service(Clock) for _ in range(100))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert len(seen) == 800
    assert all(item is made[0] for item in seen)
