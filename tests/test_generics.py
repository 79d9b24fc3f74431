"""Open generics: IRepo[T] -> SqlRepo[T], closed registrations win."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import (
    Annotated,
    Any,
    Generic,
    NewType,
    Protocol,
    TypeVar,
    runtime_checkable,
)

import pytest

from tests.fakes import Clock, IRepo, Order, SqlRepo, User, UserRepo
from wiredi import (
    DependencyContext,
    GraphValidationError,
    LifetimeError,
    RegistrationError,
    ServiceCollection,
    ServiceNotFoundError,
)
from wiredi._graph import registry as registry_module

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


# ------------------------------------------------- bounds and constraints


class Base:
    pass


class Sub(Base):
    pass


class Poco:
    pass


B = TypeVar("B", bound=Base)
C = TypeVar("C", int, str)
S = TypeVar("S", bound=Sequence)  # a class: parameterised bounds are not checked


class IStore(Generic[T]):
    pass


class Store(IStore[T]):
    pass


class BaseStore(IStore[B]):
    pass


class ScalarStore(IStore[C]):
    pass


class SequenceStore(IStore[S]):
    pass


class PocoUser:
    def __init__(self, store: IStore[Poco]) -> None:
        self.store = store


class PocoUsers:
    def __init__(self, stores: list[IStore[Poco]]) -> None:
        self.stores = stores


class PocoStore(IStore[Poco]):
    pass


class BaseOnlyStore(IStore[Base]):
    pass


class Named(Protocol):
    def name(self) -> str: ...


@runtime_checkable
class CheckedNamed(Protocol):
    def name(self) -> str: ...


class HasName:
    def name(self) -> str:
        return "n"


N = TypeVar("N", bound=Named)
R = TypeVar("R", bound=CheckedNamed)
F = TypeVar("F", bound="Base")
G = TypeVar("G", bound=IStore[int])


@runtime_checkable
class Labelled(Protocol):
    label: str


U = TypeVar("U", bound=int | str)
L = TypeVar("L", bound=Labelled)


class EitherStore(IStore[U]):
    pass


class LabelledStore(IStore[L]):
    pass


class NamedStore(IStore[N]):
    pass


class CheckedNamedStore(IStore[R]):
    pass


class ForwardStore(IStore[F]):
    pass


class GenericBoundStore(IStore[G]):
    pass


SubId = NewType("SubId", Sub)
PocoId = NewType("PocoId", Poco)


def _kinds(items: list[Any]) -> list[type]:
    return [type(item) for item in items]


@pytest.fixture(name="stores")
def _stores(services: ServiceCollection) -> ServiceCollection:
    return services.add_transient(IStore, Store).add_transient(IStore, BaseStore)


class TestBounds:
    def test_unmet_bound_skips_the_registration(
        self, stores: ServiceCollection
    ) -> None:
        """An open registration whose bound the argument breaks is not in get_services."""
        provider = stores.build_service_provider()
        assert _kinds(provider.get_services(IStore[Poco])) == [Store]

    def test_met_bound_keeps_the_registration(self, stores: ServiceCollection) -> None:
        """The bound class and its subclasses are answered by both registrations."""
        provider = stores.build_service_provider()
        assert _kinds(provider.get_services(IStore[Base])) == [Store, BaseStore]
        assert _kinds(provider.get_services(IStore[Sub])) == [Store, BaseStore]

    def test_get_service_takes_the_last_registration_that_applies(
        self, stores: ServiceCollection
    ) -> None:
        """A single resolve skips the later registration that does not apply."""
        provider = stores.build_service_provider()
        assert type(provider.get_service(IStore[Poco])) is Store
        assert type(provider.get_service(IStore[Base])) is BaseStore

    def test_no_registration_applies(self, services: ServiceCollection) -> None:
        """With only the bounded registration, get_services is empty."""
        provider = services.add_transient(IStore, BaseStore).build_service_provider()
        assert provider.get_services(IStore[Poco]) == []

    def test_get_service_explains_the_unmet_bound(
        self, services: ServiceCollection
    ) -> None:
        """The error names the registration, the type variable, its bound and the fix."""
        provider = services.add_transient(IStore, BaseStore).build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(IStore[Poco])
        hint = caught.value.hint
        assert "BaseStore (registered at test_generics.py:" in hint
        assert "does not apply to IStore[Poco]" in hint
        assert "its type variable B is bound to Base, and Poco is not a Base" in hint
        assert "make Poco a subclass of Base" in hint
        assert "services.add_transient(IStore[Poco], Impl)" in hint

    def test_parameterised_argument_is_checked_by_its_origin(
        self, services: ServiceCollection
    ) -> None:
        """list[int] is a Sequence; dict[str, int] is not."""
        services.add_transient(IStore, SequenceStore)
        provider = services.build_service_provider()
        assert type(provider.get_service(IStore[list[int]])) is SequenceStore
        assert provider.get_services(IStore[dict[str, int]]) == []

    def test_union_argument_needs_every_member_to_fit(
        self, services: ServiceCollection
    ) -> None:
        """Sub | Base fits a bound of Base; Base | Poco does not."""
        provider = services.add_transient(IStore, BaseStore).build_service_provider()
        assert _kinds(provider.get_services(IStore[Sub | Base])) == [BaseStore]
        assert provider.get_services(IStore[Base | Poco]) == []

    @pytest.mark.parametrize(
        ("fits", "breaks"),
        [(Annotated[Sub, "m"], Annotated[Poco, "m"]), (SubId, PocoId)],
        ids=["annotated", "newtype"],
    )
    def test_wrapped_argument_is_checked_by_the_type_it_wraps(
        self, services: ServiceCollection, fits: Any, breaks: Any
    ) -> None:
        """Annotated[X, ...] and a NewType of X are checked as X."""
        provider = services.add_transient(IStore, BaseStore).build_service_provider()
        assert _kinds(provider.get_services(IStore[fits])) == [BaseStore]
        assert provider.get_services(IStore[breaks]) == []

    def test_any_and_type_variable_arguments_are_accepted(
        self, services: ServiceCollection
    ) -> None:
        """An argument that is Any or a type variable cannot break a bound."""
        provider = services.add_transient(IStore, BaseStore).build_service_provider()
        assert type(provider.get_service(IStore[Any])) is BaseStore
        assert type(provider.get_service(IStore[T])) is BaseStore

    @pytest.mark.parametrize(
        "implementation",
        [NamedStore, ForwardStore, GenericBoundStore],
        ids=["protocol", "forward-ref", "parameterised"],
    )
    def test_bounds_not_checkable_at_runtime_are_accepted(
        self, services: ServiceCollection, implementation: type
    ) -> None:
        """A plain Protocol, a string or a parameterised generic bound accepts Poco."""
        services.add_transient(IStore, implementation)
        provider = services.build_service_provider()
        assert type(provider.get_service(IStore[Poco])) is implementation

    def test_runtime_checkable_protocol_bound_is_checked(
        self, services: ServiceCollection
    ) -> None:
        """A @runtime_checkable Protocol bound is checked structurally."""
        services.add_transient(IStore, CheckedNamedStore)
        provider = services.build_service_provider()
        assert type(provider.get_service(IStore[HasName])) is CheckedNamedStore
        assert provider.get_services(IStore[Poco]) == []

    def test_union_bound_accepts_a_subclass_of_any_member(
        self, services: ServiceCollection
    ) -> None:
        """A bound of int | str answers bool and str, not bytes."""
        provider = services.add_transient(IStore, EitherStore).build_service_provider()
        assert type(provider.get_service(IStore[bool])) is EitherStore
        assert type(provider.get_service(IStore[str])) is EitherStore
        assert provider.get_services(IStore[bytes]) == []

    def test_protocol_with_data_members_is_accepted(
        self, services: ServiceCollection
    ) -> None:
        """issubclass cannot check a Protocol with data members: Poco is accepted."""
        services.add_transient(IStore, LabelledStore)
        provider = services.build_service_provider()
        assert type(provider.get_service(IStore[Poco])) is LabelledStore

    def test_bound_checked_once_per_registration_and_arguments(
        self, stores: ServiceCollection, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Later lookups of the same closed form read the cached answer."""
        calls: list[object] = []
        check = registry_module.unmet_bound

        def counting(typevars: Any) -> Any:
            calls.append(typevars)
            return check(typevars)

        monkeypatch.setattr(registry_module, "unmet_bound", counting)
        provider = stores.build_service_provider()
        for _ in range(3):
            provider.get_services(IStore[Poco])
            provider.get_service(IStore[Poco])
        with provider.create_scope() as scope:
            scope.get_services(IStore[Poco])
        assert len(calls) == 2  # Store and BaseStore, once each


class TestConstraints:
    def test_constraints_accept_each_type_and_its_subclasses(
        self, services: ServiceCollection
    ) -> None:
        """TypeVar("C", int, str) answers int, str and bool (an int)."""
        provider = services.add_transient(IStore, ScalarStore).build_service_provider()
        for argument in (int, str, bool):
            assert type(provider.get_service(IStore[argument])) is ScalarStore

    def test_constraints_refuse_other_types(self, services: ServiceCollection) -> None:
        """bytes is neither int nor str: the registration does not apply."""
        provider = services.add_transient(IStore, ScalarStore).build_service_provider()
        assert provider.get_services(IStore[bytes]) == []
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(IStore[bytes])
        hint = caught.value.hint
        assert "type variable C is constrained to int or str, and bytes is neither" in (
            hint
        )
        assert "ask for it with int or str (or a subclass)" in hint


class TestBoundsAndClosedRegistrations:
    def test_closed_registration_beats_open_ones(
        self, stores: ServiceCollection
    ) -> None:
        """A closed registration wins even over later open ones that apply."""
        services = ServiceCollection().add_transient(IStore[Base], BaseOnlyStore)
        services.add_transient(IStore, Store).add_transient(IStore, BaseStore)
        provider = services.build_service_provider()
        assert type(provider.get_service(IStore[Base])) is BaseOnlyStore
        kinds = _kinds(provider.get_services(IStore[Base]))
        assert kinds == [BaseOnlyStore, Store, BaseStore]

    def test_closed_registration_of_a_form_the_bound_refuses(
        self, services: ServiceCollection
    ) -> None:
        """IStore[Poco] registered closed resolves though the open one skips it."""
        services.add_transient(IStore, BaseStore)
        services.add_transient(IStore[Poco], PocoStore)
        provider = services.build_service_provider()
        assert type(provider.get_service(IStore[Poco])) is PocoStore
        assert _kinds(provider.get_services(IStore[Poco])) == [PocoStore]


class TestBoundsInTheGraph:
    def test_dependency_with_unmet_bound_fails_the_build(
        self, services: ServiceCollection
    ) -> None:
        """A parameter hinted IStore[Poco] is a missing dependency, with the reason."""
        services.add_transient(IStore, BaseStore).add_transient(PocoUser)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, ServiceNotFoundError)
        assert error.service_type == IStore[Poco]
        assert [node.service_type for node in error.path] == [PocoUser, IStore[Poco]]
        assert "its type variable B is bound to Base, and Poco is not a Base" in (
            error.hint
        )

    def test_dependency_resolves_through_a_registration_that_applies(
        self, stores: ServiceCollection
    ) -> None:
        """With Store registered too, PocoUser gets it (BaseStore skipped)."""
        provider = stores.add_transient(PocoUser).build_service_provider()
        assert type(provider.get_service(PocoUser).store) is Store

    def test_unvalidated_resolve_raises_with_the_reason(
        self, services: ServiceCollection
    ) -> None:
        """With validate=False the missing dependency is reported when resolved."""
        services.add_transient(IStore, BaseStore).add_transient(PocoUser)
        provider = services.build_service_provider(validate=False)
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(PocoUser)
        assert caught.value.service_type == IStore[Poco]
        assert "Poco is not a Base" in caught.value.hint

    def test_list_parameter_skips_what_does_not_apply(
        self, stores: ServiceCollection
    ) -> None:
        """list[IStore[Poco]] receives only the registrations whose bounds fit."""
        provider = stores.add_transient(PocoUsers).build_service_provider()
        assert _kinds(provider.get_service(PocoUsers).stores) == [Store]

    def test_late_registration_that_does_not_apply_is_not_blamed(
        self, services: ServiceCollection
    ) -> None:
        """An open registration added after build that skips Poco is not named."""
        provider = services.build_service_provider()
        services.add_transient(IStore, BaseStore)
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(IStore[Poco])
        assert "built before" not in str(caught.value)
        services.add_transient(IStore, Store)
        with pytest.raises(ServiceNotFoundError, match="built before"):
            provider.get_service(IStore[Base])

    def test_other_component_is_not_offered_when_its_bound_refuses(
        self, services: ServiceCollection
    ) -> None:
        """An open registration in another component that does not apply is not named."""
        services.add_transient(IStore, BaseStore, component="other")
        provider = services.build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(IStore[Poco])
        assert "other" not in caught.value.hint


# Open generics whose base names the service through another class, or with
# the type variable nested in the argument.
S = TypeVar("S")
V = TypeVar("V")


class ISource(Generic[T]):
    pass


class Payload(Generic[T]):
    def __init__(self, item_type: type[T]) -> None:
        self.item_type = item_type


class BaseSource(ISource[T]):
    pass


class RenamedSource(BaseSource[S]):
    """Reaches ISource through BaseSource, under another variable name."""

    def __init__(self, payload: Payload[S]) -> None:
        self.payload = payload


class ListSource(ISource[list[V]]):
    """Answers ISource[list[X]] only, with V = X."""

    def __init__(self, payload: Payload[V]) -> None:
        self.payload = payload


def _payloads(services: ServiceCollection) -> ServiceCollection:
    for item_type in (int, str):
        services.add_instance(Payload[item_type], Payload(item_type))
    return services


class TestGenericBases:
    def test_indirect_base_with_a_renamed_variable(
        self, services: ServiceCollection
    ) -> None:
        provider = _payloads(services).add_transient(ISource, RenamedSource)
        source = provider.build_service_provider().get_service(ISource[int])
        assert isinstance(source, RenamedSource)
        assert source.payload.item_type is int

    def test_nested_variable_is_matched_inside_the_argument(
        self, services: ServiceCollection
    ) -> None:
        provider = _payloads(services).add_transient(ISource, ListSource)
        source = provider.build_service_provider().get_service(ISource[list[str]])
        assert isinstance(source, ListSource)
        assert source.payload.item_type is str

    def test_argument_of_another_form_is_not_answered(
        self, services: ServiceCollection
    ) -> None:
        _payloads(services).add_transient(ISource, BaseSource)
        services.add_transient(ISource, ListSource)
        provider = services.build_service_provider()
        assert [type(s) for s in provider.get_services(ISource[int])] == [BaseSource]
        with_list = provider.get_services(ISource[list[int]])
        assert [type(s) for s in with_list] == [BaseSource, ListSource]

    def test_missing_form_is_explained(self, services: ServiceCollection) -> None:
        provider = services.add_transient(ISource, ListSource).build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(ISource[int])
        hint = caught.value.hint or ""
        assert "ListSource" in hint
        assert (
            "it answers ISource[list[V]], and ISource[int] is not of that form" in hint
        )
