"""Run every ```python block of the documentation as a test (Sybil).

Each Markdown page is one namespace: later blocks see what earlier blocks
defined. A block that is only an illustration (a shell command, a framework
that is not installed) is skipped with ``<!-- skip: next -->`` on the line
before it. Blocks pulled in from the README with a snippet line
(``--8<-- "README.md:quickstart"``) are run too, so the quick start shown on
the home page is tested from its single source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region, Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

ROOT = Path(__file__).resolve().parent.parent

_SNIPPET = re.compile(
    r'^--8<-- "(?P<file>[^":]+\.md):(?P<section>[\w-]+)"\s*$', re.MULTILINE
)
_FENCE = re.compile(r"^```python\n(?P<code>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _section(path: Path, name: str) -> str:
    """Return the text between the markers ``[start:name]`` and ``[end:name]``."""
    text = path.read_text(encoding="utf-8")
    start = re.search(rf"--8<-- \[start:{re.escape(name)}\]", text)
    end = re.search(rf"--8<-- \[end:{re.escape(name)}\]", text)
    if start is None or end is None:
        message = f"{path.name} has no snippet section {name!r}"
        raise LookupError(message)
    return text[start.end() : end.start()]


def _run_included(example: Example) -> None:
    path, code = example.parsed
    exec(compile(code, str(path), "exec"), example.namespace)  # noqa: S102


def _included_python(document: Document) -> Iterator[Region]:
    """Yield one region per snippet line that includes a section of another file."""
    for match in _SNIPPET.finditer(document.text):
        path = ROOT / match["file"]
        blocks = _FENCE.findall(_section(path, match["section"]))
        if blocks:
            yield Region(
                match.start(), match.end(), (path, "\n".join(blocks)), _run_included
            )


def _setup(namespace: dict[str, Any]) -> None:
    # Classes defined in a page get a module name, as they would in a real file.
    namespace["__name__"] = "docs_example"


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), SkipParser(), _included_python],
    # Path.match: "**/*.md" needs a folder on Python < 3.13, so add "*.md".
    patterns=["*.md", "**/*.md"],
    setup=_setup,
).pytest()
