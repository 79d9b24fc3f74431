"""Generating small resolver functions, visible in tracebacks through ``linecache``.

Only internal identifiers (``d0``, ``c1``...) and Python parameter names
(checked with ``str.isidentifier``) are ever written into the source; user
objects reach the function through its namespace, never as text.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from typing import Any

__all__ = ["make_function"]

_counter = itertools.count()


def make_function(
    title: str, source_lines: list[str], namespace: dict[str, Any], name: str
) -> Callable[..., Any]:
    """Compile ``source_lines`` (a ``def name(...)``) and return the function.

    ``title`` is the readable part of the fake file name, e.g. the type name;
    it goes into ``<wiredi resolver TITLE #N>`` and is never executed.
    """
    source = "\n".join(source_lines) + "\n"
    safe_title = "".join(c if c.isprintable() and c != ">" else "?" for c in title)
    filename = f"<wiredi resolver {safe_title} #{next(_counter)}>"
    code = compile(source, filename, "exec")
    exec(code, namespace)  # noqa: S102 - source built from internal identifiers only
    linecache.cache[filename] = (
        len(source),
        None,
        source.splitlines(keepends=True),
        filename,
    )
    function: Callable[..., Any] = namespace[name]
    return function
