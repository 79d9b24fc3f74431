"""resolver.invoke / invoke_async: calling functions with resolved parameters."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest

from tests.fakes import Clock, Repo
from wiredi import (
    AsyncResolutionError,
    CurrentGraph,
    RegistrationError,
    ServiceCollection,
    ServiceNotFoundError,
    ServiceProvider,
)


class Plugin:
    pass


def command(repo: Repo, name: str, *, retries: int = 2) -> tuple[Repo, str, int]:
    return repo, name, retries


def uses_resolver(resolver: ServiceProvider) -> ServiceProvider:
    return resolver


def needs_missing(clock: Clock, missing: Plugin) -> None:  # pragma: no cover
    raise AssertionError


def untyped(value):  # type: ignore[no-untyped-def]
    return value  # pragma: no cover


async def async_command(repo: Repo, plugins: list[Plugin]) -> tuple[Repo, int]:
    await asyncio.sleep(0)
    return repo, len(plugins)


async def make_repo(clock: Clock) -> Repo:
    await asyncio.sleep(0)
    return Repo(clock)


def _provider() -> ServiceProvider:
    services = ServiceCollection().add_singleton(Clock).add_scoped(Repo)
    services.add_singleton(Plugin).add_singleton(Plugin)
    return services.build_service_provider()


class TestInvoke:
    def test_resolves_unspecified_parameters(self) -> None:
        """Parameters not given are resolved; given ones and defaults are kept."""
        with _provider().create_scope() as scope:
            repo, name, retries = scope.invoke(command, name="ada")
            assert repo is scope.get_service(Repo)
            assert (name, retries) == ("ada", 2)

    def test_given_wins_over_registered(self) -> None:
        """A given keyword replaces what would be resolved."""
        mine = Repo(Clock())
        with _provider().create_scope() as scope:
            repo, _, retries = scope.invoke(command, repo=mine, name="x", retries=5)
        assert repo is mine
        assert retries == 5

    def test_resolver_parameter(self) -> None:
        """A resolver parameter receives the scope invoking."""
        with _provider().create_scope() as scope:
            assert scope.invoke(uses_resolver) is scope

    def test_missing_dependency(self) -> None:
        """An unregistered parameter type raises ServiceNotFoundError."""
        with pytest.raises(ServiceNotFoundError, match=r"no registration for Plugin"):
            ServiceCollection().add_singleton(Clock).build_service_provider().invoke(
                needs_missing
            )

    def test_untyped_parameter_needs_a_value(self) -> None:
        """A parameter with no hint must be given."""
        provider = _provider()
        with pytest.raises(RegistrationError, match="'value'"):
            provider.invoke(untyped)
        assert provider.invoke(untyped, value=3) == 3

    async def test_invoke_async_awaits_dependencies_and_result(self) -> None:
        """invoke_async awaits async dependencies and the coroutine."""
        services = ServiceCollection().add_singleton(Clock)
        services.add_scoped_factory(Repo, make_repo).add_singleton(Plugin)
        async with services.build_service_provider().create_scope() as scope:
            repo, count = await scope.invoke_async(async_command)
            assert repo is await scope.get_service_async(Repo)
        assert count == 1

    async def test_invoke_async_sync_function(self) -> None:
        """invoke_async also calls plain functions."""
        with _provider().create_scope() as scope:
            _, name, _ = await scope.invoke_async(command, name="sync")
        assert name == "sync"


class TestInvokeCache:
    def test_invoked_lambdas_are_not_kept_alive(self) -> None:
        """The per-function cache does not keep invoked functions alive."""
        import gc
        import weakref

        provider = _provider()

        def make() -> object:
            return lambda clock: clock

        func = make()
        func.__annotations__ = {"clock": Clock}
        ref = weakref.ref(func)
        assert isinstance(provider.invoke(func), Clock)
        del func
        gc.collect()
        assert ref() is None


def sync_command(repo: Repo) -> Repo:  # pragma: no cover - never called
    return repo


def wants_graph(graph: CurrentGraph) -> None:  # pragma: no cover - never called
    pass


class TestInvokeErrors:
    def test_missing_parameter_names_the_function_and_parameter(self) -> None:
        provider = ServiceCollection().add_singleton(Clock).build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.invoke(needs_missing)
        message = str(caught.value)
        assert "invoke(needs_missing)" in message
        assert "parameter 'missing'" in message
        assert "pass missing=... to invoke" in message

    def test_sync_invoke_of_an_async_dependency_points_to_invoke_async(self) -> None:
        services = ServiceCollection().add_singleton(Clock)
        provider = services.add_transient_factory(
            Repo, make_repo
        ).build_service_provider()
        with pytest.raises(AsyncResolutionError) as caught:
            provider.invoke(sync_command)
        message = str(caught.value)
        assert "parameter 'repo'" in message
        assert "await resolver.invoke_async(sync_command)" in message

    def test_current_graph_parameter_explains_where_it_exists(self) -> None:
        with pytest.raises(RegistrationError, match="only while a registration"):
            _provider().invoke(wants_graph)


class Tracked:
    pass


async def async_handler(tracked: Tracked) -> Tracked:
    return tracked


class AsyncCallable:
    async def __call__(self, tracked: Tracked) -> Tracked:
        return tracked


@pytest.mark.parametrize(
    "function",
    [async_handler, functools.partial(async_handler), AsyncCallable()],
    ids=["async-def", "partial", "async-call"],
)
def test_sync_invoke_of_an_async_function_says_use_invoke_async(function: Any) -> None:
    """Its body would never run: refused before anything is resolved."""
    provider = ServiceCollection().add_transient(Tracked).build_service_provider()
    with pytest.raises(AsyncResolutionError) as caught:
        provider.invoke(function)
    assert "invoke_async" in (caught.value.hint or "")
    assert asyncio.run(provider.invoke_async(function)).__class__ is Tracked
