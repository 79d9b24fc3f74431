"""Multi-tenant data ingestion: the storage backend is chosen per request.

The scenario: an ingestion API serves several tenants, and each tenant keeps
its data in a different cloud store, as configured:

    ACME    -> S3
    Contoso -> Azure Blob Storage
    Globex  -> Google Cloud Storage

Each incoming request carries a tenant id. The request handler puts it in the
``current_tenant`` ``ContextVar`` (so threads and asyncio tasks never see each
other's tenant) and opens a request scope. Inside, the container builds:

- ``DataIngestionService``: scoped, one per request;
- ``IStorageBackend``: a transient factory reads ``current_tenant`` and the
  configuration and returns the tenant's backend;
- ``IClock``: a singleton ``UtcClock`` shared by every request, used to
  timestamp what was ingested.

The services depend on Protocols (``IClock``, ``IStorageBackend``), never on a
concrete backend, so nothing outside ``build_services`` knows which cloud a
tenant uses. The three backends here are embedded defaults that really store
the bytes, in a local folder per backend: ``<root>/<backend>/<tenant>/<name>``.

Run it from anywhere:

    python examples/complex_ingest/app.py [--root DIR]
"""

from __future__ import annotations

import argparse
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Protocol

from wiredi import ServiceCollection, ServiceProvider
from wiredi.config import Configuration, IConfiguration

DEFAULT_ROOT = Path(__file__).resolve().parent / "storage"

current_tenant: ContextVar[str] = ContextVar("current_tenant")
"""The tenant of the request being handled; set by ``handle_request``."""


# --------------------------------------------------------------- contracts


class IClock(Protocol):
    def now(self) -> datetime: ...


class IStorageBackend(Protocol):
    def put(self, name: str, data: bytes) -> StoredObject: ...


@dataclass(frozen=True, slots=True)
class StoredObject:
    backend: str
    path: Path


@dataclass(frozen=True, slots=True)
class IngestionReceipt:
    tenant: str
    backend: str
    path: Path
    size: int
    received_at: datetime


# ---------------------------------------------------------- implementations


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class LocalFolderBackend:
    """A stand-in for a cloud store: files in ``<root>/<kind>/<tenant>/``."""

    kind: ClassVar[str]

    def __init__(self, root: Path, tenant: str) -> None:
        self.folder = root / self.kind / tenant

    def put(self, name: str, data: bytes) -> StoredObject:
        if Path(name).name != name:
            msg = f"object name must be a plain file name, got {name!r}"
            raise ValueError(msg)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        path.write_bytes(data)
        return StoredObject(self.kind, path)


class S3Backend(LocalFolderBackend):
    kind = "s3"


class AzureBackend(LocalFolderBackend):
    kind = "azure"


class GcsBackend(LocalFolderBackend):
    kind = "gcs"


BACKENDS: dict[str, type[LocalFolderBackend]] = {
    backend.kind: backend for backend in (S3Backend, AzureBackend, GcsBackend)
}


def storage_for_current_tenant(config: IConfiguration) -> IStorageBackend:
    """Return the storage backend configured for the tenant of this request."""
    tenant = current_tenant.get(None)
    if tenant is None:
        msg = "no tenant is set for this request; use handle_request()"
        raise LookupError(msg)
    kind = config.get(f"tenants:{tenant}:backend")
    if kind not in BACKENDS:
        msg = f"tenant {tenant!r} has no known storage backend (got {kind!r})"
        raise LookupError(msg)
    return BACKENDS[kind](Path(config.get("storage:root")), tenant)


class DataIngestionService:
    """Ingests the files of one request into the tenant's storage."""

    def __init__(self, storage: IStorageBackend, clock: IClock) -> None:
        self.storage = storage
        self.clock = clock
        self.tenant = current_tenant.get()
        self.receipts: list[IngestionReceipt] = []

    def ingest(self, name: str, data: bytes) -> IngestionReceipt:
        received_at = self.clock.now()
        stored = self.storage.put(name, data)
        receipt = IngestionReceipt(
            self.tenant, stored.backend, stored.path, len(data), received_at
        )
        self.receipts.append(receipt)
        return receipt


# ------------------------------------------------------------- composition


def build_services(config: IConfiguration) -> ServiceCollection:
    """Register the application's services; the one place that knows the wiring."""
    services = ServiceCollection()
    # Built by the caller: the container hands it out but never disposes it.
    services.add_instance(IConfiguration, config)
    # One clock for the whole application.
    services.add_singleton(IClock, UtcClock)
    # Transient: the answer depends on the request's tenant, so never cache it.
    services.add_transient_factory(IStorageBackend, storage_for_current_tenant)
    # One per request scope, built from the two above.
    services.add_scoped(DataIngestionService)
    return services


def load_configuration(root: Path) -> Configuration:
    return Configuration(
        {
            "tenants": {
                "ACME": {"backend": "s3"},
                "Contoso": {"backend": "azure"},
                "Globex": {"backend": "gcs"},
            },
            "storage": {"root": str(root)},
        }
    )


def handle_request(
    provider: ServiceProvider, tenant: str, name: str, data: bytes
) -> IngestionReceipt:
    """Handle one upload the way a web framework's middleware would."""
    token = current_tenant.set(tenant)
    try:
        with provider.create_scope() as scope:
            return scope.get_service(DataIngestionService).ingest(name, data)
    finally:
        current_tenant.reset(token)


UPLOADS = [
    ("ACME", "orders.csv", b"order_id,amount\n1001,250.00\n1002,99.90\n"),
    ("Contoso", "invoices.json", b'{"id": "C-17", "total": 1200}\n'),
    ("Globex", "shipments.csv", b"shipment,status\nG-42,delivered\n"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Ingest one file per tenant into its configured backend."
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=DEFAULT_ROOT,
        help="folder the local backends write to (default: %(default)s)",
    )
    root = parser.parse_args(argv).root.resolve()

    services = build_services(load_configuration(root))
    print(f"storage root: {root}")
    with services.build_service_provider() as provider:
        for tenant, name, data in UPLOADS:
            receipt = handle_request(provider, tenant, name, data)
            print(
                f"{receipt.tenant:<8} -> {receipt.backend:<5} "
                f"{receipt.path.relative_to(root)} ({receipt.size} bytes, "
                f"{receipt.received_at:%Y-%m-%d %H:%M:%S} UTC)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
