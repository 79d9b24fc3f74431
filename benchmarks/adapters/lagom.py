"""lagom: auto-wiring Container; container[T] = Singleton(T). No request scope."""

from __future__ import annotations

from typing import ClassVar

import _graphs as g
from lagom import Container, Singleton


def _big_container() -> Container:
    container = Container()
    for cls in g.BIG_CLASSES:
        container[cls] = Singleton(cls)
    return container


class Adapter:
    dist = "lagom"
    notes: ClassVar[dict[str, str]] = {
        "c": "no request-scope lifetime",
        "d": "no request-scope lifetime",
    }

    def transient_graph(self):
        container = Container()  # unregistered classes are built fresh each time
        resolve = container.resolve
        root = g.Root
        return lambda: resolve(root)

    def singleton(self):
        container = Container()
        container[g.Settings] = Singleton(g.Settings)
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
