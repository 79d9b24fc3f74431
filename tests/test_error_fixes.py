"""Errors that used to mislead now name the real cause, the fix and the call site."""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator, Mapping, MutableSequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import pytest

from wiredi import (
    ConfigurationError,
    DependencyContext,
    DIError,
    GraphValidationError,
    RegistrationError,
    ServiceCollection,
    ServiceNotFoundError,
)
from wiredi.config import Configuration, IConfiguration, Options

T = TypeVar("T")


def _next_line() -> str:
    """``file.py:LINE`` of the line after the caller's: where it registers."""
    frame = sys._getframe(1)
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno + 1}"


def _only_error(services: ServiceCollection) -> DIError:
    with pytest.raises(GraphValidationError) as caught:
        services.build_service_provider()
    (error,) = caught.value.errors
    return error


@dataclass
class DbOptions:
    host: str
    port: int = 5432


class Repo:
    def __init__(self, options: Options[DbOptions]) -> None:
        self.options = options.value


class Late:
    pass


class NeedsLate:
    def __init__(self, late: Late) -> None:
        self.late = late


class Box(Generic[T]):
    pass


class Port:
    def __init__(self, port: int) -> None:
        self.port = port


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


class TestOptionsWithoutConfigure:
    def test_fix_says_configure_the_options(self) -> None:
        """Options[X] without configure() suggests configure(X, section=...)."""
        services = ServiceCollection()
        services.add_instance(IConfiguration, Configuration({}))
        where = _next_line()
        services.add_transient(Repo)
        error = _only_error(services)
        assert isinstance(error, ServiceNotFoundError)
        assert str(error) == (
            "Repo needs Options[DbOptions] (parameter 'options'), which is not "
            "registered\n"
            "  path: Repo -> Options[DbOptions]\n"
            f"  registered at: {where}\n"
            "  fix: bind the options with services.configure(DbOptions, "
            "section=...), naming the configuration section to read"
        )

    def test_fix_also_asks_for_the_configuration_when_there_is_none(self) -> None:
        """Without an IConfiguration the fix says to register one as well."""
        error = _only_error(ServiceCollection().add_transient(Repo))
        assert error.hint is not None
        assert "services.configure(DbOptions, section=...)" in error.hint
        assert "add_instance(IConfiguration," in error.hint
        assert "add_transient(Options" not in error.hint

    def test_fix_names_the_component(self) -> None:
        """In a component, the configure() call to write names that component."""
        services = ServiceCollection()
        services.add_instance(IConfiguration, Configuration({}))
        services.component("c").add_transient(Repo)
        error = _only_error(services)
        assert error.hint is not None
        assert "configure(DbOptions, section=..., component='c')" in error.hint

    def test_top_level_resolve_suggests_configure_too(self) -> None:
        """get_service(Options[X]) without configure() gets the same fix."""
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Options[DbOptions])
        assert caught.value.hint is not None
        assert "services.configure(DbOptions, section=...)" in caught.value.hint


class TestRegisteredAfterBuild:
    def test_top_level_resolve_says_the_provider_predates_the_registration(
        self,
    ) -> None:
        """A type registered after the build is reported as such, with its line."""
        services = ServiceCollection()
        provider = services.build_service_provider()
        where = _next_line()
        services.add_transient(Late)
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Late)
        assert str(caught.value) == (
            "no registration for Late in this provider: the provider was built "
            f"before Late was registered (at {where})\n"
            "  path: Late\n"
            f"  registered at: {where}\n"
            "  fix: a provider never sees what is added to its collection after "
            "build_service_provider(): make every add* call before building, or "
            "call services.build_service_provider() again to rebuild it (and close "
            "this provider)"
        )
        assert caught.value.registered_at == where

    def test_the_same_raiser_learns_of_a_later_registration(self) -> None:
        """A type first missing, then registered, is reported as registered late."""
        services = ServiceCollection()
        provider = services.build_service_provider()
        with pytest.raises(ServiceNotFoundError) as first:
            provider.get_service(Late)
        assert first.value.registered_at is None
        services.add_transient(Late)
        with pytest.raises(ServiceNotFoundError, match="built before Late"):
            provider.get_service(Late)

    def test_a_dependency_registered_after_an_unvalidated_build(self) -> None:
        """Without validation, a dependency added later is reported on resolve."""
        services = ServiceCollection().add_transient(NeedsLate)
        provider = services.build_service_provider(validate=False)
        where = _next_line()
        services.add_transient(Late)
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(NeedsLate)
        assert caught.value.registered_at == where
        assert "path: NeedsLate -> Late" in str(caught.value)
        assert "rebuild" in str(caught.value.hint)

    def test_a_component_registration_after_the_build(self) -> None:
        """The check looks in the component that was asked for."""
        services = ServiceCollection()
        provider = services.build_service_provider()
        services.add_transient(Late, component="c")
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Late)
        assert "built before" not in str(caught.value)
        with pytest.raises(ServiceNotFoundError, match="in component 'c' in this"):
            provider.get_service(Late, component="c")

    def test_configure_after_the_build(self) -> None:
        """A configure() call after the build is reported with its line."""
        services = ServiceCollection()
        services.add_instance(IConfiguration, Configuration({}))
        provider = services.build_service_provider()
        where = _next_line()
        services.configure(DbOptions, section="db")
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Options[DbOptions])
        assert caught.value.registered_at == where

    def test_a_later_open_generic_is_found_for_its_closed_form(self) -> None:
        """Registering an open generic after the build explains a closed resolve."""
        services = ServiceCollection()
        provider = services.build_service_provider()
        where = _next_line()
        services.add_transient(Box)
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Box[int])
        assert caught.value.registered_at == where

    def test_under_an_override_the_late_registration_is_still_named(self) -> None:
        """An override layer keeps the view of the collection."""
        services = ServiceCollection()
        provider = services.build_service_provider()
        services.add_transient(Late)
        with provider.override(NeedsLate, NeedsLate(Late())):
            with pytest.raises(ServiceNotFoundError, match="built before Late"):
                provider.get_service(Late)

    def test_invoke_names_a_parameter_registered_after_the_build(self) -> None:
        """invoke() reports a parameter type registered late the same way."""
        services = ServiceCollection()
        provider = services.build_service_provider()
        where = _next_line()
        services.add_transient(Late)

        def handler(late: Late) -> Late:
            return late  # pragma: no cover - never called

        with pytest.raises(ServiceNotFoundError) as caught:
            provider.invoke(handler)
        assert caught.value.registered_at == where
        assert "built before Late was registered" in caught.value.message

    def test_a_registration_made_before_the_build_is_not_late(self) -> None:
        """Only registrations newer than the build are called late."""
        services = ServiceCollection().add_transient(Late, component="c")
        provider = services.build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Late)
        assert "built before" not in str(caught.value)


class NeedsPort:
    def __init__(self, port: Port) -> None:
        self.port = port


def _make_port(port: int) -> Port:
    return Port(port)  # pragma: no cover - never built


class _LoudPort(Port):
    def __init__(self, inner: Port, volume: int) -> None:
        super().__init__(inner.port)  # pragma: no cover - never built


class PortWithContext:
    def __init__(self, context: DependencyContext, port: int) -> None:
        self.port = port


class TestPlainValueParameter:
    def test_scoped_int_parameter_suggests_default_factory_or_options(self) -> None:
        """An int parameter is a value: the fix offers a default, a factory, Options."""
        where = _next_line()
        services = ServiceCollection().add_scoped(Port)
        error = _only_error(services)
        assert str(error) == (
            "Port needs int (parameter 'port'), which is not registered\n"
            "  path: Port -> int\n"
            f"  registered at: {where}\n"
            "  fix: int is a plain value, not a service: give the parameter a "
            "default (port: int = ...), register Port with a factory that passes "
            "it (services.add_scoped_factory(Port, lambda sp: Port(port=...))), or "
            "move it into an options class bound with services.configure(...) and "
            "take Options[...]"
        )
        assert "add_transient(int)" not in str(error)

    @pytest.mark.parametrize("lifetime", ["singleton", "transient"])
    def test_the_factory_follows_the_owners_lifetime(self, lifetime: str) -> None:
        """The factory suggested has the lifetime of the class that needs the value."""
        error = _only_error(ServiceCollection().add(Named, lifetime=lifetime))
        assert f"services.add_{lifetime}_factory(Named, lambda sp: Named(" in str(
            error.hint
        )

    def test_a_factory_parameter_is_told_to_supply_the_value(self) -> None:
        """A factory taking a str is told to supply it itself."""

        def make(name: str) -> Named:
            return Named(name)  # pragma: no cover - never built

        error = _only_error(ServiceCollection().add_transient_factory(Named, make))
        assert "have the factory supply the value itself" in str(error.hint)

    @pytest.mark.parametrize(
        "register",
        [
            lambda services: services.add_scoped(Port),
            lambda services: services.add_transient(Port),  # built inline
            lambda services: services.add_singleton(Port),  # a plain call
            lambda services: services.add_transient_factory(Port, _make_port),
            lambda services: services.add_transient_factory(
                Port, lambda _: Port(1)
            ).decorate(Port, _LoudPort),
        ],
        ids=["scoped", "transient", "singleton", "factory", "decorated"],
    )
    def test_an_unvalidated_build_gives_the_same_fix_on_resolve(
        self, register: Callable[[ServiceCollection], Any]
    ) -> None:
        """Resolving without validation names the real parameter and fix, as the build."""
        services = ServiceCollection().add_transient(NeedsPort)
        register(services)
        built = _only_error(services).hint
        provider = services.build_service_provider(validate=False)
        with (
            provider.create_scope() as scope,
            pytest.raises(ServiceNotFoundError) as caught,
        ):
            scope.get_service(NeedsPort)
        assert caught.value.hint == built
        assert "(value: int" not in str(caught.value.hint)

    def test_a_graph_with_context_gives_the_same_fix_on_resolve(self) -> None:
        """The context-injecting build names the parameter too."""
        services = ServiceCollection().add_transient(PortWithContext)
        built = _only_error(services).hint
        provider = services.build_service_provider(validate=False)
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(PortWithContext)
        assert caught.value.hint == built
        assert "(port: int = ...)" in str(caught.value.hint)

    def test_top_level_int_is_a_value_too(self) -> None:
        """get_service(str) explains that str is a value, not a service."""
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(str)
        assert caught.value.hint is not None
        assert caught.value.hint.startswith("str is a plain value, not a service")

    def test_a_parameterised_builtin_is_a_value(self) -> None:
        """dict[str, int] is a value as well."""

        class Table:
            def __init__(self, rows: dict[str, int]) -> None: ...

        error = _only_error(ServiceCollection().add_transient(Table))
        assert str(error.hint).startswith("dict[str, int] is a plain value")


class Plugin:
    pass


class Color(enum.Enum):
    RED = 1


def _needing(hint: Any) -> type:
    """A class whose one parameter, ``value``, is hinted ``hint``."""

    class Needs:
        def __init__(self, value: Any) -> None:
            self.value = value

    Needs.__init__.__annotations__["value"] = hint
    return Needs


class TestTypesWrittenAsCode:
    def test_a_variadic_tuple_is_written_with_an_ellipsis(self) -> None:
        """tuple[Plugin, ...] is shown as written; the default it suggests is code."""
        error = _only_error(
            ServiceCollection().add_transient(_needing(tuple[Plugin, ...]))
        )
        assert "Needs needs tuple[Plugin, ...] (parameter 'value')" in str(error)
        assert "(value: tuple[Plugin, ...] = ...)" in str(error.hint)
        assert "Ellipsis" not in str(error)

    @pytest.mark.parametrize(
        ("hint", "written"),
        [
            (Callable[..., Plugin], "Callable[..., Plugin]"),
            (Callable[[int, Plugin], str], "Callable[[int, Plugin], str]"),
            (Literal["a", 1, Color.RED], "Literal['a', 1, Color.RED]"),
            (dict[str, tuple[int, ...] | None], "dict[str, tuple[int, ...] | None]"),
            (tuple[()], "tuple[()]"),
        ],
    )
    def test_other_forms_are_written_as_in_a_hint(
        self, hint: Any, written: str
    ) -> None:
        """Callable, Literal, nested generics and unions read as their hint."""
        error = _only_error(ServiceCollection().add_transient(_needing(hint)))
        assert f"Needs needs {written} (parameter 'value')" in str(error)


class TestCollectionOfServices:
    def test_a_set_of_a_registered_service_suggests_list_or_registering_it(
        self,
    ) -> None:
        """set[Plugin] is not "a plain value": hint list[Plugin], or register the set."""
        needs = _needing(set[Plugin])
        services = ServiceCollection().add_transient(Plugin).add_transient(needs)
        hint = str(_only_error(services).hint)
        assert "plain value" not in hint
        assert "hint it value: list[Plugin] (or Sequence[Plugin])" in hint
        factory = (
            "services.add_transient_factory(set[Plugin], "
            "lambda sp: set(sp.get_services(Plugin)))"
        )
        assert factory in hint
        services.add_transient_factory(
            set[Plugin], lambda sp: set(sp.get_services(Plugin))
        )
        built = services.build_service_provider().get_service(needs)
        assert [type(p) for p in built.value] == [Plugin]

    def test_an_abstract_collection_is_not_suggested_to_add_transient(self) -> None:
        """MutableSequence[Plugin] cannot be add_transient'ed: the fix says what works."""
        needs = _needing(MutableSequence[Plugin])
        services = ServiceCollection().add_transient(Plugin).add_transient(needs)
        hint = str(_only_error(services).hint)
        assert "add_transient(MutableSequence" not in hint
        assert "hint it value: list[Plugin]" in hint
        assert "add_transient_factory(MutableSequence[Plugin], " in hint
        assert "lambda sp: sp.get_services(Plugin))" in hint

    @pytest.mark.parametrize(
        ("hint", "made"),
        [
            (frozenset[Plugin], "frozenset(sp.get_services(Plugin))"),
            (tuple[Plugin, ...], "tuple(sp.get_services(Plugin))"),
            (Iterator[Plugin], "iter(sp.get_services(Plugin))"),
        ],
    )
    def test_each_collection_is_made_from_get_services(
        self, hint: Any, made: str
    ) -> None:
        """The factory suggested builds that very collection from the list."""
        services = ServiceCollection().add_transient(Plugin)
        error = _only_error(services.add_transient(_needing(hint)))
        assert f"lambda sp: {made})" in str(error.hint)
        assert "every registration of Plugin" in str(error.hint)

    def test_the_factory_has_the_owners_lifetime_and_component(self) -> None:
        """A scoped owner in component c is told of a scoped factory in c."""
        view = ServiceCollection().component("c")
        view.add_transient(Plugin).add_scoped(_needing(set[Plugin]))
        hint = str(_only_error(view).hint)
        assert (
            "services.add_scoped_factory(set[Plugin], lambda sp: "
            "set(sp.get_services(Plugin, component='c')), component='c')"
        ) in hint

    def test_top_level_resolve_of_a_set_points_to_get_services(self) -> None:
        """get_service(set[Plugin]) says get_services(Plugin) gives the list."""
        provider = ServiceCollection().add_transient(Plugin).build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(set[Plugin])
        assert "call get_services(Plugin) for a list of them" in str(caught.value.hint)

    def test_an_abstract_generic_is_registered_with_an_implementation(self) -> None:
        """Mapping[str, Plugin] gets add_singleton(..., Impl), never add_transient."""
        error = _only_error(
            ServiceCollection().add_transient(_needing(Mapping[str, Plugin]))
        )
        assert "services.add_singleton(Mapping[str, Plugin], Impl)" in str(error.hint)


@dataclass
class Needed:
    host: str


def _services_with(data: dict[str, Any], section: str) -> ServiceCollection:
    services = ServiceCollection()
    services.add_instance(IConfiguration, Configuration(data))
    services.configure(Needed, section=section)
    return services


class TestMisspeltSection:
    def test_build_says_the_section_is_absent_and_names_the_closest(self) -> None:
        """configure(section="databse") fails at build, pointing to "database"."""
        services = ServiceCollection()
        services.add_instance(
            IConfiguration,
            Configuration({"database": {"host": "db"}, "cache": {"ttl": 1}}),
        )
        where = _next_line()
        services.configure(Needed, section="databse")
        error = _only_error(services)
        assert isinstance(error, ConfigurationError)
        assert str(error) == (
            "cannot bind section 'databse' to Needed: the configuration has no "
            "section 'databse'\n"
            "  - databse:host: expected str, got nothing (the key is missing)\n"
            f"  registered at: {where}\n"
            "  fix: did you mean section 'database'? Fix the section name, or add "
            "the section 'databse' to your configuration sources"
        )

    def test_first_use_says_the_same_when_the_configuration_is_a_factory(
        self,
    ) -> None:
        """With a configuration made by a factory, the first resolve says it."""
        services = ServiceCollection()
        services.add_singleton_factory(
            IConfiguration, lambda: Configuration({"Database": {"host": "db"}})
        )
        where = _next_line()
        services.configure(Needed, section="databse")
        provider = services.build_service_provider()
        with pytest.raises(ConfigurationError) as caught:
            provider.get_service(Options[Needed])
        error = caught.value
        assert error.message == (
            "cannot bind section 'databse' to Needed: the configuration has no "
            "section 'databse'"
        )
        assert error.registered_at == where
        assert error.hint is not None
        assert error.hint.startswith("did you mean section 'Database'?")

    def test_a_nested_section_is_guessed_at_the_level_that_is_wrong(self) -> None:
        """In "app:databse", the guess replaces the segment that does not exist."""
        data = {"app": {"database": {"host": "h"}, "name": "x"}}
        error = _only_error(_services_with(data, "ap:database"))
        assert "did you mean section 'app:database'?" in str(error.hint)
        error = _only_error(_services_with(data, "app:databse"))
        assert "did you mean section 'app:database'?" in str(error.hint)

    def test_without_a_close_section_the_fix_lists_the_sections(self) -> None:
        """With nothing close, the fix lists the sections there are (not values)."""
        data = {"database": {"host": "h"}, "name": "plain value"}
        error = _only_error(_services_with(data, "queue"))
        assert error.hint == (
            "fix the section name, or add the section 'queue' to your "
            "configuration sources (sections there: 'database')"
        )

    def test_an_empty_configuration_lists_no_sections(self) -> None:
        """An empty configuration says there are no sections at all."""
        error = _only_error(_services_with({}, "database"))
        assert str(error.hint).endswith("(sections there: none)")

    def test_a_section_with_every_field_defaulted_may_be_absent(self) -> None:
        """An absent section is no error when every field has a default."""
        services = ServiceCollection()
        services.add_instance(IConfiguration, Configuration({"database": {}}))
        services.configure(DbOptions, section="databse")
        with pytest.raises(GraphValidationError):
            services.build_service_provider()  # DbOptions.host is required
        services = ServiceCollection()
        services.add_instance(IConfiguration, Configuration({}))
        services.configure(Defaults, section="absent")
        provider = services.build_service_provider()
        assert provider.get_service(Options[Defaults]).value == Defaults()

    def test_a_present_section_with_a_missing_key_still_names_the_key(self) -> None:
        """A section that exists but lacks a key keeps the "key is missing" text."""
        error = _only_error(_services_with({"database": {"port": 1}}, "database"))
        assert str(error).startswith(
            "cannot bind section 'database' to Needed: 1 bad value"
        )


@dataclass
class Defaults:
    size: int = 1


class TestLocalClassHint:
    def test_a_class_local_to_a_function_is_named_with_its_function(self) -> None:
        """A hint naming a local class says so, and how to fix it."""

        class Local:
            pass

        class User:
            def __init__(self, local: Local) -> None:
                self.local = local

        where = _next_line()
        services = ServiceCollection().add_transient(User).add_transient(Local)
        error = _only_error(services)
        assert isinstance(error, RegistrationError)
        function = "test_a_class_local_to_a_function_is_named_with_its_function"
        assert str(error) == (
            "User cannot be built: its type hints cannot be evaluated (NameError: "
            "name 'Local' is not defined); Local is local to function "
            f"{function}(), and a hint is evaluated in the module's globals, where "
            "it does not exist\n"
            "  path: User (transient)\n"
            f"  registered at: {where}\n"
            f"  fix: move Local out of {function}() to module level, or write hints "
            "that need no evaluation (drop `from __future__ import annotations` "
            "and string hints in that module: hints are then objects, made where "
            "Local exists), or register a factory"
        )

    def test_a_local_factory_is_explained_the_same_way(self) -> None:
        """A factory defined in a function, hinting a local class, gets the fix."""

        class Local:
            pass

        def make(local: Local) -> Late:
            return Late()  # pragma: no cover - never built

        error = _only_error(ServiceCollection().add_transient_factory(Late, make))
        assert "Local is local to function" in str(error)
        assert "move Local out of" in str(error.hint)

    def test_an_unvalidated_build_raises_the_same_fix_on_resolve(self) -> None:
        """With validate=False the resolve raises with the same fix."""

        class Local:
            pass

        class User:
            def __init__(self, local: Local) -> None: ...

        services = ServiceCollection().add_transient(User)
        provider = services.build_service_provider(validate=False)
        with pytest.raises(RegistrationError) as caught:
            provider.get_service(User)
        assert "move Local out of" in str(caught.value.hint)

    def test_a_module_level_name_that_is_missing_keeps_the_import_fix(self) -> None:
        """A module-level hint that names nothing still says what to import."""
        error = _only_error(ServiceCollection().add_transient(NeedsNothingKnown))
        assert "TYPE_CHECKING" in str(error.hint)
        assert "local to function" not in str(error)


class NeedsNothingKnown:
    def __init__(self, thing: NotDefinedHere) -> None:  # type: ignore[name-defined]  # noqa: F821
        self.thing = thing


class _RaisingGetattr:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(name)

    def __repr__(self) -> str:
        raise RuntimeError("repr")


class _RaisingMeta(type):
    def __getattr__(cls, name: str) -> Any:
        raise RuntimeError(name)

    def __repr__(cls) -> str:
        raise RuntimeError("repr")


class Hostile(metaclass=_RaisingMeta):
    pass


class NeedsHostile:
    def __init__(self, hostile: Hostile) -> None: ...


class TestRenderingNeverRaises:
    def test_resolving_an_object_with_a_raising_getattr(self) -> None:
        """get_service(obj) names the object by its class instead of raising."""
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(_RaisingGetattr())  # type: ignore[arg-type]
        assert str(caught.value).startswith(
            "no registration for <_RaisingGetattr object>"
        )

    def test_registering_an_object_with_a_raising_repr(self) -> None:
        """add_transient(obj) reports "not a type" with a safe name."""
        with pytest.raises(RegistrationError) as caught:
            ServiceCollection().add_transient(_RaisingGetattr())  # type: ignore[call-overload]
        assert "<_RaisingGetattr object> is not a type" in str(caught.value)

    def test_an_implementation_with_a_raising_repr(self) -> None:
        """An unusable implementation is named safely too."""
        with pytest.raises(RegistrationError) as caught:
            ServiceCollection().add_transient(Late, _RaisingGetattr())  # type: ignore[call-overload]
        assert "the implementation <_RaisingGetattr object>" in str(caught.value)

    def test_a_missing_class_whose_metaclass_getattr_raises(self) -> None:
        """A class whose metaclass __getattr__ raises is reported missing, by name."""
        error = _only_error(ServiceCollection().add_transient(NeedsHostile))
        assert isinstance(error, ServiceNotFoundError)
        assert str(error).startswith("NeedsHostile needs Hostile (parameter")
        assert "services.add_transient(Hostile)" in str(error.hint)

    def test_the_path_of_such_an_error_has_a_safe_repr(self) -> None:
        """repr() of a DependencyNode holding such an object does not raise."""
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(_RaisingGetattr())  # type: ignore[arg-type]
        (node,) = caught.value.path
        assert repr(node) == (
            "DependencyNode(service_type=<_RaisingGetattr object>, "
            "implementation=None, lifetime='', component='', registered_at=None)"
        )

    def test_a_class_whose_name_attribute_raises_keeps_its_real_name(self) -> None:
        """A class whose metaclass makes __qualname__ raise is named from its slot."""

        class Nameless(type):
            def __getattribute__(cls, name: str) -> Any:
                if name in ("__qualname__", "__name__"):
                    raise RuntimeError(name)
                return super().__getattribute__(name)

        weird = Nameless("Weird", (), {})
        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(weird)  # type: ignore[arg-type]
        assert str(caught.value).startswith("no registration for Weird\n")
