"""A dataclass whose string hints name this module's classes only.

``from __future__ import annotations`` makes ``Handler``'s field hint the
string ``"Client"``; subclasses elsewhere (``tests.fakes_inherited``) inherit
it into an ``__init__`` generated in their own module, where ``Client`` is
not defined.
"""

from __future__ import annotations

from dataclasses import dataclass


class Client: ...


@dataclass
class Handler:
    client: Client
