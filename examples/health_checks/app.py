"""Health checks: a readiness report for the clients an application holds.

The scenario: an order service holds a SQLite database, a cache and the
client of a payment provider. Each registration says how to tell whether
that dependency answers:

    Database        health_check=lambda db: db.execute("select 1")
    Cache           health_check=lambda cache: cache.ping()   (False = down)
    PaymentClient   health_check=check_payments               (async, 0.2 s)

``provider.check_health_async()`` runs the three checks at the same time,
each in a fresh scope and under its own timeout, and returns a
``HealthReport``. The script prints it as JSON and exits 0 when healthy, 1
otherwise, which is what a container probe wants:

    python examples/health_checks/app.py               # healthy, exit 0
    python examples/health_checks/app.py --cache-down  # unhealthy, exit 1
    python examples/health_checks/app.py --payments-hang --timeout 0.5

The payment provider's error carries its API token; the report shows
``token=***``. The same report, from the command line, with the
``build_provider`` function below (run from this folder):

    python -m wiredi health app:build_provider
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys

from wiredi import HealthReport, ServiceCollection, ServiceProvider
from wiredi.config import Configuration, IConfiguration

SETTINGS = {
    "payments": {"url": "https://payments.example", "api_token": "tok_live_4242"},
    "cache": {"down": False},
}


class Database:
    """A SQLite connection; checks run on a worker thread, so it allows that."""

    def __init__(self) -> None:
        self.connection = sqlite3.connect(":memory:", check_same_thread=False)

    def execute(self, sql: str) -> list[tuple[object, ...]]:
        return self.connection.execute(sql).fetchall()

    def close(self) -> None:
        self.connection.close()


class Cache:
    def __init__(self, config: IConfiguration) -> None:
        self.down = bool(config.get("cache:down"))

    def ping(self) -> bool:
        return not self.down


class PaymentClient:
    def __init__(self, config: IConfiguration) -> None:
        self.url = str(config.get("payments:url"))
        self.token = str(config.get("payments:api_token"))
        self.hang = bool(config.get("payments:hang"))

    async def status(self) -> str:
        await asyncio.sleep(30 if self.hang else 0.2)  # a slow network call
        if self.token.startswith("tok_live"):
            return "ok"
        raise ConnectionError(f"401 from {self.url} for token={self.token}")


async def check_payments(client: PaymentClient) -> bool:
    return await client.status() == "ok"


def build_services(settings: dict[str, object]) -> ServiceCollection:
    services = ServiceCollection()
    services.add_instance(IConfiguration, Configuration(settings))
    services.add_singleton(Database, health_check=lambda db: db.execute("select 1"))
    services.add_singleton(Cache, health_check=lambda cache: cache.ping())
    services.add_singleton(PaymentClient, health_check=check_payments)
    return services


def build_provider() -> ServiceProvider:
    """The target of ``python -m wiredi health app:build_provider``."""
    return build_services(SETTINGS).build_service_provider()


async def report(provider: ServiceProvider, seconds: float) -> HealthReport:
    async with provider:  # closes the Database when done
        return await provider.check_health_async(timeout=seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-down", action="store_true")
    parser.add_argument("--payments-hang", action="store_true")
    parser.add_argument("--bad-token", action="store_true")
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args(argv)
    token = "tok_test_1234" if args.bad_token else "tok_live_4242"
    settings = {
        "payments": {
            "url": "https://payments.example",
            "api_token": token,
            "hang": args.payments_hang,
        },
        "cache": {"down": args.cache_down},
    }
    provider = build_services(settings).build_service_provider()
    result = asyncio.run(report(provider, args.timeout))
    print(json.dumps(result.to_dict(), indent=2))
    return 0 if result.status == "healthy" else 1


if __name__ == "__main__":
    sys.exit(main())
