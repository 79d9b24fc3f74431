"""Two real-world class hierarchies, wired end to end (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

import pytest

from wiredi import (
    GraphValidationError,
    LifetimeError,
    ServiceCollection,
    ServiceNotFoundError,
)

T = TypeVar("T")


class Clock:
    def now(self) -> float:
        return 1_700_000_000.0


class Connection:
    def __init__(self) -> None:
        self.closed = False


class Session:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.rows: list[object] = []


def open_session(connection: Connection) -> Iterator[Session]:
    session = Session(connection)
    yield session
    session.rows.clear()


# ---------------------------------------- a repository: Protocol over a base


class User:
    def __init__(self, name: str) -> None:
        self.name = name


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...

    def names(self) -> list[str]: ...


class SqlRepositoryBase:
    """Shared plumbing: every SQL repository needs a session and a clock."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock


class SqlUserRepository(UserRepository, SqlRepositoryBase):
    """The Protocol first, the base second: a very common order."""

    def add(self, user: User) -> None:
        self.session.rows.append(user)

    def names(self) -> list[str]:
        return [row.name for row in self.session.rows if isinstance(row, User)]


# typing.Protocol's __init__ stub caches the real __init__ on a class the
# first time it is instantiated; the classes below are each used by one test
# only, so every test sees a class as the container first meets it.


class InMemoryUserRepository(UserRepository, SqlRepositoryBase):
    def add(self, user: User) -> None:
        self.session.rows.append(user)

    def names(self) -> list[str]:
        return []


class CachedUserRepository(InMemoryUserRepository):
    """One level further down: still wired from SqlRepositoryBase.__init__."""


class UnbuiltUserRepository(InMemoryUserRepository):
    """Only ever validated, never instantiated."""


class UnbuiltSingletonRepository(InMemoryUserRepository):
    """Only ever validated, never instantiated."""


class SignUp:
    def __init__(self, users: UserRepository) -> None:
        self.users = users


def _protocol_services() -> ServiceCollection:
    services = ServiceCollection()
    services.add_singleton(Clock).add_singleton(Connection)
    services.add_scoped_factory(Session, open_session)
    services.add_scoped(UserRepository, SqlUserRepository)  # type: ignore[type-abstract]
    services.add_transient(SignUp)
    return services


class TestRepositoryProtocolOverBase:
    def test_resolves_with_the_base_dependencies(self) -> None:
        """SqlUserRepository gets the scope's Session and the Clock."""
        provider = _protocol_services().build_service_provider()
        with provider.create_scope() as scope:
            sign_up = scope.get_service(SignUp)
            sign_up.users.add(User("ada"))
            repo = scope.get_service(UserRepository)  # type: ignore[type-abstract]
            assert repo is sign_up.users
            assert repo.names() == ["ada"]
            assert isinstance(repo, SqlUserRepository)
            assert repo.session is scope.get_service(Session)
            assert repo.clock is provider.get_service(Clock)

    def test_deeper_subclass_too(self) -> None:
        """A subclass of the implementation is wired from the same base."""
        services = _protocol_services()
        services.replace(UserRepository, CachedUserRepository)  # type: ignore[type-abstract]
        with services.build_service_provider().create_scope() as scope:
            repo = scope.get_service(UserRepository)  # type: ignore[type-abstract]
            assert isinstance(repo, CachedUserRepository)
            assert repo.session is scope.get_service(Session)

    def test_validation_sees_a_missing_base_dependency(self) -> None:
        """Without a Clock the build fails, naming the path through the Protocol."""
        services = _protocol_services().remove_all(Clock)
        services.replace(UserRepository, UnbuiltUserRepository)  # type: ignore[type-abstract]
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, ServiceNotFoundError)
        assert [node.service_type for node in error.path][-2:] == [
            UserRepository,
            Clock,
        ]
        assert error.path[-2].implementation is UnbuiltUserRepository

    def test_validation_sees_a_lifetime_mismatch_in_the_base(self) -> None:
        """A singleton repository would capture the scoped Session: refused at build."""
        services = _protocol_services()
        services.replace(
            UserRepository,  # type: ignore[type-abstract]
            UnbuiltSingletonRepository,
            lifetime="singleton",
        )
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert any(isinstance(e, LifetimeError) for e in caught.value.errors)


# ------------------------------------------ a concrete generic subclass


class Order:
    def __init__(self, total: float) -> None:
        self.total = total


class AuditLog(Generic[T]):
    """An open generic: one log per entity type."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.entries: list[T] = []


class Repo(Generic[T]):
    """The generic base: its hints use T."""

    def __init__(self, session: Session, audit: AuditLog[T]) -> None:
        self.session = session
        self.audit = audit

    def add(self, item: T) -> None:
        self.session.rows.append(item)
        self.audit.entries.append(item)


class UserRepo(Repo[User]):
    """Concrete: no __init__ of its own, T is User."""

    def names(self) -> list[str]:
        return [user.name for user in self.audit.entries]


class OrderRepo(Repo[Order]):
    def total(self) -> float:
        return sum(order.total for order in self.audit.entries)


class Checkout:
    def __init__(self, users: Repo[User], orders: Repo[Order]) -> None:
        self.users = users
        self.orders = orders


def _generic_services() -> ServiceCollection:
    services = ServiceCollection()
    services.add_singleton(Clock).add_singleton(Connection)
    services.add_scoped_factory(Session, open_session)
    services.add_singleton(AuditLog, AuditLog)  # open: AuditLog[User], AuditLog[Order]
    services.add_scoped(Repo[User], UserRepo)
    services.add_scoped(Repo[Order], OrderRepo)
    services.add_transient(Checkout)
    return services


class TestConcreteGenericSubclass:
    def test_type_variable_filled_from_the_base_parameters(self) -> None:
        """UserRepo gets AuditLog[User], OrderRepo gets AuditLog[Order]."""
        provider = _generic_services().build_service_provider()
        with provider.create_scope() as scope:
            checkout = scope.get_service(Checkout)
            assert isinstance(checkout.users, UserRepo)
            assert isinstance(checkout.orders, OrderRepo)
            assert checkout.users.audit is provider.get_service(AuditLog[User])
            assert checkout.orders.audit is provider.get_service(AuditLog[Order])
            checkout.users.add(User("ada"))
            checkout.orders.add(Order(9.5))
            assert checkout.users.names() == ["ada"]
            assert checkout.orders.total() == 9.5
            assert checkout.users.session is checkout.orders.session

    def test_validation_names_the_filled_in_type(self) -> None:
        """Without the open AuditLog, the build names AuditLog[User], not AuditLog[T]."""
        services = _generic_services().remove_all(AuditLog)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        missing = {e.service_type for e in caught.value.errors}
        assert missing == {AuditLog[User], AuditLog[Order]}
