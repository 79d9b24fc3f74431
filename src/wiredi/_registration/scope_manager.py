"""Custom scopes: the ``ScopeManager`` protocol.

A custom scope keeps services per *id* (a tenant, a user session, a workflow
run) for longer than a request and shorter than the process. Any object with
the three methods below is a scope manager; ``ContextScopeManager`` (in
``_context_scopes``) is the built-in one.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Protocol, runtime_checkable

__all__ = ["ScopeManager"]


@runtime_checkable
class ScopeManager(Protocol):
    """Keeps the storage of a custom scope (per tenant, session, workflow...).

    ``create_scope(name, scope_id)`` calls ``enter_scope(scope_id)`` and, when
    the scope closes, ``exit_scope()``. Services with ``lifetime=name`` are
    cached in the mapping ``get_current_scope()`` returns; ``None`` means no
    scope of this kind is active.

    Example:
        ```python
        import threading
        from collections.abc import MutableMapping
        from typing import Any

        class ThreadLocalScopes:
            def __init__(self) -> None:
                self._local = threading.local()
                self._stores: dict[str, dict[Any, Any]] = {}

            def enter_scope(self, scope_id: str) -> None:
                self._local.current = self._stores.setdefault(scope_id, {})

            def exit_scope(self) -> None:
                self._local.current = None

            def get_current_scope(self) -> MutableMapping[Any, Any] | None:
                return getattr(self._local, "current", None)
        ```
    """

    def enter_scope(self, scope_id: str) -> None:
        """Make ``scope_id`` the active scope (of this manager) for the caller."""

    def exit_scope(self) -> None:
        """Leave the scope entered last by the caller."""

    def get_current_scope(self) -> MutableMapping[Any, Any] | None:
        """Return the active scope's storage, or ``None`` when none is active."""
