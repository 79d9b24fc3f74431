"""A small collection for the graph and CLI tests (``tests.graph_sample:services``)."""

from __future__ import annotations

from typing import Annotated, Protocol

from wiredi import FromComponent, ServiceCollection, ServiceProvider


class IClock(Protocol):
    def now(self) -> float: ...


class UtcClock:
    def now(self) -> float:
        return 0.0


class DbSession:
    pass


class OrderRepo:
    def __init__(self, session: Annotated[DbSession, FromComponent("db")]) -> None:
        self.session = session


class OrderService:
    def __init__(self, repo: OrderRepo, clock: IClock) -> None:
        self.repo = repo
        self.clock = clock


def build() -> ServiceCollection:
    """Return the sample collection: four registrations, one in component 'db'."""
    collection = ServiceCollection()
    collection.add_scoped(OrderService)
    collection.add_transient(OrderRepo)
    collection.add_scoped(DbSession, component="db")
    collection.add_singleton(IClock, UtcClock)
    return collection


def build_provider() -> ServiceProvider:
    return build().build_service_provider()


def needs_arguments(config: object) -> ServiceCollection:
    return build()


def returns_nothing() -> None:
    return None


services = build()
not_services = 42
