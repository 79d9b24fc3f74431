"""``ServiceProvider`` (the root) and ``Scope`` (a request scope)."""

from __future__ import annotations

import contextlib
import inspect
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from typing_extensions import TypeForm

from wiredi._compiler.compiler import SCOPE_LOCK_KEY, Compiler
from wiredi._compiler.failure_notes import finish_error
from wiredi._compiler.finalizers import is_disposable
from wiredi._graph.describe import describe as describe_tree
from wiredi._graph.registry import Registry
from wiredi._graph.validation import validate_graph
from wiredi._registration.declarations import Decoration, OptionsBinding
from wiredi._registration.hints import DepKind
from wiredi._registration.options import options_registrations, override_registration
from wiredi._registration.registration import Registration
from wiredi._registration.scope_manager import ScopeManager
from wiredi._runtime.disposal import (
    CLOSED_PROVIDER,
    CLOSED_SCOPE,
    dispose_all,
    dispose_all_async,
)
from wiredi._runtime.invoke import invoke_arguments
from wiredi._runtime.overrides import OverrideStack
from wiredi._runtime.provider_core import ClosedTable, Core
from wiredi.errors import (
    GraphValidationError,
    RegistrationError,
    ScopeError,
)

__all__ = ["Scope", "ServiceProvider"]

T = TypeVar("T")
_log = logging.getLogger("wiredi")


class ServiceProvider:
    """The built container: resolves services and owns the singletons.

    Create it with ``ServiceCollection.build_service_provider()``. Use it as
    a context manager (``with`` or ``async with``) so that singletons are
    disposed when it closes; open a ``Scope`` per request with
    ``create_scope()``.

    Example:
        ```python
        from wiredi import ServiceCollection

        class Clock: ...

        class Handler:
            def __init__(self, clock: Clock) -> None:
                self.clock = clock

        services = ServiceCollection().add_singleton(Clock).add_scoped(Handler)
        with services.build_service_provider() as provider:
            with provider.create_scope() as scope:
                handler = scope.get_service(Handler)
                assert handler.clock is provider.get_service(Clock)
        ```
    """

    __slots__ = (
        "__weakref__",
        "_cache",
        "_closed",
        "_core",
        "_disposables",
        "_exit_custom",
        "_lock",
        "_overrides",
        "_pending",
        "_root",
    )
    __wiredi_dependency_kind__ = DepKind.RESOLVER  # see hints.SPECIAL_KIND

    _core: Core
    _root: ServiceProvider
    _cache: dict[Any, Any] | None
    _disposables: list[Any]
    _lock: threading.RLock | None
    _closed: bool
    _pending: dict[Any, Any] | None
    _exit_custom: ScopeManager | None
    _overrides: OverrideStack | None

    def __init__(self) -> None:
        raise RegistrationError(
            "ServiceProvider cannot be created directly",
            hint="fill a ServiceCollection and call build_service_provider()",
        )

    @classmethod
    def _build(
        cls,
        registrations: Sequence[Registration],
        decorations: Sequence[Decoration],
        scope_managers: dict[str, ScopeManager],
        options: Sequence[OptionsBinding],
        *,
        validate: bool,
    ) -> ServiceProvider:
        all_registrations = [*registrations, *options_registrations(options)]
        registry = Registry(all_registrations, decorations, scope_managers, options)
        provider = object.__new__(cls)
        provider._init_state(None, provider)
        compiler = Compiler(registry, provider)
        provider._core = Core(registry, compiler)
        if validate:
            started = time.perf_counter()
            errors = validate_graph(registry)
            _log.debug(
                "validated %d registrations in %.1f ms: %d problem(s)",
                len(all_registrations),
                (time.perf_counter() - started) * 1000,
                len(errors),
                extra={"wiredi_services": len(all_registrations)},
            )
            if errors:
                raise GraphValidationError.of(errors)
        return provider

    def _init_state(self, cache: dict[Any, Any] | None, root: ServiceProvider) -> None:
        self._root = root
        self._cache = cache
        self._disposables = []
        self._lock = threading.RLock()
        self._closed = False
        self._pending = None
        self._exit_custom = None
        self._overrides = None

    def _new_lock(self) -> threading.RLock:
        """This scope's creation lock, made on first need (as generated code does).

        Two threads may get here at once: ``dict.setdefault`` is atomic, so
        both end up with the same lock (kept in the scope's cache under a
        private key). No lock is shared with another scope.
        """
        cache = self._cache
        assert cache is not None  # only scopes create without a lock
        lock: threading.RLock = cache.setdefault(SCOPE_LOCK_KEY, threading.RLock())
        self._lock = lock
        return lock

    # ---------------------------------------------------------- resolution

    def _check_open(self) -> None:
        if self._closed or self._root._closed:
            what = "scope" if self._cache is not None else "provider"
            raise ScopeError(
                f"this {what} is closed",
                hint="resolve from an open scope; a closed scope or provider "
                "has disposed what it created",
            )

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
        except KeyError:
            fn = self._core.roots.sync_fn(service_type, "")
        try:
            return fn(self)  # type: ignore[no-any-return]
        except BaseException as exc:
            finish_error(exc)
            raise

    def _get_service_slow(self, service_type: Any, component: str) -> Any:
        self._check_open()
        roots = self._core.roots
        fn = roots.sync.get(component, {}).get(service_type)
        if fn is None:
            fn = roots.sync_fn(service_type, component)
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
        roots = self._core.roots
        fn = roots.all_sync.get(component, {}).get(service_type)
        if fn is None:
            fn = roots.all_sync_fn(service_type, component)
        try:
            return fn(self)  # type: ignore[no-any-return]
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
        if component:
            entry = core.roots.async_.get(component, {}).get(service_type)
        else:
            entry = core.async_table.get(service_type)
        if entry is None:
            entry = core.roots.async_entry(service_type, component)
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
        roots = self._core.roots
        entry = roots.all_async.get(component, {}).get(service_type)
        if entry is None:
            entry = roots.all_async_entry(service_type, component)
        fn, awaits = entry
        try:
            if awaits:
                return await fn(self)  # type: ignore[no-any-return]
            return fn(self)  # type: ignore[no-any-return]
        except BaseException as exc:
            finish_error(exc)
            raise

    # -------------------------------------------------------------- invoke

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

    # --------------------------------------------------------- diagnostics

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

    # ------------------------------------------------------------ override

    @contextlib.contextmanager
    def override(
        self,
        service_type: TypeForm[T],
        /,
        instance_or_factory: T | Callable[..., T],
        component: str = "",
    ) -> Iterator[None]:
        """Make every resolution of ``service_type`` give the override in the block.

        ``instance_or_factory`` is an instance (returned as is, never
        disposed) or, when it is callable and not an instance of
        ``service_type``, a factory called on every resolution (its
        parameters resolved like a factory's). For a ``Protocol``, which
        ``isinstance`` cannot check, functions, methods, classes and
        ``functools.partial`` objects are factories and any other object (a
        ``unittest.mock.Mock``, say) is the instance. Direct
        resolutions, dependencies, already-compiled paths and already-open
        scopes all see it; on exit the original comes back. On a provider the
        override is seen by every scope; on a scope, only by that scope.
        Services that depend on the overridden one are rebuilt for the
        override (also singletons and scoped ones) and dropped afterwards.
        Overrides nest; nothing has to be rebuilt.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Clock:
                def now(self) -> float:
                    return 1.0

            class FrozenClock(Clock):
                def now(self) -> float:
                    return 0.0

            class Report:
                def __init__(self, clock: Clock) -> None:
                    self.time = clock.now()

            services = ServiceCollection().add_singleton(Clock).add_transient(Report)
            provider = services.build_service_provider()
            with provider.override(Clock, FrozenClock()):
                assert provider.get_service(Report).time == 0.0
            assert provider.get_service(Report).time == 1.0
            ```
        """
        registration = override_registration(
            service_type, instance_or_factory, component
        )
        stack = self._override_stack()
        token = stack.enter(registration)
        try:
            yield
        finally:
            stack.leave(token)

    def _override_stack(self) -> OverrideStack:
        stack = self._overrides
        if stack is None:
            lock = self._lock or self._new_lock()
            lock.acquire()
            try:
                stack = self._overrides
                if stack is None:
                    stack = self._overrides = self._new_override_stack()
            finally:
                lock.release()
        return stack

    def _new_override_stack(self) -> OverrideStack:
        if isinstance(self, Scope):  # only this scope resolves with the layer

            def show(layer: Core) -> None:
                self._core = layer

            return OverrideStack(self._root, lambda: self._core, show)
        core = self._core  # shared by every scope: changed in place
        return OverrideStack(self, core.snapshot, core.show)

    # -------------------------------------------------------------- scopes

    def create_scope(
        self, name: str | None = None, scope_id: str | None = None
    ) -> Scope:
        """Open a request scope; with ``name`` and ``scope_id``, enter a custom scope.

        The custom scope is entered now and left when the scope closes. Use
        the scope as a context manager (``with`` or ``async with``).

        Example:
            ```python
            from wiredi import ServiceCollection

            class UnitOfWork: ...

            services = ServiceCollection().add_scoped(UnitOfWork)
            provider = services.build_service_provider()
            with provider.create_scope() as one, provider.create_scope() as two:
                assert one.get_service(UnitOfWork) is not two.get_service(UnitOfWork)
            ```
        """
        root = self._root
        if self._closed or root._closed:
            self._check_open()
        scope = _new_scope(Scope)
        scope._core = self._core
        scope._root = root
        scope._cache = {}
        scope._disposables = []
        # Scoped creation is serialised per scope, with a lock made on the
        # first creation (_new_lock): most scopes never need one.
        scope._lock = None
        scope._closed = False
        scope._pending = None
        scope._exit_custom = None
        scope._overrides = None
        if name is not None:
            manager = self._core.registry.scope_managers.get(name)
            if manager is None:
                known = ", ".join(sorted(self._core.registry.scope_managers)) or "none"
                raise ScopeError(
                    f"create_scope({name!r}, ...): no scope manager is registered "
                    f"as {name!r} (registered: {known})",
                    hint=f"add services.add_scope_manager({name!r}, "
                    "ContextScopeManager()) before building",
                )
            if scope_id is None:
                raise ScopeError(
                    f"create_scope({name!r}): a custom scope needs a scope_id",
                    hint=f"call create_scope({name!r}, scope_id)",
                )
            manager.enter_scope(scope_id)
            scope._exit_custom = manager
        return scope

    # ------------------------------------------------------------- closing

    def _what(self) -> str:
        return "the provider" if self._cache is None else "the scope"

    def close(self) -> None:
        """Dispose what this provider (or scope) created, in reverse order.

        Every disposer runs; one error is raised as it is, several as a
        ``DisposalError`` (an ``ExceptionGroup``). Closing twice does nothing.
        Closing the root provider first closes the registered scope managers
        that have ``close()`` (their instances may use singletons), then the
        singletons.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Pool:
                closed = False

                def close(self) -> None:
                    self.closed = True

            provider = ServiceCollection().add_singleton(Pool).build_service_provider()
            pool = provider.get_service(Pool)
            provider.close()
            assert pool.closed
            ```
        """
        if self._closed:
            return
        self._closed = True
        if self._root is self:
            self._close_root()
            return
        items, self._disposables = self._disposables, CLOSED_SCOPE
        if self._exit_custom is None:
            if items:
                dispose_all(items, self._what())
            return
        try:
            dispose_all(items, self._what())
        finally:
            self._leave_custom()

    def _managers(self) -> list[ScopeManager]:
        return list(self._core.registry.scope_managers.values())

    def _refuse_resolution(self) -> None:
        """Make every scope of this closed provider refuse to resolve.

        Open scopes share the entry table; swapping in one that raises costs
        the hot path nothing.
        """
        self._core.table = ClosedTable()

    def _root_disposables(self) -> list[Any]:
        """The singletons and root transients, then the scope managers to close.

        Disposal runs from the end, so the managers close first: their
        instances may use singletons.
        """
        self._refuse_resolution()
        items, self._disposables = self._disposables, CLOSED_PROVIDER
        items.extend(m for m in self._managers() if is_disposable(m))
        return items

    def _close_root(self) -> None:
        dispose_all(self._root_disposables(), "the provider")

    async def _aclose_root(self) -> None:
        await dispose_all_async(self._root_disposables(), "the provider")

    async def aclose(self) -> None:
        """Dispose asynchronously: ``aclose()`` first, then ``close()``/``dispose()``.

        Example:
            ```python
            import asyncio
            from wiredi import ServiceCollection

            class Client:
                closed = False

                async def aclose(self) -> None:
                    self.closed = True

            services = ServiceCollection().add_singleton(Client)
            provider = services.build_service_provider()
            client = provider.get_service(Client)
            asyncio.run(provider.aclose())
            assert client.closed
            ```
        """
        if self._closed:
            return
        self._closed = True
        if self._root is self:
            await self._aclose_root()
            return
        items, self._disposables = self._disposables, CLOSED_SCOPE
        try:
            await dispose_all_async(items, self._what())
        finally:
            manager, self._exit_custom = self._exit_custom, None
            if manager is not None:
                aexit = getattr(manager, "aexit_scope", None)
                if aexit is not None:
                    await aexit()
                else:
                    manager.exit_scope()

    def _leave_custom(self) -> None:
        manager, self._exit_custom = self._exit_custom, None
        if manager is not None:
            manager.exit_scope()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._disposables and self._exit_custom is None:
            self._closed = True  # nothing to dispose: the common request scope
            self._disposables = CLOSED_SCOPE
        else:
            self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        count = len(self._core.registry.registrations)
        state = ", closed" if self._closed else ""
        return f"<wiredi.ServiceProvider(services={count}{state})>"


class Scope(ServiceProvider):
    """A request scope: caches scoped services and disposes what it created.

    Get one from ``provider.create_scope()``; it resolves like the provider.
    Singletons still come from the root provider.

    Example:
        ```python
        from wiredi import Scope, ServiceCollection

        class Session:
            def __init__(self) -> None:
                self.closed = False

            def close(self) -> None:
                self.closed = True

        provider = ServiceCollection().add_scoped(Session).build_service_provider()
        with provider.create_scope() as scope:
            assert isinstance(scope, Scope)
            session = scope.get_service(Session)
        assert session.closed
        ```
    """

    __slots__ = ()
    __wiredi_dependency_kind__ = DepKind.RESOLVER  # see hints.SPECIAL_KIND

    def __del__(self) -> None:
        # A scope dropped while it still owns objects to dispose is a leak:
        # say so, as open files do, instead of closing it from the collector.
        if not self._closed and self._disposables:
            warnings.warn(
                f"{self!r} was garbage-collected without being closed; "
                f"{len(self._disposables)} object(s) were never disposed. Use "
                "`with provider.create_scope() as scope:` or call close()",
                ResourceWarning,
                stacklevel=1,
            )

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        cache = self._cache or {}
        created = len(cache) - (SCOPE_LOCK_KEY in cache)
        return f"<wiredi.Scope({state}, created={created})>"


_new_scope = object.__new__
