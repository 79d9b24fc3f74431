"""The runnable examples in ``examples/`` work as documented."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

from wiredi import ScopeError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(
    relative_path: str,
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run an example script in a fresh interpreter, as a user would.

    ``APP__*`` variables of the test run are dropped, so only ``env`` sets them.
    """
    environ = {k: v for k, v in os.environ.items() if not k.upper().startswith("APP__")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, str(EXAMPLES / relative_path), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
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


# ------------------------------------------------------------ logger_context


@pytest.fixture(name="logger_run", scope="module")
def _logger_run(tmp_path_factory: pytest.TempPathFactory):
    return run_example("logger_context/app.py", cwd=tmp_path_factory.mktemp("logs"))


class TestLoggerContextScript:
    """``examples/logger_context/app.py`` names each logger after its class."""

    CLASSES = [
        "CheckoutService",
        "OrderRepository",
        "Database",
        "PaymentGateway",
        "FraudCheck",
        "Mailer",
    ]

    def test_exits_zero(self, logger_run):
        """The script exits with status 0 and writes nothing to stderr."""
        assert (logger_run.returncode, logger_run.stderr) == (0, "")

    def test_prints_the_logger_name_of_every_class(self, logger_run):
        """Each class gets ``__main__.<class>``; a top-level resolve gets ``shop``."""
        for name in self.CLASSES:
            assert re.search(
                rf"^  {name} +-> __main__\.{name}$", logger_run.stdout, re.MULTILINE
            ), logger_run.stdout
        assert re.search(
            r"^  get_service\(Logger\) +-> shop$", logger_run.stdout, re.MULTILINE
        )

    def test_log_lines_name_the_class_that_wrote_them(self, logger_run):
        """Scoped, singleton and transient services each log under their own name."""
        lines = logger_run.stdout.splitlines()
        for writer, message in [
            ("Database", "connection pool opened"),
            ("CheckoutService", "checkout started for ada@example.com"),
            ("FraudCheck", "amount 42.50 ok"),
            ("PaymentGateway", "charged ada@example.com 42.50"),
            ("OrderRepository", "saving order for ada@example.com"),
            ("Mailer", "to ada@example.com: order #1 confirmed"),
        ]:
            assert any(
                line.split()[:1] == [f"__main__.{writer}"] and line.endswith(message)
                for line in lines
            ), (writer, logger_run.stdout)

    def test_shows_that_a_singleton_logger_factory_is_rejected(self, logger_run):
        """The run ends with the build error explaining why the factory is transient."""
        assert "registered as singleton" in logger_run.stdout
        assert "fix: register it as transient" in logger_run.stdout


class TestLoggerContextServices:
    """The logger factory of the example uses the requester's module and class."""

    def test_logger_is_named_after_the_module_and_class_it_is_injected_into(
        self, monkeypatch
    ):
        """Imported as a module, the names carry that module's name."""
        example = load_example("logger_context/app.py", monkeypatch)
        provider = example.build_services().build_service_provider()
        with provider.create_scope() as scope:
            checkout = scope.get_service(example.CheckoutService)
        prefix = example.__name__
        assert checkout.logger.name == f"{prefix}.CheckoutService"
        assert checkout.orders.db.logger.name == f"{prefix}.Database"
        assert checkout.payments.fraud.logger.name == f"{prefix}.FraudCheck"
        assert provider.get_service(logging.Logger).name == "shop"


# ---------------------------------------------------- interface_segregation


@pytest.fixture(name="segregation_run", scope="module")
def _segregation_run(tmp_path_factory: pytest.TempPathFactory):
    return run_example(
        "interface_segregation/app.py", cwd=tmp_path_factory.mktemp("segregation")
    )


class TestInterfaceSegregationScript:
    """``examples/interface_segregation/app.py`` shares one sender per graph."""

    def test_exits_zero(self, segregation_run):
        """The script exits with status 0 and writes nothing to stderr."""
        assert (segregation_run.returncode, segregation_run.stderr) == (0, "")

    def test_every_client_gets_one_object_for_both_protocols(self, segregation_run):
        """Each of the five graph shapes reports one connection for both needs."""
        for client in [
            "NotificationService",
            "DigestService",
            "Newsletter",
            "Campaign",
            "Workflow",
        ]:
            line = next(
                line
                for line in segregation_run.stdout.splitlines()
                if line.startswith(f"  {client}(")
            )
            assert line.endswith("same object: True"), line

    def test_two_resolves_open_two_connections(self, segregation_run):
        """Two top-level resolves print two different connection numbers."""
        match = re.search(
            r"two resolves, two graphs: SMTP connection #(\d+) and "
            r"SMTP connection #(\d+)",
            segregation_run.stdout,
        )
        assert match is not None, segregation_run.stdout
        assert match[1] != match[2]


class TestInterfaceSegregationServices:
    """The example's registrations give one ``SmtpSender`` per graph."""

    @pytest.fixture(name="example")
    def _example(self, monkeypatch):
        return load_example("interface_segregation/app.py", monkeypatch)

    def test_both_protocols_share_the_graphs_sender_in_every_client(self, example):
        """Whatever the parameter order or depth, sender is batch_sender."""
        provider = example.build_services().build_service_provider()
        for client_type, _ in example.CLIENTS:
            client = provider.get_service(client_type)
            assert isinstance(client.sender, example.SmtpSender)
            assert client.sender is client.batch_sender, client_type

    def test_two_resolves_give_two_senders(self, example):
        """Each get_service call is its own graph, with its own sender."""
        provider = example.build_services().build_service_provider()
        first = provider.get_service(example.NotificationService)
        second = provider.get_service(example.NotificationService)
        assert first.sender is not second.sender
        assert second.sender is second.batch_sender


# ------------------------------------------------------------ complex_ingest


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
    """``examples/complex_ingest/app.py`` stores each tenant's uploads in its backend."""

    UPLOADS = [
        ("ACME", "s3", "orders.csv", b"order_id,amount\n1001,250.00\n1002,99.90\n"),
        ("Contoso", "azure", "invoices.json", b'{"id": "C-17", "total": 1200}\n'),
        ("Globex", "gcs", "shipments.csv", b"shipment,status\nG-42,delivered\n"),
        ("ACME", "s3", "refunds.csv", b"order_id,amount\n1002,-99.90\n"),
        ("Contoso", "azure", "credits.json", b'{"id": "CN-3", "total": -200}\n'),
        ("Globex", "gcs", "returns.csv", b"shipment,status\nG-40,returned\n"),
    ]

    def test_exits_zero(self, ingest_run):
        """The script exits with status 0 and writes nothing to stderr."""
        assert (ingest_run.returncode, ingest_run.stderr) == (0, "")

    def test_prints_every_upload_with_its_tenant_and_backend(self, ingest_run):
        """Each stored upload's line names the tenant, its backend and the path."""
        lines = ingest_run.stdout.splitlines()
        for tenant, backend, name, _ in self.UPLOADS:
            matching = [line for line in lines if f"{backend}/{tenant}/{name}" in line]
            assert len(matching) == 1, ingest_run.stdout
            assert matching[0].startswith(tenant)
            assert f"-> {backend}" in matching[0]

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

    def test_each_tenant_uses_one_client_for_both_requests(self, ingest_run):
        """Both requests of a tenant print the same client; tenants differ."""
        numbers: dict[str, set[str]] = {}
        for line in ingest_run.stdout.splitlines():
            match = re.match(r"(\w+) +-> .* client #(\d+) ", line)
            if match:
                numbers.setdefault(match[1], set()).add(match[2])
        assert numbers.keys() == {"ACME", "Contoso", "Globex"}
        assert all(len(found) == 1 for found in numbers.values()), numbers
        assert len(set.union(*numbers.values())) == 3
        assert (
            "storage clients created per tenant: ACME 1, Contoso 1, Globex 1 "
            "(3 clients for 8 requests)"
        ) in ingest_run.stdout

    def test_rejects_a_too_large_and_a_disallowed_file(self, ingest_run):
        """The oversized and the .exe uploads are refused with the rule they break."""
        assert (
            "ACME     rejected archive.csv: 2,016 bytes is over the limit of "
            "1,024 bytes (ingest:maxBytes)"
        ) in ingest_run.stdout
        assert (
            "Globex   rejected setup.exe: .exe is not an accepted file type"
        ) in ingest_run.stdout

    def test_env_variable_overrides_a_tenants_backend(self, tmp_path):
        """``APP__TENANTS__ACME__BACKEND=gcs`` moves ACME to GCS, and only ACME."""
        root = tmp_path / "storage"
        run = run_example(
            "complex_ingest/app.py",
            "--root",
            str(root),
            cwd=tmp_path,
            env={"APP__TENANTS__ACME__BACKEND": "gcs"},
        )
        assert (run.returncode, run.stderr) == (0, "")
        assert "tenants: ACME -> gcs, Contoso -> azure, Globex -> gcs" in run.stdout
        assert (root / "gcs" / "ACME" / "orders.csv").is_file()
        assert not (root / "s3").exists()
        assert (root / "azure" / "Contoso" / "invoices.json").is_file()


class TestComplexIngestConfiguration:
    """The example layers appsettings.json, APP__ variables and --root."""

    def test_appsettings_gives_the_tenants_and_a_root_next_to_the_file(
        self, complex_ingest
    ):
        """Without overrides, backends come from the file and storage sits beside it."""
        config = complex_ingest.load_configuration(environ={})
        assert config.get("tenants:ACME:backend") == "s3"
        assert config.get("tenants:Contoso:backend") == "azure"
        assert complex_ingest.storage_root(config) == (
            EXAMPLES / "complex_ingest" / "storage"
        )

    def test_root_argument_wins_over_the_environment(self, complex_ingest, tmp_path):
        """``--root`` (the ``root`` argument) overrides ``APP__STORAGE__ROOT``."""
        environ = {"APP__STORAGE__ROOT": str(tmp_path / "env")}
        assert complex_ingest.storage_root(
            complex_ingest.load_configuration(environ=environ)
        ) == (tmp_path / "env")
        config = complex_ingest.load_configuration(tmp_path / "cli", environ=environ)
        assert complex_ingest.storage_root(config) == tmp_path / "cli"


class TestComplexIngestServices:
    """The services of the ingestion example have the lifetimes it describes."""

    @pytest.fixture(name="provider")
    def _provider(self, complex_ingest, tmp_path):
        config = complex_ingest.load_configuration(tmp_path, environ={})
        services = complex_ingest.build_services(config)
        with services.build_service_provider() as provider:
            yield provider

    def test_each_request_gets_its_own_service_but_one_shared_clock(
        self, complex_ingest, provider
    ):
        """Two requests of a tenant get two services, one clock and one storage client."""
        with (
            provider.create_scope("tenant", "ACME") as first,
            provider.create_scope("tenant", "ACME") as second,
        ):
            one = first.get_service(complex_ingest.DataIngestionService)
            two = second.get_service(complex_ingest.DataIngestionService)
            assert one is first.get_service(complex_ingest.DataIngestionService)
        assert one is not two
        assert one.clock is two.clock
        assert one.clock is provider.get_service(complex_ingest.IClock)
        assert one.storage is two.storage

    def test_the_backend_follows_the_tenant_of_the_request(
        self, complex_ingest, provider, tmp_path
    ):
        """handle_request stores under the backend configured for that tenant."""
        receipt = complex_ingest.handle_request(provider, "Globex", "a.csv", b"x")
        assert (receipt.tenant, receipt.backend) == ("Globex", "gcs")
        assert receipt.path == tmp_path / "gcs" / "Globex" / "a.csv"
        assert receipt.path.read_bytes() == b"x"

    def test_a_tenants_storage_client_is_created_once_across_requests(
        self, complex_ingest, provider
    ):
        """Two requests per tenant create one client per tenant, reused by both."""
        receipts = [
            complex_ingest.handle_request(provider, tenant, name, b"x")
            for tenant in ("ACME", "Globex")
            for name in ("one.csv", "two.csv")
        ]
        acme, globex = receipts[:2], receipts[2:]
        assert acme[0].client_number == acme[1].client_number
        assert globex[0].client_number == globex[1].client_number
        assert acme[0].client_number != globex[0].client_number
        metrics = provider.get_service(complex_ingest.StorageMetrics)
        assert metrics.clients_created == {"ACME": 1, "Globex": 1}

    def test_too_large_upload_is_rejected_before_storing(
        self, complex_ingest, provider, tmp_path
    ):
        """An upload over ingest:maxBytes raises UploadRejectedError and stores nothing."""
        with pytest.raises(
            complex_ingest.UploadRejectedError,
            match=r"^ACME: 'big\.csv' rejected: 1,025 bytes is over the limit of "
            r"1,024 bytes \(ingest:maxBytes\)$",
        ) as caught:
            complex_ingest.handle_request(provider, "ACME", "big.csv", b"x" * 1025)
        assert isinstance(caught.value, ValueError)
        assert (caught.value.tenant, caught.value.name) == ("ACME", "big.csv")
        assert not (tmp_path / "s3" / "ACME" / "big.csv").exists()
        receipt = complex_ingest.handle_request(provider, "ACME", "ok.csv", b"x" * 1024)
        assert receipt.size == 1024

    def test_disallowed_extension_is_rejected(self, complex_ingest, provider):
        """A file type outside ingest:allowedExtensions is refused."""
        with pytest.raises(
            complex_ingest.UploadRejectedError, match="is not an accepted file type"
        ):
            complex_ingest.handle_request(provider, "ACME", "tool.exe", b"MZ")

    def test_options_come_from_the_ingest_section(self, complex_ingest, tmp_path):
        """``APP__INGEST__MAXBYTES`` reaches the service through Options[IngestOptions]."""
        config = complex_ingest.load_configuration(
            tmp_path, environ={"APP__INGEST__MAXBYTES": "10"}
        )
        services = complex_ingest.build_services(config)
        with services.build_service_provider() as provider:
            complex_ingest.handle_request(provider, "ACME", "ten.csv", b"x" * 10)
            with pytest.raises(complex_ingest.UploadRejectedError, match="of 10 bytes"):
                complex_ingest.handle_request(provider, "ACME", "big.csv", b"x" * 11)

    def test_env_override_changes_the_backend_of_one_tenant(
        self, complex_ingest, tmp_path
    ):
        """With ACME's backend overridden in the environment, its files go to GCS."""
        config = complex_ingest.load_configuration(
            tmp_path, environ={"APP__TENANTS__ACME__BACKEND": "gcs"}
        )
        services = complex_ingest.build_services(config)
        with services.build_service_provider() as provider:
            acme = complex_ingest.handle_request(provider, "ACME", "a.csv", b"x")
            contoso = complex_ingest.handle_request(provider, "Contoso", "a.csv", b"x")
        assert (acme.backend, contoso.backend) == ("gcs", "azure")
        assert acme.path == tmp_path / "gcs" / "ACME" / "a.csv"

    def test_resolving_storage_outside_a_tenant_scope_raises_scope_error(
        self, complex_ingest, provider
    ):
        """A plain request scope has no tenant, and the container says which scope."""
        with (
            provider.create_scope() as scope,
            pytest.raises(ScopeError, match="no 'tenant' scope is active"),
        ):
            scope.get_service(complex_ingest.IStorageBackend)

    def test_current_tenant_outside_a_tenant_scope_raises_lookup_error(
        self, complex_ingest, provider
    ):
        """Asking for the tenant id with no tenant scope active says what to do."""
        tenant = provider.get_service(complex_ingest.CurrentTenant)
        with pytest.raises(LookupError, match="no tenant scope is active"):
            _ = tenant.id

    def test_unknown_tenant_raises_lookup_error(self, complex_ingest, provider):
        """A tenant missing from the configuration has no storage client."""
        with pytest.raises(LookupError, match="'Initech' has no known storage backend"):
            complex_ingest.handle_request(provider, "Initech", "a.csv", b"x")


# ------------------------------------------------------------ custom_scopes


class TestCustomScopeExamples:
    """The three custom-scope examples run and keep their own invariants."""

    @pytest.mark.parametrize(
        ("script", "expected"),
        [
            ("custom_scopes/sessions.py", "alive sessions: ['carol']"),
            ("custom_scopes/tenants.py", "tenants kept: ['globex', 'initech']"),
            ("custom_scopes/workflow.py", "'alive': 0"),
        ],
    )
    def test_runs(self, script: str, expected: str, tmp_path: Path) -> None:
        """Each script exits 0, writes nothing to stderr and prints its result."""
        result = run_example(script, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert expected in result.stdout
        assert "stats: {'created':" in result.stdout

    def test_workflow_says_it_reuses_the_run_id_on_purpose(
        self, tmp_path: Path
    ) -> None:
        """Both runs are ``run-1``, and the script says why between them."""
        result = run_example("custom_scopes/workflow.py", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[:3] == [
            "run-1: steps=['extract', 'load'] loaded=3",
            (
                "run-1 again, reusing the id on purpose: the first run's state "
                "was discarded when it ended, so this one starts fresh"
            ),
            "run-1: steps=['extract', 'load'] loaded=1",
        ]


# --------------------------------------------------------------- lazy_cycle


@pytest.fixture(name="lazy_cycle_run", scope="module")
def _lazy_cycle_run(tmp_path_factory: pytest.TempPathFactory):
    return run_example("lazy_cycle/app.py", cwd=tmp_path_factory.mktemp("lazy"))


class TestLazyCycleScript:
    """``examples/lazy_cycle/app.py`` breaks a cycle with ``Lazy[T]``."""

    def test_exits_zero(self, lazy_cycle_run):
        """The script exits with status 0 and writes nothing to stderr."""
        assert (lazy_cycle_run.returncode, lazy_cycle_run.stderr) == (0, "")

    def test_shows_the_cycle_and_the_lazy_fix(self, lazy_cycle_run):
        """Without Lazy the cycle is rejected, and its fix names the Lazy to write."""
        lines = lazy_cycle_run.stdout.splitlines()
        assert lines[0] == (
            "without Lazy: circular dependency: EagerOrderService -> "
            "EagerNotifier -> EagerOrderService"
        )
        assert "in EagerOrderService, take Lazy[EagerNotifier]" in lines[1]

    def test_orders_are_placed_and_notified(self, lazy_cycle_run):
        """With Lazy, placing orders notifies, through one notifier per scope."""
        stdout = lazy_cycle_run.stdout
        assert "<wiredi.Lazy[Notifier] (unresolved)> until first used" in stdout
        assert "placed order #1 (keyboard)\nplaced order #2 (mouse)\n" in stdout
        assert "the scope's own: True" in stdout
        assert "the same object: True" in stdout
        assert "another scope, another notifier: True" in stdout


class TestLazyCycleServices:
    """The example's registrations validate and resolve the cycle per scope."""

    @pytest.fixture(name="example")
    def _example(self, monkeypatch):
        return load_example("lazy_cycle/app.py", monkeypatch)

    def test_the_notifier_sees_the_order_service_that_holds_it(self, example):
        """Within a scope, the order service and its notifier point at each other."""
        provider = example.build_services().build_service_provider()
        with provider.create_scope() as scope:
            orders = scope.get_service(example.OrderService)
            notifier = orders.notifier.get()
            assert notifier.orders is orders
            assert orders.place("pen") == "placed order #1 (pen)"
            assert notifier.sent == ["placed order #1 (pen)"]

    def test_resolving_the_notifier_first_works_too(self, example):
        """Starting from the other side of the cycle resolves the same pair."""
        provider = example.build_services().build_service_provider()
        with provider.create_scope() as scope:
            notifier = scope.get_service(example.Notifier)
            assert notifier.orders.notifier.get() is notifier


# ------------------------------------------------------------ health_checks


class TestHealthChecksExample:
    """``examples/health_checks/app.py`` prints the report and exits 0 or 1."""

    def test_healthy_run_exits_0_with_three_checks(self, tmp_path: Path) -> None:
        """All three dependencies answer: exit 0 and a healthy JSON report."""
        import json

        result = run_example("health_checks/app.py", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["status"] == "healthy"
        assert [c["name"] for c in report["checks"]] == [
            "Database",
            "Cache",
            "PaymentClient",
        ]

    def test_failures_and_a_hang_exit_1(self, tmp_path: Path) -> None:
        """A cache down and a hanging payment client: exit 1 within the timeout."""
        import json

        result = run_example(
            "health_checks/app.py",
            "--cache-down",
            "--payments-hang",
            "--timeout",
            "0.3",
            cwd=tmp_path,
        )
        assert result.returncode == 1, result.stderr
        errors = [c["error"] for c in json.loads(result.stdout)["checks"]]
        assert errors == [None, "the check returned False", "timed out after 0.3 s"]

    def test_the_api_token_is_not_printed(self, tmp_path: Path) -> None:
        """The payment client's error names its token; the report hides it."""
        result = run_example("health_checks/app.py", "--bad-token", cwd=tmp_path)
        assert result.returncode == 1
        assert "token=***" in result.stdout
        assert "tok_test_1234" not in result.stdout

    def test_the_cli_runs_the_same_checks(self) -> None:
        """``python -m wiredi health app:build_provider`` from the example's folder."""
        result = subprocess.run(
            [sys.executable, "-m", "wiredi", "health", "app:build_provider"],
            cwd=EXAMPLES / "health_checks",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert '"status": "healthy"' in result.stdout


# ------------------------------------------------------- session_per_request


class TestSessionPerRequestExample:
    """The session-per-request example commits good orders and rolls back the rest."""

    def test_runs_and_stores_only_the_committed_order(self, tmp_path: Path) -> None:
        """The script exits 0 and only the order that succeeded is stored."""
        result = run_example("session_per_request/app.py", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert "session: commit" in result.stdout
        assert "session: rollback (OutOfStockError" in result.stdout
        assert "stored orders: [('book', 2)]" in result.stdout

    def test_a_refused_order_leaves_no_row(self, monkeypatch, tmp_path: Path) -> None:
        """The row inserted before the stock check is rolled back with the scope."""
        example = load_example("session_per_request/app.py", monkeypatch)
        path = tmp_path / "shop.db"
        with example.build_provider(path) as provider:
            assert example.handle(provider, "lamp", 5).startswith("refused")
            assert example.stored_orders(path) == []
            assert example.handle(provider, "lamp", 1) == "placed"
        assert example.stored_orders(path) == [("lamp", 1)]


# ------------------------------------------------------------- repositories


@pytest.fixture(name="repositories_run", scope="module")
def _repositories_run(tmp_path_factory: pytest.TempPathFactory):
    return run_example("repositories/app.py", cwd=tmp_path_factory.mktemp("repos"))


class TestRepositoriesScript:
    """``examples/repositories/app.py``: a Protocol over a base, generic subclasses."""

    def test_exits_zero(self, repositories_run):
        """The script exits with status 0 and writes nothing to stderr."""
        assert (repositories_run.returncode, repositories_run.stderr) == (0, "")

    def test_checkout_wires_both_hierarchies(self, repositories_run):
        """The invoice is stored through the base's session and clock; T is filled."""
        assert "invoice: ada 20.00" in repositories_run.stdout
        assert "users table: users\norders table: orders" in repositories_run.stdout
        assert "store clock from the base: Clock" in repositories_run.stdout

    def test_optional_top_level_form(self, repositories_run):
        """get_service(Mailer | None) is None when no Mailer is registered."""
        assert "optional mailer: None" in repositories_run.stdout

    def test_validation_sees_the_base_class_parameter(self, repositories_run):
        """Without a Clock the build fails at Checkout -> InvoiceStore -> Clock."""
        assert "path: Checkout -> InvoiceStore -> Clock" in repositories_run.stdout
