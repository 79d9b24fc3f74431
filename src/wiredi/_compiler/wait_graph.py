"""Who waits for whose service: a cycle across threads or tasks is an error.

A factory that takes the resolver can ask for anything. If two threads (or
tasks) start two such singletons (or two async scoped services of one scope)
at the same moment and each one's factory needs the other, each would wait
forever for the one the other is building. Before waiting, a thread or task
follows the chain "service -> who builds it -> what that one waits for ->
..."; reaching itself means nobody could ever go on, and it raises
``CircularDependencyError`` instead. Only creation pays for this: a built
service is read without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from wiredi._graph.cycles import cycle_error
from wiredi._graph.registry import Registry
from wiredi._registration.registration import Registration

__all__ = ["WaitGraph"]


class WaitGraph:
    """The services being built, by whom, and who waits for which.

    A service is keyed by its singleton slot, or by ``(scope, key)``.
    """

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._lock = threading.Lock()
        self._builders: dict[Any, tuple[object, Registration]] = {}
        self._waiting: dict[object, Any] = {}

    def started(self, slot: Any, reg: Registration, owner: object) -> bool:
        """``owner`` builds ``slot``'s singleton; ``False`` if it already was.

        No lock: ``dict.setdefault`` and ``dict.pop`` are atomic, and only
        :meth:`wait_begins` (the slow path) needs a consistent view.
        """
        entry = (owner, reg)
        return self._builders.setdefault(slot, entry) is entry

    def finished(self, slot: Any) -> None:
        """``slot``'s singleton is built (or its construction failed)."""
        self._builders.pop(slot, None)

    def acquire(self, slot: Any, reg: Registration) -> None:
        """Take ``slot``'s lock (held by another thread), unless that is a cycle."""
        me = threading.get_ident()
        self.wait_begins(slot, reg, me)
        try:
            slot.lock.acquire()
        finally:
            self.wait_ends(me)

    def wait_for_claim(
        self, claim: list[Any], key: Any, reg: Registration, live: Callable[[], bool]
    ) -> None:
        """Wait until another thread's ``claim`` on ``key`` ends, unless a cycle.

        ``claim`` is ``[builder, waiters, error]`` (see the scoped template):
        the first waiter records the builder, which took no lock and recorded
        nothing, and puts an event in ``claim[1]``; the builder sets it when
        done (:meth:`claim_ended`). ``live()`` says whether the claim still
        stands, read after ``claim[1]`` is set so that no wake-up is missed.
        """
        me = threading.get_ident()
        with self._lock:
            waiters = claim[1]
            if waiters is None:
                entry = (claim[0], reg)
                self._builders.setdefault(key, entry)
                waiters = claim[1] = (threading.Event(), entry)
        if not live():
            self.claim_ended(claim, key)
            return
        self.wait_begins(key, reg, me)
        try:
            waiters[0].wait()
        finally:
            self.wait_ends(me)

    def claim_ended(self, claim: list[Any], key: Any) -> None:
        """The build ``claim`` stood for ended: forget its builder, wake its waiters."""
        event, entry = claim[1]
        with self._lock:
            if self._builders.get(key) is entry:
                del self._builders[key]
        event.set()

    def wait_begins(self, slot: Any, reg: Registration, me: object) -> None:
        """Record that ``me`` waits for ``slot``; raise if that closes a cycle."""
        with self._lock:
            chain = [reg]  # what me waits for, then what its builder waits for...
            current = slot
            for _ in range(len(self._builders) + 1):  # a chain never repeats
                builder = self._builders.get(current)
                if builder is None:
                    break
                owner = builder[0]
                if owner == me:  # me builds chain[-1], whose factory waits here
                    raise self._cycle([chain[-1], *chain])
                current = self._waiting.get(owner)
                if current is None:
                    break
                chain.append(self._builders.get(current, (None, reg))[1])
            self._waiting[me] = slot

    def wait_ends(self, me: object) -> None:
        """``me`` stopped waiting."""
        with self._lock:
            self._waiting.pop(me, None)

    def _cycle(self, chain: list[Registration]) -> Exception:
        nodes = tuple(self._registry.node(r) for r in chain)
        return cycle_error(chain[-1], nodes, at_run_time=True)
