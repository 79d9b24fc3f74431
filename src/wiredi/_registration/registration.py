"""The ``Registration`` record and cheap capture of where it was made."""

from __future__ import annotations

import enum
import os
import sys
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


@dataclass(frozen=True, slots=True, eq=False)
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

    @property
    def is_open_generic(self) -> bool:
        """Whether this binds an unparameterised generic service type."""
        return bool(getattr(self.service_type, "__parameters__", ())) and (
            self.kind is Kind.TYPE
        )


def caller_location() -> str:
    """Return ``file.py:LINE`` of the first frame outside the wiredi package."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_PREFIX):
            return f"{os.path.basename(filename)}:{frame.f_lineno}"  # noqa: PTH119
        frame = frame.f_back
    return "<unknown>"
