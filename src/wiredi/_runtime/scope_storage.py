"""What a custom scope id owns: its instances and the objects to dispose.

``ContextScopeManager`` keeps one ``ScopeStorage`` per live id and disposes
it when the id is dropped; ``needs_await`` decides what only an ``await``
can dispose.
"""

from __future__ import annotations

from typing import Any

from wiredi._compiler.finalizers import (
    AsyncGeneratorFinalizer,
    GeneratorFinalizer,
    is_disposable,
)
from wiredi._runtime.disposal import ClosedDisposables

__all__ = ["ScopeStack", "ScopeStorage", "needs_await"]


class _Disposables(list[Any]):
    """A storage's disposables; once taken, a late arrival is disposed at once.

    A build for the id may still be running when the storage is dropped
    (``cleanup_scope`` from another thread): what it finishes then is
    disposed and that resolve raises ``ScopeError``, as for a closed scope.
    """

    __slots__ = ("closed_as",)

    def __init__(self) -> None:
        super().__init__()
        self.closed_as: str | None = None

    def append(self, item: Any) -> None:
        """Keep ``item`` for disposal, or dispose it now if the storage is gone."""
        if self.closed_as is None:
            super().append(item)
        else:
            ClosedDisposables(self.closed_as).append(item)


class ScopeStorage(dict[Any, Any]):
    """The instances of one scope id, keyed by registration.

    ``disposables`` is where the container may put, in creation order, every
    disposable object (and generator finaliser) it makes for this storage.
    Once the container has asked for it, that list is what gets disposed when
    the storage is dropped; until then the disposable values are.
    """

    __slots__ = ("_disposables", "_tracked", "dropped", "last_access", "scope_id")

    def __init__(self, scope_id: str, now: float) -> None:
        super().__init__()
        self.scope_id = scope_id
        self.last_access = now
        # Set, under the manager's lock, when the manager lets go of it.
        self.dropped = False
        self._disposables = _Disposables()
        self._tracked = False

    @property
    def disposables(self) -> list[Any]:
        """The list the container appends this storage's disposables to."""
        self._tracked = True
        return self._disposables

    def take_disposables(self) -> list[Any]:
        """Empty the storage; return what has to be disposed, in creation order.

        The list is closed first, and for good: a dropped storage is never
        used again, so anything still being built for it is refused (see
        ``_Disposables.append``).
        """
        owned = self._disposables
        owned.closed_as = f"custom scope {self.scope_id!r}"
        if self._tracked:
            items = list(owned)
            owned.clear()
        else:
            # list() copies in one step, even if a resolution still writes
            items = [value for value in list(self.values()) if is_disposable(value)]
        self.clear()
        return items

    def __repr__(self) -> str:
        return f"<scope storage {self.scope_id!r} ({len(self)} instances)>"


ScopeStack = tuple[tuple[str, ScopeStorage], ...]


def needs_await(item: Any) -> bool:
    """Whether ``item`` can only be disposed by awaiting it."""
    if isinstance(item, AsyncGeneratorFinalizer):
        return True
    if isinstance(item, GeneratorFinalizer):
        return False
    return callable(getattr(item, "aclose", None)) and not (
        callable(getattr(item, "close", None))
        or callable(getattr(item, "dispose", None))
    )
