"""The integration modules: lazy framework imports and documented, runnable exports."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import textwrap

import pytest

FRAMEWORKS = ["fastapi", "flask", "starlette", "werkzeug", "uvicorn", "anyio"]

MODULES = {
    "wiredi.integrations.asgi": "starlette",
    "wiredi.integrations.fastapi": "fastapi",
    "wiredi.integrations.flask": "flask",
}


def imported_frameworks(statement: str) -> list[str]:
    """Run ``statement`` in a fresh interpreter; return the frameworks it imported."""
    code = (
        f"import sys\n{statement}\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(FRAMEWORKS)!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return eval(result.stdout)


class TestLazyImports:
    """No framework is imported unless its integration module is."""

    def test_importing_wiredi_imports_no_framework(self):
        """import wiredi (and the integrations package) needs no framework."""
        assert imported_frameworks("import wiredi, wiredi.integrations") == []

    def test_the_asgi_middleware_imports_no_framework(self):
        """wiredi.integrations.asgi works for bare ASGI apps: it imports nothing."""
        assert imported_frameworks("import wiredi.integrations.asgi") == []


def python_blocks(docstring: str) -> list[str]:
    return [
        textwrap.dedent(block)
        for block in re.findall(r"```python\n(.*?)```", docstring, re.DOTALL)
    ]


@pytest.mark.parametrize(("module_name", "framework"), MODULES.items())
class TestDocumentedExports:
    """Every export has a docstring whose example runs."""

    def test_every_export_has_a_docstring_with_an_example(self, module_name, framework):
        """Each name in __all__ has an Example section."""
        pytest.importorskip(framework)
        module = importlib.import_module(module_name)
        assert module.__doc__
        for name in module.__all__:
            doc = getattr(module, name).__doc__ or ""
            assert "Example:" in doc, f"{module_name}.{name} has no example"
            assert python_blocks(doc), f"{module_name}.{name} has no code block"

    def test_every_docstring_example_runs(self, module_name, framework):
        """The code blocks of the docstrings run without error."""
        pytest.importorskip(framework)
        module = importlib.import_module(module_name)
        for name in module.__all__:
            for block in python_blocks(getattr(module, name).__doc__ or ""):
                namespace = {"__name__": f"docstring_{name}"}
                exec(compile(block, f"<{module_name}.{name}>", "exec"), namespace)


@pytest.mark.parametrize(
    ("module", "extra"),
    [
        ("wiredi.integrations.fastapi", "fastapi"),
        ("wiredi.integrations.flask", "flask"),
    ],
)
def test_a_missing_framework_names_the_extra_to_install(
    module: str, extra: str
) -> None:
    """Without its framework, an integration module says which extra to install."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules[{extra!r}] = None  # as if it were not installed
        try:
            import {module}
        except ImportError as error:
            print(error)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert f"pip install 'wiredi[{extra}]'" in result.stdout
