"""Open generics: IRepo[T] -> SqlRepo[T], closed registrations win."""

from __future__ import annotations

import sys
from typing import Generic, TypeVar

import pytest

from tests.fakes import Clock, IRepo, Order, SqlRepo, User, UserRepo
from wiredi import (
    DependencyContext,
    GraphValidationError,
    LifetimeError,
    RegistrationError,
    ServiceCollection,
)

T = TypeVar("T")


class Model(Generic[T]):
    def __init__(self, item_type: type[T]) -> None:
        self.item_type = item_type


class Typed(Generic[T]):
    def __init__(self, model: Model[T]) -> None:
        self.model = model


class Consumer:
    def __init__(self, users: IRepo[User], orders: IRepo[Order]) -> None:
        self.users = users
        self.orders = orders


class TestOpenGenerics:
    def test_open_registration_closes_per_argument(
        self, services: ServiceCollection
    ) -> None:
        """IRepo[User] builds SqlRepo[User]; each closed type caches its own."""
        services.add_singleton(Clock).add_scoped(IRepo, SqlRepo)
        with services.build_service_provider().create_scope() as scope:
            users = scope.get_service(IRepo[User])
            orders = scope.get_service(IRepo[Order])
            assert isinstance(users, SqlRepo)
            assert users is scope.get_service(IRepo[User])
            assert users is not orders
            assert users.__orig_class__ == SqlRepo[User]  # type: ignore[attr-defined]

    def test_closed_registration_wins(self, services: ServiceCollection) -> None:
        """A closed registration beats an open one for a single resolve."""
        services.add_singleton(Clock)
        services.add_transient(IRepo[User], UserRepo)
        services.add_transient(IRepo, SqlRepo)
        provider = services.build_service_provider()
        assert isinstance(provider.get_service(IRepo[User]), UserRepo)
        assert isinstance(provider.get_service(IRepo[Order]), SqlRepo)

    def test_open_generics_in_get_services_order(
        self, services: ServiceCollection
    ) -> None:
        """Open registrations take part in get_services in registration order."""
        services.add_singleton(Clock)
        services.add_transient(IRepo, SqlRepo)
        services.add_transient(IRepo[User], UserRepo)
        provider = services.build_service_provider()
        kinds = [type(r) for r in provider.get_services(IRepo[User])]
        assert kinds == [SqlRepo, UserRepo]

    def test_type_variables_substituted_in_hints(
        self, services: ServiceCollection
    ) -> None:
        """T in the implementation's constructor hints becomes the argument."""
        services.add_instance(Model[User], Model(User))
        services.add_transient(Typed, Typed)
        typed = services.build_service_provider().get_service(Typed[User])
        assert typed.model.item_type is User

    def test_closed_generic_dependencies(self, services: ServiceCollection) -> None:
        """Parameters hinted with closed generics resolve through the open registration."""
        services.add_singleton(Clock).add_transient(IRepo, SqlRepo)
        services.add_transient(Consumer)
        consumer = services.build_service_provider().get_service(Consumer)
        assert isinstance(consumer.users, SqlRepo)
        assert isinstance(consumer.orders, SqlRepo)


class Growing(Generic[T]):
    def __init__(self, child: Growing[list[T]]) -> None:  # pragma: no cover
        self.child = child


def test_a_generic_needing_a_bigger_form_of_itself_is_refused() -> None:
    """Growing[T] needs Growing[list[T]]: an error, not an endless expansion."""
    provider = (
        ServiceCollection().add_transient(Growing, Growing).build_service_provider()
    )
    with pytest.raises(RegistrationError, match="expands without end"):
        provider.get_service(Growing[User])


class Session:
    pass


class ISessionRepo(Generic[T]):
    pass


class SessionRepo(ISessionRepo[T]):
    def __init__(self, session: Session) -> None:
        self.session = session


def test_open_generic_singleton_capturing_a_scoped_service_fails_the_build() -> None:
    """The capture is the same for every closed form, so validation reports it."""
    services = ServiceCollection().add_scoped(Session)
    services.add_singleton(ISessionRepo, SessionRepo)
    with pytest.raises(GraphValidationError) as caught:
        services.build_service_provider()
    (error,) = caught.value.errors
    assert isinstance(error, LifetimeError)
    assert "would capture Session (scoped)" in str(error)


def test_open_generic_scoped_with_scoped_dependency_is_fine() -> None:
    services = ServiceCollection().add_scoped(Session)
    services.add_scoped(ISessionRepo, SessionRepo)
    provider = services.build_service_provider()
    with provider.create_scope() as scope:
        repo = scope.get_service(ISessionRepo[User])
        assert isinstance(repo, SessionRepo)
        assert repo.session is scope.get_service(Session)


class ContextRepo(ISessionRepo[T]):
    def __init__(self, context: DependencyContext) -> None:
        self.context = context


def test_open_generic_singleton_taking_dependency_context_fails_the_build() -> None:
    """As for a closed registration: a singleton would keep the first context."""
    services = ServiceCollection().add_singleton(ISessionRepo, ContextRepo)
    with pytest.raises(GraphValidationError) as caught:
        services.build_service_provider()
    (error,) = caught.value.errors
    assert isinstance(error, LifetimeError)
    assert "ISessionRepo takes DependencyContext" in str(error)


class Plain:
    pass


class IntModel(Model[int]):
    pass


def test_open_generic_is_told_from_plain_and_closed_classes() -> None:
    """Only a class with type parameters left is an open registration."""
    services = ServiceCollection().add_transient(Plain).add_transient(IntModel)
    services.add_transient(Model)
    open_ = [reg.is_open_generic for reg in services.registrations]
    assert open_ == [False, False, True]


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 syntax")
def test_pep_695_class_registers_as_an_open_generic() -> None:
    namespace: dict[str, object] = {}
    exec(
        "class Box[V]:\n"
        "    def __init__(self, item_type: type[V]) -> None:\n"
        "        self.item_type = item_type\n",
        namespace,
    )
    box = namespace["Box"]
    services = ServiceCollection().add_transient(box)
    (registration,) = services.registrations
    assert registration.is_open_generic
