"""Binding configuration sections to typed objects (``bind``, ``Options``).

Field names are matched after :func:`normalise_key` (``maxSize``, ``max-size``
and ``MAX_SIZE`` are all ``maxsize``). Every bad field is collected and raised
in one ``ConfigurationError``; values under secret-looking keys never appear
in its text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import inspect
import pathlib
import types
import typing
from collections import abc
from collections.abc import Mapping
from typing import Any, Generic, TypeVar, cast

from wiredi._rendering import type_name
from wiredi.config._configuration import (
    SEPARATOR,
    IConfiguration,
    looks_secret,
    normalise_key,
    redacted,
    safe_repr,
    scrubbed,
    secret_values,
)
from wiredi.config._durations import parse_duration
from wiredi.config._sections import absent_section_error
from wiredi.errors import ConfigurationError

__all__ = ["Options", "bind", "bind_options", "normalise_key"]

T = TypeVar("T")

_FAILED: Any = object()
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_LISTS = frozenset(
    {list, abc.Sequence, abc.MutableSequence, abc.Iterable, abc.Collection}
)
_SETS = frozenset({set, frozenset, abc.Set, abc.MutableSet})
_DICTS = frozenset({dict, abc.Mapping, abc.MutableMapping})
_CONTAINERS = (list, tuple, dict, set, frozenset)
_NOT_TARGETS = (
    str,
    bytes,
    int,
    float,
    complex,
    enum.Enum,
    pathlib.PurePath,
    *_CONTAINERS,
)


@dataclasses.dataclass(frozen=True, slots=True, repr=False)
class Options(Generic[T]):
    """A bound options object, as injected for ``services.configure(T, section=...)``.

    ``repr()`` shows the bound fields with ``'***'`` for secret-looking ones
    (password, secret, token, key, credential).

    Attributes:
        value: The bound object.

    Example:
        ```python
        from dataclasses import dataclass
        from wiredi.config import Configuration, Options, bind_options

        @dataclass
        class DatabaseOptions:
            host: str
            password: str = ""

        config = Configuration({"database": {"host": "db", "password": "hunter2"}})
        options = bind_options(config, DatabaseOptions, "database")
        assert options.value.host == "db"
        assert "hunter2" not in repr(options)
        ```
    """

    value: T

    def __repr__(self) -> str:
        return f"<wiredi.config.Options(value={safe_repr(self.value)})>"


def bind(config: IConfiguration, target: type[T], *, section: str = "") -> T:
    """Build a ``target`` from the configuration ``section`` (the root when ``""``).

    ``target`` is a dataclass, a class with annotated attributes (class-level
    values are defaults) or a pydantic model. Keys match fields ignoring case,
    ``_`` and ``-``; values are converted to the annotated types (numbers,
    ``bool`` from ``true/false/1/0/yes/no/on/off``, ``Enum`` by name or value,
    ``Path``, lists from arrays or comma-separated strings, dicts, nested
    classes, ``X | None``). Keys without a field are ignored.

    Raises:
        ConfigurationError: Listing every missing or unconvertible field with
            its full key path, e.g. ``database:port: expected int, got 'abc'``.

    Example:
        ```python
        from dataclasses import dataclass
        from wiredi.config import Configuration, bind

        @dataclass(frozen=True)
        class DatabaseOptions:
            host: str
            port: int = 5432
            read_only: bool = False

        config = Configuration(
            {"Database": {"HOST": "db", "port": "6543", "readOnly": "yes"}}
        )
        options = bind(config, DatabaseOptions, section="database")
        assert options == DatabaseOptions("db", 6543, read_only=True)
        ```
    """
    shape = _shape_of(target)
    if shape is None:
        raise ConfigurationError(
            f"{type_name(target)} cannot be bound from configuration",
            service_type=target,
            hint="bind a dataclass, a class with annotated attributes "
            "or a pydantic model",
        )
    raw = config.get(section) if section else config.to_dict()
    binder = _Binder()
    if raw is None or isinstance(raw, Mapping):
        result = binder.bind_object(shape, target, raw or {}, section)
    else:
        result = binder.fail(section, target, raw)
    if binder.problems:
        error = binder.error(target, section, raw)
        if section and raw is None:
            error = absent_section_error(error, config, target, section)
        raise error
    return cast("T", result)


def bind_options(
    config: IConfiguration, target: type[T], section: str = ""
) -> Options[T]:
    """Bind ``section`` like :func:`bind` and wrap the result in ``Options``.

    ``services.configure(T, section=...)`` calls this to make ``Options[T]``.

    Example:
        ```python
        from dataclasses import dataclass
        from wiredi.config import Configuration, bind_options

        @dataclass
        class CacheOptions:
            ttl_seconds: int = 60

        config = Configuration({"cache": {"ttlSeconds": "5"}})
        options = bind_options(config, CacheOptions, "cache")
        assert options.value.ttl_seconds == 5
        ```
    """
    return Options(bind(config, target, section=section))


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    name: str
    init_name: str
    hint: Any
    required: bool
    matches: frozenset[str]


@dataclasses.dataclass(frozen=True, slots=True)
class _Shape:
    kind: typing.Literal["dataclass", "pydantic", "plain"]
    fields: tuple[_Field, ...]
    init_takes_fields: bool


def _shape_of(target: object) -> _Shape | None:
    """Read a target's fields (once); ``None`` when it is not a bindable class."""
    return _read_shape(target)


@functools.lru_cache(maxsize=512)
def _read_shape(target: Any) -> _Shape | None:
    if not isinstance(target, type) or issubclass(target, _NOT_TARGETS):
        return None
    model_fields = getattr(target, "model_fields", None)
    if callable(getattr(target, "model_validate", None)) and isinstance(
        model_fields, Mapping
    ):
        return _Shape(
            "pydantic", tuple(_pydantic_fields(model_fields)), init_takes_fields=True
        )
    if dataclasses.is_dataclass(target):
        hints = _hints_of(target)
        fields = tuple(
            _field(f.name, hints.get(f.name, Any), required=_no_default(f))
            for f in dataclasses.fields(target)
            if f.init
        )
        return _Shape("dataclass", fields, init_takes_fields=True)
    if not any(vars(klass).get("__annotations__") for klass in target.__mro__[:-1]):
        return None
    fields = tuple(
        _field(name, hint, required=not _has_class_default(target, name))
        for name, hint in _hints_of(target).items()
        if not name.startswith("_")
        and typing.get_origin(hint) is not typing.ClassVar
        and hint is not typing.ClassVar
    )
    takes = _init_takes(target, {field.name for field in fields})
    return _Shape("plain", fields, init_takes_fields=takes) if fields else None


def _field(name: str, hint: Any, *, required: bool, alias: str = "") -> _Field:
    matches = {normalise_key(name)} | ({normalise_key(alias)} if alias else set())
    return _Field(name, alias or name, hint, required, frozenset(matches))


def _pydantic_fields(model_fields: Mapping[str, Any]) -> list[_Field]:
    fields = []
    for name, info in model_fields.items():
        alias = getattr(info, "alias", None)
        is_required = getattr(info, "is_required", None)
        fields.append(
            _field(
                name,
                getattr(info, "annotation", Any),
                required=bool(is_required()) if callable(is_required) else True,
                alias=alias if isinstance(alias, str) else "",
            )
        )
    return fields


def _hints_of(target: type[Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(target, include_extras=True)
    except (NameError, TypeError) as error:
        raise ConfigurationError(
            f"the annotations of {type_name(target)} cannot be read: {error}",
            service_type=target,
            hint="define every class its annotations name at module level",
        ) from error


def _no_default(field: dataclasses.Field[Any]) -> bool:
    missing = dataclasses.MISSING
    return field.default is missing and field.default_factory is missing


def _has_class_default(target: type[Any], name: str) -> bool:
    for klass in target.__mro__:
        if name in vars(klass):
            return not isinstance(vars(klass)[name], types.MemberDescriptorType)
    return False


def _init_takes(target: type[Any], names: set[str]) -> bool:
    """Tell whether ``target(**fields)`` works, else ``target()`` plus ``setattr``."""
    if target.__init__ is object.__init__:
        return False
    try:
        parameters = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return False
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return True
    keywords = {
        p.name for p in parameters if p.kind is not inspect.Parameter.POSITIONAL_ONLY
    }
    return names <= keywords


def _unwrap(hint: Any) -> Any:
    while True:
        if typing.get_origin(hint) is typing.Annotated:
            hint = typing.get_args(hint)[0]
        elif hasattr(hint, "__supertype__"):
            hint = hint.__supertype__
        else:
            return hint


def _join(path: str, name: object) -> str:
    return f"{path}{SEPARATOR}{name}" if path else str(name)


def _is_secret_path(path: str) -> bool:
    return any(looks_secret(segment) for segment in path.split(SEPARATOR))


def _expected(hint: Any) -> str:
    hint = _unwrap(hint)
    if typing.get_origin(hint) is typing.Literal:
        return "one of " + ", ".join(repr(arg) for arg in typing.get_args(hint))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return f"{type_name(hint)} (one of {', '.join(hint.__members__)})"
    return type_name(hint)


def _shown(value: Any, path: str) -> str:
    if _is_secret_path(path):
        return "'***'"
    text = repr(redacted(value))
    return text if len(text) <= 80 else f"{text[:77]}..."


class _Binder:
    """Converts one section, collecting a problem line per bad field."""

    __slots__ = ("causes", "lenient", "problems", "scrub")

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.scrub: list[str] = []
        self.causes: list[Exception] = []
        self.lenient = 0

    def fail(self, path: str, hint: Any, value: Any, got: str = "") -> Any:
        got = got or _shown(value, path)
        self.problems.append(
            f"{path or '<root>'}: expected {_expected(hint)}, got {got}"
        )
        return _FAILED

    def convert(self, value: Any, hint: Any, path: str) -> Any:
        hint = _unwrap(hint)
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if hint is Any or hint is object:
            return value
        if origin is typing.Union or origin is types.UnionType:
            return self._union(value, hint, args, path)
        if origin is typing.Literal:
            matched = [arg for arg in args if value == arg or str(value) == str(arg)]
            return matched[0] if matched else self.fail(path, hint, value)
        if value is None:
            return self.fail(path, hint, value)
        if hint in (list, tuple, set, frozenset, dict):
            origin = hint
        if origin in _LISTS or origin in _SETS or origin is tuple:
            return self._collection(value, hint, origin, args, path)
        if origin in _DICTS:
            return self._mapping(value, hint, args or (Any, Any), path)
        if isinstance(hint, type):
            return self._scalar(value, hint, path)
        return value if self.lenient else self.fail(path, hint, value)

    def _union(self, value: Any, hint: Any, args: tuple[Any, ...], path: str) -> Any:
        arms = [arg for arg in args if arg is not type(None)]
        blank = value == "" and str not in arms
        if (value is None or blank) and len(arms) < len(args):
            return None
        if len(arms) == 1:
            return self.convert(value, arms[0], path)
        for arm in arms:
            trial = _Binder()
            trial.lenient = self.lenient
            result = trial.convert(value, arm, path)
            if not trial.problems:
                return result
        return self.fail(path, hint, value)

    def _collection(
        self, value: Any, hint: Any, origin: Any, args: tuple[Any, ...], path: str
    ) -> Any:
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",")] if value.strip() else []
        elif isinstance(value, list | tuple | set | frozenset):
            items = list(value)
        elif isinstance(value, Mapping) and all(str(key).isdigit() for key in value):
            items = [value[key] for key in sorted(value, key=int)]
        else:
            return self.fail(path, hint, value)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(items):
                return self.fail(path, hint, value)
            item_hints = list(args)
        else:
            item_hints = [args[0] if args else Any] * len(items)
        converted = [
            self.convert(item, item_hint, _join(path, index))
            for index, (item, item_hint) in enumerate(
                zip(items, item_hints, strict=True)
            )
        ]
        if any(item is _FAILED for item in converted):
            return _FAILED
        if origin is tuple:
            return tuple(converted)
        if origin is frozenset:
            return frozenset(converted)
        return set(converted) if origin in _SETS else converted

    def _mapping(self, value: Any, hint: Any, args: tuple[Any, ...], path: str) -> Any:
        if not isinstance(value, Mapping):
            return self.fail(path, hint, value)
        result: dict[Any, Any] = {}
        failed = False
        for key, item in value.items():
            converted_key = self.convert(key, args[0], _join(path, key))
            converted = self.convert(item, args[1], _join(path, key))
            failed = failed or converted_key is _FAILED or converted is _FAILED
            result[converted_key] = converted
        return _FAILED if failed else result

    def _scalar(self, value: Any, hint: type[Any], path: str) -> Any:
        if hint is bool:
            if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
                return bool(value)
            folded = value.strip().casefold() if isinstance(value, str) else ""
            if folded in _TRUE or folded in _FALSE:
                return folded in _TRUE
            return self.fail(path, hint, value)
        if isinstance(value, bool) and hint in (int, float, str):
            return self.fail(path, hint, value)
        if hint in (int, float, str):
            return self._builtin(value, hint, path)
        if issubclass(hint, enum.Enum):
            return self._enum(value, hint, path)
        if issubclass(hint, pathlib.PurePath) and isinstance(
            value, str | pathlib.PurePath
        ):
            return hint(value)
        if hint is dt.timedelta and not isinstance(value, dt.timedelta):
            duration = parse_duration(value)
            if duration is not None:
                return duration
            return value if self.lenient else self.fail(path, hint, value)
        shape = _shape_of(hint)
        if shape is not None and isinstance(value, Mapping):
            return self.bind_object(shape, hint, value, path)
        if isinstance(value, hint):
            return value
        if shape is None and isinstance(value, str | int | float):
            return self._construct_scalar(value, hint, path)
        return value if self.lenient else self.fail(path, hint, value)

    def _construct_scalar(self, value: Any, hint: type[Any], path: str) -> Any:
        """Build an unknown class from text or a number (``Decimal``, ``date``...)."""
        from_text = getattr(hint, "fromisoformat", None)
        try:
            if isinstance(value, str) and callable(from_text):
                return from_text(value)
            return hint(value)
        except (TypeError, ValueError, ArithmeticError):
            return value if self.lenient else self.fail(path, hint, value)

    def _builtin(self, value: Any, hint: type[Any], path: str) -> Any:
        if hint is str and isinstance(value, str | int | float):
            return str(value)
        if hint is int and isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) or (hint is float and isinstance(value, int | float)):
            try:
                return hint(value.strip() if isinstance(value, str) else value)
            except ValueError:
                return self.fail(path, hint, value)
        return value if type(value) is hint else self.fail(path, hint, value)

    def _enum(self, value: Any, hint: type[enum.Enum], path: str) -> Any:
        if isinstance(value, hint):
            return value
        folded = value.strip().casefold() if isinstance(value, str) else None
        for member in hint:
            if member.name.casefold() == folded:
                return member
        for member in hint:
            if member.value == value or str(member.value) == str(value):
                return member
        return self.fail(path, hint, value)

    def bind_object(
        self, shape: _Shape, target: type[Any], section: Mapping[str, Any], path: str
    ) -> Any:
        by_key = {normalise_key(str(key)): item for key, item in section.items()}
        values: dict[str, Any] = {}
        failed = False
        if shape.kind == "pydantic":
            self.lenient += 1
        for field in shape.fields:
            field_path = _join(path, field.name)
            found = [by_key[match] for match in field.matches if match in by_key]
            hint = _unwrap(field.hint)
            if found:
                value = self.convert(found[0], hint, field_path)
            elif not field.required:
                continue
            elif type(None) in typing.get_args(hint):
                value = None
            elif _shape_of(hint) is not None:
                value = self.convert({}, hint, field_path)
            else:
                value = self.fail(
                    field_path, hint, None, "nothing (the key is missing)"
                )
            failed = failed or value is _FAILED
            values[field.init_name] = value
        if shape.kind == "pydantic":
            self.lenient -= 1
        return _FAILED if failed else self._construct(shape, target, values, path)

    def _construct(
        self, shape: _Shape, target: type[Any], values: dict[str, Any], path: str
    ) -> Any:
        try:
            if shape.kind == "pydantic":
                return cast("Any", target).model_validate(values)
            if shape.init_takes_fields:
                return target(**values)
            instance = target()
            for name, value in values.items():
                setattr(instance, name, value)
        except (TypeError, ValueError, AttributeError) as error:
            self.causes.append(error)
            self._rejected(error, target, path)
            return _FAILED
        return instance

    def _rejected(self, error: Exception, target: type[Any], path: str) -> None:
        errors = getattr(error, "errors", None)
        details = errors() if callable(errors) else None
        if isinstance(details, list) and details:
            for detail in details:
                loc = SEPARATOR.join(str(part) for part in detail.get("loc", ()))
                self.problems.append(
                    f"{_join(path, loc) or '<root>'}: {detail.get('msg')}"
                )
                self.scrub.append(self.problems[-1])
            return
        name, kind = type_name(target), type(error).__name__
        self.problems.append(
            f"{path or '<root>'}: {name} rejected the values: {kind}: {error}"
        )
        self.scrub.append(self.problems[-1])

    def error(self, target: type[Any], section: str, raw: Any) -> ConfigurationError:
        secrets = sorted(secret_values(raw), key=len, reverse=True)
        problems = [
            scrubbed(p, secrets) if p in self.scrub else p for p in self.problems
        ]
        count = len(problems)
        where = f"section {section!r}" if section else "the configuration root"
        first = problems[0].partition(": ")[0]
        example = (
            f" ({first} is the environment variable "
            f"{first.replace(SEPARATOR, '__').upper()} after your prefix)"
            if first != "<root>"
            else ""
        )
        error = ConfigurationError(
            f"cannot bind {where} to {type_name(target)}: "
            f"{count} bad value{'' if count == 1 else 's'}",
            problems=problems,
            service_type=target,
            hint=f"correct these keys in your configuration sources{example}, "
            f"or change the field types of {type_name(target)}",
        )
        clean = [c for c in self.causes if scrubbed(str(c), secrets) == str(c)]
        error.__cause__ = clean[0] if clean else None
        error.__suppress_context__ = True
        return error
