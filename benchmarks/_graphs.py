"""The classes every adapter registers, and the hand-written baselines.

Every library builds exactly these objects, so a ratio to the baseline is a
ratio of container overhead on identical work.
"""

from __future__ import annotations

import logging

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


def _make_big_graph() -> list[tuple[type, tuple[type, ...]]]:
    graph: list[tuple[type, tuple[type, ...]]] = []
    previous: list[type] = []
    for layer in range(LAYERS):
        current = []
        for i in range(WIDTH):
            deps = () if layer == 0 else (previous[i], previous[(i + 1) % WIDTH])
            cls = _make_class(f"Big{layer:02d}_{i}", deps)
            graph.append((cls, deps))
            current.append(cls)
        previous = current
    return graph


BIG_GRAPH = _make_big_graph()  # (class, its dependencies), dependencies first
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


# --- wiredi feature scenarios -------------------------------------------------


class Handler:
    """Takes a logger named after its own module (DependencyContext)."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger


def baseline_context_logger() -> Handler:
    return Handler(logging.getLogger(Handler.__module__))


class UserRepo:
    pass


class UserHandler:
    """Registered in the component "user" (with its UserRepo)."""

    def __init__(self, repo: UserRepo) -> None:
        self.repo = repo


def baseline_component() -> UserHandler:
    return UserHandler(UserRepo())


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


class FakeX(X):
    pass


FAKE_X = FakeX()


def baseline_override() -> Root:
    return Root(A(FAKE_X, Y()), B(Z(U())), C(V(), W()))
