"""Tests for binding configuration to typed objects: ``bind``, ``Options``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    Annotated,
    Any,
    ClassVar,
    Generic,
    Literal,
    NewType,
    Optional,
    TypeVar,
)

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiredi.config import Configuration, Options, bind, bind_options
from wiredi.config._binding import _shape_of, normalise_key
from wiredi.errors import ConfigurationError, DIError


class Color(enum.Enum):
    RED = "r"
    GREEN = "g"


@dataclass
class PoolOptions:
    size: int = 5
    timeout: float = 1.5


@dataclass(frozen=True)
class DatabaseOptions:
    host: str
    port: int = 5432
    password: str = ""
    pool: PoolOptions = field(default_factory=PoolOptions)


@dataclass
class Everything:
    count: int = 0
    ratio: float = 0.0
    flag: bool = False
    name: str = ""
    color: Color = Color.RED
    path: Path = Path()
    tags: list[str] = field(default_factory=list)
    ports: tuple[int, ...] = ()
    pair: tuple[str, int] = ("", 0)
    ids: set[int] = field(default_factory=set)
    frozen_ids: frozenset[int] = frozenset()
    limits: dict[str, int] = field(default_factory=dict)
    maybe: int | None = 1
    legacy_maybe: Optional[int] = 1
    either: int | str = 0
    anything: Any = None
    mode: Literal["fast", "safe"] = "safe"
    amount: decimal.Decimal = decimal.Decimal(0)
    when: dt.date = dt.date(2000, 1, 1)
    ident: uuid.UUID | None = None
    bare_list: list = field(default_factory=list)  # type: ignore[type-arg]
    pools: list[PoolOptions] = field(default_factory=list)


UserId = NewType("UserId", int)


@dataclass
class Wrapped:
    user: UserId = UserId(0)
    level: Annotated[int, "doc"] = 0


@dataclass
class Required:
    name: str
    optional_name: str | None
    pool: PoolOptions
    strict_pool: DatabaseOptions


class PlainOptions:
    host: str
    port: int = 80
    debug: bool = False
    registry: ClassVar[dict[str, int]] = {}
    _private: int = 0


class KeywordOptions:
    host: str
    port: int = 80

    def __init__(self, host: str, port: int = 80) -> None:
        self.host = host
        self.port = port
        self.made_by_init = True


class NoArgOptions:
    host: str = "h"

    def __init__(self) -> None:
        self.made_by_init = True


class NeedsOtherArgs:
    host: str = "h"

    def __init__(self, unrelated: int) -> None:
        self.unrelated = unrelated


class KwargsOptions:
    host: str

    def __init__(self, **values: Any) -> None:
        self.values = values


class UnreadableSignature:
    host: str = ""
    __signature__ = "not a signature"

    def __init__(self) -> None:
        self.made_by_init = True


T = TypeVar("T")


@dataclass
class Box(Generic[T]):
    item: T


class SlottedOptions:
    __slots__ = ("host",)
    host: str


@dataclass
class Credentials:
    user: str = ""
    api_key: str = ""
    client_secret: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Checked:
    token: str = ""
    level: int = 0

    def __post_init__(self) -> None:
        if self.level < 0:
            message = f"level must be >= 0 (token {self.token})"
            raise ValueError(message)


@dataclass
class MaxSizeOptions:
    max_pool_size: int = 0


class BrokenHints:
    value: NotDefinedAnywhere  # type: ignore[name-defined]  # noqa: F821


class FakeFieldInfo:
    """Mimics pydantic v2's ``FieldInfo``: ``annotation``, ``alias``, ``is_required``."""

    def __init__(
        self, annotation: Any, *, default: Any = ..., alias: str | None = None
    ) -> None:
        self.annotation = annotation
        self.default = default
        self.alias = alias

    def is_required(self) -> bool:
        return self.default is ...


class FakeValidationError(ValueError):
    def __init__(self, details: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(details)} validation errors: {details!r}")
        self.details = details

    def errors(self) -> list[dict[str, Any]]:
        return self.details


class Opaque:
    """A type only the (fake) pydantic model knows how to validate."""

    def __init__(self) -> None: ...


class FakeModel:
    """Mimics a pydantic v2 model: ``model_fields`` and ``model_validate``."""

    model_fields: ClassVar[dict[str, FakeFieldInfo]] = {
        "host": FakeFieldInfo(str),
        "port": FakeFieldInfo(int, default=5432),
        "client_id": FakeFieldInfo(str, default="", alias="clientId"),
        "opaque": FakeFieldInfo(Opaque, default=None),
        "password": FakeFieldInfo(str, default=""),
    }
    received: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **data: Any) -> None:
        for name, info in self.model_fields.items():
            setattr(self, name, data.get(info.alias or name, info.default))

    @classmethod
    def model_validate(cls, data: dict[str, Any]) -> FakeModel:
        cls.received.append(data)
        if data.get("port", 5432) <= 0:
            raise FakeValidationError(
                [{"loc": ("port",), "msg": "must be positive", "input": data["port"]}]
            )
        if data.get("password") == "reject-me":
            message = f"bad password {data['password']}"
            raise ValueError(message)
        return cls(**data)


def _bind_everything(**values: Any) -> Everything:
    return bind(Configuration({"opts": values}), Everything, section="opts")


def _problems(
    config: dict[str, Any], target: type[Any], section: str = ""
) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        bind(Configuration(config), target, section=section)
    return list(caught.value.problems)


class TestBindDataclass:
    def test_section_is_bound_with_conversion(self) -> None:
        """String values from a section are converted to the field types."""
        config = Configuration({"database": {"host": "db", "port": "6543"}})
        options = bind(config, DatabaseOptions, section="database")
        assert options == DatabaseOptions(host="db", port=6543)

    def test_defaults_are_kept_for_missing_keys(self) -> None:
        """Fields absent from the configuration keep their defaults."""
        options = bind(
            Configuration({"db": {"host": "x"}}), DatabaseOptions, section="db"
        )
        assert options.port == 5432
        assert options.pool == PoolOptions()

    def test_section_path_matches_ignoring_case(self) -> None:
        """The section name is looked up case-insensitively."""
        config = Configuration({"Database": {"Host": "db"}})
        assert bind(config, DatabaseOptions, section="DATABASE").host == "db"

    def test_nested_section_path(self) -> None:
        """The section may be a ``:`` path."""
        config = Configuration({"tenants": {"acme": {"db": {"host": "acme-db"}}}})
        options = bind(config, DatabaseOptions, section="tenants:acme:db")
        assert options.host == "acme-db"

    def test_root_is_bound_without_section(self) -> None:
        """With no section the whole configuration is bound."""
        assert bind(Configuration({"host": "db"}), DatabaseOptions).host == "db"

    def test_unknown_keys_are_ignored(self) -> None:
        """Keys without a matching field do not cause errors."""
        config = Configuration({"host": "db", "extra": {"deep": 1}})
        assert bind(config, DatabaseOptions) == DatabaseOptions(host="db")

    def test_missing_section_uses_all_defaults(self) -> None:
        """A missing section binds a target whose fields all have defaults."""
        assert bind(Configuration(), PoolOptions, section="pool") == PoolOptions()

    def test_nested_dataclass_is_bound(self) -> None:
        """A nested section binds to a nested dataclass."""
        config = Configuration({"host": "db", "pool": {"size": "9"}})
        assert bind(config, DatabaseOptions).pool == PoolOptions(size=9)

    def test_init_false_fields_are_not_bound(self) -> None:
        """Dataclass fields with ``init=False`` are left to the class."""

        options = bind(
            Configuration({"host": "db", "secret_hash": "x"}), _WithInitFalse
        )
        assert options.secret_hash == "derived"

    def test_shape_is_read_once_per_type(self) -> None:
        """The fields of a target type are read once and cached."""
        assert _shape_of(DatabaseOptions) is _shape_of(DatabaseOptions)


@dataclass
class _WithInitFalse:
    host: str
    secret_hash: str = field(init=False, default="derived")


class TestKeyMatching:
    @pytest.mark.parametrize(
        "key",
        [
            "max_pool_size",
            "maxPoolSize",
            "MaxPoolSize",
            "max-pool-size",
            "MAX_POOL_SIZE",
        ],
    )
    def test_spellings_are_equivalent(self, key: str) -> None:
        """camelCase, PascalCase, kebab-case and snake_case keys all match."""
        assert bind(Configuration({key: "7"}), MaxSizeOptions).max_pool_size == 7

    def test_later_equivalent_key_wins(self) -> None:
        """When two spellings are present the later key is used."""
        config = Configuration({"maxPoolSize": "1", "max_pool_size": "2"})
        assert bind(config, MaxSizeOptions).max_pool_size == 2

    @given(
        words=st.lists(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
            min_size=1,
            max_size=4,
        )
    )
    def test_normalisation_equates_all_spellings(self, words: list[str]) -> None:
        """Every common spelling of a multi-word name normalises the same."""
        snake = "_".join(words)
        spellings = [
            snake,
            snake.upper(),
            "-".join(words),
            words[0] + "".join(word.capitalize() for word in words[1:]),
            "".join(word.capitalize() for word in words),
        ]
        assert {normalise_key(spelling) for spelling in spellings} == {"".join(words)}

    @given(
        key=st.sampled_from(
            ["max_pool_size", "maxPoolSize", "MAX-POOL-SIZE", "Max_Pool_Size"]
        ),
        value=st.integers(min_value=-(10**6), max_value=10**6),
    )
    def test_any_spelling_binds_any_int(self, key: str, value: int) -> None:
        """Binding finds the field under any spelling and keeps the number."""
        config = Configuration({"pool": {key: str(value)}})
        assert bind(config, MaxSizeOptions, section="pool").max_pool_size == value


class TestScalarConversion:
    def test_int_from_string(self) -> None:
        """A numeric string becomes an ``int``, surrounding spaces ignored."""
        assert _bind_everything(count=" 42 ").count == 42

    def test_int_from_integral_float(self) -> None:
        """A float without a fraction becomes an ``int``."""
        assert _bind_everything(count=3.0).count == 3

    @pytest.mark.parametrize("value", ["4.5", 4.5, True, "x", [1]])
    def test_int_rejects_non_integers(self, value: object) -> None:
        """Fractions, bools, text and lists are not ints."""
        problems = _problems({"count": value}, Everything)
        assert problems == [f"count: expected int, got {value!r}"]

    def test_float_from_string_and_int(self) -> None:
        """Strings and ints become floats."""
        assert _bind_everything(ratio="0.25").ratio == 0.25
        assert _bind_everything(ratio=2).ratio == 2.0

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("true", True),
            ("FALSE", False),
            ("1", True),
            ("0", False),
            ("Yes", True),
            ("no", False),
            ("on", True),
            ("off", False),
            (True, True),
            (False, False),
            (1, True),
            (0, False),
        ],
    )
    def test_bool_spellings(self, value: object, expected: bool) -> None:
        """Common spellings of true and false, and real bools, become bools."""
        assert _bind_everything(flag=value).flag is expected

    @pytest.mark.parametrize("value", ["maybe", 2, "", [True]])
    def test_bool_rejects_other_values(self, value: object) -> None:
        """Anything else is reported as not a bool."""
        assert _problems({"flag": value}, Everything) == [
            f"flag: expected bool, got {value!r}"
        ]

    def test_str_from_number(self) -> None:
        """A number bound to a ``str`` field becomes its text."""
        assert _bind_everything(name=5).name == "5"

    def test_str_rejects_bool(self) -> None:
        """A bool is not silently turned into text."""
        assert _problems({"name": True}, Everything) == ["name: expected str, got True"]

    @pytest.mark.parametrize("value", ["green", "GREEN", "g", Color.GREEN])
    def test_enum_by_name_or_value(self, value: object) -> None:
        """Enums are found by name (any case) or by value."""
        assert _bind_everything(color=value).color is Color.GREEN

    def test_enum_lists_members_on_failure(self) -> None:
        """A bad enum value reports the allowed names."""
        assert _problems({"color": "blue"}, Everything) == [
            "color: expected Color (one of RED, GREEN), got 'blue'"
        ]

    def test_path_from_string(self) -> None:
        """A string becomes a ``Path``."""
        assert _bind_everything(path="/var/data").path == Path("/var/data")

    def test_literal_by_value(self) -> None:
        """A ``Literal`` accepts one of its values."""
        assert _bind_everything(mode="fast").mode == "fast"

    def test_literal_rejects_others(self) -> None:
        """A value outside a ``Literal`` lists the allowed ones."""
        assert _problems({"mode": "slow"}, Everything) == [
            "mode: expected one of 'fast', 'safe', got 'slow'"
        ]

    def test_other_classes_built_from_text(self) -> None:
        """``Decimal``, ``date`` and ``UUID`` are built from strings."""
        ident = "12345678-1234-5678-1234-567812345678"
        options = _bind_everything(amount="1.10", when="2024-02-29", ident=ident)
        assert options.amount == decimal.Decimal("1.10")
        assert options.when == dt.date(2024, 2, 29)
        assert options.ident == uuid.UUID(ident)

    def test_other_class_that_rejects_text(self) -> None:
        """A class that cannot be built from the text is reported."""
        assert _problems({"when": "someday"}, Everything) == [
            "when: expected date, got 'someday'"
        ]

    def test_already_typed_value_is_kept(self) -> None:
        """A value that already has the field's type (from TOML, say) is kept."""
        day = dt.date(2024, 1, 2)
        assert _bind_everything(when=day).when == day

    def test_any_keeps_raw_value(self) -> None:
        """An ``Any`` field receives the raw value."""
        assert _bind_everything(anything={"a": [1]}).anything == {"a": [1]}

    def test_newtype_and_annotated_use_their_base_type(self) -> None:
        """``NewType`` and ``Annotated`` convert to the underlying type."""
        options = bind(Configuration({"user": "7", "level": "3"}), Wrapped)
        assert (options.user, options.level) == (7, 3)

    def test_unconvertible_hint_is_a_problem(self) -> None:
        """A hint wiredi cannot convert to, such as a bare ``TypeVar``, is reported."""
        assert _problems({"item": 1}, Box) == ["item: expected T, got 1"]

    def test_deep_value_is_shortened_in_the_problem(self) -> None:
        """A huge or deeply nested value is cut short in the problem line."""
        deep: dict[str, Any] = {"leaf": 1}
        for _ in range(40):
            deep = {"level": deep}
        (problem,) = _problems({"name": deep}, Everything)
        assert problem.endswith("...")
        assert len(problem) < 120

    def test_none_for_a_plain_type_is_a_problem(self) -> None:
        """A JSON ``null`` for a non-optional field is reported."""
        assert _problems({"count": None}, Everything) == [
            "count: expected int, got None"
        ]


class TestOptionalAndUnion:
    @pytest.mark.parametrize("field_name", ["maybe", "legacy_maybe"])
    def test_none_and_empty_string_give_none(self, field_name: str) -> None:
        """``None`` or an empty string bind ``X | None`` to ``None``."""
        assert getattr(_bind_everything(**{field_name: None}), field_name) is None
        assert getattr(_bind_everything(**{field_name: ""}), field_name) is None

    def test_optional_converts_the_value(self) -> None:
        """A present value is converted to the inner type."""
        assert _bind_everything(maybe="5").maybe == 5

    def test_optional_reports_the_union(self) -> None:
        """A bad value names the whole optional type."""
        assert _problems({"maybe": "x"}, Everything) == ["maybe: expected int, got 'x'"]

    def test_union_tries_arms_in_order(self) -> None:
        """``int | str`` gives an int when it can, text otherwise."""
        assert _bind_everything(either="5").either == 5
        assert _bind_everything(either="five").either == "five"

    def test_union_with_no_matching_arm(self) -> None:
        """A value no arm accepts is reported with the union's name."""
        assert _problems({"either": [1]}, Everything) == [
            "either: expected int | str, got [1]"
        ]

    def test_missing_optional_without_default_is_none(self) -> None:
        """An ``X | None`` field with no default and no key becomes ``None``."""
        config = {"name": "n", "pool": {}, "strict_pool": {"host": "h"}}
        assert bind(Configuration(config), Required).optional_name is None


class TestCollections:
    def test_list_from_json_array(self) -> None:
        """A list of values converts each item."""
        assert _bind_everything(tags=["a", 1]).tags == ["a", "1"]

    def test_list_from_comma_separated_string(self) -> None:
        """A comma-separated string (as env vars give) becomes a list."""
        assert _bind_everything(tags="a, b,c").tags == ["a", "b", "c"]

    def test_empty_string_is_an_empty_list(self) -> None:
        """An empty string binds to an empty list."""
        assert _bind_everything(tags="").tags == []

    def test_list_from_indexed_section(self) -> None:
        """A section keyed ``0``, ``1``, ... (``TAGS__0`` env vars) is a list."""
        assert _bind_everything(tags={"1": "b", "0": "a", "10": "k"}).tags == [
            "a",
            "b",
            "k",
        ]

    def test_tuple_of_ints(self) -> None:
        """``tuple[int, ...]`` converts every item."""
        assert _bind_everything(ports="80,443").ports == (80, 443)

    def test_fixed_tuple_converts_by_position(self) -> None:
        """``tuple[str, int]`` converts each position to its own type."""
        assert _bind_everything(pair=["a", "2"]).pair == ("a", 2)

    def test_fixed_tuple_checks_length(self) -> None:
        """A fixed tuple with the wrong number of items is reported."""
        assert _problems({"pair": ["a"]}, Everything) == [
            "pair: expected tuple[str, int], got ['a']"
        ]

    def test_sets(self) -> None:
        """``set`` and ``frozenset`` fields get sets of converted items."""
        options = _bind_everything(ids="1,2,2", frozen_ids=[3])
        assert options.ids == {1, 2}
        assert options.frozen_ids == frozenset({3})

    def test_bare_list_keeps_items(self) -> None:
        """An unparameterised ``list`` keeps the raw items."""
        assert _bind_everything(bare_list=[1, "a"]).bare_list == [1, "a"]

    def test_list_of_dataclasses(self) -> None:
        """Each item of a list of sections binds to the item type."""
        options = _bind_everything(pools=[{"size": "1"}, {"timeout": "2"}])
        assert options.pools == [PoolOptions(size=1), PoolOptions(timeout=2.0)]

    def test_bad_items_are_reported_by_index(self) -> None:
        """Each bad item is reported with its index in the key path."""
        assert _problems({"ports": "80,x,y"}, Everything) == [
            "ports:1: expected int, got 'x'",
            "ports:2: expected int, got 'y'",
        ]

    def test_list_rejects_a_number(self) -> None:
        """A number is not a list."""
        assert _problems({"tags": 5}, Everything) == ["tags: expected list[str], got 5"]

    def test_dict_converts_values(self) -> None:
        """``dict[str, int]`` converts every value."""
        assert _bind_everything(limits={"a": "1", "b": 2}).limits == {"a": 1, "b": 2}

    def test_dict_reports_bad_values_by_key(self) -> None:
        """Each bad dict value is reported under its key."""
        assert _problems({"limits": {"a": "x"}}, Everything) == [
            "limits:a: expected int, got 'x'"
        ]

    def test_dict_rejects_non_mapping(self) -> None:
        """A string is not a dict."""
        assert _problems({"limits": "a=1"}, Everything) == [
            "limits: expected dict[str, int], got 'a=1'"
        ]


class TestPlainClasses:
    def test_annotated_class_with_class_defaults(self) -> None:
        """A class with annotations is made empty and filled field by field."""
        options = bind(Configuration({"host": "h", "DEBUG": "on"}), PlainOptions)
        assert (options.host, options.port, options.debug) == ("h", 80, True)

    def test_missing_field_without_class_default(self) -> None:
        """An annotated attribute with no class value is required."""
        assert _problems({}, PlainOptions) == [
            "host: expected str, got nothing (the key is missing)"
        ]

    def test_classvars_and_private_names_are_not_fields(self) -> None:
        """``ClassVar`` and ``_private`` annotations are not bound."""
        options = bind(
            Configuration({"host": "h", "registry": "x", "_private": "y"}),
            PlainOptions,
        )
        assert PlainOptions.registry == {}
        assert options._private == 0

    def test_init_taking_the_fields_is_used(self) -> None:
        """A constructor that accepts the fields as keywords is called with them."""
        options = bind(Configuration({"host": "h", "port": "1"}), KeywordOptions)
        assert (options.host, options.port, options.made_by_init) == ("h", 1, True)

    def test_no_argument_init_then_attributes(self) -> None:
        """A constructor without parameters runs before the fields are set."""
        options = bind(Configuration({"host": "x"}), NoArgOptions)
        assert (options.host, options.made_by_init) == ("x", True)

    def test_init_needing_other_arguments_is_reported(self) -> None:
        """A class that cannot be constructed is reported, not crashed on."""
        problems = _problems({"host": "x"}, NeedsOtherArgs)
        assert len(problems) == 1
        assert problems[0].startswith("<root>: NeedsOtherArgs rejected the values")

    def test_init_taking_any_keywords_is_used(self) -> None:
        """A constructor with ``**kwargs`` receives the fields as keywords."""
        options = bind(Configuration({"HOST": "h"}), KwargsOptions)
        assert options.values == {"host": "h"}

    def test_unreadable_signature_falls_back_to_attributes(self) -> None:
        """When the constructor's signature cannot be read, attributes are set."""
        options = bind(Configuration({"host": "h"}), UnreadableSignature)
        assert (options.host, options.made_by_init) == ("h", True)

    def test_slot_is_not_a_default(self) -> None:
        """A ``__slots__`` member does not count as a class default."""
        assert _problems({}, SlottedOptions) == [
            "host: expected str, got nothing (the key is missing)"
        ]
        assert bind(Configuration({"host": "h"}), SlottedOptions).host == "h"


class TestPydanticModels:
    def test_model_is_validated_with_converted_values(self) -> None:
        """Fields are converted, then passed to ``model_validate``."""
        model = bind(Configuration({"Host": "h", "port": "1"}), FakeModel)
        assert (model.host, model.port) == ("h", 1)  # type: ignore[attr-defined]

    def test_alias_is_matched_and_passed(self) -> None:
        """A field's alias matches keys and is the name passed to validation."""
        FakeModel.received.clear()
        bind(Configuration({"host": "h", "client-id": "c"}), FakeModel)
        assert FakeModel.received == [{"host": "h", "clientId": "c"}]

    def test_unknown_types_are_left_to_the_model(self) -> None:
        """Values for types wiredi cannot convert are passed through unchanged."""
        model = bind(Configuration({"host": "h", "opaque": "raw"}), FakeModel)
        assert model.opaque == "raw"  # type: ignore[attr-defined]

    def test_validation_errors_become_problems(self) -> None:
        """Each error the model reports becomes a problem with its key path."""
        problems = _problems({"db": {"host": "h", "port": "-1"}}, FakeModel, "db")
        assert problems == ["db:port: must be positive"]

    def test_wiredi_problems_come_before_validation(self) -> None:
        """Unconvertible values are reported without calling the model."""
        assert _problems({"port": "x"}, FakeModel) == [
            "host: expected str, got nothing (the key is missing)",
            "port: expected int, got 'x'",
        ]

    def test_model_error_message_is_scrubbed(self) -> None:
        """A secret echoed in a model's error message is replaced by ``***``."""
        problems = _problems({"host": "h", "password": "reject-me"}, FakeModel)
        assert problems == [
            "<root>: FakeModel rejected the values: ValueError: bad password ***"
        ]


class TestErrors:
    def test_every_problem_is_collected(self) -> None:
        """All bad fields, nested ones included, are raised together."""
        config = Configuration(
            {"database": {"port": "abc", "pool": {"size": "x", "timeout": "y"}}}
        )
        with pytest.raises(ConfigurationError) as caught:
            bind(config, DatabaseOptions, section="database")
        assert caught.value.problems == (
            "database:host: expected str, got nothing (the key is missing)",
            "database:port: expected int, got 'abc'",
            "database:pool:size: expected int, got 'x'",
            "database:pool:timeout: expected float, got 'y'",
        )

    def test_error_fields(self) -> None:
        """The error names the target type, and says what to change."""
        with pytest.raises(ConfigurationError) as caught:
            bind(
                Configuration({"db": {"host": "h", "port": "x"}}),
                DatabaseOptions,
                section="db",
            )
        error = caught.value
        assert isinstance(error, DIError)
        assert isinstance(error, ValueError)
        assert error.service_type is DatabaseOptions
        assert (
            error.message == "cannot bind section 'db' to DatabaseOptions: 1 bad value"
        )
        assert error.hint is not None
        assert "DB__PORT" in error.hint

    def test_exact_message(self) -> None:
        """The rendered message lists the problems and the fix."""
        with pytest.raises(ConfigurationError) as caught:
            bind(
                Configuration(
                    {"database": {"host": "h", "port": "abc", "pool": "big"}}
                ),
                DatabaseOptions,
                section="database",
            )
        assert str(caught.value) == (
            "cannot bind section 'database' to DatabaseOptions: 2 bad values\n"
            "  - database:port: expected int, got 'abc'\n"
            "  - database:pool: expected PoolOptions, got 'big'\n"
            "  fix: correct these keys in your configuration sources "
            "(database:port is the environment variable DATABASE__PORT after your "
            "prefix), or change the field types of DatabaseOptions"
        )

    def test_root_binding_message(self) -> None:
        """Binding the root says so in the message."""
        with pytest.raises(ConfigurationError, match="the configuration root"):
            bind(Configuration({"size": "x"}), PoolOptions)

    def test_missing_nested_section_reports_its_required_fields(self) -> None:
        """A missing nested section is bound from nothing, so its gaps show."""
        problems = _problems({"name": "n"}, Required)
        assert problems == [
            "strict_pool:host: expected str, got nothing (the key is missing)"
        ]

    def test_section_that_is_a_value(self) -> None:
        """A section holding a plain value cannot be bound."""
        assert _problems({"db": "postgres://"}, DatabaseOptions, "db") == [
            "db: expected DatabaseOptions, got 'postgres://'"
        ]

    def test_unbindable_target(self) -> None:
        """A type that is not a class with fields is rejected with a hint."""
        with pytest.raises(ConfigurationError) as caught:
            bind(Configuration({"a": 1}), int)
        assert caught.value.message == "int cannot be bound from configuration"
        assert caught.value.hint is not None

    def test_unresolvable_annotations(self) -> None:
        """Annotations naming unknown classes raise ``ConfigurationError``."""
        with pytest.raises(ConfigurationError, match="cannot be read") as caught:
            bind(Configuration({"value": 1}), BrokenHints)
        assert isinstance(caught.value.__cause__, NameError)

    def test_constructor_error_is_reported_and_chained(self) -> None:
        """A ``__post_init__`` rejection becomes a problem and the cause."""
        with pytest.raises(ConfigurationError) as caught:
            bind(Configuration({"level": "-1"}), Checked)
        assert caught.value.problems == (
            (
                "<root>: Checked rejected the values: ValueError: "
                "level must be >= 0 (token )"
            ),
        )
        assert isinstance(caught.value.__cause__, ValueError)


class TestSecrets:
    @pytest.mark.parametrize("key", ["api_key", "apiKey", "ClientSecret"])
    def test_bad_secret_value_is_not_shown(self, key: str) -> None:
        """A secret field with a bad value is reported as ``'***'``."""
        problems = _problems({key: ["hunter2"]}, Credentials)
        assert len(problems) == 1
        assert "hunter2" not in problems[0]
        assert problems[0].endswith("expected str, got '***'")

    def test_nested_secret_keys_are_redacted_in_values(self) -> None:
        """A shown non-secret value hides the secrets inside it."""
        problems = _problems(
            {"user": {"name": "u", "password": "hunter2"}}, Credentials
        )
        assert problems == ["user: expected str, got {'name': 'u', 'password': '***'}"]

    def test_secret_dict_items_are_not_shown(self) -> None:
        """Items below a secret-looking key stay hidden at any depth."""
        problems = _problems({"headers": {"token": ["hunter2"]}}, Credentials)
        assert problems == ["headers:token: expected str, got '***'"]

    def test_secret_in_user_exception_is_scrubbed(self) -> None:
        """A secret echoed by the target's own exception is replaced and not chained."""
        with pytest.raises(ConfigurationError) as caught:
            bind(Configuration({"token": "hunter2", "level": "-1"}), Checked)
        assert "hunter2" not in str(caught.value)
        assert "(token ***)" in str(caught.value)
        assert caught.value.__cause__ is None

    def test_options_repr_hides_secret_fields(self) -> None:
        """``Options`` shows secret-looking fields as ``'***'``."""
        config = Configuration(
            {
                "user": "u",
                "apiKey": "k-123",
                "client_secret": "s-456",
                "headers": {"Token": "t-789", "Accept": "json"},
            }
        )
        text = repr(bind_options(config, Credentials))
        assert text == (
            "<wiredi.config.Options(value=Credentials(user='u', api_key='***', "
            "client_secret='***', headers={'Token': '***', 'Accept': 'json'}))>"
        )


class TestOptions:
    def test_bind_options_wraps_the_bound_value(self) -> None:
        """``bind_options`` returns ``Options`` holding the bound object."""
        config = Configuration({"database": {"host": "db"}})
        options = bind_options(config, DatabaseOptions, "database")
        assert isinstance(options, Options)
        assert options.value == DatabaseOptions(host="db")

    def test_section_may_be_a_keyword(self) -> None:
        """``bind_options`` takes the section by keyword too."""
        config = Configuration({"database": {"host": "db"}})
        assert (
            bind_options(config, DatabaseOptions, section="database").value.host == "db"
        )

    def test_options_are_frozen(self) -> None:
        """``Options.value`` cannot be reassigned."""
        options = Options(PoolOptions())
        with pytest.raises(dataclasses.FrozenInstanceError):
            options.value = PoolOptions(size=1)  # type: ignore[misc]

    def test_options_have_slots(self) -> None:
        """``Options`` has no instance ``__dict__``."""
        assert not hasattr(Options(1), "__dict__")

    def test_options_compare_by_value(self) -> None:
        """Two ``Options`` with equal values are equal."""
        assert Options(PoolOptions()) == Options(PoolOptions())

    def test_options_is_generic(self) -> None:
        """``Options[T]`` can be subscripted for use as a type hint."""
        alias = Options[DatabaseOptions]
        assert alias.__origin__ is Options  # type: ignore[attr-defined]

    def test_repr_of_plain_and_nested_values(self) -> None:
        """The repr shows annotated classes, lists and tuples field by field."""
        plain = bind(Configuration({"host": "h"}), PlainOptions)
        assert repr(Options([plain, (1, "a")])) == (
            "<wiredi.config.Options(value=[PlainOptions(host='h', port=80, "
            "debug=False), (1, 'a')])>"
        )

    def test_repr_of_model_uses_its_fields(self) -> None:
        """A pydantic-style model is shown by its ``model_fields``, secrets hidden."""
        model = bind(Configuration({"host": "h", "password": "pw-1"}), FakeModel)
        text = repr(Options(model))
        assert "pw-1" not in text
        assert text.startswith("<wiredi.config.Options(value=FakeModel(host='h', ")
        assert "password='***'" in text

    def test_repr_of_cyclic_value_stops(self) -> None:
        """A value that contains itself is shown without endless recursion."""
        cyclic: list[Any] = []
        cyclic.append(cyclic)
        assert "..." in repr(Options(cyclic))

    def test_repr_of_builtin_value(self) -> None:
        """A plain value is shown with its own repr."""
        assert repr(Options(5)) == "<wiredi.config.Options(value=5)>"


@dataclass
class Timeouts:
    request: dt.timedelta = dt.timedelta(seconds=5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:00:30", dt.timedelta(seconds=30)),
        ("1.02:03:04.5", dt.timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        ("-00:01", -dt.timedelta(minutes=1)),
        ("PT30S", dt.timedelta(seconds=30)),
        ("p1dt2h", dt.timedelta(days=1, hours=2)),
        ("P2W", dt.timedelta(weeks=2)),
        (30, dt.timedelta(seconds=30)),
        ("1.5", dt.timedelta(seconds=1.5)),
        ("-5", -dt.timedelta(seconds=5)),
        ("23:59:59", dt.timedelta(hours=23, minutes=59, seconds=59)),
    ],
)
def test_timedelta_from_timespan_iso_or_seconds(text: object, expected: object) -> None:
    config = Configuration({"timeouts": {"request": text}})
    assert bind(config, Timeouts, section="timeouts").request == expected


@pytest.mark.parametrize(
    "text",
    ["soon", "P", "PT", "P1DT", "00:99", "99:00", "1:2:3:4", True,
     "99999999999999", "P9999999999D", 10**20, float("inf"), float("nan")],
)  # fmt: skip
def test_timedelta_that_says_no_duration_is_a_bad_value(text: object) -> None:
    config = Configuration({"timeouts": {"request": text}})
    with pytest.raises(
        ConfigurationError, match="timeouts:request: expected timedelta"
    ):
        bind(config, Timeouts, section="timeouts")
