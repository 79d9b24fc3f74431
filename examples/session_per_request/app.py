"""Session per request: commit when the request succeeds, roll back when it raises.

A generator factory owns one SQLite transaction per scope. When the scope's
``with`` block ends with an exception, wiredi throws that exception into the
generator at its ``yield`` (as ``contextlib.contextmanager`` does), so the
factory rolls back; when the block ends normally, the generator resumes
after its ``yield`` and commits. The exception then propagates unchanged to
the caller, here the little request handler.

    Database (singleton)   where the file is
    Session  (scoped)      open_session(): one connection and transaction per scope
    Orders   (scoped)      inserts the order, then checks the stock

``Orders.place`` writes before it checks, so a refused order has already
inserted its row: only the rollback keeps it out of the database.

Run it from anywhere:

    python examples/session_per_request/app.py
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from wiredi import ServiceCollection, ServiceProvider

STOCK = {"book": 3, "lamp": 1}


class OutOfStockError(Exception):
    """What ``Orders.place`` raises for more than the stock."""


class Database:
    """The SQLite file; creates the table on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("create table if not exists orders (item, quantity)")
            connection.commit()


class Session:
    """One connection, inside one transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection


def open_session(database: Database) -> Iterator[Session]:
    """The session-per-request factory: commit on success, roll back on error."""
    connection = sqlite3.connect(database.path)
    try:
        yield Session(connection)
        connection.commit()
        print("  session: commit")
    except Exception as exc:
        connection.rollback()
        print(f"  session: rollback ({type(exc).__name__}: {exc})")
        raise
    finally:
        connection.close()


class Orders:
    def __init__(self, session: Session) -> None:
        self.session = session

    def place(self, item: str, quantity: int) -> None:
        self.session.connection.execute(
            "insert into orders values (?, ?)", (item, quantity)
        )
        if quantity > STOCK.get(item, 0):  # checked after writing, on purpose
            msg = f"only {STOCK.get(item, 0)} {item}(s) left"
            raise OutOfStockError(msg)


def build_provider(path: Path) -> ServiceProvider:
    services = ServiceCollection()
    services.add_singleton_factory(Database, lambda: Database(path))
    services.add_scoped_factory(Session, open_session)
    services.add_scoped(Orders)
    return services.build_service_provider()


def handle(provider: ServiceProvider, item: str, quantity: int) -> str:
    """One "request": its own scope, hence its own session."""
    try:
        with provider.create_scope() as scope:
            scope.get_service(Orders).place(item, quantity)
    except OutOfStockError as exc:
        return f"refused: {exc}"
    return "placed"


def stored_orders(path: Path) -> list[tuple[str, int]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("select item, quantity from orders").fetchall()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shop.db"
        with build_provider(path) as provider:
            for item, quantity in (("book", 2), ("lamp", 5)):
                print(f"order {quantity} {item}:")
                print(f"  -> {handle(provider, item, quantity)}")
        print(f"stored orders: {stored_orders(path)}")


if __name__ == "__main__":
    main()
