"""wireup: classes marked with injectable(lifetime=...), create_*_container."""

from __future__ import annotations

import _graphs as g
import wireup

_SCOPED = (g.Settings, g.Repo, g.Clock, g.RequestService)


def _mark_scoped() -> list[type]:
    wireup.injectable(g.Settings, lifetime="singleton")
    wireup.injectable(g.Repo, lifetime="transient")
    wireup.injectable(g.Clock, lifetime="transient")
    wireup.injectable(g.RequestService, lifetime="scoped")
    return list(_SCOPED)


def _big_container():
    classes = [wireup.injectable(cls, lifetime="singleton") for cls in g.BIG_CLASSES]
    return wireup.create_sync_container(injectables=classes)


class Adapter:
    dist = "wireup"
    mode = "a: transients resolved from one open scope (wireup allows them only in a scope)"

    def transient_graph(self):
        classes = [
            wireup.injectable(cls, lifetime="transient") for cls in g.TRANSIENT_CLASSES
        ]
        container = wireup.create_sync_container(injectables=classes)
        self._scope = container.enter_scope()
        get = self._scope.__enter__().get  # stays open for the life of the process
        root = g.Root
        return lambda: get(root)

    def singleton(self):
        get = wireup.create_sync_container(injectables=_mark_scoped()).get
        settings = g.Settings
        return lambda: get(settings)

    def scoped(self):
        enter_scope = wireup.create_sync_container(
            injectables=_mark_scoped()
        ).enter_scope
        service = g.RequestService

        def op():
            with enter_scope() as scope:
                return scope.get(service)

        return op

    def scoped_pair(self):
        container = wireup.create_sync_container(injectables=_mark_scoped())

        def op():
            with container.enter_scope() as scope:
                return scope.get(g.RequestService), scope.get(g.RequestService)

        return op

    def scoped_async(self):
        enter_scope = wireup.create_async_container(
            injectables=_mark_scoped()
        ).enter_scope
        service = g.RequestService

        async def op():
            async with enter_scope() as scope:
                return await scope.get(service)

        return op

    def scoped_async_pair(self):
        container = wireup.create_async_container(injectables=_mark_scoped())

        async def op():
            async with container.enter_scope() as scope:
                return await scope.get(g.RequestService), await scope.get(
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
