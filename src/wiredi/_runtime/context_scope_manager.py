"""``ContextScopeManager``: the built-in scope manager.

A custom scope keeps services per *id* (a tenant, a user session, a workflow
run) for longer than a request and shorter than the process.
``ContextScopeManager`` is the built-in manager: the active id lives in a
``ContextVar`` (so threads and asyncio tasks never see each other's scope),
storage for an id is created once under a lock, and everything it drops
(``cleanup_scope``, idle ``ttl``, least-recently-used eviction beyond
``max_scopes``, the end of a non-persistent block) is disposed.
"""

from __future__ import annotations

import contextvars
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from wiredi._runtime.disposal import Failures
from wiredi._runtime.scope_retention import ScopeRetention
from wiredi._runtime.scope_storage import ScopeStack, ScopeStorage
from wiredi.errors import ScopeError

__all__ = ["ContextScopeManager"]


class ContextScopeManager(ScopeRetention):
    """The built-in scope manager: one storage per id, safe across threads and tasks.

    Register it with ``services.add_scope_manager(name, manager)`` and give
    services ``lifetime=name``; ``provider.create_scope(name, scope_id)``
    enters the scope for a ``with`` block. The active id is kept per context
    (a ``ContextVar``), so each thread and asyncio task sees only the scopes
    it entered itself; blocks nest, and leaving one returns to the id
    entered before it.

    With ``persistent=True`` (sessions, tenants) an id's instances outlive
    the block and are reused by the next block for the same id, until
    ``cleanup_scope(scope_id)``, ``ttl`` seconds without any use of the id,
    or eviction of the least recently used id once more than ``max_scopes``
    ids hold storage. An id that some block is still inside is never
    expired or evicted. Expiry is checked when a scope is entered or a
    custom-lifetime service is resolved (no background thread), using
    ``clock``.

    With ``persistent=False`` (workflows, batches) the instances are disposed
    when the outermost block for the id exits, counting blocks of every
    thread and task.

    Everything dropped is disposed: ``close()``/``dispose()`` in reverse
    order of creation. Objects that can only be closed with ``aclose()`` are
    closed by the async methods (``acleanup_scope``, ``aexit_scope``,
    ``aclose``); a sync path that drops one keeps it for the next of those.
    Errors raised by disposers are never swallowed: every disposer runs, and
    the call that caused the drop raises them (one as is, several as a
    ``DisposalError``).

    Args:
        persistent: Keep an id's instances after its block exits.
        ttl: Seconds an id may stay unused before its instances are dropped
            (persistent only); ``None`` keeps them.
        max_scopes: The most ids to keep storage for (persistent only);
            beyond it the least recently used idle id is dropped.
        clock: Returns the current time in seconds; inject a fake one in
            tests.

    Raises:
        ValueError: ``ttl`` or ``max_scopes`` is not positive, or either is
            given with ``persistent=False``.

    Example:
        ```python
        from wiredi import ServiceCollection
        from wiredi import ContextScopeManager

        class TenantSettings: ...

        tenants = ContextScopeManager(max_scopes=100)
        services = ServiceCollection()
        services.add_scope_manager("tenant", tenants)
        services.add(TenantSettings, lifetime="tenant")
        provider = services.build_service_provider()

        with provider.create_scope("tenant", "acme") as scope:
            first = scope.get_service(TenantSettings)
        with provider.create_scope("tenant", "acme") as scope:
            assert scope.get_service(TenantSettings) is first
        with provider.create_scope("tenant", "globex") as scope:
            assert scope.get_service(TenantSettings) is not first
        assert tenants.active_scopes() == ["acme", "globex"]
        ```
    """

    __slots__ = ()

    def __init__(
        self,
        *,
        persistent: bool = True,
        ttl: float | None = None,
        max_scopes: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl is not None and not ttl > 0:
            raise ValueError(f"ContextScopeManager(ttl={ttl!r}): ttl must be > 0")
        if max_scopes is not None and max_scopes < 1:
            raise ValueError(
                f"ContextScopeManager(max_scopes={max_scopes!r}): "
                "max_scopes must be at least 1"
            )
        if not persistent and (ttl is not None or max_scopes is not None):
            raise ValueError(
                "ContextScopeManager(persistent=False, ...): ttl and max_scopes "
                "only apply to persistent scopes; a non-persistent scope is "
                "disposed as soon as its outermost block exits"
            )
        self._persistent = persistent
        self._ttl = ttl
        self._max_scopes = max_scopes
        self._clock = clock
        # The ids this context is inside, with their storage, innermost last.
        # Immutable tuples, so a context copied into a new task never shares
        # a mutable stack with the context it was copied from.
        self._current: contextvars.ContextVar[ScopeStack | None] = (
            contextvars.ContextVar(f"wiredi_scope_{id(self):x}", default=None)
        )
        self._lock = threading.Lock()
        # Least recently used first.
        self._storages: OrderedDict[str, ScopeStorage] = OrderedDict()
        # How many blocks, in all contexts, are inside each id.
        self._active: dict[str, int] = {}
        # Dropped objects that only an ``await ....aclose()`` can dispose.
        self._pending_async: list[Any] = []
        # No id can have expired before this time (infinity without a ttl).
        self._next_expiry = math.inf
        self._counts = {"created": 0, "evicted": 0, "disposed": 0}

    def enter_scope(self, scope_id: str) -> None:
        """Make ``scope_id`` the active id of this context, creating its storage.

        ``provider.create_scope(name, scope_id)`` calls it; you rarely do.
        Ids that have expired, or must be evicted to make room, are dropped
        and disposed first; if disposing them raises, the scope is not
        entered and the error propagates.

        Example:
            ```python
            from wiredi import ContextScopeManager

            manager = ContextScopeManager()
            manager.enter_scope("acme")
            assert manager.get_current_scope() is not None
            manager.exit_scope()
            assert manager.get_current_scope() is None
            ```
        """
        now = self._now()
        lock = self._lock
        lock.acquire()  # acquire/release: much cheaper than `with` on 3.11
        try:
            dropped = self._expire_locked(now) if now >= self._next_expiry else []
            storage = self._storage_locked(scope_id, now)
            self._active[scope_id] = self._active.get(scope_id, 0) + 1
            if self._max_scopes is not None:
                dropped += self._evict_locked()
        finally:
            lock.release()
        if dropped:
            try:
                self._dispose(dropped)
            except BaseException:
                # Not entered after all. All this can drop is the storage just
                # created for a non-persistent id, which is still empty.
                self._leave(scope_id)
                raise
        stack = self._current.get() or ()
        self._current.set((*stack, (scope_id, storage)))

    def exit_scope(self) -> None:
        """Leave the id entered last in this context.

        A non-persistent id's instances are disposed when its outermost
        block (over all threads and tasks) exits; a persistent id's
        instances stay.

        Raises:
            ScopeError: this context has not entered a scope of this
                manager; or it dropped objects that only have ``aclose()``
                (the rest are closed; those are kept for the next async
                call, e.g. :meth:`aexit_scope` or ``await provider.aclose()``).

        Example:
            ```python
            from wiredi import ContextScopeManager

            manager = ContextScopeManager()
            manager.enter_scope("outer")
            manager.enter_scope("inner")
            manager.exit_scope()
            assert manager.current_scope_id() == "outer"
            manager.exit_scope()
            ```
        """
        dropped = self._pop()
        if dropped:
            self._dispose(dropped, asked=True)

    def _exit_into(self, exc: BaseException | None, failures: Failures) -> None:
        """``exit_scope`` for a closing ``Scope`` whose block ended with ``exc``.

        A non-persistent id dropped here has ``exc`` thrown into its
        generator factories; the failures go to the scope's ``failures``.
        """
        dropped = self._pop()
        if dropped:
            self._dispose(dropped, asked=True, exc=exc, into=failures)

    async def _aexit_into(self, exc: BaseException | None, failures: Failures) -> None:
        """``aexit_scope`` for a closing ``Scope`` (see :meth:`_exit_into`)."""
        await self._adispose(self._pop(), exc, failures)

    async def aexit_scope(self) -> None:
        """Leave the id entered last in this context, disposing asynchronously.

        Like :meth:`exit_scope`, but objects that only have ``aclose()`` are
        closed too, including any that sync paths dropped earlier.

        Example:
            ```python
            import asyncio
            from wiredi import ContextScopeManager

            async def main() -> None:
                manager = ContextScopeManager(persistent=False)
                manager.enter_scope("run-1")
                await manager.aexit_scope()
                assert manager.active_scopes() == []

            asyncio.run(main())
            ```
        """
        await self._adispose(self._pop())

    def get_current_scope(self) -> MutableMapping[Any, Any] | None:
        """Return the storage of this context's active id, or ``None``.

        Resolving a custom-lifetime service calls it, and drops the ids
        whose ``ttl`` has passed. It takes no lock while the id is inside a
        block: such an id can be neither expired nor evicted, and leaving
        the block counts as a use. A task that inherited the block from its
        parent and outlives it still counts as a use of a persistent id, but
        gets ``None`` for a non-persistent run that has ended. An id whose
        storage was cleaned up while a block is inside it gets a new, empty
        storage.

        Example:
            ```python
            from wiredi import ContextScopeManager

            manager = ContextScopeManager()
            assert manager.get_current_scope() is None
            manager.enter_scope("acme")
            storage = manager.get_current_scope()
            assert storage is manager.get_current_scope()
            manager.exit_scope()
            ```
        """
        stack = self._current.get()
        if not stack:
            return None
        scope_id, storage = stack[-1]
        # The common case takes no lock: an id inside a block cannot expire
        # or be evicted, and leaving the block counts as a use of it.
        if (
            not storage.dropped
            and scope_id in self._active
            and (self._ttl is None or self._clock() < self._next_expiry)
        ):
            return storage
        return self._current_storage_slow(stack)

    def current_scope_id(self) -> str | None:
        """Return the id this context is inside (the innermost), or ``None``.

        Example:
            ```python
            from wiredi import ContextScopeManager

            manager = ContextScopeManager()
            manager.enter_scope("acme")
            assert manager.current_scope_id() == "acme"
            manager.exit_scope()
            assert manager.current_scope_id() is None
            ```
        """
        stack = self._current.get()
        return stack[-1][0] if stack else None

    def cleanup_scope(self, scope_id: str) -> bool:
        """Drop and dispose the instances of ``scope_id`` now.

        Blocks still inside the id get fresh instances the next time they
        resolve one. Objects that only have ``aclose()`` cannot be closed
        here: the rest are closed, those are kept for the next async call,
        and a ``ScopeError`` names them; use :meth:`acleanup_scope` in async
        code.

        Returns:
            Whether the id had storage.

        Example:
            ```python
            from wiredi import ServiceCollection
            from wiredi import ContextScopeManager

            class Cart:
                closed = False

                def close(self) -> None:
                    self.closed = True

            sessions = ContextScopeManager()
            services = ServiceCollection().add_scope_manager("session", sessions)
            provider = services.add(Cart, lifetime="session").build_service_provider()
            with provider.create_scope("session", "alice") as scope:
                cart = scope.get_service(Cart)
            assert sessions.cleanup_scope("alice") and cart.closed
            assert not sessions.cleanup_scope("alice")
            ```
        """
        with self._lock:
            storage = self._drop_locked(scope_id)
        if storage is None:
            return False
        self._dispose([storage], asked=True)
        return True

    async def acleanup_scope(self, scope_id: str) -> bool:
        """Drop ``scope_id`` and dispose its instances, awaiting ``aclose()``.

        Also closes the objects that sync paths dropped earlier but could
        not close.

        Returns:
            Whether the id had storage.

        Example:
            ```python
            import asyncio
            from wiredi import ServiceCollection
            from wiredi import ContextScopeManager

            class Client:
                closed = False

                async def aclose(self) -> None:
                    self.closed = True

            sessions = ContextScopeManager()
            services = ServiceCollection().add_scope_manager("session", sessions)
            provider = services.add(Client, lifetime="session").build_service_provider()

            async def main() -> None:
                async with provider.create_scope("session", "alice") as scope:
                    client = await scope.get_service_async(Client)
                assert await sessions.acleanup_scope("alice")
                assert client.closed

            asyncio.run(main())
            ```
        """
        with self._lock:
            storage = self._drop_locked(scope_id)
        await self._adispose([] if storage is None else [storage])
        return storage is not None

    def active_scopes(self) -> list[str]:
        """Return the ids whose storage is alive, least recently used first.

        Ids idle for longer than ``ttl`` are dropped (and disposed) first.

        Example:
            ```python
            from wiredi import ContextScopeManager

            manager = ContextScopeManager()
            for scope_id in ("a", "b"):
                manager.enter_scope(scope_id)
                manager.exit_scope()
            assert manager.active_scopes() == ["a", "b"]
            ```
        """
        self._expire_now()
        with self._lock:
            return list(self._storages)

    def stats(self) -> Mapping[str, int]:
        """Return a snapshot of the counters.

        - ``created``: storages created (one per id, and again after a drop);
        - ``evicted``: ids dropped because of ``ttl`` or ``max_scopes``;
        - ``disposed``: objects disposed (closed, or generators finalised);
        - ``alive``: ids holding storage now (idle ids past ``ttl`` are
          dropped first);
        - ``pending_async``: dropped objects waiting for an async call to
          ``aclose()`` them.

        Example:
            ```python
            from wiredi import ContextScopeManager

            manager = ContextScopeManager(max_scopes=1)
            for scope_id in ("a", "b"):
                manager.enter_scope(scope_id)
                manager.exit_scope()
            stats = manager.stats()
            assert (stats["created"], stats["evicted"], stats["alive"]) == (2, 1, 1)
            ```
        """
        self._expire_now()
        with self._lock:
            return {
                **self._counts,
                "alive": len(self._storages),
                "pending_async": len(self._pending_async),
            }

    def close(self) -> None:
        """Drop and dispose every id's instances; the manager stays usable.

        Raises:
            ScopeError: some objects can only be closed with ``aclose()``;
                the others are still closed, and those are kept for
                :meth:`aclose`.

        Example:
            ```python
            from wiredi import ContextScopeManager

            manager = ContextScopeManager()
            manager.enter_scope("a")
            manager.exit_scope()
            manager.close()
            assert manager.active_scopes() == []
            ```
        """
        with self._lock:
            storages = self._drop_all_locked()
        failures = Failures()
        self._dispose(storages, into=failures)
        with self._lock:
            waiting = sorted({type(item).__qualname__ for item in self._pending_async})
            count = len(self._pending_async)
        if waiting:
            failures.add(
                ScopeError(
                    f"{', '.join(waiting)} can only be closed with aclose(), "
                    f"which a sync close cannot await ({count} objects, kept "
                    "for an async close)",
                    hint="call `await manager.aclose()` in async code",
                )
            )
        failures.raise_for("custom scopes")

    async def aclose(self) -> None:
        """Drop and dispose every id's instances, awaiting ``aclose()``.

        Example:
            ```python
            import asyncio
            from wiredi import ContextScopeManager

            manager = ContextScopeManager()
            manager.enter_scope("a")
            manager.exit_scope()
            asyncio.run(manager.aclose())
            assert manager.stats()["alive"] == 0
            ```
        """
        with self._lock:
            storages = self._drop_all_locked()
        await self._adispose(storages)

    def __repr__(self) -> str:
        with self._lock:
            alive, active = len(self._storages), len(self._active)
        options = [f"persistent={self._persistent}"]
        if self._ttl is not None:
            options.append(f"ttl={self._ttl!r}")
        if self._max_scopes is not None:
            options.append(f"max_scopes={self._max_scopes!r}")
        return (
            f"<wiredi.ContextScopeManager({', '.join(options)}, "
            f"alive={alive}, active={active})>"
        )

    def _current_storage_slow(self, stack: ScopeStack) -> ScopeStorage | None:
        """``get_current_scope`` when its storage was dropped or ids may expire."""
        scope_id, storage = stack[-1]
        now = self._now()
        with self._lock:
            dropped = self._expire_locked(now) if now >= self._next_expiry else []
            current: ScopeStorage | None
            if self._persistent or scope_id in self._active:
                current = self._storage_locked(scope_id, now)
            else:
                # A task that inherited the block of a finished run.
                current = None
        if current is not None and current is not storage:
            self._current.set((*stack[:-1], (scope_id, current)))
        if dropped:
            self._dispose(dropped)
        return current

    def _pop(self) -> list[ScopeStorage]:
        """Leave this context's innermost id; return what that drops."""
        stack = self._current.get()
        if not stack:
            raise ScopeError(
                f"exit_scope() on {self!r}: this thread or task has not entered "
                "a scope of this manager",
                hint="enter and leave a custom scope in the same thread or task, "
                "with `with provider.create_scope(name, scope_id):`",
            )
        self._current.set(stack[:-1] or None)
        return self._leave(stack[-1][0])

    def _leave(self, scope_id: str) -> list[ScopeStorage]:
        """Count one block out of ``scope_id``; return what that drops."""
        now = self._now()
        lock = self._lock
        lock.acquire()
        try:
            count = self._active.get(scope_id, 0) - 1
            if count > 0:
                self._active[scope_id] = count
            else:
                self._active.pop(scope_id, None)
            if scope_id not in self._storages:
                return []
            if self._persistent:
                self._storage_locked(scope_id, now)
                return []
            if count > 0:
                return []
            storage = self._drop_locked(scope_id)
            return [] if storage is None else [storage]
        finally:
            lock.release()
