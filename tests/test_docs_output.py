"""The docs tests check ``<!-- output -->`` blocks against what the code prints."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sybil.example import SybilFailure

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(name="docs_conftest", scope="module")
def _docs_conftest() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location(
        "wiredi_docs_conftest", ROOT / "docs" / "conftest.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def run_page(docs_conftest: ModuleType, path: Path, text: str) -> None:
    """Parse a Markdown page as the docs tests do and run its examples in order."""
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    document = docs_conftest.sybil.parse(path)
    docs_conftest.sybil.setup(document.namespace)
    for example in document.examples():
        example.evaluate()


PAGE = """\
```python
print("hello")
print("world")
```

<!-- output -->
```text
{output}
```
"""


class TestOutputBlocks:
    """An output block must show exactly what the Python block above printed."""

    def test_matching_block_passes(self, docs_conftest, tmp_path):
        """The printed lines, with trailing spaces ignored, pass."""
        run_page(
            docs_conftest, tmp_path / "page.md", PAGE.format(output="hello   \nworld  ")
        )

    def test_drifted_block_fails_with_a_diff(self, docs_conftest, tmp_path):
        """One changed line fails, and the message is a diff of the two texts."""
        with pytest.raises(SybilFailure) as caught:
            run_page(
                docs_conftest, tmp_path / "page.md", PAGE.format(output="hello\nthere")
            )
        message = str(caught.value)
        assert "does not match what was printed" in message
        assert "-there" in message
        assert "+world" in message

    def test_missing_line_fails(self, docs_conftest, tmp_path):
        """A block showing less than was printed fails: there are no wildcards."""
        with pytest.raises(SybilFailure, match=r"\+world"):
            run_page(docs_conftest, tmp_path / "page.md", PAGE.format(output="hello"))

    def test_output_of_a_skipped_block_fails(self, docs_conftest, tmp_path):
        """An output block cannot be checked against a block that did not run."""
        page = "<!-- skip: next -->\n" + PAGE.format(output="hello\nworld")
        with pytest.raises(SybilFailure, match="did not run to the end"):
            run_page(docs_conftest, tmp_path / "page.md", page)

    def test_invisible_block_produces_output(self, docs_conftest, tmp_path):
        """An invisible code block is the Python block an output block follows."""
        page = """\
            <!-- invisible-code-block: python
            print(2 + 2)
            -->

            <!-- output -->
            ```text
            5
            ```
            """
        with pytest.raises(SybilFailure, match=r"(?s)-5.*\+4"):
            run_page(docs_conftest, tmp_path / "page.md", page)

    def test_unmarked_text_block_after_python_is_rejected(
        self, docs_conftest, tmp_path
    ):
        """A text block right after a Python block must be marked as output."""
        page = PAGE.format(output="hello\nworld").replace("<!-- output -->\n", "")
        with pytest.raises(ValueError, match="mark it with <!-- output -->"):
            run_page(docs_conftest, tmp_path / "page.md", page)

    def test_mark_without_a_block_is_rejected(self, docs_conftest, tmp_path):
        """A stray ``<!-- output -->`` is an error, not a silently unchecked block."""
        page = """\
            ```python
            print("hi")
            ```

            <!-- output -->
            hi
            """
        with pytest.raises(ValueError, match="not followed by a fenced block"):
            run_page(docs_conftest, tmp_path / "page.md", page)

    def test_run_console_prints_a_transcript(self, docs_conftest, tmp_path):
        """``run_console`` shows each command and what it printed, like a terminal."""
        page = f"""\
            <!-- invisible-code-block: python
            run_console("python -c 'print(6 * 7)'", "echo $?", cwd={str(tmp_path)!r})
            -->

            <!-- output -->
            ```console
            $ python -c 'print(6 * 7)'
            42
            $ echo $?
            0
            ```
            """
        run_page(docs_conftest, tmp_path / "page.md", page)


class TestIncludedSections:
    """A README section included with a snippet line has its outputs checked too."""

    def test_drifted_output_in_an_included_section_fails(self, docs_conftest, tmp_path):
        """The README's own output block is compared with what its code printed."""
        readme = tmp_path / "readme.md"
        readme.write_text(
            "<!-- --8<-- [start:intro] -->\n"
            '```python\nprint("closed")\n```\n\n'
            "<!-- output -->\n```text\nopened\n```\n"
            "<!-- --8<-- [end:intro] -->\n",
            encoding="utf-8",
        )
        page = f'--8<-- "{readme}:intro"\n'
        with pytest.raises(SybilFailure, match=r"(?s)readme\.md: .*-opened.*\+closed"):
            run_page(docs_conftest, tmp_path / "index.md", page)

    def test_readme_quick_start_output_is_checked(self, docs_conftest, tmp_path):
        """The real README quick start passes, and fails once its output drifts."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        assert "<!-- output -->\n```text\ndatabase session closed\n```" in readme
        drifted = tmp_path / "README.md"
        drifted.write_text(
            readme.replace("database session closed\n```", "session closed\n```"),
            encoding="utf-8",
        )
        run_page(docs_conftest, tmp_path / "ok.md", '--8<-- "README.md:quickstart"\n')
        with pytest.raises(SybilFailure, match="-session closed"):
            run_page(
                docs_conftest, tmp_path / "bad.md", f'--8<-- "{drifted}:quickstart"\n'
            )
