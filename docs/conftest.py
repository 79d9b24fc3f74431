"""Run every ```python block of the documentation as a test (Sybil).

Each Markdown page is one namespace, like a module: later blocks see what
earlier blocks defined, ``__name__`` is ``"docs_example"`` and ``__file__``
is the page's path. A block that is only an illustration (a shell command, a
framework that is not installed) is skipped with ``<!-- skip: next -->`` on
the line before it. Code the reader does not need to see goes in an
``<!-- invisible-code-block: python ... -->`` comment; it runs like a
```python block.

Output blocks are checked. A fenced block that shows what code prints is
marked with ``<!-- output -->`` on the line before it::

    ```python
    print(provider.describe(OrderService))
    ```

    <!-- output -->
    ```text
    OrderService (scoped)
    ...
    ```

Its text must equal what the nearest Python block above it (visible or
invisible) wrote to standard output, ignoring trailing spaces at the ends of
lines and blank lines at the end; there are no wildcards. The comparison
fails with a diff when they differ, and fails too when that Python block did
not run (skipped, or it raised). Several output blocks may follow one Python
block (say, the same text as a ```text and a ```mermaid block). To show what
a shell command prints, an invisible block calls ``run_console("cmd", ...)``
(defined below and present in every page's namespace), which prints the
terminal transcript (``$ cmd`` and its output); the ```console block that
shows it is the output block.

Blocks are told apart by position, so an output block cannot go unmarked by
accident: a ```text or ```console block right after a ```python block (only
blank lines between) must be marked ``<!-- output -->``, or the page fails to
collect. A ``<!-- output -->`` that is not followed by a fenced block fails
too.

After a change that alters what the examples print, run the docs tests
with ``WIREDI_DOCS_ACCEPT_OUTPUT=1``: each mismatched output block is then
rewritten with what was printed (and the test passes); review the diff
before committing.

Blocks pulled in from the README with a snippet line
(``--8<-- "README.md:quickstart"``) are run too, so the quick start shown on
the home page is tested from its single source; their ``<!-- output -->``
blocks are checked the same way.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region, Sybil
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown import CodeBlockParser, SkipParser

ROOT = Path(__file__).resolve().parent.parent

_SNIPPET = re.compile(
    r'^--8<-- "(?P<file>[^":]+\.md):(?P<section>[\w-]+)"\s*$', re.MULTILINE
)
# A fenced block: its opening fence, info string and body (CommonMark: a
# closing fence is at least as long as the opening one).
_FENCE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[`~]*[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_OUTPUT_MARK = re.compile(r"^<!-- output -->[ \t]*\n", re.MULTILINE)
_INVISIBLE_PYTHON = re.compile(
    r"^[ \t]*<!--+\s*(?:invisible-)?code(?:-block)?:?[ \t]*python", re.MULTILINE
)
_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")
_OUTPUT_LANGUAGES = {"text", "console"}


def _language(info: str) -> str:
    return info.strip().split(" ", 1)[0]


# ---------------------------------------------------------------- stdout


@dataclass
class _Printed:
    """What the last Python block of a page wrote to stdout, and where it is."""

    start: int
    text: str


# page path -> what its last Python block printed (only if it ran to the end)
_printed: dict[str, _Printed] = {}


class _Tee(io.StringIO):
    """Keep what is printed and pass it on, so pytest still shows it."""

    def __init__(self, passthrough: Any) -> None:
        super().__init__()
        self._passthrough = passthrough

    def write(self, text: str) -> int:
        self._passthrough.write(text)
        return super().write(text)


@contextlib.contextmanager
def _capture_stdout() -> Iterator[_Tee]:
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        yield tee


_python = PythonEvaluator()


def _run_python(example: Example) -> None:
    """Run a Python block and record what it printed."""
    _printed.pop(example.path, None)
    with _capture_stdout() as out:
        _python(example)
    _printed[example.path] = _Printed(example.start, out.getvalue())


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def output_mismatch(expected: str, printed: str) -> str | None:
    """Return a diff if ``printed`` is not what the output block shows, else None."""
    want, got = _normalise(expected), _normalise(printed)
    if want == got:
        return None
    diff = difflib.unified_diff(
        want.splitlines(),
        got.splitlines(),
        "output block in the page",
        "printed by the Python block above it",
        lineterm="",
    )
    return "the output block does not match what was printed:\n" + "\n".join(diff)


# ---------------------------------------------------------- output blocks


@dataclass(frozen=True)
class _Output:
    """A parsed ``<!-- output -->`` block: its text and its Python block."""

    expected: str
    python_start: int | None
    body_start: int = -1


_shifts: dict[str, list[tuple[int, int]]] = {}  # path -> (offset, growth) rewritten


def _accept(path: str, output: _Output, printed: str) -> None:
    """Rewrite the block's text in its page with what was printed."""
    page = Path(path)
    text = page.read_text(encoding="utf-8")
    shifts = _shifts.setdefault(path, [])
    start = output.body_start + sum(d for at, d in shifts if at < output.body_start)
    if start < 0 or text[start : start + len(output.expected)] != output.expected:
        message = f"{path}: the page changed under the docs tests; run them again"
        raise RuntimeError(message)
    new = _normalise(printed) + "\n"
    shifts.append((output.body_start, len(new) - len(output.expected)))
    page.write_text(
        text[:start] + new + text[start + len(output.expected) :], encoding="utf-8"
    )


def _check_output(example: Example) -> str | None:
    output: _Output = example.parsed
    if output.python_start is None:
        return "an output block needs a Python block above it"
    printed = _printed.get(example.path)
    if printed is None or printed.start != output.python_start:
        line = example.document.text.count("\n", 0, output.python_start) + 1
        return (
            f"the Python block at line {line}, whose output this block shows, "
            "did not run to the end (it was skipped or it raised)"
        )
    mismatch = output_mismatch(output.expected, printed.text)
    if mismatch is not None and os.environ.get("WIREDI_DOCS_ACCEPT_OUTPUT") == "1":
        _accept(example.path, output, printed.text)
        return None
    return mismatch


def _marks(text: str, fences: list[re.Match[str]]) -> dict[int, re.Match[str]]:
    """Map the start of each marked fence to its ``<!-- output -->`` line."""
    marked: dict[int, re.Match[str]] = {}
    for mark in _OUTPUT_MARK.finditer(text):
        fence = next((f for f in fences if f.start() >= mark.end()), None)
        if fence is None or not _BLANK_LINES.fullmatch(text, mark.end(), fence.start()):
            line = text.count("\n", 0, mark.start()) + 1
            message = f"line {line}: <!-- output --> is not followed by a fenced block"
            raise ValueError(message)
        marked[fence.start()] = mark
    return marked


def _output_blocks(document: Document) -> Iterator[Region]:
    """Yield a region per ``<!-- output -->`` block; reject unmarked outputs."""
    text = document.text
    fences = list(_FENCE.finditer(text))
    marked = _marks(text, fences)
    python_starts = sorted(
        [m.start() for m in fences if _language(m["info"]) == "python"]
        + [m.start() for m in _INVISIBLE_PYTHON.finditer(text)]
    )
    previous: re.Match[str] | None = None
    for fence in fences:
        language = _language(fence["info"])
        mark = marked.get(fence.start())
        if mark is not None:
            above = [start for start in python_starts if start < mark.start()]
            yield Region(
                mark.start(),
                fence.end(),
                _Output(
                    fence["body"],
                    above[-1] if above else None,
                    fence.start("body"),
                ),
                _check_output,
            )
        elif (
            language in _OUTPUT_LANGUAGES
            and previous is not None
            and _language(previous["info"]) == "python"
            and _BLANK_LINES.fullmatch(text, previous.end(), fence.start())
        ):
            line = text.count("\n", 0, fence.start()) + 1
            message = (
                f"{document.path}, line {line}: a ```{language} block right after "
                "a ```python block shows its output; mark it with <!-- output --> "
                "so that the docs tests check it"
            )
            raise ValueError(message)
        previous = fence


# ------------------------------------------------------- README snippets


def _section(path: Path, name: str) -> tuple[str, int]:
    """Return the text between ``[start:name]`` and ``[end:name]``, and its line."""
    text = path.read_text(encoding="utf-8")
    start = re.search(rf"--8<-- \[start:{re.escape(name)}\]", text)
    end = re.search(rf"--8<-- \[end:{re.escape(name)}\]", text)
    if start is None or end is None:
        message = f"{path.name} has no snippet section {name!r}"
        raise LookupError(message)
    return text[start.end() : end.start()], text.count("\n", 0, start.end())


def _run_included(example: Example) -> str | None:
    """Run the Python blocks of an included section, checking its output blocks."""
    path, section, first_line = example.parsed
    fences = list(_FENCE.finditer(section))
    marked = _marks(section, fences)
    printed: str | None = None
    for fence in fences:
        if fence.start() in marked:
            if printed is None:
                return f"{path.name}: an output block needs a Python block above it"
            mismatch = output_mismatch(fence["body"], printed)
            if mismatch:
                return f"{path.name}: {mismatch}"
        elif _language(fence["info"]) == "python":
            # Pad so that tracebacks give the line numbers of the included file.
            line = first_line + section.count("\n", 0, fence.start("body"))
            code = compile("\n" * line + fence["body"], str(path), "exec")
            with _capture_stdout() as out:
                exec(code, example.namespace)  # noqa: S102
            printed = out.getvalue()
    return None


def _included_python(document: Document) -> Iterator[Region]:
    """Yield one region per snippet line that includes a section of another file."""
    for match in _SNIPPET.finditer(document.text):
        path = ROOT / match["file"]
        section, first_line = _section(path, match["section"])
        if any(_language(m["info"]) == "python" for m in _FENCE.finditer(section)):
            yield Region(
                match.start(),
                match.end(),
                (path, section, first_line),
                _run_included,
            )


# ----------------------------------------------------------------- Sybil


def _page_path(document: Document) -> Iterator[Region]:
    """Give the page's namespace its ``__file__``; yields no examples."""
    document.namespace["__file__"] = document.path
    return iter(())


def run_console(*commands: str, cwd: Path = ROOT, echo: bool = True) -> None:
    """Run shell commands in one bash session; print what a terminal would show.

    With ``echo`` each command is printed after ``$ `` before its output, as in
    a ```console transcript; without, only what the commands print. Standard
    error is merged into standard output. The commands run in ``cwd`` (the
    repository's root by default), with ``python`` the interpreter running
    the tests.
    """
    script = ["status=0"]
    for command in commands:
        if echo:
            script.append(f"printf '%s\\n' {shlex.quote('$ ' + command)}")
        # `(exit $status)` gives the command the previous one's $? (`echo $?`).
        script.append(f"(exit $status); {command} 2>&1; status=$?")
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    result = subprocess.run(  # noqa: S603
        ["bash", "-c", "\n".join(script)],  # noqa: S607
        cwd=cwd,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        check=False,
    )
    print(result.stdout, end="")


def _setup(namespace: dict[str, Any]) -> None:
    # Classes defined in a page get a module name, as they would in a real file.
    namespace["__name__"] = "docs_example"
    namespace["run_console"] = run_console


sybil = Sybil(
    parsers=[
        _page_path,
        CodeBlockParser("python", _run_python),
        _output_blocks,
        SkipParser(),
        _included_python,
    ],
    # Path.match: "**/*.md" needs a folder on Python < 3.13, so add "*.md".
    patterns=["*.md", "**/*.md"],
    setup=_setup,
)
pytest_collect_file = sybil.pytest()
