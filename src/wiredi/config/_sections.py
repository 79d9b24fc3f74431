"""A section that is not in the configuration at all, and the one meant."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from wiredi._rendering import type_name
from wiredi.config._configuration import SEPARATOR, IConfiguration
from wiredi.errors import ConfigurationError

__all__ = ["absent_section_error"]


def absent_section_error(
    error: ConfigurationError, config: IConfiguration, target: Any, section: str
) -> ConfigurationError:
    """Say "the whole section is absent" rather than "a key is missing", with a guess.

    A misspelt section (``databse``) leaves every required field missing;
    the useful news is the section, and the existing one closest to it.
    """
    segments = section.split(SEPARATOR)
    index = next(
        (
            i
            for i in range(len(segments))
            if config.get(SEPARATOR.join(segments[: i + 1])) is None
        ),
        len(segments) - 1,
    )
    parent = SEPARATOR.join(segments[:index])
    names = [
        str(name)
        for name in (config.get_section(parent) if parent else config)
        if isinstance(config.get(_path(parent, name)), Mapping)
    ]
    folded = {name.casefold(): name for name in names}
    close = difflib.get_close_matches(segments[index].casefold(), folded, n=1)
    if close:
        guess = SEPARATOR.join(
            [*segments[:index], folded[close[0]], *segments[index + 1 :]]
        )
        hint = (
            f"did you mean section {guess!r}? Fix the section name, or add the "
            f"section {section!r} to your configuration sources"
        )
    else:
        listed = ", ".join(repr(_path(parent, name)) for name in names) or "none"
        hint = (
            f"fix the section name, or add the section {section!r} to your "
            f"configuration sources (sections there: {listed})"
        )
    absent = ConfigurationError(
        f"cannot bind section {section!r} to {type_name(target)}: the "
        f"configuration has no section {section!r}",
        problems=error.problems,
        service_type=target,
        hint=hint,
    )
    absent.__cause__ = error.__cause__
    absent.__suppress_context__ = True
    return absent


def _path(parent: str, name: object) -> str:
    return f"{parent}{SEPARATOR}{name}" if parent else str(name)
