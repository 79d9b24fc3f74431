"""The public surface: __all__ is exact and every export is documented with an example."""

from __future__ import annotations

import importlib

import pytest

import wiredi

MODULES = [
    "wiredi",
    "wiredi.errors",
    "wiredi.factories",
    "wiredi.config",
    "wiredi.graph",
]


class TestPublicApi:
    def test_all_is_sorted_and_complete(self) -> None:
        """wiredi.__all__ is sorted and lists exactly the public names."""
        public = {name for name in vars(wiredi) if not name.startswith("_")}
        modules = {
            name for name in public if isinstance(getattr(wiredi, name), type(wiredi))
        }
        assert sorted(wiredi.__all__) == wiredi.__all__
        assert set(wiredi.__all__) == public - modules

    @pytest.mark.parametrize("module_name", MODULES)
    def test_every_export_has_docstring_with_example(self, module_name: str) -> None:
        """Each exported name has a docstring containing an Example section."""
        module = importlib.import_module(module_name)
        assert module.__doc__
        for name in module.__all__:
            doc = getattr(module, name).__doc__ or ""
            assert "Example" in doc, f"{module_name}.{name} has no example"

    def test_exported_from_their_modules(self) -> None:
        """Errors are importable from both wiredi and wiredi.errors."""
        from wiredi import errors

        for name in errors.__all__:
            assert getattr(wiredi, name) is getattr(errors, name)


def test_protocols_support_isinstance() -> None:
    """Resolver and ScopeManager are runtime-checkable protocols."""
    provider = wiredi.ServiceCollection().build_service_provider()
    with provider.create_scope() as scope:
        assert isinstance(scope, wiredi.Resolver)
    assert isinstance(provider, wiredi.Resolver)
    assert isinstance(wiredi.ContextScopeManager(), wiredi.ScopeManager)
    assert not isinstance(object(), wiredi.ScopeManager)
