"""Typed configuration: layered sources, ``:`` key paths and ``Options[T]`` binding.

Example:
    ```python
    from dataclasses import dataclass
    from wiredi.config import ConfigurationBuilder, bind

    @dataclass
    class DatabaseOptions:
        host: str
        port: int = 5432

    config = (
        ConfigurationBuilder()
        .add_dict({"database": {"host": "localhost"}})
        .add_env_variables(prefix="APP__", environ={"APP__DATABASE__PORT": "6543"})
        .build()
    )
    assert bind(config, DatabaseOptions, section="database") == DatabaseOptions(
        "localhost", 6543
    )
    ```
"""

from wiredi.config._binding import Options, bind, bind_options
from wiredi.config._configuration import Configuration, IConfiguration
from wiredi.config._sources import ConfigurationBuilder
from wiredi.errors import ConfigurationError

__all__ = [
    "Configuration",
    "ConfigurationBuilder",
    "ConfigurationError",
    "IConfiguration",
    "Options",
    "bind",
    "bind_options",
]
