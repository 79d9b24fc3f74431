"""Top-level forms: get_service(Annotated[T, FromComponent(c)]), get_service(T | None)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Optional, Union

import pytest

from wiredi import (
    DIError,
    FromComponent,
    RegistrationError,
    ScopeError,
    ServiceCollection,
    ServiceNotFoundError,
    ServiceProvider,
)


class Foo: ...


class Bar: ...


class Session: ...


async def make_bar() -> Bar:
    return Bar()


@pytest.fixture(name="provider")
def _provider(services: ServiceCollection) -> ServiceProvider:
    services.add_singleton(Foo)
    services.component("gen").add_singleton(Foo).add_transient(Bar)
    services.add_scoped(Session)
    return services.build_service_provider()


class TestAnnotatedComponent:
    def test_annotated_from_component_resolves_in_that_component(
        self, provider: ServiceProvider
    ) -> None:
        """Annotated[Foo, FromComponent("gen")] is get_service(Foo, component="gen")."""
        found = provider.get_service(Annotated[Foo, FromComponent("gen")])
        assert found is provider.get_service(Foo, component="gen")
        assert found is not provider.get_service(Foo)

    def test_from_component_wins_over_the_component_argument(
        self, provider: ServiceProvider
    ) -> None:
        """The FromComponent of the form says where, as it does for a parameter."""
        found = provider.get_service(Annotated[Foo, FromComponent()], component="gen")
        assert found is provider.get_service(Foo)

    def test_annotated_without_from_component_is_the_inner_type(
        self, provider: ServiceProvider
    ) -> None:
        """Other metadata is ignored: Annotated[Foo, "doc"] is Foo."""
        assert provider.get_service(Annotated[Foo, "doc"]) is provider.get_service(Foo)

    def test_unhashable_metadata_still_resolves(
        self, provider: ServiceProvider
    ) -> None:
        """Annotated with an unhashable marker resolves on every call."""
        form: Any = Annotated[Foo, FromComponent("gen"), {"unhashable": []}]
        assert provider.get_service(form) is provider.get_service(Foo, component="gen")
        assert provider.get_service(form) is provider.get_service(Foo, component="gen")

    def test_missing_in_that_component_names_it(
        self, provider: ServiceProvider
    ) -> None:
        """ServiceNotFoundError names the component the form asked for."""
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Annotated[Bar, FromComponent("other")])
        assert caught.value.service_type is Bar
        assert caught.value.component == "other"

    async def test_async_form(self, services: ServiceCollection) -> None:
        """get_service_async reads the form too, awaiting an async factory."""
        services.component("gen").add_singleton_factory(Bar, make_bar)
        provider = services.build_service_provider()
        found = await provider.get_service_async(Annotated[Bar, FromComponent("gen")])
        assert found is await provider.get_service_async(Bar, component="gen")

    def test_get_services_of_the_form(self, provider: ServiceProvider) -> None:
        """get_services(Annotated[Foo, FromComponent("gen")]) lists gen's Foos."""
        found = provider.get_services(Annotated[Foo, FromComponent("gen")])
        assert found == [provider.get_service(Foo, component="gen")]


OPTIONAL_BAR = [
    pytest.param(Bar | None, id="Bar | None"),
    pytest.param(Optional[Bar], id="Optional[Bar]"),
    pytest.param(Union[Bar, None], id="Union[Bar, None]"),
    pytest.param(Union[None, Bar], id="Union[None, Bar]"),
]


class TestOptional:
    @pytest.mark.parametrize("form", OPTIONAL_BAR)
    def test_registered_type_is_returned(
        self, services: ServiceCollection, form: Any
    ) -> None:
        """get_service(Bar | None) is the Bar when Bar is registered."""
        services.add_singleton(Bar)
        provider = services.build_service_provider()
        assert provider.get_service(form) is provider.get_service(Bar)

    @pytest.mark.parametrize("form", OPTIONAL_BAR)
    def test_missing_type_gives_none(
        self, services: ServiceCollection, form: Any
    ) -> None:
        """get_service(Bar | None) is None when Bar has no registration."""
        provider = services.build_service_provider()
        assert provider.get_service(form) is None
        assert provider.get_service(form) is None  # from the table this time

    def test_component_argument_applies_to_the_inner_type(
        self, provider: ServiceProvider
    ) -> None:
        """get_service(Bar | None, component="gen") looks in gen."""
        assert isinstance(provider.get_service(Bar | None, component="gen"), Bar)
        assert provider.get_service(Bar | None) is None

    def test_optional_and_annotated_combine_either_way(
        self, provider: ServiceProvider
    ) -> None:
        """Optional[Annotated[T, FromComponent(c)]] and Annotated[T | None, ...]."""
        gen_foo = provider.get_service(Foo, component="gen")
        assert provider.get_service(Optional[Annotated[Foo, FromComponent("gen")]]) is (
            gen_foo
        )
        assert provider.get_service(Annotated[Foo | None, FromComponent("gen")]) is (
            gen_foo
        )
        assert provider.get_service(Annotated[Bar | None, FromComponent("x")]) is None

    def test_in_a_scope(self, provider: ServiceProvider) -> None:
        """A scope reads the form the same way, scoped services included."""
        with provider.create_scope() as scope:
            assert scope.get_service(Session | None) is scope.get_service(Session)
            assert scope.get_service(Bar | None) is None

    def test_registered_but_scoped_from_root_still_raises(
        self, provider: ServiceProvider
    ) -> None:
        """None means "not registered", never "cannot be resolved here"."""
        with pytest.raises(ScopeError):
            provider.get_service(Session | None)

    def test_registration_of_the_form_itself_wins(
        self, services: ServiceCollection
    ) -> None:
        """With int | None registered, get_service(int | None) is that registration."""
        services.add_instance(int, 1).add_instance(int | None, 5)
        assert services.build_service_provider().get_service(int | None) == 5

    def test_the_resolver_itself(self, provider: ServiceProvider) -> None:
        """get_service(ServiceProvider | None) is the provider."""
        assert provider.get_service(ServiceProvider | None) is provider

    async def test_async_forms(self, services: ServiceCollection) -> None:
        """get_service_async(T | None): the awaited T, or None."""
        services.add_singleton_factory(Bar, make_bar)
        provider = services.build_service_provider()
        assert await provider.get_service_async(Bar | None) is (
            await provider.get_service_async(Bar)
        )
        assert await provider.get_service_async(Foo | None) is None
        assert await provider.get_service_async(Foo | None, component="x") is None

    async def test_get_services_lists_the_inner_type(
        self, services: ServiceCollection
    ) -> None:
        """get_services(T | None) is get_services(T): [] when none."""
        services.add_transient(Bar).add_transient(Bar)
        provider = services.build_service_provider()
        assert [type(b) for b in provider.get_services(Bar | None)] == [Bar, Bar]
        assert provider.get_services(Foo | None) == []
        assert len(await provider.get_services_async(Optional[Bar])) == 2
        assert await provider.get_services_async(Foo | None) == []


class TestNotAType:
    @pytest.mark.parametrize("component", ["", "gen"])
    def test_unhashable_argument_is_a_registration_error(
        self, provider: ServiceProvider, component: str
    ) -> None:
        """get_service({}) raises RegistrationError (a DIError and a TypeError)."""
        with pytest.raises(RegistrationError) as caught:
            provider.get_service({}, component=component)  # type: ignore[arg-type]
        error = caught.value
        assert isinstance(error, DIError)
        assert isinstance(error, TypeError)
        assert (
            error.message == "cannot resolve {}: it is not a type (dict is unhashable)"
        )
        assert error.hint is not None
        assert "get_service(Clock)" in error.hint
        assert error.__suppress_context__

    def test_in_a_scope(self, provider: ServiceProvider) -> None:
        """A scope raises the same error."""
        with provider.create_scope() as scope, pytest.raises(RegistrationError):
            scope.get_service([Foo])  # type: ignore[arg-type]

    def test_get_services(self, provider: ServiceProvider) -> None:
        """get_services({}) raises it too."""
        with pytest.raises(RegistrationError, match="not a type"):
            provider.get_services({})  # type: ignore[arg-type]

    async def test_async_calls(self, provider: ServiceProvider) -> None:
        """The async resolution calls raise it too."""
        with pytest.raises(RegistrationError, match="not a type"):
            await provider.get_service_async({})  # type: ignore[arg-type]
        with pytest.raises(RegistrationError, match="not a type"):
            await provider.get_service_async({}, component="gen")  # type: ignore[arg-type]
        with pytest.raises(RegistrationError, match="not a type"):
            await provider.get_services_async({})  # type: ignore[arg-type]

    def test_unhashable_metadata_around_optional(
        self, provider: ServiceProvider
    ) -> None:
        """Annotated[Optional[Foo], {}] cannot key a table but still resolves."""
        form: Any = Annotated[Optional[Foo], {}]
        assert provider.get_service(form) is provider.get_service(Foo)
        missing: Any = Annotated[Optional[Bar], {}]
        assert provider.get_service(missing) is None


class Plugin: ...


class PluginA(Plugin): ...


class PluginB(Plugin): ...


async def make_plugin_b() -> Plugin:
    return PluginB()


class TestEveryRegistration:
    """get_service(list[T]) is get_services(T), as a list[T] parameter is."""

    @pytest.fixture(name="plugins")
    def _plugins(self, services: ServiceCollection) -> ServiceProvider:
        services.add_transient(Plugin, PluginA).add_singleton(Plugin, PluginB)
        services.component("gen").add_transient(Plugin, PluginB)
        return services.build_service_provider()

    @pytest.mark.parametrize("form", [list[Plugin], Sequence[Plugin], Iterable[Plugin]])
    def test_collection_forms(self, plugins: ServiceProvider, form: Any) -> None:
        found = plugins.get_service(form)
        assert [type(p) for p in found] == [PluginA, PluginB]
        assert found[1] is plugins.get_service(Plugin)  # the singleton

    def test_none_registered_is_empty(self, plugins: ServiceProvider) -> None:
        assert plugins.get_service(list[Foo]) == []

    def test_a_name_in_place_of_the_type_is_not_found(
        self, plugins: ServiceProvider
    ) -> None:
        """list["Plugin"] names a type it cannot look up: not an empty list."""
        with pytest.raises(ServiceNotFoundError, match=r"list\['Plugin'\]"):
            plugins.get_service(list["Plugin"])

    def test_combines_with_from_component_and_optional(
        self, plugins: ServiceProvider
    ) -> None:
        in_gen = plugins.get_service(list[Annotated[Plugin, FromComponent("gen")]])
        assert [type(p) for p in in_gen] == [PluginB]
        assert len(plugins.get_service(Optional[list[Plugin]])) == 2

    def test_a_registered_list_wins(self, services: ServiceCollection) -> None:
        given = [PluginA()]
        services.add_transient(Plugin, PluginB).add_instance(list[Plugin], given)
        assert services.build_service_provider().get_service(list[Plugin]) is given

    def test_get_services_of_the_list_form_is_one_list(
        self, plugins: ServiceProvider
    ) -> None:
        (every,) = plugins.get_services(list[Plugin])
        assert [type(p) for p in every] == [PluginA, PluginB]

    async def test_async_with_an_async_factory(
        self, services: ServiceCollection
    ) -> None:
        services.add_transient(Plugin, PluginA)
        services.add_scoped_factory(Plugin, make_plugin_b)
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            found = await scope.get_service_async(list[Plugin])
            assert [type(p) for p in found] == [PluginA, PluginB]
            assert found[1] is await scope.get_service_async(Plugin)
            (every,) = await scope.get_services_async(Sequence[Plugin])
            assert every[1] is found[1]
            with pytest.raises(DIError, match="get_service_async"):
                scope.get_service(list[Plugin])
