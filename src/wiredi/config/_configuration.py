"""``IConfiguration`` and the dict-backed ``Configuration``, plus secret redaction.

Keys are ``:``-separated paths matched ignoring case, ``_`` and ``-`` at every
level (``normalise_key``), as field names bind, and as .NET's
``Microsoft.Extensions.Configuration`` matches keys ignoring case. The
helpers at the bottom (merging, secret detection, redaction) are shared with
the sources and the binder.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, Final, Protocol, runtime_checkable

from wiredi.errors import ConfigurationError

__all__ = [
    "MAX_DEPTH",
    "SEPARATOR",
    "Configuration",
    "IConfiguration",
    "check_mapping",
    "looks_secret",
    "merge_into",
    "normalise_key",
    "normalise_tree",
    "redacted",
    "safe_repr",
    "scrubbed",
    "secret_values",
]

SEPARATOR: Final = ":"
"""Separates the segments of a configuration key path."""

MAX_DEPTH: Final = 100
"""The deepest nesting of sections and lists a configuration may have.

Reading, merging, copying and binding a tree are recursive; a tree within
this depth never exhausts Python's stack (``json.loads`` accepts about 990
levels), and deeper ones are refused with a ``ConfigurationError``.
"""

_SECRET_WORDS: Final = ("password", "secret", "token", "key", "credential")
_REDACTED: Final = "***"
_MISSING: Final = object()


@runtime_checkable
class IConfiguration(Protocol):
    """Read access to layered configuration, keyed by ``:``-separated paths.

    Register one with ``services.add_instance(IConfiguration, config)``;
    ``services.configure(T, section=...)`` binds its sections. Any object with
    these methods works, so tests may pass their own.

    Example:
        ```python
        from wiredi.config import Configuration, IConfiguration

        def backend_of(config: IConfiguration, tenant: str) -> str:
            return str(config.get(f"tenants:{tenant}:backend", "local"))

        config = Configuration({"tenants": {"ACME": {"backend": "s3"}}})
        assert backend_of(config, "acme") == "s3"
        assert backend_of(config, "globex") == "local"
        ```
    """

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value at ``key`` (a ``dict`` for a section), or ``default``."""
        ...

    def get_section(self, key: str) -> IConfiguration:
        """Return the section at ``key``; an empty one when there is none."""
        ...

    def __getitem__(self, key: str) -> Any:
        """Return the value at ``key``; raise ``KeyError`` when there is none."""
        ...

    def __iter__(self) -> Iterator[str]:
        """Iterate over the top-level keys."""
        ...

    def __contains__(self, key: object) -> bool:
        """Tell whether a value exists at the key path."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Return a deep copy of the whole tree as plain dicts and lists."""
        ...


def check_mapping(data: object, call: str) -> None:
    """Refuse configuration data that is not a mapping of keys to values."""
    if data is not None and not isinstance(data, Mapping):
        raise ConfigurationError(
            f"{call}: configuration data is a mapping of keys to values, "
            f"not {type(data).__name__}",
            hint='pass a dict such as {"database": {"host": "db"}}',
        )


class Configuration(Mapping[str, Any]):
    """An immutable tree of configuration values read with ``:`` key paths.

    Keys match ignoring case, ``_`` and ``-`` at every level
    (``"Tenants:acme"`` finds ``{"tenants": {"ACME": ...}}``, ``"db:maxSize"``
    finds ``max_size``), a key written as ``"a:b"`` in the input is the same
    as ``{"a": {"b": ...}}``, and a numeric segment indexes a list
    (``"servers:0"``). Reading never exposes the internal tree: sections and
    lists come back as copies. ``repr()`` shows ``'***'`` for the values of keys
    that look secret (containing password, secret, token, key or credential).

    Args:
        data: The nested mapping to read from. It is copied.

    Example:
        ```python
        from wiredi.config import Configuration

        config = Configuration({"tenants": {"ACME": {"backend": "s3"}}})
        assert config.get("tenants:acme:backend") == "s3"
        assert config.get("tenants:globex:backend", "local") == "local"
        assert list(config.get_section("tenants")) == ["ACME"]
        assert "tenants:ACME" in config
        ```
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        check_mapping(data, "Configuration(data)")
        self._data: dict[str, Any] = normalise_tree(data or {})

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value at the ``:``-separated ``key``, or ``default``.

        A section comes back as a ``dict`` copy; use :meth:`get_section` to
        keep reading it with key paths.

        Example:
            ```python
            from wiredi.config import Configuration

            config = Configuration({"database": {"host": "db", "port": 5432}})
            assert config.get("Database:Port") == 5432
            assert config.get("database:user") is None
            assert config.get("database") == {"host": "db", "port": 5432}
            ```
        """
        value = _lookup(self._data, key)
        if value is _MISSING:
            return default
        return copy.deepcopy(value)

    def get_section(self, key: str) -> Configuration:
        """Return the section at ``key``; an empty ``Configuration`` when missing.

        A list becomes a section keyed ``"0"``, ``"1"``, ...; a single value is
        not a section, so it gives an empty one too.

        Example:
            ```python
            from wiredi.config import Configuration

            config = Configuration({"tenants": {"ACME": {"backend": "s3"}}})
            assert config.get_section("tenants").get("acme:backend") == "s3"
            assert len(config.get_section("missing")) == 0
            ```
        """
        value = _lookup(self._data, key)
        if isinstance(value, Mapping):
            return Configuration(value)
        if isinstance(value, list):
            return Configuration({str(index): item for index, item in enumerate(value)})
        return Configuration()

    def to_dict(self) -> dict[str, Any]:
        """Return a deep copy of the whole tree as plain dicts and lists.

        Example:
            ```python
            from wiredi.config import Configuration

            config = Configuration({"a:b": 1})
            assert config.to_dict() == {"a": {"b": 1}}
            ```
        """
        return copy.deepcopy(self._data)

    def __getitem__(self, key: str) -> Any:
        value = _lookup(self._data, key)
        if value is _MISSING:
            raise KeyError(key)
        return copy.deepcopy(value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _lookup(self._data, key) is not _MISSING

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<wiredi.config.Configuration({redacted(self._data)!r})>"


def _lookup(data: dict[str, Any], key: str) -> Any:
    """Walk ``key``'s segments down ``data``; ``_MISSING`` when any is absent."""
    if not key:
        return data
    node: Any = data
    for segment in key.split(SEPARATOR):
        if isinstance(node, Mapping):
            found = _find_key(node, segment)
            if found is None:
                return _MISSING
            node = node[found]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return _MISSING
    return node


def normalise_key(key: str) -> str:
    """Return ``key`` case-folded without ``_`` and ``-`` (``maxSize``: ``maxsize``).

    Keys equal after it are one key: ``max_size``, ``maxSize``, ``MAX-SIZE``.
    """
    return key.replace("_", "").replace("-", "").casefold()


def _find_key(mapping: Mapping[str, Any], key: str) -> str | None:
    """Return the key of ``mapping`` equivalent to ``key`` (``normalise_key``)."""
    if key in mapping:
        return key
    wanted = normalise_key(key)
    for candidate in mapping:
        if normalise_key(candidate) == wanted:
            return candidate
    return None


def normalise_tree(data: Mapping[Any, Any]) -> dict[str, Any]:
    """Copy ``data`` into plain dicts with ``str`` keys, splitting ``"a:b"`` keys.

    Equivalent keys (``normalise_key``) are merged, the later one winning.

    Raises:
        ConfigurationError: ``data`` is nested deeper than ``MAX_DEPTH``.
    """
    _check_depth(data)
    return _normalise_tree(data)


def _check_depth(data: Mapping[Any, Any]) -> None:
    """Refuse a tree deeper than ``MAX_DEPTH``, found without recursion.

    A ``"a:b"`` key counts as two levels. Only the first few keys of a path
    are kept, for the message.
    """
    pending: list[tuple[Any, int, tuple[str, ...]]] = [(data, 0, ())]
    while pending:
        node, depth, path = pending.pop()
        if isinstance(node, Mapping):
            items: Iterator[tuple[Any, Any]] = iter(node.items())
        elif isinstance(node, list | tuple):
            items = iter(enumerate(node))
        else:
            continue
        for key, value in items:
            text = str(key)
            level = depth + 1 + text.count(SEPARATOR)
            where = (*path, text) if len(path) < 3 else path
            if level > MAX_DEPTH:
                raise _too_deep(where)
            pending.append((value, level, where))


def _too_deep(path: tuple[str, ...]) -> ConfigurationError:
    shown = SEPARATOR.join(path)
    return ConfigurationError(
        f"the configuration is nested more than {MAX_DEPTH} levels deep "
        f"(under {shown!r}...)",
        hint=f"flatten it: sections and lists may nest at most {MAX_DEPTH} "
        "levels (a 'a:b' key counts as two)",
    )


def _normalise_tree(data: Mapping[Any, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for raw_key, raw_value in data.items():
        *parents, last = str(raw_key).split(SEPARATOR)
        value: Any = {last: raw_value}
        for parent in reversed(parents):
            value = {parent: value}
        merge_into(result, {key: _normalise_value(item) for key, item in value.items()})
    return result


def _normalise_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _normalise_tree(value)
    if isinstance(value, list | tuple):
        return [_normalise_value(item) for item in value]
    return copy.deepcopy(value)


def merge_into(target: dict[str, Any], source: dict[str, Any]) -> None:
    """Deep-merge ``source`` into ``target``, matching keys by ``normalise_key``.

    Sections merge key by key; anything else (a value, a list) replaces what
    was there. The existing spelling of a key is kept. ``source`` must come
    from :func:`normalise_tree`; its parts are moved into ``target``, not copied.
    """
    for key, value in source.items():
        existing_key = _find_key(target, key)
        if existing_key is None:
            target[key] = value
            continue
        existing = target[existing_key]
        if isinstance(existing, dict) and isinstance(value, dict):
            merge_into(existing, value)
        elif isinstance(existing, list) and _is_indexed(value):
            _merge_indexed(existing, value)
        else:
            target[existing_key] = value


def _is_indexed(value: Any) -> bool:
    """A section keyed ``0``, ``1``, ... (``SERVERS__0`` in the environment)."""
    return isinstance(value, dict) and bool(value) and all(k.isdigit() for k in value)


def _merge_indexed(items: list[Any], section: dict[str, Any]) -> None:
    """Overwrite (or, past the end, append) the items a ``0``, ``1``... section names.

    As .NET reads an environment variable ``SERVERS__0`` over a file's
    ``servers`` array: only item 0 changes.
    """
    for index, value in sorted((int(key), value) for key, value in section.items()):
        if index >= len(items):
            items.append(value)
        elif isinstance(items[index], dict) and isinstance(value, dict):
            merge_into(items[index], value)
        else:
            items[index] = value


def looks_secret(key: str) -> bool:
    """Tell whether a key names a secret (password, secret, token, key, credential).

    The check ignores case, so ``api_key``, ``apiKey`` and ``ClientSecret`` all
    count.
    """
    folded = key.casefold()
    return any(word in folded for word in _SECRET_WORDS)


def redacted(value: Any, *, depth: int = 0) -> Any:
    """Copy ``value`` with ``'***'`` for the values of secret-looking keys."""
    if depth > 32:
        return "..."
    if isinstance(value, Mapping):
        return {
            key: _REDACTED
            if isinstance(key, str) and looks_secret(key)
            else redacted(item, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redacted(item, depth=depth + 1) for item in value]
    return value


def secret_values(value: Any, *, secret: bool = False) -> set[str]:
    """Return the text of every value held under a secret-looking key."""
    if isinstance(value, Mapping):
        found: set[str] = set()
        for key, item in value.items():
            found |= secret_values(item, secret=secret or looks_secret(str(key)))
        return found
    if isinstance(value, list | tuple):
        return set().union(*(secret_values(item, secret=secret) for item in value))
    text = str(value)
    return {text} if secret and text else set()


def scrubbed(text: str, secrets: list[str]) -> str:
    """Replace each of ``secrets`` in ``text`` with ``***`` (pass longest first)."""
    for secret in secrets:
        text = text.replace(secret, _REDACTED)
    return text


def safe_repr(value: Any, depth: int = 0) -> str:
    """Like ``repr``, but ``'***'`` for secret-looking fields and keys."""
    if depth > 16:
        return "..."
    if isinstance(value, Mapping):
        items = (
            f"{key!r}: {_field_repr(str(key), item, depth)}"
            for key, item in value.items()
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        inner = ", ".join(safe_repr(item, depth + 1) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    names = [] if isinstance(value, type) else _field_names(value)
    if not names:
        return repr(value)
    parts = (
        f"{name}={_field_repr(name, getattr(value, name, None), depth)}"
        for name in names
    )
    return f"{type(value).__qualname__}({', '.join(parts)})"


def _field_repr(name: str, value: Any, depth: int) -> str:
    return repr(_REDACTED) if looks_secret(name) else safe_repr(value, depth + 1)


def _field_names(value: object) -> list[str]:
    """The fields a repr shows: dataclass fields, pydantic fields or annotations."""
    if dataclasses.is_dataclass(value):
        return [field.name for field in dataclasses.fields(value) if field.repr]
    model_fields = getattr(type(value), "model_fields", None)
    if isinstance(model_fields, Mapping):
        return [str(name) for name in model_fields]
    names: dict[str, None] = {}
    for klass in reversed(type(value).__mro__):
        for name, hint in vars(klass).get("__annotations__", {}).items():
            if not name.startswith("_") and "ClassVar" not in str(hint):
                names[name] = None
    return list(names)
