"""Render benchmark results: Markdown tables for stdout/docs, a matplotlib chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TIMES = "\N{MULTIPLICATION SIGN}"


def _ns(value: float) -> str:
    if value < 1_000:
        return f"{value:.0f} ns"
    if value < 1_000_000:
        return f"{value / 1_000:.1f} µs"
    if value < 1_000_000_000:
        return f"{value / 1_000_000:.2f} ms"
    return f"{value / 1_000_000_000:.2f} s"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _label(result: dict[str, Any]) -> str:
    version = result.get("version")
    return f"{result['library']} {version}" if version else result["library"]


def _cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return ""
    status = entry["status"]
    if status == "ok":
        return f"{entry['ratio']:.2f}{TIMES} · {_ns(entry['ns'])}"
    return {"unsupported": "—", "error": "error"}.get(status, status)


def _baseline_row(results: list[dict[str, Any]], keys: list[str]) -> list[str]:
    row = ["*hand-written*"]
    for key in keys:
        values = sorted(
            r["scenarios"][key]["base_ns"]
            for r in results
            if r.get("scenarios", {}).get(key, {}).get("status") == "ok"
        )
        row.append(f"1.00{TIMES} · {_ns(values[len(values) // 2])}" if values else "")
    return row


def _scenario_table(
    report: dict[str, Any], feature: bool, results: list[dict[str, Any]]
) -> str:
    scenarios = report["scenarios"]
    keys = [k for k in scenarios if (k in {"ctx", "comp", "tenant", "ovr"}) == feature]
    if not keys or not results:
        return ""
    header = ["library", *(f"{k}: {scenarios[k]['title']}" for k in keys)]
    rows = [[_label(r), *(_cell(r["scenarios"].get(k)) for k in keys)] for r in results]
    rows.append(_baseline_row(results, keys))
    if not feature:
        rows.append(
            ["*wiredi target*", *(f"≤ {scenarios[k]['target']}{TIMES}" for k in keys)]
        )
    return _table(header, rows)


def _memory_table(results: list[dict[str, Any]]) -> str:
    """Peak bytes held during one request scope, and memory still held per
    scope after many scopes closed (growth per request)."""
    rows = []
    base_peak = None
    for r in results:
        memory = r.get("memory")
        if not memory:
            continue
        if "error" in memory:
            rows.append([_label(r), "error", "", ""])
            continue
        base_peak = base_peak or memory["base_peak"]
        ratio = memory["peak"] / max(memory["base_peak"], 1)
        rows.append(
            [
                _label(r),
                f"{memory['peak']:.0f}",
                f"{ratio:.1f}{TIMES}",
                f"{memory['growth']:.1f}",
            ]
        )
    if not rows:
        return ""
    if base_peak is not None:
        base = next(
            r["memory"] for r in results if r.get("memory", {}).get("base_peak")
        )
        rows.append(
            [
                "*hand-written*",
                f"{base_peak:.0f}",
                f"1.0{TIMES}",
                f"{base['base_growth']:.1f}",
            ]
        )
    header = [
        "library",
        "peak bytes / scope",
        "vs hand-written",
        "bytes kept / scope (growth)",
    ]
    return _table(header, rows)


def _notes(results: list[dict[str, Any]]) -> list[str]:
    notes = []
    for r in results:
        if r["status"] != "ok":
            notes.append(f"- {r['library']}: {r['status']} — {r.get('note', '')}")
            continue
        if r.get("mode"):
            notes.append(f"- {_label(r)}: {r['mode']}")
        for key, entry in r["scenarios"].items():
            if entry["status"] != "ok" and entry.get("note"):
                notes.append(
                    f"- {r['library']}, {key}: {entry['status']} — {entry['note']}"
                )
    return notes


def render(report: dict[str, Any]) -> str:
    ran = [r for r in report["results"] if r["status"] == "ok"]
    parts = [
        (
            f"wiredi benchmarks — {report['date']} — {report['implementation']}"
            f" {report['python']} on {report['machine']}"
            + (" (quick run)" if report["quick"] else "")
        ),
        (
            "ratio = library time / hand-written time for the same objects (median of"
            " paired repeats), then library time per operation; — = not supported."
        ),
        "",
        _scenario_table(report, False, ran),
    ]
    wiredi = [r for r in ran if r["library"] == "wiredi"]
    features = _scenario_table(report, True, wiredi)
    if features:
        parts += ["", "wiredi features:", "", features]
    memory = _memory_table(ran)
    if memory:
        parts += ["", "memory per request scope (scenario c, tracemalloc):", "", memory]
    notes = _notes(report["results"])
    if notes:
        parts += ["", "notes:", *notes]
    return "\n".join(parts)


def chart(report: dict[str, Any], directory: Path) -> str:
    try:
        import matplotlib as mpl

        mpl.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: chart skipped (pip install matplotlib)"
    keys = [k for k in report["scenarios"] if k in {"a", "b", "c", "d", "e", "f"}]
    if not keys:
        return "no core scenarios ran: chart skipped"
    columns = min(3, len(keys))
    rows = (len(keys) + columns - 1) // columns
    fig, axes = plt.subplots(
        rows, columns, figsize=(5.2 * columns, 4.2 * rows), squeeze=False
    )
    for ax, key in zip(axes.flat, keys, strict=False):
        bars = sorted(
            (r["scenarios"][key]["ratio"], r["library"])
            for r in report["results"]
            if r["status"] == "ok" and r["scenarios"].get(key, {}).get("status") == "ok"
        )
        names = [name for _, name in bars]
        colors = ["#d9480f" if name == "wiredi" else "#4c6ef5" for name in names]
        ax.barh(names, [ratio for ratio, _ in bars], color=colors)
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        target = report["scenarios"][key]["target"]
        if target:
            ax.axvline(target, color="#d9480f", linestyle="--", linewidth=0.8)
        ax.invert_yaxis()
        ax.set_title(f"{key}: {report['scenarios'][key]['title']}", fontsize=10)
        ax.set_xlabel(f"{TIMES} hand-written (log scale, lower is better)", fontsize=8)
        ax.tick_params(labelsize=8)
        for ratio, name in bars:
            ax.annotate(
                f"{ratio:.2f}{TIMES}",
                (ratio, names.index(name)),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    fig.suptitle(
        f"Container overhead vs hand-written code — CPython {report['python']}, {report['date'][:10]}"
        " (dashed: wiredi target)",
        fontsize=11,
    )
    fig.tight_layout()
    written = []
    for suffix in ("png", "svg"):
        path = directory / f"benchmark.{suffix}"
        fig.savefig(path, dpi=120)
        written.append(str(path.relative_to(directory.parent.parent)))
    plt.close(fig)
    return "wrote " + ", ".join(written)
