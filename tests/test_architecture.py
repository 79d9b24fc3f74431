"""The package layout that ARCHITECTURE.md describes holds.

The import rules themselves (layers, no upward import, no cycle) are the
import-linter contracts in pyproject.toml, run by ``make lint``; these tests
check what those contracts do not, and check the absence of cycles a second
time from the import graph itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "wiredi"
MAX_LINES = 600


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


class TestLayout:
    @pytest.mark.parametrize(
        "path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE))
    )
    def test_module_is_at_most_600_lines(self, path: Path) -> None:
        """No module grows past the size one reader can hold in mind."""
        count = len(path.read_text(encoding="utf-8").splitlines())
        assert count <= MAX_LINES, f"{path.name} has {count} lines"

    def test_every_path_in_architecture_md_exists(self) -> None:
        """A code map that names a missing file would send readers astray."""
        text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
        named = set(re.findall(r"`((?:src/)?wiredi/[\w/]+(?:\.py)?/?)`", text))
        named |= {
            f"src/wiredi/{sub}/{name}"
            for sub, body in re.findall(
                r"### `src/wiredi/(_\w+)/`.*?\n(.*?)(?=\n### |\n## )", text, re.DOTALL
            )
            for name in re.findall(r"`(\w+\.py)`", body)
        }
        assert len(named) > 30
        missing = sorted(
            p
            for p in named
            if not (ROOT / p).exists() and not (ROOT / "src" / p).exists()
        )
        assert not missing, f"ARCHITECTURE.md names missing paths: {missing}"

    def test_every_internal_module_is_in_the_code_map(self) -> None:
        """A module added to a layer is described where readers look for it."""
        text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
        for layer in ("_registration", "_graph", "_compiler", "_runtime"):
            for path in (PACKAGE / layer).glob("*.py"):
                if path.name != "__init__.py":
                    assert f"`{path.name}`" in text, f"{layer}/{path.name}"


class TestImports:
    def test_no_module_is_in_an_import_cycle(self) -> None:
        """Every import of wiredi, function-level ones included, runs one way."""
        graph = grimp.build_graph("wiredi")
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        cycles: list[list[str]] = []

        def visit(module: str) -> None:  # Tarjan's strongly connected components
            index[module] = low[module] = len(index)
            stack.append(module)
            on_stack.add(module)
            for imported in graph.find_modules_directly_imported_by(module):
                if imported not in index:
                    visit(imported)
                    low[module] = min(low[module], low[imported])
                elif imported in on_stack:
                    low[module] = min(low[module], index[imported])
            if low[module] == index[module]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == module:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))

        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
        assert cycles == []

    def test_registration_layer_does_not_import_the_runtime(self) -> None:
        """The lowest container layer sees nothing above it (a sample rule)."""
        graph = grimp.build_graph("wiredi")
        chains = graph.find_shortest_chains(
            importer="wiredi._registration", imported="wiredi._runtime"
        )
        assert chains == set()
