"""``ConfigurationBuilder``: layers dicts, JSON/TOML files and environment variables."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Self

from wiredi.config._configuration import (
    SEPARATOR,
    Configuration,
    check_mapping,
    merge_into,
    normalise_tree,
)
from wiredi.errors import ConfigurationError

__all__ = ["ConfigurationBuilder"]

_TOML_LINE = re.compile(r"\bline (\d+)")

_Source = Callable[[], Mapping[str, Any]]


class ConfigurationBuilder:
    """Collects configuration sources; :meth:`build` layers them into one tree.

    Sources are read when :meth:`build` runs, in the order they were added.
    A later source overrides an earlier one key by key: sections are merged
    deeply (case-insensitively), while a value or a list replaces the earlier
    one whole.

    Example:
        ```python
        from wiredi.config import ConfigurationBuilder

        config = (
            ConfigurationBuilder()
            .add_dict({"database": {"host": "localhost", "port": 5432}})
            .add_json_file("appsettings.json", optional=True)
            .add_env_variables(prefix="APP__", environ={"APP__DATABASE__HOST": "db"})
            .build()
        )
        assert config.get("database:host") == "db"
        assert config.get("database:port") == 5432
        ```
    """

    __slots__ = ("_sources",)

    def __init__(self) -> None:
        self._sources: list[_Source] = []

    def add_dict(self, mapping: Mapping[str, Any]) -> Self:
        """Add an in-memory mapping (keys may be nested or ``"a:b"`` paths).

        The mapping is copied when :meth:`build` runs.

        Example:
            ```python
            from wiredi.config import ConfigurationBuilder

            config = ConfigurationBuilder().add_dict({"logging:level": "info"}).build()
            assert config.get("logging") == {"level": "info"}
            ```
        """
        check_mapping(mapping, "add_dict(mapping)")
        self._sources.append(lambda: mapping)
        return self

    def add_json_file(
        self, path: str | os.PathLike[str], *, optional: bool = False
    ) -> Self:
        """Add a JSON file whose top level is an object.

        Args:
            path: The file to read when :meth:`build` runs.
            optional: When true, a missing file adds nothing instead of
                raising ``ConfigurationError``.

        Example:
            ```python
            import json, pathlib, tempfile
            from wiredi.config import ConfigurationBuilder

            with tempfile.TemporaryDirectory() as folder:
                path = pathlib.Path(folder, "appsettings.json")
                path.write_text(json.dumps({"database": {"port": 5432}}))
                config = ConfigurationBuilder().add_json_file(path).build()
            assert config.get("database:port") == 5432
            ```
        """
        file = Path(path)
        self._sources.append(lambda: _read_file(file, "JSON", _parse_json, optional))
        return self

    def add_toml_file(
        self, path: str | os.PathLike[str], *, optional: bool = False
    ) -> Self:
        """Add a TOML file, read with the standard library's ``tomllib``.

        Args:
            path: The file to read when :meth:`build` runs.
            optional: When true, a missing file adds nothing instead of
                raising ``ConfigurationError``.

        Example:
            ```python
            import pathlib, tempfile
            from wiredi.config import ConfigurationBuilder

            with tempfile.TemporaryDirectory() as folder:
                path = pathlib.Path(folder, "settings.toml")
                path.write_text('database = {host = "db"}')
                config = ConfigurationBuilder().add_toml_file(path).build()
            assert config.get("database:host") == "db"
            ```
        """
        file = Path(path)
        self._sources.append(lambda: _read_file(file, "TOML", _parse_toml, optional))
        return self

    def add_env_variables(
        self,
        prefix: str = "",
        separator: str = "__",
        environ: Mapping[str, str] | None = None,
    ) -> Self:
        """Add environment variables whose names start with ``prefix``.

        The prefix is matched ignoring case and removed (with a separator
        right after it), and ``separator`` splits the rest into a key path:
        with ``prefix="APP__"``, ``APP__DATABASE__HOST`` becomes
        ``DATABASE:HOST``, which ``database:host`` finds. Values stay strings;
        binding converts them (``"a,b"`` becomes a list for a list field, and
        ``SERVERS__0``, ``SERVERS__1`` also bind to a list).

        Args:
            prefix: Only names starting with it are read; ``""`` reads all.
            separator: Separates the segments of a name.
            environ: The variables to read when :meth:`build` runs; defaults
                to ``os.environ``.

        Example:
            ```python
            from wiredi.config import ConfigurationBuilder

            environ = {"APP__DATABASE__HOST": "db", "HOME": "/root"}
            builder = ConfigurationBuilder().add_env_variables("APP__", environ=environ)
            config = builder.build()
            assert config.get("database:host") == "db"
            assert "home" not in config
            ```
        """
        if not separator:
            raise ConfigurationError(
                "add_env_variables() needs a non-empty separator",
                hint='use the default separator="__"',
            )
        self._sources.append(lambda: _read_environ(environ, prefix, separator))
        return self

    def build(self) -> Configuration:
        """Read every source in order and merge them into a ``Configuration``.

        Raises:
            ConfigurationError: A required file is missing or unreadable, or a
                file is not valid JSON or TOML (the message names the file
                and the line).

        Example:
            ```python
            from wiredi.config import ConfigurationBuilder

            config = (
                ConfigurationBuilder()
                .add_dict({"database": {"host": "localhost", "port": 5432}})
                .add_dict({"Database": {"Host": "db"}})
                .build()
            )
            assert config.to_dict() == {"database": {"host": "db", "port": 5432}}
            ```
        """
        merged: dict[str, Any] = {}
        for source in self._sources:
            merge_into(merged, normalise_tree(source()))
        return Configuration(merged)

    def __repr__(self) -> str:
        return f"<wiredi.config.ConfigurationBuilder(sources={len(self._sources)})>"


def _read_file(
    path: Path,
    kind: str,
    parse: Callable[[str, Path], dict[str, Any]],
    optional: bool,
) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        if optional:
            return {}
        raise ConfigurationError(
            f"configuration file {os.fspath(path)!r} was not found",
            hint=f"create the {kind} file, or add it with optional=True",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(
            f"configuration file {os.fspath(path)!r} could not be read: {error}",
            hint=f"make the file a readable UTF-8 {kind} file",
        ) from error
    return parse(text, path)


def _parse_json(text: str, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigurationError(
            f"invalid JSON in {os.fspath(path)!r} at line {error.lineno}, "
            f"column {error.colno}: {error.msg}",
            hint=f"fix the JSON syntax at {os.fspath(path)}:{error.lineno}",
        ) from error
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"JSON file {os.fspath(path)!r} holds {type(data).__name__}, not an object",
            hint='wrap the settings in an object: {"section": {...}}',
        )
    return data


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_LINE.search(str(error))
        line = match.group(1) if match else "?"
        raise ConfigurationError(
            f"invalid TOML in {os.fspath(path)!r} at line {line}: {error}",
            hint=f"fix the TOML syntax at {os.fspath(path)}:{line}",
        ) from error


def _read_environ(
    environ: Mapping[str, str] | None, prefix: str, separator: str
) -> dict[str, Any]:
    variables = os.environ if environ is None else environ
    folded_prefix = prefix.casefold()
    result: dict[str, Any] = {}
    for name in sorted(variables):
        if name[: len(prefix)].casefold() != folded_prefix:
            continue
        segments = name[len(prefix) :].removeprefix(separator).split(separator)
        if not all(segments):
            continue
        merge_into(result, normalise_tree({SEPARATOR.join(segments): variables[name]}))
    return result
