"""The type forms a top-level resolve call accepts besides a registered type.

``get_service(Annotated[T, FromComponent("c")])`` is ``get_service(T,
component="c")``; ``get_service(T | None)`` (or ``Optional[T]``) is ``T``,
or ``None`` when ``T`` has no registration; ``get_service(list[T])`` (or
``Sequence[T]``, ``Iterable[T]``) is ``get_services(T)``, as for a parameter.
They combine in any order. A registration of the form itself
(``add_instance(int | None, 5)``, ``add_instance(list[str], [...])``) wins:
these are read only when the form has none, on the entry tables' miss path,
so a plain ``get_service(T)`` never pays for them.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from dataclasses import dataclass
from typing import Any

from wiredi._registration.components import FromComponent
from wiredi._rendering import type_name
from wiredi.errors import RegistrationError

__all__ = ["TopLevelForm", "hashable", "not_a_type", "top_level_form"]


@dataclass(frozen=True, slots=True)
class TopLevelForm:
    """What a form asks for: ``service_type`` in ``component``.

    ``optional``: ``None`` when it has no registration; ``many``: a list of
    every registration of it.
    """

    service_type: Any
    component: str
    optional: bool
    many: bool = False


# the collection hints that receive every registration (SPEC section 2)
_MANY = (list, collections.abc.Sequence, collections.abc.Iterable)


def top_level_form(service_type: Any, component: str) -> TopLevelForm | None:
    """Read ``Annotated[T, FromComponent(c)]``, ``T | None``, ``list[T]``; or None."""
    inner, optional, many, changed = service_type, False, False, False
    while True:
        origin = typing.get_origin(inner)
        if origin in _MANY and not many:
            args = typing.get_args(inner)
            if len(args) != 1 or isinstance(args[0], str | typing.ForwardRef):
                break  # list["Plugin"]: a name, not a type (not found, said so)
            inner, many = args[0], True
        elif origin is typing.Annotated:
            inner, *metadata = typing.get_args(inner)
            for item in metadata:
                if isinstance(item, FromComponent):
                    component = item.component
        elif origin is typing.Union or origin is types.UnionType:
            others = [arg for arg in typing.get_args(inner) if arg is not type(None)]
            if len(others) != 1:  # A | B (| None): no single type to resolve
                break
            inner, optional = others[0], True
        else:
            break
        changed = True
    return TopLevelForm(inner, component, optional, many) if changed else None


def hashable(service_type: Any) -> bool:
    """Whether ``service_type`` can key the entry tables."""
    try:
        hash(service_type)
    except TypeError:
        return False
    return True


def not_a_type(service_type: Any) -> RegistrationError:
    """The error for ``get_service({})`` and other unhashable arguments."""
    return RegistrationError(
        f"cannot resolve {service_type!r}: it is not a type "
        f"({type_name(type(service_type))} is unhashable)",
        service_type=service_type,
        hint="pass the class, Protocol or type form to resolve, "
        "e.g. get_service(Clock) or get_service(Annotated[Clock, "
        "FromComponent('c')])",
    )
