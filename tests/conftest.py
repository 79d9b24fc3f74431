"""Shared fixtures."""

from __future__ import annotations

import pytest

from wiredi import ServiceCollection


@pytest.fixture(name="services")
def _services() -> ServiceCollection:
    return ServiceCollection()
