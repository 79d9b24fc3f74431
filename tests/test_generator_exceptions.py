"""Generator factories see how the scope ended (SPEC 13.3)."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.fakes import Closeable
from wiredi import ContextScopeManager, ScopeError, ServiceCollection


class Session:
    """What a session-per-request factory yields."""

    def __init__(self, log: list[str]) -> None:
        self.log = log


def session_factory(log: list[str]) -> object:
    """The SPEC's pattern: commit on success, roll back on error, close always."""

    def session() -> Iterator[Session]:
        s = Session(log)
        try:
            yield s
            log.append("commit")
        except Exception as exc:
            log.append(f"rollback {type(exc).__name__}")
            raise
        finally:
            log.append("close")

    return session


def async_session_factory(log: list[str]) -> object:
    """The same pattern as an async generator."""

    async def session() -> AsyncIterator[Session]:
        s = Session(log)
        try:
            yield s
            await asyncio.sleep(0)
            log.append("commit")
        except Exception as exc:
            await asyncio.sleep(0)
            log.append(f"rollback {type(exc).__name__}")
            raise
        finally:
            log.append("close")

    return session


def _provider(log: list[str], *, is_async: bool = False) -> object:
    factory = async_session_factory(log) if is_async else session_factory(log)
    services = ServiceCollection().add_scoped_factory(Session, factory)  # type: ignore[arg-type]
    return services.build_service_provider()


class Before(Closeable):
    pass


class After(Closeable):
    def __init__(self, session: Session) -> None:
        super().__init__(session.log)


class TestSyncGenerators:
    def test_block_error_rolls_back_and_propagates_unchanged(self) -> None:
        """A ValueError ending the block is thrown in (rollback) and re-raised as is."""
        log: list[str] = []
        error = ValueError("bad input")
        with pytest.raises(ValueError) as caught:
            with _provider(log).create_scope() as scope:  # type: ignore[attr-defined]
                scope.get_service(Session)
                raise error
        assert caught.value is error
        assert log == ["rollback ValueError", "close"]

    def test_block_without_error_commits(self) -> None:
        """A block that ends normally resumes the generator: it commits."""
        log: list[str] = []
        with _provider(log).create_scope() as scope:  # type: ignore[attr-defined]
            scope.get_service(Session)
        assert log == ["commit", "close"]

    def test_explicit_close_commits(self) -> None:
        """scope.close() carries no exception: the generator commits."""
        log: list[str] = []
        scope = _provider(log).create_scope()  # type: ignore[attr-defined]
        scope.get_service(Session)
        scope.close()
        assert log == ["commit", "close"]

    def test_thrown_in_reverse_creation_order_with_other_disposables(self) -> None:
        """The generators are finalised in their place in the reverse order."""
        log: list[str] = []
        services = ServiceCollection()
        services.add_scoped_factory(Before, lambda: Before(log))
        services.add_scoped_factory(Session, session_factory(log))  # type: ignore[arg-type]
        services.add_scoped(After)
        provider = services.build_service_provider()
        with pytest.raises(KeyError), provider.create_scope() as scope:
            scope.get_service(Before)
            scope.get_service(After)
            raise KeyError("x")
        assert log == ["After", "rollback KeyError", "close", "Before"]

    def test_every_generator_of_the_scope_sees_the_exception(self) -> None:
        """Two generator factories both get the block's exception."""
        log: list[str] = []

        def other() -> Iterator[Before]:
            try:
                yield Before(log)
            except LookupError as exc:
                log.append(f"other saw {exc!r}")
                raise

        services = ServiceCollection().add_scoped_factory(Before, other)
        services.add_scoped_factory(Session, session_factory(log))  # type: ignore[arg-type]
        provider = services.build_service_provider()
        with pytest.raises(LookupError), provider.create_scope() as scope:
            scope.get_service(Before)
            scope.get_service(Session)
            raise LookupError("gone")
        assert log == [
            "rollback LookupError",
            "close",
            "other saw LookupError('gone')",
        ]

    def test_generator_that_swallows_does_not_stop_the_exception(self) -> None:
        """A generator that catches the exception and returns: it still propagates."""
        log: list[str] = []

        def swallowing() -> Iterator[Session]:
            try:
                yield Session(log)
            except ValueError:
                log.append("swallowed")

        services = ServiceCollection().add_scoped_factory(Session, swallowing)
        error = ValueError("kept")
        with pytest.raises(ValueError) as caught:
            with services.build_service_provider().create_scope() as scope:
                scope.get_service(Session)
                raise error
        assert caught.value is error
        assert log == ["swallowed"]

    def test_generator_raising_another_error_chains_the_original(self) -> None:
        """A generator raising a new error: that error propagates, the original as context."""

        def converting() -> Iterator[Session]:
            try:
                yield Session([])
            except ValueError as exc:
                raise RuntimeError("rollback failed") from exc

        services = ServiceCollection().add_scoped_factory(Session, converting)
        error = ValueError("original")
        with pytest.raises(RuntimeError, match="rollback failed") as caught:
            with services.build_service_provider().create_scope() as scope:
                scope.get_service(Session)
                raise error
        assert caught.value.__context__ is error

    def test_exception_carries_no_generator_frame(self) -> None:
        """The traceback of the re-raised exception is the block's, not the generator's."""
        log: list[str] = []
        with pytest.raises(ValueError) as caught:
            with _provider(log).create_scope() as scope:  # type: ignore[attr-defined]
                scope.get_service(Session)
                raise ValueError("x")
        frames = [
            frame.name for frame in traceback.extract_tb(caught.value.__traceback__)
        ]
        assert "session" not in frames
        assert "finish" not in frames

    def test_generator_that_yields_again_after_the_throw_is_an_error(self) -> None:
        """Yielding a second time after the exception is thrown in is a ScopeError."""

        def twice() -> Iterator[Session]:
            try:
                yield Session([])
            except ValueError:
                yield Session([])

        services = ServiceCollection().add_scoped_factory(Session, twice)
        with pytest.raises(ScopeError, match="yielded twice") as caught:
            with services.build_service_provider().create_scope() as scope:
                scope.get_service(Session)
                raise ValueError("x")
        assert isinstance(caught.value.__context__, ValueError)

    def test_interrupt_ending_the_block_is_thrown_in_too(self) -> None:
        """A KeyboardInterrupt ending the block reaches the generator's finally."""
        log: list[str] = []
        with pytest.raises(KeyboardInterrupt):
            with _provider(log).create_scope() as scope:  # type: ignore[attr-defined]
                scope.get_service(Session)
                raise KeyboardInterrupt
        assert log == ["close"]  # not an Exception: no rollback branch, but closed

    def test_stop_iteration_ending_the_block_passes_through(self) -> None:
        """A StopIteration thrown in comes back as PEP 479's RuntimeError: not an error."""
        log: list[str] = []
        error = StopIteration("done")
        with pytest.raises(StopIteration) as caught:
            with _provider(log).create_scope() as scope:  # type: ignore[attr-defined]
                scope.get_service(Session)
                raise error
        assert caught.value is error
        assert log == ["rollback StopIteration", "close"]

    def test_singleton_generators_see_nothing(self) -> None:
        """A provider closed by a raising block resumes singleton generators plainly."""
        log: list[str] = []
        services = ServiceCollection().add_singleton_factory(
            Session,
            session_factory(log),  # type: ignore[arg-type]
        )
        with pytest.raises(ValueError):
            with services.build_service_provider() as provider:
                provider.get_service(Session)
                raise ValueError("x")
        assert log == ["commit", "close"]

    def test_sync_close_of_async_generator_still_refused(self) -> None:
        """A sync exit with an exception still refuses async generator factories."""
        log: list[str] = []
        provider = _provider(log, is_async=True)

        async def get(scope: object) -> None:
            await scope.get_service_async(Session)  # type: ignore[attr-defined]

        scope = provider.create_scope()  # type: ignore[attr-defined]
        asyncio.run(get(scope))
        with pytest.raises(ScopeError, match="async generator") as caught:
            with scope:
                raise ValueError("x")
        assert isinstance(caught.value.__context__, ValueError)


class TestAsyncGenerators:
    async def test_block_error_rolls_back_and_propagates_unchanged(self) -> None:
        """An async generator gets the block's ValueError via athrow (rollback)."""
        log: list[str] = []
        error = ValueError("bad input")
        with pytest.raises(ValueError) as caught:
            async with _provider(log, is_async=True).create_scope() as scope:  # type: ignore[attr-defined]
                await scope.get_service_async(Session)
                raise error
        assert caught.value is error
        assert log == ["rollback ValueError", "close"]

    async def test_block_without_error_commits(self) -> None:
        """An async block that ends normally lets the async generator commit."""
        log: list[str] = []
        async with _provider(log, is_async=True).create_scope() as scope:  # type: ignore[attr-defined]
            await scope.get_service_async(Session)
        assert log == ["commit", "close"]

    async def test_explicit_aclose_commits(self) -> None:
        """await scope.aclose() carries no exception: the generator commits."""
        log: list[str] = []
        scope = _provider(log, is_async=True).create_scope()  # type: ignore[attr-defined]
        await scope.get_service_async(Session)
        await scope.aclose()
        assert log == ["commit", "close"]

    async def test_sync_generator_in_async_scope_sees_the_exception(self) -> None:
        """A sync generator factory closed by `async with` also gets the exception."""
        log: list[str] = []
        with pytest.raises(ValueError):
            async with _provider(log).create_scope() as scope:  # type: ignore[attr-defined]
                scope.get_service(Session)
                raise ValueError("x")
        assert log == ["rollback ValueError", "close"]

    async def test_generator_that_swallows_does_not_stop_the_exception(self) -> None:
        """An async generator that swallows the exception: it still propagates."""

        async def swallowing() -> AsyncIterator[Session]:
            try:
                yield Session([])
            except ValueError:
                pass

        services = ServiceCollection().add_scoped_factory(Session, swallowing)
        error = ValueError("kept")
        with pytest.raises(ValueError) as caught:
            async with services.build_service_provider().create_scope() as scope:
                await scope.get_service_async(Session)
                raise error
        assert caught.value is error

    async def test_generator_raising_another_error_chains_the_original(self) -> None:
        """An async generator raising a new error: it propagates, original as context."""

        async def converting() -> AsyncIterator[Session]:
            try:
                yield Session([])
            except ValueError as exc:
                raise RuntimeError("rollback failed") from exc

        services = ServiceCollection().add_scoped_factory(Session, converting)
        error = ValueError("original")
        with pytest.raises(RuntimeError, match="rollback failed") as caught:
            async with services.build_service_provider().create_scope() as scope:
                await scope.get_service_async(Session)
                raise error
        assert caught.value.__context__ is error

    async def test_generator_that_yields_again_after_the_throw_is_an_error(
        self,
    ) -> None:
        """An async generator yielding again after athrow is a ScopeError."""

        async def twice() -> AsyncIterator[Session]:
            try:
                yield Session([])
            except ValueError:
                yield Session([])

        services = ServiceCollection().add_scoped_factory(Session, twice)
        with pytest.raises(ScopeError, match="yielded twice"):
            async with services.build_service_provider().create_scope() as scope:
                await scope.get_service_async(Session)
                raise ValueError("x")

    async def test_stop_async_iteration_ending_the_block_passes_through(
        self,
    ) -> None:
        """A StopAsyncIteration thrown in returns as PEP 525's RuntimeError: not an error."""
        log: list[str] = []
        error = StopAsyncIteration("done")
        with pytest.raises(StopAsyncIteration) as caught:
            async with _provider(log, is_async=True).create_scope() as scope:  # type: ignore[attr-defined]
                await scope.get_service_async(Session)
                raise error
        assert caught.value is error
        assert log == ["rollback StopAsyncIteration", "close"]

    async def test_cancelled_block_reaches_the_generator_and_propagates(
        self,
    ) -> None:
        """A task cancelled inside the block: the generator's finally runs, then cancel."""
        log: list[str] = []
        provider = _provider(log, is_async=True)
        inside = asyncio.Event()

        async def request() -> None:
            async with provider.create_scope() as scope:  # type: ignore[attr-defined]
                await scope.get_service_async(Session)
                inside.set()
                await asyncio.sleep(60)

        task = asyncio.create_task(request())
        await inside.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert log == ["close"]  # CancelledError is no Exception: no rollback


class Unit(Closeable):
    """Made by a generator factory of a custom lifetime."""


def unit_factory(log: list[str]) -> object:
    def unit() -> Iterator[Unit]:
        try:
            yield Unit(log)
            log.append("unit commit")
        except Exception as exc:
            log.append(f"unit rollback {type(exc).__name__}")
            raise

    return unit


def async_unit_factory(log: list[str]) -> object:
    async def unit() -> AsyncIterator[Unit]:
        try:
            yield Unit(log)
            log.append("unit commit")
        except Exception as exc:
            log.append(f"unit rollback {type(exc).__name__}")
            raise

    return unit


class TestCustomScopes:
    def _services(
        self, log: list[str], manager: ContextScopeManager, *, is_async: bool = False
    ) -> ServiceCollection:
        factory = async_unit_factory(log) if is_async else unit_factory(log)
        services = ServiceCollection().add_scope_manager("run", manager)
        return services.add(Unit, factory, lifetime="run")  # type: ignore[arg-type]

    def test_non_persistent_scope_generators_see_the_outermost_exception(
        self,
    ) -> None:
        """Leaving a non-persistent custom scope with an error rolls its generators back."""
        log: list[str] = []
        provider = self._services(
            log, ContextScopeManager(persistent=False)
        ).build_service_provider()
        with pytest.raises(ValueError), provider.create_scope("run", "r1") as scope:
            scope.get_service(Unit)
            raise ValueError("x")
        assert log == ["unit rollback ValueError"]

    def test_non_persistent_scope_generators_commit_without_exception(self) -> None:
        """Leaving a non-persistent custom scope normally commits its generators."""
        log: list[str] = []
        provider = self._services(
            log, ContextScopeManager(persistent=False)
        ).build_service_provider()
        with provider.create_scope("run", "r1") as scope:
            scope.get_service(Unit)
        assert log == ["unit commit"]

    def test_persistent_scope_generators_see_nothing(self) -> None:
        """A persistent id outlives the block: its generators finish later, plainly."""
        log: list[str] = []
        manager = ContextScopeManager()
        provider = self._services(log, manager).build_service_provider()
        with pytest.raises(ValueError), provider.create_scope("run", "r1") as scope:
            scope.get_service(Unit)
            raise ValueError("x")
        assert log == []
        manager.cleanup_scope("r1")
        assert log == ["unit commit"]

    async def test_async_non_persistent_scope_generators_see_the_exception(
        self,
    ) -> None:
        """`async with` a non-persistent custom scope throws the error into async generators."""
        log: list[str] = []
        provider = self._services(
            log, ContextScopeManager(persistent=False), is_async=True
        ).build_service_provider()
        with pytest.raises(ValueError):
            async with provider.create_scope("run", "r1") as scope:
                await scope.get_service_async(Unit)
                raise ValueError("x")
        assert log == ["unit rollback ValueError"]
