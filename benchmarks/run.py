"""Run the container benchmarks: wiredi against its peers and hand-written code.

    python benchmarks/run.py                 # everything (a few minutes)
    python benchmarks/run.py --quick         # few repeats, for a smoke run
    python benchmarks/run.py --only wiredi,dishka --scenarios a,b

Each library runs in its own subprocess (benchmarks/_runner.py); this script
collects their JSON, prints the tables, and writes benchmarks/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import subprocess
import sys
from pathlib import Path

import _report
from _scenarios import SCENARIOS
from adapters import LIBRARIES

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _run_library(library: str, keys: list[str], quick: bool, timeout: float) -> dict:
    command = [
        sys.executable,
        str(HERE / "_runner.py"),
        library,
        "--scenarios",
        ",".join(keys),
    ]
    if quick:
        command.append("--quick")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {
            "library": library,
            "status": "error",
            "note": f"timed out after {timeout:.0f}s",
        }
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        return {
            "library": library,
            "status": "error",
            "note": f"runner crashed: {tail[0]}",
        }
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="wiredi benchmark suite")
    parser.add_argument(
        "--quick", action="store_true", help="few repeats, for a smoke run"
    )
    parser.add_argument("--only", help="comma-separated libraries, e.g. wiredi,dishka")
    parser.add_argument("--scenarios", help="comma-separated scenario keys, e.g. a,b")
    parser.add_argument(
        "--no-chart", action="store_true", help="skip the matplotlib chart"
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

    results = []
    for library in libraries:
        print(f"  running {library} ...", file=sys.stderr, flush=True)
        results.append(_run_library(library, keys, args.quick, args.timeout))

    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": f"{platform.system()} {platform.machine()}",
        "quick": args.quick,
        "scenarios": {
            s.key: {"title": s.title, "target": s.target}
            for s in SCENARIOS
            if s.key in keys
        },
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print(_report.render(report))
    print(f"\nwrote {(RESULTS / 'results.json').relative_to(HERE.parent)}")
    if not args.no_chart:
        print(_report.chart(report, RESULTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
