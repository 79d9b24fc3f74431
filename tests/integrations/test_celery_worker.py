"""A real Celery worker (prefork, two processes) runs ``examples/celery_worker``.

The worker is a subprocess on kombu's filesystem transport (no broker
server) with results in files. The test waits until both pool processes
have built their provider, sends six orders (two of them rejected), waits
for every result, stops the worker with SIGTERM (a warm shutdown) and then
reads the journal the example's services wrote, one JSON line per event.
Every wait has a timeout, and the worker is killed in any case: the whole
run takes a few seconds and is bounded to about a minute.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("celery")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "celery_worker"
ORDERS = {1: 9.5, 2: 20.0, 3: 12.0, 4: 3.25, 5: -1.0, 6: 0.0}  # 5, 6 are rejected
ACCEPTED = [(i, amount) for i, amount in ORDERS.items() if amount > 0]
REJECTED = [i for i, amount in ORDERS.items() if amount <= 0]
RUN_TIMEOUT = 60.0  # the whole run: start, six tasks, warm shutdown


@dataclass
class WorkerRun:
    """What the run left behind."""

    worker_pid: int
    exit_code: int | None
    results: dict[int, Any]
    journal: list[dict[str, Any]]
    stored: list[tuple[int, float]]
    log: str

    def events(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.journal if e["event"] == name]


def read_journal(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def built_by(journal: Path) -> list[int]:
    """The pids that wrote "provider built" so far."""
    return [e["pid"] for e in read_journal(journal) if e["event"] == "provider built"]


def wait_for(condition: Callable[[], bool], deadline: float, what: str) -> None:
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def left(deadline: float) -> float:
    """Seconds left before ``deadline`` (at least a little, to fail cleanly)."""
    return max(deadline - time.monotonic(), 0.5)


def import_orders(monkeypatch: pytest.MonkeyPatch, data: Path) -> ModuleType:
    """The example module, as the client side of the queue (it only sends)."""
    monkeypatch.setenv("ORDERS_DIR", str(data))
    spec = importlib.util.spec_from_file_location(
        "example_celery_orders", EXAMPLE / "orders.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(name="run", scope="module")
def _run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerRun]:
    deadline = time.monotonic() + RUN_TIMEOUT
    data = tmp_path_factory.mktemp("celery-orders")
    log_path = data / "worker.log"
    with pytest.MonkeyPatch.context() as monkeypatch:
        orders = import_orders(monkeypatch, data)
        journal = data / "journal.jsonl"
        with log_path.open("w", encoding="utf-8") as log:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "--app",
                    "orders",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=2",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    f"--hostname=orders-{os.getpid()}@localhost",
                ],
                cwd=EXAMPLE,
                env={**os.environ, "ORDERS_DIR": str(data)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its pool processes form one group
            )
            try:
                wait_for(
                    lambda: len(built_by(journal)) >= 2,
                    deadline,
                    "both pool processes to build their provider",
                )
                sent = {
                    i: orders.place.delay(i, amount) for i, amount in ORDERS.items()
                }
                results = {
                    i: result.get(timeout=left(deadline), propagate=False)
                    for i, result in sent.items()
                }
                worker.send_signal(signal.SIGTERM)  # warm shutdown
                exit_code = worker.wait(timeout=left(deadline))
            except BaseException:
                log.flush()
                sys.stderr.write(log_path.read_text(encoding="utf-8"))
                raise
            finally:
                if worker.poll() is None:  # (pool processes die with it)
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait(timeout=10)
        yield WorkerRun(
            worker_pid=worker.pid,
            exit_code=exit_code,
            results=results,
            journal=read_journal(journal),
            stored=orders.stored_orders(),
            log=log_path.read_text(encoding="utf-8"),
        )


class TestRealWorker:
    """Under a prefork worker: providers per process, scopes per task run."""

    def test_the_worker_stops_cleanly_on_sigterm(self, run):
        """A warm shutdown exits with status 0."""
        assert run.exit_code == 0, run.log

    def test_no_signal_handler_failed(self, run):
        """Celery logs, rather than raises, a failing signal handler: none did."""
        assert "Signal handler" not in run.log, run.log

    def test_each_pool_process_builds_exactly_one_provider(self, run):
        """Two pool processes, two providers, each built after the fork."""
        built = [e["pid"] for e in run.events("provider built")]
        assert len(built) == 2, run.journal
        assert len(set(built)) == 2
        assert run.worker_pid not in built  # built in the children, not the parent

    def test_tasks_ran_in_the_processes_that_built_a_provider(self, run):
        """Every task ran in a pool process, with that process's provider."""
        built = {e["pid"] for e in run.events("provider built")}
        ran = run.events("task ran")
        assert sorted(e["order"] for e in ran) == sorted(ORDERS)
        assert {e["pid"] for e in ran} <= built

    def test_each_task_run_gets_its_own_session(self, run):
        """One scope per run: six runs, six sessions, each opened in its process."""
        ran = run.events("task ran")
        sessions = [e["session"] for e in ran]
        assert len(set(sessions)) == len(ORDERS)
        assert sorted(sessions) == sorted(
            e["session"] for e in run.events("session opened")
        )
        for event in ran:
            assert event["session"].startswith(f"{event['pid']}-")

    def test_every_session_is_closed(self, run):
        """Each session opened is closed once, after its run."""
        opened = sorted(e["session"] for e in run.events("session opened"))
        assert sorted(e["session"] for e in run.events("session closed")) == opened

    def test_accepted_orders_are_committed(self, run):
        """The successful runs return their result and their rows are stored."""
        for order, _ in ACCEPTED:
            assert run.results[order]["order"] == order
        assert [row for row in run.stored if row[1] > 0] == ACCEPTED
        committed = {e["session"] for e in run.events("session committed")}
        assert {run.results[order]["session"] for order, _ in ACCEPTED} <= committed

    def test_rejected_orders_fail_with_the_tasks_exception(self, run):
        """The task's ValueError reaches Celery unchanged, as the task's result."""
        for order in REJECTED:
            error = run.results[order]
            assert isinstance(error, ValueError), error
            assert str(error).startswith(f"order {order}: amount")

    def test_rejected_orders_are_rolled_back(self, run):
        """The exception is thrown into the session factory: nothing is stored."""
        assert [row[0] for row in run.stored] == [order for order, _ in ACCEPTED]
        rolled_back = {e["session"] for e in run.events("session rolled back")}
        rejected_sessions = {
            e["session"] for e in run.events("task ran") if e["order"] in REJECTED
        }
        assert rolled_back == rejected_sessions

    def test_warm_shutdown_closes_each_processs_singletons(self, run):
        """Each pool process closes its Database, then its Journal, at shutdown."""
        for pid in {e["pid"] for e in run.events("provider built")}:
            closes = [
                e["event"]
                for e in run.journal
                if e["pid"] == pid
                and e["event"].endswith(" closed")
                and "session" not in e
            ]
            assert closes == ["database closed", "journal closed"], run.journal


@pytest.fixture(name="script", scope="module")
def _script(
    tmp_path_factory: pytest.TempPathFactory,
) -> subprocess.CompletedProcess[str]:
    data = tmp_path_factory.mktemp("celery-eager")
    return subprocess.run(
        [sys.executable, str(EXAMPLE / "orders.py")],
        capture_output=True,
        text=True,
        cwd=data,
        env={**os.environ, "ORDERS_DIR": str(data)},
        timeout=60,
        check=False,
    )


class TestEagerScript:
    """``python orders.py`` runs the tasks in-process and prints the journal."""

    def test_exits_zero(self, script):
        """The script exits with status 0 and writes nothing to stderr."""
        assert (script.returncode, script.stderr) == (0, "")

    def test_prints_the_results_and_the_rejection(self, script):
        """Two orders are placed; the third is rejected with its ValueError."""
        assert "{'order': 1, 'session': " in script.stdout
        assert "{'order': 2, 'session': " in script.stdout
        assert "rejected: order 3: amount -1.0 must be positive" in script.stdout

    def test_the_provider_is_built_once_and_closed_at_the_end(self, script):
        """One provider for the process; its singletons are closed last."""
        events = [
            json.loads(line)["event"]
            for line in script.stdout.splitlines()
            if line.startswith("  {")
        ]
        assert events.count("provider built") == 1
        assert events.count("session opened") == events.count("session closed") == 3
        assert events[-2:] == ["database closed", "journal closed"]

    def test_the_rejected_order_is_not_stored(self, script):
        """The rejected order's session rolled back."""
        assert "stored: [(1, 9.5), (2, 20.0)]" in script.stdout
