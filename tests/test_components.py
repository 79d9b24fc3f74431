"""Components: isolated, string-named groups of registrations (SPEC section 5)."""

from __future__ import annotations

import asyncio
import importlib.util
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Annotated

import pytest

from wiredi import (
    AsyncResolutionError,
    CircularDependencyError,
    CurrentGraph,
    DependencyContext,
    DIError,
    FromComponent,
    GraphValidationError,
    LifetimeError,
    RegistrationError,
    Resolver,
    ScopeError,
    ServiceCollection,
    ServiceNotFoundError,
    ServiceProvider,
)
from wiredi.factories import use_from_current_graph

# Hints are read with get_type_hints in this module, so every class that a
# test registers is defined here, at module level.


class Db:
    """A per-component resource."""


class OtherDb(Db):
    """A second implementation of ``Db``."""


class Dao:
    """Depends on ``Db`` from its own component."""

    def __init__(self, db: Db) -> None:
        self.db = db


class UserDao:
    """Takes ``Db`` from component ``user``."""

    def __init__(self, db: Annotated[Db, FromComponent("user")]) -> None:
        self.db = db


class DefaultDbDao:
    """Takes ``Db`` from the default component, wherever it is registered."""

    def __init__(self, db: Annotated[Db, FromComponent()]) -> None:
        self.db = db


class TwoDaos:
    """Takes a ``Dao`` from each of two components."""

    def __init__(
        self,
        users: Annotated[Dao, FromComponent("user")],
        comments: Annotated[Dao, FromComponent("comment")],
    ) -> None:
        self.users = users
        self.comments = comments


class AllDbs:
    """Takes every ``Db`` of its own component."""

    def __init__(self, dbs: list[Db]) -> None:
        self.dbs = dbs


class AllUserDbs:
    """Takes every ``Db`` of component ``user``."""

    def __init__(self, dbs: Annotated[list[Db], FromComponent("user")]) -> None:
        self.dbs = dbs


class MaybeDb:
    """Takes ``Db`` from component ``nowhere`` if it is there."""

    def __init__(self, db: Annotated[Db | None, FromComponent("nowhere")]) -> None:
        self.db = db


def make_user_dao(db: Annotated[Db, FromComponent("user")]) -> Dao:
    """A factory whose parameter comes from component ``user``."""
    return Dao(db)


def make_default_dao(db: Annotated[Db, FromComponent()]) -> Dao:
    """A factory whose parameter comes from the default component."""
    return Dao(db)


class Conn:
    """Records the order in which instances are closed, in ``CLOSED``."""

    def close(self) -> None:
        CLOSED.append(self)


CLOSED: list[Conn] = []


class CachedDb(Db):
    """A decorator of ``Db``."""

    def __init__(self, inner: Db) -> None:
        self.inner = inner


class Session:
    """A scoped service."""


class Cache:
    """A singleton that would capture whatever it is given."""

    def __init__(self, session: Annotated[Session, FromComponent("request")]) -> None:
        self.session = session


class Middle:
    """A transient between a singleton and a scoped service."""

    def __init__(self, session: Annotated[Session, FromComponent("request")]) -> None:
        self.session = session


class CacheViaMiddle:
    """A singleton reaching a scoped service through a transient elsewhere."""

    def __init__(self, middle: Annotated[Middle, FromComponent("mid")]) -> None:
        self.middle = middle


class Ping:
    """Half of a cycle across components."""

    def __init__(self, pong: Annotated[Pong, FromComponent("b")]) -> None:
        self.pong = pong


class Pong:
    """The other half of the cycle."""

    def __init__(self, ping: Annotated[Ping, FromComponent()]) -> None:
        self.ping = ping


class SeesContext:
    """Records the context it was built in."""

    def __init__(self, context: DependencyContext) -> None:
        self.component = context.component
        self.parent = context.parent
        self.path = context.path


class HasContextual:
    """Takes a ``SeesContext`` from component ``log``."""

    def __init__(self, seen: Annotated[SeesContext, FromComponent("log")]) -> None:
        self.seen = seen


class TakesProvider:
    """Takes the provider doing the resolution."""

    def __init__(self, provider: ServiceProvider) -> None:
        self.provider = provider


class TakesResolver:
    """Takes the resolver (provider or scope) doing the resolution."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver


class TakesGraph:
    """Takes the current graph and looks itself up."""

    def __init__(self, db: Db, graph: CurrentGraph) -> None:
        self.db = db
        self.found = graph.find(Db)


class Sender:
    """One interface of ``MySender``."""


class BatchSender:
    """Another interface of ``MySender``."""


class MySender(Sender, BatchSender):
    """One object behind two interfaces."""


class Client:
    """Takes both interfaces, which should be one object in its graph."""

    def __init__(self, sender: Sender, batch: BatchSender) -> None:
        self.sender: object = sender
        self.batch: object = batch


class ClientWithForeignSender:
    """Gets a ``MySender`` from component ``a`` before its own two."""

    def __init__(
        self,
        foreign: Annotated[Sender, FromComponent("a")],
        batch: BatchSender,
        sender: Sender,
    ) -> None:
        self.foreign: object = foreign
        self.batch: object = batch
        self.sender: object = sender


async def open_db() -> Db:
    """An async factory."""
    await asyncio.sleep(0)
    return Db()


class AsyncConn:
    """Closed with ``aclose`` only."""

    def __init__(self) -> None:
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


async def open_async_conn() -> AsyncIterator[AsyncConn]:
    """An async generator factory that closes its connection."""
    conn = AsyncConn()
    yield conn
    await conn.aclose()


@pytest.fixture(autouse=True)
def _clear_closed() -> None:
    CLOSED.clear()


def only_error(caught: pytest.ExceptionInfo[GraphValidationError]) -> DIError:
    """The single error a GraphValidationError collected."""
    errors = caught.value.errors
    assert len(errors) == 1, caught.value
    return errors[0]


class TestIsolation:
    """A registration's dependencies resolve only in its own component."""

    def test_dependencies_resolve_in_the_registrations_own_component(
        self, services: ServiceCollection
    ) -> None:
        """A Dao in component user gets the Db of user, not the default one."""
        services.add_singleton(Db)
        services.add_singleton(Db, OtherDb, component="user")
        services.add_transient(Dao, component="user")
        provider = services.build_service_provider()
        dao = provider.get_service(Dao, component="user")
        assert type(dao.db) is OtherDb
        assert dao.db is provider.get_service(Db, component="user")

    def test_default_component_dependency_is_invisible_from_another(
        self, services: ServiceCollection
    ) -> None:
        """A Db registered only in the default component is not found for user."""
        services.add_singleton(Db)
        services.add_transient(Dao, component="user")
        provider = services.build_service_provider(validate=False)
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Dao, component="user")
        assert (caught.value.service_type, caught.value.component) == (Db, "user")

    def test_same_class_in_two_components_gives_independent_instances(
        self, services: ServiceCollection
    ) -> None:
        """The same transient class in two components builds two separate graphs."""
        for name in ("user", "comment"):
            services.add_singleton(Db, component=name)
            services.add_transient(Dao, component=name)
        provider = services.build_service_provider()
        user = provider.get_service(Dao, component="user")
        comment = provider.get_service(Dao, component="comment")
        assert user is not comment
        assert user.db is not comment.db

    def test_same_singleton_in_two_components_gives_independent_singletons(
        self, services: ServiceCollection
    ) -> None:
        """Each component keeps its own singleton, stable across resolves."""
        services.add_singleton(Db, component="user")
        services.add_singleton(Db, component="comment")
        services.add_singleton(Db)
        provider = services.build_service_provider()
        user = provider.get_service(Db, component="user")
        comment = provider.get_service(Db, component="comment")
        default = provider.get_service(Db)
        assert len({id(user), id(comment), id(default)}) == 3
        assert provider.get_service(Db, component="user") is user
        assert provider.get_service(Db, component="comment") is comment

    def test_default_component_is_the_empty_string(
        self, services: ServiceCollection
    ) -> None:
        """component="" is the component used when none is given."""
        services.add_singleton(Db, component="")
        provider = services.build_service_provider()
        assert provider.get_service(Db) is provider.get_service(Db, component="")

    def test_list_parameter_collects_only_its_own_component(
        self, services: ServiceCollection
    ) -> None:
        """list[Db] in component user holds user's registrations only, in order."""
        services.add_singleton(Db)
        services.add_singleton(Db, component="user")
        services.add_singleton(Db, OtherDb, component="user")
        services.add_transient(AllDbs, component="user")
        services.add_transient(AllDbs)
        provider = services.build_service_provider()
        assert [
            type(db) for db in provider.get_service(AllDbs, component="user").dbs
        ] == [
            Db,
            OtherDb,
        ]
        assert provider.get_service(AllDbs).dbs == [provider.get_service(Db)]

    def test_get_required_service_takes_a_component(
        self, services: ServiceCollection
    ) -> None:
        """get_required_service(T, component=) resolves from that component."""
        services.add_singleton(Db, component="user")
        provider = services.build_service_provider()
        assert provider.get_required_service(
            Db, component="user"
        ) is provider.get_service(Db, component="user")

    def test_missing_component_at_resolve_names_where_the_type_is(
        self, services: ServiceCollection
    ) -> None:
        """Resolving from a component that lacks T names the ones that have it."""
        services.add_singleton(Db, component="user")
        provider = services.build_service_provider()
        with pytest.raises(ServiceNotFoundError) as caught:
            provider.get_service(Db, component="comment")
        error = caught.value
        assert (error.service_type, error.component) == (Db, "comment")
        assert error.hint is not None
        assert "get_service(Db, component='user')" in error.hint
        assert "no registration for Db in component 'comment'" in str(error)


class TestComponentView:
    """``services.component(name)`` registers into that component."""

    def test_view_add_methods_register_into_the_component(
        self, services: ServiceCollection
    ) -> None:
        """Every kind of add* on a view records the view's component."""
        view = services.component("user")
        view.add_singleton(Db)
        view.add_scoped(Session)
        view.add_transient(Dao)
        view.add_instance(Conn, Conn())
        view.add_transient_factory(UserDao, lambda: UserDao(Db()))
        view.add(OtherDb, lifetime="singleton")
        view.add_alias(Sender, Db)
        assert {r.component for r in services} == {"user"}
        assert len(services) == 7

    def test_view_shares_the_registrations_of_its_collection(
        self, services: ServiceCollection
    ) -> None:
        """A view and its collection are one set of registrations."""
        services.add_singleton(Db)
        services.component("user").add_singleton(Db)
        provider = services.component("user").build_service_provider()
        assert provider.get_service(Db) is not provider.get_service(
            Db, component="user"
        )

    def test_explicit_component_wins_over_the_view(
        self, services: ServiceCollection
    ) -> None:
        """component= given to a view's add* registers into that component."""
        services.component("user").add_singleton(Db, component="comment")
        assert [r.component for r in services] == ["comment"]

    def test_contains_looks_at_the_views_component(
        self, services: ServiceCollection
    ) -> None:
        """``T in view`` is true only for registrations of the view's component."""
        services.component("user").add_singleton(Db)
        assert Db in services.component("user")
        assert Db not in services
        assert Db not in services.component("comment")

    def test_try_add_on_a_view_looks_only_at_its_component(
        self, services: ServiceCollection
    ) -> None:
        """try_add_* on a view ignores registrations in other components."""
        services.add_singleton(Db)
        services.component("user").try_add_singleton(Db, OtherDb)
        services.component("user").try_add_singleton(Db)
        provider = services.build_service_provider()
        assert type(provider.get_service(Db, component="user")) is OtherDb
        assert type(provider.get_service(Db)) is Db

    def test_replace_and_remove_all_on_a_view_touch_only_its_component(
        self, services: ServiceCollection
    ) -> None:
        """replace and remove_all on a view leave other components alone."""
        services.add_singleton(Db)
        services.add_singleton(Db, component="comment")
        user = services.component("user")
        user.add_singleton(Db)
        user.replace(Db, OtherDb, lifetime="singleton")
        assert [(r.implementation, r.component) for r in services] == [
            (Db, ""),
            (Db, "comment"),
            (OtherDb, "user"),
        ]
        user.remove_all(Db)
        assert [r.component for r in services] == ["", "comment"]

    def test_decorate_on_a_view_wraps_only_its_component(
        self, services: ServiceCollection
    ) -> None:
        """decorate on a view wraps the view's registration, not the default one."""
        services.add_singleton(Db)
        services.component("user").add_singleton(Db)
        services.component("user").decorate(Db, CachedDb)
        provider = services.build_service_provider()
        wrapped = provider.get_service(Db, component="user")
        assert isinstance(wrapped, CachedDb)
        assert type(wrapped.inner) is Db
        assert type(provider.get_service(Db)) is Db

    def test_view_repr_names_the_component(self, services: ServiceCollection) -> None:
        """A view's repr shows its component."""
        services.component("user").add_singleton(Db)
        assert repr(services.component("user")) == (
            "<wiredi.ServiceCollection(services=1, component='user')>"
        )

    def test_component_name_must_be_a_string(self, services: ServiceCollection) -> None:
        """A component name that is not a string is a RegistrationError at once."""
        with pytest.raises(RegistrationError, match="a component name is a string"):
            services.component(3)  # type: ignore[arg-type]
        with pytest.raises(RegistrationError, match="a component name is a string"):
            services.add_singleton(Db, component=3)  # type: ignore[call-overload]


class TestFromComponent:
    """``Annotated[T, FromComponent(name)]`` reaches into another component."""

    def test_from_component_defaults_to_the_default_component(self) -> None:
        """FromComponent() names the default component ""."""
        assert FromComponent() == FromComponent("")
        assert FromComponent().component == ""

    def test_constructor_hint_takes_the_named_component(
        self, services: ServiceCollection
    ) -> None:
        """A constructor parameter with FromComponent("user") gets user's Db."""
        services.add_singleton(Db)
        services.add_singleton(Db, OtherDb, component="user")
        services.add_transient(UserDao)
        provider = services.build_service_provider()
        assert provider.get_service(UserDao).db is provider.get_service(
            Db, component="user"
        )

    def test_constructor_hint_with_empty_marker_takes_the_default_component(
        self, services: ServiceCollection
    ) -> None:
        """FromComponent() in a component's registration reaches the default one."""
        services.add_singleton(Db)
        services.add_singleton(Db, OtherDb, component="user")
        services.add_transient(DefaultDbDao, component="user")
        provider = services.build_service_provider()
        dao = provider.get_service(DefaultDbDao, component="user")
        assert dao.db is provider.get_service(Db)

    def test_factory_hint_takes_the_named_component(
        self, services: ServiceCollection
    ) -> None:
        """A factory parameter with FromComponent("user") gets user's Db."""
        services.add_singleton(Db)
        services.add_singleton(Db, OtherDb, component="user")
        services.add_transient_factory(Dao, make_user_dao)
        provider = services.build_service_provider()
        assert provider.get_service(Dao).db is provider.get_service(
            Db, component="user"
        )

    def test_factory_hint_with_empty_marker_takes_the_default_component(
        self, services: ServiceCollection
    ) -> None:
        """A factory in component x with FromComponent() gets the default Db."""
        services.add_singleton(Db)
        services.add_singleton(Db, OtherDb, component="x")
        services.add_transient_factory(Dao, make_default_dao, component="x")
        provider = services.build_service_provider()
        assert provider.get_service(Dao, component="x").db is provider.get_service(Db)

    def test_one_service_takes_the_same_type_from_two_components(
        self, services: ServiceCollection
    ) -> None:
        """Two parameters of one type, from two components, get two graphs."""
        for name in ("user", "comment"):
            services.component(name).add_singleton(Db).add_transient(Dao)
        services.add_transient(TwoDaos)
        provider = services.build_service_provider()
        both = provider.get_service(TwoDaos)
        assert both.users.db is provider.get_service(Db, component="user")
        assert both.comments.db is provider.get_service(Db, component="comment")
        assert both.users.db is not both.comments.db

    def test_list_hint_takes_every_registration_of_the_named_component(
        self, services: ServiceCollection
    ) -> None:
        """Annotated[list[Db], FromComponent("user")] lists user's Dbs only."""
        services.add_singleton(Db)
        services.add_singleton(Db, component="user")
        services.add_singleton(Db, OtherDb, component="user")
        services.add_transient(AllUserDbs)
        provider = services.build_service_provider()
        assert provider.get_service(AllUserDbs).dbs == provider.get_services(
            Db, component="user"
        )

    def test_optional_hint_is_none_when_the_named_component_lacks_it(
        self, services: ServiceCollection
    ) -> None:
        """Annotated[Db | None, FromComponent("nowhere")] is None, not the default Db."""
        services.add_singleton(Db)
        services.add_transient(MaybeDb)
        assert services.build_service_provider().get_service(MaybeDb).db is None


class TestGetServicesPerComponent:
    """``get_services(T, component=)`` lists only that component."""

    def test_lists_only_the_components_registrations_in_order(
        self, services: ServiceCollection
    ) -> None:
        """get_services(Db, component="user") holds user's two Dbs, in order."""
        services.add_singleton(Db)
        services.add_singleton(Db, component="user")
        services.add_singleton(Db, component="comment")
        services.add_singleton(Db, OtherDb, component="user")
        provider = services.build_service_provider()
        users = provider.get_services(Db, component="user")
        assert [type(db) for db in users] == [Db, OtherDb]
        assert users[-1] is provider.get_service(Db, component="user")
        assert provider.get_services(Db) == [provider.get_service(Db)]
        assert provider.get_services(Db, component="comment") == [
            provider.get_service(Db, component="comment")
        ]

    def test_empty_for_a_component_without_the_type(
        self, services: ServiceCollection
    ) -> None:
        """A component with no registration of T gives an empty list."""
        services.add_singleton(Db, component="user")
        provider = services.build_service_provider()
        assert provider.get_services(Db) == []
        assert provider.get_services(Db, component="nowhere") == []

    def test_scope_lists_only_the_component(self, services: ServiceCollection) -> None:
        """A scope's get_services(T, component=) is per component too."""
        services.add_scoped(Session)
        services.add_scoped(Session, component="request")
        with services.build_service_provider().create_scope() as scope:
            sessions = scope.get_services(Session, component="request")
            assert sessions == [scope.get_service(Session, component="request")]
            assert sessions[0] is not scope.get_service(Session)


class TestAliasAcrossComponents:
    """``add_alias(..., source_component=)`` exposes one component's object in another."""

    def test_alias_exposes_the_same_singleton(
        self, services: ServiceCollection
    ) -> None:
        """The default component's alias resolves to user's very object."""
        services.add_singleton(Db, component="user")
        services.add_alias(Db, Db, source_component="user")
        provider = services.build_service_provider()
        assert provider.get_service(Db) is provider.get_service(Db, component="user")

    def test_alias_to_another_type_in_another_component(
        self, services: ServiceCollection
    ) -> None:
        """An alias may name a different type in the source component."""
        services.add_singleton(MySender, component="mail")
        services.add_alias(Sender, MySender, component="api", source_component="mail")
        provider = services.build_service_provider()
        assert provider.get_service(Sender, component="api") is provider.get_service(
            MySender, component="mail"
        )

    def test_alias_from_a_view_defaults_to_the_views_component(
        self, services: ServiceCollection
    ) -> None:
        """A view's add_alias registers in the view and reads source_component."""
        services.component("user").add_singleton(Db)
        services.component("comment").add_alias(Db, Db, source_component="user")
        provider = services.build_service_provider()
        assert provider.get_service(Db, component="comment") is provider.get_service(
            Db, component="user"
        )

    def test_alias_with_empty_source_component_reads_the_default_one(
        self, services: ServiceCollection
    ) -> None:
        """source_component="" takes the source from the default component."""
        services.add_singleton(Db)
        services.component("user").add_alias(Db, Db, source_component="")
        provider = services.build_service_provider()
        assert provider.get_service(Db, component="user") is provider.get_service(Db)

    def test_alias_feeds_dependencies_of_its_component(
        self, services: ServiceCollection
    ) -> None:
        """A Dao in comment takes Db through an alias to user's Db."""
        services.add_singleton(Db, component="user")
        comment = services.component("comment")
        comment.add_alias(Db, Db, source_component="user")
        comment.add_transient(Dao)
        provider = services.build_service_provider()
        dao = provider.get_service(Dao, component="comment")
        assert dao.db is provider.get_service(Db, component="user")

    def test_alias_of_a_scoped_source_is_the_same_object_in_a_scope(
        self, services: ServiceCollection
    ) -> None:
        """Within one scope, the alias and the scoped source are one object."""
        services.add_scoped(Session, component="request")
        services.add_alias(Session, Session, source_component="request")
        provider = services.build_service_provider()
        with provider.create_scope() as one, provider.create_scope() as two:
            first = one.get_service(Session)
            assert first is one.get_service(Session, component="request")
            assert first is not two.get_service(Session)

    def test_alias_to_self_in_the_same_component_is_rejected(
        self, services: ServiceCollection
    ) -> None:
        """add_alias(T, T) with the same component is a RegistrationError."""
        with pytest.raises(RegistrationError, match="cannot be an alias of itself"):
            services.component("user").add_alias(Db, Db)

    def test_alias_to_a_component_without_the_source_is_reported(
        self, services: ServiceCollection
    ) -> None:
        """A missing alias source names the empty component and where T really is."""
        services.add_singleton(Db, component="user")
        services.add_alias(Db, Db, source_component="comment")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        error = only_error(caught)
        assert isinstance(error, ServiceNotFoundError)
        assert (error.service_type, error.component) == (Db, "comment")
        assert "not registered in component 'comment'" in error.message
        assert error.hint is not None
        assert "'user'" in error.hint

    def test_missing_alias_source_path_ends_at_the_source(
        self, services: ServiceCollection
    ) -> None:
        """The path runs from the alias to the missing source in its component."""
        services.add_singleton(Db, component="user")
        services.add_alias(Db, Db, source_component="comment")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        error = only_error(caught)
        assert [(n.service_type, n.component) for n in error.path] == [
            (Db, ""),
            (Db, "comment"),
        ]

    def test_missing_alias_source_hint_does_not_point_at_the_alias_itself(
        self, services: ServiceCollection
    ) -> None:
        """The fix names only components with a real Db, not the alias's own one."""
        services.add_singleton(Db, component="user")
        services.add_alias(Db, Db, source_component="comment")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        error = only_error(caught)
        assert error.hint is not None
        assert "FromComponent('')" not in error.hint
        assert "component(s) 'user';" in error.hint


class TestValidation:
    """Build-time validation follows edges across components."""

    def test_missing_dependency_present_elsewhere_names_the_components(
        self, services: ServiceCollection
    ) -> None:
        """A Db missing from user but in comment is reported with both names."""
        services.add_singleton(Db, component="comment")
        services.add_transient(Dao, component="user")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        error = only_error(caught)
        assert isinstance(error, ServiceNotFoundError)
        assert (error.service_type, error.component) == (Db, "user")
        assert [(n.service_type, n.component) for n in error.path] == [
            (Dao, "user"),
            (Db, "user"),
        ]
        assert error.message == (
            "Dao needs Db (parameter 'db'), which is not registered in component 'user'"
        )
        assert error.hint == (
            "Db is registered in component(s) 'comment'; take it from there with "
            "Annotated[Db, FromComponent('comment')], or register it in component "
            "'user'"
        )

    def test_rendered_error_shows_the_annotation_to_write(
        self, services: ServiceCollection
    ) -> None:
        """str(GraphValidationError) carries the exact FromComponent annotation."""
        services.add_singleton(Db, component="user")
        services.add_transient(Dao)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        text = str(caught.value)
        assert "path: Dao -> Db" in text
        assert "Annotated[Db, FromComponent('user')]" in text

    def test_every_component_with_the_type_is_named(
        self, services: ServiceCollection
    ) -> None:
        """When several components have the type, all of them are listed, sorted."""
        services.add_singleton(Db, component="user")
        services.add_singleton(Db, component="comment")
        services.add_transient(Dao)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        hint = only_error(caught).hint
        assert hint is not None
        assert hint.startswith("Db is registered in component(s) 'comment', 'user';")

    def test_from_component_naming_an_empty_component_is_reported(
        self, services: ServiceCollection
    ) -> None:
        """FromComponent("user") with Db only in the default component is reported."""
        services.add_singleton(Db)
        services.add_transient(UserDao)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        error = only_error(caught)
        assert isinstance(error, ServiceNotFoundError)
        assert error.component == "user"
        assert error.hint is not None
        assert "Annotated[Db, FromComponent('')]" in error.hint

    def test_type_registered_nowhere_suggests_registering_it_in_the_component(
        self, services: ServiceCollection
    ) -> None:
        """With Db in no component, the fix is to register it in the Dao's one."""
        services.add_transient(Dao, component="user")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert only_error(caught).hint == (
            "register it, e.g. services.add_transient(Db, component='user'), "
            "or give the parameter a default"
        )

    def test_every_problem_in_every_component_is_collected(
        self, services: ServiceCollection
    ) -> None:
        """Missing dependencies in two components are both reported at once."""
        services.add_singleton(Db, component="comment")
        services.add_transient(Dao, component="user")
        services.add_transient(Dao, component="audit")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert sorted(e.component for e in caught.value.errors) == ["audit", "user"]
        assert all(isinstance(e, ServiceNotFoundError) for e in caught.value.errors)

    def test_cycle_across_components_is_found(
        self, services: ServiceCollection
    ) -> None:
        """Ping (default) -> Pong (b) -> Ping (default) is a cycle."""
        services.add_transient(Ping)
        services.add_transient(Pong, component="b")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        error = only_error(caught)
        assert isinstance(error, CircularDependencyError)
        assert [(n.service_type, n.component) for n in error.path] == [
            (Ping, ""),
            (Pong, "b"),
            (Ping, ""),
        ]
        assert "path: Ping -> Pong@b -> Ping (transient)" in str(error)

    def test_cycle_through_an_alias_across_components_is_found(
        self, services: ServiceCollection
    ) -> None:
        """A cycle closed by an alias in another component is found."""
        services.add_singleton(Ping)
        services.add_alias(Pong, Ping, component="b", source_component="")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert isinstance(only_error(caught), CircularDependencyError)

    def test_same_type_in_two_components_is_not_a_cycle(
        self, services: ServiceCollection
    ) -> None:
        """Dao in user and Dao in comment are distinct nodes of one valid graph."""
        for name in ("user", "comment"):
            services.component(name).add_singleton(Db).add_transient(Dao)
        services.add_alias(Dao, Dao, source_component="user")
        services.add_transient(TwoDaos)
        provider = services.build_service_provider()
        assert isinstance(provider.get_service(TwoDaos), TwoDaos)
        assert provider.get_service(Dao).db is provider.get_service(
            Db, component="user"
        )

    def test_singleton_capturing_scoped_of_another_component_is_found(
        self, services: ServiceCollection
    ) -> None:
        """A singleton in a that takes a scoped Session from request is an error."""
        services.add_singleton(Cache, component="a")
        services.add_scoped(Session, component="request")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        error = only_error(caught)
        assert isinstance(error, LifetimeError)
        assert [(n.service_type, n.component, n.lifetime) for n in error.path] == [
            (Cache, "a", "singleton"),
            (Session, "request", "scoped"),
        ]
        assert "path: Cache@a -> Session@request (scoped)" in str(error)

    def test_capture_through_a_transient_in_a_third_component_is_found(
        self, services: ServiceCollection
    ) -> None:
        """A transient in between, in yet another component, does not hide it."""
        services.add_singleton(CacheViaMiddle, component="a")
        services.add_transient(Middle, component="mid")
        services.add_scoped(Session, component="request")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        error = only_error(caught)
        assert isinstance(error, LifetimeError)
        assert [n.component for n in error.path] == ["a", "mid", "request"]

    def test_capture_through_an_alias_across_components_is_found(
        self, services: ServiceCollection
    ) -> None:
        """An alias to a scoped service has its source's lifetime."""
        services.add_scoped(Session, component="db")
        services.add_alias(Session, Session, component="request", source_component="db")
        services.add_singleton(Cache)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert isinstance(only_error(caught), LifetimeError)

    def test_scoped_taking_a_singleton_of_another_component_is_valid(
        self, services: ServiceCollection
    ) -> None:
        """A scoped service may take a singleton from another component."""
        services.add_singleton(Db, component="user")
        services.add_scoped(UserDao)
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            assert scope.get_service(UserDao).db is provider.get_service(
                Db, component="user"
            )


class TestComponentsWithScopes:
    """Scoped and custom lifetimes are per scope and per component."""

    def test_scoped_is_one_per_scope_per_component(
        self, services: ServiceCollection
    ) -> None:
        """Each component has its own scoped instance in each scope."""
        services.add_scoped(Session)
        services.add_scoped(Session, component="request")
        provider = services.build_service_provider()
        with provider.create_scope() as one, provider.create_scope() as two:
            first = one.get_service(Session, component="request")
            assert first is one.get_service(Session, component="request")
            assert first is not one.get_service(Session)
            assert first is not two.get_service(Session, component="request")

    def test_scoped_component_service_from_the_root_raises_scope_error(
        self, services: ServiceCollection
    ) -> None:
        """A component's scoped service resolved from the root is a ScopeError."""
        services.add_scoped(Session, component="request")
        provider = services.build_service_provider()
        with pytest.raises(ScopeError) as caught:
            provider.get_service(Session, component="request")
        assert caught.value.component == "request"
        assert "path: Session@request (scoped)" in str(caught.value)

    def test_scope_error_fix_names_the_component(
        self, services: ServiceCollection
    ) -> None:
        """The suggested scope.get_service call keeps component="request"."""
        services.add_scoped(Session, component="request")
        provider = services.build_service_provider()
        with pytest.raises(ScopeError) as caught:
            provider.get_service(Session, component="request")
        assert caught.value.hint is not None
        assert "scope.get_service(Session, component='request')" in caught.value.hint

    def test_singleton_of_a_component_is_shared_by_every_scope(
        self, services: ServiceCollection
    ) -> None:
        """A component's singleton is the same in the root and in each scope."""
        services.add_singleton(Db, component="user")
        provider = services.build_service_provider()
        with provider.create_scope() as scope:
            in_scope = scope.get_service(Db, component="user")
        assert in_scope is provider.get_service(Db, component="user")

    def test_scope_disposes_each_components_objects_in_reverse_order(
        self, services: ServiceCollection
    ) -> None:
        """Closing a scope closes the scoped objects of every component, LIFO."""
        services.add_scoped(Conn, component="user")
        services.add_scoped(Conn, component="comment")
        with services.build_service_provider().create_scope() as scope:
            user = scope.get_service(Conn, component="user")
            comment = scope.get_service(Conn, component="comment")
        assert CLOSED == [comment, user]

    def test_provider_disposes_each_components_singletons(
        self, services: ServiceCollection
    ) -> None:
        """Closing the provider closes the singletons of every component, LIFO."""
        services.add_singleton(Conn, component="user")
        services.add_singleton(Conn, component="comment")
        with services.build_service_provider() as provider:
            user = provider.get_service(Conn, component="user")
            comment = provider.get_service(Conn, component="comment")
            assert CLOSED == []
        assert CLOSED == [comment, user]

    def test_custom_scope_is_per_component(self, services: ServiceCollection) -> None:
        """A custom-lifetime service is cached per scope id and per component."""
        from wiredi import ContextScopeManager

        services.add_scope_manager("tenant", ContextScopeManager())
        services.add(Db, lifetime="tenant", component="user")
        services.add(Db, lifetime="tenant")
        provider = services.build_service_provider()
        with provider.create_scope("tenant", "acme") as scope:
            acme = scope.get_service(Db, component="user")
            assert acme is scope.get_service(Db, component="user")
            assert acme is not scope.get_service(Db)
        with provider.create_scope("tenant", "acme") as scope:
            assert scope.get_service(Db, component="user") is acme
        with provider.create_scope("tenant", "globex") as scope:
            assert scope.get_service(Db, component="user") is not acme


class TestAsyncComponents:
    """Async resolution takes ``component=`` like sync resolution."""

    async def test_get_service_async_resolves_from_the_component(
        self, services: ServiceCollection
    ) -> None:
        """An async factory in component user feeds user's Dao."""
        services.add_singleton_factory(Db, open_db, component="user")
        services.add_transient(Dao, component="user")
        provider = services.build_service_provider()
        dao = await provider.get_service_async(Dao, component="user")
        assert dao.db is await provider.get_service_async(Db, component="user")

    async def test_async_scope_resolves_and_closes_per_component(
        self, services: ServiceCollection
    ) -> None:
        """An async generator factory in a component is finalised by its scope."""
        services.add_scoped_factory(AsyncConn, open_async_conn, component="user")
        provider = services.build_service_provider()
        async with provider.create_scope() as scope:
            conn = await scope.get_service_async(AsyncConn, component="user")
            assert conn is await scope.get_service_async(AsyncConn, component="user")
            assert not conn.closed
        assert conn.closed

    def test_sync_call_reaching_async_factory_names_the_component(
        self, services: ServiceCollection
    ) -> None:
        """AsyncResolutionError's path carries the components of its nodes."""
        services.add_singleton_factory(Db, open_db, component="user")
        services.add_transient(Dao, component="user")
        provider = services.build_service_provider()
        with pytest.raises(AsyncResolutionError) as caught:
            provider.get_service(Dao, component="user")
        assert "path: Dao@user -> Db@user (singleton)" in str(caught.value)

    def test_async_resolution_error_fix_names_the_component(
        self, services: ServiceCollection
    ) -> None:
        """The suggested get_service_async call keeps component="user"."""
        services.add_singleton_factory(Db, open_db, component="user")
        services.add_transient(Dao, component="user")
        provider = services.build_service_provider()
        with pytest.raises(AsyncResolutionError) as caught:
            provider.get_service(Dao, component="user")
        assert caught.value.hint is not None
        assert "get_service_async(Dao, component='user')" in caught.value.hint


class TestContextInComponents:
    """``DependencyContext`` reports components."""

    def test_context_reports_the_component_of_a_top_level_resolve(
        self, services: ServiceCollection
    ) -> None:
        """Resolving SeesContext from log reports log, with no parent."""
        services.add_transient(SeesContext, component="log")
        seen = services.build_service_provider().get_service(
            SeesContext, component="log"
        )
        assert (seen.component, seen.parent) == ("log", None)

    def test_context_across_components_reports_both_sides(
        self, services: ServiceCollection
    ) -> None:
        """The edge's component is log; its parent's is the parent's own."""
        services.add_transient(SeesContext, component="log")
        services.add_transient(HasContextual, component="web")
        seen = (
            services.build_service_provider()
            .get_service(HasContextual, component="web")
            .seen
        )
        assert seen.component == "log"
        assert seen.parent is not None
        assert (seen.parent.service_type, seen.parent.component) == (
            HasContextual,
            "web",
        )
        assert [(n.service_type, n.component) for n in seen.path] == [
            (HasContextual, "web")
        ]

    def test_context_factory_in_a_component_sees_its_component(
        self, services: ServiceCollection
    ) -> None:
        """A factory taking DependencyContext in a component reads that component."""

        def describe(context: DependencyContext) -> str:
            return f"built in {context.component!r}"

        services.add_transient_factory(str, describe, component="log")
        provider = services.build_service_provider()
        assert provider.get_service(str, component="log") == "built in 'log'"


class TestBuiltinsInEveryComponent:
    """The provider, context and graph are available in every component."""

    def test_service_provider_is_injected_in_a_component(
        self, services: ServiceCollection
    ) -> None:
        """ServiceProvider in a component's registration is the provider itself."""
        services.add_transient(TakesProvider, component="user")
        provider = services.build_service_provider()
        assert (
            provider.get_service(TakesProvider, component="user").provider is provider
        )

    def test_resolver_is_the_scope_in_a_component(
        self, services: ServiceCollection
    ) -> None:
        """Resolver in a component's scoped registration is the scope."""
        services.add_scoped(TakesResolver, component="user")
        with services.build_service_provider().create_scope() as scope:
            assert scope.get_service(TakesResolver, component="user").resolver is scope

    def test_dependency_context_is_injected_in_a_component(
        self, services: ServiceCollection
    ) -> None:
        """DependencyContext needs no registration in a component."""
        services.add_transient(SeesContext, component="user")
        provider = services.build_service_provider()
        assert provider.get_service(SeesContext, component="user").component == "user"

    def test_current_graph_is_injected_in_a_component(
        self, services: ServiceCollection
    ) -> None:
        """CurrentGraph in a component sees what the graph created there."""
        services.add_transient(Db, component="user")
        services.add_transient(TakesGraph, component="user")
        taken = services.build_service_provider().get_service(
            TakesGraph, component="user"
        )
        assert taken.found is taken.db

    def test_use_from_current_graph_shares_one_object_in_a_component(
        self, services: ServiceCollection
    ) -> None:
        """use_from_current_graph(T, component=) shares the object in a component."""
        user = services.component("user")
        user.add_transient(Sender, MySender)
        user.add_transient_factory(
            BatchSender, use_from_current_graph(MySender, component="user")
        )
        user.add_transient(Client)
        client = services.build_service_provider().get_service(Client, component="user")
        assert client.sender is client.batch

    def test_current_graph_does_not_hand_out_another_components_object(
        self, services: ServiceCollection
    ) -> None:
        """A MySender the graph built in component a is not reused for the default."""
        services.add_transient(Sender, MySender, component="a")
        services.add_transient(Sender, MySender)
        services.add_transient_factory(BatchSender, use_from_current_graph(MySender))
        services.add_transient(ClientWithForeignSender)
        client = services.build_service_provider().get_service(ClientWithForeignSender)
        assert client.batch is client.sender
        assert client.batch is not client.foreign
        assert client.sender is not client.foreign


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "components" / "app.py"


@pytest.fixture(name="example_run", scope="module")
def _example_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> subprocess.CompletedProcess[str]:
    # From an unrelated folder: the script must not depend on the cwd.
    return subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=tmp_path_factory.mktemp("components"),
        timeout=60,
        check=False,
    )


class TestExample:
    """``examples/components/app.py`` keeps users and comments in separate DBs."""

    def test_exits_zero_without_stderr(
        self, example_run: subprocess.CompletedProcess[str]
    ) -> None:
        """The script exits with status 0 and writes nothing to stderr."""
        assert (example_run.returncode, example_run.stderr) == (0, "")

    def test_each_database_holds_only_its_own_table(
        self, example_run: subprocess.CompletedProcess[str]
    ) -> None:
        """users.db lists only the users table and comments.db only comments."""
        lines = example_run.stdout.splitlines()
        assert "users.db: tables ['users'], 2 rows" in lines
        assert "comments.db: tables ['comments'], 3 rows" in lines

    def test_prints_the_thread_joined_across_components(
        self, example_run: subprocess.CompletedProcess[str]
    ) -> None:
        """The top-level service combines rows from both components."""
        out = example_run.stdout
        assert "ada: Components keep registrations apart." in out
        assert "grace: And FromComponent reaches across." in out

    def test_reports_that_the_default_component_has_no_connection(
        self, example_run: subprocess.CompletedProcess[str]
    ) -> None:
        """The example shows the error for DBConnection in the default component."""
        assert "get_service(DBConnection, component='comment')" in example_run.stdout

    def test_connections_are_closed_by_disposal(
        self, example_run: subprocess.CompletedProcess[str]
    ) -> None:
        """Closing the provider closes both connections."""
        assert "connections closed: user=True comment=True" in example_run.stdout

    def test_each_dao_writes_only_to_its_own_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Imported, the example's services put users and comments in two files."""
        spec = importlib.util.spec_from_file_location("components_app", EXAMPLE)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # dataclasses look their module up in sys.modules while it executes.
        monkeypatch.setitem(sys.modules, "components_app", module)
        spec.loader.exec_module(module)
        with module.build_services(tmp_path).build_service_provider() as provider:
            with provider.create_scope() as scope:
                scope.get_service(module.BlogService).post("ada", "hello")
        with closing(sqlite3.connect(tmp_path / "comments.db")) as conn:
            assert conn.execute("SELECT body FROM comments").fetchall() == [("hello",)]
        with closing(sqlite3.connect(tmp_path / "users.db")) as conn:
            assert conn.execute("SELECT name FROM users").fetchall() == [("ada",)]
