"""What an open generic's type variables are, for one closed service type.

``class SqlRepo(IRepo[T])`` answers ``IRepo[User]`` with ``T = User``. The
base that names the service may be indirect (``class SqlRepo(BaseRepo[U])``
with ``class BaseRepo(IRepo[T])``: ``U = User``) or nest the variable
(``class ListRepo(IRepo[list[B]])`` answers ``IRepo[list[int]]`` with
``B = int``, and not ``IRepo[int]``, which no ``B`` makes).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from wiredi._graph.bounds import UnmetBound
from wiredi._registration.checks import origin_class
from wiredi._rendering import type_name

__all__ = ["Unfit", "UnmatchedForm", "implementation_typevars", "service_form"]


@dataclass(frozen=True, slots=True)
class UnmatchedForm:
    """An open generic whose base gives its service a form the arguments lack."""

    service_type: Any  # the service as the implementation's base names it
    asked: Any  # the closed service type asked for

    def explain(self) -> str:
        """``it answers IRepo[list[B]], and IRepo[int] is not of that form``."""
        return (
            f"it answers {type_name(self.service_type)}, and "
            f"{type_name(self.asked)} is not of that form"
        )

    def change(self) -> str:
        """What would make it apply."""
        return f"ask for {type_name(self.service_type)} with its variables filled in"


# why an open registration does not answer a closed form of its service
Unfit = UnmetBound | UnmatchedForm


def implementation_typevars(
    implementation: Any, service_origin: Any, args: tuple[Any, ...]
) -> dict[Any, Any] | None:
    """``{type variable of implementation: argument}`` for ``service_origin[args]``.

    ``{}`` when no generic base of the implementation names the service
    (the caller then pairs the implementation's own parameters with
    ``args``); ``None`` when one does, but ``args`` do not fit its form.
    """
    impl_class = origin_class(implementation)
    if impl_class is None:
        return {}
    pattern = _service_arguments(impl_class, service_origin, {})
    if pattern is None:
        return {}
    found: dict[Any, Any] = {}
    if len(pattern) != len(args):
        return None
    for expected, actual in zip(pattern, args, strict=True):
        if not _unify(expected, actual, found):
            return None
    return found


def service_form(implementation: Any, service_origin: Any) -> Any:
    """The service as the implementation's base names it (``IRepo[list[B]]``)."""
    impl_class = origin_class(implementation)
    pattern = (
        None
        if impl_class is None
        else _service_arguments(impl_class, service_origin, {})
    )
    return service_origin if not pattern else service_origin[pattern]


def _service_arguments(
    klass: type, service_origin: Any, given: dict[Any, Any]
) -> tuple[Any, ...] | None:
    """The arguments ``klass``'s bases give ``service_origin``.

    In terms of the type variables of the class the walk started from:
    ``given`` maps ``klass``'s own parameters to those.
    """
    for base in getattr(klass, "__orig_bases__", ()):
        origin = typing.get_origin(base)
        if not isinstance(origin, type):  # Generic[T], Protocol[T]
            continue
        args = tuple(_substitute(arg, given) for arg in typing.get_args(base))
        if origin is service_origin:
            return args
        params = getattr(origin, "__parameters__", ())
        found = _service_arguments(
            origin, service_origin, dict(zip(params, args, strict=False))
        )
        if found is not None:
            return found
    return None


def _substitute(hint: Any, given: dict[Any, Any]) -> Any:
    if isinstance(hint, typing.TypeVar):
        return given.get(hint, hint)
    params = getattr(hint, "__parameters__", ())
    if params and given:
        return hint[tuple(given.get(p, p) for p in params)]
    return hint


def _unify(expected: Any, actual: Any, found: dict[Any, Any]) -> bool:
    """Whether ``actual`` has ``expected``'s form; binds its type variables."""
    if isinstance(expected, typing.TypeVar):
        if expected in found:
            return bool(found[expected] == actual)
        found[expected] = actual
        return True
    if not getattr(expected, "__parameters__", ()):  # no variable inside
        return bool(expected == actual)
    if typing.get_origin(expected) is not typing.get_origin(actual):
        return False
    inner, actual_inner = typing.get_args(expected), typing.get_args(actual)
    if len(inner) != len(actual_inner):
        return False
    return all(_unify(e, a, found) for e, a in zip(inner, actual_inner, strict=True))
