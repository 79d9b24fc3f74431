"""The error for a dependency cycle, found at build or while resolving."""

from __future__ import annotations

from wiredi._registration.registration import Registration
from wiredi._rendering import type_name
from wiredi.errors import CircularDependencyError, DependencyNode

__all__ = ["cycle_error"]

Chain = tuple[DependencyNode, ...]


def cycle_error(
    reg: Registration, nodes: Chain, *, at_run_time: bool = False
) -> CircularDependencyError:
    """The error for a cycle through ``nodes`` (which ends where it starts).

    ``at_run_time``: found while building, through a factory that received
    the resolver (such cycles are invisible to validation).
    """
    names = " -> ".join(type_name(n.service_type) for n in nodes)
    if at_run_time:
        message = f"circular dependency at run time: {names}"
        hint = (
            "a factory that receives the resolver, or a constructor that calls "
            "Lazy.get(), asked for a service that is still being built; resolve "
            "it once the first is built (keep the Lazy, call get() later), or "
            "remove the cycle"
        )
    else:
        message = f"circular dependency: {names}"
        first, second = (type_name(n.service_type) for n in nodes[:2])
        hint = (
            "break the cycle with Lazy: in one service of it, take Lazy[...] "
            f"and call .get() when needed (e.g. in {first}, take Lazy[{second}] "
            f"instead of {second}); or move the shared part into a third service"
        )
    return CircularDependencyError(
        message,
        service_type=reg.service_type,
        component=reg.component,
        path=nodes,
        registered_at=reg.registered_at,
        hint=hint,
    )
