"""The resolution API of a provider or scope: `get_service` and friends, `invoke`."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from typing_extensions import TypeForm

from wiredi._compiler.failure_notes import finish_error
from wiredi._graph.describe import describe as describe_tree
from wiredi._runtime.invoke import invoke_arguments, refuse_async_function
from wiredi._runtime.provider_state import ProviderState

__all__ = ["ResolutionMethods"]

T = TypeVar("T")
_log = logging.getLogger("wiredi")


class ResolutionMethods(ProviderState):
    """`get_service`, `get_services`, their async forms, `invoke` and `describe`."""

    __slots__ = ()

    def get_service(self, service_type: TypeForm[T], /, component: str = "") -> T:
        """Resolve ``service_type`` (the last registration of it).

        Raises:
            ServiceNotFoundError: nothing is registered for ``service_type``.
            ScopeError: a scoped service asked for outside a scope.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...

            provider = ServiceCollection().add_singleton(Clock).build_service_provider()
            assert isinstance(provider.get_service(Clock), Clock)
            ```
        """
        if component or self._closed:
            return self._get_service_slow(service_type, component)  # type: ignore[no-any-return]
        try:
            fn = self._core.table[service_type]
        except (KeyError, TypeError):  # TypeError: unhashable, see sync_fn
            fn = self._core.entries.sync_fn(service_type, "")
        try:
            return fn(self)  # type: ignore[no-any-return]
        except BaseException as exc:
            finish_error(exc)
            raise

    def _get_service_slow(self, service_type: Any, component: str) -> Any:
        self._check_open()
        entries = self._core.entries
        try:
            fn = entries.sync.get(component, {}).get(service_type)
        except TypeError:  # unhashable: sync_fn reads the form or says why
            fn = None
        if fn is None:
            fn = entries.sync_fn(service_type, component)
        try:
            return fn(self)
        except BaseException as exc:
            finish_error(exc)
            raise

    def get_required_service(
        self, service_type: TypeForm[T], /, component: str = ""
    ) -> T:
        """Resolve ``service_type``; the .NET name of :meth:`get_service`.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...

            provider = ServiceCollection().add_singleton(Clock).build_service_provider()
            assert provider.get_required_service(Clock) is provider.get_service(Clock)
            ```
        """
        return self.get_service(service_type, component=component)

    def get_services(
        self, service_type: TypeForm[T], /, component: str = ""
    ) -> list[T]:
        """Resolve every registration of ``service_type``, in registration order.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Plugin: ...
            class A(Plugin): ...
            class B(Plugin): ...

            services = ServiceCollection()
            services.add_singleton(Plugin, A).add_singleton(Plugin, B)
            plugins = services.build_service_provider().get_services(Plugin)
            assert [type(p) for p in plugins] == [A, B]
            ```
        """
        self._check_open()
        entries = self._core.entries
        try:
            fn = entries.all_sync.get(component, {}).get(service_type)
        except TypeError:  # unhashable: all_sync_fn reads the form or says why
            fn = None
        if fn is None:
            fn = entries.all_sync_fn(service_type, component)
        try:
            return fn(self)  # type: ignore[no-any-return]
        except BaseException as exc:
            finish_error(exc)
            raise

    async def _get_service_offloaded(
        self,
        service_type: Any,
        component: str,
        offload: Callable[..., Awaitable[Any]],
    ) -> Any:
        """``get_service_async``, each sync call awaited through ``offload``.

        For web integrations (SPEC 13.8): sync code asks for a service whose
        graph awaits an async factory; the async factories run on the event
        loop, every sync constructor, factory and sync sub-graph through
        ``offload`` (the framework's thread pool). See
        ``Compiler.offloading``. Anything else (a top-level form, a graph
        that awaits nothing or takes ``CurrentGraph``) is plain
        ``get_service_async``.
        """
        if self._closed or self._root._closed:
            self._check_open()
        core = self._core
        try:
            reg = core.registry.resolve_one(service_type, component)
        except TypeError:  # unhashable: get_service_async says why
            reg = None
        flags = core.compiler.flags
        if reg is None or not flags.is_async(reg) or flags.needs_graph(reg):
            return await self.get_service_async(service_type, component=component)
        fn = core.compiler.offloading(offload).fn(reg, is_async=True, ctx=False)
        try:
            return await fn(self)
        except BaseException as exc:
            finish_error(exc)
            raise

    async def get_service_async(
        self, service_type: TypeForm[T], /, component: str = ""
    ) -> T:
        """Resolve ``service_type``, awaiting any async factory in its graph.

        Example:
            ```python
            import asyncio
            from wiredi import ServiceCollection

            class Client: ...

            async def make_client() -> Client:
                return Client()

            services = ServiceCollection().add_singleton_factory(Client, make_client)
            provider = services.build_service_provider()
            assert isinstance(asyncio.run(provider.get_service_async(Client)), Client)
            ```
        """
        if self._closed or self._root._closed:
            self._check_open()
        core = self._core
        try:
            if component:
                entry = core.entries.async_.get(component, {}).get(service_type)
            else:
                entry = core.async_table.get(service_type)
        except TypeError:  # unhashable: async_entry reads the form or says why
            entry = None
        if entry is None:
            entry = core.entries.async_entry(service_type, component)
        fn, awaits = entry
        try:
            if awaits:
                return await fn(self)  # type: ignore[no-any-return]
            return fn(self)  # type: ignore[no-any-return]
        except BaseException as exc:
            finish_error(exc)
            raise

    async def get_services_async(
        self, service_type: TypeForm[T], /, component: str = ""
    ) -> list[T]:
        """Resolve every registration of ``service_type``, awaiting async factories.

        Example:
            ```python
            import asyncio
            from wiredi import ServiceCollection

            class Plugin: ...

            services = ServiceCollection().add_singleton(Plugin)
            provider = services.build_service_provider()
            assert len(asyncio.run(provider.get_services_async(Plugin))) == 1
            ```
        """
        self._check_open()
        entries = self._core.entries
        try:
            entry = entries.all_async.get(component, {}).get(service_type)
        except TypeError:  # unhashable: all_async_entry reads the form or says why
            entry = None
        if entry is None:
            entry = entries.all_async_entry(service_type, component)
        fn, awaits = entry
        try:
            if awaits:
                return await fn(self)  # type: ignore[no-any-return]
            return fn(self)  # type: ignore[no-any-return]
        except BaseException as exc:
            finish_error(exc)
            raise

    def invoke(self, function: Callable[..., T], /, **given: Any) -> T:
        """Call ``function``, passing ``given`` and resolving every other parameter.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Greeter:
                def greet(self, name: str) -> str:
                    return f"hello {name}"

            def main(greeter: Greeter, name: str) -> str:
                return greeter.greet(name)

            services = ServiceCollection().add_singleton(Greeter)
            provider = services.build_service_provider()
            assert provider.invoke(main, name="ada") == "hello ada"
            ```
        """
        self._check_open()
        try:
            refuse_async_function(function)
            args, kwargs, _ = invoke_arguments(self, function, given, is_async=False)
        except BaseException as exc:
            finish_error(exc)
            raise
        return function(*args, **kwargs)

    async def invoke_async(self, function: Callable[..., Any], /, **given: Any) -> Any:
        """Call ``function`` (awaiting it if it is async), resolving its parameters.

        Example:
            ```python
            import asyncio
            from wiredi import ServiceCollection

            class Greeter: ...

            async def main(greeter: Greeter) -> bool:
                return isinstance(greeter, Greeter)

            services = ServiceCollection().add_singleton(Greeter)
            provider = services.build_service_provider()
            assert asyncio.run(provider.invoke_async(main))
            ```
        """
        self._check_open()
        try:
            args, kwargs, awaiting = invoke_arguments(
                self, function, given, is_async=True
            )
            for where, fn in awaiting:
                value = await fn(self)
                if isinstance(where, int):
                    args[where] = value
                else:
                    kwargs[where] = value
        except BaseException as exc:
            finish_error(exc)
            raise
        result = function(*args, **kwargs)
        if inspect.isawaitable(result):
            return await result
        return result

    def describe(self, service_type: TypeForm[Any], /, *, component: str = "") -> str:
        """The dependency tree ``service_type`` resolves to, with lifetimes, as text.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock: ...

            class Report:
                def __init__(self, clock: Clock) -> None:
                    self.clock = clock

            services = ServiceCollection().add_singleton(Clock).add_transient(Report)
            tree = services.build_service_provider().describe(Report)
            assert tree.splitlines() == [
                "Report (transient)",
                "└── clock: Clock (singleton)",
            ]
            ```
        """
        return describe_tree(self._core.registry, service_type, component)
