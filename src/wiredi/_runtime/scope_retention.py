"""How long a context scope's storage lives: creation, ttl, LRU eviction, disposal.

``ContextScopeManager`` keeps one storage per scope id. This base class owns
that table: it creates a storage once under the lock, expires ids idle for
longer than ``ttl``, evicts the least recently used id beyond ``max_scopes``,
and disposes whatever is dropped. Methods ending in ``_locked`` run with
``self._lock`` held.
"""

from __future__ import annotations

import contextvars
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from wiredi._compiler.finalizers import AsyncGeneratorFinalizer
from wiredi._rendering import type_name
from wiredi._runtime.disposal import (
    Failures,
    async_close_hint,
    dispose_all,
    dispose_all_async,
)
from wiredi._runtime.scope_storage import (
    ScopeStack,
    ScopeStorage,
    needs_await,
)
from wiredi.errors import ScopeError

__all__ = ["ScopeRetention"]


class ScopeRetention:
    """The storage table of a ``ContextScopeManager`` and its retention policy."""

    __slots__ = (
        "_active",
        "_clock",
        "_counts",
        "_current",
        "_lock",
        "_max_scopes",
        "_next_expiry",
        "_pending_async",
        "_persistent",
        "_storages",
        "_ttl",
    )

    _persistent: bool
    _ttl: float | None
    _max_scopes: int | None
    _clock: Callable[[], float]
    _current: contextvars.ContextVar[ScopeStack | None]
    _lock: threading.Lock
    _storages: OrderedDict[str, ScopeStorage]
    _active: dict[str, int]
    _pending_async: list[Any]
    _next_expiry: float
    _counts: dict[str, int]

    def _now(self) -> float:
        """The time, read only when a ttl needs it."""
        return 0.0 if self._ttl is None else self._clock()

    def _expire_now(self) -> None:
        """Drop (and dispose) the ids past their ``ttl`` now."""
        now = self._now()
        with self._lock:
            dropped = self._expire_locked(now) if now >= self._next_expiry else []
        if dropped:
            self._dispose(dropped)

    def _storage_locked(self, scope_id: str, now: float) -> ScopeStorage:
        """Get or create ``scope_id``'s storage and mark it used at ``now``."""
        storage = self._storages.get(scope_id)
        if storage is None:
            storage = self._storages[scope_id] = ScopeStorage(scope_id, now)
            self._counts["created"] += 1
            if self._ttl is not None:
                self._next_expiry = min(self._next_expiry, now + self._ttl)
        else:
            self._storages.move_to_end(scope_id)
            storage.last_access = now
        return storage

    def _expire_locked(self, now: float) -> list[ScopeStorage]:
        """Drop the idle ids unused for ``ttl`` seconds."""
        ttl = self._ttl
        if ttl is None:
            return []
        deadline = now - ttl
        expired: list[str] = []
        busy: list[str] = []
        for scope_id, storage in self._storages.items():
            if storage.last_access > deadline:
                break
            (busy if scope_id in self._active else expired).append(scope_id)
        for scope_id in busy:  # in use, hence recently used: keeps scans short
            self._storage_locked(scope_id, now)
        dropped = self._evict_ids_locked(expired)
        oldest = next(iter(self._storages.values()), None)
        self._next_expiry = math.inf if oldest is None else oldest.last_access + ttl
        return dropped

    def _evict_locked(self) -> list[ScopeStorage]:
        """Drop the least recently used idle ids beyond ``max_scopes``."""
        if self._max_scopes is None:
            return []
        excess = len(self._storages) - self._max_scopes
        if excess <= 0:
            return []
        victims: list[str] = []
        for scope_id in self._storages:
            if scope_id not in self._active:
                victims.append(scope_id)
                if len(victims) == excess:
                    break
        return self._evict_ids_locked(victims)

    def _evict_ids_locked(self, scope_ids: Iterable[str]) -> list[ScopeStorage]:
        dropped = [self._storages.pop(scope_id) for scope_id in scope_ids]
        for storage in dropped:
            storage.dropped = True
        self._counts["evicted"] += len(dropped)
        return dropped

    def _drop_locked(self, scope_id: str) -> ScopeStorage | None:
        storage = self._storages.pop(scope_id, None)
        if storage is not None:
            storage.dropped = True
        return storage

    def _drop_all_locked(self) -> list[ScopeStorage]:
        storages = list(self._storages.values())
        self._storages.clear()
        for storage in storages:
            storage.dropped = True
        return storages

    def _count_disposed(self, count: int) -> None:
        with self._lock:
            self._counts["disposed"] += count

    def _dispose(
        self,
        storages: list[ScopeStorage],
        *,
        asked: bool = False,
        exc: BaseException | None = None,
        into: Failures | None = None,
    ) -> None:
        """Dispose ``storages`` synchronously; keep what needs an ``await``.

        ``asked``: the caller closed these scopes (``exit_scope``,
        ``cleanup_scope``), so objects that need an ``await`` are reported
        with a ``ScopeError`` (after the rest are closed) instead of only
        being kept for the next async close, as evictions do. ``exc``: the
        exception the block that drops them ended with, for the generators.
        Every storage is disposed, whatever a disposer raises; with ``into``
        the failures are recorded there instead of raised.
        """
        failures = Failures() if into is None else into
        for storage in storages:
            items = storage.take_disposables()
            what = f"custom scope {storage.scope_id!r}"
            later = [item for item in items if needs_await(item)]
            if later:
                items = [item for item in items if not needs_await(item)]
                with self._lock:
                    self._pending_async.extend(later)
            if items:
                self._count_disposed(len(items))
                dispose_all(items, what, exc, into=failures)
            if later and asked:
                failures.add(_needs_async_close(later, what))
        if into is None:
            failures.raise_for("custom scopes")

    async def _adispose(
        self,
        storages: list[ScopeStorage],
        exc: BaseException | None = None,
        into: Failures | None = None,
    ) -> None:
        """Dispose ``storages`` and the pending async objects, awaiting them."""
        failures = Failures() if into is None else into
        for storage in storages:
            items = storage.take_disposables()
            if items:
                self._count_disposed(len(items))
                what = f"custom scope {storage.scope_id!r}"
                await dispose_all_async(items, what, exc, into=failures)
        with self._lock:
            pending, self._pending_async = self._pending_async, []
        if pending:
            self._count_disposed(len(pending))
            await dispose_all_async(pending, "dropped custom scopes", into=failures)
        if into is None:
            failures.raise_for("custom scopes")


def _needs_async_close(items: list[Any], what: str) -> ScopeError:
    names = ", ".join(sorted({type_name(_service_of(item)) for item in items}))
    return ScopeError(
        f"{names} can only be closed with aclose() and {what} was closed "
        "synchronously; the other objects were closed",
        hint=async_close_hint(what),
    )


def _service_of(item: Any) -> Any:
    if isinstance(item, AsyncGeneratorFinalizer):
        return item.service_type
    return type(item)
