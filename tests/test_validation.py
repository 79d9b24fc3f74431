"""Build-time validation: every problem found, all reported at once, each with a path."""

from __future__ import annotations

import itertools
import sys
from typing import Any

import pytest

from tests.fakes import A, B, Clock
from wiredi import (
    CircularDependencyError,
    CurrentGraph,
    DependencyContext,
    GraphValidationError,
    LifetimeError,
    RegistrationError,
    ServiceCollection,
    ServiceNotFoundError,
    ServiceProvider,
)


class DbSession:
    pass


class OrderRepo:
    def __init__(self, session: DbSession) -> None:
        self.session = session


class OrderService:
    def __init__(self, repo: OrderRepo) -> None:
        self.repo = repo


class Unknown:
    pass


class NeedsUnknown:
    def __init__(self, unknown: Unknown) -> None: ...


class NoHint:
    def __init__(self, value) -> None:  # type: ignore[no-untyped-def]
        self.value = value


class BadHint:
    def __init__(self, value: DoesNotExist) -> None: ...  # type: ignore[name-defined]  # noqa: F821


class PathBottom:
    def __init__(self, unknown: Unknown) -> None: ...


class PathMiddle:
    def __init__(self, bottom: PathBottom) -> None: ...


class PathTop:
    def __init__(self, middle: PathMiddle) -> None: ...


class TakesContext:
    def __init__(self, context: DependencyContext) -> None: ...


class TakesGraph:
    def __init__(self, graph: CurrentGraph) -> None: ...


class ClockNeedingUnknown(Clock):
    def __init__(self, inner: Clock, unknown: Unknown) -> None:
        self.inner = inner


class TakesOptionalContext:
    def __init__(self, context: DependencyContext | None = None) -> None:
        self.context = context


class TakesBoth:
    def __init__(self, context: DependencyContext, graph: CurrentGraph) -> None: ...


class NeedsBothFirst:
    def __init__(self, both: TakesBoth) -> None: ...


class NeedsBothSecond:
    def __init__(self, both: TakesBoth) -> None: ...


def _errors(services: ServiceCollection) -> tuple[Any, ...]:
    with pytest.raises(GraphValidationError) as caught:
        services.build_service_provider()
    return caught.value.errors


class TestKinds:
    def test_missing_dependency(self, services: ServiceCollection) -> None:
        """A missing dependency is reported with its path and a fix."""
        services.add_transient(NeedsUnknown)
        (error,) = _errors(services)
        assert isinstance(error, ServiceNotFoundError)
        assert error.service_type is Unknown
        assert "NeedsUnknown -> Unknown" in str(error)
        assert "services.add_transient(Unknown)" in str(error)

    def test_cycle(self, services: ServiceCollection) -> None:
        """A cycle is reported once with its path."""
        services.add_transient(A).add_transient(B)
        (error,) = _errors(services)
        assert isinstance(error, CircularDependencyError)
        assert [n.service_type for n in error.path] == [A, B, A]

    def test_singleton_capturing_scoped_through_transient(
        self, services: ServiceCollection
    ) -> None:
        """A singleton reaching a scoped service through a transient is a LifetimeError."""
        services.add_scoped(DbSession).add_transient(OrderRepo).add_singleton(
            OrderService
        )
        (error,) = _errors(services)
        assert isinstance(error, LifetimeError)
        assert "OrderService -> OrderRepo -> DbSession (scoped)" in str(error)
        assert [n.lifetime for n in error.path] == ["singleton", "transient", "scoped"]

    def test_scoped_capturing_transient_is_fine(
        self, services: ServiceCollection
    ) -> None:
        """Longer-lived depending on shorter-lived transients is allowed."""
        services.add_transient(DbSession).add_scoped(OrderRepo).add_singleton(
            OrderService
        )
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert [type(e) for e in caught.value.errors] == [LifetimeError]

    def test_unresolvable_hint(self, services: ServiceCollection) -> None:
        """A parameter without a hint, or with a hint that cannot be evaluated, is reported."""
        services.add_transient(NoHint).add_transient(BadHint)
        errors = _errors(services)
        assert [type(e) for e in errors] == [RegistrationError, RegistrationError]
        assert "parameter 'value' has no type hint" in str(errors[0])
        assert "NameError" in str(errors[1])

    def test_context_injection_must_be_transient(
        self, services: ServiceCollection
    ) -> None:
        """DependencyContext or CurrentGraph in a non-transient registration is rejected."""
        services.add_singleton(TakesContext).add_scoped(TakesGraph)
        errors = _errors(services)
        assert [type(e) for e in errors] == [LifetimeError, LifetimeError]
        assert "register it as transient" in str(errors[0])
        assert "first graph" in str(errors[0])

    def test_context_injection_reported_once_per_registration(
        self, services: ServiceCollection
    ) -> None:
        """A singleton taking both, and needed by two others, is reported once."""

        services.add_transient(NeedsBothFirst).add_transient(NeedsBothSecond)
        services.add_singleton(TakesBoth)
        (error,) = _errors(services)
        assert isinstance(error, LifetimeError)
        assert "TakesBoth takes DependencyContext or CurrentGraph" in str(error)
        assert "registered as singleton" in str(error)

    def test_context_injection_in_a_factory_or_decorator(
        self, services: ServiceCollection
    ) -> None:
        """A scoped factory taking CurrentGraph, a decorator taking DependencyContext."""

        def make_session(graph: CurrentGraph) -> DbSession:
            return DbSession()

        def wrap(inner: Clock, context: DependencyContext) -> Clock:
            return inner

        services.add_scoped(DbSession, make_session).add_singleton(Clock)
        services.decorate(Clock, wrap)
        errors = _errors(services)
        assert [type(e) for e in errors] == [LifetimeError, LifetimeError]
        assert {e.service_type for e in errors} == {DbSession, Clock}
        assert "registered as scoped" in str(errors[0])

    def test_optional_context_injection_must_be_transient_too(
        self, services: ServiceCollection
    ) -> None:
        """DependencyContext | None is still the context: not for a scoped one."""
        services.add_scoped(TakesOptionalContext)
        (error,) = _errors(services)
        assert isinstance(error, LifetimeError)
        assert "TakesOptionalContext takes DependencyContext" in str(error)

    def test_context_injection_in_a_component(
        self, services: ServiceCollection
    ) -> None:
        """A component's singleton taking DependencyContext is rejected too."""
        services.add_singleton(TakesContext, component="billing")
        (error,) = _errors(services)
        assert isinstance(error, LifetimeError)
        assert error.component == "billing"

    def test_context_injection_in_a_transient_is_fine(
        self, services: ServiceCollection
    ) -> None:
        services.add_transient(TakesContext).add_transient(TakesGraph)
        provider = services.build_service_provider()
        assert isinstance(provider.get_service(TakesContext), TakesContext)

    def test_decorator_missing_dependency_names_the_decorator(
        self, services: ServiceCollection
    ) -> None:
        """The decorator's parameter is blamed on it and its decorate() line."""
        services.add_transient(Clock)
        line = sys._getframe().f_lineno + 1
        services.decorate(Clock, ClockNeedingUnknown)
        (error,) = _errors(services)
        assert isinstance(error, ServiceNotFoundError)
        assert str(error).startswith(
            "ClockNeedingUnknown (decorating Clock) needs Unknown (parameter "
            "'unknown'), which is not registered"
        )
        assert error.registered_at == f"test_validation.py:{line}"

    @pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
    def test_missing_dependency_path_starts_at_the_outermost_service(
        self, services: ServiceCollection, order: tuple[int, ...]
    ) -> None:
        """The same path whatever the registration order (SPEC 7's example)."""
        chain = (PathTop, PathMiddle, PathBottom)
        for index in order:
            services.add_transient(chain[index])
        (error,) = _errors(services)
        assert [node.service_type for node in error.path] == [*chain, Unknown]

    def test_unknown_scope_name(self, services: ServiceCollection) -> None:
        """A lifetime naming no scope manager is reported."""
        services.add(Clock, lifetime="tenant")
        (error,) = _errors(services)
        assert isinstance(error, RegistrationError)
        assert "add_scope_manager('tenant'" in str(error)

    def test_decorate_without_registration(self, services: ServiceCollection) -> None:
        """decorate() of an unregistered type is reported."""

        class Wrapper:
            def __init__(self, inner: Clock) -> None: ...

        services.decorate(Clock, Wrapper)
        (error,) = _errors(services)
        assert isinstance(error, RegistrationError)
        assert "no registration to wrap" in str(error)

    def test_missing_alias_source(self, services: ServiceCollection) -> None:
        """An alias of an unregistered type is reported."""
        services.add_alias(Clock, DbSession)
        (error,) = _errors(services)
        assert isinstance(error, ServiceNotFoundError)


class TestCollect:
    def test_every_problem_at_once(self, services: ServiceCollection) -> None:
        """All kinds of problems are collected into one GraphValidationError."""
        services.add_transient(NeedsUnknown)
        services.add_transient(A).add_transient(B)
        services.add_scoped(DbSession).add_transient(OrderRepo).add_singleton(
            OrderService
        )
        services.add(Clock, lifetime="tenant")
        errors = _errors(services)
        assert sorted(type(e).__name__ for e in errors) == [
            "CircularDependencyError",
            "LifetimeError",
            "RegistrationError",
            "ServiceNotFoundError",
        ]

    def test_message_counts_and_lists(self, services: ServiceCollection) -> None:
        """The group's message counts the problems and lists each."""
        services.add_transient(NeedsUnknown).add_transient(A).add_transient(B)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        text = str(caught.value)
        assert text.startswith("the service graph has 2 problems:")
        assert "1. " in text
        assert "2. " in text

    def test_validate_false_skips(self, services: ServiceCollection) -> None:
        """validate=False builds anyway; problems surface when resolved."""
        services.add_transient(NeedsUnknown)
        provider = services.build_service_provider(validate=False)
        with pytest.raises(ServiceNotFoundError):
            provider.get_service(NeedsUnknown)


class TestRuntimeCycles:
    def test_cycle_without_validation_is_cycle_error(
        self, services: ServiceCollection
    ) -> None:
        """With validate=False a cycle raises CircularDependencyError, not RecursionError."""
        provider = (
            services.add_transient(A)
            .add_transient(B)
            .build_service_provider(validate=False)
        )
        with pytest.raises(CircularDependencyError):
            provider.get_service(A)
        with pytest.raises(CircularDependencyError):
            provider.get_service(B)

    def test_cycle_through_resolver_factory(self, services: ServiceCollection) -> None:
        """A factory that resolves its own service at run time is a cycle error."""
        services.add_singleton_factory(Clock, lambda sp: sp.get_service(Clock))
        provider = services.build_service_provider()
        with pytest.raises(CircularDependencyError, match="run time"):
            provider.get_service(Clock)

    async def test_async_cycle_through_resolver_factory(
        self, services: ServiceCollection
    ) -> None:
        """An async factory that awaits its own singleton is a cycle error, not a hang."""

        services.add_singleton_factory(Clock, _make_clock_from_itself)
        provider = services.build_service_provider()
        with pytest.raises(CircularDependencyError):
            await provider.get_service_async(Clock)


async def _make_clock_from_itself(sp: ServiceProvider) -> Clock:
    return await sp.get_service_async(Clock)


class TestLogging:
    def test_build_and_compile_are_logged_at_debug(
        self, services: ServiceCollection, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Validation and compilation log at debug level on the 'wiredi' logger."""
        services.add_singleton(Clock)
        with caplog.at_level("DEBUG", logger="wiredi"):
            services.build_service_provider().get_service(Clock)
        messages = [r.getMessage() for r in caplog.records if r.name == "wiredi"]
        assert any(m.startswith("validated 1 registrations") for m in messages)
        assert "compiled the resolver of Clock" in messages
