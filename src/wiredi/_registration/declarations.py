"""What a collection records: registrations, decorations, scope managers, options.

Also the ``health_check=`` of each registration that has one, kept beside the
registrations (keyed by the ``Registration`` object) rather than in them: the
resolve path never reads it, and ``replace``/``remove_all`` drop a check with
its registration because the build keeps only the checks of the
registrations that remain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wiredi._registration.registration import Registration
from wiredi._registration.scope_manager import ScopeManager

__all__ = ["MISSING", "Declarations", "Decoration", "HealthCheckFn", "OptionsBinding"]

MISSING: Any = object()
"""The default of ``instance=``: ``None`` is a valid instance."""

HealthCheckFn = Callable[[Any], object]
"""A ``health_check=``: called with the service; raises or returns ``False``
when it is unhealthy (it may be ``async``)."""


@dataclass(frozen=True, slots=True)
class Decoration:
    """A ``decorate(service_type, decorator)`` call."""

    service_type: Any
    decorator: Any
    component: str
    registered_at: str
    order: int


@dataclass(frozen=True, slots=True)
class OptionsBinding:
    """A ``configure(options_type, section=...)`` call."""

    options_type: Any
    section: str
    component: str
    registered_at: str


class Declarations:
    """What a collection and its component views record, shared between them."""

    __slots__ = (
        "decorations",
        "health_checks",
        "options",
        "order",
        "registrations",
        "scope_managers",
    )

    def __init__(self) -> None:
        self.registrations: list[Registration] = []
        self.decorations: list[Decoration] = []
        self.scope_managers: dict[str, ScopeManager] = {}
        self.options: list[OptionsBinding] = []
        # registration -> its health_check= (identity keys: eq=False)
        self.health_checks: dict[Registration, HealthCheckFn] = {}
        self.order = 0

    def next_order(self) -> int:
        self.order += 1
        return self.order
