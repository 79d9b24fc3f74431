"""Entry points: the compiled resolver for each type asked for at the top level."""

from __future__ import annotations

import contextlib
import functools
import itertools
import weakref
from collections.abc import Callable
from typing import Any

from wiredi._compiler.compiler import Compiler
from wiredi._compiler.context import CurrentGraph, DependencyContext
from wiredi._compiler.raising import missing_raiser
from wiredi._compiler.top_level_forms import (
    TopLevelForm,
    hashable,
    not_a_type,
    top_level_form,
)
from wiredi._graph.edges import Edge, edge_for
from wiredi._graph.registry import Registry
from wiredi._registration.hints import DepKind, read_callable, special_kind
from wiredi._registration.lifetimes import Lifetime
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi.errors import ScopeError

__all__ = ["EntryTables"]

Fn = Callable[[Any], Any]
AsyncEntry = tuple[Fn, bool]
Invoker = tuple[tuple[str, bool, Edge], ...]
_INSTANCE, _SINGLETON = Kind.INSTANCE, Lifetime.SINGLETON  # bound once (enum reads)
_partial, _repeat = functools.partial, itertools.repeat


class EntryTables:
    """Per-component tables of top-level resolvers, filled on first use.

    The tables are plain dicts read without a lock; they are filled under
    the compiler's lock.
    """

    def __init__(self, registry: Registry, compiler: Compiler) -> None:
        self.registry = registry
        self.compiler = compiler
        self.sync: dict[str, dict[Any, Fn]] = {"": {}}
        self.async_: dict[str, dict[Any, AsyncEntry]] = {"": {}}
        self.all_sync: dict[str, dict[Any, Fn]] = {"": {}}
        self.all_async: dict[str, dict[Any, AsyncEntry]] = {"": {}}
        # weak: functions passed to invoke() (often lambdas) must not be kept alive
        self.invokers: weakref.WeakKeyDictionary[
            Any, tuple[tuple[str, bool, Edge], ...]
        ]
        self.invokers = weakref.WeakKeyDictionary()

    # ------------------------------------------------------------- single

    def sync_fn(self, service_type: Any, component: str) -> Fn:
        """The resolver of ``service_type`` for ``get_service``.

        Also for the forms of ``top_level_forms``; an unhashable form is
        resolved again on every call (it cannot key the table).
        """
        with self.compiler.lock:
            is_key = hashable(service_type)
            reg = self.registry.resolve_one(service_type, component) if is_key else None
            if reg is not None:  # the usual case: a registered type, resolved as is
                fn = self.compiler.fn_held(reg, is_async=False, ctx=False)
            else:
                reg, form = self._target(service_type, component, is_key)
                if form.many:
                    fn = self.all_sync_fn(form.service_type, form.component)
                else:
                    fn = self._single(reg, form, is_async=False)
            if is_key:
                table = self.sync.get(component)
                if table is None:
                    table = self.sync[component] = {}
                if (  # one object for the provider, and no await: published
                    reg is not None
                    and (reg.kind is _INSTANCE or reg.lifetime == _SINGLETON)
                    and not self.compiler.flags.is_async(reg)
                ):
                    fn = self._publishing(service_type, fn, table)
                table[service_type] = fn
            return fn

    def _target(
        self, service_type: Any, component: str, is_key: bool
    ) -> tuple[Registration | None, TopLevelForm]:
        """``(registration, form)`` a top-level call resolves.

        The registration of ``service_type`` itself; failing that, what its
        top-level form asks for (``Annotated[T, FromComponent(c)]``,
        ``T | None``, ``list[T]``: no single registration for that one).
        ``is_key``: whether ``service_type`` is hashable.
        """
        reg = self.registry.resolve_one(service_type, component) if is_key else None
        if reg is None:  # (sync_fn asked resolve_one already)
            form = top_level_form(service_type, component)
            if form is not None and hashable(form.service_type):
                if form.many:
                    return None, form
                found = self.registry.resolve_one(form.service_type, form.component)
                return found, form
            if not is_key:
                raise not_a_type(service_type) from None
        return reg, TopLevelForm(service_type, component, optional=False)

    @staticmethod
    def _publishing(service_type: Any, fn: Fn, table: dict[Any, Fn]) -> Fn:
        """Wrap a singleton's resolver: once built, its entry just returns it.

        The lifetime wrapper (slot read, emptiness check) stays in use for
        the singleton as a dependency of others.
        """

        def publish(r: Any) -> Any:
            value = fn(r)
            # next(repeat(value), resolver) is value: all in C, no Python
            # frame (scenario b: 1,966 -> 1,886 instructions per get_service)
            table[service_type] = _partial(next, _repeat(value))
            return value

        return publish

    def async_entry(self, service_type: Any, component: str) -> AsyncEntry:
        """``(resolver, awaits)`` of ``service_type`` for ``get_service_async``."""
        with self.compiler.lock:
            is_key = hashable(service_type)
            reg, form = self._target(service_type, component, is_key)
            if form.many:
                entry = self.all_async_entry(form.service_type, form.component)
            else:
                awaits = reg is not None and self.compiler.flags.is_async(reg)
                entry = (self._single(reg, form, is_async=awaits), awaits)
            if is_key:
                self.async_.setdefault(component, {})[service_type] = entry
            return entry

    def _single(
        self, reg: Registration | None, form: TopLevelForm, *, is_async: bool
    ) -> Fn:
        """The resolver of ``reg``, the registration ``form`` asks for (or None)."""
        if reg is not None:
            return self.compiler.fn(reg, is_async=is_async, ctx=False)
        service_type = form.service_type
        if special_kind(service_type) is DepKind.RESOLVER:
            return _self
        if service_type in (DependencyContext, CurrentGraph):
            return _context_outside_graph(service_type)
        if form.optional:
            return _none
        return missing_raiser(
            self.registry, service_type, form.component, parameter=False
        )

    # ---------------------------------------------------------------- all

    def all_sync_fn(self, service_type: Any, component: str) -> Fn:
        """The resolver of ``get_services(service_type)``."""
        with self.compiler.lock:
            many = self._many(service_type, component)
            if many is not None:  # get_services(list[T]): one list, of every T
                every = self.all_sync_fn(many.service_type, many.component)

                def resolve_all(r: Any) -> list[Any]:
                    return [every(r)]

            else:
                regs = self._all(service_type, component)
                fns = tuple(self.compiler.sync_fn(reg) for reg in regs)

                def resolve_all(r: Any) -> list[Any]:
                    return [fn(r) for fn in fns]

            if hashable(service_type):
                self.all_sync.setdefault(component, {})[service_type] = resolve_all
            return resolve_all

    def _many(self, service_type: Any, component: str) -> TopLevelForm | None:
        """The ``list[T]`` form ``service_type`` is, unless it is registered itself."""
        if not hashable(service_type) or self.registry.lookup(service_type, component):
            return None
        form = top_level_form(service_type, component)
        if form is None or not form.many or not hashable(form.service_type):
            return None
        return form

    def _all(self, service_type: Any, component: str) -> list[Registration]:
        """The registrations ``get_services(service_type)`` resolves.

        Those of ``service_type`` itself; failing that, those of what its
        top-level form asks for (``T`` for ``T | None``: ``[]`` when none).
        """
        is_key = hashable(service_type)
        regs = self.registry.lookup(service_type, component) if is_key else []
        if not regs:
            form = top_level_form(service_type, component)
            if form is not None and hashable(form.service_type):
                return self.registry.lookup(form.service_type, form.component)
            if not is_key:
                raise not_a_type(service_type) from None
        return regs

    def all_async_entry(self, service_type: Any, component: str) -> AsyncEntry:
        """``(resolver, awaits)`` of ``get_services_async(service_type)``."""
        with self.compiler.lock:
            many = self._many(service_type, component)
            if many is not None:  # get_services_async(list[T]): one list
                every, awaits = self.all_async_entry(many.service_type, many.component)
                if awaits:

                    async def one_list(r: Any) -> list[Any]:
                        return [await every(r)]

                    entry: AsyncEntry = (one_list, True)
                else:
                    entry = (self.all_sync_fn(service_type, component), False)
                if hashable(service_type):
                    self.all_async.setdefault(component, {})[service_type] = entry
                return entry
            regs = self._all(service_type, component)
            flags = tuple(self.compiler.flags.is_async(reg) for reg in regs)
            if not any(flags):
                entry = (self.all_sync_fn(service_type, component), False)
            else:
                fns = tuple(
                    self.compiler.fn(reg, is_async=flag, ctx=False)
                    for reg, flag in zip(regs, flags, strict=True)
                )
                pairs = tuple(zip(fns, flags, strict=True))

                async def resolve_all_async(r: Any) -> list[Any]:
                    return [await fn(r) if flag else fn(r) for fn, flag in pairs]

                entry = (resolve_all_async, True)
            if hashable(service_type):
                self.all_async.setdefault(component, {})[service_type] = entry
            return entry

    # ------------------------------------------------------------- invoke

    def invoker(self, function: Any) -> Invoker:
        """``(name, keyword_only, edge)`` for each parameter of ``function``, cached."""
        try:
            found = self.invokers.get(function)
        except TypeError:  # an unhashable callable is read on every call
            found = None
        if found is not None:
            return found
        spec = read_callable(function, is_factory=False)
        result = tuple(
            (dep.name, dep.keyword_only, edge_for(self.registry, dep, ""))
            for dep in spec.dependencies
        )
        with contextlib.suppress(TypeError):
            self.invokers[function] = result
        return result


def _self(r: Any) -> Any:
    return r


def _none(_: Any) -> None:
    """``get_service(T | None)`` when ``T`` has no registration."""


def _context_outside_graph(service_type: Any) -> Fn:
    def raise_outside(*_: Any) -> Any:
        raise ScopeError(
            f"{type_name(service_type)} exists only while a graph is being built",
            service_type=service_type,
            hint=f"take {type_name(service_type)} as a parameter of a transient "
            "constructor or factory instead of resolving it directly",
        )

    return raise_outside
