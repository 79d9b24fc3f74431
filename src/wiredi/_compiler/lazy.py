"""``Lazy[T]``: a dependency resolved on first use, which is how a cycle is broken."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Generic, TypeVar

from typing_extensions import TypeForm

from wiredi._compiler.opaque_builds import current_owner
from wiredi._registration.hints import DepKind
from wiredi._registration.resolver import Resolver
from wiredi._rendering import type_name
from wiredi.errors import CircularDependencyError

__all__ = ["Lazy", "lazy_maker"]

T = TypeVar("T")

_UNSET: Any = type("_Unset", (), {"__repr__": lambda _: "<unset>"})()


class Lazy(Generic[T]):
    """A dependency resolved when first asked for, then kept.

    Hint a parameter ``Lazy[T]`` to receive one: ``get()`` (or ``await
    get_async()``) resolves ``T`` on its first call, from the resolver that
    built the owner (the root provider for a singleton, the scope
    otherwise), and returns that same object on every later call. Two
    threads (or tasks) calling it at once get one object.

    Validation checks ``T`` as it checks a direct dependency (it must be
    registered; a singleton cannot take ``Lazy[Scoped]``), except that a
    cycle through ``Lazy`` is allowed: it is how a cycle is broken.
    ``Annotated[Lazy[T], FromComponent("c")]`` takes ``T`` from component
    ``c``. Call ``get()`` after the owner is built, not in its constructor
    while ``T`` may still need the owner.

    Added in the Unreleased version.

    Example:
        ```python
        from wiredi import Lazy, ServiceCollection

        class Parent:
            def __init__(self, child: "Lazy[Child]") -> None:
                self.child = child

        class Child:
            def __init__(self, parent: Parent) -> None:
                self.parent = parent

        services = ServiceCollection().add_singleton(Parent).add_singleton(Child)
        provider = services.build_service_provider()
        parent = provider.get_service(Parent)
        assert parent.child.get().parent is parent
        assert parent.child.get() is parent.child.get()
        ```
    """

    __slots__ = (
        "_component",
        "_lock",
        "_pending",
        "_pending_by",
        "_resolver",
        "_resolving",
        "_service_type",
        "_value",
    )
    __wiredi_dependency_kind__ = DepKind.LAZY  # see hints.SPECIAL_KIND

    def __init__(
        self, resolver: Resolver, service_type: TypeForm[T], component: str = ""
    ) -> None:
        """Make a ``Lazy`` that resolves ``service_type`` from ``resolver``.

        The container makes these; a test may make one by hand.
        """
        self._resolver = resolver
        self._service_type = service_type
        self._component = component
        self._value: Any = _UNSET
        self._lock = threading.RLock()
        # the sync resolution under way (its thread or task), and the async one
        # with the future its waiters share (set to its error, or None)
        self._resolving: object = None
        self._pending: concurrent.futures.Future[BaseException | None] | None = None
        self._pending_by: object = None

    def get(self) -> T:
        """Resolve ``T`` on the first call; return that same object afterwards.

        Raises:
            CircularDependencyError: called while ``T`` is being resolved for
                this very ``Lazy`` (from a constructor on the way).
        """
        value = self._value
        if value is not _UNSET:
            return value  # type: ignore[no-any-return]
        with self._lock:  # reentrant: only this thread can be here twice
            if self._value is _UNSET:
                me = current_owner()
                self._refuse_reentry(me)
                self._resolving = me
                try:
                    self._value = self._resolver.get_service(
                        self._service_type, component=self._component
                    )
                finally:
                    self._resolving = None
            return self._value  # type: ignore[no-any-return]

    async def get_async(self) -> T:
        """Resolve ``T`` on the first call, awaiting async factories; then keep it.

        Tasks that ask while another resolves wait for it and share its
        outcome (its object, or its error); a cancelled attempt lets the
        next caller try again.
        """
        value = self._value
        if value is not _UNSET:
            return value  # type: ignore[no-any-return]
        me = current_owner()
        while True:
            with self._lock:  # never held across an await
                if self._value is not _UNSET:
                    return self._value  # type: ignore[no-any-return]
                self._refuse_reentry(me)
                pending = self._pending
                if pending is None:
                    pending = self._pending = concurrent.futures.Future()
                    self._pending_by = me
                    break
            failure = await asyncio.shield(asyncio.wrap_future(pending))
            if failure is not None:
                raise failure
        try:
            value = await self._resolver.get_service_async(
                self._service_type, component=self._component
            )
        except BaseException as exc:
            self._finish()
            # an error is shared with the waiters; after a cancellation (or an
            # interrupt) they try again themselves
            pending.set_result(exc if isinstance(exc, Exception) else None)
            raise
        with self._lock:
            if self._value is _UNSET:  # a sync get() may have been first
                self._value = value
            value = self._value
        self._finish()
        pending.set_result(None)
        return value  # type: ignore[no-any-return]

    def _finish(self) -> None:
        with self._lock:
            self._pending = None
            self._pending_by = None

    def _refuse_reentry(self, me: object) -> None:
        if me not in (self._resolving, self._pending_by):
            return
        name = type_name(self._service_type)
        raise CircularDependencyError(
            f"Lazy[{name}].get() was called while {name} was being resolved "
            "for that same Lazy",
            service_type=self._service_type,
            component=self._component,
            hint=f"call get() once the object holding the Lazy[{name}] is "
            f"built, not from a constructor or factory that building {name} "
            "runs",
        )

    def __repr__(self) -> str:
        state = "unresolved" if self._value is _UNSET else "resolved"
        return f"<wiredi.Lazy[{type_name(self._service_type)}] ({state})>"


def lazy_maker(service_type: Any, component: str) -> Any:
    """``make(r)``: the ``Lazy`` a parameter receives, bound to resolver ``r``."""

    def make_lazy(r: Any) -> Lazy[Any]:
        return Lazy(r, service_type, component)

    return make_lazy
