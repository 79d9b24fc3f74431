"""The state and input checks that every registration method builds on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Self, TypeVar

from wiredi._registration.checks import (
    Call,
    CallText,
    check_constructible,
    check_factory,
    check_health_check,
    check_implementation,
    check_instance,
    check_service_type,
)
from wiredi._registration.declarations import Declarations, HealthCheckFn
from wiredi._registration.lifetimes import (
    BUILTIN_LIFETIMES,
    Lifetime,
    close_builtin,
    parse_lifetime,
)
from wiredi._registration.registration import Kind, Registration, caller_location
from wiredi.errors import RegistrationError

__all__ = ["CollectionCore"]

T = TypeVar("T")
# bound once: an enum member read from its class costs about 55 ns on 3.11
_TYPE, _FACTORY = Kind.TYPE, Kind.FACTORY


class CollectionCore:
    """A collection's records, its component views and the checks of one ``add*``.

    ``ServiceCollection`` is this plus the registration methods (adding,
    conditional adding, editing) and ``build_service_provider()``.
    """

    __slots__ = ("_component", "_state")

    def __init__(self) -> None:
        self._state = Declarations()
        self._component = ""

    # ----------------------------------------------------------------- views

    def component(self, name: str) -> Self:
        """Return a view whose ``add*`` methods register into component ``name``.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Db: ...

            services = ServiceCollection()
            services.component("user").add_singleton(Db)
            provider = services.build_service_provider()
            assert isinstance(provider.get_service(Db, component="user"), Db)
            ```
        """
        if not isinstance(name, str):
            raise RegistrationError(
                f"component({name!r}): a component name is a string",
                registered_at=caller_location(),
            )
        view = object.__new__(type(self))
        view._state = self._state
        view._component = name
        return view

    @property
    def registrations(self) -> tuple[Registration, ...]:
        """Every registration, in the order they were made."""
        return tuple(self._state.registrations)

    def __len__(self) -> int:
        return len(self._state.registrations)

    def __iter__(self) -> Iterator[Registration]:
        return iter(tuple(self._state.registrations))

    def __contains__(self, service_type: object) -> bool:
        return any(
            r.service_type == service_type and r.component == self._component
            for r in self._state.registrations
        )

    def __repr__(self) -> str:
        where = f", component={self._component!r}" if self._component else ""
        return f"<wiredi.ServiceCollection(services={len(self)}{where})>"

    # ------------------------------------------------------------- internals

    def _component_of(self, component: str) -> str:
        if not isinstance(component, str):
            raise RegistrationError(
                f"component={component!r}: a component name is a string",
                registered_at=caller_location(),
            )
        return component or self._component

    def _lifetime_of(self, lifetime: object, call: Call, where: str) -> str:
        name = parse_lifetime(lifetime)
        if name is None:
            near = close_builtin(lifetime) if isinstance(lifetime, str) else None
            suggestion = f"did you mean {near!r}? " if near else ""
            raise RegistrationError(
                f"{call}: unknown lifetime {lifetime!r}",
                hint=f"{suggestion}use 'singleton', 'scoped', 'transient', "
                "a Lifetime member, or the name of a scope manager",
                registered_at=where,
            )
        return name

    def _register(
        self,
        call: Call,
        service_type: Any,
        implementation: Any,
        lifetime: object,
        component: str,
        *,
        kind: Kind | None = None,
        where: str,
        health_check: HealthCheckFn | None = None,
    ) -> Registration:
        if (
            kind is None
            and implementation is None
            and type(service_type) is type
            and service_type is not type
        ):
            # add_singleton(Clock): a class of the plain metaclass bound to
            # itself passes every check below by construction (no Protocol,
            # ABC, Enum or type form), so only the lifetime and component are
            # read, in the same order
            if type(lifetime) is str and lifetime in BUILTIN_LIFETIMES:
                life = lifetime  # what _lifetime_of returns for it
            else:
                life = self._lifetime_of(lifetime, call, where)
            if type(component) is str:
                comp = component or self._component  # as _component_of
            else:
                comp = self._component_of(component)
            implementation, kind = service_type, _TYPE
        else:
            check_service_type(service_type, call, where)
            life = self._lifetime_of(lifetime, call, where)
            comp = self._component_of(component)
        if kind is None:
            if implementation is None:
                implementation = service_type
            check_constructible(implementation, call, where)
            check_implementation(service_type, implementation, call, where)
            is_class = isinstance(implementation, type) or hasattr(
                implementation, "__origin__"
            )
            kind = _TYPE if is_class else _FACTORY
        elif kind is Kind.FACTORY:
            check_factory(service_type, implementation, call, where)
        elif kind is Kind.INSTANCE:
            if life != Lifetime.SINGLETON:
                raise RegistrationError(
                    f"{call}: an instance cannot have the {life!r} lifetime",
                    service_type=service_type,
                    hint="an instance is shared by everyone: register it as a "
                    "singleton (add_instance), or register a factory instead",
                    registered_at=where,
                )
            check_instance(service_type, implementation, call, where)
        state = self._state
        state.order += 1  # Declarations.next_order(), inlined: runs per add*
        registration = Registration(
            service_type, kind, implementation, life, comp, "", where, state.order
        )
        if health_check is not None:
            check_health_check(
                service_type, health_check, call, where,
                lifetime=life, open_generic=registration.is_open_generic,
            )  # fmt: skip
            state.health_checks[registration] = health_check
        state.registrations.append(registration)
        return registration

    def _has(self, service_type: Any, component: str) -> bool:
        comp = self._component_of(component)
        return any(
            r.service_type == service_type and r.component == comp
            for r in self._state.registrations
        )

    # ---------------------------------------------------------- factories

    def _add_made(
        self,
        name: str,
        service_type: Any,
        made: Any,
        lifetime: str,
        component: str,
        *,
        kind: Kind = Kind.FACTORY,
        only_new: bool = False,
        health_check: HealthCheckFn | None = None,
    ) -> Self:
        """Register a factory (or an instance); ``only_new`` for ``try_add_*``."""
        if not (only_new and self._has(service_type, component)):
            self._register(
                CallText(name, service_type, ", ..."),
                service_type, made, lifetime, component,
                kind=kind, where=caller_location(), health_check=health_check,
            )  # fmt: skip
        return self
