"""``ServiceCollection``: the registration API plus ``build_service_provider()``.

This is the one place where what users declare (``wiredi._registration``)
meets what runs (``wiredi._runtime``). As in .NET, where
``BuildServiceProvider`` is an extension method that lives with the
provider, building belongs to the layer that knows the provider, so the
registration layer never imports the runtime.
"""

from __future__ import annotations

from wiredi._registration.collection import BaseServiceCollection
from wiredi._runtime.provider import ServiceProvider

__all__ = ["ServiceCollection"]


class ServiceCollection(BaseServiceCollection):
    """The registrations of an application, filled at startup.

    Every ``add*`` method returns the collection, so calls chain, and takes
    ``component=`` to register into a named component and ``health_check=``
    to give the service a check that ``provider.check_health()`` runs.

    Example:
        ```python
        from wiredi import ServiceCollection

        class Clock: ...

        class Greeter:
            def __init__(self, clock: Clock) -> None:
                self.clock = clock

        services = ServiceCollection().add_singleton(Clock).add_transient(Greeter)
        provider = services.build_service_provider()
        assert provider.get_service(Greeter).clock is provider.get_service(Clock)
        ```
    """

    __slots__ = ()

    # ----------------------------------------------------------------- build

    def build_service_provider(self, *, validate: bool = True) -> ServiceProvider:
        """Compile the registrations into an immutable ``ServiceProvider``.

        With ``validate=True`` (the default) every registration's graph is
        checked now and every problem is raised at once in a
        ``GraphValidationError``. Later changes to the collection are not
        seen by the provider.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...

            services = ServiceCollection().add_singleton(Clock)
            with services.build_service_provider() as sp:
                assert isinstance(sp.get_service(Clock), Clock)
            ```
        """
        registrations = tuple(self._state.registrations)
        kept = set(registrations)  # replace() and remove_all() drop checks too
        return ServiceProvider._build(
            registrations,
            tuple(self._state.decorations),
            dict(self._state.scope_managers),
            tuple(self._state.options),
            validate=validate,
            source=self._state,
            health_checks={
                registration: check
                for registration, check in self._state.health_checks.items()
                if registration in kept
            },
        )
