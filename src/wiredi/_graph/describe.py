"""``describe()``: a registration's resolved dependency tree as indented text.

One line per node, drawn with box characters::

    OrderService (scoped)
    ├── repo: OrderRepo (transient)
    │   └── session: DbSession (scoped) [component 'db']
    └── clock: IClock (singleton) via UtcClock

A node shows its type, its lifetime (``instance`` for ``add_instance``,
``scoped, context value`` for ``add_context``), its
component when it is not the default one, and ``via X`` when another class or
a factory (``make()``) builds it. Parameters that are not services are shown
as what they receive: ``= None`` (an optional dependency that is not
registered), ``= <default>``, ``(resolver)``, ``(context)``,
``(current graph)``. Problems are marked ``MISSING``, ``UNRESOLVABLE`` and
``(cycle)``; an alias shows ``Alias -> Source`` and continues with the
source's tree; a decorated service shows the outermost decorator, whose
wrapped parameter is marked ``(lifetime, wrapped)``.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wiredi._graph.edges import (
    Call,
    Edge,
    EdgeKind,
    GivenInstance,
    alias_target,
    calls_of,
    effective_lifetime,
)
from wiredi._graph.registry import Registry
from wiredi._registration.hints import Dependency
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi.errors import ServiceNotFoundError

__all__ = ["builder_name", "describe", "describe_registration"]

_BRANCH, _LAST = "├── ", "└── "
_PIPE, _SPACE = "│   ", "    "


@dataclass(slots=True)
class _Node:
    text: str
    children: list[_Node] = field(default_factory=list)


def describe(registry: Registry, service_type: Any, component: str = "") -> str:
    """Return the tree a single resolve of ``service_type`` builds, as text.

    Raises:
        ServiceNotFoundError: ``service_type`` has no registration in
            ``component``.
    """
    registration = registry.resolve_one(service_type, component)
    if registration is None:
        where = f" in component {component!r}" if component else ""
        raise ServiceNotFoundError(
            f"no registration for {type_name(service_type)}{where}",
            service_type=service_type,
            component=component,
            hint=registry.describe_missing(service_type, component),
        )
    return describe_registration(registry, registration)


def describe_registration(registry: Registry, registration: Registration) -> str:
    """Return the tree that ``registration`` builds, as text (no final newline)."""
    root = _Walker(registry).registration(registration, "", ())
    lines = [root.text]
    _draw(root.children, "", lines)
    return "\n".join(lines)


def _draw(children: Sequence[_Node], indent: str, lines: list[str]) -> None:
    for index, child in enumerate(children):
        last = index == len(children) - 1
        lines.append(f"{indent}{_LAST if last else _BRANCH}{child.text}")
        _draw(child.children, indent + (_SPACE if last else _PIPE), lines)


def _component(component: str) -> str:
    return f" [component {component!r}]" if component else ""


def _callable_name(function: Any) -> str:
    """``Class`` or ``Class[Arg]`` for a class, ``function()`` for a factory."""
    name = type_name(function)
    is_class = isinstance(typing.get_origin(function) or function, type)
    return name if is_class else f"{name}()"


class _Walker:
    """Builds the ``_Node`` tree of one registration, following every edge."""

    __slots__ = ("registry",)

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def registration(
        self, reg: Registration, label: str, path: tuple[Registration, ...]
    ) -> _Node:
        name = type_name(reg.service_type)
        if reg.kind is Kind.ALIAS:
            return self._alias(reg, label, path)
        if reg.kind is Kind.INSTANCE:
            head = f"{label}{name} (instance){_component(reg.component)}"
            calls = calls_of(self.registry, reg)  # decorated: the wrappers
            if not calls:
                return _Node(head)
            return self._call(reg, calls, len(calls) - 1, head, (*path, reg))
        if reg.kind is Kind.CONTEXT:
            return _Node(
                f"{label}{name} (scoped, context value){_component(reg.component)}"
            )
        lifetime = f" ({reg.lifetime}){_component(reg.component)}"
        if reg.is_open_generic:  # only listed by to_text: lookups close them
            params = ", ".join(type_name(p) for p in reg.service_type.__parameters__)
            via = _via(reg.implementation, reg.service_type)
            return _Node(f"{label}{name}[{params}]{lifetime}{via} (open generic)")
        head = f"{label}{name}{lifetime}"
        if reg in path:
            return _Node(f"{head} (cycle)")
        calls = calls_of(self.registry, reg)
        return self._call(reg, calls, len(calls) - 1, head, (*path, reg))

    def _alias(
        self, reg: Registration, label: str, path: tuple[Registration, ...]
    ) -> _Node:
        alias = f"{label}{type_name(reg.service_type)}{_component(reg.component)} -> "
        if reg in path:
            return _Node(f"{alias}... (cycle)")
        target = alias_target(self.registry, reg)
        if target is None:
            source = type_name(reg.implementation)
            return _Node(f"{alias}{source}{_component(reg.source_component)} MISSING")
        return self.registration(target, alias, (*path, reg))

    def _call(
        self,
        reg: Registration,
        calls: list[Call],
        index: int,
        head: str,
        path: tuple[Registration, ...],
    ) -> _Node:
        call = calls[index]
        if isinstance(call.function, GivenInstance):
            return _Node(head)
        if call.decoration is not None:
            deps = self.registry.decorator_spec(call.decoration).dependencies
            text = f"{head} via decorator {_callable_name(call.function)}"
        else:
            deps = self.registry.spec(reg).dependencies
            text = f"{head}{_via(call.function, reg.service_type)}"
        node = _Node(text)
        for position, edge in enumerate(call.edges):
            dep = deps[position] if position < len(deps) else None
            if edge.kind is EdgeKind.INNER:
                made = "instance" if reg.kind is Kind.INSTANCE else reg.lifetime
                inner_head = (
                    f"{edge.name}: {type_name(reg.service_type)} ({made}, wrapped)"
                )
                node.children.append(
                    self._call(reg, calls, index - 1, inner_head, path)
                )
            else:
                node.children.append(self._edge(edge, dep, path))
        return node

    def _edge(
        self, edge: Edge, dep: Dependency | None, path: tuple[Registration, ...]
    ) -> _Node:
        label = f"{edge.name}: " if edge.name else ""
        hinted = dep is not None and dep.service_type is not None
        hint = type_name(dep.service_type) if hinted and dep is not None else ""
        kind = edge.kind
        if kind is EdgeKind.ONE:
            return self.registration(edge.targets[0], label, path)
        if kind is EdgeKind.ALL:
            text = f"{label}list[{type_name(edge.service_type)}]"
            if not edge.targets:
                return _Node(f"{text} = []")
            return _Node(
                text,
                [
                    self.registration(target, f"[{i}]: ", path)
                    for i, target in enumerate(edge.targets)
                ],
            )
        if kind is EdgeKind.LAZY and edge.deferred is not None:
            target = edge.deferred
            return _Node(
                f"{label}Lazy[{type_name(target.service_type)}] "
                f"({effective_lifetime(self.registry, target)}, resolved on "
                f"first get()){_component(target.component)}"
            )
        if kind is EdgeKind.MISSING:
            missing = type_name(edge.service_type)
            return _Node(f"{label}{missing}{_component(edge.component)} MISSING")
        if kind is EdgeKind.UNRESOLVABLE:
            return _Node(f"{label}UNRESOLVABLE: {edge.problem}")
        special = {
            EdgeKind.RESOLVER: "(resolver)",
            EdgeKind.CONTEXT: "(context)",
            EdgeKind.GRAPH: "(current graph)",
        }.get(kind)
        if special is not None:
            return _Node(
                f"{edge.name}: {hint} {special}" if hint else f"{edge.name} {special}"
            )
        # EdgeKind.CONST: a default value, or None for a missing optional.
        if dep is not None and dep.optional:
            hint = f"{hint} | None"
        value = "None" if edge.value is None else "<default>"
        return _Node(
            f"{edge.name}: {hint} = {value}" if hint else f"{edge.name} = {value}"
        )


def _via(function: Any, service_type: Any) -> str:
    """`` via Impl`` when something other than ``service_type`` itself builds it."""
    name = builder_name(function, service_type)
    return f" via {name}" if name else ""


def builder_name(function: Any, service_type: Any) -> str:
    """``Impl`` or ``factory()`` when it is not ``service_type`` itself, else ``""``."""
    same = function is service_type or (
        typing.get_origin(function) is not None and function == service_type
    )
    return "" if same else _callable_name(function)
