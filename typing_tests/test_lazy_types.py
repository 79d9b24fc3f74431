"""Type-checked only (mypy --strict), never executed: Lazy[T].get() is a T."""

from __future__ import annotations

from typing import assert_type

from wiredi import Lazy, ServiceCollection


class Repo:
    pass


class Holder:
    def __init__(self, repo: Lazy[Repo]) -> None:
        assert_type(repo.get(), Repo)
        self.repo = repo


async def use_async(lazy: Lazy[Repo]) -> None:
    assert_type(await lazy.get_async(), Repo)


provider = ServiceCollection().build_service_provider()
assert_type(Lazy(provider, Repo), Lazy[Repo])
wrong: Lazy[Repo] = Lazy(provider, int)  # type: ignore[arg-type]
not_a_repo: int = Holder(Lazy(provider, Repo)).repo.get()  # type: ignore[assignment]
