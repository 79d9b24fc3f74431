"""A singleton whose dependencies are all built is made straight from them.

Startup code often resolves singletons in registration order, so each one's
dependencies already exist when it is first asked for; the compiler then
makes it from those objects without compiling their resolvers again. These
tests pin that this shortcut keeps every rule of the usual path: the same
objects, async graphs refused, decorators and components honoured, failures
with their path, disposal in reverse order, one instance under threads.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Annotated

import pytest

from wiredi import (
    AsyncResolutionError,
    FromComponent,
    ServiceCollection,
)


class Settings:
    pass


class Pool:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


class Repo:
    def __init__(self, pool: Pool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings


def test_built_dependencies_are_passed_as_the_same_objects() -> None:
    services = ServiceCollection().add_singleton(Settings).add_singleton(Pool)
    provider = services.add_singleton(Repo).build_service_provider()
    settings = provider.get_service(Settings)
    pool = provider.get_service(Pool)
    repo = provider.get_service(Repo)
    assert repo.pool is pool
    assert repo.settings is settings
    assert pool.settings is settings
    assert provider.get_service(Repo) is repo
    with provider.create_scope() as scope:
        assert scope.get_service(Repo) is repo


def test_instance_dependency_is_passed_as_registered() -> None:
    settings = Settings()
    services = ServiceCollection().add_instance(Settings, settings)
    provider = services.add_singleton(Pool).build_service_provider()
    assert provider.get_service(Pool).settings is settings


class Db:
    pass


async def open_db() -> Db:
    await asyncio.sleep(0)
    return Db()


class Store:
    def __init__(self, db: Db) -> None:
        self.db = db


def test_a_dependency_built_by_an_async_factory_still_needs_the_async_call() -> None:
    services = ServiceCollection().add_singleton_factory(Db, open_db)
    provider = services.add_singleton(Store).build_service_provider()
    db = asyncio.run(provider.get_service_async(Db))
    with pytest.raises(AsyncResolutionError):
        provider.get_service(Store)
    store = asyncio.run(provider.get_service_async(Store))
    assert store.db is db


class Stamp:
    pass


class Stamped:
    def __init__(self, stamp: Stamp, settings: Settings) -> None:
        self.stamp = stamp
        self.settings = settings


def test_a_transient_dependency_resolved_before_is_made_anew() -> None:
    services = ServiceCollection().add_transient(Stamp).add_singleton(Settings)
    provider = services.add_singleton(Stamped).build_service_provider()
    earlier = provider.get_service(Stamp)
    provider.get_service(Settings)
    stamped = provider.get_service(Stamped)
    assert isinstance(stamped.stamp, Stamp)
    assert stamped.stamp is not earlier


class Audited(Pool):
    def __init__(self, inner: Pool) -> None:
        self.inner = inner
        self.settings = inner.settings


def test_a_decorator_still_wraps_a_singleton_made_from_built_objects() -> None:
    services = ServiceCollection().add_singleton(Settings).add_singleton(Pool)
    services.decorate(Pool, Audited)
    provider = services.build_service_provider()
    settings = provider.get_service(Settings)
    pool = provider.get_service(Pool)
    assert isinstance(pool, Audited)
    assert pool.settings is settings


class Named:
    def __init__(self, *, settings: Settings) -> None:
        self.settings = settings


def test_keyword_only_parameters_get_the_built_objects_by_name() -> None:
    services = ServiceCollection().add_singleton(Settings).add_singleton(Named)
    provider = services.build_service_provider()
    settings = provider.get_service(Settings)
    assert provider.get_service(Named).settings is settings


class Remote:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


class FromBilling:
    def __init__(
        self, settings: Settings, remote: Annotated[Remote, FromComponent("billing")]
    ) -> None:
        self.settings = settings
        self.remote = remote


def test_components_keep_their_own_objects() -> None:
    services = ServiceCollection().add_singleton(Settings)
    services.add_singleton(Settings, component="billing")
    services.add_singleton(Remote, component="billing")
    services.add_singleton(FromBilling)
    provider = services.build_service_provider()
    mine = provider.get_service(Settings)
    theirs = provider.get_service(Settings, component="billing")
    remote = provider.get_service(Remote, component="billing")
    assert remote.settings is theirs
    made = provider.get_service(FromBilling)
    assert made.settings is mine
    assert made.remote is remote


class Fragile:
    attempts = 0

    def __init__(self, settings: Settings) -> None:
        type(self).attempts += 1
        if type(self).attempts == 1:
            raise ValueError("not ready yet")
        self.settings = settings


def test_a_failed_construction_names_its_path_and_is_retried() -> None:
    Fragile.attempts = 0
    services = ServiceCollection().add_singleton(Settings).add_singleton(Fragile)
    provider = services.build_service_provider()
    settings = provider.get_service(Settings)
    with pytest.raises(ValueError, match="not ready yet") as caught:
        provider.get_service(Fragile)
    assert caught.value.__notes__ == [
        "wiredi: raised while resolving Fragile (singleton)"
    ]
    assert provider.get_service(Fragile).settings is settings
    assert Fragile.attempts == 2


class Closing:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def close(self) -> None:
        self.log.append("closing")


class ClosingUser:
    def __init__(self, closing: Closing) -> None:
        self.log = closing.log

    def close(self) -> None:
        self.log.append("user")


def test_made_from_built_objects_it_is_closed_before_them() -> None:
    log: list[str] = []
    services = ServiceCollection().add_instance(list[str], log)
    services.add_singleton(Closing).add_singleton(ClosingUser)
    with services.build_service_provider() as provider:
        provider.get_service(Closing)
        provider.get_service(ClosingUser)
    assert log == ["user", "closing"]


class Slow:
    made = 0

    def __init__(self, settings: Settings) -> None:
        type(self).made += 1
        time.sleep(0.01)  # widen the window for a second construction
        self.settings = settings


def test_eight_threads_get_one_instance() -> None:
    Slow.made = 0
    services = ServiceCollection().add_singleton(Settings).add_singleton(Slow)
    provider = services.build_service_provider()
    provider.get_service(Settings)
    start = threading.Barrier(8)
    found: list[Slow] = []

    def resolve() -> None:
        start.wait()
        found.append(provider.get_service(Slow))

    threads = [threading.Thread(target=resolve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Slow.made == 1
    assert len(found) == 8
    assert all(item is found[0] for item in found)


async def test_eight_tasks_get_one_instance() -> None:
    Slow.made = 0
    services = ServiceCollection().add_singleton(Settings).add_singleton(Slow)
    provider = services.build_service_provider()
    await provider.get_service_async(Settings)
    found = await asyncio.gather(
        *(asyncio.to_thread(provider.get_service, Slow) for _ in range(8)),
        *(provider.get_service_async(Slow) for _ in range(8)),
    )
    assert Slow.made == 1
    assert all(item is found[0] for item in found)


def test_an_override_of_a_built_dependency_is_used() -> None:
    services = ServiceCollection().add_singleton(Settings).add_singleton(Pool)
    provider = services.build_service_provider()
    provider.get_service(Settings)
    fake = Settings()
    with provider.override(Settings, fake):
        assert provider.get_service(Pool).settings is fake
    assert provider.get_service(Pool).settings is provider.get_service(Settings)


class Reader:
    pass


class Catalog(Reader):
    pass


class UsesReader:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader


def test_an_alias_dependency_gives_its_source_object() -> None:
    services = ServiceCollection().add_singleton(Catalog).add_alias(Reader, Catalog)
    provider = services.add_singleton(UsesReader).build_service_provider()
    catalog = provider.get_service(Catalog)
    assert provider.get_service(Reader) is catalog
    assert provider.get_service(UsesReader).reader is catalog


def test_a_dependency_built_through_a_scope_is_shared_with_the_root() -> None:
    services = ServiceCollection().add_singleton(Settings).add_singleton(Pool)
    provider = services.build_service_provider()
    with provider.create_scope() as scope:
        settings = scope.get_service(Settings)
    assert provider.get_service(Pool).settings is settings
    with provider.create_scope() as scope:
        assert scope.get_service(Pool) is provider.get_service(Pool)
