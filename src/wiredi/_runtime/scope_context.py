"""Context values: what ``create_scope(context={T: value})`` gives a scope.

A type declared with ``add_context(T)`` compiles to a resolver that reads the
scope's cache under its registration (``_compiler.lifetime_wrappers``). This
module checks the mapping once per ``create_scope`` call and fills that
cache, so resolving a context value costs what resolving a built scoped
service costs, and a scope opened without context costs nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wiredi._graph.registry import Registry
from wiredi._rendering import type_name
from wiredi.errors import RegistrationError

__all__ = ["declared_context_types", "seed_context"]


def seed_context(registry: Registry, cache: dict[Any, Any], context: object) -> None:
    """Check ``context`` and store each value where its resolver reads it.

    Raises:
        RegistrationError: ``context`` is not a mapping, names a type that was
            not declared with ``add_context``, or gives a value that is not
            an instance of its type.
    """
    if not isinstance(context, Mapping):
        raise RegistrationError(
            f"create_scope(context={context!r}): context is a mapping of "
            "declared type -> value",
            hint="pass e.g. create_scope(context={Request: request})",
        )
    declared = registry.context_values
    for service_type, value in context.items():
        found = declared.get(service_type)
        if found is None:
            raise _undeclared(registry, service_type)
        check, registrations = found
        if check is not None and not isinstance(value, check):
            name = type_name(service_type)
            raise RegistrationError(
                f"create_scope(context={{{name}: ...}}): the value "
                f"{_short_repr(value)} ({type_name(type(value))}) is not an "
                f"instance of {name}",
                service_type=service_type,
                registered_at=registrations[-1].registered_at,
                hint=f"give an instance of {name}",
            )
        for registration in registrations:
            cache[registration] = value


def declared_context_types(registry: Registry) -> frozenset[Any]:
    """The types declared with ``add_context``, in any component."""
    return frozenset(registry.context_values)


def _undeclared(registry: Registry, service_type: Any) -> RegistrationError:
    name = type_name(service_type)
    registered = [r for r in registry.registrations if r.service_type == service_type]
    if registered:
        hint = (
            f"{name} is registered as {registered[-1].lifetime or 'an alias'}, "
            "which the container builds itself; to give it per scope, declare "
            f"it with services.add_context({name}) instead"
        )
    else:
        hint = f"declare it before building: services.add_context({name})"
    declared = ", ".join(sorted(type_name(t) for t in registry.context_values))
    return RegistrationError(
        f"create_scope(context={{{name}: ...}}): {name} is not declared as a "
        f"context value (declared: {declared or 'none'})",
        service_type=service_type,
        hint=hint,
    )


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
