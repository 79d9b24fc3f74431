"""The cache of read constructor hints, shared by every build."""

from __future__ import annotations

import enum
import gc
import sys
import types
import typing
import weakref
from typing import Generic, TypeVar

import pytest

from tests.fakes import Clock, Repo, Service
from wiredi import GraphValidationError, ServiceCollection
from wiredi._registration import spec_cache
from wiredi._registration.hints import DepKind, read_callable

T = TypeVar("T")


class Other:
    pass


class Box(Generic[T]):
    def __init__(self, item: T) -> None:
        self.item = item


class Counter:
    def __init__(self, clock: Clock, start: int = 0) -> None:
        self.clock = clock
        self.start = start


class Inherits(Counter):
    pass


class Level(enum.Enum):
    LOW = 1


class Meta(type):
    pass


class Tuned(metaclass=Meta):
    def __init__(self, clock: Clock, level: Level = Level.LOW) -> None:
        self.level = level


def _types(cls: object) -> list[object]:
    spec = read_callable(cls, is_factory=False)
    return [dep.service_type for dep in spec.dependencies]


@pytest.fixture(name="module")
def _module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A module of its own, with string hints, that a test may rebind names in."""
    module = types.ModuleType("wiredi_spec_cache_sample")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    source = (
        "from __future__ import annotations\n"
        "class Needs:\n"
        "    def __init__(self, dep: Later) -> None:\n"
        "        self.dep = dep\n"
        "import tests.fakes as fakes\n"
        "class Dotted:\n"
        "    def __init__(self, clock: fakes.Clock) -> None:\n"
        "        self.clock = clock\n"
    )
    exec(compile(source, "<sample>", "exec"), module.__dict__)
    return module


class TestSpecCache:
    def test_a_second_read_gives_the_same_spec(self) -> None:
        """Reading a class again gives the very spec read the first time."""
        first = read_callable(Service, is_factory=False)
        assert read_callable(Service, is_factory=False) is first
        assert [dep.service_type for dep in first.dependencies] == [Repo, Clock]

    def test_two_builds_resolve_alike(self) -> None:
        """Providers built one after the other from the same classes both work."""
        for _ in range(2):
            services = ServiceCollection().add_singleton(Clock).add_transient(Repo)
            services.add_transient(Service)
            service = services.build_service_provider().get_service(Service)
            assert service.repo.clock is service.clock

    def test_what_a_function_is_read_as_is_part_of_the_key(self) -> None:
        """One unhinted parameter is the resolver of a factory, the wrapped of a decorator."""

        def wrap(inner):  # type: ignore[no-untyped-def]
            return inner

        def kind(*, is_factory: bool, is_decorator: bool) -> DepKind:
            spec = read_callable(wrap, is_factory=is_factory, is_decorator=is_decorator)
            return spec.dependencies[0].kind

        assert kind(is_factory=True, is_decorator=False) is DepKind.RESOLVER
        assert kind(is_factory=False, is_decorator=True) is DepKind.WRAPPED
        assert kind(is_factory=True, is_decorator=False) is DepKind.RESOLVER
        spec = read_callable(wrap, is_factory=True)
        assert read_callable(wrap, is_factory=True) is spec
        assert weakref.ref(wrap) in spec_cache._CACHE

    def test_a_monkeypatched_init_is_read_again(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Replacing ``__init__`` (as a test does) changes what the next build needs."""
        assert _types(Counter) == [Clock, int]

        def init(self: Counter, other: Other) -> None:
            self.start = 1

        monkeypatch.setattr(Counter, "__init__", init)
        assert _types(Counter) == [Other]
        assert _types(Inherits) == [Other]
        services = ServiceCollection().add_singleton(Counter)
        with pytest.raises(GraphValidationError, match="Other"):
            services.build_service_provider()
        monkeypatch.undo()
        assert _types(Counter) == [Clock, int]
        assert _types(Inherits) == [Clock, int]
        monkeypatch.delattr(Counter, "__init__")  # now object's: no parameters
        assert _types(Inherits) == []

    def test_a_base_init_patched_is_read_again(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A subclass's spec follows a change to the ``__init__`` it inherits."""
        assert _types(Inherits) == [Clock, int]
        monkeypatch.setattr(Counter, "__init__", lambda self, other: None)
        monkeypatch.setitem(Counter.__init__.__annotations__, "other", Other)
        assert _types(Inherits) == [Other]

    def test_changed_defaults_and_annotations_are_read_again(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """New defaults, or an annotation changed in place, are seen."""
        spec = read_callable(Counter, is_factory=False)
        monkeypatch.setattr(Counter.__init__, "__defaults__", (5,))
        assert read_callable(Counter, is_factory=False).dependencies[1].default == 5
        monkeypatch.setitem(Counter.__init__.__annotations__, "clock", Other)
        assert _types(Counter) == [Other, int]
        monkeypatch.undo()
        assert read_callable(Counter, is_factory=False) is not spec
        assert _types(Counter) == [Clock, int]

    def test_a_forward_reference_defined_later_is_read_again(
        self, module: types.ModuleType
    ) -> None:
        """A hint that cannot be evaluated yet is not kept: it resolves once defined."""
        needs = module.Needs
        services = ServiceCollection().add_singleton(needs)
        with pytest.raises(GraphValidationError, match="Later"):
            services.build_service_provider()
        assert weakref.ref(needs) not in spec_cache._CACHE

        exec("class Later: ...", module.__dict__)
        services.add_singleton(module.Later)
        provider = services.build_service_provider()
        assert isinstance(provider.get_service(needs).dep, module.Later)
        assert weakref.ref(needs) in spec_cache._CACHE

    def test_a_rebound_global_named_by_a_string_hint_is_read_again(
        self, module: types.ModuleType
    ) -> None:
        """A string hint is evaluated again when the global it names changes."""
        module.Later = Clock
        assert _types(module.Needs) == [Clock]
        module.Later = Other
        assert _types(module.Needs) == [Other]

    def test_what_is_kept_and_what_is_not(self, module: types.ModuleType) -> None:
        """Module-level types and values are kept; a dotted string hint is not."""
        assert _types(Tuned) == [Clock, Level]
        assert weakref.ref(Tuned) in spec_cache._CACHE
        assert _types(module.Dotted) == [Clock]
        assert weakref.ref(module.Dotted) not in spec_cache._CACHE

        class Local:
            pass

        def local_default(clock: Clock, value: object = Local) -> None:
            pass

        def local_enum(level: Level = Level.LOW, when: Tuned | None = None) -> None:
            pass

        assert read_callable(local_default, is_factory=True).dependencies
        assert weakref.ref(local_default) not in spec_cache._CACHE
        assert read_callable(local_enum, is_factory=True).dependencies
        assert weakref.ref(local_enum) in spec_cache._CACHE

        def takes_function(
            factory: object = _types, items: object = (list[Local], Box[int])
        ) -> None:
            pass

        def forward(clock: Clock) -> None:
            pass

        forward.__annotations__["clock"] = typing.Optional["Clock"]
        read_callable(takes_function, is_factory=True)
        assert (
            weakref.ref(takes_function) not in spec_cache._CACHE
        )  # a tuple holds anything
        assert _types(forward) == [Clock]
        assert weakref.ref(forward) not in spec_cache._CACHE

    def test_specs_with_type_variables_or_problems_are_not_kept(self) -> None:
        """Closed generics and unresolvable parameters are read on every build."""

        class Unhinted:
            def __init__(self, value) -> None:  # type: ignore[no-untyped-def]
                self.value = value

        assert (
            read_callable(Box[int], is_factory=False).dependencies[0].service_type
            is int
        )
        assert read_callable(Unhinted, is_factory=False).dependencies[0].kind is (
            DepKind.UNRESOLVABLE
        )
        assert weakref.ref(Unhinted) not in spec_cache._CACHE

    def test_a_local_class_is_not_kept_alive(self) -> None:
        """The cache holds classes weakly: a class dropped by everyone else goes."""

        def build() -> weakref.ref[type]:
            class Local:
                def __init__(self, clock: Clock) -> None:
                    super().__init__()  # a __class__ cell: the function refers to Local
                    self.clock = clock

            class Pair:
                def __init__(self, local, again=None) -> None:  # type: ignore[no-untyped-def]
                    self.local = local

            # real classes, not strings: a string naming a local class fails
            Pair.__init__.__annotations__.update(local=Local, again=Other | None)

            services = ServiceCollection().add_singleton(Clock).add_singleton(Local)
            services.add_singleton(Pair)
            provider = services.build_service_provider()
            assert isinstance(provider.get_service(Pair).local, Local)
            assert weakref.ref(Local) in spec_cache._CACHE  # kept: it needs only Clock
            assert weakref.ref(Pair) not in spec_cache._CACHE  # would hold Local
            provider.close()
            return weakref.ref(Local)

        ref = build()
        gc.collect()
        assert ref() is None
        assert all(key() is not None for key in spec_cache._CACHE)  # entry dropped
