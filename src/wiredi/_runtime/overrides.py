"""The overrides active on a provider or a scope, entered and left in any order.

``override()`` blocks usually nest, but two asyncio tasks (or threads) can
each hold one whose lifetimes overlap without nesting: the first entered may
be the first left. Each active override is a layer compiled on top of the
one below it; leaving one rebuilds the layers above it on what remains, so
every override still active stays in force and none that ended comes back.

A scope's layers sit on what its provider shows, so a provider override
entered or left while a scope has its own rebuilds that scope's layers
(the scope's stack *follows* the provider's).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from wiredi._compiler.compiler import Compiler
from wiredi._compiler.compiler_state import EMPTY
from wiredi._registration.registration import Registration
from wiredi._runtime.disposal import dispose_all
from wiredi._runtime.provider_core import ClosedTable, ProviderCore

__all__ = ["OverrideStack"]


class OverrideStack:
    """Active overrides of one provider (or one scope), oldest first.

    ``current()`` gives what resolution uses with no override active here;
    ``show(layer)`` makes ``layer`` (or that base) what resolution uses.
    """

    def __init__(
        self,
        root: Any,
        current: Callable[[], ProviderCore],
        show: Callable[[ProviderCore], None],
        leader: OverrideStack | None = None,
    ) -> None:
        self._root = root
        self._current = current
        self._show = show
        self._lock = threading.Lock()
        self._base: ProviderCore | None = None
        self._layers: list[tuple[object, Registration, ProviderCore]] = []
        # a scope's stack: the provider's, whose changes rebuild these layers
        self._leader = leader
        # a provider's stack: the scopes' stacks with layers (see _changed)
        self._followers: weakref.WeakSet[OverrideStack] = weakref.WeakSet()
        self._followers_lock = threading.Lock()

    def enter(self, registration: Registration) -> object:
        """Put ``registration`` in force on top of the others; return its token."""
        with self._lock:
            if not self._layers:
                if self._leader is not None:
                    self._leader._follow(self, active=True)  # before reading the base
                self._base = self._current()
            layer = self._layer(self._top(), registration)
            token = object()
            self._layers.append((token, registration, layer))
            self._show(layer)
        self._changed()
        return token

    def leave(self, token: object) -> None:
        """End the override entered with ``token``, wherever it is in the stack."""
        with self._lock:
            index = next(i for i, (t, _, _) in enumerate(self._layers) if t is token)
            dropped = self._layers[index][2]
            del self._layers[index]
            self._rebuild(index)
            if not self._layers and self._leader is not None:
                self._leader._follow(self, active=False)
        self._changed()
        self._dispose_rebuilt(dropped)

    def _dispose_rebuilt(self, layer: ProviderCore) -> None:
        """Dispose the singletons ``layer`` rebuilt for its override, newest first.

        They depend on the override, so nothing serves them once it ended;
        the provider owned them until now. (Their originals are the base
        layer's, untouched. What only ``aclose()`` can close stays the
        provider's, for its close.)
        """
        root = self._root
        if root._closed:
            return  # the provider's close disposed them
        compiler = layer.compiler
        made = {
            id(slot.value)
            for reg, slot in list(compiler.slots.items())
            if slot.value is not EMPTY and compiler.flags.affected(reg)
        }
        if not made:  # the usual override: nothing rebuilt was a singleton
            return
        owned = root._disposables
        mine = [
            item
            for item in list(owned)
            if id(item) in made and _closes_in_sync(item)  # else: the provider's
        ]
        for item in mine:
            for position in range(len(owned) - 1, -1, -1):
                if owned[position] is item:
                    del owned[position]
                    break
        dispose_all(mine, "the override")

    def below(self) -> ProviderCore | None:
        """What resolution used before these overrides, while any is active."""
        with self._lock:
            return self._base if self._layers else None

    def _rebuild(self, index: int) -> None:
        """Compile the layers from ``index`` up again, on what is below them."""
        below = self._layers[index - 1][2] if index else self._base_core()
        for position in range(index, len(self._layers)):
            kept, registration, _ = self._layers[position]
            below = self._layer(below, registration)
            self._layers[position] = (kept, registration, below)
        self._show(self._top())

    def _follow(self, follower: OverrideStack, *, active: bool) -> None:
        with self._followers_lock:
            if active:
                self._followers.add(follower)
            else:
                self._followers.discard(follower)

    def _changed(self) -> None:
        """Rebuild the followers' layers on what this stack shows now.

        Called with no lock held: a follower takes its own, and reads the
        state of the moment, so the last change seen wins.
        """
        with self._followers_lock:
            followers = list(self._followers)
        for follower in followers:
            with follower._lock:
                if follower._layers:
                    follower._rebuild(0)

    def _top(self) -> ProviderCore:
        return self._layers[-1][2] if self._layers else self._base_core()

    def _base_core(self) -> ProviderCore:
        assert self._base is not None  # set by the first enter()
        return self._base

    def _layer(self, below: ProviderCore, registration: Registration) -> ProviderCore:
        registry = below.registry.overlay(registration)
        compiler = Compiler(
            registry,
            self._root,
            base=below.compiler,
            overridden=frozenset({registration}),
        )
        core = ProviderCore(registry, compiler)
        if self._root._closed:  # a scope's layer after its provider closed
            core.table = ClosedTable()
        return core

    def refuse_followers(self) -> None:
        """Make the scopes' layers refuse to resolve: the provider has closed.

        (A layer compiled later refuses from the start: see ``_layer``.)
        """
        with self._followers_lock:
            followers = list(self._followers)
        for follower in followers:
            with follower._lock:
                if follower._layers:
                    follower._layers[-1][2].table = ClosedTable()


def _closes_in_sync(item: object) -> bool:
    """Whether a sync close can close ``item`` (``close()`` or ``dispose()``)."""
    return callable(getattr(item, "close", None)) or callable(
        getattr(item, "dispose", None)
    )
