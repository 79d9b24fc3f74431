"""How wiredi's costs grow; run in its own process, prints one JSON object.

Usage: python benchmarks/_scaling.py [LIBRARY] [--quick]

- registrations: build, and build + first resolve of every class, at 200,
  2,000 and 20,000 singletons: always 20 layers deep, 10, 100 and 1,000
  classes wide, each class taking two of the layer below (so only the count
  changes). Baselines as in scenarios e and f: pure construction is one
  straight-line function of constructor calls, hand-written is the
  ``{type: dependencies}`` dict (build) and that dict plus a build loop.
- depth: resolve a transient chain 10 and 100 classes deep; the baseline is
  the nested constructor expression ``C99(C98(...C0()))`` (pure and
  hand-written are the same code here, as in scenario a).
- memory per open scope: 100, 1,000 and 10,000 request scopes of scenario c
  open at once, each holding its resolved scoped service; bytes held per
  scope (tracemalloc) beside one ``HandScope`` each and the bare object graph.

The library's adapter provides ``scale_build``, ``scale_build_resolve``,
``scale_chain`` and ``scale_open_scope``; only wiredi's does today.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import replace
from typing import Any

import _graphs as g
import _timing

LAYERS = 20
SIZES = (200, 2_000, 20_000)
DEPTHS = (10, 100)
OPEN_SCOPES = (100, 1_000, 10_000)


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _check_graph(
    graph: list[tuple[type, tuple[type, ...]]], instances: list[object]
) -> None:
    _expect(len(instances) == len(graph), f"expected {len(graph)} instances")
    built = {}
    for (cls, deps), obj in zip(graph, instances, strict=True):
        _expect(type(obj) is cls, f"expected {cls.__name__}")
        built[cls] = obj
        for i, dep in enumerate(deps):
            _expect(getattr(obj, f"d{i}") is built[dep], f"{cls.__name__}.d{i}")


def _check_chain(chain: list[type], first: object, second: object) -> None:
    for obj in (first, second):
        for cls in reversed(chain):
            _expect(type(obj) is cls, f"expected {cls.__name__}")
            obj = getattr(obj, "d0", None)
    _expect(first is not second, "the chain must be transient")


def _registrations(adapter: Any, n: int, settings: _timing.Settings) -> dict:
    graph = g.make_layered_graph(LAYERS, n // LAYERS, prefix=f"N{n}L")
    classes = [cls for cls, _ in graph]
    pure = g.straight_line_builder(graph)
    build = adapter.scale_build(classes)
    build_resolve = adapter.scale_build_resolve(classes)
    with _timing.gc_paused():  # 20,000 classes make every collection slow
        _check_graph(graph, pure())
        _check_graph(graph, g.hand_registry_builder(graph)())
        _check_graph(graph, build_resolve())
    heavy = replace(settings, batch_ns=settings.batch_ns * 4, warmup=2)
    e = _timing.measure(build, {"pure": pure, "hand": lambda: dict(graph)}, heavy)
    f = _timing.measure(
        build_resolve, {"pure": pure, "hand": g.hand_registry_builder(graph)}, heavy
    )
    return {"n": n, "build": e.to_json(), "build_resolve": f.to_json()}


def _depth(adapter: Any, depth: int, settings: _timing.Settings) -> dict:
    chain = g.make_chain(depth, prefix=f"D{depth}C")
    pure = g.nested_builder(chain)
    op = adapter.scale_chain(chain)
    _check_chain(chain, pure(), pure())
    _check_chain(chain, op(), op())
    result = _timing.measure(op, {"pure": pure, "hand": pure}, settings)
    return {"depth": depth, **result.to_json()}


def _open_scopes(adapter: Any, count: int) -> dict:
    open_one, close_one = adapter.scale_open_scope()

    def hand_open() -> g.HandScope:
        scope = g.HandScope()
        scope.request_service()
        return scope

    return {
        "count": count,
        "bytes": _timing.open_scope_bytes(open_one, close_one, count),
        "hand": _timing.open_scope_bytes(hand_open, g.HandScope.close, count),
        "pure": _timing.open_scope_bytes(g.pure_scoped, lambda _: None, count),
    }


def _guard(fn: Any, *args: Any) -> dict:
    try:
        return {"status": "ok", **fn(*args)}
    except _timing.TooSlow as exc:
        return {"status": "skipped", "note": str(exc)}
    except Exception as exc:
        return {"status": "error", "note": f"{type(exc).__name__}: {exc}"[:300]}


def run(library: str, quick: bool) -> dict[str, Any]:
    module = importlib.import_module(f"adapters.{library.replace('-', '_')}")
    adapter = module.Adapter()
    settings = _timing.QUICK if quick else _timing.FULL
    # the quick mode's 4 s cap per scenario is for peers that take seconds;
    # the 20,000-class build takes ~1 s an operation by itself
    settings = replace(settings, limit_ns=None)
    return {
        "library": library,
        "registrations": [_guard(_registrations, adapter, n, settings) for n in SIZES],
        "depth": [_guard(_depth, adapter, d, settings) for d in DEPTHS],
        "open_scopes": [_guard(_open_scopes, adapter, k) for k in OPEN_SCOPES],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("library", nargs="?", default="wiredi")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--clock", choices=sorted(_timing.CLOCKS), default="wall")
    args = parser.parse_args()
    _timing.use_clock(args.clock)
    sys.stdout.write(json.dumps(run(args.library, args.quick)) + "\n")


if __name__ == "__main__":
    main()
