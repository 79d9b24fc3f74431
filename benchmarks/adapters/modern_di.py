"""modern-di: providers.Factory in a Group; cache=True for singletons and scoped."""

from __future__ import annotations

from typing import ClassVar

import _graphs as g
from modern_di import Container, Group, Scope, providers


def _scoped_group() -> type[Group]:
    attrs = {
        "settings": providers.Factory(g.Settings, scope=Scope.APP, cache=True),
        "repo": providers.Factory(g.Repo, scope=Scope.APP),
        "clock": providers.Factory(g.Clock, scope=Scope.APP),
        "service": providers.Factory(g.RequestService, scope=Scope.REQUEST, cache=True),
    }
    return type("ScopedDeps", (Group,), attrs)


def _big_container() -> Container:
    attrs = {
        cls.__name__: providers.Factory(cls, scope=Scope.APP, cache=True)
        for cls in g.BIG_CLASSES
    }
    return Container(groups=[type("BigDeps", (Group,), attrs)])


class Adapter:
    dist = "modern-di"
    notes: ClassVar[dict[str, str]] = {}

    def transient_graph(self):
        attrs = {
            cls.__name__: providers.Factory(cls, scope=Scope.APP)
            for cls in g.TRANSIENT_CLASSES
        }
        resolve = Container(groups=[type("Deps", (Group,), attrs)]).resolve
        root = g.Root
        return lambda: resolve(root)

    def singleton(self):
        resolve = Container(groups=[_scoped_group()]).resolve
        settings = g.Settings
        return lambda: resolve(settings)

    def scoped(self):
        build_child = Container(groups=[_scoped_group()]).build_child_container
        service, request = g.RequestService, Scope.REQUEST

        def op():
            with build_child(scope=request) as child:
                return child.resolve(service)

        return op

    def scoped_pair(self):
        container = Container(groups=[_scoped_group()])

        def op():
            with container.build_child_container(scope=Scope.REQUEST) as child:
                return child.resolve(g.RequestService), child.resolve(g.RequestService)

        return op

    def scoped_async(self):
        # modern-di's async form: `async with` the child container, sync resolve().
        build_child = Container(groups=[_scoped_group()]).build_child_container
        service, request = g.RequestService, Scope.REQUEST

        async def op():
            async with build_child(scope=request) as child:
                return child.resolve(service)

        return op

    def scoped_async_pair(self):
        container = Container(groups=[_scoped_group()])

        async def op():
            async with container.build_child_container(scope=Scope.REQUEST) as child:
                return child.resolve(g.RequestService), child.resolve(g.RequestService)

        return op

    def build(self):
        return _big_container

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            resolve = _big_container().resolve
            return [resolve(cls) for cls in classes]

        return op
