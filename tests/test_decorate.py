"""decorate(): wrapping what a service resolves to."""

from __future__ import annotations

from tests.fakes import Clock, Closeable
from wiredi import ServiceCollection


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
