"""docs/guarantees.md names real tests: every ``file::Class::test`` it cites exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "guarantees.md"
CITATION = re.compile(r"`(tests/[\w/]+\.py)::(\w+)::(\w+)`")


def _citations() -> list[tuple[str, str, str]]:
    return CITATION.findall(PAGE.read_text(encoding="utf-8"))


def _tests_of(path: Path) -> dict[str, set[str]]:
    """``{class name: {test method names}}`` of a test module, read without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: {
            item.name
            for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


class TestGuaranteesPage:
    def test_the_page_cites_tests(self) -> None:
        """The page backs its lines with tests (the regex still matches them)."""
        assert len(_citations()) > 50

    @pytest.mark.parametrize(
        ("file", "cls", "test"), _citations(), ids=lambda part: str(part)
    )
    def test_every_cited_test_exists(self, file: str, cls: str, test: str) -> None:
        """Each cited test is a method of that class in that file."""
        path = ROOT / file
        assert path.is_file(), f"{file} does not exist"
        assert test in _tests_of(path).get(cls, set()), f"{file}::{cls}::{test}"
