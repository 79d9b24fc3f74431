"""wiredi, through the API of SPEC sections 1-5 and 9."""

from __future__ import annotations

import logging

import _graphs as g

import wiredi
from wiredi import ServiceCollection


def _transient_provider():
    services = ServiceCollection()
    for cls in g.TRANSIENT_CLASSES:
        services.add_transient(cls)
    return services.build_service_provider()


def _scoped_provider():
    services = ServiceCollection()
    services.add_singleton(g.Settings)
    services.add_transient(g.Repo)
    services.add_transient(g.Clock)
    services.add_scoped(g.RequestService)
    return services.build_service_provider()


class Adapter:
    dist = "wiredi"
    mode = "defaults (validate=True)"

    def transient_graph(self):
        get = _transient_provider().get_service
        root = g.Root

        def op():
            return get(root)

        return op

    def singleton(self):
        get = _scoped_provider().get_service
        settings = g.Settings

        def op():
            return get(settings)

        return op

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

    def scoped_async(self):
        create_scope = _scoped_provider().create_scope
        service = g.RequestService

        async def op():
            async with create_scope() as scope:
                return await scope.get_service_async(service)

        return op

    def scoped_async_pair(self):
        provider = _scoped_provider()

        async def op():
            async with provider.create_scope() as scope:
                first = await scope.get_service_async(g.RequestService)
                return first, await scope.get_service_async(g.RequestService)

        return op

    def build(self):
        return self.scale_build(g.BIG_CLASSES)

    def build_resolve(self):
        return self.scale_build_resolve(g.BIG_CLASSES)

    # --- scaling (benchmarks/_scaling.py) --------------------------------------

    def scale_build(self, classes):
        def op():
            services = ServiceCollection()
            for cls in classes:
                services.add_singleton(cls)
            return services.build_service_provider()

        return op

    def scale_build_resolve(self, classes):
        def op():
            services = ServiceCollection()
            for cls in classes:
                services.add_singleton(cls)
            get = services.build_service_provider().get_service
            return [get(cls) for cls in classes]

        return op

    def scale_chain(self, chain):
        services = ServiceCollection()
        for cls in chain:
            services.add_transient(cls)
        get = services.build_service_provider().get_service
        last = chain[-1]

        def op():
            return get(last)

        return op

    def scale_open_scope(self):
        create_scope = _scoped_provider().create_scope
        service = g.RequestService

        def open_one():
            scope = create_scope()
            scope.get_service(service)
            return scope

        def close_one(scope):
            scope.close()

        return open_one, close_one

    # --- wiredi's own features; None when the API is not there yet -----------

    def feature_context_logger(self):
        context_type = getattr(wiredi, "DependencyContext", None)
        if context_type is None:
            return None

        def logger_factory(context: wiredi.DependencyContext) -> logging.Logger:
            return logging.getLogger(context.parent.implementation.__module__)

        services = ServiceCollection()
        services.add_transient_factory(logging.Logger, logger_factory)
        services.add_transient(g.Handler)
        get = services.build_service_provider().get_service
        handler = g.Handler

        def op():
            return get(handler)

        return op

    def feature_component(self):
        services = ServiceCollection()
        if not hasattr(services, "component"):
            return None
        user = services.component("user")
        user.add_transient(g.UserRepo)
        user.add_transient(g.UserHandler)
        get = services.build_service_provider().get_service
        handler = g.UserHandler

        def op():
            return get(handler, component="user")

        return op

    def feature_custom_scope(self):
        manager_type = getattr(wiredi, "ContextScopeManager", None)
        if manager_type is None:
            return None
        services = ServiceCollection()
        services.add_scope_manager("tenant", manager_type())
        services.add(g.TenantCache, lifetime="tenant")
        create_scope = services.build_service_provider().create_scope
        tenant_cache = g.TenantCache

        def op():
            with create_scope("tenant", "ACME") as scope:
                return scope.get_service(tenant_cache)

        return op

    def feature_override(self):
        provider = _transient_provider()
        if not hasattr(provider, "override"):
            return None
        self._override = provider.override(g.X, g.FAKE_X)
        self._override.__enter__()  # stays active for the life of the process
        get = provider.get_service
        root = g.Root

        def op():
            return get(root)

        return op
