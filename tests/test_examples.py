"""The runnable examples in ``examples/`` work as documented."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(
    relative_path: str, *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run an example script in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, str(EXAMPLES / relative_path), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def load_example(relative_path: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import an example script as a module, without running its ``__main__`` block."""
    path = EXAMPLES / relative_path
    name = "example_" + "_".join(path.relative_to(EXAMPLES).with_suffix("").parts)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(name="complex_ingest")
def _complex_ingest(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load_example("complex_ingest/app.py", monkeypatch)


@pytest.fixture(name="ingest_root", scope="module")
def _ingest_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("complex_ingest") / "storage"


@pytest.fixture(name="ingest_run", scope="module")
def _ingest_run(ingest_root: Path) -> subprocess.CompletedProcess[str]:
    # Run once, from an unrelated folder: the script must not depend on the cwd.
    return run_example(
        "complex_ingest/app.py", "--root", str(ingest_root), cwd=ingest_root.parent
    )


class TestComplexIngestScript:
    """``examples/complex_ingest/app.py`` stores each tenant's upload in its backend."""

    UPLOADS = [
        ("ACME", "s3", "orders.csv", b"order_id,amount\n1001,250.00\n1002,99.90\n"),
        ("Contoso", "azure", "invoices.json", b'{"id": "C-17", "total": 1200}\n'),
        ("Globex", "gcs", "shipments.csv", b"shipment,status\nG-42,delivered\n"),
    ]

    def test_exits_zero(self, ingest_run):
        """The script exits with status 0 and writes nothing to stderr."""
        assert (ingest_run.returncode, ingest_run.stderr) == (0, "")

    def test_prints_every_tenant_with_its_backend(self, ingest_run):
        """Each tenant's line names the tenant, its backend and the stored path."""
        lines = ingest_run.stdout.splitlines()
        for tenant, backend, name, _ in self.UPLOADS:
            matching = [line for line in lines if line.startswith(tenant)]
            assert len(matching) == 1, ingest_run.stdout
            assert f"-> {backend}" in matching[0]
            assert f"{backend}/{tenant}/{name}" in matching[0]

    def test_stores_the_exact_bytes_under_the_tenants_backend(
        self, ingest_run, ingest_root
    ):
        """Each upload lands in ``<root>/<backend>/<tenant>/<name>`` byte for byte."""
        assert ingest_run.returncode == 0, ingest_run.stderr
        for tenant, backend, name, data in self.UPLOADS:
            assert (ingest_root / backend / tenant / name).read_bytes() == data
        stored = sorted(
            p.relative_to(ingest_root).as_posix() for p in ingest_root.rglob("*.*")
        )
        assert stored == sorted(f"{b}/{t}/{n}" for t, b, n, _ in self.UPLOADS)


class TestComplexIngestServices:
    """The services of the ingestion example have the lifetimes it describes."""

    @pytest.fixture(name="provider")
    def _provider(self, complex_ingest, tmp_path):
        config = complex_ingest.load_configuration(tmp_path)
        services = complex_ingest.build_services(config)
        with services.build_service_provider() as provider:
            yield provider

    def test_each_request_gets_its_own_service_but_one_shared_clock(
        self, complex_ingest, provider
    ):
        """Two scopes for the same tenant get two services and the same singleton clock."""
        token = complex_ingest.current_tenant.set("ACME")
        try:
            with provider.create_scope() as first, provider.create_scope() as second:
                one = first.get_service(complex_ingest.DataIngestionService)
                two = second.get_service(complex_ingest.DataIngestionService)
                assert one is first.get_service(complex_ingest.DataIngestionService)
        finally:
            complex_ingest.current_tenant.reset(token)
        assert one is not two
        assert one.clock is two.clock
        assert one.clock is provider.get_service(complex_ingest.IClock)

    def test_the_backend_follows_the_tenant_of_the_request(
        self, complex_ingest, provider, tmp_path
    ):
        """handle_request stores under the backend configured for that tenant."""
        receipt = complex_ingest.handle_request(provider, "Globex", "a.txt", b"x")
        assert (receipt.tenant, receipt.backend) == ("Globex", "gcs")
        assert receipt.path == tmp_path / "gcs" / "Globex" / "a.txt"
        assert receipt.path.read_bytes() == b"x"

    def test_resolving_storage_without_a_tenant_raises_lookup_error(
        self, complex_ingest, provider
    ):
        """Outside a request there is no tenant, and the factory says so."""
        with (
            provider.create_scope() as scope,
            pytest.raises(LookupError, match="no tenant is set") as caught,
        ):
            scope.get_service(complex_ingest.IStorageBackend)
        assert caught.type is LookupError
