"""Context values: ``add_context(T)`` and ``create_scope(context={T: value})`` (SPEC 13.4)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Annotated, NewType, Protocol, runtime_checkable

import pytest

from wiredi import (
    ContextScopeManager,
    CurrentGraph,
    FromComponent,
    GraphValidationError,
    LifetimeError,
    RegistrationError,
    ScopeError,
    ServiceCollection,
    ServiceProvider,
)
from wiredi.graph import to_mermaid


class Request:
    def __init__(self, user: str) -> None:
        self.user = user
        self.closed = False

    def close(self) -> None:  # the container must never call it
        self.closed = True


class CurrentUser:
    def __init__(self, request: Request) -> None:
        self.name = request.user


class Greeting:
    def __init__(self, user: CurrentUser) -> None:
        self.text = f"hello {user.name}"


class Cache:
    def __init__(self, request: Request) -> None:
        self.request = request


class CorrelationId(Protocol):
    value: str


@runtime_checkable
class HasUser(Protocol):
    user: str


TenantId = NewType("TenantId", str)


@pytest.fixture(name="provider")
def _provider() -> Iterator[ServiceProvider]:
    services = ServiceCollection().add_context(Request).add_scoped(CurrentUser)
    services.add_transient(Greeting)
    with services.build_service_provider() as provider:
        yield provider


class TestAddContext:
    """``add_context`` declares a type whose value each scope is given."""

    def test_returns_the_collection_so_calls_chain(self):
        """add_context returns the collection, like every add* method."""
        services = ServiceCollection()
        assert services.add_context(Request) is services

    def test_records_a_scoped_registration_with_its_call_site(self):
        """The registration is scoped and knows the file and line of the call."""
        services = ServiceCollection().add_context(Request)
        (registration,) = services.registrations
        assert registration.lifetime == "scoped"
        assert registration.registered_at.startswith("test_context_values.py:")

    def test_a_service_type_that_is_not_a_type_is_refused(self):
        """add_context(None) or add_context("x") is a RegistrationError at once."""
        for bad in (None, "Request"):
            with pytest.raises(RegistrationError, match="add_context"):
                ServiceCollection().add_context(bad)  # type: ignore[arg-type]

    def test_a_component_view_declares_into_its_component(self):
        """services.component("c").add_context(T) declares T in component c."""
        services = ServiceCollection()
        services.component("audit").add_context(Request)
        services.add_scoped(Cache, component="audit")
        provider = services.build_service_provider()
        request = Request("ada")
        with provider.create_scope(context={Request: request}) as scope:
            assert scope.get_service(Cache, component="audit").request is request
            assert scope.get_service(Request, component="audit") is request


class TestCreateScopeWithContext:
    """``create_scope(context=...)`` gives the scope its values."""

    def test_a_scoped_service_is_built_from_the_given_value(self, provider):
        """A scoped service taking Request gets the scope's Request."""
        with provider.create_scope(context={Request: Request("ada")}) as scope:
            assert scope.get_service(CurrentUser).name == "ada"
            assert scope.get_service(Greeting).text == "hello ada"

    def test_resolving_the_type_gives_the_very_object(self, provider):
        """get_service(Request) is the object given, every time."""
        request = Request("ada")
        with provider.create_scope(context={Request: request}) as scope:
            assert scope.get_service(Request) is request
            assert scope.get_service(Request) is request
            assert scope.get_services(Request) == [request]

    async def test_async_resolution_reads_it_too(self, provider):
        """get_service_async resolves context values like get_service."""
        request = Request("bob")
        async with provider.create_scope(context={Request: request}) as scope:
            assert await scope.get_service_async(Request) is request
            assert (await scope.get_service_async(CurrentUser)).name == "bob"

    async def test_an_async_factory_can_take_it(self):
        """An async factory's Request parameter gets the scope's value."""

        async def make_user(request: Request) -> CurrentUser:
            await asyncio.sleep(0)
            return CurrentUser(request)

        services = ServiceCollection().add_context(Request)
        services.add_scoped_factory(CurrentUser, make_user)
        provider = services.build_service_provider()
        async with provider.create_scope(context={Request: Request("eve")}) as scope:
            assert (await scope.get_service_async(CurrentUser)).name == "eve"

    def test_each_scope_has_its_own_value(self, provider):
        """Two scopes given different values resolve different users."""
        with (
            provider.create_scope(context={Request: Request("ada")}) as one,
            provider.create_scope(context={Request: Request("bob")}) as two,
        ):
            assert one.get_service(CurrentUser).name == "ada"
            assert two.get_service(CurrentUser).name == "bob"

    def test_the_value_is_never_disposed(self, provider):
        """Closing the scope leaves the given object alone: its giver owns it."""
        request = Request("ada")
        with provider.create_scope(context={Request: request}) as scope:
            scope.get_service(CurrentUser)
        assert request.closed is False

    def test_a_custom_scope_takes_context_too(self):
        """create_scope(name, scope_id, context=...) enters the custom scope and gives the values."""
        tenants = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", tenants)
        services.add_context(Request).add_scoped(CurrentUser)
        provider = services.build_service_provider()
        context = {Request: Request("ada")}
        with provider.create_scope("tenant", "ACME", context=context) as scope:
            assert tenants.current_scope_id() == "ACME"
            assert scope.get_service(CurrentUser).name == "ada"
        assert tenants.current_scope_id() is None

    def test_one_value_fills_the_type_in_every_component(self):
        """A value for T is given to every component that declared T."""
        services = ServiceCollection().add_context(Request).add_scoped(CurrentUser)
        services.component("audit").add_context(Request).add_scoped(CurrentUser)
        provider = services.build_service_provider()
        with provider.create_scope(context={Request: Request("ada")}) as scope:
            assert scope.get_service(CurrentUser).name == "ada"
            assert scope.get_service(CurrentUser, component="audit").name == "ada"

    def test_from_component_reaches_another_components_value(self):
        """Annotated[T, FromComponent("c")] takes the value declared in c."""

        class Auditor:
            def __init__(
                self, request: Annotated[Request, FromComponent("audit")]
            ) -> None:
                self.request = request

        services = ServiceCollection().add_scoped(Auditor)
        services.component("audit").add_context(Request)
        provider = services.build_service_provider()
        request = Request("ada")
        with provider.create_scope(context={Request: request}) as scope:
            assert scope.get_service(Auditor).request is request

    def test_a_transient_taking_current_graph_reads_it(self):
        """The context-aware (CurrentGraph) resolvers read context values too."""

        class Report:
            def __init__(self, graph: CurrentGraph, request: Request) -> None:
                self.user = graph.resolve(CurrentUser).name
                self.request = request

        services = ServiceCollection().add_context(Request).add_scoped(CurrentUser)
        services.add_transient(Report)
        provider = services.build_service_provider()
        request = Request("ada")
        with provider.create_scope(context={Request: request}) as scope:
            report = scope.get_service(Report)
        assert (report.user, report.request) == ("ada", request)

    def test_an_override_wins_over_the_given_value(self, provider):
        """provider.override(T, x) replaces the context value like any service."""
        fake = Request("test")
        with provider.override(Request, fake):
            with provider.create_scope(context={Request: Request("ada")}) as scope:
                assert scope.get_service(CurrentUser).name == "test"
        with provider.create_scope(context={Request: Request("ada")}) as scope:
            assert scope.get_service(CurrentUser).name == "ada"

    def test_an_empty_mapping_gives_nothing(self, provider):
        """context={} opens a plain scope."""
        with provider.create_scope(context={}) as scope, pytest.raises(ScopeError):
            scope.get_service(Request)

    def test_the_value_of_a_runtime_checkable_protocol_is_checked(self):
        """For a @runtime_checkable Protocol, isinstance decides."""
        provider = ServiceCollection().add_context(HasUser).build_service_provider()
        with provider.create_scope(context={HasUser: Request("ada")}) as scope:
            assert scope.get_service(HasUser).user == "ada"
        with pytest.raises(RegistrationError, match="not an instance of HasUser"):
            provider.create_scope(context={HasUser: object()})

    def test_a_plain_protocol_value_is_not_checked(self):
        """A Protocol isinstance cannot check takes any value."""
        provider = ServiceCollection().add_context(CorrelationId)
        with provider.build_service_provider().create_scope(
            context={CorrelationId: "abc"}
        ) as scope:
            assert scope.get_service(CorrelationId) == "abc"

    def test_a_new_type_is_checked_against_its_supertype(self):
        """NewType("TenantId", str) takes a str and refuses an int."""
        provider = ServiceCollection().add_context(TenantId).build_service_provider()
        with provider.create_scope(context={TenantId: TenantId("ACME")}) as scope:
            assert scope.get_service(TenantId) == "ACME"
        with pytest.raises(RegistrationError, match="not an instance of TenantId"):
            provider.create_scope(context={TenantId: 42})


class TestErrors:
    """Each misuse says what to change."""

    def test_a_value_the_scope_was_not_given_is_a_scope_error(self, provider):
        """Resolving an ungiven context value names it and shows create_scope(context=...)."""
        with provider.create_scope() as scope, pytest.raises(ScopeError) as caught:
            scope.get_service(Greeting)
        error = caught.value
        assert error.service_type is Request
        assert [node.service_type for node in error.path] == [
            Greeting,
            CurrentUser,
            Request,
        ]
        assert error.hint is not None
        assert "create_scope(context={Request: ...})" in error.hint
        assert "was not given one" in str(error)

    async def test_the_async_path_raises_the_same_scope_error(self, provider):
        """get_service_async of an ungiven value raises the same ScopeError."""
        async with provider.create_scope() as scope:
            with pytest.raises(ScopeError, match="was not given one"):
                await scope.get_service_async(CurrentUser)

    def test_resolving_it_from_the_root_is_the_scoped_from_root_error(self, provider):
        """From the root provider a context value is refused like any scoped service."""
        with pytest.raises(ScopeError, match="cannot be resolved from the root"):
            provider.get_service(Request)

    def test_an_undeclared_type_is_a_registration_error(self, provider):
        """A value for a type not declared with add_context is refused at create_scope."""
        with pytest.raises(RegistrationError) as caught:
            provider.create_scope(context={Cache: Cache(Request("ada"))})
        assert caught.value.service_type is Cache
        assert "not declared as a context value (declared: Request)" in str(
            caught.value
        )
        assert (
            caught.value.hint
            == "declare it before building: services.add_context(Cache)"
        )

    def test_a_type_registered_another_way_says_to_use_add_context(self, provider):
        """Giving a value for a scoped service explains the difference."""
        with pytest.raises(RegistrationError) as caught:
            provider.create_scope(context={CurrentUser: CurrentUser(Request("a"))})
        assert caught.value.hint is not None
        assert "registered as scoped" in caught.value.hint
        assert "add_context(CurrentUser)" in caught.value.hint

    def test_a_value_of_the_wrong_type_is_a_registration_error(self, provider):
        """A value that is not an instance of T is refused, naming the declaration."""
        with pytest.raises(RegistrationError) as caught:
            provider.create_scope(context={Request: "ada"})
        error = caught.value
        assert error.service_type is Request
        assert "the value 'ada' (str) is not an instance of Request" in str(error)
        assert error.registered_at.startswith("test_context_values.py:")

    def test_a_context_that_is_not_a_mapping_is_refused(self, provider):
        """context=[...] is a RegistrationError that shows the mapping form."""
        with pytest.raises(RegistrationError, match="context is a mapping"):
            provider.create_scope(context=[Request("ada")])  # type: ignore[arg-type]

    def test_a_refused_context_enters_no_custom_scope(self):
        """A bad value fails before the custom scope is entered."""
        tenants = ContextScopeManager()
        services = ServiceCollection().add_scope_manager("tenant", tenants)
        provider = services.add_context(Request).build_service_provider()
        with pytest.raises(RegistrationError):
            provider.create_scope("tenant", "ACME", context={Request: 1})
        assert tenants.current_scope_id() is None

    def test_a_closed_provider_refuses_before_checking(self, provider):
        """create_scope on a closed provider is a ScopeError, context or not."""
        provider.close()
        with pytest.raises(ScopeError, match="closed"):
            provider.create_scope(context={Request: Request("ada")})


class TestValidation:
    """The build treats a context value as scoped."""

    def test_a_singleton_taking_it_is_a_lifetime_error_with_its_path(self):
        """A singleton that takes a context value fails the build with its path."""

        class Audit:
            def __init__(self, user: CurrentUser) -> None:
                self.user = user

        services = ServiceCollection().add_context(Request)
        services.add_transient(CurrentUser).add_singleton(Audit)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, LifetimeError)
        assert [node.service_type for node in error.path] == [
            Audit,
            CurrentUser,
            Request,
        ]
        assert error.hint is not None
        assert "context value" in error.hint
        assert "add_context" in error.hint

    def test_a_custom_lifetime_taking_it_is_a_lifetime_error(self):
        """A service of a custom scope outlives a request, so it may not take one."""
        services = ServiceCollection().add_context(Request)
        services.add_scope_manager("tenant", ContextScopeManager())
        services.add(CurrentUser, lifetime="tenant")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert isinstance(caught.value.errors[0], LifetimeError)

    def test_a_decorated_context_type_is_refused(self):
        """decorate() cannot wrap a value that is given, not built."""

        class Wrapped(Request):
            def __init__(self, inner: Request) -> None:
                super().__init__(inner.user)

        services = ServiceCollection().add_context(Request)
        services.decorate(Request, Wrapped)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, RegistrationError)
        assert "is a context value" in str(error)


class TestDiagnostics:
    """describe() and the graph renderers show context values for what they are."""

    def test_describe_marks_the_context_value(self, provider):
        """The tree shows the value as scoped and given per scope."""
        assert provider.describe(Greeting).splitlines() == [
            "Greeting (transient)",
            "└── user: CurrentUser (scoped)",
            "    └── request: Request (scoped, context value)",
        ]

    def test_the_graph_labels_it_as_a_context_value(self):
        """to_mermaid labels the node 'context value, scoped'."""
        services = ServiceCollection().add_context(Request).add_scoped(CurrentUser)
        text = to_mermaid(services)
        assert 'n0["Request<br/>context value, scoped"]' in text
        assert 'n1 -->|"request"| n0' in text


class TestConcurrency:
    """Scopes opened at the same time never see each other's values."""

    USERS = ("ada", "bob", "cy", "dee", "eve", "fay")

    def test_threads_each_resolve_their_own_scopes_value(self, provider):
        """Threads with scopes open at once each get the user they were given."""
        barrier = threading.Barrier(len(self.USERS))
        seen: dict[str, str] = {}

        def request(user: str) -> None:
            with provider.create_scope(context={Request: Request(user)}) as scope:
                barrier.wait(timeout=10)  # every scope is open now
                seen[user] = scope.get_service(Greeting).text

        threads = [threading.Thread(target=request, args=(u,)) for u in self.USERS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert seen == {user: f"hello {user}" for user in self.USERS}

    async def test_tasks_each_resolve_their_own_scopes_value(self, provider):
        """asyncio tasks with scopes open at once each get the user they were given."""
        barrier = asyncio.Barrier(len(self.USERS))

        async def request(user: str) -> str:
            async with provider.create_scope(context={Request: Request(user)}) as scope:
                await barrier.wait()  # every scope is open now
                return (await scope.get_service_async(Greeting)).text

        async with asyncio.timeout(10):
            texts = await asyncio.gather(*(request(u) for u in self.USERS))
        assert texts == [f"hello {user}" for user in self.USERS]
