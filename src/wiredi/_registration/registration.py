"""The ``Registration`` record and cheap capture of where it was made."""

from __future__ import annotations

import enum
import functools
import os
import sys
import typing
from dataclasses import dataclass
from types import FrameType
from typing import Any

__all__ = ["Kind", "Registration", "caller_location"]

# the wiredi package folder (this file is in wiredi/_registration/)
_PACKAGE_PREFIX = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # noqa: PTH100, PTH120


class Kind(enum.Enum):
    """What a registration holds."""

    TYPE = "type"
    FACTORY = "factory"
    INSTANCE = "instance"
    ALIAS = "alias"
    CONTEXT = "context"


_TYPE = Kind.TYPE  # bound once: read at every registration and build
_GENERIC: Any = typing.Generic


@dataclass(frozen=True, slots=True, eq=False, init=False)
class Registration:
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

    def __init__(  # noqa: PLR0917 - positional, as the dataclass __init__ took them
        self,
        service_type: Any,
        kind: Kind,
        implementation: Any,
        lifetime: str,
        component: str = "",
        source_component: str = "",
        registered_at: str = "",
        order: int = 0,
    ) -> None:
        # What the generated __init__ of a frozen dataclass does
        # (object.__setattr__ per field), through the slots' own setters:
        # half the time, and one Registration is made per add* call.
        _set_service_type(self, service_type)
        _set_kind(self, kind)
        _set_implementation(self, implementation)
        _set_lifetime(self, lifetime)
        _set_component(self, component)
        _set_source_component(self, source_component)
        _set_registered_at(self, registered_at)
        _set_order(self, order)

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


_slots = Registration.__dict__
_set_service_type = _slots["service_type"].__set__
_set_kind = _slots["kind"].__set__
_set_implementation = _slots["implementation"].__set__
_set_lifetime = _slots["lifetime"].__set__
_set_component = _slots["component"].__set__
_set_source_component = _slots["source_component"].__set__
_set_registered_at = _slots["registered_at"].__set__
_set_order = _slots["order"].__set__
del _slots


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
        if not filename.startswith(_PACKAGE_PREFIX):
            return f"{_basename(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


@functools.lru_cache(maxsize=256)
def _basename(filename: str) -> str:
    """``os.path.basename``, remembered: a program registers from few files."""
    return os.path.basename(filename)  # noqa: PTH119
