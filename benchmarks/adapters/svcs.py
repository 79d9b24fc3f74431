"""svcs: a Registry of hand-written factories; a Container is the request scope.

svcs has no auto-wiring and no transient lifetime (a Container caches what it
builds), so scenario a does not apply; factories below are written by hand.
"""

from __future__ import annotations

from typing import ClassVar

import _graphs as g
import svcs


def _request_service(svcs_container: svcs.Container) -> g.RequestService:
    return g.RequestService(*svcs_container.get(g.Settings, g.Repo, g.Clock))


def _scoped_registry() -> svcs.Registry:
    registry = svcs.Registry()
    registry.register_value(g.Settings, g.Settings())
    registry.register_factory(g.Repo, g.Repo)
    registry.register_factory(g.Clock, g.Clock)
    registry.register_factory(g.RequestService, _request_service)
    return registry


def _factory(cls, deps):
    def factory(svcs_container: svcs.Container):
        return cls(*svcs_container.get(*deps))

    return factory


def _big_registry() -> svcs.Registry:
    registry = svcs.Registry()
    for cls, deps in g.BIG_GRAPH:
        registry.register_factory(cls, _factory(cls, deps) if deps else cls)
    return registry


class Adapter:
    dist = "svcs"
    notes: ClassVar[dict[str, str]] = {
        "a": "no transient lifetime: a Container caches every service"
    }

    def singleton(self):
        get = svcs.Container(_scoped_registry()).get
        settings = g.Settings
        return lambda: get(settings)

    def scoped(self):
        registry, container, service = (
            _scoped_registry(),
            svcs.Container,
            g.RequestService,
        )

        def op():
            with container(registry) as scope:
                return scope.get(service)

        return op

    def scoped_pair(self):
        registry = _scoped_registry()

        def op():
            with svcs.Container(registry) as scope:
                return scope.get(g.RequestService), scope.get(g.RequestService)

        return op

    def scoped_async(self):
        registry, container, service = (
            _scoped_registry(),
            svcs.Container,
            g.RequestService,
        )

        async def op():
            async with container(registry) as scope:
                return await scope.aget(service)

        return op

    def scoped_async_pair(self):
        registry = _scoped_registry()

        async def op():
            async with svcs.Container(registry) as scope:
                return await scope.aget(g.RequestService), await scope.aget(
                    g.RequestService
                )

        return op

    def build(self):
        return _big_registry

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            get = svcs.Container(_big_registry()).get
            return [get(cls) for cls in classes]

        return op
