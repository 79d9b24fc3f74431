"""The ``Lifetime`` enum and parsing of lifetime names."""

from __future__ import annotations

import difflib
import enum

__all__ = [
    "BUILTIN_LIFETIMES",
    "SCOPED_NAME",
    "SINGLETON_NAME",
    "TRANSIENT_NAME",
    "Lifetime",
    "parse_lifetime",
]


class Lifetime(enum.StrEnum):
    """How long an instance lives.

    A lifetime may also be the name of a scope manager (``"tenant"``,
    ``"session"``), given as a plain string.

    Example:
        ```python
        from wiredi import Lifetime, ServiceCollection

        class Repo: ...

        services = ServiceCollection().add(Repo, lifetime=Lifetime.SCOPED)
        assert Lifetime("scoped") is Lifetime.SCOPED
        ```
    """

    SINGLETON = "singleton"
    """One instance per root provider, shared by every scope."""
    SCOPED = "scoped"
    """One instance per request scope."""
    TRANSIENT = "transient"
    """A new instance every time it is resolved."""


BUILTIN_LIFETIMES = frozenset(item.value for item in Lifetime)
# The built-in names as plain strings, bound once: ``Lifetime.SINGLETON`` is
# an attribute lookup on the enum class (about 55 ns on 3.11) and its
# ``.value`` another, on every ``add_*`` call.
SINGLETON_NAME = Lifetime.SINGLETON.value
SCOPED_NAME = Lifetime.SCOPED.value
TRANSIENT_NAME = Lifetime.TRANSIENT.value


def parse_lifetime(value: object) -> str | None:
    """Return the lifetime name, or ``None`` when ``value`` cannot be one.

    Built-in names come back as the ``Lifetime`` value; other identifiers are
    custom scope names, checked against the scope managers at build. A near
    miss of a built-in name (``"Singleton"``, ``"scope"``) is rejected so that
    a typo does not silently become a custom scope.
    """
    if type(value) is str and value in BUILTIN_LIFETIMES:  # the usual: first
        return value
    if isinstance(value, Lifetime):
        return value._value_  # what .value returns, without the descriptor
    if not isinstance(value, str) or not value:
        return None
    if value in BUILTIN_LIFETIMES:
        return value
    name = value.replace("-", "_")
    if not name.isidentifier():
        return None
    if value.lower() in BUILTIN_LIFETIMES or close_builtin(value):
        return None
    return value


def close_builtin(value: str) -> str | None:
    """Return the built-in lifetime name ``value`` looks like a typo of."""
    matches = difflib.get_close_matches(
        value.lower(), sorted(BUILTIN_LIFETIMES), n=1, cutoff=0.75
    )
    return matches[0] if matches else None
