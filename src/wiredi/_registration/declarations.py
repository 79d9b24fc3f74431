"""What a collection records: registrations, decorations, scope managers, options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wiredi._registration.registration import Registration
from wiredi._registration.scope_manager import ScopeManager

__all__ = ["MISSING", "Declarations", "Decoration", "OptionsBinding"]

MISSING: Any = object()
"""The default of ``instance=``: ``None`` is a valid instance."""


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

    __slots__ = ("decorations", "options", "order", "registrations", "scope_managers")

    def __init__(self) -> None:
        self.registrations: list[Registration] = []
        self.decorations: list[Decoration] = []
        self.scope_managers: dict[str, ScopeManager] = {}
        self.options: list[OptionsBinding] = []
        self.order = 0

    def next_order(self) -> int:
        self.order += 1
        return self.order
