"""``ServiceCollection``: the registrations made at startup."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar, overload

from typing_extensions import TypeForm

from wiredi._registration.checks import (
    Call,
    CallText,
    check_factory,
    check_implementation,
    check_instance,
    check_service_type,
)
from wiredi._registration.lifetimes import Lifetime, close_builtin, parse_lifetime
from wiredi._registration.registration import Kind, Registration, caller_location
from wiredi._rendering import type_name
from wiredi._registration.scope_manager import ScopeManager
from wiredi.errors import RegistrationError

if TYPE_CHECKING:  # import cycle: the provider is built from this module's data
    from wiredi._runtime.provider import ServiceProvider

__all__ = ["Decoration", "OptionsBinding", "ServiceCollection"]

T = TypeVar("T")
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Decoration:
    """A ``decorate(service_type, decorator)`` call."""

    service_type: Any
    decorator: Any
    component: str
    registered_at: str
    order: int


@dataclass(frozen=True, slots=True)
class OptionsBinding:
    """A ``configure(options_type, section=...)`` call."""

    options_type: Any
    section: str
    component: str
    registered_at: str


class _State:
    """Registrations shared by a collection and its component views."""

    __slots__ = ("decorations", "options", "order", "registrations", "scope_managers")

    def __init__(self) -> None:
        self.registrations: list[Registration] = []
        self.decorations: list[Decoration] = []
        self.scope_managers: dict[str, ScopeManager] = {}
        self.options: list[OptionsBinding] = []
        self.order = 0

    def next_order(self) -> int:
        self.order += 1
        return self.order


class ServiceCollection:
    """The registrations of an application, filled at startup.

    Every ``add*`` method returns the collection, so calls chain, and takes
    ``component=`` to register into a named component.

    Example:
        ```python
        from wiredi import ServiceCollection

        class Clock: ...

        class Greeter:
            def __init__(self, clock: Clock) -> None:
                self.clock = clock

        services = ServiceCollection().add_singleton(Clock).add_transient(Greeter)
        provider = services.build_service_provider()
        assert provider.get_service(Greeter).clock is provider.get_service(Clock)
        ```
    """

    __slots__ = ("_component", "_state")

    def __init__(self) -> None:
        self._state = _State()
        self._component = ""

    # ----------------------------------------------------------------- views

    def component(self, name: str) -> ServiceCollection:
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
        view = object.__new__(ServiceCollection)
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
    ) -> Registration:
        check_service_type(service_type, call, where)
        life = self._lifetime_of(lifetime, call, where)
        comp = self._component_of(component)
        if kind is None:
            if implementation is None:
                implementation = service_type
            check_implementation(service_type, implementation, call, where)
            is_class = isinstance(implementation, type) or hasattr(
                implementation, "__origin__"
            )
            kind = Kind.TYPE if is_class else Kind.FACTORY
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
        registration = Registration(
            service_type=service_type,
            kind=kind,
            implementation=implementation,
            lifetime=life,
            component=comp,
            registered_at=where,
            order=self._state.next_order(),
        )
        self._state.registrations.append(registration)
        return registration

    def _has(self, service_type: Any, component: str) -> bool:
        comp = self._component_of(component)
        return any(
            r.service_type == service_type and r.component == comp
            for r in self._state.registrations
        )

    # ------------------------------------------------------------ general add

    def add(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        lifetime: Lifetime | str,
        factory: Callable[..., Any] | None = None,
        instance: Any = _MISSING,
        component: str = "",
    ) -> Self:
        """Register ``service_type`` with any lifetime, including a custom scope name.

        Give an ``implementation`` class (or nothing, to bind the type to
        itself), a ``factory=``, or an ``instance=`` (singletons only).

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
            (implementation is not None, factory is not None, instance is not _MISSING)
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
                kind=Kind.FACTORY, where=where,
            )  # fmt: skip
        elif instance is not _MISSING:
            self._register(
                call, service_type, instance, lifetime, component,
                kind=Kind.INSTANCE, where=where,
            )  # fmt: skip
        else:
            self._register(
                call, service_type, implementation, lifetime, component, where=where
            )
        return self

    # ------------------------------------------------- lifetime shortcuts

    @overload
    def add_singleton(
        self, service_type: type[T], /, *, component: str = ""
    ) -> Self: ...
    @overload
    def add_singleton(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
    ) -> Self: ...
    def add_singleton(
        self, service_type: Any, implementation: Any = None, /, *, component: str = ""
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
            call, service_type, implementation, Lifetime.SINGLETON, component,
            where=caller_location(),
        )  # fmt: skip
        return self

    @overload
    def add_scoped(self, service_type: type[T], /, *, component: str = "") -> Self: ...
    @overload
    def add_scoped(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
    ) -> Self: ...
    def add_scoped(
        self, service_type: Any, implementation: Any = None, /, *, component: str = ""
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
            call, service_type, implementation, Lifetime.SCOPED, component,
            where=caller_location(),
        )  # fmt: skip
        return self

    @overload
    def add_transient(
        self, service_type: type[T], /, *, component: str = ""
    ) -> Self: ...
    @overload
    def add_transient(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
    ) -> Self: ...
    def add_transient(
        self, service_type: Any, implementation: Any = None, /, *, component: str = ""
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
            call, service_type, implementation, Lifetime.TRANSIENT, component,
            where=caller_location(),
        )  # fmt: skip
        return self

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
    ) -> Self:
        """Register a factory (or an instance); ``only_new`` for ``try_add_*``."""
        if not (only_new and self._has(service_type, component)):
            self._register(
                CallText(name, service_type, ", ..."),
                service_type, made, lifetime, component,
                kind=kind, where=caller_location(),
            )  # fmt: skip
        return self

    def add_singleton_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
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
        )

    def add_scoped_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
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
            "add_scoped_factory", service_type, factory, Lifetime.SCOPED, component
        )

    def add_transient_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
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
        )

    def add_instance(
        self, service_type: TypeForm[T], instance: T, /, *, component: str = ""
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
            "add_instance", service_type, instance, Lifetime.SINGLETON, component,
            kind=Kind.INSTANCE,
        )  # fmt: skip

    def add_alias(
        self,
        service_type: TypeForm[T],
        source_type: TypeForm[Any],
        /,
        *,
        component: str = "",
        source_component: str | None = None,
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
        self._state.registrations.append(
            Registration(
                service_type=service_type,
                kind=Kind.ALIAS,
                implementation=source_type,
                lifetime="",
                component=comp,
                source_component=source_comp,
                registered_at=where,
                order=self._state.next_order(),
            )
        )
        return self

    # --------------------------------------------------- try_add / replace

    def try_add(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        lifetime: Lifetime | str,
        component: str = "",
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
                where=caller_location(),
            )  # fmt: skip
        return self

    @overload
    def try_add_singleton(
        self, service_type: type[T], /, *, component: str = ""
    ) -> Self: ...
    @overload
    def try_add_singleton(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
    ) -> Self: ...
    def try_add_singleton(
        self, service_type: Any, implementation: Any = None, /, *, component: str = ""
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
                service_type, implementation, Lifetime.SINGLETON, component,
                where=caller_location(),
            )  # fmt: skip
        return self

    @overload
    def try_add_scoped(
        self, service_type: type[T], /, *, component: str = ""
    ) -> Self: ...
    @overload
    def try_add_scoped(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
    ) -> Self: ...
    def try_add_scoped(
        self, service_type: Any, implementation: Any = None, /, *, component: str = ""
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
                service_type, implementation, Lifetime.SCOPED, component,
                where=caller_location(),
            )  # fmt: skip
        return self

    @overload
    def try_add_transient(
        self, service_type: type[T], /, *, component: str = ""
    ) -> Self: ...
    @overload
    def try_add_transient(
        self,
        service_type: TypeForm[T],
        implementation: Callable[..., T],
        /,
        *,
        component: str = "",
    ) -> Self: ...
    def try_add_transient(
        self, service_type: Any, implementation: Any = None, /, *, component: str = ""
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
                service_type, implementation, Lifetime.TRANSIENT, component,
                where=caller_location(),
            )  # fmt: skip
        return self

    def try_add_singleton_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
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
            Lifetime.SINGLETON, component, only_new=True,
        )  # fmt: skip

    def try_add_scoped_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
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
            Lifetime.SCOPED, component, only_new=True,
        )  # fmt: skip

    def try_add_transient_factory(
        self,
        service_type: TypeForm[T],
        factory: Callable[..., Any],
        /,
        *,
        component: str = "",
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
            Lifetime.TRANSIENT, component, only_new=True,
        )  # fmt: skip

    def try_add_instance(
        self, service_type: TypeForm[T], instance: T, /, *, component: str = ""
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
            "try_add_instance", service_type, instance, Lifetime.SINGLETON, component,
            kind=Kind.INSTANCE, only_new=True,
        )  # fmt: skip

    def replace(
        self,
        service_type: Any,
        implementation: Any = None,
        /,
        *,
        lifetime: Lifetime | str | None = None,
        factory: Callable[..., Any] | None = None,
        instance: Any = _MISSING,
        component: str = "",
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
            if instance is not _MISSING:
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
                f"{call}: the decorator {decorator!r} is not callable",
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
        self._state.options.append(
            OptionsBinding(options_type, section, self._component_of(component), where)
        )
        return self

    # ----------------------------------------------------------------- build

    def build_service_provider(self, *, validate: bool = True) -> ServiceProvider:
        """Compile the registrations into an immutable ``ServiceProvider``.

        With ``validate=True`` (the default) every registration's graph is
        checked now and every problem is raised at once in a
        ``GraphValidationError``. Later changes to the collection are not
        seen by the provider.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...

            services = ServiceCollection().add_singleton(Clock)
            with services.build_service_provider() as sp:
                assert isinstance(sp.get_service(Clock), Clock)
            ```
        """
        from wiredi._runtime.provider import ServiceProvider  # noqa: PLC0415 - import cycle

        return ServiceProvider._build(
            tuple(self._state.registrations),
            tuple(self._state.decorations),
            dict(self._state.scope_managers),
            tuple(self._state.options),
            validate=validate,
        )
