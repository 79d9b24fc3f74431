"""services.configure(T, section=...) and Options[T] injection."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from wiredi import (
    ConfigurationError,
    GraphValidationError,
    RegistrationError,
    ServiceCollection,
    ServiceNotFoundError,
)
from wiredi.config import Configuration, IConfiguration, Options


@dataclass(frozen=True)
class DatabaseOptions:
    host: str
    port: int = 5432
    password: str = ""


class Repo:
    def __init__(self, options: Options[DatabaseOptions]) -> None:
        self.options = options.value


def _services(data: dict[str, object]) -> ServiceCollection:
    services = ServiceCollection()
    services.add_instance(IConfiguration, Configuration(data))
    services.configure(DatabaseOptions, section="database")
    services.add_transient(Repo)
    return services


class TestConfigure:
    def test_options_injected_and_converted(self) -> None:
        """Options[T] is bound from its section, converting values."""
        provider = _services(
            {"database": {"Host": "db", "PORT": "6543"}}
        ).build_service_provider()
        repo = provider.get_service(Repo)
        assert repo.options == DatabaseOptions(host="db", port=6543)

    def test_a_second_section_for_one_type_is_refused(self) -> None:
        """One Options[T] per component: a second configure(T) says so at once."""
        services = _services({"database": {"host": "db"}})
        with pytest.raises(RegistrationError, match="bound to section 'database'"):
            services.configure(DatabaseOptions, section="replica")
        services.configure(DatabaseOptions, section="replica", component="reports")

    def test_options_are_a_singleton(self) -> None:
        """The bound options object is built once."""
        provider = _services({"database": {"host": "db"}}).build_service_provider()
        first = provider.get_service(Options[DatabaseOptions])
        assert provider.get_service(Options[DatabaseOptions]) is first

    def test_bad_value_fails_at_build(self) -> None:
        """A present section with a bad value fails build with ConfigurationError."""
        services = _services({"database": {"host": "db", "port": "many"}})
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, ConfigurationError)
        assert any("database:port" in problem for problem in error.problems)
        assert error.registered_at is not None
        assert error.registered_at.startswith("test_configure.py:")

    def test_missing_section_fails_at_build(self) -> None:
        """Without the section, a required field fails at build, naming the section."""
        with pytest.raises(ConfigurationError, match="no section 'database'"):
            _services({}).build_service_provider()

    def test_missing_section_fails_at_first_use_without_validation(self) -> None:
        """Unvalidated, the section's absence is reported when first resolved."""
        provider = _services({}).build_service_provider(validate=False)
        with pytest.raises(ConfigurationError, match="no section 'database'"):
            provider.get_service(Repo)

    def test_configuration_must_be_registered(self) -> None:
        """configure() without an IConfiguration is a missing dependency at build."""
        services = ServiceCollection().configure(DatabaseOptions, section="database")
        with pytest.raises(GraphValidationError) as caught:
            services.build_service_provider()
        (error,) = caught.value.errors
        assert isinstance(error, ServiceNotFoundError)
        assert error.service_type is IConfiguration

    def test_configuration_from_a_factory_is_checked_at_first_use(self) -> None:
        """A configuration built by a factory is bound (and checked) on first use."""
        services = ServiceCollection()
        services.add_singleton_factory(
            IConfiguration, lambda: Configuration({"database": {"host": "h"}})
        )
        services.configure(DatabaseOptions, section="database")
        provider = services.build_service_provider()
        assert provider.get_service(Options[DatabaseOptions]).value.host == "h"

    def test_not_a_type(self) -> None:
        """configure() needs a type."""
        from wiredi import RegistrationError

        with pytest.raises(RegistrationError):
            ServiceCollection().configure("DatabaseOptions", section="x")  # type: ignore[arg-type]
