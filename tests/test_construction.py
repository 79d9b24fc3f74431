"""Classes are wired from the constructor Python calls (SPEC 13.1)."""

from __future__ import annotations

import enum
import inspect
import sys
import types
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import (
    Annotated,
    Any,
    Generic,
    Literal,
    NamedTuple,
    NewType,
    Optional,
    Protocol,
    TypeVar,
    Union,
)

import pytest

from tests import fakes_inherited_future
from tests.fakes_inherited import SubHandler
from wiredi import (
    FromComponent,
    GraphValidationError,
    RegistrationError,
    Resolver,
    ServiceCollection,
    ServiceNotFoundError,
)

T = TypeVar("T")
U = TypeVar("U")
UserId = NewType("UserId", int)


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class Db: ...


class IRepo(Protocol):
    def find(self) -> str: ...


class BaseRepo:
    def __init__(self, db: Db) -> None:
        self.db = db


class SqlRepo(IRepo, BaseRepo):
    def find(self) -> str:
        return "sql"


class UnbuiltRepo(IRepo, BaseRepo):
    """Never instantiated: Protocol's stub would then cache BaseRepo.__init__."""

    def find(self) -> str:
        return "unbuilt"


class MiddleRepo(BaseRepo):
    pass


class DeepRepo(IRepo, MiddleRepo):
    def find(self) -> str:
        return "deep"


class Point(NamedTuple):
    db: Db
    size: int = 3


class BuiltByNew:
    db: Db

    def __new__(cls, db: Db) -> BuiltByNew:
        made = super().__new__(cls)
        made.db = db
        return made


class InitWins:
    def __new__(cls, *args: Any, **kwargs: Any) -> InitWins:
        return super().__new__(cls)

    def __init__(self, db: Db) -> None:
        self.db = db


class Box(Generic[T]):
    def __init__(self, item: T) -> None:
        self.item = item


class IntBox(Box[int]):
    pass


class Pair(Generic[T, U]):
    def __init__(self, first: T, second: list[U]) -> None:
        self.first = first
        self.second = second


class Half(Pair[str, U], Generic[U]):
    pass


class StrIntPair(Half[int]):
    pass


class TestConstructorRead:
    def test_protocol_before_base_is_wired_from_the_base(
        self, services: ServiceCollection
    ) -> None:
        """class SqlRepo(IRepo, BaseRepo) gets BaseRepo.__init__'s dependencies."""
        services.add_singleton(Db).add_transient(IRepo, SqlRepo)  # type: ignore[type-abstract]
        provider = services.build_service_provider()
        repo = provider.get_service(IRepo)  # type: ignore[type-abstract]
        assert isinstance(repo, SqlRepo)
        assert repo.db is provider.get_service(Db)

    def test_deeper_hierarchy_is_wired_from_the_first_real_init(
        self, services: ServiceCollection
    ) -> None:
        """The __init__ two levels below the Protocol is the one read."""
        services.add_singleton(Db).add_transient(DeepRepo)
        provider = services.build_service_provider()
        assert provider.get_service(DeepRepo).db is provider.get_service(Db)

    def test_validation_sees_the_base_dependencies(
        self, services: ServiceCollection
    ) -> None:
        """A missing dependency of the base's __init__ fails the build."""
        services.add_transient(IRepo, UnbuiltRepo)  # type: ignore[type-abstract]
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, ServiceNotFoundError)
        assert error.service_type is Db

    def test_named_tuple_is_wired_from_new(self, services: ServiceCollection) -> None:
        """A NamedTuple's fields are its dependencies; defaults are kept."""
        services.add_singleton(Db).add_transient(Point)
        provider = services.build_service_provider()
        point = provider.get_service(Point)
        assert point == Point(provider.get_service(Db), 3)

    def test_class_with_only_new_is_wired_from_new(
        self, services: ServiceCollection
    ) -> None:
        """__new__(cls, db: Db) receives db; cls is not a dependency."""
        services.add_singleton(Db).add_transient(BuiltByNew)
        provider = services.build_service_provider()
        assert provider.get_service(BuiltByNew).db is provider.get_service(Db)

    def test_init_wins_over_new(self, services: ServiceCollection) -> None:
        """With both, __init__'s parameters are read, as Python passes them to both."""
        services.add_singleton(Db).add_transient(InitWins)
        provider = services.build_service_provider()
        assert provider.get_service(InitWins).db is provider.get_service(Db)

    def test_builtin_subclass_without_a_constructor(
        self, services: ServiceCollection
    ) -> None:
        """float's own __new__ takes nothing wiredi must supply: Celsius() is built."""
        services.add_transient(Celsius)
        assert services.build_service_provider().get_service(Celsius) == 0.0

    def test_validation_sees_new_dependencies(
        self, services: ServiceCollection
    ) -> None:
        """A missing __new__ dependency fails the build, not the resolve."""
        services.add_transient(BuiltByNew)
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert caught.value.errors[0].service_type is Db


@dataclass
class AuditedHandler(fakes_inherited_future.Handler):
    """Inherits ``client: "Client"``; its own hint names a class of this module."""

    db: Db | None = None


def _module(
    monkeypatch: pytest.MonkeyPatch, name: str, source: str
) -> types.ModuleType:
    """A module of its own, made from ``source`` and importable as ``name``."""
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


class TestInheritedFieldHints:
    def test_dataclass_inheriting_a_string_hint_from_another_module(
        self, services: ServiceCollection
    ) -> None:
        """An inherited field's string hint is read in the module that declares it."""
        services.add_transient(fakes_inherited_future.Client)
        services.add_transient(SubHandler)
        handler = services.build_service_provider().get_service(SubHandler)
        assert isinstance(handler.client, fakes_inherited_future.Client)
        assert handler.extra == 0

    def test_subclass_in_a_future_annotations_module(
        self, services: ServiceCollection
    ) -> None:
        """Inherited and own string hints are each read in their own module."""
        services.add_singleton(Db).add_transient(fakes_inherited_future.Client)
        services.add_transient(AuditedHandler)
        provider = services.build_service_provider()
        handler = provider.get_service(AuditedHandler)
        assert isinstance(handler.client, fakes_inherited_future.Client)
        assert handler.db is provider.get_service(Db)

    def test_a_rebound_name_in_the_declaring_module_is_read_again(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A later build sees the name rebound where the inherited hint was written."""
        services = ServiceCollection().add_transient(fakes_inherited_future.Client)
        services.add_transient(SubHandler)
        services.build_service_provider().get_service(SubHandler)

        class Replacement: ...

        monkeypatch.setattr(fakes_inherited_future, "Client", Replacement)
        services = ServiceCollection().add_transient(Replacement)
        services.add_transient(SubHandler)
        handler = services.build_service_provider().get_service(SubHandler)
        assert isinstance(handler.client, Replacement)

    def test_attrs_class_inheriting_a_string_hint_from_another_module(
        self, monkeypatch: pytest.MonkeyPatch, services: ServiceCollection
    ) -> None:
        """attrs fields, private ones included, are read where they are declared."""
        pytest.importorskip("attrs")
        base = _module(
            monkeypatch,
            "wiredi_attrs_base",
            "from __future__ import annotations\n"
            "import attrs\n"
            "class Client: ...\n"
            "@attrs.define\n"
            "class Base:\n"
            "    client: Client\n"
            "    _spare: Client\n",
        )
        derived = _module(
            monkeypatch,
            "wiredi_attrs_derived",
            "import attrs\n"
            "import wiredi_attrs_base\n"
            "@attrs.define\n"
            "class Derived(wiredi_attrs_base.Base):\n"
            "    extra: int = 0\n",
        )
        services.add_transient(base.Client).add_transient(derived.Derived)
        built = services.build_service_provider().get_service(derived.Derived)
        assert isinstance(built.client, base.Client)
        assert isinstance(built._spare, base.Client)


class Tagged(Generic[T]):
    def __init__(
        self,
        maybe: T | None,
        items: list[T],
        tagged: Annotated[T, FromComponent("tags")],
        boxed: Box[T],
        names: list[str],
    ) -> None:
        self.maybe, self.items, self.tagged = maybe, items, tagged
        self.boxed, self.names = boxed, names


class Mixin:
    def describe(self) -> str:
        return "mixin"


class MixedBox(Mixin, Box[str]):
    pass


class Celsius(float):
    """A builtin's subclass with no constructor of its own."""


class TestParameterisedGenerics:
    def test_self_bound_parameterised_generic(
        self, services: ServiceCollection
    ) -> None:
        """add_singleton(Box[int]) fills T with int."""
        services.add_instance(int, 5).add_singleton(Box[int])
        assert services.build_service_provider().get_service(Box[int]).item == 5

    def test_concrete_subclass_of_a_parameterised_base(
        self, services: ServiceCollection
    ) -> None:
        """add_singleton(Box[int], IntBox) with class IntBox(Box[int]) fills T."""
        services.add_instance(int, 7).add_singleton(Box[int], IntBox)
        box = services.build_service_provider().get_service(Box[int])
        assert isinstance(box, IntBox)
        assert box.item == 7

    def test_type_variables_flow_through_several_bases(
        self, services: ServiceCollection
    ) -> None:
        """StrIntPair(Half[int]) with Half(Pair[str, U]) gives Pair str and list[int]."""
        services.add_instance(str, "a").add_instance(int, 1).add_instance(int, 2)
        services.add_transient(StrIntPair)
        pair = services.build_service_provider().get_service(StrIntPair)
        assert (pair.first, pair.second) == ("a", [1, 2])

    def test_type_variables_inside_optional_list_and_annotated(
        self, services: ServiceCollection
    ) -> None:
        """T | None, list[T], Annotated[T, ...] and Box[T] are filled too."""
        services.add_instance(int, 1).add_instance(int, 2).add_instance(str, "n")
        services.component("tags").add_instance(int, 9)
        services.add_transient(Box)
        services.add_transient(Tagged[int])
        tagged = services.build_service_provider().get_service(Tagged[int])
        assert (tagged.maybe, tagged.items, tagged.tagged) == (2, [1, 2], 9)
        assert tagged.boxed.item == 2
        assert tagged.names == ["n"]

    def test_mixin_before_the_generic_base(self, services: ServiceCollection) -> None:
        """class MixedBox(Mixin, Box[str]): T comes through the second base."""
        services.add_instance(str, "s").add_transient(MixedBox)
        assert services.build_service_provider().get_service(MixedBox).item == "s"

    def test_same_result_as_the_open_registration(
        self, services: ServiceCollection
    ) -> None:
        """Box[int] registered closed is built as the open Box resolved as Box[int]."""
        services.add_instance(int, 3).add_transient(Box)
        open_box = services.build_service_provider().get_service(Box[int])
        closed = ServiceCollection().add_instance(int, 3).add_transient(Box[int])
        closed_box = closed.build_service_provider().get_service(Box[int])
        assert open_box.item == closed_box.item == 3

    def test_missing_argument_type_is_reported_by_name(
        self, services: ServiceCollection
    ) -> None:
        """Validation names int, the filled-in type, not the type variable."""
        services.add_singleton(Box[int])
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        assert caught.value.errors[0].service_type is int


class TestKeywordOnlyFactory:
    def test_unhinted_keyword_only_parameter_receives_the_resolver(
        self, services: ServiceCollection
    ) -> None:
        """lambda *, sp: ... is called with sp=<the resolver>."""
        seen: list[Resolver] = []

        def make(*, sp):
            seen.append(sp)
            return Db()

        services.add_transient_factory(Db, make)
        provider = services.build_service_provider()
        assert isinstance(provider.get_service(Db), Db)
        assert seen == [provider]

    def test_keyword_only_lambda_singleton(self, services: ServiceCollection) -> None:
        """A singleton factory written as a keyword-only lambda works too."""
        services.add_singleton_factory(Db, lambda *, sp: Db())
        assert isinstance(services.build_service_provider().get_service(Db), Db)


UNCONSTRUCTIBLE = [
    pytest.param(int | None, "an optional type", id="int | None"),
    pytest.param(Optional[Db], "an optional type", id="Optional"),
    pytest.param(Union[int, str], "a union", id="Union"),
    pytest.param(Literal[1], "a Literal", id="Literal"),
    pytest.param(UserId, "a NewType of int", id="NewType"),
    pytest.param(Color, "an Enum", id="Enum"),
    pytest.param(type, "a type of classes", id="type"),
    pytest.param(type[Db], "a type of classes", id="type[Db]"),
    pytest.param(Any, "typing.Any", id="Any"),
]


class TestUnconstructibleSelfBound:
    @pytest.mark.parametrize(("form", "what"), UNCONSTRUCTIBLE)
    def test_self_bound_form_fails_at_the_add_call(
        self, services: ServiceCollection, form: Any, what: str
    ) -> None:
        """add_singleton(form) raises RegistrationError naming the call and a fix."""
        with pytest.raises(RegistrationError) as caught:
            services.add_singleton(form)
        error = caught.value
        assert error.message.startswith("add_singleton(")
        assert f"is {what}" in error.message
        assert error.registered_at is not None
        assert error.registered_at.startswith("test_construction.py:")
        assert error.hint
        assert len(services) == 0

    @pytest.mark.parametrize(("form", "what"), UNCONSTRUCTIBLE[:3])
    def test_every_add_form_checks_it(
        self, services: ServiceCollection, form: Any, what: str
    ) -> None:
        """add(), add_scoped() and try_add_transient() refuse it the same way."""
        with pytest.raises(RegistrationError, match=what):
            services.add(form, lifetime="scoped")
        with pytest.raises(RegistrationError, match=what):
            services.add_scoped(form)
        with pytest.raises(RegistrationError, match=what):
            services.try_add_transient(form)

    def test_enum_fix_names_a_member(self, services: ServiceCollection) -> None:
        """The fix for an Enum shows add_instance with its first member."""
        with pytest.raises(RegistrationError) as caught:
            services.add_singleton(Color)
        assert caught.value.hint is not None
        assert "add_instance(Color, Color.RED)" in caught.value.hint

    def test_type_variable_is_refused_with_its_own_fix(
        self, services: ServiceCollection
    ) -> None:
        """add_singleton(T) says a TypeVar is not a type and what to register."""
        with pytest.raises(RegistrationError, match="is a TypeVar") as caught:
            services.add_singleton(T)  # type: ignore[misc]
        assert caught.value.hint is not None
        assert "generic class" in caught.value.hint

    def test_new_type_with_a_factory_is_valid(
        self, services: ServiceCollection
    ) -> None:
        """add_singleton_factory(UserId, ...) resolves to what the factory returns."""
        services.add_singleton_factory(UserId, lambda: UserId(42))
        assert services.build_service_provider().get_service(UserId) == 42

    def test_enum_and_literal_instances_are_valid(
        self, services: ServiceCollection
    ) -> None:
        """add_instance of an Enum member or a Literal value is returned as is."""
        services.add_instance(Color, Color.BLUE)
        services.add_instance(Literal["eu", "us"], "eu")
        provider = services.build_service_provider()
        assert provider.get_service(Color) is Color.BLUE
        assert provider.get_service(Literal["eu", "us"]) == "eu"

    def test_optional_service_type_with_an_instance_or_factory(
        self, services: ServiceCollection
    ) -> None:
        """int | None registered with an instance, or Db | None with a factory."""
        services.add_instance(int | None, 5)
        services.add_scoped_factory(Db | None, lambda: None)
        provider = services.build_service_provider()
        assert provider.get_service(int | None) == 5
        with provider.create_scope() as scope:
            assert scope.get_service(Db | None) is None


class Report:
    def __init__(self, db: Db) -> None:
        self.db = db


def no_db() -> Db:
    return None  # type: ignore[return-value]


def _line_of(function: Any, text: str) -> str:
    lines, start = inspect.getsourcelines(function)
    offset = next(i for i, line in enumerate(lines) if text in line)
    return f"test_construction.py:{start + offset}"


class TestFactoryReturningNone:
    def test_transient_factory_returning_none_raises(
        self, services: ServiceCollection
    ) -> None:
        """The error names the factory and the line of its registration."""
        services.add_transient_factory(Db, no_db)
        provider = services.build_service_provider()
        with pytest.raises(RegistrationError) as caught:
            provider.get_service(Db)
        error = caught.value
        assert error.message == "the factory no_db of Db returned None"
        assert error.registered_at == _line_of(
            type(self).test_transient_factory_returning_none_raises,
            "add_transient_factory(Db, no_db)",
        )
        assert error.hint is not None
        assert "Db | None" in error.hint

    def test_singleton_factory_returning_none_raises_and_is_retried(
        self, services: ServiceCollection
    ) -> None:
        """A singleton is not cached as None: every resolve raises again."""
        services.add_singleton_factory(Db, no_db)
        provider = services.build_service_provider()
        for _ in range(2):
            with pytest.raises(RegistrationError, match="returned None"):
                provider.get_service(Db)

    def test_path_names_the_service_that_needed_it(
        self, services: ServiceCollection
    ) -> None:
        """Resolved as a dependency, the error's path leads to the factory."""
        services.add_scoped_factory(Db, no_db).add_scoped(Report)
        with (
            services.build_service_provider().create_scope() as scope,
            pytest.raises(RegistrationError) as caught,
        ):
            scope.get_service(Report)
        assert [node.service_type for node in caught.value.path] == [Report, Db]

    async def test_async_factory_returning_none_raises(
        self, services: ServiceCollection
    ) -> None:
        """An async factory's None is refused the same way."""

        async def make() -> Db:
            return None  # type: ignore[return-value]

        services.add_scoped_factory(Db, make)
        async with services.build_service_provider().create_scope() as scope:
            with pytest.raises(RegistrationError, match="factory make of Db"):
                await scope.get_service_async(Db)

    def test_generator_yielding_none_raises_and_is_finalised(
        self, services: ServiceCollection
    ) -> None:
        """A generator that yields None raises; its cleanup still runs at close."""
        closed: list[bool] = []

        def make() -> Iterator[Db]:
            yield None  # type: ignore[misc]
            closed.append(True)

        services.add_scoped_factory(Db, make)
        with services.build_service_provider().create_scope() as scope:
            with pytest.raises(RegistrationError, match="returned None"):
                scope.get_service(Db)
            assert closed == []
        assert closed == [True]

    async def test_async_generator_yielding_none_raises(
        self, services: ServiceCollection
    ) -> None:
        """An async generator factory that yields None raises too."""

        async def make() -> AsyncIterator[Db]:
            yield None  # type: ignore[misc]

        services.add_scoped_factory(Db, make)
        async with services.build_service_provider().create_scope() as scope:
            with pytest.raises(RegistrationError, match="returned None"):
                await scope.get_service_async(Db)

    def test_decorator_returning_none_names_the_decorate_call(
        self, services: ServiceCollection
    ) -> None:
        """A decorator function returning None is named with its decorate() line."""

        def forget(inner: Db) -> Db:
            return None  # type: ignore[return-value]

        services.add_singleton(Db).decorate(Db, forget)
        with pytest.raises(RegistrationError) as caught:
            services.build_service_provider().get_service(Db)
        assert caught.value.message == "the decorator forget of Db returned None"
        assert caught.value.registered_at == _line_of(
            type(self).test_decorator_returning_none_names_the_decorate_call,
            "decorate(Db, forget)",
        )

    @pytest.mark.parametrize(
        "service_type",
        [Db | None, Optional[Db], Union[Db, None], Any],
        ids=["Db | None", "Optional[Db]", "Union[Db, None]", "Any"],
    )
    def test_optional_service_type_may_return_none(
        self, services: ServiceCollection, service_type: Any
    ) -> None:
        """For T | None (and Any) a factory's None is the value."""
        services.add_singleton_factory(service_type, lambda: None)
        services.add_transient_factory(service_type, lambda: None, component="t")
        provider = services.build_service_provider()
        assert provider.get_service(service_type) is None
        assert provider.get_service(service_type, component="t") is None
