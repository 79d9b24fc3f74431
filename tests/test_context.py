"""Resolution context: DependencyContext and CurrentGraph."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated

import pytest

from wiredi import (
    CircularDependencyError,
    CurrentGraph,
    DependencyContext,
    DependencyNode,
    FromComponent,
    ScopeError,
    ServiceCollection,
)
from wiredi.factories import use_from_current_graph, use_from_current_graph_async


@dataclass(frozen=True)
class Seen:
    service_type: object
    component: str
    parameter_name: str | None
    parent: DependencyNode | None
    path: tuple[DependencyNode, ...]


SEEN: list[Seen] = []


def logger_factory(context: DependencyContext) -> logging.Logger:
    SEEN.append(
        Seen(
            context.service_type,
            context.component,
            context.parameter_name,
            context.parent,
            context.path,
        )
    )
    parent = context.parent
    name = parent.implementation.__qualname__ if parent is not None else "root"
    return logging.getLogger(f"tests.{name}")


class Repo:
    def __init__(self, log: logging.Logger) -> None:
        self.log = log


class OrderService:
    def __init__(self, repo: Repo, logger: logging.Logger) -> None:
        self.repo = repo
        self.logger = logger


class Sender:
    pass


class BatchSender:
    pass


class MySender(Sender, BatchSender):
    pass


class Client:
    def __init__(self, sender: Sender, batch_sender: BatchSender) -> None:
        self.sender = sender
        self.batch_sender = batch_sender


class ClientReversed:
    def __init__(self, batch_sender: BatchSender, sender: Sender) -> None:
        self.sender = sender
        self.batch_sender = batch_sender


class Middle:
    def __init__(self, batch_sender: BatchSender) -> None:
        self.batch_sender = batch_sender


class DeepClient:
    def __init__(self, middle: Middle, sender: Sender) -> None:
        self.middle = middle
        self.sender = sender


class Keeper:
    def __init__(self, context: DependencyContext, graph: CurrentGraph) -> None:
        self.context = context
        self.graph = graph


class ComponentConsumer:
    def __init__(self, log: Annotated[logging.Logger, FromComponent("audit")]) -> None:
        self.log = log


def _logger_services() -> ServiceCollection:
    services = ServiceCollection()
    services.add_transient_factory(logging.Logger, logger_factory)
    services.add_transient(Repo)
    services.add_scoped(OrderService)
    return services


def _sender_services(client: type) -> ServiceCollection:
    services = ServiceCollection()
    services.add_transient(Sender, MySender)
    services.add_transient_factory(BatchSender, use_from_current_graph(MySender))
    services.add_transient(Middle)
    services.add_transient(client)
    return services


class TestDependencyContext:
    def test_edge_fields(self) -> None:
        """The context names the parent, the parameter and the path."""
        SEEN.clear()
        with _logger_services().build_service_provider().create_scope() as scope:
            service = scope.get_service(OrderService)
            repo_ctx, service_ctx = SEEN
            assert repo_ctx.service_type is logging.Logger
            assert repo_ctx.parameter_name == "log"
            assert repo_ctx.parent is not None
            assert repo_ctx.parent.implementation is Repo
            assert [n.service_type for n in repo_ctx.path] == [OrderService, Repo]
            assert service_ctx.parameter_name == "logger"
            assert service_ctx.parent is not None
            assert service_ctx.parent.lifetime == "scoped"
        assert service.repo.log.name == "tests.Repo"
        assert service.logger.name == "tests.OrderService"

    def test_top_level_has_no_parent(self) -> None:
        """At a top-level resolve, parent is None and the path is empty."""
        SEEN.clear()
        provider = _logger_services().build_service_provider()
        logger = provider.get_service(logging.Logger)
        (context,) = SEEN
        assert context.parent is None
        assert context.parameter_name is None
        assert logger.name == "tests.root"

    def test_unusable_after_graph(self) -> None:
        """Using a kept DependencyContext or CurrentGraph raises ScopeError."""
        provider = ServiceCollection().add_transient(Keeper).build_service_provider()
        keeper = provider.get_service(Keeper)
        with pytest.raises(ScopeError, match="after its graph finished"):
            _ = keeper.context.parent
        with pytest.raises(ScopeError, match="after its graph finished"):
            keeper.graph.find(Keeper)
        assert "finished" in repr(keeper.context)

    def test_component_reported(self) -> None:
        """The context reports the component of the service being resolved."""
        SEEN.clear()
        services = ServiceCollection()
        services.add_transient_factory(
            logging.Logger, logger_factory, component="audit"
        )
        services.add_transient(ComponentConsumer)
        provider = services.build_service_provider()
        provider.get_service(ComponentConsumer)
        (context,) = SEEN
        assert context.component == "audit"

    async def test_async_resolution(self) -> None:
        """DependencyContext works in async resolution."""
        SEEN.clear()

        async def make_repo(log: logging.Logger) -> Repo:
            return Repo(log)

        services = _logger_services()
        services.replace(Repo, factory=make_repo)
        async with services.build_service_provider().create_scope() as scope:
            service = await scope.get_service_async(OrderService)
        assert service.repo.log.name.startswith("tests.")
        assert SEEN[0].parent is not None

    def test_resolving_context_directly_is_scope_error(self) -> None:
        """DependencyContext cannot be resolved outside a graph."""
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ScopeError, match="only while a graph"):
            provider.get_service(DependencyContext)


class TestCurrentGraph:
    @pytest.mark.parametrize("client", [Client, ClientReversed])
    def test_interface_segregation_either_order(self, client: type) -> None:
        """sender is batch_sender whichever parameter comes first."""
        provider = _sender_services(client).build_service_provider()
        resolved = provider.get_service(client)
        assert resolved.sender is resolved.batch_sender
        assert isinstance(resolved.sender, MySender)

    def test_interface_segregation_at_different_depths(self) -> None:
        """The shared object holds when the two needs sit at different depths."""
        provider = _sender_services(DeepClient).build_service_provider()
        client = provider.get_service(DeepClient)
        assert client.middle.batch_sender is client.sender

    def test_separate_graphs_get_separate_objects(self) -> None:
        """Two top-level resolves are two graphs with their own objects."""
        provider = _sender_services(Client).build_service_provider()
        assert (
            provider.get_service(Client).sender
            is not provider.get_service(Client).sender
        )

    def test_transients_stay_transient_without_resolve(self) -> None:
        """Only objects taken through CurrentGraph.resolve are shared in the graph."""

        class TwoSenders:
            def __init__(self, a: Sender, b: Sender, graph: CurrentGraph) -> None:
                self.a, self.b = a, b
                self.found = graph.find(MySender)

        services = ServiceCollection().add_transient(Sender, MySender)
        services.add_transient(TwoSenders)
        provider = services.build_service_provider()
        two = provider.get_service(TwoSenders)
        assert two.a is not two.b
        assert two.found is two.b

    def test_find_does_not_create(self) -> None:
        """find() returns None for a type the graph has not built."""

        class Probe:
            def __init__(self, graph: CurrentGraph) -> None:
                self.found = graph.find(MySender)

        services = (
            ServiceCollection().add_transient(Sender, MySender).add_transient(Probe)
        )
        assert services.build_service_provider().get_service(Probe).found is None

    async def test_async_graph(self) -> None:
        """use_from_current_graph_async shares the object in async graphs."""

        async def open_sender() -> MySender:
            await asyncio.sleep(0)
            return MySender()

        services = ServiceCollection()
        services.add_transient_factory(Sender, open_sender)
        services.add_transient_factory(
            BatchSender, use_from_current_graph_async(Sender)
        )
        services.add_transient(ClientReversed)
        provider = services.build_service_provider()
        client = await provider.get_service_async(ClientReversed)
        assert client.sender is client.batch_sender

    def test_concurrent_graphs_are_isolated(self) -> None:
        """Graphs resolved in parallel threads never share objects."""
        from concurrent.futures import ThreadPoolExecutor

        provider = _sender_services(ClientReversed).build_service_provider()
        with ThreadPoolExecutor(8) as pool:
            clients = list(
                pool.map(lambda _: provider.get_service(ClientReversed), range(200))
            )
        assert all(c.sender is c.batch_sender for c in clients)
        assert len({id(c.sender) for c in clients}) == 200


class AsyncMade:
    pass


async def make_async_made() -> AsyncMade:
    return AsyncMade()


class NeedsAsyncMade:
    def __init__(self, made: AsyncMade) -> None:
        self.made = made


class SharesIt:
    pass


class TakesShared:
    def __init__(self, first: SharesIt, second: NeedsAsyncMade) -> None:
        self.first = first
        self.second = second


async def test_sync_graph_resolve_of_an_async_service_names_the_async_form() -> None:
    """CurrentGraph.resolve on something needing an async factory says what to use."""
    from wiredi import AsyncResolutionError

    services = ServiceCollection().add_transient_factory(AsyncMade, make_async_made)
    services.add_transient(NeedsAsyncMade).add_transient(TakesShared)
    services.add_transient_factory(SharesIt, use_from_current_graph(NeedsAsyncMade))
    provider = services.build_service_provider()
    with pytest.raises(AsyncResolutionError) as caught:
        await provider.get_service_async(TakesShared)
    message = str(caught.value)
    assert "CurrentGraph.resolve(NeedsAsyncMade)" in message
    assert "use_from_current_graph_async" in message
    assert "TakesShared -> SharesIt -> NeedsAsyncMade -> AsyncMade" in message


class LoopA:
    pass


class LoopB:
    pass


def make_loop_a(graph: CurrentGraph) -> LoopA:
    return graph.resolve(LoopB)  # type: ignore[return-value]


def make_loop_b(graph: CurrentGraph) -> LoopB:
    return graph.resolve(LoopA)  # type: ignore[return-value]


async def make_loop_a_async(graph: CurrentGraph) -> LoopA:
    return await graph.resolve_async(LoopB)  # type: ignore[return-value]


async def make_loop_b_async(graph: CurrentGraph) -> LoopB:
    return await graph.resolve_async(LoopA)  # type: ignore[return-value]


class TestCurrentGraphCycles:
    def test_a_cycle_through_current_graph_is_a_cycle_error(self) -> None:
        services = ServiceCollection().add_transient_factory(LoopA, make_loop_a)
        services.add_transient_factory(LoopB, make_loop_b)
        provider = services.build_service_provider(validate=False)
        with pytest.raises(CircularDependencyError, match="LoopA -> LoopB -> LoopA"):
            provider.get_service(LoopA)

    def test_use_from_current_graph_of_itself_is_a_cycle_error(self) -> None:
        services = ServiceCollection()
        services.add_transient_factory(LoopA, use_from_current_graph(LoopA))
        provider = services.build_service_provider()
        with pytest.raises(CircularDependencyError, match="LoopA -> LoopA"):
            provider.get_service(LoopA)

    async def test_an_async_cycle_through_current_graph_is_a_cycle_error(self) -> None:
        services = ServiceCollection().add_transient_factory(LoopA, make_loop_a_async)
        services.add_transient_factory(LoopB, make_loop_b_async)
        provider = services.build_service_provider()
        with pytest.raises(CircularDependencyError, match="LoopA -> LoopB -> LoopA"):
            await provider.get_service_async(LoopA)


class Named:
    def __init__(self, label: str) -> None:
        self.label = label


def make_named(context: DependencyContext) -> Named:
    parent = context.parent
    owner = parent.implementation.__name__ if parent is not None else "root"
    return Named(f"{context.parameter_name}@{owner}")


class Wrapped:
    def __init__(self, first: Named) -> None:
        self.first = first


class WrappedDecorator(Wrapped):
    def __init__(self, inner: Wrapped, second: Named) -> None:
        super().__init__(inner.first)
        self.inner = inner
        self.second = second


class TestDecoratorParameters:
    """A decorator's own parameters see the decorator as their parent."""

    @pytest.mark.parametrize("lifetime", ["transient", "scoped", "singleton"])
    def test_parent_is_the_decorator(self, lifetime: str) -> None:
        services = ServiceCollection().add_transient_factory(Named, make_named)
        services.add(Wrapped, lifetime=lifetime).decorate(Wrapped, WrappedDecorator)
        with services.build_service_provider().create_scope() as scope:
            wrapped = scope.get_service(Wrapped)
        assert isinstance(wrapped, WrappedDecorator)
        assert wrapped.second.label == "second@WrappedDecorator"
        assert wrapped.inner.first.label == "first@Wrapped"

    async def test_async_parent_is_the_decorator(self) -> None:
        services = ServiceCollection().add_transient_factory(Named, make_named)
        services.add_transient(Wrapped).decorate(Wrapped, WrappedDecorator)
        wrapped = await services.build_service_provider().get_service_async(Wrapped)
        assert wrapped.second.label == "second@WrappedDecorator"  # type: ignore[attr-defined]
