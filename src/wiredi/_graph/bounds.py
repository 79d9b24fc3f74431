"""Whether an open generic applies to a type argument: its type variables' bounds.

``class ConstrainedRepo(IRepo[B])`` with ``B = TypeVar("B", bound=Base)``
answers ``IRepo[Base]`` and ``IRepo[Sub]`` but not ``IRepo[Poco]``, as .NET
skips an open generic whose constraints an argument breaks. What Python
cannot check at run time is accepted: an argument that is ``Any`` or a type
variable, a bound that is a string, a parameterised generic or a Protocol
that is not ``@runtime_checkable``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from wiredi._registration.checks import origin_class
from wiredi._rendering import type_name

__all__ = ["UnmetBound", "unmet_bound"]

_UNIONS = (typing.Union, types.UnionType)


@dataclass(frozen=True, slots=True)
class UnmetBound:
    """A type variable of an implementation whose bound an argument breaks."""

    typevar: Any
    argument: Any

    def explain(self) -> str:
        """``its type variable B is bound to Base, and Poco is not a Base``."""
        name, argument = self.typevar.__name__, type_name(self.argument)
        constraints = self.typevar.__constraints__
        if constraints:
            allowed = " or ".join(type_name(c) for c in constraints)
            none = "neither" if len(constraints) == 2 else "none of them"
            return (
                f"its type variable {name} is constrained to {allowed}, and "
                f"{argument} is {none}"
            )
        bound = type_name(self.typevar.__bound__)
        return (
            f"its type variable {name} is bound to {bound}, and {argument} "
            f"is not {_article(bound)} {bound}"
        )

    def change(self) -> str:
        """What would make the argument fit: ``make Poco a subclass of Base``."""
        argument = type_name(self.argument)
        constraints = self.typevar.__constraints__
        if constraints:
            allowed = " or ".join(type_name(c) for c in constraints)
            return f"ask for it with {allowed} (or a subclass) in place of {argument}"
        return f"make {argument} a subclass of {type_name(self.typevar.__bound__)}"


def unmet_bound(typevars: Mapping[Any, Any]) -> UnmetBound | None:
    """The first of ``{type variable: argument}`` whose bound the argument breaks.

    Run once per open registration and argument tuple, when the registry
    closes the registration for that tuple.
    """
    for typevar, argument in typevars.items():
        if isinstance(typevar, typing.TypeVar) and not _accepts(typevar, argument):
            return UnmetBound(typevar, argument)
    return None


def _accepts(typevar: typing.TypeVar, argument: Any) -> bool:
    try:
        allowed = typevar.__constraints__ or (
            () if typevar.__bound__ is None else (typevar.__bound__,)
        )
    except NameError:  # a PEP 695 bound naming what does not exist: not checkable
        return True
    if not allowed:
        return True
    return all(
        cls is None or any(_within(cls, a) for a in allowed)
        for cls in _classes(argument)
    )


def _classes(argument: Any) -> Iterator[type | None]:
    """The runtime class of each member of ``argument``; ``None``: not checkable."""
    if argument is Any or isinstance(argument, typing.TypeVar):
        yield None
        return
    origin = typing.get_origin(argument)
    if origin in _UNIONS:
        for member in typing.get_args(argument):
            yield from _classes(member)
    elif origin is typing.Annotated:
        yield from _classes(typing.get_args(argument)[0])
    else:
        yield origin_class(argument)


def _within(cls: type, allowed: Any) -> bool:
    """Whether ``cls`` satisfies one bound or constraint (True if not checkable)."""
    origin = typing.get_origin(allowed)
    if origin in _UNIONS:
        return any(_within(cls, member) for member in typing.get_args(allowed))
    if origin is not None or not isinstance(allowed, type):
        return True  # a string, a ForwardRef, a parameterised generic, Any
    if getattr(allowed, "_is_protocol", False) and not getattr(
        allowed, "_is_runtime_protocol", False
    ):
        return True
    try:
        return issubclass(cls, allowed)
    except TypeError:  # a runtime-checkable Protocol with data members
        return True


def _article(name: str) -> str:
    return "an" if name[:1].lower() in {"a", "e", "i", "o", "u"} else "a"
