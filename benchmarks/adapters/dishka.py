"""dishka: a Provider with provide(); transients are cache=False."""

from __future__ import annotations

import _graphs as g
from dishka import Provider, Scope, make_async_container, make_container


def _scoped_provider() -> Provider:
    provider = Provider()
    provider.provide(g.Settings, scope=Scope.APP)
    provider.provide(g.Repo, scope=Scope.REQUEST, cache=False)
    provider.provide(g.Clock, scope=Scope.REQUEST, cache=False)
    provider.provide(g.RequestService, scope=Scope.REQUEST)
    return provider


def _big_provider() -> Provider:
    provider = Provider()
    for cls in g.BIG_CLASSES:
        provider.provide(cls, scope=Scope.APP)
    return provider


class Adapter:
    dist = "dishka"

    def transient_graph(self):
        provider = Provider()
        for cls in g.TRANSIENT_CLASSES:
            provider.provide(cls, scope=Scope.APP, cache=False)
        get = make_container(provider).get
        root = g.Root
        return lambda: get(root)

    def singleton(self):
        get = make_container(_scoped_provider()).get
        settings = g.Settings
        return lambda: get(settings)

    def scoped(self):
        container = make_container(_scoped_provider())
        service = g.RequestService

        def op():
            with container() as request:
                return request.get(service)

        return op

    def scoped_pair(self):
        container = make_container(_scoped_provider())

        def op():
            with container() as request:
                return request.get(g.RequestService), request.get(g.RequestService)

        return op

    def scoped_async(self):
        container = make_async_container(_scoped_provider())
        service = g.RequestService

        async def op():
            async with container() as request:
                return await request.get(service)

        return op

    def scoped_async_pair(self):
        container = make_async_container(_scoped_provider())

        async def op():
            async with container() as request:
                return await request.get(g.RequestService), await request.get(
                    g.RequestService
                )

        return op

    def build(self):
        return lambda: make_container(_big_provider())

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            get = make_container(_big_provider()).get
            return [get(cls) for cls in classes]

        return op
