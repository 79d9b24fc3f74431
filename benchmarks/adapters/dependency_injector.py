"""dependency-injector: declarative containers of Factory/Singleton providers,
wired explicitly (it does not read type hints). No request scope."""

from __future__ import annotations

from typing import ClassVar

import _graphs as g
from dependency_injector import containers, providers


class TransientGraph(containers.DeclarativeContainer):
    x = providers.Factory(g.X)
    y = providers.Factory(g.Y)
    u = providers.Factory(g.U)
    v = providers.Factory(g.V)
    w = providers.Factory(g.W)
    z = providers.Factory(g.Z, u=u)
    a = providers.Factory(g.A, x=x, y=y)
    b = providers.Factory(g.B, z=z)
    c = providers.Factory(g.C, v=v, w=w)
    root = providers.Factory(g.Root, a=a, b=b, c=c)


class Singletons(containers.DeclarativeContainer):
    settings = providers.Singleton(g.Settings)


def _big_container() -> containers.DynamicContainer:
    container = containers.DynamicContainer()
    made: dict[type, providers.Provider] = {}
    for cls, deps in g.BIG_GRAPH:
        made[cls] = providers.Singleton(cls, *[made[dep] for dep in deps])
        setattr(container, cls.__name__, made[cls])
    return container


class Adapter:
    dist = "dependency-injector"
    notes: ClassVar[dict[str, str]] = {
        "c": "no request-scope lifetime",
        "d": "no request-scope lifetime",
    }

    def transient_graph(self):
        return TransientGraph().root

    def singleton(self):
        return Singletons().settings

    def build(self):
        return _big_container

    def build_resolve(self):
        names = [cls.__name__ for cls in g.BIG_CLASSES]

        def op():
            container = _big_container()
            return [getattr(container, name)() for name in names]

        return op
