"""What to change: the fix lines of missing and unusable dependencies.

A fix names the call to write. The generic one ("register it") is wrong for
some types: an ``Options[X]`` comes from ``configure()``, a plain ``int`` or
``str`` is a value rather than a service, a ``set[Plugin]`` of a registered
``Plugin`` wants the ``list[Plugin]`` hint (or the collection registered), an
abstract type needs an implementation, and a hint naming a class local to a
function cannot be evaluated wherever it is registered.
"""

from __future__ import annotations

import collections
import collections.abc
import re
import typing
from typing import Any

from wiredi._graph.generic_bases import Unfit
from wiredi._registration.checks import origin_class
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi.config import IConfiguration, Options

__all__ = [
    "PLAIN_VALUE_TYPES",
    "collection_item",
    "register_fix",
    "unmet_bound_fix",
    "unresolvable_fix",
]

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

# Collections of one item type that a parameter does not receive every
# registration of the item as (only list, Sequence, Iterable and Collection
# do), each with the expression that makes one from the list get_services()
# returns.
_COLLECTIONS = {
    set: "set({})",
    frozenset: "frozenset({})",
    tuple: "tuple({})",  # tuple[T, ...] only
    collections.deque: "deque({})",
    collections.abc.Set: "set({})",
    collections.abc.MutableSet: "set({})",
    collections.abc.MutableSequence: "{}",
    collections.abc.Container: "{}",
    collections.abc.Reversible: "{}",
    collections.abc.Iterator: "iter({})",
}


def collection_item(service_type: Any) -> Any:
    """``T`` of ``set[T]``, ``tuple[T, ...]``, ``MutableSequence[T]`` and the like.

    ``None`` for any other type: these are the collections of one item type
    that are not filled with every registration of ``T``.
    """
    origin = typing.get_origin(service_type)
    if origin not in _COLLECTIONS:
        return None
    args = typing.get_args(service_type)
    if origin is tuple:
        return args[0] if len(args) == 2 and args[1] is Ellipsis else None
    return args[0] if len(args) == 1 else None


def register_fix(
    service_type: Any,
    in_component: str,
    *,
    parameter: bool,
    name: str = "",
    owner: Registration | None = None,
    has_configuration: bool = True,
    item_registered: bool = False,
) -> str:
    """The fix for ``service_type`` when no component registers it.

    ``in_component`` is ``", component='c'"`` or ``""``; ``parameter`` says a
    parameter (``name`` of ``owner``'s constructor or factory) asked for it,
    rather than a top-level ``get_service``. ``item_registered`` says that
    ``service_type`` is a collection (:func:`collection_item`) of a type that
    is registered.
    """
    if typing.get_origin(service_type) is Options:
        return _options_fix(service_type, in_component, has_configuration)
    if item_registered:
        return _collection_fix(
            service_type, in_component, parameter=parameter, name=name, owner=owner
        )
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


def _collection_fix(
    service_type: Any,
    in_component: str,
    *,
    parameter: bool,
    name: str,
    owner: Registration | None,
) -> str:
    item = type_name(collection_item(service_type))
    text = type_name(service_type)
    made = _COLLECTIONS[typing.get_origin(service_type)].format(
        f"sp.get_services({item}{in_component})"
    )
    life = _FACTORY_OF.get(owner.lifetime, "transient") if owner else "transient"
    register = (
        f"register the collection itself: services.add_{life}_factory({text}, "
        f"lambda sp: {made}{in_component})"
    )
    if not parameter:
        return (
            f"a resolve is not filled with every registration of {item}; call "
            f"get_services({item}{in_component}) for a list of them, or {register}"
        )
    hinted = f"{name}: list[{item}]" if name else f"list[{item}]"
    return (
        f"only a list[...], Sequence[...] or Iterable[...] parameter receives "
        f"every registration of {item}: hint it {hinted} (or Sequence[{item}]), "
        f"or {register}"
    )


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
    """A Protocol or ABC, also parameterised (``MutableSequence[X]``)."""
    try:
        cls = origin_class(service_type)
        return cls is not None and bool(
            getattr(cls, "_is_protocol", False)
            or getattr(cls, "__abstractmethods__", None)
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
