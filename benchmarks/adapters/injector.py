"""injector: constructors marked with @inject, bindings in a module function.
No request scope."""

from __future__ import annotations

from typing import ClassVar

import _graphs as g
import injector

for _cls in (*g.TRANSIENT_CLASSES, *g.BIG_CLASSES):
    if "__init__" in vars(_cls):
        _cls.__init__ = injector.inject(_cls.__init__)


def _configure_big(binder: injector.Binder) -> None:
    for cls in g.BIG_CLASSES:
        binder.bind(cls, scope=injector.singleton)


class Adapter:
    dist = "injector"
    notes: ClassVar[dict[str, str]] = {
        "c": "no request-scope lifetime",
        "d": "no request-scope lifetime",
    }

    def transient_graph(self):
        def configure(binder: injector.Binder) -> None:
            for cls in g.TRANSIENT_CLASSES:
                binder.bind(cls)

        get = injector.Injector([configure]).get
        root = g.Root
        return lambda: get(root)

    def singleton(self):
        def configure(binder: injector.Binder) -> None:
            binder.bind(g.Settings, scope=injector.singleton)

        get = injector.Injector([configure]).get
        settings = g.Settings
        return lambda: get(settings)

    def build(self):
        return lambda: injector.Injector([_configure_big])

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            get = injector.Injector([_configure_big]).get
            return [get(cls) for cls in classes]

        return op
