"""The ``FromComponent`` marker used in ``Annotated`` hints."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FromComponent"]


@dataclass(frozen=True, slots=True)
class FromComponent:
    """Take a dependency from another component: ``Annotated[T, FromComponent("x")]``.

    ``FromComponent()`` means the default component ``""``.

    Example:
        ```python
        from typing import Annotated
        from wiredi import FromComponent, ServiceCollection

        class Db:
            def __init__(self) -> None:
                self.name = "users"

        class Dao:
            def __init__(self, db: Annotated[Db, FromComponent("user")]) -> None:
                self.db = db

        services = ServiceCollection()
        services.add_singleton(Db, component="user")
        services.add_transient(Dao)
        provider = services.build_service_provider()
        assert provider.get_service(Dao).db.name == "users"
        ```
    """

    component: str = ""
