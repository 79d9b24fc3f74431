"""Errors are data; one exact rendered message per class keeps the text from rotting."""

from __future__ import annotations

import pickle
from typing import Protocol

import pytest

from tests.fakes import A, B
from wiredi import (
    AsyncResolutionError,
    ConfigurationError,
    DependencyNode,
    DIError,
    DisposalError,
    GraphValidationError,
    LifetimeError,
    RegistrationError,
    ScopeError,
    ServiceCollection,
    ServiceNotFoundError,
)


class DbSession:
    pass


class OrderRepo:
    def __init__(self, session: DbSession) -> None:
        self.session = session


class OrderService:
    def __init__(self, repo: OrderRepo) -> None:
        self.repo = repo


class Missing:
    pass


class NeedsMissing:
    def __init__(self, missing: Missing) -> None: ...


async def _open() -> DbSession:  # pragma: no cover - never awaited
    return DbSession()


def _line(error: DIError) -> str:
    assert error.registered_at is not None
    return error.registered_at


class TestHierarchy:
    @pytest.mark.parametrize(
        ("error", "builtin"),
        [
            (RegistrationError, TypeError),
            (ServiceNotFoundError, LookupError),
            (ConfigurationError, ValueError),
            (DisposalError, ExceptionGroup),
        ],
    )
    def test_builtin_bases(self, error: type, builtin: type) -> None:
        """Errors that SPEC pairs with a built-in also derive from it."""
        assert issubclass(error, DIError)
        assert issubclass(error, builtin)

    def test_pickle_keeps_fields(self) -> None:
        """An error survives pickling with its fields."""
        error = ScopeError(
            "x", service_type=int, hint="do y", path=[DependencyNode(int)]
        )
        copy = pickle.loads(pickle.dumps(error))
        assert (copy.message, copy.service_type, copy.hint) == ("x", int, "do y")
        assert copy.path == error.path


class TestExactMessages:
    def test_lifetime_error(self) -> None:
        """LifetimeError renders the path from the singleton down, and the fix."""
        services = ServiceCollection()
        services.add_scoped(DbSession).add_transient(OrderRepo).add_singleton(
            OrderService
        )
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, LifetimeError)
        assert str(error) == (
            "OrderService (singleton) would capture DbSession (scoped): the "
            "singleton would keep one DbSession beyond its scoped lifetime\n"
            "  path: OrderService -> OrderRepo -> DbSession (scoped)\n"
            f"  registered at: {_line(error)}\n"
            "  fix: make OrderService scoped or shorter-lived, make DbSession live "
            "at least as long as singleton, or take the resolver and resolve "
            "DbSession inside a scope when it is needed"
        )

    def test_service_not_found_error(self) -> None:
        """ServiceNotFoundError names the parent, the parameter and the fix."""
        with pytest.raises(GraphValidationError) as caught:
            ServiceCollection().add_transient(NeedsMissing).build_service_provider()
        (error,) = caught.value.errors
        assert str(error) == (
            "NeedsMissing needs Missing (parameter 'missing'), which is not registered\n"
            "  path: NeedsMissing -> Missing\n"
            f"  registered at: {_line(error)}\n"
            "  fix: register it, e.g. services.add_transient(Missing), or give the "
            "parameter a default"
        )

    def test_service_not_found_in_other_component(self) -> None:
        """A type registered elsewhere is pointed to with the FromComponent to write."""
        services = ServiceCollection().add_singleton(Missing, component="users")
        services.add_transient(NeedsMissing)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert error.hint == (
            "Missing is registered in component(s) 'users'; take it from there with "
            "Annotated[Missing, FromComponent('users')], or register it in component ''"
        )

    def test_circular_dependency_error(self) -> None:
        """CircularDependencyError shows the cycle."""
        with pytest.raises(GraphValidationError) as caught:
            ServiceCollection().add_transient(A).add_transient(
                B
            ).build_service_provider()
        (error,) = caught.value.errors
        assert str(error).splitlines()[:2] == [
            "circular dependency: A -> B -> A",
            "  path: A -> B -> A (transient)",
        ]

    def test_scope_error(self) -> None:
        """ScopeError for a scoped service at the root says what to write."""
        provider = ServiceCollection().add_scoped(DbSession).build_service_provider()
        with pytest.raises(ScopeError) as caught:
            provider.get_service(DbSession)
        assert str(caught.value) == (
            "DbSession is scoped and cannot be resolved from the root provider\n"
            "  path: DbSession (scoped)\n"
            f"  registered at: {_line(caught.value)}\n"
            "  fix: resolve it inside `with provider.create_scope() as scope:` with "
            "scope.get_service(DbSession); a singleton's dependencies always come "
            "from the root, so a singleton cannot take DbSession (make it scoped, "
            "or resolve DbSession per use)"
        )

    def test_async_resolution_error(self) -> None:
        """AsyncResolutionError names the async factory and the call to use."""
        services = ServiceCollection().add_transient_factory(DbSession, _open)
        services.add_transient(OrderRepo)
        provider = services.build_service_provider()
        with pytest.raises(AsyncResolutionError) as caught:
            provider.get_service(OrderRepo)
        assert str(caught.value) == (
            "OrderRepo needs the async factory of DbSession and cannot be resolved "
            "by a sync call\n"
            "  path: OrderRepo -> DbSession (transient)\n"
            f"  registered at: {_line(caught.value)}\n"
            "  fix: use `await resolver.get_service_async(OrderRepo)` (nothing was "
            "created)"
        )

    def test_registration_error(self) -> None:
        """RegistrationError names the call."""
        with pytest.raises(RegistrationError) as caught:
            ServiceCollection().add_singleton(OrderRepo, DbSession)  # type: ignore[arg-type]
        assert str(caught.value) == (
            "add_singleton(OrderRepo): DbSession is not a subclass of OrderRepo\n"
            f"  registered at: {_line(caught.value)}\n"
            "  fix: make DbSession inherit from OrderRepo, or register the class it "
            "should be"
        )

    def test_configuration_error_lists_problems(self) -> None:
        """ConfigurationError lists each bad field under its message."""
        error = ConfigurationError(
            "cannot bind DatabaseOptions", problems=["database:port: expected int"]
        )
        assert str(error) == (
            "cannot bind DatabaseOptions\n  - database:port: expected int"
        )

    def test_graph_validation_error_numbers_problems(self) -> None:
        """GraphValidationError counts and numbers its errors."""
        error = GraphValidationError([ScopeError("one"), ScopeError("two")])
        assert str(error) == (
            "the service graph has 2 problems:\n"
            "  1. ScopeError: one\n"
            "  2. ScopeError: two"
        )


class TestUserExceptions:
    def test_propagate_unchanged_with_path_note(self) -> None:
        """A constructor's exception propagates as-is with a path note."""
        boom = RuntimeError("boom")

        class Exploding:
            def __init__(self) -> None:
                raise boom

        class Outer:
            def __init__(self, inner: Exploding) -> None: ...

        services = ServiceCollection().add_transient(Exploding)
        services.add_transient_factory(
            Outer, lambda sp: Outer(sp.get_service(Exploding))
        )
        provider = services.build_service_provider()
        with pytest.raises(RuntimeError) as caught:
            provider.get_service(Outer)
        assert caught.value is boom
        notes = caught.value.__notes__
        assert len(notes) == 1
        assert "Outer -> Exploding (transient)" in notes[0]


class Leaf:
    def __init__(self) -> None:
        raise ValueError("leaf")


class Branch:
    def __init__(self, other: DbSession, leaf: Leaf) -> None: ...


class Trunk:
    def __init__(self, branch: Branch) -> None: ...


class TestInlinedPaths:
    def test_failure_deep_in_a_transient_graph_names_the_exact_node(self) -> None:
        """A constructor failing deep inside an all-transient graph gets its full path."""
        services = ServiceCollection().add_transient(DbSession).add_transient(Leaf)
        services.add_transient(Branch).add_transient(Trunk)
        provider = services.build_service_provider()
        for _ in range(2):
            with pytest.raises(ValueError, match="leaf") as caught:
                provider.get_service(Trunk)
            assert caught.value.__notes__ == [
                "wiredi: raised while resolving Trunk -> Branch -> Leaf (transient)"
            ]


_SHARED_ERROR = RuntimeError("db down")


class FailsWithShared:
    def __init__(self) -> None:
        raise _SHARED_ERROR


class NeedsFailing:
    def __init__(self, db: FailsWithShared) -> None: ...


class Absent:
    pass


class Middle:
    pass


class NeedsMiddle:
    def __init__(self, middle: Middle) -> None: ...


class TestPathsAcrossCalls:
    def test_same_exception_raised_again_gets_a_fresh_path(self) -> None:
        """A module-level exception object re-raised keeps one note, not a longer one."""
        services = ServiceCollection().add_transient(FailsWithShared)
        provider = services.add_transient(NeedsFailing).build_service_provider()
        for _ in range(3):
            with pytest.raises(RuntimeError) as caught:
                provider.get_service(NeedsFailing)
            expected = (
                "wiredi: raised while resolving NeedsFailing -> FailsWithShared "
                "(transient)"
            )
            assert caught.value.__notes__ == [expected]

    def test_missing_service_inside_a_factory_reports_the_whole_path(self) -> None:
        """A resolve nested in a factory: the outer call's path includes the factory's."""
        services = ServiceCollection().add_transient(NeedsMiddle)
        services.add_transient_factory(
            Middle, lambda sp: (sp.get_service(Absent), Middle())[1]
        )
        provider = services.build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(NeedsMiddle)
        names = [node.service_type for node in caught.value.path]
        assert names == [NeedsMiddle, Middle, Absent]
        assert "NeedsMiddle -> Middle -> Absent" in str(caught.value)


class NeedsTwo:
    def __init__(self, a: Absent, b: Middle) -> None: ...


class TestValidationErrorShape:
    def test_errors_is_a_list_of_every_problem(self) -> None:
        with pytest.raises(GraphValidationError) as caught:
            ServiceCollection().add_transient(NeedsTwo).build_service_provider()
        assert isinstance(caught.value.errors, list)
        assert [type(e) for e in caught.value.errors] == [ServiceNotFoundError] * 2

    def test_bad_configuration_value_at_build_is_a_configuration_error(self) -> None:
        from tests.fakes_dataclass import PortOptions
        from wiredi.config import Configuration, IConfiguration

        services = ServiceCollection().add_transient(NeedsMiddle)
        services.add_instance(IConfiguration, Configuration({"db": {"port": "x"}}))
        services.configure(PortOptions, section="db")
        with pytest.raises(ConfigurationError) as caught:
            services.build_service_provider()
        error = caught.value
        assert isinstance(error, GraphValidationError)
        assert isinstance(error, ValueError)
        assert any("db:port" in problem for problem in error.problems)
        # the missing Middle is reported in the same error
        assert {type(e) for e in error.errors} == {
            ConfigurationError,
            ServiceNotFoundError,
        }
        assert "db:port" in str(error)
        assert "Middle" in str(error)


class Notifier(Protocol):
    def send(self) -> None: ...


class NeedsNotifier:
    def __init__(self, notifier: Notifier) -> None: ...


class NeedsUndefined:
    def __init__(self, thing: NotDefinedAnywhere) -> None: ...  # type: ignore[name-defined]  # noqa: F821


class TestFixes:
    def _only_error(self, services: ServiceCollection) -> DIError:
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        return error

    def test_a_missing_protocol_suggests_registering_an_implementation(self) -> None:
        error = self._only_error(ServiceCollection().add_transient(NeedsNotifier))
        assert error.hint is not None
        assert "services.add_singleton(Notifier, Impl)" in error.hint

    def test_missing_configuration_suggests_add_instance(self) -> None:
        from tests.fakes_dataclass import PortOptions

        services = ServiceCollection().configure(PortOptions, section="db")
        error = self._only_error(services)
        assert error.hint is not None
        assert "add_instance(IConfiguration, ConfigurationBuilder()" in error.hint

    def test_hints_that_cannot_be_evaluated_say_what_to_import(self) -> None:
        error = self._only_error(ServiceCollection().add_transient(NeedsUndefined))
        assert "NotDefinedAnywhere" in str(error)
        assert error.hint is not None
        assert "TYPE_CHECKING" in error.hint
