"""The classes every adapter registers, and the two baselines of each scenario.

Every library builds exactly these objects, so a ratio to a baseline is a
ratio of container overhead on identical work. Each scenario has two:

- ``pure_*``: **pure construction**, the same objects built by plain
  constructor calls and nothing else (no dict, no close, no registry): the
  physical limit, what an application wired by hand in straight-line code pays;
- ``baseline_*``: **hand-written**, what one writes instead of a container
  when one also wants its bookkeeping: a per-request dict with get-or-create
  and an explicit ``close()``, a ``{type: dependencies}`` registry.

Where the two are the same code (scenario a, the feature scenarios built from
plain calls), the ``pure_*`` name is the same function, and it is timed once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

# --- scenario a: a 10-class all-transient graph -------------------------------
# The graph built is the one baseline_transient() writes out by hand.


class X:
    pass


class Y:
    pass


class U:
    pass


class V:
    pass


class W:
    pass


class Z:
    def __init__(self, u: U) -> None:
        self.u = u


class A:
    def __init__(self, x: X, y: Y) -> None:
        self.x = x
        self.y = y


class B:
    def __init__(self, z: Z) -> None:
        self.z = z


class C:
    def __init__(self, v: V, w: W) -> None:
        self.v = v
        self.w = w


class Root:
    def __init__(self, a: A, b: B, c: C) -> None:
        self.a = a
        self.b = b
        self.c = c


# Leaves first, so explicit-wiring libraries can register in this order.
TRANSIENT_CLASSES = (X, Y, U, V, W, Z, A, B, C, Root)


def baseline_transient() -> Root:
    return Root(A(X(), Y()), B(Z(U())), C(V(), W()))


pure_transient = baseline_transient  # already nothing but constructor calls


# --- scenarios b, c, d: a singleton, and a scoped service ---------------------


class Settings:
    pass


class Repo:
    pass


class Clock:
    pass


class RequestService:
    """Scoped; depends on one singleton and two transients."""

    def __init__(self, settings: Settings, repo: Repo, clock: Clock) -> None:
        self.settings = settings
        self.repo = repo
        self.clock = clock


SETTINGS = Settings()


def baseline_singleton() -> Settings:
    return SETTINGS


def _make_pure_singleton():
    settings = SETTINGS

    def pure_singleton() -> Settings:
        """Read a pre-built object from a closure variable."""
        return settings

    return pure_singleton


pure_singleton = _make_pure_singleton()


class HandScope:
    """A dict-per-request scope with an explicit close(), as one would write it."""

    __slots__ = ("cache",)

    def __init__(self) -> None:
        self.cache: dict[type, object] = {}

    def request_service(self) -> RequestService:
        service = self.cache.get(RequestService)
        if service is None:
            service = RequestService(SETTINGS, Repo(), Clock())
            self.cache[RequestService] = service
        return service  # type: ignore[return-value]

    def close(self) -> None:
        for obj in reversed(list(self.cache.values())):
            close = getattr(obj, "close", None)
            if close is not None:
                close()
        self.cache.clear()


def baseline_scoped() -> RequestService:
    scope = HandScope()
    try:
        return scope.request_service()
    finally:
        scope.close()


async def baseline_scoped_async() -> RequestService:
    scope = HandScope()
    try:
        return scope.request_service()
    finally:
        scope.close()


def baseline_scoped_pair() -> tuple[RequestService, RequestService]:
    scope = HandScope()
    try:
        return scope.request_service(), scope.request_service()
    finally:
        scope.close()


async def baseline_scoped_async_pair() -> tuple[RequestService, RequestService]:
    return baseline_scoped_pair()


def pure_scoped() -> RequestService:
    """The request's object graph, built by its constructors: no dict, no close."""
    return RequestService(SETTINGS, Repo(), Clock())


async def pure_scoped_async() -> RequestService:
    return RequestService(SETTINGS, Repo(), Clock())


def pure_scoped_pair() -> tuple[RequestService, RequestService]:
    service = RequestService(SETTINGS, Repo(), Clock())
    return service, service  # plain code passes the one object along


async def pure_scoped_async_pair() -> tuple[RequestService, RequestService]:
    return pure_scoped_pair()


# --- scenarios e, f: 200 registered classes -----------------------------------
# 20 layers of 10; each class past layer 0 takes two classes of the layer below.
# All are singletons, so a first resolve of all 200 builds each exactly once.

LAYERS = 20
WIDTH = 10


def _make_class(name: str, deps: tuple[type, ...]) -> type:
    # Compiled without this module's `from __future__ import annotations`, so
    # the hints are real classes; the names also resolve in this module.
    params = "".join(f", d{i}: {dep.__name__}" for i, dep in enumerate(deps))
    body = (
        "\n".join(f"        self.d{i} = d{i}" for i in range(len(deps)))
        or "        pass"
    )
    source = f"class {name}:\n    def __init__(self{params}) -> None:\n{body}\n"
    exec(
        compile(source, f"<benchmark class {name}>", "exec", dont_inherit=True),
        globals(),
    )
    cls = globals()[name]
    assert isinstance(cls, type)
    return cls


def make_layered_graph(
    layers: int, width: int, prefix: str = "Big"
) -> list[tuple[type, tuple[type, ...]]]:
    """``layers`` layers of ``width`` classes; each past layer 0 takes two below."""
    graph: list[tuple[type, tuple[type, ...]]] = []
    previous: list[type] = []
    digits = len(str(layers - 1))
    for layer in range(layers):
        current = []
        for i in range(width):
            deps = () if layer == 0 else (previous[i], previous[(i + 1) % width])
            cls = _make_class(f"{prefix}{layer:0{digits}d}_{i}", deps)
            graph.append((cls, deps))
            current.append(cls)
        previous = current
    return graph


def make_chain(depth: int, prefix: str = "Chain") -> list[type]:
    """``depth`` classes, each taking the one before it: a graph ``depth`` deep."""
    chain: list[type] = []
    for level in range(depth):
        deps = (chain[-1],) if chain else ()
        chain.append(_make_class(f"{prefix}{level:03d}", deps))
    return chain


def straight_line_builder(
    graph: list[tuple[type, tuple[type, ...]]],
) -> Callable[[], list[object]]:
    """Pure construction of a whole graph of singletons, as plain code would do
    it at startup: one generated function of ``oN = ClassN(oI, oJ)`` lines (no
    dict, no loop), returning every object in ``graph`` order."""
    index = {cls: i for i, (cls, _) in enumerate(graph)}
    names = {f"C{i}": cls for i, (cls, _) in enumerate(graph)}
    lines = ["def build():"]
    for i, (_, deps) in enumerate(graph):
        args = ", ".join(f"o{index[dep]}" for dep in deps)
        lines.append(f"    o{i} = C{i}({args})")
    lines.append("    return [" + ", ".join(f"o{i}" for i in range(len(graph))) + "]")
    namespace: dict[str, object] = dict(names)
    exec(compile("\n".join(lines), "<straight-line build>", "exec"), namespace)
    return namespace["build"]  # type: ignore[return-value]


def nested_builder(chain: list[type]) -> Callable[[], object]:
    """Pure construction of a transient chain: ``CN(...C1(C0())...)``."""
    names = {f"C{i}": cls for i, cls in enumerate(chain)}
    expression = "C0()"
    for i in range(1, len(chain)):
        expression = f"C{i}({expression})"
    namespace: dict[str, object] = dict(names)
    exec(
        compile(f"def build():\n    return {expression}\n", "<nested>", "exec"),
        namespace,
    )
    return namespace["build"]  # type: ignore[return-value]


def hand_registry_builder(
    graph: list[tuple[type, tuple[type, ...]]],
) -> Callable[[], list[object]]:
    """The hand-written registry of scenario f for any graph: the dict, then
    each object built once, in order."""
    classes = [cls for cls, _ in graph]

    def build() -> list[object]:
        registry = dict(graph)
        instances: dict[type, object] = {}
        for cls, deps in registry.items():
            instances[cls] = cls(*[instances[dep] for dep in deps])
        return [instances[cls] for cls in classes]

    return build


BIG_GRAPH = make_layered_graph(LAYERS, WIDTH)  # (class, deps), dependencies first
BIG_CLASSES = [cls for cls, _ in BIG_GRAPH]


def baseline_build() -> dict[type, tuple[type, ...]]:
    """A hand-written registry: type -> the types it needs."""
    return dict(BIG_GRAPH)


def baseline_build_resolve() -> list[object]:
    registry = dict(BIG_GRAPH)
    instances: dict[type, object] = {}
    for cls, deps in registry.items():
        instances[cls] = cls(*[instances[dep] for dep in deps])
    return [instances[cls] for cls in BIG_CLASSES]


# Plain code has no build step: an application wired by hand constructs its
# objects at startup, so both e and f divide by that construction of all 200.
pure_build_resolve = straight_line_builder(BIG_GRAPH)
pure_build = pure_build_resolve


# --- wiredi feature scenarios -------------------------------------------------


class Handler:
    """Takes a logger named after its own module (DependencyContext)."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger


def baseline_context_logger() -> Handler:
    return Handler(logging.getLogger(Handler.__module__))


pure_context_logger = baseline_context_logger


class UserRepo:
    pass


class UserHandler:
    """Registered in the component "user" (with its UserRepo)."""

    def __init__(self, repo: UserRepo) -> None:
        self.repo = repo


def baseline_component() -> UserHandler:
    return UserHandler(UserRepo())


pure_component = baseline_component


class TenantCache:
    """Lives in a custom "tenant" scope."""


TENANT_STORES: dict[str, dict[type, object]] = {}


def baseline_custom_scope() -> TenantCache:
    scope = HandScope()
    try:
        store = TENANT_STORES.get("ACME")
        if store is None:
            store = TENANT_STORES["ACME"] = {}
        cache = store.get(TenantCache)
        if cache is None:
            cache = store[TenantCache] = TenantCache()
        return cache  # type: ignore[return-value]
    finally:
        scope.close()


def _make_pure_custom_scope():
    cache = TenantCache()

    def pure_custom_scope() -> TenantCache:
        """The tenant's object, pre-built and read from a closure variable."""
        return cache

    return pure_custom_scope


pure_custom_scope = _make_pure_custom_scope()


class FakeX(X):
    pass


FAKE_X = FakeX()


def baseline_override() -> Root:
    return Root(A(FAKE_X, Y()), B(Z(U())), C(V(), W()))


pure_override = baseline_override
