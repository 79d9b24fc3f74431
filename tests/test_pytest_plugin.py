"""The pytest plugin: fixtures behind the ``wiredi`` entry point."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFTEST = """
import pytest
from wiredi import ServiceCollection

LOG = []

class Clock:
    pass

class Session:
    def close(self):
        LOG.append("session closed")

class Pool:
    def close(self):
        LOG.append("pool closed")

@pytest.fixture
def wiredi_services():
    return (
        ServiceCollection()
        .add_singleton(Clock)
        .add_singleton(Pool)
        .add_scoped(Session)
    )
"""


class TestPlugin:
    def test_fixtures_build_resolve_and_close(self, pytester: pytest.Pytester) -> None:
        """The fixtures build the user's collection and close scope and provider."""
        pytester.makeconftest(CONFTEST)
        pytester.makepyfile(
            """
            from conftest import LOG, Clock, Pool, Session

            def test_uses_scope(wiredi_scope, wiredi_provider):
                assert wiredi_scope.get_service(Clock) is wiredi_provider.get_service(Clock)
                wiredi_scope.get_service(Session)
                wiredi_provider.get_service(Pool)

            def test_after():
                assert LOG == ["session closed", "pool closed"]
            """
        )
        result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
        result.assert_outcomes(passed=2)

    def test_async_fixture_closes_async_resources(
        self, pytester: pytest.Pytester
    ) -> None:
        """The async fixture of the testing guide closes an aclose()-only client."""
        pytester.makeconftest(
            """
            import pytest
            from wiredi import ServiceCollection

            LOG = []

            class Client:
                async def aclose(self):
                    LOG.append("client closed")

            @pytest.fixture
            def wiredi_services():
                return ServiceCollection().add_singleton(Client)

            @pytest.fixture
            async def provider(wiredi_services):
                async with wiredi_services.build_service_provider() as provider:
                    yield provider
            """
        )
        pytester.makepyfile(
            """
            from conftest import LOG, Client

            async def test_uses_client(provider):
                assert isinstance(await provider.get_service_async(Client), Client)

            def test_after():
                assert LOG == ["client closed"]
            """
        )
        pytester.makeini(
            "[pytest]\nasyncio_mode = auto\n"
            "asyncio_default_fixture_loop_scope = function\n"
        )
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(passed=2)

    def test_missing_override_fails_with_instructions(
        self, pytester: pytest.Pytester
    ) -> None:
        """Without an override, the fixture fails and says what to write."""
        pytester.makepyfile(
            """
            def test_needs_provider(wiredi_provider):
                pass
            """
        )
        result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*wiredi_services fixture is not overridden*"])

    def test_invalid_graph_errors_the_test(self, pytester: pytest.Pytester) -> None:
        """A collection that fails validation errors the test with the graph problem."""
        pytester.makeconftest(
            """
            import pytest
            from wiredi import ServiceCollection

            class Needs:
                def __init__(self, missing: int) -> None: ...

            @pytest.fixture
            def wiredi_services():
                return ServiceCollection().add_transient(Needs)
            """
        )
        pytester.makepyfile("def test_x(wiredi_provider):\n    pass\n")
        result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*GraphValidationError*"])
