"""A plain singleton is built by a closure, not generated code: same behaviour.

Every parameter shape, the dependency path of a failure, and disposal must be
what generated code gives transients and scoped services.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from wiredi import RegistrationError, ServiceCollection, ServiceNotFoundError


class Clock:
    pass


class Plugin:
    pass


class First(Plugin):
    pass


class Second(Plugin):
    pass


class Settings:
    def __init__(
        self,
        clock: Clock,
        plugins: list[Plugin],
        ordered: Sequence[Plugin],
        retries: int = 3,
        *,
        label: str = "main",
        maybe: Clock | None = None,
    ) -> None:
        self.clock = clock
        self.plugins = plugins
        self.ordered = ordered
        self.retries = retries
        self.label = label
        self.maybe = maybe


def test_every_parameter_shape_is_filled() -> None:
    services = ServiceCollection().add_singleton(Clock).add_singleton(Settings)
    services.add_transient(Plugin, First).add_transient(Plugin, Second)
    provider = services.build_service_provider()
    settings = provider.get_service(Settings)
    assert settings.clock is provider.get_service(Clock)
    assert [type(p) for p in settings.plugins] == [First, Second]
    assert [type(p) for p in settings.ordered] == [First, Second]
    assert settings.retries == 3
    assert settings.label == "main"
    assert settings.maybe is settings.clock


def test_keyword_only_dependency_is_passed_by_name() -> None:
    class Service:
        def __init__(self, *, clock: Clock) -> None:
            self.clock = clock

    services = ServiceCollection().add_singleton(Clock).add_singleton(Service)
    provider = services.build_service_provider()
    assert provider.get_service(Service).clock is provider.get_service(Clock)


def test_factory_singleton_gets_its_parameters() -> None:
    def make_settings(clock: Clock) -> Settings:
        return Settings(clock, [], [])

    services = ServiceCollection().add_singleton(Clock)
    services.add_singleton_factory(Settings, make_settings)
    provider = services.build_service_provider()
    assert provider.get_service(Settings).clock is provider.get_service(Clock)


class Broken:
    def __init__(self) -> None:
        raise ValueError("no config")


class NeedsBroken:
    def __init__(self, broken: Broken) -> None: ...


class Missing:
    pass


class NeedsMissing:
    def __init__(self, missing: Missing) -> None: ...


class Pool:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def close(self) -> None:
        self.log.append("pool")


class Cache:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def close(self) -> None:
        self.pool.log.append("cache")


class Lease:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def close(self) -> None:
        self.log.append("lease")


def make_lease(cache: Cache) -> Lease:
    return Lease(cache.pool.log)


def make_clock(cache: Cache) -> Clock:
    return Clock()


def test_failing_constructor_keeps_its_dependency_path() -> None:
    services = ServiceCollection().add_singleton(Broken).add_singleton(NeedsBroken)
    provider = services.build_service_provider()
    with pytest.raises(ValueError, match="no config") as caught:
        provider.get_service(NeedsBroken)
    assert caught.value.__notes__ == [
        "wiredi: raised while resolving NeedsBroken -> Broken (singleton)"
    ]


def test_failure_in_a_transient_below_a_singleton_names_it() -> None:
    services = ServiceCollection().add_transient(Broken).add_singleton(NeedsBroken)
    provider = services.build_service_provider()
    with pytest.raises(ValueError, match="no config") as caught:
        provider.get_service(NeedsBroken)
    assert caught.value.__notes__ == [
        "wiredi: raised while resolving NeedsBroken -> Broken (transient)"
    ]


def test_missing_dependency_without_validation_names_the_path() -> None:
    services = ServiceCollection().add_singleton(NeedsMissing)
    provider = services.build_service_provider(validate=False)
    with pytest.raises(ServiceNotFoundError, match="Missing") as caught:
        provider.get_service(NeedsMissing)
    assert [node.service_type for node in caught.value.path] == [NeedsMissing, Missing]


def test_disposable_singletons_close_in_reverse_creation_order() -> None:
    log: list[str] = []
    services = ServiceCollection().add_instance(list[str], log)
    services.add_singleton(Pool).add_singleton(Cache)
    services.add_singleton_factory(Lease, make_lease)
    services.add_singleton_factory(Clock, make_clock)  # not disposable
    with services.build_service_provider() as provider:
        provider.get_service(Lease)
        provider.get_service(Clock)
    assert log == ["lease", "cache", "pool"]


class Untyped:
    def __init__(self, value) -> None:  # type: ignore[no-untyped-def]
        self.value = value


def test_unhinted_parameter_without_validation_fails_at_resolve() -> None:
    services = ServiceCollection().add_singleton(Untyped)
    provider = services.build_service_provider(validate=False)
    with pytest.raises(RegistrationError, match="'value' has no type hint") as caught:
        provider.get_service(Untyped)
    assert [node.service_type for node in caught.value.path] == [Untyped]


def test_generator_singleton_is_made_once_and_finalised_on_close() -> None:
    log: list[str] = []

    def make_clock() -> Iterator[Clock]:
        log.append("open")
        yield Clock()
        log.append("finalised")

    services = ServiceCollection().add_singleton_factory(Clock, make_clock)
    with services.build_service_provider() as provider:
        assert provider.get_service(Clock) is provider.get_service(Clock)
        assert log == ["open"]
    assert log == ["open", "finalised"]


def test_resolver_style_singleton_factory_gets_the_provider() -> None:
    services = ServiceCollection().add_singleton(Clock)
    services.add_singleton_factory(
        Settings, lambda sp: Settings(sp.get_service(Clock), [], [])
    )
    provider = services.build_service_provider()
    settings = provider.get_service(Settings)
    assert settings.clock is provider.get_service(Clock)
    assert provider.get_service(Settings) is settings
