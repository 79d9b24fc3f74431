"""Builds that may resolve anything, and the cycles they close at run time.

A registration whose factory (or constructor) receives the resolver can ask
for any service while it is being built, so validation cannot see its
cycles. Each such build is recorded in a ``ContextVar`` stack as
``(task or thread, registration, key)``. A task started inside such a
factory, or a context copied there, inherits the entries; only the builds of
its own task (or thread) that are still running count, so it is never told
about a cycle it is not in.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

from wiredi._graph.cycles import cycle_error
from wiredi._graph.registry import Registry
from wiredi._registration.registration import Registration

__all__ = ["OpaqueBuildStack", "current_owner"]

_Entry = tuple[object, Registration, object]
_STACK: contextvars.ContextVar[tuple[_Entry, ...]] = contextvars.ContextVar(
    "wiredi_opaque_stack", default=()
)


def current_owner() -> object:
    """The asyncio task running now, else the thread."""
    loop = asyncio._get_running_loop()
    if loop is not None:
        task = asyncio.current_task(loop)
        if task is not None:
            return task
    return threading.get_ident()


class OpaqueBuildStack:
    """Running builds that may resolve anything, for a provider and its layers."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._live: set[object] = set()  # keys of the builds still running

    def enter(self, reg: Registration) -> tuple[Any, object]:
        """Start building ``reg`` in this task; ``CircularDependencyError`` if it is."""
        stack = _STACK.get()
        owner = current_owner()
        self._refuse_reentry(stack, owner, reg)
        key = object()
        self._live.add(key)
        return _STACK.set((*stack, (owner, reg, key))), key

    def leave(self, token: Any, key: object) -> None:
        """End the build :meth:`enter` started."""
        self._live.discard(key)
        _STACK.reset(token)

    def refuse_self_wait(self, reg: Registration) -> None:
        """Raise if this task is building ``reg``: waiting for it would hang."""
        stack = _STACK.get()
        if stack:
            self._refuse_reentry(stack, current_owner(), reg)

    def _refuse_reentry(
        self, stack: tuple[_Entry, ...], owner: object, reg: Registration
    ) -> None:
        if not stack:
            return
        live = self._live
        mine = [
            item
            for who, item, key in stack
            if key in live and (who is owner or who == owner)
        ]
        if reg in mine:
            cycle = (*mine[mine.index(reg) :], reg)
            nodes = tuple(self._registry.node(r) for r in cycle)
            raise cycle_error(reg, nodes, at_run_time=True)
