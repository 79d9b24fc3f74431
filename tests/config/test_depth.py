"""Deeply nested configuration: refused clearly, never a RecursionError."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wiredi import ConfigurationError, ServiceCollection
from wiredi.config import (
    Configuration,
    ConfigurationBuilder,
    IConfiguration,
    Options,
)
from wiredi.config._configuration import MAX_DEPTH


def _nested(levels: int) -> dict[str, Any]:
    """``{"a": {"a": ... 1}}`` with ``levels`` sections, parsed as JSON does."""
    loaded: dict[str, Any] = json.loads('{"a":' * levels + "1" + "}" * levels)
    return loaded


@dataclass
class Deep:
    a: dict[str, Any]


class TestTooDeep:
    def test_900_levels_raise_configuration_error(self) -> None:
        """Configuration(data) 900 levels deep raises ConfigurationError with a fix."""
        with pytest.raises(ConfigurationError) as caught:
            Configuration(_nested(900))
        error = caught.value
        assert error.message == (
            f"the configuration is nested more than {MAX_DEPTH} levels deep "
            "(under 'a:a:a'...)"
        )
        assert error.hint is not None
        assert "flatten" in error.hint

    def test_900_levels_from_a_json_file(self, tmp_path: Path) -> None:
        """A JSON file json.loads accepts, 900 levels deep, is refused at build()."""
        path = tmp_path / "deep.json"
        path.write_text('{"a":' * 900 + "1" + "}" * 900, encoding="utf-8")
        builder = ConfigurationBuilder().add_json_file(path)
        with pytest.raises(ConfigurationError, match="nested more than"):
            builder.build()

    def test_lists_count_as_levels(self) -> None:
        """Lists nested in lists count like sections."""
        data = {"items": json.loads("[" * 900 + "]" * 900)}
        with pytest.raises(ConfigurationError, match="nested more than"):
            Configuration(data)

    def test_colon_keys_count_as_levels(self) -> None:
        """One "a:a:...:a" key of 900 segments is 900 levels."""
        with pytest.raises(ConfigurationError, match="nested more than"):
            Configuration({":".join(["a"] * 900): 1})

    def test_environment_variable_with_too_many_segments(self) -> None:
        """APP__A__A__... with 900 segments is refused the same way."""
        name = "APP__" + "__".join(["A"] * 900)
        builder = ConfigurationBuilder().add_env_variables("APP__", environ={name: "1"})
        with pytest.raises(ConfigurationError, match="nested more than"):
            builder.build()


class TestDeepestAccepted:
    def test_max_depth_is_read_copied_and_merged(self) -> None:
        """A tree exactly MAX_DEPTH deep works in every operation."""
        data = _nested(MAX_DEPTH)
        config = ConfigurationBuilder().add_dict(data).add_dict(data).build()
        assert config.get(":".join(["a"] * MAX_DEPTH)) == 1
        assert config.to_dict() == data
        assert len(config.get_section("a")) == 1
        assert "a" in repr(config)

    def test_max_depth_binds_to_options(self) -> None:
        """configure() binds a MAX_DEPTH-deep section into a dict field."""
        config = Configuration(_nested(MAX_DEPTH))
        services = ServiceCollection().add_instance(IConfiguration, config)
        provider = services.configure(Deep, section="").build_service_provider()
        assert provider.get_service(Options[Deep]).value.a == _nested(MAX_DEPTH - 1)
