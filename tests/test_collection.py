"""Registration API: ServiceCollection and its RegistrationError cases."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from tests.fakes import (
    AbstractSender,
    Clock,
    EmailSender,
    IClock,
    NotAClock,
    Repo,
    UserId,
    UtcClock,
)
from wiredi import (
    Lifetime,
    Registration,
    RegistrationError,
    ServiceCollection,
    ServiceNotFoundError,
)


class TestAdd:
    def test_add_methods_chain(self, services: ServiceCollection) -> None:
        """Every add* method returns the collection so calls chain."""
        result = (
            services.add_singleton(Clock)
            .add_scoped(Repo)
            .add_transient(IClock, UtcClock)
            .add_instance(int, 3)
            .add_singleton_factory(str, lambda: "x")
        )
        assert result is services
        assert len(services) == 5

    def test_registration_records_lifetime_component_and_location(
        self, services: ServiceCollection
    ) -> None:
        """A registration keeps its lifetime, component and file:line."""
        services.add_scoped(Clock, component="x")
        (registration,) = services.registrations
        assert registration.lifetime == "scoped"
        assert registration.component == "x"
        assert registration.registered_at.startswith("test_collection.py:")

    def test_registration_is_frozen_and_copies_as_an_equal_record(
        self, services: ServiceCollection
    ) -> None:
        """A registration cannot be changed; copy, deepcopy and pickle keep its fields."""
        services.add_scoped(Clock, component="x")
        (registration,) = services.registrations
        with pytest.raises(dataclasses.FrozenInstanceError):
            registration.lifetime = "singleton"  # type: ignore[misc]
        copies = [
            copy.copy(registration),
            copy.deepcopy(registration),
            pickle.loads(pickle.dumps(registration)),
        ]
        for made in copies:
            assert type(made) is Registration
            assert made is not registration  # equality is identity
            assert dataclasses.astuple(made) == dataclasses.astuple(registration)

    def test_general_add_accepts_enum_and_names(
        self, services: ServiceCollection
    ) -> None:
        """add() takes a Lifetime member or its name."""
        services.add(Clock, lifetime=Lifetime.SCOPED)
        services.add(Repo, lifetime="singleton")
        assert [r.lifetime for r in services] == ["scoped", "singleton"]

    def test_add_with_factory_and_instance(self, services: ServiceCollection) -> None:
        """add() can register a factory or an instance."""
        clock = Clock()
        services.add(Clock, instance=clock, lifetime="singleton")
        services.add(str, factory=lambda: "made", lifetime="transient")
        provider = services.build_service_provider()
        assert provider.get_service(Clock) is clock
        assert provider.get_service(str) == "made"

    def test_several_registrations_last_wins_and_all_listed(
        self, services: ServiceCollection
    ) -> None:
        """A single resolve takes the last registration; get_services lists all."""
        services.add_singleton(IClock, UtcClock)
        services.add_singleton_factory(IClock, lambda: UtcClock())
        provider = services.build_service_provider()
        every = provider.get_services(IClock)
        assert len(every) == 2
        assert provider.get_service(IClock) is every[1]

    def test_protocol_abc_and_newtype_are_service_types(
        self, services: ServiceCollection
    ) -> None:
        """Protocols, ABCs and NewTypes can be registered and resolved."""
        services.add_singleton(IClock, UtcClock)
        services.add_singleton(AbstractSender, EmailSender)
        services.add_instance(UserId, UserId(7))
        provider = services.build_service_provider()
        assert isinstance(provider.get_service(IClock), UtcClock)
        assert isinstance(provider.get_service(AbstractSender), EmailSender)
        assert provider.get_service(UserId) == 7

    def test_provider_ignores_later_changes(self, services: ServiceCollection) -> None:
        """The provider never sees registrations made after build."""
        provider = services.build_service_provider()
        services.add_singleton(Clock)
        with pytest.raises(ServiceNotFoundError):
            provider.get_service(Clock)


class TestTryAddReplaceRemove:
    def test_try_add_only_when_missing(self, services: ServiceCollection) -> None:
        """try_add_* registers only when the type has no registration yet."""
        services.add_singleton(IClock, UtcClock)
        services.try_add_singleton(IClock, UtcClock)
        services.try_add_scoped(Clock)
        services.try_add_scoped(Clock)
        services.try_add_transient(Repo)
        services.try_add(Repo, lifetime="scoped")
        assert len(services) == 3

    def test_try_add_is_per_component(self, services: ServiceCollection) -> None:
        """try_add looks only at its own component."""
        services.add_singleton(Clock)
        services.try_add_singleton(Clock, component="other")
        assert len(services) == 2

    def test_replace_drops_every_registration(
        self, services: ServiceCollection
    ) -> None:
        """replace() removes every registration of the type and adds one."""

        class FakeClock(UtcClock): ...

        services.add_singleton(IClock, UtcClock).add_singleton(IClock, UtcClock)
        services.replace(IClock, FakeClock, lifetime="scoped")
        assert [r.implementation for r in services] == [FakeClock]
        assert services.registrations[0].lifetime == "scoped"

    def test_replace_keeps_previous_lifetime(self, services: ServiceCollection) -> None:
        """Without lifetime= the replacement keeps the replaced lifetime."""

        class FakeClock(UtcClock): ...

        services.add_scoped(IClock, UtcClock)
        services.replace(IClock, FakeClock)
        assert services.registrations[0].lifetime == "scoped"

    def test_remove_all(self, services: ServiceCollection) -> None:
        """remove_all() drops every registration of the type in the component."""
        services.add_singleton(Clock).add_singleton(Clock).add_singleton(Repo)
        services.add_singleton(Clock, component="c")
        services.remove_all(Clock)
        assert [(r.service_type, r.component) for r in services] == [
            (Repo, ""),
            (Clock, "c"),
        ]


class TestRegistrationErrors:
    def test_none_service_type(self, services: ServiceCollection) -> None:
        """A None service type is a RegistrationError (also a TypeError)."""
        with pytest.raises(RegistrationError, match="service type is None") as caught:
            services.add_singleton(None)  # type: ignore[call-overload]
        assert isinstance(caught.value, TypeError)

    def test_not_a_type(self, services: ServiceCollection) -> None:
        """A value that is not a type is rejected, naming the call."""
        with pytest.raises(RegistrationError, match="add_scoped"):
            services.add_scoped("Clock")  # type: ignore[call-overload]

    def test_implementation_not_a_subclass(self, services: ServiceCollection) -> None:
        """An implementation that does not derive from the service is rejected."""
        with pytest.raises(RegistrationError, match="not a subclass of AbstractSender"):
            services.add_singleton(AbstractSender, Clock)  # type: ignore[arg-type]

    def test_implementation_missing_protocol_members(
        self, services: ServiceCollection
    ) -> None:
        """A class lacking a Protocol's methods is rejected with the missing names."""
        with pytest.raises(RegistrationError, match="missing: now"):
            services.add_singleton(IClock, NotAClock)  # type: ignore[arg-type]

    def test_abstract_implementation(self, services: ServiceCollection) -> None:
        """An abstract class cannot be the implementation."""
        with pytest.raises(RegistrationError, match="cannot be instantiated"):
            services.add_singleton(AbstractSender)  # type: ignore[type-abstract]

    def test_implementation_not_callable(self, services: ServiceCollection) -> None:
        """An object that is neither a class nor callable points to add_instance."""
        with pytest.raises(RegistrationError, match="add_instance"):
            services.add_singleton(Clock, Clock())  # type: ignore[call-overload]

    def test_factory_not_callable(self, services: ServiceCollection) -> None:
        """A factory must be callable."""
        with pytest.raises(RegistrationError, match="not callable"):
            services.add_scoped_factory(Clock, 42)  # type: ignore[arg-type]

    def test_unknown_lifetime_typo(self, services: ServiceCollection) -> None:
        """A near miss of a built-in lifetime is rejected with a suggestion."""
        with pytest.raises(RegistrationError, match="did you mean 'singleton'"):
            services.add(Clock, lifetime="singelton")

    @pytest.mark.parametrize("bad", ["", "Scoped", "not a name", 3, None])
    def test_unusable_lifetimes(self, services: ServiceCollection, bad: object) -> None:
        """Empty, mis-cased, non-identifier and non-string lifetimes are rejected."""
        with pytest.raises(RegistrationError, match="unknown lifetime"):
            services.add(Clock, lifetime=bad)  # type: ignore[arg-type]

    def test_instance_for_transient(self, services: ServiceCollection) -> None:
        """An instance cannot be registered as transient."""
        with pytest.raises(RegistrationError, match="instance cannot have"):
            services.add(Clock, instance=Clock(), lifetime="transient")

    def test_instance_of_wrong_type(self, services: ServiceCollection) -> None:
        """add_instance checks the instance against a class service type."""
        with pytest.raises(RegistrationError, match="not an instance of Clock"):
            services.add_instance(Clock, Repo(Clock()))  # type: ignore[arg-type]

    def test_instance_lacking_protocol_methods(
        self, services: ServiceCollection
    ) -> None:
        """add_instance checks an object against a Protocol's methods too."""
        with pytest.raises(RegistrationError, match=r"does not implement IClock") as e:
            services.add_instance(IClock, object())  # type: ignore[arg-type]
        assert "(missing: now)" in str(e.value)
        services.add_instance(IClock, UtcClock())  # structural match: accepted

    def test_several_of_implementation_factory_instance(
        self, services: ServiceCollection
    ) -> None:
        """add() refuses an implementation and a factory together."""
        with pytest.raises(RegistrationError, match="not several"):
            services.add(Clock, Clock, factory=Clock, lifetime="singleton")

    def test_alias_of_itself(self, services: ServiceCollection) -> None:
        """A type cannot be an alias of itself."""
        with pytest.raises(RegistrationError, match="alias of itself"):
            services.add_alias(Clock, Clock)

    def test_decorator_not_callable(self, services: ServiceCollection) -> None:
        """decorate() needs a callable."""
        with pytest.raises(RegistrationError, match="not callable"):
            services.decorate(Clock, "wrap")  # type: ignore[arg-type]

    def test_unknown_custom_scope_found_at_build(
        self, services: ServiceCollection
    ) -> None:
        """A custom lifetime with no scope manager fails at build, naming it."""
        from wiredi import GraphValidationError

        services.add(Clock, lifetime="session")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, RegistrationError)
        assert "'session'" in str(error)

    def test_error_names_registration_line(self, services: ServiceCollection) -> None:
        """The error carries the file:line of the failing call."""
        with pytest.raises(RegistrationError) as caught:
            services.add_singleton(AbstractSender, Clock)  # type: ignore[arg-type]
        assert caught.value.registered_at is not None
        assert caught.value.registered_at.startswith("test_collection.py:")


class TestComponentView:
    def test_view_registers_into_component(self, services: ServiceCollection) -> None:
        """services.component(name) registers into that component."""
        services.component("user").add_singleton(Clock)
        assert services.registrations[0].component == "user"

    def test_repr(self, services: ServiceCollection) -> None:
        """The repr names the public class and counts registrations."""
        services.add_singleton(Clock)
        assert repr(services) == "<wiredi.ServiceCollection(services=1)>"
        assert Clock in services


class TestTryAddFactoriesAndInstances:
    @pytest.mark.parametrize(
        ("method", "lifetime"),
        [
            ("try_add_singleton_factory", "singleton"),
            ("try_add_scoped_factory", "scoped"),
            ("try_add_transient_factory", "transient"),
        ],
    )
    def test_factory_registers_only_when_absent(
        self, method: str, lifetime: str
    ) -> None:
        services = ServiceCollection()
        getattr(services, method)(Clock, Clock)
        getattr(services, method)(Clock, lambda: None)
        (registration,) = services.registrations
        assert (registration.implementation, registration.lifetime) == (Clock, lifetime)

    def test_instance_registers_only_when_absent(self) -> None:
        first, second = Clock(), Clock()
        services = ServiceCollection().try_add_instance(Clock, first)
        services.try_add_instance(Clock, second)
        assert services.build_service_provider().get_service(Clock) is first

    def test_bad_factory_is_still_rejected_when_absent(self) -> None:
        with pytest.raises(RegistrationError):
            ServiceCollection().try_add_singleton_factory(Clock, "not callable")  # type: ignore[arg-type]
