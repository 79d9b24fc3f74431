"""Every ```python example in a public docstring runs.

The API reference is built from these docstrings, so an example that no
longer works is a broken promise in the docs.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import textwrap
import types
from collections.abc import Iterator

import pytest

MODULES = ["wiredi", "wiredi.config", "wiredi.factories", "wiredi.errors"]
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _documented() -> Iterator[tuple[str, str]]:
    seen: set[int] = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        yield module_name, module.__doc__ or ""
        for name in module.__all__:
            obj = getattr(module, name)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{module_name}.{name}", obj.__doc__ or ""
            if not inspect.isclass(obj):
                continue
            # the class and its wiredi bases (ServiceCollection is built from mixins)
            members: dict[str, object] = {}
            for cls in reversed(obj.__mro__):
                if cls.__module__.startswith("wiredi"):
                    members.update(vars(cls))
            for attr, member in members.items():
                if attr.startswith("_"):
                    continue
                target = member.fget if isinstance(member, property) else member
                target = getattr(target, "__func__", target)
                if callable(target):
                    yield f"{module_name}.{name}.{attr}", target.__doc__ or ""


EXAMPLES = [
    pytest.param(textwrap.dedent(block), id=f"{where}[{index}]")
    for where, doc in _documented()
    for index, block in enumerate(_BLOCK.findall(textwrap.dedent(doc)))
]


def test_there_are_examples() -> None:
    assert len(EXAMPLES) > 50


@pytest.mark.parametrize("source", EXAMPLES)
def test_example_runs(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # a real module: dataclasses and get_type_hints look classes up in it
    module = types.ModuleType("docstring_example")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, "<docstring example>", "exec"), module.__dict__)
