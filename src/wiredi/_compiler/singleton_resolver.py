"""The sync resolver of a singleton, as a method instead of generated code.

A singleton is created once; after that its resolver only reads the slot.
A bound method reads it as fast as a generated function does, and costs no
source, no namespace dict and no function object per registration on the
provider's first resolve (scenario f). The protocol is the one of the
generated sync template in ``templates.py`` (which context-aware resolvers
still use): create under the slot's lock, double-checked; a thread that
waited shares the failure of the attempt it waited for.

A resolver is usually its own slot (one object per singleton, not two), and
a singleton made by one plain call (``PlainCall``) is constructed by the
resolver itself, without a ``build`` function in between.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wiredi._compiler.compiler_state import EMPTY, Attempt, Slot
from wiredi._compiler.failure_notes import add_trail, register_build_code
from wiredi._compiler.wait_graph import WaitGraph
from wiredi._registration.registration import Registration

if TYPE_CHECKING:
    from wiredi._compiler.singleton_builds import PlainCall

__all__ = ["SingletonResolver"]

Fn = Callable[[Any], Any]


class SingletonResolver(Slot):
    """``resolver.get`` is the sync ``fn(r)`` of one singleton registration.

    The object is made either by ``build(root)`` or by ``plain`` (a
    :class:`PlainCall`). ``compiler`` (a ``LifetimeWrappers``) gives the
    root provider, the wait graph, and raises, in a thread that waited, the
    failure of the attempt it waited for. With ``slot=None`` the resolver is
    its own slot; otherwise it uses ``slot`` (one an override layer shares
    with its base, or one made before the resolver) and its own slot fields
    stay unset.
    """

    __slots__ = ("build", "compiler", "plain", "reg", "root", "slot", "waits")

    def __init__(
        self,
        slot: Slot | None,
        reg: Registration,
        compiler: Any,
        build: Fn | None = None,
        plain: PlainCall | None = None,
    ) -> None:
        if slot is None:
            Slot.__init__(self)
            slot = self
        self.slot = slot
        self.build = build
        self.plain = plain
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
        # creation in the same frame: a deep chain of singletons costs two
        # frames per level (get, construct; see test_deep_dependency_chain_resolves)
        reg = self.reg
        waits = self.waits
        # positional: a keyword makes the call build a kwargs dict (~1,000 Ir)
        if slot.lock.acquire(False):  # noqa: FBT003
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
                    build = self.build
                    v = self._construct() if build is None else build(self.root)
                except Exception as e:
                    attempt.error = e
                    raise
                finally:
                    slot.attempt = None
                slot.value = v
                # what made it is never needed again (a value is never
                # reset): fewer live objects for the garbage collector
                self.build = self.plain = None
            return v
        finally:
            if mine:
                waits.finished(slot)
            slot.lock.release()

    def _construct(self) -> Any:
        """Make the object by the plain call; a failure carries ``reg``'s node."""
        plain: PlainCall = self.plain  # type: ignore[assignment]
        root = self.root
        try:
            function = plain.function
            positional = plain.positional
            keywords = plain.keywords
            args = plain.args
            if args is not None:
                value = function(*args)
            elif keywords is not None:
                value = function(
                    *[fn(root) for fn in positional],
                    **{name: fn(root) for name, fn in keywords},
                )
            # the usual arities without a list comprehension (a frame on 3.11)
            elif not positional:
                value = function()
            elif len(positional) == 1:
                value = function(positional[0](root))
            elif len(positional) == 2:
                value = function(positional[0](root), positional[1](root))
            else:
                value = function(*[fn(root) for fn in positional])
            if value is None and plain.refuse_none is not None:
                plain.refuse_none()
        except BaseException as exc:
            add_trail(exc, self.compiler.registry.node(self.reg))
            raise
        owned = plain.owned
        if owned is None:
            owned = plain.is_disposable(value)
        if owned:
            root._disposables.append(value)
        return value


# failures raised through these frames get no "line" note of their own
register_build_code(SingletonResolver.get.__code__)
register_build_code(SingletonResolver._construct.__code__)
