"""Context injection: each class gets a ``logging.Logger`` named after itself.

The scenario: a small shop backend wants every log line to say which class
wrote it, the way ``logging.getLogger(__name__)`` does for a module, without
each class calling ``getLogger`` itself. The classes just ask for a
``logging.Logger``:

    class OrderRepository:
        def __init__(self, db: Database, logger: logging.Logger) -> None: ...

and one transient factory decides the name. It takes a ``DependencyContext``,
which describes the edge being resolved; ``context.parent`` is the
registration that asked for the logger, so

    context.parent.implementation.__module__     the module of that class
    context.parent.implementation.__qualname__   its qualified name

give ``<module>.<class>`` (here the module is ``__main__``, as the file runs as
a script). A top-level ``get_service(logging.Logger)`` has no parent and gets
the application's logger, ``shop``.

The graph mixes lifetimes and depths::

    CheckoutService (scoped)
    +-- OrderRepository (scoped)
    |   +-- Database (singleton)
    +-- PaymentGateway (singleton)
    |   +-- FraudCheck (transient)
    +-- Mailer (transient)

Every class has its own logger, so each line below names its writer. The
factory must be transient: a singleton logger would be named after whichever
class asked for it first. ``build_service_provider()`` rejects that with an
explanation, which the end of the run shows.

Run it from anywhere:

    python examples/logger_context/app.py
"""

from __future__ import annotations

import logging
import sys

from wiredi import (
    DependencyContext,
    GraphValidationError,
    LifetimeError,
    ServiceCollection,
)

APP_LOGGER = "shop"


def logger_for_requester(context: DependencyContext) -> logging.Logger:
    """Name the logger after the class it is injected into."""
    if context.parent is None:  # get_service(logging.Logger) at the top level
        return logging.getLogger(APP_LOGGER)
    owner = context.parent.implementation
    return logging.getLogger(f"{owner.__module__}.{owner.__qualname__}")


# ---------------------------------------------------------------- services


class Database:
    """Singleton: one connection pool for the process."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.logger.info("connection pool opened")

    def insert(self, table: str, row: dict[str, object]) -> int:
        self.logger.info("INSERT INTO %s %s", table, row)
        return 1


class FraudCheck:
    """Transient: a cheap rule set, built for every gateway that needs one."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def approve(self, amount: float) -> bool:
        approved = amount < 10_000
        self.logger.info("amount %.2f %s", amount, "ok" if approved else "refused")
        return approved


class PaymentGateway:
    """Singleton: one client for the payment provider."""

    def __init__(self, fraud: FraudCheck, logger: logging.Logger) -> None:
        self.fraud = fraud
        self.logger = logger

    def charge(self, customer: str, amount: float) -> str:
        if not self.fraud.approve(amount):
            msg = f"payment of {amount:.2f} refused"
            raise ValueError(msg)
        self.logger.info("charged %s %.2f", customer, amount)
        return "txn-0001"


class OrderRepository:
    """Scoped: one per request, on the shared database."""

    def __init__(self, db: Database, logger: logging.Logger) -> None:
        self.db = db
        self.logger = logger

    def save(self, customer: str, amount: float) -> int:
        self.logger.info("saving order for %s", customer)
        return self.db.insert("orders", {"customer": customer, "amount": amount})


class Mailer:
    """Transient: builds one message and is dropped."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def send(self, to: str, subject: str) -> None:
        self.logger.info("to %s: %s", to, subject)


class CheckoutService:
    """Scoped: the use case of one request."""

    def __init__(
        self,
        orders: OrderRepository,
        payments: PaymentGateway,
        mailer: Mailer,
        logger: logging.Logger,
    ) -> None:
        self.orders = orders
        self.payments = payments
        self.mailer = mailer
        self.logger = logger

    def checkout(self, customer: str, amount: float) -> None:
        self.logger.info("checkout started for %s", customer)
        self.payments.charge(customer, amount)
        order_id = self.orders.save(customer, amount)
        self.mailer.send(customer, f"order #{order_id} confirmed")
        self.logger.info("checkout done")


def build_services() -> ServiceCollection:
    services = ServiceCollection()
    # Transient: each requester gets a logger named after itself.
    services.add_transient_factory(logging.Logger, logger_for_requester)
    services.add_singleton(Database)
    services.add_transient(FraudCheck)
    services.add_singleton(PaymentGateway)
    services.add_scoped(OrderRepository)
    services.add_transient(Mailer)
    services.add_scoped(CheckoutService)
    return services


def main() -> int:
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="  %(name)-33s %(message)s"
    )
    with build_services().build_service_provider() as provider:
        print("log lines of one checkout (logger name, message):")
        with provider.create_scope() as scope:
            checkout = scope.get_service(CheckoutService)
            checkout.checkout("ada@example.com", 42.5)

        loggers = {
            "CheckoutService": checkout.logger,
            "OrderRepository": checkout.orders.logger,
            "Database": checkout.orders.db.logger,
            "PaymentGateway": checkout.payments.logger,
            "FraudCheck": checkout.payments.fraud.logger,
            "Mailer": checkout.mailer.logger,
            "get_service(Logger)": provider.get_service(logging.Logger),
        }
        print("\nlogger injected into each class:")
        for owner, logger in loggers.items():
            print(f"  {owner:<20} -> {logger.name}")
        module = CheckoutService.__module__
        for owner, logger in loggers.items():
            expected = APP_LOGGER if owner.startswith("get_") else f"{module}.{owner}"
            assert logger.name == expected, (owner, logger.name)
        # The same name means the same Logger object: logging caches them.
        with provider.create_scope() as scope:
            again = scope.get_service(CheckoutService)
        assert again is not checkout
        assert again.logger is checkout.logger
        assert again.orders.db is checkout.orders.db  # the singleton

    # A singleton logger would keep the name of its first requester forever.
    wrong = ServiceCollection().add_singleton_factory(
        logging.Logger, logger_for_requester
    )
    try:
        wrong.build_service_provider()
    except GraphValidationError as error:
        problem = error.errors[0]
        assert isinstance(problem, LifetimeError)
        print("\nregistered as a singleton instead, the build fails:")
        print(f"  {problem.message}")
        print(f"  fix: {problem.hint}")
    else:
        msg = "a singleton factory taking DependencyContext was accepted"
        raise AssertionError(msg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
