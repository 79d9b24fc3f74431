"""Ready-made factories for resolution-context injection.

Example:
    ```python
    from wiredi import ServiceCollection
    from wiredi.factories import use_from_current_graph

    class Sender: ...
    class BatchSender: ...
    class MySender(Sender, BatchSender): ...

    class Client:
        def __init__(self, sender: Sender, batch_sender: BatchSender) -> None:
            self.sender, self.batch_sender = sender, batch_sender

    services = ServiceCollection()
    services.add_transient(Sender, MySender)
    services.add_transient_factory(BatchSender, use_from_current_graph(MySender))
    services.add_transient(Client)
    client = services.build_service_provider().get_service(Client)
    assert client.sender is client.batch_sender
    ```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from typing_extensions import TypeForm

from wiredi._compiler.context import CurrentGraph
from wiredi._rendering import type_name

__all__ = ["use_from_current_graph", "use_from_current_graph_async"]

T = TypeVar("T")


def use_from_current_graph(
    service_type: TypeForm[T], /, *, component: str | None = None
) -> Callable[[CurrentGraph], T]:
    """A transient factory returning the current graph's instance of ``service_type``.

    Register it with ``add_transient_factory`` so that two service types
    share one object within a graph (interface segregation).

    Example:
        ```python
        from wiredi import ServiceCollection
        from wiredi.factories import use_from_current_graph

        class Reader: ...
        class Writer: ...
        class File(Reader, Writer): ...

        class Copier:
            def __init__(self, reader: Reader, writer: Writer) -> None:
                self.same = reader is writer

        services = ServiceCollection().add_transient(Reader, File)
        services.add_transient_factory(Writer, use_from_current_graph(File))
        services.add_transient(Copier)
        assert services.build_service_provider().get_service(Copier).same
        ```
    """

    def from_current_graph(graph: CurrentGraph) -> T:
        return graph.resolve(service_type, component=component)

    from_current_graph.__annotations__ = {"graph": CurrentGraph, "return": Any}
    from_current_graph.__qualname__ = (
        f"use_from_current_graph({type_name(service_type)})"
    )
    return from_current_graph


def use_from_current_graph_async(
    service_type: TypeForm[T], /, *, component: str | None = None
) -> Callable[[CurrentGraph], Awaitable[T]]:
    """Async form of :func:`use_from_current_graph`, for graphs with async factories.

    Example:
        ```python
        import asyncio
        from wiredi import ServiceCollection
        from wiredi.factories import use_from_current_graph_async

        class Reader: ...
        class Writer: ...

        class File(Reader, Writer): ...

        async def open_file() -> File:
            return File()

        class Copier:
            def __init__(self, reader: Reader, writer: Writer) -> None:
                self.same = reader is writer

        services = ServiceCollection().add_transient_factory(Reader, open_file)
        services.add_transient_factory(Writer, use_from_current_graph_async(Reader))
        services.add_transient(Copier)
        provider = services.build_service_provider()
        assert asyncio.run(provider.get_service_async(Copier)).same
        ```
    """

    async def from_current_graph_async(graph: CurrentGraph) -> T:
        return await graph.resolve_async(service_type, component=component)

    from_current_graph_async.__annotations__ = {"graph": CurrentGraph, "return": Any}
    from_current_graph_async.__qualname__ = (
        f"use_from_current_graph_async({type_name(service_type)})"
    )
    return from_current_graph_async
