"""Where each parameter of a registration gets its value: the graph's edges.

The compiler and the validator walk these. For the common registration,
whose every parameter is a service of its own component, ``plain_targets``
says the same without making ``Edge`` objects (``calls_of`` builds those
edges from it); the validator applies that rule inline, per parameter
(see ``validation._Validator._calls``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from wiredi._graph.registry import Registry
from wiredi._registration.declarations import Decoration
from wiredi._registration.hints import Dependency, DepKind, FactoryKind
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name

__all__ = [
    "Call",
    "Edge",
    "EdgeKind",
    "GivenInstance",
    "alias_target",
    "calls_of",
    "edge_for",
    "effective_lifetime",
    "is_decorated",
    "plain_targets",
    "registration_uses_context",
]

# only these make calls: an instance, alias or context value is given, not built
_TYPE, _FACTORY, _INSTANCE = Kind.TYPE, Kind.FACTORY, Kind.INSTANCE
_PLAIN = FactoryKind.PLAIN


class EdgeKind(enum.Enum):
    """What a parameter receives."""

    ONE = "one"  # the single registration in ``targets``
    ALL = "all"  # a list of every registration in ``targets``
    CONST = "const"  # ``value`` (a default, or None for a missing optional)
    RESOLVER = "resolver"  # the provider or scope resolving
    CONTEXT = "context"  # the DependencyContext of this edge
    GRAPH = "graph"  # the CurrentGraph
    INNER = "inner"  # a decorator's wrapped object
    LAZY = "lazy"  # a Lazy resolving ``deferred`` on its first get()
    MISSING = "missing"  # nothing registered: ServiceNotFoundError
    UNRESOLVABLE = "unresolvable"  # no usable hint: RegistrationError


@dataclass(slots=True, eq=False)
class Edge:
    """One parameter and where its value comes from."""

    name: str
    kind: EdgeKind
    keyword_only: bool = False
    targets: tuple[Registration, ...] = ()
    value: Any = None
    service_type: Any = None
    component: str = ""
    problem: str = ""
    # what a LAZY edge resolves later: not a target, so no cycle goes through it
    deferred: Registration | None = None


@dataclass(slots=True, eq=False)
class Call:
    """One callable a registration invokes: the implementation or a decorator."""

    function: Any
    factory_kind: FactoryKind
    edges: tuple[Edge, ...]
    decoration: Decoration | None = None


# Enum members bound once: ``DepKind.SERVICE`` is an attribute lookup on
# the class (about 55 ns on CPython 3.11), and these run for every edge.
_SERVICE, _LAZY = DepKind.SERVICE, DepKind.LAZY
_RESOLVER, _CONTEXT, _GRAPH = DepKind.RESOLVER, DepKind.CONTEXT, DepKind.GRAPH
_UNRESOLVABLE, _WRAPPED = DepKind.UNRESOLVABLE, DepKind.WRAPPED
_ONE, _ALL, _CONST = EdgeKind.ONE, EdgeKind.ALL, EdgeKind.CONST
_CONTEXT_EDGE, _GRAPH_EDGE = EdgeKind.CONTEXT, EdgeKind.GRAPH


def edge_for(registry: Registry, dep: Dependency, component: str) -> Edge:
    """Where the parameter ``dep`` of a registration in ``component`` gets its value."""
    name, kind, kw = dep.name, dep.kind, dep.keyword_only
    # Edges are built positionally: a dataclass __init__ is slower with keywords.
    if kind is _RESOLVER:
        return Edge(name, EdgeKind.RESOLVER, kw)
    if kind is _CONTEXT:
        return Edge(name, _CONTEXT_EDGE, kw, (), None, dep.service_type)
    if kind is _GRAPH:
        return Edge(name, _GRAPH_EDGE, kw, (), None, dep.service_type)
    if kind is _UNRESOLVABLE:
        if dep.has_default:
            return Edge(name, _CONST, kw, (), dep.default)
        return Edge(name, EdgeKind.UNRESOLVABLE, kw, (), None, None, "", dep.problem)
    comp = component if dep.component is None else dep.component
    target = registry.resolve_one(dep.service_type, comp)
    if target is not None:
        if kind is _LAZY:
            return Edge(
                name, EdgeKind.LAZY, kw, (), None, dep.service_type, comp, "", target
            )
        return Edge(name, _ONE, kw, (target,), None, dep.service_type, comp)
    if dep.sequence_of is not None:
        targets = tuple(registry.lookup(dep.sequence_of, comp))
        return Edge(name, _ALL, kw, targets, None, dep.sequence_of, comp)
    if dep.has_default:
        return Edge(name, _CONST, kw, (), dep.default)
    if dep.optional:
        return Edge(name, _CONST, kw)
    return Edge(name, EdgeKind.MISSING, kw, (), None, dep.service_type, comp)


def calls_of(registry: Registry, registration: Registration) -> list[Call]:
    """The implementation call then each decorator call, innermost first.

    Instances, aliases and context values make no calls. Computed once per
    registration.
    """
    found: list[Call] | None = registry.calls_cache.get(registration)
    if found is None:
        found = registry.calls_cache[registration] = _calls_of(registry, registration)
    return found


_UNSET: Any = object()


def plain_targets(
    registry: Registry, registration: Registration
) -> tuple[Registration, ...] | None:
    """What ``registration``'s parameters take, when no ``Edge`` is needed to say.

    That is when it is an undecorated class or factory whose every parameter
    is a named, positional service registered in its own component: each
    takes the last registration of its type there (the ``ONE`` edge
    :func:`edge_for` would make). ``None`` otherwise (ask :func:`calls_of`).
    The compiler and graph facts read it on first resolve instead of
    making edges. Computed once per registration.
    """
    cache = registry.targets_cache
    found = cache.get(registration, _UNSET)
    if found is not _UNSET:
        return found  # type: ignore[no-any-return]
    kind = registration.kind
    if kind is not _TYPE and kind is not _FACTORY:  # instance, alias, context
        cache[registration] = None
        return None
    component = registration.component
    decorations = registry.decorations
    if decorations and (registration.service_type, component) in decorations:
        cache[registration] = None
        return None
    by_type = registry.closed_of(component)
    targets = []
    for dep in registry.spec(registration).dependencies:
        closed = (
            by_type.get(dep.service_type)
            if dep.kind is _SERVICE
            and dep.component is None
            and not dep.keyword_only
            and dep.name
            else None
        )
        if not closed:
            cache[registration] = None
            return None
        targets.append(closed[-1])
    found = cache[registration] = tuple(targets)
    return found


class GivenInstance:
    """The first call of a decorated ``add_instance`` registration: the instance.

    Calling it returns the object as given; the compiler neither checks nor
    owns what it returns (the container never disposes an instance), only
    what the decorators around it make.
    """

    __slots__ = ("instance",)

    def __init__(self, instance: Any) -> None:
        self.instance = instance

    def __call__(self) -> Any:
        return self.instance


def is_decorated(registry: Registry, registration: Registration) -> bool:
    """Whether ``decorate()`` wraps ``registration``'s service type."""
    decorations = registry.decorations
    return (
        bool(decorations)
        and (
            registration.service_type,
            registration.component,
        )
        in decorations
    )


def _calls_of(registry: Registry, registration: Registration) -> list[Call]:
    kind = registration.kind
    if kind is _INSTANCE and is_decorated(registry, registration):
        given = Call(GivenInstance(registration.implementation), _PLAIN, ())
        return [given, *_decorator_calls(registry, registration)]
    if kind is not _TYPE and kind is not _FACTORY:  # instance, alias, context
        return []
    spec = registry.spec(registration)
    component = registration.component
    targets = plain_targets(registry, registration)
    if targets is not None:  # each parameter's ONE edge, its target known
        own = [
            Edge(
                dep.name,
                _ONE,
                dep.keyword_only,
                (target,),
                None,
                dep.service_type,
                component,
            )
            for dep, target in zip(spec.dependencies, targets, strict=True)
        ]
    else:
        own = [edge_for(registry, dep, component) for dep in spec.dependencies]
    calls = [Call(registration.implementation, spec.factory_kind, tuple(own))]
    if not registry.decorations:
        return calls
    return [*calls, *_decorator_calls(registry, registration)]


def _decorator_calls(registry: Registry, registration: Registration) -> list[Call]:
    """One call per decorator of ``registration``'s type, innermost first."""
    calls: list[Call] = []
    component = registration.component
    key = (registration.service_type, component)
    for decoration in registry.decorations.get(key, ()):
        dec_spec = registry.decorator_spec(decoration)
        edges = []
        inner_found = False
        for dep in dec_spec.dependencies:
            if not inner_found and (
                dep.kind is _WRAPPED or dep.service_type == registration.service_type
            ):
                edges.append(Edge(dep.name, EdgeKind.INNER, dep.keyword_only))
                inner_found = True
            else:
                edges.append(edge_for(registry, dep, component))
        if not inner_found:
            edges.append(
                Edge(
                    "",
                    EdgeKind.UNRESOLVABLE,
                    problem=f"decorator {type_name(decoration.decorator)} has no "
                    f"parameter hinted {type_name(registration.service_type)} "
                    "to receive the object it wraps",
                )
            )
        calls.append(
            Call(decoration.decorator, dec_spec.factory_kind, tuple(edges), decoration)
        )
    return calls


def alias_target(registry: Registry, registration: Registration) -> Registration | None:
    """The registration an alias resolves to, or ``None`` when it is missing."""
    return registry.resolve_one(
        registration.implementation, registration.source_component
    )


def effective_lifetime(registry: Registry, registration: Registration) -> str:
    """The lifetime of a registration, following aliases to their source."""
    seen: set[int] = set()
    current: Registration | None = registration
    while current is not None and current.kind is Kind.ALIAS:
        if id(current) in seen:
            return "transient"
        seen.add(id(current))
        current = alias_target(registry, current)
    return current.lifetime if current is not None else "transient"


def registration_uses_context(registry: Registry, reg: Registration) -> bool:
    """Whether ``reg``'s own calls take ``DependencyContext`` or ``CurrentGraph``."""
    if reg.kind is not _TYPE and reg.kind is not _FACTORY:
        return False
    decorations = registry.decorations
    if not decorations or (reg.service_type, reg.component) not in decorations:
        # asked of every registration at build: read from the spec, as
        # edge_for gives these two edges to these two dependency kinds only
        for dep in registry.spec(reg).dependencies:
            if dep.kind is _CONTEXT or dep.kind is _GRAPH:
                return True
        return False
    for call in calls_of(registry, reg):
        for edge in call.edges:
            if edge.kind is _CONTEXT_EDGE or edge.kind is _GRAPH_EDGE:
                return True
    return False
