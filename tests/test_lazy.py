"""``Lazy[T]``: resolved on first get(), kept, checked at build, and a way out of cycles."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import pytest

from wiredi import (
    AsyncResolutionError,
    CircularDependencyError,
    FromComponent,
    GraphValidationError,
    Lazy,
    LifetimeError,
    RegistrationError,
    Resolver,
    ScopeError,
    ServiceCollection,
    ServiceNotFoundError,
)
from wiredi.graph import to_mermaid

THREADS = 16
TASKS = 50


class Counted:
    """Counts its constructions."""

    made = 0

    def __init__(self) -> None:
        type(self).made += 1


class Holder:
    def __init__(self, item: Lazy[Counted]) -> None:
        self.item = item


class Left:
    def __init__(self, right: Lazy[Right]) -> None:
        self.right = right


class Right:
    def __init__(self, left: Left) -> None:
        self.left = left


class Session:
    pass


class Cache:
    def __init__(self, session: Lazy[Session]) -> None:
        self.session = session


class Middle:
    def __init__(self, session: Session) -> None:
        self.session = session


class CacheOfMiddle:
    def __init__(self, middle: Lazy[Middle]) -> None:
        self.middle = middle


class SeesResolver:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver


class HoldsResolverUser:
    def __init__(self, user: Lazy[SeesResolver]) -> None:
        self.user = user


class First:
    def __init__(self, second: Second) -> None:
        self.second = second


class Second:
    def __init__(self, third: Lazy[Third]) -> None:
        self.third = third


class Third:
    def __init__(self, first: First) -> None:
        self.first = first


class Loop:
    def __init__(self, back: LoopBack) -> None: ...


class LoopBack:
    def __init__(self, loop: Loop) -> None: ...


class Entry:
    def __init__(self, loop: Lazy[Loop]) -> None: ...


class Ping:
    def __init__(self, pong: Pong) -> None: ...


class Pong:
    def __init__(self, ping: Ping) -> None: ...


class Owner:
    def __init__(self, target: Lazy[Target], shared: Shared) -> None: ...


class Target:
    def __init__(self, shared: Shared) -> None: ...


class Shared:
    def __init__(self, owner: Owner) -> None: ...


class Eager:
    def __init__(self, other: Lazy[NeedsEager]) -> None:
        self.other = other.get()


class NeedsEager:
    def __init__(self, eager: Eager) -> None: ...


@pytest.fixture(autouse=True)
def _reset_counts() -> None:
    Counted.made = 0


def _only_error(services: ServiceCollection) -> Exception:
    with pytest.raises(GraphValidationError) as caught:
        services.build_service_provider()
    (error,) = caught.value.errors
    return error


class TestGet:
    def test_nothing_is_resolved_before_the_first_get(self) -> None:
        """Building the owner does not build what its Lazy resolves."""
        services = ServiceCollection().add_transient(Counted).add_transient(Holder)
        holder = services.build_service_provider().get_service(Holder)
        assert Counted.made == 0
        holder.item.get()
        assert Counted.made == 1

    def test_later_gets_return_the_same_object(self) -> None:
        """A transient T is resolved once per Lazy, then kept."""
        services = ServiceCollection().add_transient(Counted).add_transient(Holder)
        holder = services.build_service_provider().get_service(Holder)
        assert holder.item.get() is holder.item.get()
        assert Counted.made == 1

    def test_each_owner_gets_its_own_lazy(self) -> None:
        """Two transient owners resolve a transient T once each."""
        services = ServiceCollection().add_transient(Counted).add_transient(Holder)
        provider = services.build_service_provider()
        first, second = provider.get_service(Holder), provider.get_service(Holder)
        assert first.item.get() is not second.item.get()

    def test_a_scoped_owner_resolves_from_its_scope(self) -> None:
        """Lazy[Scoped] in a scoped owner gives the scope's instance."""
        services = ServiceCollection().add_scoped(Session).add_scoped(Cache)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            cache = scope.get_service(Cache)
            assert cache.session.get() is scope.get_service(Session)

    def test_a_singletons_lazy_resolves_from_the_root(self) -> None:
        """A singleton built inside a scope still resolves its Lazy from the root."""
        services = ServiceCollection().add_transient(SeesResolver)
        services.add_singleton(HoldsResolverUser)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            holder = scope.get_service(HoldsResolverUser)
            assert holder.user.get().resolver is provider

    def test_a_transient_owner_resolves_from_the_scope_that_built_it(self) -> None:
        """A transient owner resolved from a scope resolves its Lazy there."""
        services = ServiceCollection().add_transient(SeesResolver)
        services.add_transient(HoldsResolverUser)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            holder = scope.get_service(HoldsResolverUser)
            assert holder.user.get().resolver is scope

    def test_annotated_from_component_reaches_the_component(self) -> None:
        """Annotated[Lazy[T], FromComponent("c")] resolves T from component c."""

        class FromC:
            def __init__(
                self, session: Annotated[Lazy[Session], FromComponent("c")]
            ) -> None:
                self.session = session

        services = ServiceCollection().add_transient(FromC)
        services.add_singleton(Session, component="c")
        provider = services.build_service_provider()
        session = provider.get_service(FromC).session.get()
        assert session is provider.get_service(Session, component="c")

    def test_from_component_inside_lazy_works_too(self) -> None:
        """Lazy[Annotated[T, FromComponent("c")]] is the same."""

        class FromC:
            def __init__(
                self, session: Lazy[Annotated[Session, FromComponent("c")]]
            ) -> None:
                self.session = session

        services = ServiceCollection().add_transient(FromC)
        services.add_singleton(Session, component="c")
        provider = services.build_service_provider()
        session = provider.get_service(FromC).session.get()
        assert session is provider.get_service(Session, component="c")

    def test_an_optional_lazy_of_a_missing_type_is_none(self) -> None:
        """Lazy[T] | None is None when T is not registered."""

        class Maybe:
            def __init__(self, session: Lazy[Session] | None = None) -> None:
                self.session = session

        provider = ServiceCollection().add_transient(Maybe).build_service_provider()
        assert provider.get_service(Maybe).session is None

    def test_an_optional_lazy_of_a_registered_type_is_a_lazy(self) -> None:
        """Lazy[T] | None is a Lazy when T is registered."""

        class Maybe:
            def __init__(self, session: Lazy[Session] | None) -> None:
                self.session = session

        services = ServiceCollection().add_transient(Maybe).add_singleton(Session)
        provider = services.build_service_provider()
        lazy = provider.get_service(Maybe).session
        assert lazy is not None
        assert lazy.get() is provider.get_service(Session)

    def test_an_override_in_force_at_get_is_seen(self) -> None:
        """get() resolves what is in force when it is called."""
        services = ServiceCollection().add_transient(Counted).add_transient(Holder)
        provider = services.build_service_provider()
        holder = provider.get_service(Holder)
        replacement = Counted()
        with provider.override(Counted, replacement):
            assert holder.item.get() is replacement

    def test_get_after_the_scope_closed_raises_scope_error(self) -> None:
        """A Lazy whose scope has closed cannot resolve any more."""
        services = ServiceCollection().add_scoped(Session).add_scoped(Cache)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            cache = scope.get_service(Cache)
        with pytest.raises(ScopeError):
            cache.session.get()

    def test_invoke_fills_a_lazy_parameter(self) -> None:
        """invoke() passes a Lazy bound to the resolver it was called on."""
        provider = ServiceCollection().add_singleton(Session).build_service_provider()

        def handler(session: Lazy[Session]) -> Session:
            return session.get()

        assert provider.invoke(handler) is provider.get_service(Session)

    def test_a_lazy_made_by_hand_resolves_from_its_resolver(self) -> None:
        """Lazy(resolver, T) is usable in tests without the container building it."""
        provider = ServiceCollection().add_singleton(Session).build_service_provider()
        lazy = Lazy(provider, Session)
        assert repr(lazy) == "<wiredi.Lazy[Session] (unresolved)>"
        assert lazy.get() is provider.get_service(Session)
        assert repr(lazy) == "<wiredi.Lazy[Session] (resolved)>"

    def test_describe_shows_the_lazy_without_expanding_it(self) -> None:
        """describe() marks the parameter as resolved on first get()."""
        services = ServiceCollection().add_singleton(Left).add_singleton(Right)
        text = services.build_service_provider().describe(Left)
        assert text == (
            "Left (singleton)\n"
            "└── right: Lazy[Right] (singleton, resolved on first get())"
        )

    def test_the_graph_draws_a_lazy_edge(self) -> None:
        """to_mermaid labels the edge of a Lazy parameter."""
        services = ServiceCollection().add_singleton(Left).add_singleton(Right)
        assert "right (lazy)" in to_mermaid(services)


class TestCycles:
    @pytest.mark.parametrize("lifetime", ["singleton", "scoped", "transient"])
    def test_a_cycle_through_lazy_builds_and_resolves(self, lifetime: str) -> None:
        """Left -> Lazy[Right], Right -> Left passes validation and resolves."""
        services = ServiceCollection()
        services.add(Left, lifetime=lifetime).add(Right, lifetime=lifetime)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            left = scope.get_service(Left)
            right = left.right.get()
            assert isinstance(right, Right)
            if lifetime != "transient":
                assert right.left is left

    def test_a_longer_cycle_through_lazy_is_allowed(self) -> None:
        """A cycle of three with one Lazy edge is no error."""

        services = ServiceCollection()
        services.add_singleton(First).add_singleton(Second).add_singleton(Third)
        provider = services.build_service_provider()
        first = provider.get_service(First)
        assert first.second.third.get().first is first

    def test_a_cycle_beside_the_lazy_is_still_reported(self) -> None:
        """A direct cycle in what a Lazy resolves is still a cycle."""

        services = ServiceCollection().add_singleton(Entry)
        services.add_singleton(Loop).add_singleton(LoopBack)
        error = _only_error(services)
        assert isinstance(error, CircularDependencyError)
        assert error.message == "circular dependency: Loop -> LoopBack -> Loop"

    def test_a_direct_cycle_is_reported_even_when_a_lazy_reaches_it_first(
        self,
    ) -> None:
        """Walking a Lazy first does not hide a direct cycle met on its way."""
        services = ServiceCollection().add_singleton(Owner)
        services.add_singleton(Target).add_singleton(Shared)
        error = _only_error(services)
        assert isinstance(error, CircularDependencyError)
        assert error.message in (
            "circular dependency: Owner -> Shared -> Owner",
            "circular dependency: Shared -> Owner -> Shared",
        )

    def test_the_cycle_fix_suggests_lazy(self) -> None:
        """CircularDependencyError's fix names the Lazy[...] to write."""

        error = _only_error(ServiceCollection().add_scoped(Ping).add_scoped(Pong))
        assert isinstance(error, CircularDependencyError)
        assert error.hint == (
            "break the cycle with Lazy: in one service of it, take Lazy[...] and "
            "call .get() when needed (e.g. in Ping, take Lazy[Pong] instead of "
            "Pong); or move the shared part into a third service"
        )

    @pytest.mark.parametrize("lifetime", ["singleton", "transient"])
    def test_get_in_the_constructor_of_a_cycle_raises(self, lifetime: str) -> None:
        """Calling get() while the owner is being built, around a cycle, is an error."""

        services = ServiceCollection()
        services.add(Eager, lifetime=lifetime).add(NeedsEager, lifetime=lifetime)
        provider = services.build_service_provider()
        with pytest.raises(CircularDependencyError) as caught:
            provider.get_service(Eager)
        assert caught.value.message.startswith("circular dependency at run time")
        assert "Lazy.get()" in str(caught.value.hint)

    def test_get_of_the_same_lazy_while_it_resolves_raises(self) -> None:
        """What a Lazy resolves may not call that same Lazy's get() while built."""
        services = ServiceCollection().add_singleton(Left)
        services.add_singleton_factory(Right, _right_of)
        provider = services.build_service_provider()
        left = provider.get_service(Left)
        with pytest.raises(CircularDependencyError) as caught:
            left.right.get()
        assert caught.value.message == (
            "Lazy[Right].get() was called while Right was being resolved for that "
            "same Lazy"
        )
        assert repr(left.right) == "<wiredi.Lazy[Right] (unresolved)>"


def _right_of(left: Left) -> Right:
    left.right.get()
    return Right(left)  # pragma: no cover - the get() above raises


class TestValidation:
    def test_a_missing_type_is_reported_at_build(self) -> None:
        """Lazy[T] with T unregistered is a ServiceNotFoundError at build."""
        error = _only_error(ServiceCollection().add_transient(Holder))
        assert isinstance(error, ServiceNotFoundError)
        assert str(error).splitlines()[:2] == [
            "Holder needs Counted (parameter 'item'), which is not registered",
            "  path: Holder -> Counted",
        ]

    def test_a_singleton_taking_lazy_scoped_is_a_lifetime_error(self) -> None:
        """The singleton's Lazy would resolve from the root: LifetimeError."""
        error = _only_error(
            ServiceCollection().add_scoped(Session).add_singleton(Cache)
        )
        assert isinstance(error, LifetimeError)
        assert error.message.startswith(
            "Cache (singleton) would capture Session (scoped)"
        )
        assert str(error).splitlines()[1] == "  path: Cache -> Session (scoped)"

    def test_a_scoped_service_behind_a_lazy_transient_is_found(self) -> None:
        """singleton -> Lazy[transient] -> scoped is a LifetimeError too."""
        services = ServiceCollection().add_scoped(Session).add_transient(Middle)
        services.add_singleton(CacheOfMiddle)
        error = _only_error(services)
        assert isinstance(error, LifetimeError)
        assert str(error).splitlines()[1] == (
            "  path: CacheOfMiddle -> Middle -> Session (scoped)"
        )

    def test_a_scoped_owner_may_take_lazy_of_a_singleton(self) -> None:
        """Longer-lived T behind a Lazy is fine."""
        services = ServiceCollection().add_singleton(Session).add_scoped(Cache)
        services.build_service_provider()

    def test_a_transient_owner_may_take_lazy_scoped(self) -> None:
        """A transient owner resolves T from the scope that asks: no error."""
        services = ServiceCollection().add_scoped(Session).add_transient(Cache)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            assert scope.get_service(Cache).session.get() is scope.get_service(Session)

    def test_lazy_without_a_type_is_a_registration_error(self) -> None:
        """A bare Lazy hint says to write Lazy[T]."""

        class Bare:
            def __init__(self, thing: Lazy) -> None: ...  # type: ignore[type-arg]

        error = _only_error(ServiceCollection().add_transient(Bare))
        assert isinstance(error, RegistrationError)
        assert "hinted Lazy without the type to resolve; write Lazy[T]" in str(error)


async def _open_session() -> Session:
    await asyncio.sleep(0)
    return Session()


class AsyncCache:
    def __init__(self, session: Lazy[Session]) -> None:
        self.session = session


class TestAsync:
    async def test_get_async_awaits_an_async_factory(self) -> None:
        """await get_async() resolves through async factories, then keeps it."""
        services = ServiceCollection().add_scoped_factory(Session, _open_session)
        services.add_scoped(AsyncCache)
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            cache = await scope.get_service_async(AsyncCache)
            session = await cache.session.get_async()
            assert session is await scope.get_service_async(Session)
            assert await cache.session.get_async() is session
            assert cache.session.get() is session

    async def test_the_owner_of_an_async_lazy_is_sync(self) -> None:
        """A Lazy of an async service does not make its owner async."""
        services = ServiceCollection().add_scoped_factory(Session, _open_session)
        services.add_scoped(AsyncCache)
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            cache = scope.get_service(AsyncCache)
            with pytest.raises(AsyncResolutionError):
                cache.session.get()
            assert isinstance(await cache.session.get_async(), Session)

    async def test_concurrent_tasks_share_one_resolution(self) -> None:
        """Tasks awaiting get_async() at once get one object, made once."""
        gate = asyncio.Event()
        made: list[Session] = []

        async def slow() -> Session:
            await gate.wait()
            made.append(Session())
            return made[-1]

        services = ServiceCollection().add_transient_factory(Session, slow)
        services.add_transient(AsyncCache)
        provider = services.build_service_provider()
        cache = provider.get_service(AsyncCache)
        tasks = [asyncio.create_task(cache.session.get_async()) for _ in range(TASKS)]
        await asyncio.sleep(0)
        gate.set()
        results = await asyncio.gather(*tasks)
        assert len(made) == 1
        assert all(result is made[0] for result in results)

    async def test_waiters_share_a_failure_and_the_next_call_retries(self) -> None:
        """One failed attempt fails its waiters; a later call tries again."""
        gate = asyncio.Event()
        attempts: list[int] = []

        async def flaky() -> Session:
            attempts.append(1)
            await gate.wait()
            if len(attempts) == 1:
                raise OSError("down")
            return Session()

        services = ServiceCollection().add_transient_factory(Session, flaky)
        services.add_transient(AsyncCache)
        provider = services.build_service_provider()
        cache = provider.get_service(AsyncCache)
        tasks = [asyncio.create_task(cache.session.get_async()) for _ in range(TASKS)]
        await asyncio.sleep(0)
        gate.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert len(attempts) == 1
        assert all(isinstance(result, OSError) for result in results)
        assert isinstance(await cache.session.get_async(), Session)
        assert len(attempts) == 2

    async def test_a_cancelled_attempt_lets_the_waiters_try_again(self) -> None:
        """When the resolving task is cancelled, a waiter resolves instead."""
        gate = asyncio.Event()
        attempts: list[int] = []

        async def slow() -> Session:
            attempts.append(1)
            if len(attempts) == 1:
                await gate.wait()
            return Session()

        services = ServiceCollection().add_transient_factory(Session, slow)
        services.add_transient(AsyncCache)
        provider = services.build_service_provider()
        cache = provider.get_service(AsyncCache)
        first = asyncio.create_task(cache.session.get_async())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(cache.session.get_async())
        await asyncio.sleep(0)
        first.cancel()
        session = await waiter
        assert isinstance(session, Session)
        assert len(attempts) == 2
        with pytest.raises(asyncio.CancelledError):
            await first

    async def test_awaiting_the_same_lazy_while_it_resolves_raises(self) -> None:
        """An async factory awaiting the Lazy it is resolving for is a cycle."""
        holder: list[AsyncCache] = []

        async def reentrant() -> AsyncIterator[Session]:
            await holder[0].session.get_async()
            yield Session()  # pragma: no cover - the await above raises

        services = ServiceCollection().add_transient_factory(Session, reentrant)
        services.add_transient(AsyncCache)
        provider = services.build_service_provider()
        holder.append(provider.get_service(AsyncCache))
        with pytest.raises(CircularDependencyError, match="same Lazy"):
            await holder[0].session.get_async()
        assert repr(holder[0].session) == "<wiredi.Lazy[Session] (unresolved)>"


class Gated:
    """The first one made waits for ``gate``; later ones do not."""

    gate = threading.Event()
    started = threading.Event()
    made: list[Gated] = []

    def __init__(self) -> None:
        first = not Gated.made
        Gated.made.append(self)
        if first:
            Gated.started.set()
            Gated.gate.wait(timeout=5)


class GatedHolder:
    def __init__(self, item: Lazy[Gated]) -> None:
        self.item = item


class TestSyncAndAsyncTogether:
    def test_a_sync_get_that_finishes_first_is_kept(self) -> None:
        """get_async() returns what a concurrent get() stored first."""
        Gated.gate.clear()
        Gated.started.clear()
        Gated.made.clear()
        services = ServiceCollection().add_transient(Gated)
        services.add_transient(GatedHolder)
        holder = services.build_service_provider().get_service(GatedHolder)
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(asyncio.run, holder.item.get_async())
            assert Gated.started.wait(timeout=5)
            second = holder.item.get()  # builds its own: the first is held up
            Gated.gate.set()
            assert pending.result(timeout=5) is second
        assert holder.item.get() is second
        assert len(Gated.made) == 2


class SlowSession:
    """Constructed behind a gate so that every thread asks before it finishes."""

    gate = threading.Event()
    started = threading.Event()
    made: list[SlowSession] = []

    def __init__(self) -> None:
        SlowSession.started.set()
        SlowSession.gate.wait(timeout=5)
        SlowSession.made.append(self)


class SlowHolder:
    def __init__(self, session: Lazy[SlowSession]) -> None:
        self.session = session


class TestThreads:
    def test_threads_calling_get_at_once_get_one_object(self) -> None:
        """16 threads calling get() at the same moment get one object, made once."""
        SlowSession.gate.clear()
        SlowSession.started.clear()
        SlowSession.made.clear()
        services = ServiceCollection().add_transient(SlowSession)
        services.add_transient(SlowHolder)
        holder = services.build_service_provider().get_service(SlowHolder)
        barrier = threading.Barrier(THREADS + 1)

        def get() -> SlowSession:
            barrier.wait(timeout=5)
            return holder.session.get()

        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(get) for _ in range(THREADS)]
            barrier.wait(timeout=5)
            assert SlowSession.started.wait(timeout=5)
            threading.Event().wait(0.05)  # let the others reach get()
            SlowSession.gate.set()
            results = [future.result(timeout=10) for future in futures]
        assert len(SlowSession.made) == 1
        assert all(result is SlowSession.made[0] for result in results)

    def test_a_singleton_lazy_shared_by_threads_resolves_once(self) -> None:
        """Threads sharing a singleton owner share what its Lazy resolves."""
        services = ServiceCollection().add_transient(Counted)
        services.add_singleton(Holder)
        provider = services.build_service_provider()
        barrier = threading.Barrier(THREADS)

        def get() -> Counted:
            barrier.wait(timeout=5)
            return provider.get_service(Holder).item.get()

        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(lambda _: get(), range(THREADS)))
        assert Counted.made == 1
        assert len({id(result) for result in results}) == 1
