"""Repositories: a Protocol over a base class, and concrete generic subclasses.

The scenario: a shop keeps users, orders and invoices in SQLite. Two shapes
of repository class that real code bases are full of:

    class SqlInvoiceStore(InvoiceStore, SqlStoreBase)
        InvoiceStore is a Protocol, listed first; the constructor Python
        calls is SqlStoreBase.__init__(self, session, clock), so that is
        what the container reads (typing.Protocol's own __init__ stub is
        skipped), and validation sees Session and Clock.

    class UserRepo(Repo[User]), class OrderRepo(Repo[Order])
        no __init__ of their own: Repo.__init__(self, session, table:
        Table[T]) with T filled in from the base, so UserRepo gets
        Table[User] (built by the open registration of Table) and
        OrderRepo Table[Order]. They are registered as Repo[User] and
        Repo[Order].

    Checkout(users: Repo[User], orders: Repo[Order], invoices: InvoiceStore,
             mailer: Mailer | None = None)

The run shows a checkout inside a request scope, the optional Mailer
resolved at the top level with ``get_service(Mailer | None)``, and the build
of a collection that forgot the Clock failing with the path through the
Protocol to the base class's parameter.

Run it from anywhere:

    python examples/repositories/app.py
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Generic, Protocol, TypeVar, get_args

from wiredi import GraphValidationError, ServiceCollection

T = TypeVar("T")

# ------------------------------------------------------------------ plumbing


class Clock:
    def now(self) -> str:
        return "2024-05-01T12:00:00"


class Database:
    """One in-memory SQLite database for the whole run (a singleton)."""

    def __init__(self) -> None:
        self.connection = sqlite3.connect(":memory:", check_same_thread=False)
        self.connection.executescript(
            """
            create table users (name text);
            create table orders (user text, total real);
            create table invoices (user text, total real, issued text);
            """
        )

    def close(self) -> None:
        self.connection.close()


class Session:
    """A unit of work: one transaction per request scope."""

    def __init__(self, database: Database) -> None:
        self.connection = database.connection

    def execute(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        return self.connection.execute(sql, params).fetchall()


def open_session(database: Database) -> Iterator[Session]:
    session = Session(database)
    yield session
    session.connection.commit()


# --------------------------------------- a Protocol over a base class


@dataclass(frozen=True)
class Invoice:
    user: str
    total: float


class InvoiceStore(Protocol):
    def save(self, invoice: Invoice) -> str: ...


class SqlStoreBase:
    """What every SQL store needs; subclasses add no constructor."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock


class SqlInvoiceStore(InvoiceStore, SqlStoreBase):
    def save(self, invoice: Invoice) -> str:
        issued = self.clock.now()
        self.session.execute(
            "insert into invoices values (?, ?, ?)",
            invoice.user,
            invoice.total,
            issued,
        )
        return issued


# ------------------------------------------ concrete generic subclasses


@dataclass(frozen=True)
class User:
    name: str


@dataclass(frozen=True)
class Order:
    user: str
    total: float


class Table(Generic[T]):
    """Where a T is stored: an open generic, one instance per entity type.

    Built as ``Table[User]`` (or ``Table[Order]``), it reads its entity from
    that parameter: the proof that the repositories got the right one.
    """

    TABLES: ClassVar[dict[str, str]] = {"User": "users", "Order": "orders"}

    @property
    def name(self) -> str:
        (entity,) = get_args(self.__orig_class__)  # type: ignore[attr-defined]
        return self.TABLES[entity.__name__]


class Repo(Generic[T]):
    def __init__(self, session: Session, table: Table[T]) -> None:
        self.session = session
        self.table = table


class UserRepo(Repo[User]):
    def add(self, user: User) -> None:
        table = self.table.name
        self.session.execute(f"insert into {table} values (?)", user.name)


class OrderRepo(Repo[Order]):
    def add(self, order: Order) -> None:
        table = self.table.name
        self.session.execute(
            f"insert into {table} values (?, ?)",
            order.user,
            order.total,
        )

    def total_for(self, user: str) -> float:
        rows = self.session.execute("select total from orders where user = ?", user)
        return sum(float(str(total)) for (total,) in rows)


# ------------------------------------------------------------ the service


class Mailer:
    def send(self, to: str, text: str) -> None:
        print(f"  mail to {to}: {text}")


class Checkout:
    def __init__(
        self,
        users: Repo[User],
        orders: Repo[Order],
        invoices: InvoiceStore,
        mailer: Mailer | None = None,
    ) -> None:
        self.users = users
        self.orders = orders
        self.invoices = invoices
        self.mailer = mailer

    def run(self, name: str, totals: list[float]) -> Invoice:
        users, orders = self.users, self.orders
        assert isinstance(users, UserRepo)
        assert isinstance(orders, OrderRepo)
        users.add(User(name))
        for total in totals:
            orders.add(Order(name, total))
        invoice = Invoice(name, orders.total_for(name))
        issued = self.invoices.save(invoice)
        if self.mailer is not None:
            self.mailer.send(name, f"invoice of {invoice.total:.2f} issued {issued}")
        return invoice


def build_services(*, with_clock: bool = True) -> ServiceCollection:
    services = ServiceCollection()
    if with_clock:
        services.add_singleton(Clock)
    services.add_singleton(Database)
    services.add_scoped_factory(Session, open_session)
    services.add_singleton(Table, Table)  # open: Table[User], Table[Order], ...
    services.add_scoped(Repo[User], UserRepo)
    services.add_scoped(Repo[Order], OrderRepo)
    services.add_scoped(InvoiceStore, SqlInvoiceStore)
    services.add_scoped(Checkout)
    return services


def main() -> None:
    with build_services().build_service_provider() as provider:
        print(f"optional mailer: {provider.get_service(Mailer | None)}")
        with provider.create_scope() as scope:
            checkout = scope.get_service(Checkout)
            invoice = checkout.run("ada", [12.5, 7.5])
            print(f"invoice: {invoice.user} {invoice.total:.2f}")
            print(f"users table: {checkout.users.table.name}")
            print(f"orders table: {checkout.orders.table.name}")
            store = scope.get_service(InvoiceStore)
            assert isinstance(store, SqlInvoiceStore)
            print(f"store clock from the base: {type(store.clock).__name__}")

    print("without a Clock:")
    try:
        build_services(with_clock=False).build_service_provider()
    except GraphValidationError as error:
        (problem,) = error.errors
        print(f"  {problem.message}")
        print(f"  path: {' -> '.join(n.service_type.__name__ for n in problem.path)}")


if __name__ == "__main__":
    main()
