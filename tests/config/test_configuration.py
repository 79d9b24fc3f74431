"""Tests for ``Configuration``: key paths, sections, copies and redacted reprs."""

from __future__ import annotations

import pytest

from wiredi import ConfigurationError
from wiredi.config import Configuration, ConfigurationBuilder, IConfiguration


@pytest.fixture(name="config")
def _config() -> Configuration:
    return Configuration(
        {
            "tenants": {"ACME": {"backend": "s3", "buckets": ["raw", "clean"]}},
            "database": {"host": "db", "port": 5432},
            "debug": False,
        }
    )


class TestGet:
    def test_colon_path_reads_nested_value(self, config: Configuration) -> None:
        """A ``:``-separated key walks down the nested sections."""
        assert config.get("tenants:ACME:backend") == "s3"

    def test_keys_match_ignoring_case(self, config: Configuration) -> None:
        """Every segment of a key path matches regardless of case."""
        assert config.get("TENANTS:acme:Backend") == "s3"

    def test_missing_key_returns_none(self, config: Configuration) -> None:
        """A key that is not there gives ``None`` by default."""
        assert config.get("tenants:globex:backend") is None

    def test_missing_key_returns_given_default(self, config: Configuration) -> None:
        """A key that is not there gives the default passed in."""
        assert config.get("database:user", "admin") == "admin"

    def test_falsy_value_is_not_replaced_by_default(
        self, config: Configuration
    ) -> None:
        """A stored ``False`` is returned, not the default."""
        assert config.get("debug", True) is False

    def test_path_through_a_value_is_missing(self, config: Configuration) -> None:
        """A path that continues below a plain value finds nothing."""
        assert config.get("database:host:name") is None

    def test_numeric_segment_indexes_a_list(self, config: Configuration) -> None:
        """A numeric segment picks an element of a list."""
        assert config.get("tenants:acme:buckets:1") == "clean"

    def test_out_of_range_index_is_missing(self, config: Configuration) -> None:
        """An index past the end of a list finds nothing."""
        assert config.get("tenants:acme:buckets:2") is None

    def test_section_comes_back_as_dict(self, config: Configuration) -> None:
        """Getting a section returns its contents as a plain dict."""
        assert config.get("database") == {"host": "db", "port": 5432}

    def test_returned_section_is_a_copy(self, config: Configuration) -> None:
        """Changing a returned dict or list leaves the configuration as it was."""
        config.get("database")["host"] = "changed"
        config.get("tenants:acme:buckets").append("extra")
        assert config.get("database:host") == "db"
        assert config.get("tenants:acme:buckets") == ["raw", "clean"]

    def test_empty_key_returns_whole_tree(self, config: Configuration) -> None:
        """The empty key stands for the root."""
        assert config.get("") == config.to_dict()


class TestGetItem:
    def test_existing_key_returns_value(self, config: Configuration) -> None:
        """Indexing with a key path returns its value."""
        assert config["database:port"] == 5432

    def test_missing_key_raises_key_error(self, config: Configuration) -> None:
        """Indexing with a missing key path raises ``KeyError`` naming it."""
        with pytest.raises(KeyError, match="a:b"):
            config["a:b"]


class TestSections:
    def test_get_section_returns_configuration(self, config: Configuration) -> None:
        """A section is itself a ``Configuration`` read with relative paths."""
        section = config.get_section("tenants")
        assert isinstance(section, Configuration)
        assert section.get("acme:backend") == "s3"

    def test_missing_section_is_empty(self, config: Configuration) -> None:
        """A section that does not exist is an empty ``Configuration``."""
        section = config.get_section("nothing:here")
        assert len(section) == 0
        assert section.to_dict() == {}

    def test_value_is_not_a_section(self, config: Configuration) -> None:
        """A plain value gives an empty section."""
        assert len(config.get_section("database:host")) == 0

    def test_list_section_is_keyed_by_index(self, config: Configuration) -> None:
        """A list becomes a section keyed by position."""
        section = config.get_section("tenants:acme:buckets")
        assert section.to_dict() == {"0": "raw", "1": "clean"}


class TestMappingBehaviour:
    def test_iterates_top_level_keys(self, config: Configuration) -> None:
        """Iteration yields the top-level keys in their original spelling."""
        assert list(config) == ["tenants", "database", "debug"]

    def test_len_counts_top_level_keys(self, config: Configuration) -> None:
        """``len`` is the number of top-level keys."""
        assert len(config) == 3

    def test_contains_accepts_key_paths(self, config: Configuration) -> None:
        """``in`` checks a whole key path, ignoring case."""
        assert "Tenants:acme:backend" in config
        assert "tenants:globex" not in config

    def test_contains_rejects_non_strings(self, config: Configuration) -> None:
        """A non-string key is never contained."""
        key: object = 1
        assert key not in config

    def test_is_an_iconfiguration(self, config: Configuration) -> None:
        """``Configuration`` satisfies the ``IConfiguration`` protocol."""
        reader: IConfiguration = config
        assert reader.get_section("database").get("port") == 5432


class TestConstruction:
    def test_input_is_copied(self) -> None:
        """Changing the input mapping afterwards does not change the configuration."""
        data = {"database": {"host": "db"}}
        config = Configuration(data)
        data["database"]["host"] = "changed"
        assert config.get("database:host") == "db"

    def test_colon_keys_become_sections(self) -> None:
        """A flat ``"a:b"`` key is stored as a nested section."""
        config = Configuration({"database:host": "db", "database:port": 1})
        assert config.to_dict() == {"database": {"host": "db", "port": 1}}

    def test_keys_differing_in_case_merge(self) -> None:
        """Two spellings of one key merge, the later value winning."""
        config = Configuration({"Database": {"host": "a"}, "database": {"HOST": "b"}})
        assert config.to_dict() == {"Database": {"host": "b"}}

    def test_tuples_become_lists(self) -> None:
        """Tuples are stored as lists."""
        assert Configuration({"servers": ("a", "b")}).get("servers") == ["a", "b"]

    def test_empty_configuration(self) -> None:
        """A configuration made without data is empty."""
        assert Configuration().to_dict() == {}

    def test_to_dict_is_a_deep_copy(self, config: Configuration) -> None:
        """Changing the result of ``to_dict`` leaves the configuration as it was."""
        tree = config.to_dict()
        tree["tenants"]["ACME"]["backend"] = "changed"
        assert config.get("tenants:acme:backend") == "s3"


class TestRepr:
    def test_repr_names_the_class_and_shows_values(self) -> None:
        """The repr shows the public path and the ordinary values."""
        config = Configuration({"database": {"host": "db"}})
        assert repr(config) == (
            "<wiredi.config.Configuration({'database': {'host': 'db'}})>"
        )

    @pytest.mark.parametrize(
        "key",
        ["password", "api_key", "apiKey", "ClientSecret", "TOKEN", "credentials"],
    )
    def test_repr_hides_secret_values(self, key: str) -> None:
        """Values of keys that look secret are shown as ``'***'``."""
        config = Configuration({"service": {key: "hunter2", "host": "db"}})
        text = repr(config)
        assert "hunter2" not in text
        assert f"'{key}': '***'" in text
        assert "'host': 'db'" in text

    def test_repr_hides_whole_secret_section(self) -> None:
        """A secret-looking section is hidden as a whole."""
        config = Configuration({"secrets": {"db": "hunter2", "list": ["x1y2"]}})
        text = repr(config)
        assert "hunter2" not in text
        assert "x1y2" not in text


def test_configuration_is_an_iconfiguration_at_run_time() -> None:
    """IConfiguration is a runtime-checkable protocol."""
    assert isinstance(Configuration({}), IConfiguration)
    assert not isinstance(object(), IConfiguration)


@pytest.mark.parametrize("data", [[1, 2], 5, "a=b"])
def test_data_that_is_not_a_mapping_is_refused(data: object) -> None:
    """Configuration(...) and add_dict(...) say what they take."""
    with pytest.raises(ConfigurationError, match="mapping of keys to values"):
        Configuration(data)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"add_dict\(mapping\)"):
        ConfigurationBuilder().add_dict(data)  # type: ignore[arg-type]
