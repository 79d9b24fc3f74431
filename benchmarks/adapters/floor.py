"""The floor: a minimal reference container, written for the benchmarks only.

It keeps the guarantees a real container must keep and does nothing more, so
its ratios are the floor that any pure-Python container with them pays:

- ``build()`` reads each constructor's parameters and hints (``__code__`` and
  ``__annotations__``; ``get_type_hints`` only for string hints) and raises
  unless every dependency is registered, there is no cycle and no singleton
  depends, directly or through transients, on a scoped service.
- A transient is built fresh; a singleton once, under its own lock,
  double-checked; once built, its table entry returns it with no lock and no
  Python frame. A scoped service once per scope, claimed with an atomic
  ``dict.setdefault``. A scope is a context manager (sync and async) that
  closes what it created that has ``close()``, newest first, and raises on a
  resolve once closed.
- A type's resolver is made on its first resolve: a singleton is simply built
  (no code generated: the floor of f); a transient or scoped type gets one
  generated function, its plain transient dependencies inlined into one
  constructor expression, as wiredi and diwire do (the floor of a).
"""

from __future__ import annotations

import threading
import typing
from functools import partial
from itertools import repeat

import _graphs as g

SINGLETON, SCOPED, TRANSIENT = "singleton", "scoped", "transient"
_Lock = threading.Lock


class FloorError(Exception):
    pass


def _dependencies(cls: type) -> tuple[type, ...]:
    """The types of the parameters of ``cls.__init__``, in order."""
    init = cls.__init__
    if init is object.__init__:
        return ()
    code = init.__code__
    if code.co_kwonlyargcount or code.co_flags & 0x0C:  # *args, **kwargs
        raise FloorError(f"{cls.__name__}: only positional parameters are injected")
    # The hints are in parameter order, "return" last: when every parameter but
    # self has one and none is a string, they are the dependencies.
    hints = init.__annotations__
    deps = tuple(hints.values())
    if "return" in hints:
        deps = deps[:-1]
    if len(deps) == code.co_argcount - 1 and str not in map(type, deps):
        return deps
    hints = typing.get_type_hints(init)  # postponed annotations, or some missing
    names = code.co_varnames[1 : code.co_argcount]
    missing = [name for name in names if name not in hints]
    if missing:
        raise FloorError(f"{cls.__name__}: parameter {missing[0]} has no hint")
    return tuple([hints[name] for name in names])


class Registry:
    def __init__(self) -> None:
        self._lifetimes: dict[type, str] = {}

    def register(self, cls: type, lifetime: str) -> None:
        if lifetime not in (SINGLETON, SCOPED, TRANSIENT):
            raise FloorError(f"unknown lifetime {lifetime!r}")
        self._lifetimes[cls] = lifetime

    def build(self) -> Container:
        lifetimes = self._lifetimes
        deps = {cls: _dependencies(cls) for cls in lifetimes}
        # An iterative depth-first walk finds missing services and cycles, and
        # records, dependencies first, which types need a scope: scoped ones,
        # and transients that depend on one or have close() (a scope owns
        # what it must close). A singleton must not need one.
        in_scope: dict[type, bool] = {}  # also: the types already checked
        for start in lifetimes:
            if start in in_scope:
                continue
            path = {start}
            stack = [(start, iter(deps[start]))]
            while stack:
                cls, pending = stack[-1]
                for dep in pending:
                    if dep in in_scope:
                        continue
                    if dep in path:
                        raise FloorError(f"dependency cycle through {dep.__name__}")
                    if dep not in lifetimes:
                        raise FloorError(
                            f"{cls.__name__} needs {dep!r}: not registered"
                        )
                    path.add(dep)
                    stack.append((dep, iter(deps[dep])))
                    break
                else:
                    stack.pop()
                    path.discard(cls)
                    needs = True in map(in_scope.__getitem__, deps[cls])
                    lifetime = lifetimes[cls]
                    if lifetime == SINGLETON and needs:
                        raise FloorError(
                            f"singleton {cls.__name__} depends on a scoped service"
                        )
                    in_scope[cls] = lifetime == SCOPED or (
                        lifetime == TRANSIENT and (needs or hasattr(cls, "close"))
                    )
        return Container(lifetimes, deps, in_scope)


class Container:
    def __init__(self, lifetimes, deps, in_scope) -> None:
        self._lifetimes, self._deps, self._in_scope = lifetimes, deps, in_scope
        # type -> resolver: `_root` takes no argument and holds no in_scope type;
        # `_all` (what a scope resolves) takes the scope.
        self._root: dict[type, object] = {}
        self._all: dict[type, object] = {}
        self._locks: dict[type, object] = {}  # one per singleton
        self._owned: list[object] = []  # singletons with close()
        self.scope = partial(Scope, self, self._all)

    def get(self, cls):
        try:
            resolver = self._root[cls]
        except KeyError:  # first resolve of cls
            resolver = self._compile_root(cls)
        return resolver()

    def close(self) -> None:
        _close_all(self._owned)

    # --- on a type's first resolve ------------------------------------------------

    def _compile_root(self, cls):
        lifetime = self._lifetimes.get(cls)
        if lifetime is None:
            raise FloorError(f"{cls!r} is not registered")
        if lifetime == SINGLETON:
            return self._singleton(cls)
        if self._in_scope[cls]:
            raise FloorError(f"{cls.__name__} can only be resolved from a scope")
        return self._root.setdefault(cls, self._compile(cls))

    def _compile_scoped(self, cls):
        if cls not in self._lifetimes:
            raise FloorError(f"{cls!r} is not registered")
        if self._lifetimes[cls] == SINGLETON:  # next(iterator, scope) -> the object
            resolver = partial(next, repeat(self._singleton(cls)()))
        elif self._in_scope[cls]:
            resolver = self._compile(cls)
        else:
            resolver = self._compile_root(cls)  # generated with `s=None`
        return self._all.setdefault(cls, resolver)  # a racing compile: first wins

    def _singleton(self, cls):
        """Build cls once (its own lock, double-checked); its resolver after."""
        lock = self._locks.setdefault(cls, _Lock())
        lock.acquire()
        try:
            resolver = self._root.get(cls)
            if resolver is None:
                obj = cls(*map(self.get, self._deps[cls]))
                if hasattr(cls, "close"):
                    self._owned.append(obj)
                # From now on a read takes no lock and runs no Python code.
                resolver = self._root[cls] = repeat(obj).__next__
        finally:
            lock.release()
        return resolver

    def _compile(self, cls):
        """A transient or scoped type's resolver: one generated function."""
        namespace = {"_root": self._root, "_wait": _wait, "_wake": _wake}
        expression = self._expression(cls, namespace)
        owned = hasattr(cls, "close")
        template = _SCOPED if self._lifetimes[cls] == SCOPED else _TRANSIENT[owned]
        source = template.format(
            expression=expression, own="s._own(obj)" if owned else "pass"
        )
        namespace["C"] = cls
        exec(compile(source, f"<floor {cls.__name__}>", "exec"), namespace)
        return namespace["resolve"]

    def _expression(self, cls, namespace) -> str:
        """``cls(...)``, plain transients inlined; a singleton is read from
        `_root` (built first), an in_scope type called with the scope."""
        args = []
        for dep in self._deps[cls]:
            if self._lifetimes[dep] == SINGLETON:
                self._singleton(dep)
                args.append(f"_root[{_name(dep, namespace)}]()")
            elif self._in_scope[dep]:
                resolver = self._all.get(dep) or self._compile_scoped(dep)
                args.append(f"{_name(resolver, namespace)}(s)")
            else:
                args.append(self._expression(dep, namespace))
        return f"{_name(cls, namespace)}({', '.join(args)})"


_TRANSIENT = {  # by whether the scope must close it
    False: "def resolve(s=None):\n    return {expression}\n",
    True: "def resolve(s):\n    obj = {expression}\n    {own}\n    return obj\n",
}

# A scoped service: one per scope. The first thread claims the cache entry with
# an atomic setdefault; another thread that finds the claim waits for it.
_SCOPED = """
def resolve(s):
    cache = s._cache
    obj = cache.get(C)
    if obj is None:
        claim = []
        obj = cache.setdefault(C, claim)
        if obj is claim:
            try:
                obj = cache[C] = {expression}
            except BaseException:
                del cache[C]
                _wake(claim)
                raise
            {own}
            if claim:
                _wake(claim)
            return obj
    if obj.__class__ is list:  # another thread's claim (no service is a list)
        _wait(obj, cache, C)
        return resolve(s)
    return obj
"""


def _name(obj: object, namespace: dict) -> str:
    name = f"_c{len(namespace)}"
    namespace[name] = obj
    return name


def _wait(claim: list, cache: dict, cls: type) -> None:
    event = threading.Event()
    claim.append(event)
    if cache.get(cls) is claim:  # else the builder finished before the append
        event.wait()


def _wake(claim: list) -> None:
    for event in claim:
        event.set()


def _close_all(owned: list) -> None:
    errors = []
    while owned:
        try:
            owned.pop().close()
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise errors[0]


_CLOSED: dict[type, object] = {}  # a closed scope's table
_OWNED = object()  # the key of a scope's list of what it must close


class Scope:
    __slots__ = ("_cache", "_container", "_table")

    def __init__(self, container, table) -> None:
        self._container = container
        self._table = table
        self._cache: dict[object, object] = {}

    def get(self, cls):
        try:
            resolver = self._table[cls]
        except KeyError:  # first resolve of cls in this container, or closed
            if self._table is _CLOSED:
                raise FloorError("the scope is closed") from None
            resolver = self._container._compile_scoped(cls)
        return resolver(self)

    def _own(self, obj) -> None:
        self._cache.setdefault(_OWNED, []).append(obj)  # atomic, as are appends

    def close(self, exc_type=None, exc=None, traceback=None) -> None:
        self._table = _CLOSED
        owned = self._cache.get(_OWNED)
        if owned is not None:
            _close_all(owned)

    def __enter__(self):
        return self

    __exit__ = close  # (no extra frame for `with`)

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, traceback) -> None:
        self.close()


# --- the benchmark adapter -------------------------------------------------------


def _scoped_container() -> Container:
    registry = Registry()
    registry.register(g.Settings, SINGLETON)
    registry.register(g.Repo, TRANSIENT)
    registry.register(g.Clock, TRANSIENT)
    registry.register(g.RequestService, SCOPED)
    return registry.build()


class Adapter:
    dist = "floor"
    reference = True  # a reference row of the tables, not a peer
    mode = (
        "benchmarks/adapters/floor.py: validated build, thread-safe singletons"
        " and scopes, a scope closes what it created; code generated for"
        " transients and scoped services, none for singletons; d is `async with`"
        " and a sync get (no async factories, so nothing to await)"
    )

    def transient_graph(self):
        registry = Registry()
        for cls in g.TRANSIENT_CLASSES:
            registry.register(cls, TRANSIENT)
        get = registry.build().get
        root = g.Root
        return lambda: get(root)

    def singleton(self):
        get = _scoped_container().get
        settings = g.Settings
        return lambda: get(settings)

    def scoped(self):
        scope = _scoped_container().scope
        service = g.RequestService

        def op():
            with scope() as s:
                return s.get(service)

        return op

    def scoped_pair(self):
        scope = _scoped_container().scope

        def op():
            with scope() as s:
                return s.get(g.RequestService), s.get(g.RequestService)

        return op

    def scoped_async(self):
        scope = _scoped_container().scope
        service = g.RequestService

        async def op():
            async with scope() as s:
                return s.get(service)

        return op

    def scoped_async_pair(self):
        scope = _scoped_container().scope

        async def op():
            async with scope() as s:
                return s.get(g.RequestService), s.get(g.RequestService)

        return op

    def build(self):
        classes = g.BIG_CLASSES

        def op():
            registry = Registry()
            for cls in classes:
                registry.register(cls, SINGLETON)
            return registry.build()

        return op

    def build_resolve(self):
        classes = g.BIG_CLASSES

        def op():
            registry = Registry()
            for cls in classes:
                registry.register(cls, SINGLETON)
            get = registry.build().get
            return [get(cls) for cls in classes]

        return op
