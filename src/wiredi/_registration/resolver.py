"""The ``Resolver`` protocol shared by ``ServiceProvider`` and ``Scope``."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, runtime_checkable

from typing_extensions import TypeForm

__all__ = ["Resolver"]

T = TypeVar("T")


@runtime_checkable
class Resolver(Protocol):
    """Anything that resolves services: the root provider or a scope.

    Hint a parameter with ``Resolver`` (or ``ServiceProvider``) to receive the
    provider or scope doing the resolution.

    Example:
        ```python
        from wiredi import Resolver, ServiceCollection

        class Lazy:
            def __init__(self, resolver: Resolver) -> None:
                self.resolver = resolver

        provider = ServiceCollection().add_transient(Lazy).build_service_provider()
        assert provider.get_service(Lazy).resolver is provider
        ```
    """

    def get_service(self, service_type: TypeForm[T], /, component: str = "") -> T:
        """Resolve ``service_type``."""
        ...

    def get_required_service(
        self, service_type: TypeForm[T], /, component: str = ""
    ) -> T:
        """Resolve ``service_type`` (the .NET name of ``get_service``)."""
        ...

    def get_services(
        self, service_type: TypeForm[T], /, component: str = ""
    ) -> list[T]:
        """Resolve every registration of ``service_type``, in order."""
        ...

    async def get_service_async(
        self, service_type: TypeForm[T], /, component: str = ""
    ) -> T:
        """Resolve ``service_type``, awaiting async factories."""
        ...

    async def get_services_async(
        self, service_type: TypeForm[T], /, component: str = ""
    ) -> list[T]:
        """Resolve every registration of ``service_type``, awaiting async factories."""
        ...

    def invoke(self, function: Any, /, **given: Any) -> Any:
        """Call ``function``, resolving the parameters not in ``given``."""
        ...

    async def invoke_async(self, function: Any, /, **given: Any) -> Any:
        """Call (and await) ``function``, resolving the parameters not in ``given``."""
        ...
