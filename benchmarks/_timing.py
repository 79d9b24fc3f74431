"""Paired timing: a library op and its baseline, back to back, many times.

Each side is timed over a batch of N calls with ``time.perf_counter_ns``; a
pair gives one ratio (library ns/op over baseline ns/op), and the reported
ratio is the median over all pairs. Whatever slows the machine down during a
pair slows both sides, so it cancels in the ratio. The order inside a pair
alternates, and the garbage collector is off inside a batch (as in ``timeit``)
and run between pairs.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from time import perf_counter_ns
from typing import Any


@dataclass(frozen=True)
class Settings:
    pairs: int  # at most this many pairs ...
    budget_ns: int  # ... and fewer when they would take longer than this
    batch_ns: int  # each batch is sized to last about this long
    warmup: int


QUICK = Settings(pairs=7, budget_ns=3 * 10**9, batch_ns=1_000_000, warmup=50)
FULL = Settings(pairs=41, budget_ns=20 * 10**9, batch_ns=5_000_000, warmup=500)
MIN_PAIRS = 3


@dataclass(frozen=True)
class Measurement:
    ratio: float  # median of per-pair ratios
    ns: float  # library ns/op, median over pairs
    base_ns: float  # baseline ns/op, median over pairs
    ratio_min: float
    ratio_max: float
    pairs: int
    n: int  # library calls per batch
    base_n: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _batch(op: Callable[[], Any], n: int) -> int:
    loop = range(n)
    start = perf_counter_ns()
    for _ in loop:
        op()
    return perf_counter_ns() - start


async def _abatch(op: Callable[[], Awaitable[Any]], n: int) -> int:
    loop = range(n)
    start = perf_counter_ns()
    for _ in loop:
        await op()
    return perf_counter_ns() - start


def _size(one_call_ns: int, settings: Settings) -> int:
    return max(1, settings.batch_ns // max(one_call_ns, 1))


def _summarize(lib: list[float], base: list[float], n: int, base_n: int) -> Measurement:
    ratios = [x / y for x, y in zip(lib, base, strict=True)]
    return Measurement(
        ratio=statistics.median(ratios),
        ns=statistics.median(lib),
        base_ns=statistics.median(base),
        ratio_min=min(ratios),
        ratio_max=max(ratios),
        pairs=len(ratios),
        n=n,
        base_n=base_n,
    )


def _calibrate(batch: Callable[[int], int], first_ns: int, settings: Settings) -> int:
    """Calls per batch so that one batch lasts about ``settings.batch_ns``."""
    if first_ns >= settings.batch_ns:
        return 1
    n = 1
    while True:
        elapsed = min(batch(n) for _ in range(3))  # a stray pause must not shrink n
        if elapsed >= settings.batch_ns // 10 or n >= 1 << 24:
            return max(1, settings.batch_ns * n // max(elapsed, 1))
        n *= 4


def _pairs(
    n: int, op_ns: float, base_n: int, base_ns: float, settings: Settings
) -> int:
    pair_ns = n * op_ns + base_n * base_ns
    return max(
        MIN_PAIRS, min(settings.pairs, int(settings.budget_ns // max(pair_ns, 1)))
    )


def _warmup(first_ns: int, settings: Settings) -> int:
    return min(settings.warmup, int(settings.budget_ns // 20 // max(first_ns, 1)))


def paired(
    op: Callable[[], Any], baseline: Callable[[], Any], settings: Settings
) -> Measurement:
    first, base_first = _batch(op, 1), _batch(baseline, 1)
    for _ in range(_warmup(first, settings)):
        op()
    for _ in range(_warmup(base_first, settings)):
        baseline()
    n = _calibrate(lambda k: _batch(op, k), first, settings)
    base_n = _calibrate(lambda k: _batch(baseline, k), base_first, settings)
    pairs = _pairs(n, first, base_n, base_first, settings)
    lib: list[float] = []
    base: list[float] = []
    try:
        for i in range(pairs):
            gc.collect()
            gc.disable()
            if i % 2:
                b = _batch(baseline, base_n)
                a = _batch(op, n)
            else:
                a = _batch(op, n)
                b = _batch(baseline, base_n)
            gc.enable()
            lib.append(a / n)
            base.append(b / base_n)
            if (
                i >= MIN_PAIRS
                and sum(lib) * n + sum(base) * base_n > settings.budget_ns
            ):
                break
    finally:
        gc.enable()
    return _summarize(lib, base, n, base_n)


def paired_async(
    op: Callable[[], Awaitable[Any]],
    baseline: Callable[[], Awaitable[Any]],
    settings: Settings,
) -> Measurement:
    async def run() -> Measurement:
        first, base_first = await _abatch(op, 1), await _abatch(baseline, 1)
        for _ in range(_warmup(first, settings)):
            await op()
        for _ in range(_warmup(base_first, settings)):
            await baseline()
        n = await _acalibrate(op, first, settings)
        base_n = await _acalibrate(baseline, base_first, settings)
        lib: list[float] = []
        base: list[float] = []
        try:
            for i in range(_pairs(n, first, base_n, base_first, settings)):
                gc.collect()
                gc.disable()
                if i % 2:
                    b = await _abatch(baseline, base_n)
                    a = await _abatch(op, n)
                else:
                    a = await _abatch(op, n)
                    b = await _abatch(baseline, base_n)
                gc.enable()
                lib.append(a / n)
                base.append(b / base_n)
        finally:
            gc.enable()
        return _summarize(lib, base, n, base_n)

    return asyncio.run(run())


async def _acalibrate(
    op: Callable[[], Awaitable[Any]], first_ns: int, settings: Settings
) -> int:
    if first_ns >= settings.batch_ns:
        return 1
    n = 1
    while True:
        elapsed = min([await _abatch(op, n) for _ in range(3)])
        if elapsed >= settings.batch_ns // 10 or n >= 1 << 24:
            return max(1, settings.batch_ns * n // max(elapsed, 1))
        n *= 4


def scope_bytes(
    op: Callable[[], Any], baseline: Callable[[], Any], runs: int
) -> dict[str, float]:
    """Memory of one request scope, from tracemalloc.

    ``peak``: the most memory held at once during one scope, above what was
    held before it (median of ``runs``). ``growth``: memory still held after
    ``runs`` scopes, divided by ``runs`` (a per-request leak or an unbounded
    cache shows here; allocator free lists amortise away).
    """

    def measure(fn: Callable[[], Any]) -> tuple[float, float]:
        peaks = []
        for _ in range(runs):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            fn()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
        gc.collect()
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(runs):
            fn()
        gc.collect()
        growth = (tracemalloc.get_traced_memory()[0] - start) / runs
        return statistics.median(peaks), growth

    for _ in range(20):
        op()
        baseline()
    tracemalloc.start()
    try:
        peak, growth = measure(op)
        base_peak, base_growth = measure(baseline)
    finally:
        tracemalloc.stop()
    return {
        "peak": peak,
        "growth": growth,
        "base_peak": base_peak,
        "base_growth": base_growth,
    }
