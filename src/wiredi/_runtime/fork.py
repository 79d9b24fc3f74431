"""What a provider built before ``os.fork()`` becomes in the child process.

gunicorn ``--preload``, Celery's prefork pool and multiprocessing's ``fork``
start method copy a process that may hold a built provider. The child has
only the thread that called ``fork()``; whatever the parent's other threads
were doing stops where it was. So, in the child, right after the fork, every
root provider still open:

- re-creates each lock that a thread other than the forking one held at the
  fork (a compiler, registry, singleton slot, wait graph, override or
  ``ContextScopeManager`` lock, or a custom scope's striped lock), which
  would otherwise stay locked forever;
- forgets what those threads left unfinished: the singletons they were
  building (with their futures and their place in the wait graph), so the
  first resolve in the child builds them itself, and any graph fact they were
  computing;
- takes a fresh ``ProviderCore``. Scopes opened before the fork still hold
  the old one, whose tables now raise ``ScopeError``: a request scope of the
  parent is not the child's to use.

Singletons built before the fork are kept: the child resolves its copies of
them (copy-on-write). A lock that the forking thread itself holds stays as it
is, since that thread carries on in the child and releases it.

None of this runs per resolve or per scope: it is one pass over the live
providers in each child, and one ``WeakSet.add`` per built provider.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, NoReturn, cast

from wiredi._compiler.compiler_state import EMPTY, CompilerState
from wiredi._compiler.entry_tables import EntryTables
from wiredi._compiler.wait_graph import WaitGraph
from wiredi._graph.facts import GraphFacts
from wiredi._graph.registry import Registry
from wiredi._runtime.context_scope_manager import ContextScopeManager
from wiredi._runtime.provider_core import ClosedTable, ProviderCore
from wiredi._runtime.provider_state import ProviderState
from wiredi.errors import ScopeError

__all__ = ["ForkedTable", "renew_in_child", "track"]


# Every root provider built in this process and not yet garbage-collected.
# It is module-level because the fork hook must be too: os.register_at_fork
# takes plain functions with no arguments and cannot be unregistered, so the
# hook registered once below finds the providers here. Weak references: a
# provider the application dropped is not kept alive by being forkable.
_LIVE: weakref.WeakSet[ProviderState] = weakref.WeakSet()


def track(provider: ProviderState) -> None:
    """Renew ``provider`` in every child forked from now on (called at build)."""
    _LIVE.add(provider)


def _forked_scope_error(parent: int) -> ScopeError:
    return ScopeError(
        f"this scope was opened in process {parent} before a fork; this is "
        f"process {os.getpid()}, which cannot use it",
        hint="open a new scope in the child: `with provider.create_scope() as "
        "scope:`; the provider itself works after a fork",
    )


class ForkedTable(ClosedTable):
    """The entry table of a core that scopes opened before a fork still hold."""

    __slots__ = ("parent",)

    def __init__(self, parent: int) -> None:
        super().__init__()
        self.parent = parent

    def __missing__(self, key: Any) -> Any:
        parent = self.parent

        def refuse(_: Any) -> NoReturn:
            raise _forked_scope_error(parent)

        return refuse


class _ForkedEntries:
    """Stands for the entry tables of that core: any use raises ``ScopeError``."""

    __slots__ = ("_parent",)

    def __init__(self, parent: int) -> None:
        self._parent = parent

    def __getattr__(self, name: str) -> NoReturn:
        raise _forked_scope_error(self._parent)


class _Renewal:
    """One child's renewal: the forking thread, and the locks re-created so far.

    A lock shared by several objects (a registry's lock is shared by its
    override layers) is replaced by one new lock everywhere.
    """

    def __init__(self) -> None:
        self.me = threading.get_ident()
        self.locks: dict[int, Any] = {}

    def _replacement(self, lock: Any, new: Callable[[], Any]) -> Any:
        """``lock``, or a new one if a thread this child does not have holds it.

        ``acquire(blocking=False)`` succeeds when the lock is free, or (an
        ``RLock``) held by this thread, which goes on in the child: keep those.
        """
        if lock.acquire(blocking=False):
            lock.release()
            return lock
        fresh = self.locks.get(id(lock))
        if fresh is None:
            fresh = self.locks[id(lock)] = new()
        return fresh

    def lock(self, lock: threading.Lock) -> threading.Lock:
        """``lock`` if it is usable in the child, else its replacement."""
        renewed: threading.Lock = self._replacement(lock, threading.Lock)
        return renewed

    def rlock(self, lock: threading.RLock) -> threading.RLock:
        """``lock`` if it is usable in the child, else its replacement."""
        renewed: threading.RLock = self._replacement(lock, threading.RLock)
        return renewed

    def alive(self, owner: object) -> bool:
        """Whether ``owner`` (a thread id or an asyncio task) runs in the child.

        Only the forking thread does. asyncio does not carry a running event
        loop over a fork (Python 3.12 resets it), so no task counts.
        """
        return owner == self.me

    def compiler(self, compiler: CompilerState) -> None:
        lock = compiler.lock
        compiler.lock = self.rlock(lock)
        if compiler.lock is not lock:  # a thread was compiling: drop its stack
            compiler._stack.clear()
        # GraphFacts marks a fact False while computing it, and facts are also
        # computed outside the lock (invoke, CurrentGraph): a thread gone in
        # the middle may have left one provisional. Recomputed on demand.
        compiler.flags = GraphFacts(compiler.registry, compiler.overridden)
        waits = compiler.waits
        for slot in compiler.slots.values():
            slot.lock = self.rlock(slot.lock)
            if slot.value is EMPTY and slot.pending is not None:
                builder = waits._builders.get(slot)
                if builder is None or not self.alive(builder[0]):
                    slot.pending = None  # its builder is gone: build it again
        for locks in compiler._custom_locks.values():
            locks[:] = [self.rlock(stripe) for stripe in locks]
        self.registry(compiler.registry)
        self.waits(waits)

    def waits(self, waits: WaitGraph) -> None:
        waits._lock = self.lock(waits._lock)
        for key, (owner, _) in list(waits._builders.items()):
            if not self.alive(owner):
                del waits._builders[key]
        for owner in list(waits._waiting):
            if not self.alive(owner):
                del waits._waiting[owner]

    def registry(self, registry: Registry) -> None:
        registry._lock = self.rlock(registry._lock)
        for manager in registry.scope_managers.values():
            if isinstance(manager, ContextScopeManager):
                manager._lock = self.lock(manager._lock)


def _compilers(cores: list[ProviderCore]) -> list[CompilerState]:
    """The compilers of ``cores`` and of the layers below them, each once."""
    found: dict[int, CompilerState] = {}
    for core in cores:
        compiler: CompilerState | None = core.compiler
        while compiler is not None and id(compiler) not in found:
            found[id(compiler)] = compiler
            compiler = compiler.base
    return list(found.values())


def renew_in_child(provider: ProviderState, parent: int) -> None:
    """Make ``provider`` safe to use in a child forked from process ``parent``."""
    if provider._closed:
        return  # closed: it resolves nothing, in the parent or the child
    renewal = _Renewal()
    old = provider._core
    core = old.snapshot()
    provider._core = core
    # Scopes opened before the fork hold ``old``: it refuses from now on.
    old.table = old.async_table = ForkedTable(parent)
    old.entries = cast("EntryTables", _ForkedEntries(parent))
    if provider._lock is not None:
        provider._lock = renewal.rlock(provider._lock)
    cores = [core]
    stack = provider._overrides
    if stack is not None:
        # The provider's overrides show their layers through its core.
        stack._lock = renewal.lock(stack._lock)
        stack._followers_lock = renewal.lock(stack._followers_lock)
        stack._followers.clear()  # scopes opened before the fork refuse anyway
        stack._current, stack._show = core.snapshot, core.show
        if stack._base is not None:
            cores.append(stack._base)
        cores.extend(layer for _, _, layer in stack._layers)
    for compiler in _compilers(cores):
        renewal.compiler(compiler)


def _after_fork_in_child() -> None:
    parent = os.getppid()
    for provider in list(_LIVE):
        renew_in_child(provider, parent)


if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(after_in_child=_after_fork_in_child)
