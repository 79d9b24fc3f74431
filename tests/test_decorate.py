"""decorate(): wrapping what a service resolves to."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.fakes import Clock, Closeable
from wiredi import (
    AsyncResolutionError,
    GraphValidationError,
    RegistrationError,
    ServiceCollection,
)
from wiredi.graph import to_mermaid


class Repo:
    def get(self) -> str:
        return "db"


class CachingRepo(Repo):
    def __init__(self, inner: Repo, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock

    def get(self) -> str:
        return f"cached({self.inner.get()})"


class LoggingRepo(Repo):
    def __init__(self, inner: Repo) -> None:
        self.inner = inner

    def get(self) -> str:
        return f"logged({self.inner.get()})"


class ClosingDecorator(Closeable):
    def __init__(self, inner: Closeable) -> None:
        super().__init__(inner.log, "decorator")
        self.inner = inner


class TestDecorate:
    def test_wraps_and_resolves_other_parameters(
        self, services: ServiceCollection
    ) -> None:
        """The decorator gets the inner object and its other dependencies."""
        services.add_singleton(Clock).add_transient(Repo).decorate(Repo, CachingRepo)
        provider = services.build_service_provider()
        repo = provider.get_service(Repo)
        assert repo.get() == "cached(db)"
        assert repo.clock is provider.get_service(Clock)  # type: ignore[attr-defined]

    def test_last_decorator_is_outermost(self, services: ServiceCollection) -> None:
        """With several decorators the last one added is outermost."""
        services.add_singleton(Clock).add_transient(Repo)
        services.decorate(Repo, CachingRepo).decorate(Repo, LoggingRepo)
        assert services.build_service_provider().get_service(Repo).get() == (
            "logged(cached(db))"
        )

    def test_keeps_lifetime(self, services: ServiceCollection) -> None:
        """A decorated scoped service stays one (decorated) instance per scope."""
        services.add_singleton(Clock).add_scoped(Repo).decorate(Repo, CachingRepo)
        provider = services.build_service_provider()
        with provider.create_scope() as one, provider.create_scope() as two:
            assert one.get_service(Repo) is one.get_service(Repo)
            assert one.get_service(Repo) is not two.get_service(Repo)
            assert isinstance(one.get_service(Repo), CachingRepo)

    def test_decorates_every_registration(self, services: ServiceCollection) -> None:
        """get_services returns each registration decorated."""
        services.add_transient(Repo).add_transient(Repo).decorate(Repo, LoggingRepo)
        repos = services.build_service_provider().get_services(Repo)
        assert [r.get() for r in repos] == ["logged(db)", "logged(db)"]

    def test_decorator_and_inner_disposed(self, services: ServiceCollection) -> None:
        """Both the inner object and the decorator are disposed, outer first."""
        log: list[str] = []
        services.add_scoped_factory(Closeable, lambda: Closeable(log, "inner"))
        services.decorate(Closeable, ClosingDecorator)
        with services.build_service_provider().create_scope() as scope:
            scope.get_service(Closeable)
        assert log == ["decorator", "inner"]


class Greeter:
    def greet(self) -> str:
        return "hello"


class Polite(Greeter):
    def __init__(self, inner: Greeter) -> None:
        self.inner = inner

    def greet(self) -> str:
        return self.inner.greet() + ", please"


def test_one_unhinted_parameter_receives_the_wrapped_object() -> None:
    """`lambda inner: ...` decorates like a hinted decorator, keeping the lifetime."""
    services = ServiceCollection().add_scoped(Greeter)
    services.decorate(Greeter, lambda inner: Polite(inner))
    provider = services.build_service_provider()
    with provider.create_scope() as scope:
        greeter = scope.get_service(Greeter)
        assert greeter.greet() == "hello, please"
        assert scope.get_service(Greeter) is greeter
        assert type(greeter.inner) is Greeter  # type: ignore[attr-defined]


class ClosingRepo(Repo):
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class ClosingCachingRepo(CachingRepo):
    def __init__(self, inner: Repo, clock: Clock) -> None:
        super().__init__(inner, clock)
        self.closed = False

    def close(self) -> None:
        self.closed = True


class UsesRepo:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo


class RepoHolder:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo


class TestDecoratedInstance:
    """``add_instance`` objects are wrapped too: once, and never disposed."""

    def test_wraps_the_instance_once(self, services: ServiceCollection) -> None:
        given = ClosingRepo()
        services.add_singleton(Clock).add_instance(Repo, given)
        services.decorate(Repo, ClosingCachingRepo).add_singleton(UsesRepo)
        provider = services.build_service_provider()
        repo = provider.get_service(Repo)
        assert isinstance(repo, ClosingCachingRepo)
        assert repo.inner is given
        assert repo.get() == "cached(db)"
        with provider.create_scope() as scope:
            assert scope.get_service(Repo) is repo
            assert scope.get_service(UsesRepo).repo is repo
        assert provider.get_services(Repo) == [repo]

    def test_dependency_sees_the_decorated_object_in_any_order(
        self, services: ServiceCollection
    ) -> None:
        """Resolved after the instance (made from built objects) or before it."""
        given = ClosingRepo()
        services.add_singleton(Clock).add_instance(Repo, given)
        services.decorate(Repo, CachingRepo)
        services.add_singleton(UsesRepo).add_transient(RepoHolder)
        first = services.build_service_provider()
        wrapped = first.get_service(Repo)
        assert first.get_service(UsesRepo).repo is wrapped
        second = services.build_service_provider()
        holder = second.get_service(RepoHolder)
        assert isinstance(holder.repo, CachingRepo)
        assert holder.repo.inner is given
        assert second.get_service(Repo) is holder.repo

    def test_decorator_disposed_instance_not(self, services: ServiceCollection) -> None:
        given = ClosingRepo()
        services.add_singleton(Clock).add_instance(Repo, given)
        services.decorate(Repo, ClosingCachingRepo)
        with services.build_service_provider() as provider:
            wrapped = provider.get_service(Repo)
        assert wrapped.closed  # type: ignore[attr-defined]
        assert not given.closed

    def test_async_resolution(self, services: ServiceCollection) -> None:
        given = ClosingRepo()

        async def wrap(inner: Repo) -> Repo:
            return LoggingRepo(inner)

        services.add_instance(Repo, given).decorate(Repo, wrap)
        services.add_singleton(UsesRepo)
        provider = services.build_service_provider()

        async def main() -> UsesRepo:
            return await provider.get_service_async(UsesRepo)

        uses = asyncio.run(main())
        assert isinstance(uses.repo, LoggingRepo)
        assert uses.repo.inner is given

    def test_describe_and_graph_show_the_wrapper(
        self, services: ServiceCollection
    ) -> None:
        services.add_instance(Repo, ClosingRepo()).decorate(Repo, LoggingRepo)
        services.add_transient(RepoHolder)
        provider = services.build_service_provider()
        assert provider.describe(RepoHolder).splitlines() == [
            "RepoHolder (transient)",
            "└── repo: Repo (instance) via decorator LoggingRepo",
            "    └── inner: Repo (instance, wrapped)",
        ]
        assert "decorated by LoggingRepo<br/>instance" in to_mermaid(services)


def test_decorating_an_alias_is_reported_at_build(services: ServiceCollection) -> None:
    """An alias is the very object of its source: wrapping only it is refused."""
    services.add_singleton(Clock).add_singleton(ClosingRepo)
    services.add_alias(Repo, ClosingRepo).decorate(Repo, LoggingRepo)
    with pytest.raises(GraphValidationError) as caught:
        services.build_service_provider()
    (error,) = caught.value.errors
    assert isinstance(error, RegistrationError)
    assert "Repo is an alias of ClosingRepo" in str(error)
    assert "decorate(ClosingRepo, ...)" in str(error)


def test_decorating_the_alias_source_is_seen_through_the_alias(
    services: ServiceCollection,
) -> None:
    services.add_singleton(ClosingRepo).add_alias(Repo, ClosingRepo)
    services.decorate(ClosingRepo, lambda inner: inner)
    provider = services.build_service_provider()
    assert provider.get_service(Repo) is provider.get_service(ClosingRepo)


class TestDecoratorKinds:
    """A decorator may be ``async def`` or a generator, as a factory may."""

    def test_async_decorator_is_awaited(self, services: ServiceCollection) -> None:
        async def wrap(inner: Repo) -> Repo:
            await asyncio.sleep(0)
            return LoggingRepo(inner)

        services.add_scoped(Repo).decorate(Repo, wrap)
        provider = services.build_service_provider()

        async def main() -> tuple[Repo, Repo]:
            async with provider.create_scope() as scope:
                first = await scope.get_service_async(Repo)
                return first, await scope.get_service_async(Repo)

        first, second = asyncio.run(main())
        assert first is second
        assert first.get() == "logged(db)"

    def test_async_decorator_refused_on_the_sync_path(
        self, services: ServiceCollection
    ) -> None:
        async def wrap(inner: Repo) -> Repo:
            return LoggingRepo(inner)

        services.add_singleton(Repo).decorate(Repo, wrap)
        provider = services.build_service_provider()
        with pytest.raises(AsyncResolutionError, match="get_service_async"):
            provider.get_service(Repo)

    def test_generator_decorator_finalised_before_the_inner(
        self, services: ServiceCollection
    ) -> None:
        log: list[str] = []

        def wrap(inner: Closeable) -> Iterator[Closeable]:
            log.append("wrapped")
            yield inner
            log.append("unwrapped")

        services.add_instance(list[str], log).add_scoped(Closeable)
        services.decorate(Closeable, wrap)
        with services.build_service_provider().create_scope() as scope:
            scope.get_service(Closeable)
        assert log == ["wrapped", "unwrapped", "Closeable"]


def test_a_decorator_returning_what_it_was_given_owns_nothing_twice() -> None:
    """An instance stays unclosed; a singleton is closed once, not twice."""
    given = Counting()
    services = ServiceCollection().add_instance(Counting, given)
    provider = services.decorate(Counting, lambda inner: inner).build_service_provider()
    assert provider.get_service(Counting) is given
    provider.close()
    assert given.closes == 0
    services = ServiceCollection().add_singleton(Counting)
    provider = services.decorate(Counting, lambda inner: inner).build_service_provider()
    made = provider.get_service(Counting)
    provider.close()
    assert made.closes == 1


class Counting:
    def __init__(self) -> None:
        self.closes = 0

    def close(self) -> None:
        self.closes += 1
