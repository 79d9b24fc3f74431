"""A provider built before ``os.fork()`` is safe in the child (pre-fork servers).

Each test forks for real: the child runs a function, sends back its result
through a pipe and leaves with ``os._exit``; the parent waits for it with a
timeout, so a deadlock in the child fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import gc
import os
import pickle
import select
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import pytest

from wiredi import (
    AsyncResolutionError,
    ContextScopeManager,
    ScopeError,
    ServiceCollection,
    ServiceProvider,
)
from wiredi._runtime import fork

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform cannot fork"),
    # Python 3.12+ warns that forking a process with threads may deadlock the
    # child: exactly what these tests fork into on purpose.
    pytest.mark.filterwarnings(
        "ignore:This process .* is multi-threaded:DeprecationWarning"
    ),
]

CHILD_TIMEOUT = 10.0
T = TypeVar("T")


def in_child(body: Callable[[], Any], timeout: float = CHILD_TIMEOUT) -> Any:
    """Run ``body`` in a forked child and return what it returned.

    An exception in the child is re-raised here as ``ChildError`` with its
    type and text; a child that does not answer within ``timeout`` seconds
    is killed and the test fails.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, then leave without running pytest's exit
        try:
            os.close(read_end)
            try:
                answer: tuple[str, Any] = ("ok", body())
            except BaseException as exc:
                answer = ("error", f"{type(exc).__name__}: {exc}")
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(answer))
        finally:
            os._exit(0)
    os.close(write_end)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            while True:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([pipe], [], [], max(left, 0))
                if not ready:
                    pytest.fail(f"the child did not answer within {timeout} s")
                chunk = pipe.read(65536)
                if not chunk:
                    break
                data += chunk
    finally:
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    status, value = pickle.loads(data)
    if status == "error":
        raise ChildError(value)
    return value


class ChildError(Exception):
    """What the child raised, as ``"Type: text"``."""


class Made:
    """Records the process that made it."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.closed_in: list[int] = []

    def close(self) -> None:
        self.closed_in.append(os.getpid())


class Other(Made):
    """A second service, compiled only when first resolved."""


class Slowly:
    """A singleton whose factory waits, so that a second thread has to wait too."""


class Box(Generic[T]):
    """An open generic, closed for ``int`` only in the child."""


def both_threads_get_one(
    provider: ServiceProvider, entered: threading.Event, proceed: threading.Event
) -> str:
    """Two threads ask for ``Slowly`` while it is built: one object, or a failure."""
    got: list[Slowly] = []
    first = threading.Thread(target=lambda: got.append(provider.get_service(Slowly)))
    first.start()
    assert entered.wait(5)
    second = threading.Thread(target=lambda: got.append(provider.get_service(Slowly)))
    second.start()
    waits = provider._core.compiler.waits
    deadline = time.monotonic() + 5
    while not waits._waiting and time.monotonic() < deadline:  # second waits
        time.sleep(0.001)
    proceed.set()
    first.join(5)
    second.join(5)
    return "one" if len(got) == 2 and got[0] is got[1] else f"{got!r}"


class Held:
    """A thread that takes a lock and keeps it until ``release()``."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock
        self._taken = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()
        assert self._taken.wait(5)

    def _hold(self) -> None:
        self._lock.acquire()
        self._taken.set()
        self._done.wait(30)
        self._lock.release()

    def release(self) -> None:
        self._done.set()
        self._thread.join(5)


@pytest.fixture(name="gate")
def _gate() -> Iterator[threading.Event]:
    gate = threading.Event()
    yield gate
    gate.set()  # never leave a factory blocked after the test


class TestLocksHeldAtFork:
    """A lock another thread holds at the fork does not block the child."""

    def test_child_builds_the_singleton_another_thread_was_building(self, gate):
        """A factory blocked mid-build in another thread: the child builds its own."""
        building = threading.Event()

        def make() -> Made:
            if threading.current_thread() is not threading.main_thread():
                building.set()
                assert gate.wait(30)
            return Made()

        provider = (
            ServiceCollection().add_singleton_factory(Made, make)
        ).build_service_provider()
        builder = threading.Thread(target=provider.get_service, args=(Made,))
        builder.start()
        assert building.wait(5)
        try:
            made_pid, child_pid = in_child(
                lambda: (provider.get_service(Made).pid, os.getpid())
            )
        finally:
            gate.set()
            builder.join(5)
        assert made_pid == child_pid != os.getpid()
        assert provider.get_service(Made).pid == os.getpid()  # the parent's own

    def test_child_builds_an_async_singleton_another_thread_was_awaiting(self, gate):
        """An async factory awaiting in another thread's loop: the child rebuilds it."""
        building = threading.Event()

        async def make() -> Made:
            if threading.current_thread() is not threading.main_thread():
                building.set()
                assert await asyncio.to_thread(gate.wait, 30)
            return Made()

        provider = (
            ServiceCollection().add_singleton_factory(Made, make)
        ).build_service_provider()
        builder = threading.Thread(
            target=lambda: asyncio.run(provider.get_service_async(Made))
        )
        builder.start()
        assert building.wait(5)
        try:
            made_pid, child_pid = in_child(
                lambda: (
                    asyncio.run(provider.get_service_async(Made)).pid,
                    os.getpid(),
                )
            )
        finally:
            gate.set()
            builder.join(5)
        assert made_pid == child_pid

    @pytest.mark.parametrize(
        "lock_of",
        [
            pytest.param(lambda p: p._core.compiler.lock, id="compiler"),
            pytest.param(lambda p: p._core.registry._lock, id="registry"),
            pytest.param(lambda p: p._core.compiler.waits._lock, id="wait-graph"),
            pytest.param(lambda p: p._lock, id="provider"),
            pytest.param(
                lambda p: p._core.registry.scope_managers["session"]._lock,
                id="context-scope-manager",
            ),
        ],
    )
    def test_child_resolves_while_a_thread_holds_an_internal_lock(self, lock_of):
        """Compiling, generics, custom scopes, overrides and waiting all work."""
        entered, proceed = threading.Event(), threading.Event()

        def make_slowly() -> Slowly:
            entered.set()
            assert proceed.wait(5)
            return Slowly()

        services = ServiceCollection().add_singleton(Made).add_transient(Other)
        services.add_transient(Box).add_singleton_factory(Slowly, make_slowly)
        services.add_scope_manager("session", ContextScopeManager())
        services.add(Other, lifetime="session", component="session")
        provider = services.build_service_provider()
        held = Held(lock_of(provider))

        def child() -> list[str]:
            seen = [type(provider.get_service(Other)).__name__]  # compiles
            seen.append(type(provider.get_service(Box[int])).__name__)  # closes T
            with provider.create_scope("session", "s1") as scope:
                seen.append(
                    type(scope.get_service(Other, component="session")).__name__
                )
            with provider.override(Made, Other()):
                seen.append(type(provider.get_service(Made)).__name__)
            seen.append(both_threads_get_one(provider, entered, proceed))
            return seen

        try:
            assert in_child(child) == ["Other", "Box", "Other", "Other", "one"]
        finally:
            held.release()

    def test_child_resolves_while_a_thread_holds_an_override_lock(self):
        """The lock of the provider's active overrides is re-created too."""
        provider = ServiceCollection().add_singleton(Made).build_service_provider()
        with provider.override(Other, Other()):
            held = Held(provider._overrides._lock)

            def child() -> str:
                with provider.override(Made, Other()):
                    return type(provider.get_service(Made)).__name__

            try:
                assert in_child(child) == "Other"
            finally:
                held.release()

    def test_child_resolves_while_a_thread_holds_a_custom_scope_stripe(self, gate):
        """A custom-lifetime constructor blocked in another thread: its stripe is freed."""
        building = threading.Event()

        class Slow:
            def __init__(self) -> None:
                if threading.current_thread() is not threading.main_thread():
                    building.set()
                    assert gate.wait(30)
                self.pid = os.getpid()

        manager = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", manager)
        provider = services.add(Slow, lifetime="tenant").build_service_provider()

        def resolve_in_tenant() -> int:
            with provider.create_scope("tenant", "acme") as scope:
                return scope.get_service(Slow).pid

        builder = threading.Thread(target=resolve_in_tenant)
        builder.start()
        assert building.wait(5)
        try:
            # the same id: its storage, hence its stripe, is the blocked one's
            made_pid, child_pid = in_child(lambda: (resolve_in_tenant(), os.getpid()))
        finally:
            gate.set()
            builder.join(5)
        assert made_pid == child_pid != os.getpid()

    def test_a_lock_the_forking_thread_holds_is_kept(self):
        """A factory that forks: the child finishes that build and releases its lock."""

        def make() -> Made:
            made = Made()
            made.forked_child = in_child(  # type: ignore[attr-defined]
                lambda: (provider.get_service(Other).pid, os.getpid())
            )
            return made

        provider = (
            ServiceCollection().add_singleton_factory(Made, make).add_singleton(Other)
        ).build_service_provider()
        made = provider.get_service(Made)
        other_pid, child_pid = made.forked_child  # type: ignore[attr-defined]
        assert other_pid == child_pid
        assert provider.get_service(Made) is made


class TestSingletonsAcrossFork:
    """Singletons built before the fork are the child's copies."""

    def test_child_sees_the_same_singleton_object(self):
        """The child resolves the very object built before the fork (its copy)."""
        provider = ServiceCollection().add_singleton(Made).build_service_provider()
        made = provider.get_service(Made)

        def child() -> tuple[bool, int]:
            copy = provider.get_service(Made)
            copy.pid = -1  # changes the child's copy only
            return copy is made, id(copy)

        assert in_child(child) == (True, id(made))
        assert made.pid == os.getpid()

    def test_closing_in_the_child_disposes_the_childs_copies(self):
        """The child's close() closes its copies; the parent's object stays open."""
        provider = ServiceCollection().add_singleton(Made).build_service_provider()
        made = provider.get_service(Made)

        def child() -> list[int]:
            provider.close()
            return made.closed_in

        child_closed = in_child(child)
        assert len(child_closed) == 1
        assert child_closed != [os.getpid()]
        assert made.closed_in == []
        provider.close()
        assert made.closed_in == [os.getpid()]


class TestScopesOpenAtFork:
    """A scope open at the fork belongs to the parent and refuses in the child."""

    @pytest.fixture(name="provider")
    def _provider(self) -> ServiceProvider:
        services = ServiceCollection().add_scoped(Made).add_transient(Other)
        services.add_transient(Other, component="extra")
        return services.build_service_provider()

    def test_resolving_from_it_raises_scope_error_naming_both_processes(self, provider):
        """The error names the parent and the child and says to open a new scope."""
        with provider.create_scope() as scope:
            scope.get_service(Made)

            def child() -> tuple[str, str | None, int]:
                with pytest.raises(ScopeError) as caught:
                    scope.get_service(Made)
                return caught.value.message, caught.value.hint, os.getpid()

            message, hint, child_pid = in_child(child)
        assert message == (
            f"this scope was opened in process {os.getpid()} before a fork; this "
            f"is process {child_pid}, which cannot use it"
        )
        assert hint == (
            "open a new scope in the child: `with provider.create_scope() as "
            "scope:`; the provider itself works after a fork"
        )

    @pytest.mark.parametrize(
        "use",
        [
            pytest.param(lambda s: s.get_service(Other), id="get_service"),
            pytest.param(
                lambda s: s.get_service(Other, component="extra"), id="component"
            ),
            pytest.param(lambda s: s.get_services(Other), id="get_services"),
            pytest.param(
                lambda s: asyncio.run(s.get_service_async(Other)),
                id="get_service_async",
            ),
            pytest.param(
                lambda s: asyncio.run(s.get_services_async(Other)),
                id="get_services_async",
            ),
            pytest.param(lambda s: s.invoke(lambda other: other), id="invoke"),
            pytest.param(
                lambda s: s.create_scope().get_service(Other), id="nested-scope"
            ),
        ],
    )
    def test_every_way_of_resolving_from_it_raises(self, provider, use):
        """Whatever the method, a scope opened before the fork resolves nothing."""
        with provider.create_scope() as scope:

            def child() -> str:
                with pytest.raises(ScopeError, match="before a fork"):
                    use(scope)
                return "refused"

            assert in_child(child) == "refused"

    def test_child_opens_new_scopes_and_the_parent_keeps_its_own(self, provider):
        """In the child a new scope works; in the parent the old scope still does."""
        with provider.create_scope() as scope:
            before = scope.get_service(Made)

            def child() -> int:
                with provider.create_scope() as fresh:
                    return fresh.get_service(Made).pid

            assert in_child(child) != os.getpid()
            assert scope.get_service(Made) is before

    def test_a_closed_provider_stays_closed_in_the_child(self, provider):
        """A provider closed before the fork says it is closed, not forked."""
        provider.close()

        def child() -> str:
            with pytest.raises(ScopeError, match="closed"):
                provider.get_service(Other)
            return "closed"

        assert in_child(child) == "closed"


class TestOverridesAcrossFork:
    """An override active at the fork stays in force in the child until it ends."""

    def test_override_block_ending_in_the_child_restores_the_original(self):
        """Leaving the block in the child brings the registered service back."""
        provider = ServiceCollection().add_transient(Made).build_service_provider()
        replacement = Other()
        with provider.override(Made, replacement):

            def child() -> list[str]:
                seen = [type(provider.get_service(Made)).__name__]
                return seen

            assert in_child(child) == ["Other"]

        override = provider.override(Made, replacement)
        override.__enter__()

        def leave_in_child() -> list[str]:
            inside = type(provider.get_service(Made)).__name__
            override.__exit__(None, None, None)
            return [inside, type(provider.get_service(Made)).__name__]

        try:
            assert in_child(leave_in_child) == ["Other", "Made"]
        finally:
            override.__exit__(None, None, None)
        assert type(provider.get_service(Made)) is Made


class TestRenewal:
    """What the child does to a provider, run here on a lock left by a dead thread."""

    @staticmethod
    def abandon(lock: Any) -> None:
        """Take ``lock`` in a thread that ends without releasing it."""
        thread = threading.Thread(target=lock.acquire)
        thread.start()
        thread.join(5)

    def test_locks_left_held_by_a_dead_thread_are_replaced(self):
        """Each lock a gone thread holds is replaced; free ones are kept."""
        manager = ContextScopeManager()
        services = ServiceCollection().add_singleton(Made).add_transient(Other)
        services.add_scope_manager("tenant", manager).add(
            Other, lifetime="tenant", component="t"
        )
        provider = services.build_service_provider()
        provider.get_service(Made)
        with provider.create_scope("tenant", "a") as scope:
            scope.get_service(Other, component="t")
        compiler = provider._core.compiler
        slot = next(iter(compiler.slots.values()))
        stripes = next(iter(compiler._custom_locks.values()))
        free_stripe = stripes[1]
        held = [compiler.lock, slot.lock, manager._lock, stripes[0]]
        for lock in held:
            self.abandon(lock)

        fork.renew_in_child(provider, parent=1)

        assert compiler.lock not in held
        assert slot.lock not in held
        assert manager._lock not in held
        assert stripes[0] not in held
        assert stripes[1] is free_stripe
        assert isinstance(provider.get_service(Other), Other)
        with provider.create_scope("tenant", "b") as scope:
            assert isinstance(scope.get_service(Other, component="t"), Other)

    def test_facts_a_dead_compiling_thread_left_half_done_are_recomputed(self):
        """A provisional "not async" left mid-compile does not survive the renewal."""

        async def make() -> Made:
            return Made()

        provider = (
            ServiceCollection().add_singleton_factory(Made, make)
        ).build_service_provider()
        compiler = provider._core.compiler
        registration = provider._core.registry.resolve_one(Made, "")
        compiler.flags._async[registration] = False  # as _memo leaves it mid-way

        fork.renew_in_child(provider, parent=1)

        with pytest.raises(AsyncResolutionError):
            provider.get_service(Made)
        assert isinstance(asyncio.run(provider.get_service_async(Made)), Made)

    def test_a_build_left_by_a_dead_thread_is_forgotten(self):
        """A dead builder's future and wait-graph entries go; the singleton is built."""
        provider = ServiceCollection().add_singleton(Made).build_service_provider()
        compiler = provider._core.compiler
        registration = provider._core.registry.resolve_one(Made, "")
        slot = compiler.slot(registration)
        waits = compiler.waits
        slot.pending = object()  # type: ignore[assignment]
        waits._builders[slot] = (-1, registration)
        waits._waiting[-1] = slot
        waits._builders["mine"] = (threading.get_ident(), registration)

        fork.renew_in_child(provider, parent=1)

        assert slot.pending is None
        assert waits._builders == {"mine": (threading.get_ident(), registration)}
        assert waits._waiting == {}
        assert isinstance(provider.get_service(Made), Made)

    def test_an_active_override_stays_and_ends_on_the_renewed_provider(self):
        """Overrides in force are kept; leaving one afterwards restores the original."""
        provider = ServiceCollection().add_transient(Made).build_service_provider()
        with provider.create_scope() as scope:
            with provider.override(Made, Other()):
                self.abandon(provider._overrides._lock)
                fork.renew_in_child(provider, parent=1)
                assert type(provider.get_service(Made)) is Other
                with provider.override(Made, Made()):  # a new lock: not blocked
                    assert type(provider.get_service(Made)) is Made
                assert type(provider.get_service(Made)) is Other
            assert type(provider.get_service(Made)) is Made
            with pytest.raises(ScopeError, match="before a fork"):
                scope.get_services(Made)

    def test_a_closed_provider_is_left_as_it_is(self):
        """Nothing to renew: it stays closed and says so."""
        provider = ServiceCollection().add_transient(Made).build_service_provider()
        provider.close()
        fork.renew_in_child(provider, parent=1)
        with pytest.raises(ScopeError, match="provider is closed"):
            provider.get_service(Made)

    def test_the_fork_hook_renews_every_live_provider(self, monkeypatch):
        """The at-fork hook renews the providers still alive, once each."""
        first = ServiceCollection().add_scoped(Made).build_service_provider()
        second = ServiceCollection().add_scoped(Made).build_service_provider()
        live = weakref.WeakSet([first, second])
        monkeypatch.setattr(fork, "_LIVE", live)
        with first.create_scope() as one, second.create_scope() as two:
            fork._after_fork_in_child()

            for scope in (one, two):
                with pytest.raises(ScopeError, match="before a fork"):
                    scope.get_service(Made)
        for provider in (first, second):
            with provider.create_scope() as scope:
                assert isinstance(scope.get_service(Made), Made)

    def test_built_providers_are_tracked_weakly(self):
        """A provider is tracked once built, and dropped when collected."""
        provider = ServiceCollection().build_service_provider()
        assert provider in fork._LIVE
        ref = weakref.ref(provider)
        del provider
        gc.collect()
        assert ref() is None
