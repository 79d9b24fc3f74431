"""clean-ioc: Container.register(..., lifespan=Lifespan.X); new_scope()."""

from __future__ import annotations

import _graphs as g
from clean_ioc import Container, Lifespan


def _scoped_container() -> Container:
    container = Container()
    container.register(g.Settings, lifespan=Lifespan.singleton)
    container.register(g.Repo, lifespan=Lifespan.transient)
    container.register(g.Clock, lifespan=Lifespan.transient)
    container.register(g.RequestService, lifespan=Lifespan.scoped)
    return container


def _big_container() -> Container:
    container = Container()
    for cls in g.BIG_CLASSES:
        container.register(cls, lifespan=Lifespan.singleton)
    return container


class Adapter:
    dist = "clean-ioc"

    def transient_graph(self):
        container = Container()
        for cls in g.TRANSIENT_CLASSES:
            container.register(cls, lifespan=Lifespan.transient)
        resolve = container.resolve
        root = g.Root
        return lambda: resolve(root)

    def singleton(self):
        resolve = _scoped_container().resolve
        settings = g.Settings
        return lambda: resolve(settings)

    def scoped(self):
        new_scope = _scoped_container().new_scope
        service = g.RequestService

        def op():
            with new_scope() as scope:
                return scope.resolve(service)

        return op

    def scoped_pair(self):
        container = _scoped_container()

        def op():
            with container.new_scope() as scope:
                return scope.resolve(g.RequestService), scope.resolve(g.RequestService)

        return op

    def scoped_async(self):
        new_scope = _scoped_container().new_scope
        service = g.RequestService

        async def op():
            async with new_scope() as scope:
                return await scope.resolve_async(service)

        return op

    def scoped_async_pair(self):
        container = _scoped_container()

        async def op():
            async with container.new_scope() as scope:
                first = await scope.resolve_async(g.RequestService)
                return first, await scope.resolve_async(g.RequestService)

        return op

    def build(self):
        return _big_container

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            resolve = _big_container().resolve
            return [resolve(cls) for cls in classes]

        return op
