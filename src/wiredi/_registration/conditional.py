"""The ``try_add*`` methods: register only when nothing is registered yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self, TypeVar, overload

from typing_extensions import TypeForm

from wiredi._registration.collection_core import CollectionCore
from wiredi._registration.declarations import HealthCheckFn
from wiredi._registration.lifetimes import (
    SCOPED_NAME,
    SINGLETON_NAME,
    TRANSIENT_NAME,
    Lifetime,
)
from wiredi._registration.registration import Kind, caller_location
from wiredi._rendering import type_name

__all__ = ["TryAddMethods"]

T = TypeVar("T")


class TryAddMethods(CollectionCore):
    """The ``try_add*`` methods: register only when nothing is registered yet."""

    __slots__ = ()

    # --------------------------------------------------- try_add / replace

    def try_add(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        lifetime: Lifetime | str,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """Register only if ``service_type`` has no registration in the component yet.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...
            class FakeClock(Clock): ...

            services = ServiceCollection().add_singleton(Clock, FakeClock)
            services.try_add(Clock, lifetime="singleton")
            assert len(services) == 1
            ```
        """
        if not self._has(service_type, component):
            self._register(
                f"try_add({type_name(service_type)})",
                service_type, implementation, lifetime, component,
                where=caller_location(), health_check=health_check,
            )  # fmt: skip
        return self

    @overload
    def try_add_singleton(
        self,
        service_type: type[T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    @overload
    def try_add_singleton(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    def try_add_singleton(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """``add_singleton`` unless ``service_type`` is already registered.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...

            services = ServiceCollection().try_add_singleton(Clock)
            services.try_add_singleton(Clock)
            assert len(services) == 1
            ```
        """
        if not self._has(service_type, component):
            self._register(
                f"try_add_singleton({type_name(service_type)})",
                service_type, implementation, SINGLETON_NAME, component,
                where=caller_location(), health_check=health_check,
            )  # fmt: skip
        return self

    @overload
    def try_add_scoped(
        self,
        service_type: type[T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    @overload
    def try_add_scoped(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    def try_add_scoped(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """``add_scoped`` unless ``service_type`` is already registered.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Repo: ...

            services = ServiceCollection().try_add_scoped(Repo).try_add_scoped(Repo)
            assert len(services) == 1
            ```
        """
        if not self._has(service_type, component):
            self._register(
                f"try_add_scoped({type_name(service_type)})",
                service_type, implementation, SCOPED_NAME, component,
                where=caller_location(), health_check=health_check,
            )  # fmt: skip
        return self

    @overload
    def try_add_transient(
        self,
        service_type: type[T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    @overload
    def try_add_transient(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    def try_add_transient(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """``add_transient`` unless ``service_type`` is already registered.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Job: ...

            services = ServiceCollection().try_add_transient(Job).try_add_transient(Job)
            assert len(services) == 1
            ```
        """
        if not self._has(service_type, component):
            self._register(
                f"try_add_transient({type_name(service_type)})",
                service_type, implementation, TRANSIENT_NAME, component,
                where=caller_location(), health_check=health_check,
            )  # fmt: skip
        return self

    def try_add_singleton_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """``add_singleton_factory`` unless ``service_type`` is already registered.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...

            services = ServiceCollection().add_singleton(Clock)
            services.try_add_singleton_factory(Clock, lambda: Clock())
            assert len(services) == 1
            ```
        """
        return self._add_made(
            "try_add_singleton_factory", service_type, factory,
            SINGLETON_NAME, component, only_new=True, health_check=health_check,
        )  # fmt: skip

    def try_add_scoped_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """``add_scoped_factory`` unless ``service_type`` is already registered.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Session: ...

            services = ServiceCollection().try_add_scoped_factory(Session, Session)
            assert len(services) == 1
            ```
        """
        return self._add_made(
            "try_add_scoped_factory", service_type, factory,
            Lifetime.SCOPED, component, only_new=True, health_check=health_check,
        )  # fmt: skip

    def try_add_transient_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """``add_transient_factory`` unless ``service_type`` is already registered.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Job: ...

            services = ServiceCollection().add_transient(Job)
            services.try_add_transient_factory(Job, lambda: Job())
            assert len(services) == 1
            ```
        """
        return self._add_made(
            "try_add_transient_factory", service_type, factory,
            Lifetime.TRANSIENT, component, only_new=True, health_check=health_check,
        )  # fmt: skip

    def try_add_instance(
        self,
        service_type: TypeForm[T],
        instance: T,
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """``add_instance`` unless ``service_type`` is already registered.

        Example:
            ```python
            import logging
            from wiredi import ServiceCollection

            services = ServiceCollection()
            services.add_instance(logging.Logger, logging.getLogger("app"))
            services.try_add_instance(logging.Logger, logging.getLogger("other"))
            assert len(services) == 1
            ```
        """
        return self._add_made(
            "try_add_instance", service_type, instance, SINGLETON_NAME, component,
            kind=Kind.INSTANCE, only_new=True, health_check=health_check,
        )  # fmt: skip
