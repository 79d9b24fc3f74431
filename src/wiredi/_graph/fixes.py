"""What to change: the fix lines of missing and unusable dependencies.

A fix names the call to write. The generic one ("register it") is wrong for
some types: an ``Options[X]`` comes from ``configure()``, a plain ``int`` or
``str`` is a value rather than a service, and a hint naming a class local to
a function cannot be evaluated wherever it is registered.
"""

from __future__ import annotations

import inspect
import re
import typing
from typing import Any

from wiredi._graph.generic_bases import Unfit
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi.config import IConfiguration, Options

__all__ = ["PLAIN_VALUE_TYPES", "register_fix", "unmet_bound_fix", "unresolvable_fix"]

PLAIN_VALUE_TYPES = frozenset(
    {
        int,
        float,
        complex,
        str,
        bytes,
        bytearray,
        bool,
        dict,
        list,
        set,
        frozenset,
        tuple,
    }
)
"""Builtin value types: a parameter of one wants a value, not a service."""

_FACTORY_OF = {"singleton": "singleton", "scoped": "scoped"}


def register_fix(
    service_type: Any,
    in_component: str,
    *,
    parameter: bool,
    name: str = "",
    owner: Registration | None = None,
    has_configuration: bool = True,
) -> str:
    """The fix for ``service_type`` when no component registers it.

    ``in_component`` is ``", component='c'"`` or ``""``; ``parameter`` says a
    parameter (``name`` of ``owner``'s constructor or factory) asked for it,
    rather than a top-level ``get_service``.
    """
    if typing.get_origin(service_type) is Options:
        return _options_fix(service_type, in_component, has_configuration)
    if _plain_value(service_type):
        return _plain_value_fix(
            service_type, parameter=parameter, name=name, owner=owner
        )
    text = type_name(service_type)
    if service_type is IConfiguration:
        example = (
            f"services.add_instance(IConfiguration, "
            f"ConfigurationBuilder()...build(){in_component})"
        )
    elif _is_abstract(service_type):
        example = f"services.add_singleton({text}, Impl{in_component})"
    else:
        example = f"services.add_transient({text}{in_component})"
    return f"register it, e.g. {example}" + (
        ", or give the parameter a default" if parameter else ""
    )


def unmet_bound_fix(
    service_type: Any,
    unmet: list[tuple[Registration, Unfit]],
    in_component: str,
) -> str:
    """The fix for ``IRepo[Poco]`` when the open registrations of ``IRepo`` skip it.

    Names each registration, the type variable whose bound or constraints
    the argument breaks, and what to change.
    """
    name = type_name(service_type)
    skipped = "; ".join(
        f"{type_name(reg.implementation)} (registered at {reg.registered_at}) "
        f"does not apply to {name}: {bound.explain()}"
        for reg, bound in unmet
    )
    changes = dict.fromkeys(bound.change() for _, bound in unmet)
    return (
        f"{skipped}; {', or '.join(changes)}, or register an implementation of "
        f"{name} itself, e.g. services.add_transient({name}, Impl{in_component})"
    )


def _options_fix(service_type: Any, in_component: str, has_configuration: bool) -> str:
    (options_type, *_) = typing.get_args(service_type) or (Any,)
    fix = (
        f"bind the options with services.configure({type_name(options_type)}, "
        f"section=...{in_component}), naming the configuration section to read"
    )
    if not has_configuration:
        fix += (
            ", and register the configuration it reads: services.add_instance("
            "IConfiguration, ConfigurationBuilder()...build())"
        )
    return fix


def _plain_value(service_type: Any) -> bool:
    return (typing.get_origin(service_type) or service_type) in PLAIN_VALUE_TYPES


def _plain_value_fix(
    service_type: Any, *, parameter: bool, name: str, owner: Registration | None
) -> str:
    text = type_name(service_type)
    head = f"{text} is a plain value, not a service"
    if not parameter:
        return (
            f"{head}: keep it in an options class bound with "
            "services.configure(...) and resolve Options[...], or resolve the "
            "service that holds it"
        )
    param = name or "value"
    if owner is not None and owner.kind is Kind.TYPE:
        built = type_name(owner.implementation)
        kind = _FACTORY_OF.get(owner.lifetime, "transient")
        factory = (
            f"register {type_name(owner.service_type)} with a factory that "
            f"passes it (services.add_{kind}_factory("
            f"{type_name(owner.service_type)}, lambda sp: {built}({param}=...)))"
        )
    else:
        factory = "have the factory supply the value itself"
    return (
        f"{head}: give the parameter a default ({param}: {text} = ...), "
        f"{factory}, or move it into an options class bound with "
        "services.configure(...) and take Options[...]"
    )


def _is_abstract(service_type: Any) -> bool:
    try:
        return bool(getattr(service_type, "_is_protocol", False)) or inspect.isabstract(
            service_type
        )
    except Exception:  # an object whose __getattr__ raises is not abstract
        return False


def unresolvable_fix(problem: str) -> str:
    """The fix for a parameter whose hint is missing or cannot be evaluated."""
    local = _LOCAL_NAME.search(problem)
    if local is not None:
        return (
            f"move {local.group(1)} out of {local.group(2)}() to module level, or "
            "write hints that need no evaluation (drop `from __future__ import "
            "annotations` and string hints in that module: hints are then "
            f"objects, made where {local.group(1)} exists), or register a factory"
        )
    if "cannot be evaluated" in problem:
        return (
            "make every name in those hints importable from the module that "
            "defines it (not only under TYPE_CHECKING), or register a factory"
        )
    return (
        "add a type hint (or a default value) to the parameter, or register a factory"
    )


# the wording of hints._local_name_problem
_LOCAL_NAME = re.compile(r"; (\w+) is local to function (\w+)\(\)")
