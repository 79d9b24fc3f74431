"""Helpers of the concurrency tests: wait (bounded) until threads or tasks get somewhere."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from wiredi import ServiceProvider


def waiting(provider: ServiceProvider) -> int:
    """How many threads or tasks wait for another's creation (WaitGraph)."""
    return len(provider._core.compiler.waits._waiting)


def until(condition: Any) -> None:
    """Return once ``condition()`` is true; fail after 10 seconds."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


async def until_async(condition: Any) -> None:
    """``until``, polling from a task without blocking its loop."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.001)
