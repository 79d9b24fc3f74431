"""The scenario table: what each adapter method must return, and how it is checked.

An adapter method (``Adapter.transient_graph`` etc.) sets its container up and
returns a zero-argument operation; for scoped scenarios a second method
``<name>_pair`` returns an operation that resolves twice in one scope. Before
anything is timed, the check below runs against the operation: a library that
builds less than the full graph, or does not keep singletons single, is an
error row, never a fast one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import _graphs as g


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _check_root(root: Any, x_type: type = g.X) -> None:
    _expect(isinstance(root, g.Root), f"expected Root, got {type(root).__name__}")
    _expect(isinstance(root.a, g.A) and isinstance(root.a.x, x_type), "Root.a.x")
    _expect(isinstance(root.a.y, g.Y), "Root.a.y")
    _expect(isinstance(root.b, g.B) and isinstance(root.b.z, g.Z), "Root.b.z")
    _expect(isinstance(root.b.z.u, g.U), "Root.b.z.u")
    _expect(isinstance(root.c, g.C) and isinstance(root.c.v, g.V), "Root.c.v")
    _expect(isinstance(root.c.w, g.W), "Root.c.w")


def check_transient(op: Callable[[], Any], pair: Any = None) -> None:
    first, second = op(), op()
    _check_root(first)
    _check_root(second)
    for path in (
        "",
        ".a",
        ".a.x",
        ".a.y",
        ".b",
        ".b.z",
        ".b.z.u",
        ".c",
        ".c.v",
        ".c.w",
    ):
        one = eval(f"first{path}")
        two = eval(f"second{path}")
        _expect(one is not two, f"Root{path} must be transient but was reused")


def check_singleton(op: Callable[[], Any], pair: Any = None) -> None:
    first = op()
    _expect(isinstance(first, g.Settings), "expected Settings")
    _expect(op() is first, "the singleton was built twice")


def _check_request_services(first: Any, second: Any, same: tuple[Any, Any]) -> None:
    for service in (first, second):
        _expect(isinstance(service, g.RequestService), "expected RequestService")
        _expect(isinstance(service.settings, g.Settings), "RequestService.settings")
        _expect(isinstance(service.repo, g.Repo), "RequestService.repo")
        _expect(isinstance(service.clock, g.Clock), "RequestService.clock")
    _expect(first is not second, "two scopes returned the same scoped instance")
    _expect(
        first.settings is second.settings, "the singleton dependency was built twice"
    )
    _expect(first.repo is not second.repo, "the transient Repo was reused")
    _expect(first.clock is not second.clock, "the transient Clock was reused")
    _expect(same[0] is same[1], "one scope built the scoped service twice")


def check_scoped(op: Callable[[], Any], pair: Callable[[], Any]) -> None:
    _check_request_services(op(), op(), pair())


def check_scoped_async(op: Callable[[], Any], pair: Callable[[], Any]) -> None:
    async def run() -> tuple[Any, Any, Any]:
        return await op(), await op(), await pair()

    first, second, same = asyncio.run(run())
    _check_request_services(first, second, same)


def check_build(op: Callable[[], Any], pair: Any = None) -> None:
    _expect(op() is not None, "build returned nothing")


def check_build_resolve(op: Callable[[], Any], pair: Any = None) -> None:
    for instances in (op(), op()):
        _expect(len(instances) == len(g.BIG_CLASSES), "expected 200 instances")
        by_type = {}
        for cls, obj in zip(g.BIG_CLASSES, instances, strict=True):
            _expect(type(obj) is cls, f"expected {cls.__name__}")
            by_type[cls] = obj
        for cls, deps in g.BIG_GRAPH:
            for i, dep in enumerate(deps):
                got = getattr(by_type[cls], f"d{i}")
                _expect(
                    got is by_type[dep], f"{cls.__name__}.d{i} is not the singleton"
                )


def check_context_logger(op: Callable[[], Any], pair: Any = None) -> None:
    handler = op()
    _expect(isinstance(handler, g.Handler), "expected Handler")
    _expect(handler.logger.name == g.Handler.__module__, "logger not named by context")


def check_component(op: Callable[[], Any], pair: Any = None) -> None:
    first, second = op(), op()
    _expect(
        isinstance(first, g.UserHandler) and isinstance(first.repo, g.UserRepo), "graph"
    )
    _expect(first is not second and first.repo is not second.repo, "transient reused")


def check_custom_scope(op: Callable[[], Any], pair: Any = None) -> None:
    first = op()
    _expect(isinstance(first, g.TenantCache), "expected TenantCache")
    _expect(op() is first, "a persistent tenant scope must keep its instance")


def check_override(op: Callable[[], Any], pair: Any = None) -> None:
    root = op()
    _check_root(root, g.FakeX)
    _expect(root.a.x is g.FAKE_X, "the override was not used")


@dataclass(frozen=True)
class Scenario:
    key: str
    method: str  # the adapter method that returns the operation
    title: str
    baseline: Callable[[], Any]  # hand-written
    pure: Callable[[], Any]  # pure construction
    check: Callable[..., None]
    is_async: bool = False
    heavy: bool = False  # one op takes tens of microseconds or more
    target: float | None = None  # wiredi's ratio target
    feature: bool = False  # a wiredi-only feature scenario
    # for the scoped checks: (hand-written, pure) operations resolving twice
    # in one scope
    baseline_pairs: tuple[Callable[[], Any], Callable[[], Any]] | None = None

    @property
    def baselines(self) -> dict[str, Callable[[], Any]]:
        return {"pure": self.pure, "hand": self.baseline}

    def check_baselines(self) -> None:
        """The baselines must pass the same checks as the libraries."""
        hand_pair, pure_pair = self.baseline_pairs or (None, None)
        self.check(self.baseline, hand_pair)
        self.check(self.pure, pure_pair)


SCENARIOS = [
    Scenario(
        "a",
        "transient_graph",
        "resolve 10-class transient graph",
        g.baseline_transient,
        g.pure_transient,
        check_transient,
        target=1.05,
    ),
    Scenario(
        "b",
        "singleton",
        "get existing singleton",
        g.baseline_singleton,
        g.pure_singleton,
        check_singleton,
        target=2.0,
    ),
    Scenario(
        "c",
        "scoped",
        "scope + scoped service + close",
        g.baseline_scoped,
        g.pure_scoped,
        check_scoped,
        target=2.0,
        baseline_pairs=(g.baseline_scoped_pair, g.pure_scoped_pair),
    ),
    Scenario(
        "d",
        "scoped_async",
        "async scope + scoped service",
        g.baseline_scoped_async,
        g.pure_scoped_async,
        check_scoped_async,
        is_async=True,
        target=2.3,
        baseline_pairs=(g.baseline_scoped_async_pair, g.pure_scoped_async_pair),
    ),
    Scenario(
        "e",
        "build",
        "build from 200 classes",
        g.baseline_build,
        g.pure_build,
        check_build,
        heavy=True,
        target=10.0,
    ),
    Scenario(
        "f",
        "build_resolve",
        "build + first resolve of 200",
        g.baseline_build_resolve,
        g.pure_build_resolve,
        check_build_resolve,
        heavy=True,
        target=5.0,
    ),
    Scenario(
        "ctx",
        "feature_context_logger",
        "DependencyContext logger",
        g.baseline_context_logger,
        g.pure_context_logger,
        check_context_logger,
        feature=True,
    ),
    Scenario(
        "comp",
        "feature_component",
        "component lookup",
        g.baseline_component,
        g.pure_component,
        check_component,
        feature=True,
    ),
    Scenario(
        "tenant",
        "feature_custom_scope",
        "ContextScopeManager scope",
        g.baseline_custom_scope,
        g.pure_custom_scope,
        check_custom_scope,
        feature=True,
    ),
    Scenario(
        "ovr",
        "feature_override",
        "resolve under active override",
        g.baseline_override,
        g.pure_override,
        check_override,
        feature=True,
    ),
]
BY_KEY = {s.key: s for s in SCENARIOS}
