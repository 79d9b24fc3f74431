"""Changing what is registered: ``replace``, ``remove_all``, ``decorate``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self, TypeVar

from typing_extensions import TypeForm

from wiredi._registration.adding import AddMethods
from wiredi._registration.checks import (
    check_service_type,
)
from wiredi._registration.declarations import MISSING, Decoration, HealthCheckFn
from wiredi._registration.lifetimes import Lifetime
from wiredi._registration.registration import caller_location
from wiredi._rendering import type_name, value_repr
from wiredi.errors import RegistrationError

__all__ = ["EditMethods"]

T = TypeVar("T")


class EditMethods(AddMethods):
    """Changing what is registered: ``replace``, ``remove_all``, ``decorate``."""

    __slots__ = ()

    def replace(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        lifetime: Lifetime | str | None = None,
        factory: Callable[..., Any] | None = None,
        instance: Any = MISSING,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """Drop every registration of ``service_type`` in the component; add this one.

        Without ``lifetime=`` the replacement keeps the lifetime of the last
        registration it replaces (transient when there was none).

        Example:
            ```python
            from wiredi import ServiceCollection

            class Repo: ...
            class FakeRepo(Repo): ...

            services = ServiceCollection().add_scoped(Repo)
            services.replace(Repo, FakeRepo)
            with services.build_service_provider().create_scope() as scope:
                assert isinstance(scope.get_service(Repo), FakeRepo)
            ```
        """
        comp = self._component_of(component)
        previous = [
            r
            for r in self._state.registrations
            if r.service_type == service_type and r.component == comp
        ]
        if lifetime is None:
            if instance is not MISSING:
                lifetime = Lifetime.SINGLETON
            elif previous and previous[-1].lifetime:
                lifetime = previous[-1].lifetime
            else:
                lifetime = Lifetime.TRANSIENT
        kept = [r for r in self._state.registrations if r not in previous]
        self._state.registrations[:] = kept
        return self.add(
            service_type,
            implementation,
            lifetime=lifetime,
            factory=factory,
            instance=instance,
            component=comp,
            health_check=health_check,
        )

    def remove_all(self, service_type: Any, /, *, component: str = "") -> Self:
        """Remove every registration of ``service_type`` in the component.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Repo: ...

            services = ServiceCollection().add_scoped(Repo).remove_all(Repo)
            assert len(services) == 0
            ```
        """
        comp = self._component_of(component)
        self._state.registrations[:] = [
            r
            for r in self._state.registrations
            if not (r.service_type == service_type and r.component == comp)
        ]
        return self

    def decorate(
        self,
        service_type: TypeForm[T],
        decorator: Callable[..., T],
        /,
        *,
        component: str = "",
    ) -> Self:
        """Wrap whatever ``service_type`` resolves to in ``decorator``.

        The decorator's parameter hinted with ``service_type`` receives the
        inner object (so does the only parameter of a one-parameter decorator
        without a hint, ``lambda inner: ...``); its other parameters are
        resolved as usual. The result
        keeps the lifetime of what it wraps; the last decorator added is the
        outermost.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Repo:
                def get(self) -> str:
                    return "db"

            class CachingRepo(Repo):
                def __init__(self, inner: Repo) -> None:
                    self.inner = inner

                def get(self) -> str:
                    return "cached " + self.inner.get()

            services = ServiceCollection().add_singleton(Repo)
            services.decorate(Repo, CachingRepo)
            provider = services.build_service_provider()
            assert provider.get_service(Repo).get() == "cached db"
            ```
        """
        where = caller_location()
        call = f"decorate({type_name(service_type)}, ...)"
        check_service_type(service_type, call, where)
        if not callable(decorator):
            raise RegistrationError(
                f"{call}: the decorator {value_repr(decorator)} is not callable",
                service_type=service_type,
                hint="pass a class whose constructor takes the inner service",
                registered_at=where,
            )
        self._state.decorations.append(
            Decoration(
                service_type,
                decorator,
                self._component_of(component),
                where,
                self._state.next_order(),
            )
        )
        return self
