"""Fixtures shared by the framework integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integrations.fakes import ContextVarScopes, Ledger, build_services
from wiredi import ServiceProvider


@pytest.fixture(name="ledger")
def _ledger() -> Ledger:
    return Ledger()


@pytest.fixture(name="scopes")
def _scopes() -> ContextVarScopes:
    return ContextVarScopes()


@pytest.fixture(name="provider")
def _provider(ledger: Ledger, scopes: ContextVarScopes) -> Iterator[ServiceProvider]:
    provider = build_services(ledger, scopes).build_service_provider()
    yield provider
    provider.close()  # a no-op when the app's shutdown already closed it
