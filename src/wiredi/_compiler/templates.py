"""Source templates of the lifetime wrappers around a registration's ``build``.

Each template is filled for one mode: sync or async, and with or without a
``CurrentGraph`` (``g``) threaded through. Placeholders are internal constants;
no user text is ever substituted.
"""

from __future__ import annotations

import functools

__all__ = ["TEMPLATES", "fill", "scoped_merged"]

# Sync: create under the lock, double-checked; reads take no lock. Locks are
# taken with acquire()/release(): on CPython 3.11 that is about three times
# cheaper than a ``with`` block. A thread that waited for another's attempt
# shares its outcome: the object, or the exception it failed with (then the
# next call attempts again).
_SINGLETON_SYNC = """
def wrapper({args}):
    v = slot.value
    if v is not EMPTY:
        {record_v}
        return v
    if slot.lock.acquire(False):
        attempt = None
    else:
        attempt = slot.attempt  # the attempt under way, if it has started
        WAITS.acquire(slot, R)  # another thread builds it: wait, unless a cycle
    mine = WAITS.started(slot, R, THREAD())
    try:
        v = slot.value
        if v is EMPTY:
            if attempt is not None and attempt.error is not None:
                SHARED(attempt.error, R)
            slot.attempt = attempt = ATTEMPT()
            try:
                v = build({root_args})
            except Exception as e:
                attempt.error = e
                raise
            finally:
                slot.attempt = attempt = None
            slot.value = v
        else:
            {record_v}
        return v
    finally:
        if mine:
            WAITS.finished(slot)
        slot.lock.release()
"""

# Async: never hold a thread lock across an await; one task creates, the
# others wait on a future (thread-safe, loop-agnostic) and then re-check. If
# the creation fails, the waiters get its exception (FAIL) instead of each
# attempting again in turn; a cancelled creation lets them attempt again.
_SINGLETON_ASYNC = """
async def wrapper({args}):
    while True:
        v = slot.value
        if v is not EMPTY:
            {record_v}
            return v
        slot.lock.acquire()
        try:
            v = slot.value
            if v is EMPTY:
                pending = slot.pending
                if pending is None:
                    pending = slot.pending = NEW_FUTURE()
                    WAITS.started(slot, R, OWNER())
                    break
        finally:
            slot.lock.release()
        await WAIT_BUILDER(pending, R, slot)
    try:
        v = await build({root_args})
    except BaseException as e:
        slot.lock.acquire()
        try:
            slot.pending = None
        finally:
            slot.lock.release()
        WAITS.finished(slot)
        FAIL(pending, e)
        raise
    slot.lock.acquire()
    try:
        slot.value = v
        slot.pending = None
    finally:
        slot.lock.release()
    WAITS.finished(slot)
    RELEASE(pending)
    return v
"""

# Sync scoped: no lock when nobody else builds it. The builder claims the
# entry with an atomic ``dict.setdefault`` of a fresh claim
# ``[thread, waiters, error]`` under the registration's claim key ``CK``, and
# removes the claim when done; only a thread that finds another's claim goes
# to CONTENDED (waits, unless that closes a cycle, then shares the outcome).
# The builder stores its result (or its error) and removes the claim before it
# reads ``claim[1]``; a waiter sets ``claim[1]`` before it checks the claim is
# still there: one of them always sees the other.
_SCOPED_SYNC = """
def wrapper({args}):
    cache = r._cache
    if cache is None:
        NO_SCOPE()
    v = cache.get(K, EMPTY)
    if v is EMPTY:
        claim = [THREAD(), None, None]
        other = cache.setdefault(CK, claim)
        if other is not claim:
            return CONTENDED(other, cache, {args})
        try:
            v = build({args})
        except BaseException as e:
            claim[2] = e
            del cache[CK]
            if claim[1] is not None:
                WAKE(claim, r)
            raise
        cache[K] = v
        del cache[CK]
        if claim[1] is not None:
            WAKE(claim, r)
        return v
    {record_v}
    return v
"""

_SCOPED_ASYNC = """
async def wrapper({args}):
    cache = r._cache
    if cache is None:
        NO_SCOPE()
    while True:
        v = cache.get(K, EMPTY)
        if v is not EMPTY:
            {record_v}
            return v
        lock = r._lock
        if lock is None:  # the scope's first creation: make its lock
            lock = r._lock = cache.setdefault(LOCK_KEY, NEW_LOCK())
        lock.acquire()
        try:
            v = cache.get(K, EMPTY)
            if v is EMPTY:
                pendings = r._pending
                if pendings is None:
                    pendings = r._pending = {{}}
                pending = pendings.get(K)
                if pending is None:
                    pending = pendings[K] = NEW_FUTURE()
                    WAITS.started((r, K), R, OWNER())
                    break
        finally:
            lock.release()
        await WAIT_BUILDER(pending, R, (r, K))
    try:
        v = await build({args})
    except BaseException as e:
        lock.acquire()
        try:
            pendings.pop(K, None)
        finally:
            lock.release()
        WAITS.finished((r, K))
        FAIL(pending, e)
        raise
    lock.acquire()
    try:
        cache[K] = v
        pendings.pop(K, None)
    finally:
        lock.release()
    WAITS.finished((r, K))
    RELEASE(pending)
    return v
"""

_CUSTOM_SYNC = """
def wrapper({args}):
    storage = CURRENT()
    if storage is None:
        NO_SCOPE()
    v = storage.get(K, EMPTY)
    if v is EMPTY:
        lock = LOCKS[(id(storage) >> 4) & 15]
        lock.acquire()
        try:
            v = storage.get(K, EMPTY)
            if v is EMPTY:
                v = build({owner_args})
                storage[K] = v
                return v
        finally:
            lock.release()
    {record_v}
    return v
"""

_CUSTOM_ASYNC = """
async def wrapper({args}):
    storage = CURRENT()
    if storage is None:
        NO_SCOPE()
    while True:
        v = storage.get(K, EMPTY)
        if v is not EMPTY:
            {record_v}
            return v
        lock = LOCKS[(id(storage) >> 4) & 15]
        lock.acquire()
        try:
            v = storage.get(K, EMPTY)
            if v is EMPTY:
                pending = pendings.get(id(storage))
                if pending is None:
                    pending = pendings[id(storage)] = NEW_FUTURE()
                    break
        finally:
            lock.release()
        await WAIT(pending, R)
    try:
        v = await build({owner_args})
    except BaseException as e:
        lock = LOCKS[(id(storage) >> 4) & 15]
        lock.acquire()
        try:
            pendings.pop(id(storage), None)
        finally:
            lock.release()
        FAIL(pending, e)
        raise
    lock = LOCKS[(id(storage) >> 4) & 15]
    lock.acquire()
    try:
        storage[K] = v
        pendings.pop(id(storage), None)
    finally:
        lock.release()
    RELEASE(pending)
    return v
"""

# A context value (add_context): given to the scope by create_scope(context=),
# stored in its cache under the registration; never built here.
_CONTEXT_SYNC = """
def wrapper({args}):
    cache = r._cache
    if cache is None:
        NO_SCOPE()
    v = cache.get(K, EMPTY)
    if v is EMPTY:
        NOT_GIVEN()
    {record_v}
    return v
"""

_CONTEXT_ASYNC = "async " + _CONTEXT_SYNC.lstrip("\n")

TEMPLATES = {
    ("singleton", False): _SINGLETON_SYNC,
    ("singleton", True): _SINGLETON_ASYNC,
    ("scoped", False): _SCOPED_SYNC,
    ("scoped", True): _SCOPED_ASYNC,
    ("custom", False): _CUSTOM_SYNC,
    ("custom", True): _CUSTOM_ASYNC,
    ("context", False): _CONTEXT_SYNC,
    ("context", True): _CONTEXT_ASYNC,
}


@functools.cache
def fill(kind: str, *, is_async: bool, ctx: bool) -> tuple[str, ...]:
    """Return the lines of the ``kind`` wrapper for one mode (filled once)."""
    template = TEMPLATES[(kind, is_async)]
    source = template.format(
        args="r, g" if ctx else "r",
        root_args="ROOT, g" if ctx else "ROOT",
        owner_args="OWNER(storage), g" if ctx else "OWNER(storage)",
        record_v="g._record(R, v)" if ctx else "pass",
    )
    return tuple(source.strip("\n").splitlines())


def scoped_merged(body: list[str]) -> list[str]:
    """The sync scoped wrapper with the build's ``body`` (which sets ``o``) inlined.

    The same protocol as ``_SCOPED_SYNC``, in one frame: the failure's path
    is recorded (``T``) before waiters may see the exception.
    """
    return [
        "def wrapper(r):",
        "    cache = r._cache",
        "    if cache is None:",
        "        NO_SCOPE()",
        "    v = cache.get(K, EMPTY)",
        "    if v is not EMPTY:",
        "        return v",
        "    claim = [THREAD(), None, None]",
        "    other = cache.setdefault(CK, claim)",
        "    if other is not claim:",
        "        return CONTENDED(other, cache, r)",
        "    try:",
        *[f"        {line}" for line in body],
        "    except BaseException as e:",
        "        T(e, L, N)",
        "        claim[2] = e",
        "        del cache[CK]",
        "        if claim[1] is not None:",
        "            WAKE(claim, r)",
        "        raise",
        "    cache[K] = o",
        "    del cache[CK]",
        "    if claim[1] is not None:",
        "        WAKE(claim, r)",
        "    return o",
    ]
