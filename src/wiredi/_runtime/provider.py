"""``ServiceProvider`` (the root) and ``Scope`` (a request scope)."""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from typing_extensions import TypeForm

from wiredi._compiler.compiler import Compiler
from wiredi._compiler.compiler_state import SCOPE_LOCK_KEY
from wiredi._graph.registry import Registry
from wiredi._graph.validation import validate_graph
from wiredi._registration.declarations import (
    Declarations,
    Decoration,
    HealthCheckFn,
    OptionsBinding,
)
from wiredi._registration.hints import DepKind
from wiredi._registration.options import options_registrations, override_registration
from wiredi._registration.registration import Registration
from wiredi._registration.scope_manager import ScopeManager
from wiredi._runtime import fork
from wiredi._runtime.closing import ClosingMethods, ScopeClosingMethods
from wiredi._runtime.health import HealthReport, run_checks, run_checks_async
from wiredi._runtime.overrides import OverrideStack
from wiredi._runtime.provider_core import ProviderCore
from wiredi._runtime.resolution import ResolutionMethods
from wiredi._runtime.scope_context import seed_context
from wiredi.errors import (
    GraphValidationError,
    RegistrationError,
    ScopeError,
)

__all__ = ["Scope", "ServiceProvider"]

T = TypeVar("T")
_log = logging.getLogger("wiredi")


class ServiceProvider(ResolutionMethods, ClosingMethods):
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

    __slots__ = ()
    __wiredi_dependency_kind__ = DepKind.RESOLVER  # see hints.SPECIAL_KIND

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
        source: Declarations | None = None,
        health_checks: Mapping[Registration, HealthCheckFn] | None = None,
    ) -> ServiceProvider:
        all_registrations = [*registrations, *options_registrations(options)]
        registry = Registry(
            all_registrations,
            decorations,
            scope_managers,
            options,
            source,
            health_checks=health_checks,
        )
        provider = object.__new__(cls)
        provider._init_state(None, provider)
        compiler = Compiler(registry, provider)
        provider._core = ProviderCore(registry, compiler)
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
        fork.track(provider)  # renewed in any child forked while it lives
        return provider

    @contextlib.contextmanager
    def override(
        self,
        service_type: TypeForm[T],
        /,
        instance_or_factory: T | Callable[..., T],
        component: str = "",
    ) -> Iterator[None]:
        """Make every resolution of ``service_type`` give the override in the block.

        ``instance_or_factory`` is a factory only when it is a function, a
        method, a lambda, a class or a ``functools.partial``: it is called
        on every resolution (its parameters resolved like a factory's). Any
        other object, a ``unittest.mock.Mock`` included (callable or not),
        is the instance, returned as is and never disposed. (A function
        that is an instance of ``service_type``, for a ``Callable[...]``
        service, is the instance.) Direct
        resolutions, dependencies, already-compiled paths and already-open
        scopes all see it; on exit the original comes back. On a provider the
        override is seen by every scope; on a scope, only by that scope.
        Services that depend on the overridden one are rebuilt for the
        override (also singletons and scoped ones); the rebuilt singletons
        are closed when the block ends.
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
        stack = getattr(self, "_overrides", None)  # a scope's starts unset
        if stack is None:
            lock = self._lock or self._new_lock()
            lock.acquire()
            try:
                stack = getattr(self, "_overrides", None)
                if stack is None:
                    stack = self._overrides = self._new_override_stack()
            finally:
                lock.release()
        return stack

    def _new_override_stack(self) -> OverrideStack:
        if isinstance(self, Scope):  # only this scope resolves with the layer

            def show(layer: ProviderCore) -> None:
                self._core = layer

            # the provider's stack: its changes rebuild this scope's layers
            root = self._root
            assert isinstance(root, ServiceProvider)  # a scope's root: its provider
            leader = root._override_stack()
            return OverrideStack(root, lambda: self._core, show, leader)
        core = self._core  # shared by every scope: changed in place
        return OverrideStack(self, core.snapshot, core.show)

    def create_scope(
        self,
        name: str | None = None,
        scope_id: str | None = None,
        # not keyword-only: CPython 3.11 specialises calls of functions whose
        # defaults are all positional (keyword-only costs ~280 instructions)
        context: Mapping[Any, Any] | None = None,
    ) -> Scope:
        """Open a request scope; with ``name`` and ``scope_id``, enter a custom scope.

        The custom scope is entered now and left when the scope closes. Use
        the scope as a context manager (``with`` or ``async with``).
        ``context`` gives the values of types declared with ``add_context``
        (``{Request: request}``); they are checked here, and a value of an
        undeclared type or of the wrong type raises ``RegistrationError``.

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
        if self is not root:
            # a scope's scope is its sibling: without the scope's own overrides
            # (_overrides is unset until the scope's first override)
            stack = getattr(self, "_overrides", None)
            if stack is not None:
                scope._core = stack.below() or self._core
        scope._root = root
        scope._cache = {}
        scope._disposables = []
        # Scoped creation is serialised per scope, with a lock made on the
        # first creation (_new_lock): most scopes never need one.
        scope._lock = None
        scope._closed = False
        scope._pending = None
        scope._exit_custom = None
        # _overrides stays unset until an override on this scope (_override_stack)
        if context is not None:
            seed_context(self._core.registry, scope._cache, context)
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

    def check_health(self, *, timeout: float = 5.0) -> HealthReport:
        """Run every ``health_check=`` and report, each within ``timeout`` seconds.

        Each checked service is resolved in a fresh scope, closed afterwards
        (also when the check fails). The checks run at the same time, each on
        a thread of its own; one that raises, returns ``False``, cannot be
        resolved or is still running after ``timeout`` seconds is unhealthy.
        The report never waits longer: a hung check is left to finish on its
        thread, which closes its scope then. Error texts hide secrets.
        Services built by an async factory need :meth:`check_health_async`.

        Raises:
            ScopeError: the provider is closed.
            ValueError: ``timeout`` is not > 0.

        Example:
            ```python
            from wiredi import ServiceCollection

            class Database:
                def execute(self, sql: str) -> None:
                    raise ConnectionError("no route to db:5432 (password=hunter2)")

            services = ServiceCollection()
            services.add_singleton(
                Database, health_check=lambda db: db.execute("select 1")
            )
            report = services.build_service_provider().check_health(timeout=1.0)
            assert report.status == "unhealthy"
            assert report.checks[0].error == (
                "ConnectionError: no route to db:5432 (password=***)"
            )
            ```
        """
        return run_checks(self, timeout)

    async def check_health_async(
        self,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - SPEC: each check's own timeout
    ) -> HealthReport:
        """Run every ``health_check=`` concurrently, each under its own timeout.

        As :meth:`check_health`, on the running event loop: each check is a
        task under ``asyncio.timeout(timeout)``; async factories and async
        checks are awaited on the loop, while sync resolution and sync checks
        run on a thread, so a blocking check cannot stall the loop. A check
        may also return an awaitable (``lambda client: client.ping()``).

        Raises:
            ScopeError: the provider is closed.
            ValueError: ``timeout`` is not > 0.

        Example:
            ```python
            import asyncio

            from wiredi import ServiceCollection

            class Cache:
                async def ping(self) -> bool:
                    await asyncio.sleep(0.1)
                    return True

            services = ServiceCollection()
            services.add_singleton(Cache, health_check=lambda cache: cache.ping())
            services.add_singleton(
                Cache, component="sessions", health_check=lambda cache: cache.ping()
            )
            provider = services.build_service_provider()
            report = asyncio.run(provider.check_health_async(timeout=1.0))
            names = [check.name for check in report.checks]
            assert names == ["Cache", "Cache@sessions"]
            assert report.status == "healthy" and report.duration < 0.2
            ```
        """
        return await run_checks_async(self, timeout)

    def __repr__(self) -> str:
        count = len(self._core.registry.registrations)
        state = ", closed" if self._closed else ""
        return f"<wiredi.ServiceProvider(services={count}{state})>"


class Scope(ScopeClosingMethods, ServiceProvider):
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
