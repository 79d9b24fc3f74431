"""Resolvers that raise: what a registration compiles to when it cannot be built.

Each is made once, when the problem is found, and raises a fresh error with
the dependency path every time it is called. Nothing is created first.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from wiredi._compiler.failure_notes import component_arg, raise_with
from wiredi._graph.cycles import cycle_error
from wiredi._graph.fixes import unresolvable_fix
from wiredi._graph.registry import Registry
from wiredi._registration.registration import Registration
from wiredi._rendering import type_name
from wiredi.errors import (
    AsyncResolutionError,
    DependencyNode,
    RegistrationError,
    ServiceNotFoundError,
)

__all__ = [
    "async_needed",
    "async_raiser",
    "cycle_raiser",
    "missing_raiser",
    "none_allowed",
    "none_result_raiser",
    "registered_after_build",
    "unresolvable_raiser",
]

Fn = Callable[..., Any]


def cycle_raiser(registry: Registry, cycle: Sequence[Registration]) -> Fn:
    """A resolver for the last of ``cycle`` (which repeats its first)."""
    reg = cycle[-1]
    nodes = tuple(registry.node(r) for r in cycle)

    def raise_cycle(*_: Any) -> Any:
        raise cycle_error(reg, nodes)

    return raise_cycle


def none_allowed(service_type: Any) -> bool:
    """Whether ``None`` is a value of ``service_type`` (``T | None``, ``Any``)."""
    if service_type is typing.Any or service_type is object:
        return True
    origin = typing.get_origin(service_type)
    if origin is typing.Annotated:
        return none_allowed(typing.get_args(service_type)[0])
    return (origin is typing.Union or origin is types.UnionType) and type(
        None
    ) in typing.get_args(service_type)


def none_result_raiser(
    service_type: Any, function: Any, registered_at: str | None, *, decorator: bool
) -> Fn:
    """What a factory (or decorator) call runs when it returned ``None``.

    Called by generated code only after its cheap ``is None`` test.
    """
    name = type_name(service_type)
    what = "decorator" if decorator else "factory"
    fix = (
        f"return the wrapped {name} (or what replaces it) from {type_name(function)}"
        if decorator
        else f"return a {name} from {type_name(function)}, or, when None is a "
        f"valid value, register the service type as {name} | None and ask for "
        f"{name} | None"
    )

    def raise_none(*_: Any) -> Any:
        raise RegistrationError(
            f"the {what} {type_name(function)} of {name} returned None",
            service_type=service_type,
            registered_at=registered_at,
            hint=fix,
        )

    return raise_none


def async_needed(
    registry: Registry,
    path: Sequence[Registration],
    *,
    who: str,
    why: str = "",
    hint: str,
    before: Sequence[DependencyNode] = (),
) -> AsyncResolutionError:
    """``who`` (resolving ``path[0]``) met the async factory of ``path[-1]``."""
    reg = path[0]
    nodes = (*before, *(registry.node(r) for r in path))
    culprit = nodes[-1]
    return AsyncResolutionError(
        f"{who} needs the async factory of {type_name(culprit.service_type)}{why}",
        service_type=reg.service_type,
        component=reg.component,
        path=nodes,
        registered_at=culprit.registered_at,
        hint=hint,
    )


def async_raiser(registry: Registry, path: Sequence[Registration]) -> Fn:
    """The sync resolver of ``path[0]``, whose graph awaits ``path[-1]``."""
    reg = path[0]
    name = type_name(reg.service_type)

    def raise_async(*_: Any) -> Any:
        raise async_needed(
            registry,
            path,
            who=name,
            why=" and cannot be resolved by a sync call",
            hint=f"use `await resolver.get_service_async("
            f"{name}{component_arg(reg.component)})` (nothing was created)",
        )

    return raise_async


def missing_raiser(
    registry: Registry,
    service_type: Any,
    component: str,
    *,
    parameter: bool = True,
    name: str = "",
    owner: Registration | None = None,
) -> Fn:
    """A resolver that raises ``ServiceNotFoundError`` for ``service_type``.

    ``name`` and ``owner``: the parameter that needs it and the registration
    whose constructor or factory has it, for the same fix validation gives.
    """
    hint = registry.describe_missing(
        service_type,
        component,
        parameter=parameter,
        parameter_name=name,
        owner=owner,
    )
    node = DependencyNode(service_type, None, "", component)
    where = f" in component {component!r}" if component else ""

    def raise_missing(*_: Any) -> Any:
        late = registry.added_after_build(service_type, component)
        if late is not None:
            raise_with(registered_after_build(service_type, component, late), node)
        error = ServiceNotFoundError(
            f"no registration for {type_name(service_type)}{where}",
            service_type=service_type,
            component=component,
            hint=hint,
        )
        raise_with(error, node)

    return raise_missing


def registered_after_build(
    service_type: Any, component: str, registered_at: str
) -> ServiceNotFoundError:
    """The error for a service registered in the collection after the build."""
    name = type_name(service_type)
    where = f" in component {component!r}" if component else ""
    return ServiceNotFoundError(
        f"no registration for {name}{where} in this provider: the provider was "
        f"built before {name} was registered (at {registered_at})",
        service_type=service_type,
        component=component,
        registered_at=registered_at,
        hint="a provider never sees what is added to its collection after "
        "build_service_provider(): make every add* call before building, or "
        "call services.build_service_provider() again to rebuild it (and close "
        "this provider)",
    )


def unresolvable_raiser(problem: str) -> Fn:
    """A resolver for a parameter wiredi cannot fill (no hint, unusable hint)."""

    def raise_unresolvable(*_: Any) -> Any:
        raise RegistrationError(
            f"cannot resolve: {problem}",
            hint=unresolvable_fix(problem),
        )

    return raise_unresolvable
