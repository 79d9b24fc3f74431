"""rodi: Container.add_* then build_provider(); scopes via create_scope()."""

from __future__ import annotations

from typing import ClassVar

import _graphs as g
from rodi import Container


def _scoped_provider():
    container = Container()
    container.add_singleton(g.Settings)
    container.add_transient(g.Repo)
    container.add_transient(g.Clock)
    container.add_scoped(g.RequestService)
    return container.build_provider()


def _big_provider():
    container = Container()
    for cls in g.BIG_CLASSES:
        container.add_singleton(cls)
    return container.build_provider()


class Adapter:
    dist = "rodi"
    notes: ClassVar[dict[str, str]] = {"d": "no async resolution API"}

    def transient_graph(self):
        container = Container()
        for cls in g.TRANSIENT_CLASSES:
            container.add_transient(cls)
        get = container.build_provider().get
        root = g.Root
        return lambda: get(root)

    def singleton(self):
        get = _scoped_provider().get
        settings = g.Settings
        return lambda: get(settings)

    def scoped(self):
        provider = _scoped_provider()
        create_scope, get, service = (
            provider.create_scope,
            provider.get,
            g.RequestService,
        )

        def op():
            with create_scope() as scope:
                return get(service, scope)

        return op

    def scoped_pair(self):
        provider = _scoped_provider()

        def op():
            with provider.create_scope() as scope:
                return provider.get(g.RequestService, scope), provider.get(
                    g.RequestService, scope
                )

        return op

    def build(self):
        return _big_provider

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            get = _big_provider().get
            return [get(cls) for cls in classes]

        return op
