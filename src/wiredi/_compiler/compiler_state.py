"""What every part of the compiler shares: its tables, slots and locks."""

from __future__ import annotations

import _thread
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from wiredi._compiler.finalizers import (
    is_disposable_type,
)
from wiredi._compiler.opaque_builds import OpaqueBuildStack
from wiredi._compiler.raising import (
    missing_raiser,
    unresolvable_raiser,
)
from wiredi._compiler.singleton_builds import edge_producer
from wiredi._compiler.wait_graph import WaitGraph
from wiredi._graph.facts import GraphFacts
from wiredi._graph.registry import Registry
from wiredi._registration.registration import Registration
from wiredi.errors import (
    DependencyNode,
)

__all__ = [
    "EMPTY",
    "SCOPE_LOCK_KEY",
    "Attempt",
    "ClaimKey",
    "CompilerState",
    "OverrideKey",
    "Slot",
]

EMPTY: Any = type("_Empty", (), {"__repr__": lambda _: "<empty>"})()
# where a scope keeps its creation lock: in its own cache, set with the atomic
# dict.setdefault on its first creation, so no lock is shared between scopes
SCOPE_LOCK_KEY: Any = type("_ScopeLock", (), {"__repr__": lambda _: "<lock>"})()
Fn = Callable[..., Any]
Chain = tuple[DependencyNode, ...]
_log = logging.getLogger("wiredi")


class Attempt:
    """One thread's attempt at a singleton: how it failed, for those waiting."""

    __slots__ = ("error",)

    def __init__(self) -> None:
        self.error: Exception | None = None


class Slot:
    """A singleton's instance, created once under ``lock``.

    ``pending`` is the future async waiters wait on; ``attempt`` the sync
    creation under way.
    """

    __slots__ = ("attempt", "lock", "pending", "value")

    def __init__(self) -> None:
        self.value: Any = EMPTY
        self.lock = _thread.RLock()
        self.pending: concurrent.futures.Future[None] | None = None
        self.attempt: Attempt | None = None


class ClaimKey:
    """Where a scope's cache holds the claim on a key while it is being built."""

    __slots__ = ("key",)

    def __init__(self, key: object) -> None:
        self.key = key


class OverrideKey:
    """Cache key of a registration owned by one compiler layer."""

    __slots__ = ("registration",)

    def __init__(self, registration: Registration) -> None:
        self.registration = registration


class CompilerState:
    """The registry, the compiled tables and the build bookkeeping of a compiler."""

    def __init__(
        self,
        registry: Registry,
        root: Any,
        *,
        base: CompilerState | None = None,
        overridden: frozenset[Registration] = frozenset(),
        offload: Callable[..., Awaitable[Any]] | None = None,
    ) -> None:
        self.registry = registry
        self.root = root
        self.base = base
        self.overridden = overridden
        # await offload(f, *args) runs a sync call elsewhere (a thread pool):
        # set on the compiler of Compiler.offloading, for async graphs only
        self.offload = offload
        self._offloading: dict[Any, Any] = {}  # offload -> Compiler.offloading's
        self._disposable_types: dict[type, bool] = {}
        self._keys: dict[Registration, OverrideKey] = {}
        # one claim key per cache key, shared by override layers (as keys are)
        self.claim_keys: dict[Any, ClaimKey] = (
            base.claim_keys if base is not None else {}
        )
        self.lock = threading.RLock()
        self.sync_fns: dict[Registration, Fn] = {}
        self.async_fns: dict[Registration, Fn] = {}
        self.slots: dict[Registration, Slot] = {}
        self._fns: dict[tuple[bool, bool], dict[Registration, Fn]] = {
            (False, False): self.sync_fns,
            (True, False): self.async_fns,
            (False, True): {},
            (True, True): {},
        }
        self.flags = GraphFacts(registry, overridden)
        self._stack: list[tuple[Registration, bool, bool]] = []
        self._custom_locks: dict[Registration, list[threading.RLock]] = {}
        # builds that may resolve anything, shared by override layers
        self.opaque: OpaqueBuildStack = (
            base.opaque if base is not None else OpaqueBuildStack(registry)
        )
        # singletons being built and who waits for them (slots are shared)
        self.waits: WaitGraph = base.waits if base is not None else WaitGraph(registry)
        self._disposable = self.is_disposable  # bound once, held by many builds
        self._produce = edge_producer(
            self.sync_fns,
            lambda target: self.fn_held(target, is_async=False, ctx=False),
            lambda edge, owner: missing_raiser(
                registry,
                edge.service_type,
                edge.component,
                name=edge.name,
                owner=owner,
            ),
            lambda edge: unresolvable_raiser(edge.problem),
        )

    def is_disposable(self, obj: object) -> bool:
        """Whether a factory's result has ``close``/``dispose``/``aclose``.

        Decided once per type (the methods are looked up on the class), since
        factories are called on every resolve.
        """
        kind = type(obj)
        found = self._disposable_types.get(kind)
        if found is None:
            found = self._disposable_types[kind] = is_disposable_type(kind)
        return found

    # The parts of the compiler call each other: these methods are defined by
    # Compiler (fn, fn_held, _separate_build) and LifetimeWrappers (the rest), and only
    # declared here, as attributes, so that each part type-checks its calls.
    fn: Callable[..., Fn]
    """``fn(reg, *, is_async, ctx)``: the resolver of ``reg``, compiled on first use."""
    fn_held: Callable[..., Fn]
    """``fn`` for a caller holding ``lock`` (every compile step does)."""
    slot: Callable[[Registration], Slot]
    """The singleton slot of a registration."""
    singleton_resolver: Callable[..., Fn]
    """``singleton_resolver(reg, build=None, plain=None)``: its sync resolver."""
    _separate_build: Callable[[Registration], Fn]
    """A sync ``build`` of a registration on its own (not merged in its wrapper)."""
    scoped_names: Callable[[Registration, DependencyNode], dict[str, Any]]
    """What a sync scoped wrapper reads."""
    bind_contended: Callable[..., None]
    """``bind_contended(reg, namespace, wrapper, build=None)``: the slow path."""
    cache_key: Callable[[Registration], Any]
    """The key of a registration in scope and custom-scope caches."""
