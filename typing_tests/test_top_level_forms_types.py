"""Type-checked only (mypy --strict), never executed: the top-level forms."""

from __future__ import annotations

from typing import Annotated, Optional, assert_type

from wiredi import FromComponent, ServiceCollection


class Foo:
    pass


provider = ServiceCollection().build_service_provider()
assert_type(provider.get_service(Foo | None), Foo | None)
assert_type(provider.get_service(Optional[Foo]), Foo | None)  # noqa: UP045
assert_type(provider.get_service(Annotated[Foo, FromComponent("gen")]), Foo)
assert_type(provider.get_services(Foo | None), list[Foo | None])

with provider.create_scope() as scope:
    assert_type(scope.get_service(Annotated[Foo | None, FromComponent()]), Foo | None)


async def use_async() -> None:
    assert_type(await provider.get_service_async(Foo | None), Foo | None)
