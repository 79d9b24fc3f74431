"""Render benchmark results: Markdown tables for stdout and the docs, charts.

Every ratio is given against two baselines (see ``_graphs.py``):

- pure construction (``pure``): the same objects built by plain constructor
  calls and nothing else, the physical limit;
- hand-written (``hand``): the bookkeeping one writes instead of a container
  (a per-request dict with get-or-create and ``close()``, a type registry).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TIMES = "\N{MULTIPLICATION SIGN}"
DAGGER = "\N{DAGGER}"
CORE = ("a", "b", "c", "d", "e", "f")
FEATURES = ("ctx", "comp", "tenant", "ovr")

PURE_MEANS = (
    "**pure construction**: the same objects built by plain constructor calls"
    " and nothing else (no dict, no `close()`, no registry), the physical limit"
    " that code wired by hand in straight lines pays."
)
HAND_MEANS = (
    "**hand-written**: what one writes instead of a container when one also"
    " wants its bookkeeping: a per-request dict with get-or-create and an"
    " explicit `close()`, a `{type: dependencies}` registry (the baseline the"
    " targets were set against)."
)
FLOOR = "*floor: minimal container*"
FLOOR_MEANS = (
    "**floor**: a minimal reference container written for these benchmarks"
    " (`benchmarks/adapters/floor.py`): it keeps the guarantees a real container"
    " must keep (validation at build, thread-safe singletons and scopes, a scope"
    " closes what it created) and does nothing more, so its ratios are the floor"
    " any pure-Python container with those guarantees pays. A reference row, not"
    " a peer."
)
NOT_THREAD_SAFE = (
    f"{DAGGER} not thread-safe: a documented lock-free mode (diwire's"
    " `lock_mode=LockMode.NONE`), shown as its own row; every other row is the"
    " library's thread-safe configuration."
)
QUICK_WARNING = (
    "**Quick run: few repeats on a busy machine, so these figures are noisy."
    " Replace them with a full `make bench` run.**"
)

# what each baseline is, per scenario (docs and the console report)
BASELINES = {
    "a": (
        "`Root(A(X(), Y()), B(Z(U())), C(V(), W()))`",
        "the same expression (pure construction already)",
    ),
    "b": (
        "return a pre-built object from a closure variable",
        "return a module-level object",
    ),
    "c": (
        "`RequestService(SETTINGS, Repo(), Clock())`: no dict, no close",
        "a dict per request, get-or-create, an explicit `close()`",
    ),
    "d": ("the same inside `async def`", "the same inside `async def`"),
    "e": (
        (
            "plain code has no build step; an application wired by hand constructs"
            " its objects at startup instead, so: all 200 built by one straight-line"
            " function (`o12 = Big01_2(o2, o3)`, ...)"
        ),
        "a dict `{type: its dependency types}` for the 200 classes",
    ),
    "f": (
        "the same straight-line construction of all 200",
        "that dict, then each of the 200 objects built once, in order",
    ),
}


def _ns(value: float) -> str:
    if value < 1_000:
        return f"{value:.0f} ns"
    if value < 1_000_000:
        return f"{value / 1_000:.1f} µs"
    if value < 1_000_000_000:
        return f"{value / 1_000_000:.2f} ms"
    return f"{value / 1_000_000_000:.2f} s"


def _x(value: float) -> str:
    if value >= 1_000:
        return f"{value:,.0f}{TIMES}"
    if value >= 100:
        return f"{value:.0f}{TIMES}"
    return f"{value:.2f}{TIMES}"


def _table(header: list[str], rows: list[list[str]], indent: str = "") -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(indent + line for line in lines)


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    return values[len(values) // 2] if values else None


def is_reference(result: dict[str, Any]) -> bool:
    """The floor: shown next to the baselines, never as a library or a peer."""
    return bool(result.get("reference"))


def label(result: dict[str, Any], dagger: bool = True, version: bool = True) -> str:
    if is_reference(result):
        return FLOOR
    name = result.get("dist") or result["library"]
    if version and result.get("version"):
        name += f" {result['version']}"
    if result.get("variant"):
        name += f" ({result['variant']})"
    if dagger and not result.get("thread_safe", True):
        name += DAGGER
    return name


def _ok(result: dict[str, Any], key: str) -> dict[str, Any] | None:
    entry = result.get("scenarios", {}).get(key)
    return entry if entry and entry.get("status") == "ok" else None


def _cell(entry: dict[str, Any] | None, base: str, with_time: bool) -> str:
    if entry is None:
        return ""
    status = entry["status"]
    if status == "ok":
        ratio = _x(entry["vs"][base]["ratio"])
        return f"{ratio} · {_ns(entry['ns'])}" if with_time else ratio
    if status == "skipped":
        return "skipped"
    return {"unsupported": "—", "error": "error"}.get(status, status)


def _baseline_ns(results: list[dict[str, Any]], key: str, base: str) -> float | None:
    return _median(
        [e["vs"][base]["ns"] for r in results if (e := _ok(r, key)) is not None]
    )


SHORT = {
    "a": "a: 10-class graph",
    "b": "b: singleton",
    "c": "c: scope",
    "d": "d: async scope",
    "e": "e: build 200",
    "f": "f: build + resolve 200",
    "ctx": "ctx: context logger",
    "comp": "comp: component",
    "tenant": "tenant: custom scope",
    "ovr": "ovr: override",
}


def _scenario_tables(
    report: dict[str, Any], keys: list[str], results: list[dict[str, Any]], indent: str
) -> list[str]:
    scenarios = report["scenarios"]
    header = ["library", *(SHORT.get(k, k) for k in keys)]
    # the floor's rows come after the libraries', next to the baselines
    results = sorted(results, key=is_reference)
    pure_rows = [
        [label(r), *(_cell(r["scenarios"].get(k), "pure", False) for k in keys)]
        for r in results
    ]
    hand_ratio = ["*hand-written*"]
    for k in keys:
        hand = _median(
            [
                e["vs"]["hand"]["ns"] / e["vs"]["pure"]["ns"]
                for r in results
                if (e := _ok(r, k)) is not None
            ]
        )
        hand_ratio.append(_x(hand) if hand else "")
    pure_rows += [["*pure construction*", *(f"1.00{TIMES}" for _ in keys)], hand_ratio]
    hand_rows = [
        [label(r), *(_cell(r["scenarios"].get(k), "hand", False) for k in keys)]
        for r in results
    ]
    hand_rows.append(["*hand-written*", *(f"1.00{TIMES}" for _ in keys)])
    targets = [scenarios[k].get("target") for k in keys]
    if any(targets):
        hand_rows.append(
            ["*wiredi target*", *(f"≤ {t}{TIMES}" if t else "" for t in targets)]
        )
    time_rows = [
        [
            label(r),
            *(
                _ns(e["ns"])
                if (e := _ok(r, k))
                else _cell(r["scenarios"].get(k), "", False)
                for k in keys
            ),
        ]
        for r in results
    ]
    for name, base in (("*pure construction*", "pure"), ("*hand-written*", "hand")):
        values = [_baseline_ns(results, k, base) for k in keys]
        time_rows.append([name, *(_ns(v) if v else "" for v in values)])
    return [
        f"{indent}Ratio to **pure construction**"
        + (" (the chart's numbers):" if set(keys) <= set(CORE) else ":"),
        "",
        _table(header, pure_rows, indent),
        "",
        f"{indent}Ratio to **hand-written** code:",
        "",
        _table(header, hand_rows, indent),
        "",
        f"{indent}Time per operation (baselines: median over the libraries' runs):",
        "",
        _table(header, time_rows, indent),
    ]


def _memory_table(results: list[dict[str, Any]], indent: str) -> str:
    rows = []
    base: dict[str, Any] | None = None
    for r in sorted(results, key=is_reference):
        memory = r.get("memory")
        if not memory:
            continue
        if "error" in memory or "vs" not in memory:
            rows.append([label(r), "error", "", "", ""])
            continue
        base = base or memory["vs"]
        rows.append(
            [
                label(r),
                f"{memory['peak']:.0f}",
                f"{memory['peak'] / max(memory['vs']['pure']['peak'], 1):.1f}{TIMES}",
                f"{memory['peak'] / max(memory['vs']['hand']['peak'], 1):.1f}{TIMES}",
                f"{memory['growth']:.1f}",
            ]
        )
    if not rows:
        return ""
    if base is not None:
        for name, key in (("*pure construction*", "pure"), ("*hand-written*", "hand")):
            rows.append(
                [name, f"{base[key]['peak']:.0f}", "", "", f"{base[key]['growth']:.1f}"]
            )
    header = [
        "library",
        "peak bytes / scope",
        "vs pure",
        "vs hand-written",
        "bytes kept / scope (growth)",
    ]
    return _table(header, rows, indent)


def best_peer(
    results: list[dict[str, Any]], key: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The peer row (any configuration) with the lowest ratio to pure
    construction; the floor is a reference, not a peer."""
    rows = [
        (entry["vs"]["pure"]["ratio"], r, entry)
        for r in results
        if r["library"] != "wiredi"
        and not is_reference(r)
        and (entry := _ok(r, key)) is not None
    ]
    if not rows:
        return None
    _, result, entry = min(rows, key=lambda row: row[0])
    return result, entry


def summary_table(
    report: dict[str, Any], keys: tuple[str, ...], indent: str = ""
) -> str:
    """wiredi and the best peer per scenario, against both baselines."""
    ran = [r for r in report["results"] if r["status"] == "ok"]
    wiredi = next((r for r in ran if r["library"] == "wiredi"), None)
    floor = next((r for r in ran if is_reference(r)), None)
    rows = []
    for key in keys:
        if key not in report["scenarios"]:
            continue
        mine = _ok(wiredi, key) if wiredi else None
        least = _ok(floor, key) if floor else None
        best = best_peer(ran, key)
        wins = (
            mine is not None
            and best is not None
            and mine["vs"]["pure"]["ratio"] < best[1]["vs"]["pure"]["ratio"]
        )

        def fmt(entry: dict[str, Any] | None, base: str, bold: bool) -> str:
            if entry is None:
                return "—"
            text = _x(entry["vs"][base]["ratio"])
            return f"**{text}**" if bold else text

        peer = (
            f"{fmt(best[1], 'pure', False)} / {fmt(best[1], 'hand', False)}"
            f" — {label(best[0])}"
            if best
            else "—"
        )
        rows.append(
            [
                report["scenarios"][key]["title"],
                fmt(mine, "pure", wins),
                fmt(mine, "hand", wins),
                peer,
                *([fmt(least, "pure", False)] if floor else []),
            ]
        )
    header = [
        "operation",
        "wiredi vs pure construction",
        "wiredi vs hand-written",
        "best peer: vs pure / vs hand-written",
        *(["floor (minimal container) vs pure"] if floor else []),
    ]
    return _table(header, rows, indent)


def _has_unsafe(results: list[dict[str, Any]]) -> bool:
    return any(not r.get("thread_safe", True) for r in results)


def _notes(results: list[dict[str, Any]]) -> list[str]:
    notes = []
    for r in results:
        if r["status"] != "ok":
            notes.append(f"- {r['library']}: {r['status']} — {r.get('note', '')}")
            continue
        if r.get("mode"):
            notes.append(f"- {label(r)}: {r['mode']}")
        for key, entry in r["scenarios"].items():
            if entry["status"] != "ok" and entry.get("note"):
                notes.append(
                    f"- {r['library']}, {key}: {entry['status']} — {entry['note']}"
                )
    return notes


def run_line(report: dict[str, Any]) -> str:
    clock = {"cpu": "CPU time", "wall": "wall-clock time"}.get(
        report.get("clock", "wall")
    )
    return (
        f"{report['implementation']} {report['python']} on {report['machine']},"
        f" {report['date']}"
        + (" (quick run" if report["quick"] else " (full run")
        + f", {clock})"
    )


def baselines_table(keys: list[str]) -> str:
    rows = [[k, *BASELINES[k]] for k in keys if k in BASELINES]
    return _table(["scenario", "pure construction", "hand-written"], rows)


def results_markdown(
    report: dict[str, Any], indent: str = "", scaling: bool = True
) -> str:
    """The result tables of one run (one interpreter)."""
    ran = [r for r in report["results"] if r["status"] == "ok"]
    core = [k for k in report["scenarios"] if k in CORE]
    parts: list[str] = []
    if report["quick"]:
        parts += [indent + QUICK_WARNING, ""]
    if core and ran:
        parts += _scenario_tables(report, core, ran, indent)
        if _has_unsafe(ran):
            parts += ["", indent + NOT_THREAD_SAFE]
    wiredi = [r for r in ran if r["library"] == "wiredi"]
    features = [k for k in report["scenarios"] if k in FEATURES]
    if features and wiredi:
        parts += ["", f"{indent}wiredi's own features:", ""]
        parts += _scenario_tables(report, features, wiredi, indent)
    memory = _memory_table(ran, indent)
    if memory:
        parts += [
            "",
            (
                f"{indent}Memory per request scope (scenario c, tracemalloc): peak bytes"
                " held during one scope, and bytes still held per scope after many."
            ),
            "",
            memory,
        ]
    scaling_tables = scaling_markdown(report, indent) if scaling else ""
    if scaling_tables:
        parts += ["", scaling_tables]
    notes = _notes(report["results"])
    if notes:
        parts += ["", f"{indent}Notes:", "", *(indent + n for n in notes)]
    return "\n".join(parts)


def scaling_markdown(report: dict[str, Any], indent: str = "") -> str:
    scaling = report.get("scaling")
    if not scaling:
        return ""
    if "error" in scaling:
        return f"{indent}Scaling: error — {scaling['error']}"
    parts = [f"{indent}Scaling (wiredi):", ""]
    rows = []
    first: dict[str, float] = {}
    for entry in scaling["registrations"]:
        n = entry["n"]
        if entry["status"] != "ok":
            rows.append([f"{n:,}", entry["status"], "", "", "", "", ""])
            continue
        cells = [f"{n:,}"]
        for what in ("build", "build_resolve"):
            m = entry[what]
            per = m["ns"] / n
            first.setdefault(what, per)
            cells += [
                f"{_ns(m['ns'])} ({_ns(per)} each, {per / first[what]:.2f}{TIMES})",
                _x(m["vs"]["pure"]["ratio"]),
                _x(m["vs"]["hand"]["ratio"]),
            ]
        rows.append(cells)
    parts.append(
        _table(
            [
                "registrations",
                "build (per registration, vs 200)",
                "vs pure",
                "vs hand-written",
                "build + first resolve (per registration, vs 200)",
                "vs pure",
                "vs hand-written",
            ],
            rows,
            indent,
        )
    )
    verdict = _linearity(scaling["registrations"])
    if verdict:
        parts += ["", indent + verdict]
    rows = []
    for entry in scaling["depth"]:
        if entry["status"] != "ok":
            rows.append([str(entry["depth"]), entry["status"], "", ""])
            continue
        rows.append(
            [
                str(entry["depth"]),
                f"{_ns(entry['ns'])} ({_ns(entry['ns'] / entry['depth'])} a level)",
                _ns(entry["vs"]["pure"]["ns"]),
                _x(entry["vs"]["pure"]["ratio"]),
            ]
        )
    parts += [
        "",
        _table(
            [
                "transient chain depth",
                "wiredi resolve",
                "pure construction (= hand-written)",
                "ratio",
            ],
            rows,
            indent,
        ),
    ]
    rows = []
    for entry in scaling["open_scopes"]:
        if entry["status"] != "ok":
            rows.append([f"{entry['count']:,}", entry["status"], "", ""])
            continue
        rows.append(
            [
                f"{entry['count']:,}",
                f"{entry['bytes']:.0f}",
                f"{entry['hand']:.0f}",
                f"{entry['pure']:.0f}",
            ]
        )
    parts += [
        "",
        _table(
            [
                "request scopes open at once",
                "wiredi bytes / open scope",
                "hand-written (`HandScope`)",
                "pure (the object graph alone)",
            ],
            rows,
            indent,
        ),
    ]
    return "\n".join(parts)


def _linearity(entries: list[dict[str, Any]]) -> str:
    ok = [e for e in entries if e["status"] == "ok"]
    if len(ok) < 2:
        return ""
    small, big = ok[0], ok[-1]
    growth = {
        what: (big[what]["ns"] / big["n"]) / (small[what]["ns"] / small["n"])
        for what in ("build", "build_resolve")
    }
    worst = max(growth.values())
    verdict = (
        "close to linear"
        if worst <= 1.5
        else "growing faster than linear"
        if worst > 2
        else "a little worse than linear"
    )
    return (
        f"Per registration, {big['n']:,} registrations cost"
        f" {growth['build']:.2f}{TIMES} what {small['n']:,} do to build and"
        f" {growth['build_resolve']:.2f}{TIMES} to build and first resolve:"
        f" {verdict}."
    )


def render(report: dict[str, Any]) -> str:
    """The console report of one run."""
    ran = [r for r in report["results"] if r["status"] == "ok"]
    keys = [k for k in report["scenarios"] if k in CORE]
    parts = [
        f"wiredi benchmarks — {run_line(report)}",
        "",
        "Two baselines; ratio = library time / baseline time for the same objects",
        "(median of rounds timed back to back), then library time per operation;",
        "— = not supported.",
        "- " + PURE_MEANS.replace("**", ""),
        "- " + HAND_MEANS.replace("**", ""),
        "- " + FLOOR_MEANS.replace("**", ""),
        "",
        baselines_table(keys) if keys else "",
        "",
        results_markdown(report),
    ]
    if keys and any(r["library"] == "wiredi" for r in ran):
        parts += ["", "wiredi and the best peer row:", "", summary_table(report, CORE)]
        if _has_unsafe(ran):
            parts += ["", NOT_THREAD_SAFE.replace("`", "")]
    return "\n".join(parts)


# --- charts ---------------------------------------------------------------------
# Sized for the docs: mkdocs-material shows a page's content ~700-800 px wide,
# and an SVG is drawn at its own width (7.2 in = 691 px) or scaled down to the
# content width. At 9 pt (12 px) the smallest text stays >= 11 px down to a
# 640 px wide column.

WIDTH_IN = 7.2
FONT_PT = 9
ORANGE = "#d9480f"
BLUE = "#4c6ef5"
GREY = "#868e96"
GREEN = "#2b8a3e"


def _pyplot() -> Any:
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": FONT_PT,
            "axes.titlesize": FONT_PT + 1,
            "axes.labelsize": FONT_PT,
            "xtick.labelsize": FONT_PT,
            "ytick.labelsize": FONT_PT,
            "legend.fontsize": FONT_PT,
            "svg.hashsalt": "wiredi",  # stable ids: diffs show only real changes
        }
    )
    return plt


def _stamp(fig: Any, report: dict[str, Any], title: str) -> None:
    line = f"{title} — CPython {report['python']}, {report['date'][:10]}"
    if report["quick"]:
        fig.suptitle(
            line + "\nQUICK RUN: noisy, replace with a full run",
            fontsize=FONT_PT + 1,
            color="#c92a2a",
        )
    else:
        fig.suptitle(line, fontsize=FONT_PT + 1)


def chart(report: dict[str, Any], path: Path) -> Path | None:
    """One panel per core scenario: each library's ratio to pure construction."""
    plt = _pyplot()
    from matplotlib import ticker

    ran = [r for r in report["results"] if r["status"] == "ok"]
    floor = next((r for r in ran if is_reference(r)), None)
    ran = [r for r in ran if not is_reference(r)]
    keys = [k for k in report["scenarios"] if k in CORE]
    panels = []
    for key in keys:
        bars = sorted(
            ((e["vs"]["pure"]["ratio"], r, e) for r in ran if (e := _ok(r, key))),
            key=lambda bar: bar[0],
        )
        if bars:
            panels.append((key, bars))
    if not panels:
        return None
    heights = [0.75 + 0.19 * len(bars) for _, bars in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(WIDTH_IN, sum(heights) + 0.8),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
        layout="constrained",
    )
    for ax, (key, bars) in zip(axes[:, 0], panels, strict=True):
        names = [label(r, version=False) for _, r, _ in bars]
        ratios = [ratio for ratio, _, _ in bars]
        colors = [ORANGE if r["library"] == "wiredi" else BLUE for _, r, _ in bars]
        rects = ax.barh(range(len(bars)), ratios, color=colors, height=0.7)
        for rect, (_, r, _) in zip(rects, bars, strict=True):
            if not r.get("thread_safe", True):
                rect.set_hatch("///")
                rect.set_edgecolor("white")
        ax.set_yticks(range(len(bars)), names)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(
            ticker.FuncFormatter(lambda v, _: f"{v:,g}{TIMES}")
        )
        ax.invert_yaxis()
        ax.axvline(1.0, color="black", linewidth=1)
        hand = _median(
            [e["vs"]["hand"]["ns"] / e["vs"]["pure"]["ns"] for *_, e in bars]
        )
        if hand:
            ax.axvline(hand, color=GREY, linestyle="--", linewidth=1)
        floor_entry = _ok(floor, key) if floor else None
        floor_ratio = floor_entry["vs"]["pure"]["ratio"] if floor_entry else None
        if floor_ratio:
            ax.axvline(floor_ratio, color=GREEN, linestyle=":", linewidth=1.5)
        ax.set_title(
            f"{key}: {report['scenarios'][key]['title']}"
            f"  (dashed: hand-written, {_x(hand)}"
            + (f"; dotted: floor, {_x(floor_ratio)}" if floor_ratio else "")
            + ")",
            loc="left",
        )
        right = max(ratios) * 4
        ax.set_xlim(min(0.8, min(ratios) * 0.8, (floor_ratio or 1) * 0.8), right)
        for y, ratio in enumerate(ratios):
            ax.annotate(
                _x(ratio),
                (ratio, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
            )
        ax.margins(y=0.02)
    axes[-1, 0].set_xlabel(
        f"{TIMES} pure construction (log scale, lower is better)"
        + ("; floor: a minimal reference container" if floor else "")
        + (f"; {DAGGER} not thread-safe" if _has_unsafe(ran) else "")
    )
    _stamp(fig, report, "Container time / pure construction")
    fig.savefig(path)
    plt.close(fig)
    return path


def scaling_chart(report: dict[str, Any], path: Path) -> Path | None:
    """Scaling of wiredi: registrations, depth, memory per open scope."""
    scaling = report.get("scaling")
    if not scaling or "error" in scaling:
        return None
    plt = _pyplot()
    from matplotlib import ticker

    fig, axes = plt.subplots(2, 2, figsize=(WIDTH_IN, 6.4), layout="constrained")
    regs = [e for e in scaling["registrations"] if e["status"] == "ok"]
    for ax, what, title in (
        (axes[0, 0], "build", "build"),
        (axes[0, 1], "build_resolve", "build + first resolve"),
    ):
        if not regs:
            ax.axis("off")
            continue
        ns = [e["n"] for e in regs]
        lines = (
            ("wiredi", [e[what]["ns"] / e["n"] for e in regs], ORANGE, "o-"),
            (
                "hand-written",
                [e[what]["vs"]["hand"]["ns"] / e["n"] for e in regs],
                GREY,
                "s--",
            ),
            (
                "pure construction",
                [e[what]["vs"]["pure"]["ns"] / e["n"] for e in regs],
                "black",
                "^:",
            ),
        )
        for name, values, color, style in lines:
            ax.plot(ns, [v / 1000 for v in values], style, color=color, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xticks(ns, [f"{n:,}" for n in ns])
        ax.minorticks_off()
        ax.set_title(f"{title}: µs per registration", loc="left")
        ax.set_xlabel("registrations (flat = linear)")
    axes[0, 0].legend(loc="best", frameon=False)

    ax = axes[1, 0]
    depth = [e for e in scaling["depth"] if e["status"] == "ok"]
    if depth:
        xs = range(len(depth))
        width = 0.38
        ax.bar(
            [x - width / 2 for x in xs],
            [e["ns"] / e["depth"] for e in depth],
            width,
            color=ORANGE,
            label="wiredi",
        )
        ax.bar(
            [x + width / 2 for x in xs],
            [e["vs"]["pure"]["ns"] / e["depth"] for e in depth],
            width,
            color=GREY,
            label="pure construction",
        )
        for x, e in zip(xs, depth, strict=True):
            ax.annotate(
                _x(e["vs"]["pure"]["ratio"]),
                (x - width / 2, e["ns"] / e["depth"]),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
            )
        ax.set_xticks(list(xs), [f"depth {e['depth']}" for e in depth])
        ax.set_ylim(0, max(e["ns"] / e["depth"] for e in depth) * 1.5)
        ax.set_title("transient chain: ns per level", loc="left")
        ax.legend(loc="upper left", frameon=False, ncols=2)
    else:
        ax.axis("off")

    ax = axes[1, 1]
    scopes = [e for e in scaling["open_scopes"] if e["status"] == "ok"]
    if scopes:
        counts = [e["count"] for e in scopes]
        for name, key, color, style in (
            ("wiredi", "bytes", ORANGE, "o-"),
            ("hand-written", "hand", GREY, "s--"),
            ("pure", "pure", "black", "^:"),
        ):
            ax.plot(counts, [e[key] for e in scopes], style, color=color, label=name)
        ax.set_xscale("log")
        ax.set_xticks(counts, [f"{c:,}" for c in counts])
        ax.minorticks_off()
        ax.set_ylim(0, max(e["bytes"] for e in scopes) * 1.7)
        ax.set_title("bytes per open request scope", loc="left")
        ax.set_xlabel("scopes open at once")
        ax.legend(loc="upper left", frameon=False, ncols=2)
    else:
        ax.axis("off")
    _stamp(fig, report, "wiredi scaling")
    fig.savefig(path)
    plt.close(fig)
    return path
