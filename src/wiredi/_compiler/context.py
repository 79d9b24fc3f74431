"""Resolution context: ``DependencyContext`` and ``CurrentGraph``.

A *graph* is one top-level resolve call and everything it constructs. Graphs
that inject neither object are compiled without any of this machinery; the
ones that do carry a ``CurrentGraph`` through their resolver functions.
"""

from __future__ import annotations

from typing import Any, TypeVar

from typing_extensions import TypeForm

from wiredi._compiler.raising import async_needed
from wiredi._graph.cycles import cycle_error
from wiredi._registration.hints import DepKind
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import render_path, type_name
from wiredi.errors import (
    AsyncResolutionError,
    DependencyNode,
    ScopeError,
    ServiceNotFoundError,
)

__all__ = ["NOT_PINNED", "CurrentGraph", "DependencyContext", "context_of"]

T = TypeVar("T")
NOT_PINNED: Any = object()  # what CurrentGraph._lookup returns for no instance


def _finished_error(what: str) -> ScopeError:
    return ScopeError(
        f"{what} was used after its graph finished",
        hint=f"use the {what} only while the factory or constructor that "
        "received it runs; copy the values you need instead of keeping it",
    )


class DependencyContext:
    """The edge being resolved: who asked for this service, through which parameter.

    Inject it into a transient constructor or factory; it is valid only
    while that graph is being built.

    Attributes:
        service_type: The type being resolved on this edge.
        component: Its component.
        parameter_name: The parameter of the parent that receives it
            (``None`` at a top-level resolve).
        parent: The registration that asked for it (``None`` at top level).
        path: The nodes from the root of the graph down to the parent.

    Example:
        ```python
        import logging
        from wiredi import DependencyContext, ServiceCollection

        def logger_factory(context: DependencyContext) -> logging.Logger:
            assert context.parent is not None
            return logging.getLogger(context.parent.implementation.__qualname__)

        class OrderService:
            def __init__(self, logger: logging.Logger) -> None:
                self.logger = logger

        services = ServiceCollection()
        services.add_transient_factory(logging.Logger, logger_factory)
        services.add_transient(OrderService)
        provider = services.build_service_provider()
        assert provider.get_service(OrderService).logger.name == "OrderService"
        ```
    """

    __slots__ = ("_component", "_graph", "_param", "_path", "_service_type")
    __wiredi_dependency_kind__ = DepKind.CONTEXT  # see hints.SPECIAL_KIND

    def __init__(
        self,
        graph: CurrentGraph,
        service_type: Any,
        component: str,
        parameter_name: str | None,
        path: tuple[DependencyNode, ...],
    ) -> None:
        self._graph = graph
        self._service_type = service_type
        self._component = component
        self._param = parameter_name
        self._path = path

    def _check(self) -> None:
        if self._graph._finished:
            raise _finished_error("DependencyContext")

    @property
    def service_type(self) -> Any:
        """The type being resolved on this edge."""
        self._check()
        return self._service_type

    @property
    def component(self) -> str:
        """The component of the service being resolved."""
        self._check()
        return self._component

    @property
    def parameter_name(self) -> str | None:
        """The parent's parameter that receives the service, if any."""
        self._check()
        return self._param

    @property
    def parent(self) -> DependencyNode | None:
        """The registration whose constructor or factory asked for the service."""
        self._check()
        return self._path[-1] if self._path else None

    @property
    def path(self) -> tuple[DependencyNode, ...]:
        """The nodes from the root of the graph down to the parent."""
        self._check()
        return self._path

    def __repr__(self) -> str:
        if self._graph._finished:
            return "<wiredi.DependencyContext (finished)>"
        where = render_path(self._path) or "<top level>"
        return (
            f"<wiredi.DependencyContext {type_name(self._service_type)} "
            f"for {self._param!r} of {where}>"
        )


class CurrentGraph:
    """The graph being resolved: reuse an object it already created.

    ``resolve(T)`` returns the instance of ``T`` already created in this
    graph (matched by service type or implementation class), or resolves
    and records it so that every later need for it in the graph gets the same
    object. ``find(T)`` only looks. Both look in the component of the
    registration being built unless given ``component=``. Valid only while
    the graph is built.

    Example:
        ```python
        from wiredi import CurrentGraph, ServiceCollection

        class Sender: ...
        class BatchSender: ...
        class MySender(Sender, BatchSender): ...

        class Client:
            def __init__(self, sender: Sender, batch: BatchSender) -> None:
                self.sender, self.batch = sender, batch

        services = ServiceCollection()
        services.add_transient(Sender, MySender)
        def batch_sender(graph: CurrentGraph) -> BatchSender:
            return graph.resolve(MySender)

        services.add_transient_factory(BatchSender, batch_sender)
        services.add_transient(Client)
        client = services.build_service_provider().get_service(Client)
        assert client.sender is client.batch
        ```
    """

    __slots__ = (
        "_compiler",
        "_finished",
        "_frames",
        "_instances",
        "_param",
        "_pinned",
        "_resolver",
    )
    __wiredi_dependency_kind__ = DepKind.GRAPH  # see hints.SPECIAL_KIND

    def __init__(self, resolver: Any, compiler: Any) -> None:
        self._resolver = resolver
        self._compiler = compiler
        self._finished = False
        self._frames: list[tuple[DependencyNode, str | None]] = []
        self._instances: list[tuple[Registration, Any]] = []
        self._pinned: dict[Registration, Any] = {}
        self._param: str | None = None  # parameter being resolved by the current frame

    # ------------------------------------------------- used by compiled code
    # (private: only the generated resolver functions call these)

    def _lookup(self, registration: Registration) -> Any:
        """The pinned instance of ``registration`` in this graph, or the sentinel."""
        return self._pinned.get(registration, NOT_PINNED)

    def _enter(self, node: DependencyNode) -> None:
        """Push ``node``, reached through the parameter set in ``_param``."""
        self._frames.append((node, self._param))
        self._param = None

    def _decorating(self, node: DependencyNode) -> None:
        """The current node is now built by a decorator: ``node`` says which."""
        self._frames[-1] = (node, self._frames[-1][1])

    def _leave(self) -> None:
        """Pop the current node."""
        self._frames.pop()

    def _record(self, registration: Registration, instance: Any) -> None:
        """Remember an instance created (or reused) by this graph."""
        self._instances.append((registration, instance))

    def _finish(self) -> None:
        """End the graph: the objects handed out stop working."""
        self._finished = True
        self._instances.clear()
        self._pinned.clear()

    def _context(self) -> DependencyContext:
        """The ``DependencyContext`` of the node being built now."""
        node, param = self._frames[-1]
        path = tuple(frame[0] for frame in self._frames[:-1])
        return DependencyContext(self, node.service_type, node.component, param, path)

    # --------------------------------------------------------------- public

    def _check(self) -> None:
        if self._finished:
            raise _finished_error("CurrentGraph")

    def find(
        self, service_type: TypeForm[T], /, *, component: str | None = None
    ) -> T | None:
        """Return the instance of ``service_type`` this graph created, or ``None``.

        Example:
            ```python
            from wiredi import CurrentGraph, ServiceCollection

            class Engine: ...

            class Car:
                def __init__(self, engine: Engine, graph: CurrentGraph) -> None:
                    self.seen = graph.find(Engine)

            services = ServiceCollection().add_transient(Engine).add_transient(Car)
            car = services.build_service_provider().get_service(Car)
            assert isinstance(car.seen, Engine)
            ```
        """
        self._check()
        where = self._component(component)
        for registration, instance in reversed(self._instances):
            if registration.component == where and _matches(
                registration, instance, service_type
            ):
                return instance  # type: ignore[no-any-return]
        return None

    def _component(self, component: str | None) -> str:
        """``component``, or the component of the node being built now."""
        if component is not None:
            return component
        return self._frames[-1][0].component if self._frames else ""

    def resolve(
        self, service_type: TypeForm[T], /, *, component: str | None = None
    ) -> T:
        """Return the graph's instance of ``service_type``, creating and recording it.

        Example:
            ```python
            from wiredi import CurrentGraph, ServiceCollection

            class Conn: ...

            class Dao:
                def __init__(self, conn: Conn, graph: CurrentGraph) -> None:
                    self.same = graph.resolve(Conn) is conn

            services = ServiceCollection().add_transient(Conn).add_transient(Dao)
            assert services.build_service_provider().get_service(Dao).same
            ```
        """
        registration, found = self._existing(service_type, component)
        if found is not None:
            return found  # type: ignore[no-any-return]
        self._refuse_cycle(registration)
        if self._compiler.flags.is_async(registration):
            raise self._needs_async(registration, service_type)
        instance = self._compiler.fn(registration, is_async=False, ctx=True)(
            self._resolver, self
        )
        self._pinned[registration] = instance
        return instance  # type: ignore[no-any-return]

    async def resolve_async(
        self, service_type: TypeForm[T], /, *, component: str | None = None
    ) -> T:
        """Async form of :meth:`resolve`, for graphs with async factories.

        Example:
            ```python
            import asyncio
            from wiredi import CurrentGraph, ServiceCollection

            class Conn: ...

            async def make_alias(graph: CurrentGraph) -> object:
                return await graph.resolve_async(Conn)

            services = ServiceCollection().add_transient(Conn)
            services.add_transient_factory(object, make_alias)
            provider = services.build_service_provider()
            assert isinstance(asyncio.run(provider.get_service_async(object)), Conn)
            ```
        """
        registration, found = self._existing(service_type, component)
        if found is not None:
            return found  # type: ignore[no-any-return]
        self._refuse_cycle(registration)
        is_async = self._compiler.flags.is_async(registration)
        fn = self._compiler.fn(registration, is_async=is_async, ctx=True)
        instance = fn(self._resolver, self)
        if is_async:
            instance = await instance
        self._pinned[registration] = instance
        return instance  # type: ignore[no-any-return]

    def _refuse_cycle(self, registration: Registration) -> None:
        """Resolving what this graph is building right now would never end."""
        node = self._compiler.registry.node(registration)
        nodes = [frame[0] for frame in self._frames]
        if node in nodes:
            cycle = (*nodes[nodes.index(node) :], node)
            raise cycle_error(registration, cycle, at_run_time=True)

    def _needs_async(
        self, registration: Registration, asked: Any
    ) -> AsyncResolutionError:
        name = type_name(asked)
        return async_needed(
            self._compiler.registry,
            self._compiler.flags.async_path(registration),
            who=f"CurrentGraph.resolve({name})",
            before=[frame[0] for frame in self._frames],
            hint=f"await graph.resolve_async({name}) in an async factory "
            "(use_from_current_graph_async(...) instead of use_from_current_graph)",
        )

    def _existing(
        self, service_type: Any, component: str | None
    ) -> tuple[Registration, Any]:
        """The registration ``resolve`` uses, and the graph's instance of it if any.

        An instance found is pinned, so every later need of that registration
        in this graph gets it.
        """
        self._check()
        where = self._component(component)
        found = self.find(service_type, component=where)
        registration = self._registration_for(service_type, where)
        if found is not None:
            self._pinned.setdefault(registration, found)
        return registration, found

    def _registration_for(self, service_type: Any, component: str) -> Registration:
        registry = self._compiler.registry
        found: Registration | None = registry.resolve_one(service_type, component)
        if found is not None:
            return found
        for registration in reversed(registry.registrations):
            if (
                registration.component == component
                and registration.kind is Kind.TYPE
                and registration.implementation is service_type
            ):
                return registration  # type: ignore[no-any-return]
        raise ServiceNotFoundError(
            f"CurrentGraph.resolve({type_name(service_type)}): nothing is "
            "registered as it or implemented by it",
            service_type=service_type,
            component=component,
            hint=f"register {type_name(service_type)} (or a service it implements)",
        )

    def __repr__(self) -> str:
        state = "finished" if self._finished else f"{len(self._instances)} created"
        return f"<wiredi.CurrentGraph ({state})>"


def _matches(registration: Registration, instance: Any, service_type: Any) -> bool:
    return (
        registration.service_type == service_type
        or registration.implementation is service_type
        or type(instance) is service_type
    )


def context_of(graph: CurrentGraph) -> DependencyContext:
    """The ``DependencyContext`` of the node ``graph`` is building now."""
    return graph._context()
