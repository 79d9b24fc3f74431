"""wd-di: a .NET-style ServiceCollection; no async resolution."""

from __future__ import annotations

from typing import ClassVar

import _graphs as g
from wd.di import ServiceCollection


def _scoped_provider():
    services = ServiceCollection()
    services.add_singleton(g.Settings)
    services.add_transient(g.Repo)
    services.add_transient(g.Clock)
    services.add_scoped(g.RequestService)
    return services.build_service_provider()


def _big_provider():
    services = ServiceCollection()
    for cls in g.BIG_CLASSES:
        services.add_singleton(cls)
    return services.build_service_provider()


class Adapter:
    dist = "wd-di"
    notes: ClassVar[dict[str, str]] = {"d": "no async resolution API"}

    def transient_graph(self):
        services = ServiceCollection()
        for cls in g.TRANSIENT_CLASSES:
            services.add_transient(cls)
        get = services.build_service_provider().get_service
        root = g.Root
        return lambda: get(root)

    def singleton(self):
        get = _scoped_provider().get_service
        settings = g.Settings
        return lambda: get(settings)

    def scoped(self):
        create_scope = _scoped_provider().create_scope
        service = g.RequestService

        def op():
            with create_scope() as scope:
                return scope.get_service(service)

        return op

    def scoped_pair(self):
        provider = _scoped_provider()

        def op():
            with provider.create_scope() as scope:
                return scope.get_service(g.RequestService), scope.get_service(
                    g.RequestService
                )

        return op

    def build(self):
        return _big_provider

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            get = _big_provider().get_service
            return [get(cls) for cls in classes]

        return op
