"""``python -m wiredi health`` and ``check``, and the pytest one-liner for CI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wiredi.__main__ import main

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]


def run_cli(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m wiredi`` in a fresh interpreter from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "wiredi", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


class TestHealthCommand:
    """``python -m wiredi health module:attr`` prints the report and exits 0 or 1."""

    def test_a_healthy_provider_exits_0_with_the_json_report(self) -> None:
        """A provider factory whose checks pass: exit 0, the report on stdout."""
        result = run_cli("health", "tests.health_sample:healthy")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["status"] == "healthy"
        assert [check["name"] for check in report["checks"]] == ["Database", "Cache"]
        assert result.stderr == ""

    def test_an_unhealthy_provider_exits_1_with_the_json_report(self) -> None:
        """A failing check: exit 1, the report (without secrets) on stdout."""
        result = run_cli("health", "tests.health_sample:unhealthy")
        assert result.returncode == 1
        report = json.loads(result.stdout)
        assert report["status"] == "unhealthy"
        failing = [c for c in report["checks"] if c["status"] == "unhealthy"]
        assert [c["error"] for c in failing] == [
            "ConnectionError: FATAL: password=*** authentication failed"
        ]
        assert "hunter2" not in result.stdout

    def test_a_hanging_check_does_not_hang_the_command(self) -> None:
        """A check stuck for a minute: exit 1 soon after --timeout, not a minute."""
        started = time.monotonic()
        result = run_cli("health", "tests.health_sample:hanging", "--timeout", "0.2")
        assert time.monotonic() - started < 20
        assert result.returncode == 1
        check = json.loads(result.stdout)["checks"][0]
        assert check["error"] == "timed out after 0.2 s"

    def test_the_provider_is_closed_afterwards(self, tmp_path: Path) -> None:
        """The singletons the checks created are disposed before the command exits."""
        marker = tmp_path / "closed"
        result = run_cli(
            "health",
            "tests.health_sample:provider",
            env={"WIREDI_SAMPLE_CLOSED": str(marker)},
        )
        assert result.returncode == 0, result.stderr
        assert marker.read_text(encoding="utf-8") == "closed"

    def test_a_collection_is_built_first(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A ServiceCollection target is built, then checked."""
        assert main(["health", "tests.health_sample:services"]) == 0
        assert json.loads(capsys.readouterr().out)["status"] == "healthy"

    def test_a_provider_that_cannot_be_built_exits_1(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A factory raising GraphValidationError: exit 1, the error on stderr."""
        assert main(["health", "tests.health_sample:broken"]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(
            "python -m wiredi health: GraphValidationError: the service graph has 2 "
            "problems"
        )

    def test_a_bad_target_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown attribute is a usage error, on one line of stderr."""
        assert main(["health", "tests.health_sample:nothing"]) == 2
        assert capsys.readouterr().err == (
            "python -m wiredi health: error: 'tests.health_sample' has no attribute "
            "'nothing'\n"
        )

    @pytest.mark.parametrize(
        ("value", "message"),
        [("x", "not a number of seconds: 'x'"), ("0", "more than 0 seconds: '0'")],
    )
    def test_timeout_must_be_positive_seconds(
        self, value: str, message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--timeout takes a number of seconds above 0: else a usage error."""
        assert main(["health", "tests.health_sample:healthy", "--timeout", value]) == 2
        assert message in capsys.readouterr().err


class TestCheckCommand:
    """``python -m wiredi check module:attr`` validates and lists every problem."""

    def test_a_valid_collection_prints_ok(self) -> None:
        """No problem: ``ok`` and exit 0."""
        result = run_cli("check", "tests.health_sample:services")
        assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")

    def test_a_valid_collection_is_built_and_closed(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """In process: the collection is built (validated) and ok is printed."""
        assert main(["check", "tests.health_sample:services"]) == 0
        assert capsys.readouterr().out == "ok\n"

    def test_every_problem_is_printed_and_exits_1(self) -> None:
        """Both problems of the broken collection are printed; exit 1."""
        result = run_cli("check", "tests.health_sample:broken_collection")
        assert result.returncode == 1
        lines = result.stdout.splitlines()
        assert lines[0] == (
            "tests.health_sample:broken_collection: GraphValidationError: "
            "the service graph has 2 problems:"
        )
        assert "  1. ServiceNotFoundError: Repo needs Cache" in result.stdout
        assert "  2. ServiceNotFoundError: Report needs int" in result.stdout

    def test_a_factory_that_fails_validation_exits_1(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A callable whose build raises GraphValidationError is reported the same way."""
        assert main(["check", "tests.health_sample:broken"]) == 1
        assert "the service graph has 2 problems" in capsys.readouterr().out

    def test_a_provider_built_without_validation_is_validated(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A provider built with validate=False still has its graph checked."""
        assert main(["check", "tests.health_sample:unvalidated"]) == 1
        assert "the service graph has 2 problems" in capsys.readouterr().out

    def test_a_valid_provider_factory_prints_ok(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A callable returning a valid provider: ok."""
        assert main(["check", "tests.health_sample:healthy"]) == 0
        assert capsys.readouterr().out == "ok\n"

    def test_a_bad_target_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A target that is not module:attr is a usage error."""
        assert main(["check", "tests.health_sample"]) == 2
        assert "expected module:attr" in capsys.readouterr().err


class TestRaisingTargets:
    """A target whose module or function raises: one line, exit 2, no traceback."""

    def test_a_module_raising_on_import(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        (tmp_path / "raises_on_import.py").write_text(
            'raise RuntimeError("no settings file")\n'
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        for command in ("graph", "check"):
            assert main([command, "raises_on_import:services"]) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1
            assert (
                "importing 'raises_on_import' raised RuntimeError: no settings file "
                "(at raises_on_import.py:1)"
            ) in err

    def test_a_factory_function_raising(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        (tmp_path / "raising_factory.py").write_text(
            "def make():\n    raise ValueError('no database url')\n"
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        assert main(["graph", "raising_factory:make"]) == 2
        err = capsys.readouterr().err
        assert "raising_factory:make() raised ValueError: no database url" in err
        assert "(at raising_factory.py:2)" in err


class TestRegistrationErrorsOfTargets:
    """A wiredi error while loading the target is reported as check reports it."""

    def test_at_import_it_is_a_problem_exit_1(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        (tmp_path / "bad_registration.py").write_text(
            "from wiredi import ServiceCollection\n"
            "services = ServiceCollection().add_transient(None)\n"
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        for command in ("check", "graph"):
            assert main([command, "bad_registration:services"]) == 1
            out = capsys.readouterr().out
            assert out.startswith("bad_registration:services: RegistrationError:")
            assert "registered at: bad_registration.py:2" in out

    def test_a_factory_whose_graph_is_invalid(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        (tmp_path / "invalid_graph.py").write_text(
            "from wiredi import ServiceCollection\n"
            "class A:\n"
            "    def __init__(self, b: int) -> None: ...\n"
            "def build():\n"
            "    return ServiceCollection().add_transient(A).build_service_provider()\n"
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        assert main(["graph", "invalid_graph:build"]) == 1
        assert "GraphValidationError" in capsys.readouterr().out


CI_TEST = """
from wiredi import ServiceCollection


class Database: ...


class Repo:
    def __init__(self, database: Database, pages: int) -> None: ...


def test_services_are_valid():
    ServiceCollection().add_singleton(Database).build_service_provider().close()


def test_broken_services_are_valid():
    ServiceCollection().add_scoped(Repo).build_service_provider().close()
"""


class TestPytestOneLiner:
    """``build_service_provider().close()`` in a test fails CI on a broken graph."""

    def test_the_one_liner_passes_or_lists_every_problem(
        self, pytester: pytest.Pytester
    ) -> None:
        """The valid collection passes; the broken one fails with both problems."""
        pytester.makepyfile(test_container=CI_TEST)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*GraphValidationError: the service graph has 2 problems:",
                "*1. ServiceNotFoundError: Repo needs Database*",
                "*2. ServiceNotFoundError: Repo needs int*",
            ]
        )
