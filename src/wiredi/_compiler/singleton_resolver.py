"""The sync resolver of a singleton, as a method instead of generated code.

A singleton is created once; after that its resolver only reads the slot.
A bound method reads it as fast as a generated function does, and costs no
source, no namespace dict and no function object per registration on the
provider's first resolve (scenario f). The protocol is the one of the
generated sync template in ``templates.py`` (which context-aware resolvers
still use): create under the slot's lock, double-checked; a thread that
waited shares the failure of the attempt it waited for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from wiredi._compiler.compiler_state import EMPTY, Attempt, Slot
from wiredi._compiler.failure_notes import register_build_code
from wiredi._compiler.wait_graph import WaitGraph
from wiredi._registration.registration import Registration

__all__ = ["SingletonResolver"]

Fn = Callable[[Any], Any]


class SingletonResolver:
    """``resolver.get`` is the sync ``fn(r)`` of one singleton registration.

    ``build(root)`` creates the object; ``compiler`` (a ``LifetimeWrappers``)
    gives the root provider, the wait graph, and raises, in a thread that
    waited, the failure of the attempt it waited for.
    """

    __slots__ = ("build", "compiler", "reg", "root", "slot", "waits")

    def __init__(self, slot: Slot, build: Fn, reg: Registration, compiler: Any) -> None:
        self.slot = slot
        self.build = build
        self.reg = reg
        self.compiler = compiler
        self.root = compiler.root
        self.waits: WaitGraph = compiler.waits

    def get(self, r: Any) -> Any:  # noqa: ARG002 - the signature of every fn(r)
        """The singleton, created on first use (``r`` is unused: it is the root's)."""
        slot = self.slot
        v = slot.value
        if v is not EMPTY:
            return v
        # creation in the same frame: a deep chain of singletons costs one
        # frame per level here (see test_deep_dependency_chain_resolves)
        reg = self.reg
        waits = self.waits
        if slot.lock.acquire(blocking=False):
            attempt = None
        else:
            attempt = slot.attempt  # the attempt under way, if it has started
            waits.acquire(slot, reg)  # another thread builds it: wait, unless a cycle
        mine = waits.started(slot, reg, threading.get_ident())
        try:
            v = slot.value
            if v is EMPTY:
                if attempt is not None and attempt.error is not None:
                    self.compiler._raise_shared(attempt.error, reg)
                slot.attempt = attempt = Attempt()
                try:
                    v = self.build(self.root)
                except Exception as e:
                    attempt.error = e
                    raise
                finally:
                    slot.attempt = None
                slot.value = v
            return v
        finally:
            if mine:
                waits.finished(slot)
            slot.lock.release()


# failures raised through these frames get no "line" note of their own
register_build_code(SingletonResolver.get.__code__)
