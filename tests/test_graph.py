"""wiredi.graph renderers and the ``python -m wiredi graph`` command line."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import pytest

import wiredi.graph
from tests import graph_sample
from wiredi import ContextScopeManager, ServiceCollection, ServiceProvider
from wiredi.__main__ import main
from wiredi._graph.describe import describe_registration
from wiredi.graph import to_dot, to_mermaid, to_text

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

MERMAID_NODE = re.compile(r'^    (?P<id>[nmu]\d+)\["(?P<label>[^"]*)"\]$')
DOT_NODE = re.compile(
    r'^    (?P<id>[nmu]\d+) \[label="(?P<label>(?:[^"\\]|\\.)*)"(?P<rest>[^\]]*)\];$'
)
DOT_EDGE = re.compile(
    r'^    (?P<source>[nmu]\d+) -> (?P<target>[nmu]\d+) \[label="(?P<label>[^"]*)"'
)


class Plugin:
    pass


class PluginA(Plugin):
    pass


class PluginB(Plugin):
    pass


class Host:
    def __init__(self, plugins: list[Plugin], missing: Missing) -> None:
        self.plugins = plugins


class Missing:
    pass


class Sender:
    pass


class BatchSender(Sender):
    pass


class IStore(Generic[T]):
    pass


class SqlStore(IStore[T]):
    pass


class User:
    pass


class UsesStore:
    def __init__(self, store: IStore[User]) -> None:
        self.store = store


class Repo:
    pass


class SqlRepo(Repo):
    pass


class CachingRepo(Repo):
    def __init__(self, inner: Repo, fallback: Missing) -> None:
        self.inner = inner


class Mixed:
    def __init__(
        self,
        first: Missing,
        second: Missing,
        provider: ServiceProvider,
        retries: int = 3,
    ) -> None:
        self.first = first


class Untyped:
    def __init__(self, value) -> None:  # type: ignore[no-untyped-def]
        self.value = value


Weird = type('Weird"<b>#1;`\\', (), {})


def mermaid_nodes(chart: str) -> dict[str, str]:
    return {
        m["id"]: m["label"]
        for line in chart.splitlines()
        if (m := MERMAID_NODE.match(line))
    }


def dot_nodes(dot: str) -> dict[str, str]:
    return {
        m["id"]: m["label"] for line in dot.splitlines() if (m := DOT_NODE.match(line))
    }


def braces_balance(dot: str) -> bool:
    """Whether braces outside quoted strings are balanced."""
    depth, quoted, escaped = 0, False, False
    for char in dot:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char in "{}":
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0 and not quoted


@pytest.fixture(name="sample")
def _sample() -> ServiceCollection:
    return graph_sample.build()


class TestToMermaid:
    def test_renders_nodes_and_labelled_edges(self, sample: ServiceCollection) -> None:
        """Every registration is a node and every dependency an edge named by its parameter."""
        assert to_mermaid(sample) == textwrap.dedent(
            """\
            flowchart LR
                n0["OrderService<br/>scoped"]
                n1["OrderRepo<br/>transient"]
                n2["DbSession<br/>scoped, component 'db'"]
                n3["IClock<br/>via UtcClock<br/>singleton"]
                n0 -->|"repo"| n1
                n0 -->|"clock"| n3
                n1 -->|"session"| n2"""
        )

    def test_list_elements_and_missing_dependencies(
        self, services: ServiceCollection
    ) -> None:
        """List elements get indexed edges; a missing dependency is a dashed MISSING node."""
        services.add_transient(Host)
        services.add_transient(Plugin, PluginA).add_transient(Plugin, PluginB)
        chart = to_mermaid(services)
        assert 'n0 -->|"plugins[0]"| n1' in chart
        assert 'n0 -->|"plugins[1]"| n2' in chart
        assert 'n0 -.->|"missing"| m0' in chart
        assert mermaid_nodes(chart)["m0"] == "Missing<br/>MISSING"
        assert chart.splitlines()[-1] == "    class m0 missing"

    def test_labels_are_escaped_and_ids_generated(
        self, services: ServiceCollection
    ) -> None:
        """Quotes, angle brackets, # and backticks in names are entity-escaped; ids never use names."""
        services.add_singleton(Weird)
        nodes = mermaid_nodes(to_mermaid(services))
        assert list(nodes) == ["n0"]
        assert nodes["n0"] == "Weird#quot;#lt;b#gt;#35;1;#96;\\<br/>singleton"

    def test_accepts_a_provider(self, sample: ServiceCollection) -> None:
        """A built provider renders the same graph as its collection."""
        with sample.build_service_provider() as provider:
            assert to_mermaid(provider) == to_mermaid(sample)

    def test_rejects_other_objects(self) -> None:
        """Anything but a collection or provider is a TypeError naming its type."""
        with pytest.raises(TypeError, match="got int"):
            to_mermaid(42)  # type: ignore[arg-type]

    def test_alias_edge(self, services: ServiceCollection) -> None:
        """An alias is linked to its source by an edge labelled alias."""
        services.add_singleton(Sender).add_alias(BatchSender, Sender)
        chart = to_mermaid(services)
        assert mermaid_nodes(chart)["n1"] == "BatchSender<br/>alias of Sender"
        assert 'n1 -->|"alias"| n0' in chart

    def test_alias_to_missing_source(self, services: ServiceCollection) -> None:
        """An alias of an unregistered source points to a MISSING node."""
        services.add_alias(BatchSender, Sender, source_component="mail")
        chart = to_mermaid(services)
        assert mermaid_nodes(chart)["m0"] == "Sender<br/>MISSING, component 'mail'"
        assert 'n0 -.->|"alias"| m0' in chart

    def test_closed_generic_gets_its_own_node(
        self, services: ServiceCollection
    ) -> None:
        """A closed generic used as a dependency is drawn next to its open registration."""
        services.add_transient(IStore, SqlStore).add_transient(UsesStore)
        nodes = mermaid_nodes(to_mermaid(services))
        assert nodes["n0"] == "IStore[T]<br/>via SqlStore<br/>open generic, transient"
        assert nodes["n2"] == "IStore[User]<br/>via SqlStore[User]<br/>transient"

    def test_unresolvable_parameter(self, services: ServiceCollection) -> None:
        """A parameter without a hint points to an UNRESOLVABLE node with the reason."""
        services.add_transient(Untyped)
        chart = to_mermaid(services)
        assert mermaid_nodes(chart)["u0"] == (
            "UNRESOLVABLE<br/>parameter 'value' has no type hint"
        )
        assert 'n0 -.->|"value"| u0' in chart

    def test_decorators_are_named_and_their_dependencies_drawn(
        self, services: ServiceCollection
    ) -> None:
        """A decorated node lists its decorators; their own dependencies are edges."""
        services.add_scoped(Repo, SqlRepo).decorate(Repo, CachingRepo)
        chart = to_mermaid(services)
        assert mermaid_nodes(chart)["n0"] == (
            "Repo<br/>via SqlRepo<br/>decorated by CachingRepo<br/>scoped"
        )
        assert 'n0 -.->|"fallback"| m0' in chart

    def test_one_missing_node_per_type_and_no_edges_for_non_services(
        self, services: ServiceCollection
    ) -> None:
        """Two needs of one missing type share a node; resolver and defaults draw nothing."""
        services.add_transient(Mixed)
        chart = to_mermaid(services)
        assert list(mermaid_nodes(chart)) == ["n0", "m0"]
        edges = [line.strip() for line in chart.splitlines() if "-.->" in line]
        assert edges == ['n0 -.->|"first"| m0', 'n0 -.->|"second"| m0']


class TestToDot:
    def test_is_a_well_formed_digraph(self, sample: ServiceCollection) -> None:
        """The output is one digraph with balanced braces and one node per registration."""
        dot = to_dot(sample)
        lines = dot.splitlines()
        assert lines[0] == "digraph wiredi {"
        assert lines[-1] == "}"
        assert braces_balance(dot)
        assert dot_nodes(dot) == {
            "n0": "OrderService\\nscoped",
            "n1": "OrderRepo\\ntransient",
            "n2": "DbSession\\nscoped, component 'db'",
            "n3": "IClock\\nvia UtcClock\\nsingleton",
        }
        edges = [
            (m["source"], m["target"], m["label"])
            for line in lines
            if (m := DOT_EDGE.match(line))
        ]
        assert edges == [
            ("n0", "n1", "repo"),
            ("n0", "n3", "clock"),
            ("n1", "n2", "session"),
        ]

    def test_missing_nodes_are_dashed(self, services: ServiceCollection) -> None:
        """A missing dependency is a dashed red node reached by a dashed edge."""
        services.add_transient(Host)
        dot = to_dot(services)
        assert (
            '    m0 [label="Missing\\nMISSING", style=dashed, color=red, fontcolor=red];'
            in dot
        )
        assert '    n0 -> m0 [label="missing", style=dashed, color=red];' in dot

    def test_labels_are_escaped(self, services: ServiceCollection) -> None:
        """Quotes and backslashes in names are escaped; the structure stays intact."""
        services.add_singleton(Weird)
        dot = to_dot(services)
        assert braces_balance(dot)
        assert dot_nodes(dot) == {"n0": 'Weird\\"<b>#1;`\\\\\\nsingleton'}


class TestToText:
    def test_describes_every_registration(self, sample: ServiceCollection) -> None:
        """to_text is the tree of each registration, separated by blank lines."""
        with sample.build_service_provider(validate=False) as provider:
            registry = provider._core.registry
            expected = "\n\n".join(
                describe_registration(registry, reg) for reg in registry.registrations
            )
        assert to_text(sample) == expected
        assert to_text(sample).startswith(
            "OrderService (scoped)\n├── repo: OrderRepo (transient)\n"
        )

    def test_open_generic_is_one_line(self, services: ServiceCollection) -> None:
        """An open generic registration cannot be expanded and is shown on one line."""
        services.add_transient(IStore, SqlStore)
        assert to_text(services) == "IStore[T] (transient) via SqlStore (open generic)"

    def test_empty_collection(self, services: ServiceCollection) -> None:
        """An empty collection renders as empty text."""
        assert to_text(services) == ""


class TestDocstringExamples:
    @pytest.mark.parametrize("name", ["__module__", "to_mermaid", "to_dot", "to_text"])
    def test_examples_run(self, name: str) -> None:
        """The Example blocks in wiredi.graph's docstrings run as written."""
        obj = wiredi.graph if name == "__module__" else getattr(wiredi.graph, name)
        blocks = re.findall(r"```python\n(.*?)```", obj.__doc__ or "", re.DOTALL)
        assert blocks
        for block in blocks:
            exec(textwrap.dedent(block), {"__name__": "docstring_example"})


class TestCli:
    def test_prints_mermaid_by_default(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``graph module:attr`` prints the Mermaid chart of a collection."""
        assert main(["graph", "tests.graph_sample:services"]) == 0
        out, err = capsys.readouterr()
        assert out == to_mermaid(graph_sample.services) + "\n"
        assert err == ""

    @pytest.mark.parametrize(("fmt", "render"), [("dot", to_dot), ("text", to_text)])
    def test_other_formats(
        self,
        fmt: str,
        render: Callable[[ServiceCollection], str],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """``--format`` selects DOT or text output."""
        assert main(["graph", "tests.graph_sample:services", "--format", fmt]) == 0
        assert capsys.readouterr().out == render(graph_sample.services) + "\n"

    @pytest.mark.parametrize("attr", ["build", "build_provider"])
    def test_zero_argument_callable(
        self, attr: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A callable without arguments returning a collection or provider is called."""
        assert main(["graph", f"tests.graph_sample:{attr}", "--format", "text"]) == 0
        assert capsys.readouterr().out == to_text(graph_sample.services) + "\n"

    def test_provider_built_by_the_callable_is_closed(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A provider the CLI obtained by calling the target is closed afterwards."""
        made: list[ServiceProvider] = []

        def build_provider() -> ServiceProvider:
            made.append(graph_sample.build().build_service_provider())
            return made[-1]

        monkeypatch.setattr(graph_sample, "build_provider", build_provider)
        assert main(["graph", "tests.graph_sample:build_provider"]) == 0
        assert made[0]._closed
        capsys.readouterr()

    @pytest.mark.parametrize(
        ("target", "message"),
        [
            ("tests.no_such_module:services", "cannot import 'tests.no_such_module'"),
            (
                "tests.graph_sample:nothing",
                "'tests.graph_sample' has no attribute 'nothing'",
            ),
            ("tests.graph_sample:not_services", "is a int, not a ServiceCollection"),
            (
                "tests.graph_sample:needs_arguments",
                "cannot be called without arguments",
            ),
            ("tests.graph_sample:returns_nothing", "returned a NoneType"),
            ("tests.graph_sample", "expected module:attr"),
        ],
    )
    def test_bad_target_is_one_line_and_exit_code_2(
        self, target: str, message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad target prints one error line on stderr and returns 2."""
        assert main(["graph", target]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.count("\n") == 1
        assert err.startswith("python -m wiredi graph: error: ")
        assert message in err

    def test_callable_without_signature_is_called(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A callable whose signature cannot be read is called as it is."""

        def no_signature(_: object) -> inspect.Signature:
            raise ValueError("no signature found")

        monkeypatch.setattr(inspect, "signature", no_signature)
        assert main(["graph", "tests.graph_sample:build", "--format", "text"]) == 0
        assert capsys.readouterr().out == to_text(graph_sample.services) + "\n"

    def test_usage_errors_return_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown format is an argparse usage error with exit code 2."""
        assert main(["graph", "tests.graph_sample:services", "--format", "png"]) == 2
        assert "invalid choice: 'png'" in capsys.readouterr().err

    def test_help_returns_0(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--help`` prints usage under the ``python -m wiredi`` name and returns 0."""
        assert main(["graph", "--help"]) == 0
        assert capsys.readouterr().out.startswith("usage: python -m wiredi graph")

    def test_runs_as_a_module(self) -> None:
        """``python -m wiredi graph`` works from a shell."""
        result = subprocess.run(
            [sys.executable, "-m", "wiredi", "graph", "tests.graph_sample:services"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == to_mermaid(graph_sample.services) + "\n"


class TenantClient:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("draw", [to_mermaid, to_dot, to_text])
def test_drawing_a_collection_leaves_its_live_scope_managers_alone(
    draw: Callable[[ServiceCollection], str],
) -> None:
    """Drawing reads registrations: the app's tenants stay open."""
    manager = ContextScopeManager()
    services = ServiceCollection().add_scope_manager("tenant", manager)
    services.add(TenantClient, lifetime="tenant")
    provider = services.build_service_provider()
    with provider.create_scope("tenant", "acme") as scope:
        client = scope.get_service(TenantClient)
    assert "TenantClient" in draw(services)
    assert not client.closed
    assert manager.active_scopes() == ["acme"]
    provider.close()
    assert client.closed
