"""Run the container benchmarks on this interpreter: wiredi against its peers,
pure construction and hand-written code.

    python benchmarks/run.py                 # everything
    python benchmarks/run.py --quick         # few repeats, for a smoke run
    python benchmarks/run.py --only wiredi,dishka --scenarios a,b

Each library runs in its own subprocess (benchmarks/_runner.py), and so does
wiredi's scaling run (benchmarks/_scaling.py); this script collects their JSON,
prints the tables, and writes benchmarks/results/results-3.X.json. `make bench`
(benchmarks/bench_all.py) runs it on every installed CPython and then
benchmarks/publish.py draws the charts and the docs' tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _report
from _scenarios import SCENARIOS
from adapters import LIBRARIES

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _run_library(
    library: str, keys: list[str], quick: bool, clock: str, timeout: float
) -> dict:
    command = [
        sys.executable,
        str(HERE / "_runner.py"),
        library,
        "--scenarios",
        ",".join(keys),
        "--clock",
        clock,
    ]
    if quick:
        command.append("--quick")
    return _run_json(command, timeout, {"library": library})


def _run_json(command: list[str], timeout: float, what: dict[str, Any]) -> dict:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {**what, "status": "error", "note": f"timed out after {timeout:.0f}s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        return {**what, "status": "error", "note": f"runner crashed: {tail[0]}"}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="wiredi benchmark suite")
    parser.add_argument(
        "--quick", action="store_true", help="few repeats, for a smoke run"
    )
    parser.add_argument("--only", help="comma-separated libraries, e.g. wiredi,dishka")
    parser.add_argument("--scenarios", help="comma-separated scenario keys, e.g. a,b")
    parser.add_argument(
        "--no-scaling",
        action="store_true",
        help="skip wiredi's scaling run (registrations, depth, open scopes)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS / f"results-{sys.version_info[0]}.{sys.version_info[1]}.json",
        help="where to write the JSON (default: results/results-3.X.json)",
    )
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        help="wall: elapsed time (perf_counter; the full mode's default); cpu: this"
        " process's CPU time (process_time; the quick mode's default), which a busy"
        " machine disturbs far less",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds per library"
    )
    args = parser.parse_args(argv)

    libraries = _split(args.only) or LIBRARIES
    unknown = sorted(set(libraries) - set(LIBRARIES))
    if unknown:
        parser.error(f"unknown libraries {unknown}; known: {', '.join(LIBRARIES)}")
    keys = _split(args.scenarios) or [s.key for s in SCENARIOS]
    unknown = sorted(set(keys) - {s.key for s in SCENARIOS})
    if unknown:
        parser.error(
            f"unknown scenarios {unknown}; known: {', '.join(s.key for s in SCENARIOS)}"
        )

    clock = args.clock or ("cpu" if args.quick else "wall")
    started = time.monotonic()
    results = []
    for library in libraries:
        print(f"  running {library} ...", end="", file=sys.stderr, flush=True)
        begin = time.monotonic()
        results.append(_run_library(library, keys, args.quick, clock, args.timeout))
        print(f" {time.monotonic() - begin:.1f} s", file=sys.stderr, flush=True)
    scaling = None
    if "wiredi" in libraries and not args.no_scaling:
        print("  running wiredi scaling ...", end="", file=sys.stderr, flush=True)
        begin = time.monotonic()
        command = [
            sys.executable,
            str(HERE / "_scaling.py"),
            "wiredi",
            "--clock",
            clock,
        ]
        if args.quick:
            command.append("--quick")
        scaling = _run_json(command, args.timeout, {})
        if scaling.get("status") == "error":
            scaling = {"error": scaling["note"]}
        print(f" {time.monotonic() - begin:.1f} s", file=sys.stderr, flush=True)

    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "seconds": 0,
        "implementation": platform.python_implementation(),
        "machine": f"{platform.system()} {platform.machine()}",
        "quick": args.quick,
        "clock": clock,
        "scenarios": {
            s.key: {"title": s.title, "target": s.target}
            for s in SCENARIOS
            if s.key in keys
        },
        "results": results,
    }
    if scaling is not None:
        report["scaling"] = scaling
    report["seconds"] = round(time.monotonic() - started)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(_report.render(report))
    print(f"\nwrote {args.output} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
