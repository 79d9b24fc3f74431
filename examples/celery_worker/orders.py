"""Order processing in Celery workers, wired with wiredi.

One task, ``orders.place``, stores an order in SQLite through a scoped
``Session`` that commits when the task succeeds and rolls back when it
raises (an order with an amount <= 0 is rejected after its row was
written, so the rollback is what removes it again). A ``Journal`` records,
one JSON line per event with the process id, what the container did: which
process built a provider, which session each task run got, what was
committed, rolled back and closed, and the singletons closed at shutdown.

How it is wired:

- ``setup(app, build_provider)``: each worker process builds its own
  provider after the fork and closes it when the process ends;
- ``@app.task`` over ``@inject``: each run gets a scope of its own, and its
  ``Inject[...]`` parameters come from that scope (they are not task
  arguments: ``place.delay(1, 9.5)``);
- ``Database`` and ``Journal`` are singletons (one per worker process),
  ``Session`` is a scoped generator factory, ``OrderService`` is transient.

Everything lives in one folder, ``$ORDERS_DIR`` (default: ``data/`` next to
this file): the broker's messages (kombu's filesystem transport, no server
needed), the task results, ``orders.db`` and ``journal.jsonl``.

Run a worker with two processes, send tasks, stop it::

    $ pip install "wiredi[celery]"
    $ cd examples/celery_worker
    $ ORDERS_DIR=/tmp/orders celery -A orders worker --pool=prefork --concurrency=2
    # in another terminal, same folder and ORDERS_DIR:
    $ python -c "import orders; print(orders.place.delay(1, 9.5).get(timeout=10))"
    $ python -c "import orders; orders.place.delay(2, -1).get(timeout=10)"  # ValueError
    # Ctrl+C (or SIGTERM) the worker: a warm shutdown closes the providers
    $ cat /tmp/orders/journal.jsonl

Or run ``python orders.py``: it runs three tasks eagerly, in this process,
and prints the journal.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from celery import Celery

from wiredi import ServiceCollection, ServiceProvider
from wiredi.integrations.celery import Inject, inject, setup, worker_provider

DATA = Path(os.environ.get("ORDERS_DIR") or Path(__file__).resolve().parent / "data")


class Journal:
    """Appends one JSON line per event to ``journal.jsonl`` (a singleton)."""

    def __init__(self) -> None:
        self.path = DATA / "journal.jsonl"
        self._lock = threading.Lock()

    def write(self, event: str, **details: object) -> None:
        line = json.dumps({"event": event, "pid": os.getpid(), **details})
        with self._lock, self.path.open("a", encoding="utf-8") as journal:
            journal.write(line + "\n")  # one small append: whole lines

    def close(self) -> None:
        self.write("journal closed")


class Database:
    """Where orders are stored; numbers the sessions of this process (a singleton)."""

    def __init__(self, journal: Journal) -> None:
        self.path = DATA / "orders.db"
        self.journal = journal
        self._numbers = itertools.count(1)
        with sqlite3.connect(self.path, timeout=10) as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS orders "
                "(id INTEGER PRIMARY KEY, amount REAL)"
            )
        connection.close()

    def connect(self) -> tuple[str, sqlite3.Connection]:
        name = f"{os.getpid()}-{next(self._numbers)}"
        return name, sqlite3.connect(self.path, timeout=10)

    def close(self) -> None:
        self.journal.write("database closed")


class Session:
    """A unit of work on one connection; ``name`` is ``<pid>-<number>``."""

    def __init__(self, name: str, connection: sqlite3.Connection) -> None:
        self.name = name
        self.connection = connection


def open_session(db: Database, journal: Journal) -> Iterator[Session]:
    """One session per task run: commit on success, roll back on error."""
    name, connection = db.connect()
    journal.write("session opened", session=name)
    try:
        yield Session(name, connection)
        connection.commit()
        journal.write("session committed", session=name)
    except Exception as exc:
        connection.rollback()
        journal.write("session rolled back", session=name, error=repr(exc))
        raise
    finally:
        connection.close()
        journal.write("session closed", session=name)


class OrderService:
    """Places orders in the task run's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def place(self, order_id: int, amount: float) -> None:
        self.session.connection.execute(
            "INSERT INTO orders (id, amount) VALUES (?, ?)", (order_id, amount)
        )
        if amount <= 0:  # checked after the write: the rollback must undo it
            raise ValueError(f"order {order_id}: amount {amount} must be positive")


def build_services() -> ServiceCollection:
    services = ServiceCollection()
    services.add_singleton(Journal).add_singleton(Database)
    services.add_scoped_factory(Session, open_session)
    services.add_transient(OrderService)
    return services


def build_provider() -> ServiceProvider:
    """Called once in each worker process, after the fork."""
    provider = build_services().build_service_provider()
    provider.get_service(Journal).write("provider built")
    return provider


app = Celery("orders")
app.conf.update(
    broker_url="filesystem://",
    broker_transport_options={
        "data_folder_in": str(DATA / "broker"),
        "data_folder_out": str(DATA / "broker"),
        "processed_folder": str(DATA / "processed"),
        "control_folder": str(DATA / "control"),
        "polling_interval": 0.1,
    },
    result_backend=f"file://{DATA / 'results'}",
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
)
for folder in ("broker", "processed", "control", "results"):
    (DATA / folder).mkdir(parents=True, exist_ok=True)
setup(app, build_provider)


@app.task(bind=True, name="orders.place")
@inject
def place(
    self,  # the running Task (bind=True)
    order_id: int,
    amount: float,
    orders: Inject[OrderService],
    journal: Inject[Journal],
) -> dict[str, object]:
    """Store an order; an amount <= 0 raises, and the session rolls back."""
    journal.write(
        "task ran", task=self.request.id, order=order_id, session=orders.session.name
    )
    orders.place(order_id, amount)
    return {"order": order_id, "session": orders.session.name, "pid": os.getpid()}


def stored_orders() -> list[tuple[int, float]]:
    """The orders committed so far."""
    with sqlite3.connect(DATA / "orders.db", timeout=10) as connection:
        rows = connection.execute("SELECT id, amount FROM orders ORDER BY id")
        found = [(int(i), float(a)) for i, a in rows]
    connection.close()
    return found


def main() -> None:
    """Run three tasks eagerly in this process and print the journal."""
    (DATA / "journal.jsonl").unlink(missing_ok=True)
    (DATA / "orders.db").unlink(missing_ok=True)
    app.conf.task_always_eager = True
    print(place.delay(1, 9.5).get())
    print(place.delay(2, 20.0).get())
    try:
        place.delay(3, -1.0).get()
    except ValueError as exc:
        print(f"rejected: {exc}")
    print("stored:", stored_orders())
    worker_provider(app).close()  # what worker_shutdown does in a worker
    with Path(DATA / "journal.jsonl").open(encoding="utf-8") as journal:
        for line in journal:
            print(" ", line.rstrip())


if __name__ == "__main__":
    main()
