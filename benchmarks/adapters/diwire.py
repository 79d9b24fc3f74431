"""diwire in its documented fast configuration: strict mode, no resolver
context, compile() after registration (the "tuned" setup of issue 9), with its
default, thread-safe ``lock_mode="auto"``. ``diwire_nolock.py`` is the same
with ``lock_mode=LockMode.NONE``."""

from __future__ import annotations

from typing import Any

import _graphs as g
from diwire import (
    Container,
    DependencyRegistrationPolicy,
    Lifetime,
    MissingPolicy,
    Scope,
)


def _container(lock_mode: Any = "auto") -> Container:
    return Container(
        lock_mode=lock_mode,
        missing_policy=MissingPolicy.ERROR,
        dependency_registration_policy=DependencyRegistrationPolicy.IGNORE,
        use_resolver_context=False,
    )


def _scoped_container(lock_mode: Any = "auto") -> Container:
    container = _container(lock_mode)
    container.add(g.Settings, lifetime=Lifetime.SCOPED)  # root scope: one per container
    container.add(g.Repo, lifetime=Lifetime.TRANSIENT)
    container.add(g.Clock, lifetime=Lifetime.TRANSIENT)
    container.add(g.RequestService, scope=Scope.REQUEST, lifetime=Lifetime.SCOPED)
    container.compile()
    return container


def _big_container(lock_mode: Any = "auto") -> Container:
    container = _container(lock_mode)
    for cls in g.BIG_CLASSES:
        container.add(cls, lifetime=Lifetime.SCOPED)
    container.compile()
    return container


class Adapter:
    dist = "diwire"
    mode = "strict mode, use_resolver_context=False, compile()"
    lock_mode: Any = "auto"

    def transient_graph(self):
        container = _container(self.lock_mode)
        for cls in g.TRANSIENT_CLASSES:
            container.add(cls, lifetime=Lifetime.TRANSIENT)
        container.compile()
        resolve = container.resolve
        root = g.Root
        return lambda: resolve(root)

    def singleton(self):
        resolve = _scoped_container(self.lock_mode).resolve
        settings = g.Settings
        return lambda: resolve(settings)

    def scoped(self):
        enter_scope = _scoped_container(self.lock_mode).enter_scope
        service = g.RequestService

        def op():
            with enter_scope() as scope:
                return scope.resolve(service)

        return op

    def scoped_pair(self):
        container = _scoped_container(self.lock_mode)

        def op():
            with container.enter_scope() as scope:
                return scope.resolve(g.RequestService), scope.resolve(g.RequestService)

        return op

    def scoped_async(self):
        enter_scope = _scoped_container(self.lock_mode).enter_scope
        service = g.RequestService

        async def op():
            async with enter_scope() as scope:
                return await scope.aresolve(service)

        return op

    def scoped_async_pair(self):
        container = _scoped_container(self.lock_mode)

        async def op():
            async with container.enter_scope() as scope:
                return await scope.aresolve(g.RequestService), await scope.aresolve(
                    g.RequestService
                )

        return op

    def build(self):
        lock_mode = self.lock_mode
        return lambda: _big_container(lock_mode)

    def build_resolve(self):
        classes = g.BIG_CLASSES
        lock_mode = self.lock_mode

        def op():
            resolve = _big_container(lock_mode).resolve
            return [resolve(cls) for cls in classes]

        return op
