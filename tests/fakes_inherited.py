"""A dataclass inheriting a string-hinted field from another module."""

from dataclasses import dataclass

from tests import fakes_inherited_future


@dataclass
class SubHandler(fakes_inherited_future.Handler):
    extra: int = 0
