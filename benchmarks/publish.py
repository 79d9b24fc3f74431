"""Charts and docs tables from benchmarks/results/results-3.X.json.

    python benchmarks/publish.py          # needs matplotlib (the bench extra)

Writes, from the newest CPython's results, ``docs/assets/benchmark.svg`` and
``docs/assets/scaling.svg``; rewrites the generated blocks of
``docs/performance.md`` (every version's tables, newest first) and the
summary table of ``README.md``. A generated block lies between
``<!-- bench:NAME:start -->`` and ``<!-- bench:NAME:end -->``; the text around
it is left alone. `make bench` runs this after the benchmarks.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import _report as r

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
ASSETS = ROOT / "docs" / "assets"
PERFORMANCE = ROOT / "docs" / "performance.md"
README = ROOT / "README.md"
README_KEYS = ("a", "b", "c", "d", "e", "f")


def load() -> list[dict[str, Any]]:
    """Every results-3.X.json, oldest Python first."""
    reports = [
        json.loads(path.read_text()) for path in RESULTS.glob("results-3.*.json")
    ]
    return sorted(
        reports, key=lambda rep: tuple(int(p) for p in rep["python"].split(".")[:2])
    )


def replace_block(text: str, name: str, body: str, where: Path) -> str:
    pattern = re.compile(
        rf"(<!-- bench:{name}:start[^>]*-->\n).*?(<!-- bench:{name}:end -->)",
        re.DOTALL,
    )
    if not pattern.search(text):
        raise SystemExit(f"{where}: no <!-- bench:{name}:start/end --> block")
    return pattern.sub(
        lambda m: m.group(1) + body.strip("\n") + "\n" + m.group(2), text
    )


def _short(report: dict[str, Any]) -> str:
    return ".".join(report["python"].split(".")[:2])


def _versions_table(reports: list[dict[str, Any]]) -> str:
    """wiredi against both baselines, one column per CPython version."""
    keys = [k for k in r.CORE if any(k in rep["scenarios"] for rep in reports)]
    header = ["scenario", *(f"CPython {rep['python']}" for rep in reports)]
    rows = []
    for key in keys:
        title = next(
            rep["scenarios"][key]["title"] for rep in reports if key in rep["scenarios"]
        )
        row = [f"{key}: {title}"]
        for rep in reports:
            wiredi = next((x for x in rep["results"] if x["library"] == "wiredi"), None)
            entry = (wiredi or {}).get("scenarios", {}).get(key)
            if entry and entry["status"] == "ok":
                row.append(
                    f"{r._x(entry['vs']['pure']['ratio'])} /"
                    f" {r._x(entry['vs']['hand']['ratio'])}"
                )
            else:
                row.append("")
        rows.append(row)
    return r._table(header, rows)


def _section(report: dict[str, Any], newest: bool, body: str) -> str:
    title = f"CPython {report['python']} — {report['date'][:16].replace('T', ' ')}"
    title += " (quick run)" if report["quick"] else ""
    if newest:
        return f"### {title}\n\n{body}"
    indented = "\n".join(("    " + line) if line else "" for line in body.splitlines())
    return f'??? note "{title}"\n\n{indented}'


def results_block(reports: list[dict[str, Any]], chart: Path | None) -> str:
    newest = reports[-1]
    parts = []
    if any(rep["quick"] for rep in reports):
        parts += [r.QUICK_WARNING, ""]
    parts += [
        "Runs: "
        + "; ".join(r.run_line(rep) + f", {rep.get('seconds', 0)} s" for rep in reports)
        + ". Ratios are to the two baselines defined at the top of this page;"
        " for each scenario they are:",
        "",
    ]
    keys = [k for k in newest["scenarios"] if k in r.CORE]
    parts += [r.baselines_table(keys), ""]
    if len(reports) > 1:
        parts += [
            "wiredi on each CPython (vs pure construction / vs hand-written):",
            "",
            _versions_table(reports),
            "",
        ]
    if chart is not None:
        parts += [
            (
                f"![Container time / pure construction, CPython {newest['python']}]"
                f"(assets/{chart.name})"
            ),
            "",
            (
                f"The chart's numbers are the first table of CPython {newest['python']}"
                " just below; each older CPython's tables are in a collapsed block"
                " after it."
            ),
            "",
        ]
    for rep in reversed(reports):
        body = r.results_markdown(rep, scaling=False)
        parts += [_section(rep, rep is newest, body), ""]
    return "\n".join(parts)


def scaling_block(reports: list[dict[str, Any]], chart: Path | None) -> str:
    with_scaling = [rep for rep in reports if rep.get("scaling")]
    if not with_scaling:
        return "No scaling run yet (`make bench` runs it)."
    newest = with_scaling[-1]
    parts = []
    if newest["quick"]:
        parts += [r.QUICK_WARNING, ""]
    if chart is not None:
        parts += [
            f"![wiredi scaling, CPython {newest['python']}](assets/{chart.name})",
            "",
        ]
    for rep in reversed(with_scaling):
        parts += [_section(rep, rep is newest, r.scaling_markdown(rep)), ""]
    return "\n".join(parts)


def readme_block(newest: dict[str, Any]) -> str:
    ran = [x for x in newest["results"] if x["status"] == "ok"]
    parts = []
    if newest["quick"]:
        parts += [r.QUICK_WARNING, ""]
    parts += [
        (
            f"Latest run: {r.run_line(newest)}. Ratio of time to each baseline"
            " for the same objects, lower is better:"
        ),
        "",
        f"- {r.PURE_MEANS}",
        f"- {r.HAND_MEANS}",
        "",
        r.summary_table(newest, README_KEYS),
    ]
    if any(not x.get("thread_safe", True) for x in ran):
        parts += ["", r.NOT_THREAD_SAFE]
    return "\n".join(parts)


def main() -> int:
    reports = load()
    if not reports:
        print(f"publish: no results-3.X.json in {RESULTS}", file=sys.stderr)
        return 1
    newest = reports[-1]
    ASSETS.mkdir(parents=True, exist_ok=True)
    chart = r.chart(newest, ASSETS / "benchmark.svg")
    with_scaling = [rep for rep in reports if rep.get("scaling")]
    scaling = (
        r.scaling_chart(with_scaling[-1], ASSETS / "scaling.svg")
        if with_scaling
        else None
    )
    text = PERFORMANCE.read_text()
    text = replace_block(text, "results", results_block(reports, chart), PERFORMANCE)
    text = replace_block(text, "scaling", scaling_block(reports, scaling), PERFORMANCE)
    PERFORMANCE.write_text(text)
    readme = README.read_text()
    README.write_text(replace_block(readme, "summary", readme_block(newest), README))
    written = [p for p in (chart, scaling) if p is not None]
    print(
        "publish: wrote "
        + ", ".join(str(p.relative_to(ROOT)) for p in [*written, PERFORMANCE, README])
        + f" from CPython {', '.join(_short(rep) for rep in reports)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
