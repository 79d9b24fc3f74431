"""wiredi: a typed, compiled dependency-injection container.

Fill a ``ServiceCollection`` at startup, build a ``ServiceProvider``, and
resolve per request inside ``with provider.create_scope() as scope:``.

Example:
    ```python
    from wiredi import ServiceCollection

    class Clock: ...

    class Greeter:
        def __init__(self, clock: Clock) -> None:
            self.clock = clock

    services = ServiceCollection()
    services.add_singleton(Clock)
    services.add_scoped(Greeter)
    with services.build_service_provider() as provider:
        with provider.create_scope() as scope:
            assert scope.get_service(Greeter).clock is provider.get_service(Clock)
    ```
"""

from wiredi._compiler.context import CurrentGraph, DependencyContext
from wiredi._compiler.lazy import Lazy
from wiredi._registration.components import FromComponent
from wiredi._registration.lifetimes import Lifetime
from wiredi._registration.registration import Registration
from wiredi._registration.resolver import Resolver
from wiredi._registration.scope_manager import ScopeManager
from wiredi._runtime.context_scope_manager import ContextScopeManager
from wiredi._runtime.health import HealthCheckResult, HealthReport
from wiredi._runtime.provider import Scope, ServiceProvider
from wiredi._service_collection import ServiceCollection
from wiredi.errors import (
    AsyncResolutionError,
    CircularDependencyError,
    ConfigurationError,
    DependencyNode,
    DIError,
    DisposalError,
    GraphValidationError,
    InvalidConfigurationError,
    LifetimeError,
    RegistrationError,
    ScopeError,
    ServiceNotFoundError,
)

__all__ = [
    "AsyncResolutionError",
    "CircularDependencyError",
    "ConfigurationError",
    "ContextScopeManager",
    "CurrentGraph",
    "DIError",
    "DependencyContext",
    "DependencyNode",
    "DisposalError",
    "FromComponent",
    "GraphValidationError",
    "HealthCheckResult",
    "HealthReport",
    "InvalidConfigurationError",
    "Lazy",
    "Lifetime",
    "LifetimeError",
    "Registration",
    "RegistrationError",
    "Resolver",
    "Scope",
    "ScopeError",
    "ScopeManager",
    "ServiceCollection",
    "ServiceNotFoundError",
    "ServiceProvider",
]
