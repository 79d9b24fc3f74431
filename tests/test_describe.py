"""describe(): the resolved dependency tree of one service, as indented text."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Protocol, TypeVar

import pytest

from wiredi import (
    CurrentGraph,
    DependencyContext,
    FromComponent,
    Resolver,
    ServiceCollection,
    ServiceNotFoundError,
)
from wiredi._graph.describe import describe

T = TypeVar("T")


class IClock(Protocol):
    def now(self) -> float: ...


class UtcClock:
    def now(self) -> float:
        return 0.0


class DbSession:
    pass


class OrderRepo:
    def __init__(self, session: Annotated[DbSession, FromComponent("db")]) -> None:
        self.session = session


class OrderService:
    def __init__(self, repo: OrderRepo, clock: IClock) -> None:
        self.repo = repo
        self.clock = clock


class Plugin:
    pass


class PluginA(Plugin):
    pass


class PluginB(Plugin):
    pass


class Host:
    def __init__(self, plugins: list[Plugin]) -> None:
        self.plugins = plugins


class Missing:
    pass


class NeedsMissing:
    def __init__(
        self, missing: Missing, other: Annotated[Missing, FromComponent("x")]
    ) -> None:
        self.missing = missing


class Optionals:
    def __init__(
        self,
        clock: IClock | None,
        missing: Missing | None,
        retries: int = 3,
        *,
        name: str = "n",
    ) -> None:
        self.clock = clock


class Ping:
    def __init__(self, pong: Pong) -> None:
        self.pong = pong


class Pong:
    def __init__(self, ping: Ping) -> None:
        self.ping = ping


class Sender:
    pass


class BatchSender(Sender):
    pass


class Client:
    def __init__(self, sender: Sender, batch: BatchSender) -> None:
        self.sender = sender


class Logger:
    pass


def make_logger(
    context: DependencyContext, graph: CurrentGraph, resolver: Resolver
) -> Logger:
    return Logger()


class Repo:
    pass


class SqlRepo(Repo):
    def __init__(self, session: DbSession) -> None:
        self.session = session


class CachingRepo(Repo):
    def __init__(self, inner: Repo, clock: IClock) -> None:
        self.inner = inner


class LoggingRepo(Repo):
    def __init__(self, inner: Repo) -> None:
        self.inner = inner


class IStore(Generic[T]):
    pass


class SqlStore(IStore[T]):
    def __init__(self, clock: IClock) -> None:
        self.clock = clock


class User:
    pass


class Untyped:
    def __init__(self, value) -> None:  # type: ignore[no-untyped-def]
        self.value = value


def tree(services: ServiceCollection, service_type: Any, component: str = "") -> str:
    provider = services.build_service_provider(validate=False)
    return describe(provider._core.registry, service_type, component)


class TestDescribeTree:
    def test_renders_a_small_graph_exactly(self, services: ServiceCollection) -> None:
        """Each node shows its parameter, type, lifetime, component and builder."""
        services.add_scoped(OrderService).add_transient(OrderRepo)
        services.add_scoped(DbSession, component="db").add_singleton(IClock, UtcClock)
        assert tree(services, OrderService) == (
            "OrderService (scoped)\n"
            "├── repo: OrderRepo (transient)\n"
            "│   └── session: DbSession (scoped) [component 'db']\n"
            "└── clock: IClock (singleton) via UtcClock"
        )

    def test_describes_a_service_of_another_component(
        self, services: ServiceCollection
    ) -> None:
        """The component argument selects where the service is looked up."""
        services.add_scoped(DbSession, component="db")
        assert tree(services, DbSession, "db") == "DbSession (scoped) [component 'db']"

    def test_uses_the_last_registration(self, services: ServiceCollection) -> None:
        """Like a single resolve, describe shows the last registration of a type."""
        services.add_transient(Plugin, PluginA).add_transient(Plugin, PluginB)
        assert tree(services, Plugin) == "Plugin (transient) via PluginB"

    def test_factory_is_shown_with_call_parentheses(
        self, services: ServiceCollection
    ) -> None:
        """A factory appears as ``via name()`` with its special parameters marked."""
        services.add_transient_factory(Logger, make_logger)
        assert tree(services, Logger) == (
            "Logger (transient) via make_logger()\n"
            "├── context: DependencyContext (context)\n"
            "├── graph: CurrentGraph (current graph)\n"
            "└── resolver: Resolver (resolver)"
        )

    def test_unhinted_single_parameter_factory_gets_the_resolver(
        self, services: ServiceCollection
    ) -> None:
        """The ``lambda sp:`` style shows its parameter as the resolver."""
        services.add_singleton_factory(Logger, lambda sp: Logger())
        assert tree(services, Logger) == (
            "Logger (singleton) via <lambda>()\n└── sp (resolver)"
        )


class TestDescribeParameters:
    def test_list_parameter_shows_each_element(
        self, services: ServiceCollection
    ) -> None:
        """A ``list[T]`` parameter has one child per registration, in order."""
        services.add_transient(Host)
        services.add_transient(Plugin, PluginA).add_singleton(Plugin, PluginB)
        assert tree(services, Host) == (
            "Host (transient)\n"
            "└── plugins: list[Plugin]\n"
            "    ├── [0]: Plugin (transient) via PluginA\n"
            "    └── [1]: Plugin (singleton) via PluginB"
        )

    def test_empty_list_parameter(self, services: ServiceCollection) -> None:
        """A ``list[T]`` parameter with nothing registered receives ``[]``."""
        services.add_transient(Host)
        assert (
            tree(services, Host) == "Host (transient)\n└── plugins: list[Plugin] = []"
        )

    def test_missing_dependencies_are_marked(self, services: ServiceCollection) -> None:
        """An unregistered dependency is marked MISSING, with its component."""
        services.add_transient(NeedsMissing)
        assert tree(services, NeedsMissing) == (
            "NeedsMissing (transient)\n"
            "├── missing: Missing MISSING\n"
            "└── other: Missing [component 'x'] MISSING"
        )

    def test_optional_and_default_parameters(self, services: ServiceCollection) -> None:
        """Registered optionals resolve; missing ones show ``= None`` or the default."""
        services.add_transient(Optionals).add_singleton(IClock, UtcClock)
        assert tree(services, Optionals) == (
            "Optionals (transient)\n"
            "├── clock: IClock (singleton) via UtcClock\n"
            "├── missing: Missing | None = None\n"
            "├── retries: int = <default>\n"
            "└── name: str = <default>"
        )

    def test_unhinted_parameter_is_unresolvable(
        self, services: ServiceCollection
    ) -> None:
        """A parameter without a hint or default is marked UNRESOLVABLE with the reason."""
        services.add_transient(Untyped)
        assert tree(services, Untyped) == (
            "Untyped (transient)\n"
            "└── value: UNRESOLVABLE: parameter 'value' has no type hint"
        )


class TestDescribeSpecialNodes:
    def test_cycles_are_marked_and_stop(self, services: ServiceCollection) -> None:
        """A registration met again on its own path is marked ``(cycle)``."""
        services.add_transient(Ping).add_transient(Pong)
        assert tree(services, Ping) == (
            "Ping (transient)\n"
            "└── pong: Pong (transient)\n"
            "    └── ping: Ping (transient) (cycle)"
        )

    def test_instances_are_marked(self, services: ServiceCollection) -> None:
        """An ``add_instance`` registration is a leaf marked ``(instance)``."""
        services.add_instance(IClock, UtcClock())
        assert tree(services, IClock) == "IClock (instance)"

    def test_alias_points_to_its_source(self, services: ServiceCollection) -> None:
        """An alias shows ``Alias -> Source`` with the source's lifetime."""
        services.add_transient(Client).add_singleton(Sender)
        services.add_alias(BatchSender, Sender)
        assert tree(services, Client) == (
            "Client (transient)\n"
            "├── sender: Sender (singleton)\n"
            "└── batch: BatchSender -> Sender (singleton)"
        )

    def test_alias_across_components(self, services: ServiceCollection) -> None:
        """An alias into another component names the source's component."""
        services.add_singleton(Sender, component="mail")
        services.add_alias(Sender, Sender, source_component="mail")
        assert (
            tree(services, Sender) == "Sender -> Sender (singleton) [component 'mail']"
        )

    def test_alias_to_missing_source(self, services: ServiceCollection) -> None:
        """An alias whose source is not registered is marked MISSING."""
        services.add_alias(BatchSender, Sender)
        assert tree(services, BatchSender) == "BatchSender -> Sender MISSING"

    def test_alias_loop_is_a_cycle(self, services: ServiceCollection) -> None:
        """Aliases that point at each other are marked as a cycle."""
        services.add_alias(BatchSender, Sender).add_alias(Sender, BatchSender)
        assert tree(services, Sender) == (
            "Sender -> BatchSender -> Sender -> ... (cycle)"
        )

    def test_decorators_wrap_the_implementation(
        self, services: ServiceCollection
    ) -> None:
        """The outermost decorator is shown first; the wrapped object is its child."""
        services.add_scoped(Repo, SqlRepo).add_scoped(DbSession)
        services.add_singleton(IClock, UtcClock)
        services.decorate(Repo, CachingRepo).decorate(Repo, LoggingRepo)
        assert tree(services, Repo) == (
            "Repo (scoped) via decorator LoggingRepo\n"
            "└── inner: Repo (scoped, wrapped) via decorator CachingRepo\n"
            "    ├── inner: Repo (scoped, wrapped) via SqlRepo\n"
            "    │   └── session: DbSession (scoped)\n"
            "    └── clock: IClock (singleton) via UtcClock"
        )

    def test_open_generic_is_closed_for_the_requested_arguments(
        self, services: ServiceCollection
    ) -> None:
        """Describing ``IStore[User]`` shows the closed implementation and its deps."""
        services.add_scoped(IStore, SqlStore).add_singleton(IClock, UtcClock)
        assert tree(services, IStore[User]) == (
            "IStore[User] (scoped) via SqlStore[User]\n"
            "└── clock: IClock (singleton) via UtcClock"
        )


class TestDescribeErrors:
    def test_unregistered_service_raises(self, services: ServiceCollection) -> None:
        """Describing a type with no registration raises ServiceNotFoundError."""
        with pytest.raises(ServiceNotFoundError) as info:
            tree(services, Missing)
        assert info.value.service_type is Missing
        assert info.value.message == "no registration for Missing"

    def test_error_names_the_component_that_has_it(
        self, services: ServiceCollection
    ) -> None:
        """The error for the wrong component points at the component that has it."""
        services.add_scoped(DbSession, component="db")
        with pytest.raises(ServiceNotFoundError) as info:
            tree(services, DbSession)
        assert info.value.component == ""
        assert "FromComponent('db')" in (info.value.hint or "")
