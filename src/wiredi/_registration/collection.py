"""The registration API of ``ServiceCollection``, everything but building."""

from __future__ import annotations

from typing import Any, Self, TypeVar

from typing_extensions import TypeForm

from wiredi._registration.checks import (
    check_service_type,
)
from wiredi._registration.conditional import TryAddMethods
from wiredi._registration.declarations import OptionsBinding
from wiredi._registration.editing import EditMethods
from wiredi._registration.lifetimes import Lifetime, parse_lifetime
from wiredi._registration.registration import Kind, Registration, caller_location
from wiredi._registration.scope_manager import ScopeManager
from wiredi._rendering import type_name
from wiredi.errors import RegistrationError

__all__ = ["BaseServiceCollection"]

T = TypeVar("T")


class BaseServiceCollection(TryAddMethods, EditMethods):
    """Every registration method of ``ServiceCollection``; it adds only building.

    The registration layer cannot import the runtime, so the public
    ``ServiceCollection`` (in ``wiredi._service_collection``) is this class
    plus ``build_service_provider()``.
    """

    __slots__ = ()

    # ------------------------------------------------------- context values

    def add_context(self, service_type: TypeForm[T], /, *, component: str = "") -> Self:
        """Declare ``service_type`` as a context value: each scope is given its own.

        The value is passed when the scope opens,
        ``provider.create_scope(context={service_type: value})`` (also with a
        custom scope: ``create_scope(name, scope_id, context=...)``), and is
        then resolved like a scoped service: factories and constructors take
        it as a parameter. Validation treats it as scoped, so a singleton
        that takes it is a ``LifetimeError``. The container never disposes
        it: whoever gave it owns it. The web integrations give their
        framework's request objects when they are declared this way.

        Resolving it in a scope that was not given one raises ``ScopeError``;
        ``create_scope`` raises ``RegistrationError`` for a value of an
        undeclared type or one that is not an instance of the type.

        Added in 0.1.0.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Request:
                def __init__(self, user: str) -> None:
                    self.user = user

            class CurrentUser:
                def __init__(self, request: Request) -> None:
                    self.name = request.user

            services = ServiceCollection().add_context(Request).add_scoped(CurrentUser)
            provider = services.build_service_provider()
            with provider.create_scope(context={Request: Request("ada")}) as scope:
                assert scope.get_service(CurrentUser).name == "ada"
            ```
        """
        where = caller_location()
        check_service_type(
            service_type, f"add_context({type_name(service_type)})", where
        )
        self._state.registrations.append(
            Registration(
                service_type=service_type,
                kind=Kind.CONTEXT,
                implementation=service_type,
                lifetime=Lifetime.SCOPED.value,
                component=self._component_of(component),
                registered_at=where,
                order=self._state.next_order(),
            )
        )
        return self

    # ------------------------------------------------------- scopes / config

    def add_scope_manager(
        self, name: str, manager: ScopeManager, /, *, component: str = ""
    ) -> Self:
        """Register a custom scope: services with ``lifetime=name`` live in it.

        A scope name is shared by every component: registrations of any
        component with ``lifetime=name`` use this manager, and
        ``create_scope(name, scope_id)`` enters it. ``component`` is there
        like on every ``add*`` method; a name other than ``""`` (or the
        component view's own) is a ``RegistrationError``.

        Example:
            ```python
            from wiredi import ContextScopeManager, ServiceCollection

            class Prefs: ...

            services = ServiceCollection()
            services.add_scope_manager("session", ContextScopeManager())
            services.add(Prefs, lifetime="session")
            provider = services.build_service_provider()
            with provider.create_scope("session", "alice") as scope:
                first = scope.get_service(Prefs)
            with provider.create_scope("session", "alice") as scope:
                assert scope.get_service(Prefs) is first
            ```
        """
        where = caller_location()
        if component and component != self._component:
            raise RegistrationError(
                f"add_scope_manager({name!r}, ..., component={component!r}): scope "
                "managers are shared by every component",
                hint=f"drop component=; services of any component with "
                f"lifetime={name!r} use this manager",
                registered_at=where,
            )
        if parse_lifetime(name) is None or name in {item.value for item in Lifetime}:
            raise RegistrationError(
                f"add_scope_manager({name!r}, ...): not a usable scope name",
                hint="use an identifier other than singleton/scoped/transient",
                registered_at=where,
            )
        missing = [
            method
            for method in ("enter_scope", "exit_scope", "get_current_scope")
            if not callable(getattr(manager, method, None))
        ]
        if missing:
            raise RegistrationError(
                f"add_scope_manager({name!r}, ...): {manager!r} is not a ScopeManager "
                f"(missing: {', '.join(missing)})",
                hint="implement enter_scope, exit_scope and get_current_scope",
                registered_at=where,
            )
        self._state.scope_managers[name] = manager
        return self

    def configure(
        self, options_type: type[Any], /, *, section: str, component: str = ""
    ) -> Self:
        """Bind configuration ``section`` to ``options_type``; inject ``Options[T]``.

        The bound object is built from the registered ``IConfiguration`` on
        first use (at build when validating) and shared as a singleton.

        Example:
            ```python
            from dataclasses import dataclass
            from wiredi import ServiceCollection
            from wiredi.config import Configuration, IConfiguration, Options

            @dataclass
            class DatabaseOptions:
                host: str
                port: int = 5432

            services = ServiceCollection()
            config = Configuration({"database": {"host": "db", "port": "65"}})
            services.add_instance(IConfiguration, config)
            services.configure(DatabaseOptions, section="database")
            provider = services.build_service_provider()
            assert provider.get_service(Options[DatabaseOptions]).value.port == 65
            ```
        """
        where = caller_location()
        call = f"configure({type_name(options_type)}, section={section!r})"
        check_service_type(options_type, call, where)
        comp = self._component_of(component)
        for earlier in self._state.options:
            if earlier.options_type is options_type and earlier.component == comp:
                # one Options[T] per component: two sections would each bind
                # (and validate) alone, and the last would win
                raise RegistrationError(
                    f"{call}: {type_name(options_type)} is bound to section "
                    f"{earlier.section!r} already (at {earlier.registered_at})",
                    service_type=options_type,
                    component=comp,
                    registered_at=where,
                    hint="bind one section per options type: put the keys in "
                    "one section (sources merge key by key), or give each "
                    "section an options class of its own",
                )
        self._state.options.append(OptionsBinding(options_type, section, comp, where))
        return self
