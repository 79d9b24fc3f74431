"""Generating small resolver functions, visible in tracebacks through ``linecache``.

Only internal identifiers (``d0``, ``c1``...) and Python parameter names
(checked with ``str.isidentifier``) are ever written into the source; user
objects reach the function through its namespace, never as text. Many
registrations share one shape of source, so compiled code is memoised by its
text: building a provider compiles each distinct shape once.
"""

from __future__ import annotations

import functools
import hashlib
import linecache
from collections.abc import Callable, Sequence
from types import CodeType
from typing import Any

__all__ = ["make_function"]


@functools.lru_cache(maxsize=4096)
def _compile(source: str) -> CodeType:
    """Compile generated source once per distinct text (a pure function)."""
    digest = hashlib.blake2b(source.encode(), digest_size=6).hexdigest()
    filename = f"<wiredi resolver {digest}>"
    linecache.cache[filename] = (
        len(source),
        None,
        source.splitlines(keepends=True),
        filename,
    )
    return compile(source, filename, "exec")


def make_function(
    title: str, source_lines: Sequence[str], namespace: dict[str, Any], name: str
) -> Callable[..., Any]:
    """Run ``source_lines`` (a ``def name(...)``) in ``namespace``; return the function.

    ``title`` (e.g. the type name) becomes part of the function's name, so a
    traceback reads ``in build OrderService``; it is never executed.
    """
    code = _compile("\n".join(source_lines) + "\n")
    exec(code, namespace)  # noqa: S102 - source built from internal identifiers only
    function: Callable[..., Any] = namespace[name]
    label = f"{name} {title}"
    function.__code__ = function.__code__.replace(co_name=label, co_qualname=label)
    function.__qualname__ = label
    return function
