"""punq: Container.register; transient by default. No request scope."""

from __future__ import annotations

from typing import ClassVar

import _graphs as g
import punq


def _big_container() -> punq.Container:
    container = punq.Container()
    for cls in g.BIG_CLASSES:
        container.register(cls, scope=punq.Scope.singleton)
    return container


class Adapter:
    dist = "punq"
    notes: ClassVar[dict[str, str]] = {
        "c": "no request-scope lifetime",
        "d": "no request-scope lifetime",
    }

    def transient_graph(self):
        container = punq.Container()
        for cls in g.TRANSIENT_CLASSES:
            container.register(cls)
        resolve = container.resolve
        root = g.Root
        return lambda: resolve(root)

    def singleton(self):
        container = punq.Container()
        container.register(g.Settings, scope=punq.Scope.singleton)
        resolve = container.resolve
        settings = g.Settings
        return lambda: resolve(settings)

    def build(self):
        return _big_container

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            resolve = _big_container().resolve
            return [resolve(cls) for cls in classes]

        return op
