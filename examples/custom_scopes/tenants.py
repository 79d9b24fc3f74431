"""Per-tenant configuration: one storage client per tenant, reused by every request.

The configuration lists each tenant's storage backend. ``TenantSettings`` and
``StorageClient`` have the ``"tenant"`` lifetime, so they are built once per
tenant -- the first time a request of that tenant needs them -- and shared by
all later requests of the same tenant, in any thread or task. Request-level
services (``UploadHandler``) stay scoped.

A tenant-lifetime factory learns which tenant it is building for from
``tenants.current_scope_id()``, the id of the scope being resolved in.
``max_scopes`` keeps at most that many tenants' clients alive; the least
recently used one is disposed to make room.

Run it with:

    python examples/custom_scopes/tenants.py
"""

from __future__ import annotations

from dataclasses import dataclass

from wiredi import ContextScopeManager, ServiceCollection, ServiceProvider
from wiredi.config import Configuration, IConfiguration

CONFIG = {
    "tenants": {
        "acme": {"backend": "s3", "bucket": "acme-data"},
        "globex": {"backend": "gcs", "bucket": "globex-files"},
        "initech": {"backend": "azure", "bucket": "initech-blobs"},
    }
}


@dataclass(frozen=True)
class TenantSettings:
    tenant_id: str
    backend: str
    bucket: str


class StorageClient:
    """Expensive to create (connections, credentials): one per tenant."""

    created = 0

    def __init__(self, settings: TenantSettings) -> None:
        StorageClient.created += 1
        self.settings = settings
        self.closed = False

    def url(self, name: str) -> str:
        return f"{self.settings.backend}://{self.settings.bucket}/{name}"

    def close(self) -> None:
        self.closed = True


class UploadHandler:
    """Scoped: one per request."""

    def __init__(self, storage: StorageClient) -> None:
        self.storage = storage

    def upload(self, name: str) -> str:
        return self.storage.url(name)


def build_provider(tenants: ContextScopeManager) -> ServiceProvider:
    def tenant_settings(config: IConfiguration) -> TenantSettings:
        tenant_id = tenants.current_scope_id()
        assert tenant_id is not None, "only resolved inside a tenant scope"
        section = config.get_section(f"tenants:{tenant_id}")
        return TenantSettings(tenant_id, section.get("backend"), section.get("bucket"))

    services = ServiceCollection()
    services.add_scope_manager("tenant", tenants)
    services.add_instance(IConfiguration, Configuration(CONFIG))
    services.add(TenantSettings, factory=tenant_settings, lifetime="tenant")
    services.add(StorageClient, lifetime="tenant")
    services.add_scoped(UploadHandler)
    return services.build_service_provider()


def main() -> None:
    tenants = ContextScopeManager(max_scopes=2)
    with build_provider(tenants) as provider:
        requests = [
            ("acme", "invoices.csv"),
            ("globex", "orders.json"),
            ("acme", "report.pdf"),
            ("globex", "logo.png"),
        ]
        clients = {}
        for tenant_id, name in requests:
            with provider.create_scope("tenant", tenant_id) as scope:
                url = scope.get_service(UploadHandler).upload(name)
                clients[tenant_id] = scope.get_service(StorageClient)
            print(f"{tenant_id:8} -> {url}")
        assert StorageClient.created == 2, "one client per tenant, reused"

        # A third tenant beyond max_scopes=2: the least recently used (acme) goes.
        with provider.create_scope("tenant", "initech") as scope:
            url = scope.get_service(UploadHandler).upload("a.txt")
        print(f"{'initech':8} -> {url}")
        assert clients["acme"].closed
        assert not clients["globex"].closed
        print("tenants kept:", tenants.active_scopes())
        print("stats:", dict(tenants.stats()))
        assert tenants.active_scopes() == ["globex", "initech"]
        tenants.close()


if __name__ == "__main__":
    main()
