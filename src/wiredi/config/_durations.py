"""Reading a ``datetime.timedelta`` option from configuration text or a number.

The forms users bring: .NET's ``TimeSpan`` text (``"00:00:30"``,
``"1.02:03:04.5"``: ``[-][d.]hh:mm[:ss[.fraction]]``), ISO 8601 durations
without years or months (``"PT30S"``, ``"P1DT2H"``, as pydantic reads them)
and a number of seconds (``30``, ``"1.5"``).
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["parse_duration"]

# as .NET's TimeSpan.Parse: hours 0-23, minutes and seconds 0-59
_TIME_SPAN = re.compile(
    r"(?P<sign>-)?(?:(?P<days>\d+)\.)?(?P<hours>[01]?\d|2[0-3]):(?P<minutes>[0-5]\d)"
    r"(?::(?P<seconds>[0-5]\d(?:\.\d+)?))?"
)
_NUMBER = r"\d+(?:\.\d+)?"
_ISO = re.compile(
    rf"(?P<sign>-)?P(?:(?P<weeks>{_NUMBER})W)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?=\d)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?"
    rf"(?:(?P<seconds>{_NUMBER})S)?)?",
    re.IGNORECASE,
)


def parse_duration(value: object) -> dt.timedelta | None:
    """The duration ``value`` says, or ``None`` when it says none.

    Example:
        ```python
        import datetime as dt

        from wiredi.config._durations import parse_duration

        assert parse_duration("00:00:30") == dt.timedelta(seconds=30)
        assert parse_duration("PT1M") == dt.timedelta(minutes=1)
        assert parse_duration(2.5) == dt.timedelta(seconds=2.5)
        assert parse_duration("soon") is None
        ```
    """
    try:
        return _parsed(value)
    except (OverflowError, ValueError):  # too long for a timedelta, inf, nan
        return None


def _parsed(value: object) -> dt.timedelta | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return dt.timedelta(seconds=value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(f"-?{_NUMBER}", text):
        return dt.timedelta(seconds=float(text))
    found = _TIME_SPAN.fullmatch(text) or _ISO.fullmatch(text)
    if found is None or not any(
        found[name] for name in found.groupdict() if name != "sign"
    ):
        return None  # "P" or "PT" alone says nothing
    parts = {
        name: float(amount)
        for name, amount in found.groupdict().items()
        if name != "sign" and amount
    }
    duration = dt.timedelta(**parts)
    return -duration if found["sign"] else duration
