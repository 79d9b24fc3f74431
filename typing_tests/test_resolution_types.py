"""Type-checked only (mypy --strict), never executed."""

from __future__ import annotations

from typing import Protocol, assert_type

from wiredi import Scope, ServiceCollection, ServiceProvider


class IClock(Protocol):
    def now(self) -> float: ...


class UtcClock:
    def now(self) -> float:
        return 0.0


class NotAClock:
    def later(self) -> float:
        return 0.0


class Repo:
    pass


services = ServiceCollection()
assert_type(services.add_singleton(IClock, UtcClock), ServiceCollection)
assert_type(services.add_scoped(Repo), ServiceCollection)
services.add_singleton(IClock, NotAClock)  # type: ignore[arg-type]
services.add_transient(IClock, Repo)  # type: ignore[arg-type]

provider = services.build_service_provider()
assert_type(provider, ServiceProvider)
assert_type(provider.get_service(IClock), IClock)
assert_type(provider.get_service(Repo), Repo)
assert_type(provider.get_required_service(Repo), Repo)
assert_type(provider.get_services(IClock), list[IClock])
assert_type(provider.get_service(list[Repo]), list[Repo])

with provider.create_scope() as scope:
    assert_type(scope, Scope)
    assert_type(scope.get_service(IClock), IClock)


async def use_async() -> None:
    assert_type(await provider.get_service_async(IClock), IClock)
    async with provider.create_scope() as async_scope:
        assert_type(await async_scope.get_services_async(Repo), list[Repo])


def make_repo() -> Repo:
    return Repo()


services.add_scoped_factory(Repo, make_repo)
assert_type(provider.invoke(make_repo), Repo)

assert_type(services.add_context(IClock), ServiceCollection)
with provider.create_scope(context={IClock: UtcClock()}) as context_scope:
    assert_type(context_scope, Scope)
with provider.create_scope("tenant", "ACME", context={Repo: Repo()}) as tenant_scope:
    assert_type(tenant_scope, Scope)
