"""that-depends: providers on a BaseContainer, wired explicitly; the request
scope is a ContextResource entered with container_context(scope=REQUEST)."""

from __future__ import annotations

from collections.abc import Iterator

import _graphs as g
from that_depends import BaseContainer, ContextScopes, container_context, providers


class TransientGraph(BaseContainer):
    x = providers.Factory(g.X)
    y = providers.Factory(g.Y)
    u = providers.Factory(g.U)
    v = providers.Factory(g.V)
    w = providers.Factory(g.W)
    z = providers.Factory(g.Z, u=u.cast)
    a = providers.Factory(g.A, x=x.cast, y=y.cast)
    b = providers.Factory(g.B, z=z.cast)
    c = providers.Factory(g.C, v=v.cast, w=w.cast)
    root = providers.Factory(g.Root, a=a.cast, b=b.cast, c=c.cast)


def _request_service(
    settings: g.Settings, repo: g.Repo, clock: g.Clock
) -> Iterator[g.RequestService]:
    yield g.RequestService(settings, repo, clock)


class Scoped(BaseContainer):
    settings = providers.Singleton(g.Settings)
    repo = providers.Factory(g.Repo)
    clock = providers.Factory(g.Clock)
    service = providers.ContextResource(
        _request_service, settings.cast, repo.cast, clock.cast
    ).with_config(scope=ContextScopes.REQUEST)


def _big_container() -> type[BaseContainer]:
    made: dict[type, providers.Singleton] = {}
    for cls, deps in g.BIG_GRAPH:
        made[cls] = providers.Singleton(cls, *[made[dep].cast for dep in deps])
    return type(
        "Big", (BaseContainer,), {cls.__name__: made[cls] for cls in g.BIG_CLASSES}
    )


class Adapter:
    dist = "that-depends"

    def transient_graph(self):
        return TransientGraph.root.resolve_sync

    def singleton(self):
        return Scoped.settings.resolve_sync

    def scoped(self):
        resolve, request = Scoped.service.resolve_sync, ContextScopes.REQUEST

        def op():
            with container_context(Scoped, scope=request):
                return resolve()

        return op

    def scoped_pair(self):
        def op():
            with container_context(Scoped, scope=ContextScopes.REQUEST):
                return Scoped.service.resolve_sync(), Scoped.service.resolve_sync()

        return op

    def scoped_async(self):
        resolve, request = Scoped.service.resolve, ContextScopes.REQUEST

        async def op():
            async with container_context(Scoped, scope=request):
                return await resolve()

        return op

    def scoped_async_pair(self):
        async def op():
            async with container_context(Scoped, scope=ContextScopes.REQUEST):
                return await Scoped.service.resolve(), await Scoped.service.resolve()

        return op

    def build(self):
        return _big_container

    def build_resolve(self):
        names = [cls.__name__ for cls in g.BIG_CLASSES]

        def op():
            container = _big_container()
            return [getattr(container, name).resolve_sync() for name in names]

        return op
