"""Type-checked only (mypy --strict), never executed: ``health_check=`` and reports."""

from __future__ import annotations

import asyncio
from typing import Protocol, assert_type

from wiredi import HealthCheckResult, HealthReport, ServiceCollection


class IDatabase(Protocol):
    def execute(self, sql: str) -> None: ...


class Database:
    def execute(self, sql: str) -> None: ...


class Cache:
    async def ping(self) -> bool:
        return True


services = ServiceCollection()
# the check is typed with the service type
services.add_singleton(Database, health_check=lambda db: db.execute("select 1"))
services.add_singleton(IDatabase, Database, health_check=lambda db: db.execute("x"))
services.add_scoped_factory(Cache, Cache, health_check=lambda cache: cache.ping())
services.add_instance(Cache, Cache(), health_check=lambda cache: cache.ping())
services.add_alias(IDatabase, Database, health_check=lambda db: db.execute("x"))
services.add_singleton(Database, health_check=lambda db: db.ping())  # type: ignore[attr-defined]
services.add_transient(Cache, health_check=lambda cache: cache.execute(""))  # type: ignore[attr-defined]

provider = services.build_service_provider()
report = provider.check_health(timeout=1.0)
assert_type(report, HealthReport)
assert_type(report.checks, tuple[HealthCheckResult, ...])
assert_type(report.checks[0].error, str | None)
assert_type(asyncio.run(provider.check_health_async()), HealthReport)
provider.check_health(1.0)  # type: ignore[call-arg]  # timeout is keyword-only
