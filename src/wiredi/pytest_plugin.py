"""pytest fixtures for wiredi, registered through the ``pytest11`` entry point.

Override ``wiredi_services`` in your ``conftest.py`` to return your
``ServiceCollection``; then use ``wiredi_provider`` (built from it, closed
after the test) and ``wiredi_scope`` (a request scope for the test).

Example:
    ```python
    # conftest.py
    import pytest
    from wiredi import ServiceCollection

    class Clock: ...

    @pytest.fixture
    def wiredi_services() -> ServiceCollection:
        return ServiceCollection().add_singleton(Clock)

    # test_clock.py
    def test_clock(wiredi_scope) -> None:
        assert isinstance(wiredi_scope.get_service(Clock), Clock)
    ```
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wiredi._runtime.provider import Scope, ServiceProvider
from wiredi._service_collection import ServiceCollection

__all__ = ["wiredi_provider", "wiredi_scope", "wiredi_services"]


@pytest.fixture
def wiredi_services() -> ServiceCollection:
    """The collection the test's provider is built from; override it in conftest.py.

    Example:
        ```python
        import pytest
        from wiredi import ServiceCollection

        @pytest.fixture
        def wiredi_services() -> ServiceCollection:
            return ServiceCollection()
        ```
    """
    pytest.fail(
        "the wiredi_services fixture is not overridden: define "
        "`@pytest.fixture def wiredi_services() -> ServiceCollection` in your "
        "conftest.py returning the services to test",
        pytrace=False,
    )


@pytest.fixture
def wiredi_provider(wiredi_services: ServiceCollection) -> Iterator[ServiceProvider]:
    """A provider built (and validated) from ``wiredi_services``, closed after the test.

    Example:
        ```python
        def test_singleton(wiredi_provider) -> None:
            assert wiredi_provider.get_services(object) == []
        ```
    """
    provider = wiredi_services.build_service_provider()
    with provider:
        yield provider


@pytest.fixture
def wiredi_scope(wiredi_provider: ServiceProvider) -> Iterator[Scope]:
    """A request scope of ``wiredi_provider`` for the test, closed after it.

    Example:
        ```python
        def test_scoped(wiredi_scope) -> None:
            assert wiredi_scope.get_services(object) == []
        ```
    """
    with wiredi_provider.create_scope() as scope:
        yield scope
