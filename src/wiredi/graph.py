"""Render the whole registration graph as Mermaid, Graphviz DOT or text.

Each registration becomes one node, labelled with its service type, what
builds it (``via UtcClock``, ``via make_session()``), its lifetime and its
component when that is not the default one. Each dependency becomes an edge
labelled with the parameter name (``plugins[0]``, ``plugins[1]`` for the
elements of a ``list[T]`` parameter, ``alias`` from an alias to its source).
A dependency that is not registered points to a dashed ``MISSING`` node.
Parameters that are not services (defaults, missing optionals, the resolver,
``DependencyContext``, ``CurrentGraph``) are left out of the picture;
``to_text`` shows them.

The same graph is printed by ``python -m wiredi graph module:attr``.

Added in 0.1.0.

Example:
    ```python
    from wiredi import ServiceCollection
    from wiredi.graph import to_mermaid

    class Clock: ...

    class Greeter:
        def __init__(self, clock: Clock) -> None:
            self.clock = clock

    services = ServiceCollection().add_singleton(Clock).add_scoped(Greeter)
    print(to_mermaid(services))
    # flowchart LR
    #     n0["Clock<br/>singleton"]
    #     n1["Greeter<br/>scoped"]
    #     n1 -->|"clock"| n0
    ```
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from wiredi._graph.describe import builder_name, describe_registration
from wiredi._graph.edges import EdgeKind, alias_target, calls_of
from wiredi._graph.registry import Registry
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi._runtime.provider import ServiceProvider
from wiredi._service_collection import ServiceCollection

__all__ = ["to_dot", "to_mermaid", "to_text"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class _Style(enum.Enum):
    SERVICE = "service"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class _GraphNode:
    id: str
    lines: tuple[str, ...]
    style: _Style = _Style.SERVICE


@dataclass(frozen=True, slots=True)
class _GraphEdge:
    source: str
    target: str
    label: str
    style: _Style = _Style.SERVICE


class _Graph:
    """Nodes and edges with generated ids (``n0``, ``m0``, ``u0``), never user text."""

    __slots__ = (
        "_ids",
        "_missing",
        "_pending",
        "edges",
        "nodes",
        "problems",
        "registry",
    )

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.nodes: list[_GraphNode] = []
        self.edges: list[_GraphEdge] = []
        self.problems = 0
        self._ids: dict[Registration, str] = {}
        self._pending: list[Registration] = []
        self._missing: list[tuple[Any, str, str]] = []

    def build(self) -> _Graph:
        for registration in self.registry.registrations:
            self._id(registration)
        while self._pending:
            self._edges(self._pending.pop(0))
        # Registrations first, then the MISSING and UNRESOLVABLE nodes.
        self.nodes.sort(key=lambda node: node.style is _Style.MISSING)
        return self

    def _id(self, registration: Registration) -> str:
        """The node of a registration, created (and queued) on first sight.

        Registrations outside the registry are closed generics such as
        ``Repo[User]``, first met as a dependency; they get nodes of their own.
        """
        found = self._ids.get(registration)
        if found is None:
            found = self._ids[registration] = f"n{len(self._ids)}"
            self.nodes.append(_GraphNode(found, _labels(self.registry, registration)))
            self._pending.append(registration)
        return found

    def _missing_id(self, service_type: Any, component: str) -> str:
        for known, known_component, node_id in self._missing:
            if known == service_type and known_component == component:
                return node_id
        node_id = f"m{len(self._missing)}"
        self._missing.append((service_type, component, node_id))
        where = f", component {component!r}" if component else ""
        lines = (type_name(service_type), f"MISSING{where}")
        self.nodes.append(_GraphNode(node_id, lines, _Style.MISSING))
        return node_id

    def _problem_id(self, problem: str) -> str:
        node_id = f"u{self.problems}"
        self.problems += 1
        lines = ("UNRESOLVABLE", problem)
        self.nodes.append(_GraphNode(node_id, lines, _Style.MISSING))
        return node_id

    def _edge(self, source: str, target: str, label: str, style: _Style) -> None:
        self.edges.append(_GraphEdge(source, target, label, style))

    def _edges(self, registration: Registration) -> None:
        source = self._id(registration)
        if registration.kind is Kind.ALIAS:
            target = alias_target(self.registry, registration)
            if target is None:
                missing = self._missing_id(
                    registration.implementation, registration.source_component
                )
                self._edge(source, missing, "alias", _Style.MISSING)
            else:
                self._edge(source, self._id(target), "alias", _Style.SERVICE)
            return
        if registration.is_open_generic:
            return
        # an instance or context value makes no calls, unless decorated
        for call in calls_of(self.registry, registration):
            for edge in call.edges:
                if edge.kind is EdgeKind.ONE:
                    target_id = self._id(edge.targets[0])
                    self._edge(source, target_id, edge.name, _Style.SERVICE)
                elif edge.kind is EdgeKind.ALL:
                    for index, target in enumerate(edge.targets):
                        label = f"{edge.name}[{index}]"
                        self._edge(source, self._id(target), label, _Style.SERVICE)
                elif edge.kind is EdgeKind.LAZY and edge.deferred is not None:
                    target_id = self._id(edge.deferred)
                    self._edge(source, target_id, f"{edge.name} (lazy)", _Style.SERVICE)
                elif edge.kind is EdgeKind.MISSING:
                    missing = self._missing_id(edge.service_type, edge.component)
                    self._edge(source, missing, edge.name, _Style.MISSING)
                elif edge.kind is EdgeKind.UNRESOLVABLE:
                    problem = self._problem_id(edge.problem)
                    self._edge(source, problem, edge.name, _Style.MISSING)


def _labels(registry: Registry, registration: Registration) -> tuple[str, ...]:
    """The label lines of a registration's node: type, builder, lifetime."""
    name = type_name(registration.service_type)
    where = f", component {registration.component!r}" if registration.component else ""
    key = (registration.service_type, registration.component)
    decorators = registry.decorations.get(key, ())
    decorated = (
        ("decorated by " + ", ".join(type_name(d.decorator) for d in decorators),)
        if decorators
        else ()
    )
    if registration.kind is Kind.INSTANCE:
        return (name, *decorated, f"instance{where}")
    if registration.kind is Kind.CONTEXT:
        return (name, f"context value, scoped{where}")
    if registration.kind is Kind.ALIAS:
        source = type_name(registration.implementation)
        if registration.source_component != registration.component:
            source += f" (component {registration.source_component!r})"
        return (name, f"alias of {source}{where}")
    lifetime = registration.lifetime
    if registration.is_open_generic:
        params = registration.service_type.__parameters__
        name += "[" + ", ".join(type_name(p) for p in params) + "]"
        lifetime = f"open generic, {lifetime}"
    lines = [name]
    builder = builder_name(registration.implementation, registration.service_type)
    if builder:
        lines.append(f"via {builder}")
    return (*lines, *decorated, f"{lifetime}{where}")


def _registry(services_or_provider: object) -> Registry:
    """The registry of a collection or provider; anything else is a TypeError."""
    if isinstance(services_or_provider, ServiceProvider):
        return services_or_provider._core.registry
    if isinstance(services_or_provider, ServiceCollection):
        # Building compiles nothing until something is resolved, and a provider
        # that resolved nothing owns nothing to dispose. It is not closed:
        # closing closes the registered scope managers, which are the
        # application's (a live ContextScopeManager's tenants would go).
        provider = services_or_provider.build_service_provider(validate=False)
        return provider._core.registry
    message = (
        "expected a ServiceCollection or a ServiceProvider, got "
        f"{type(services_or_provider).__name__}"
    )
    raise TypeError(message)


def _graph(services_or_provider: ServiceCollection | ServiceProvider) -> _Graph:
    return _Graph(_registry(services_or_provider)).build()


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


_MERMAID_ESCAPES = str.maketrans(
    {
        "#": "#35;",
        '"': "#quot;",
        "&": "#amp;",
        "<": "#lt;",
        ">": "#gt;",
        "`": "#96;",
    }
)


def _mermaid_text(text: str) -> str:
    return _clean(text).translate(_MERMAID_ESCAPES)


def _dot_text(text: str) -> str:
    return _clean(text).replace("\\", "\\\\").replace('"', '\\"')


def to_mermaid(services_or_provider: ServiceCollection | ServiceProvider) -> str:
    """Render every registration and dependency as a Mermaid flowchart.

    Paste the result into a ```` ```mermaid ```` block of a Markdown page
    (GitHub, mkdocs-material) or into https://mermaid.live. Missing
    dependencies are dashed red nodes reached by dotted edges.

    Args:
        services_or_provider: A ``ServiceCollection`` (nothing is validated or
            created) or a built ``ServiceProvider``.

    Returns:
        The flowchart text, starting with ``flowchart LR``.

    Raises:
        TypeError: The argument is neither a collection nor a provider.

    Example:
        ```python
        from wiredi import ServiceCollection
        from wiredi.graph import to_mermaid

        class Clock: ...

        class Greeter:
            def __init__(self, clock: Clock) -> None:
                self.clock = clock

        services = ServiceCollection().add_singleton(Clock).add_scoped(Greeter)
        chart = to_mermaid(services)
        assert chart.splitlines()[0] == "flowchart LR"
        assert 'n1 -->|"clock"| n0' in chart
        ```
    """
    graph = _graph(services_or_provider)
    lines = ["flowchart LR"]
    for node in graph.nodes:
        label = "<br/>".join(_mermaid_text(line) for line in node.lines)
        lines.append(f'    {node.id}["{label}"]')
    for edge in graph.edges:
        arrow = "-.->" if edge.style is _Style.MISSING else "-->"
        label = _mermaid_text(edge.label)
        lines.append(
            f'    {edge.source} {arrow}|"{label}"| {edge.target}'
            if label
            else f"    {edge.source} {arrow} {edge.target}"
        )
    missing = [node.id for node in graph.nodes if node.style is _Style.MISSING]
    if missing:
        lines.append(
            "    classDef missing stroke:#c62828,stroke-dasharray:5 5,color:#c62828"
        )
        lines.append(f"    class {','.join(missing)} missing")
    return "\n".join(lines)


def to_dot(services_or_provider: ServiceCollection | ServiceProvider) -> str:
    """Render every registration and dependency as a Graphviz DOT digraph.

    Feed the result to Graphviz: ``python -m wiredi graph app:services
    --format dot | dot -Tsvg -o services.svg``. Missing dependencies are
    dashed red nodes reached by dashed edges.

    Args:
        services_or_provider: A ``ServiceCollection`` (nothing is validated or
            created) or a built ``ServiceProvider``.

    Returns:
        The DOT text of a ``digraph``, one node statement per registration.

    Raises:
        TypeError: The argument is neither a collection nor a provider.

    Example:
        ```python
        from wiredi import ServiceCollection
        from wiredi.graph import to_dot

        class Clock: ...

        class Greeter:
            def __init__(self, clock: Clock) -> None:
                self.clock = clock

        services = ServiceCollection().add_singleton(Clock).add_scoped(Greeter)
        dot = to_dot(services)
        assert dot.startswith("digraph wiredi {")
        assert 'n1 -> n0 [label="clock"];' in dot
        ```
    """
    graph = _graph(services_or_provider)
    lines = [
        "digraph wiredi {",
        "    rankdir=LR;",
        '    node [shape=box, fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in graph.nodes:
        label = "\\n".join(_dot_text(line) for line in node.lines)
        extra = (
            ", style=dashed, color=red, fontcolor=red"
            if node.style is _Style.MISSING
            else ""
        )
        lines.append(f'    {node.id} [label="{label}"{extra}];')
    for edge in graph.edges:
        extra = ", style=dashed, color=red" if edge.style is _Style.MISSING else ""
        label = _dot_text(edge.label)
        lines.append(f'    {edge.source} -> {edge.target} [label="{label}"{extra}];')
    lines.append("}")
    return "\n".join(lines)


def to_text(services_or_provider: ServiceCollection | ServiceProvider) -> str:
    """Render the dependency tree of every registration, in registration order.

    Each tree is what ``provider.describe(T)`` shows for that registration,
    and the trees are separated by a blank line.

    Args:
        services_or_provider: A ``ServiceCollection`` (nothing is validated or
            created) or a built ``ServiceProvider``.

    Returns:
        The trees as text; empty when nothing is registered.

    Raises:
        TypeError: The argument is neither a collection nor a provider.

    Example:
        ```python
        from wiredi import ServiceCollection
        from wiredi.graph import to_text

        class Clock: ...

        class Greeter:
            def __init__(self, clock: Clock) -> None:
                self.clock = clock

        services = ServiceCollection().add_singleton(Clock).add_scoped(Greeter)
        assert to_text(services).splitlines() == [
            "Clock (singleton)",
            "",
            "Greeter (scoped)",
            "└── clock: Clock (singleton)",
        ]
        ```
    """
    registry = _registry(services_or_provider)
    return "\n\n".join(
        describe_registration(registry, registration)
        for registration in registry.registrations
    )
