"""A session-per-request factory that commits on success and rolls back on error.

Shared by the tests that check each integration hands the request's exception
to the scope's generator factories (SPEC 13.3). Module level, because FastAPI
and Flask read endpoint hints from the endpoint's module globals.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

from wiredi import ServiceCollection


class Outcomes:
    """What the session factories did, in order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[str] = []

    def record(self, event: str) -> None:
        with self._lock:
            self.events.append(event)


class DbSession:
    """Made per request by a sync generator factory."""

    def __init__(self, outcomes: Outcomes) -> None:
        self.outcomes = outcomes


class AsyncDbSession(DbSession):
    """Made per request by an async generator factory."""


def db_session(outcomes: Outcomes) -> Iterator[DbSession]:
    session = DbSession(outcomes)
    try:
        yield session
        outcomes.record("commit")
    except Exception as exc:
        outcomes.record(f"rollback {type(exc).__name__}")
        raise


async def async_db_session(outcomes: Outcomes) -> AsyncIterator[AsyncDbSession]:
    session = AsyncDbSession(outcomes)
    try:
        yield session
        await asyncio.sleep(0)
        outcomes.record("async commit")
    except Exception as exc:
        await asyncio.sleep(0)
        outcomes.record(f"async rollback {type(exc).__name__}")
        raise


def session_services(outcomes: Outcomes) -> ServiceCollection:
    """``Outcomes`` plus both session factories, scoped."""
    services = ServiceCollection().add_instance(Outcomes, outcomes)
    services.add_scoped_factory(DbSession, db_session)
    services.add_scoped_factory(AsyncDbSession, async_db_session)
    return services


class OrderFailedError(Exception):
    """What the raising endpoints raise."""
