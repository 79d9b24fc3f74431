"""Tests for ``ConfigurationBuilder``: sources, layering and file errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiredi.config import Configuration, ConfigurationBuilder
from wiredi.errors import ConfigurationError


class TestAddDict:
    def test_dict_values_are_read(self) -> None:
        """An added mapping becomes the configuration."""
        config = ConfigurationBuilder().add_dict({"a": {"b": 1}}).build()
        assert config.get("a:b") == 1

    def test_methods_chain(self) -> None:
        """Every ``add_*`` method returns the builder."""
        builder = ConfigurationBuilder()
        assert builder.add_dict({}) is builder
        assert builder.add_json_file("x.json", optional=True) is builder
        assert builder.add_toml_file("x.toml", optional=True) is builder
        assert builder.add_env_variables(environ={}) is builder

    def test_empty_builder_builds_empty_configuration(self) -> None:
        """A builder with no sources gives an empty ``Configuration``."""
        config = ConfigurationBuilder().build()
        assert isinstance(config, Configuration)
        assert len(config) == 0

    def test_repr_counts_sources(self) -> None:
        """The builder's repr shows how many sources it holds."""
        builder = ConfigurationBuilder().add_dict({}).add_dict({})
        assert repr(builder) == "<wiredi.config.ConfigurationBuilder(sources=2)>"


class TestLayering:
    def test_later_source_overrides_a_value(self) -> None:
        """A value from a later source replaces the earlier one."""
        config = (
            ConfigurationBuilder()
            .add_dict({"database": {"host": "localhost"}})
            .add_dict({"database": {"host": "db"}})
            .build()
        )
        assert config.get("database:host") == "db"

    def test_sections_merge_deeply(self) -> None:
        """Keys an override does not mention keep their earlier values."""
        config = (
            ConfigurationBuilder()
            .add_dict({"database": {"host": "localhost", "pool": {"size": 5}}})
            .add_dict({"database": {"pool": {"timeout": 3}}})
            .build()
        )
        assert config.to_dict() == {
            "database": {"host": "localhost", "pool": {"size": 5, "timeout": 3}}
        }

    def test_merge_ignores_case_and_keeps_first_spelling(self) -> None:
        """An override in another case replaces the value under the first spelling."""
        config = (
            ConfigurationBuilder()
            .add_dict({"Database": {"Host": "localhost"}})
            .add_dict({"DATABASE": {"HOST": "db"}})
            .build()
        )
        assert config.to_dict() == {"Database": {"Host": "db"}}

    def test_list_is_replaced_whole(self) -> None:
        """A later list replaces the earlier list rather than merging by index."""
        config = (
            ConfigurationBuilder()
            .add_dict({"servers": ["a", "b", "c"]})
            .add_dict({"servers": ["x"]})
            .build()
        )
        assert config.get("servers") == ["x"]

    def test_value_replaces_section_and_back(self) -> None:
        """A value and a section at the same key replace each other."""
        config = (
            ConfigurationBuilder()
            .add_dict({"a": {"b": 1}, "c": 2})
            .add_dict({"a": "flat", "c": {"d": 3}})
            .build()
        )
        assert config.to_dict() == {"a": "flat", "c": {"d": 3}}

    def test_sources_are_read_at_build(self, tmp_path: Path) -> None:
        """A file written after it was added is still read by ``build``."""
        path = tmp_path / "late.json"
        builder = ConfigurationBuilder().add_json_file(path)
        path.write_text('{"late": true}', encoding="utf-8")
        assert builder.build().get("late") is True

    def test_building_twice_gives_independent_configurations(self) -> None:
        """Each ``build`` gives its own tree."""
        builder = ConfigurationBuilder().add_dict({"a": {"b": 1}})
        first, second = builder.build(), builder.build()
        assert first == second
        assert first is not second


_keys = st.text(alphabet="abc", min_size=1, max_size=2)
_trees = st.recursive(
    st.integers(),
    lambda children: st.dictionaries(_keys, children, max_size=3),
    max_leaves=8,
)


def _nodes(tree: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every path in ``tree`` (case-folded) with the value found there."""
    found: dict[tuple[str, ...], Any] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            path = (*prefix, key.casefold())
            found[path] = value
            found.update(_nodes(value, path))
    return found


class TestLayeringProperties:
    @given(
        earlier=st.dictionaries(_keys, _trees, max_size=4),
        later=st.dictionaries(_keys, _trees, max_size=4),
        shout=st.booleans(),
    )
    def test_later_source_wins_for_every_leaf(
        self, earlier: dict[str, Any], later: dict[str, Any], shout: bool
    ) -> None:
        """Every leaf of the later source wins; other earlier leaves survive."""
        if shout:
            later = json.loads(json.dumps(later).upper())
        config = ConfigurationBuilder().add_dict(earlier).add_dict(later).build()
        earlier_nodes, later_nodes = _nodes(earlier), _nodes(later)
        for path, value in later_nodes.items():
            if not isinstance(value, dict):
                assert config.get(":".join(path)) == value
        for path, value in earlier_nodes.items():
            shadowed = path in later_nodes or any(
                not isinstance(later_nodes.get(path[:size], {}), dict)
                for size in range(1, len(path))
            )
            if not shadowed and not isinstance(value, dict):
                assert config.get(":".join(path)) == value


class TestJsonFile:
    def test_json_file_is_read(self, tmp_path: Path) -> None:
        """A JSON object file becomes configuration."""
        path = tmp_path / "appsettings.json"
        path.write_text(json.dumps({"database": {"port": 5432}}), encoding="utf-8")
        config = ConfigurationBuilder().add_json_file(path).build()
        assert config.get("database:port") == 5432

    def test_json_file_with_bom_is_read(self, tmp_path: Path) -> None:
        """A UTF-8 byte-order mark, as some editors write, is accepted."""
        path = tmp_path / "appsettings.json"
        path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
        assert ConfigurationBuilder().add_json_file(path).build().get("a") == 1

    def test_str_path_is_accepted(self, tmp_path: Path) -> None:
        """The path may be given as a string."""
        path = tmp_path / "appsettings.json"
        path.write_text('{"a": 1}', encoding="utf-8")
        assert ConfigurationBuilder().add_json_file(str(path)).build().get("a") == 1

    def test_missing_optional_file_adds_nothing(self, tmp_path: Path) -> None:
        """A missing optional file is skipped."""
        config = (
            ConfigurationBuilder()
            .add_dict({"a": 1})
            .add_json_file(tmp_path / "missing.json", optional=True)
            .build()
        )
        assert config.to_dict() == {"a": 1}

    def test_missing_required_file_raises(self, tmp_path: Path) -> None:
        """A missing required file raises ``ConfigurationError`` naming it."""
        path = tmp_path / "missing.json"
        with pytest.raises(ConfigurationError) as caught:
            ConfigurationBuilder().add_json_file(path).build()
        assert str(path) in caught.value.message
        assert caught.value.hint is not None
        assert "optional=True" in caught.value.hint

    def test_malformed_json_names_file_and_line(self, tmp_path: Path) -> None:
        """Invalid JSON raises ``ConfigurationError`` with the file and line."""
        path = tmp_path / "broken.json"
        path.write_text('{\n  "a": 1,\n  "b": oops\n}\n', encoding="utf-8")
        with pytest.raises(ConfigurationError) as caught:
            ConfigurationBuilder().add_json_file(path).build()
        assert str(path) in caught.value.message
        assert "line 3" in caught.value.message
        assert isinstance(caught.value.__cause__, json.JSONDecodeError)

    def test_malformed_optional_file_still_raises(self, tmp_path: Path) -> None:
        """``optional=True`` forgives a missing file, not a broken one."""
        path = tmp_path / "broken.json"
        path.write_text("{", encoding="utf-8")
        with pytest.raises(ConfigurationError, match="invalid JSON"):
            ConfigurationBuilder().add_json_file(path, optional=True).build()

    def test_top_level_array_raises(self, tmp_path: Path) -> None:
        """A JSON file must hold an object at the top level."""
        path = tmp_path / "list.json"
        path.write_text("[1, 2]", encoding="utf-8")
        with pytest.raises(ConfigurationError, match="holds list, not an object"):
            ConfigurationBuilder().add_json_file(path).build()

    def test_unreadable_path_raises(self, tmp_path: Path) -> None:
        """A directory given as the file raises ``ConfigurationError``."""
        with pytest.raises(ConfigurationError, match="could not be read"):
            ConfigurationBuilder().add_json_file(tmp_path, optional=True).build()

    def test_invalid_utf8_raises(self, tmp_path: Path) -> None:
        """A file that is not UTF-8 raises ``ConfigurationError``."""
        path = tmp_path / "latin1.json"
        path.write_bytes(b'{"a": "\xe9"}')
        with pytest.raises(ConfigurationError, match="could not be read"):
            ConfigurationBuilder().add_json_file(path).build()


class TestTomlFile:
    def test_toml_file_is_read(self, tmp_path: Path) -> None:
        """A TOML file becomes configuration, tables as sections."""
        path = tmp_path / "settings.toml"
        path.write_text('[database]\nhost = "db"\nport = 5432\n', encoding="utf-8")
        config = ConfigurationBuilder().add_toml_file(path).build()
        assert config.get("database") == {"host": "db", "port": 5432}

    def test_missing_optional_toml_adds_nothing(self, tmp_path: Path) -> None:
        """A missing optional TOML file is skipped."""
        builder = ConfigurationBuilder().add_toml_file(
            tmp_path / "missing.toml", optional=True
        )
        assert builder.build().to_dict() == {}

    def test_missing_required_toml_raises(self, tmp_path: Path) -> None:
        """A missing required TOML file raises ``ConfigurationError``."""
        with pytest.raises(ConfigurationError, match="was not found"):
            ConfigurationBuilder().add_toml_file(tmp_path / "missing.toml").build()

    def test_malformed_toml_names_file_and_line(self, tmp_path: Path) -> None:
        """Invalid TOML raises ``ConfigurationError`` with the file and line."""
        path = tmp_path / "broken.toml"
        path.write_text('[database]\nhost = "db"\nport = \n', encoding="utf-8")
        with pytest.raises(ConfigurationError) as caught:
            ConfigurationBuilder().add_toml_file(path).build()
        assert str(path) in caught.value.message
        assert "at line 3" in caught.value.message
        assert caught.value.hint == f"fix the TOML syntax at {path}:3"

    def test_toml_overrides_json(self, tmp_path: Path) -> None:
        """Files layer in the order they were added."""
        json_path = tmp_path / "appsettings.json"
        json_path.write_text('{"a": {"b": 1, "c": 2}}', encoding="utf-8")
        toml_path = tmp_path / "settings.toml"
        toml_path.write_text("[a]\nb = 10\n", encoding="utf-8")
        config = (
            ConfigurationBuilder()
            .add_json_file(json_path)
            .add_toml_file(toml_path)
            .build()
        )
        assert config.get("a") == {"b": 10, "c": 2}


class TestEnvironmentVariables:
    def test_separator_makes_sections(self) -> None:
        """``APP__DATABASE__HOST`` is found as ``database:host``."""
        environ = {"APP__DATABASE__HOST": "db"}
        config = ConfigurationBuilder().add_env_variables("APP__", environ=environ)
        assert config.build().get("database:host") == "db"

    def test_other_variables_are_ignored(self) -> None:
        """Only names starting with the prefix are read."""
        environ = {"APP__A": "1", "PATH": "/bin", "OTHER__A": "2"}
        config = ConfigurationBuilder().add_env_variables("APP__", environ=environ)
        assert config.build().to_dict() == {"A": "1"}

    def test_prefix_matches_ignoring_case(self) -> None:
        """The prefix matches regardless of case."""
        environ = {"app__Database__Host": "db"}
        config = ConfigurationBuilder().add_env_variables("APP__", environ=environ)
        assert config.build().get("database:host") == "db"

    def test_prefix_without_separator_works(self) -> None:
        """A prefix given without the trailing separator still strips it."""
        environ = {"APP__DATABASE__HOST": "db"}
        config = ConfigurationBuilder().add_env_variables("APP", environ=environ)
        assert config.build().get("database:host") == "db"

    def test_custom_separator(self) -> None:
        """Another separator splits the name instead of ``__``."""
        environ = {"APP_DATABASE_HOST": "db"}
        config = ConfigurationBuilder().add_env_variables(
            "APP_", separator="_", environ=environ
        )
        assert config.build().get("database:host") == "db"

    def test_values_stay_raw_strings(self) -> None:
        """Values, commas included, are kept as the strings they were."""
        environ = {"APP__HOSTS": "a,b", "APP__PORT": "5432"}
        config = ConfigurationBuilder().add_env_variables("APP__", environ=environ)
        assert config.build().to_dict() == {"HOSTS": "a,b", "PORT": "5432"}

    def test_names_with_empty_segments_are_skipped(self) -> None:
        """A name with an empty segment, or only the prefix, adds nothing."""
        environ = {"APP__": "x", "APP__A____B": "y", "APP__C": "z"}
        config = ConfigurationBuilder().add_env_variables("APP__", environ=environ)
        assert config.build().to_dict() == {"C": "z"}

    def test_environment_overrides_files(self, tmp_path: Path) -> None:
        """Environment variables added last win over a file, key by key."""
        path = tmp_path / "appsettings.json"
        path.write_text('{"database": {"host": "x", "port": 1}}', encoding="utf-8")
        environ = {"APP__DATABASE__HOST": "db"}
        config = (
            ConfigurationBuilder()
            .add_json_file(path)
            .add_env_variables("APP__", environ=environ)
            .build()
        )
        assert config.to_dict() == {"database": {"host": "db", "port": 1}}

    def test_reads_os_environ_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without ``environ`` the process environment is read at build."""
        builder = ConfigurationBuilder().add_env_variables("WIREDI_TEST__")
        monkeypatch.setenv("WIREDI_TEST__FEATURE__ENABLED", "true")
        assert builder.build().get("feature:enabled") == "true"

    def test_empty_separator_is_rejected(self) -> None:
        """An empty separator raises ``ConfigurationError`` at once."""
        with pytest.raises(ConfigurationError, match="non-empty separator"):
            ConfigurationBuilder().add_env_variables("APP", separator="")


def test_later_source_wins_whatever_the_key_spelling() -> None:
    """snake_case in code, camelCase in JSON, UPPER_SNAKE in the environment."""
    config = (
        ConfigurationBuilder()
        .add_dict({"db": {"max_size": 1}})
        .add_dict({"db": {"maxSize": 2}})
        .add_env_variables(prefix="APP__", environ={"APP__DB__MAX_SIZE": "3"})
        .build()
    )
    assert config.to_dict() == {"db": {"max_size": "3"}}
    assert config.get("db:max-size") == "3"
    assert config.get("DB:MaxSize") == "3"


def test_numbered_environment_variables_change_items_of_an_earlier_list() -> None:
    """SERVERS__0 over a file's servers array changes item 0 only, as in .NET."""
    config = (
        ConfigurationBuilder()
        .add_dict({"servers": ["a", "b", "c"], "dbs": [{"host": "x", "port": 1}]})
        .add_env_variables(
            prefix="APP__",
            environ={
                "APP__SERVERS__0": "z",
                "APP__SERVERS__3": "d",
                "APP__DBS__0__PORT": "2",
            },
        )
        .build()
    )
    assert config.get("servers") == ["z", "b", "c", "d"]
    assert config.get("dbs") == [{"host": "x", "port": "2"}]
    replaced = (
        ConfigurationBuilder()
        .add_dict({"servers": ["a", "b", "c"]})
        .add_dict({"servers": ["y"]})
        .build()
    )
    assert replaced.get("servers") == ["y"]  # a list still replaces a list whole
