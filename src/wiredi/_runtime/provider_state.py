"""The slots a provider and its scopes hold, and the checks they share."""

from __future__ import annotations

import logging
import threading
from typing import Any, TypeVar

from wiredi._compiler.compiler_state import SCOPE_LOCK_KEY
from wiredi._registration.scope_manager import ScopeManager
from wiredi._runtime.overrides import OverrideStack
from wiredi._runtime.provider_core import ProviderCore
from wiredi.errors import (
    ScopeError,
)

__all__ = ["ProviderState"]

T = TypeVar("T")
_log = logging.getLogger("wiredi")


class ProviderState:
    """What a ``ServiceProvider`` or ``Scope`` holds; the methods live in mixins."""

    __slots__ = (
        "__weakref__",
        "_async_left",
        "_cache",
        "_closed",
        "_core",
        "_disposables",
        "_exit_custom",
        "_lock",
        "_overrides",
        "_pending",
        "_root",
    )

    _core: ProviderCore
    _root: ProviderState
    _cache: dict[Any, Any] | None
    _disposables: list[Any]
    _lock: threading.RLock | None
    _closed: bool
    _pending: dict[Any, Any] | None
    _exit_custom: ScopeManager | None
    _overrides: OverrideStack | None
    # set by a sync close that met objects only an async close can close
    # (unset until then: read with getattr)
    _async_left: tuple[list[Any], BaseException | None]

    def _init_state(self, cache: dict[Any, Any] | None, root: ProviderState) -> None:
        self._root = root
        self._cache = cache
        self._disposables = []
        self._lock = threading.RLock()
        self._closed = False
        self._pending = None
        self._exit_custom = None
        self._overrides = None

    def _new_lock(self) -> threading.RLock:
        """This scope's creation lock, made on first need (as generated code does).

        Two threads may get here at once: ``dict.setdefault`` is atomic, so
        both end up with the same lock (kept in the scope's cache under a
        private key). No lock is shared with another scope.
        """
        cache = self._cache
        assert cache is not None  # only scopes create without a lock
        lock: threading.RLock = cache.setdefault(SCOPE_LOCK_KEY, threading.RLock())
        self._lock = lock
        return lock

    def _check_open(self) -> None:
        if self._closed or self._root._closed:
            what = "scope" if self._cache is not None else "provider"
            raise ScopeError(
                f"this {what} is closed",
                hint="resolve from an open scope; a closed scope or provider "
                "has disposed what it created",
            )
