"""injectq: InjectQ().bind(T, T, scope=...); request scope via container.scope()."""

from __future__ import annotations

import _graphs as g
from injectq import InjectQ
from injectq.core.scopes import ScopeType


def _scoped_container() -> InjectQ:
    container = InjectQ()
    container.bind(g.Settings, g.Settings, scope=ScopeType.SINGLETON)
    container.bind(g.Repo, g.Repo, scope=ScopeType.TRANSIENT)
    container.bind(g.Clock, g.Clock, scope=ScopeType.TRANSIENT)
    container.bind(g.RequestService, g.RequestService, scope=ScopeType.REQUEST)
    return container


def _big_container() -> InjectQ:
    container = InjectQ()
    for cls in g.BIG_CLASSES:
        container.bind(cls, cls, scope=ScopeType.SINGLETON)
    return container


class Adapter:
    dist = "injectq"

    def transient_graph(self):
        container = InjectQ()
        for cls in g.TRANSIENT_CLASSES:
            container.bind(cls, cls, scope=ScopeType.TRANSIENT)
        get = container.get
        root = g.Root
        return lambda: get(root)

    def singleton(self):
        get = _scoped_container().get
        settings = g.Settings
        return lambda: get(settings)

    def scoped(self):
        container = _scoped_container()
        scope, get, service = container.scope, container.get, g.RequestService

        def op():
            with scope("request"):
                return get(service)

        return op

    def scoped_pair(self):
        container = _scoped_container()

        def op():
            with container.scope("request"):
                return container.get(g.RequestService), container.get(g.RequestService)

        return op

    def scoped_async(self):
        container = _scoped_container()
        async_scope, aget, service = (
            container.async_scope,
            container.aget,
            g.RequestService,
        )

        async def op():
            async with async_scope("request"):
                return await aget(service)

        return op

    def scoped_async_pair(self):
        container = _scoped_container()

        async def op():
            async with container.async_scope("request"):
                return await container.aget(g.RequestService), await container.aget(
                    g.RequestService
                )

        return op

    def build(self):
        return _big_container

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            get = _big_container().get
            return [get(cls) for cls in classes]

        return op
