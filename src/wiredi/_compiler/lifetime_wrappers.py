"""Wrapping a ``build`` function in its lifetime: singleton, scoped or custom.

The wrapper caches the object where its lifetime says (the singleton slot,
the scope's cache, the custom scope's storage), creates it at most once per
owner, and waits, without deadlocking, for another thread or task that is
already creating it.
"""

from __future__ import annotations

import _thread
import asyncio
import concurrent.futures
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from wiredi._compiler.codegen import make_function
from wiredi._compiler.compiler_state import (
    EMPTY,
    SCOPE_LOCK_KEY,
    Attempt,
    ClaimKey,
    CompilerState,
    OverrideKey,
    Slot,
)
from wiredi._compiler.failure_notes import (
    add_trail,
    context_not_given,
    no_active_scope,
    raiser,
    scope_error_from_root,
    unknown_scope,
)
from wiredi._compiler.opaque_builds import current_owner
from wiredi._compiler.singleton_builds import PlainCall
from wiredi._compiler.singleton_resolver import SingletonResolver
from wiredi._compiler.templates import fill
from wiredi._compiler.wait_graph import WaitGraph
from wiredi._registration.lifetimes import BUILTIN_LIFETIMES, Lifetime
from wiredi._registration.registration import Registration
from wiredi._rendering import type_name
from wiredi.errors import (
    DependencyNode,
)

__all__ = ["LifetimeWrappers"]

Fn = Callable[..., Any]
Chain = tuple[DependencyNode, ...]
_log = logging.getLogger("wiredi")

_STRIPES = 16


class LifetimeWrappers(CompilerState):
    """Lifetime wrappers, singleton slots and cache keys of one compiler layer."""

    async def _wait_pending(
        self, pending: concurrent.futures.Future[None], reg: Registration
    ) -> None:
        """Wait for another task's creation of ``reg``, unless that is a cycle.

        A failed creation raises its exception here too: every task that
        waited for that attempt shares its outcome.
        """
        self.opaque.refuse_self_wait(reg)
        try:
            await asyncio.shield(asyncio.wrap_future(pending))
        except Exception as exc:
            if pending.done() and pending.exception() is exc:
                add_trail(exc, self.registry.node(reg))  # where the waiter met it
            raise

    def _raise_shared(self, error: Exception, reg: Registration) -> None:
        """Raise, in a thread that waited, the exception another's attempt raised."""
        add_trail(error, self.registry.node(reg))
        raise error

    async def _wait_for_builder(
        self, pending: concurrent.futures.Future[None], reg: Registration, key: Any
    ) -> None:
        """Wait for another task's creation of ``reg`` (``key``: what it builds).

        Unless that closes a cycle of tasks waiting for each other.
        """
        me = current_owner()
        self.waits.wait_begins(key, reg, me)
        try:
            await self._wait_pending(pending, reg)
        finally:
            self.waits.wait_ends(me)

    def singleton_resolver(
        self, reg: Registration, build: Fn | None = None, plain: PlainCall | None = None
    ) -> Fn:
        """The sync resolver of singleton ``reg`` made by ``build(root)`` or ``plain``.

        The resolver is the slot too, unless a slot exists already or is
        the base layer's.
        """
        slot = self.slots.get(reg)
        if slot is None and (self.base is None or self.flags.affected(reg)):
            resolver = SingletonResolver(None, reg, self, build, plain)
            self.slots[reg] = resolver
        else:
            resolver = SingletonResolver(self.slot(reg), reg, self, build, plain)
        return resolver.get

    def _wrap_lifetime(
        self,
        reg: Registration,
        node: DependencyNode,
        build: Fn,
        *,
        is_async: bool,
        ctx: bool,
    ) -> Fn:
        lifetime = reg.lifetime
        if lifetime == Lifetime.TRANSIENT:
            return build
        if lifetime == Lifetime.SINGLETON and not is_async and not ctx:
            return self.singleton_resolver(reg, build)
        namespace: dict[str, Any] = {
            "build": build,
            "R": reg,
            "K": self.cache_key(reg),
            "ROOT": self.root,
            "EMPTY": EMPTY,
            "NEW_FUTURE": concurrent.futures.Future,
            "WAIT": self._wait_pending,
            "RELEASE": _release,
            "FAIL": _fail,
        }
        if lifetime == Lifetime.SINGLETON:
            namespace["slot"] = self.slot(reg)
            namespace["ATTEMPT"] = Attempt
            namespace["SHARED"] = self._raise_shared
            namespace["WAITS"] = self.waits
            namespace["THREAD"] = threading.get_ident
            namespace["OWNER"] = current_owner
            namespace["WAIT_BUILDER"] = self._wait_for_builder
            kind = "singleton"
        elif lifetime == Lifetime.SCOPED:
            namespace.update(self.scoped_names(reg, node))
            namespace["LOCK_KEY"] = SCOPE_LOCK_KEY
            namespace["NEW_LOCK"] = _thread.RLock
            namespace["WAITS"] = self.waits
            namespace["OWNER"] = current_owner
            namespace["WAIT_BUILDER"] = self._wait_for_builder
            kind = "scoped"
        else:
            manager = self.registry.scope_managers.get(lifetime)
            if manager is None:
                return unknown_scope(lifetime, node)
            namespace["CURRENT"] = manager.get_current_scope
            namespace["OWNER"] = self._custom_owner
            namespace["LOCKS"] = self._custom_locks_of(reg)
            namespace["pendings"] = {}
            namespace["NO_SCOPE"] = raiser(lambda n: no_active_scope(lifetime, n), node)
            kind = "custom"
        lines = fill(kind, is_async=is_async, ctx=ctx)
        title = f"{type_name(reg.service_type)} ({lifetime})"
        wrapper = make_function(title, lines, namespace, "wrapper")
        if kind == "scoped" and not is_async:
            self.bind_contended(reg, namespace, wrapper, build)
        return wrapper

    def scoped_names(self, reg: Registration, node: DependencyNode) -> dict[str, Any]:
        """What a sync scoped wrapper reads, but ``CONTENDED`` (see bind_contended)."""
        key = self.cache_key(reg)
        return {
            "NO_SCOPE": raiser(scope_error_from_root, node),
            "THREAD": _thread.get_ident,
            "K": key,
            "EMPTY": EMPTY,
            "CK": self.claim_key(key),
            "WAKE": functools.partial(_wake, self.waits, key),
        }

    def bind_contended(
        self,
        reg: Registration,
        namespace: dict[str, Any],
        wrapper: Fn,
        build: Fn | None = None,
    ) -> None:
        """Give a sync scoped ``wrapper`` its slow path, ``CONTENDED``.

        ``build`` is ``None`` when the wrapper builds inline; the separate
        build a re-entering thread needs is then compiled if ever needed.
        """
        job = [reg, namespace["K"], build, wrapper]
        namespace["CONTENDED"] = functools.partial(self._scoped_contended, job)

    def _scoped_contended(
        self,
        job: list[Any],
        claim: list[Any],
        cache: dict[Any, Any],
        r: Any,
        *rest: Any,
    ) -> Any:
        """Resolve ``reg`` in a scope where ``claim`` says another build is under way.

        This thread's own claim means a build that may resolve anything asked
        for it again: it builds again, as the scope's reentrant lock let it
        before, and ``opaque.enter`` reports the cycle. Another thread's: wait
        for it (unless that closes a cycle), share the exception it failed
        with, or read what it built.
        """
        reg, key, build, wrapper = job  # bound once per registration
        if claim[0] == _thread.get_ident():
            if build is None:
                self.opaque.refuse_self_wait(reg)  # the usual case: a cycle
                with self.lock:
                    build = job[2] = self._separate_build(reg)
            v = build(r, *rest)
            cache[key] = v
            return v
        claim_key = self.claim_key(key)
        self.waits.wait_for_claim(
            claim, (r, key), reg, lambda: cache.get(claim_key) is claim
        )
        error = claim[2]
        if isinstance(error, Exception):
            self._raise_shared(error, reg)
        return wrapper(r, *rest)

    def _context_value(
        self, reg: Registration, node: DependencyNode, *, is_async: bool, ctx: bool
    ) -> Fn:
        """Read a context value (``add_context``) from the scope it was given to.

        ``create_scope(context=...)`` stores it in the scope's cache under
        the registration itself, so a resolve is one dict read, and nothing
        is ever added to the scope's disposables.
        """
        namespace: dict[str, Any] = {
            "R": reg,
            "K": reg,
            "EMPTY": EMPTY,
            "NO_SCOPE": raiser(scope_error_from_root, node),
            "NOT_GIVEN": raiser(context_not_given, node),
        }
        lines = fill("context", is_async=is_async, ctx=ctx)
        title = f"{type_name(reg.service_type)} (context value)"
        return make_function(title, lines, namespace, "wrapper")

    def claim_key(self, key: Any) -> ClaimKey:
        """Where a scope's cache holds the claim on ``key`` while it is built."""
        found = self.claim_keys.get(key)
        if found is None:
            found = self.claim_keys.setdefault(key, ClaimKey(key))
        return found

    def slot(self, reg: Registration) -> Slot:
        """The singleton slot of ``reg``; shared with the base layer when unaffected."""
        slot = self.slots.get(reg)
        if slot is None:
            base = self.base
            if base is not None and not self.flags.affected(reg):
                slot = base.slot(reg)
            else:
                slot = Slot()
            self.slots[reg] = slot
        return slot

    def cache_key(self, reg: Registration) -> Any:
        """The key of ``reg`` in scope and custom-scope caches for this layer.

        Custom-scope storage may be shared by several providers (one scope
        manager registered in two collections), so each provider keys it with
        its own object. Registrations whose graph reaches an override get a
        key of their own, so instances built under the override never mix
        with the others.
        """
        base = self.base
        if base is not None and not self.flags.affected(reg):
            return base.cache_key(reg)
        if base is None and reg.lifetime in BUILTIN_LIFETIMES:
            return reg
        key = self._keys.get(reg)
        if key is None:
            key = self._keys[reg] = OverrideKey(reg)
        return key

    def _custom_owner(self, storage: Any) -> Any:
        """The resolver that builds a custom-lifetime service into ``storage``.

        A storage with a ``disposables`` list owns what is created for it:
        the scope manager disposes that list when it drops the storage.
        Otherwise (a plain dict from a user-written manager) the root
        provider owns it, as it owns singletons.
        """
        disposables = getattr(storage, "disposables", None)
        if not isinstance(disposables, list):
            return self.root
        owner = object.__new__(type(self.root))
        owner._core = self.root._core
        owner._init_state(None, self.root)
        owner._disposables = disposables
        return owner

    def _custom_locks_of(self, reg: Registration) -> list[threading.RLock]:
        """Striped locks of a custom-lifetime registration.

        The stripe is chosen by the storage, so a slow constructor for one
        scope id rarely holds up another id; locks are per registration, so
        lock order follows the (acyclic) dependency graph. A list, so that a
        child process can replace a stripe in place (``_runtime/fork.py``).
        """
        locks = self._custom_locks.get(reg)
        if locks is None:
            locks = [threading.RLock() for _ in range(_STRIPES)]
            self._custom_locks[reg] = locks
        return locks


def _wake(waits: WaitGraph, key: Any, claim: list[Any], r: Any) -> None:
    """A scoped build that others waited for ended: wake them."""
    waits.claim_ended(claim, (r, key))


def _release(pending: concurrent.futures.Future[None]) -> None:
    if not pending.done():
        pending.set_result(None)


def _fail(pending: concurrent.futures.Future[None], error: BaseException) -> None:
    """End an attempt that raised: its waiters get ``error``.

    A cancellation (or another ``BaseException``) belongs to the task that
    was building, not to those waiting: they are released to try again.
    """
    if pending.done():
        return
    if isinstance(error, Exception):
        pending.set_exception(error)
    else:
        pending.set_result(None)
