"""The ``add*`` methods: register a class, factory, instance or alias."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self, TypeVar, overload

from typing_extensions import TypeForm

from wiredi._registration.checks import (
    CallText,
    check_health_check,
    check_service_type,
)
from wiredi._registration.collection_core import CollectionCore
from wiredi._registration.declarations import MISSING, HealthCheckFn
from wiredi._registration.lifetimes import (
    SCOPED_NAME,
    SINGLETON_NAME,
    TRANSIENT_NAME,
    Lifetime,
)
from wiredi._registration.registration import Kind, Registration, caller_location
from wiredi._rendering import type_name
from wiredi.errors import RegistrationError

__all__ = ["AddMethods"]

T = TypeVar("T")


class AddMethods(CollectionCore):
    """The ``add*`` methods: register a class, factory, instance or alias."""

    __slots__ = ()

    # ------------------------------------------------------------ general add

    def add(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        lifetime: Lifetime | str,
        factory: Callable[..., Any] | None = None,
        instance: Any = MISSING,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """Register ``service_type`` with any lifetime, including a custom scope name.

        Give an ``implementation`` class (or nothing, to bind the type to
        itself), a ``factory=``, or an ``instance=`` (singletons only).
        ``health_check=`` (taken by every ``add*`` method) is a function of
        the service that raises or returns ``False`` when it is unhealthy;
        ``provider.check_health()`` runs it.

        Example:
            ```python
            from wiredi import Lifetime, ServiceCollection

            class Repo: ...

            services = ServiceCollection().add(Repo, lifetime=Lifetime.SCOPED)
            with services.build_service_provider().create_scope() as scope:
                assert scope.get_service(Repo) is scope.get_service(Repo)
            ```
        """
        where = caller_location()
        given = sum(
            (implementation is not None, factory is not None, instance is not MISSING)
        )
        if given > 1:
            raise RegistrationError(
                f"add({type_name(service_type)}, ...): give an implementation, "
                "a factory or an instance, not several",
                service_type=service_type,
                registered_at=where,
            )
        call = f"add({type_name(service_type)}, lifetime={lifetime!r})"
        if factory is not None:
            self._register(
                call, service_type, factory, lifetime, component,
                kind=Kind.FACTORY, where=where, health_check=health_check,
            )  # fmt: skip
        elif instance is not MISSING:
            self._register(
                call, service_type, instance, lifetime, component,
                kind=Kind.INSTANCE, where=where, health_check=health_check,
            )  # fmt: skip
        else:
            self._register(
                call, service_type, implementation, lifetime, component,
                where=where, health_check=health_check,
            )  # fmt: skip
        return self

    # ------------------------------------------------- lifetime shortcuts

    @overload
    def add_singleton(
        self,
        service_type: type[T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    @overload
    def add_singleton(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    def add_singleton(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """Register a singleton: one instance for the root provider and every scope.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...

            provider = ServiceCollection().add_singleton(Clock).build_service_provider()
            assert provider.get_service(Clock) is provider.get_service(Clock)
            ```
        """
        call = CallText("add_singleton", service_type)
        self._register(
            call, service_type, implementation, SINGLETON_NAME, component,
            where=caller_location(), health_check=health_check,
        )  # fmt: skip
        return self

    @overload
    def add_scoped(
        self,
        service_type: type[T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    @overload
    def add_scoped(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    def add_scoped(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """Register a scoped service: one instance per ``create_scope()`` block.

        Example:
            ```python
            from wiredi import ServiceCollection

            class UnitOfWork: ...

            services = ServiceCollection().add_scoped(UnitOfWork)
            provider = services.build_service_provider()
            with provider.create_scope() as scope:
                assert scope.get_service(UnitOfWork) is scope.get_service(UnitOfWork)
            ```
        """
        call = CallText("add_scoped", service_type)
        self._register(
            call, service_type, implementation, SCOPED_NAME, component,
            where=caller_location(), health_check=health_check,
        )  # fmt: skip
        return self

    @overload
    def add_transient(
        self,
        service_type: type[T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    @overload
    def add_transient(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self: ...
    def add_transient(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        component: str = "",
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """Register a transient service: a new instance on every resolution.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Command: ...

            services = ServiceCollection().add_transient(Command)
            provider = services.build_service_provider()
            assert provider.get_service(Command) is not provider.get_service(Command)
            ```
        """
        call = CallText("add_transient", service_type)
        self._register(
            call, service_type, implementation, TRANSIENT_NAME, component,
            where=caller_location(), health_check=health_check,
        )  # fmt: skip
        return self

    def add_singleton_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """Register a factory whose result is a singleton.

        The factory's parameters are resolved from their hints; a factory with
        one parameter and no hint (``lambda sp: ...``) gets the resolver. It
        may be a function, an ``async def``, a generator (code after
        ``yield`` runs at close) or an async generator.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Settings:
                def __init__(self, url: str) -> None:
                    self.url = url

            services = ServiceCollection()
            services.add_singleton_factory(Settings, lambda sp: Settings("sqlite://"))
            assert services.build_service_provider().get_service(Settings).url
            ```
        """
        return self._add_made(
            "add_singleton_factory",
            service_type,
            factory,
            Lifetime.SINGLETON,
            component,
            health_check=health_check,
        )

    def add_scoped_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """Register a factory whose result is scoped (one per request scope).

        Example:
            ```python
            from collections.abc import Iterator
            from wiredi import ServiceCollection

            class Session:
                closed = False

            def make_session() -> Iterator[Session]:
                session = Session()
                yield session
                session.closed = True

            provider = (
                ServiceCollection()
                .add_scoped_factory(Session, make_session)
                .build_service_provider()
            )
            with provider.create_scope() as scope:
                session = scope.get_service(Session)
            assert session.closed
            ```
        """
        return self._add_made(
            "add_scoped_factory",
            service_type,
            factory,
            Lifetime.SCOPED,
            component,
            health_check=health_check,
        )

    def add_transient_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """Register a factory called on every resolution.

        Example:
            ```python
            import itertools
            from wiredi import ServiceCollection

            counter = itertools.count()
            services = ServiceCollection()
            services.add_transient_factory(int, lambda: next(counter))
            provider = services.build_service_provider()
            assert provider.get_service(int) != provider.get_service(int)
            ```
        """
        return self._add_made(
            "add_transient_factory",
            service_type,
            factory,
            Lifetime.TRANSIENT,
            component,
            health_check=health_check,
        )

    def add_instance(
        self,
        service_type: TypeForm[T],
        instance: T,
        /,
        *,
        component: str = "",
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """Register an object you already have. The container never disposes it.

        Example:
            ```python
            import logging
            from wiredi import ServiceCollection

            logger = logging.getLogger("app")
            services = ServiceCollection().add_instance(logging.Logger, logger)
            provider = services.build_service_provider()
            assert provider.get_service(logging.Logger) is logger
            ```
        """
        return self._add_made(
            "add_instance", service_type, instance, SINGLETON_NAME, component,
            kind=Kind.INSTANCE, health_check=health_check,
        )  # fmt: skip

    def add_alias(
        self,
        service_type: TypeForm[T],
        source_type: TypeForm[Any],
        /,
        *,
        component: str = "",
        source_component: str | None = None,
        health_check: Callable[[T], object] | None = None,
    ) -> Self:
        """Make ``service_type`` resolve to the very object ``source_type`` resolves to.

        ``source_component`` (default: the alias's own component) lets a
        component expose an object of another component.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Sender: ...
            class BatchSender(Sender): ...

            services = ServiceCollection().add_singleton(BatchSender)
            services.add_alias(Sender, BatchSender)
            provider = services.build_service_provider()
            assert provider.get_service(Sender) is provider.get_service(BatchSender)
            ```
        """
        where = caller_location()
        call = f"add_alias({type_name(service_type)}, {type_name(source_type)})"
        check_service_type(service_type, call, where)
        check_service_type(source_type, call, where)
        comp = self._component_of(component)
        source_comp = comp if source_component is None else source_component
        if source_type == service_type and source_comp == comp:
            raise RegistrationError(
                f"{call}: a type cannot be an alias of itself",
                service_type=service_type,
                registered_at=where,
            )
        alias = Registration(
            service_type=service_type,
            kind=Kind.ALIAS,
            implementation=source_type,
            lifetime="",
            component=comp,
            source_component=source_comp,
            registered_at=where,
            order=self._state.next_order(),
        )
        if health_check is not None:
            check_health_check(service_type, health_check, call, where)
            self._state.health_checks[alias] = health_check
        self._state.registrations.append(alias)
        return self
