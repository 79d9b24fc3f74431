"""The ``Registration`` record and cheap capture of where it was made."""

from __future__ import annotations

import contextlib
import enum
import functools
import os
import sys
import typing
from dataclasses import dataclass
from types import FrameType
from typing import Any, Self

__all__ = ["Kind", "Registration", "caller_location"]

# the wiredi package folder (this file is in wiredi/_registration/)
_PACKAGE_PREFIX = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # noqa: PTH100, PTH120
# `with provider.override(...)` runs wiredi from contextlib's __enter__
_CONTEXTLIB = contextlib.__file__


class Kind(enum.Enum):
    """What a registration holds."""

    TYPE = "type"
    FACTORY = "factory"
    INSTANCE = "instance"
    ALIAS = "alias"
    CONTEXT = "context"


_TYPE = Kind.TYPE  # bound once: read at every registration and build
_GENERIC: Any = typing.Generic


class _Fields:
    """The slots of a ``Registration``, shared with ``_Filling`` (see ``__new__``)."""

    __slots__ = (
        "component", "implementation", "kind", "lifetime", "order",
        "registered_at", "service_type", "source_component",
    )  # fmt: skip


@dataclass(frozen=True, slots=True, eq=False, init=False)
class Registration(_Fields):
    """One ``add*`` call, as the collection keeps it.

    Attributes:
        service_type: The type it answers for.
        kind: A class to construct, a factory to call, an instance, an
            alias of another registration, or a context value (given to each
            scope by ``create_scope(context=...)``).
        implementation: The class, the factory, the instance, (for an
            alias) the source service type, or (for a context value) the
            service type itself.
        lifetime: ``"singleton"``, ``"scoped"``, ``"transient"`` or a custom
            scope name; an alias takes its source's.
        component: The component it belongs to.
        source_component: For an alias, the component of its source.
        registered_at: ``file.py:LINE`` of the call.
        order: Position among all registrations, for stable ordering.

    Two registrations are equal only when they are the same object: each
    caches its own instance.

    Example:
        ```python
        from wiredi import ServiceCollection

        class Clock: ...

        services = ServiceCollection().add_singleton(Clock)
        (registration,) = services.registrations
        assert registration.lifetime == "singleton"
        ```
    """

    service_type: Any
    kind: Kind
    implementation: Any
    lifetime: str
    component: str = ""
    source_component: str = ""
    registered_at: str = ""
    order: int = 0

    def __new__(  # noqa: PLR0917 - positional, as the dataclass __init__ took them
        cls,
        service_type: Any,
        kind: Kind,
        implementation: Any,
        lifetime: str,
        component: str = "",
        source_component: str = "",
        registered_at: str = "",
        order: int = 0,
    ) -> Self:
        # A frozen record filled as a plain one: made as a _Filling (the same
        # slots, ordinary attribute stores), then given its own class. Half
        # the time of the frozen dataclass's object.__setattr__ (or of the
        # slots' own setters) per field; one is made per add* call.
        self = _new(_Filling)
        self.service_type = service_type
        self.kind = kind
        self.implementation = implementation
        self.lifetime = lifetime
        self.component = component
        self.source_component = source_component
        self.registered_at = registered_at
        self.order = order
        self.__class__ = cls  # type: ignore[assignment]
        return self  # type: ignore[return-value]

    def __reduce__(self) -> tuple[Any, ...]:
        """Copy and pickle through ``__new__``, which takes the fields."""
        return (
            type(self),
            (
                self.service_type, self.kind, self.implementation, self.lifetime,
                self.component, self.source_component, self.registered_at,
                self.order,
            ),
        )  # fmt: skip

    @property
    def is_open_generic(self) -> bool:
        """Whether this binds an unparameterised generic service type."""
        if self.kind is not _TYPE:
            return False
        service_type = self.service_type
        if type(service_type) is type and _GENERIC not in service_type.__mro__:
            # a plain class: has no type parameters, and asking getattr would
            # raise (and format) an AttributeError inside for each one at
            # every build
            return False
        return bool(getattr(service_type, "__parameters__", ()))


class _Filling(_Fields):
    """A ``Registration`` while ``Registration.__new__`` fills it in."""

    __slots__ = ()
    service_type: Any
    kind: Kind
    implementation: Any
    lifetime: str
    component: str
    source_component: str
    registered_at: str
    order: int


_new = object.__new__


def caller_location() -> str:
    """Return ``file.py:LINE`` of the first frame outside the wiredi package.

    Only wiredi calls this, so its caller (frame 1) is in the package: the
    walk starts at frame 2, which spares making a frame object for frame 1.
    """
    try:
        frame: FrameType | None = sys._getframe(2)
    except ValueError:  # called from the bottom of the stack
        return "<unknown>"
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_PREFIX) and filename != _CONTEXTLIB:
            return f"{_basename(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


@functools.lru_cache(maxsize=256)
def _basename(filename: str) -> str:
    """``os.path.basename``, remembered: a program registers from few files."""
    return os.path.basename(filename)  # noqa: PTH119
