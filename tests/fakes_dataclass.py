"""A dataclass implementation, kept apart so its hints resolve at module level."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes import Clock


@dataclass
class Settings:
    clock: Clock
    name: str = "default"


@dataclass
class PortOptions:
    port: int
