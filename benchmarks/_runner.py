"""Benchmark one library in this process; print one JSON object on stdout.

Usage: python benchmarks/_runner.py LIBRARY [--scenarios a,b] [--quick]

run.py starts one of these per library, so no library's imports, caches or
monkeypatching can touch another's numbers.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

import _timing
from _scenarios import BY_KEY, SCENARIOS, Scenario


def _error(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = (
        f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    )
    return f"{type(exc).__name__}: {exc}{where}"[:300]


def _run_scenario(
    adapter: Any, scenario: Scenario, settings: _timing.Settings
) -> dict[str, Any]:
    make = getattr(adapter, scenario.method, None)
    if make is None:
        return {
            "status": "unsupported",
            "note": getattr(adapter, "notes", {}).get(scenario.key, ""),
        }
    try:
        with _timing.time_limit(settings.limit_ns):
            return _check_and_time(make, adapter, scenario, settings)
    except _timing.TooSlow as exc:
        return {"status": "skipped", "note": str(exc)}


def _check_and_time(
    make: Any, adapter: Any, scenario: Scenario, settings: _timing.Settings
) -> dict[str, Any]:
    try:
        op = make()
        if op is None:  # the adapter feature-detected a missing API
            return {"status": "unsupported", "note": "API not available"}
        pair_maker = getattr(adapter, f"{scenario.method}_pair", None)
        scenario.check(op, pair_maker() if pair_maker else None)
    except Exception as exc:
        return {"status": "error", "note": f"setup/check failed: {_error(exc)}"}
    try:
        if scenario.is_async:
            result = _timing.measure_async(op, scenario.baselines, settings)
        else:
            if scenario.heavy:
                settings = replace(settings, batch_ns=settings.batch_ns * 4, warmup=20)
            result = _timing.measure(op, scenario.baselines, settings)
    except Exception as exc:
        return {"status": "error", "note": f"timing failed: {_error(exc)}"}
    return {"status": "ok", **result.to_json()}


def _memory(adapter: Any, quick: bool) -> dict[str, Any] | None:
    make = getattr(adapter, "scoped", None)
    if make is None:
        return None
    try:
        return _timing.scope_bytes(
            make(), BY_KEY["c"].baselines, runs=200 if quick else 2000
        )
    except Exception as exc:
        return {"error": _error(exc)}


def run(library: str, keys: list[str], quick: bool) -> dict[str, Any]:
    module_name = library.replace("-", "_")
    out: dict[str, Any] = {"library": library, "status": "ok", "scenarios": {}}
    try:
        module = importlib.import_module(f"adapters.{module_name}")
        adapter = module.Adapter()
    except ModuleNotFoundError as exc:
        if exc.name and "." not in exc.name and exc.name != "adapters":
            out.update(status="missing", note=f"not installed: {exc}")
        else:
            out.update(status="error", note=_error(exc))
        return out
    except Exception as exc:
        out.update(status="error", note=_error(exc))
        return out
    out["dist"] = adapter.dist
    if getattr(adapter, "reference", False):  # the floor: not a package
        out["reference"] = True
        out["version"] = ""
    else:
        try:
            out["version"] = metadata.version(adapter.dist)
        except metadata.PackageNotFoundError:
            out["version"] = "?"
    out["variant"] = getattr(adapter, "variant", "")
    out["mode"] = getattr(adapter, "mode", "")
    out["thread_safe"] = getattr(adapter, "thread_safe", True)
    settings = _timing.QUICK if quick else _timing.FULL
    for scenario in SCENARIOS:
        if scenario.key in keys:
            scenario.check_baselines()  # the baselines build the same objects
    for scenario in SCENARIOS:
        if scenario.key in keys:
            out["scenarios"][scenario.key] = _run_scenario(adapter, scenario, settings)
    if "c" in keys:
        out["memory"] = _memory(adapter, quick)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("library")
    parser.add_argument("--scenarios", default=",".join(s.key for s in SCENARIOS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--clock", choices=sorted(_timing.CLOCKS), default="wall")
    args = parser.parse_args()
    _timing.use_clock(args.clock)
    keys = [k.strip() for k in args.scenarios.split(",") if k.strip()]
    result = run(args.library, keys, args.quick)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
