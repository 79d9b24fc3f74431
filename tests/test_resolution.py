"""Resolution: the hint table, factories and the resolver API."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Optional

import pytest

from tests.fakes import Clock, IClock, Repo, Service, UtcClock
from wiredi import (
    CircularDependencyError,
    GraphValidationError,
    RegistrationError,
    Resolver,
    Scope,
    ServiceCollection,
    ServiceNotFoundError,
    ServiceProvider,
)


class Plugin:
    pass


class PluginA(Plugin):
    pass


class PluginB(Plugin):
    pass


class WantsList:
    def __init__(
        self, items: list[Plugin], seq: Sequence[Plugin], it: Iterable[Plugin]
    ) -> None:
        self.items, self.seq, self.it = items, seq, it


class WantsOptional:
    def __init__(self, clock: Clock | None, other: Optional[Repo]) -> None:
        self.clock, self.other = clock, other


class WantsDefault:
    def __init__(self, clock: Clock = Clock, retries: int = 3) -> None:  # type: ignore[assignment]
        self.clock, self.retries = clock, retries


class WantsResolver:
    def __init__(self, provider: ServiceProvider, resolver: Resolver) -> None:
        self.provider, self.resolver = provider, resolver


class KeywordOnly:
    def __init__(self, *, clock: Clock, **extra: object) -> None:
        self.clock = clock
        self.extra = extra


class TestHints:
    def test_constructor_autowiring(self, services: ServiceCollection) -> None:
        """A class's __init__ hints are resolved."""
        services.add_singleton(Clock).add_transient(Repo).add_transient(Service)
        service = services.build_service_provider().get_service(Service)
        assert service.repo.clock is service.clock

    def test_list_sequence_iterable_get_all_in_order(
        self, services: ServiceCollection
    ) -> None:
        """list[T], Sequence[T] and Iterable[T] receive every registration of T."""
        services.add_singleton(Plugin, PluginA).add_singleton(Plugin, PluginB)
        services.add_transient(WantsList)
        wants = services.build_service_provider().get_service(WantsList)
        assert [type(p) for p in wants.items] == [PluginA, PluginB]
        assert list(wants.seq) == wants.items
        assert list(wants.it) == wants.items

    def test_list_is_empty_when_nothing_registered(
        self, services: ServiceCollection
    ) -> None:
        """A list[T] parameter with no registration of T gets []."""
        services.add_transient(WantsList)
        assert services.build_service_provider().get_service(WantsList).items == []

    def test_registered_list_type_wins(self, services: ServiceCollection) -> None:
        """A registration of list[T] itself is used for a list[T] parameter."""
        custom = [PluginB()]
        services.add_singleton(Plugin, PluginA)
        services.add_instance(list[Plugin], custom)
        services.add_transient(WantsList)
        assert services.build_service_provider().get_service(WantsList).items is custom

    def test_optional_is_none_when_missing(self, services: ServiceCollection) -> None:
        """T | None and Optional[T] get None when T is not registered."""
        services.add_transient(WantsOptional)
        wants = services.build_service_provider().get_service(WantsOptional)
        assert wants.clock is None
        assert wants.other is None

    def test_optional_is_resolved_when_registered(
        self, services: ServiceCollection
    ) -> None:
        """T | None gets T when it is registered."""
        services.add_singleton(Clock).add_transient(WantsOptional)
        assert isinstance(
            services.build_service_provider().get_service(WantsOptional).clock, Clock
        )

    def test_default_used_when_missing(self, services: ServiceCollection) -> None:
        """A parameter with a default keeps it when its type is not registered."""
        services.add_transient(WantsDefault)
        wants = services.build_service_provider().get_service(WantsDefault)
        assert wants.clock is Clock
        assert wants.retries == 3

    def test_unhinted_parameter_with_default_keeps_it(
        self, services: ServiceCollection
    ) -> None:
        """A parameter with no hint but a default gets the default."""

        class Unhinted:
            def __init__(self, retries=3) -> None:  # type: ignore[no-untyped-def]
                self.retries = retries

        services.add_transient(Unhinted)
        assert services.build_service_provider().get_service(Unhinted).retries == 3

    def test_default_overridden_when_registered(
        self, services: ServiceCollection
    ) -> None:
        """A parameter with a default is resolved when its type is registered."""
        services.add_instance(int, 9).add_transient(WantsDefault)
        assert services.build_service_provider().get_service(WantsDefault).retries == 9

    def test_resolver_injection_root_and_scope(
        self, services: ServiceCollection
    ) -> None:
        """ServiceProvider/Resolver parameters get the provider or scope resolving."""
        services.add_transient(WantsResolver)
        provider = services.build_service_provider()
        from_root = provider.get_service(WantsResolver)
        assert from_root.provider is provider
        assert from_root.resolver is provider
        with provider.create_scope() as scope:
            from_scope = scope.get_service(WantsResolver)
            assert from_scope.provider is scope
            assert isinstance(scope, Scope)

    def test_keyword_only_and_var_kwargs(self, services: ServiceCollection) -> None:
        """Keyword-only parameters are resolved; **kwargs is skipped."""
        services.add_singleton(Clock).add_transient(KeywordOnly)
        wants = services.build_service_provider().get_service(KeywordOnly)
        assert isinstance(wants.clock, Clock)
        assert wants.extra == {}

    def test_string_annotations(self, services: ServiceCollection) -> None:
        """String (future) annotations are evaluated in the class's module."""
        services.add_singleton(Clock).add_transient(Repo)
        assert isinstance(
            services.build_service_provider().get_service(Repo).clock, Clock
        )

    def test_dataclass_implementation(self, services: ServiceCollection) -> None:
        """Dataclasses are auto-wired from their fields."""
        from tests.fakes_dataclass import Settings

        services.add_singleton(Clock).add_transient(Settings)
        settings = services.build_service_provider().get_service(Settings)
        assert isinstance(settings.clock, Clock)
        assert settings.name == "default"


class TestFactories:
    def test_lambda_sp_gets_resolver(self, services: ServiceCollection) -> None:
        """A one-parameter factory without a hint receives the resolver."""
        services.add_singleton(Clock)
        services.add_transient_factory(Repo, lambda sp: Repo(sp.get_service(Clock)))
        provider = services.build_service_provider()
        assert provider.get_service(Repo).clock is provider.get_service(Clock)

    def test_typed_factory_parameters(self, services: ServiceCollection) -> None:
        """A factory's hinted parameters are resolved like a constructor's."""

        def make_repo(clock: Clock, retries: int = 2) -> Repo:
            repo = Repo(clock)
            repo.retries = retries  # type: ignore[attr-defined]
            return repo

        services.add_singleton(Clock).add_scoped_factory(Repo, make_repo)
        with services.build_service_provider().create_scope() as scope:
            repo = scope.get_service(Repo)
        assert repo.retries == 2  # type: ignore[attr-defined]

    def test_zero_argument_factory(self, services: ServiceCollection) -> None:
        """A factory with no parameters is simply called."""
        services.add_singleton_factory(IClock, UtcClock)
        services.add_singleton_factory(Clock, lambda: Clock())
        provider = services.build_service_provider()
        assert isinstance(provider.get_service(Clock), Clock)

    def test_generator_factory_runs_teardown_at_scope_close(
        self, services: ServiceCollection
    ) -> None:
        """Code after a generator factory's yield runs when its scope closes."""
        events: list[str] = []

        def make_clock() -> Iterator[Clock]:
            events.append("open")
            yield Clock()
            events.append("close")

        services.add_scoped_factory(Clock, make_clock)
        with services.build_service_provider().create_scope() as scope:
            scope.get_service(Clock)
            assert events == ["open"]
        assert events == ["open", "close"]

    def test_callable_object_factory(self, services: ServiceCollection) -> None:
        """An object with a typed __call__ works as a factory."""

        class Maker:
            def __call__(self, clock: Clock) -> Repo:
                return Repo(clock)

        services.add_singleton(Clock).add_transient_factory(Repo, Maker())
        assert isinstance(services.build_service_provider().get_service(Repo), Repo)


class TestResolverApi:
    def test_missing_service(self, services: ServiceCollection) -> None:
        """An unregistered type raises ServiceNotFoundError (a LookupError)."""
        provider = services.build_service_provider()
        with pytest.raises(
            ServiceNotFoundError, match="no registration for Clock"
        ) as e:
            provider.get_service(Clock)
        assert isinstance(e.value, LookupError)
        assert e.value.service_type is Clock

    def test_get_required_service(self, services: ServiceCollection) -> None:
        """get_required_service is get_service."""
        provider = services.add_singleton(Clock).build_service_provider()
        assert provider.get_required_service(Clock) is provider.get_service(Clock)

    def test_get_services_empty(self, services: ServiceCollection) -> None:
        """get_services returns [] when nothing is registered."""
        assert services.build_service_provider().get_services(Clock) == []

    def test_provider_resolves_itself(self, services: ServiceCollection) -> None:
        """Asking for ServiceProvider gives the resolver asked."""
        provider = services.build_service_provider()
        assert provider.get_service(ServiceProvider) is provider

    def test_alias_gives_same_object(self, services: ServiceCollection) -> None:
        """An alias resolves to the very object of its source."""

        class Sender: ...

        class BatchSender(Sender): ...

        services.add_singleton(BatchSender).add_alias(Sender, BatchSender)
        provider = services.build_service_provider()
        assert provider.get_service(Sender) is provider.get_service(BatchSender)

    def test_alias_of_scoped_follows_scope(self, services: ServiceCollection) -> None:
        """An alias of a scoped service gives the scope's instance."""
        services.add_scoped(IClock, UtcClock).add_alias(UtcClock, IClock)
        with services.build_service_provider().create_scope() as scope:
            assert scope.get_service(UtcClock) is scope.get_service(IClock)

    def test_repr(self, services: ServiceCollection) -> None:
        """Provider and scope reprs name the public class."""
        provider = services.add_singleton(Clock).build_service_provider()
        assert repr(provider) == "<wiredi.ServiceProvider(services=1)>"
        with provider.create_scope() as scope:
            assert repr(scope).startswith("<wiredi.Scope(open")


class TestNoReflectionPerResolve:
    def test_resolves_without_hints_or_signatures_after_build(
        self, services: ServiceCollection, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """After the first resolve, resolving never reads hints or signatures again."""
        import inspect
        import typing

        services.add_singleton(Clock).add_transient(Repo).add_scoped(Service)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            scope.get_service(Service)

        def forbidden(*args: object, **kwargs: object) -> object:
            raise AssertionError("reflection on the hot path")

        monkeypatch.setattr(typing, "get_type_hints", forbidden)
        monkeypatch.setattr(inspect, "signature", forbidden)
        for _ in range(3):
            with provider.create_scope() as scope:
                assert isinstance(scope.get_service(Service), Service)
                assert isinstance(scope.get_service(Repo), Repo)


def _chain(
    length: int, lifetime: str, *, validate: bool = True, top_first: bool = False
) -> tuple[ServiceProvider, list[type]]:
    classes: list[type] = []
    for index in range(length):
        namespace: dict[str, object] = {}
        if classes:

            def init(self: object, dep: object) -> None:
                self.dep = dep  # type: ignore[attr-defined]

            init.__annotations__ = {"dep": classes[-1]}
            namespace["__init__"] = init
        classes.append(type(f"Link{index}", (), namespace))
    services = ServiceCollection()
    for cls in reversed(classes) if top_first else classes:
        services.add(cls, lifetime=lifetime)
    return services.build_service_provider(validate=validate), classes


@pytest.mark.parametrize(
    ("lifetime", "length"), [("transient", 400), ("singleton", 220)]
)
def test_deep_dependency_chain_resolves(lifetime: str, length: int) -> None:
    """Deep chains compile (leaves first when needed) and build every link."""
    provider, classes = _chain(length, lifetime)
    top = provider.get_service(classes[-1])
    depth = 0
    while hasattr(top, "dep"):
        top, depth = top.dep, depth + 1
    assert depth == length - 1
    assert isinstance(top, classes[0])


def test_top_level_union_points_to_the_right_call() -> None:
    """get_service(A | B) explains what to call instead."""
    provider = ServiceCollection().add_transient(Plugin).build_service_provider()
    with pytest.raises(ServiceNotFoundError) as caught:
        provider.get_service(Plugin | PluginA | None)
    assert caught.value.hint == (
        "a union of several types is not one service; ask for one: "
        "get_service(Plugin) or get_service(PluginA)"
    )


def _ring(length: int) -> list[type]:
    classes = [type(f"Ring{index}", (), {}) for index in range(length)]
    for index, cls in enumerate(classes):

        def init(self: object, dep: object) -> None:
            self.dep = dep  # type: ignore[attr-defined]

        init.__annotations__ = {"dep": classes[(index + 1) % length]}
        cls.__init__ = init  # type: ignore[misc]
    return classes


def test_long_cycle_without_validation_is_a_cycle_error() -> None:
    """A 300-class cycle is reported as a cycle, never as RecursionError."""
    classes = _ring(300)
    services = ServiceCollection()
    for cls in classes:
        services.add_transient(cls)
    provider = services.build_service_provider(validate=False)
    with pytest.raises(CircularDependencyError) as caught:
        provider.get_service(classes[0])
    assert len(caught.value.path) == 301


def test_graph_too_deep_to_validate_says_what_to_do() -> None:
    """Validation of a 600-deep chain reports it, and validate=False still resolves."""
    with pytest.raises(GraphValidationError) as caught:
        _chain(600, "transient", top_first=True)
    (error,) = caught.value.errors
    assert isinstance(error, RegistrationError)
    assert "too deep to validate" in str(error)
    assert "validate=False" in (error.hint or "")
    provider, classes = _chain(600, "transient", validate=False, top_first=True)
    assert isinstance(provider.get_service(classes[-1]), classes[-1])


class OptionalResolvers:
    def __init__(
        self,
        provider: ServiceProvider | None = None,
        resolver: Optional[Resolver] = None,
    ) -> None:
        self.provider = provider
        self.resolver = resolver


def test_optional_resolver_hints_get_the_resolver() -> None:
    """ServiceProvider | None is the provider or scope: it is always there."""
    services = ServiceCollection().add_transient(OptionalResolvers)
    provider = services.build_service_provider()
    found = provider.get_service(OptionalResolvers)
    assert found.provider is provider
    assert found.resolver is provider
    with provider.create_scope() as scope:
        assert scope.get_service(OptionalResolvers).resolver is scope
