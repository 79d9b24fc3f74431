"""User sessions: a shopping cart per session that expires after 30 idle minutes.

Each request carries a session id. ``provider.create_scope("session", id)``
enters that session for the request (and opens the request scope), so the
``ShoppingCart`` -- a ``"session"``-lifetime service -- is the same object
for every request of the session, and a different one for each user. The
``ContextScopeManager`` drops a session nobody used for ``ttl`` seconds and
disposes its cart; ``max_scopes`` caps how many sessions are kept at all.

A fake clock stands in for ``time.monotonic`` so the example can skip half
an hour without waiting. Run it with:

    python examples/custom_scopes/sessions.py
"""

from __future__ import annotations

from wiredi import ContextScopeManager, ServiceCollection, ServiceProvider

SESSION_TTL = 30 * 60


class FakeClock:
    """Seconds that only move when ``advance`` is called."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ShoppingCart:
    """Lives as long as the user's session."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.closed = False

    def close(self) -> None:
        # A real cart might save itself for the user's next visit here.
        self.closed = True


class CartController:
    """Scoped: one per request, working on the session's cart."""

    def __init__(self, cart: ShoppingCart) -> None:
        self.cart = cart

    def add(self, item: str) -> list[str]:
        self.cart.items.append(item)
        return self.cart.items


def handle_request(provider: ServiceProvider, session_id: str, item: str) -> list[str]:
    with provider.create_scope("session", session_id) as scope:
        return list(scope.get_service(CartController).add(item))


def main() -> None:
    clock = FakeClock()
    sessions = ContextScopeManager(ttl=SESSION_TTL, max_scopes=10_000, clock=clock)
    services = ServiceCollection()
    services.add_scope_manager("session", sessions)
    services.add(ShoppingCart, lifetime="session")
    services.add_scoped(CartController)

    with services.build_service_provider() as provider:
        handle_request(provider, "alice", "book")
        clock.advance(5 * 60)
        print("alice:", handle_request(provider, "alice", "pen"))
        print("bob:  ", handle_request(provider, "bob", "lamp"))
        with provider.create_scope("session", "alice") as scope:
            alices_cart = scope.get_service(ShoppingCart)
        assert alices_cart.items == ["book", "pen"]

        clock.advance(SESSION_TTL)  # nobody is active for half an hour
        print("carol:", handle_request(provider, "carol", "mug"))
        assert alices_cart.closed, "an expired session's cart is disposed"
        print("alive sessions:", sessions.active_scopes())
        assert sessions.active_scopes() == ["carol"]

        print("alice again:", handle_request(provider, "alice", "hat"))
        print("stats:", dict(sessions.stats()))
        assert sessions.stats()["evicted"] == 2  # alice and bob expired
        sessions.close()  # at shutdown: dispose every remaining session


if __name__ == "__main__":
    main()
