"""Paired timing: a library op and its baselines, back to back, many times.

Each side (the library's operation, the pure-construction baseline, the
hand-written baseline) is timed over a batch of N calls with
``time.perf_counter_ns`` (or, with ``use_clock("cpu")``, the process's CPU
time); one round times a batch of each, back to back, and
gives one ratio per baseline (library ns/op over baseline ns/op). The reported
ratio is the median over all rounds. Whatever slows the machine down during a
round slows every side, so it cancels in the ratio. The order inside a round
rotates, and the garbage collector is off while sizing and timing (as in
``timeit``) and run between rounds.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import statistics
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from time import perf_counter_ns, process_time_ns
from typing import Any


@dataclass(frozen=True)
class Settings:
    pairs: int  # at most this many rounds ...
    budget_ns: int  # ... and fewer when they would take longer than this
    batch_ns: int  # each batch is sized to last about this long
    warmup: int
    min_rounds: int = 3  # even when one round takes longer than the budget
    limit_ns: int | None = None  # quick mode: give up on a scenario after this


QUICK = Settings(
    pairs=11,
    budget_ns=10**9,
    batch_ns=1_000_000,
    warmup=50,
    min_rounds=1,
    limit_ns=4 * 10**9,
)
FULL = Settings(pairs=41, budget_ns=20 * 10**9, batch_ns=5_000_000, warmup=500)


class TooSlow(BaseException):
    """Quick mode: a scenario took longer than ``Settings.limit_ns``.

    A BaseException, so that a library's ``except Exception`` cannot turn it
    into an error of its own."""


@contextmanager
def time_limit(limit_ns: int | None) -> Iterator[None]:
    """Raise TooSlow inside the block after ``limit_ns`` of elapsed time (POSIX,
    main thread; elsewhere no limit). Not a CPU-time timer: on Linux an armed
    ITIMER_PROF or ITIMER_VIRTUAL makes the process CPU clock (the "cpu"
    clock above) tick-coarse, milliseconds instead of nanoseconds."""
    if limit_ns is None or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TooSlow(f"gave up after {limit_ns / 1e9:.0f} s (quick mode)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit_ns / 1e9)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (one runs at its end)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@dataclass(frozen=True)
class Versus:
    """The library against one baseline."""

    ratio: float  # median of per-round ratios
    ratio_min: float
    ratio_max: float
    ns: float  # baseline ns/op, median over rounds
    n: int  # baseline calls per batch


@dataclass(frozen=True)
class Measurement:
    ns: float  # library ns/op, median over rounds
    pairs: int  # rounds timed
    n: int  # library calls per batch
    vs: dict[str, Versus]  # baseline name -> ratios

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# "wall": time.perf_counter_ns, elapsed time. "cpu": time.process_time_ns, the
# CPU time of this process: the time another process holds the core is not
# counted, so a busy shared machine disturbs the figures far less (every
# operation here is single-threaded, CPU-bound, with nothing to wait for).
CLOCKS = {"wall": perf_counter_ns, "cpu": process_time_ns}
_now = perf_counter_ns


def use_clock(name: str) -> None:
    global _now
    _now = CLOCKS[name]


def _batch(op: Callable[[], Any], n: int) -> int:
    loop = range(n)
    now = _now
    start = now()
    for _ in loop:
        op()
    return now() - start


async def _abatch(op: Callable[[], Awaitable[Any]], n: int) -> int:
    loop = range(n)
    now = _now
    start = now()
    for _ in loop:
        await op()
    return now() - start


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


def _warmup(first_ns: int, settings: Settings) -> int:
    return min(settings.warmup, int(settings.budget_ns // 20 // max(first_ns, 1)))


def _rounds(round_ns: float, settings: Settings) -> int:
    return max(
        settings.min_rounds,
        min(settings.pairs, int(settings.budget_ns // max(round_ns, 1))),
    )


def _unique(baselines: dict[str, Callable[[], Any]]) -> list[Callable[[], Any]]:
    """The distinct baseline functions: one that two names share is timed once."""
    seen: list[Callable[[], Any]] = []
    for fn in baselines.values():
        if not any(fn is other for other in seen):
            seen.append(fn)
    return seen


def _summarize(
    times: list[list[float]],
    sides: list[Callable[[], Any]],
    sizes: list[int],
    baselines: dict[str, Callable[[], Any]],
) -> Measurement:
    lib = times[0]
    vs = {}
    for name, fn in baselines.items():
        k = next(i for i, side in enumerate(sides) if side is fn)
        ratios = [x / y for x, y in zip(lib, times[k], strict=True)]
        vs[name] = Versus(
            ratio=statistics.median(ratios),
            ratio_min=min(ratios),
            ratio_max=max(ratios),
            ns=statistics.median(times[k]),
            n=sizes[k],
        )
    return Measurement(ns=statistics.median(lib), pairs=len(lib), n=sizes[0], vs=vs)


def measure(
    op: Callable[[], Any],
    baselines: dict[str, Callable[[], Any]],
    settings: Settings,
) -> Measurement:
    """Time ``op`` and each baseline in rounds: one batch of each, back to back,
    the order rotating from round to round; ratios are per round."""
    sides = [op, *_unique(baselines)]
    gc.collect()
    gc.disable()  # sizing as well as timing: with a big graph a collection
    try:  # would cost more than the operation
        first = [_batch(side, 1) for side in sides]
        for side, first_ns in zip(sides, first, strict=True):
            for _ in range(_warmup(first_ns, settings)):
                side()
        sizes = [
            _calibrate(lambda k, side=side: _batch(side, k), first_ns, settings)
            for side, first_ns in zip(sides, first, strict=True)
        ]
        rounds = _rounds(
            sum(n * t for n, t in zip(sizes, first, strict=True)), settings
        )
        times: list[list[float]] = [[] for _ in sides]
        spent = 0
        for i in range(rounds):
            gc.collect()
            start = i % len(sides)
            for k in [*range(start, len(sides)), *range(start)]:
                elapsed = _batch(sides[k], sizes[k])
                spent += elapsed
                times[k].append(elapsed / sizes[k])
            if i + 1 >= settings.min_rounds and spent > settings.budget_ns:
                break
    finally:
        gc.enable()
    return _summarize(times, sides, sizes, baselines)


def measure_async(
    op: Callable[[], Awaitable[Any]],
    baselines: dict[str, Callable[[], Awaitable[Any]]],
    settings: Settings,
) -> Measurement:
    """``measure`` for coroutine functions, inside one event loop."""

    async def run() -> Measurement:
        sides = [op, *_unique(baselines)]
        gc.collect()
        gc.disable()
        try:
            first = [await _abatch(side, 1) for side in sides]
            for side, first_ns in zip(sides, first, strict=True):
                for _ in range(_warmup(first_ns, settings)):
                    await side()
            sizes = [
                await _acalibrate(side, first_ns, settings)
                for side, first_ns in zip(sides, first, strict=True)
            ]
            rounds = _rounds(
                sum(n * t for n, t in zip(sizes, first, strict=True)), settings
            )
            times: list[list[float]] = [[] for _ in sides]
            spent = 0
            for i in range(rounds):
                gc.collect()
                start = i % len(sides)
                for k in [*range(start, len(sides)), *range(start)]:
                    elapsed = await _abatch(sides[k], sizes[k])
                    spent += elapsed
                    times[k].append(elapsed / sizes[k])
                if i + 1 >= settings.min_rounds and spent > settings.budget_ns:
                    break
        finally:
            gc.enable()
        return _summarize(times, sides, sizes, baselines)

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
    op: Callable[[], Any], baselines: dict[str, Callable[[], Any]], runs: int
) -> dict[str, Any]:
    """Memory of one request scope, from tracemalloc.

    ``peak``: the most memory held at once during one scope, above what was
    held before it (median of ``runs``). ``growth``: memory still held after
    ``runs`` scopes, divided by ``runs`` (a per-request leak or an unbounded
    cache shows here; allocator free lists amortise away). The same two
    figures for each baseline are under ``vs``.
    """

    def measure(fn: Callable[[], Any]) -> dict[str, float]:
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
        return {"peak": statistics.median(peaks), "growth": growth}

    for _ in range(20):
        op()
        for fn in baselines.values():
            fn()
    tracemalloc.start()
    try:
        result: dict[str, Any] = measure(op)
        result["vs"] = {name: measure(fn) for name, fn in baselines.items()}
    finally:
        tracemalloc.stop()
    return result


def open_scope_bytes(
    open_one: Callable[[], Any], close_one: Callable[[Any], Any], count: int
) -> float:
    """Bytes held per open scope with ``count`` scopes open at once.

    ``open_one()`` opens one scope, resolves the scoped service in it and
    returns the scope; ``close_one(scope)`` closes it. The list that keeps
    them is allocated before the first reading, so only what the scopes hold
    is counted.
    """
    held: list[Any] = [None] * count
    for _ in range(20):
        close_one(open_one())
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(count):
            held[i] = open_one()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        for scope in held:
            if scope is not None:
                close_one(scope)
    return (after - before) / count
