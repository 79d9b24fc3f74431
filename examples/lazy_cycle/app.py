"""Breaking a dependency cycle with ``Lazy[T]``.

The scenario: placing an order sends a notification, so ``OrderService``
needs a ``Notifier``; and a notification describes the order it is about,
so ``Notifier`` needs the ``OrderService``. Each needs the other to be
built first, which no container can do: validation rejects the graph with
a ``CircularDependencyError`` whose fix suggests ``Lazy``.

``OrderService`` only needs its notifier once an order is placed, long after
it is built. So it takes ``Lazy[Notifier]``: the order service is built
first, and the notifier (receiving that same order service) is resolved the
first time ``get()`` is called, from the same request scope:

    class OrderService:
        def __init__(self, notifier: Lazy[Notifier]) -> None: ...
        def place(self, item: str) -> str:
            ...
            self.notifier.get().order_placed(order_id)

Run it from anywhere:

    python examples/lazy_cycle/app.py
"""

from __future__ import annotations

from wiredi import (
    CircularDependencyError,
    GraphValidationError,
    Lazy,
    ServiceCollection,
)

# ------------------------------------------------------ the cycle, as is


class EagerOrderService:
    def __init__(self, notifier: EagerNotifier) -> None:
        self.notifier = notifier


class EagerNotifier:
    def __init__(self, orders: EagerOrderService) -> None:
        self.orders = orders


# ------------------------------------------------- the cycle, with Lazy


class OrderService:
    """Places orders; tells the notifier, which it resolves on first use."""

    def __init__(self, notifier: Lazy[Notifier]) -> None:
        self.notifier = notifier
        self.orders: dict[int, str] = {}

    def place(self, item: str) -> str:
        order_id = len(self.orders) + 1
        self.orders[order_id] = item
        return self.notifier.get().order_placed(order_id)

    def describe(self, order_id: int) -> str:
        return f"order #{order_id} ({self.orders[order_id]})"


class Notifier:
    """Writes notifications; asks the order service what an order is."""

    def __init__(self, orders: OrderService) -> None:
        self.orders = orders
        self.sent: list[str] = []

    def order_placed(self, order_id: int) -> str:
        message = f"placed {self.orders.describe(order_id)}"
        self.sent.append(message)
        return message


def build_services() -> ServiceCollection:
    services = ServiceCollection()
    services.add_scoped(OrderService)
    services.add_scoped(Notifier)
    return services


def show_the_cycle_is_rejected() -> None:
    services = ServiceCollection()
    services.add_scoped(EagerOrderService).add_scoped(EagerNotifier)
    try:
        services.build_service_provider()
    except GraphValidationError as error:
        (cycle,) = error.errors
        assert isinstance(cycle, CircularDependencyError)
        print(f"without Lazy: {cycle.message}")
        print(f"  fix: {cycle.hint}")
    else:  # pragma: no cover - validation always finds the cycle
        raise AssertionError("the cycle was not found")


def show_lazy_breaks_it() -> None:
    provider = build_services().build_service_provider()  # validates: no cycle
    with provider.create_scope() as scope:
        orders = scope.get_service(OrderService)
        print(f"\nwith Lazy, the notifier is {orders.notifier!r} until first used")
        print(orders.place("keyboard"))
        print(orders.place("mouse"))
        notifier = orders.notifier.get()
        print(
            f"{orders.notifier!r}, the scope's own: "
            f"{notifier is scope.get_service(Notifier)}"
        )
        print(
            f"the notifier's order service is the same object: "
            f"{notifier.orders is orders}"
        )
    with provider.create_scope() as other:
        fresh = other.get_service(OrderService).notifier.get()
        print(f"another scope, another notifier: {fresh is not notifier}")


if __name__ == "__main__":
    show_the_cycle_is_rejected()
    show_lazy_breaks_it()
