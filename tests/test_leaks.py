"""Memory: scopes and root transients do not accumulate."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

from tests.fakes import Clock, Repo
from wiredi import ServiceCollection

ROUNDS = 100_000
# A leak of even one small object per round would be several MB.
ALLOWED_GROWTH = 256 * 1024


def _growth(run: object) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()  # type: ignore[operator]
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        run()  # type: ignore[operator]
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before


class TestLeaks:
    def test_scopes_opened_and_closed(self) -> None:
        """100,000 scopes opened, used and closed keep memory flat."""
        services = ServiceCollection().add_singleton(Clock).add_scoped(Repo)
        provider = services.build_service_provider()

        def run() -> None:
            for _ in range(ROUNDS):
                with provider.create_scope() as scope:
                    scope.get_service(Repo)

        assert _growth(run) < ALLOWED_GROWTH

    def test_transients_from_root(self) -> None:
        """100,000 non-disposable transients resolved from the root are not retained."""
        services = ServiceCollection().add_singleton(Clock).add_transient(Repo)
        provider = services.build_service_provider()

        def run() -> None:
            for _ in range(ROUNDS):
                provider.get_service(Repo)

        assert _growth(run) < ALLOWED_GROWTH

    def test_overrides_leave_nothing_behind(self) -> None:
        """An override's instance is released when its block ends."""
        services = ServiceCollection().add_singleton(Clock).add_transient(Repo)
        provider = services.build_service_provider()
        released: list[weakref.ref[Clock]] = []
        for _ in range(50):
            fake = Clock()
            released.append(weakref.ref(fake))
            with provider.override(Clock, fake):
                assert provider.get_service(Clock) is fake
                assert provider.get_service(Repo).clock is fake
            del fake
        gc.collect()
        assert [ref() for ref in released] == [None] * 50

        def run() -> None:
            for _ in range(2_000):
                with provider.override(Clock, Clock()):
                    provider.get_service(Clock)
                    provider.get_service(Repo)

        assert _growth(run) < ALLOWED_GROWTH
