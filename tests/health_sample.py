"""Targets for the ``python -m wiredi health|check`` tests (``tests.health_sample:x``)."""

from __future__ import annotations

import os
import threading

from wiredi import ServiceCollection, ServiceProvider


class Database:
    def __init__(self, up: bool = True) -> None:
        self.up = up

    def execute(self, sql: str) -> None:
        if not self.up:
            raise ConnectionError("FATAL: password=hunter2 authentication failed")

    def close(self) -> None:
        # lets a test see, from another process, that the provider was closed
        marker = os.environ.get("WIREDI_SAMPLE_CLOSED")
        if marker:
            with open(marker, "w", encoding="utf-8") as file:  # noqa: PTH123
                file.write("closed")


class Cache:
    pass


class Repo:
    def __init__(self, database: Database, missing: Cache) -> None:
        self.database = database


class Report:
    def __init__(self, repo: Repo, pages: int) -> None:
        self.repo = repo


def healthy_services() -> ServiceCollection:
    services = ServiceCollection()
    services.add_singleton(Database, health_check=lambda db: db.execute("select 1"))
    services.add_scoped(Cache, health_check=lambda _: True)
    return services


def healthy() -> ServiceProvider:
    return healthy_services().build_service_provider()


def unhealthy() -> ServiceProvider:
    services = healthy_services()
    services.add_singleton_factory(
        Database,
        lambda: Database(up=False),
        health_check=lambda db: db.execute("select 1"),
    )
    return services.build_service_provider()


def hanging() -> ServiceProvider:
    never = threading.Event()
    services = ServiceCollection()
    services.add_singleton(Cache, health_check=lambda _: never.wait(60))
    return services.build_service_provider()


def broken_services() -> ServiceCollection:
    """Two problems: Repo needs an unregistered Cache, Report an int."""
    return (
        ServiceCollection().add_singleton(Database).add_scoped(Repo).add_scoped(Report)
    )


def broken() -> ServiceProvider:
    """A factory that builds (and so validates) a broken collection."""
    return broken_services().build_service_provider()


provider = healthy()
services = healthy_services()
broken_collection = broken_services()
unvalidated = broken_services().build_service_provider(validate=False)
