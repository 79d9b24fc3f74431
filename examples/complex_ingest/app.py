"""Multi-tenant data ingestion: one storage client per tenant, chosen by configuration.

The scenario: an ingestion API serves several tenants, and each tenant keeps
its data in a different cloud store. ``appsettings.json``, next to this file,
says which:

    ACME    -> S3
    Contoso -> Azure Blob Storage
    Globex  -> Google Cloud Storage

Configuration is layered: ``appsettings.json`` first, then environment
variables starting with ``APP__`` (``APP__TENANTS__ACME__BACKEND=gcs`` moves
ACME to Google Cloud Storage, ``APP__INGEST__MAXBYTES=100`` lowers the size
limit), then ``--root`` on the command line for the storage folder. The
``ingest`` section is bound to the ``IngestOptions`` dataclass by
``services.configure``, and the ingestion service gets it as
``Options[IngestOptions]``: it rejects files that are too large or of a type
the service does not accept.

Each incoming request carries a tenant id, and ``handle_request`` opens
``provider.create_scope("tenant", tenant_id)``: a request scope that is also
inside that tenant's custom scope (a ``ContextScopeManager``, so threads and
asyncio tasks never see each other's tenant). Inside, the container builds:

- ``DataIngestionService``: scoped, one per request;
- ``IStorageBackend``: ``"tenant"`` lifetime. A factory reads the tenant id of
  the active tenant scope and the configuration, and creates the tenant's
  client the first time one of its requests needs it; every later request of
  that tenant reuses it (connections and credentials are expensive);
- ``IClock`` (a ``UtcClock``) and ``StorageMetrics``: singletons shared by
  every request and tenant.

The services depend on Protocols (``IClock``, ``IStorageBackend``), never on a
concrete backend, so nothing outside ``build_services`` knows which cloud a
tenant uses. The three backends here are embedded defaults that really store
the bytes, in a local folder per backend: ``<root>/<backend>/<tenant>/<name>``.
The run makes two requests per tenant plus two that are rejected, and shows
that each tenant's client was created once.

Run it from anywhere:

    python examples/complex_ingest/app.py [--root DIR]
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Protocol

from wiredi import ContextScopeManager, ServiceCollection, ServiceProvider
from wiredi.config import Configuration, ConfigurationBuilder, IConfiguration, Options

HERE = Path(__file__).resolve().parent
SETTINGS_FILE = HERE / "appsettings.json"
ENV_PREFIX = "APP__"
TENANT_SCOPE = "tenant"


# --------------------------------------------------------------- contracts


class IClock(Protocol):
    def now(self) -> datetime: ...


class IStorageBackend(Protocol):
    @property
    def client_number(self) -> int: ...

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
    client_number: int


@dataclass
class IngestOptions:
    """The ``ingest`` section of the configuration."""

    max_bytes: int = 1024 * 1024
    allowed_extensions: list[str] = field(default_factory=lambda: [".csv", ".json"])


class UploadRejectedError(ValueError):
    """An upload breaks the ingestion rules; nothing was stored."""

    def __init__(self, tenant: str, name: str, reason: str) -> None:
        super().__init__(f"{tenant}: {name!r} rejected: {reason}")
        self.tenant = tenant
        self.name = name
        self.reason = reason


# ---------------------------------------------------------- implementations


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class CurrentTenant:
    """The tenant the code runs for: the id of the active ``"tenant"`` scope."""

    def __init__(self, scopes: ContextScopeManager) -> None:
        self._scopes = scopes

    @property
    def id(self) -> str:
        tenant = self._scopes.current_scope_id()
        if tenant is None:
            msg = "no tenant scope is active; use handle_request()"
            raise LookupError(msg)
        return tenant


class StorageMetrics:
    """Counts the storage clients created, per tenant."""

    def __init__(self) -> None:
        self.clients_created: Counter[str] = Counter()
        self._numbers = itertools.count(1)

    def client_created(self, tenant: str) -> int:
        """Record a new client for ``tenant``; return its serial number."""
        self.clients_created[tenant] += 1
        return next(self._numbers)


class LocalFolderBackend:
    """A stand-in for a cloud store: files in ``<root>/<kind>/<tenant>/``."""

    kind: ClassVar[str]

    def __init__(self, root: Path, tenant: str, client_number: int) -> None:
        self.folder = root / self.kind / tenant
        self.client_number = client_number

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


def storage_root(config: IConfiguration) -> Path:
    """``storage:root``; a relative path is relative to ``appsettings.json``."""
    return HERE / Path(config.get("storage:root", "storage"))


def storage_for_current_tenant(
    tenant: CurrentTenant, config: IConfiguration, metrics: StorageMetrics
) -> IStorageBackend:
    """Create the storage client of the active tenant (once per tenant)."""
    tenant_id = tenant.id
    kind = config.get(f"tenants:{tenant_id}:backend")
    if kind not in BACKENDS:
        msg = f"tenant {tenant_id!r} has no known storage backend (got {kind!r})"
        raise LookupError(msg)
    number = metrics.client_created(tenant_id)
    return BACKENDS[kind](storage_root(config), tenant_id, number)


class DataIngestionService:
    """Ingests the files of one request into the tenant's storage."""

    def __init__(
        self,
        storage: IStorageBackend,
        clock: IClock,
        options: Options[IngestOptions],
        tenant: CurrentTenant,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.options = options.value
        self.tenant = tenant.id
        self.receipts: list[IngestionReceipt] = []

    def check(self, name: str, data: bytes) -> None:
        """Raise ``UploadRejectedError`` unless the upload may be stored."""
        allowed = [extension.lower() for extension in self.options.allowed_extensions]
        extension = Path(name).suffix.lower()
        if extension not in allowed:
            reason = (
                f"{extension or 'no extension'} is not an accepted file type "
                f"(ingest:allowedExtensions is {', '.join(allowed)})"
            )
            raise UploadRejectedError(self.tenant, name, reason)
        if len(data) > self.options.max_bytes:
            reason = (
                f"{len(data):,} bytes is over the limit of "
                f"{self.options.max_bytes:,} bytes (ingest:maxBytes)"
            )
            raise UploadRejectedError(self.tenant, name, reason)

    def ingest(self, name: str, data: bytes) -> IngestionReceipt:
        self.check(name, data)
        received_at = self.clock.now()
        stored = self.storage.put(name, data)
        receipt = IngestionReceipt(
            self.tenant,
            stored.backend,
            stored.path,
            len(data),
            received_at,
            self.storage.client_number,
        )
        self.receipts.append(receipt)
        return receipt


# ------------------------------------------------------------- composition


def build_services(config: IConfiguration) -> ServiceCollection:
    """Register the application's services; the one place that knows the wiring."""
    services = ServiceCollection()
    # Each tenant id gets its own storage for "tenant"-lifetime services,
    # kept after the request (persistent) and reused by the next one.
    tenants = ContextScopeManager()
    services.add_scope_manager(TENANT_SCOPE, tenants)
    services.add_instance(CurrentTenant, CurrentTenant(tenants))
    # Built by the caller: the container hands it out but never disposes it.
    services.add_instance(IConfiguration, config)
    # The "ingest" section, bound (and checked at build) as Options[IngestOptions].
    services.configure(IngestOptions, section="ingest")
    # One clock and one set of counters for the whole application.
    services.add_singleton(IClock, UtcClock)
    services.add_singleton(StorageMetrics)
    # One client per tenant, created by its first request and reused after.
    services.add(
        IStorageBackend, factory=storage_for_current_tenant, lifetime=TENANT_SCOPE
    )
    # One per request scope, built from the services above.
    services.add_scoped(DataIngestionService)
    return services


def load_configuration(
    root: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Configuration:
    """Read ``appsettings.json``, then ``APP__*`` variables, then ``root`` if given.

    ``environ`` defaults to ``os.environ``.
    """
    builder = (
        ConfigurationBuilder()
        .add_json_file(SETTINGS_FILE)
        .add_env_variables(prefix=ENV_PREFIX, environ=environ)
    )
    if root is not None:
        builder.add_dict({"storage": {"root": str(root)}})
    return builder.build()


def handle_request(
    provider: ServiceProvider, tenant: str, name: str, data: bytes
) -> IngestionReceipt:
    """Handle one upload the way a web framework's middleware would."""
    with provider.create_scope(TENANT_SCOPE, tenant) as scope:
        return scope.get_service(DataIngestionService).ingest(name, data)


UPLOADS = [
    ("ACME", "orders.csv", b"order_id,amount\n1001,250.00\n1002,99.90\n"),
    ("Contoso", "invoices.json", b'{"id": "C-17", "total": 1200}\n'),
    ("Globex", "shipments.csv", b"shipment,status\nG-42,delivered\n"),
    ("ACME", "refunds.csv", b"order_id,amount\n1002,-99.90\n"),
    ("Contoso", "credits.json", b'{"id": "CN-3", "total": -200}\n'),
    ("Globex", "returns.csv", b"shipment,status\nG-40,returned\n"),
    ("ACME", "archive.csv", b"order_id,amount\n" + b"1000,1.00\n" * 200),
    ("Globex", "setup.exe", b"MZ\x90\x00"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Ingest each tenant's uploads into its configured backend."
    )
    parser.add_argument(
        "--root",
        type=Path,
        help="folder the local backends write to; overrides storage:root "
        f"(default: from {SETTINGS_FILE.name}, relative to it)",
    )
    arguments = parser.parse_args(argv)
    root = arguments.root.resolve() if arguments.root else None

    config = load_configuration(root)
    root = storage_root(config)
    print(f"settings: {SETTINGS_FILE.name}, then {ENV_PREFIX}* variables, then --root")
    print(f"storage root: {root}")
    with build_services(config).build_service_provider() as provider:
        options = provider.get_service(Options[IngestOptions]).value
        tenants = config.get_section("tenants")
        backends = ", ".join(f"{t} -> {tenants.get(f'{t}:backend')}" for t in tenants)
        print(f"tenants: {backends}")
        print(
            f"accepted: {', '.join(options.allowed_extensions)} files "
            f"up to {options.max_bytes:,} bytes\n"
        )
        for tenant, name, data in UPLOADS:
            try:
                receipt = handle_request(provider, tenant, name, data)
            except UploadRejectedError as error:
                print(f"{tenant:<8} rejected {name}: {error.reason}")
                continue
            print(
                f"{receipt.tenant:<8} -> {receipt.backend:<5} "
                f"{receipt.path.relative_to(root).as_posix():<28} "
                f"client #{receipt.client_number}  {receipt.size:>3} bytes  "
                f"{receipt.received_at:%Y-%m-%d %H:%M:%S} UTC"
            )

        created = provider.get_service(StorageMetrics).clients_created
        counts = ", ".join(f"{tenant} {count}" for tenant, count in created.items())
        print(
            f"\nstorage clients created per tenant: {counts} "
            f"({created.total()} clients for {len(UPLOADS)} requests)"
        )
        assert set(created.values()) == {1}, "one client per tenant, reused"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
