"""``examples/fastapi_tenants/app.py`` stores each tenant's upload in its backend."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

APP = Path(__file__).resolve().parents[2] / "examples" / "fastapi_tenants" / "app.py"

UPLOADS = [
    ("ACME", "s3", "orders.csv", b"order_id,amount\n1001,250.00\n1002,99.90\n"),
    ("Contoso", "azure", "invoices.json", b'{"id": "C-17", "total": 1200}\n'),
    ("Globex", "gcs", "shipments.csv", b"shipment,status\nG-42,delivered\n"),
]


def stored_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
    )


@pytest.fixture(name="env_root")
def _env_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "from-env"
    monkeypatch.setenv("STORAGE_ROOT", str(root))
    return root


@pytest.fixture(name="example")
def _example(env_root: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import the example as a module (its module-level app reads STORAGE_ROOT)."""
    name = "example_fastapi_tenants_app"
    spec = importlib.util.spec_from_file_location(name, APP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses and FastAPI look the module up in sys.modules.
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(name="root")
def _root(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture(name="client")
def _client(example: ModuleType, root: Path) -> Iterator[TestClient]:
    with TestClient(example.create_app(root)) as client:
        yield client


class TestFastAPITenantsExample:
    """The HTTP ingestion example routes each tenant to its configured backend."""

    def test_uploads_of_all_three_tenants_land_in_their_backends(self, client, root):
        """Each upload is stored byte for byte under <root>/<backend>/<tenant>/<name>."""
        for tenant, backend, name, data in UPLOADS:
            response = client.post(
                f"/files/{name}", content=data, headers={"X-Tenant-Id": tenant}
            )
            assert response.status_code == 201, response.text
            body = response.json()
            assert body["tenant"] == tenant
            assert body["backend"] == backend
            assert body["path"] == f"{backend}/{tenant}/{name}"
            assert body["size"] == len(data)
            assert (root / backend / tenant / name).read_bytes() == data
        assert stored_files(root) == sorted(f"{b}/{t}/{n}" for t, b, n, _ in UPLOADS)

    @pytest.mark.parametrize("headers", [{}, {"X-Tenant-Id": "Initech"}])
    def test_an_unknown_or_missing_tenant_is_a_400_and_stores_nothing(
        self, client, root, headers
    ):
        """Without a configured tenant the request is refused with a reason."""
        response = client.post("/files/x.txt", content=b"x", headers=headers)
        assert response.status_code == 400
        assert "unknown tenant" in response.json()["detail"]
        assert not root.exists()

    @pytest.mark.parametrize("name", ["..", ".hidden", "a b"])
    def test_a_bad_file_name_is_rejected(self, client, root, name):
        """Only plain file names are accepted."""
        response = client.post(
            f"/files/{name}", content=b"x", headers={"X-Tenant-Id": "ACME"}
        )
        assert response.status_code in {404, 422}
        assert not root.exists()

    def test_a_tenant_keeps_its_backend_across_requests(
        self, example, root, monkeypatch
    ):
        """The tenant-lifetime backend is built once per tenant, not per request."""
        made: list[str] = []
        for kind, backend in list(example.BACKENDS.items()):

            class Counting(backend):
                def __init__(self, *args: object) -> None:
                    super().__init__(*args)
                    made.append(self.kind)

            monkeypatch.setitem(example.BACKENDS, kind, Counting)
        with TestClient(example.create_app(root)) as client:
            for tenant in ["ACME", "ACME", "Globex", "ACME"]:
                response = client.post(
                    "/files/a.txt", content=b"a", headers={"X-Tenant-Id": tenant}
                )
                assert response.status_code == 201
        assert made == ["s3", "gcs"]

    def test_the_module_app_stores_under_storage_root(self, example, env_root):
        """uvicorn app:app uses $STORAGE_ROOT."""
        with TestClient(example.app) as client:
            response = client.post(
                "/files/note.txt", content=b"hi", headers={"X-Tenant-Id": "Globex"}
            )
        assert response.status_code == 201
        assert (env_root / "gcs" / "Globex" / "note.txt").read_bytes() == b"hi"

    def test_the_ledger_folder_is_created_and_records_the_user(self, example, tmp_path):
        """The uploads ledger is made where it is configured, and names the uploader."""
        root = tmp_path / "deep" / "er" / "storage"
        with TestClient(example.create_app(root)) as client:
            response = client.post(
                "/files/a.txt",
                content=b"a",
                headers={"X-Tenant-Id": "ACME", "Authorization": "Bearer ada"},
            )
            listed = client.get("/uploads", headers={"X-Tenant-Id": "ACME"}).json()
        assert response.json()["uploaded_by"] == "ada"
        assert listed["uploads"] == [
            {"name": "a.txt", "backend": "s3", "size": 1, "uploaded_by": "ada"}
        ]
        assert (tmp_path / "deep" / "er" / "storage.sqlite3").is_file()
